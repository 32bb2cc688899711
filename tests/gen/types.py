"""Types for the program generator: the data types one program declares, the
semantic types (`hilang.types`) its values may have, and how each is written.

A program's data types are drawn first, before any code, so that every later
choice knows what it can build. Each is a record, a variant with positional
fields or a variant with named fields; it may take type parameters (so that
`mono` has instances to make) and may be recursive through a positional
field (values then nest as deep as the recursion fuel lets them).

Containers inside data types hold primitives only. A data value holding an
Array of its own type could be pushed into that array: a reference cycle,
which leaks regions by design (DESIGN.md: only programs *without* cycles
leak no region). With element types that mention no data type, no
generated program can build a cycle.

A *plain* type mentions no Array or Map. Type variables are only ever
instantiated with plain types (an instance at a mutable container can be
rejected by `mono`, see tests/test_hilang_mono.py), and only expressions of
plain types are generated where the checker has no expected type to go by
(see `exprs.expr`'s `exact`).
"""

from __future__ import annotations

from dataclasses import dataclass

from hilang import ast
from hilang.types import (
    BOOL, F64, S64, STRING, U8, ArrayType, DataType, MapType, Prim, Type, TypeVar, substitute,
)

PRIMS = (S64, BOOL, STRING, F64, U8)
KEYS = (S64, STRING)
CAPS = ("r", "rw", "rwa")

# Names by position, so that two data types never share a constructor name.
DATA_NAMES = ("Tree", "Shape", "Cell")
CTOR_NAMES = (("Leaf", "Node", "Fork"), ("Circle", "Rect", "Tri"), ("Empty", "Full", "Twin"))
FIELD_NAMES = ("x", "y", "n", "label", "items", "w")


@dataclass(frozen=True)
class Ctor:
    """`fields` are (name or None, type over the data type's parameters)."""

    name: str
    fields: tuple[tuple[str | None, Type], ...]
    named: bool


@dataclass(frozen=True)
class Data:
    name: str
    params: tuple[str, ...]
    ctors: tuple[Ctor, ...]
    record: bool

    def self_type(self) -> DataType:
        return DataType(self.name, tuple(TypeVar(p) for p in self.params))

    def fields_at(self, ctor: Ctor, t: DataType) -> list[tuple[str | None, Type]]:
        """`ctor`'s fields in the instance `t` of this data type."""
        subst = dict(zip(self.params, t.args))
        return [(name, substitute(ft, subst)) for name, ft in ctor.fields]

    def is_recursive(self, ctor: Ctor) -> bool:
        return any(mentions(ft, self.name) for _, ft in ctor.fields)

    def determines(self, ctor: Ctor) -> bool:
        """Whether `ctor(args)` fixes every type argument by itself: each
        parameter is the whole type of one of its fields (`Cons(a, List a)`;
        `Wrap(Option a)` does not, since its argument may be `None`)."""
        bare = {ft.name for _, ft in ctor.fields if isinstance(ft, TypeVar)}
        return set(self.params) <= bare

    def shared_fields(self) -> list[tuple[str, Type]]:
        """Named fields every constructor has with the same type (`e.f`)."""
        if not all(c.named for c in self.ctors):
            return []
        first = self.ctors[0].fields
        return [(n, t) for n, t in first if all((n, t) in c.fields for c in self.ctors[1:])]


def type_vars(t: Type) -> set[str]:
    match t:
        case TypeVar(name):
            return {name}
        case DataType(_, args):
            return set().union(*(type_vars(a) for a in args))
        case ArrayType(elem, _):
            return type_vars(elem)
        case MapType(key, value, _):
            return type_vars(key) | type_vars(value)
    return set()


def mentions(t: Type, data_name: str) -> bool:
    match t:
        case DataType(name, args):
            return name == data_name or any(mentions(a, data_name) for a in args)
        case ArrayType(elem, _):
            return mentions(elem, data_name)
        case MapType(key, value, _):
            return mentions(key, data_name) or mentions(value, data_name)
    return False


def is_plain(t: Type) -> bool:
    match t:
        case ArrayType() | MapType():
            return False
        case DataType(_, args):
            return all(is_plain(a) for a in args)
    return True


def caps_of(t: Type) -> str | None:
    return t.caps if isinstance(t, (ArrayType, MapType)) else None


def fits(actual: Type, slot: Type) -> bool:
    """A value of `actual` may be stored in `slot`: the same type, but a
    container's own capabilities may be stronger (LANGUAGE.md 1.4)."""
    match actual, slot:
        case ArrayType(e1, c1), ArrayType(e2, c2):
            return e1 == e2 and CAPS.index(c1) >= CAPS.index(c2)
        case MapType(k1, v1, c1), MapType(k2, v2, c2):
            return k1 == k2 and v1 == v2 and CAPS.index(c1) >= CAPS.index(c2)
    return actual == slot


def written(t: Type) -> ast.TypeExpr:
    """The type as a programmer writes it: `mut` for {rwa}, nothing for {r}."""
    match t:
        case Prim(name):
            return ast.TypeName(name)
        case TypeVar(name):
            return ast.TypeVarRef(name)
        case DataType(name, args):
            return ast.TypeName(name, tuple(written(a) for a in args))
        case ArrayType(elem, caps):
            return _container("Array", (elem,), caps)
        case MapType(key, value, caps):
            return _container("Map", (key, value), caps)
    raise TypeError(t)


def _container(name: str, args: tuple[Type, ...], caps: str) -> ast.TypeName:
    written_args = tuple(written(a) for a in args)
    if caps == "r":
        return ast.TypeName(name, written_args)
    return ast.TypeName(name, written_args, caps=caps, mut=caps == "rwa")


def declaration(data: Data) -> ast.DataDecl:
    ctors = tuple(
        ast.CtorDecl(c.name, tuple(ast.FieldDecl(n, written(t)) for n, t in c.fields), c.named)
        for c in data.ctors
    )
    return ast.DataDecl(data.name, data.params, ctors, record=data.record)


def prefix(t: Type) -> str:
    """A variable-name prefix that says what the variable holds."""
    match t:
        case Prim(name):
            return {"S64": "n", "Bool": "b", "String": "s", "F64": "f", "U8": "c", "Unit": "u"}[name]
        case ArrayType():
            return "xs"
        case MapType():
            return "m"
        case DataType("Option", _):
            return "o"
        case TypeVar(name):
            return name
    return "v"

