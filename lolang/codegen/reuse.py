"""`match reset` and `reuse` (docs/lolang.md §5.5): Perceus' reset and
reuse in native code, doing what the lolang interpreter does
(lolang/interp/reuse.py), with the same test (`hic_reuse_reset`,
runtime/reuse.c) and the same counted operations in the same order.

`match reset t as w`: the arm is chosen as `match` chooses it; then, when
t's region is unique for the arm's constructor (`hic_reuse_reset`), the
named pack fields move out of it (no count; the region's record of them is
kept) and a `_` pack field is forgotten and released; the token is t's
pack. Else each named pack field is retained, t released, and the token is
empty (a null object in P).

`reuse{c} w C(args)`: a non-empty token's object is overwritten in place
and its region kept (no allocation, nothing counted). A field given back
the variable its arm's pattern took out of that same field (Lean 4's
ExpandResetReuse: `isSelfSet`) is neither stored nor recorded again: it is
there and recorded already; each other pack field replaces its old pack
in the record (`hic_reuse_replace`: nothing when the id is the same). For
another constructor, every old pack (of a named field) is forgotten,
then every new one recorded. An empty token gets a new region holding the new object, whose
creation reference the result takes, with all its packs recorded.

`drop w` of a token (`hic_reuse_drop`): a unique one's region forgets what
it still records, then is released.
"""

from __future__ import annotations

from llvmlite import ir as ll

from diagnostics import CompilerBug
from lolang import ir
from lolang.codegen import regions
from lolang.codegen import types as T
from lolang.codegen.expressions import emit_value
from lolang.codegen.function import FunctionEmitter

NULL = ll.Constant(T.PTR, None)
SHARED = 1  # the low bit of a shared token's object (objects are 8-byte aligned)


def emit_match_reset(fn: FunctionEmitter, s: ir.MatchReset) -> None:
    from lolang.codegen.patterns import _test, emit_arms

    pack_type = fn.type_of(s.scrutinee)
    ref = ir.RefType(pack_type.obj, ir.PRIMITIVE_REGION)  # patterns bind fields only
    pack = emit_value(fn, s.scrutinee)
    obj, rid = regions.pack_object(fn, pack), regions.pack_region(fn, pack)

    def enter(arm, next_arm):
        _test(fn, arm.pattern, obj, ref, next_arm)
        slot = fn.bind_var(s.token, _reset(fn, arm.pattern, obj, rid))
        if isinstance(arm.pattern, ir.PCtor):
            # What `reuse` needs to know of w: the constructor matched and
            # the variable (its storage) taken out of each field.
            fields = tuple(fn.var(sub.name) if isinstance(sub, ir.PVar) else None for sub in arm.pattern.args)
            fn.reuse_tokens[id(slot)] = (arm.pattern.ctor, fields)

    emit_arms(fn, s.arms, "reset", enter)


def token_of(fn: FunctionEmitter, e):
    """(constructor, field variables) when `e` names a reuse token of a
    constructor arm, else None."""
    if not isinstance(e, ir.Var):
        return None
    return fn.reuse_tokens.get(id(fn.var(e.name)))


def drop_token(fn: FunctionEmitter, info, token: ll.Value) -> None:
    """`drop w`: nothing for the token of an immediate (always empty);
    else `hic_reuse_drop` when w is not empty."""
    ctor, fields = info
    if not fn.module_cx.ctors[ctor][1].fields:
        return
    b = fn.b
    rid = regions.pack_region(fn, token)
    shared = _shared(fn, regions.pack_object(fn, token))
    with b.if_then(b.icmp_unsigned("!=", rid, T.I64(0))):
        with b.if_else(shared) as (then, otherwise):
            with then:
                regions.release(fn, rid)
            with otherwise:
                b.call(fn.module_cx.runtime("hic_reuse_drop"), [rid])


def _shared(fn: FunctionEmitter, obj: ll.Value) -> ll.Value:
    """Whether a token's object is marked shared."""
    b = fn.b
    return b.icmp_unsigned("!=", b.and_(b.ptrtoint(obj, T.I64), T.I64(SHARED)), T.I64(0))


def _reset(fn: FunctionEmitter, pattern, obj: ll.Value, rid: ll.Value) -> ll.Value:
    """The reset of t (object `obj` in region `rid`) for an arm whose
    pattern matched; returns the token."""
    b = fn.b
    if not isinstance(pattern, ir.PCtor):
        return regions.make_pack(fn, obj, rid)  # a `_` arm: w is t itself
    empty = regions.make_pack(fn, NULL, T.I64(0))
    layout, ctor = fn.module_cx.ctors[pattern.ctor]
    if not ctor.fields:  # an immediate is never reused: t is released
        regions.release(fn, rid, always_inline=True)
        return empty
    offsets = layout.field_offsets(ctor)
    packs = [(offsets[i], f.type, isinstance(sub, ir.PVar))
             for i, (f, sub) in enumerate(zip(ctor.fields, pattern.args)) if isinstance(f.type, ir.PackType)]
    reset = regions.helper(fn.module_cx, "reuse_reset", T.I1, [T.I64, T.I64], _emit_reuse_reset, inline="always")
    unique = b.call(reset, [rid, T.I64(layout.size(ctor))])
    fast, slow, join = fn.block("reset.unique"), fn.block("reset.shared"), fn.block("reset.join")
    b.cbranch(unique, fast, slow)

    b.position_at_end(fast)
    for offset, slot, named in packs:
        if not named:
            gone = regions.pack_region(fn, T.load_slot(b, slot, regions.field(fn, obj, offset)))
            regions.unhold(fn, rid, gone)
            regions.release(fn, gone, always_inline=True)
    b.branch(join)

    b.position_at_end(slow)
    for offset, slot, named in packs:
        if named:
            regions.retain(fn, regions.pack_region(fn, T.load_slot(b, slot, regions.field(fn, obj, offset))))
    b.branch(join)  # shared: the token keeps t's reference, its object marked

    b.position_at_end(join)
    marked = b.inttoptr(b.or_(b.ptrtoint(obj, T.I64), T.I64(SHARED)), T.PTR)
    return regions.make_pack(fn, b.select(unique, obj, marked), rid)


def _emit_reuse_reset(fn, rid: ll.Value, size: ll.Value) -> None:
    """`hic_reuse_reset` (runtime/reuse.c) inline: whether region `rid` is
    unique for an object of `size` bytes (not P, count 1, not merged,
    exactly `size` bytes in it); if so its HELD flag is cleared."""
    b = fn.b
    test, check, unique, shared = fn.block("test"), fn.block("check"), fn.block("unique"), fn.block("shared")
    b.cbranch(b.icmp_unsigned("!=", rid, T.I64(0)), test, shared)
    b.position_at_end(test)
    r = regions.region_struct(fn, rid)
    count = b.load(regions.field(fn, r, regions.REFS), typ=T.I32)
    flags_at = regions.field(fn, r, regions.FLAGS)
    flags = b.load(flags_at, typ=T.I8)
    alone = b.and_(b.icmp_signed("==", count, T.I32(1)),
                   b.icmp_unsigned("==", b.and_(flags, T.I8(regions.MERGED)), T.I8(0)))
    b.cbranch(alone, check, shared)
    b.position_at_end(check)
    cur = b.ptrtoint(b.load(regions.field(fn, r, regions.CUR), typ=T.PTR), T.I64)
    bytes_ = b.add(b.load(regions.field(fn, r, regions.BYTES_LESS_CUR), typ=T.I64), cur)
    b.cbranch(b.icmp_unsigned("==", bytes_, size), unique, shared)
    b.position_at_end(unique)
    b.store(b.and_(flags, T.I8(0xFF & ~regions.HELD)), flags_at)
    b.ret(T.I1(1))
    b.position_at_end(shared)
    b.ret(T.I1(0))


def _replace(fn: FunctionEmitter, owner: ll.Value, held: ll.Value, old: ll.Value) -> None:
    """A reused object's field given pack `held` where it had `old`:
    `hic.reuse_replace`."""
    replace = regions.helper(fn.module_cx, "reuse_replace", T.VOID, [T.I64, T.I64, T.I64], _emit_reuse_same,
                             inline="always")
    fn.b.call(replace, [owner, held, old])


def _emit_reuse_same(fn, owner: ll.Value, held: ll.Value, old: ll.Value) -> None:
    """Nothing when the id is the same (the recursion reused the child in
    place, a P pack given for a P pack: most fields of rbtree's `ins`);
    else `hic.reuse_replace_ids`, kept out of line (`noinline`: inlined
    here, it made this helper too big for LLVM to inline into a caller as
    big as `ins`). This one is a few instructions, inlined everywhere:
    the common case costs no call."""
    b = fn.b
    with b.if_then(b.icmp_unsigned("!=", held, old)):
        replace = regions.helper(fn.module_cx, "reuse_replace_ids", T.VOID, [T.I64, T.I64, T.I64],
                                 _emit_reuse_replace, inline=False)
        b.call(replace, [owner, held, old])
    b.ret_void()


def _emit_reuse_replace(fn, owner: ll.Value, held: ll.Value, old: ll.Value) -> None:
    """`hic_reuse_replace` (runtime/reuse.c) of two different ids
    (`hic.reuse_replace` tests that): the runtime's unhold then hold,
    where holding or unholding P does nothing. So a field that was P (a
    `Leaf` given a node: every new key in rbtree) is `hic.hold` of the new
    id, with its fast path; a field given P is the runtime's unhold of
    the old one. Else the fast path is inline: when `held` is not the
    owner itself (a cycle: the runtime marks it CYCLIC), the owner (a
    unique token's region) is neither merged nor HELD, its ids are
    inline and `old` is in one place once while `held` is not in the
    other, `held` takes old's place (the places stay in order) and is
    flagged HELD; anything else goes to the runtime."""
    b = fn.b
    inline, slow, done = fn.block("inline"), fn.block("slow"), fn.block("done")
    from_p, given_p, neither = fn.block("from_p"), fn.block("given_p"), fn.block("neither")
    b.cbranch(b.icmp_unsigned("==", old, T.I64(0)), from_p, given_p)
    b.position_at_end(from_p)
    b.call(regions.helper(fn.module_cx, "hold", T.VOID, [T.PTR, T.I64, T.I64], regions._emit_hold, inline=False),
           [regions.region_struct(fn, owner), owner, held])
    b.ret_void()
    b.position_at_end(given_p)
    to_p = fn.block("to_p")
    b.cbranch(b.icmp_unsigned("==", held, T.I64(0)), to_p, neither)
    b.position_at_end(to_p)
    b.call(fn.module_cx.runtime("hic_region_unhold"), [owner, old])
    b.ret_void()
    b.position_at_end(neither)
    both = b.icmp_unsigned("!=", held, owner)
    o = regions.region_struct(fn, owner)
    flags = b.load(regions.field(fn, o, regions.FLAGS), typ=T.I8)
    log2 = b.load(regions.field(fn, o, regions.HOLD_LOG2), typ=T.I8)
    plain = b.icmp_unsigned("==", b.or_(b.and_(flags, T.I8(regions.MERGED | regions.HELD)), log2), T.I8(0))
    b.cbranch(b.and_(both, plain), inline, slow)
    b.position_at_end(inline)
    mark = fn.block("mark")
    held_slot, old_slot = regions.slot_of(fn, held), regions.slot_of(fn, old)  # the places record slots
    slots = [b.load(regions.field(fn, o, regions.HELD_SLOTS + 4 * k), typ=T.I32) for k in range(regions.INLINE_HOLDS)]
    for k in range(regions.INLINE_HOLDS):
        count = b.load(regions.field(fn, o, regions.HELD_COUNTS + 2 * k), typ=regions.I16)
        others = [b.icmp_unsigned("!=", slots[j], held_slot) for j in range(regions.INLINE_HOLDS) if j != k]
        fits = b.and_(b.icmp_unsigned("==", slots[k], old_slot), b.icmp_unsigned("==", count, regions.I16(1)))
        for other in others:
            fits = b.and_(fits, other)
        here, next_k = fn.block(f"place{k}"), fn.block(f"not{k}")
        b.cbranch(fits, here, next_k)
        b.position_at_end(here)
        b.store(held_slot, regions.field(fn, o, regions.HELD_SLOTS + 4 * k))
        b.branch(mark)
        b.position_at_end(next_k)
    b.branch(slow)
    b.position_at_end(mark)
    h = regions.field(fn, regions.region_struct(fn, held), regions.FLAGS)
    b.store(b.or_(b.load(h, typ=T.I8), T.I8(regions.HELD)), h)
    b.branch(done)
    b.position_at_end(slow)
    b.call(fn.module_cx.runtime("hic_reuse_replace"), [owner, held, old])
    b.branch(done)
    b.position_at_end(done)
    b.ret_void()


def emit_reuse(fn: FunctionEmitter, e: ir.Reuse) -> ll.Value:
    layout, ctor = fn.module_cx.ctors[e.ctor]
    size = layout.size(ctor)
    matched, taken = token_of(fn, e.token)
    if not fn.module_cx.ctors[matched][1].fields:
        raise CompilerBug(f"llvm: `reuse` of the token of an immediate ({matched}) in '{fn.decl.name}'")
    same = matched == e.ctor
    # The fields given back the variable taken out of them (same
    # constructor): neither stored nor recorded again in place.
    kept = [same and isinstance(a, ir.Var) and taken[i] is not None and fn.var(a.name) is taken[i]
            for i, a in enumerate(e.args)]
    prims_kept = same and all(kept[i] for i, f in enumerate(ctor.fields) if not isinstance(f.type, ir.PackType))
    token = emit_value(fn, e.token)
    values = [emit_value(fn, a) for a in e.args]
    b = fn.b
    old, old_rid = regions.pack_object(fn, token), regions.pack_region(fn, token)
    reused = b.icmp_unsigned("!=", old_rid, T.I64(0))
    fast, slow, join = fn.block("reuse.in_place"), fn.block("reuse.new"), fn.block("reuse.join")
    shared, check = fn.block("reuse.shared"), fn.block("reuse.check")
    # The token of an arm of a constructor with fields (the only ones
    # `reuse` takes: an immediate's object has no size) is never empty: it
    # is unmarked exactly when it is unique (`_reset`), so the mark alone
    # picks the in-place path, and only a marked one asks whether it is of
    # P. (The unmarked test first: one test on the hot path instead of
    # two, and the id need not be tested after the calls between reset
    # and reuse.)
    b.cbranch(_shared(fn, old), check, fast)

    # Off the in-place path a kept field's value is read back from t's
    # object (shared: nothing writes it while the token holds t; of P:
    # constant), before anything releases t: the variable taken out of it
    # is then needed on the in-place path only, where it is not written,
    # so it is not live across the calls between reset and reuse (cfold's
    # `appendAdd`: two values fewer kept across its recursive call).
    b.position_at_end(check)
    unmarked = b.inttoptr(b.and_(b.ptrtoint(old, T.I64), T.I64(~SHARED)), T.PTR)
    values_in_place = values
    values = [T.load_slot(b, f.type, regions.field(fn, unmarked, offset)) if keep else value
              for f, value, offset, keep in zip(ctor.fields, values, layout.field_offsets(ctor), kept)]
    b.cbranch(reused, shared, slow)

    # A shared token keeps t's reference: the same constructor, each
    # primitive field given back the variable taken out of it and each pack
    # field its old pack (the same object) give t back, the references
    # given back released; anything else releases t and makes a new object.
    b.position_at_end(shared)
    if prims_kept:
        equal = T.I1(1)
        for f, value, offset in zip(ctor.fields, values, layout.field_offsets(ctor)):
            if isinstance(f.type, ir.PackType):
                was = T.load_slot(b, f.type, regions.field(fn, unmarked, offset))
                same_obj = b.icmp_unsigned("==", b.ptrtoint(regions.pack_object(fn, was), T.I64),
                                           b.ptrtoint(regions.pack_object(fn, value), T.I64))
                same_rid = b.icmp_unsigned("==", regions.pack_region(fn, was), regions.pack_region(fn, value))
                equal = b.and_(equal, b.and_(same_obj, same_rid))
        give_back, renew = fn.block("reuse.give_back"), fn.block("reuse.renew")
        b.cbranch(equal, give_back, renew)
        b.position_at_end(give_back)
        for f, value in zip(ctor.fields, values):
            if isinstance(f.type, ir.PackType):
                regions.release(fn, regions.pack_region(fn, value))
        shared_end = b.block
        b.branch(join)
        b.position_at_end(renew)
    regions.release(fn, old_rid, always_inline=True)
    b.branch(slow)

    b.position_at_end(slow)
    new_rid = b.call(fn.module_cx.runtime("hic_region_new_sized"), [T.I64(size)])
    fn.look_up_struct(new_rid)
    new = regions.alloc_object(fn, new_rid, size)
    _write(fn, layout, e.ctor, ctor, new, values, [False] * len(values))
    packs = [value for f, value in zip(ctor.fields, values) if isinstance(f.type, ir.PackType)]
    if packs:  # the region is as hic_region_new_sized made it
        regions.hold_fresh(fn, new_rid, packs)
    slow_end = b.block
    b.branch(join)

    b.position_at_end(fast)
    values = values_in_place
    old_layout, old_ctor = fn.module_cx.ctors[matched]
    # A `_` pack field was forgotten at the reset: its new pack is only
    # recorded (hic.hold); a named one's old pack is still recorded.
    old_packs = [(f.type, off) for f, off, var in zip(old_ctor.fields, old_layout.field_offsets(old_ctor), taken)
                 if isinstance(f.type, ir.PackType) and var is not None]
    if same:
        olds = {i: regions.pack_region(fn, T.load_slot(b, f.type, regions.field(fn, old, off)))
                if taken[i] is not None else None
                for i, (f, off) in enumerate(zip(ctor.fields, layout.field_offsets(ctor)))
                if isinstance(f.type, ir.PackType) and not kept[i]}
    else:
        olds = [regions.pack_region(fn, T.load_slot(b, t, regions.field(fn, old, off))) for t, off in old_packs]
    _write(fn, layout, e.ctor if not same else None, ctor, old, values, kept)
    if same:
        for i, old_id in olds.items():
            if old_id is None:
                regions.hold_any(fn, old_rid, regions.pack_region(fn, values[i]))
            else:
                new_id = regions.pack_region(fn, values[i])
                _replace(fn, old_rid, new_id, old_id)
    else:
        for old_id in olds:  # first: the inline places do not spill
            regions.unhold(fn, old_rid, old_id)
        for f, value in zip(ctor.fields, values):
            if isinstance(f.type, ir.PackType):
                regions.hold(fn, old_rid, value)
    fast_end = b.block
    b.branch(join)

    b.position_at_end(join)
    obj = b.phi(T.PTR)
    obj.add_incoming(old, fast_end)
    obj.add_incoming(new, slow_end)
    rid = b.phi(T.I64)
    rid.add_incoming(old_rid, fast_end)
    rid.add_incoming(new_rid, slow_end)
    if prims_kept:
        obj.add_incoming(unmarked, shared_end)
        rid.add_incoming(old_rid, shared_end)
    return regions.make_pack(fn, obj, rid)


def _write(fn: FunctionEmitter, layout, tag_of, ctor, obj: ll.Value, values, kept) -> None:
    """Store the tag (unless `tag_of` is None: it is there) and each field
    not kept into the object at `obj`."""
    b = fn.b
    if layout.tagged and tag_of is not None:
        b.store(T.I64(layout.tags[tag_of]), obj)
    for f, value, offset, keep in zip(ctor.fields, values, layout.field_offsets(ctor), kept):
        if not keep:
            T.store_slot(b, f.type, value, regions.field(fn, obj, offset))
