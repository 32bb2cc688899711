"""Figures about a lolang program for `hic compile --dump`'s summary table
(and the table of how each stage changed them), plus `walk`, the generic
traversal they are counted with.

Guarantees `summarize(program)` returns the same keys, in the same order,
for every program, so stages line up in the changes table.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from lolang import ir

# Built-ins that create an object (docs/lolang.md §9).
ALLOCATING_BUILTINS = frozenset({"array", "keys", "concat", "str", "substr", "chr"})


def walk(node):
    """Every declaration, statement, expression and pattern below `node`
    (itself included), iteratively, since a program may nest thousands of
    levels deep. Types and spans are not entered: a type can be as deep as
    the program (`[[[...]]]`), and walking one per node would be quadratic."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def children(node) -> list:
    """The declarations, statements, expressions and patterns directly
    below `node`, in evaluation (and printing) order."""
    out = []
    for name in _CHILD_FIELDS.get(type(node), ()):
        value = getattr(node, name)
        if isinstance(value, tuple):
            out.extend(x for x in value if _is_node(x))
        elif _is_node(value):
            out.append(value)
    return out


def _is_node(x) -> bool:
    cls = type(x)
    if cls not in _IS_NODE:  # cached per class: walks visit every node
        _IS_NODE[cls] = dataclasses.is_dataclass(cls) and not issubclass(cls, ir.TYPE_TYPES)
    return _IS_NODE[cls]


_IS_NODE: dict[type, bool] = {}


def _child_fields(cls) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name not in ("span", "pos"))


_CHILD_FIELDS = {
    cls: _child_fields(cls)
    for cls in (
        ir.Program, ir.DataDecl, ir.CtorDecl, ir.FieldDecl, ir.FunDecl, ir.Param, ir.RegionParam, ir.Block,
        ir.Arm, *ir.STMT_TYPES, *ir.EXPR_TYPES, *ir.PATTERN_TYPES,
    )
}


def is_allocation_site(node) -> bool:
    match node:
        case ir.NewData() | ir.NewString() | ir.NewArray() | ir.NewMap():
            return True
        case ir.Builtin(name=name):
            return name in ALLOCATING_BUILTINS
    return False


def summarize(program: ir.Program) -> dict[str, int]:
    nodes = list(walk(program))
    kinds = Counter(type(n).__name__ for n in nodes)
    params = [p for f in program.funs for p in f.params]
    return {
        "data types": len(program.datas),
        "constructors": sum(len(d.ctors) for d in program.datas),
        "functions": len(program.funs),
        "owned pack params": sum(isinstance(p.type, ir.PackType) for p in params),
        "borrowed params": sum(isinstance(p.type, ir.BorrowType) for p in params),
        "region params": sum(len(f.regions) for f in program.funs),
        "allocation sites": sum(1 for n in nodes if is_allocation_site(n)),
        "region blocks": kinds["Region"],
        "packs": kinds["Pack"],
        "unpacks": kinds["Unpack"],
        "matches": kinds["Match"],
        "calls": kinds["Call"],
        "copies": kinds["Copy"],
        "drops": kinds["Drop"],
        "merges": kinds["Merge"],
        "restricts": kinds["Restrict"],
        "pack fields": sum(
            isinstance(f.type, ir.PackType) for d in program.datas for c in d.ctors for f in c.fields
        ),
    }
