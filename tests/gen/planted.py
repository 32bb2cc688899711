"""Planted bugs: lolang-to-lolang "passes" that are wrong on purpose, kept
as fixtures of the differential tester's own tests
(tests/test_planted_bugs.py), which put each into the pipeline as a stage
`lo.planted-<name>` and show the `ci` profile's property catches it.

* `leak`: every allocation of a loop body goes to one region opened
  before the loop. The lolang checker accepts it (a pack may outlive the
  block of its region), and the program prints the same: only the space
  shows it, every iteration's objects kept until the loop ends, which the
  property's `bytes_peak` bound must catch. (Where an object of that
  region holds a pack of it, the region also outlives the program: a
  region left at the end, which the property catches too.)
* `early-free`: a `drop p` moved before the statement just above it,
  which uses `p`: the region is freed one use too early.
* `lost-release`: the first `drop x` of each function deleted: a
  reference never released.

The last two break linearity, so the checker rejects them (the pipeline
runs it after every lolang stage: a `CompilerBug`, a legitimate catch).
Run with the checker bypassed (`unchecked` in the tests), the dynamic
checks must catch them too: the lolang interpreter raises `CompilerBug` on
a freed region's id, and a region never released shows as
`regions_leaked > 0`. A bypassed program is run by the interpreter with
the facts the checker found in the pass's input (`lolang.checker.result`):
`rewrite` carries them over to the nodes it rebuilds, since the checker
cannot give them for its output.
"""

from __future__ import annotations

import dataclasses
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from lolang import ir
from lolang.checker.result import CheckResult
from lolang.traverse import map_children, walk


@dataclass(frozen=True)
class PlantedBug:
    """`rewrite(program, checked)` returns the buggy program and the
    checker's facts for it (`checked`'s, carried over to the nodes it
    rebuilt: valid enough to run it, even where the checker would reject
    it). `checker_accepts` says whether the lolang checker accepts it."""

    name: str
    rewrite: Callable[[ir.Program, CheckResult], tuple[ir.Program, CheckResult]]
    checker_accepts: bool

    @property
    def stage_name(self) -> str:
        return f"lo.planted-{self.name}"


def _transform(node, fn: Callable, facts: CheckResult | None = None):
    """`lolang.traverse.transform`, but a rebuilt node keeps the facts
    (`facts`' type and region binder) of the node it replaces."""
    result = fn(map_children(node, lambda c: _transform(c, fn, facts)))
    if facts is not None and result is not node:
        if id(node) in facts.types:
            facts.types[id(result)] = facts.types[id(node)]
        if id(node) in facts.binders:
            facts.binders[id(result)] = facts.binders[id(node)]
    return result


def _copy(checked: CheckResult) -> CheckResult:
    return CheckResult(checked.program, dict(checked.types), dict(checked.binders), dict(checked.params))


def _with(program: ir.Program, facts: CheckResult) -> tuple[ir.Program, CheckResult]:
    facts.program = program
    return program, facts


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, ir.Var) and n.name == name for n in walk(node))


# --------------------------------------------------------------------------
# the leak


def _leak(program: ir.Program, checked: CheckResult) -> tuple[ir.Program, CheckResult]:
    """Each outermost `while` of a function that allocates becomes
    `region leakN { while ... }`, and every `region q { B }` in its body
    `do { B }` with q renamed leakN: the objects of every iteration live
    until the loop ends, in one region. (The checker accepts it: nothing
    for the interpreter to carry over.)"""
    fresh = itertools.count(1)

    def outside(node):
        if isinstance(node, ir.While):
            return wrap(node) if any(isinstance(n, ir.Region) for n in walk(node.body)) else node
        return map_children(node, outside)

    def wrap(loop: ir.While) -> ir.Stmt:
        region = f"leak{next(fresh)}"
        body = _transform(loop.body, lambda n: _into(n, region))
        return ir.ExprStmt(ir.Region(region, ir.Block((dataclasses.replace(loop, body=body),))))

    return outside(program), checked


def _into(node, region: str):
    """A site's region block opened into `region` instead: `do { B }`,
    every mention of its own region in B renamed."""
    if isinstance(node, ir.Region):
        return ir.Do(_transform(node.body, lambda n: _renamed(n, node.name, region)))
    return node


def _renamed(node, old: str, new: str):
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if f.name in ("region", "into") and value == old:
            changes[f.name] = new
        elif f.name == "regions" and isinstance(value, tuple) and old in value:
            changes[f.name] = tuple(new if r == old else r for r in value)
        elif f.name == "type" and isinstance(value, ir.RefType):
            changes[f.name] = ir.rename_regions(value, {old: new})
    return dataclasses.replace(node, **changes) if changes else node


# --------------------------------------------------------------------------
# a region freed one use too early, and a release forgotten


def _early_free(program: ir.Program, checked: CheckResult) -> tuple[ir.Program, CheckResult]:
    """`use(p); drop p;` becomes `drop p; use(p);`, in every block."""
    def visit(node):
        if not isinstance(node, ir.Block):
            return node
        stmts = list(node.stmts)
        for i in range(1, len(stmts)):
            drop = stmts[i]
            if (isinstance(drop, ir.Drop) and isinstance(drop.value, ir.Var)
                    and not isinstance(stmts[i - 1], ir.Drop) and _mentions(stmts[i - 1], drop.value.name)):
                stmts[i - 1], stmts[i] = stmts[i], stmts[i - 1]
        return dataclasses.replace(node, stmts=tuple(stmts)) if stmts != list(node.stmts) else node

    facts = _copy(checked)
    return _with(_transform(program, visit, facts), facts)


def _lost_release(program: ir.Program, checked: CheckResult) -> tuple[ir.Program, CheckResult]:
    """The first `drop x` of each function (of a variable: `drop f(..)`
    also runs a call), in the order the function is written, deleted."""
    facts = _copy(checked)

    def per_function(decl):
        if not isinstance(decl, ir.FunDecl):
            return decl
        first = next((n for n in walk(decl.body) if isinstance(n, ir.Drop) and isinstance(n.value, ir.Var)), None)
        if first is None:
            return decl

        def visit(node):
            if isinstance(node, ir.Block) and any(s is first for s in node.stmts):
                return dataclasses.replace(node, stmts=tuple(s for s in node.stmts if s is not first))
            return node

        return _transform(decl, visit, facts)

    return _with(map_children(program, per_function), facts)


# --------------------------------------------------------------------------
# putting one into the pipeline


@contextmanager
def planted(bug: PlantedBug, checked: bool = True) -> Iterator[None]:
    """While open, the pipeline has `bug` as its last optimization pass,
    just before code generation. Unless `checked`, the lolang checker does
    not look at the planted stage, code generation is left out (it checks
    its input itself), and the lolang interpreter runs the planted stage's
    program with the facts `rewrite` carried over from the pass's input."""
    from hic import engines
    from lowering import pipeline
    from lowering import stages as stages_module

    made: dict[int, CheckResult] = {}  # id(program) -> its carried-over facts

    def run(program, facts):
        result, carried = bug.rewrite(program, facts)
        made[id(result)] = carried
        return result

    stage = pipeline.Stage(bug.stage_name, pipeline.LOLANG, run, engine="lolang", optimization=True,
                           takes_checked=True)
    real_stages, real_check, real_lolang = stages_module.stages, pipeline._check_lolang, engines.RUNNERS["lolang"]

    def stages():
        found = real_stages()
        codegen = next(i for i, s in enumerate(found) if s.language != pipeline.LOLANG)
        return found[:codegen] + [stage] + (found[codegen:] if checked else [])

    def check(stage, program):
        return None if stage.name == bug.stage_name else real_check(stage, program)

    def lolang(program, out, args, facts=None):
        if id(program) in made and made[id(program)].program is program:
            facts = made[id(program)]
        return real_lolang(program, out, args, facts)

    stages_module.stages = stages
    if not checked:
        pipeline._check_lolang = check
        engines.RUNNERS["lolang"] = lolang
    try:
        yield
    finally:
        stages_module.stages = real_stages
        pipeline._check_lolang = real_check
        engines.RUNNERS["lolang"] = real_lolang


LEAK = PlantedBug("leak", _leak, checker_accepts=True)
EARLY_FREE = PlantedBug("early-free", _early_free, checker_accepts=False)
LOST_RELEASE = PlantedBug("lost-release", _lost_release, checker_accepts=False)
BUGS = (LEAK, EARLY_FREE, LOST_RELEASE)
