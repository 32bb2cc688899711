"""The lolang stages of the pipeline, in order (`lowering.pipeline` runs
them; the lolang checker runs after each).

`lo` is the naive lowering; the optimization passes follow it
(`lowering.passes`), each a stage `lo.<pass>`; `llvm` is code generation.
"""

from __future__ import annotations

from lowering import passes
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
        *passes.stages(),
        Stage("llvm", "llvm", _compile_llvm, engine="native", takes_checked=True),
    ]
