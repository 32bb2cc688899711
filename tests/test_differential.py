"""Differential testing (DESIGN.md "Testing"): random well-typed hilang
programs from `gen`, each run by every engine at every stage the pipeline
has, must behave identically, and no optimized stage may spend more than
the naive lowering.

Two sizes of program (`gen.SMALL`, `gen.LARGE`; docs/testing.md says how
many of each a profile runs). For each program, at each stage
`runnable_stages` lists (the hilang interpreter at `typed` and `mono`, the
lolang interpreter at `lo` and every `lo.<pass>`, native code at `llvm`,
as they exist), the test asserts:

* stdout, the first line of stderr and the exit status are the same
  everywhere (LANGUAGE.md 1.6);
* the lolang checker accepts every lolang stage (the pipeline runs it; a
  rejection is a `CompilerBug`, which fails the test);
* a lolang or native run that ends normally leaks no region;
* every lolang stage after `lo` (every pass) creates no more regions and
  makes no more retains and releases than the naive `lo` (from
  `lo.reuse` on, regions only: see `NOT_ABOVE_NAIVE_AFTER_REUSE`), and its
  `bytes_peak` stays within `PEAK_FACTOR` times naive's plus `PEAK_SLACK`;
* `allocs` is compared between engines at the same stage, never across
  passes (a pass that makes nullary constructors static allocates less):
  native code and the lolang interpreter count the same allocations,
  regions and reference-count operations for the program native code was
  compiled from (DESIGN.md "Figures every engine reports"), and the hilang
  interpreter the same allocations as the naive lowering, which allocates
  once per hilang object;
* then the same again with a random subset of the passes switched off
  (`--no-pass`), drawn per program, against the same naive run (the
  lolang stages only: see `run_everywhere`).

The program's text is attached to a failure (`note`), already shrunk by
hypothesis. docs/testing.md says how to run it harder, and what to do with
a disagreement.
"""

from __future__ import annotations

import io
import signal
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, assume, given, note, settings
from hypothesis import strategies as st

from diagnostics import CompileError, ProgramError, Source
from gen import LARGE, SMALL, from_seed, programs
from gen.census import FEATURES, census
from gen.census_shapes import SHAPES, census_shapes
from hic import engines
from hilang.checker import check
from hilang.parser import parse
from hilang.printer import print_program
from lowering import pipeline
from conftest import DIFFERENTIAL_EXAMPLES, LARGE_EXAMPLES
from programs import Outcome, runnable_stages

# Generated programs run in well under a few seconds; a run this long has hung.
ENGINE_TIMEOUT = 60
# The figures native code and the lolang interpreter must agree on.
SHARED_STATS = ("allocs", "regions_created", "regions_freed", "regions_leaked", "regions_collected", "retains",
                "releases")
# What a pass may not raise above the naive lowering's.
NOT_ABOVE_NAIVE = ("regions_created", "retains", "releases")
# Reuse in place trades counts for regions, as Perceus does: a cell that
# turns out shared at run time takes the reset's shared path, which
# retains the fields the naive lowering only borrows (and releases them
# later), so from `lo.reuse` on only the regions are bounded by naive's.
# The pass refuses a parameter any call passes a copy of
# (tests/regressions/kept_tree_passed_to_a_reusing_function), but sharing
# made elsewhere (`var u = t` of a kept t) is only known at run time.
# `lo.share-rebuilt` trades the same way: a `Val(n)` rebuilt from the
# value it was matched in becomes a `copy` of that value, a retain where
# the naive lowering made a region. From the first of the two stages run
# on, only the regions are bounded by naive's.
REUSE = "lo.reuse"
TRADING = (REUSE, "lo.share-rebuilt")
NOT_ABOVE_NAIVE_AFTER_REUSE = ("regions_created",)
# A pass may keep memory a little longer than naive (PASSES.md: within a
# constant factor): a leak that grows with a loop's count breaks this.
PEAK_FACTOR = 1.5
PEAK_SLACK = 64 * 1024
NAIVE = "lo"


# Tests take the program's text: hypothesis then reports a failing
# program as text, not as a page of AST.
small_programs = programs(SMALL).map(print_program)
large_programs = programs(LARGE).map(print_program)


# What `main(args)` is given: numbers `int` accepts, strings it does not,
# and non-ASCII text, so that reading, indexing and parsing arguments is
# compared too (the engines build `args` each in its own way).
ARGUMENTS = st.lists(st.sampled_from(["0", "7", "-3", "42", "", "x", "12x", "héllo"]), max_size=3)


# Hypothesis maps many of its choice sequences to one program (a draw that
# decides nothing, as `chance(30)` at 40 and at 50, changed by its
# mutations; the all-zero program, drawn again and again): of 400 small
# programs drawn, over a third repeat one before. A program that has
# already passed with the same arguments is not run again (`assume`:
# hypothesis draws another), so the programs a test runs are distinct.
# Everything is drawn before the `assume`, so that a choice sequence always
# draws as much; only passed programs are recorded, so that a failing one
# replays as it failed while hypothesis shrinks it.
PASSED: dict[str, set] = {"small": set(), "large": set()}
REPEATS_SKIPPED = [HealthCheck.too_slow, HealthCheck.filter_too_much]


# The small programs are drawn in SHARDS tests of an equal share each, so
# that `pytest -n` spreads the longest test of the suite over its workers.
SHARDS = 2


@pytest.mark.parametrize("shard", range(SHARDS))
@settings(max_examples=-(-DIFFERENTIAL_EXAMPLES // SHARDS), suppress_health_check=REPEATS_SKIPPED)
@given(small_programs, ARGUMENTS, st.data())
def test_every_engine_at_every_stage_agrees(shard, text, args, data):
    off = passes_off(data)
    assume((text, tuple(args)) not in PASSED["small"])
    note(text)
    note(f"arguments: {args}")
    check_program(text, args, off)
    PASSED["small"].add((text, tuple(args)))


@settings(max_examples=LARGE_EXAMPLES, suppress_health_check=REPEATS_SKIPPED)
@given(large_programs, st.data())
def test_large_programs_agree(text, data):
    """Loops of 100 to 1,000 iterations, trees 8 to 12 deep: a pass that
    keeps what a loop makes shows here as a `bytes_peak` ten times too big."""
    off = passes_off(data)
    assume(text not in PASSED["large"])
    note(text)
    check_program(text, [], off)
    PASSED["large"].add(text)


def passes_off(data) -> frozenset[str]:
    """A subset of the pipeline's passes to switch off, drawn by hypothesis."""
    passes = pipeline.pass_names("generated.hi")
    if not passes:
        return frozenset()
    return data.draw(st.frozensets(st.sampled_from(passes)), label="passes switched off")


def check_program(text: str, args: list[str], off: frozenset[str]) -> None:
    """The property, on one program: every stage with every pass, then
    again with the passes `off` switched off."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.hi"
        path.write_text(text)
        outcomes = run_everywhere(path, args)
        assert_agreement(outcomes)
        if off:
            assert_agreement(run_everywhere(path, args, off, outcomes))


@given(small_programs)
def test_generated_programs_are_well_typed(text):
    """A program the checker rejects is a bug of the generator (or of the
    checker): either way the differential test would not be testing."""
    assert_well_typed(text)


@settings(max_examples=30)
@given(large_programs)
def test_large_generated_programs_are_well_typed(text):
    assert_well_typed(text)


def assert_well_typed(text: str) -> None:
    note(text)
    parsed = parse(Source("generated.hi", text))
    assert print_program(parsed) == text, "the printed program does not read back as itself"
    check(parsed)


CENSUS_SEEDS = 300
LARGE_CENSUS_SEEDS = 200
# How often each shape of issue 17 must appear, at least, in either size.
SHAPE_SHARE = 0.08


def test_the_generator_covers_the_language():
    """Every feature of `gen.census.FEATURES` shows up in a fixed sample
    of programs (drawn from seeds, so this cannot flicker)."""
    seen: Counter = Counter()
    for seed in range(CENSUS_SEEDS):
        seen.update(census(from_seed(seed)))
    missing = [f for f in FEATURES if not seen[f]]
    assert not missing, f"the generator never made: {', '.join(missing)}"


@pytest.mark.parametrize("size, seeds", [(SMALL, CENSUS_SEEDS), (LARGE, LARGE_CENSUS_SEEDS)], ids=["small", "large"])
def test_the_generator_makes_each_shape_often(size, seeds):
    """Each shape of `gen.census_shapes.SHAPES` (found in the programs'
    syntax) is in at least SHAPE_SHARE of a fixed sample of programs: a
    shape made once in a few hundred programs would not test a pass."""
    seen: Counter = Counter()
    for seed in range(seeds):
        seen.update(census_shapes(from_seed(seed, size)))
    rare = [f"{shape} ({seen[shape] / seeds:.0%})" for shape in SHAPES if seen[shape] < SHAPE_SHARE * seeds]
    assert not rare, f"made in fewer than {SHAPE_SHARE:.0%} of the programs: {', '.join(rare)}"


# How many of the small programs of the census the reuse pass must rewrite.
REUSE_SHARE = 0.08
REUSE_SEEDS = 100


def test_the_generator_makes_programs_the_reuse_pass_rewrites():
    """The path-copying shapes (`t = insert(t, k)` over a persistent
    structure) are what `lo.reuse` rewrites: a `match reset` and a `reuse`
    in at least REUSE_SHARE of a fixed sample of small programs, so the
    differential test runs its unique and shared paths on every engine."""
    from lowering.passes.remarks import counts

    rewritten = 0
    for seed in range(REUSE_SEEDS):
        source = Source("generated.hi", print_program(from_seed(seed, SMALL)))
        artifacts = pipeline.run_pipeline(source, pipeline.Options(2), until="lo.reuse")
        report = counts(artifacts[-1].remarks or [])
        rewritten += bool(report.get("reset") and report.get("reuse"))
    assert rewritten >= REUSE_SHARE * REUSE_SEEDS, f"{rewritten} of {REUSE_SEEDS}"


DISTINCT_DRAWS = 200


def test_the_ci_profile_draws_distinct_programs():
    """Small programs drawn as the `ci` profile draws them: none without a
    shape in `main`, and few enough repeats that skipping them (`PASSED`)
    costs little: hypothesis draws at most twice as many as it runs
    (about 1.5 times, measured: docs/testing.md)."""
    texts: list[str] = []
    distinct: set[str] = set()
    runs = DISTINCT_DRAWS

    @settings(max_examples=runs, phases=[Phase.generate], database=None, suppress_health_check=REPEATS_SKIPPED)
    @given(programs(SMALL))
    def draw(program):
        text = print_program(program)
        texts.append(text)
        assume(text not in distinct)
        distinct.add(text)
        main = next(f for f in program.funs if f.name == "main")
        assert len(main.body.stmts) > 1, "a program whose main does nothing but print"

    draw()
    assert len(distinct) == runs, f"hypothesis gave up after {len(distinct)} distinct programs"
    assert len(texts) <= 2 * runs, f"{len(texts) - runs} repeats drawn to get {runs} distinct programs"


# --------------------------------------------------------------------------
# running


def run_everywhere(path: Path, args: list[str] = (), off: frozenset[str] = frozenset(),
                   before: dict | None = None) -> dict[str, tuple[str, Outcome]]:
    """(engine, outcome) by stage, for every runnable stage of `path`,
    compiling once, with the passes `off` switched off. A `CompilerBug` (a
    stage's lolang rejected by the checker, say) propagates and fails the
    test. Given the outcomes of a run with every pass (`before`), only the
    lolang stages after the first pass switched off run: the stages before
    it have the same programs as `before`'s, and code generation is left
    out (it is tested on every pass's output, in the first run; compiling
    and running native code again would double the test's time)."""
    source = Source.read(str(path))
    options = pipeline.Options(disabled=off)
    same = _same_prefix(str(path), options) if before is not None else set()
    lolang = [s.name for s in pipeline.active_stages(str(path), options) if s.language == pipeline.LOLANG]
    try:
        artifacts = pipeline.run_pipeline(source, options, until=lolang[-1] if before is not None else None)
    except CompileError as error:
        raise AssertionError(f"the pipeline rejects a generated program: "
                             f"{error.diagnostics[0].headline(path.name)}") from error
    by_stage = {a.stage.name: a for a in artifacts}
    results = {}
    for stage, engine in runnable_stages(path):
        if stage not in by_stage:
            continue  # a pass switched off, or code generation in a rerun
        if stage in same:
            results[stage] = before[stage]
            continue
        with time_limit(ENGINE_TIMEOUT, f"the {engine} engine at stage {stage}"):
            results[stage] = (engine, _run(engine, by_stage[stage], list(args)))
    return results


def _same_prefix(path: str, options: pipeline.Options) -> set[str]:
    """The stages that come before the first pass switched off."""
    same = set()
    for stage in pipeline.stages_for(path):
        if stage.pass_name in options.disabled:
            break
        same.add(stage.name)
    return same


def _run(engine: str, artifact: pipeline.Artifact, args: list[str]) -> Outcome:
    out = io.BytesIO()
    try:
        stats = engines.RUNNERS[engine](artifact.program, out, args, artifact.checked)
    except ProgramError as error:
        return Outcome(out.getvalue(), error.line(), 101, getattr(error, "stats", None) or {})
    return Outcome(out.getvalue(), "", 0, stats)


class EngineHung(Exception):
    pass


@contextmanager
def time_limit(seconds: float, what: str):
    def expire(signum, frame):
        raise EngineHung(f"{what} ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------
# the property


def assert_agreement(outcomes: dict[str, tuple[str, Outcome]]) -> None:
    stages = list(outcomes)
    first = stages[0]
    observed = {s: _observable(o) for s, (_, o) in outcomes.items()}
    assert all(observed[s] == observed[first] for s in stages), _disagreement(outcomes)
    _assert_naive_allocates_as_hilang(outcomes)
    _assert_no_region_left(outcomes)
    reused = min((stages.index(s) for s in TRADING if s in outcomes), default=len(stages))
    for i, (stage, (engine, outcome)) in enumerate(outcomes.items()):
        if engine == "lolang" and stage != NAIVE and NAIVE in outcomes:
            counted = NOT_ABOVE_NAIVE if i < reused else NOT_ABOVE_NAIVE_AFTER_REUSE
            _assert_within_naive(stage, outcome, outcomes[NAIVE][1], counted)
        if engine == "native":
            source = _lolang_source(outcomes, stage)
            if source is not None:
                _assert_same_figures(source, outcomes[source][1], stage, outcome)


def _observable(outcome: Outcome) -> tuple:
    return outcome.stdout, outcome.stderr_first_line, outcome.status


def _assert_naive_allocates_as_hilang(outcomes) -> None:
    """The hilang interpreter and the naive lowering make the same objects
    (one allocation per hilang object): the only comparison of `allocs`
    between two stages, since the naive lowering optimizes nothing."""
    allocs = {s: o.stats["allocs"] for s, (e, o) in outcomes.items()
              if (e == "hilang" or s == NAIVE) and "allocs" in o.stats}
    assert len(set(allocs.values())) <= 1, f"allocation counts differ: {allocs}"


def _assert_no_region_left(outcomes) -> None:
    for stage, (engine, outcome) in outcomes.items():
        if engine in ("lolang", "native") and outcome.status == 0:
            leaked = outcome.stats.get("regions_leaked")
            assert leaked == 0, f"{engine} at {stage} leaks {leaked} regions"


def _assert_within_naive(stage: str, mine: Outcome, naive: Outcome, counted=NOT_ABOVE_NAIVE) -> None:
    """A pass never spends more than the naive lowering (PASSES.md). Where
    a run ended in a runtime error its figures are those at the error:
    there only `bytes_peak` is bounded, since a pass may make a region
    earlier than the naive program does (an output region is opened before
    the call that fills it), which a run cut short counts and a finished
    run does not (tests/test_passes.py compares finished runs alike)."""
    if not mine.stats or not naive.stats:
        return
    for key in counted if mine.status == 0 else ():
        assert mine.stats[key] <= naive.stats[key], (
            f"{stage} has {key} {mine.stats[key]:,}, above the naive lowering's {naive.stats[key]:,}")
    bound = PEAK_FACTOR * naive.stats["bytes_peak"] + PEAK_SLACK
    assert mine.stats["bytes_peak"] <= bound, (
        f"{stage} has bytes_peak {mine.stats['bytes_peak']:,}, above {PEAK_FACTOR} times the naive "
        f"lowering's {naive.stats['bytes_peak']:,} plus {PEAK_SLACK:,}: a space leak")


def _lolang_source(outcomes, native_stage: str) -> str | None:
    """The lolang stage native code was compiled from: the last one before."""
    before = list(outcomes)[: list(outcomes).index(native_stage)]
    lolang = [s for s in before if outcomes[s][0] == "lolang"]
    return lolang[-1] if lolang else None


def _assert_same_figures(lo_stage: str, lo: Outcome, native_stage: str, native: Outcome) -> None:
    if lo.status != 0:
        return  # a runtime error's figures are those reached so far, where known
    mine = {k: lo.stats.get(k) for k in SHARED_STATS}
    theirs = {k: native.stats.get(k) for k in SHARED_STATS}
    assert mine == theirs, f"figures differ: lolang at {lo_stage} {mine}, native at {native_stage} {theirs}"


def _disagreement(outcomes) -> str:
    lines = ["the engines disagree:"]
    for stage, (engine, o) in outcomes.items():
        stdout = o.stdout.decode(errors="replace")
        if len(stdout) > 600:
            stdout = stdout[:600] + "..."
        lines.append(f"--- {stage} ({engine}): status {o.status}, stderr {o.stderr_first_line!r}")
        lines.append(stdout)
    return "\n".join(lines)
