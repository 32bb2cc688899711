/* cfold.c: the `cfold` benchmark of the Perceus paper (PLDI 2021) in C,
 * with a bump arena. Same output as bench/cfold.hi for the same n.
 *
 * Build a sum expression of depth n, evaluate it, reassociate it into a
 * chain, fold its constants and evaluate it again: Koka's cfold.kk (Koka
 * v2.1.1), in the shape of the paper's C++ version
 * (test/bench/cpp/cfold.cpp), except that this one's constant folding
 * folds the subterms first, as Koka's and OCaml's do (the C++
 * `const_folding` looks only at the top node). The passes share subterms,
 * so nothing is freed until the end (the C++ version never frees): every
 * node goes in one arena (arena.h). The chain is 2^n long and the passes
 * recurse down it: bench/run.py raises the stack limit.
 *
 * Build: cc -O2 -o cfold cfold.c
 * Usage: cfold [n]     (default 8)
 */
#include <stdio.h>
#include <stdlib.h>

#include "arena.h"

enum Kind { VAR, VAL, ADD, MUL };

typedef struct Expr {
    enum Kind kind;
    union {
        long value;                               /* VAR (its name), VAL */
        struct { const struct Expr *l, *r; };     /* ADD, MUL */
    };
} Expr;

static Arena arena;

static const Expr *leaf(enum Kind kind, long value) {
    Expr *e = arena_alloc(&arena, sizeof(Expr));
    e->kind = kind;
    e->value = value;
    return e;
}

static const Expr *mk(enum Kind kind, const Expr *l, const Expr *r) {
    Expr *e = arena_alloc(&arena, sizeof(Expr));
    e->kind = kind;
    e->l = l;
    e->r = r;
    return e;
}

static const Expr *mk_expr(long n, long v) {
    if (n == 0) return v == 0 ? leaf(VAR, 1) : leaf(VAL, v);
    return mk(ADD, mk_expr(n - 1, v + 1), mk_expr(n - 1, v == 0 ? 0 : v - 1));
}

/* append_add and append_mul in one: the chain of `kind` nodes of e0, with
 * e3 at its end. */
static const Expr *append(enum Kind kind, const Expr *e0, const Expr *e3) {
    if (e0->kind == kind) return mk(kind, e0->l, append(kind, e0->r, e3));
    return mk(kind, e0, e3);
}

static const Expr *reassoc(const Expr *e) {
    if (e->kind == ADD || e->kind == MUL) return append(e->kind, reassoc(e->l), reassoc(e->r));
    return e;
}

static long apply(enum Kind kind, long a, long b) { return kind == ADD ? a + b : a * b; }

static const Expr *cfold(const Expr *e) {
    if (e->kind != ADD && e->kind != MUL) return e;
    const Expr *e1 = cfold(e->l);
    const Expr *e2 = cfold(e->r);
    if (e1->kind == VAL) {
        long a = e1->value;
        if (e2->kind == VAL) return leaf(VAL, apply(e->kind, a, e2->value));
        if (e2->kind == e->kind && e2->r->kind == VAL)
            return mk(e->kind, leaf(VAL, apply(e->kind, a, e2->r->value)), e2->l);
        if (e2->kind == e->kind && e2->l->kind == VAL)
            return mk(e->kind, leaf(VAL, apply(e->kind, a, e2->l->value)), e2->r);
    }
    return mk(e->kind, e1, e2);
}

static long eval(const Expr *e) {
    switch (e->kind) {
    case VAR: return 0;
    case VAL: return e->value;
    case ADD: return eval(e->l) + eval(e->r);
    case MUL: return eval(e->l) * eval(e->r);
    }
    abort();
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 8;
    const Expr *e = mk_expr(n, 1);
    long v1 = eval(e);
    long v2 = eval(cfold(reassoc(e)));
    printf("%ld\n%ld\n", v1, v2);
    arena_free(&arena);
    return 0;
}
