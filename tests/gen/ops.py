"""Operators and built-in functions, by the type they produce.

Operations that can fail at run time (division, indexing, `pop`, `int`,
`trunc`) are guarded so that they cannot, unless the program was drawn
*risky*: then some are left bare, and the program may end in a runtime
error that every engine must report alike (exit 101, the same stderr line,
the output printed before it).
"""

from __future__ import annotations

from hilang import ast
from hilang.types import BOOL, F64, S64, STRING, U8, ArrayType, DataType, MapType, Type, TypeVar
from hilang.types import with_caps

from . import exprs
from .context import Ctx, Local, Scope

NONZERO = (1, 2, 3, 7, -1, -3)
NUMERIC_STRINGS = ("0", "42", "-7", "007", "-0", "9223372036854775807", "-9223372036854775808")
EQUATABLE = (S64, U8, F64, BOOL, STRING)
ORDERED = (S64, U8, F64)


def forms(cx: Ctx, sc: Scope, ty: Type, d: int, exact: bool) -> list:
    e = lambda t: exprs.expr(cx, sc, t, d, exact=True)  # noqa: E731  (operands: primitives)
    match ty:
        case _ if ty == S64:
            return _s64(cx, sc, d, e)
        case _ if ty == U8:
            return [
                (2, lambda: ast.Binary(cx.choice(["+", "-", "*"]), e(U8), e(U8))),
                (1, lambda: ast.Binary(cx.choice(["/", "%"]), e(U8), _divisor(cx, U8, e))),
                (2, lambda: ast.Call("u8", (e(S64),))),
                (1, lambda: ast.Unary("-", e(U8))),
                (2, lambda: _string_index(cx, sc, e)),
            ]
        case _ if ty == F64:
            return [
                (3, lambda: ast.Binary(cx.choice(["+", "-", "*", "/"]), e(F64), e(F64))),
                (2, lambda: ast.Call("float", (e(S64),))),
                (1, lambda: ast.Call("sqrt", (e(F64),))),
                (1, lambda: ast.Unary("-", e(F64))),
            ]
        case _ if ty == BOOL:
            return _bool(cx, sc, d, e)
        case _ if ty == STRING:
            return [
                (4, lambda: ast.Binary("++", e(STRING), e(STRING))),
                (2, lambda: ast.Call("str", (e(S64),))),
            ]
        case DataType("Option", (arg,)):
            return _option(cx, sc, ty, arg, d, exact)
        case DataType():
            return _data(cx, sc, ty, d, exact)
        case ArrayType(elem, caps):
            return _array(cx, sc, elem, caps, d)
    return []


def _s64(cx: Ctx, sc: Scope, d: int, e) -> list:
    options = [
        (4, lambda: ast.Binary(cx.choice(["+", "-", "*"]), e(S64), e(S64))),
        (2, lambda: ast.Binary(cx.choice(["/", "%"]), e(S64), _divisor(cx, S64, e))),
        (1, lambda: ast.Unary("-", e(S64))),
        (1, lambda: ast.Call("s64", (e(U8),))),
        (1, lambda: _int_of_string(cx, e)),
        (1, lambda: ast.Call("len", (e(STRING),))),
    ]
    sized = sc.find(lambda x: x.ty == STRING or isinstance(x.ty, (ArrayType, MapType)))
    if sized:
        options.append((3, lambda: _call("len", cx, ast.Var(cx.choice(sized).name))))
    floats = sc.find(lambda x: x.ty == F64)
    if floats or cx.risky:
        options.append((1, lambda: _trunc(cx, floats, e)))
    return options


def _divisor(cx: Ctx, ty: Type, e) -> ast.Expr:
    if cx.risky and cx.chance(50):
        # A computed divisor, sometimes a difference that may well be zero.
        return cx.choice([e(ty), ast.Binary("-", e(ty), e(ty))])
    if ty == U8:
        return ast.IntLit(cx.choice([1, 2, 3, 7, 255]), u8=True)
    return exprs.number(cx.choice(list(NONZERO)))


def _int_of_string(cx: Ctx, e) -> ast.Expr:
    if cx.risky and cx.chance(40):
        return ast.Call("int", (e(STRING),))
    if cx.chance(50):
        return ast.Call("int", (ast.StringLit(cx.choice(list(NUMERIC_STRINGS))),))
    return ast.Call("int", (ast.Call("str", (e(S64),)),))


def _trunc(cx: Ctx, floats: list[Local], e) -> ast.Expr:
    """`trunc` fails on NaN, infinities and values beyond S64: unless risky,
    only a variable already in range (or 0.0) is truncated."""
    if not floats or (cx.risky and cx.chance(50)):
        return ast.Call("trunc", (e(F64),))
    x = ast.Var(cx.choice(floats).name)
    in_range = ast.Binary("&&", ast.Binary(">", x, exprs.number(-1e15)), ast.Binary("<", x, ast.FloatLit(1e15)))
    return ast.Call("trunc", (ast.IfExpr(in_range, x, ast.FloatLit(0.0)),))


def _string_index(cx: Ctx, sc: Scope, e) -> ast.Expr:
    """`if i < len(s) then s[i] else 0u8` on a variable or a literal."""
    if cx.risky and cx.chance(30):
        return ast.Index(e(STRING), e(S64))
    strings = sc.find(lambda x: x.ty == STRING)
    s = ast.Var(cx.choice(strings).name) if strings and cx.chance(70) else exprs.literal(cx, STRING)
    i = small_index(cx, sc)
    return ast.IfExpr(ast.Binary("<", i, _call("len", cx, s)), ast.Index(s, i), ast.IntLit(0, u8=True))


def _bool(cx: Ctx, sc: Scope, d: int, e) -> list:
    options = [
        (3, lambda: _compare(cx, e, "==", "!=")),
        (3, lambda: _compare(cx, e, "<", "<=", ">", ">=")),
        (3, lambda: ast.Binary(cx.choice(["&&", "||"]), e(BOOL), e(BOOL))),
        (1, lambda: ast.Unary("!", e(BOOL))),
    ]
    maps = sc.find(lambda x: isinstance(x.ty, MapType))
    if maps:
        options.append((1, lambda: _on_map(cx, "contains", cx.choice(maps), e)))
    writable = [m for m in maps if m.ty.caps != "r"]
    if writable:
        options.append((1, lambda: _on_map(cx, "remove", cx.choice(writable), e)))
    return options


def _compare(cx: Ctx, e, *ops: str) -> ast.Expr:
    ty = cx.choice(list(EQUATABLE if "==" in ops else ORDERED))
    return ast.Binary(cx.choice(list(ops)), e(ty), e(ty))


def _on_map(cx: Ctx, func: str, m: Local, e) -> ast.Expr:
    return _call(func, cx, ast.Var(m.name), key(cx, m.ty.key, e))


def key(cx: Ctx, ty: Type, e) -> ast.Expr:
    """Keys from a small set, so that lookups hit and inserts overwrite."""
    if cx.chance(25):
        return e(ty)
    if ty == S64:
        return ast.IntLit(cx.below(4))
    return ast.StringLit(cx.choice(["a", "b", "c", "é"]))


def _option(cx: Ctx, sc: Scope, ty: Type, arg: Type, d: int, exact: bool) -> list:
    options = [(2, lambda: ast.Construct("Some", (exprs.expr(cx, sc, arg, d, exact),)))]
    maps = sc.find(lambda x: isinstance(x.ty, MapType) and DataType("Option", (with_caps(x.ty.value, x.ty.caps),)) == ty)
    if maps:
        e = lambda t: exprs.expr(cx, sc, t, d, exact=True)  # noqa: E731
        options.append((3, lambda: _on_map(cx, "get", cx.choice(maps), e)))
    return options


def _data(cx: Ctx, sc: Scope, ty: DataType, d: int, exact: bool) -> list:
    data = cx.data(ty.name)
    ctors = [c for c in data.ctors if not exact or data.determines(c)]
    options = []
    if ctors:
        options.append((4, lambda: _construct(cx, sc, data, cx.choice(ctors), ty, d, exact)))
    if data.record and any(x.ty == ty for x in sc.locals):
        options.append((2, lambda: _copy_with(cx, sc, data, ty, d)))
    return options


def _construct(cx: Ctx, sc: Scope, data, ctor, ty: DataType, d: int, exact: bool) -> ast.Expr:
    fields = data.fields_at(ctor, ty)
    # Exactly typed, only the fields that fix a type argument need to be.
    args = [exprs.expr(cx, sc, ft, d, exact and isinstance(decl, TypeVar))
            for (_, ft), (_, decl) in zip(fields, ctor.fields)]
    return exprs.build(cx, ctor, [n for n, _ in fields], args)


def _copy_with(cx: Ctx, sc: Scope, data, ty: DataType, d: int) -> ast.Expr:
    """`R { base with f = e }` (records only: LANGUAGE.md 1.3)."""
    base = ast.Var(cx.choice([x for x in sc.locals if x.ty == ty]).name)
    fields = data.fields_at(data.ctors[0], ty)
    chosen = [fields[i] for i in sorted(set(cx.below(len(fields)) for _ in range(1 + cx.below(2))))]
    return ast.RecordLit(data.name, tuple((n, exprs.expr(cx, sc, ft, d)) for n, ft in chosen), base)


def _array(cx: Ctx, sc: Scope, elem: Type, caps: str, d: int) -> list:
    options = [
        (3, lambda: ast.ArrayLit(tuple(exprs.expr(cx, sc, elem, d) for _ in range(cx.below(4))))),
        (1, lambda: ast.Call("array", (ast.IntLit(cx.below(4)), exprs.expr(cx, sc, elem, d)))),
    ]
    maps = sc.find(lambda x: isinstance(x.ty, MapType) and x.ty.key == elem)
    if maps:
        options.append((1, lambda: _call("keys", cx, ast.Var(cx.choice(maps).name))))
    return options


# --------------------------------------------------------------------------
# reads that may fail, guarded


def guarded_index(cx: Ctx, sc: Scope, xs: Local, ty: Type, d: int, exact: bool) -> ast.Expr:
    """`if i < len(xs) then xs[i] else <leaf>`, or a bare `xs[i]` if risky."""
    if cx.risky and cx.chance(30):
        return ast.Index(ast.Var(xs.name), exprs.expr(cx, sc, S64, d, exact=True))
    i = small_index(cx, sc)
    read = ast.Index(ast.Var(xs.name), i)
    return ast.IfExpr(ast.Binary("<", i, _call("len", cx, ast.Var(xs.name))), read,
                      exprs.leaf(cx, sc, ty, exact))


def guarded_pop(cx: Ctx, sc: Scope, xs: Local, ty: Type, d: int, exact: bool) -> ast.Expr:
    pop = _call("pop", cx, ast.Var(xs.name))
    if cx.risky and cx.chance(30):
        return pop
    nonempty = ast.Binary(">", _call("len", cx, ast.Var(xs.name)), ast.IntLit(0))
    return ast.IfExpr(nonempty, pop, exprs.leaf(cx, sc, ty, exact))


def small_index(cx: Ctx, sc: Scope) -> ast.Expr:
    """An S64 known to be >= 0: a small literal or a `for` loop's index."""
    indices = sc.find(lambda x: x.kind in ("index", "counter"))
    if indices and cx.chance(50):
        return ast.Var(cx.choice(indices).name)
    return ast.IntLit(cx.below(4))


def _call(func: str, cx: Ctx, target: ast.Expr, *rest: ast.Expr) -> ast.Expr:
    """A built-in call, sometimes written `target.func(rest)` (UFCS)."""
    return ast.Call(func, (target, *rest), ufcs=cx.chance(30))
