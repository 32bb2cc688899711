"""Whole programs: data types (random ones, then the shapes' structures),
function signatures in tiers (see `context` for why), then each body, then
`main`: random statements and shapes (`gen.shapes`) in turn.

`programs(size)` is the hypothesis strategy, `from_seed(seed, size)` the
same without hypothesis; `Size` bounds how big a program may get (the
differential test's running time grows with it): `SMALL` and `LARGE`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from hilang import ast
from hilang.types import S64, STRING, UNIT, ArrayType, MapType, Prim, Type, TypeVar

from . import shapes, stmts
from .context import Ctx, Fn, Local, Scope
from .datatypes import choose_type, draw_datas, param_caps
from .exprs import can_build, expr, leaf
from .structures import draw_structures
from .types import declaration, prefix, written

TIERS = (("helper", "help"), ("rec", "walk"), ("driver", "run"))
RECURSIVE_CALL_SITES = 2


@dataclass(frozen=True)
class Size:
    """How big a program may get. Random code: `functions` per tier at
    most; statements per function (`statements`, `main_statements`: the
    budget its blocks draw from, nested ones included), and in its body's
    outermost block (`block`, `main_block`). The shapes (`gen.shapes`):
    one to `shapes` of them in `main`, their loops run a number of times
    drawn from `iterations`, their trees are `depth` deep (both ranges
    inclusive), and all of them together allocate about `work` objects at
    most (an estimate each shape makes of itself)."""

    functions: int = 3
    statements: int = 20
    main_statements: int = 30
    block: int = 7
    main_block: int = 12
    shapes: int = 3
    iterations: tuple[int, int] = (0, 4)
    depth: tuple[int, int] = (0, 4)
    work: int = 400


# Programs that run in about 0.1 s on every engine, the differential
# test's many; and programs whose loops run 100 to 1,000 times and whose
# trees are 8 to 12 deep, so that a leak growing with either shows as a
# factor of 10 (docs/testing.md has what each costs).
SMALL = Size(functions=2, statements=16, main_statements=24, block=6, main_block=10)
LARGE = Size(functions=2, statements=15, main_statements=20, shapes=4,
             iterations=(100, 1000), depth=(8, 12), work=40_000)


@st.composite
def programs(draw, size: Size = SMALL) -> ast.Program:
    return generate(lambda lo, hi: draw(st.integers(lo, hi)), size)


def from_seed(seed: int, size: Size = SMALL) -> ast.Program:
    """One program from a seed, without hypothesis: for censuses and for
    looking at what the generator makes (`gen/sample.py`)."""
    rng = random.Random(seed)
    return generate(rng.randint, size)


def generate(integer, size: Size) -> ast.Program:
    cx = Ctx(integer, size=size)
    cx.risky = cx.chance(25)
    cx.datas = draw_datas(cx)
    cx.structures = draw_structures(cx)
    cx.datas += [s.data for s in cx.structures]
    for tier, stem in TIERS:
        for index in range(cx.below(size.functions + 1)):
            cx.funs.append(_signature(cx, tier, stem, index))
    main = _main_signature(cx)
    cx.funs.append(main)
    bodies = []
    for f in cx.funs:
        cx.budget = size.main_statements if f is main else size.statements
        bodies.append(_main(cx, f, size) if f is main else _function(cx, f, size.block))
    # Shapes declare data types and functions as they go: all are known now.
    decls: list = [declaration(d) for d in cx.datas]
    return ast.Program(tuple(decls + bodies[:-1] + cx.shape_decls + bodies[-1:]))


def _signature(cx: Ctx, tier: str, stem: str, index: int) -> Fn:
    tvars: tuple[str, ...] = ()
    if tier != "driver" and cx.chance(35):
        tvars = ("a", "b")[: 1 + cx.below(2)]
    f = Fn(f"{stem}{index + 1}", (), UNIT, tier, index, tvars)
    sc = Scope(f)
    params: list[tuple[str, Type]] = [("fuel", S64)] if tier == "rec" else []
    # Each type variable is the whole type of a parameter, so every call
    # fixes it by an exactly typed argument (`exprs.expr`'s `exact`).
    params += [(cx.name(v), TypeVar(v)) for v in tvars]
    for _ in range(cx.below(3)):
        ty = _with_param_caps(cx, choose_type(cx, sc, depth=1 + cx.below(2)))
        params.append((cx.name(prefix(ty)), ty))
    f.params = tuple(params)
    sc = _scope_of(f)
    if not cx.chance(30):
        ret = choose_type(cx, sc, depth=1 + cx.below(2))
        f.ret = ret if can_build(cx, sc, ret) else S64
    return f


def _with_param_caps(cx: Ctx, ty: Type) -> Type:
    """A container parameter may ask for any capabilities."""
    if isinstance(ty, (ArrayType, MapType)):
        return replace(ty, caps=param_caps(cx))
    return ty


def _main_signature(cx: Ctx) -> Fn:
    params = (("args", ArrayType(STRING)),) if cx.chance(10) else ()
    return Fn("main", params, UNIT, "main", 0)


def _scope_of(f: Fn) -> Scope:
    locals_ = tuple(Local(name, ty, "param") for name, ty in f.params)
    outer = f.tier in ("main", "driver")
    return Scope(f, locals_, nest=2 if outer else 1, room=3 if outer else 2)


def _function(cx: Ctx, f: Fn, most: int) -> ast.FunDecl:
    sc = _scope_of(f)
    cx.rec_calls = RECURSIVE_CALL_SITES
    body: list[ast.Stmt] = []
    if f.tier == "rec":
        stop = ast.Return(None if f.ret == UNIT else leaf(cx, sc, f.ret))
        body.append(ast.If(ast.Binary("<=", ast.Var("fuel"), ast.IntLit(0)), ast.Block((stop,))))
    stmts_, end = stmts.block(cx, sc, most)
    body += stmts_
    if f.ret != UNIT:
        body.append(ast.Return(expr(cx, end, f.ret, stmts.EXPR_DEPTH)))
    return _declared(f, body)


def _main(cx: Ctx, f: Fn, size: Size) -> ast.FunDecl:
    """Random statements and shapes in turn, the shapes' work shared
    among them; no random `return` before the last shape has run."""
    sc = replace(_scope_of(f), returns=False)
    productions = shapes.plan(cx)
    stretch = max(1, size.main_block // (len(productions) + 1))
    body: list[ast.Stmt] = []
    work = size.work
    for done, production in enumerate(productions):
        random_part, sc = stmts.block(cx, sc, stretch)
        body += random_part
        share = work // (len(productions) - done)
        placed, sc, left = shapes.place(cx, sc, production, share)
        body += placed
        work -= share - left
    random_part, end = stmts.block(cx, replace(sc, returns=True), stretch)
    body += random_part
    body.append(_observe(cx, end))
    return _declared(f, body)


def _declared(f: Fn, body: list[ast.Stmt]) -> ast.FunDecl:
    params = tuple(ast.Param(name, written(ty)) for name, ty in f.params)
    ret = None if f.ret == UNIT else written(f.ret)
    return ast.FunDecl(f.name, params, ret, ast.Block(tuple(body)))


def _observe(cx: Ctx, sc: Scope) -> ast.Stmt:
    """main's last word: print what it can of its variables, so a wrong
    value anywhere is likely to show in the output."""
    shown: list[ast.Expr] = []
    for x in sc.locals:
        if isinstance(x.ty, Prim) and x.ty != UNIT:
            shown.append(ast.Var(x.name))
        elif isinstance(x.ty, (ArrayType, MapType)) or x.ty == STRING:
            shown.append(ast.Call("len", (ast.Var(x.name),)))
    return ast.ExprStmt(ast.Call("print", tuple(shown[-6:])))
