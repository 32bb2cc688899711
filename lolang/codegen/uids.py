"""Name each region of a function the way the lolang checker does.

The checker records every expression's type with its regions as *uids*
(`name#n`, n counting the regions of one function in the order the
checker meets them: region parameters, then `region` and `unpack` blocks in
evaluation order). Code generation needs to know which region a type means
even where a name is shadowed — `unpack a as s, x { unpack b as s, y {
push(x, y[0]) } }` pushes into the outer `s` — so it numbers the same
regions the same way: parameters first, then a walk over the body that
visits each node's fields in declaration order, which is evaluation order
(an `unpack`'s pack before its region). `FunctionEmitter.region_of` fails loudly if a
type names a uid that is not in scope, so a disagreement with the checker
is a compiler bug, not a silent miscompile.
"""

from __future__ import annotations

import dataclasses
import itertools

from lolang import ir


def assign(fun: ir.FunDecl) -> tuple[list[str], dict[int, str]]:
    """The uids of `fun`'s region parameters, and of each `region` and
    `unpack` node (keyed by `id(node)`)."""
    counter = itertools.count()
    params = [f"{p.name}#{next(counter)}" for p in fun.regions]
    found: dict[int, str] = {}
    _walk(fun.body, counter, found)
    return params, found


def _walk(node, counter, found: dict[int, str]) -> None:
    match node:
        case ir.Region(name, body):
            found[id(node)] = f"{name}#{next(counter)}"
            _walk(body, counter, found)
        case ir.Unpack(pack, region, _var, body):
            _walk(pack, counter, found)
            found[id(node)] = f"{region}#{next(counter)}"
            _walk(body, counter, found)
        case tuple():
            for item in node:
                _walk(item, counter, found)
        case _ if dataclasses.is_dataclass(node) and not isinstance(node, ir.TYPE_TYPES):
            for f in dataclasses.fields(node):
                if f.name != "span":
                    _walk(getattr(node, f.name), counter, found)
