"""Check one function body and finalize its types.

Guarantees:
* Parameters are bound in a scope around the body, with the origin of their
  capabilities (for messages naming "parameter 'xs' of 'total'").
* In a monomorphized copy of a generic function, messages speak of the
  generic function, and each gets a note naming the copy's types and the
  call that made it (`instances`).
* After the body: deferred checks run (they wait for metas), a non-Unit
  function that can fall off its end is reported at the `}` ending its body, and
  every expression's `ty` and every call's `type_args` are replaced by
  their solutions. A type still unknown then is reported once, where it was
  introduced: at the `let` whose type it is, or at the `[]`, `map()`, `None`
  or generic call that made it (not in a function that already has errors:
  those usually explain it).
"""

from __future__ import annotations

from diagnostics import Span
from hilang.checker.capabilities import caps_of
from hilang.checker.context import Binding, FunContext, Origin, Reporter, Scope
from hilang.checker.env import FunSig, ProgramEnv
from hilang.checker.infer import ErrorType, Zonker, resolve
from hilang.checker.instances import annotate, written_param_type
from hilang.checker.returns import block_completes
from hilang.checker.statements import check_block
from hilang.types import UNIT


def check_function(env: ProgramEnv, report: Reporter, sig: FunSig) -> None:
    cx = FunContext(env, report, sig)
    before = report.count()
    scope = Scope()
    for i, ((name, ty), param) in enumerate(zip(sig.params, sig.decl.params)):
        caps = caps_of(ty)
        written = written_param_type(env, sig.decl, i) or ty
        origin = Origin(f"parameter '{name}' of '{sig.shown}' has {{{caps}}}", written) if caps else None
        scope.declare(Binding(name, ty, "param", param.span, origin))
    check_block(cx, sig.decl.body, scope)
    cx.deferred.run()
    ret = resolve(sig.ret)
    if ret != UNIT and not isinstance(ret, ErrorType) and block_completes(sig.decl.body):
        report.error(_closing_brace(sig.decl), f"'{sig.shown}' can reach its end without returning a value "
                                               f"of type {ret}: every path must end in 'return'")
    _finalize(cx, report.count() > before)
    annotate(report, before, sig.decl)


def _closing_brace(decl) -> Span:
    """Where a function falls off its end: the `}` of its body (as Swift,
    Kotlin and C compilers report it); the `fun` keyword if the body has no
    known end."""
    body = decl.body.span
    if body.end_line > 0 and body.end_col > 1:
        return Span(body.end_line, body.end_col - 1, body.end_line, body.end_col)
    return decl.span


def _finalize(cx: FunContext, had_errors: bool) -> None:
    z = Zonker()
    for e in cx.typed:
        e.ty = z.zonk(e.ty)
    for call in cx.calls:
        call.type_args = {name: z.zonk(t) for name, t in call.type_args.items()}
    if not had_errors:
        _report_unsolved(cx, z)


def _report_unsolved(cx: FunContext, z: Zonker) -> None:
    reported: set[int] = set()
    for name, span, ty in cx.lets:
        ty = z.zonk(ty)
        metas = z.unsolved(ty)
        if any(m.id not in reported for m in metas):
            cx.error(span, f"cannot infer the type of '{name}' ({ty}); add a type annotation")
            reported.update(m.id for m in metas)
    others = [t for call in cx.calls for t in call.type_args.values()] + [e.ty for e in cx.typed]
    for ty in others:
        for meta in z.unsolved(ty):
            if meta.id not in reported:
                reported.add(meta.id)
                cx.error(meta.span, f"cannot infer {meta.what}; add a type annotation")
