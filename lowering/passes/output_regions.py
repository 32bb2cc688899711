"""The `output-regions` pass: a function that always returns a value it
made gets the region to make it in from its caller (Tofte–Birkedal's
output regions; `fun make[o: rwa](d: S64): Tree @o`).

Assumes: a checked lolang program.

A value is *fresh* when it comes from a site (`region q { pack{c} A }`
where `A` is a reference into q: the block made the object), a static
object, a call of a fresh function, a linear temporary (`lowering.
analysis.var_uses`) holding a fresh value and only unpacked besides, or an
`if`/block whose every value is fresh. A function (not `main`) is fresh
when every value it returns is: a fixpoint that starts from every function
returning a pack and refutes.

A fresh function `f` gets a region parameter `o: rwa` and returns `T @o`;
each returned site allocates in `o` directly, each fresh callee returning
into it gets `o`. Every other call `f(x)` becomes the site
`region q { pack{c} f[q](x) }`.

Guarantees: the same objects are made in regions of the same lifetimes,
with the same counts (the region each call's result lives in is now
created by the caller instead of the callee). What it changes is that a
caller can now choose where a structure goes: a later pass gives a child
the region of the node that holds it.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames, rename_region
from lolang.traverse import map_children, walk
from lowering.analysis.callgraph import calls
from lowering.analysis.fresh import fresh_temp, is_fresh, returned, site, static_pack
from lowering.analysis.var_uses import var_uses
from lowering.passes.remarks import Remark

NAME = "output-regions"
LEVEL = 2
OUTPUT_CAPS = "rwa"


def run(program: ir.Program, checked):
    from lowering.pipeline import PassResult

    funs = {f.name: f for f in program.funs}
    uses = _Uses(funs)
    fresh = _fresh_functions(funs, uses, checked)
    remarks: list[Remark] = []
    outputs = {name: FreshNames(funs[name])("o") for name in fresh}
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl) and (decl.name in outputs or calls(decl) & fresh):
            decl = _rewrite(decl, funs, fresh, outputs, uses[decl.name], checked, remarks)
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


class _Uses(dict):
    """Function name -> its `var_uses`, found on first need (only the
    functions returning a pack are asked)."""

    def __init__(self, funs: dict):
        super().__init__()
        self.funs = funs

    def __missing__(self, name: str):
        found = self[name] = var_uses(self.funs[name], self.funs.get)
        return found


# --------------------------------------------------------------------------
# which functions are fresh


def _fresh_functions(funs, uses, checked) -> set[str]:
    values = {name: returned(f) for name, f in funs.items() if name != "main" and isinstance(f.ret, ir.PackType)}
    fresh = {name for name, vs in values.items() if vs}
    changed = True
    while changed:
        changed = False
        for name in sorted(fresh):
            if not all(is_fresh(v, fresh, uses[name], checked) for v in values[name]):
                fresh.discard(name)
                changed = True
    return fresh


# --------------------------------------------------------------------------
# the rewrite


def _rewrite(f: ir.FunDecl, funs, fresh, outputs, uses, checked, remarks) -> ir.FunDecl:
    names = FreshNames(f)
    names.reserve(outputs.values())
    output = outputs.get(f.name)
    # Linear temporaries whose value is returned: made in `output` too.
    refs: dict[str, str] = {}
    if output is not None:
        for value in returned(f):
            _temps_to(value, output, uses, checked, refs)

    def to_dest(e, dest: str):
        """`e`, a fresh value, made in region `dest` as a reference."""
        found = site(e, checked)
        if found is not None:
            q, _, value = found
            stmts = tuple(go(s) for s in e.body.stmts)
            value = go(rename_region(value, q, dest))
            return ir.Do(ir.Block(stmts, value)) if stmts else value
        match e:
            case _ if static_pack(e):
                return e.value
            case ir.Call(func, regions, args) if func in fresh:
                return replace(e, regions=(*regions, dest), args=tuple(go(a) for a in args))
            case ir.Var(name):
                assert refs.get(name) == dest, name
                return e
            case ir.IfExpr(cond, then, els):
                return replace(e, cond=go(cond), then=to_dest(then, dest), els=to_dest(els, dest))
            case ir.Unpack(pack, _, _, body):
                return replace(e, pack=go(pack), body=block_to(body, dest))
            case ir.Do(body) | ir.Restrict(body=body) | ir.Region(body=body):
                return replace(e, body=block_to(body, dest))
        raise AssertionError(f"not a fresh value: {type(e).__name__}")

    def block_to(b: ir.Block, dest: str) -> ir.Block:
        return replace(b, stmts=tuple(go(s) for s in b.stmts), result=to_dest(b.result, dest))

    def go(n):
        match n:
            case ir.Return(value) if output is not None and value is not None:
                return replace(n, value=to_dest(value, output))
            case ir.Let(name, _, value) if name in refs:
                return replace(n, type=None, value=to_dest(value, refs[name]))
            case ir.Unpack(ir.Var(v), s, x, body) if v in refs:
                body = go(rename_region(body, s, refs[v]))
                return ir.Do(replace(body, stmts=(ir.Let(x, None, ir.Var(v)), *body.stmts)), span=n.span)
            case ir.Call(func, regions, args) if func in fresh:
                q = names("q")
                caps = funs[func].ret.caps
                call = replace(n, regions=(*regions, q), args=tuple(go(a) for a in args))
                return ir.Region(q, ir.Block((), ir.Pack(caps, call)))
        return map_children(n, go)

    ret, regions = f.ret, f.regions
    if output is None:
        body = go(f.body)
    else:
        body = replace(f.body, stmts=tuple(go(s) for s in f.body.stmts),
                       result=to_dest(f.body.result, output) if f.body.result is not None else None)
        ret = ir.RefType(f.ret.obj, output)
        regions = (*regions, ir.RegionParam(output, OUTPUT_CAPS))
        remarks.append(Remark("output region", f.name, f"returns '{ir.type_str(f.ret.obj)} @{output}'"))
    return replace(f, regions=regions, ret=ret, body=body)


def _temps_to(e, dest: str, uses, checked, refs: dict[str, str]) -> None:
    """Record the linear temporaries a fresh value `e` flows through."""
    if site(e, checked) is not None or static_pack(e):
        return
    match e:
        case ir.Var(name):
            refs[name] = dest
            _temps_to(uses.defs[name].value, dest, uses, checked, refs)
        case ir.IfExpr(_, then, els):
            _temps_to(then, dest, uses, checked, refs)
            _temps_to(els, dest, uses, checked, refs)
        case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body):
            _temps_to(body.result, dest, uses, checked, refs)
