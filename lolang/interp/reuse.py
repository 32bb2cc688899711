"""`match reset` and `reuse` to closures (docs/lolang.md §5.5): Perceus'
reset and reuse, with the same dynamic uniqueness test and the same counted
operations, in the same order, as native code (lolang/codegen/reuse.py).

A region is *unique* for an object of `size` bytes when it is not P, its
count is 1, it owns its objects (not merged) and its bytes are exactly
`size`: then nothing but the consumed pack reaches it, and it holds that
object alone, so the object may be overwritten and the region kept.
"""

from __future__ import annotations

from lolang import ir
from lolang.interp.compiler import FunctionCompiler
from lolang.interp.regions import PRIMITIVE

EMPTY = (None, PRIMITIVE)  # the empty reuse token
SHARED = "shared"  # a shared token's third item: (object, region, SHARED)


def unique(table, rid: int, size: int) -> bool:
    return rid != PRIMITIVE and table.rc.get(rid) == 1 and rid in table.owning and table.bytes_of(rid) == size


def compile_match_reset(k: FunctionCompiler, s: ir.MatchReset):
    from lolang.interp.exprs import compile_expr
    from lolang.interp.patterns import _pattern
    from lolang.interp.stmts import block_stmt

    m, table = k.m, k.m.table
    scrutinee = compile_expr(k, s.scrutinee)
    arms = []
    for arm in s.arms:
        k.push()
        test = _pattern(k, arm.pattern)
        token = k.bind(s.token)
        if isinstance(arm.pattern, ir.PCtor):
            # What `reuse` needs to know of w: the constructor matched and
            # the slot of the variable taken out of each field.
            fields = tuple(k.slot(sub.name) if isinstance(sub, ir.PVar) else None for sub in arm.pattern.args)
            k.reuse_tokens[token] = (arm.pattern.ctor, fields)
        body = block_stmt(k, arm.body)
        k.pop()
        if isinstance(arm.pattern, ir.PCtor):
            ctor = k.tables.ctors[arm.pattern.ctor]
            size = k.tables.sizes[ctor.name]
            packs = tuple((2 + i, isinstance(sub, ir.PVar))
                          for i, (f, sub) in enumerate(zip(ctor.fields, arm.pattern.args))
                          if isinstance(f.type, ir.PackType))
        else:
            size, packs = None, None
        arms.append((test, token, size, packs, body))

    def reset(fr, obj, rid, token, size, packs):
        if packs is not None and size and unique(table, rid, size):
            # The named packs move out; the region's record of them stays
            # (`reuse` puts most back; `drop w` forgets them).
            for i, named in packs:
                if not named:
                    table.unrecord(rid, obj[i][1])
                    table.release(obj[i][1])
            fr[token] = (obj, rid)
            return
        if packs is None:  # a `_` arm: w is t itself
            fr[token] = (obj, rid)
            return
        for i, named in packs:
            if named:
                table.retain(obj[i][1])
        if size:  # shared: the token keeps t's reference (`reuse` may give t back)
            fr[token] = (obj, rid, SHARED)
            return
        table.release(rid)
        fr[token] = EMPTY

    def match(fr):
        obj, rid = scrutinee(fr)
        m.live(obj[0], "match an object in")
        for test, token, size, packs, body in arms:
            if test(obj, fr):
                reset(fr, obj, rid, token, size, packs)
                return body(fr)
        raise AssertionError("non-exhaustive match in a checked program")

    return match


def same_pack(a, b) -> bool:
    """Whether two packs are the same object (native code compares the
    addresses; an immediate is its constructor, in its region)."""
    if a[1] != b[1]:
        return False
    x, y = a[0], b[0]
    return x is y or (type(x) is tuple and len(x) == 2 and x == y)


def token_of(k: FunctionCompiler, e):
    """(slot, (constructor, field slots)) when `e` names a reuse token of a
    constructor arm, else None."""
    if not isinstance(e, ir.Var):
        return None
    slot = k.slot(e.name)
    info = k.reuse_tokens.get(slot)
    return None if info is None else (slot, info)


def compile_drop_token(k: FunctionCompiler, slot: int):
    """`drop w` of a token: a unique one's region forgets the packs it
    still records (they moved out at the reset), then is released
    (`hic_reuse_drop`); a shared one is released."""
    table = k.m.table

    def drop(fr):
        token = fr[slot]
        rid = token[1]
        if rid != PRIMITIVE:
            if len(token) == 2:
                table.unrecord_all(rid)
            table.release(rid)

    return drop


def compile_reuse(k: FunctionCompiler, e: ir.Reuse):
    from lolang.interp.exprs import compile_expr

    table = k.m.table
    _, (matched, taken) = token_of(k, e.token)
    token = compile_expr(k, e.token)
    ctor = k.tables.ctors[e.ctor]
    tag, size = ctor.name, k.tables.sizes[ctor.name]
    same = matched == e.ctor
    kept = [same and isinstance(a, ir.Var) and taken[i] is not None and k.slot(a.name) == taken[i]
            for i, a in enumerate(e.args)]
    args = [compile_expr(k, a) for a in e.args]
    packs = [i for i, f in enumerate(ctor.fields) if isinstance(f.type, ir.PackType)]
    # A `_` pack field was forgotten at the reset: its new pack is only recorded.
    changed = [(i, taken[i] is not None) for i in packs if not kept[i]] if same else []
    # A shared token's object is given back unchanged when the constructor
    # is the same, every primitive field is given back the variable taken
    # out of it, and every pack field its old pack (the same object).
    prims_kept = same and all(kept[i] for i, f in enumerate(ctor.fields) if not isinstance(f.type, ir.PackType))
    old_ctor = k.tables.ctors[matched]
    old_packs = [2 + i for i, f in enumerate(old_ctor.fields)
                 if isinstance(f.type, ir.PackType) and taken[i] is not None]

    def reuse(fr):
        old, rid, *shared = token(fr)
        values = [a(fr) for a in args]
        if shared:
            if prims_kept and all(same_pack(values[i], old[2 + i]) for i in packs):
                # t, whose fields keep their packs: the references given back go
                for i in packs:
                    table.release(values[i][1])
                return (old, rid)
            table.release(rid)
            rid = PRIMITIVE
        if rid != PRIMITIVE:
            # In place: what a field kept is recorded already.
            if same:
                for i, recorded in changed:
                    new_id = values[i][1]
                    if not recorded:
                        table.record(rid, new_id)
                        continue
                    old_id = old[2 + i][1]
                    if new_id != old_id:  # hic_reuse_replace
                        table.unrecord(rid, old_id)
                        table.record(rid, new_id)
            else:
                for i in old_packs:
                    table.unrecord(rid, old[i][1])
                for i in packs:
                    table.record(rid, values[i][1])
            return ((old[0], tag, *values), rid)
        rid = table.create()
        table.alloc(rid, size)
        for i in packs:
            table.record(rid, values[i][1])
        return ((rid, tag, *values), rid)

    return reuse
