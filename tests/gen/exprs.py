"""Expressions of a given type: the heart of the type-directed generator.

`expr(cx, sc, ty, depth)` returns an expression that the checker accepts
where a value of type `ty` is expected (an annotated `let`, an argument, a
field, a `return`...). There the checker lets a container's own
capabilities be stronger than the slot's, and pushes the expected type
into `[]`, `None`, `map()` and generic calls.

With `exact=True` the expression must have type `ty` all by itself, for
the places where the checker has nothing to go by: an unannotated `let`,
the argument given to a generic function's parameter `x: a`, operands.
Only plain types (no containers, see `types`) are ever asked for exactly,
and then `None`, `[]` and constructors that leave a type argument open are
avoided.

`depth` bounds nesting; at depth 0 only leaves are made (literals,
variables, and the smallest value of a data type).
"""

from __future__ import annotations

from hilang import ast
from hilang.types import BOOL, F64, S64, STRING, U8, UNIT, ArrayType, DataType, MapType, Prim, Type, TypeVar
from hilang.types import substitute, with_caps

from . import calls, ops
from .context import Ctx, Scope
from .types import fits, is_plain

SMALL_INTS = (0, 1, 2, 3, 5, 7, 10, 42, 100)
EDGE_INTS = (-1, 255, 256, 65535, 2**31, 2**63 - 1, -(2**63))
FLOATS = (0.0, 0.5, 1.5, 2.0, 3.25, 0.1, 1e10, -2.5, 1e-3)
STRINGS = ("", "a", "b", "hi", "ab", "hello", "x y", "42", "-7", "tab\t", "new\nline", 'q"q', "back\\", "é")


def expr(cx: Ctx, sc: Scope, ty: Type, depth: int, exact: bool = False) -> ast.Expr:
    assert not exact or is_plain(ty), ty
    options = [(3, lambda: leaf(cx, sc, ty, exact))]
    usable = sc.find(lambda x: x.ty == ty if exact else fits(x.ty, ty))
    if usable:
        options.append((10, lambda: ast.Var(cx.choice(usable).name)))
    if depth > 0:
        options += _generic_forms(cx, sc, ty, depth - 1, exact)
        options += ops.forms(cx, sc, ty, depth - 1, exact)
    return cx.pick(options)


# --------------------------------------------------------------------------
# leaves: the smallest values of each type


def can_build(cx: Ctx, sc: Scope, ty: Type, exact: bool = False) -> bool:
    """Whether `leaf` can make a value of `ty` here."""
    match ty:
        case TypeVar():
            return any(x.ty == ty for x in sc.locals)
        case DataType("Option", (arg,)):
            return not exact or can_build(cx, sc, arg, True)
        case DataType():
            return _leaf_ctor(cx, sc, ty, exact) is not None
        case ArrayType() | MapType():
            return not exact
    return True


def leaf(cx: Ctx, sc: Scope, ty: Type, exact: bool = False) -> ast.Expr:
    match ty:
        case Prim():
            return literal(cx, ty)
        case TypeVar():
            return ast.Var(cx.choice([x for x in sc.locals if x.ty == ty]).name)
        case DataType("Option", (arg,)):
            if exact or cx.chance(30):
                return ast.Construct("Some", (leaf(cx, sc, arg, exact),))
            return ast.Construct("None")
        case DataType():
            data = cx.data(ty.name)
            ctor = _leaf_ctor(cx, sc, ty, exact)
            fields = data.fields_at(ctor, ty)
            args = [leaf(cx, sc, ft, exact and isinstance(decl, TypeVar))
                    for (_, ft), (_, decl) in zip(fields, ctor.fields)]
            return build(cx, ctor, [n for n, _ in fields], args)
        case ArrayType():
            return ast.ArrayLit(())
        case MapType():
            return ast.Call("map", ())
    raise TypeError(ty)


def _leaf_ctor(cx: Ctx, sc: Scope, ty: DataType, exact: bool):
    """The constructor `leaf` uses: not recursive (so leaves are finite),
    and when `exact`, one that fixes the type arguments (it may then be
    recursive: its recursive fields are leaves made inexactly)."""
    data = cx.data(ty.name)
    for ctor in data.ctors:
        if data.is_recursive(ctor) and not exact:
            continue
        if exact and not data.determines(ctor):
            continue
        fields = data.fields_at(ctor, ty)
        if all(can_build(cx, sc, ft, exact and isinstance(decl, TypeVar))
               for (_, ft), (_, decl) in zip(fields, ctor.fields)):
            return ctor
    return None


def literal(cx: Ctx, ty: Prim) -> ast.Expr:
    match ty:
        case _ if ty == S64:
            if cx.chance(10):
                return number(cx.choice(list(EDGE_INTS)))
            return number(cx.choice(list(SMALL_INTS)) * (-1 if cx.chance(15) else 1))
        case _ if ty == U8:
            return ast.IntLit(cx.choice([0, 1, 2, 7, 100, 200, 255]), u8=True)
        case _ if ty == F64:
            return number(cx.choice(list(FLOATS)))
        case _ if ty == BOOL:
            return ast.BoolLit(cx.chance(50))
        case _ if ty == STRING:
            return ast.StringLit(cx.choice(list(STRINGS)))
        case _ if ty == UNIT:
            return ast.UnitLit()
    raise TypeError(ty)


def number(value: int | float) -> ast.Expr:
    """A literal as the parser reads it: a negative one is a unary minus."""
    lit = ast.FloatLit(abs(value)) if isinstance(value, float) else ast.IntLit(abs(value))
    return ast.Unary("-", lit) if value < 0 else lit


def build(cx: Ctx, ctor, names: list, args: list[ast.Expr]) -> ast.Expr:
    """`C(a, b)`, or `C { x = a, y = b }` with the fields in any order
    (they are evaluated in source order: LANGUAGE.md, semantics doc)."""
    if not ctor.named:
        return ast.Construct(ctor.name, tuple(args))
    order = _permutation(cx, len(args))
    return ast.RecordLit(ctor.name, tuple((names[i], args[i]) for i in order))


def _permutation(cx: Ctx, n: int) -> list[int]:
    order = list(range(n))
    for i in range(n - 1):  # Fisher-Yates; all-zero draws give the identity
        j = i + cx.below(n - i)
        order[i], order[j] = order[j], order[i]
    return order


# --------------------------------------------------------------------------
# forms that make a value of any type


def _generic_forms(cx: Ctx, sc: Scope, ty: Type, depth: int, exact: bool) -> list:
    options = [(1, lambda: ast.IfExpr(expr(cx, sc, BOOL, depth), expr(cx, sc, ty, depth, exact),
                                      expr(cx, sc, ty, depth, exact)))]
    candidates = calls.candidates(cx, sc, ty, exact)
    if candidates:
        options.append((5, lambda: calls.call(cx, sc, cx.choice(candidates), depth)))
    arrays = [x for x in sc.locals if isinstance(x.ty, ArrayType) and _fits(_elem(x.ty), ty, exact)]
    if arrays:
        options.append((2, lambda: ops.guarded_index(cx, sc, cx.choice(arrays), ty, depth, exact)))
        writable = [x for x in arrays if x.ty.caps != "r"]
        if writable:
            options.append((1, lambda: ops.guarded_pop(cx, sc, cx.choice(writable), ty, depth, exact)))
    fields = [(x, name) for x in sc.locals if isinstance(x.ty, DataType) and cx.data(x.ty.name)
              for name, ft in cx.data(x.ty.name).shared_fields()
              if _fits(_field_at(cx, x.ty, ft), ty, exact)]
    if fields:
        options.append((2, lambda: _field_get(cx, fields)))
    return options


def _field_get(cx: Ctx, fields) -> ast.Expr:
    local, name = cx.choice(fields)
    return ast.FieldGet(ast.Var(local.name), name)


def _field_at(cx: Ctx, ty: DataType, ft: Type) -> Type:
    return substitute(ft, dict(zip(cx.data(ty.name).params, ty.args)))


def _elem(ty: ArrayType) -> Type:
    """An element as read through the array's capabilities."""
    return with_caps(ty.elem, ty.caps)


def _fits(actual: Type, wanted: Type, exact: bool) -> bool:
    return actual == wanted if exact else fits(actual, wanted)
