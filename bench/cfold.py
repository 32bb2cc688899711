# cfold.py: the `cfold` benchmark of the Perceus paper (PLDI 2021) in
# CPython (reference counting + cycle GC). Same output as bench/cfold.hi
# for the same n.
#
# Build a sum expression of depth n, evaluate it, reassociate it into a
# chain, fold its constants and evaluate it again: the algorithm of Koka's
# cfold.kk (Koka v2.1.1). An expression is a tuple whose first item is its
# kind. The chain is 2^n long and the functions recurse down it, so the
# recursion limit is raised (CPython 3.11 keeps Python-to-Python calls off
# the C stack).
#
# Usage: python3 cfold.py [n]     (default 8)
import sys

VAR, VAL, ADD, MUL = range(4)


def mk_expr(n, v):
    if n == 0:
        return (VAR, 1) if v == 0 else (VAL, v)
    return (ADD, mk_expr(n - 1, v + 1), mk_expr(n - 1, max(v - 1, 0)))


def append_add(e0, e3):
    if e0[0] == ADD:
        return (ADD, e0[1], append_add(e0[2], e3))
    return (ADD, e0, e3)


def append_mul(e0, e3):
    if e0[0] == MUL:
        return (MUL, e0[1], append_mul(e0[2], e3))
    return (MUL, e0, e3)


def reassoc(e):
    if e[0] == ADD:
        return append_add(reassoc(e[1]), reassoc(e[2]))
    if e[0] == MUL:
        return append_mul(reassoc(e[1]), reassoc(e[2]))
    return e


def cfold(e):
    kind = e[0]
    if kind == ADD or kind == MUL:
        f1 = cfold(e[1])
        f2 = cfold(e[2])
        if f1[0] == VAL:
            a = f1[1]
            if f2[0] == VAL:
                return (VAL, a + f2[1] if kind == ADD else a * f2[1])
            if f2[0] == kind and f2[2][0] == VAL:
                b = f2[2][1]
                return (kind, (VAL, a + b if kind == ADD else a * b), f2[1])
            if f2[0] == kind and f2[1][0] == VAL:
                b = f2[1][1]
                return (kind, (VAL, a + b if kind == ADD else a * b), f2[2])
        return (kind, f1, f2)
    return e


def evaluate(e):
    kind = e[0]
    if kind == VAR:
        return 0
    if kind == VAL:
        return e[1]
    if kind == ADD:
        return evaluate(e[1]) + evaluate(e[2])
    return evaluate(e[1]) * evaluate(e[2])


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    sys.setrecursionlimit(max(10_000, 2 ** (n + 1)))
    e = mk_expr(n, 1)
    v1 = evaluate(e)
    v2 = evaluate(cfold(reassoc(e)))
    print(v1)
    print(v2)


if __name__ == "__main__":
    main()
