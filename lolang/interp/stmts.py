"""Statements to closures: `compile_stmt(k, s)` returns `f(frame) -> signal`
(None to carry on, or BREAK, CONTINUE, RETURN). A signal raised as an
`Escape` from inside an expression block is turned back into a signal by
the loop or function that handles it.
"""

from __future__ import annotations

from diagnostics import NOSPAN
from lolang import ir
from primitives.indexing import index_error
from lolang.interp.compiler import FunctionCompiler
from lolang.interp.exprs import compile_expr
from lolang.interp.machine import BREAK, CONTINUE, RETURN, Escape
from lolang.interp.patterns import compile_match


def compile_stmt(k: FunctionCompiler, s):
    return RULES[type(s)](k, s)


def block_stmt(k: FunctionCompiler, b: ir.Block):
    """A block in statement position: its value, if any, is discarded."""
    k.push()
    stmts = [compile_stmt(k, s) for s in b.stmts]
    result = compile_expr(k, b.result) if b.result is not None else None
    k.pop()
    if result is None and len(stmts) == 1:
        return stmts[0]

    def run(fr):
        for s in stmts:
            signal = s(fr)
            if signal is not None:
                return signal
        if result is not None:
            result(fr)
        return None

    return run


def _let(k: FunctionCompiler, s: ir.Let):
    value = compile_expr(k, s.value)
    slot = k.bind(s.name)  # after the value: `let x = x + 1` reads the outer x

    def let(fr):
        fr[slot] = value(fr)

    return let


def _assign(k: FunctionCompiler, s: ir.Assign):
    value = compile_expr(k, s.value)
    slot = k.slot(s.name)

    def assign(fr):
        fr[slot] = value(fr)

    return assign


def _index_set(k: FunctionCompiler, s: ir.IndexSet):
    m, table = k.m, k.m.table
    target, index, value = compile_expr(k, s.target), compile_expr(k, s.index), compile_expr(k, s.value)
    span = s.pos.span() if s.pos is not None else NOSPAN

    def index_set(fr):
        xs, i, v = target(fr), index(fr), value(fr)
        rid = m.live(xs.rid, "write an element of an array in")
        items = xs.items
        if not 0 <= i < len(items):
            raise index_error(i, len(items), span)
        old = items[i]
        items[i] = v
        if xs.packs:
            table.replace(rid, v[1], old[1])  # the overwritten pack is dropped

    return index_set


def _expr_stmt(k: FunctionCompiler, s: ir.ExprStmt):
    value = compile_expr(k, s.expr)

    def run(fr):
        value(fr)

    return run


def _if(k: FunctionCompiler, s: ir.If):
    cond = compile_expr(k, s.cond)
    then = block_stmt(k, s.then)
    match s.els:
        case None:
            return lambda fr: then(fr) if cond(fr) else None
        case ir.Block():
            els = block_stmt(k, s.els)
        case _:
            els = _if(k, s.els)
    return lambda fr: then(fr) if cond(fr) else els(fr)


def _while(k: FunctionCompiler, s: ir.While):
    cond = compile_expr(k, s.cond)
    body = block_stmt(k, s.body)

    def loop(fr):
        while cond(fr):
            try:
                signal = body(fr)
            except Escape as escape:
                signal = escape.signal
                escape.__traceback__ = None  # see machine.Escape
            if signal is not None:
                if signal == BREAK:
                    break
                if signal == RETURN:
                    return RETURN
        return None

    return loop


def _return(k: FunctionCompiler, s: ir.Return):
    if s.value is None:
        def ret(fr):
            fr[0] = None
            return RETURN

        return ret
    value = compile_expr(k, s.value)

    def ret_value(fr):
        fr[0] = value(fr)
        return RETURN

    return ret_value


def _drop(k: FunctionCompiler, s: ir.Drop):
    from lolang.interp.reuse import compile_drop_token, token_of

    token = token_of(k, s.value)
    if token is not None:
        return compile_drop_token(k, token[0])
    table = k.m.table
    value = compile_expr(k, s.value)

    def drop(fr):
        table.release(value(fr)[1])

    return drop


def _merge(k: FunctionCompiler, s: ir.Merge):
    table = k.m.table
    child, parent = k.region_getter(s.region), k.region_getter(s.into)

    def merge(fr):
        table.merge(child(fr), parent(fr))

    return merge


RULES = {
    ir.Let: _let,
    ir.Assign: _assign,
    ir.IndexSet: _index_set,
    ir.ExprStmt: _expr_stmt,
    ir.If: _if,
    ir.While: _while,
    ir.Break: lambda k, s: lambda fr: BREAK,
    ir.Continue: lambda k, s: lambda fr: CONTINUE,
    ir.Return: _return,
    ir.Match: compile_match,
    ir.Drop: _drop,
    ir.Merge: _merge,
}


def _register_reuse() -> None:
    from lolang.interp.reuse import compile_match_reset, compile_reuse
    from lolang.interp.exprs import RULES as EXPR_RULES

    RULES[ir.MatchReset] = compile_match_reset
    EXPR_RULES[ir.Reuse] = compile_reuse


_register_reuse()
