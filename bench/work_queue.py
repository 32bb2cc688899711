# work_queue.py: a task scheduler whose tasks live for unpredictable times,
# in CPython (reference counting + cycle GC). Same output as
# bench/work_queue.hi for the same N.
#
# Each phase feeds N root tasks, one per step (while fewer than 1000 are
# live), into a FIFO deque. A split task either waits (it goes to the back
# of the queue, as a new tuple sharing its payload, up to three times),
# splits its payload in two children, or becomes a leaf that waits in a
# timer heap until a random due step, where it may be postponed again. A
# completed leaf adds its value to a per-root total in a dict that lives to
# the end; a per-phase dict counts each root's outstanding tasks, and its
# entry is deleted when the root is done. Tasks, payloads and dict entries
# die in no LIFO order: the hard case for regions.
#
# Usage: python3 work_queue.py [N]     (N root tasks per phase, default 8)
import heapq
import sys
from collections import deque
from typing import NamedTuple

MOD = 1000003


class Split(NamedTuple):
    id: int
    root: int
    depth: int
    wait: int
    payload: tuple


class Leaf(NamedTuple):  # fields ordered so that the heap orders by (due, id)
    due: int
    id: int
    root: int
    tries: int
    value: int


class Rng:
    """An LCG; rand(n) is in 0..n-1."""

    def __init__(self, seed):
        self.state = seed

    def rand(self, n):
        self.state = (self.state * 1103515245 + 12345) % 2147483648
        return self.state // 65536 % n

    def waits(self, odds):
        """How many times a new split task will be pushed back before it runs."""
        return 1 + self.rand(3) if self.rand(odds) == 0 else 0

    def payload(self, n):
        # Built as a list by consing in hilang: the first number drawn is last.
        values = [self.rand(10000) for _ in range(n)]
        values.reverse()
        return tuple(values)


def digest(payload):
    h = 7
    for x in reversed(payload):
        h = (h * 31 + x) % MOD
    return h


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    rng = Rng(42)
    totals = {}  # per root: sum of its leaves' values
    next_id = next_root = step = 0
    for phase in range(4):
        max_depth, odds = 2 + phase, 5 - phase  # 1 in odds tasks waits
        queue = deque()
        timers = []
        pending = {}  # per root: tasks not yet done
        seeded = splits = leaves = waited = done = peak = check = 0
        while seeded < n or queue or timers:
            step += 1
            if seeded < n and len(queue) + len(timers) < 1000:
                size = 4 + rng.rand(29)
                wait = rng.waits(odds)
                queue.append(Split(next_id, next_root, max_depth, wait, rng.payload(size)))
                pending[next_root] = 1
                next_id += 1
                next_root += 1
                seeded += 1
            for _ in range(2):
                if not queue:
                    break
                t = queue.popleft()
                size = len(t.payload)
                if t.wait > 0:
                    queue.append(t._replace(wait=t.wait - 1))
                    waited += 1
                elif t.depth > 0 and size >= 2:
                    half = size // 2
                    lw = rng.waits(odds)
                    rw = rng.waits(odds)
                    queue.append(Split(next_id, t.root, t.depth - 1, lw, t.payload[:half]))
                    queue.append(Split(next_id + 1, t.root, t.depth - 1, rw, t.payload[half:]))
                    next_id += 2
                    pending[t.root] += 1
                    splits += 1
                else:
                    due = step + 1 + rng.rand(64)
                    heapq.heappush(timers, Leaf(due, t.id, t.root, 0, digest(t.payload)))
                    leaves += 1
            while timers and timers[0].due <= step:
                leaf = heapq.heappop(timers)
                if leaf.tries < 3 and rng.rand(odds) == 0:
                    due = step + 1 + rng.rand(64)
                    value = (leaf.value * 7 + leaf.tries) % MOD
                    heapq.heappush(timers, leaf._replace(due=due, tries=leaf.tries + 1, value=value))
                    waited += 1
                    continue
                total = totals[leaf.root] = (totals.get(leaf.root, 0) + leaf.value) % MOD
                if pending[leaf.root] == 1:
                    del pending[leaf.root]
                    done += 1
                    check = (check + leaf.root % 1000 * total + step) % MOD
                else:
                    pending[leaf.root] -= 1
            peak = max(peak, len(queue) + len(timers))
        print(f"phase {phase} roots {done} splits {splits} leaves {leaves} "
              f"waits {waited} peak {peak} steps {step} check {check}")
    total_sum = weighted = 0
    for r in range(next_root):
        v = totals.get(r)
        if v is not None:
            total_sum = (total_sum + v) % MOD
            weighted = (weighted + r % 997 * v) % MOD
    print(f"totals {len(totals)} sum {total_sum} weighted {weighted} tasks {next_id}")


if __name__ == "__main__":
    main()
