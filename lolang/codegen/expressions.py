"""Expressions: `emit_expr(fn, e)` emits `e` and returns its LLVM value
(None for a block with no value), dispatching on the node's class through
`RULES`.

Arithmetic follows LANGUAGE.md 1.6–1.7 exactly: S64 and U8 `+ - *` are
LLVM's wrapping integer operations (no `nsw`/`nuw`, so no poison); `/` and
`%` test the divisor first — zero is the runtime error, and S64's −1 gives
`0 - a` and `0` directly, since `sdiv S64_MIN, -1` traps on x86-64; F64
operations carry no fast-math flags, so LLVM never fuses or reorders them.
"""

from __future__ import annotations

from llvmlite import ir as ll

from diagnostics.errors import MAX_CALL_DEPTH
from lolang import ir
from lolang.codegen import types as T
from lolang.codegen.function import DIVISION_BY_ZERO, STACK_OVERFLOW, FunctionEmitter, coerce


def emit_expr(fn: FunctionEmitter, e) -> ll.Value | None:
    fn.live_block()
    if fn.module_cx.sites is not None:  # compiled for --profile
        from lolang.codegen.profile import emit_at_site

        return emit_at_site(fn, e, RULES[type(e)])
    return RULES[type(e)](fn, e)


def emit_value(fn: FunctionEmitter, e) -> ll.Value:
    """`e`, which must have a value (a Unit block's is `()`)."""
    value = emit_expr(fn, e)
    return value if value is not None else T.I8(0)


# ------------------------------------------------------------------ leaves


def _int(fn: FunctionEmitter, e: ir.IntLit) -> ll.Value:
    return (T.I8 if e.u8 else T.I64)(e.value)


def _var(fn: FunctionEmitter, e: ir.Var) -> ll.Value:
    slot = fn.var(e.name)
    return fn.b.load(slot, typ=slot.allocated_type, name=e.name)


# ------------------------------------------------------------------ operators


def _unary(fn: FunctionEmitter, e: ir.Unary) -> ll.Value:
    x = emit_value(fn, e.operand)
    b = fn.b
    if e.op == "!":
        return b.xor(x, T.I1(1))
    if x.type == T.F64:
        return b.fneg(x)
    return b.sub(ll.Constant(x.type, 0), x)


_SIGNED = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
# `!=` is true when either side is NaN (unordered); the rest are ordered.
_FLOAT = {"==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}
_INT_ARITH = {"+": "add", "-": "sub", "*": "mul"}
_FLOAT_ARITH = {"+": "fadd", "-": "fsub", "*": "fmul", "/": "fdiv"}


def _binary(fn: FunctionEmitter, e: ir.Binary) -> ll.Value:
    if e.op in ("&&", "||"):
        return _short_circuit(fn, e)
    t = fn.type_of(e.left)
    a = emit_value(fn, e.left)
    c = emit_value(fn, e.right)
    b = fn.b
    if isinstance(t, ir.RefType):  # strings compare by bytes
        if e.op in ("==", "!="):
            same = b.icmp_signed("!=", b.call(fn.module_cx.runtime("hic_string_eq"), [a, c]), T.I32(0))
            return same if e.op == "==" else b.xor(same, T.I1(1))
        order = b.call(fn.module_cx.runtime("hic_string_cmp"), [a, c])
        return b.icmp_signed(e.op, order, T.I32(0))
    if e.op in _SIGNED:
        if a.type == T.F64:
            if e.op == "!=":
                return b.fcmp_unordered("!=", a, c)
            return b.fcmp_ordered(_FLOAT[e.op], a, c)
        if T.is_prim(t, "U8", "Bool", "Unit"):
            return b.icmp_unsigned(e.op, a, c)
        return b.icmp_signed(e.op, a, c)
    if a.type == T.F64:
        return getattr(b, _FLOAT_ARITH[e.op])(a, c)
    if e.op in _INT_ARITH:
        return getattr(b, _INT_ARITH[e.op])(a, c)
    return _divide(fn, e, a, c, signed=T.is_prim(t, "S64"))


def _divide(fn: FunctionEmitter, e: ir.Binary, a: ll.Value, c: ll.Value, signed: bool) -> ll.Value:
    b = fn.b
    divisor = c.constant if isinstance(c, ll.Constant) and isinstance(c.constant, int) else None
    if divisor is not None and divisor != 0 and not (signed and divisor in (-1, (1 << c.type.width) - 1)):
        # A known divisor neither 0 nor -1 needs no test (all 127 of
        # gl1500's divisions: 12 lines of IR and 4 blocks each, which
        # LLVM folded away anyway).
        if not signed:
            return b.udiv(a, c) if e.op == "/" else b.urem(a, c)
        return b.sdiv(a, c) if e.op == "/" else b.srem(a, c)
    zero = ll.Constant(a.type, 0)
    fn.guard(b.icmp_signed("==", c, zero), "div.zero", lambda: fn.panic(DIVISION_BY_ZERO, e.pos))
    if not signed:
        return b.udiv(a, c) if e.op == "/" else b.urem(a, c)
    # S64_MIN / -1 overflows (and traps in hardware): by -1, negate.
    minus_one, plain, done = fn.block("div.neg"), fn.block("div"), fn.block("div.done")
    b.cbranch(b.icmp_signed("==", c, ll.Constant(a.type, -1)), minus_one, plain)
    b.position_at_end(minus_one)
    negated = b.sub(zero, a) if e.op == "/" else zero
    b.branch(done)
    b.position_at_end(plain)
    quotient = b.sdiv(a, c) if e.op == "/" else b.srem(a, c)
    b.branch(done)
    b.position_at_end(done)
    result = b.phi(a.type)
    result.add_incoming(negated, minus_one)
    result.add_incoming(quotient, plain)
    return result


def _short_circuit(fn: FunctionEmitter, e: ir.Binary) -> ll.Value:
    b = fn.b
    left = coerce(emit_value(fn, e.left), T.I1)
    start = b.block
    right_block, done = fn.block("logic.right"), fn.block("logic.done")
    if e.op == "&&":
        b.cbranch(left, right_block, done)
    else:
        b.cbranch(left, done, right_block)
    b.position_at_end(right_block)
    right = coerce(emit_value(fn, e.right), T.I1)
    end = b.block
    b.branch(done)
    b.position_at_end(done)
    result = b.phi(T.I1)
    result.add_incoming(T.I1(0 if e.op == "&&" else 1), start)
    result.add_incoming(right, end)
    return result


def _if_expr(fn: FunctionEmitter, e: ir.IfExpr) -> ll.Value:
    b = fn.b
    from lolang.codegen.objects import found_value

    lltype = fn.llvm_type_of(e)
    found = found_value(e)  # `get` lowered
    cond = emit_value(fn, e.cond)
    then, els, done = fn.block("ifx.then"), fn.block("ifx.else"), fn.block("ifx.done")
    b.cbranch(coerce(cond, T.I1), then, els)
    incoming = []
    for block, branch in ((then, e.then), (els, e.els)):
        b.position_at_end(block)
        if found and branch is e.then:
            fn.map_found[found] = fn.contains_found
            value = coerce(emit_value(fn, branch), lltype)
            del fn.map_found[found]
        else:
            value = coerce(emit_value(fn, branch), lltype)
        incoming.append((value, b.block))
        b.branch(done)
    b.position_at_end(done)
    result = b.phi(lltype)
    for value, block in incoming:
        result.add_incoming(value, block)
    return result


# ------------------------------------------------------------------ calls


def _call(fn: FunctionEmitter, e: ir.Call) -> ll.Value:
    """Arguments left to right, then the depth check every engine makes
    (diagnostics.errors.MAX_CALL_DEPTH: the call that would make more
    calls active at once is `stack overflow` at the call), then the call,
    which runs one deeper (the depth is each function's hidden first
    parameter: module.py, "Call depth")."""
    decl, callee = fn.module_cx.funs[e.func]
    if decl is fn.decl:
        callee = fn.recursion  # the function's twin (module.py, TWIN)
    from lolang.codegen.regions import region_struct

    args = [fn.region(r) for r in e.regions]
    args += [region_struct(fn, rid) for rid in args]  # codegen/regions.py, "Region structs"
    params = callee.function_type.args[1 + len(args):]
    args += [coerce(emit_value(fn, a), t) for a, t in zip(e.args, params)]
    b = fn.b
    fn.guard(b.icmp_signed(">=", fn.depth, T.I64(MAX_CALL_DEPTH)), "depth",
             lambda: fn.panic(STACK_OVERFLOW, e.pos))
    return b.call(callee, [b.add(fn.depth, T.I64(1)), *args])


def _builtin(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value | None:
    from lolang.codegen.builtins import RULES as BUILTINS

    return BUILTINS[e.name](fn, e)


# ------------------------------------------------------------------ blocks


def _restrict(fn: FunctionEmitter, e: ir.Restrict) -> ll.Value | None:
    from lolang.codegen.statements import emit_block

    return emit_block(fn, e.body)  # capabilities have no run-time form


def _do(fn: FunctionEmitter, e: ir.Do) -> ll.Value | None:
    from lolang.codegen.statements import emit_block

    return emit_block(fn, e.body)


def _rules() -> dict:
    from lolang.codegen import objects, regions, reuse

    return {
        ir.Reuse: reuse.emit_reuse,
        ir.IntLit: _int,
        ir.FloatLit: lambda fn, e: T.F64(e.value),
        ir.BoolLit: lambda fn, e: T.I1(int(e.value)),
        ir.UnitLit: lambda fn, e: T.I8(0),
        ir.Var: _var,
        ir.Unary: _unary,
        ir.Binary: _binary,
        ir.IfExpr: _if_expr,
        ir.Call: _call,
        ir.Builtin: _builtin,
        ir.Restrict: _restrict,
        ir.Do: _do,
        **objects.EXPR_RULES,
        **regions.EXPR_RULES,
    }


RULES = _rules()
