# rbtree.py: the `rbtree` benchmark of the Perceus paper (PLDI 2021) in
# CPython (reference counting + cycle GC). Same output as bench/rbtree.hi
# for the same n.
#
# Insert n-1, ..., 0 into a persistent red-black tree (value: k % 10 == 0),
# then count the true values and measure the height: the algorithm of
# Koka's rbtree.kk (Koka v2.1.1). A node is a tuple (color, left, key,
# value, right); a leaf is None.
#
# Usage: python3 rbtree.py [n]     (default 300)
import sys

RED, BLACK = 0, 1


def is_red(t):
    return t is not None and t[0] == RED


def balance_left(l, k, v, r):
    if l is None:
        return None
    _, ll, ky, vy, lr = l
    if ll is not None and ll[0] == RED:
        _, lx, kx, vx, rx = ll
        return (RED, (BLACK, lx, kx, vx, rx), ky, vy, (BLACK, lr, k, v, r))
    if lr is not None and lr[0] == RED:
        _, lx, kx, vx, rx = lr
        return (RED, (BLACK, ll, ky, vy, lx), kx, vx, (BLACK, rx, k, v, r))
    return (BLACK, (RED, ll, ky, vy, lr), k, v, r)


def balance_right(l, k, v, r):
    if r is None:
        return None
    _, rl, ky, vy, rr = r
    if rl is not None and rl[0] == RED:
        _, lx, kx, vx, rx = rl
        return (RED, (BLACK, l, k, v, lx), kx, vx, (BLACK, rx, ky, vy, rr))
    if rr is not None and rr[0] == RED:
        _, ly, kx2, vx2, ry = rr
        return (RED, (BLACK, l, k, v, rl), ky, vy, (BLACK, ly, kx2, vx2, ry))
    return (BLACK, l, k, v, (RED, rl, ky, vy, rr))


def ins(t, k, v):
    if t is None:
        return (RED, None, k, v, None)
    color, l, kx, vx, r = t
    if color == RED:
        if k < kx:
            return (RED, ins(l, k, v), kx, vx, r)
        if k == kx:
            return (RED, l, k, v, r)
        return (RED, l, kx, vx, ins(r, k, v))
    if k < kx:
        if is_red(l):
            return balance_left(ins(l, k, v), kx, vx, r)
        return (BLACK, ins(l, k, v), kx, vx, r)
    if k == kx:
        return (BLACK, l, k, v, r)
    if is_red(r):
        return balance_right(l, kx, vx, ins(r, k, v))
    return (BLACK, l, kx, vx, ins(r, k, v))


def insert(t, k, v):
    if is_red(t):
        _, l, kx, vx, r = ins(t, k, v)
        return (BLACK, l, kx, vx, r)
    return ins(t, k, v)


def count_true(t, acc):
    while t is not None:
        _, l, _, v, r = t
        acc = count_true(l, acc) + (1 if v else 0)
        t = r
    return acc


def height(t):
    if t is None:
        return 0
    return 1 + max(height(t[1]), height(t[4]))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    t = None
    for i in range(n - 1, -1, -1):
        t = insert(t, i, i % 10 == 0)
    print(count_true(t, 0))
    print(height(t))


if __name__ == "__main__":
    main()
