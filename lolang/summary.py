"""Figures about a lolang program for `hic compile --dump`'s summary table
(and the table of how each stage changed them), counted over
`lolang.traverse.walk`.

Guarantees `summarize(program)` returns the same keys, in the same order,
for every program, so stages line up in the changes table.
"""

from __future__ import annotations

from collections import Counter

from lolang import ir
from lolang.traverse import walk

# Built-ins that create an object (docs/lolang.md §9).
ALLOCATING_BUILTINS = frozenset({"array", "keys", "concat", "str", "substr", "chr"})


def is_static_object(node) -> bool:
    return isinstance(node, (ir.NewData, ir.NewString)) and node.region == ir.PRIMITIVE_REGION


def is_allocation_site(node) -> bool:
    match node:
        case ir.NewData() | ir.NewString() | ir.NewArray() | ir.NewMap():
            return not is_static_object(node)
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
        "static objects": sum(1 for n in nodes if is_static_object(n)),
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
