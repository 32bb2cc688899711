"""Block expressions — `region`, `unpack`, `restrict`, `do` — and blocks
used for their value: each opens a scope, and the first two introduce a
region whose name the block's value must not mention (the escape rule). A
block's value moves out of it; at its end every owned pack declared in it
must have been consumed, and a `merge`'s aliases made in it end.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker import exprs
from lolang.checker.capabilities import at
from lolang.checker.context import CheckContext, Reject
from lolang.checker.flow import Consumed
from lolang.traverse import unpack_borrows
from lolang.checker.types import NEVER, UNIT_VAL, Checked, mentions, norm, pack_of


def _region(cx: CheckContext, e: ir.Region, use) -> Checked:
    cx.push()
    info = cx.new_region(e.name, ir.ALL_CAPS, "block", f"opened at {at(e.span)}")
    cx.result.binders[id(e)] = info.uid
    v = block(cx, e.body)
    v = _no_escape(cx, v, info.uid, f"the block of region '{e.name}' (opened at {at(e.span)})", e.body)
    cx.flow.spent.discard(info.uid)
    cx.flow.merged_at.pop(info.uid, None)
    cx.pop()
    return v


def _unpack(cx: CheckContext, e: ir.Unpack, use) -> Checked:
    place = unpack_borrows(e.pack)
    v = exprs.check(cx, e.pack, None) if place else exprs.take(cx, e.pack, "'unpack'")
    pack = pack_of(v.type)
    if pack is None:
        raise Reject(e.pack.span, f"'unpack' needs a pack, not '{cx.show(v.type)}' (type rule)")
    # `unpack xs[i]`: an array's element, borrowed while nothing writes.
    element = isinstance(e.pack, ir.Index)
    if v.element and not element:
        raise Reject(e.pack.span, "a pack read from a container slot can only be copied: write 'copy' (linearity rule)")
    if element and not isinstance(norm(cx, cx.types[id(e.pack.target)]).obj, ir.ArrayType):
        raise Reject(e.pack.span, "a map value can only be copied, not unpacked in place: write 'copy' (linearity rule)")
    lent = place and v.var is not None and v.var.owned_pack and v.var.key not in cx.flow.lent
    if lent:
        # The variable may be consumed inside, which ends this borrow
        # (`exprs.end_unpack`): what the block reads through it is
        # declared from the next scope down.
        cx.flow.lent[v.var.key] = e.span
        cx.flow.unpacked[v.var.key] = cx.depth + 1
    cx.push()
    info = cx.new_region(e.region, pack.caps, "unpack", f"unpacked at {at(e.span)} from a 'Pack{{{pack.caps}}}'")
    cx.result.binders[id(e)] = info.uid
    cx.declare(e.var, ir.RefType(pack.obj, info.uid), False, e.span)
    if element:
        # The array keeps the element's region alive while nothing writes
        # (docs/lolang.md §5.2, the read-only rule).
        cx.read_only.append((e.span, cx.depth))
    result = block(cx, e.body)
    if element:
        cx.read_only.pop()
    result = _no_escape(cx, result, info.uid, f"the 'unpack' block of region '{e.region}' (at {at(e.span)})", e.body)
    cx.pop()
    if lent:
        cx.flow.lent.pop(v.var.key, None)  # gone if consumed inside
        cx.flow.unpacked.pop(v.var.key, None)
    return result


def _restrict(cx: CheckContext, e: ir.Restrict, use) -> Checked:
    info = cx.region(e.region, e.span)
    held, note = cx.held(info.uid)
    extra = "".join(c for c in e.caps if c not in held)
    if extra:
        raise Reject(
            e.span,
            f"'restrict' cannot give region '{e.region}' capability '{extra}': it holds {{{held}}} here ({note}) (capability rule)",
        )
    cx.push()
    cx.rebind_region(info, e.caps, f"restricted at {at(e.span)}")
    v = block(cx, e.body)
    cx.pop()
    return v


def _do(cx: CheckContext, e: ir.Do, use) -> Checked:
    return block(cx, e.body)


def _no_escape(cx: CheckContext, v: Checked, uid: str, where: str, body) -> Checked:
    if v.type is NEVER:
        return v
    if uid in mentions(cx, v):
        span = body.result.span if body.result is not None else body.span
        kind = "a borrowed pack read from it" if uid in {cx.canon(a) for a in v.anchors} else f"type '{cx.show(v.type)}'"
        raise Reject(span, f"a value of {kind} escapes {where} (escape rule)")
    return Checked(norm(cx, v.type), fresh=v.fresh, anchors=v.anchors)


def block(cx: CheckContext, b: ir.Block) -> Checked:
    """A block used for its value: statements, then the value, which moves
    out (an owned pack in a variable of the block is consumed by it)."""
    aliases = dict(cx.flow.merged)
    scope = cx.push()
    for s in b.stmts:
        stmts.check(cx, s)
    if b.result is None:
        v = UNIT_VAL
    else:
        v = exprs.check(cx, b.result, Consumed("the block's value", b.result.span))
        if v.element:
            raise Reject(b.result.span, "a pack read from a container slot can only be copied: write 'copy' (linearity rule)")
        v = Checked(norm(cx, v.type), fresh=isinstance(v.type, ir.PackType), anchors=frozenset(cx.canon(a) for a in v.anchors))
    stmts.end_scope(cx, scope, b.span)
    cx.pop()
    # A merge's aliases last to the end of the block holding it (§5.3).
    cx.flow.merged = {r: q for r, q in cx.flow.merged.items() if aliases.get(r) == q}
    if cx.flow.dead:
        return Checked(NEVER)
    return v


RULES = {
    ir.Region: _region,
    ir.Unpack: _unpack,
    ir.Restrict: _restrict,
    ir.Do: _do,
}

exprs.RULES.update(RULES)

# The statements' rules (they import this module, so imported last: not in
# `block`, which runs once per block checked).
from lolang.checker import stmts  # noqa: E402
