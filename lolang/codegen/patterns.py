"""`match`: the arms are tried in order; each arm's pattern compiles to a
chain of tests that branch to the next arm on the first mismatch and bind
the arm's variables as they go (each arm has a scope of its own, so a
binding made before a later test fails is simply never read). The
checker proved the arms exhaustive, so falling off the last is
`unreachable`.

What a test reads: which constructor made a data value (codegen/layout.py:
an immediate's value, or the tag word of an object whose type has one), a
field through its constructor's layout, an integer or Bool by value, a
string by its bytes (`hic_string_eq` against a constant laid out like a
runtime string).
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import regions
from lolang.codegen import types as T
from lolang.codegen.expressions import emit_value
from lolang.codegen.function import FunctionEmitter


def emit_match(fn: FunctionEmitter, s: ir.Match) -> None:
    t = fn.type_of(s.scrutinee)
    value = emit_value(fn, s.scrutinee)
    emit_arms(fn, s.arms, "match", lambda arm, next_arm: _test(fn, arm.pattern, value, t, next_arm))


def emit_arms(fn: FunctionEmitter, arms, name: str, enter) -> None:
    """The arms of a `match` or a `match reset`, tried in order: each in a
    scope of its own, `enter(arm, next_arm)` testing its pattern (on to
    `next_arm` if it fails) and binding what it binds, then its body; past
    the last arm is unreachable (the checker makes matches exhaustive)."""
    from lolang.codegen.statements import emit_block

    b = fn.b
    done = fn.block(f"{name}.done")
    for arm in arms:
        next_arm = fn.block(f"{name}.next")
        fn.push()
        enter(arm, next_arm)
        emit_block(fn, arm.body)
        fn.pop()
        if not b.block.is_terminated:
            b.branch(done)
        b.position_at_end(next_arm)
    b.unreachable()
    b.position_at_end(done)


def _test(fn: FunctionEmitter, p, value: ll.Value, t, fail: ll.Block) -> None:
    """Continue in the current block when `value` (of lolang type `t`)
    matches `p`, else branch to `fail`."""
    b = fn.b
    match p:
        case ir.PWild():
            return
        case ir.PVar(name):
            fn.bind_var(name, value)
            return
        case ir.PInt(n):
            _branch(fn, b.icmp_signed("==", value, ll.Constant(value.type, n)), fail)
        case ir.PBool(v):
            _branch(fn, b.icmp_unsigned("==", value, T.I1(int(v))), fail)
        case ir.PString(text):
            same = b.call(fn.module_cx.runtime("hic_string_eq"), [value, fn.module_cx.string(text.encode("utf-8"))])
            _branch(fn, b.icmp_signed("!=", same, T.I32(0)), fail)
        case ir.PCtor(name, args):
            layout, ctor = fn.module_cx.ctors[name]
            layout.is_ctor(b, value, name, fail, lambda ok, fail: _branch(fn, ok, fail))
            offsets = layout.field_offsets(ctor)
            for i, (sub, f) in enumerate(zip(args, ctor.fields)):
                if isinstance(sub, ir.PWild):
                    continue
                field = T.load_slot(b, f.type, regions.field(fn, value, offsets[i]))
                _test(fn, sub, field, ir.slot_value_type(f.type, t.region), fail)
        case _:
            raise TypeError(f"not a pattern: {p!r}")


def _branch(fn: FunctionEmitter, ok: ll.Value, fail: ll.Block) -> None:
    then = fn.block("match.ok")
    fn.b.cbranch(ok, then, fail)
    fn.b.position_at_end(then)
