"""Capabilities of container values (LANGUAGE.md 1.4): what an operation
needs, and where a value's capabilities were lost, for the message.

Guarantees:
* `NEEDS` is the one table of which capability each container operation
  needs (`r` read, `w` write existing slots, `a` grow).
* `explain` tells why an expression has the capabilities its type says:
  a parameter's declaration, a field's declaration, an element read through
  a weaker view, a local bound from one of those (locals keep the `Origin`
  of the value they were bound to), and so on.
* `cap_error` words a violation the same way everywhere: it names the value,
  the capability missing, where it was lost and, when a declaration can be
  rewritten to allow it, the declaration to write.
"""

from __future__ import annotations

from hilang import ast
from hilang.checker.context import Origin, Scope
from hilang.checker.infer import resolve
from hilang.types import ArrayType, DataType, MapType, Type, caps_le

# The capability set an operation needs on its container.
NEEDS = {"read": "r", "write": "rw", "grow": "rwa"}


def caps_of(t: Type) -> str | None:
    t = resolve(t)
    return t.caps if isinstance(t, (ArrayType, MapType)) else None


def spell(t: Type, caps: str | None = None) -> str:
    """How a programmer writes type `t` (with its own capabilities replaced
    by `caps` if given): `mut Array S64`, `Array{rw} S64`, `Array (mut Array S64)`."""
    match t:
        case ArrayType(elem, own):
            name, args = "Array", (elem,)
        case MapType(key, value, own):
            name, args = "Map", (key, value)
        case DataType(name, args):
            own = None
        case _:
            return str(t)
    caps = caps or own
    shown = " ".join([name if caps in (None, "r", "rwa") else f"{name}{{{caps}}}", *map(_spell_arg, args)])
    return "mut " + shown if caps == "rwa" else shown


def _spell_arg(t: Type) -> str:
    s = spell(t)
    return f"({s})" if " " in s else s


def render(origin: Origin, need: str) -> str:
    if origin.fix is None:
        return origin.what
    return f"{origin.what}; write '{spell(origin.fix, need)}' to allow it"


def state(have: str, need: str) -> str:
    if have == "r":
        return "it is read-only here"
    return f"it has {{{have}}} here, not {{{need}}}"


def cap_error(action: str, expr: ast.Expr, have: str, need: str, scope: Scope, env) -> str:
    """`cannot push to 'xs': it is read-only here (parameter 'xs' ...)`;
    `action` names the value as `{value}` ("push to {value}")."""
    origin = explain(expr, scope, env)
    doing = action.format(value=describe(expr))
    return f"cannot {doing}: {state(have, need)} ({render(origin, need)})"


def describe(expr: ast.Expr) -> str:
    text = _text(expr, 4)
    return f"'{text}'" if text else "this value"


def _text(expr: ast.Expr, depth: int) -> str | None:
    if depth == 0:
        return None
    match expr:
        case ast.Var(name):
            return name
        case ast.IntLit(value):
            return str(value)
        case ast.FieldGet(target, name):
            inner = _text(target, depth - 1)
            return f"{inner}.{name}" if inner else None
        case ast.Index(target, index):
            inner = _text(target, depth - 1)
            if inner is None:
                return None
            return f"{inner}[{_text(index, 1) or '...'}]"
        case ast.Call(func):
            return f"{func}(...)"
    return None


def explain(expr: ast.Expr, scope: Scope, env) -> Origin:
    """Why `expr` (of container type) has the capabilities it has."""
    caps = caps_of(expr.ty)
    match expr:
        case ast.Var(name):
            binding = scope.lookup(name)
            if binding is not None and binding.origin is not None:
                return binding.origin
        case ast.FieldGet(target, name):
            return _field_origin(target, name, caps, env)
        case ast.Index(target):
            return element_origin(target, scope, env)
        case ast.Call(func, args, builtin=True) if func == "pop" and args:
            return element_origin(args[0], scope, env)
        case ast.Call(func, builtin=False):
            return Origin(f"the result of '{func}' is declared {{{caps}}}")
        case ast.IfExpr(then=then, els=els):
            # The join has the weaker branch's capabilities: blame that one.
            weaker = then if caps_of(then.ty) == caps else els
            inner = explain(weaker, scope, env)
            return Origin(f"one branch of this 'if' is {describe(weaker)}: {inner.what}", inner.fix)
    return Origin(f"{describe(expr)} has {{{caps}}}")


def _field_origin(target: ast.Expr, name: str, caps: str | None, env) -> Origin:
    data = resolve(target.ty)
    if isinstance(data, DataType) and data.name in env.datas:
        return Origin(f"field '{name}' of '{data.name}' is declared {{{caps}}}")
    return Origin(f"field '{name}' has {{{caps}}}")


def element_origin(container: ast.Expr, scope: Scope, env) -> Origin:
    """Why an element read from `container` has the capabilities it has: its
    declared ones, or fewer because `container` is a weaker view."""
    ct = resolve(container.ty)
    if not isinstance(ct, (ArrayType, MapType)):
        return Origin(f"an element of {describe(container)} has these capabilities")
    elem = ct.elem if isinstance(ct, ArrayType) else ct.value
    declared = caps_of(elem) or "r"
    if caps_le(declared, ct.caps):
        return Origin(f"the elements of {describe(container)} are declared {{{declared}}}")
    outer = explain(container, scope, env)
    return Origin(
        f"it is read through {describe(container)}, which has {{{ct.caps}}}: {outer.what}",
        outer.fix,
    )
