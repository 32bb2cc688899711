"""hilang statements -> lolang statements, emitted into `ctx`'s sink.

Assumes a checked, monomorphized function body. Guarantees:

* hilang's scoping is kept by renaming (`FunctionContext.declare`): every lolang name
  is unique in its function;
* a `let` of an immutable place is an alias (no lolang statement); every
  other binding of an object is an owned `let`/`var`, annotated with its
  pack type (the ownership pass tracks exactly those);
* `for i in lo..hi` evaluates `lo`, then `hi`, once; `for x in xs` reads
  the array's length before every step and holds its own reference to the
  array when `xs` could be rebound; `for k in m` walks a `keys` snapshot
  (docs/hilang-semantics.md, "Loops"). The counter is stepped at the top
  of the body, so `continue` needs nothing special;
* statements after a `return`, `break` or `continue` in the same block are
  dropped (unreachable; they would only confuse the ownership pass).

No copy or drop is written here: `ownership.py` places them afterwards.
"""

from __future__ import annotations

from dataclasses import replace

from hilang import ast
from hilang import types as ht
from lolang import ir
from lowering.naive import values as V
from lowering.naive.context import FunctionContext
from lowering.naive.expressions import allocate, conditional, lower_expr, lower_prim, pos
from lowering.naive.types import resolve
from lowering.naive.values import FIELD, OWNED, PLACE, PRIM

JUMPS = (ast.Return, ast.Break, ast.Continue)


def lower_block(ctx: FunctionContext, block: ast.Block) -> ir.Block:
    with ctx.collect() as stmts:
        lower_block_into(ctx, block)
    return ir.Block(tuple(stmts))


def lower_block_into(ctx: FunctionContext, block: ast.Block) -> None:
    """The block's statements, in a scope of their own, into the sink."""
    with ctx.scope():
        for s in block.stmts:
            lower_stmt(ctx, s)
            if isinstance(s, JUMPS):
                break


def lower_stmt(ctx: FunctionContext, s: ast.Stmt) -> None:
    RULES[type(s)](ctx, s)


# --------------------------------------------------------------------------
# Bindings


def _let(ctx: FunctionContext, s: ast.Let) -> None:
    ty = resolve(s.type, {}) if s.type is not None else s.value.ty
    v = lower_expr(ctx, s.value)  # before the name exists: `let x = x + 1`
    if v.kind == PLACE and not v.binding.mutable and not s.mutable:
        ctx.bind(s.name, replace(v.binding, ty=ty))
        return
    value = V.consume(ctx, v)
    b = ctx.declare(s.name, ty, mutable=s.mutable)
    ctx.emit(ir.Let(b.name, ctx.types.value_type(ty) if b.pack else None, value, s.mutable))


def _assign(ctx: FunctionContext, s: ast.Assign) -> None:
    b = ctx.lookup(s.name)
    ctx.emit(ir.Assign(b.name, V.consume(ctx, lower_expr(ctx, s.value))))


def _index_assign(ctx: FunctionContext, s: ast.IndexAssign) -> None:
    """`a[i] = v`: `a`, `i`, `v`, then the bounds check and the store."""
    target = V.as_place(ctx, lower_expr(ctx, s.target))

    def store(o: ir.Expr) -> None:
        index, value = V.operands(ctx, lower_expr, (s.index, s.value))
        ctx.emit(ir.IndexSet(o, index.expr, V.consume(ctx, value), pos(s)))

    ctx.emit(ir.ExprStmt(V.with_object(ctx, target, store)))


def _expr_stmt(ctx: FunctionContext, s: ast.ExprStmt) -> None:
    v = lower_expr(ctx, s.expr)
    if v.kind == OWNED:
        ctx.emit(ir.Drop(v.expr))
    elif v.kind == PRIM and not V.is_trivial(v):
        ctx.emit(ir.ExprStmt(v.expr))


# --------------------------------------------------------------------------
# Control flow


def _if(ctx: FunctionContext, s: ast.If) -> None:
    ctx.emit(_if_stmt(ctx, s))


def _if_stmt(ctx: FunctionContext, s: ast.If) -> ir.If:
    cond = lower_prim(ctx, s.cond)
    then = lower_block(ctx, s.then)
    match s.els:
        case None:
            els = None
        case ast.If():
            with ctx.collect() as stmts:
                nested = _if_stmt(ctx, s.els)
            els = nested if not stmts else ir.Block((*stmts, nested))
        case _:
            els = lower_block(ctx, s.els)
    return ir.If(cond, then, els)


def _while(ctx: FunctionContext, s: ast.While) -> None:
    ctx.emit(ir.While(conditional(ctx, s.cond, False), lower_block(ctx, s.body)))


def _return(ctx: FunctionContext, s: ast.Return) -> None:
    if s.value is None:
        ctx.emit(ir.Return(None))
        return
    ctx.emit(ir.Return(V.consume(ctx, lower_expr(ctx, s.value))))


def _for_range(ctx: FunctionContext, s: ast.ForRange) -> None:
    lo, hi = V.operands(ctx, lower_expr, (s.lo, s.hi))
    counter, end = ctx.temp("next"), ctx.temp("end")
    ctx.emit(ir.Let(counter, None, lo.expr, mutable=True))
    ctx.emit(ir.Let(end, None, hi.expr))
    cond = ir.Binary("<", ir.Var(counter), ir.Var(end))
    _loop(ctx, cond, counter, s.var, ht.S64, lambda: ir.Var(counter), s.body)


def _for_each(ctx: FunctionContext, s: ast.ForEach) -> None:
    """Over an Array: its length re-read before each step. Over a Map: a
    `keys` snapshot (one allocation) walked the same way."""
    ty = s.iterable.ty
    if isinstance(ty, ht.MapType):
        m = V.as_place(ctx, lower_expr(ctx, s.iterable))
        ty = ht.ArrayType(ty.key, "rwa")
        snapshot = V.with_object(ctx, m, lambda o: allocate(ctx, "rwa", lambda q: ir.Builtin("keys", (q,), (o,))))
        xs = V.bind_temp(ctx, V.owned(snapshot, ty))
    else:
        xs = _held(ctx, lower_expr(ctx, s.iterable))
    counter = ctx.temp("next")
    ctx.emit(ir.Let(counter, None, ir.IntLit(0), mutable=True))
    cond = V.with_object(ctx, xs, lambda o: ir.Binary("<", ir.Var(counter), ir.Builtin("len", (), (o,))))
    heap = ht.is_heap(ty.elem)

    def element() -> ir.Expr:
        def read(o: ir.Expr) -> ir.Expr:
            e = ir.Index(o, ir.Var(counter))  # in bounds: the length was just read
            return ir.Copy(e) if heap else e

        return V.with_object(ctx, xs, read)

    _loop(ctx, cond, counter, s.var, ty.elem, element, s.body)


def _held(ctx: FunctionContext, v: V.Lowered) -> V.Lowered:
    """The array to iterate, as a place that the body cannot rebind."""
    root = v
    while root.kind == FIELD:
        root = root.root
    if root.kind == PLACE and not root.binding.mutable:
        return v
    return V.bind_temp(ctx, v)


def _loop(ctx: FunctionContext, cond: ir.Expr, counter: str, var: str, ty: ht.Type, value, body: ast.Block) -> None:
    """`while cond { let var = value(); counter = counter + 1; body }`."""
    with ctx.collect() as stmts, ctx.scope():
        first = value()
        b = ctx.declare(var, ty)
        ctx.emit(ir.Let(b.name, ctx.types.value_type(ty) if b.pack else None, first))
        ctx.emit(ir.Assign(counter, ir.Binary("+", ir.Var(counter), ir.IntLit(1))))
        lower_block_into(ctx, body)
    ctx.emit(ir.While(cond, ir.Block(tuple(stmts))))


def _match(ctx: FunctionContext, s: ast.Match) -> None:
    from lowering.naive.patterns import lower_match

    lower_match(ctx, s)


RULES = {
    ast.Let: _let,
    ast.Assign: _assign,
    ast.IndexAssign: _index_assign,
    ast.If: _if,
    ast.While: _while,
    ast.ForRange: _for_range,
    ast.ForEach: _for_each,
    ast.Break: lambda ctx, s: ctx.emit(ir.Break()),
    ast.Continue: lambda ctx, s: ctx.emit(ir.Continue()),
    ast.Return: _return,
    ast.Match: _match,
    ast.ExprStmt: _expr_stmt,
}
