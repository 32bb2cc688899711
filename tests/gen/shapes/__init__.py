"""The shapes: grammar productions for the programs the region passes
rewrite and the traps they must not fall into (issue 17; ../shared/PASSES.md).

Random code alone (the rest of `gen`) almost never builds a structure from
recursive calls, copies a path, replaces a structure in a loop or nests
containers of structures, and its loops run a few times: a leak that grows
with a loop's count cannot be told from a constant there. Each production
here writes one such pattern, with its own functions, its own loops and
random statements inside them, at the sizes the program's `Size` allows:
loops of `Size.iterations`, trees `Size.depth` deep, within `Size.work`
allocations (estimated) for the whole program.

`main` gets one to `Size.shapes` of them (`plan`), each at its top level
or in a *scene* function of its own that `main` calls once (`place`),
between stretches of random statements; a runtime error late in the
program, when drawn, comes last.
"""

from __future__ import annotations

from typing import Callable

from hilang import ast
from hilang.types import UNIT

from .. import syntax as x
from ..context import Ctx, Fn, Scope
from . import builders, containers, escapes, paths, traps
from .common import Group

Production = Callable[[Ctx, Scope], Group]

# (name, weight, production): the names are the census's (`gen.census_shapes`).
PRODUCTIONS: tuple[tuple[str, int, Production], ...] = (
    ("recursive builder", 5, builders.recursive_builder),
    ("shared subtrees", 3, builders.shared_subtrees),
    ("mutual recursion", 3, builders.mutual_recursion),
    ("path copying", 5, paths.path_copying),
    ("replacement in a loop", 2, paths.replace_in_loop),
    ("accumulating window", 3, traps.accumulating_window),
    ("replaced map values", 3, traps.replaced_map_values),
    ("growing string", 3, traps.growing_string),
    ("scratch with a survivor", 3, traps.scratch_with_survivor),
    ("generations", 3, traps.generations),
    ("nested containers", 6, containers.nested_containers),
    ("stored twice", 2, containers.stored_twice),
    ("leaving loops early", 3, escapes.leave_loops_early),
    ("returning from inside", 3, escapes.return_from_inside),
)
FAILING_LATE = 15  # percent of programs that end in a runtime error drawn on purpose


def plan(cx: Ctx) -> list[Production]:
    """The productions `main` will hold, in order (at least one)."""
    chosen = [cx.pick([(w, lambda p=p: p) for _, w, p in PRODUCTIONS]) for _ in range(1 + cx.below(cx.size.shapes))]
    if cx.chance(FAILING_LATE):
        chosen.append(escapes.fail_late)
    return chosen


def place(cx: Ctx, sc: Scope, production: Production, share: int) -> tuple[list[ast.Stmt], Scope, int]:
    """`production` put into `main` (whose scope is `sc`), or into a scene
    function that main calls; with `share` allocations of work. Returns
    main's statements, its scope after them and the work left unspent."""
    cx.work = share
    if cx.chance(70):
        group = production(cx, sc)
        return group.stmts, group.scope, cx.work
    name = cx.name("scene")
    scene = Scope(Fn(name, (), UNIT, "shape", 0), nest=sc.nest, room=sc.room)
    group = production(cx, scene)
    cx.shape_decls.append(x.fun(name, [], UNIT, group.stmts))
    return [x.do(x.call(name))], sc, cx.work
