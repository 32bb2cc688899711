"""Check the program's declarations and build its `ProgramEnv`.

Guarantees (LANGUAGE.md 1.3-1.5, 1.7), each reported at the declaration
that breaks it and then skipped, so the rest of the program is still checked:
* data type names are unique and not built-in type names; a data type's
  parameters are distinct; its fields only use those parameters;
* constructor names are unique across the program (`None`, `Some` taken);
  a constructor's named fields are distinct;
* a field of a data type only declares `{r}` containers, at any depth;
* function names are unique and not names of built-in functions; parameter
  names are distinct; type variables of a signature are implicit;
* `main` exists, takes nothing or `args: Array String`, and returns Unit.
"""

from __future__ import annotations

from diagnostics import Span
from hilang import ast
from hilang.checker.context import Reporter
from hilang.checker.env import (
    BUILTIN_FUNCTIONS,
    BUILTIN_TYPES,
    CtorInfo,
    DataInfo,
    FunSig,
    ProgramEnv,
    TypeVars,
    container_caps_in,
    option_info,
    resolve_type,
)
from hilang.checker.infer import ErrorType
from hilang.types import STRING, UNIT, ArrayType, Type


def build_env(program: ast.Program, report: Reporter) -> ProgramEnv:
    env = ProgramEnv()
    option = option_info()
    env.datas["Option"] = option
    for ctor in option.ctors:
        env.ctors[ctor.name] = ctor
    datas = [d for d in program.decls if isinstance(d, ast.DataDecl)]
    funs = [d for d in program.decls if isinstance(d, ast.FunDecl)]
    # All type names first: data types may refer to each other in any order.
    accepted = [d for d in datas if _declare_data(d, env, report)]
    for decl in accepted:
        _declare_ctors(decl, env, report)
    for decl in funs:
        _declare_fun(decl, env, report)
    _check_main(program, env, report)
    return env


def _declare_data(decl: ast.DataDecl, env: ProgramEnv, report: Reporter) -> bool:
    if decl.name in BUILTIN_TYPES:
        report.error(decl.span, f"'{decl.name}' is a built-in type; choose another name")
        return False
    if decl.name in env.datas:
        report.error(decl.span, f"data type '{decl.name}' is already defined")
        return False
    seen: set[str] = set()
    for param in decl.params:
        if param in seen:
            report.error(decl.span, f"type parameter '{param}' of '{decl.name}' is declared twice")
        seen.add(param)
    env.datas[decl.name] = DataInfo(decl.name, tuple(dict.fromkeys(decl.params)))
    return True


def _declare_ctors(decl: ast.DataDecl, env: ProgramEnv, report: Reporter) -> None:
    info = env.datas[decl.name]
    tvars = TypeVars(info.params, f"'{decl.name}' (its parameters are {_list(info.params)})")
    for cdecl in decl.ctors:
        fields = [(f.name, _field_type(f, env, tvars, report)) for f in cdecl.fields]
        _check_field_names(cdecl, report)
        ctor = CtorInfo(cdecl.name, decl.name, fields, cdecl.named, len(info.ctors))
        if cdecl.name in env.ctors:
            other = env.ctors[cdecl.name].data
            report.error(cdecl.span, f"constructor '{cdecl.name}' is already defined (in '{other}')")
            continue
        env.ctors[cdecl.name] = ctor
        info.ctors.append(ctor)


def _list(names) -> str:
    return ", ".join(names) if names else "none"


def _field_type(f: ast.FieldDecl, env: ProgramEnv, tvars: TypeVars, report: Reporter) -> Type:
    # Data values are immutable and may be shared freely, so a container
    # reached through one is always a read-only view (LANGUAGE.md 1.4).
    for name_node, caps in container_caps_in(f.type):
        if caps != "r":
            written = "'mut'" if name_node.mut else f"'{{{caps}}}'"
            report.error(
                name_node.span,
                f"fields of data types may only declare read-only containers, but this "
                f"{name_node.name} has {{{caps}}}; write it without {written}",
            )
    return resolve_type(f.type, env, tvars, report)


def _check_field_names(cdecl: ast.CtorDecl, report: Reporter) -> None:
    seen: set[str] = set()
    for f in cdecl.fields:
        if f.name is None:
            continue
        if f.name in seen:
            report.error(f.span, f"field '{f.name}' of '{cdecl.name}' is declared twice")
        seen.add(f.name)


def _declare_fun(decl: ast.FunDecl, env: ProgramEnv, report: Reporter) -> None:
    tvars = TypeVars(None, f"'{decl.name}'")
    params = []
    seen: set[str] = set()
    for p in decl.params:
        if p.name in seen:
            report.error(p.span, f"parameter '{p.name}' of '{decl.name}' is declared twice")
        seen.add(p.name)
        params.append((p.name, resolve_type(p.type, env, tvars, report)))
    ret = UNIT if decl.ret is None else resolve_type(decl.ret, env, tvars, report)
    sig = FunSig(decl.name, params, ret, tuple(tvars.seen), decl)
    env.bodies.append(sig)
    if decl.name in BUILTIN_FUNCTIONS:
        report.error(decl.span, f"'{decl.name}' is a built-in function; a function may not take its name")
    elif decl.name in env.funs:
        report.error(decl.span, f"function '{decl.name}' is already defined")
    else:
        env.funs[decl.name] = sig


def _is_args(t: Type) -> bool:
    return isinstance(t, ArrayType) and t.elem == STRING


def _check_main(program: ast.Program, env: ProgramEnv, report: Reporter) -> None:
    sig = env.funs.get("main")
    if sig is None:
        span = program.span if program.span.known else Span(1, 1, 1, 1)
        report.error(span, "the program has no 'main' function: write 'fun main() { ... }'")
        return
    span = sig.decl.span
    types = [t for _, t in sig.params]
    if any(isinstance(t, ErrorType) for t in [*types, sig.ret]):
        return
    if not (types == [] or (len(types) == 1 and _is_args(types[0]))):
        report.error(span, "'main' must take no parameters or one 'args: Array String'")
    if sig.ret != UNIT:
        report.error(span, f"'main' must return Unit, not {sig.ret}")
