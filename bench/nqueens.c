/* nqueens.c: the `nqueens` benchmark of the Perceus paper (PLDI 2021) in
 * C, with a bump arena. Same output as bench/nqueens.hi for the same n.
 *
 * Every solution of the n-queens problem as a list of linked lists, then
 * its length: Koka's nqueens.kk (Koka v2.1.1), with the loops of the
 * paper's C++ version (test/bench/cpp/nqueens.cpp). Solutions share their
 * tails, so none can be freed on its own (the C++ version never frees):
 * every cell goes in one arena (arena.h), freed at the end.
 *
 * Build: cc -O2 -o nqueens nqueens.c
 * Usage: nqueens [n]     (default 8)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

typedef struct Solution {       /* a list of queens, the last placed first */
    long queen;
    const struct Solution *tail;
} Solution;

typedef struct Solutions {      /* a list of solutions */
    const Solution *solution;
    const struct Solutions *tail;
} Solutions;

static Arena arena;

static const Solution *cons(long queen, const Solution *tail) {
    Solution *cell = arena_alloc(&arena, sizeof(Solution));
    cell->queen = queen;
    cell->tail = tail;
    return cell;
}

static const Solutions *cons_solution(const Solution *solution, const Solutions *tail) {
    Solutions *cell = arena_alloc(&arena, sizeof(Solutions));
    cell->solution = solution;
    cell->tail = tail;
    return cell;
}

static bool safe(long queen, const Solution *xs) {
    for (long diag = 1; xs; xs = xs->tail, diag++) {
        long q = xs->queen;
        if (queen == q || queen == q + diag || queen == q - diag) return false;
    }
    return true;
}

static const Solutions *append_safe(long queen, const Solution *xs, const Solutions *xss) {
    for (; queen > 0; queen--) {
        if (safe(queen, xs)) xss = cons_solution(cons(queen, xs), xss);
    }
    return xss;
}

static const Solutions *extend(long queen, const Solutions *acc, const Solutions *xss) {
    for (; xss; xss = xss->tail) acc = append_safe(queen, xss->solution, acc);
    return acc;
}

static const Solutions *find_solutions(long n, long queen) {
    if (queen == 0) return cons_solution(NULL, NULL);
    return extend(n, NULL, find_solutions(n, queen - 1));
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 8;
    long length = 0;
    for (const Solutions *s = find_solutions(n, n); s; s = s->tail) length++;
    printf("%ld\n", length);
    arena_free(&arena);
    return 0;
}
