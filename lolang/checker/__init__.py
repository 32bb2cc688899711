"""The lolang checker (LANGUAGE.md §2.3, docs/lolang.md §7 and "Checking
rules"): `check(program) -> None`.

Assumes a parsed `ir.Program` (any: hand-written, lowered, optimized).
Guarantees, when it returns: every region used is in scope, every operation
holds the capabilities it needs, no value outlives the region its type
mentions, every owned pack is consumed exactly once on every path (so
reference counts balance), and the program is well typed. Otherwise it
raises `CompileError` with one diagnostic per broken declaration and per
function (the first error in each function: later ones often follow from
it), each naming the rule broken and, for capabilities, the region and what
it holds.

Modules: `context` (scopes, regions), `flow` (linearity state), `types`,
`capabilities`, `exprs`, `builtins`, `stmts`, `patterns`, and `decls`
(declarations and signatures).
"""

from __future__ import annotations

from diagnostics import CompileError, Diagnostic
from lolang import ir
from lolang.checker import blocks, decls
from lolang.checker.context import CheckContext, ProgramInfo, Reject
from lolang.checker.result import CheckResult
from lolang.checker.types import expect, resolve


def check(program: ir.Program) -> CheckResult:
    """Check `program`; return what was learnt of it (every expression's
    type, every region binder's uid: `CheckResult`)."""
    errors: list[Diagnostic] = []
    result = CheckResult(program)
    info = decls.collect(program, errors)
    for fun in program.funs:
        try:
            check_function(info, fun, result)
        except Reject as error:
            errors.append(Diagnostic(error.span, error.message))
    if errors:
        raise CompileError(errors)
    return result


def check_function(info: ProgramInfo, fun: ir.FunDecl, result: CheckResult) -> None:
    cx = CheckContext(info, fun, result)
    uids = []
    for param in fun.regions:
        note = f"region parameter '{param.name}: {param.caps}' of '{fun.name}'" if param.caps else (
            f"region parameter '{param.name}' of '{fun.name}' declares none"
        )
        uids.append(cx.new_region(param.name, param.caps, "param", note).uid)
    result.params[fun.name] = tuple(uids)
    params = [cx.declare(p.name, resolve(cx, p.type, p.span), False, p.span) for p in fun.params]
    cx.ret = resolve(cx, fun.ret, fun.span)
    value = blocks.block(cx, fun.body)
    if cx.flow.dead:
        return
    if fun.body.result is not None:
        expect(cx, cx.ret, value, fun.body.result.span, f"the result of '{fun.name}'")
    elif cx.ret != ir.UNIT:
        end = fun.body.span
        raise Reject(
            end,
            f"'{fun.name}' can reach the end of its body at {end.end_line}:{max(end.end_col - 1, 1)} without "
            f"returning a '{cx.show(cx.ret)}' (type rule)",
        )
    for var in params:
        if var.owned_pack and cx.flow.consumed(var.key) is None:
            raise Reject(
                var.span,
                f"owned pack parameter '{var.name}' is never consumed: it leaks at the end of '{fun.name}' "
                f"(linearity rule)",
            )


__all__ = ["check", "CheckResult"]
