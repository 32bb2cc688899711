"""Block expressions to closures — `region`, `unpack`, `restrict`, `do` —
and blocks used for their value. A signal from a statement inside leaves as
an `Escape`, so that a block holding a reference (a `region` block's own, an
owned `unpack`'s temporary) releases it whichever way control leaves.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import unpack_borrows
from lolang.interp import exprs
from lolang.interp.compiler import FunctionCompiler
from lolang.interp.machine import ESCAPES, Escape

compile_expr = exprs.compile_expr


def block_value(k: FunctionCompiler, b: ir.Block):
    """A block used as an expression: a signal from one of its statements
    leaves as an `Escape`."""
    from lolang.interp.stmts import compile_stmt

    k.push()
    stmts = [compile_stmt(k, s) for s in b.stmts]
    result = compile_expr(k, b.result) if b.result is not None else None
    k.pop()

    def run(fr):
        for s in stmts:
            signal = s(fr)
            if signal is not None:
                raise ESCAPES[signal]
        return result(fr) if result is not None else None

    return run


def _region(k: FunctionCompiler, e: ir.Region):
    table = k.m.table
    k.push()
    slot = k.bind_region(e.name, k.checked.binder(e))
    body = block_value(k, e.body)
    k.pop()

    def region(fr):
        rid = fr[slot] = table.create()
        try:
            value = body(fr)
        except Escape:
            table.release(rid)
            raise
        table.release(rid)
        return value

    return region


def _unpack(k: FunctionCompiler, e: ir.Unpack):
    m, table = k.m, k.m.table
    owned = not unpack_borrows(e.pack)
    pack = compile_expr(k, e.pack)
    k.push()
    region_slot = k.bind_region(e.region, k.checked.binder(e))
    var_slot = k.bind(e.var)
    body = block_value(k, e.body)
    k.pop()

    def unpack(fr):
        obj, rid = pack(fr)
        m.table.check(rid, "unpack a pack of")
        fr[region_slot] = rid
        fr[var_slot] = obj
        if not owned:
            return body(fr)
        try:
            value = body(fr)
        except Escape:
            table.release(rid)
            raise
        table.release(rid)
        return value

    return unpack


def _restrict(k: FunctionCompiler, e: ir.Restrict):
    return block_value(k, e.body)  # capabilities have no run-time form


def _do(k: FunctionCompiler, e: ir.Do):
    return block_value(k, e.body)


RULES = {
    ir.Region: _region,
    ir.Unpack: _unpack,
    ir.Restrict: _restrict,
    ir.Do: _do,
}
exprs.RULES.update(RULES)
