"""What a lowered hilang expression is, and how its users get at it.

A hilang expression lowers to a `Lowered` of one of four kinds:

* `PRIM`  — a primitive-valued lolang expression;
* `OWNED` — an expression making a fresh owned pack (an allocation, a call
  result, a `copy`): it must be consumed exactly once;
* `PLACE` — a variable holding a pack (owned or borrowed, `binding` says);
* `FIELD` — a pack field read through a place: `root.field`, where `root`
  is a `PLACE` or `FIELD`. It exists only as a recipe: the field can be
  reached only inside an `unpack` of its root, so users wrap themselves in
  those unpacks (`with_object`, `with_lent`), which costs no reference count.

Users: `consume` (a consuming position: an owned value, copied from a
borrowed place or field; an owned variable is left for the ownership pass
to move or copy), `with_object` (unpack to reach the object, `T @s`),
`with_lent` (pass packs to `&` parameters), and `operands`, which lowers
several operands left to right and keeps that order when a later one needs
statements before the expression (it binds the earlier ones to temporaries).

Guarantees: unpacks are only ever wrapped around places, which have no
effect, so wrapping an operation in them never reorders evaluation; an
`OWNED` value that must be reached or lent is first bound to a `let`, which
the ownership pass drops after its last use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hilang import types as ht
from lolang import ir
from lowering.naive.context import Binding, FunctionContext

PRIM, OWNED, PLACE, FIELD = "prim", "owned", "place", "field"


@dataclass(frozen=True)
class Lowered:
    kind: str
    ty: ht.Type
    expr: ir.Expr | None = None  # PRIM, OWNED, PLACE
    binding: Binding | None = None  # PLACE, and PRIM when a variable
    root: "Lowered | None" = None  # FIELD
    field: str | None = None  # FIELD


def prim(e: ir.Expr, ty: ht.Type) -> Lowered:
    return Lowered(PRIM, ty, e)


def owned(e: ir.Expr, ty: ht.Type) -> Lowered:
    return Lowered(OWNED, ty, e)


def place(b: Binding, ty: ht.Type | None = None) -> Lowered:
    return Lowered(PLACE, ty or b.ty, ir.Var(b.name), binding=b)


def field_of(root: Lowered, name: str, ty: ht.Type) -> Lowered:
    return Lowered(FIELD, ty, root=root, field=name)


def is_trivial(v: Lowered) -> bool:
    """Reading it later, or twice, is the same as reading it now: a
    literal, a variable, or a field of immutable data through a place."""
    if v.kind in (PLACE, FIELD):
        return True
    return v.kind == PRIM and isinstance(v.expr, (ir.IntLit, ir.FloatLit, ir.BoolLit, ir.UnitLit, ir.Var))


# --------------------------------------------------------------------------
# Binding values to temporaries


def bind_temp(ctx: FunctionContext, v: Lowered) -> Lowered:
    """`let t = v;` emitted now; the value is then read from `t`."""
    let, read = _temp(ctx, v)
    ctx.emit(let)
    return read


def _temp(ctx: FunctionContext, v: Lowered) -> tuple[ir.Let, Lowered]:
    """The `let` binding `v` to a fresh temporary, and the value read back."""
    name = ctx.temp("t")
    if v.kind == PRIM:
        return ir.Let(name, None, v.expr), prim(ir.Var(name), v.ty)
    let = ir.Let(name, ctx.types.value_type(v.ty), consume(ctx, v))
    return let, place(Binding(name, v.ty, True, True), v.ty)


def as_place(ctx: FunctionContext, v: Lowered) -> Lowered:
    """A `PLACE` or `FIELD` for a heap value (binding an `OWNED` one)."""
    return bind_temp(ctx, v) if v.kind == OWNED else v


def settled(ctx: FunctionContext, v: Lowered) -> Lowered:
    """`v`, bound to a temporary unless trivial: it can then be evaluated
    anywhere later without reordering anything."""
    return v if is_trivial(v) else bind_temp(ctx, v)


# --------------------------------------------------------------------------
# Using values


def consume(ctx: FunctionContext, v: Lowered) -> ir.Expr:
    """The expression for `v` in a consuming position."""
    match v.kind:
        case "prim" | "owned":
            return v.expr
        case "place":
            # An owned variable is moved or copied by the ownership pass; a
            # borrowed one can only be copied.
            return v.expr if v.binding.owned else ir.Copy(v.expr)
        case "field":
            return with_object(ctx, v.root, lambda o: ir.Copy(ir.FieldGet(o, v.field)))
    raise TypeError(v.kind)


def with_object(ctx: FunctionContext, v: Lowered, body: Callable[[ir.Expr], ir.Expr | None]) -> ir.Expr:
    """`unpack <v> as s, o { <body(o)> }`, `o: T @s` the object (a field is
    reached by unpacking each place on its path). Statements `body` emits go
    inside the block; an `OWNED` value is consumed by the unpack."""
    if v.kind == FIELD:
        return with_object(ctx, v.root, lambda o: _unpack(ctx, ir.FieldGet(o, v.field), body))
    return _unpack(ctx, v.expr, body)


def _unpack(ctx: FunctionContext, pack: ir.Expr, body: Callable[[ir.Expr], ir.Expr | None]) -> ir.Expr:
    region, obj = ctx.region("s"), ctx.temp("o")
    with ctx.collect() as stmts:
        result = body(ir.Var(obj))
    return ir.Unpack(pack, region, obj, ir.Block(tuple(stmts), result))


def with_objects(ctx: FunctionContext, vals: list[Lowered], body: Callable[[list[ir.Expr]], ir.Expr | None]) -> ir.Expr | None:
    """`body` given each value's object (primitives as they are), inside
    the unpacks of the heap ones, nested left to right. The heap values
    must be places or fields (see `operands`)."""

    def go(i: int, done: list[ir.Expr]) -> ir.Expr | None:
        if i == len(vals):
            return body(done)
        v = vals[i]
        if v.kind == PRIM:
            return go(i + 1, done + [v.expr])
        return with_object(ctx, v, lambda o: go(i + 1, done + [o]))

    return go(0, [])


def with_lent(ctx: FunctionContext, vals: list[Lowered], owned: tuple[bool, ...], body: Callable[[list[ir.Expr]], ir.Expr]) -> ir.Expr:
    """`body` given call arguments: for an owned parameter the consumed
    value, for a `&` one the place itself, or the field read inside the
    unpack of its root (no count changes)."""

    def go(i: int, done: list[ir.Expr]) -> ir.Expr:
        if i == len(vals):
            return body(done)
        v = vals[i]
        if v.kind == PRIM or owned[i]:
            return go(i + 1, done + [consume(ctx, v)])
        if v.kind == PLACE:
            return go(i + 1, done + [v.expr])
        return with_object(ctx, v.root, lambda o: go(i + 1, done + [ir.FieldGet(o, v.field)]))

    return go(0, [])


def operands(ctx: FunctionContext, lower, exprs, places: list[bool] | None = None) -> list[Lowered]:
    """Lower `exprs` left to right (`lower(ctx, e) -> Lowered`). Heap operands
    with `places[i]` are made places or fields. When an operand needs
    statements before the expression that uses them all, every earlier
    operand that is not trivial is bound to a temporary right after its own
    statements, so that evaluation order is kept."""
    places = places or [False] * len(exprs)
    sink = ctx.sinks[-1]
    vals, ends, busy = [], [], []
    for e, need_place in zip(exprs, places):
        start = len(sink)
        v = lower(ctx, e)
        vals.append(as_place(ctx, v) if need_place else v)
        ends.append(len(sink))
        busy.append(len(sink) > start)
    last = max((i for i, b in enumerate(busy) if b), default=-1)
    # From the back, so that the earlier insertion points stay where they are.
    for i in reversed(range(last)):
        if not is_trivial(vals[i]):
            let, vals[i] = _temp(ctx, vals[i])
            sink.insert(ends[i], let)
    return vals
