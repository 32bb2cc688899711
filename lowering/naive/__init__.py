"""The naive lowering from hilang to lolang (LANGUAGE.md §3, docs/lowering.md):
`lower(program) -> lolang program`, the `lo` stage.

Assumes a checked, monomorphized hilang program (`mono` stage).
Guarantees a lolang program the lolang checker accepts that behaves as the
hilang program does (stdout, first stderr line, exit status, `allocs`),
with one region per allocation, every reference a pack, and each region
freed as soon as its last reference is dead.

Three steps, each its own module:

1. `borrow.infer` — which parameters each function owns or borrows;
2. `program.lower_program` — hilang to lolang with no `copy`/`drop` of
   owned variables (types, expressions, builtins, statements, patterns);
3. `ownership.run` — liveness, then every `copy` and `drop`.
"""

from __future__ import annotations

from hilang import ast
from lolang import ir


def lower(program: ast.Program) -> ir.Program:
    from diagnostics.deep_stack import run_with_deep_stack
    from lowering.naive import ownership
    from lowering.naive.program import lower_program

    # Lowering recurses over the AST and the IR, which may nest deeply.
    return run_with_deep_stack(lambda: ownership.run(lower_program(program)))
