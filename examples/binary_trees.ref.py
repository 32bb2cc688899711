# Reference for binary_trees.hi (no arguments: max depth 6).
# Trees are nested tuples; None is an empty child.
import sys

def bottom_up(depth):
    if depth <= 0:
        return (None, None)
    return (bottom_up(depth - 1), bottom_up(depth - 1))

def check(t):
    if t is None:
        return 0
    return 1 + check(t[0]) + check(t[1])

n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
min_depth = 4
max_depth = max(min_depth + 2, n)
stretch_depth = max_depth + 1
print("stretch tree of depth %d\t check: %d" % (stretch_depth, check(bottom_up(stretch_depth))))
long_lived = bottom_up(max_depth)
for depth in range(min_depth, max_depth + 1, 2):
    iterations = 1 << (max_depth - depth + min_depth)
    total = sum(check(bottom_up(depth)) for _ in range(iterations))
    print("%d\t trees of depth %d\t check: %d" % (iterations, depth, total))
print("long lived tree of depth %d\t check: %d" % (max_depth, check(long_lived)))
