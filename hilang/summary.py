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
    while stack:
        current = stack.pop()
        yield current
        if not dataclasses.is_dataclass(current):
            continue
        for f in dataclasses.fields(current):
            if not f.compare:
                continue
            value = getattr(current, f.name)
            items = value if isinstance(value, tuple) else (value,)
            for item in items:
                if isinstance(item, tuple):
                    stack.extend(x for x in item if dataclasses.is_dataclass(x))
                elif dataclasses.is_dataclass(item):
                    stack.append(item)


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
