"""The engines that run a stage's program, behind one interface.

Every engine writes the program's stdout to this process's stdout, and turns a
`ProgramError` into the one stderr line and exit status 101 of LANGUAGE.md 1.6.
"""

from __future__ import annotations

import sys

from diagnostics import ProgramError
from diagnostics.deep_stack import run_with_deep_stack
from lowering.pipeline import Artifact

ENGINE_NAMES = ("hilang", "lolang", "native")


def _hilang(program, out, args, checked=None):
    from hilang.interpreter import run

    return run(program, out, args)


def _lolang(program, out, args, checked=None, profile=None):
    """`checked`: the checker's result for `program`, when the pipeline
    has it (else the interpreter checks the program itself). `profile`: a
    list to receive the memory profile (`hic run --profile`)."""
    from lolang.interpreter import run

    return run(program, out, args, checked=checked, profile=profile)


def _native(program, out, args, checked=None, profile=None):
    from lolang.codegen.native import run

    return run(program, out, args, profile=profile)


RUNNERS = {"hilang": _hilang, "lolang": _lolang, "native": _native}


def choose(artifacts: list[Artifact], engine: str | None, stage: str | None) -> Artifact | None:
    """The artifact to run: the named stage, else the last one the named
    engine runs, else the last runnable one."""
    candidates = [a for a in artifacts if a.stage.engine is not None]
    if stage is not None:
        candidates = [a for a in candidates if a.stage.name == stage]
    if engine is not None:
        candidates = [a for a in candidates if a.stage.engine == engine]
    return candidates[-1] if candidates else None


def execute(engine: str, artifact: Artifact, args: list[str], profile: list | None = None) -> tuple[int, dict]:
    """Run; return (exit status, stats). With `profile` (a list; lolang and
    native only), the run's memory profile is appended to it."""
    out = sys.stdout.buffer
    extra = {} if profile is None else {"profile": profile}
    try:
        # Engines walk the program recursively before running it (the lolang
        # interpreter re-checks it), so they too get a deep stack.
        stats = run_with_deep_stack(
            lambda: RUNNERS[engine](artifact.program, out, list(args), artifact.checked, **extra))
        status = 0
    except ProgramError as error:
        stats = getattr(error, "stats", None) or {}
        _flush(out)
        sys.stderr.write(error.line() + "\n")
        sys.stderr.flush()
        status = 101
    _flush(out)
    return status, stats


def _flush(out) -> None:
    try:
        out.flush()
    except (OSError, ValueError):
        pass
