"""Operators to closures: unary and binary operators and `if .. then ..
else`. The arithmetic is chosen once, at compile time, from the operand
type the checker recorded (S64 wraps, U8 wraps modulo 256, F64 is IEEE);
variables and literals as operands are read directly rather than through a
closure, since they are most operands of the loops that run longest.
"""

from __future__ import annotations

import operator

from diagnostics import NOSPAN
from lolang import ir
from primitives import numbers
from lolang.interp import exprs
from lolang.interp.compiler import FunctionCompiler

compile_expr = exprs.compile_expr


def _span(pos):
    return pos.span() if pos is not None else NOSPAN


def _prim_name(k: FunctionCompiler, e) -> str:
    t = k.type_of(e)
    if isinstance(t, ir.RefType) and t.obj == ir.STRING:
        return "String"
    return t.name if isinstance(t, ir.PrimType) else "?"


_MIN, _MAX = numbers.S64_MIN, numbers.S64_MAX


def _operand(k: FunctionCompiler, e):
    """('slot', i) for a variable, ('const', v) for a literal, else
    ('expr', closure): the binary operators specialise on the first two,
    which are most operands of loop counters and conditions."""
    match e:
        case ir.Var(name):
            return "slot", k.slot(name)
        case ir.IntLit(value) | ir.FloatLit(value) | ir.BoolLit(value):
            return "const", value
    return "expr", compile_expr(k, e)


def _specialise(k: FunctionCompiler, e: ir.Binary, fn):
    """`lambda fr: fn(left, right)` with the operands read directly when
    they are variables or literals (one Python call fewer per operand)."""
    (lk, lv), (rk, rv) = _operand(k, e.left), _operand(k, e.right)
    match lk, rk:
        case "slot", "const":
            return lambda fr: fn(fr[lv], rv)
        case "slot", "slot":
            return lambda fr: fn(fr[lv], fr[rv])
        case "expr", "const":
            return lambda fr: fn(lv(fr), rv)
        case "expr", "slot":
            return lambda fr: fn(lv(fr), fr[rv])
        case "slot", "expr":
            return lambda fr: fn(fr[lv], rv(fr))
    left, right = _getter(lk, lv), _getter(rk, rv)
    return lambda fr: fn(left(fr), right(fr))


def _getter(kind: str, v):
    match kind:
        case "slot":
            return lambda fr: fr[v]
        case "const":
            return lambda fr: v
    return v


def _s64_add(a, b):
    r = a + b
    return r if _MIN <= r <= _MAX else numbers.wrap(r)


def _s64_sub(a, b):
    r = a - b
    return r if _MIN <= r <= _MAX else numbers.wrap(r)


def _s64_mul(a, b):
    r = a * b
    return r if _MIN <= r <= _MAX else numbers.wrap(r)


_COMPARE = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt,
    "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}
_ARITH = {
    "S64": {"+": _s64_add, "-": _s64_sub, "*": _s64_mul},
    "U8": {
        "+": lambda a, b: (a + b) & 0xFF,
        "-": lambda a, b: (a - b) & 0xFF,
        "*": lambda a, b: (a * b) & 0xFF,
    },
    "F64": {"+": operator.add, "-": operator.sub, "*": operator.mul},
}
_DIVIDE = {
    ("S64", "/"): numbers.div, ("S64", "%"): numbers.mod,
    ("U8", "/"): numbers.div_u8, ("U8", "%"): numbers.mod_u8,
}


def _binary(k: FunctionCompiler, e: ir.Binary):
    op = e.op
    if op in ("&&", "||"):
        left, right = compile_expr(k, e.left), compile_expr(k, e.right)
        if op == "&&":
            return lambda fr: left(fr) and right(fr)
        return lambda fr: left(fr) or right(fr)
    kind = _prim_name(k, e.left)
    if kind == "String":
        return _string_compare(k, op, compile_expr(k, e.left), compile_expr(k, e.right))
    if op in _COMPARE:
        return _specialise(k, e, _COMPARE[op])
    if (kind, op) in _DIVIDE:
        divide, span = _DIVIDE[kind, op], _span(e.pos)
        return _specialise(k, e, lambda a, b: divide(a, b, span))
    if kind == "F64" and op == "/":
        return _specialise(k, e, numbers.fdiv)
    return _specialise(k, e, _ARITH[kind][op])


def _string_compare(k: FunctionCompiler, op: str, left, right):
    """Strings are `bytes`, whose Python ordering is lolang's: by unsigned
    bytes, a proper prefix first."""
    live = k.m.live
    relation = _COMPARE[op]

    def compare(fr):
        a, b = left(fr), right(fr)
        live(a[0], "compare a string of")
        live(b[0], "compare a string of")
        return relation(a[1], b[1])

    return compare


def _unary(k: FunctionCompiler, e: ir.Unary):
    operand = compile_expr(k, e.operand)
    if e.op == "!":
        return lambda fr: not operand(fr)
    match _prim_name(k, e.operand):
        case "S64":
            return lambda fr: numbers.wrap(-operand(fr))
        case "U8":
            return lambda fr: -operand(fr) & 0xFF
    return lambda fr: -operand(fr)


def _if_expr(k: FunctionCompiler, e: ir.IfExpr):
    cond, then, els = compile_expr(k, e.cond), compile_expr(k, e.then), compile_expr(k, e.els)
    return lambda fr: then(fr) if cond(fr) else els(fr)


RULES = {
    ir.Unary: _unary,
    ir.Binary: _binary,
    ir.IfExpr: _if_expr,
}
exprs.RULES.update(RULES)
