"""The `static-objects` pass: nullary constructors and string literals
become static objects (docs/lolang.md §5.4).

Assumes: a checked lolang program.

Finds every `new[r] Leaf` (a constructor without fields) and `new[r] "..."`
and makes it `new[P] ...`: an object in static memory, allocated once per
program by no one, never counted, never freed. A `pack` of it takes its
reference on P (id 0), which counts nothing; read where `Leaf @r` is
expected it stands for any region, which is sound because the object is
immutable and has nothing inside (§5.4). A `region q { ... }` block left
naming q nowhere (the naive lowering's `region q { pack{r} new[q] Leaf }`)
is no longer needed: it becomes its body (a `do` block, or the value alone).

Guarantees: the program prints the same and exits the same; `allocs`,
`regions_created`, `retains` and `releases` fall by what the removed
objects and regions cost; no object lives longer (static objects take no
space in `bytes_peak`). Idempotent.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.traverse import region_uses, transform
from lowering.passes.remarks import Remark

NAME = "static-objects"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            body = transform(decl.body, _static(decl.name, remarks))
            body = transform(body, _unused_regions(decl.name, region_uses(body), remarks))
            decl = replace(decl, body=body)
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


def _static(fun: str, remarks: list[Remark]):
    def rewrite(node):
        match node:
            case ir.NewData(region, ctor, ()) if region != ir.PRIMITIVE_REGION:
                remarks.append(Remark("static object", fun, f"'{ctor}'"))
                return replace(node, region=ir.PRIMITIVE_REGION)
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
