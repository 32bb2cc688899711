"""Whole programs: data types, function signatures in tiers (see `context`
for why), then each body, then `main`.

`programs()` is the hypothesis strategy; `Size` bounds how big a program
may get (the differential test's running time grows with it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from hilang import ast
from hilang.types import S64, STRING, UNIT, ArrayType, MapType, Prim, Type, TypeVar

from . import stmts
from .context import Ctx, Fn, Local, Scope
from .datatypes import choose_type, draw_datas, param_caps
from .exprs import can_build, expr, leaf
from .types import declaration, prefix, written

TIERS = (("helper", "help"), ("rec", "walk"), ("driver", "run"))
RECURSIVE_CALL_SITES = 2


@dataclass(frozen=True)
class Size:
    """`functions` per tier at most; statements per function (`statements`,
    `main_statements`: the budget its blocks draw from, nested ones
    included), and in its body's outermost block (`block`, `main_block`)."""

    functions: int = 3
    statements: int = 20
    main_statements: int = 30
    block: int = 7
    main_block: int = 12


@st.composite
def programs(draw, size: Size = Size()) -> ast.Program:
    return generate(lambda lo, hi: draw(st.integers(lo, hi)), size)


def sample(seed: int, size: Size = Size()) -> ast.Program:
    """One program from a seed, without hypothesis: for censuses and for
    looking at what the generator makes."""
    rng = random.Random(seed)
    return generate(rng.randint, size)


def generate(integer, size: Size) -> ast.Program:
    cx = Ctx(integer)
    cx.risky = cx.chance(25)
    cx.datas = draw_datas(cx)
    for tier, stem in TIERS:
        for index in range(cx.below(size.functions + 1)):
            cx.funs.append(_signature(cx, tier, stem, index))
    main = _main_signature(cx)
    cx.funs.append(main)
    decls: list = [declaration(d) for d in cx.datas]
    for f in cx.funs:
        cx.budget = size.main_statements if f is main else size.statements
        decls.append(_function(cx, f, size.main_block if f is main else size.block))
    return ast.Program(tuple(decls))


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
    elif f.tier == "main":
        body.append(_observe(cx, end))
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
