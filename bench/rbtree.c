/* rbtree.c: the `rbtree` benchmark of the Perceus paper (PLDI 2021) in C,
 * with malloc/free. Same output as bench/rbtree.hi for the same n.
 *
 * Insert n-1, ..., 0 into a red-black tree (value: k % 10 == 0), then count
 * the true values and measure the height. The paper's C++ peer is
 * std::map, an in-place tree; this is the C programmer's in-place tree,
 * with the balancing of Koka's rbtree.kk (Koka v2.1.1) so that it builds
 * the very same tree as the other peers (its height is part of the
 * output): where the functional version builds a new node from an old one
 * on the path, this one updates the old node, which is what Perceus's
 * reuse makes of the Koka program. One malloc per key; the whole tree is
 * freed at the end.
 *
 * Build: cc -O2 -o rbtree rbtree.c
 * Usage: rbtree [n]     (default 300)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct Node {
    struct Node *left, *right;
    long key;
    bool red, value;
} Node;

static Node *new_node(long key, bool value) {
    Node *t = malloc(sizeof(Node));
    if (!t) { fputs("runtime error: out of memory\n", stderr); exit(101); }
    t->left = t->right = NULL;
    t->key = key;
    t->value = value;
    t->red = true;
    return t;
}

static bool is_red(const Node *t) { return t && t->red; }

/* Koka's balance-left(l, k, v, r), where t is the black node that held
 * k, v and r: l, l's red child and t become the three new nodes. */
static Node *balance_left(Node *l, Node *t) {
    if (is_red(l->left)) {              /* Node(_, Node(Red, ..), ky, vy, ry) */
        Node *ll = l->left;
        ll->red = false;
        t->left = l->right;
        t->red = false;
        l->right = t;
        l->red = true;
        return l;
    }
    if (is_red(l->right)) {             /* Node(_, ly, ky, vy, Node(Red, lx, kx, vx, rx)) */
        Node *lr = l->right;
        l->right = lr->left;
        l->red = false;
        t->left = lr->right;
        t->red = false;
        lr->left = l;
        lr->right = t;
        lr->red = true;
        return lr;
    }
    l->red = true;                      /* Node(Black, Node(Red, ..), k, v, r) */
    t->left = l;
    t->red = false;
    return t;
}

/* Koka's balance-right(l, k, v, r), t holding l, k and v. */
static Node *balance_right(Node *t, Node *r) {
    if (is_red(r->left)) {              /* Node(_, Node(Red, lx, kx, vx, rx), ky, vy, ry) */
        Node *rl = r->left;
        t->right = rl->left;
        t->red = false;
        r->left = rl->right;
        r->red = false;
        rl->left = t;
        rl->right = r;
        rl->red = true;
        return rl;
    }
    if (is_red(r->right)) {             /* Node(_, lx, kx, vx, Node(Red, ..)) */
        r->right->red = false;
        t->right = r->left;
        t->red = false;
        r->left = t;
        r->red = true;
        return r;
    }
    r->red = true;                      /* Node(Black, l, k, v, Node(Red, ..)) */
    t->right = r;
    t->red = false;
    return t;
}

static Node *ins(Node *t, long k, bool v) {
    if (!t) return new_node(k, v);
    if (t->red) {
        if (k < t->key) t->left = ins(t->left, k, v);
        else if (k == t->key) t->value = v;
        else t->right = ins(t->right, k, v);
        return t;
    }
    if (k < t->key) {
        if (is_red(t->left)) return balance_left(ins(t->left, k, v), t);
        t->left = ins(t->left, k, v);
        return t;
    }
    if (k == t->key) {
        t->value = v;
        return t;
    }
    if (is_red(t->right)) return balance_right(t, ins(t->right, k, v));
    t->right = ins(t->right, k, v);
    return t;
}

static Node *insert(Node *t, long k, bool v) {
    if (is_red(t)) {
        t = ins(t, k, v);
        t->red = false;
        return t;
    }
    return ins(t, k, v);
}

static long count_true(const Node *t, long acc) {
    while (t) {
        acc = count_true(t->left, acc) + (t->value ? 1 : 0);
        t = t->right;
    }
    return acc;
}

static long height(const Node *t) {
    if (!t) return 0;
    long hl = height(t->left), hr = height(t->right);
    return 1 + (hl > hr ? hl : hr);
}

static void free_tree(Node *t) {
    while (t) {
        Node *right = t->right;
        free_tree(t->left);
        free(t);
        t = right;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 300;
    Node *t = NULL;
    for (long i = n - 1; i >= 0; i--) t = insert(t, i, i % 10 == 0);
    printf("%ld\n%ld\n", count_true(t, 0), height(t));
    free_tree(t);
    return 0;
}
