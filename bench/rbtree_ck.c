/* rbtree_ck.c: the `rbtree-ck` benchmark of the Perceus paper (PLDI 2021)
 * in C, with a bump arena. Same output as bench/rbtree_ck.hi for the same
 * n.
 *
 * Insert n, ..., 1 into a persistent red-black tree (value: k % 10 == 0),
 * keeping every 5th version in a list, then count the true values of the
 * newest version, its height and the versions kept: Koka's rbtree-ck.kk
 * (Koka v2.1.1), node for node. The versions share nodes, so no node can
 * be updated in place or freed on its own (that would take reference
 * counts by hand; the paper has no C++ version of this benchmark for that
 * reason): every node goes in one arena (arena.h), freed at the end, so
 * the nodes of the versions that are not kept stay allocated too.
 *
 * Build: cc -O2 -o rbtree_ck rbtree_ck.c
 * Usage: rbtree_ck [n]     (default 300)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

typedef struct Node {
    const struct Node *left, *right;
    long key;
    bool red, value;
} Node;

typedef struct Versions {
    const Node *tree;
    const struct Versions *next;
} Versions;

static Arena arena;

static const Node *node(bool red, const Node *l, long k, bool v, const Node *r) {
    Node *t = arena_alloc(&arena, sizeof(Node));
    t->red = red;
    t->left = l;
    t->key = k;
    t->value = v;
    t->right = r;
    return t;
}

#define RED true
#define BLACK false

static bool is_red(const Node *t) { return t && t->red; }

static const Node *balance1(long kv, bool vv, const Node *t, const Node *s) {
    if (!s) return NULL;
    if (is_red(s->left)) {
        const Node *l = s->left;
        return node(RED, node(BLACK, l->left, l->key, l->value, l->right), s->key, s->value,
                    node(BLACK, s->right, kv, vv, t));
    }
    if (is_red(s->right)) {
        const Node *r = s->right;
        return node(RED, node(BLACK, s->left, s->key, s->value, r->left), r->key, r->value,
                    node(BLACK, r->right, kv, vv, t));
    }
    return node(BLACK, node(RED, s->left, s->key, s->value, s->right), kv, vv, t);
}

static const Node *balance2(const Node *t, long kv, bool vv, const Node *s) {
    if (!s) return NULL;
    if (is_red(s->left)) {
        const Node *l = s->left;
        return node(RED, node(BLACK, t, kv, vv, l->left), l->key, l->value,
                    node(BLACK, l->right, s->key, s->value, s->right));
    }
    if (is_red(s->right)) {
        const Node *r = s->right;
        return node(RED, node(BLACK, t, kv, vv, s->left), s->key, s->value,
                    node(BLACK, r->left, r->key, r->value, r->right));
    }
    return node(BLACK, t, kv, vv, node(RED, s->left, s->key, s->value, s->right));
}

static const Node *ins(const Node *t, long kx, bool vx) {
    if (!t) return node(RED, NULL, kx, vx, NULL);
    const Node *a = t->left, *b = t->right;
    long ky = t->key;
    bool vy = t->value;
    if (t->red) {
        if (kx < ky) return node(RED, ins(a, kx, vx), ky, vy, b);
        if (kx == ky) return node(RED, a, kx, vx, b);
        return node(RED, a, ky, vy, ins(b, kx, vx));
    }
    if (kx < ky) {
        if (is_red(a)) return balance1(ky, vy, b, ins(a, kx, vx));
        return node(BLACK, ins(a, kx, vx), ky, vy, b);
    }
    if (kx == ky) return node(BLACK, a, kx, vx, b);
    if (is_red(b)) return balance2(a, ky, vy, ins(b, kx, vx));
    return node(BLACK, a, ky, vy, ins(b, kx, vx));
}

static const Node *set_black(const Node *t) {
    return t ? node(BLACK, t->left, t->key, t->value, t->right) : t;
}

static const Node *insert(const Node *t, long k, bool v) {
    return is_red(t) ? set_black(ins(t, k, v)) : ins(t, k, v);
}

static const Versions *cons(const Node *tree, const Versions *next) {
    Versions *cell = arena_alloc(&arena, sizeof(Versions));
    cell->tree = tree;
    cell->next = next;
    return cell;
}

/* Koka's make-tree(freq, n): the newest version first, then every kept one. */
static const Versions *make_trees(long freq, long n) {
    const Node *t = NULL;
    const Versions *kept = NULL;
    for (long i = n; i > 0; i--) {
        t = insert(t, i, i % 10 == 0);
        if (i % freq == 0) kept = cons(t, kept);
    }
    return cons(t, kept);
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

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 300;
    const Versions *trees = make_trees(5, n);
    long kept = 0;
    for (const Versions *v = trees; v; v = v->next) kept++;
    printf("%ld\n%ld\n%ld\n", count_true(trees->tree, 0), height(trees->tree), kept);
    arena_free(&arena);
    return 0;
}
