"""Translate a checked hilang program into one Python module.

Each hilang function `f` becomes a Python function `f_f(params..., _d)`:
hilang variables are its locals (`v_x`), a hilang call is a Python call, and
`_d` is the call depth, passed down so that the stack-overflow check costs
one comparison per call and the bound is exact. Runtime operations that can
fail call the helpers of `runtime` with the span to report.

Why generated Python rather than a tree walker: it runs an order of
magnitude faster, and one hilang call is one Python frame, so 200,000 nested
hilang calls fit in `run_with_deep_stack`'s stack comfortably.
"""

from __future__ import annotations

from types import CodeType

from hilang import ast
from hilang.interp import pyast as P
from hilang.interp.context import ALLOCS, DEPTH, FunctionContext, ProgramContext, new_function
from hilang.interp.statements import compile_block

MODULE_NAME = "<hilang>"


def compile_function(program: ProgramContext, fun: ast.FunDecl) -> P.py.stmt:
    ctx = FunctionContext(program)
    params = [ctx.declare(p.name) for p in fun.params]
    body = compile_block(ctx, fun.body)
    return P.function(f"f_{fun.name}", params + [DEPTH], [P.global_(ALLOCS)] + body)


def python_module(program: ast.Program) -> tuple[P.py.Module, dict[str, object]]:
    """The Python module for `program`, and the constants (spans, tables)
    its globals must hold."""
    ctx = ProgramContext(program)
    body = [new_function()] + [compile_function(ctx, fun) for fun in program.funs]
    return P.module(body), ctx.constants


def compile_program(program: ast.Program) -> tuple[CodeType, dict[str, object]]:
    module, constants = python_module(program)
    return compile(module, MODULE_NAME, "exec"), constants


def python_source(program: ast.Program) -> str:
    """The generated module as Python text, for reading and debugging."""
    return P.py.unparse(python_module(program)[0])
