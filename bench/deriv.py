# deriv.py: the `deriv` benchmark of the Perceus paper (PLDI 2021) in
# CPython (reference counting + cycle GC). Same output as bench/deriv.hi
# for the same n.
#
# Take the derivative of x^x n times with Koka's simplifying constructors
# (deriv.kk, Koka v2.1.1), printing the size of each derivative. An
# expression is a tuple whose first item is its kind.
#
# Usage: python3 deriv.py [n]     (default 5)
import sys

VAL, VAR, ADD, MUL, POW, LN = range(6)


def pown(a, n):
    if n == 0:
        return 1
    if n == 1:
        return a
    b = pown(a, int(n / 2))  # C's division: toward zero
    return b * b * (1 if n % 2 == 0 else a)


def add(n0, m0):
    if n0[0] == VAL:
        if m0[0] == VAL:
            return (VAL, n0[1] + m0[1])
        if n0[1] == 0:
            return m0
    if m0[0] == VAL:
        if m0[1] == 0:
            return n0
        return add((VAL, m0[1]), n0)
    if n0[0] == VAL and m0[0] == ADD and m0[1][0] == VAL:
        return add((VAL, n0[1] + m0[1][1]), m0[2])
    if m0[0] == ADD and m0[1][0] == VAL:
        return add((VAL, m0[1][1]), add(n0, m0[2]))
    if n0[0] == ADD:
        return add(n0[1], add(n0[2], m0))
    return (ADD, n0, m0)


def mul(n0, m0):
    if n0[0] == VAL:
        if m0[0] == VAL:
            return (VAL, n0[1] * m0[1])
        if n0[1] == 0:
            return (VAL, 0)
    if m0[0] == VAL and m0[1] == 0:
        return (VAL, 0)
    if n0[0] == VAL and n0[1] == 1:
        return m0
    if m0[0] == VAL:
        if m0[1] == 1:
            return n0
        return mul((VAL, m0[1]), n0)
    if n0[0] == VAL and m0[0] == MUL and m0[1][0] == VAL:
        return mul((VAL, n0[1] * m0[1][1]), m0[2])
    if m0[0] == MUL and m0[1][0] == VAL:
        return mul((VAL, m0[1][1]), mul(n0, m0[2]))
    if n0[0] == MUL:
        return mul(n0[1], mul(n0[2], m0))
    return (MUL, n0, m0)


def powr(m0, n0):
    if m0[0] == VAL and n0[0] == VAL:
        return (VAL, pown(m0[1], n0[1]))
    if n0[0] == VAL and n0[1] == 0:
        return (VAL, 1)
    if n0[0] == VAL and n0[1] == 1:
        return m0
    if m0[0] == VAL and m0[1] == 0:
        return (VAL, 0)
    return (POW, m0, n0)


def ln(n):
    if n[0] == VAL and n[1] == 1:
        return (VAL, 0)
    return (LN, n)


def d(x, e):
    kind = e[0]
    if kind == VAL:
        return (VAL, 0)
    if kind == VAR:
        return (VAL, 1) if x == e[1] else (VAL, 0)
    if kind == ADD:
        f, g = e[1], e[2]
        return add(d(x, f), d(x, g))
    if kind == MUL:
        f, g = e[1], e[2]
        return add(mul(f, d(x, g)), mul(g, d(x, f)))
    if kind == POW:
        f, g = e[1], e[2]
        return mul(powr(f, g), add(mul(mul(g, d(x, f)), powr(f, (VAL, -1))), mul(ln(f), d(x, g))))
    f = e[1]
    return mul(d(x, f), powr(f, (VAL, -1)))


def count(e):
    kind = e[0]
    if kind == VAL or kind == VAR:
        return 1
    if kind == LN:
        return count(e[1])
    return count(e[1]) + count(e[2])


def deriv(i, f):
    e = d("x", f)
    print("%d count: %d" % (i + 1, count(e)))
    return e


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    x = (VAR, "x")
    f = powr(x, x)
    for i in range(n):
        f = deriv(i, f)
    print("done")


if __name__ == "__main__":
    main()
