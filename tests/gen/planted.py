"""Planted bugs: lolang-to-lolang "passes" that are wrong on purpose, kept
as fixtures of the differential tester's own tests
(tests/test_planted_bugs.py), which put each into the pipeline as a stage
`lo.planted-<name>` and show the `ci` profile's property catches it.

* `leak`: every allocation of a loop body goes to one region opened
  before the loop. The lolang checker accepts it (a pack may outlive the
  block of its region), and the program prints the same: only the space
  shows it, every iteration's objects kept until the loop ends; the
  property's `bytes_peak` bound must catch it.
* `early-free`: a `drop p` moved before the statement just above it,
  which uses `p`: the region is freed one use too early.
* `lost-release`: the first `drop` of each function deleted: a
  reference never released.

The last two break linearity, so the checker rejects them (the pipeline
runs it after every lolang stage: a `CompilerBug`, a legitimate catch).
Run with the checker bypassed (`unchecked` in the tests), the dynamic
checks must catch them too: the lolang interpreter raises `CompilerBug` on
a freed region's id, and a region never released shows as
`regions_leaked > 0`. A bypassed program is run by the interpreter with
the types the checker gave the pass's input: `rewrite` keeps them for the
nodes it rebuilds (`Rebuild`), since the checker cannot type its output.
"""

from __future__ import annotations

import dataclasses
import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from lolang import ir
from lolang.summary import children


@dataclass(frozen=True)
class PlantedBug:
    """`rewrite(program, types)` returns the buggy program; `types` (the
    checker's, for `program`) gains entries for the expressions it rebuilt.
    `checker_accepts` says whether the lolang checker accepts the result."""

    name: str
    rewrite: Callable[[ir.Program, dict], ir.Program]
    checker_accepts: bool

    @property
    def stage_name(self) -> str:
        return f"lo.planted-{self.name}"


# --------------------------------------------------------------------------
# rebuilding a program bottom-up (a fixture's own: the lead's generic
# helper is not in lolang yet)


class Rebuild:
    """`Rebuild(types)(node, visit)`: `node` with every node below it
    rebuilt bottom-up by `visit(node) -> node` (applied once its children
    are rebuilt). A rebuilt expression gets the type its original had."""

    def __init__(self, types: dict):
        self.types = types

    def __call__(self, node, visit: Callable):
        changed = {}
        for f in dataclasses.fields(node):
            if f.name in ("span", "pos"):
                continue
            value = getattr(node, f.name)
            new = self._value(value, visit)
            if new is not value:
                changed[f.name] = new
        result = dataclasses.replace(node, **changed) if changed else node
        result = visit(result)
        if result is not node and id(node) in self.types:
            self.types[id(result)] = self.types[id(node)]
        return result

    def _value(self, value, visit):
        if isinstance(value, tuple):
            items = tuple(self._value(v, visit) for v in value)
            return value if all(a is b for a, b in zip(items, value)) else items
        if _is_node(value):
            return self(value, visit)
        return value


def _is_node(x) -> bool:
    return dataclasses.is_dataclass(x) and not isinstance(x, type) and not isinstance(x, ir.TYPE_TYPES)


def _mentions(node, name: str) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ir.Var) and current.name == name:
            return True
        stack.extend(children(current))
    return False


# --------------------------------------------------------------------------
# the leak


def _leak(program: ir.Program, types: dict) -> ir.Program:
    """Each outermost `while` of a function that allocates becomes
    `region leakN { while ... }`, and every `region q { B }` in its body
    `do { B }` with q renamed leakN: the objects of every iteration live
    until the loop ends, in one region."""
    fresh = itertools.count(1)

    def outside(node):
        if isinstance(node, ir.While):
            return wrap(node) if _allocates(node.body) else node
        return _map_children(node, outside)

    def wrap(loop: ir.While) -> ir.Stmt:
        region = f"leak{next(fresh)}"
        body = Rebuild({})(loop.body, lambda n: _into(n, region))
        return ir.ExprStmt(ir.Region(region, ir.Block((dataclasses.replace(loop, body=body),))))

    return _map_children(program, outside)


def _map_children(node, f: Callable):
    """`node` with `f` applied to each node directly below it."""
    changed = {}
    for field in dataclasses.fields(node):
        if field.name in ("span", "pos"):
            continue
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            new = tuple(f(v) if _is_node(v) else v for v in value)
            if any(a is not b for a, b in zip(new, value)):
                changed[field.name] = new
        elif _is_node(value):
            new = f(value)
            if new is not value:
                changed[field.name] = new
    return dataclasses.replace(node, **changed) if changed else node


def _allocates(body: ir.Block) -> bool:
    stack = [body]
    while stack:
        current = stack.pop()
        if isinstance(current, ir.Region):
            return True
        stack.extend(children(current))
    return False


def _into(node, region: str):
    """A site's region block opened into `region` instead; every mention
    of its own region renamed."""
    if isinstance(node, ir.Region):
        return ir.Do(Rebuild({})(node.body, lambda n: _renamed(n, node.name, region)))
    return node


def _renamed(node, old: str, new: str):
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        if f.name in ("region", "into") and value == old:
            changes[f.name] = new
        elif f.name == "regions" and isinstance(value, tuple) and old in value:
            changes[f.name] = tuple(new if r == old else r for r in value)
        elif f.name == "type" and value is not None and not _is_node(value):
            changes[f.name] = _type_renamed(value, old, new)
    return dataclasses.replace(node, **changes) if changes else node


def _type_renamed(t, old: str, new: str):
    return ir.rename_regions(t, {old: new}) if isinstance(t, ir.RefType) else t


# --------------------------------------------------------------------------
# a region freed one use too early, and a release forgotten


def _early_free(program: ir.Program, types: dict) -> ir.Program:
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
        return dataclasses.replace(node, stmts=tuple(stmts))

    return Rebuild(types)(program, visit)


def _lost_release(program: ir.Program, types: dict) -> ir.Program:
    """The first `drop` statement of each function, in the order the
    function is written, deleted."""
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            first = next((n for n in _walk(decl.body) if isinstance(n, ir.Drop)), None)
            if first is not None:
                def visit(node, first=first):
                    if isinstance(node, ir.Block) and any(s is first for s in node.stmts):
                        return dataclasses.replace(node, stmts=tuple(s for s in node.stmts if s is not first))
                    return node

                decl = dataclasses.replace(decl, body=Rebuild(types)(decl.body, visit))
        decls.append(decl)
    return dataclasses.replace(program, decls=tuple(decls))


def _walk(node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


# --------------------------------------------------------------------------
# putting one into the pipeline


@contextmanager
def planted(bug: PlantedBug, checked: bool = True) -> Iterator[None]:
    """While open, the pipeline has `bug` as its last optimization pass,
    just before code generation. Unless `checked`, the lolang checker does
    not look at the planted stage, code generation is left out (it checks
    its input itself), and the lolang interpreter runs the planted stage's
    program with the types the checker gave the pass's input."""
    from hic import engines
    from lolang import checker, interpreter
    from lowering import pipeline
    from lowering import stages as stages_module

    made: dict[int, tuple] = {}  # id(program) -> (program, types)

    def run(program):
        types: dict = {}
        checker.check(program, types)
        result = bug.rewrite(program, types)
        made[id(result)] = (result, types)
        return result

    stage = pipeline.Stage(bug.stage_name, pipeline.LOLANG, run, engine="lolang", optimization=True)
    real_stages, real_check, real_lolang = stages_module.stages, pipeline._check_lolang, engines.RUNNERS["lolang"]

    def stages():
        found = real_stages()
        codegen = next(i for i, s in enumerate(found) if s.language != pipeline.LOLANG)
        return found[:codegen] + [stage] + (found[codegen:] if checked else [])

    def check(stage, program):
        if stage.name != bug.stage_name:
            real_check(stage, program)

    def lolang(program, out, args):
        if id(program) in made:
            return interpreter.run(program, out, args, types=made[id(program)][1])
        return real_lolang(program, out, args)

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
