"""The `static-objects` pass: nullary constructors, constructors of
literals and string literals become static objects (docs/lolang.md §5.4).

Assumes: a checked lolang program.

Finds every `new[r] Leaf` (a constructor without fields), `new[r] Val(0)`
(every field given a literal) and `new[r] "..."` and makes it `new[P]
...`: an object in static memory, allocated once per program by no one,
never counted, never freed (OCaml lays out a constructor of constants
statically too; deriv makes a quarter of its nodes so). A `pack` of it takes its
reference on P (id 0), which counts nothing; read where `Leaf @r` is
expected it stands for any region, which is sound because the object is
immutable and holds no pack (§5.4). A `region q { ... }` block left
naming q nowhere (the naive lowering's `region q { pack{r} new[q] Leaf }`)
is no longer needed: it becomes its body (a `do` block, or the value alone).
A `let t = pack{c} new[P] ...` that is only unpacked, copied and dropped
needs no pack either: t holds the static reference, its unpacks read it
directly (their region is P), its copies pack it, its drops go (a static
object's pack counts nothing; P is never freed).

Guarantees: the program prints the same and exits the same; `allocs`,
`regions_created`, `retains` and `releases` fall by what the removed
objects and regions cost; no object lives longer (static objects take no
space in `bytes_peak`). Idempotent.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import rename_region
from lolang.traverse import map_children, region_uses, transform, updated, walk
from lowering.analysis.var_uses import var_uses
from lowering.passes.remarks import Remark

NAME = "static-objects"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    funs = {g.name: g for g in program.funs}
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            regions: list[str] = []  # the names of the region blocks of the new body
            body = transform(decl.body, _static(decl.name, remarks, _var_inits(decl.body), regions))
            uses = region_uses(body)
            if any(not uses[name] for name in regions):
                body = transform(body, _unused_regions(decl.name, uses, remarks))
            decl = updated(decl, body=body)
            decl = _static_temps(decl, funs, remarks)
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


def _var_inits(body) -> set[int]:
    """The objects that start a `var` or `let` declared without a type
    (`var acc = new[o] ""`, `let first = new[q] Leaf`): the variable's
    type is the object's, and a later assignment of another object of
    region o would not fit `@P`, nor would a `pack{rwa} first` (P holds
    only `r`; tests/regressions/static_object_packed_with_more_than_r.lo)."""
    return {id(n.value) for n in walk(body)
            if isinstance(n, ir.Let) and n.type is None
            and isinstance(n.value, (ir.NewData, ir.NewString))}


def _static(fun: str, remarks: list[Remark], keep: set[int] = frozenset(), regions: list | None = None):
    """`regions`, if given, receives the name of every region block."""
    def rewrite(node):
        if id(node) in keep:
            return node
        if regions is not None and type(node) is ir.Region:
            regions.append(node.name)
            return node
        match node:
            case ir.NewData(region, ctor, ()) if region != ir.PRIMITIVE_REGION:
                remarks.append(Remark("static object", fun, f"'{ctor}'"))
                return replace(node, region=ir.PRIMITIVE_REGION)
            case ir.Pack(caps, ir.NewData(region, ctor, args) as new) if (
                    region != ir.PRIMITIVE_REGION and ir.is_static_data(new) and ir.caps_le(caps, "r")):
                # Packed at once, as the naive lowering makes every object
                # (`region q { pack{r} new[q] Val(0) }`), and with no more
                # than P holds: a reference to it kept in a `let` could be
                # packed later with `w` or `a`, which P does not give.
                remarks.append(Remark("static object", fun, f"'{ctor}' of literals"))
                return replace(node, value=replace(new, region=ir.PRIMITIVE_REGION))
            case ir.NewString(region, value) if region != ir.PRIMITIVE_REGION:
                remarks.append(Remark("static object", fun, f"a string of {len(value.encode())} bytes"))
                return replace(node, region=ir.PRIMITIVE_REGION)
        return node

    return rewrite


def _unused_regions(fun: str, uses, remarks: list[Remark]):
    def rewrite(node):
        if isinstance(node, ir.Region) and not uses[node.name]:
            remarks.append(Remark("region removed", fun, f"'{node.name}' held only static objects"))
            body = node.body
            if not body.stmts and body.result is not None:
                return body.result
            return ir.Do(body, span=node.span)
        return node

    return rewrite


def _static_temps(f: ir.FunDecl, funs: dict, remarks: list[Remark]) -> ir.FunDecl:
    lets = [n for n in walk(f.body)
            if (isinstance(n, ir.Let) and not n.mutable and isinstance(n.value, ir.Pack)
                and isinstance(n.value.value, (ir.NewData, ir.NewString))
                and n.value.value.region == ir.PRIMITIVE_REGION)]
    if not lets:
        return f
    uses = var_uses(f, funs.get)
    temps = {}
    for n in lets:
        if (uses.declared[n.name] == 1 and not uses.lent[n.name] and not uses.read[n.name]
                and all(isinstance(c, ir.Drop) for c in uses.consumers.get(n.name, ()))):
            temps[n.name] = n.value.caps
    if not temps:
        return f

    def go(n):
        match n:
            case ir.Let(name, _, value) if name in temps:
                remarks.append(Remark("static reference", f.name, f"'{name}' needs no pack"))
                return replace(n, type=None, value=value.value)
            case ir.Block(stmts, result):
                kept = tuple(go(s) for s in stmts if not (isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)
                                                          and s.value.name in temps))
                return replace(n, stmts=kept, result=go(result) if result is not None else None)
            case ir.Unpack(ir.Var(v), region, x, body) if v in temps:
                body = go(rename_region(body, region, ir.PRIMITIVE_REGION))
                return ir.Do(replace(body, stmts=(ir.Let(x, None, ir.Var(v)), *body.stmts)), span=n.span)
            case ir.Copy(ir.Var(v)) if v in temps:
                return ir.Pack(temps[v], ir.Var(v), span=n.span)
        return map_children(n, go)

    return replace(f, body=go(f.body))
