"""Where a value meets a slot: an argument a parameter, a `let` its
annotation, an assignment its variable, a `return` the result type, an
element or field its declared type.

Guarantees (LANGUAGE.md 1.4):
* The value's type must equal the slot's, except that a container's OWN
  capabilities may be stronger than the slot's (`{rwa}` where `{r}` is
  expected): capabilities only weaken. Inside a *read-only* container the
  same holds again, all the way down (LANGUAGE.md 1.8, read-only views are
  covariant): a `mut Array (mut Array S64)` is an `Array (Array S64)`, since
  nothing can be stored through the outer view. Inside a `{rw}` or `{rwa}`
  container, and inside data types, everything must match exactly,
  capabilities included: a write could store a weaker element.
* A generic call's type variable met under a read-only view (`xs: Array a`
  given an `Array (mut Array S64)`) is the element *as read through that
  view* (`a = Array S64`): what the generic body sees when it reads `xs[i]`,
  so that its copy for this call checks.
* A type mismatch is reported at the start of the value (the expression
  whose type is wrong); missing capabilities at `site`, the call or
  statement that stores the value, with the origin of the weak capabilities.
"""

from __future__ import annotations

from diagnostics import Span
from hilang import ast
from hilang.checker.capabilities import cap_error
from hilang.checker.context import FunContext, Scope
from hilang.checker.infer import ErrorType, Meta, resolve, unify, zonk
from hilang.types import ArrayType, DataType, MapType, Type, caps_le, with_caps


def flow(cx: FunContext, scope: Scope, value: ast.Expr, actual: Type, slot: Type,
         site: Span, action: str, context: str | None = None) -> None:
    """Check that `value` (of type `actual`) may be stored in `slot`.
    `action` words the store for a capability error ("pass {value} to ...")."""
    a, s = resolve(actual), resolve(slot)
    if isinstance(a, (Meta, ErrorType)) or isinstance(s, (Meta, ErrorType)):
        ok = unify(a, s)
    else:
        ok = _same_inside(a, s)
    if not ok:
        cx.error(value.span, mismatch(slot, actual, context))
        return
    if isinstance(a, (ArrayType, MapType)) and isinstance(s, (ArrayType, MapType)):
        if not caps_le(s.caps, a.caps):
            cx.error(site, cap_error(action, value, a.caps, s.caps, scope, cx.env))


def _same_inside(a: Type, s: Type) -> bool:
    """Unify everything but the containers' own capabilities, and under a
    read-only slot the elements' own capabilities too."""
    match a, s:
        case ArrayType(e1, _), ArrayType(e2, c2):
            return _element_fits(e1, e2, c2)
        case MapType(k1, v1, _), MapType(k2, v2, c2):
            return unify(k1, k2) and _element_fits(v1, v2, c2)
    return unify(a, s)


def _element_fits(actual: Type, slot: Type, slot_caps: str) -> bool:
    """An element (or map value) of type `actual` seen as one of type
    `slot`, inside a container slot with capabilities `slot_caps`."""
    if slot_caps != "r":
        return unify(actual, slot)
    a, s = resolve(actual), resolve(slot)
    if isinstance(s, Meta) and not isinstance(a, (Meta, ErrorType)):
        return unify(s, with_caps(a, "r"))
    if isinstance(a, (ArrayType, MapType)) and isinstance(s, (ArrayType, MapType)):
        return type(a) is type(s) and caps_le(s.caps, a.caps) and _same_inside(a, s)
    return unify(a, s)


def mismatch(expected: Type, found: Type, context: str | None = None) -> str:
    e, f = zonk(expected), zonk(found)
    notes = [context] if context else []
    if _erase(e) == _erase(f):
        notes.append("the capabilities of elements and type arguments must match exactly, "
                     "except that a read-only container accepts elements with more")
    text = f"type mismatch: expected {e}, found {f}"
    return f"{text} ({'; '.join(notes)})" if notes else text


def _erase(t: Type) -> Type:
    match t:
        case ArrayType(elem, _):
            return ArrayType(_erase(elem), "r")
        case MapType(key, value, _):
            return MapType(_erase(key), _erase(value), "r")
        case DataType(name, args):
            return DataType(name, tuple(_erase(a) for a in args))
    return t
