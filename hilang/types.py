"""Semantic types of hilang, as the checker resolves them (LANGUAGE.md 1.2, 1.4).

Frozen and hashable, so they can key dictionaries (the monomorphizer keys
instantiations by them). `str(t)` prints the type in hilang syntax.

Capabilities form a chain `r` < `rw` < `rwa`; a `Caps` is one of those three
strings. Only `Array` and `Map` carry capabilities.
"""

from __future__ import annotations

from dataclasses import dataclass

Caps = str  # "r" | "rw" | "rwa"
CAPS_CHAIN = ("r", "rw", "rwa")


def caps_le(a: Caps, b: Caps) -> bool:
    """`a` is at most `b` in the chain (a `b` value may be used as an `a`)."""
    return CAPS_CHAIN.index(a) <= CAPS_CHAIN.index(b)


def caps_meet(a: Caps, b: Caps) -> Caps:
    """The intersection of two capability sets of the chain."""
    return a if caps_le(a, b) else b


class Type:
    """Base of all semantic types."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Prim(Type):
    """`S64`, `U8`, `F64`, `Bool`, `Unit`, `String`."""

    name: str

    def __str__(self) -> str:
        return self.name


S64 = Prim("S64")
U8 = Prim("U8")
F64 = Prim("F64")
BOOL = Prim("Bool")
UNIT = Prim("Unit")
STRING = Prim("String")
PRIMS = {p.name: p for p in (S64, U8, F64, BOOL, UNIT, STRING)}


def _arg(t: Type) -> str:
    s = str(t)
    return f"({s})" if " " in s else s


@dataclass(frozen=True, slots=True)
class DataType(Type):
    """A user data type or the built-in `Option`, applied to arguments:
    `Tree`, `List S64`, `Option (List a)`."""

    name: str
    args: tuple[Type, ...] = ()

    def __str__(self) -> str:
        return " ".join([self.name, *(_arg(a) for a in self.args)])


@dataclass(frozen=True, slots=True)
class ArrayType(Type):
    """`Array{caps} elem`."""

    elem: Type
    caps: Caps = "r"

    def __str__(self) -> str:
        return f"Array{{{self.caps}}} {_arg(self.elem)}"


@dataclass(frozen=True, slots=True)
class MapType(Type):
    """`Map{caps} key value` (key is S64 or String)."""

    key: Type
    value: Type
    caps: Caps = "r"

    def __str__(self) -> str:
        return f"Map{{{self.caps}}} {_arg(self.key)} {_arg(self.value)}"


@dataclass(frozen=True, slots=True)
class TypeVar(Type):
    """A type variable of a generic function or data type: `a`."""

    name: str

    def __str__(self) -> str:
        return self.name


def substitute(t: Type, subst: dict[str, Type]) -> Type:
    """Replace type variables by `subst` (those not in it stay)."""
    match t:
        case TypeVar(name):
            return subst.get(name, t)
        case DataType(name, args):
            return DataType(name, tuple(substitute(a, subst) for a in args))
        case ArrayType(elem, caps):
            return ArrayType(substitute(elem, subst), caps)
        case MapType(key, value, caps):
            return MapType(substitute(key, subst), substitute(value, subst), caps)
        case _:
            return t


def is_ground(t: Type) -> bool:
    """No type variable anywhere in `t`."""
    match t:
        case TypeVar():
            return False
        case DataType(_, args):
            return all(is_ground(a) for a in args)
        case ArrayType(elem, _):
            return is_ground(elem)
        case MapType(key, value, _):
            return is_ground(key) and is_ground(value)
        case _:
            return True


def with_caps(t: Type, caps: Caps) -> Type:
    """`t` seen through a view with capabilities `caps` (LANGUAGE.md 1.4:
    the declared set intersected with the view's). Primitives and data
    types are unaffected (data values are immutable)."""
    match t:
        case ArrayType(elem, c):
            return ArrayType(elem, caps_meet(c, caps))
        case MapType(key, value, c):
            return MapType(key, value, caps_meet(c, caps))
        case _:
            return t


def is_heap(t: Type) -> bool:
    """Values of `t` are objects that live in a region (LANGUAGE.md 1.2):
    strings, containers and data values; primitives live in no region."""
    return not (isinstance(t, Prim) and t.name != "String")
