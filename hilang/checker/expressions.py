"""Type every expression (LANGUAGE.md 1.5, 1.7).

Guarantees:
* Literals, variables, field access, indexing, `if` expressions and array
  literals are typed here; operators in `operators.py`; calls, constructors
  and records in `calls.py`; built-in functions in `builtins.py`.
* An expression that is wrong gets `ERROR`, which never causes another
  diagnostic.
"""

from __future__ import annotations

from hilang import ast
from hilang.checker.capabilities import describe
from hilang.checker.coerce import mismatch
from hilang.checker.context import FunContext, Scope
from hilang.checker.infer import ERROR, Meta, join, resolve, view
from hilang.checker.rules import check_against, check_exact, check_expr, known, rule
from hilang.types import BOOL, F64, S64, STRING, U8, UNIT, ArrayType, DataType, MapType, Type, substitute

S64_MAX = 2**63 - 1


@rule(ast.IntLit)
def _int(cx: FunContext, e: ast.IntLit, scope, expected) -> Type:
    if e.u8:
        if not 0 <= e.value <= 255:
            cx.error(e.span, f"integer literal {e.value}u8 does not fit U8 (0 to 255)")
        return U8
    if not -S64_MAX - 1 <= e.value <= S64_MAX:
        cx.error(e.span, f"integer literal {e.value} does not fit S64")
    return S64


def _constant(node_type: type, ty: Type) -> None:
    rule(node_type)(lambda cx, e, scope, expected: ty)


_constant(ast.FloatLit, F64)
_constant(ast.BoolLit, BOOL)
_constant(ast.StringLit, STRING)
_constant(ast.UnitLit, UNIT)


@rule(ast.Var)
def _var(cx: FunContext, e: ast.Var, scope: Scope, expected) -> Type:
    binding = scope.lookup(e.name)
    if binding is not None:
        return binding.ty
    if e.name in cx.env.funs:
        cx.error(e.span, f"'{e.name}' is a function, not a value; functions can only be called")
    else:
        cx.error(e.span, f"unknown variable '{e.name}'")
    return ERROR


@rule(ast.FieldGet)
def _field(cx: FunContext, e: ast.FieldGet, scope: Scope, expected) -> Type:
    target = known(cx, check_expr(cx, e.target, scope), e.target)
    if target is None:
        return ERROR
    if not isinstance(target, DataType):
        cx.error(e.target.span, f"{describe(e.target)} has type {target}, which has no fields")
        return ERROR
    info = cx.env.datas[target.name]
    owners = [c for c in info.ctors if c.field_type(e.name) is not None]
    if not owners:
        cx.error(e.span, f"type '{target.name}' has no field '{e.name}'")
        return ERROR
    lacking = [c.name for c in info.ctors if c.field_type(e.name) is None]
    if lacking:
        cx.error(e.span, f"not every constructor of '{target.name}' has field '{e.name}' "
                         f"(it is missing in '{lacking[0]}'); use match")
        return ERROR
    declared = {c.field_type(e.name) for c in owners}
    if len(declared) > 1:
        cx.error(e.span, f"field '{e.name}' has different types in the constructors of "
                         f"'{target.name}'; use match")
        return ERROR
    return substitute(declared.pop(), info.subst(target))


@rule(ast.Index)
def _index(cx: FunContext, e: ast.Index, scope: Scope, expected) -> Type:
    target = known(cx, check_expr(cx, e.target, scope), e.target)
    check_exact(cx, e.index, scope, S64, "an index is an S64")
    match target:
        case None:
            return ERROR
        case ArrayType(elem, caps):
            return view(elem, caps, cx.deferred, e.span)
        case _ if target == STRING:
            return U8
        case MapType():
            cx.error(e.target.span, f"cannot index {describe(e.target)} of type {target} with [...]; use get(map, key)")
        case _:
            cx.error(e.target.span, f"cannot index {describe(e.target)} of type {target}: only Array and String can be indexed")
    return ERROR


@rule(ast.IfExpr)
def _if(cx: FunContext, e: ast.IfExpr, scope: Scope, expected) -> Type:
    check_exact(cx, e.cond, scope, BOOL, "a condition is a Bool")
    then = check_expr(cx, e.then, scope, expected)
    els = check_expr(cx, e.els, scope, expected)
    both = join(then, els)
    if both is None:
        cx.error(e.els.span, mismatch(then, els, "both branches of 'if' must have the same type"))
        return ERROR
    return both


@rule(ast.ArrayLit)
def _array(cx: FunContext, e: ast.ArrayLit, scope: Scope, expected) -> Type:
    hint = resolve(expected) if expected is not None else None
    if isinstance(hint, ArrayType):
        for x in e.elems:
            check_against(cx, x, scope, hint.elem, e.span, "store {value} in this array")
        return ArrayType(hint.elem, "rwa")
    if not e.elems:
        return ArrayType(Meta(e.span, "the element type of this empty array '[]'"), "rwa")
    elem = check_expr(cx, e.elems[0], scope)
    for x in e.elems[1:]:
        ty = check_expr(cx, x, scope, elem)
        both = join(elem, ty)
        if both is None:
            cx.error(x.span, mismatch(elem, ty, "the elements of an array must have the same type"))
        else:
            elem = both
    return ArrayType(elem, "rwa")


