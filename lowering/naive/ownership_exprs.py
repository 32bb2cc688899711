"""The ownership pass on expressions: `expr(cx, e, live, consumed, pending)
-> (e', live before e)`, walking `e` backwards in evaluation order.

`live` is the set of owned variables needed after `e`; `consumed` says
whether `e`'s value is given away (docs/lolang.md §5.2); `pending` collects
the variables whose last use is a read inside `e`: the caller drops them
after the statement. Nested blocks (`region`, `unpack`, `do`) are rewritten
with `ownership.block`, so a variable that dies inside one is dropped there.

Which positions consume: `let`/assignment values, `return`, block values,
`new` arguments, array literal elements, `push`'s element, `insert`'s key
and value, `array`'s element, owned parameters' arguments, `drop`, and the
pack of an `unpack` that is not a place. Arguments of `&` parameters are
lent until the call returns: they are live across all the arguments after
them, so another argument copies rather than moves them.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import STORED_ARGS, rebuild
from lowering.naive.ownership import Live, OwnershipContext, block, drops, prepend


def expr(cx: OwnershipContext, e: ir.Expr, live: Live, consumed: bool, pending: set[str]) -> tuple[ir.Expr, Live]:
    return EXPRS[type(e)](cx, e, live, consumed, pending)


def _leaf(cx, e, live, consumed, pending):
    return e, live


def _var(cx: OwnershipContext, e: ir.Var, live: Live, consumed: bool, pending: set[str]):
    x = e.name
    if x not in cx.tracked:
        return e, live
    if consumed:
        return (ir.Copy(e) if x in live else e), live | {x}
    if x not in live:
        pending.add(x)
    return e, live | {x}


def _fields(cx: OwnershipContext, e, live: Live, pending: set[str], parts: list[tuple[str, bool]]):
    """`e`'s sub-expressions `parts` (field name, consumed), evaluated in
    that order (a tuple field: each element with the same flag)."""
    changes = {}
    for name, consumed in reversed(parts):
        value = getattr(e, name)
        if isinstance(value, tuple):
            items = list(value)
            for i in reversed(range(len(items))):
                items[i], live = expr(cx, items[i], live, consumed, pending)
            changes[name] = tuple(items)
        else:
            changes[name], live = expr(cx, value, live, consumed, pending)
    return rebuild(e, **changes), live


def _conditional(cx: OwnershipContext, e: ir.Expr, live: Live, consumed: bool, pending: set[str]):
    """A part that may not run: everything it uses stays live through it
    (it copies rather than moves), and what dies is dropped after the
    statement."""
    uses = cx.facts.uses(e)
    inside: set[str] = set()
    new, _ = expr(cx, e, live | uses, consumed, inside)
    assert not inside, f"{inside} died inside a conditional part"
    pending |= uses - live
    return new, live | uses


def _binary(cx: OwnershipContext, e: ir.Binary, live: Live, consumed: bool, pending: set[str]):
    if e.op in ("&&", "||"):
        right, live = _conditional(cx, e.right, live, False, pending)
        left, live = expr(cx, e.left, live, False, pending)
        return rebuild(e, left=left, right=right), live
    return _fields(cx, e, live, pending, [("left", False), ("right", False)])


def _if_expr(cx: OwnershipContext, e: ir.IfExpr, live: Live, consumed: bool, pending: set[str]):
    els, live = _conditional(cx, e.els, live, consumed, pending)
    then, live = _conditional(cx, e.then, live, consumed, pending)
    cond, live = expr(cx, e.cond, live, False, pending)
    return rebuild(e, cond=cond, then=then, els=els), live


def _call(cx: OwnershipContext, e: ir.Call, live: Live, consumed: bool, pending: set[str]):
    params = cx.funs[e.func].params
    lent = {
        a.name
        for p, a in zip(params, e.args)
        if isinstance(p.type, ir.BorrowType) and isinstance(a, ir.Var) and a.name in cx.tracked
    }
    pending |= lent - live
    live = live | lent
    args = list(e.args)
    for i in reversed(range(len(args))):
        borrowed = isinstance(params[i].type, ir.BorrowType)
        if not (borrowed and isinstance(args[i], ir.Var)):
            args[i], live = expr(cx, args[i], live, isinstance(params[i].type, ir.PackType), pending)
    return rebuild(e, args=tuple(args)), live


def _builtin(cx: OwnershipContext, e: ir.Builtin, live: Live, consumed: bool, pending: set[str]):
    stored = STORED_ARGS.get(e.name, ())
    args = list(e.args)
    for i in reversed(range(len(args))):
        args[i], live = expr(cx, args[i], live, i in stored, pending)
    return rebuild(e, args=tuple(args)), live


def _block_expr(consumed_value: bool | None = None):
    """`region`, `do`, `restrict`: a block whose value moves out."""

    def rule(cx: OwnershipContext, e, live: Live, consumed: bool, pending: set[str]):
        value_consumed = consumed if consumed_value is None else consumed_value
        body, live = block(cx, e.body, live, value_consumed, outer=pending)
        return rebuild(e, body=body), live

    return rule


# --------------------------------------------------------------------------
# unpack


def _unpack(cx: OwnershipContext, e: ir.Unpack, live: Live, consumed: bool, pending: set[str]):
    pack = e.pack
    if isinstance(pack, ir.Var) and pack.name in cx.tracked:
        return _unpack_owned(cx, e, pack.name, live, consumed, pending)
    body, live = block(cx, e.body, live, True, outer=pending)
    place = isinstance(pack, (ir.Var, ir.FieldGet))
    # What dies in the pack expression is dropped as the block starts: the
    # block may be left by a jump, never to reach the statement's end.
    dead: set[str] = set()
    pack, live = expr(cx, pack, live, not place, dead)
    return rebuild(e, pack=pack, body=prepend(drops(dead), body)), live


def _unpack_owned(cx: OwnershipContext, e: ir.Unpack, x: str, live: Live, consumed: bool, pending: set[str]):
    match _mode(cx, x, e.body, live):
        case "borrow":
            body, inner = block(cx, e.body, live | {x}, True, outer=pending)
            if x not in live:
                pending.add(x)
            return rebuild(e, body=body), inner | {x}
        case "move":
            body, inner = block(cx, e.body, live, True, outer=pending)
            return rebuild(e, pack=ir.Do(ir.Block((), e.pack)), body=body), inner | {x}
        case _:
            body, inner = block(cx, e.body, live, True, entry=Live((x,)), outer=pending)
            return rebuild(e, pack=ir.Copy(e.pack), body=body), inner | {x}


def _mode(cx: OwnershipContext, x: str, body: ir.Block, live: Live) -> str:
    """How to unpack owned `x` (see ownership.py): "borrow" unless the
    block must give x up on some path; then "move" if x is not used again,
    else "copy"."""
    exits = cx.facts.exits(body)
    head = cx.loops[-1] if cx.loops else Live()
    leaves_x = exits.returns or (exits.jumps and x not in head)
    assigns_x = x in cx.facts.assigned(body)
    if not leaves_x and not assigns_x:
        return "borrow"
    jumps_keep_x = exits.jumps and x in head
    if x not in live and x not in cx.facts.uses(body) and not jumps_keep_x:
        return "move"
    return "copy"


EXPRS = {
    ir.IntLit: _leaf,
    ir.FloatLit: _leaf,
    ir.BoolLit: _leaf,
    ir.UnitLit: _leaf,
    ir.NewString: _leaf,
    ir.NewMap: _leaf,
    ir.Var: _var,
    ir.Unary: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("operand", False)]),
    ir.Binary: _binary,
    ir.IfExpr: _if_expr,
    ir.Call: _call,
    ir.Builtin: _builtin,
    ir.NewData: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("args", True)]),
    ir.NewArray: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("elems", True)]),
    ir.FieldGet: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("target", False)]),
    ir.Index: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("target", False), ("index", False)]),
    ir.Pack: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("value", False)]),
    ir.Copy: lambda cx, e, live, c, p: _fields(cx, e, live, p, [("value", False)]),
    ir.Region: _block_expr(True),
    ir.Do: _block_expr(),
    ir.Restrict: _block_expr(),
    ir.Unpack: _unpack,
}
