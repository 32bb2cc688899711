"""What the shapes share: the `Group` a production returns, the size a
production may take (`iterations`, `depth`: drawn from the program's
`Size` and trimmed to the work left), loops of either kind, pseudo-random
keys, and random statements put inside hot code (`filler`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from hilang import ast
from hilang.types import S64, Type

from .. import stmts, syntax as x
from ..context import Ctx, Local, Scope
from ..structures import Structure

# Multipliers and increments of linear congruential generators modulo
# 2**31 with a full period (the multiplier is 1 mod 4, the increment odd):
# keys drawn from them make search trees about 2 ln n deep, not n.
LCG_MULTIPLIERS = (1103515245, 69069, 214013, 22695477)
LCG_INCREMENTS = (12345, 1, 2531011)
LCG_MODULUS = 2**31
MODULI = (97, 211, 1009, 4099, 10007)


@dataclass
class Group:
    """A production's statements for the place it is put in (`main`'s
    body or a scene function's), and the scope after them: the values it
    leaves for random code to use."""

    stmts: list[ast.Stmt]
    scope: Scope


# --------------------------------------------------------------------------
# how big


def iterations(cx: Ctx, cost_each: int) -> int:
    """A loop count from the program's `Size`, as many as the work left
    allows at `cost_each` allocations an iteration; spent from the work."""
    lo, hi = cx.size.iterations
    n = cx.integer(lo, hi)
    n = max(0, min(n, cx.work // max(cost_each, 1)))
    cx.work -= n * cost_each
    return n


def depth(cx: Ctx, cost: Callable[[int], int], most: int | None = None) -> int:
    """A recursion depth from the program's `Size` (at most `most`), cut
    until its `cost` in allocations fits the work left; spent from it."""
    lo, hi = cx.size.depth
    if most is not None:
        hi = min(hi, most)
        lo = min(lo, hi)
    d = cx.integer(lo, hi)
    while d > 0 and cost(d) > cx.work:
        d -= 1
    cx.work -= cost(d)
    return d


def tree_nodes(arity: int, d: int) -> int:
    """Allocations of a full tree `d` deep (its leaves included)."""
    return d + 1 if arity == 1 else (arity ** (d + 1) - 1) // (arity - 1)


def log2(n: int) -> int:
    return max(1, math.ceil(math.log2(max(n, 2))))


# --------------------------------------------------------------------------
# loops


def loop(cx: Ctx, sc: Scope, count: int, body: Callable[[Scope, str], list[ast.Stmt]]) -> list[ast.Stmt]:
    """`count` iterations of `body(scope, i)` (i names the iteration
    number, from 0): a `for` range or a `while` loop over a counter. The
    body's scope is hot (`context`): random expressions in it call nothing."""
    i = cx.name("i")
    if cx.chance(70):
        inner = looping(sc).add(Local(i, S64, "index"))
        return [x.for_range(i, x.n(0), x.n(count), body(inner, i))]
    k = cx.name("k")
    inner = looping(sc).add(Local(k, S64, "counter")).add(Local(i, S64, "let"))
    step = [x.let(i, x.v(k)), x.assign(k, x.op(x.v(k), "+", x.n(1)))]
    return [x.var(k, x.n(0)), x.while_(x.op(x.v(k), "<", x.n(count)), step + body(inner, i))]


def looping(sc: Scope) -> Scope:
    from dataclasses import replace

    return replace(sc, loops=sc.loops + 1).heated()


def filler(cx: Ctx, sc: Scope, most: int = 2) -> list[ast.Stmt]:
    """Up to `most` random statements in hot code (`context`: no calls,
    loops, prints or jumps), from a budget of their own."""
    saved, cx.budget = cx.budget, most
    found = stmts.block(cx, sc.heated(), most)[0]
    cx.budget = saved
    return found


# --------------------------------------------------------------------------
# values


def seed(cx: Ctx, sc: Scope) -> ast.Expr:
    """An S64 to start from: a literal, or a number random code computed."""
    numbers = sc.find(lambda local: local.ty == S64 and local.kind in ("let", "var", "param"))
    if numbers and cx.chance(30):
        return x.op(x.v(cx.choice(numbers).name), "%", x.n(cx.choice([100, 1000])))
    return x.n(cx.choice([0, 1, 7, 42, 12345]))


class Keys:
    """Pseudo-random keys below a modulus: `start` declares the state,
    `step` advances it, `key()` reads one. The state stays below 2**31, so
    `state * multiplier` never wraps."""

    def __init__(self, cx: Ctx, sc: Scope, modulus: int | None = None):
        self.state = cx.name("r")
        self.multiplier = cx.choice(list(LCG_MULTIPLIERS))
        self.increment = cx.choice(list(LCG_INCREMENTS))
        self.modulus = modulus or cx.choice(list(MODULI))
        self.first = seed(cx, sc)

    def start(self) -> ast.Stmt:
        return x.var(self.state, x.op(self.first, "%", x.n(LCG_MODULUS)))

    def step(self) -> ast.Stmt:
        scaled = x.op(x.op(x.v(self.state), "*", x.n(self.multiplier)), "+", x.n(self.increment))
        return x.assign(self.state, x.op(scaled, "%", x.n(LCG_MODULUS)))

    def key(self) -> ast.Expr:
        # The state may start negative (a seed from random code): the key
        # is then negative too, which a search tree takes as well.
        return x.op(x.v(self.state), "%", x.n(self.modulus))


def scope_with(sc: Scope, *names: tuple[str, Type], kind: str = "let") -> Scope:
    for name, ty in names:
        sc = sc.add(Local(name, ty, kind))
    return sc


def pick_structure(cx: Ctx, arity: int | None = None, trees: bool = False) -> Structure:
    """One of the program's structures: of `arity` if there is one, a
    tree (arity above 1) if `trees`."""
    ok = [st for st in cx.structures if (arity is None or st.arity == arity) and (not trees or st.arity > 1)]
    return cx.choice(ok or cx.structures)
