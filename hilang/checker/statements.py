"""Check statements and blocks (LANGUAGE.md 1.5, 1.7).

Guarantees:
* Scoping is by block: every block opens a scope; a name may be declared
  once per block and shadow names of enclosing scopes. Parameters, loop
  variables and pattern variables live in a scope just outside the body
  they belong to, so the body may shadow them (`var n = n;`).
* Only `var`s can be assigned; the value must fit the variable's type
  (with capability weakening). `a[i] = x` needs `w` on the array.
* `break` and `continue` only inside loops; `return` matches the result.
* Each `match` is checked for exhaustiveness once the function's types are
  solved, and reported at its `match` keyword.
"""

from __future__ import annotations

from hilang import ast
from hilang.checker.capabilities import NEEDS, cap_error, caps_of, describe, element_origin, explain
from hilang.checker.context import Binding, FunContext, Origin, Scope
from hilang.checker.env import TypeVars, resolve_type
from hilang.checker.exhaustive import missing_patterns
from hilang.checker.infer import ERROR, ErrorType, has_error, resolve, unsolved, view, zonk
from hilang.checker.instances import written_let, written_type
from hilang.checker.patterns import bind_pattern
from hilang.checker.rules import check_against, check_exact, check_expr, known
from hilang.types import BOOL, S64, STRING, UNIT, ArrayType, MapType, Type, caps_le


def check_block(cx: FunContext, block: ast.Block, scope: Scope) -> None:
    with scope.child() as inner:
        for stmt in block.stmts:
            _STMTS[type(stmt)](cx, stmt, inner)


def _declare(cx: FunContext, scope: Scope, binding: Binding, span) -> None:
    if not scope.declare(binding):
        cx.error(span, f"'{binding.name}' is already declared in this block")


def _let(cx: FunContext, s: ast.Let, scope: Scope) -> None:
    kind = "var" if s.mutable else "let"
    copied, written = written_let(cx.fun.decl, s.span)
    if s.type is not None:
        tvars = TypeVars(cx.fun.tvars, f"'{cx.fun.shown}'")
        ty = resolve_type(s.type, cx.env, tvars, cx.report)
        check_against(cx, s.value, scope, ty, s.span, f"bind {{value}} to '{s.name}'")
        caps = caps_of(ty)
        if copied and written is None:
            # `mono` wrote this annotation, not the user: as in the generic
            # body, the local keeps its value's origin.
            origin = explain(s.value, scope, cx.env) if caps and caps != "rwa" else None
        else:
            fix = written_type(cx.env, written) if copied else ty
            origin = Origin(f"'{s.name}' is declared {{{caps}}}", fix) if caps else None
    else:
        ty = check_expr(cx, s.value, scope)
        caps = caps_of(ty)
        # A local keeps the capabilities of its value, and so their origin.
        origin = explain(s.value, scope, cx.env) if caps and caps != "rwa" else None
        cx.lets.append((s.name, s.span, ty))
    _declare(cx, scope, Binding(s.name, ty, kind, s.span, origin), s.span)


_NOT_ASSIGNABLE = {
    "param": "cannot assign to parameter '{name}'; copy it into a 'var' to change it",
    "loop": "cannot assign to loop variable '{name}'",
    "pattern": "cannot assign to '{name}': it is bound by a pattern",
    "let": "cannot assign to '{name}': it is declared with 'let'; declare it with 'var' to assign it",
}


def _assign(cx: FunContext, s: ast.Assign, scope: Scope) -> None:
    binding = scope.lookup(s.name)
    if binding is None or binding.kind != "var":
        if binding is None:
            cx.error(s.span, f"unknown variable '{s.name}'")
        else:
            cx.error(s.span, _NOT_ASSIGNABLE[binding.kind].format(name=s.name))
        check_expr(cx, s.value, scope)
        return
    check_against(cx, s.value, scope, binding.ty, s.span, f"assign {{value}} to '{s.name}'")


def _index_assign(cx: FunContext, s: ast.IndexAssign, scope: Scope) -> None:
    target = known(cx, check_expr(cx, s.target, scope), s.target)
    check_exact(cx, s.index, scope, S64, "an index is an S64")
    match target:
        case ArrayType(elem, caps):
            if not caps_le(NEEDS["write"], caps):
                cx.error(s.span, cap_error("assign to an element of {value}", s.target, caps,
                                           NEEDS["write"], scope, cx.env))
            check_against(cx, s.value, scope, elem, s.span, f"store {{value}} in {describe(s.target)}")
            return
        case None:
            pass
        case _ if target == STRING:
            cx.error(s.target.span, f"cannot assign to a byte of {describe(s.target)}: strings are immutable")
        case MapType():
            cx.error(s.target.span, f"cannot assign to {describe(s.target)}[...]: use insert(map, key, value)")
        case _:
            cx.error(s.target.span, f"cannot index {describe(s.target)} of type {target}")
    check_expr(cx, s.value, scope)


def _if(cx: FunContext, s: ast.If, scope: Scope) -> None:
    check_exact(cx, s.cond, scope, BOOL, "a condition is a Bool")
    check_block(cx, s.then, scope)
    match s.els:
        case ast.Block():
            check_block(cx, s.els, scope)
        case ast.If():
            _if(cx, s.els, scope)


def _loop_body(cx: FunContext, body: ast.Block, scope: Scope) -> None:
    cx.loop_depth += 1
    check_block(cx, body, scope)
    cx.loop_depth -= 1


def _while(cx: FunContext, s: ast.While, scope: Scope) -> None:
    check_exact(cx, s.cond, scope, BOOL, "a condition is a Bool")
    _loop_body(cx, s.body, scope)


def _for_range(cx: FunContext, s: ast.ForRange, scope: Scope) -> None:
    check_exact(cx, s.lo, scope, S64, "a range bound is an S64")
    check_exact(cx, s.hi, scope, S64, "a range bound is an S64")
    with scope.child() as inner:
        inner.declare(Binding(s.var, S64, "loop", s.span))
        _loop_body(cx, s.body, inner)


def _for_each(cx: FunContext, s: ast.ForEach, scope: Scope) -> None:
    items = known(cx, check_expr(cx, s.iterable, scope), s.iterable)
    ty: Type = ERROR
    origin = None
    match items:
        case ArrayType(elem, caps):
            ty = view(elem, caps, cx.deferred, s.span)
            origin = element_origin(s.iterable, scope, cx.env) if caps_of(ty) else None
        case MapType(key):
            ty = key
        case None:
            pass
        case _ if items == STRING:
            named = describe(s.iterable)
            what = "a String" if named == "this value" else f"{named}, a String"
            cx.error(s.iterable.span, f"cannot iterate over {what}; use 'for i in 0..len(s)' and index it")
        case _:
            cx.error(s.iterable.span, f"cannot iterate over {describe(s.iterable)} of type {items}: "
                                      f"only Array and Map can be iterated")
    with scope.child() as inner:
        inner.declare(Binding(s.var, ty, "loop", s.span, origin))
        _loop_body(cx, s.body, inner)


def _jump(cx: FunContext, s, scope: Scope) -> None:
    if cx.loop_depth == 0:
        word = "break" if isinstance(s, ast.Break) else "continue"
        cx.error(s.span, f"'{word}' outside of a loop")


def _return(cx: FunContext, s: ast.Return, scope: Scope) -> None:
    fun = cx.fun
    if s.value is None:
        ret = resolve(fun.ret)
        if ret != UNIT and not isinstance(ret, ErrorType):
            cx.error(s.span, f"'{fun.shown}' returns {ret}: 'return' needs a value")
        return
    check_against(cx, s.value, scope, fun.ret, s.span, f"return {{value}} from '{fun.shown}'",
                  f"the result of '{fun.shown}'")


def _match(cx: FunContext, s: ast.Match, scope: Scope) -> None:
    ty = check_expr(cx, s.scrutinee, scope)
    patterns_ok = True
    for arm in s.arms:
        before = cx.report.count()
        with scope.child() as arm_scope:
            bind_pattern(cx, arm.pattern, ty, arm_scope)
            patterns_ok = patterns_ok and cx.report.count() == before
            check_block(cx, arm.body, arm_scope)
    if patterns_ok:
        cx.deferred.add(lambda: _exhaustive(cx, s, ty))


def _exhaustive(cx: FunContext, s: ast.Match, ty: Type) -> None:
    ty = zonk(ty)
    if unsolved(ty) or has_error(ty):
        return  # reported as a type that cannot be inferred
    missing = missing_patterns([arm.pattern for arm in s.arms], ty, cx.env)
    if missing == ["_"] and not s.arms:
        cx.error(s.span, f"match is not exhaustive: it has no arm for any {ty}; add a '_' arm")
    elif missing == ["_"]:
        cx.error(s.span, f"match is not exhaustive: literal patterns never cover every {ty}; add a '_' arm")
    elif missing:
        shown = ", ".join(f"'{m}'" for m in missing)
        cx.error(s.span, f"match is not exhaustive: missing {shown}")


def _expr_stmt(cx: FunContext, s: ast.ExprStmt, scope: Scope) -> None:
    check_expr(cx, s.expr, scope)


_STMTS = {
    ast.Let: _let,
    ast.Assign: _assign,
    ast.IndexAssign: _index_assign,
    ast.If: _if,
    ast.While: _while,
    ast.ForRange: _for_range,
    ast.ForEach: _for_each,
    ast.Break: _jump,
    ast.Continue: _jump,
    ast.Return: _return,
    ast.Match: _match,
    ast.ExprStmt: _expr_stmt,
}
