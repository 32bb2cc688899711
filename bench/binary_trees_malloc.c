/* binary_trees_malloc.c: the Benchmarks Game "binary-trees" in C with
 * malloc/free, one call per node (the cost model of manual memory
 * management without pooling). Same output as bench/binary_trees.hi.
 *
 * Build: gcc -O2 -o binary_trees_malloc binary_trees_malloc.c
 * Usage: binary_trees_malloc [max_depth]   (default 10)
 */
#include <stdio.h>
#include <stdlib.h>

typedef struct Node {
    struct Node *left, *right;
} Node;

static Node *bottom_up(int depth) {
    Node *n = malloc(sizeof(Node));
    if (!n) { fputs("runtime error: out of memory\n", stderr); exit(101); }
    if (depth > 0) {
        n->left = bottom_up(depth - 1);
        n->right = bottom_up(depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const Node *n) {
    if (!n) return 0;
    return 1 + check(n->left) + check(n->right);
}

static void free_tree(Node *n) {
    if (!n) return;
    free_tree(n->left);
    free_tree(n->right);
    free(n);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int min_depth = 4;
    int max_depth = min_depth + 2 > n ? min_depth + 2 : n;
    int stretch_depth = max_depth + 1;

    Node *stretch = bottom_up(stretch_depth);
    printf("stretch tree of depth %d\t check: %ld\n", stretch_depth, check(stretch));
    free_tree(stretch);

    Node *long_lived = bottom_up(max_depth);

    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + min_depth);
        long total = 0;
        for (long i = 0; i < iterations; i++) {
            Node *t = bottom_up(depth);
            total += check(t);
            free_tree(t);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, depth, total);
    }

    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    free_tree(long_lived);
    return 0;
}
