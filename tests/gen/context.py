"""What the generator knows while it draws one program.

Every choice goes through `Ctx`, which draws from hypothesis primitives whose
smallest value is the simplest choice (the first option, no statement, a
literal, `False`): hypothesis shrinks a failing program by shrinking those
draws, so failures shrink towards few statements, small literals and shallow
expressions.

Why the call graph is layered (termination): functions come in tiers.
*Helpers* call only helpers declared before them. *Recursive* functions take
a `fuel` parameter, return at once when it is not positive, and call each
other (mutual recursion included) only with `fuel - 1`; they may call any
helper. *Drivers* call earlier drivers, helpers, and recursive functions
with a small literal fuel; `main` may call anything. Every cycle of the
call graph is among recursive functions and spends fuel, so every program
terminates. Loops are bounded likewise (see `stmts`).

Why some scopes are *hot*: the shapes (`gen.shapes`) run loops hundreds
of times and recursion thousands of times, and put random statements
inside them. There random code may not call functions, loop, print,
return, break or continue, nor grow a container declared outside the hot
scope: any of those could multiply a program's running time by a loop's
count, or make its loop end at once. `Scope.hot` counts the hot scopes
around a statement, `Local.hot` is the count where a variable was declared.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from typing import Callable

from hilang.types import Type

from .types import Data


@dataclass(frozen=True)
class Local:
    """A name in scope. `kind` is let, var, param, loop, index (a loop
    counter known to be >= 0), counter (a while loop's counter: never
    assigned by generated code) or pattern. `fresh` is the for-each depth
    at which a container newly made was bound to it, or -1."""

    name: str
    ty: Type
    kind: str
    fresh: int = -1
    hot: int = 0


@dataclass
class Fn:
    """A function's signature and place in the call graph (module doc)."""

    name: str
    params: tuple[tuple[str, Type], ...]
    ret: Type
    tier: str  # helper, rec, driver, main
    index: int
    tvars: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Where a statement or expression is being generated.
    `loops` counts enclosing loops, `foreach` enclosing for-each loops over
    arrays (inside those, nothing may grow an array that could be the one
    iterated: see `stmts`), `mapeach` enclosing for-each loops over maps
    (inside those, no loop walks a map and no function takes a `mut` map:
    each could double a map the outer loop then walks again), `nest` how
    many more loops may nest here and
    `room` how many more compound statements. `main` does not `return`
    before its shapes have run (`returns`)."""

    fn: Fn
    locals: tuple[Local, ...] = ()
    loops: int = 0
    foreach: int = 0
    mapeach: int = 0
    nest: int = 2
    room: int = 3
    hot: int = 0
    returns: bool = True  # whether random code may `return` here

    def add(self, local: Local) -> "Scope":
        kept = tuple(x for x in self.locals if x.name != local.name)
        return replace(self, locals=kept + (replace(local, hot=self.hot),))

    def heated(self) -> "Scope":
        """This scope inside a loop or recursion that runs many times."""
        return replace(self, hot=self.hot + 1, nest=0, room=min(self.room, 1))

    def find(self, ok: Callable[[Local], bool]) -> list[Local]:
        return [x for x in self.locals if ok(x)]


@dataclass
class Ctx:
    """`integer(lo, hi)` draws an int in [lo, hi]: from hypothesis in
    `programs()`, from a seeded `random.Random` in `from_seed()`."""

    integer: Callable[[int, int], int]
    size: object = None  # the program's `programs.Size`
    datas: list[Data] = field(default_factory=list)
    funs: list[Fn] = field(default_factory=list)
    risky: bool = False
    budget: int = 40
    rec_calls: int = 0  # recursive call sites left in the current body
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    # The shapes' own: their structures, the functions they declared
    # (`library` by role, so each is declared once), and how many
    # allocations the program's shapes may still make (an estimate).
    structures: list = field(default_factory=list)
    shape_decls: list = field(default_factory=list)
    library: dict = field(default_factory=dict)
    work: int = 0

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter)}"

    def below(self, n: int) -> int:
        return self.integer(0, n - 1) if n > 1 else 0

    def chance(self, percent: int) -> bool:
        """True with about `percent`% probability; shrinks to False."""
        return self.integer(0, 99) >= 100 - percent

    def choice(self, items: list):
        return items[self.below(len(items))]

    def pick(self, options: list[tuple[int, Callable[[], object]]]):
        """Call one of the weighted thunks; shrinks towards the first."""
        total = sum(w for w, _ in options)
        roll = self.below(total)
        for weight, thunk in options:
            if roll < weight:
                return thunk()
            roll -= weight
        raise AssertionError("unreachable")

    def data(self, name: str) -> Data | None:
        return next((d for d in self.datas if d.name == name), None)
