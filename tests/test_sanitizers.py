"""Every conformance program, example, regression and benchmark (at its tiny
size), compiled at -O0 and -O2 and linked against the runtime built with
AddressSanitizer and UndefinedBehaviorSanitizer (runtime/build.py's
`sanitize` variant): the same stdout and status as expected, and not one
report.

The runtime frees memory that code may still point to -- a region's
chunks, a replaced storage block, a cycle's regions -- which is where
runtimes get use-after-free bugs. The pool marks what it holds free as
poisoned for ASan (hic_runtime.h, HIC_VG_NOACCESS), so a read of a freed
object is reported even though the memory never goes back to malloc.

Lean enough for CI: the programs are compiled in this process (one
pipeline each), linked and run two at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import CONFORMANCE, EXAMPLES, ROOT
from diagnostics import CompileError, Source
from lolang.codegen import native
from lowering import pipeline
from runtime import build

LEVELS = (0, 2)
# ASan's swapcontext interceptor says this once per process; hic_start's
# stack switch is exactly what it supports (it clears the new stack's shadow).
SWAPCONTEXT_WARNING = "WARNING: ASan doesn't fully support makecontext/swapcontext"
ENV = {
    # The runtime handles SIGSEGV itself (stack overflow); memory comes from
    # mmap, so there is nothing for LeakSanitizer to look at.
    "ASAN_OPTIONS": "handle_segv=0:detect_leaks=0:abort_on_error=0:exitcode=86",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87",
}


@dataclass(frozen=True)
class Program:
    path: Path
    args: tuple[str, ...]
    expected: bytes | None  # stdout; None: the benchmark's CPython version's

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def _benchmarks() -> list[Program]:
    sys.path.insert(0, str(ROOT / "bench"))
    from benchmarks import BENCHMARKS

    return [Program(ROOT / "bench" / f"{b.name}.hi", (str(b.tiny),), None) for b in BENCHMARKS]


def _programs() -> list[Program]:
    found = []
    for directory in (CONFORMANCE, EXAMPLES, ROOT / "tests" / "regressions"):
        for path in sorted(directory.glob("*.hi")):
            if path.with_suffix(".out").exists() and not path.with_suffix(".err").exists():
                args = path.with_suffix(".args")
                found.append(Program(path, tuple(args.read_text().split()) if args.exists() else (),
                                     path.with_suffix(".out").read_bytes()))
    return found + _benchmarks()


PROGRAMS = _programs()


@pytest.fixture(scope="module")
def sanitized_runtime() -> list[str]:
    """The link arguments of the sanitized runtime, or a skip naming why the
    machine's compiler cannot build it."""
    try:
        return build.link_args("sanitize")
    except build.RuntimeBuildError as error:
        pytest.skip(f"the C compiler cannot build with sanitizers: {error}")


@pytest.fixture(scope="module")
def executables(sanitized_runtime, tmp_path_factory) -> dict[tuple[str, int], Path | str]:
    """Every program at every level, linked: (id, level) -> executable, or
    the reason it could not be compiled."""
    work = tmp_path_factory.mktemp("sanitized")
    objects = {}
    built: dict[tuple[str, int], Path | str] = {}
    for program in PROGRAMS:
        for level in LEVELS:
            key = (program.id, level)
            try:
                artifacts = pipeline.run_pipeline(Source.read(str(program.path)), pipeline.Options(level),
                                                  until="llvm")
            except CompileError as error:
                built[key] = f"does not compile: {error}"
                continue
            obj = work / f"{program.path.parent.name}-{program.path.stem}-O{level}.o"
            obj.write_bytes(native.emit_object(artifacts[-1].program))
            objects[key] = obj

    def link(item):
        key, obj = item
        exe = obj.with_suffix("")
        subprocess.run([*build.compiler(), str(obj), *sanitized_runtime, "-o", str(exe)], check=True,
                       capture_output=True)
        return key, exe

    with ThreadPoolExecutor(max_workers=2) as pool:
        built.update(pool.map(link, objects.items()))
    return built


def _cpython_output(program: Program) -> bytes:
    command = [sys.executable, str(program.path.with_suffix(".py")), *program.args]
    return subprocess.run(command, capture_output=True, check=True).stdout


def _reports(stderr: str) -> list[str]:
    """Lines of stderr that are not the program's own runtime error line or
    ASan's one note about swapcontext."""
    return [line for line in stderr.splitlines()
            if line and not line.startswith("runtime error: ") and SWAPCONTEXT_WARNING not in line]


@pytest.mark.parametrize("level", LEVELS, ids=lambda level: f"O{level}")
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.id)
def test_no_sanitizer_report(executables, program: Program, level: int):
    exe = executables[(program.id, level)]
    if isinstance(exe, str):
        pytest.skip(exe)  # a front-end matter, tested by test_conformance
    result = subprocess.run([str(exe), *program.args], capture_output=True, timeout=300,
                            env={**os.environ, **ENV})
    stderr = result.stderr.decode(errors="replace")
    assert _reports(stderr) == [], stderr
    expected = program.expected if program.expected is not None else _cpython_output(program)
    status = program.path.with_suffix(".status")
    assert result.returncode == (int(status.read_text()) if status.exists() else 0), stderr
    assert result.stdout == expected


def test_the_sanitizers_would_see_a_use_after_free(sanitized_runtime, tmp_path):
    """The check above is only worth something if a use of memory the
    runtime freed is reported: a replaced storage block read afterwards."""
    source = tmp_path / "uaf.c"
    source.write_text(r"""
#include "hic_runtime.h"
static volatile long sink;
static void program(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_array *a = hic_array_new(r, 8, 0);
    *(long *)hic_array_push(r, a, 8) = 1;
    long *old = (long *)a->data;
    for (int i = 0; i < 4; i++)
        *(long *)hic_array_push(r, a, 8) = i;
    sink = *old;  /* the block was replaced and given back */
}
int main(int argc, char **argv) { return hic_start(argc, argv, program, "uaf", 0); }
""")
    exe = tmp_path / "uaf"
    subprocess.run([*build.compiler(), "-I", str(build.header_dir()), str(source), *sanitized_runtime,
                    "-o", str(exe)], check=True)
    result = subprocess.run([str(exe)], capture_output=True, env={**os.environ, **ENV})
    assert result.returncode == 86
    assert "AddressSanitizer: use-after-poison" in result.stderr.decode()
