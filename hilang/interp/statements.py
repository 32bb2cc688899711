"""Translate hilang statements (and `match` patterns) to Python statements.

Control flow maps one to one: hilang's `while`, `for`, `break`, `continue`
and `return` are Python's, and a `match` is an `if`/`elif` chain over the
tags of its scrutinee's tuples.

One CPython limit shows through: a function may nest at most 20 loops. Loops
nested deeper than `MAX_NESTED_LOOPS` are moved into a nested Python function
(`outline`), which starts a fresh count.
"""

from __future__ import annotations

from typing import Callable

from diagnostics import CompilerBug
from hilang import ast, types
from hilang.interp import pyast as P
from hilang.interp.context import ALLOCS, SIMPLE, FunctionContext, counted
from hilang.interp.expressions import compile_expr

MAX_NESTED_LOOPS = 16  # CPython's own limit is 20 blocks per function

Stmts = list[P.py.stmt]


def compile_block(ctx: FunctionContext, block: ast.Block) -> Stmts:
    with ctx.scope():
        out: Stmts = []
        for stmt in block.stmts:
            out.extend(_COMPILERS[type(stmt)](ctx, stmt))
        return out


def _operand(ctx: FunctionContext, e: ast.Expr, pre: Stmts) -> P.py.expr:
    """`e`, safe to read more than once: simple expressions as they are,
    others evaluated once into a temporary by a statement added to `pre`."""
    value = compile_expr(ctx, e)
    if isinstance(e, SIMPLE):
        return value
    t = ctx.temp()
    pre.append(P.assign(t, value))
    return P.name(t)


def _let(ctx: FunctionContext, s: ast.Let) -> Stmts:
    value = compile_expr(ctx, s.value)  # before the name is declared: `let x = x + 1`
    return [P.assign(ctx.declare(s.name), value)]


def _assign(ctx: FunctionContext, s: ast.Assign) -> Stmts:
    value = compile_expr(ctx, s.value)
    return [P.assign(ctx.assign(s.name), value)]


def _index_assign(ctx: FunctionContext, s: ast.IndexAssign) -> Stmts:
    """`a[i] = v`: `a`, `i`, `v`, then the bounds check, then the store.
    Python evaluates the stored value before the subscript, so the check
    can sit inside the subscript once `a` and `i` are operands."""
    pre: Stmts = []
    target = _operand(ctx, s.target, pre)
    index = _operand(ctx, s.index, pre)
    value = compile_expr(ctx, s.value)
    span = ctx.program.span(s.span)
    checked = P.ifexp(P.in_range(P.const(0), index, P.call("len", target)), index,
                      P.call("_oob", target, index, span))
    return pre + [P.store_item(target, checked, value)]


def _if(ctx: FunctionContext, s: ast.If) -> Stmts:
    cond = compile_expr(ctx, s.cond)
    then = compile_block(ctx, s.then)
    match s.els:
        case None:
            orelse = []
        case ast.If():
            orelse = _if(ctx, s.els)
        case _:
            orelse = compile_block(ctx, s.els)
    return [P.if_(cond, then, orelse)]


def _return(ctx: FunctionContext, s: ast.Return) -> Stmts:
    value = P.const(None) if s.value is None else compile_expr(ctx, s.value)
    return [P.return_(P.tuple_(value) if ctx.nested else value)]


# --------------------------------------------------------------------------
# Loops


def _looping(ctx: FunctionContext, build: Callable[[], Stmts]) -> Stmts:
    if ctx.level.loops < MAX_NESTED_LOOPS:
        with ctx.loop():
            return build()
    return outline(ctx, build)


def outline(ctx: FunctionContext, build: Callable[[], Stmts]) -> Stmts:
    """Emit a loop as a nested function called in its place:

        def _loop7():
            global _allocs
            nonlocal v_x          # the enclosing variables it assigns
            <the loop>            # `return e` becomes `return (e,)`
        _t8 = _loop7()
        if _t8 is not None:
            return _t8[0]         # (or `_t8` itself when nested again)
    """
    fname = ctx.temp("_loop")
    with ctx.nested_level() as level:
        with ctx.loop():
            loop = build()
    head: Stmts = [P.global_(ALLOCS)]
    if level.nonlocals:
        head.append(P.nonlocal_(*sorted(level.nonlocals)))
    result = ctx.temp()
    passed = P.name(result) if ctx.nested else P.item(P.name(result), 0)
    return [
        P.function(fname, [], head + loop),
        P.assign(result, P.call(fname)),
        P.if_(P.compare(P.name(result), "is not", P.const(None)), [P.return_(passed)]),
    ]


def _while(ctx: FunctionContext, s: ast.While) -> Stmts:
    return _looping(ctx, lambda: [P.while_(compile_expr(ctx, s.cond), compile_block(ctx, s.body))])


def _for_range(ctx: FunctionContext, s: ast.ForRange) -> Stmts:
    def build() -> Stmts:
        bounds = P.call("range", compile_expr(ctx, s.lo), compile_expr(ctx, s.hi))
        with ctx.scope():
            var = ctx.declare(s.var)
            return [P.for_(var, bounds, compile_block(ctx, s.body))]

    return _looping(ctx, build)


def _for_each(ctx: FunctionContext, s: ast.ForEach) -> Stmts:
    """Over an Array, Python's list iterator is exactly hilang's rule: step
    an index, re-reading the array's current length each time. Over a Map,
    a new array of its keys (one allocation)."""

    def build() -> Stmts:
        items = compile_expr(ctx, s.iterable)
        if isinstance(s.iterable.ty, types.MapType):
            items = counted(P.call("list", items), [s.iterable])
        elif not isinstance(s.iterable.ty, types.ArrayType):
            raise CompilerBug(f"for over a {s.iterable.ty} at {s.span}")
        with ctx.scope():
            var = ctx.declare(s.var)
            return [P.for_(var, items, compile_block(ctx, s.body))]

    return _looping(ctx, build)


# --------------------------------------------------------------------------
# match


def _match(ctx: FunctionContext, s: ast.Match) -> Stmts:
    pre: Stmts = []
    subject = _operand(ctx, s.scrutinee, pre)
    arms: list[tuple[list[P.py.expr], Stmts]] = []
    for arm in s.arms:
        with ctx.scope():
            conds: list[P.py.expr] = []
            binds: list[tuple[str, P.py.expr]] = []
            _pattern(ctx, arm.pattern, subject, conds, binds)
            body = [P.assign(n, v) for n, v in binds] + compile_block(ctx, arm.body)
        arms.append((conds, body))
        if not conds:
            break  # later arms are unreachable
    chain: Stmts = []
    for conds, body in reversed(arms):
        chain = [P.if_(P.and_(*conds), body, chain)] if conds else body
    return pre + chain


def _pattern(ctx: FunctionContext, pat: ast.Pattern, subject: P.py.expr,
             conds: list[P.py.expr], binds: list[tuple[str, P.py.expr]]) -> None:
    """Add to `conds` what `subject` must satisfy to match `pat` (tags before
    the fields they guard) and to `binds` the variables it binds."""
    match pat:
        case ast.PWild():
            pass
        case ast.PVar(name=name):
            binds.append((ctx.declare(name), subject))
        case ast.PInt(value=value):
            conds.append(P.compare(subject, "==", P.const(value)))
        case ast.PBool(value=value):
            conds.append(subject if value else P.not_(subject))
        case ast.PString(value=value):
            conds.append(P.compare(subject, "==", P.const(value.encode("utf-8", "surrogatepass"))))
        case ast.PCtor(ctor=ctor, args=args):
            _tag(ctx, ctor, subject, conds)
            for i, sub in enumerate(args):
                _pattern(ctx, sub, P.item(subject, i + 1), conds, binds)
        case ast.PRecord(ctor=ctor, fields=fields):
            _tag(ctx, ctor, subject, conds)
            layout = ctx.program.ctors[ctor]
            for name, sub in fields:
                _pattern(ctx, sub, P.item(subject, layout.slot(name)), conds, binds)
        case _:
            raise CompilerBug(f"unknown pattern {pat!r}")


def _tag(ctx: FunctionContext, ctor: str, subject: P.py.expr, conds: list[P.py.expr]) -> None:
    if not ctx.program.is_single_ctor(ctor):
        conds.append(P.compare(P.item(subject, 0), "==", P.const(ctor)))


_COMPILERS = {
    ast.Let: _let,
    ast.Assign: _assign,
    ast.IndexAssign: _index_assign,
    ast.If: _if,
    ast.While: _while,
    ast.ForRange: _for_range,
    ast.ForEach: _for_each,
    ast.Break: lambda ctx, s: [P.break_()],
    ast.Continue: lambda ctx, s: [P.continue_()],
    ast.Return: _return,
    ast.Match: _match,
    ast.ExprStmt: lambda ctx, s: [P.expr_stmt(compile_expr(ctx, s.expr))],
}
