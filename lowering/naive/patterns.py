"""hilang `match` -> a decision tree of lolang `match`es and `unpack`s.

A lolang pattern cannot look through a pack field (docs/lolang.md §6): the
pack must be unpacked and its object matched again. So a hilang match is
compiled the classic way (a clause matrix, Maranget's "Compiling pattern
matching to good decision trees", with the left-most refutable column of
the first row tested first): rows are the arms' patterns, columns the
*occurrences* (the scrutinee, the fields reached so far). Testing a heap
occurrence unpacks it once; the rest of the tree sits inside that unpack.

Assumes a checked, exhaustive match. Guarantees first-match-wins: a row is
only ever dropped when its pattern cannot match, and a leaf runs the first
row that still can. An arm body may appear at several leaves (when a row
with a wildcard survives into several branches); each copy is lowered
afresh, so names stay unique. The scrutinee is evaluated once; pattern
variables on pack fields are borrowed packs (no count changes); a variable
bound to the scrutinee itself aliases it, unless it is a `var` that the arm
could reassign, in which case it gets its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hilang import ast
from hilang import types as ht
from lolang import ir
from lolang.traverse import walk
from lowering.naive import values as V
from lowering.naive.context import Binding, FunctionContext
from lowering.naive.expressions import lower_expr
from lowering.naive.values import OWNED, PRIM, Lowered

WILD = ast.PWild()


@dataclass(frozen=True)
class Occ:
    """A value the patterns look at: `val` (a primitive, or the pack of a
    heap value) and, once unpacked, `obj`, its object reference."""

    ty: ht.Type
    val: Lowered
    obj: ir.Expr | None = None


@dataclass(frozen=True)
class Row:
    pats: tuple[ast.Pattern, ...]
    binds: tuple[tuple[str, Occ], ...]
    arm: ast.Arm


def lower_match(ctx: FunctionContext, s: ast.Match) -> None:
    ty = s.scrutinee.ty
    v = lower_expr(ctx, s.scrutinee)
    if not ht.is_heap(ty):
        v = V.settled(ctx, v)
    elif v.kind == OWNED and isinstance(v.expr, ir.Call) and not _names_whole(s):
        # Tested at once by the first arm: `unpack f(x)` consumes the
        # result, which lives until the match ends.
        pass
    else:
        v = V.as_place(ctx, v)
    rows = [Row((arm.pattern,), (), arm) for arm in s.arms]
    compile_rows(ctx, rows, [Occ(ty, v)])


def _names_whole(s: ast.Match) -> bool:
    """Whether the first arm tests nothing, or some arm binds the whole
    scrutinee to a variable: then it must be a place."""
    first = s.arms[0].pattern
    return isinstance(first, (ast.PWild, ast.PVar)) or any(isinstance(a.pattern, ast.PVar) for a in s.arms)


def compile_rows(ctx: FunctionContext, rows: list[Row], occs: list[Occ]) -> None:
    if not rows:
        return  # unreachable: an exhaustive match never gets here
    col = next((i for i, p in enumerate(rows[0].pats) if not isinstance(p, (ast.PWild, ast.PVar))), None)
    if col is None:
        _leaf(ctx, rows[0], occs)
        return
    occ = occs[col]
    if ht.is_heap(occ.ty) and occ.obj is None:
        def inside(o: ir.Expr) -> None:
            compile_rows(ctx, rows, [*occs[:col], replace(occ, obj=o), *occs[col + 1:]])

        ctx.emit(ir.ExprStmt(V.with_object(ctx, occ.val, inside)))
        return
    if isinstance(occ.ty, ht.DataType):
        _switch_ctor(ctx, rows, occs, col)
    else:
        _switch_literal(ctx, rows, occs, col)


# --------------------------------------------------------------------------
# Tests


def _switch_ctor(ctx: FunctionContext, rows: list[Row], occs: list[Occ], col: int) -> None:
    occ = occs[col]
    inst = ctx.types.instance(occ.ty)
    seen = _distinct(_ctor_name(r.pats[col]) for r in rows)
    arms = []
    for name in seen:
        info = inst.ctors[name]
        fields = []
        for i, (fname, fty) in enumerate(info.fields):
            var = ctx.vars.user(_hint(rows, col, name, i, fname))
            b = Binding(var, fty, ht.is_heap(fty))
            fields.append(Occ(fty, V.place(b) if b.pack else Lowered(PRIM, fty, ir.Var(var), binding=b)))
        spec = [r2 for r in rows if (r2 := _specialize(r, col, occ, name, info)) is not None]
        with ctx.collect() as stmts:
            compile_rows(ctx, spec, [*occs[:col], *fields, *occs[col + 1:]])
        used = _names_used(stmts)
        pats = tuple(ir.PVar(f.val.expr.name) if f.val.expr.name in used else ir.PWild() for f in fields)
        arms.append(ir.Arm(ir.PCtor(info.name, pats), ir.Block(tuple(stmts))))
    if len(seen) < len(inst.ctors):
        arms.append(_default(ctx, rows, occs, col))
    ctx.emit(ir.Match(occ.obj, tuple(arms)))


def _switch_literal(ctx: FunctionContext, rows: list[Row], occs: list[Occ], col: int) -> None:
    occ = occs[col]
    seen = _distinct(_literal(r.pats[col]) for r in rows)
    arms = []
    for lit in seen:
        spec = []
        for r in rows:
            p = r.pats[col]
            if isinstance(p, (ast.PWild, ast.PVar)) or _literal(p) == lit:
                spec.append(_drop_column(r, col, occ))
        with ctx.collect() as stmts:
            compile_rows(ctx, spec, [*occs[:col], *occs[col + 1:]])
        arms.append(ir.Arm(_lolang_literal(lit), ir.Block(tuple(stmts))))
    both_bools = occ.ty == ht.BOOL and len(seen) == 2
    if not both_bools:
        arms.append(_default(ctx, rows, occs, col))
    scrutinee = occ.obj if occ.ty == ht.STRING else occ.val.expr
    ctx.emit(ir.Match(scrutinee, tuple(arms)))


def _default(ctx: FunctionContext, rows: list[Row], occs: list[Occ], col: int) -> ir.Arm:
    """`_ => ...`: the rows with a wildcard or variable in the column."""
    rest = [_drop_column(r, col, occs[col]) for r in rows if isinstance(r.pats[col], (ast.PWild, ast.PVar))]
    with ctx.collect() as stmts:
        compile_rows(ctx, rest, [*occs[:col], *occs[col + 1:]])
    return ir.Arm(ir.PWild(), ir.Block(tuple(stmts)))


# --------------------------------------------------------------------------
# The matrix


def _specialize(row: Row, col: int, occ: Occ, ctor: str, info) -> Row | None:
    """`row` once the column is known to hold `ctor`: its sub-patterns
    replace the column (None: the row cannot match)."""
    p = row.pats[col]
    arity = len(info.fields)
    binds = row.binds
    match p:
        case ast.PCtor(name, args) if name == ctor:
            subs = tuple(args)
        case ast.PRecord(name, fields) if name == ctor:
            given = dict(fields)
            subs = tuple(given.get(fname, WILD) for fname, _ in info.fields)
        case ast.PWild():
            subs = (WILD,) * arity
        case ast.PVar(name):
            subs = (WILD,) * arity
            binds = (*binds, (name, occ))
        case _:
            return None
    return Row((*row.pats[:col], *subs, *row.pats[col + 1:]), binds, row.arm)


def _drop_column(row: Row, col: int, occ: Occ) -> Row:
    p = row.pats[col]
    binds = (*row.binds, (p.name, occ)) if isinstance(p, ast.PVar) else row.binds
    return Row((*row.pats[:col], *row.pats[col + 1:]), binds, row.arm)


def _ctor_name(p: ast.Pattern) -> str | None:
    return p.ctor if isinstance(p, (ast.PCtor, ast.PRecord)) else None


def _literal(p: ast.Pattern):
    match p:
        case ast.PInt(value, u8):
            return ("int", value, u8)
        case ast.PBool(value):
            return ("bool", value)
        case ast.PString(value):
            return ("str", value)
    return None


def _lolang_literal(lit) -> ir.Pattern:
    match lit:
        case ("int", value, u8):
            return ir.PInt(value, u8)
        case ("bool", value):
            return ir.PBool(value)
        case ("str", value):
            return ir.PString(value)
    raise TypeError(lit)


def _distinct(items) -> list:
    out = []
    for x in items:
        if x is not None and x not in out:
            out.append(x)
    return out


def _hint(rows: list[Row], col: int, ctor: str, i: int, field: str | None) -> str:
    """A readable name for field `i`: the first variable an arm binds it
    to, else `f`."""
    for r in rows:
        p = r.pats[col]
        sub = None
        if isinstance(p, ast.PCtor) and p.ctor == ctor and i < len(p.args):
            sub = p.args[i]
        elif isinstance(p, ast.PRecord) and p.ctor == ctor:
            sub = dict(p.fields).get(field)
        if isinstance(sub, ast.PVar):
            return sub.name
    return "f"


def _names_used(stmts: list[ir.Stmt]) -> set[str]:
    return {n.name for s in stmts for n in walk(s) if isinstance(n, ir.Var)}


# --------------------------------------------------------------------------
# Leaves


def _leaf(ctx: FunctionContext, row: Row, occs: list[Occ]) -> None:
    from lowering.naive.statements import lower_block_into

    binds = [*row.binds, *((p.name, o) for p, o in zip(row.pats, occs) if isinstance(p, ast.PVar))]
    with ctx.scope():
        for name, occ in binds:
            _bind(ctx, name, occ)
        lower_block_into(ctx, row.arm.body)


def _bind(ctx: FunctionContext, name: str, occ: Occ) -> None:
    """A pattern variable: an alias of what it names, unless that is a
    `var` (or a field path) whose value must be taken now."""
    v = occ.val
    if v.binding is not None and not v.binding.mutable:
        ctx.bind(name, replace(v.binding, ty=occ.ty))
        return
    b = ctx.declare(name, occ.ty)
    value = V.consume(ctx, v) if v.kind != PRIM else v.expr
    ctx.emit(ir.Let(b.name, ctx.types.value_type(occ.ty) if b.pack else None, value))
