/* arena.h: the bump arena of the C peers whose data is persistent and
 * shared (rbtree_ck, deriv, nqueens, cfold).
 *
 * Their objects are shared between versions (an older tree, expression or
 * list lives on inside newer ones), so a C program cannot free one without
 * knowing who else points at it: that would take reference counts by hand.
 * A C programmer gives such a short-lived program an arena instead:
 * allocation bumps a pointer, nothing is freed until the end, and the peak
 * memory is everything ever allocated. (The paper's C++ versions of deriv,
 * nqueens and cfold likewise never free; it has no C++ rbtree-ck.)
 */
#ifndef BENCH_ARENA_H
#define BENCH_ARENA_H

#include <stdio.h>
#include <stdlib.h>

typedef struct ArenaChunk {
    struct ArenaChunk *next;
    size_t used, cap;
    _Alignas(16) char data[];
} ArenaChunk;

typedef struct {
    ArenaChunk *head;
} Arena;

#define ARENA_CHUNK (4u << 20)

static void *arena_alloc(Arena *a, size_t n) {
    n = (n + 7) & ~(size_t)7;             /* every object here is 8-aligned */
    if (!a->head || a->head->used + n > a->head->cap) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        ArenaChunk *c = malloc(sizeof(ArenaChunk) + cap);
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

static void arena_free(Arena *a) {
    while (a->head) {
        ArenaChunk *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}

#endif
