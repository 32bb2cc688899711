"""Sizes known at compile time: how many bytes an allocation, a call of a
function that makes its result in its output region, or a region block
makes; and loops whose number of iterations is a constant.

`scratch-regions` may hold objects past their death only where such a
bound makes the extra space a constant (../shared/PASSES.md, principle 1).
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import walk

MAX_DIGITS = 20  # the longest `str(n)`: "-9223372036854775808"


class Sizes:
    """Bytes made, per allocation and per call, where bounded."""

    def __init__(self, program: ir.Program, recursive: dict[str, frozenset]):
        self.funs = {f.name: f for f in program.funs}
        self.ctors = {c.name: c for d in program.datas for c in d.ctors}
        self.object_sizes = ir.data_sizes(program.datas)
        self.recursive = recursive
        self._calls: dict[str, int | None] = {}

    def allocation(self, node) -> int | None:
        """Bytes one evaluation of `node` (an allocation) makes, if fixed.
        Objects with same-region fields count only themselves: their
        fields' objects are other allocations."""
        match node:
            case ir.NewData(region, ctor, _) if region != ir.PRIMITIVE_REGION:
                decl = self.ctors.get(ctor)
                return self.object_sizes[ctor] if decl is not None else None
            case ir.NewString(region, text) if region != ir.PRIMITIVE_REGION:
                return ir.string_size(len(text.encode()))
            case ir.Builtin("str"):
                return ir.string_size(MAX_DIGITS)
            case ir.Call(func, regions, _):
                return self.call(func) if self._output_of(func) is not None else 0
        return 0 if not _allocates(node) else None

    def call(self, func: str) -> int | None:
        """Bytes a call of `func` makes in its output region, if bounded:
        no loop, no recursion, every allocation there of a fixed size."""
        if func in self._calls:
            return self._calls[func]
        self._calls[func] = None  # a cycle is unbounded
        f = self.funs.get(func)
        out = self._output_of(func)
        total = None
        if f is not None and out is not None and not self.recursive.get(func):
            total = 0
            for n in walk(f.body):
                if isinstance(n, ir.While):
                    total = None
                    break
                made = self._made_in(n, out)
                if made is None:
                    total = None
                    break
                total += made
        self._calls[func] = total
        return total

    def _made_in(self, n, region: str) -> int | None:
        """Bytes `n` makes in `region` (a name), if known."""
        match n:
            case ir.NewData(region=r) | ir.NewString(region=r) | ir.NewArray(region=r) | ir.NewMap(region=r) if r == region:
                return self.allocation(n) if isinstance(n, (ir.NewData, ir.NewString)) else None
            case ir.Builtin(regions=rs) if region in rs:
                return self.allocation(n) if n.name == "str" else None
            case ir.Call(func, rs, _) if region in rs:
                callee = self.funs.get(func)
                if callee is None or rs.index(region) != self._output_index(callee):
                    return None
                return self.call(func)
        return 0

    def _output_of(self, func: str) -> str | None:
        """The name of `func`'s output region parameter (its result's)."""
        f = self.funs.get(func)
        if f is not None and isinstance(f.ret, ir.RefType) and any(r.name == f.ret.region for r in f.regions):
            return f.ret.region
        return None

    def _output_index(self, f: ir.FunDecl) -> int | None:
        out = self._output_of(f.name)
        return next((i for i, r in enumerate(f.regions) if r.name == out), None)

    def block(self, region: ir.Region) -> int | None:
        """Bytes one evaluation of a region block makes in its region, if
        bounded (no loop inside)."""
        total = 0
        for n in walk(region.body):
            if isinstance(n, ir.While):
                return None
            made = self._made_in(n, region.name)
            if made is None:
                return None
            total += made
        return total


def _allocates(node) -> bool:
    return isinstance(node, (ir.NewData, ir.NewString, ir.NewArray, ir.NewMap)) or (
        isinstance(node, ir.Builtin) and node.name in ("str", "concat", "array", "keys"))


def constant_trips(loop: ir.While, block: ir.Block) -> int | None:
    """The iterations of a `for i in a..b` loop as the naive lowering writes
    it — `var next = a; let end = b; while next < end { let i = next;
    next = next + 1; ... }` — with a and b literals, in `block`; else None."""
    cond = loop.cond
    if not (isinstance(cond, ir.Binary) and cond.op == "<" and isinstance(cond.left, ir.Var)
            and isinstance(cond.right, ir.Var)):
        return None
    counter, end = cond.left.name, cond.right.name
    start = stop = None
    for s in block.stmts:
        if isinstance(s, ir.Let) and s.name == counter and s.mutable and isinstance(s.value, ir.IntLit):
            start = s.value.value
        if isinstance(s, ir.Let) and s.name == end and not s.mutable and isinstance(s.value, ir.IntLit):
            stop = s.value.value
    if start is None or stop is None:
        return None
    steps = [n for n in walk(loop.body) if isinstance(n, ir.Assign) and n.name in (counter, end)]
    step = ir.Assign(counter, ir.Binary("+", ir.Var(counter), ir.IntLit(1)))
    if len(steps) != 1 or steps[0] != step or not any(s is steps[0] for s in loop.body.stmts):
        return None
    return max(stop - start, 0)
