"""Exhaustive `match` arms for a value of a given type.

Each constructor gets a *general* arm whose sub-patterns never fail
(variables and `_`), sometimes preceded by a *specific* one with literal
or constructor sub-patterns; or a final catch-all arm covers what the
general arms leave out. Literal types (S64, U8, String) always end with a
catch-all, since literals never cover them. Either way the match is
exhaustive, and first-match-wins order is exercised.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import BOOL, S64, STRING, U8, DataType, Type

from .context import Ctx, Local
from .exprs import STRINGS
from .types import Ctor, prefix

MATCHABLE = (S64, U8, STRING, BOOL)


def matchable(ty: Type) -> bool:
    return ty in MATCHABLE or isinstance(ty, DataType)


def arms(cx: Ctx, ty: Type) -> list[tuple[ast.Pattern, list[Local]]]:
    """Patterns, each with the variables it binds."""
    if isinstance(ty, DataType):
        return _data_arms(cx, ty)
    found = []
    if ty == BOOL and cx.chance(50):
        first = cx.chance(50)
        return [(ast.PBool(first), []), (ast.PBool(not first), [])]
    if ty in MATCHABLE:
        for _ in range(cx.below(3)):
            found.append((_literal(cx, ty), []))
    found.append(_irrefutable(cx, ty))
    return found


def _data_arms(cx: Ctx, ty: DataType) -> list:
    ctors = _ctors(cx, ty)
    catch_all = cx.chance(35)
    found = []
    for ctor, fields in ctors:
        if cx.chance(40):
            found.append(_ctor_pattern(cx, ctor, fields, specific=True, depth=2, top=True))
        if not (catch_all and cx.chance(50)):
            found.append(_ctor_pattern(cx, ctor, fields, specific=False, depth=1, top=True))
    if catch_all:
        found.append(_irrefutable(cx, ty))
    return found


def _ctors(cx: Ctx, ty: DataType) -> list:
    """(ctor, [(field name, field type)]) of `ty`'s type, Option included."""
    if ty.name == "Option":
        return [(Ctor("None", (), False), []), (Ctor("Some", ((None, ty.args[0]),), False), [(None, ty.args[0])])]
    data = cx.data(ty.name)
    return [(c, data.fields_at(c, ty)) for c in data.ctors]


def _ctor_pattern(cx: Ctx, ctor, fields, specific: bool, depth: int, top: bool = False):
    bound: list[Local] = []
    subs = []
    for name, fty in fields:
        if specific and depth > 0 and cx.chance(50):
            sub, more = _refutable(cx, fty, depth - 1)
        else:
            sub, more = _irrefutable(cx, fty)
        subs.append(sub)
        bound += more
    if not ctor.named:
        return ast.PCtor(ctor.name, tuple(subs)), bound
    # Named fields: some or all of them, a bound one sometimes written as
    # the bare field name (at the top only, so no name is bound twice).
    chosen, shorthand = [], []
    for (name, fty), sub in zip(fields, subs):
        if not cx.chance(75) and not specific:
            bound = [b for b in bound if not _binds(sub, b)]
            continue
        if top and isinstance(sub, ast.PVar) and cx.chance(40):
            bound = [Local(name, fty, "pattern") if _binds(sub, b) else b for b in bound]
            sub = ast.PVar(name)
            shorthand.append(True)
        else:
            shorthand.append(False)
        chosen.append((name, sub))
    return ast.PRecord(ctor.name, tuple(chosen), tuple(shorthand)), bound


def _binds(sub: ast.Pattern, local: Local) -> bool:
    return isinstance(sub, ast.PVar) and sub.name == local.name


def _refutable(cx: Ctx, ty: Type, depth: int):
    if ty in (S64, U8, STRING, BOOL):
        return _literal(cx, ty), []
    if isinstance(ty, DataType):
        ctor, fields = cx.choice(_ctors(cx, ty))
        return _ctor_pattern(cx, ctor, fields, specific=True, depth=depth)
    return _irrefutable(cx, ty)


def _irrefutable(cx: Ctx, ty: Type):
    if cx.chance(40):
        return ast.PWild(), []
    name = cx.name(prefix(ty))
    return ast.PVar(name), [Local(name, ty, "pattern")]


def _literal(cx: Ctx, ty: Type) -> ast.Pattern:
    if ty == S64:
        return ast.PInt(cx.choice([0, 1, 2, 3, -1, 42]))
    if ty == U8:
        return ast.PInt(cx.choice([0, 1, 7, 255]), u8=True)
    if ty == BOOL:
        return ast.PBool(cx.chance(50))
    return ast.PString(cx.choice(list(STRINGS[:6])))
