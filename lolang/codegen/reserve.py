"""Room for a function's result taken when the function starts, so that
the object it returns lies in memory *before* what its callees allocate.

`bottomUp` in bench/binary_trees.hi returns `new[o] Node(l, r)` after
building `l` and `r` in the same region: allocated where it is written,
every node lands after its subtrees (post-order), and a walk of the tree
from its root (`check`) runs backwards through memory, one jump per
level. C's arena allocates the node first and fills it in afterwards
(pre-order), so the walk reads memory front to back. Taking the room at
the start of the function gives hic the same order: on binary trees at
depth 20, `check` takes a third of the time it took.

What qualifies (`take`): a function none of whose paths can end without
returning one such object, that is every `return` value (and the body's
result, if it has one) is `new[o] C(...)` with the same output region
parameter `o`, the same size, and a constructor with fields; the body
calls something (else nothing can allocate in between and the order is
the same anyway); `o` is never shadowed by a `region` or `unpack` block
and nothing is merged in the function. Not when compiled for --profile
(which allocates out of line, with the runtime counting each site).

What is counted, and where. The room is taken with the region's fast
path without touching the figures (`hic_region_reserve` when the chunk
is full); the region's bytes include it from then on (they are computed
from `cur` when the region dies). The object is counted where the
program makes it (`made`): allocs +1 and bytes_allocated + size, or allocs
alone in P, exactly as an allocation there would be. In between, the
room belongs to a region the caller keeps alive for the whole call, so no
free, peak or collection can see the difference; and a runtime error in
between ends the program with the figures of every other engine, since
none of them counts the object before it is made.
"""

from __future__ import annotations

from llvmlite import ir as ll

from diagnostics import CompilerBug
from lolang import ir
from lolang.codegen import regions
from lolang.codegen import types as T
from lolang.codegen.function import FunctionEmitter
from lolang.traverse import walk


def plan(fn: FunctionEmitter) -> None:
    """When `fn` starts: decide whether it qualifies (module docstring),
    and if so before which statement of its body the room is taken
    (`fn.reserve_before`, read by `statements.emit_block`): the first
    that calls anything. What comes before it cannot allocate in between,
    so a result made there (the leaves of a tree: half its nodes) is
    allocated as usual and pays nothing for the reservation."""
    if fn.module_cx.sites is not None:
        return
    found = _result_news(fn.module_cx, fn.decl)
    if found is not None:
        fn.reserve_before, fn.reserve_for = found


def take(fn: FunctionEmitter) -> None:
    """Before `fn.reserve_before`: the room, recorded for each `new` that
    makes the result from here on (`fn.reserved`)."""
    news, region, size = fn.reserve_for
    fn.reserve_before = None  # once
    rid = fn.region(region)
    room = fn.b.call(regions.helper(fn.module_cx, "reserve", T.PTR, [T.PTR, T.I64], _emit_reserve),
                     [regions.region_struct(fn, rid), T.I64(size)])
    for new in news:
        fn.reserved[id(new)] = (rid, room)


def made(fn: FunctionEmitter, new: ir.NewData, rid: ll.Value, size: int) -> ll.Value | None:
    """The room taken for `new`, now counted as the object it becomes
    (allocs +1, bytes_allocated + size); None when no room was taken for
    it. In P the runtime takes no room (NULL): the object is allocated
    there as any other, which counts it as P's objects are counted."""
    taken = fn.reserved.get(id(new))
    if taken is None:
        return None
    reserved_rid, room = taken
    if reserved_rid is not rid:
        raise CompilerBug(f"llvm: the room reserved in '{fn.decl.name}' is for another region")
    b = fn.b
    counters = fn.module_cx.counters
    fast, slow, done = fn.block("reserved"), fn.block("unreserved"), fn.block("made")
    b.cbranch(b.icmp_unsigned("!=", room, ll.Constant(T.PTR, None)), fast, slow)
    b.position_at_end(fast)
    regions.bump(fn, regions.field(fn, counters, regions.ALLOCS), 1)
    regions.bump(fn, regions.field(fn, counters, regions.BYTES_ALLOCATED), size)
    b.branch(done)
    b.position_at_end(slow)
    obj = b.call(fn.module_cx.runtime("hic_alloc_in"), [rid, T.I64(size)])
    b.branch(done)
    b.position_at_end(done)
    phi = b.phi(T.PTR)
    phi.add_incoming(room, fast)
    phi.add_incoming(obj, slow)
    return phi


def _result_news(module_cx, fun: ir.FunDecl):
    """(the first part of `fun`'s body that calls anything, (the `new`s
    that make `fun`'s result from there on, their region, their size))
    when `fun` qualifies; else None."""
    outputs = {p.name for p in fun.regions} - {ir.PRIMITIVE_REGION}
    parts = [*fun.body.stmts, *([fun.body.result] if fun.body.result is not None else [])]
    first, values = None, []
    for part in parts:
        nodes = list(walk(part))
        for node in nodes:
            if isinstance(node, ir.Merge):
                return None
            if isinstance(node, ir.Region) and node.name in outputs:
                return None
            if isinstance(node, ir.Unpack) and node.region in outputs:
                return None
        if first is None and any(isinstance(node, ir.Call) for node in nodes):
            first = part
        if first is not None:
            values.extend(node.value for node in nodes if isinstance(node, ir.Return))
    if first is None:
        return None
    if fun.body.result is not None:
        values.append(fun.body.result)
    sizes, names = set(), set()
    for value in values:
        if not isinstance(value, ir.NewData) or value.region not in outputs:
            return None
        layout, ctor = module_cx.ctors[value.ctor]
        if not ctor.fields:
            return None
        sizes.add(layout.size(ctor))
        names.add(value.region)
    if len(sizes) != 1 or len(names) != 1:
        return None
    return first, (values, names.pop(), sizes.pop())


def _emit_reserve(fn, r: ll.Value, size: ll.Value) -> None:
    """`hic.reserve(r, size)`: the allocation fast path without the
    figures; `hic_region_reserve` when the chunk is full (or in P, or in a
    merged region)."""
    b = fn.b
    cur = b.load(r, typ=T.PTR)
    end = b.load(regions.field(fn, r, regions.END), typ=T.PTR)
    room = b.sub(b.ptrtoint(end, T.I64), b.ptrtoint(cur, T.I64))
    fast, slow = fn.block("fast"), fn.block("slow")
    b.cbranch(b.icmp_unsigned("<=", size, room), fast, slow)
    b.position_at_end(fast)
    b.store(b.gep(cur, [size], source_etype=T.I8), r)
    b.ret(cur)
    b.position_at_end(slow)
    b.ret(b.call(fn.module_cx.runtime("hic_region_reserve"), [r, size]))
