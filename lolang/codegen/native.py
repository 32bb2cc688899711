"""Native code: lolang compiled to LLVM IR (lolang/codegen), then run in a
child process by MCJIT (`hic run --engine native`), or written as an object
file and linked with the C runtime into an executable (`hic compile -o`).

* `compile(program) -> NativeModule` is the `llvm` stage: it checks the
  program (code generation reads the checker's types), builds the module
  with llvmlite's IR builder for this machine's triple and data layout, and
  verifies it with `parse_assembly` + `verify`; a module LLVM rejects is a
  `CompilerBug` of stage `llvm`. `str()` of the result is the IR text that
  `--dump llvm` and `--emit llvm` show.
* `run(program, out, args) -> stats` is the `native` engine (DESIGN.md's
  engine interface, like `lolang.interpreter.run`). See `_run_child`. When
  the program's stdout is closed under it (`| head -1`), it ends as an
  executable does, by SIGPIPE, and `run` raises `BrokenPipeError`, as the
  interpreters' writes do.
* `emit_object(module) -> bytes` and `link_executable(module, path)` are
  ahead-of-time compilation; the executable honours `HIC_STATS=FILE` and
  passes its arguments to `main(args)`.

How hard LLVM works. An executable gets LLVM's `default<O2>` pipeline and
optimizing code generation: it is what benchmarks measure. The JIT serves
`hic run` and the tests, where compile time dominates: by default it runs
only SROA (variables to registers) and CFG simplification, then fast
instruction selection, about ten times quicker to compile than O2;
`HIC_JIT_OPT=2` gives it the full pipeline, `HIC_JIT_OPT=0` nothing.
Optimization cannot change what a program prints or counts: integer
operations are emitted without `nsw`/`nuw`, floating point without
fast-math flags (so no fused or reordered operations, LANGUAGE.md 1.7),
the cases where C or LLVM leave behaviour undefined (division by zero or by
−1, an F64 out of S64's range) are tested before the operation, and every
counter is a memory operation on a global the optimizer must preserve.
"""

from __future__ import annotations

import ctypes
import errno
import gc
import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import BinaryIO

import llvmlite.binding as llvm
from llvmlite import ir as ll

from diagnostics import NOSPAN, CompileError, CompilerBug, ProgramError, Span
from diagnostics.gc_pause import cyclic_gc_paused
from lolang import checker, ir
from lolang.codegen import compile_program

STAGE = "llvm"
ENTRY = "hic_program_run"
OPT_LEVEL = 2  # executables
# A function of more lines of LLVM IR than this (about 15 times the biggest
# in bench/ and examples/) is optimized at level 1: LLVM's O2 pipeline is
# superlinear in a function's size, and a 20,000-deep nested literal makes
# one main of 300,000 lines that O2 takes over ten minutes on.
HUGE_FUNCTION = 20_000


def _jit_level() -> int:
    """`HIC_JIT_OPT`: 0, 1 (the default) or 2; see the module docstring."""
    value = os.environ.get("HIC_JIT_OPT", "1")
    return int(value) if value in ("0", "1", "2") else 1


class NativeModule:
    """The `llvm` stage's program: an LLVM module, verified when its text is
    made. `compile` makes the text of a module compiled in one unit at
    once; a module compiled in parts (`emit_objects`) is never printed
    whole unless asked for (`--emit llvm`, the JIT): each part is printed,
    parsed and verified by the child that compiles it."""

    def __init__(self, module: ll.Module | None, text: str | None = None, parsed: llvm.ModuleRef | None = None):
        self.module = module
        self._text = text
        # `text` as parsed and verified, for the first `_optimized` to take
        # (the passes change it); later ones parse again.
        self.parsed = parsed
        self._items = None

    @property
    def text(self) -> str:
        """The module's IR, printed and verified on first use."""
        if self._text is None:
            with cyclic_gc_paused():  # llvmlite's objects per instruction, kept until printed
                text = str(self.module)
            self.parsed = _verified(text)
            self._text = text
        return self._text

    def __str__(self) -> str:
        return self.text

    def items(self) -> list:
        """The module's top-level entities (codegen/partition.py), from its
        text when it has been printed, else from the llvmlite module."""
        from lolang.codegen import partition

        if self._text is not None or self.module is None:
            return partition.parse(self.text)
        if self._items is None:
            self._items = partition.module_items(self.module)
        return self._items

    def lines(self) -> int:
        """The lines of the module's text, printed or not."""
        from lolang.codegen import partition

        if self._text is not None or self.module is None:
            return self.text.count("\n")
        return partition.text_lines(self.items())


def _verified(text: str) -> llvm.ModuleRef:
    """`text` parsed and verified by LLVM; a module it rejects is a
    `CompilerBug` of stage `llvm`."""
    try:
        parsed = llvm.parse_assembly(text)
        parsed.verify()
    except RuntimeError as error:
        raise CompilerBug(f"LLVM rejects the generated module: {error}", STAGE) from None
    return parsed


# --------------------------------------------------------------------------
# Compiling


_initialized = False


def _init_llvm() -> None:
    # llvm.initialize() is deprecated (it raises in current llvmlite): only
    # the native target and its assembly printer are needed.
    global _initialized
    if not _initialized:
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


def _target_machine(*, jit: bool) -> llvm.TargetMachine:
    """For the JIT, this very CPU; for an object file, the triple's generic
    CPU (the executable may run on another machine of the same kind) and
    position-independent code (cc links PIE executables)."""
    _init_llvm()
    target = llvm.Target.from_triple(llvm.get_process_triple())
    if jit:
        features = llvm.get_host_cpu_features().flatten()
        level = 0 if _jit_level() < 2 else OPT_LEVEL
        return target.create_target_machine(cpu=llvm.get_host_cpu_name(), features=features, opt=level, jit=True)
    return target.create_target_machine(opt=OPT_LEVEL, reloc="pic", codemodel="default")


def compile(program: ir.Program, stage: str = STAGE, checked=None, sites=None) -> NativeModule:
    """The `llvm` stage: a checked, verified LLVM module for `program`
    (`checked`, the checker's result for it, if the caller has it;
    `sites`: compile for --profile, lolang/profile.py)."""
    if checked is None:
        try:
            checked = checker.check(program)
        except CompileError as error:
            raise CompilerBug(f"code generation was given a program the lolang checker rejects: {error}", STAGE) from None
    with cyclic_gc_paused():  # llvmlite's objects per instruction
        try:
            module = compile_program(program, checked, stage, sites=sites)
        except CompilerBug as bug:
            raise bug.with_stage(STAGE) from None
        module.triple = llvm.get_process_triple()
        module.data_layout = str(_target_machine(jit=False).target_data)
        native = NativeModule(module)
        if codegen_units(native.lines()) == 1:
            native.text  # printed and verified now; a split module's parts are, each by its child
    return native


def _native(program) -> NativeModule:
    return program if isinstance(program, NativeModule) else compile(program)


def _optimized(native: NativeModule, tm: llvm.TargetMachine, level: int = OPT_LEVEL) -> llvm.ModuleRef:
    """The module parsed for LLVM (or as `compile` parsed it) and optimized
    at `level` (0 nothing, 1 registers and CFG clean-up only, 2 LLVM's
    default O2 pipeline)."""
    text = native.text  # printed and verified, if it was not
    mod, native.parsed = native.parsed, None
    if mod is None:
        mod = _verified(text)
    if level >= 2 and _largest_function(text) > HUGE_FUNCTION:
        level = 1
    if level <= 0:
        return mod
    builder = llvm.create_pass_builder(tm, llvm.create_pipeline_tuning_options(speed_level=min(level, 2)))
    if level >= 2:
        passes = builder.getModulePassManager()
    else:
        passes = llvm.create_new_module_pass_manager()
        passes.add_sroa_pass()
        passes.add_simplify_cfg_pass()
    passes.run(mod, builder)
    return mod


def _largest_function(text: str) -> int:
    """Lines in the longest function body of an LLVM IR module's text."""
    longest = 0
    start = None
    for number, line in enumerate(text.split("\n")):
        if line.startswith("define "):
            start = number
        elif start is not None and line.startswith("}"):
            longest = max(longest, number - start - 1)
            start = None
    return longest


def emit_object(program) -> bytes:
    """An object file (this machine's format) defining `main`."""
    native = _native(program)
    tm = _target_machine(jit=False)
    return tm.emit_object(_optimized(native, tm))


# A module of more lines of LLVM IR than this is compiled in parts, in
# parallel (codegen/partition.py): LLVM takes about 0.09 s of CPU per 1,000
# lines in one unit, so such a module takes 1.2 s or more, of which a
# second core saves about half, against 50 ms of splitting, forking and
# waiting (gl1500; 100 ms for gl3000). Every program of bench/ and
# examples/ is under 80% of it (the biggest: rbtree_ck 10,263 lines, rbtree 9,887,
# cfold 7,062): they stay one unit, so their inlining and their speed do
# not change (tests/test_codegen_units.py; rbtree_ck in parts runs 3%
# more instructions). It was 10,000 until lo.reuse's resets pushed into
# the arms copied dead arms into rbtree's `ins` (docs/passes.md).
PARALLEL_LINES = 13_000
# Lines of a part at least: more parts than cores, so that a core done with
# its part takes the next one (parts differ in how long LLVM takes on
# them); a whole number of parts a core (5 parts on 2 cores would leave one
# core idle while the other compiles the fifth), at most PARTS_PER_CORE.
PART_LINES = PARALLEL_LINES // 2
PARTS_PER_CORE = 4


def codegen_units(text: str | int) -> int:
    """How many parts `emit_objects` compiles a module in (`text`, its
    IR, or the number of lines of it):
    `HIC_CODEGEN_UNITS` if set (1: never split); else 1 for a module of at
    most PARALLEL_LINES lines or a machine of one core, and otherwise the
    same number of parts for each core, parts of PART_LINES lines or more."""
    forced = os.environ.get("HIC_CODEGEN_UNITS", "")
    if forced.isdigit() and int(forced) >= 1:
        return int(forced)
    lines = text if isinstance(text, int) else text.count("\n")
    cores = _cores()
    if lines <= PARALLEL_LINES or cores == 1:
        return 1
    return cores * max(1, min(PARTS_PER_CORE, lines // (PART_LINES * cores)))


def _cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def emit_objects(program) -> list[bytes]:
    """The object files that, linked together, are `program`: one, or for a
    big module one per part (`codegen_units`), compiled in parallel."""
    native = _native(program)
    units = codegen_units(native.lines())
    if units == 1:
        return [emit_object(native)]
    from lolang.codegen.partition import plan

    native.parsed = None  # the whole module is not compiled
    parts = plan(native.items(), units)
    with tempfile.TemporaryDirectory(prefix="hic-parts-") as scratch:
        paths = [Path(scratch) / f"part{i}.o" for i in range(units)]
        failures = _compile_parts(parts, paths, _cores())
        if failures:
            raise CompilerBug("compiling the module's parts failed:\n" + "\n".join(failures), STAGE)
        return [path.read_bytes() for path in paths]


def _compile_parts(parts, paths: list[Path], workers: int) -> list[str]:
    """Each part `parts.text(i)` (a `partition.Plan`) printed and compiled
    into `paths[i]` by a child process of its own, `workers` of them at a time, the next part started as one
    ends. Each child holds a pipe that it writes what went wrong to; the
    pipe's end (however the child ended: an exception, a signal) tells
    that the child is done. Returns what went wrong, part by part."""
    _flush(sys.stdout)
    _flush(sys.stderr)
    todo = list(range(len(paths)))
    running: dict[int, tuple[int, int, bytearray]] = {}  # read end -> (part, pid, message)
    failures: list[str] = []
    selector = selectors.DefaultSelector()
    try:
        while todo or running:
            while todo and len(running) < max(1, workers):
                index = todo.pop(0)
                read_end, pid = _fork_part(parts, index, paths[index])
                running[read_end] = (index, pid, bytearray())
                selector.register(read_end, selectors.EVENT_READ)
            for key, _ in selector.select():
                index, pid, message = running[key.fd]
                data = os.read(key.fd, 1 << 16)
                if data:
                    message += data
                    continue
                selector.unregister(key.fd)
                os.close(key.fd)
                del running[key.fd]
                failure = _part_failure(index, os.waitpid(pid, 0)[1], message, paths[index])
                if failure:
                    failures.append(failure)
                    todo.clear()  # the program is not linked: the rest are not started
    finally:
        for read_end, (_, pid, _) in running.items():  # only when the parent itself fails
            os.close(read_end)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        selector.close()
    return failures


def _fork_part(parts, index: int, path: Path) -> tuple[int, int]:
    """A child that prints part `index` of `parts` (a `partition.Plan`)
    and compiles it into `path` and exits 0, or writes why it could not to
    its pipe and exits 3. Returns the pipe's read end and the child's pid."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 3
        try:
            gc.disable()  # the parent's objects stay shared, not copied
            os.close(read_end)
            path.write_bytes(_part_object(parts.text(index)))
            status = 0
        except BaseException:
            try:
                os.write(write_end, traceback.format_exc().encode())
            except BaseException:
                pass
        os._exit(status)
    os.close(write_end)
    return read_end, pid


def _part_object(text: str) -> bytes:
    """A part of a split module compiled as `emit_object` compiles a whole one."""
    try:
        part = llvm.parse_assembly(text)
        part.verify()
    except RuntimeError as error:
        raise CompilerBug(f"LLVM rejects a part of the split module: {error}", STAGE) from None
    tm = _target_machine(jit=False)
    return tm.emit_object(_optimized(NativeModule(None, text, part), tm))


def _part_failure(index: int, status: int, message: bytes, path: Path) -> str | None:
    """What went wrong with the child that compiled part `index`, if anything."""
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and path.exists():
        return None
    why = message.decode(errors="replace").strip() or "(no message)"
    if os.WIFSIGNALED(status):
        return f"part {index}: killed by signal {os.WTERMSIG(status)}: {why}"
    return f"part {index}: exit status {os.WEXITSTATUS(status) if os.WIFEXITED(status) else status}: {why}"


def link_executable(program, path: str | os.PathLike) -> Path:
    """Link `program` with the runtime's static library into an
    executable at `path` (with the machine's C compiler, `$CC` or `cc`)."""
    from runtime.build import compiler, link_args

    objects = emit_objects(program)
    with tempfile.TemporaryDirectory(prefix="hic-link-") as scratch:
        exe_path = Path(scratch) / "program"
        obj_paths = [Path(scratch) / f"program{i}.o" for i in range(len(objects))]
        for obj_path, obj in zip(obj_paths, objects):
            obj_path.write_bytes(obj)
        command = [*compiler(), *map(str, obj_paths), *link_args(), "-o", str(exe_path)]
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if result.returncode != 0:
            raise CompilerBug(f"linking failed: {' '.join(command)}\n{result.stdout.decode(errors='replace')}", "exe")
        # Linked where nothing can go wrong, then moved: a bad `path` is
        # the OSError of an ordinary write, not a linker's complaint.
        if Path(path).is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        shutil.move(exe_path, path)
    return Path(path)


# --------------------------------------------------------------------------
# Running (the `native` engine)


def run(program, out: BinaryIO, args=(), profile: list | None = None) -> dict:
    """Run `program` (a `NativeModule`, or lolang to compile first) in a
    child process; its stdout goes to `out`; return the stats dict, or raise
    `ProgramError` (exit 101, the runtime's stderr line parsed back) or
    `CompilerBug` (exit 3, a crash, a JIT failure). With `profile` (a
    list), `program` must be lolang: it is compiled for profiling and its
    memory profile (lolang/profile.py) is appended to the list."""
    from runtime import shared_library

    if profile is not None:
        return _run_profiled(program, out, args, profile)
    native = _native(program)
    library = str(shared_library())  # built here, once, not in the child
    with tempfile.TemporaryDirectory(prefix="hic-run-") as scratch:
        stats_path = os.path.join(scratch, "stats.json")
        status, stderr = _run_child(native, library, out, [str(a) for a in args], stats_path)
        stats = _read_stats(stats_path)
    return _outcome(status, stderr, stats)


def _run_profiled(program: ir.Program, out: BinaryIO, args, profile: list) -> dict:
    """`run` for --profile: `program` (lolang) compiled for profiling, run
    on the runtime's profiling variant; its profile goes into `profile`
    however the program ends."""
    from lolang.profile import allocation_sites, assemble
    from runtime import shared_library

    sites = allocation_sites(program)
    native = compile(program, sites=sites)
    library = str(shared_library("profile"))
    with tempfile.TemporaryDirectory(prefix="hic-run-") as scratch:
        stats_path = os.path.join(scratch, "stats.json")
        profile_path = os.path.join(scratch, "profile.json")
        os.environ["HIC_PROFILE"] = profile_path
        try:
            status, stderr = _run_child(native, library, out, [str(a) for a in args], stats_path)
        finally:
            del os.environ["HIC_PROFILE"]
        stats = _read_stats(stats_path)
        if os.path.exists(profile_path):
            with open(profile_path) as f:
                profile.append(assemble(json.load(f), sites.names, "native"))
    return _outcome(status, stderr, stats)


def _run_child(native: NativeModule, library: str, out: BinaryIO, args: list[str], stats_path: str):
    """Fork; the child JIT-compiles the module and runs it, so that a
    crash or an `exit` in the program cannot take hic down. The child's
    stdout is `out`'s own file descriptor when it has one (the program
    writes the terminal directly, in order), else a pipe copied into
    `out`; its stderr is always a pipe, read back for the error line.
    Returns (wait status, stderr bytes)."""
    direct = _fileno(out)
    _flush(out)
    _flush(sys.stdout)
    _flush(sys.stderr)
    err_r, err_w = os.pipe()
    out_r, out_w = os.pipe() if direct is None else (None, None)
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 3
        try:
            os.dup2(direct if direct is not None else out_w, 1)
            os.dup2(err_w, 2)
            for fd in (err_r, err_w, out_r, out_w):
                if fd is not None and fd > 2:
                    os.close(fd)
            os.environ["HIC_STATS"] = stats_path
            # Python ignores SIGPIPE and the child inherits that; the program
            # must end when its stdout's reader goes, as an executable does.
            signal.signal(signal.SIGPIPE, signal.SIG_DFL)
            status = _jit_and_run(native, library, args)
        except BaseException:
            os.write(2, ("hic internal error: the JIT failed:\n" + traceback.format_exc()).encode())
        os._exit(status)
    os.close(err_w)
    if out_w is not None:
        os.close(out_w)
    stderr = _drain(out_r, err_r, out)
    _, status = os.waitpid(pid, 0)
    return status, stderr


def _jit_and_run(native: NativeModule, library: str, args: list[str]) -> int:
    llvm.load_library_permanently(library)
    tm = _target_machine(jit=True)
    engine = llvm.create_mcjit_compiler(_optimized(native, tm, _jit_level()), tm)
    engine.finalize_object()
    entry = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p))(
        engine.get_function_address(ENTRY))
    argv = [b"hic"] + [os.fsencode(a) for a in args]
    array = (ctypes.c_char_p * (len(argv) + 1))(*argv, None)
    return entry(len(argv), array)


def _drain(out_r: int | None, err_r: int, out: BinaryIO) -> bytes:
    """Copy the child's stdout pipe into `out` and collect its stderr,
    both until the child closes them."""
    stderr = bytearray()
    selector = selectors.DefaultSelector()
    selector.register(err_r, selectors.EVENT_READ)
    if out_r is not None:
        selector.register(out_r, selectors.EVENT_READ)
    open_fds = 1 + (out_r is not None)
    while open_fds:
        for key, _ in selector.select():
            data = os.read(key.fd, 1 << 16)
            if not data:
                selector.unregister(key.fd)
                os.close(key.fd)
                open_fds -= 1
            elif key.fd == err_r:
                stderr += data
            else:
                out.write(data)
    selector.close()
    return bytes(stderr)


_ERROR_LINE = re.compile(r"runtime error: (?P<what>.*?)(?: at (?P<line>\d+):(?P<col>\d+))?")


def _outcome(status: int, stderr: bytes, stats: dict) -> dict:
    """What the child's wait status and stderr mean to hic (see `run`)."""
    text = stderr.decode("utf-8", errors="replace")
    first = text.splitlines()[0] if text else ""
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code == 0:
            return stats
        found = _ERROR_LINE.fullmatch(first)
        if code == 101 and found:
            span = Span(int(found["line"]), int(found["col"])) if found["line"] else NOSPAN
            error = ProgramError(found["what"], span)
            error.stats = stats
            raise error
        raise CompilerBug(f"native code exited with status {code}: {text.strip() or '(no message)'}", STAGE)
    killed_by = os.WTERMSIG(status) if os.WIFSIGNALED(status) else status
    if killed_by == signal.SIGPIPE:
        raise BrokenPipeError(errno.EPIPE, "the program's output was closed")
    raise CompilerBug(f"native code was killed by signal {killed_by}: {text.strip() or '(no message)'}", STAGE)


def _read_stats(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def _fileno(out) -> int | None:
    try:
        return out.fileno()
    except (AttributeError, OSError, ValueError):
        return None


def _flush(stream) -> None:
    try:
        stream.flush()
    except (AttributeError, OSError, ValueError):
        pass
