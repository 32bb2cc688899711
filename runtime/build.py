"""Build the C runtime on first use and find it afterwards.

The runtime's C sources (every `*.c` beside this file, and `hic_runtime.h`)
are compiled with the machine's C compiler -- `cc`, or `$CC` -- into a cache
directory, `$HIC_CACHE_DIR` or `~/.cache/hic`, under a name derived from a
hash of the sources, the compiler and the flags. A change to any of them
builds afresh; an unchanged runtime is found without running the compiler.

Two processes may build at once: each compiles in a private temporary
directory inside the cache and moves its results into place with
`os.replace`, which is atomic, so a reader sees either no library or a whole
one, never half of one.

Two products:

* `shared_library()`: a `.so`, for the JIT (`llvmlite.binding.
  load_library_permanently`).
* `static_library()`: a `.a`, for linking executables with `cc`
  (`link_args()` gives the arguments to append).

Each comes in variants (`VARIANTS`), built and cached apart on demand: the
normal one; `sanitize`, with AddressSanitizer and UndefinedBehaviorSanitizer
(tests/test_sanitizers.py links programs against it, and so must any
executable using it: `link_args("sanitize")`); and `profile`, which records
live bytes by allocation site for `hic run --profile` (runtime/profile.c).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

RUNTIME_DIR = Path(__file__).resolve().parent
HEADER = RUNTIME_DIR / "hic_runtime.h"
CFLAGS = ("-std=gnu11", "-O2", "-g", "-fPIC", "-Wall", "-Wextra")
# variant -> (extra compile flags, extra link flags for what links it)
SANITIZE = ("-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer")
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "": ((), ()),
    "sanitize": (SANITIZE, SANITIZE),
    "profile": (("-DHIC_PROFILE",), ()),
}
SHARED_NAME = "libhic_runtime.so"
STATIC_NAME = "libhic_runtime.a"


class RuntimeBuildError(RuntimeError):
    """The runtime could not be built: no compiler, or it failed."""


def sources() -> list[Path]:
    """The C sources, in a stable order."""
    return sorted(RUNTIME_DIR.glob("*.c"))


def header_dir() -> Path:
    """The directory to pass as `-I` to C code that includes hic_runtime.h."""
    return RUNTIME_DIR


def compiler() -> list[str]:
    """The C compiler command: `$CC` (may carry flags) or `cc`."""
    return _tool("CC", "cc", "a C compiler", "e.g. gcc or clang")


def cache_dir() -> Path:
    root = os.environ.get("HIC_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "hic"


def shared_library(variant: str = "") -> Path:
    """The runtime as a shared library, built if needed."""
    return _ensure_built(variant) / SHARED_NAME


def static_library(variant: str = "") -> Path:
    """The runtime as a static library, built if needed."""
    return _ensure_built(variant) / STATIC_NAME


def link_args(variant: str = "") -> list[str]:
    """What to append to a `cc ... -o EXE` line to link an executable."""
    return [str(static_library(variant)), "-lm", *VARIANTS[variant][1]]


def build_dir(variant: str = "") -> Path:
    """Where this exact runtime (sources, compiler, flags) lives in the cache."""
    return _build_dir(compiler(), variant)


# ---------------------------------------------------------------------------


def _tool(variable: str, default: str, what: str, example: str) -> list[str]:
    command = shlex.split(os.environ.get(variable, default))
    if not command or shutil.which(command[0]) is None:
        name = command[0] if command else "(empty)"
        raise RuntimeBuildError(
            f"cannot build hic's runtime: {what} is needed and '{name}' was not found "
            f"(install one, {example}, or set {variable} to its command)"
        )
    return command


def _flags(variant: str) -> tuple[str, ...]:
    return (*CFLAGS, *VARIANTS[variant][0])


def _build_dir(cc: list[str], variant: str = "") -> Path:
    return cache_dir() / f"runtime-{_build_key(cc, variant)[:20]}"


def _build_key(cc: list[str], variant: str = "") -> str:
    """A hash of everything the libraries depend on. The compiler enters by
    its resolved path, size and modification time: an upgrade rebuilds."""
    digest = hashlib.sha256()
    resolved = Path(shutil.which(cc[0]) or cc[0]).resolve()
    stat = resolved.stat()
    for part in (*cc, str(resolved), str(stat.st_size), str(stat.st_mtime_ns), *_flags(variant)):
        digest.update(part.encode() + b"\0")
    for path in [HEADER, *sources()]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _ensure_built(variant: str = "") -> Path:
    cc = compiler()
    target = _build_dir(cc, variant)
    if (target / SHARED_NAME).is_file() and (target / STATIC_NAME).is_file():
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RuntimeBuildError(
            f"cannot build hic's runtime: cannot create {target} ({error.strerror}); "
            "set HIC_CACHE_DIR to a writable directory"
        ) from error
    with tempfile.TemporaryDirectory(prefix=".build-", dir=target) as scratch:
        work = Path(scratch)
        objects = _compile_all(cc, work, _flags(variant))
        ar = _tool("AR", "ar", "an archiver", "binutils' ar")
        _run([*ar, "rcs", str(work / STATIC_NAME), *map(str, objects)], "archiving")
        _run([*cc, "-shared", "-o", str(work / SHARED_NAME), *map(str, objects), *VARIANTS[variant][1]],
             "linking")
        # The .so last: it is what a reader checks first.
        os.replace(work / STATIC_NAME, target / STATIC_NAME)
        os.replace(work / SHARED_NAME, target / SHARED_NAME)
    return target


def _compile_all(cc: list[str], work: Path, flags: tuple[str, ...] = CFLAGS) -> list[Path]:
    """Compile every source in parallel; raise with the compiler's words if
    any fails."""
    jobs = []
    for source in sources():
        obj = work / (source.stem + ".o")
        command = [*cc, *flags, "-I", str(RUNTIME_DIR), "-c", str(source), "-o", str(obj)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        jobs.append((source, obj, process))
    failures = []
    for source, _obj, process in jobs:
        output, _ = process.communicate()
        if process.returncode != 0:
            failures.append(f"{source.name}:\n{output.decode(errors='replace')}")
    if failures:
        raise RuntimeBuildError("cannot build hic's runtime:\n" + "\n".join(failures))
    return [obj for _source, obj, _process in jobs]


def _run(command: list[str], doing: str) -> None:
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        output = result.stdout.decode(errors="replace")
        raise RuntimeBuildError(f"cannot build hic's runtime ({doing} failed):\n{output}")
