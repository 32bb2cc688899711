"""hilang expressions -> lolang (`lower_expr(fx, e) -> Val`, values.py).

Assumes a checked, monomorphized hilang expression (every node has `ty`).
Guarantees, per docs/hilang-semantics.md: left-to-right evaluation, one
allocation (one fresh region) per evaluation of an allocating construct,
and the hilang position on every operation that can fail. Statements an
expression needs (temporaries) go to `fx`'s sink; a sub-expression that is
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
from lolang.summary import walk
from lowering.naive import values as V
from lowering.naive.context import FunCx
from lowering.naive.values import FIELD, OWNED, PLACE, PRIM, Val


def lower_expr(fx: FunCx, e: ast.Expr) -> Val:
    return RULES[type(e)](fx, e)


def lower_prim(fx: FunCx, e: ast.Expr) -> ir.Expr:
    """A primitive-valued expression as a lolang expression."""
    v = lower_expr(fx, e)
    assert v.kind == PRIM, f"{e} is not primitive"
    return v.expr


def pos(node) -> ir.Pos | None:
    return ir.Pos.of(node.span)


def allocate(fx: FunCx, caps: str, make) -> ir.Expr:
    """`region q { pack{caps} <make(q)> }`: a fresh region for one object."""
    q = fx.region("q")
    return ir.Region(q, ir.Block((), ir.Pack(caps, make(q))))


def stored(fx: FunCx, exprs) -> list[ir.Expr]:
    """Operands about to be stored into a new object: evaluated left to
    right. Those that call or allocate are bound to temporaries before the
    region opens, and so is every operand before them that is not trivial
    (it must still be evaluated first)."""
    vals = V.operands(fx, lower_expr, exprs)
    busy = [v.kind in (PRIM, OWNED) and _busy(v.expr) for v in vals]
    last = max((i for i, b in enumerate(busy) if b), default=-1)
    return [V.consume(fx, V.settled(fx, v) if i <= last else v) for i, v in enumerate(vals)]


def _busy(e: ir.Expr) -> bool:
    """Calls a function or allocates (so it should not run with a region
    open for an object that does not exist yet)."""
    return any(isinstance(n, (ir.Call, ir.Region, ir.Builtin)) for n in walk(e))


def conditional(fx: FunCx, e: ast.Expr, consumed: bool) -> ir.Expr:
    """`e` lowered on its own, for a branch that may not run: its
    statements stay inside (`do { ... }`)."""
    with fx.collect() as stmts:
        v = lower_expr(fx, e)
        value = V.consume(fx, v) if consumed else v.expr
    return ir.Do(ir.Block(tuple(stmts), value)) if stmts else value


# --------------------------------------------------------------------------
# Leaves


def _int(fx: FunCx, e: ast.IntLit) -> Val:
    return V.prim(ir.IntLit(e.value, e.u8), e.ty)


def _string(fx: FunCx, e: ast.StringLit) -> Val:
    return V.owned(allocate(fx, "r", lambda q: ir.NewString(q, e.value)), e.ty)


def _var(fx: FunCx, e: ast.Var) -> Val:
    b = fx.lookup(e.name)
    return V.place(b, e.ty) if b.pack else Val(PRIM, e.ty, ir.Var(b.name), binding=b)


# --------------------------------------------------------------------------
# Operators


def _unary(fx: FunCx, e: ast.Unary) -> Val:
    # `-9223372036854775808` only exists folded: the literal alone is out of
    # range in lolang too.
    if e.op == "-" and isinstance(e.operand, ast.IntLit) and not e.operand.u8:
        return V.prim(ir.IntLit(-e.operand.value), e.ty)
    return V.prim(ir.Unary(e.op, lower_prim(fx, e.operand)), e.ty)


def _binary(fx: FunCx, e: ast.Binary) -> Val:
    if e.op in ("&&", "||"):
        left = lower_prim(fx, e.left)
        return V.prim(ir.Binary(e.op, left, conditional(fx, e.right, False)), e.ty)
    strings = e.left.ty == ht.STRING
    vals = V.operands(fx, lower_expr, (e.left, e.right), [strings, strings])
    if e.op == "++":
        concat = lambda objs: allocate(fx, "r", lambda q: ir.Builtin("concat", (q,), tuple(objs)))
        return V.owned(V.with_objects(fx, vals, concat), e.ty)
    if strings:
        return V.prim(V.with_objects(fx, vals, lambda objs: ir.Binary(e.op, objs[0], objs[1])), e.ty)
    at = pos(e) if e.op in ("/", "%") else None
    return V.prim(ir.Binary(e.op, vals[0].expr, vals[1].expr, at), e.ty)


def _if_expr(fx: FunCx, e: ast.IfExpr) -> Val:
    cond = lower_prim(fx, e.cond)
    heap = ht.is_heap(e.ty)
    value = ir.IfExpr(cond, conditional(fx, e.then, heap), conditional(fx, e.els, heap))
    return V.owned(value, e.ty) if heap else V.prim(value, e.ty)


# --------------------------------------------------------------------------
# Calls


def _call(fx: FunCx, e: ast.Call) -> Val:
    if e.builtin:
        from lowering.naive.builtins import lower_builtin

        return lower_builtin(fx, e)
    sig = fx.program.funs[e.func]
    lent = [ht.is_heap(t) and not own for t, own in zip(sig.params, sig.owned)]
    vals = V.operands(fx, lower_expr, e.args, lent)
    call = V.with_lent(fx, vals, sig.owned, lambda args: ir.Call(sig.name, (), tuple(args), pos(e)))
    return V.owned(call, e.ty) if ht.is_heap(e.ty) else V.prim(call, e.ty)


# --------------------------------------------------------------------------
# Data


def _construct(fx: FunCx, e: ast.Construct) -> Val:
    ctor = fx.types.ctor(e.ty, e.ctor)
    args = stored(fx, e.args)
    return V.owned(allocate(fx, "r", lambda q: ir.NewData(q, ctor.name, tuple(args))), e.ty)


def _record(fx: FunCx, e: ast.RecordLit) -> Val:
    """Fields are evaluated in source order, stored in declaration order;
    `T { b with ... }` evaluates `b` first and copies the fields not given."""
    ctor = fx.types.ctor(e.ty, e.ctor)
    exprs = [value for _, value in e.fields]
    if e.base is None:
        order = [ctor.index(name) for name, _ in e.fields]
        if order != sorted(order):
            # Declaration order differs: settle each field before storing.
            vals = [V.settled(fx, v) for v in V.operands(fx, lower_expr, exprs)]
            given = {name: V.consume(fx, v) for (name, _), v in zip(e.fields, vals)}
        else:
            given = dict(zip((name for name, _ in e.fields), stored(fx, exprs)))
        args = tuple(given[name] for name, _ in ctor.fields)
        return V.owned(allocate(fx, "r", lambda q: ir.NewData(q, ctor.name, args)), e.ty)
    vals = V.operands(fx, lower_expr, [e.base, *exprs], [True] + [False] * len(exprs))
    base = vals[0]
    given = {name: V.consume(fx, V.settled(fx, v)) for (name, _), v in zip(e.fields, vals[1:])}

    def build(o: ir.Expr) -> ir.Expr:
        args = []
        for name, fty in ctor.fields:
            if name in given:
                args.append(given[name])
            elif ht.is_heap(fty):
                args.append(ir.Copy(ir.FieldGet(o, name)))
            else:
                args.append(ir.FieldGet(o, name))
        return allocate(fx, "r", lambda q: ir.NewData(q, ctor.name, tuple(args)))

    return V.owned(V.with_object(fx, base, build), e.ty)


def _field(fx: FunCx, e: ast.FieldGet) -> Val:
    target = V.as_place(fx, lower_expr(fx, e.target))
    if ht.is_heap(e.ty):
        return V.field_of(target, e.name, e.ty)
    return V.prim(V.with_object(fx, target, lambda o: ir.FieldGet(o, e.name)), e.ty)


def _index(fx: FunCx, e: ast.Index) -> Val:
    """`a[i]`: `a` then `i` (lowered inside the unpack of `a`, which has no
    effect), then the bounds check. A pack element is copied out."""
    target = V.as_place(fx, lower_expr(fx, e.target))
    heap = ht.is_heap(e.ty)

    def read(o: ir.Expr) -> ir.Expr:
        element = ir.Index(o, lower_prim(fx, e.index), pos(e))
        return ir.Copy(element) if heap else element

    value = V.with_object(fx, target, read)
    return V.owned(value, e.ty) if heap else V.prim(value, e.ty)


def _array_lit(fx: FunCx, e: ast.ArrayLit) -> Val:
    elem = fx.types.slot_type(e.ty.elem)
    elems = tuple(stored(fx, e.elems))
    return V.owned(allocate(fx, "rwa", lambda q: ir.NewArray(q, elem, elems)), e.ty)


RULES = {
    ast.IntLit: _int,
    ast.FloatLit: lambda fx, e: V.prim(ir.FloatLit(e.value), e.ty),
    ast.BoolLit: lambda fx, e: V.prim(ir.BoolLit(e.value), e.ty),
    ast.UnitLit: lambda fx, e: V.prim(ir.UnitLit(), e.ty),
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
