"""Statements: bindings, assignment, control flow, `drop`, `merge`.

Control flow is where linearity is decided: `if` and `match` check each
path on a copy of the flow state and join them (`flow.join`); `while`
checks that the body leaves the packs owned before the loop as it found
them; `break`, `continue` and `return` must not leave an owned pack behind
in the scopes they exit. A path that ends in one of those is *dead*: it
takes no part in joins.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker import blocks, exprs, patterns
from lolang.checker.capabilities import at, need
from lolang.checker.context import CheckContext, Loop, Reject, Scope
from lolang.checker.flow import Consumed, join, same_as_entry
from lolang.checker.types import NEVER, expect, mentions, norm, resolve


def check(cx: CheckContext, s) -> None:
    rule = RULES.get(type(s))
    if rule is None:
        raise Reject(s.span, f"not a statement: {type(s).__name__}")
    rule(cx, s)


def _reject(span, message):
    raise Reject(span, message)


def leaks(cx: CheckContext, depth: int, where: str, span) -> None:
    """No owned pack declared at `depth` or deeper may still be owned when
    control leaves those scopes at `where`."""
    if cx.flow.dead:
        return
    for var in cx.vars_from(depth):
        if var.owned_pack and cx.flow.consumed(var.key) is None:
            raise Reject(
                span,
                f"pack '{var.name}' (declared at {at(var.span)}) is never consumed: it leaks at {where} (linearity rule)",
            )


def end_scope(cx: CheckContext, scope: Scope, span) -> None:
    """The end of a block: its owned packs must all have been consumed."""
    if not cx.flow.dead:
        for var in scope.vars.values():
            if var.owned_pack and cx.flow.consumed(var.key) is None:
                raise Reject(
                    var.span,
                    f"pack '{var.name}' is never consumed: it leaks at the end of its block at "
                    f"{span.end_line}:{max(span.end_col - 1, 1)} (linearity rule)",
                )
    cx.flow.forget(v.key for v in scope.vars.values())


def body(cx: CheckContext, b: ir.Block, what: str) -> None:
    """A block in statement position: its value, if any, is discarded."""
    v = blocks.block(cx, b)
    if v.fresh:
        raise Reject(b.result.span, f"the value of this {what} block is an owned pack that is discarded (linearity rule)")


# ------------------------------------------------------------------ rules


def _let(cx: CheckContext, s: ir.Let) -> None:
    want = resolve(cx, s.type, s.span) if s.type is not None else None
    if isinstance(want, ir.BorrowType):
        v = exprs.lend(cx, s.value, f"'let {s.name}'")
        if v.var is not None and v.var.owned_pack:
            raise Reject(s.value.span, f"'{s.name}' cannot borrow the owned pack '{v.var.name}': lend it to a call or unpack it (linearity rule)")
    else:
        v = exprs.check(cx, s.value, Consumed(f"'let {s.name}'", s.value.span))
        if v.element:
            raise Reject(s.value.span, "a pack read from a container slot can only be copied: write 'copy' (linearity rule)")
    if want is not None:
        expect(cx, want, v, s.value.span, f"the value of '{s.name}'")
    t = want if want is not None else norm(cx, v.type)
    if t is NEVER:
        t = ir.UNIT
    if isinstance(t, ir.BorrowType) and s.mutable:
        raise Reject(s.span, f"'var {s.name}' cannot hold a borrowed pack (linearity rule)")
    cx.declare(s.name, t, s.mutable, s.span, v.anchors)


def _assign(cx: CheckContext, s: ir.Assign) -> None:
    var = cx.var(s.name, s.span)
    if not var.mutable:
        raise Reject(s.span, f"'{s.name}' is not a 'var': it cannot be assigned (type rule)")
    if var.owned_pack:
        if var.key in cx.flow.lent:
            raise Reject(s.span, f"pack '{s.name}' cannot be overwritten: it is borrowed at {at(cx.flow.lent[var.key])} (linearity rule)")
        if cx.flow.consumed(var.key) is None and not cx.flow.dead:
            raise Reject(s.span, f"pack '{s.name}' is overwritten while still owned: consume it first (linearity rule)")
    v = exprs.take(cx, s.value, f"the assignment to '{s.name}'")
    for region in mentions(cx, v):
        depth = cx.region_depth(region)
        if depth is not None and depth > var.depth:
            raise Reject(
                s.value.span,
                f"a value of type '{cx.show(v.type)}' escapes region '{cx.shown(region)}': '{s.name}' (declared at "
                f"{at(var.span)}) outlives it (escape rule)",
            )
    expect(cx, var.type, v, s.value.span, f"the value assigned to '{s.name}'")
    if var.owned_pack:
        cx.flow.packs[var.key] = None


def _index_set(cx: CheckContext, s: ir.IndexSet) -> None:
    target = exprs.read(cx, s.target, "an element write")
    t = norm(cx, target.type)
    if not (isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType)):
        raise Reject(s.target.span, f"only array elements can be written, not those of '{cx.show(t)}' (type rule)")
    need(cx, t.region, "rw", "writing an element", s.span)
    idx = exprs.read(cx, s.index, "an element write")
    if norm(cx, idx.type) != ir.S64:
        raise Reject(s.index.span, f"an array index has type '{cx.show(idx.type)}', but 'S64' is expected (type rule)")
    from lolang.checker.builtins import stored

    expect(cx, stored(t.obj.elem, t.region), exprs.take(cx, s.value, "an element write"), s.value.span, "the stored value")


def _expr_stmt(cx: CheckContext, s: ir.ExprStmt) -> None:
    v = exprs.check(cx, s.expr, None)
    if v.fresh:
        raise Reject(s.expr.span, "an owned pack is discarded here: 'drop' it (linearity rule)")


def _if(cx: CheckContext, s: ir.If) -> None:
    cond = exprs.read(cx, s.cond, "'if'")
    if norm(cx, cond.type) not in (ir.BOOL, NEVER):
        raise Reject(s.cond.span, f"the condition has type '{cx.show(cond.type)}', not Bool (type rule)")
    before = cx.flow
    cx.flow = before.copy()
    body(cx, s.then, "'if'")
    after_then, cx.flow = cx.flow, before.copy()
    match s.els:
        case ir.Block():
            body(cx, s.els, "'else'")
        case ir.If():
            _if(cx, s.els)
    cx.flow = join(after_then, cx.flow, "'if'", s.span, _reject)


def _while(cx: CheckContext, s: ir.While) -> None:
    entry = cx.flow.copy()
    cond = exprs.read(cx, s.cond, "'while'")
    if norm(cx, cond.type) not in (ir.BOOL, NEVER):
        raise Reject(s.cond.span, f"the condition has type '{cx.show(cond.type)}', not Bool (type rule)")
    after_cond = cx.flow.copy()
    loop = Loop(cx.depth)
    cx.loops.append(loop)
    body(cx, s.body, "'while'")
    cx.loops.pop()
    same_as_entry(entry, cx.flow, "the end of the loop body", s.span, _reject)
    _none_ended(cx, entry, cx.flow, s.span)
    for state, span in loop.continues:
        same_as_entry(entry, state, f"the 'continue' at {at(span)}", s.span, _reject)
        _none_ended(cx, entry, state, s.span)
    forever = isinstance(s.cond, ir.BoolLit) and s.cond.value
    exits = [] if forever else [after_cond]
    exits += [state for state, _ in loop.breaks]
    if not exits:
        cx.flow = after_cond
        cx.flow.dead = True
        return
    state = exits[0]
    for other in exits[1:]:
        state = join(state, other, "loop's exits", s.span, _reject)
    cx.flow = state


def _none_ended(cx: CheckContext, entry, now, span) -> None:
    """A loop's body end (or a `continue`) may not have ended (consumed
    the pack an `unpack` outside the loop borrows, docs/lolang.md 5.2)
    what was in use before the loop: the next iteration, its condition
    first, may read through it again."""
    if now.dead:
        return
    new = [key for key in now.ended if key not in entry.ended]
    if not new:
        return
    outer = {v.key: v.name for v in cx.vars_from(0)}
    for key in new:
        name = outer.get(key) if isinstance(key, int) else (
            key.split("#")[0] if cx.region_by_uid(key) is not None else None)
        if name is not None:
            raise Reject(
                now.ended[key],
                f"'{name}' is read through a pack consumed here, inside the loop at {at(span)}: the next "
                f"iteration may read through it again (linearity rule)",
            )


def _jump(kind: str):
    def rule(cx: CheckContext, s) -> None:
        if not cx.loops:
            raise Reject(s.span, f"'{kind}' outside a loop (type rule)")
        loop = cx.loops[-1]
        leaks(cx, loop.depth + 1, f"this '{kind}'", s.span)
        (loop.breaks if kind == "break" else loop.continues).append((cx.flow.copy(), s.span))
        cx.flow.dead = True

    return rule


def _return(cx: CheckContext, s: ir.Return) -> None:
    if s.value is None:
        v = None
        if cx.ret != ir.UNIT:
            raise Reject(s.span, f"'return' without a value in a function returning '{cx.show(cx.ret)}' (type rule)")
    else:
        v = exprs.take(cx, s.value, "'return'")
        expect(cx, cx.ret, v, s.value.span, "the returned value")
    leaks(cx, 0, "this 'return'", s.span)
    cx.flow.dead = True


def _match(cx: CheckContext, s: ir.Match) -> None:
    patterns.check_match(cx, s)


def _match_reset(cx: CheckContext, s: ir.MatchReset) -> None:
    patterns.check_match_reset(cx, s)


def _drop(cx: CheckContext, s: ir.Drop) -> None:
    v = exprs.take(cx, s.value, "'drop'")
    if not isinstance(v.type, ir.PackType):
        raise Reject(s.value.span, f"'drop' needs an owned pack, not '{cx.show(v.type)}' (type rule)")


def _merge(cx: CheckContext, s: ir.Merge) -> None:
    child = cx.region(s.region, s.span)
    parent = cx.region(s.into, s.span)
    if child.kind != "block":
        raise Reject(s.span, f"only a region opened by a 'region' block can be merged; '{s.region}' is not one (merge rule)")
    if child.uid in cx.flow.spent:
        raise Reject(s.span, f"region '{s.region}' is merged twice (first at {cx.flow.merged_at[child.uid]}) (merge rule)")
    if parent.uid == child.uid or parent.uid == ir.PRIMITIVE_REGION or cx.canon(parent.uid) == child.uid:
        raise Reject(s.span, f"region '{s.region}' cannot be merged into '{s.into}' (merge rule)")
    if parent.uid in cx.flow.spent:
        raise Reject(s.span, f"region '{s.into}' was itself merged (at {cx.flow.merged_at[parent.uid]}) (merge rule)")
    if parent.depth >= child.depth:
        raise Reject(s.span, f"region '{s.into}' does not outlive region '{s.region}': merge into an enclosing region (merge rule)")
    need(cx, parent.uid, "a", f"'merge {s.region} into {s.into}'", s.span)
    cx.flow.merged[child.uid] = parent.uid
    cx.flow.spent.add(child.uid)
    cx.flow.merged_at[child.uid] = at(s.span)


RULES = {
    ir.Let: _let,
    ir.Assign: _assign,
    ir.IndexSet: _index_set,
    ir.ExprStmt: _expr_stmt,
    ir.If: _if,
    ir.While: _while,
    ir.Break: _jump("break"),
    ir.Continue: _jump("continue"),
    ir.Return: _return,
    ir.Match: _match,
    ir.MatchReset: _match_reset,
    ir.Drop: _drop,
    ir.Merge: _merge,
}
