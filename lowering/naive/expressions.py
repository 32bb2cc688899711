"""hilang expressions -> lolang (`lower_expr(ctx, e) -> Lowered`, values.py).

Assumes a checked, monomorphized hilang expression (every node has `ty`).
Guarantees, per docs/hilang-semantics.md: left-to-right evaluation, one
allocation (one fresh region) per evaluation of an allocating construct,
and the hilang position on every operation that can fail. Statements an
expression needs (temporaries) go to `ctx`'s sink; a sub-expression that is
evaluated conditionally (`&&`, `||`, `if then else`) keeps its own in a
`do` block.

An allocation is `region q { pack{c} new[q] ... }`: a region per object.
Operands that call or allocate are evaluated before the region is opened,
so that a region exists only once its object does.
"""

from __future__ import annotations

from hilang import ast
from hilang import types as ht
from lolang import ir
from lolang.traverse import walk
from lowering.naive import values as V
from lowering.naive.context import FunctionContext
from lowering.naive.values import OWNED, PRIM, Lowered


def lower_expr(ctx: FunctionContext, e: ast.Expr) -> Lowered:
    return RULES[type(e)](ctx, e)


def lower_prim(ctx: FunctionContext, e: ast.Expr) -> ir.Expr:
    """A primitive-valued expression as a lolang expression."""
    v = lower_expr(ctx, e)
    assert v.kind == PRIM, f"{e} is not primitive"
    return v.expr


def pos(node) -> ir.Pos | None:
    return ir.Pos.of(node.span)


def allocate(ctx: FunctionContext, caps: str, make) -> ir.Expr:
    """`region q { pack{caps} <make(q)> }`: a fresh region for one object."""
    q = ctx.region("q")
    return ir.Region(q, ir.Block((), ir.Pack(caps, make(q))))


def stored(ctx: FunctionContext, exprs) -> list[ir.Expr]:
    """Operands about to be stored into a new object: evaluated left to
    right. Those that call or allocate are bound to temporaries before the
    region opens, and so is every operand before them that is not trivial
    (it must still be evaluated first)."""
    return [V.consume(ctx, v) for v in settle_busy(ctx, V.operands(ctx, lower_expr, exprs))]


def settle_busy(ctx: FunctionContext, vals: list[Lowered]) -> list[Lowered]:
    """`vals` with those that call or allocate, and every one before them
    that is not trivial, bound to temporaries: they then run, in order,
    before the region of a new object opens."""
    busy = [v.kind in (PRIM, OWNED) and _busy(v.expr) for v in vals]
    last = max((i for i, b in enumerate(busy) if b), default=-1)
    return [V.settled(ctx, v) if i <= last else v for i, v in enumerate(vals)]


def _busy(e: ir.Expr) -> bool:
    """Calls a function or allocates (so it should not run with a region
    open for an object that does not exist yet)."""
    return any(isinstance(n, (ir.Call, ir.Region, ir.Builtin)) for n in walk(e))


def conditional(ctx: FunctionContext, e: ast.Expr, consumed: bool) -> ir.Expr:
    """`e` lowered on its own, for a branch that may not run: its
    statements stay inside (`do { ... }`)."""
    with ctx.collect() as stmts:
        v = lower_expr(ctx, e)
        value = V.consume(ctx, v) if consumed else v.expr
    return ir.Do(ir.Block(tuple(stmts), value)) if stmts else value


# --------------------------------------------------------------------------
# Leaves


def _int(ctx: FunctionContext, e: ast.IntLit) -> Lowered:
    return V.prim(ir.IntLit(e.value, e.u8), e.ty)


def _string(ctx: FunctionContext, e: ast.StringLit) -> Lowered:
    return V.owned(allocate(ctx, "r", lambda q: ir.NewString(q, e.value)), e.ty)


def _var(ctx: FunctionContext, e: ast.Var) -> Lowered:
    b = ctx.lookup(e.name)
    return V.place(b, e.ty) if b.pack else Lowered(PRIM, e.ty, ir.Var(b.name), binding=b)


# --------------------------------------------------------------------------
# Operators


def _unary(ctx: FunctionContext, e: ast.Unary) -> Lowered:
    # `-9223372036854775808` only exists folded: the literal alone is out of
    # range in lolang too.
    if e.op == "-" and isinstance(e.operand, ast.IntLit) and not e.operand.u8:
        return V.prim(ir.IntLit(-e.operand.value), e.ty)
    return V.prim(ir.Unary(e.op, lower_prim(ctx, e.operand)), e.ty)


def _binary(ctx: FunctionContext, e: ast.Binary) -> Lowered:
    if e.op in ("&&", "||"):
        left = lower_prim(ctx, e.left)
        return V.prim(ir.Binary(e.op, left, conditional(ctx, e.right, False)), e.ty)
    strings = e.left.ty == ht.STRING
    vals = V.operands(ctx, lower_expr, (e.left, e.right), [strings, strings])
    if e.op == "++":
        concat = lambda objs: allocate(ctx, "r", lambda q: ir.Builtin("concat", (q,), tuple(objs)))
        return V.owned(V.with_objects(ctx, vals, concat), e.ty)
    if strings:
        return V.prim(V.with_objects(ctx, vals, lambda objs: ir.Binary(e.op, objs[0], objs[1])), e.ty)
    at = pos(e) if e.op in ("/", "%") else None
    return V.prim(ir.Binary(e.op, vals[0].expr, vals[1].expr, at), e.ty)


def _if_expr(ctx: FunctionContext, e: ast.IfExpr) -> Lowered:
    cond = lower_prim(ctx, e.cond)
    heap = ht.is_heap(e.ty)
    value = ir.IfExpr(cond, conditional(ctx, e.then, heap), conditional(ctx, e.els, heap))
    return V.owned(value, e.ty) if heap else V.prim(value, e.ty)


# --------------------------------------------------------------------------
# Calls


def _call(ctx: FunctionContext, e: ast.Call) -> Lowered:
    if e.builtin:
        from lowering.naive.builtins import lower_builtin

        return lower_builtin(ctx, e)
    sig = ctx.program.funs[e.func]
    lent = [ht.is_heap(t) and not own for t, own in zip(sig.params, sig.owned)]
    vals = V.operands(ctx, lower_expr, e.args, lent)
    call = V.with_lent(ctx, vals, sig.owned, lambda args: ir.Call(sig.name, (), tuple(args), pos(e)))
    return V.owned(call, e.ty) if ht.is_heap(e.ty) else V.prim(call, e.ty)


# --------------------------------------------------------------------------
# Data


def _construct(ctx: FunctionContext, e: ast.Construct) -> Lowered:
    ctor = ctx.types.ctor(e.ty, e.ctor)
    args = stored(ctx, e.args)
    return V.owned(allocate(ctx, "r", lambda q: ir.NewData(q, ctor.name, tuple(args))), e.ty)


def _record(ctx: FunctionContext, e: ast.RecordLit) -> Lowered:
    """Fields are evaluated in source order, stored in declaration order;
    `T { b with ... }` evaluates `b` first and copies the fields not given."""
    ctor = ctx.types.ctor(e.ty, e.ctor)
    exprs = [value for _, value in e.fields]
    if e.base is None:
        order = [ctor.index(name) for name, _ in e.fields]
        if order != sorted(order):
            # Declaration order differs: settle each field before storing.
            vals = [V.settled(ctx, v) for v in V.operands(ctx, lower_expr, exprs)]
            given = {name: V.consume(ctx, v) for (name, _), v in zip(e.fields, vals)}
        else:
            given = dict(zip((name for name, _ in e.fields), stored(ctx, exprs)))
        args = tuple(given[name] for name, _ in ctor.fields)
        return V.owned(allocate(ctx, "r", lambda q: ir.NewData(q, ctor.name, args)), e.ty)
    vals = V.operands(ctx, lower_expr, [e.base, *exprs], [True] + [False] * len(exprs))
    base = vals[0]
    given = {name: V.consume(ctx, V.settled(ctx, v)) for (name, _), v in zip(e.fields, vals[1:])}

    def build(o: ir.Expr) -> ir.Expr:
        args = []
        for name, fty in ctor.fields:
            if name in given:
                args.append(given[name])
            elif ht.is_heap(fty):
                args.append(ir.Copy(ir.FieldGet(o, name)))
            else:
                args.append(ir.FieldGet(o, name))
        return allocate(ctx, "r", lambda q: ir.NewData(q, ctor.name, tuple(args)))

    return V.owned(V.with_object(ctx, base, build), e.ty)


def _field(ctx: FunctionContext, e: ast.FieldGet) -> Lowered:
    target = V.as_place(ctx, lower_expr(ctx, e.target))
    if ht.is_heap(e.ty):
        return V.field_of(target, e.name, e.ty)
    return V.prim(V.with_object(ctx, target, lambda o: ir.FieldGet(o, e.name)), e.ty)


def _index(ctx: FunctionContext, e: ast.Index) -> Lowered:
    """`a[i]`: `a` then `i` (lowered inside the unpack of `a`, which has no
    effect), then the bounds check. A pack element is copied out."""
    target = V.as_place(ctx, lower_expr(ctx, e.target))
    heap = ht.is_heap(e.ty)

    def read(o: ir.Expr) -> ir.Expr:
        element = ir.Index(o, lower_prim(ctx, e.index), pos(e))
        return ir.Copy(element) if heap else element

    value = V.with_object(ctx, target, read)
    return V.owned(value, e.ty) if heap else V.prim(value, e.ty)


def _array_lit(ctx: FunctionContext, e: ast.ArrayLit) -> Lowered:
    elem = ctx.types.slot_type(e.ty.elem)
    elems = tuple(stored(ctx, e.elems))
    return V.owned(allocate(ctx, "rwa", lambda q: ir.NewArray(q, elem, elems)), e.ty)


RULES = {
    ast.IntLit: _int,
    ast.FloatLit: lambda ctx, e: V.prim(ir.FloatLit(e.value), e.ty),
    ast.BoolLit: lambda ctx, e: V.prim(ir.BoolLit(e.value), e.ty),
    ast.UnitLit: lambda ctx, e: V.prim(ir.UnitLit(), e.ty),
    ast.StringLit: _string,
    ast.Var: _var,
    ast.Unary: _unary,
    ast.Binary: _binary,
    ast.IfExpr: _if_expr,
    ast.Call: _call,
    ast.Construct: _construct,
    ast.RecordLit: _record,
    ast.FieldGet: _field,
    ast.Index: _index,
    ast.ArrayLit: _array_lit,
}
