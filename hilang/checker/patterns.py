"""Type patterns and bind their variables (LANGUAGE.md 1.5, 1.7).

Guarantees:
* A constructor pattern must name a constructor of the matched value's
  type, with the right number of sub-patterns (positional constructors) or
  existing, distinct field names (named ones: `Rect { w, h = 0 }` lists
  some or all fields). Literal patterns match S64 (or U8 with `u8`), Bool
  and String values.
* Every variable of a pattern is bound once per pattern, in the scope of
  the arm's block, with the type of the part it matches. After an error the
  variables are still bound (to `ERROR`), so the arm's body gets checked
  without follow-on "unknown variable" errors.
"""

from __future__ import annotations

from hilang import ast
from hilang.checker.capabilities import caps_of
from hilang.checker.context import Binding, FunContext, Origin, Scope
from hilang.checker.env import CtorInfo
from hilang.checker.infer import ERROR, Meta, unify, zonk
from hilang.types import BOOL, S64, STRING, U8, DataType, Type, substitute

S64_MIN, S64_MAX = -(2**63), 2**63 - 1


def bind_pattern(cx: FunContext, pat: ast.Pattern, ty: Type, scope: Scope) -> None:
    _check(cx, pat, ty, scope, {})


def _check(cx: FunContext, pat: ast.Pattern, ty: Type, scope: Scope, bound: dict) -> None:
    match pat:
        case ast.PWild():
            pass
        case ast.PVar(name):
            _bind(cx, pat, name, ty, scope, bound)
        case ast.PInt(value, u8):
            _literal(cx, pat, U8 if u8 else S64, ty)
            low, high = (0, 255) if u8 else (S64_MIN, S64_MAX)
            if not low <= value <= high:
                cx.error(pat.span, f"pattern {value} does not fit {U8 if u8 else S64}")
        case ast.PBool():
            _literal(cx, pat, BOOL, ty)
        case ast.PString():
            _literal(cx, pat, STRING, ty)
        case ast.PCtor(name, args):
            ctor = _ctor(cx, pat, name, ty)
            fields = _positional(cx, pat, ctor, args) if ctor else None
            _sub_patterns(cx, args, ctor, fields, ty, scope, bound)
        case ast.PRecord(name, fields):
            ctor = _ctor(cx, pat, name, ty)
            chosen = _named(cx, pat, ctor, fields) if ctor else None
            _sub_patterns(cx, [p for _, p in fields], ctor, chosen, ty, scope, bound)


def _bind(cx: FunContext, pat, name: str, ty: Type, scope: Scope, bound: dict) -> None:
    if name in bound:
        cx.error(pat.span, f"'{name}' is bound twice in this pattern")
        return
    bound[name] = pat.span
    caps = caps_of(ty)
    origin = Origin(f"pattern variable '{name}' has {{{caps}}}") if caps else None
    if not scope.declare(Binding(name, ty, "pattern", pat.span, origin)):
        cx.error(pat.span, f"'{name}' is already declared in this block")


def _literal(cx: FunContext, pat, lit_type: Type, ty: Type) -> None:
    if not unify(ty, lit_type):
        cx.error(pat.span, f"type mismatch: this pattern is {lit_type}, but the matched value is {zonk(ty)}")


def _ctor(cx: FunContext, pat, name: str, ty: Type) -> CtorInfo | None:
    """The constructor `name`, if it is one of the matched value's type."""
    ctor = cx.env.ctors.get(name)
    if ctor is None:
        cx.error(pat.span, f"unknown constructor '{name}'")
        return None
    info = cx.env.datas[ctor.data]
    shape = DataType(info.name, tuple(Meta(pat.span, f"type parameter '{p}' of '{info.name}'")
                                      for p in info.params))
    if not unify(ty, shape):
        cx.error(pat.span, f"type mismatch: '{name}' is a constructor of '{info.name}', "
                           f"but the matched value is {zonk(ty)}")
        return None
    return ctor


def _positional(cx: FunContext, pat: ast.PCtor, ctor: CtorInfo, args) -> list[str | int] | None:
    if ctor.named and ctor.fields:
        names = ", ".join(ctor.field_names())
        cx.error(pat.span, f"constructor '{ctor.name}' has named fields; match it as '{ctor.name} {{ {names} }}'")
        return None
    if len(args) != len(ctor.fields):
        cx.error(pat.span, f"constructor '{ctor.name}' has {len(ctor.fields)} "
                           f"field{'' if len(ctor.fields) == 1 else 's'}, but the pattern has {len(args)}")
        return None
    return list(range(len(args)))


def _named(cx: FunContext, pat: ast.PRecord, ctor: CtorInfo, fields) -> list[str | int] | None:
    if ctor.fields and not ctor.named:
        cx.error(pat.span, f"constructor '{ctor.name}' has positional fields; match it as '{ctor.name}(...)'")
        return None
    seen: set[str] = set()
    for name, _ in fields:
        if ctor.field_type(name) is None:
            cx.error(pat.span, f"constructor '{ctor.name}' has no field '{name}'")
            return None
        if name in seen:
            cx.error(pat.span, f"field '{name}' appears twice in this pattern")
            return None
        seen.add(name)
    return [name for name, _ in fields]


def _sub_patterns(cx, pats, ctor, which, ty, scope, bound) -> None:
    """Check each sub-pattern against its field's type, or, when the
    constructor was wrong, just bind its variables to ERROR."""
    if ctor is None or which is None:
        for p in pats:
            _check(cx, p, ERROR, scope, bound)
        return
    data = zonk(ty)
    subst = cx.env.datas[ctor.data].subst(data) if isinstance(data, DataType) else {}
    for p, key in zip(pats, which):
        declared = ctor.fields[key][1] if isinstance(key, int) else ctor.field_type(key)
        _check(cx, p, substitute(declared, subst), scope, bound)
