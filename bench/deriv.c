/* deriv.c: the `deriv` benchmark of the Perceus paper (PLDI 2021) in C,
 * with a bump arena. Same output as bench/deriv.hi for the same n.
 *
 * Take the derivative of x^x n times with the simplifying constructors of
 * Koka's deriv.kk (Koka v2.1.1), printing the size of each derivative. The
 * structure is the paper's C++ version's (test/bench/cpp/deriv.cpp): the
 * same cases in the same order, and where a rule rebuilds a constant it
 * already has (`(f, Val(n)) -> add(Val(n), f)`) it passes that node. A
 * derivative shares the expression it was taken from, so nothing is freed
 * until the end: every node goes in one arena (arena.h), as the C++
 * version never frees.
 *
 * Build: cc -O2 -o deriv deriv.c
 * Usage: deriv [n]     (default 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

enum Kind { VAL, VAR, ADD, MUL, POW, LN };

typedef struct Expr {
    enum Kind kind;
    union {
        long value;                               /* VAL */
        const char *name;                         /* VAR */
        struct { const struct Expr *l, *r; };     /* ADD, MUL, POW; LN uses l */
    };
} Expr;

static Arena arena;

static const Expr *mk_val(long value) {
    Expr *e = arena_alloc(&arena, sizeof(Expr));
    e->kind = VAL;
    e->value = value;
    return e;
}

static const Expr *mk_var(const char *name) {
    Expr *e = arena_alloc(&arena, sizeof(Expr));
    e->kind = VAR;
    e->name = name;
    return e;
}

static const Expr *mk(enum Kind kind, const Expr *l, const Expr *r) {
    Expr *e = arena_alloc(&arena, sizeof(Expr));
    e->kind = kind;
    e->l = l;
    e->r = r;
    return e;
}

static int is_val(const Expr *e, long v) { return e->kind == VAL && e->value == v; }

static long pown(long a, long n) {
    if (n == 0) return 1;
    if (n == 1) return a;
    long b = pown(a, n / 2);
    return b * b * (n % 2 == 0 ? 1 : a);
}

static const Expr *add(const Expr *x, const Expr *y) {
    if (x->kind == VAL && y->kind == VAL) return mk_val(x->value + y->value);
    if (is_val(x, 0)) return y;
    if (is_val(y, 0)) return x;
    if (y->kind == VAL) return add(y, x);
    if (x->kind == VAL && y->kind == ADD && y->l->kind == VAL) return add(mk_val(x->value + y->l->value), y->r);
    if (y->kind == ADD && y->l->kind == VAL) return add(y->l, add(x, y->r));
    if (x->kind == ADD) return add(x->l, add(x->r, y));
    return mk(ADD, x, y);
}

static const Expr *mul(const Expr *x, const Expr *y) {
    if (x->kind == VAL && y->kind == VAL) return mk_val(x->value * y->value);
    if (is_val(x, 0)) return x;
    if (is_val(y, 0)) return y;
    if (is_val(x, 1)) return y;
    if (is_val(y, 1)) return x;
    if (y->kind == VAL) return mul(y, x);
    if (x->kind == VAL && y->kind == MUL && y->l->kind == VAL) return mul(mk_val(x->value * y->l->value), y->r);
    if (y->kind == MUL && y->l->kind == VAL) return mul(y->l, mul(x, y->r));
    if (x->kind == MUL) return mul(x->l, mul(x->r, y));
    return mk(MUL, x, y);
}

static const Expr *powr(const Expr *x, const Expr *y) {
    if (x->kind == VAL && y->kind == VAL) return mk_val(pown(x->value, y->value));
    if (is_val(y, 0)) return mk_val(1);
    if (is_val(y, 1)) return x;
    if (is_val(x, 0)) return mk_val(0);
    return mk(POW, x, y);
}

static const Expr *ln(const Expr *n) {
    if (is_val(n, 1)) return mk_val(0);
    return mk(LN, n, NULL);
}

static const Expr *d(const char *x, const Expr *e) {
    const Expr *f = e->l, *g = e->r;
    switch (e->kind) {
    case VAL: return mk_val(0);
    case VAR: return mk_val(strcmp(e->name, x) == 0 ? 1 : 0);
    case ADD: return add(d(x, f), d(x, g));
    case MUL: return add(mul(f, d(x, g)), mul(g, d(x, f)));
    case POW: return mul(powr(f, g), add(mul(mul(g, d(x, f)), powr(f, mk_val(-1))), mul(ln(f), d(x, g))));
    case LN: return mul(d(x, f), powr(f, mk_val(-1)));
    }
    abort();
}

static long count(const Expr *e) {
    switch (e->kind) {
    case VAL: case VAR: return 1;
    case LN: return count(e->l);
    default: return count(e->l) + count(e->r);
    }
}

static const Expr *deriv(long i, const Expr *f) {
    const Expr *e = d("x", f);
    printf("%ld count: %ld\n", i + 1, count(e));
    return e;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 5;
    const Expr *x = mk_var("x");
    const Expr *f = powr(x, x);
    for (long i = 0; i < n; i++) f = deriv(i, f);
    printf("done\n");
    arena_free(&arena);
    return 0;
}
