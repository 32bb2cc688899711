"""The lolang stages of the pipeline, in order (`lowering.pipeline` runs
them; the lolang checker runs after each).

`lo` is the naive lowering. Optimization passes append themselves here as
`Stage("lo.<pass>", LOLANG, run, engine="lolang", optimization=True,
min_level=...)`; nothing else changes.
"""

from __future__ import annotations

from lowering.pipeline import LOLANG, Stage


def _lower(program):
    from lowering.naive import lower

    return lower(program)


def _compile_llvm(program, checked):
    from lolang.codegen.native import compile

    return compile(program, checked=checked)


def stages() -> list[Stage]:
    return [
        Stage("lo", LOLANG, _lower, engine="lolang"),
        # Optimization passes go here, before code generation.
        Stage("llvm", "llvm", _compile_llvm, engine="native", takes_checked=True),
    ]
