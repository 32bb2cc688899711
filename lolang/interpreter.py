"""The lolang interpreter: the definition of what a lolang program means.

`run(program, out, args) -> stats` runs `main`, writing the program's stdout
bytes to `out`, and returns every figure of DESIGN.md's stats table. It
assumes nothing of the program: it checks it first (the arithmetic to use
comes from the checker's types), and a program the checker rejects is a
compiler bug here, since every stage's lolang must pass it. Guarantees:

* the primitive semantics of docs/hilang-semantics.md (the same output as
  the hilang interpreter for the program lolang was lowered from);
* runtime errors raise `ProgramError` with the shared texts and the hilang
  position the failing operation carries; the figures reached so far ride
  along as `error.stats`;
* the region model of `lolang.interp.regions`: a use of a freed or stale region id
  raises `CompilerBug`, never silently reads;
* 200,000 nested calls run (on a deep Python stack); one more is the
  runtime error `stack overflow`, never a Python crash.

The program is compiled to Python closures once (`lolang.interp`), then run.
"""

from __future__ import annotations

from typing import BinaryIO

from diagnostics import CompileError, CompilerBug, ProgramError
from diagnostics.deep_stack import run_with_deep_stack
from diagnostics.gc_pause import cyclic_gc_paused
from diagnostics.errors import OUT_OF_MEMORY
from diagnostics.memory import MemoryReserve
from lolang import checker, ir
from lolang.checker import CheckResult
from lolang.interp.compiler import FunctionCompiler, ProgramTables
from lolang.interp.exprs import compile_expr
from lolang.interp.machine import Escape, Machine
from lolang.interp.stmts import compile_stmt


def run(program: ir.Program, out: BinaryIO, args=(), *, stage: str = "lo", checked: CheckResult | None = None,
        profile: list | None = None) -> dict:
    """Run `program`. `checked` is what the checker learnt of it (the
    pipeline keeps it beside each stage's program); without it the program
    is checked here. Tests pass the result of checking a *different*
    program to run one the checker would reject and watch the region
    model catch it. `profile`: a list that receives the memory profile
    (lolang/profile.py) when the program ends, however it ends."""
    if checked is None:
        try:
            checked = checker.check(program)
        except CompileError as error:
            raise CompilerBug(f"the lolang interpreter was given a program the checker rejects: {error}") from None
    if profile is None:
        m = Machine(out)
    else:
        from lolang.interp.profile import ProfilingRegionTable
        from lolang.profile import allocation_sites

        m = Machine(out, ProfilingRegionTable(), allocation_sites(program))
    reserve = MemoryReserve()

    def go() -> None:
        tables = ProgramTables(program)
        for fun in program.funs:
            m.funs[fun.name] = compile_function(m, tables, checked, fun)
        main = tables.funs["main"]
        argv = [_main_args(m, main.params[0].type, args)] if main.params else []
        m.depth = 1
        try:
            m.funs["main"]([], argv)
            # What is still live and unreachable now is cyclic garbage the
            # collector has not reached yet (native code does the same).
            m.table.collect_cycles()
        except MemoryError:
            reserve.release()  # room to unwind, count and report (diagnostics.memory)
            raise

    # Python's cycle collector would walk every live frame of a deep
    # recursion again and again; the interpreter's values make no cycles
    # worth collecting during a run (at most a container holding itself).
    try:
        with cyclic_gc_paused():
            run_with_deep_stack(go)
    except ProgramError as error:
        error.stats = _stats(m, stage)
        raise error.with_traceback(None) from None
    except MemoryError:
        error = ProgramError(OUT_OF_MEMORY)
        error.stats = _stats(m, stage)
        raise error.with_traceback(None) from None
    finally:
        if profile is not None:
            from lolang.profile import assemble

            profile.append(assemble(m.table.raw_profile(), m.sites.names, "lolang"))
    return _stats(m, stage)


def _stats(m: Machine, stage: str) -> dict:
    return {"engine": "lolang", "stage": stage, **m.table.stats()}


def compile_function(m: Machine, tables: ProgramTables, checked: CheckResult, fun: ir.FunDecl):
    """`fun` as a Python function `(region ids, arguments) -> result`."""
    k = FunctionCompiler(m, tables, checked)
    for region, uid in zip(fun.regions, checked.region_params(fun)):
        k.bind_region(region.name, uid)
    for param in fun.params:
        k.bind(param.name)
    k.push()
    stmts = [compile_stmt(k, s) for s in fun.body.stmts]
    result = compile_expr(k, fun.body.result) if fun.body.result is not None else None
    k.pop()
    padding = [None] * (k.size - 1 - len(fun.regions) - len(fun.params))

    def call(regions: list, argv: list):
        fr = [None, *regions, *argv, *padding]
        try:
            for s in stmts:
                if s(fr) is not None:  # only a `return` leaves a function
                    return fr[0]
            return result(fr) if result is not None else None
        except Escape as escape:
            escape.__traceback__ = None  # see machine.Escape
            return fr[0]

    call.__name__ = f"lo_{fun.name}"
    return call


def _main_args(m: Machine, t: ir.PackType, args) -> tuple:
    """`main`'s `args: Pack{c} (Array S)`, built by the engine before `main`
    runs: one region for the array (its creation reference becomes the
    pack's, so no retain is counted), S `String` in that region, or each
    `Pack{c'} String` in a region of its own. Like hilang's, these objects
    are not counted as allocations."""
    from lolang.interp.machine import Arr

    table = m.table
    rid = table.create()
    elem = t.obj.elem
    items = []
    for arg in args:
        data = arg.encode("utf-8") if isinstance(arg, str) else bytes(arg)
        if isinstance(elem, ir.PackType):
            own = table.create()
            items.append(((own, data), own))
            table.record(rid, own)
        else:
            items.append((rid, data))
    return (Arr(rid, items, isinstance(elem, ir.PackType), counted=False), rid)
