"""Where each node of a program sits, computed once per checked program so
that "is this node inside that one?" and "where is region q used?" are
lookups, not walks (a walk per question is quadratic in a program nested
20,000 deep).

`pre[id]` and `post[id]` number the nodes in a depth-first walk: a node is
inside another when its number lies between the other's. Region uses are
resolved to the checker's uids (region names are unique in each function
the lowering and the passes write; a name written twice resolves to the
last binder, which only makes answers more conservative).
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import children


class Positions:
    def __init__(self, checked):
        self.pre: dict[int, int] = {}
        self.post: dict[int, int] = {}
        self.region_uses: dict[str, list[int]] = {}   # uid -> pre numbers of the nodes naming it
        self.var_uses: dict[tuple[str, str], list] = {}  # (function, variable) -> its Var nodes
        self.unpacks_of: dict[tuple[str, str], list] = {}  # (function, variable) -> unpacks of it
        counter = 0
        for f in checked.program.funs:
            uid_of = dict(zip((r.name for r in f.regions), checked.params.get(f.name, ())))
            stack = [(f.body, False)]
            numbered = []
            while stack:
                node, done = stack.pop()
                if done:
                    self.post[id(node)] = counter
                    counter += 1
                    continue
                self.pre[id(node)] = counter
                counter += 1
                numbered.append(node)
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children(node)))
                if isinstance(node, (ir.Region, ir.Unpack)):
                    uid = checked.binders.get(id(node))
                    if uid is not None:
                        uid_of[node.name if isinstance(node, ir.Region) else node.region] = uid
            for node in numbered:
                for name in _regions_named(node):
                    uid = uid_of.get(name)
                    if uid is not None:
                        self.region_uses.setdefault(uid, []).append(self.pre[id(node)])
                if isinstance(node, ir.Var):
                    self.var_uses.setdefault((f.name, node.name), []).append(node)
                if isinstance(node, ir.Unpack) and isinstance(node.pack, ir.Var):
                    self.unpacks_of.setdefault((f.name, node.pack.name), []).append(node)

    def inside(self, node, container) -> bool:
        """`node` is `container` or below it."""
        p = self.pre.get(id(node))
        return p is not None and self.pre[id(container)] <= p <= self.post[id(container)]

    def used_between(self, uid: str, first: int, last: int) -> bool:
        """Whether region `uid` is named by a node numbered in [first, last]."""
        return any(first <= p <= last for p in self.region_uses.get(uid, ()))


def _regions_named(n) -> tuple:
    match n:
        case ir.NewData(region=r) | ir.NewString(region=r) | ir.NewArray(region=r) | ir.NewMap(region=r):
            return (r,)
        case ir.Call(regions=rs) | ir.Builtin(regions=rs):
            return rs
        case ir.Restrict(region=r):
            return (r,)
        case ir.Merge(region=r, into=q):
            return (r, q)
        case ir.Let(type=ir.RefType(region=r)):
            return (r,)
    return ()


def positions(checked) -> Positions:
    """The positions of `checked.program`, computed on first use and kept
    with the checker's result (they describe the same program object)."""
    found = getattr(checked, "_positions", None)
    if found is None:
        found = Positions(checked)
        checked._positions = found
    return found
