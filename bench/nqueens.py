# nqueens.py: the `nqueens` benchmark of the Perceus paper (PLDI 2021) in
# CPython (reference counting + cycle GC). Same output as bench/nqueens.hi
# for the same n.
#
# Every solution of the n-queens problem as a list of (shared) linked
# lists, then its length: the algorithm of Koka's nqueens.kk (Koka v2.1.1).
# A list cell is a tuple (head, tail); the empty list is None.
#
# Usage: python3 nqueens.py [n]     (default 8)
import sys


def safe(queen, diag, xs):
    while xs is not None:
        q, xs = xs
        if queen == q or queen == q + diag or queen == q - diag:
            return False
        diag += 1
    return True


def append_safe(queen, xs, xss):
    while queen > 0:
        if safe(queen, 1, xs):
            xss = ((queen, xs), xss)
        queen -= 1
    return xss


def extend(queen, acc, xss):
    while xss is not None:
        xs, xss = xss
        acc = append_safe(queen, xs, acc)
    return acc


def find_solutions(n, queen):
    if queen == 0:
        return (None, None)
    return extend(n, None, find_solutions(n, queen - 1))


def length(xs):
    n = 0
    while xs is not None:
        n += 1
        xs = xs[1]
    return n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    print(length(find_solutions(n, n)))


if __name__ == "__main__":
    main()
