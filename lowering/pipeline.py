"""The pipeline: every stage of hic as one list, and the one loop that runs it.

A stage is a name, the language of what it produces, and a function from the
previous stage's program to its own. `--dump`, `--emit`, `--stage`,
`--no-pass` and `-O` are all served from this list (STYLE.md habit 2): no
stage is special-cased anywhere else. The lolang checker runs after every
lolang stage; a failure there is a compiler bug naming the stage (habit 12).

Which stages exist depends on the input: a `.hi` file starts at `ast`, a `.lo`
file at `lo` (so one pass can be run alone on a `.lo` file, habit 9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from diagnostics import CompileError, CompilerBug, Source
from diagnostics.deep_stack import run_with_deep_stack
from diagnostics.gc_pause import cyclic_gc_paused

HILANG = "hilang"
LOLANG = "lolang"


@dataclass(frozen=True)
class Stage:
    """One step. `run` maps the previous stage's program to this stage's;
    `engine` names the interpreter that can run the result (None: none can);
    `optimization` marks a pass that `-O0` and `--no-pass` may skip."""

    name: str
    language: str
    run: Callable[[Any], Any]
    engine: str | None = None
    optimization: bool = False
    min_level: int = 0
    # `run(program, checked)`: the stage reads the checker's result for its
    # input (`lolang.checker.CheckResult`) rather than checking it again.
    takes_checked: bool = False

    @property
    def pass_name(self) -> str | None:
        """What `--no-pass` calls an optimization stage: `lo.merge-regions`
        is the pass `merge-regions`. None for the other stages."""
        return self.name.split(".", 1)[-1] if self.optimization else None


@dataclass
class Artifact:
    """What a stage produced, kept for dumping and running: the program;
    for a lolang stage, the checker's result for it (`checked`, valid for
    this very program object); for a pass, what it changed (`remarks`)."""

    stage: Stage
    program: Any
    checked: Any = None
    remarks: Any = None


@dataclass
class Options:
    level: int = 2
    disabled: frozenset[str] = field(default_factory=frozenset)


# --------------------------------------------------------------------------
# The stages


def _typed(program):
    from hilang.checker import check

    return check(program)


def _mono(program):
    from hilang.checker import check
    from hilang.mono import monomorphize

    return check(monomorphize(program))


def hilang_stages() -> list[Stage]:
    """The front end: parsed, checked, monomorphized hilang."""
    return [
        Stage("typed", HILANG, _typed, engine="hilang"),
        Stage("mono", HILANG, _mono, engine="hilang"),
    ]


def lolang_stages() -> list[Stage]:
    """The naive lowering, the optimization passes and code generation, in
    order; passes append there without touching the loop. (Imported here:
    `lowering.stages` imports `Stage` from this module.)"""
    from lowering.stages import stages

    return stages()


def stages_for(path: str) -> list[Stage]:
    """Every stage after parsing for an input file, in order."""
    if path.endswith(".lo"):
        return [s for s in lolang_stages() if s.name != "lo"]
    return hilang_stages() + lolang_stages()


def parse_file(source: Source):
    """The `ast` stage (for `.hi`) or the `lo` stage (for `.lo`)."""
    if source.name.endswith(".lo"):
        from lolang.checker import check
        from lolang.parser import parse

        program = run_with_deep_stack(lambda: parse(source))
        checked = run_with_deep_stack(lambda: check(program))
        return Artifact(Stage("lo", LOLANG, lambda p: p, engine="lolang"), program, checked)
    from hilang.parser import parse

    return Artifact(Stage("ast", HILANG, lambda p: p), parse(source))


def stage_names(path: str) -> list[str]:
    first = "lo" if path.endswith(".lo") else "ast"
    return [first] + [s.name for s in stages_for(path)]


def pass_names(path: str) -> list[str]:
    """The optimization passes `--no-pass` may name, in pipeline order."""
    return [s.pass_name for s in stages_for(path) if s.optimization]


def active_stages(path: str, options: Options) -> list[Stage]:
    """The stages after parsing that run for `path` under `options`:
    optimization passes below their `-O` level or disabled are left out."""
    return [stage for stage in stages_for(path)
            if not (stage.optimization and (options.level < stage.min_level or stage.pass_name in options.disabled))]


def last_stage_run_by(path: str, options: Options, engine: str) -> str:
    """Where `hic run --engine` stops the pipeline: the last active stage
    `engine` can run, else the parsed stage (the `lo` of a `.lo` file)."""
    names = [stage.name for stage in active_stages(path, options) if stage.engine == engine]
    return names[-1] if names else stage_names(path)[0]


def run_pipeline(source: Source, options: Options, until: str | None = None) -> list[Artifact]:
    """Run every stage up to and including `until` (all when None); return
    the artifacts in order. Optimization passes are skipped below their
    `-O` level or when disabled by `--no-pass`."""
    with cyclic_gc_paused():
        artifacts = [parse_file(source)]
        if until == artifacts[0].stage.name:
            return artifacts
        for stage in active_stages(source.name, options):
            artifacts.append(_run_stage(stage, artifacts[-1]))
            if stage.name == until:
                break
        return artifacts


def _run_stage(stage: Stage, previous: Artifact) -> Artifact:
    # Every stage walks trees recursively; a 20,000-deep program must reach
    # no Python limit in any of them, so the loop gives each a deep stack.
    def run():
        if stage.takes_checked:
            return stage.run(previous.program, previous.checked)
        return stage.run(previous.program)

    try:
        result = run_with_deep_stack(run)
        remarks = None
        if isinstance(result, PassResult):
            result, remarks = result.program, result.remarks
        checked = None
        if stage.language == LOLANG and result is previous.program and previous.checked is not None:
            checked = previous.checked  # a pass that changed nothing: the program checked already
        elif stage.language == LOLANG:
            checked = run_with_deep_stack(lambda: _check_lolang(stage, result))
        return Artifact(stage, result, checked, remarks)
    except CompilerBug as bug:
        raise bug.with_stage(stage.name) from None
    except RecursionError as exc:
        raise CompilerBug(f"recursion too deep: {exc}", stage.name) from exc


@dataclass
class PassResult:
    """What an optimization pass returns: the new program, and what it
    changed (`remarks`, a list the pass defines; `--dump` shows it, tests
    read it)."""

    program: Any
    remarks: list = field(default_factory=list)


def _check_lolang(stage: Stage, program):
    from lolang.checker import check

    try:
        return check(program)
    except CompileError as err:
        raise CompilerBug(f"the lolang checker rejects the output of '{stage.name}': {err}", stage.name) from err
