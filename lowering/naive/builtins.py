"""hilang's built-in functions -> lolang built-ins, one small rule each
(`RULES`, keyed by name).

Assumes a checked call (`Call.builtin` set, arguments typed). Guarantees
what docs/hilang-semantics.md says of each: arguments left to right before
the operation; the allocating ones (`array`, `map`, `keys`, `get`, `str`,
`substr`, `chr`) make one object in a fresh region; `pop`, `array`, `int`,
`trunc` and `substr` carry the call's position. A container operation unpacks the container's pack
for the operation (so growing needs `a` on its region, docs/lolang.md §5.1).

`get(m, k)` has no lolang built-in: it is `if contains(m, k) then Some(m[k])
else None`, the key evaluated once.
"""

from __future__ import annotations

from hilang import ast
from hilang import types as ht
from lolang import ir
from lowering.naive import values as V
from lowering.naive.context import FunctionContext
from lowering.naive.expressions import allocate, lower_expr, pos, settle_busy, stored
from lowering.naive.values import Lowered


def lower_builtin(ctx: FunctionContext, e: ast.Call) -> Lowered:
    return RULES[e.func](ctx, e)


def _result(value: ir.Expr, ty: ht.Type) -> Lowered:
    return V.owned(value, ty) if ht.is_heap(ty) else V.prim(value, ty)


def _heap_places(e: ast.Call) -> list[bool]:
    return [ht.is_heap(a.ty) for a in e.args]


def _on_objects(name: str, with_pos: bool = False):
    """`name(o1, ...)` on the objects of its arguments (primitives as
    they are): `len`, `contains`, `remove`, `int`, `print`."""

    def rule(ctx: FunctionContext, e: ast.Call) -> Lowered:
        vals = V.operands(ctx, lower_expr, e.args, _heap_places(e))
        at = pos(e) if with_pos else None
        value = V.with_objects(ctx, vals, lambda objs: ir.Builtin(name, (), tuple(objs), at))
        return _result(value, e.ty)

    return rule


def _prim_op(name: str, with_pos: bool = False):
    """A conversion on a primitive: `sqrt`, `float`, `trunc`, `u8`, `s64`."""

    def rule(ctx: FunctionContext, e: ast.Call) -> Lowered:
        (arg,) = V.operands(ctx, lower_expr, e.args)
        return V.prim(ir.Builtin(name, (), (arg.expr,), pos(e) if with_pos else None), e.ty)

    return rule


def _push(ctx: FunctionContext, e: ast.Call) -> Lowered:
    xs, x = V.operands(ctx, lower_expr, e.args, [True, False])
    return V.prim(V.with_object(ctx, xs, lambda o: ir.Builtin("push", (), (o, V.consume(ctx, x)))), e.ty)


def _pop(ctx: FunctionContext, e: ast.Call) -> Lowered:
    (xs,) = V.operands(ctx, lower_expr, e.args, [True])
    return _result(V.with_object(ctx, xs, lambda o: ir.Builtin("pop", (), (o,), pos(e))), e.ty)


def _insert(ctx: FunctionContext, e: ast.Call) -> Lowered:
    m, k, v = V.operands(ctx, lower_expr, e.args, [True, False, False])

    def insert(o: ir.Expr) -> ir.Expr:
        return ir.Builtin("insert", (), (o, V.consume(ctx, k), V.consume(ctx, v)))

    return V.prim(V.with_object(ctx, m, insert), e.ty)


def _get(ctx: FunctionContext, e: ast.Call) -> Lowered:
    m, key = V.operands(ctx, lower_expr, e.args, _heap_places(e))
    key = V.settled(ctx, key)  # read twice: by `contains` and by `m[k]`
    value_heap = ht.is_heap(e.ty.args[0])
    some = ctx.types.ctor(e.ty, "Some").name
    none = ctx.types.ctor(e.ty, "None").name

    def get(objs: list[ir.Expr]) -> ir.Expr:
        o, k = objs
        found = ir.Index(o, k)
        found = ir.Copy(found) if value_heap else found
        return ir.IfExpr(
            ir.Builtin("contains", (), (o, k)),
            allocate(ctx, "r", lambda q: ir.NewData(q, some, (found,))),
            allocate(ctx, "r", lambda q: ir.NewData(q, none)),
        )

    return V.owned(V.with_objects(ctx, [m, key], get), e.ty)


def _keys(ctx: FunctionContext, e: ast.Call) -> Lowered:
    (m,) = V.operands(ctx, lower_expr, e.args, [True])
    keys = lambda o: allocate(ctx, "rwa", lambda q: ir.Builtin("keys", (q,), (o,)))
    return V.owned(V.with_object(ctx, m, keys), e.ty)


def _array(ctx: FunctionContext, e: ast.Call) -> Lowered:
    n, x = stored(ctx, e.args)
    elem = ctx.types.slot_type(e.ty.elem)
    if ht.is_heap(e.ty.elem):
        # lolang takes the element type from `x`, whose pack may hold more
        # than the element type says (`[]` is `{rwa}`; `copy rows[0]` keeps
        # the declared caps of a read-only view's element): a typed `let`
        # weakens it first.
        t = ctx.temp("t")
        ctx.emit(ir.Let(t, elem, x))
        x = ir.Var(t)
    return V.owned(allocate(ctx, "rwa", lambda q: ir.Builtin("array", (q,), (n, x), pos(e))), e.ty)


def _map(ctx: FunctionContext, e: ast.Call) -> Lowered:
    key, value = ctx.types.slot_type(e.ty.key), ctx.types.slot_type(e.ty.value)
    return V.owned(allocate(ctx, "rwa", lambda q: ir.NewMap(q, key, value)), e.ty)


def _str(ctx: FunctionContext, e: ast.Call) -> Lowered:
    (n,) = stored(ctx, e.args)
    return V.owned(allocate(ctx, "r", lambda q: ir.Builtin("str", (q,), (n,))), e.ty)


def _substr(ctx: FunctionContext, e: ast.Call) -> Lowered:
    """`substr[q](o, i, j)@p` on the string's object; the bounds are
    evaluated before the new string's region opens."""
    vals = settle_busy(ctx, V.operands(ctx, lower_expr, e.args, [True, False, False]))

    def substr(objs: list[ir.Expr]) -> ir.Expr:
        return allocate(ctx, "r", lambda q: ir.Builtin("substr", (q,), tuple(objs), pos(e)))

    return V.owned(V.with_objects(ctx, vals, substr), e.ty)


def _chr(ctx: FunctionContext, e: ast.Call) -> Lowered:
    (b,) = stored(ctx, e.args)
    return V.owned(allocate(ctx, "r", lambda q: ir.Builtin("chr", (q,), (b,))), e.ty)


RULES = {
    "print": _on_objects("print"),
    "len": _on_objects("len"),
    "contains": _on_objects("contains"),
    "remove": _on_objects("remove"),
    "int": _on_objects("int", with_pos=True),
    "push": _push,
    "pop": _pop,
    "insert": _insert,
    "get": _get,
    "keys": _keys,
    "array": _array,
    "map": _map,
    "str": _str,
    "substr": _substr,
    "chr": _chr,
    "sqrt": _prim_op("sqrt"),
    "float": _prim_op("float"),
    "trunc": _prim_op("trunc", with_pos=True),
    "u8": _prim_op("u8"),
    "s64": _prim_op("s64"),
}
