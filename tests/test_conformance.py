"""Every program of ../shared/conformance, examples/ and tests/regressions/
(the differential test's findings) on every engine at every stage the
pipeline has: exactly its expected stdout and exit status, and no region
leaked where the engine counts regions; compile-error programs rejected at
the LINE:COL of their `.err`.

Programs are found by globbing, so new files are picked up without code
changes; stages come from the pipeline's list, so new stages join too."""

from pathlib import Path

import pytest

from conftest import CONFORMANCE, EXAMPLES, ROOT
from programs import expected_status, not_yet, run_file, runnable_stages

REGRESSIONS = ROOT / "tests" / "regressions"


def _programs() -> list[Path]:
    found = sorted(CONFORMANCE.glob("*.hi")) + sorted(EXAMPLES.glob("*.hi")) + sorted(REGRESSIONS.glob("*.hi"))
    return [p for p in found if p.with_suffix(".out").exists()]


def _known_failures() -> dict[str, tuple[str, str]]:
    """tests/regressions/KNOWN_FAILURES: `NAME FIRST_STAGE: reason` lines
    for regressions whose bug is not fixed yet; they fail from FIRST_STAGE
    on (every later stage compiles through it)."""
    known = {}
    listing = REGRESSIONS / "KNOWN_FAILURES"
    for line in listing.read_text().splitlines() if listing.exists() else []:
        line = line.split("#", 1)[0].strip()
        if line:
            head, reason = line.split(":", 1)
            name, first_stage = head.split()
            known[name] = (first_stage, reason.strip())
    return known


def _cases():
    known = _known_failures()
    for path in _programs():
        if path.with_suffix(".err").exists():
            yield pytest.param(path, None, id=f"{path.parent.name}/{path.stem}")
            continue
        failing = False
        for stage, engine in runnable_stages(path):
            marks = not_yet(path, counts_leaks=engine != "hilang")
            if path.parent == REGRESSIONS and path.stem in known:
                first_stage, reason = known[path.stem]
                failing = failing or stage == first_stage
                if failing:
                    marks = (pytest.mark.xfail(strict=True, reason=reason),)
            yield pytest.param(path, stage, marks=marks, id=f"{path.parent.name}/{path.stem}@{stage}")


def test_the_conformance_suite_is_present():
    assert CONFORMANCE.is_dir(), f"conformance programs not found at {CONFORMANCE}"
    assert len(list(CONFORMANCE.glob("*.hi"))) >= 20


@pytest.mark.parametrize("path,stage", list(_cases()))
def test_program(path: Path, stage: str | None):
    err_file = path.with_suffix(".err")
    if stage is None:
        outcome = run_file(path, stage="typed")
        assert outcome.status == 1, f"{path.name} should be rejected"
        line, col = err_file.read_text().split()[0].split(":")
        first = outcome.diagnostics[0]
        assert (first.span.line, first.span.col) == (int(line), int(col)), first
        return
    args = ()
    args_file = path.with_suffix(".args")
    if args_file.exists():
        args = tuple(args_file.read_text().split())
    outcome = run_file(path, stage=stage, args=args)
    assert outcome.stdout.decode() == path.with_suffix(".out").read_text()
    assert outcome.status == expected_status(path)
    if outcome.status == 101:
        assert outcome.stderr_first_line.startswith("runtime error: ")
    if outcome.status == 0 and "regions_leaked" in outcome.stats:
        assert outcome.stats["regions_leaked"] == 0
