"""`match reset` and `reuse` (docs/lolang.md §5.5): Perceus' reset and
reuse in native code, doing what the lolang interpreter does
(lolang/interp/reuse.py), with the same test (`hic_reuse_reset`,
runtime/reuse.c) and the same counted operations in the same order.

`match reset t as w`: the arm is chosen as `match` chooses it; then, when
t's region is unique for the arm's constructor (`hic_reuse_reset`, which
then empties its record of packs), the named pack fields move out of it
(no count) and a `_` pack field is released;
the token is t's pack. Else each named pack field is retained, t released,
and the token is empty (a null object in P).

`reuse{c} w C(args)`: a non-empty token's object is overwritten in place
and its region kept (no allocation, nothing counted); an empty one gets a
new region holding the new object, whose creation reference the result
takes. The new object's packs are recorded in its region either way.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import regions
from lolang.codegen import types as T
from lolang.codegen.expressions import emit_value
from lolang.codegen.function import FunctionEmitter

NULL = ll.Constant(T.PTR, None)


def emit_match_reset(fn: FunctionEmitter, s: ir.MatchReset) -> None:
    from lolang.codegen.patterns import _test
    from lolang.codegen.statements import emit_block

    pack_type = fn.type_of(s.scrutinee)
    ref = ir.RefType(pack_type.obj, ir.PRIMITIVE_REGION)  # patterns bind fields only
    pack = emit_value(fn, s.scrutinee)
    obj, rid = regions.pack_object(fn, pack), regions.pack_region(fn, pack)
    b = fn.b
    done = fn.block("reset.done")
    for arm in s.arms:
        next_arm = fn.block("reset.next")
        fn.push()
        _test(fn, arm.pattern, obj, ref, next_arm)
        token = _reset(fn, arm.pattern, obj, rid)
        fn.bind_var(s.token, token)
        emit_block(fn, arm.body)
        fn.pop()
        if not b.block.is_terminated:
            b.branch(done)
        b.position_at_end(next_arm)
    b.unreachable()
    b.position_at_end(done)


def _reset(fn: FunctionEmitter, pattern, obj: ll.Value, rid: ll.Value) -> ll.Value:
    """The reset of t (object `obj` in region `rid`) for an arm whose
    pattern matched; returns the token."""
    b = fn.b
    if not isinstance(pattern, ir.PCtor):
        return regions.make_pack(fn, obj, rid)  # a `_` arm: w is t itself
    empty = regions.make_pack(fn, NULL, T.I64(0))
    layout, ctor = fn.module_cx.ctors[pattern.ctor]
    if not ctor.fields:  # an immediate is never reused: t is released
        regions.release(fn, rid)
        return empty
    offsets = layout.field_offsets(ctor)
    packs = [(offsets[i], f.type, isinstance(sub, ir.PVar))
             for i, (f, sub) in enumerate(zip(ctor.fields, pattern.args)) if isinstance(f.type, ir.PackType)]
    unique = b.icmp_unsigned("!=", b.call(fn.module_cx.runtime("hic_reuse_reset"), [rid, T.I64(layout.size(ctor))]),
                             T.I64(0))
    fast, slow, join = fn.block("reset.unique"), fn.block("reset.shared"), fn.block("reset.join")
    b.cbranch(unique, fast, slow)

    b.position_at_end(fast)
    for offset, slot, named in packs:
        if not named:
            regions.release(fn, regions.pack_region(fn, T.load_slot(b, slot, regions.field(fn, obj, offset))))
    b.branch(join)

    b.position_at_end(slow)
    for offset, slot, named in packs:
        if named:
            regions.retain(fn, regions.pack_region(fn, T.load_slot(b, slot, regions.field(fn, obj, offset))))
    regions.release(fn, rid)
    b.branch(join)

    b.position_at_end(join)
    return b.select(unique, regions.make_pack(fn, obj, rid), empty)


def emit_reuse(fn: FunctionEmitter, e: ir.Reuse) -> ll.Value:
    layout, ctor = fn.module_cx.ctors[e.ctor]
    size = layout.size(ctor)
    token = emit_value(fn, e.token)
    values = [emit_value(fn, a) for a in e.args]
    b = fn.b
    old, old_rid = regions.pack_object(fn, token), regions.pack_region(fn, token)
    reused = b.icmp_unsigned("!=", old_rid, T.I64(0))
    fast, slow, join = fn.block("reuse.in_place"), fn.block("reuse.new"), fn.block("reuse.join")
    b.cbranch(reused, fast, slow)
    b.position_at_end(slow)
    new_rid = b.call(fn.module_cx.runtime("hic_region_new_sized"), [T.I64(size)])
    new = regions.alloc_object(fn, new_rid, size)
    slow_end = b.block
    b.branch(join)
    b.position_at_end(fast)
    b.branch(join)
    b.position_at_end(join)
    obj = b.phi(T.PTR)
    obj.add_incoming(old, fast)
    obj.add_incoming(new, slow_end)
    rid = b.phi(T.I64)
    rid.add_incoming(old_rid, fast)
    rid.add_incoming(new_rid, slow_end)
    if layout.tagged:
        b.store(T.I64(layout.tags[e.ctor]), obj)
    for f, value, offset in zip(ctor.fields, values, layout.field_offsets(ctor)):
        T.store_slot(b, f.type, value, regions.field(fn, obj, offset))
    for f, value in zip(ctor.fields, values):
        if isinstance(f.type, ir.PackType):
            regions.hold(fn, rid, value)
    return regions.make_pack(fn, obj, rid)
