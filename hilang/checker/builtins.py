"""Signatures of the built-in functions (LANGUAGE.md 1.5) and how their
calls are typed.

Guarantees:
* `BUILTINS` covers exactly `env.BUILTIN_FUNCTIONS`; most entries are data:
  `Simple` (fixed parameter and result types) or `OnContainer` (an Array or
  Map operation: the capability it needs on its container, the roles of its
  other arguments, its result). `print`, `len`, `array` and `map` are small
  functions of their own.
* A container operation without the capability it needs is reported at the
  call, naming the container, the missing capability and where it was lost.
* Values read out of a container (`pop`, `get`) are seen through the
  container's capabilities (`types.with_caps`).
* `print` takes S64, U8, F64, Bool, String and Unit values, and nothing else
  (containers and data values have no printed form in LANGUAGE.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from hilang import ast
from hilang.checker.capabilities import NEEDS, cap_error, describe
from hilang.checker.context import FunContext, Scope
from hilang.checker.env import BUILTIN_FUNCTIONS
from hilang.checker.infer import ERROR, ErrorType, Meta, resolve, view, zonk
from hilang.checker.rules import check_against, check_exact, check_expr, known
from hilang.types import (
    BOOL, F64, S64, STRING, U8, UNIT, ArrayType, DataType, MapType, Type, caps_le,
)

PRINTABLE = (S64, U8, F64, BOOL, STRING, UNIT)


@dataclass(frozen=True)
class Simple:
    params: tuple[Type, ...]
    result: Type


@dataclass(frozen=True)
class OnContainer:
    """`kind` is ArrayType or MapType; `need` a key of `capabilities.NEEDS`;
    `action` words the operation for a capability error; `roles` are the
    other arguments: "elem" and "value" are stored, "key" is looked up."""

    kind: type
    need: str
    action: str
    roles: tuple[str, ...]
    result: Callable[[FunContext, ast.Call, Type], Type]


def _unit(cx, call, c) -> Type:
    return UNIT


def _popped(cx: FunContext, call: ast.Call, c: ArrayType) -> Type:
    return view(c.elem, c.caps, cx.deferred, call.span)


def _got(cx: FunContext, call: ast.Call, c: MapType) -> Type:
    return DataType("Option", (view(c.value, c.caps, cx.deferred, call.span),))


BUILTINS: dict[str, object] = {
    "push": OnContainer(ArrayType, "grow", "push to {value}", ("elem",), _unit),
    "pop": OnContainer(ArrayType, "write", "pop from {value}", (), _popped),
    "insert": OnContainer(MapType, "grow", "insert into {value}", ("key", "value"), _unit),
    "get": OnContainer(MapType, "read", "get from {value}", ("key",), _got),
    "contains": OnContainer(MapType, "read", "look into {value}", ("key",), lambda cx, call, c: BOOL),
    "remove": OnContainer(MapType, "write", "remove from {value}", ("key",), lambda cx, call, c: BOOL),
    "keys": OnContainer(MapType, "read", "read the keys of {value}", (), lambda cx, call, c: ArrayType(c.key, "rwa")),
    "str": Simple((S64,), STRING),
    "int": Simple((STRING,), S64),
    "sqrt": Simple((F64,), F64),
    "float": Simple((S64,), F64),
    "trunc": Simple((F64,), S64),
    "u8": Simple((S64,), U8),
    "s64": Simple((U8,), S64),
    "substr": Simple((STRING, S64, S64), STRING),
    "chr": Simple((U8,), STRING),
}


def _arity(cx: FunContext, e: ast.Call, n: int, scope: Scope) -> bool:
    if len(e.args) == n:
        return True
    cx.error(e.span, f"'{e.func}' takes {n} argument{'' if n == 1 else 's'}, found {len(e.args)}")
    for a in e.args:
        check_expr(cx, a, scope)
    return False


def _simple(cx: FunContext, e: ast.Call, spec: Simple, scope: Scope) -> Type:
    if _arity(cx, e, len(spec.params), scope):
        for i, (arg, ptype) in enumerate(zip(e.args, spec.params), 1):
            check_exact(cx, arg, scope, ptype, f"argument {i} of '{e.func}'")
    return spec.result


def _slot(c: Type, role: str) -> Type:
    match role:
        case "elem":
            return c.elem
        case "key":
            return c.key
        case "value":
            return c.value
    raise ValueError(role)


def _on_container(cx: FunContext, e: ast.Call, spec: OnContainer, scope: Scope) -> Type:
    if not _arity(cx, e, 1 + len(spec.roles), scope):
        return ERROR
    target = e.args[0]
    c = known(cx, check_expr(cx, target, scope), target)
    if c is not None and not isinstance(c, spec.kind):
        kind = "an Array" if spec.kind is ArrayType else "a Map"
        cx.error(target.span, f"'{e.func}' needs {kind}, found {describe(target)} of type {c}")
        c = None
    if c is None:
        for a in e.args[1:]:
            check_expr(cx, a, scope)
        return ERROR
    need = NEEDS[spec.need]
    if not caps_le(need, c.caps):
        cx.error(e.span, cap_error(spec.action, target, c.caps, need, scope, cx.env))
    for i, (arg, role) in enumerate(zip(e.args[1:], spec.roles), 2):
        check_against(cx, arg, scope, _slot(c, role), e.span,
                      f"store {{value}} in {describe(target)}", f"argument {i} of '{e.func}'")
    return spec.result(cx, e, c)


def _print(cx: FunContext, e: ast.Call, scope: Scope, expected) -> Type:
    for arg in e.args:
        _printable(cx, arg, check_expr(cx, arg, scope))
    return UNIT


def _printable(cx: FunContext, arg: ast.Expr, ty: Type) -> None:
    r = resolve(ty)
    if isinstance(r, Meta):
        cx.deferred.add(lambda: None if isinstance(resolve(r), Meta) else _printable(cx, arg, r))
    elif not isinstance(r, ErrorType) and r not in PRINTABLE:
        cx.error(arg.span, f"cannot print {describe(arg)} of type {zonk(r)}: print takes "
                           f"S64, U8, F64, Bool, String and Unit values")


def _len(cx: FunContext, e: ast.Call, scope: Scope, expected) -> Type:
    if _arity(cx, e, 1, scope):
        arg = e.args[0]
        t = known(cx, check_expr(cx, arg, scope), arg)
        if t is not None and t != STRING and not isinstance(t, (ArrayType, MapType)):
            cx.error(arg.span, f"'len' needs a String, Array or Map, found {describe(arg)} of type {t}")
    return S64


def _array(cx: FunContext, e: ast.Call, scope: Scope, expected) -> Type:
    if not _arity(cx, e, 2, scope):
        return ERROR
    count, value = e.args
    check_exact(cx, count, scope, S64, "the length given to 'array'")
    hint = resolve(expected) if expected is not None else None
    if isinstance(hint, ArrayType):
        check_against(cx, value, scope, hint.elem, e.span, "store {value} in this array")
        return ArrayType(hint.elem, "rwa")
    return ArrayType(check_expr(cx, value, scope), "rwa")


def _map(cx: FunContext, e: ast.Call, scope: Scope, expected) -> Type:
    if not _arity(cx, e, 0, scope):
        return ERROR
    hint = resolve(expected) if expected is not None else None
    if isinstance(hint, MapType):
        key, value = hint.key, hint.value
    else:
        key = Meta(e.span, "the key type of this 'map()'")
        value = Meta(e.span, "the value type of this 'map()'")

    def key_is_legal() -> None:
        k = resolve(key)
        if not isinstance(k, (Meta, ErrorType)) and k not in (S64, STRING):
            cx.error(e.span, f"map keys must be S64 or String, found {zonk(k)}")

    cx.deferred.add(key_is_legal)
    return MapType(key, value, "rwa")


SPECIAL = {"print": _print, "len": _len, "array": _array, "map": _map}
assert set(BUILTINS) | set(SPECIAL) == BUILTIN_FUNCTIONS


def check_builtin(cx: FunContext, e: ast.Call, scope: Scope, expected: Type | None) -> Type:
    if e.func in SPECIAL:
        return SPECIAL[e.func](cx, e, scope, expected)
    spec = BUILTINS[e.func]
    if isinstance(spec, Simple):
        return _simple(cx, e, spec, scope)
    return _on_container(cx, e, spec, scope)
