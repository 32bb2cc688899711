"""Figures about a hilang program for `hic compile --dump`'s summary table."""

from __future__ import annotations

import dataclasses
from collections import Counter

from hilang import ast

# Built-ins that create a heap object (docs/hilang-semantics.md, "allocations").
ALLOCATING_BUILTINS = {"array", "map", "keys", "get", "str", "substr", "chr"}


def walk(node):
    """Every AST node below `node` (itself included), iteratively: programs
    may nest 20,000 levels deep."""
    stack = [node]
    fields_of = _node_fields
    while stack:
        current = stack.pop()
        yield current
        names = fields_of(type(current))
        if names is None:
            continue
        for name in names:
            value = getattr(current, name)
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, tuple):
                    stack.extend(x for x in item if fields_of(type(x)) is not None)
                elif fields_of(type(item)) is not None:
                    stack.append(item)


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _node_fields(cls: type) -> tuple[str, ...] | None:
    """The fields `walk` follows in a node of class `cls` (those that take
    part in comparison), None for a class that is not a dataclass; cached
    per class, `dataclasses.fields` being slow to ask per node."""
    try:
        return _FIELDS[cls]
    except KeyError:
        names = (tuple(f.name for f in dataclasses.fields(cls) if f.compare)
                 if dataclasses.is_dataclass(cls) else None)
        _FIELDS[cls] = names
        return names


def is_allocation_site(node) -> bool:
    match node:
        case ast.Construct() | ast.RecordLit() | ast.ArrayLit() | ast.StringLit():
            return True
        case ast.Binary(op="++"):
            return True
        case ast.Call(func=name):
            return name in ALLOCATING_BUILTINS
    return False


def summarize(program: ast.Program) -> dict[str, int]:
    kinds = Counter(type(n).__name__ for n in walk(program))
    generic = sum(1 for f in program.funs if any(isinstance(n, ast.TypeVarRef) for n in walk(f)))
    return {
        "data types": len(program.datas),
        "constructors": sum(len(d.ctors) for d in program.datas),
        "functions": len(program.funs),
        "generic functions": generic,
        "allocation sites": sum(1 for n in walk(program) if is_allocation_site(n)),
        "matches": kinds["Match"],
        "calls": kinds["Call"],
    }
