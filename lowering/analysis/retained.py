"""Which region parameters a function may take a reference on.

A function *retains* its region parameter `s` when its body packs a value
of region `s` (the pack takes a reference, which may be stored or returned
and outlive the call), or passes `s` to a callee's parameter that retains
it. A fixpoint over the call graph, optimistic start ("retains nothing"),
growing on evidence.

The dominated-structures pass asks this of the places a child is lent to
before it is stored: a callee that keeps a reference to the child would
keep the whole holder's region alive once the child lives there.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import walk


def retained_params(program: ir.Program, checked) -> set[tuple[str, int]]:
    """(function, region parameter index) that may be retained."""
    funs = {f.name: f for f in program.funs}
    found: set[tuple[str, int]] = set()
    changed = True
    while changed:
        changed = False
        for f in funs.values():
            for i in range(len(f.regions)):
                if (f.name, i) not in found and retains(f.body, checked.region_params(f)[i], f.regions[i].name,
                                                         checked, funs, found):
                    found.add((f.name, i))
                    changed = True
    return found


def retains(node, uid: str, name: str, checked, funs, found) -> bool:
    """Whether `node` may take a reference on the region `uid` (written
    `name` there): a `pack` of a value in it, or a call passing it to a
    retaining parameter."""
    for n in walk(node):
        match n:
            case ir.Pack(_, value):
                t = checked.types.get(id(value))
                if isinstance(t, ir.RefType) and t.region == uid:
                    return True
            case ir.Call(func, regions, _):
                callee = funs.get(func)
                if callee is not None and any(r == name and (func, i) in found for i, r in enumerate(regions)):
                    return True
    return False
