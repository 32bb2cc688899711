"""hilang statements -> lolang statements, emitted into `fx`'s sink.

Assumes a checked, monomorphized function body. Guarantees:

* hilang's scoping is kept by renaming (`FunCx.declare`): every lolang name
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
from lowering.naive.context import FunCx
from lowering.naive.expressions import allocate, conditional, lower_expr, lower_prim, pos
from lowering.naive.types import resolve
from lowering.naive.values import FIELD, OWNED, PLACE, PRIM

JUMPS = (ast.Return, ast.Break, ast.Continue)


def lower_block(fx: FunCx, block: ast.Block) -> ir.Block:
    with fx.collect() as stmts:
        lower_block_into(fx, block)
    return ir.Block(tuple(stmts))


def lower_block_into(fx: FunCx, block: ast.Block) -> None:
    """The block's statements, in a scope of their own, into the sink."""
    with fx.scope():
        for s in block.stmts:
            lower_stmt(fx, s)
            if isinstance(s, JUMPS):
                break


def lower_stmt(fx: FunCx, s: ast.Stmt) -> None:
    RULES[type(s)](fx, s)


# --------------------------------------------------------------------------
# Bindings


def _let(fx: FunCx, s: ast.Let) -> None:
    ty = resolve(s.type, {}) if s.type is not None else s.value.ty
    v = lower_expr(fx, s.value)  # before the name exists: `let x = x + 1`
    if v.kind == PLACE and not v.binding.mutable and not s.mutable:
        fx.bind(s.name, replace(v.binding, ty=ty))
        return
    value = V.consume(fx, v)
    b = fx.declare(s.name, ty, mutable=s.mutable)
    fx.emit(ir.Let(b.name, fx.types.value_type(ty) if b.pack else None, value, s.mutable))


def _assign(fx: FunCx, s: ast.Assign) -> None:
    b = fx.lookup(s.name)
    fx.emit(ir.Assign(b.name, V.consume(fx, lower_expr(fx, s.value))))


def _index_assign(fx: FunCx, s: ast.IndexAssign) -> None:
    """`a[i] = v`: `a`, `i`, `v`, then the bounds check and the store."""
    target = V.as_place(fx, lower_expr(fx, s.target))

    def store(o: ir.Expr) -> None:
        index, value = V.operands(fx, lower_expr, (s.index, s.value))
        fx.emit(ir.IndexSet(o, index.expr, V.consume(fx, value), pos(s)))

    fx.emit(ir.ExprStmt(V.with_object(fx, target, store)))


def _expr_stmt(fx: FunCx, s: ast.ExprStmt) -> None:
    v = lower_expr(fx, s.expr)
    if v.kind == OWNED:
        fx.emit(ir.Drop(v.expr))
    elif v.kind == PRIM and not V.is_trivial(v):
        fx.emit(ir.ExprStmt(v.expr))


# --------------------------------------------------------------------------
# Control flow


def _if(fx: FunCx, s: ast.If) -> None:
    fx.emit(_if_stmt(fx, s))


def _if_stmt(fx: FunCx, s: ast.If) -> ir.If:
    cond = lower_prim(fx, s.cond)
    then = lower_block(fx, s.then)
    match s.els:
        case None:
            els = None
        case ast.If():
            with fx.collect() as stmts:
                nested = _if_stmt(fx, s.els)
            els = nested if not stmts else ir.Block((*stmts, nested))
        case _:
            els = lower_block(fx, s.els)
    return ir.If(cond, then, els)


def _while(fx: FunCx, s: ast.While) -> None:
    fx.emit(ir.While(conditional(fx, s.cond, False), lower_block(fx, s.body)))


def _return(fx: FunCx, s: ast.Return) -> None:
    if s.value is None:
        fx.emit(ir.Return(None))
        return
    fx.emit(ir.Return(V.consume(fx, lower_expr(fx, s.value))))


def _for_range(fx: FunCx, s: ast.ForRange) -> None:
    lo, hi = V.operands(fx, lower_expr, (s.lo, s.hi))
    counter, end = fx.temp("next"), fx.temp("end")
    fx.emit(ir.Let(counter, None, lo.expr, mutable=True))
    fx.emit(ir.Let(end, None, hi.expr))
    cond = ir.Binary("<", ir.Var(counter), ir.Var(end))
    _loop(fx, cond, counter, s.var, ht.S64, lambda: ir.Var(counter), s.body)


def _for_each(fx: FunCx, s: ast.ForEach) -> None:
    """Over an Array: its length re-read before each step. Over a Map: a
    `keys` snapshot (one allocation) walked the same way."""
    ty = s.iterable.ty
    if isinstance(ty, ht.MapType):
        m = V.as_place(fx, lower_expr(fx, s.iterable))
        ty = ht.ArrayType(ty.key, "rwa")
        snapshot = V.with_object(fx, m, lambda o: allocate(fx, "rwa", lambda q: ir.Builtin("keys", (q,), (o,))))
        xs = V.bind_temp(fx, V.owned(snapshot, ty))
    else:
        xs = _held(fx, lower_expr(fx, s.iterable))
    counter = fx.temp("next")
    fx.emit(ir.Let(counter, None, ir.IntLit(0), mutable=True))
    cond = V.with_object(fx, xs, lambda o: ir.Binary("<", ir.Var(counter), ir.Builtin("len", (), (o,))))
    heap = ht.is_heap(ty.elem)

    def element() -> ir.Expr:
        def read(o: ir.Expr) -> ir.Expr:
            e = ir.Index(o, ir.Var(counter))  # in bounds: the length was just read
            return ir.Copy(e) if heap else e

        return V.with_object(fx, xs, read)

    _loop(fx, cond, counter, s.var, ty.elem, element, s.body)


def _held(fx: FunCx, v: V.Val) -> V.Val:
    """The array to iterate, as a place that the body cannot rebind."""
    root = v
    while root.kind == FIELD:
        root = root.root
    if root.kind == PLACE and not root.binding.mutable:
        return v
    return V.bind_temp(fx, v)


def _loop(fx: FunCx, cond: ir.Expr, counter: str, var: str, ty: ht.Type, value, body: ast.Block) -> None:
    """`while cond { let var = value(); counter = counter + 1; body }`."""
    with fx.collect() as stmts, fx.scope():
        first = value()
        b = fx.declare(var, ty)
        fx.emit(ir.Let(b.name, fx.types.value_type(ty) if b.pack else None, first))
        fx.emit(ir.Assign(counter, ir.Binary("+", ir.Var(counter), ir.IntLit(1))))
        lower_block_into(fx, body)
    fx.emit(ir.While(cond, ir.Block(tuple(stmts))))


def _match(fx: FunCx, s: ast.Match) -> None:
    from lowering.naive.patterns import lower_match

    lower_match(fx, s)


RULES = {
    ast.Let: _let,
    ast.Assign: _assign,
    ast.IndexAssign: _index_assign,
    ast.If: _if,
    ast.While: _while,
    ast.ForRange: _for_range,
    ast.ForEach: _for_each,
    ast.Break: lambda fx, s: fx.emit(ir.Break()),
    ast.Continue: lambda fx, s: fx.emit(ir.Continue()),
    ast.Return: _return,
    ast.Match: _match,
    ast.ExprStmt: _expr_stmt,
}
