"""Translate hilang expressions to Python expressions (see `translate`).

A hilang expression has no statements inside it, so each one becomes a single
Python expression that keeps hilang's order of evaluation: Python also
evaluates operands, call arguments and tuple elements left to right, and where
it would not (a bounds check reading the length before the index is known,
say) a walrus temporary fixes the order.
"""

from __future__ import annotations

from diagnostics import CompilerBug
from hilang import ast, types
from hilang.interp import pyast as P
from hilang.interp.builtins import BUILTINS
from hilang.interp.context import DEPTH, SIMPLE, FunctionContext, counted
from hilang.interp.runtime import MAX_CALL_DEPTH, S64_BIAS, wrap_s64

def compile_expr(ctx: FunctionContext, e: ast.Expr) -> P.py.expr:
    return _COMPILERS[type(e)](ctx, e)


def prim(ty) -> str:
    """The name of a primitive type ('S64', 'F64', ...), or '' for others."""
    return ty.name if isinstance(ty, types.Prim) else ""


def wrapped(ctx: FunctionContext, value: P.py.expr) -> P.py.expr:
    """`value` wrapped to S64: `t if -2**63 <= (t := value) < 2**63 else
    _wrap(t)`. Comparing is cheaper than always masking: no big ints are made
    on the common path."""
    t = ctx.temp()
    in_range = P.in_range(P.const(-S64_BIAS), P.walrus(t, value), P.const(S64_BIAS))
    return P.ifexp(in_range, P.name(t), P.call("_wrap", P.name(t)))


# --------------------------------------------------------------------------
# Operators


def _arith(op: str):
    return lambda ctx, e, a, b: P.binop(a, op, b)


def _wrapping(op: str):
    return lambda ctx, e, a, b: wrapped(ctx, P.binop(a, op, b))


def _byte(op: str):
    return lambda ctx, e, a, b: P.binop(P.binop(a, op, b), "&", P.const(255))


def _dividing(helper: str, op: str, signed: bool):
    """`/` and `%`, which fail on a zero divisor and, on S64, round unlike
    Python's operators when an operand is negative. Inline, the common case
    is Python's own operator:

        a % b if a >= 0 and b > 0 else _smod(a, b, span)    # S64
        a % b if b else _umod(a, b, span)                    # U8

    A test known true (a positive literal divisor) is left out. An operand
    that is not simple is read through a walrus temporary placed in the
    condition where it is always evaluated, in hilang's order; when neither
    operand is simple, the helper alone keeps that order."""

    def build(ctx: FunctionContext, e: ast.Binary, a: P.py.expr, b: P.py.expr) -> P.py.expr:
        simple_a, simple_b = isinstance(e.left, SIMPLE), isinstance(e.right, SIMPLE)
        span = ctx.program.span(e.span)
        if not (simple_a or simple_b):
            return P.call(helper, a, b, span)
        known_b = isinstance(e.right, ast.IntLit) and e.right.value > 0
        conds = []
        if not simple_b:  # then `a` is simple: evaluating `b` first is unobservable
            t = ctx.temp()
            conds.append(P.walrus(t, b) if not signed else P.compare(P.walrus(t, b), ">", P.const(0)))
            b = P.name(t)
        if signed:
            if not simple_a:
                t = ctx.temp()
                conds.insert(0, P.compare(P.walrus(t, a), ">=", P.const(0)))
                a = P.name(t)
            else:
                conds.append(P.compare(a, ">=", P.const(0)))
        if simple_b and not known_b:
            conds.append(P.compare(b, ">", P.const(0)) if signed else b)
        # Unsigned with `a` not simple: `a` stays in both branches, one runs.
        fast = P.binop(a, op, b)
        return P.ifexp(P.and_(*conds), fast, P.call(helper, a, b, span)) if conds else fast

    return build


# (operand type, operator) -> how to build the Python for it.
ARITHMETIC = {
    ("S64", "+"): _wrapping("+"), ("S64", "-"): _wrapping("-"), ("S64", "*"): _wrapping("*"),
    ("S64", "/"): _dividing("_sdiv", "//", signed=True),
    ("S64", "%"): _dividing("_smod", "%", signed=True),
    ("U8", "+"): _byte("+"), ("U8", "-"): _byte("-"), ("U8", "*"): _byte("*"),
    ("U8", "/"): _dividing("_udiv", "//", signed=False),
    ("U8", "%"): _dividing("_umod", "%", signed=False),
    ("F64", "+"): _arith("+"), ("F64", "-"): _arith("-"), ("F64", "*"): _arith("*"),
    ("F64", "/"): lambda ctx, e, a, b: P.call("_fdiv", a, b),
    ("String", "++"): lambda ctx, e, a, b: counted(P.binop(a, "+", b), (e.left, e.right)),
}
COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}


def _binary(ctx: FunctionContext, e: ast.Binary) -> P.py.expr:
    left, right = compile_expr(ctx, e.left), compile_expr(ctx, e.right)
    if e.op == "&&":
        return P.and_(left, right)
    if e.op == "||":
        return P.or_(left, right)
    if e.op in COMPARISONS:
        return P.compare(left, e.op, right)
    build = ARITHMETIC.get((prim(e.left.ty), e.op))
    if build is None:
        raise CompilerBug(f"no meaning for '{e.op}' on {e.left.ty} at {e.span}")
    return build(ctx, e, left, right)


def _unary(ctx: FunctionContext, e: ast.Unary) -> P.py.expr:
    if e.op == "!":
        return P.not_(compile_expr(ctx, e.operand))
    kind = prim(e.operand.ty)
    if isinstance(e.operand, ast.IntLit):
        # Folded, so that `-9223372036854775808` (S64's minimum) is a constant.
        value = -e.operand.value
        return P.const(value & 255 if kind == "U8" else wrap_s64(value))
    operand = compile_expr(ctx, e.operand)
    if kind == "S64":
        return wrapped(ctx, P.neg(operand))
    if kind == "U8":
        return P.binop(P.neg(operand), "&", P.const(255))
    return P.neg(operand)


# --------------------------------------------------------------------------
# Leaves, calls and data


def _string(ctx: FunctionContext, e: ast.StringLit) -> P.py.expr:
    return counted(P.const(e.value.encode("utf-8", "surrogatepass")))


def _call(ctx: FunctionContext, e: ast.Call) -> P.py.expr:
    args = [compile_expr(ctx, a) for a in e.args]
    if e.builtin:
        return BUILTINS[e.func](ctx, e, args)
    # The depth check is the last argument, so it runs after the arguments
    # are evaluated, as the call itself would.
    depth = P.ifexp(P.compare(P.name(DEPTH), "<", P.const(MAX_CALL_DEPTH)),
                    P.binop(P.name(DEPTH), "+", P.const(1)),
                    P.call("_overflow", ctx.program.span(e.span)))
    return P.call(f"f_{e.func}", *args, depth)


def _construct(ctx: FunctionContext, e: ast.Construct) -> P.py.expr:
    return counted(P.tuple_(P.const(e.ctor), *(compile_expr(ctx, a) for a in e.args)), e.args)


def _record(ctx: FunctionContext, e: ast.RecordLit) -> P.py.expr:
    layout = ctx.program.ctors[e.ctor]
    slots = tuple(layout.slot(f) for f, _ in e.fields)
    operands = [v for _, v in e.fields]
    values = [compile_expr(ctx, v) for v in operands]
    if e.base is not None:
        # The first argument: `base` is evaluated before the fields.
        copy = P.call("_with", compile_expr(ctx, e.base), P.const(slots), *values)
        return counted(copy, [e.base, *operands])
    if list(slots) == sorted(slots) or all(isinstance(v, SIMPLE) for v in operands):
        by_slot = dict(zip(slots, values))
        return counted(P.tuple_(P.const(e.ctor), *(by_slot[s] for s in sorted(by_slot))), operands)
    return counted(P.call("_record", P.const(e.ctor), P.const(slots), *values), operands)


def _field(ctx: FunctionContext, e: ast.FieldGet) -> P.py.expr:
    target = compile_expr(ctx, e.target)
    if not isinstance(e.target.ty, types.DataType):
        raise CompilerBug(f"field '{e.name}' of a {e.target.ty} at {e.span}")
    ctors = ctx.program.data_ctors[e.target.ty.name]
    slots = {c: ctx.program.ctors[c].slot(e.name) for c in ctors}
    if len(set(slots.values())) == 1:
        return P.item(target, slots[ctors[0]])
    # The field sits at a different place in each constructor: look it up
    # by the value's tag.
    t = ctx.temp()
    table = ctx.program.constant("_fields", slots)
    return P.subscript(P.walrus(t, target), P.subscript(table, P.item(P.name(t), 0)))


def _index(ctx: FunctionContext, e: ast.Index) -> P.py.expr:
    target, index = compile_expr(ctx, e.target), compile_expr(ctx, e.index)
    span = ctx.program.span(e.span)
    if not isinstance(e.target, SIMPLE):
        return P.call("_index", target, index, span)
    # `xs[i] if 0 <= i < len(xs) else _oob(xs, i, span)`, inline: indexing
    # is the hottest operation of most programs. The length is read after
    # the index is evaluated, as native code does.
    if not isinstance(e.index, SIMPLE):
        t = ctx.temp()
        index, read = P.walrus(t, index), P.name(t)
    else:
        read = index
    check = P.in_range(P.const(0), index, P.call("len", target))
    return P.ifexp(check, P.subscript(target, read), P.call("_oob", target, read, span))


_COMPILERS = {
    ast.IntLit: lambda ctx, e: P.const(e.value),
    ast.FloatLit: lambda ctx, e: P.const(float(e.value)),
    ast.BoolLit: lambda ctx, e: P.const(bool(e.value)),
    ast.UnitLit: lambda ctx, e: P.const(None),
    ast.StringLit: _string,
    ast.Var: lambda ctx, e: P.name(ctx.lookup(e.name)),
    ast.Call: _call,
    ast.Construct: _construct,
    ast.RecordLit: _record,
    ast.FieldGet: _field,
    ast.Index: _index,
    ast.IfExpr: lambda ctx, e: P.ifexp(compile_expr(ctx, e.cond), compile_expr(ctx, e.then),
                                       compile_expr(ctx, e.els)),
    ast.ArrayLit: lambda ctx, e: counted(P.list_(*(compile_expr(ctx, x) for x in e.elems)), e.elems),
    ast.Binary: _binary,
    ast.Unary: _unary,
}
