"""Inference variables and unification over `hilang.types`.

Guarantees:
* `Meta` is an inference variable: a hole in a type that a later use fills
  (`let sq = map(); insert(sq, 1, 2);`). Metas only exist while a function
  body is being checked; `zonk` replaces the solved ones, and the checker
  reports every one still unsolved when the function ends.
* `ERROR` is the type of an expression that already has an error reported:
  it unifies with everything, so one mistake yields one diagnostic.
* `unify` is exact equality of types, capabilities included (element types
  of containers are invariant, LANGUAGE.md 1.4). The one place where a
  container's own capabilities may weaken is `flow`, in `coerce.py`.
* Rigid type variables (`TypeVar`, the generics of the function being
  checked) only unify with themselves: a generic body is checked once, for
  every instantiation.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from diagnostics import Span
from hilang.types import ArrayType, DataType, MapType, Type, TypeVar, caps_meet, with_caps


class Meta(Type):
    """An inference variable. `span` and `what` say where it was made and
    what it stands for, so that an unsolved one is reported where the user
    can fix it. Solved when `ref` is set (see `resolve`)."""

    __slots__ = ("id", "ref", "span", "what")
    _ids = itertools.count()

    def __init__(self, span: Span, what: str):
        self.id = next(Meta._ids)
        self.ref: Type | None = None
        self.span = span
        self.what = what

    def __str__(self) -> str:
        return "?"

    def __repr__(self) -> str:
        return f"?{self.id}"


class ErrorType(Type):
    """The type of an expression whose error has already been reported."""

    __slots__ = ()

    def __str__(self) -> str:
        return "<error>"


ERROR = ErrorType()


def resolve(t: Type) -> Type:
    """Follow solved metas at the top of `t` (with path compression)."""
    if not isinstance(t, Meta) or t.ref is None:
        return t
    root = resolve(t.ref)
    t.ref = root
    return root


def zonk(t: Type) -> Type:
    """`t` with every solved meta replaced by its solution, all the way down."""
    t = resolve(t)
    match t:
        case DataType(name, args):
            return DataType(name, tuple(zonk(a) for a in args))
        case ArrayType(elem, caps):
            return ArrayType(zonk(elem), caps)
        case MapType(key, value, caps):
            return MapType(zonk(key), zonk(value), caps)
        case _:
            return t


class Zonker:
    """`zonk` and `unsolved` for many types at once, each shared subterm
    visited once: the types of nested expressions share their parts, and
    zonking each from scratch would be quadratic in the nesting depth.
    Only for use once no more metas get solved (entries are by identity)."""

    def __init__(self) -> None:
        self._zonked: dict[int, tuple[Type, Type]] = {}
        self._metas: dict[int, tuple[Type, tuple[Meta, ...]]] = {}

    def zonk(self, t: Type) -> Type:
        t = resolve(t)
        hit = self._zonked.get(id(t))
        if hit is not None:
            return hit[1]
        match t:
            case DataType(name, args):
                out = DataType(name, tuple(self.zonk(a) for a in args))
            case ArrayType(elem, caps):
                out = ArrayType(self.zonk(elem), caps)
            case MapType(key, value, caps):
                out = MapType(self.zonk(key), self.zonk(value), caps)
            case _:
                out = t
        self._zonked[id(t)] = (t, out)  # keeps `t` alive, so its id stays unique
        return out

    def unsolved(self, t: Type) -> tuple[Meta, ...]:
        """The unsolved metas of a zonked type, in order of appearance."""
        hit = self._metas.get(id(t))
        if hit is not None:
            return hit[1]
        match t:
            case Meta():
                out: tuple[Meta, ...] = (t,)
            case DataType(_, args):
                out = self._union(args)
            case ArrayType(elem, _):
                out = self.unsolved(elem)
            case MapType(key, value, _):
                out = self._union((key, value))
            case _:
                out = ()
        self._metas[id(t)] = (t, out)
        return out

    def _union(self, parts) -> tuple[Meta, ...]:
        found: dict[int, Meta] = {}
        for part in parts:
            for m in self.unsolved(part):
                found.setdefault(m.id, m)
        return tuple(found.values())


def unsolved(t: Type) -> list[Meta]:
    """The unsolved metas of `t`, each once, in order of appearance."""
    found: dict[int, Meta] = {}
    stack = [t]
    while stack:
        cur = resolve(stack.pop())
        match cur:
            case Meta():
                found.setdefault(cur.id, cur)
            case DataType(_, args):
                stack.extend(reversed(args))
            case ArrayType(elem, _):
                stack.append(elem)
            case MapType(key, value, _):
                stack.extend((value, key))
    return list(found.values())


def has_error(t: Type) -> bool:
    stack = [t]
    while stack:
        cur = resolve(stack.pop())
        match cur:
            case ErrorType():
                return True
            case DataType(_, args):
                stack.extend(args)
            case ArrayType(elem, _):
                stack.append(elem)
            case MapType(key, value, _):
                stack.extend((key, value))
    return False


def _occurs(meta: Meta, t: Type) -> bool:
    return any(m is meta for m in unsolved(t))


def _bind(meta: Meta, t: Type) -> bool:
    if _occurs(meta, t):
        return False
    meta.ref = t
    return True


def unify(a: Type, b: Type) -> bool:
    """Make `a` and `b` the same type by solving metas; False if they cannot
    be (some metas may already be solved then; the caller reports)."""
    a, b = resolve(a), resolve(b)
    if a is b or isinstance(a, ErrorType) or isinstance(b, ErrorType):
        return True
    if isinstance(a, Meta) and isinstance(b, Meta):
        # The older meta stays the representative, so an unsolved one is
        # reported at the place that made it first.
        older, newer = (a, b) if a.id < b.id else (b, a)
        newer.ref = older
        return True
    if isinstance(a, Meta):
        return _bind(a, b)
    if isinstance(b, Meta):
        return _bind(b, a)
    match a, b:
        case DataType(n1, args1), DataType(n2, args2):
            return n1 == n2 and len(args1) == len(args2) and all(map(unify, args1, args2))
        case ArrayType(e1, c1), ArrayType(e2, c2):
            return c1 == c2 and unify(e1, e2)
        case MapType(k1, v1, c1), MapType(k2, v2, c2):
            return c1 == c2 and unify(k1, k2) and unify(v1, v2)
        case TypeVar(n1), TypeVar(n2):
            return n1 == n2
        case _:
            return a == b


def hint(t: Type, expected: Type) -> None:
    """Solve metas of `t` from the shape of `expected`, never failing: used to
    push an expected type into a generic call or constructor before its
    arguments are checked (bidirectional typing). Mismatches are left for
    the real check to report."""
    t, expected = resolve(t), resolve(expected)
    if isinstance(t, Meta):
        if not isinstance(expected, (Meta, ErrorType)):
            _bind(t, expected)
        return
    match t, expected:
        case DataType(n1, args1), DataType(n2, args2) if n1 == n2 and len(args1) == len(args2):
            for x, y in zip(args1, args2):
                hint(x, y)
        case ArrayType(e1, _), ArrayType(e2, _):
            hint(e1, e2)
        case MapType(k1, v1, _), MapType(k2, v2, _):
            hint(k1, k2)
            hint(v1, v2)


def join(a: Type, b: Type) -> Type | None:
    """The type of a value that is either an `a` or a `b` (the branches of
    `if c then a else b`, the elements of an array literal): the same type,
    except that two containers may differ in their own capabilities and the
    join then has the weaker ones. None if there is no such type."""
    ra, rb = resolve(a), resolve(b)
    match ra, rb:
        case ArrayType(e1, c1), ArrayType(e2, c2):
            return ArrayType(e1, caps_meet(c1, c2)) if unify(e1, e2) else None
        case MapType(k1, v1, c1), MapType(k2, v2, c2):
            ok = unify(k1, k2) and unify(v1, v2)
            return MapType(k1, v1, caps_meet(c1, c2)) if ok else None
    return a if unify(a, b) else None


@dataclass
class Deferred:
    """Checks that wait for metas to be solved, run when the function ends."""

    checks: list

    def add(self, check) -> None:
        self.checks.append(check)

    def run(self) -> None:
        # A check may solve metas another one waits on: run in order, once.
        for check in self.checks:
            check()
        self.checks.clear()


def view(t: Type, caps: str, deferred: Deferred, span: Span) -> Type:
    """`t` read through a view with capabilities `caps` (types.with_caps),
    when `t` may still be an unsolved meta: then the result is a new meta
    tied to the solution once it is known."""
    r = resolve(t)
    if not isinstance(r, Meta) or caps == "rwa":
        return with_caps(r, caps)
    result = Meta(span, "the type of this element")

    def settle() -> None:
        solved = resolve(r)
        if not isinstance(solved, Meta):
            unify(result, with_caps(solved, caps))
        else:
            unify(result, r)

    deferred.add(settle)
    return result
