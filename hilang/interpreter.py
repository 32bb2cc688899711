"""The hilang reference interpreter: `run(program, out, args) -> stats`.

It runs a checked program (types on every expression's `.ty`) with the
garbage-collected semantics of LANGUAGE.md 1.6-1.7 as written down in
docs/hilang-semantics.md, which every other engine must reproduce. The
program is first translated into a Python module (`hilang.interp`); running
it is calling that module's `main`.
"""

from __future__ import annotations

from typing import BinaryIO, Sequence

from diagnostics import CompilerBug, ProgramError
from diagnostics.deep_stack import run_with_deep_stack
from diagnostics.errors import OUT_OF_MEMORY
from diagnostics.memory import MemoryReserve
from hilang import ast
from hilang.interp.translate import compile_program, python_source
from hilang.interp.context import ALLOCS
from hilang.interp.runtime import HELPERS, MAX_CALL_DEPTH, TRUNC_OUT_OF_RANGE

__all__ = ["run", "python_source", "MAX_CALL_DEPTH", "TRUNC_OUT_OF_RANGE"]


def run(program: ast.Program, out: BinaryIO, args: Sequence[str] = ()) -> dict:
    """Run `program`'s `main`, writing its stdout to `out` (one write per
    `print`). Returns `{"allocs": n}`. A runtime error raises `ProgramError`
    carrying the same figures as `.stats`; output before it is in `out`."""
    return run_with_deep_stack(lambda: _run(program, out, args))


def _run(program: ast.Program, out: BinaryIO, args: Sequence[str]) -> dict:
    main = next((f for f in program.funs if f.name == "main"), None)
    if main is None:
        raise CompilerBug("the program has no main function")
    code, constants = compile_program(program)

    def emit(line: bytes) -> None:
        out.write(line)

    namespace = {**HELPERS, **constants, ALLOCS: 0, "_print": emit}
    exec(code, namespace)
    # argv arrives decoded; surrogateescape gives back its original bytes.
    argv = [[a.encode("utf-8", "surrogateescape") for a in args]] if main.params else []
    reserve = MemoryReserve()
    try:
        namespace["f_main"](*argv, 1)
    except ProgramError as error:
        error.stats = {"allocs": namespace[ALLOCS]}
        raise
    except MemoryError:
        reserve.release()
        error = ProgramError(OUT_OF_MEMORY)
        error.stats = {"allocs": namespace[ALLOCS]}
        raise error.with_traceback(None) from None
    return {"allocs": namespace[ALLOCS]}
