# rbtree_ck.py: the `rbtree-ck` benchmark of the Perceus paper (PLDI 2021)
# in CPython (reference counting + cycle GC). Same output as
# bench/rbtree_ck.hi for the same n.
#
# Insert n, ..., 1 into a persistent red-black tree (value: k % 10 == 0),
# keeping every 5th version alive in a list; then count the true values of
# the newest version, its height, and the versions kept: the algorithm of
# Koka's rbtree-ck.kk (Koka v2.1.1). A node is a tuple (color, left, key,
# value, right); a leaf is None; the list of versions is a Python list.
#
# Usage: python3 rbtree_ck.py [n]     (default 300)
import sys

RED, BLACK = 0, 1


def is_red(t):
    return t is not None and t[0] == RED


def balance1(kv, vv, t, s):
    if s is None:
        return None
    _, sl, ky, vy, sr = s
    if sl is not None and sl[0] == RED:
        _, l, kx, vx, r1 = sl
        return (RED, (BLACK, l, kx, vx, r1), ky, vy, (BLACK, sr, kv, vv, t))
    if sr is not None and sr[0] == RED:
        _, l2, kx, vx, r = sr
        return (RED, (BLACK, sl, ky, vy, l2), kx, vx, (BLACK, r, kv, vv, t))
    return (BLACK, (RED, sl, ky, vy, sr), kv, vv, t)


def balance2(t, kv, vv, s):
    if s is None:
        return None
    _, sl, ky, vy, sr = s
    if sl is not None and sl[0] == RED:
        _, l, kx1, vx1, r1 = sl
        return (RED, (BLACK, t, kv, vv, l), kx1, vx1, (BLACK, r1, ky, vy, sr))
    if sr is not None and sr[0] == RED:
        _, l2, kx2, vx2, r2 = sr
        return (RED, (BLACK, t, kv, vv, sl), ky, vy, (BLACK, l2, kx2, vx2, r2))
    return (BLACK, t, kv, vv, (RED, sl, ky, vy, sr))


def ins(t, kx, vx):
    if t is None:
        return (RED, None, kx, vx, None)
    color, a, ky, vy, b = t
    if color == RED:
        if kx < ky:
            return (RED, ins(a, kx, vx), ky, vy, b)
        if kx == ky:
            return (RED, a, kx, vx, b)
        return (RED, a, ky, vy, ins(b, kx, vx))
    if kx < ky:
        if is_red(a):
            return balance1(ky, vy, b, ins(a, kx, vx))
        return (BLACK, ins(a, kx, vx), ky, vy, b)
    if kx == ky:
        return (BLACK, a, kx, vx, b)
    if is_red(b):
        return balance2(a, ky, vy, ins(b, kx, vx))
    return (BLACK, a, ky, vy, ins(b, kx, vx))


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


def make_trees(freq, n):
    """Koka's make-tree: the newest version first, then every kept one."""
    t = None
    kept = []
    for i in range(n, 0, -1):
        t = insert(t, i, i % 10 == 0)
        if i % freq == 0:
            kept.append(t)
    kept.append(t)
    kept.reverse()
    return kept


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    trees = make_trees(5, n)
    print(count_true(trees[0], 0))
    print(height(trees[0]))
    print(len(trees))


if __name__ == "__main__":
    main()
