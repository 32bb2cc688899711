/* binary_trees.c: the Benchmarks Game "binary-trees" in C with arenas.
 *
 * The hand-written region version: each tree is bump-allocated in an arena
 * and the whole arena is reset (not freed node by node) once the tree has
 * been checked. This is the best case a region-inferring compiler can hope
 * to approach. Same output as bench/binary_trees.hi for the same depth.
 *
 * Build: gcc -O2 -o binary_trees_arena binary_trees.c
 * Usage: binary_trees_arena [max_depth]   (default 10)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Node {
    struct Node *left, *right;
} Node;

/* A chain of chunks; allocation bumps a pointer in the newest chunk. */
typedef struct Chunk {
    struct Chunk *next;
    size_t used, cap;
    char data[];
} Chunk;

typedef struct {
    Chunk *head;
} Arena;

static void *arena_alloc(Arena *a, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = 1u << 20;
        if (n > cap) cap = n;
        Chunk *c = malloc(sizeof(Chunk) + cap);
        if (!c) { fputs("runtime error: out of memory\n", stderr); exit(101); }
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

/* Keep the first chunk for reuse, free the rest. */
static void arena_reset(Arena *a) {
    Chunk *c = a->head;
    if (!c) return;
    while (c->next) {
        Chunk *next = c->next;
        c->next = next->next;
        free(next);
    }
    c->used = 0;
}

static void arena_free(Arena *a) {
    while (a->head) {
        Chunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

static Node *bottom_up(Arena *a, int depth) {
    Node *n = arena_alloc(a, sizeof(Node));
    if (depth > 0) {
        n->left = bottom_up(a, depth - 1);
        n->right = bottom_up(a, depth - 1);
    } else {
        n->left = n->right = NULL;
    }
    return n;
}

static long check(const Node *n) {
    if (!n) return 0;
    return 1 + check(n->left) + check(n->right);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int min_depth = 4;
    int max_depth = min_depth + 2 > n ? min_depth + 2 : n;
    int stretch_depth = max_depth + 1;

    Arena tmp = {0}, keep = {0};
    printf("stretch tree of depth %d\t check: %ld\n", stretch_depth,
           check(bottom_up(&tmp, stretch_depth)));
    arena_reset(&tmp);

    Node *long_lived = bottom_up(&keep, max_depth);

    for (int depth = min_depth; depth <= max_depth; depth += 2) {
        long iterations = 1L << (max_depth - depth + min_depth);
        long total = 0;
        for (long i = 0; i < iterations; i++) {
            total += check(bottom_up(&tmp, depth));
            arena_reset(&tmp);
        }
        printf("%ld\t trees of depth %d\t check: %ld\n", iterations, depth, total);
    }

    printf("long lived tree of depth %d\t check: %ld\n", max_depth, check(long_lived));
    arena_free(&tmp);
    arena_free(&keep);
    return 0;
}
