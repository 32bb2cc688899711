"""Run a program file through the pipeline on any engine, in-process, and
collect what LANGUAGE.md 1.6 calls its observable behaviour: stdout, the first
line of stderr, and the exit status. Shared by the program-level tests."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import CONFORMANCE
from diagnostics import CompileError, ProgramError, Source
from hic import engines
from lowering import pipeline


@dataclass
class Outcome:
    stdout: bytes
    stderr_first_line: str
    status: int
    stats: dict = field(default_factory=dict)
    diagnostics: list = field(default_factory=list)


def runnable_stages(path: Path) -> list[tuple[str, str]]:
    """(stage, engine) for every stage of `path` that an engine runs."""
    return [(s.name, s.engine) for s in pipeline.stages_for(str(path)) if s.engine]


def run_file(path: Path, stage: str | None = None, engine: str | None = None,
             args: tuple[str, ...] = (), level: int = 2, disabled: frozenset[str] = frozenset()) -> Outcome:
    source = Source.read(str(path))
    try:
        artifacts = pipeline.run_pipeline(source, pipeline.Options(level, disabled), until=stage)
    except CompileError as error:
        first = error.diagnostics[0]
        return Outcome(b"", first.headline(source.name), 1, diagnostics=error.diagnostics)
    artifact = engines.choose(artifacts, engine, stage)
    assert artifact is not None, f"no engine runs stage {stage} of {path}"
    out = io.BytesIO()
    try:
        stats = engines.RUNNERS[engine or artifact.stage.engine](artifact.program, out, list(args), artifact.checked)
    except ProgramError as error:
        return Outcome(out.getvalue(), error.line(), 101, getattr(error, "stats", None) or {})
    return Outcome(out.getvalue(), "", 0, stats)


def expected_status(hi: Path) -> int:
    status = hi.with_suffix(".status")
    return int(status.read_text().strip()) if status.exists() else 0


# Conformance programs of a new LANGUAGE.md edition that do not pass yet
# (name -> reason). Every harness that runs the conformance programs marks
# them as *strict* expected failures where they fail, so that the run fails
# (XPASS) the moment one starts to pass and the mark must go. `NOT_YET`: the
# checker rejects the program, so it fails everywhere; `LEAKS_YET`: it prints
# the right output but leaks, so it fails only where a test counts the
# regions left over. Empty since all of LANGUAGE.md 1.8 passes
# (strings_more, covariance, cycles).
NOT_YET: dict[str, str] = {}
LEAKS_YET: dict[str, str] = {}


def not_yet(path: Path, counts_leaks: bool = False) -> tuple:
    """The strict expected-failure mark for `path`, if it is a conformance
    program not passing yet in a test that checks its output (and, with
    `counts_leaks`, its leaked regions); else none."""
    if path.parent.resolve() != CONFORMANCE.resolve():
        return ()
    reason = NOT_YET.get(path.stem) or (LEAKS_YET.get(path.stem) if counts_leaks else None)
    return (pytest.mark.xfail(strict=True, reason=reason),) if reason else ()
