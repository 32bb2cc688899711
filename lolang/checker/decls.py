"""Declarations: data types, constructors and function signatures, checked
once before any body (every function sees every declaration, so order does
not matter and recursion needs nothing special).

Signature rules: names are unique (constructors across the program); no
function takes a built-in's name; region parameters are distinct and not
`P`; parameter and result types mention only the function's region
parameters; a result is never borrowed; `main` has no region parameters and
no parameter, or one `args: Pack{c} (Array S)` with S `String` or
`Pack{c'} String` (docs/lolang.md §4).
"""

from __future__ import annotations

from diagnostics import Diagnostic
from lolang import ir
from lolang.checker.context import ProgramInfo


def collect(program: ir.Program, errors: list[Diagnostic]) -> ProgramInfo:
    info = ProgramInfo({}, {}, {})

    def error(span, message):
        errors.append(Diagnostic(span, message))

    for data in program.datas:
        if data.name in info.datas:
            error(data.span, f"data type '{data.name}' is declared twice")
        info.datas[data.name] = data
        for ctor in data.ctors:
            if ctor.name in info.ctors:
                error(ctor.span, f"constructor '{ctor.name}' is declared twice (constructor names are unique)")
            info.ctors[ctor.name] = (data, ctor)
    for data in program.datas:
        for ctor in data.ctors:
            names = [f.name for f in ctor.fields if f.name is not None]
            if len(set(names)) != len(names):
                error(ctor.span, f"constructor '{ctor.name}' names a field twice")
            for field in ctor.fields:
                _known(info, field.type, field.span, error)
    for fun in program.funs:
        if fun.name in info.funs:
            error(fun.span, f"function '{fun.name}' is declared twice")
        elif fun.name in ir.BUILTINS:
            error(fun.span, f"'{fun.name}' is a built-in: no function may take its name")
        info.funs[fun.name] = fun
        _signature(info, fun, error)
    main = info.funs.get("main")
    if main is None:
        error(program.span, "the program has no 'main' function")
    else:
        _main(main, error)
    return info


def _known(info: ProgramInfo, t, span, error) -> None:
    match t:
        case ir.DataType(name) if name not in info.datas:
            error(t.span if t.span.known else span, f"unknown data type '{name}' (type rule)")
        case ir.ArrayType(elem):
            _known(info, elem, span, error)
        case ir.MapType(key, value):
            _known(info, key, span, error)
            _known(info, value, span, error)
        case ir.RefType(obj, _) | ir.PackType(_, obj):
            _known(info, obj, span, error)
        case ir.BorrowType(pack):
            _known(info, pack, span, error)


def _signature(info: ProgramInfo, fun: ir.FunDecl, error) -> None:
    regions = [r.name for r in fun.regions]
    for r in fun.regions:
        if r.name == ir.PRIMITIVE_REGION:
            error(r.span, "'P' is the primitive region: it cannot be a region parameter")
        elif regions.count(r.name) > 1:
            error(r.span, f"region parameter '{r.name}' of '{fun.name}' is declared twice")
    names = [p.name for p in fun.params]
    for p in fun.params:
        if names.count(p.name) > 1:
            error(p.span, f"parameter '{p.name}' of '{fun.name}' is declared twice")
        _known(info, p.type, p.span, error)
        _mentions_params(fun, p.type, p.span, error)
    _known(info, fun.ret, fun.span, error)
    _mentions_params(fun, fun.ret, fun.span, error)
    if isinstance(fun.ret, ir.BorrowType):
        error(fun.span, f"'{fun.name}' cannot return a borrowed pack: return an owned one (linearity rule)")


def _mentions_params(fun: ir.FunDecl, t, span, error) -> None:
    for region in ir.free_regions(t):
        if region not in {r.name for r in fun.regions}:
            error(t.span if t.span.known else span,
                  f"type '{ir.type_str(t)}' in the signature of '{fun.name}' names region '{region}', "
                  f"which is not one of its region parameters (scope rule)")


def _main(main: ir.FunDecl, error) -> None:
    if main.regions:
        error(main.span, "'main' takes no region parameters")
    if main.ret != ir.UNIT:
        error(main.span, "'main' returns Unit")
    if not main.params:
        return
    ok = len(main.params) == 1 and _is_args_type(main.params[0].type)
    if not ok:
        error(main.span, "'main' takes no parameter or one 'args: Pack{c} (Array S)', S 'String' or 'Pack{c} String'")


def _is_args_type(t) -> bool:
    match t:
        case ir.PackType(_, ir.ArrayType(elem)):
            return elem == ir.STRING or (isinstance(elem, ir.PackType) and elem.obj == ir.STRING)
    return False
