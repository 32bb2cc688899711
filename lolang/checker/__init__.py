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

A pass leaves most functions as they were, the very same objects
(`lolang.traverse.updated`), and what checking a function finds depends
only on it and on the declarations it looks up by name: the functions it
calls (their signatures), the data types and constructors it names. So
`check` keeps each accepted function's facts from its last run, with the
declarations it looked up, and hands them out again for the same function
object while those declarations are equal: the answer it would compute
again, without the walk. A pass that checks a function it rewrote
(`check_function_kept`: rc-elide's rounds, unpack-in-place's trials) leaves
those facts for the next `check` in the same way, so the pipeline's check
after the pass does not walk that very function again.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics import CompileError, Diagnostic
from lolang import ir
from lolang.checker import blocks, decls
from lolang.checker.context import CheckContext, ProgramInfo, Reject
from lolang.checker.result import CheckResult
from lolang.checker.types import expect, resolve


@dataclass
class _Facts:
    """What checking `fun` found (its part of a `CheckResult`), and the
    declarations it looked up, as they were then (`CheckContext.callees`,
    `datas_seen`, `ctors_seen`)."""

    fun: ir.FunDecl
    types: dict
    binders: dict
    params: tuple
    callees: dict
    datas: dict
    ctors: dict

    def hold_in(self, info: ProgramInfo) -> bool:
        """Whether every function called has the signature it had, and
        every data type and constructor looked up is as it was."""
        for name, old in self.callees.items():
            new = info.funs.get(name)
            if new is not old and (new is None or new.regions != old.regions or new.params != old.params
                                   or new.ret != old.ret):
                return False
        for name, old in self.datas.items():
            new = info.datas.get(name)
            if new is not old and new != old:
                return False
        for name, old in self.ctors.items():
            new = info.ctors.get(name)
            if new is not old and new != old:
                return False
        return True


# The functions of the last program accepted, their facts by id (each
# holds its function, so no other object takes its id).
_last_facts: dict[int, _Facts] = {}
# The functions a pass checked itself since (`check_function_kept`), by id.
_kept_facts: dict[int, _Facts] = {}


def check(program: ir.Program) -> CheckResult:
    """Check `program`; return what was learnt of it (every expression's
    type, every region binder's uid: `CheckResult`)."""
    global _last_facts, _kept_facts
    errors: list[Diagnostic] = []
    result = CheckResult(program)
    info = decls.collect(program, errors)
    last = _last_facts if not errors else {}
    kept = _kept_facts if not errors else {}
    _kept_facts = {}
    facts_now: dict[int, _Facts] = {}
    types, binders, params = result.types, result.binders, result.params
    for fun in program.funs:
        facts = last.get(id(fun))
        if facts is None or facts.fun is not fun:
            facts = kept.get(id(fun))
        if facts is None or facts.fun is not fun or not facts.hold_in(info):
            part = CheckResult(program)
            try:
                cx = check_function(info, fun, part)
            except Reject as error:
                errors.append(Diagnostic(error.span, error.message))
                continue
            facts = _Facts(fun, part.types, part.binders, part.params[fun.name], cx.callees, cx.datas_seen,
                           cx.ctors_seen)
        facts_now[id(fun)] = facts
        types.update(facts.types)
        binders.update(facts.binders)
        params[fun.name] = facts.params
    if errors:
        raise CompileError(errors)
    _last_facts = facts_now
    return result


def check_function_kept(info: ProgramInfo, fun: ir.FunDecl, program: ir.Program) -> CheckResult:
    """`check_function` of `fun` (raising `Reject` as it does) into a
    result of its own, returned; what it found is also kept for the next
    `check`, which hands it out for this very function object if the
    declarations it looked up are still as they were (the module
    docstring)."""
    result = CheckResult(program)
    cx = check_function(info, fun, result)
    _kept_facts[id(fun)] = _Facts(fun, result.types, result.binders, result.params[fun.name], cx.callees,
                                  cx.datas_seen, cx.ctors_seen)
    return result


def check_function(info: ProgramInfo, fun: ir.FunDecl, result: CheckResult) -> CheckContext:
    """Check `fun`, recording what is learnt in `result`; return the
    context it was checked in (what it looked up is there)."""
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
        return cx
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
    return cx


__all__ = ["check", "check_function_kept", "CheckResult"]
