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
    """(function, region parameter index) that may be retained. Each
    function is walked once, for the regions its packs take a reference
    on and the region names its calls pass; the fixpoint runs on those."""
    funs = {f.name: f for f in program.funs}
    summaries = {f.name: _summary(f, checked, funs) for f in funs.values()}
    found: set[tuple[str, int]] = set()
    changed = True
    while changed:
        changed = False
        for f in funs.values():
            packed, calls = summaries[f.name]
            uids = checked.region_params(f) if f.regions else ()
            for i in range(len(f.regions)):
                if (f.name, i) in found:
                    continue
                name = f.regions[i].name
                if uids[i] in packed or any(r == name and (func, j) in found
                                            for func, regions in calls for j, r in enumerate(regions)):
                    found.add((f.name, i))
                    changed = True
    return found


def _summary(f: ir.FunDecl, checked, funs) -> tuple[set[str], list]:
    """The regions `f`'s packs take a reference on (uids), and (callee,
    region names) of its calls of the program's functions."""
    packed: set[str] = set()
    calls = []
    for n in walk(f.body):
        if type(n) is ir.Pack:
            t = checked.types.get(id(n.value))
            if isinstance(t, ir.RefType):
                packed.add(t.region)
        elif type(n) is ir.Call and n.func in funs:
            calls.append((n.func, n.regions))
    return packed, calls


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
