"""The `borrow-regions` pass: a borrowed pack parameter becomes a region
parameter and a plain reference (Lean 4's borrow inference, Vale's region
parameters).

Assumes: a checked lolang program.

Finds each `&Pack{c} T` parameter `p` (of any function but `main`) that the
body only unpacks, copies, or lends to a parameter that is itself turned
into a region parameter (a fixpoint over the call graph, starting from
"every one" and refuting on evidence). It becomes `[s: c] p: T @s`:

* `unpack p as s1, x { B }` becomes `do { let x = p; B }` with s1 read as s;
* `copy p` becomes `pack{c} p` (the same retain, on the same region);
* a call `g(a)` that lends a place `a` to such a parameter becomes
  `unpack a as s2, y { g[s2](y) }` (a borrowed unpack: no count), or
  `g[s](p)` when `a` is itself such a parameter `p`.

Guarantees: the same counts and the same lifetimes (a borrowed unpack
costs nothing, and a `pack` of the parameter retains what `copy` did); what
it changes is the type the callee sees: a reference into a named region,
which later passes can give a callee directly (a tree in one region is
checked by `check[q](t)`, with no pack in sight). Idempotent (a region
parameter is not a `&Pack`).
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames, rename_region
from lolang.traverse import map_children, walk
from lowering.analysis.callgraph import calls
from lowering.passes.remarks import Remark

NAME = "borrow-regions"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    funs = {f.name: f for f in program.funs}
    if checked is None:
        from lolang.checker import check

        checked = check(program)
    converted = _infer(funs, _covariant_arguments(funs, checked))
    remarks: list[Remark] = []
    new_regions: dict[str, dict[int, str]] = {}  # function -> param index -> its new region name
    by_function: dict[str, list[int]] = {}
    for name, i in converted:
        by_function.setdefault(name, []).append(i)
    for f in funs.values():
        indexes = sorted(by_function.get(f.name, ()))
        if indexes:
            fresh = FreshNames(f)
            new_regions[f.name] = {i: fresh("b") for i in indexes}
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl) and (decl.name in new_regions or not calls(decl).isdisjoint(new_regions)):
            decl = _rewrite_function(decl, funs, converted, new_regions, remarks)
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


# --------------------------------------------------------------------------
# which parameters


def _infer(funs: dict[str, ir.FunDecl], kept: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """(function, parameter index) of every `&Pack` parameter that can
    become a region parameter: optimistic start (all but `kept`), refuted
    until stable."""
    alive = {
        (f.name, i)
        for f in funs.values() if f.name != "main"
        for i, p in enumerate(f.params) if isinstance(p.type, ir.BorrowType)
    } - kept
    changed = True
    while changed:
        changed = False
        for f in funs.values():
            for i, p in enumerate(f.params):
                if (f.name, i) in alive and not _only_borrowed(f, p.name, funs, alive):
                    alive.discard((f.name, i))
                    changed = True
    return alive


def _covariant_arguments(funs: dict[str, ir.FunDecl], checked) -> set[tuple[str, int]]:
    """(function, parameter index) of the `&Pack{c} T` parameters that some
    call passes a pack whose object only fits covariantly (a `Pack{rwa}
    (Array (Pack{rwa} X))` for a `&Pack{r} (Array (Pack{r} X))`, docs/lolang.md
    §3). They stay packs: as `T @s` the argument would not be accepted, since
    a region's capabilities, unlike a pack's, do not keep every holder of
    the object from writing it. They are left out of `_infer`'s start, so a
    parameter lent to one of them is refuted too."""
    found = set()
    for f in funs.values():
        for n in walk(f.body):
            if not (isinstance(n, ir.Call) and n.func in funs):
                continue
            for i, (arg, param) in enumerate(zip(n.args, funs[n.func].params)):
                if not isinstance(param.type, ir.BorrowType):
                    continue
                given = checked.type_of(arg)
                pack = given.pack if isinstance(given, ir.BorrowType) else given
                if isinstance(pack, ir.PackType) and pack.obj != param.type.pack.obj:
                    found.add((n.func, i))
    return found


def _only_borrowed(f: ir.FunDecl, name: str, funs, alive) -> bool:
    """Whether every use of parameter `name` in `f` is an unpack, a copy,
    or an argument of a parameter still in `alive`."""
    ok = True

    def visit(n) -> None:
        nonlocal ok
        match n:
            case ir.Var(v) if v == name:
                ok = False
            case ir.Unpack(ir.Var(v), _, _, body) if v == name:
                visit(body)
            case ir.Copy(ir.Var(v)) if v == name:
                pass
            case ir.Call(func, _, args):
                for j, a in enumerate(args):
                    if isinstance(a, ir.Var) and a.name == name:
                        ok = ok and (func, j) in alive
                    else:
                        visit(a)
            case ir.Let(v, _, value) if v == name:
                ok = False  # shadowed: give up rather than track scopes
            case ir.Unpack(_, _, v, _) if v == name:
                ok = False
            case ir.PVar(v) if v == name:
                ok = False
            case _:
                for c in _children(n):
                    visit(c)

    visit(f.body)
    return ok


def _children(n):
    from lolang.traverse import children

    return children(n)


# --------------------------------------------------------------------------
# the rewrite


def _rewrite_function(f: ir.FunDecl, funs, converted, new_regions, remarks) -> ir.FunDecl:
    mine = new_regions.get(f.name, {})
    fresh = FreshNames(f)
    fresh.reserve(mine.values())
    params = list(f.params)
    regions = list(f.regions)
    as_region: dict[str, tuple[str, str]] = {}  # param name -> (region, caps)
    for i, region in mine.items():
        pack = f.params[i].type.pack
        regions.append(ir.RegionParam(region, pack.caps))
        params[i] = replace(f.params[i], type=ir.RefType(pack.obj, region))
        as_region[f.params[i].name] = (region, pack.caps)
        remarks.append(Remark("region parameter", f.name, f"'{f.params[i].name}' is '{ir.type_str(pack.obj)} @{region}'"))

    def go(n):
        match n:
            case ir.Unpack(ir.Var(v), s1, x, body) if v in as_region:
                region = as_region[v][0]
                body = go(rename_region(body, s1, region))
                return ir.Do(replace(body, stmts=(ir.Let(x, None, ir.Var(v)), *body.stmts)), span=n.span)
            case ir.Copy(ir.Var(v)) if v in as_region:
                return ir.Pack(as_region[v][1], ir.Var(v), span=n.span)
            case ir.Call(func, _, args) if func in new_regions:
                return _call(replace(n, args=tuple(go(a) for a in args)), new_regions[func], as_region, fresh)
        return map_children(n, go)

    body = go(f.body)
    return replace(f, regions=tuple(regions), params=tuple(params), body=body)


def _call(call: ir.Call, theirs: dict[int, str], as_region, fresh) -> ir.Expr:
    """`g(.., a, ..)` with g's parameter at each index of `theirs` now a
    region parameter: the region of each such argument is passed, the
    argument unpacked around the call where it is still a pack."""
    args = list(call.args)
    extra = []
    wraps = []
    for i in sorted(theirs):
        a = args[i]
        if isinstance(a, ir.Var) and a.name in as_region:
            extra.append(as_region[a.name][0])
            continue
        s, x = fresh("s"), fresh("o")
        wraps.append((a, s, x))
        extra.append(s)
        args[i] = ir.Var(x)
    expr: ir.Expr = replace(call, regions=(*call.regions, *extra), args=tuple(args))
    for a, s, x in reversed(wraps):
        expr = ir.Unpack(a, s, x, ir.Block((), expr))
    return expr
