"""Calls of the program's own functions, within the call-graph rules of
`context` (termination) and `stmts` (no array may grow while a for-each
loop iterates over it).

A generic function is instantiated with plain types only (`types`), and a
generic caller passes on either ground types or its own bare type
variables: `a := Option a` inside `f[a]` calling `g[a]` could make an
unbounded chain of instances through recursion, which `mono` rejects as
polymorphic recursion.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import UNIT, ArrayType, DataType, MapType, Type, TypeVar, substitute

from . import exprs
from .context import Ctx, Fn, Scope
from .datatypes import choose_type
from .types import CAPS, caps_of, is_plain, type_vars

MAX_FUEL = 4


def callable_funs(cx: Ctx, sc: Scope) -> list[Fn]:
    caller = sc.fn
    if sc.hot:
        return []  # see `context` on hot scopes
    found = []
    for f in cx.funs:
        if f.tier == "main" or not _tier_allows(cx, sc, caller, f):
            continue
        if sc.foreach and any(caps_of(t) == "rwa" for _, t in f.params):
            continue  # it could grow the array being iterated
        if sc.mapeach and any(caps_of(t) == "rwa" and isinstance(t, MapType) for _, t in f.params):
            continue  # it could double the map being iterated
        found.append(f)
    return found


def _tier_allows(cx: Ctx, sc: Scope, caller: Fn, f: Fn) -> bool:
    match caller.tier:
        case "helper":
            return f.tier == "helper" and f.index < caller.index
        case "rec":
            # Recursion stays out of loops, and each body has a few call
            # sites: at most MAX_FUEL levels of a few calls each.
            return f.tier == "helper" or (f.tier == "rec" and sc.loops == 0 and cx.rec_calls > 0)
        case "driver":
            return f.tier in ("helper", "rec") or (f.tier == "driver" and f.index < caller.index)
    return True


def candidates(cx: Ctx, sc: Scope, ty: Type, exact: bool) -> list[tuple[Fn, dict]]:
    """The functions whose result can be a `ty`, each with the type
    arguments that makes it one."""
    found = []
    for f in callable_funs(cx, sc):
        if f.ret == UNIT:
            continue
        subst = _match(f.ret, ty, not exact, {})
        if subst is not None and all(_allowed(sc, t) for t in subst.values()):
            found.append((f, subst))
    return found


def call(cx: Ctx, sc: Scope, candidate: tuple[Fn, dict], depth: int) -> ast.Call:
    f, subst = candidate
    subst = dict(subst)
    for v in f.tvars:
        if v not in subst:
            subst[v] = instance(cx, sc)
    if sc.fn.tier == "rec" and f.tier == "rec":
        cx.rec_calls -= 1
    args = []
    for i, (_, ptype) in enumerate(f.params):
        if f.tier == "rec" and i == 0:
            args.append(_fuel(cx, sc))
        else:
            args.append(exprs.expr(cx, sc, substitute(ptype, subst), depth, exact=isinstance(ptype, TypeVar)))
    return ast.Call(f.name, tuple(args), ufcs=bool(args) and cx.chance(20))


def instance(cx: Ctx, sc: Scope) -> Type:
    """A type argument for a generic callee (module doc)."""
    if sc.fn.tvars and cx.chance(40):
        return TypeVar(cx.choice(list(sc.fn.tvars)))
    return choose_type(cx, sc, plain=True, depth=1, ground=True)


def _fuel(cx: Ctx, sc: Scope) -> ast.Expr:
    if sc.fn.tier == "rec":
        return ast.Binary("-", ast.Var("fuel"), ast.IntLit(1))
    return ast.IntLit(cx.below(MAX_FUEL))


def _allowed(sc: Scope, t: Type) -> bool:
    if not is_plain(t):
        return False
    return not type_vars(t) or (isinstance(t, TypeVar) and t.name in sc.fn.tvars)


def _match(pattern: Type, target: Type, weaken: bool, subst: dict) -> dict | None:
    """Type arguments making `pattern` (a result type) a `target`; when
    `weaken` is False (an exactly typed place) capabilities must be equal,
    else the result's own may be stronger. Inside containers and data
    types everything must be equal."""
    match pattern, target:
        case TypeVar(name), _:
            if name in subst and subst[name] != target:
                return None
            return {**subst, name: target}
        case DataType(n1, a1), DataType(n2, a2) if n1 == n2 and len(a1) == len(a2):
            for x, y in zip(a1, a2):
                subst = _match(x, y, False, subst)
                if subst is None:
                    return None
            return subst
        case ArrayType(e1, c1), ArrayType(e2, c2) if _caps_ok(c1, c2, weaken):
            return _match(e1, e2, False, subst)
        case MapType(k1, v1, c1), MapType(k2, v2, c2) if _caps_ok(c1, c2, weaken) and k1 == k2:
            return _match(v1, v2, False, subst)
    return subst if pattern == target else None


def _caps_ok(have: str, want: str, weaken: bool) -> bool:
    return have == want or (weaken and CAPS.index(have) >= CAPS.index(want))
