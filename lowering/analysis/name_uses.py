"""Where each variable name is used in a subtree, found in one walk, so
that "is t read after statement j of this block?" is a lookup, not a walk
of the rest of the block (a walk per question is quadratic in a program
nested 20,000 deep).

The nodes are numbered in a depth-first walk, parents first: a node's
subtree is the numbers `start[id] <= n < end[id]`, and a block's
statements (then its result) follow one another. For each name, the sorted
numbers of the nodes that

* `mentioned`: read it (a `Var`);
* `used`: read it or assign it (a `Var`, an `Assign`);
* `not_borrowed`: use it other than as the place an `unpack` borrows or
  the value a `copy` copies (every child of a node of a checked program is
  one of its operands), assign it, or declare it again (a `let`, an
  `unpack`'s variable).

Valid for the very nodes walked: a node made later has no number.
"""

from __future__ import annotations

from bisect import bisect_left

from lolang import ir
from lolang.traverse import CHILD_FIELDS


class NameUses:
    def __init__(self, root):
        self.start: dict[int, int] = {}
        self.end: dict[int, int] = {}
        self.mentioned: dict[str, list[int]] = {}
        self.used: dict[str, list[int]] = {}
        self.not_borrowed: dict[str, list[int]] = {}
        # A node object met twice (a shared subtree) has no one place: the
        # numbers are then no use for blocks (`numbers`).
        self.shared = False
        mentioned, used, not_borrowed = self.mentioned, self.used, self.not_borrowed
        start, end, fields = self.start, self.end, CHILD_FIELDS
        Var, Assign, Let, Unpack, Copy = ir.Var, ir.Assign, ir.Let, ir.Unpack, ir.Copy
        count = 0
        # (node, borrowed) to enter, or (node, None) to close.
        stack = [(root, True)]
        while stack:
            n, borrowed = stack.pop()
            if borrowed is None:
                end[id(n)] = count
                continue
            key = id(n)
            if key in start:
                self.shared = True
            start[key] = count
            kind = type(n)
            if kind is Var:
                mentioned.setdefault(n.name, []).append(count)
                used.setdefault(n.name, []).append(count)
                if not borrowed:
                    not_borrowed.setdefault(n.name, []).append(count)
                end[key] = count = count + 1
                continue
            if kind is Assign:
                used.setdefault(n.name, []).append(count)
                not_borrowed.setdefault(n.name, []).append(count)
            elif kind is Let:
                not_borrowed.setdefault(n.name, []).append(count)
            elif kind is Unpack:
                not_borrowed.setdefault(n.var, []).append(count)
            count += 1
            stack.append((n, None))
            below = []
            for name, many in fields.get(kind, ()):
                value = getattr(n, name)
                if many:
                    below.extend(value)
                elif value is not None:
                    below.append(value)
            for child in reversed(below):
                stack.append((child, kind is Copy or (kind is Unpack and child is n.pack)))

    def numbers(self, node) -> bool:
        """Whether `node` was walked here (and has one place)."""
        return not self.shared and id(node) in self.start

    @staticmethod
    def within(table: dict[str, list[int]], name: str, lo: int, hi: int) -> bool:
        """Whether `table` has `name` at a number in [lo, hi)."""
        at = table.get(name)
        if not at or lo >= hi:
            return False
        k = bisect_left(at, lo)
        return k < len(at) and at[k] < hi

    def between(self, block: ir.Block, i: int, j: int) -> tuple[int, int]:
        """The numbers of `block`'s statements after i and before j."""
        if i + 1 >= j:
            return 0, 0
        return self.start[id(block.stmts[i + 1])], self.start[id(block.stmts[j])]

    def after(self, block: ir.Block, j: int) -> tuple[int, int]:
        """The numbers of `block`'s statements after j, and its result."""
        return self.end[id(block.stmts[j])], self.end[id(block)]
