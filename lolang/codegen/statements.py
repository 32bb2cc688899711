"""Statements and blocks: `emit_stmt(fn, s)` dispatches on the node's
class through `RULES`; `emit_block(fn, b)` emits a block in a scope of its
own and returns its result's value (None when it has none).

A jump out of blocks — `break`, `continue`, `return` — first releases the
references of the `region` and owned `unpack` blocks it leaves
(`FunctionEmitter.release_to`), innermost first, as the interpreter's `Escape` does.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import reserve
from lolang.codegen import types as T
from lolang.codegen.expressions import emit_expr, emit_value
from lolang.codegen.function import FunctionEmitter, Loop, coerce


def emit_stmt(fn: FunctionEmitter, s) -> None:
    fn.live_block()
    RULES[type(s)](fn, s)


def emit_block(fn: FunctionEmitter, block: ir.Block) -> ll.Value | None:
    fn.push()
    for s in block.stmts:
        if s is fn.reserve_before:
            reserve.take(fn)
        emit_stmt(fn, s)
    if block.result is not None and block.result is fn.reserve_before:
        reserve.take(fn)
    value = emit_expr(fn, block.result) if block.result is not None else None
    fn.pop()
    return value


def _let(fn: FunctionEmitter, s: ir.Let) -> None:
    value = emit_value(fn, s.value)
    declared = fn.type_of(s.value) if s.type is None else s.type
    fn.bind_var(s.name, value, T.value_type(declared))  # after the value: `let x = x + 1`


def _assign(fn: FunctionEmitter, s: ir.Assign) -> None:
    value = emit_value(fn, s.value)
    slot = fn.var(s.name)
    fn.b.store(coerce(value, slot.allocated_type), slot)


def _expr_stmt(fn: FunctionEmitter, s: ir.ExprStmt) -> None:
    emit_expr(fn, s.expr)


def _if(fn: FunctionEmitter, s: ir.If) -> None:
    b = fn.b
    cond = emit_value(fn, s.cond)
    then, done = fn.block("if.then"), fn.block("if.done")
    els = fn.block("if.else") if s.els is not None else done
    b.cbranch(coerce(cond, T.I1), then, els)
    b.position_at_end(then)
    emit_block(fn, s.then)
    if not b.block.is_terminated:
        b.branch(done)
    if s.els is not None:
        b.position_at_end(els)
        if isinstance(s.els, ir.If):
            _if(fn, s.els)
        else:
            emit_block(fn, s.els)
        if not b.block.is_terminated:
            b.branch(done)
    b.position_at_end(done)


def _while(fn: FunctionEmitter, s: ir.While) -> None:
    b = fn.b
    cond, body, done = fn.block("while.cond"), fn.block("while.body"), fn.block("while.done")
    b.branch(cond)
    b.position_at_end(cond)
    b.cbranch(coerce(emit_value(fn, s.cond), T.I1), body, done)
    b.position_at_end(body)
    fn.loops.append(Loop(cond, done, len(fn.cleanups)))
    emit_block(fn, s.body)
    fn.loops.pop()
    if not b.block.is_terminated:
        b.branch(cond)
    b.position_at_end(done)


def _break(fn: FunctionEmitter, s: ir.Break) -> None:
    loop = fn.loops[-1]
    fn.release_to(loop.depth)
    fn.b.branch(loop.done)


def _continue(fn: FunctionEmitter, s: ir.Continue) -> None:
    loop = fn.loops[-1]
    fn.release_to(loop.depth)
    fn.b.branch(loop.again)


def _return(fn: FunctionEmitter, s: ir.Return) -> None:
    ret = fn.func.function_type.return_type
    value = emit_value(fn, s.value) if s.value is not None else T.I8(0)
    fn.release_to(0)
    fn.b.ret(coerce(value, ret))


def _rules() -> dict:
    from lolang.codegen import objects, patterns, regions, reuse

    return {
        ir.MatchReset: reuse.emit_match_reset,
        ir.Let: _let,
        ir.Assign: _assign,
        ir.ExprStmt: _expr_stmt,
        ir.If: _if,
        ir.While: _while,
        ir.Break: _break,
        ir.Continue: _continue,
        ir.Return: _return,
        ir.Match: patterns.emit_match,
        **objects.STMT_RULES,
        **regions.STMT_RULES,
    }


RULES = _rules()
