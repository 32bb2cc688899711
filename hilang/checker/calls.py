"""Type calls of user functions, constructor applications and record
literals (LANGUAGE.md 1.3, 1.5, 1.7).

Guarantees:
* A call of a generic function instantiates its type variables with fresh
  metas, pushes the expected result type into them, then checks each
  argument against its parameter (so `None`, `[]` and `Nil` arguments get
  their type from the parameter). `Call.type_args` holds the metas; they
  are solved and replaced by types when the function ends.
* A constructor is applied like a function whose type variables are the
  data type's parameters. Positional constructors are built with `C(...)`,
  named ones with `C { f = ... }`; a record literal gives every field
  exactly once, or copies a value of the same (single-constructor) type
  `with` some fields changed.
"""

from __future__ import annotations

from hilang import ast
from hilang.checker.builtins import check_builtin
from hilang.checker.context import FunContext, Scope
from hilang.checker.env import BUILTIN_FUNCTIONS, CtorInfo
from hilang.checker.infer import ERROR, Meta, hint
from hilang.checker.rules import check_against, check_expr, rule
from hilang.types import DataType, Type, substitute


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _check_loose(cx: FunContext, args, scope: Scope) -> None:
    """Type arguments that have nowhere to go (after an arity error), so
    their own errors are still found."""
    for a in args:
        check_expr(cx, a, scope)


@rule(ast.Call)
def check_call(cx: FunContext, e: ast.Call, scope: Scope, expected: Type | None) -> Type:
    e.type_args = {}
    e.builtin = e.func in BUILTIN_FUNCTIONS
    if e.builtin:
        return check_builtin(cx, e, scope, expected)
    sig = cx.env.funs.get(e.func)
    if sig is None:
        cx.error(e.span, f"unknown function '{e.func}'")
        _check_loose(cx, e.args, scope)
        return ERROR
    metas = {v: Meta(e.span, f"type variable '{v}' of '{sig.shown}'") for v in sig.tvars}
    e.type_args = dict(metas)
    cx.calls.append(e)
    ret = substitute(sig.ret, metas)
    if expected is not None:
        hint(ret, expected)
    if len(e.args) != len(sig.params):
        cx.error(e.span, f"'{sig.shown}' takes {_plural(len(sig.params), 'argument')}, found {len(e.args)}")
        _check_loose(cx, e.args, scope)
        return ret
    for i, (arg, (pname, ptype)) in enumerate(zip(e.args, sig.params), 1):
        check_against(cx, arg, scope, substitute(ptype, metas), e.span,
                      f"pass {{value}} to parameter '{pname}' of '{sig.shown}'",
                      f"argument {i} of '{sig.shown}'")
    return ret


def _instantiate(cx: FunContext, ctor: CtorInfo, e, expected: Type | None) -> tuple[DataType, dict]:
    info = cx.env.datas[ctor.data]
    metas = {p: Meta(e.span, f"type parameter '{p}' of '{info.name}' in this '{ctor.name}'")
             for p in info.params}
    result = DataType(info.name, tuple(metas.values()))
    if expected is not None:
        hint(result, expected)
    return result, metas


def _lookup_ctor(cx: FunContext, name: str, e) -> CtorInfo | None:
    ctor = cx.env.ctors.get(name)
    if ctor is None:
        cx.error(e.span, f"unknown constructor '{name}'")
    return ctor


@rule(ast.Construct)
def check_construct(cx: FunContext, e: ast.Construct, scope: Scope, expected: Type | None) -> Type:
    ctor = _lookup_ctor(cx, e.ctor, e)
    if ctor is None:
        _check_loose(cx, e.args, scope)
        return ERROR
    result, metas = _instantiate(cx, ctor, e, expected)
    if ctor.named and ctor.fields:
        names = ", ".join(f"{n} = ..." for n in ctor.field_names())
        cx.error(e.span, f"constructor '{ctor.name}' has named fields; write '{ctor.name} {{ {names} }}'")
        _check_loose(cx, e.args, scope)
        return result
    if len(e.args) != len(ctor.fields):
        cx.error(e.span, f"constructor '{ctor.name}' takes {_plural(len(ctor.fields), 'argument')}, "
                         f"found {len(e.args)}")
        _check_loose(cx, e.args, scope)
        return result
    for i, (arg, (_, ftype)) in enumerate(zip(e.args, ctor.fields), 1):
        check_against(cx, arg, scope, substitute(ftype, metas), e.span,
                      f"store {{value}} in '{ctor.name}'", f"argument {i} of '{ctor.name}'")
    return result


@rule(ast.RecordLit)
def check_record(cx: FunContext, e: ast.RecordLit, scope: Scope, expected: Type | None) -> Type:
    ctor = _lookup_ctor(cx, e.ctor, e)
    if ctor is None:
        _check_loose(cx, [v for _, v in e.fields] + ([e.base] if e.base else []), scope)
        return ERROR
    result, metas = _instantiate(cx, ctor, e, expected)
    if ctor.fields and not ctor.named:
        cx.error(e.span, f"constructor '{ctor.name}' has positional fields; write '{ctor.name}(...)'")
        _check_loose(cx, [v for _, v in e.fields], scope)
        return result
    if e.base is not None:
        _check_base(cx, e, ctor, result, scope)
    given: set[str] = set()
    for name, value in e.fields:
        ftype = ctor.field_type(name)
        if ftype is None:
            cx.error(e.span, f"constructor '{ctor.name}' has no field '{name}'")
            check_expr(cx, value, scope)
            continue
        if name in given:
            cx.error(e.span, f"field '{name}' is given twice")
        given.add(name)
        check_against(cx, value, scope, substitute(ftype, metas), e.span,
                      f"store {{value}} in field '{name}' of '{ctor.name}'", f"field '{name}' of '{ctor.name}'")
    missing = [n for n in ctor.field_names() if n not in given]
    if e.base is None and missing:
        listed = ", ".join(f"'{n}'" for n in missing)
        cx.error(e.span, f"missing {'field' if len(missing) == 1 else 'fields'} {listed} of '{ctor.name}'")
    return result


def _check_base(cx: FunContext, e: ast.RecordLit, ctor: CtorInfo, result: Type, scope: Scope) -> None:
    info = cx.env.datas[ctor.data]
    # With several constructors the base might be another one at run time,
    # and there would be nothing sensible to copy.
    if len(info.ctors) != 1:
        cx.error(e.span, f"'{ctor.name} {{ ... with ... }}' needs a data type with one constructor; "
                         f"'{info.name}' has {len(info.ctors)}")
    check_against(cx, e.base, scope, result, e.span, "copy {value}", f"the value copied by '{ctor.name}'")
