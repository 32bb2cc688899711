"""A whole program: signatures first (names, parameter modes), then each
function, then the data declarations the functions used.

Assumes a checked, monomorphized program. Guarantees every function keeps
its hilang name unless lolang reserves it (a keyword, or a built-in such as
`concat`: then `concat_1`), takes no region parameter, takes each heap
parameter as `Pack{c} T` (owned) or `&Pack{c} T` (borrowed, see
`borrow.py`) and returns its result as an owned pack.
"""

from __future__ import annotations

from hilang import ast
from hilang import types as ht
from hilang.summary import walk as walk_hilang
from lolang import ir
from lowering.naive import borrow
from lowering.naive.context import FunctionContext, FunSig, Names, ProgramContext
from lowering.naive.statements import lower_block
from lowering.naive.types import TypeMap, resolve


def lower_program(program: ast.Program) -> ir.Program:
    types = TypeMap(program)
    modes = borrow.infer(program)
    fun_names = Names({f.name for f in program.funs})
    funs = {}
    for f in program.funs:
        name = fun_names.user(f.name)
        params = tuple(resolve(p.type, {}) for p in f.params)
        ret = resolve(f.ret, {}) if f.ret is not None else ht.UNIT
        funs[f.name] = FunSig(name, modes[f.name], params, ret)
    pcx = ProgramContext(types, funs)
    lowered = [lower_function(pcx, f) for f in program.funs]
    return ir.Program((*types.decls(), *lowered))


def lower_function(pcx: ProgramContext, f: ast.FunDecl) -> ir.FunDecl:
    sig = pcx.funs[f.name]
    ctx = FunctionContext(pcx, Names(_identifiers(f)), Names(set()))
    params = []
    for p, ty, owned in zip(f.params, sig.params, sig.owned):
        b = ctx.declare(p.name, ty, owned=owned)
        ptype = pcx.types.borrowed(ty) if b.pack and not owned else pcx.types.value_type(ty)
        params.append(ir.Param(b.name, ptype))
    body = lower_block(ctx, f.body)
    return ir.FunDecl(sig.name, (), tuple(params), pcx.types.value_type(sig.ret), body)


def _identifiers(f: ast.FunDecl) -> set[str]:
    """Every name the function's hilang text uses: temporaries avoid them."""
    names = set()
    for n in walk_hilang(f):
        attribute = _NAMING_ATTRIBUTE.get(type(n))
        if attribute is not None:
            names.add(getattr(n, attribute))
    return names


# The hilang nodes that name a variable, and the attribute holding the name.
_NAMING_ATTRIBUTE = {ast.Var: "name", ast.Let: "name", ast.Assign: "name", ast.Param: "name", ast.PVar: "name",
                     ast.ForRange: "var", ast.ForEach: "var"}
