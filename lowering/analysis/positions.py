"""Where each node of a program sits, computed once per checked program so
that "is this node inside that one?" and "where is region q used?" are
lookups, not walks (a walk per question is quadratic in a program nested
20,000 deep). Each function's part is kept and reused for the next
program that has the same function object with the same region uids (a
pass leaves most functions as they were): `_FunctionPositions`.

`pre[id]` and `post[id]` number the nodes in a depth-first walk: a node is
inside another when its number lies between the other's. Each function's
nodes have a range of numbers of their own (not next to the previous
function's). Region uses are resolved to the checker's uids (region names
are unique in each function the lowering and the passes write; a name
written twice resolves to the last binder, which only makes answers more
conservative).
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import PUSH_CHILDREN


class Positions:
    def __init__(self, checked):
        self.pre: dict[int, int] = {}
        self.post: dict[int, int] = {}   # the number of the last node below (the node's own when none)
        self.region_uses: dict[str, list[int]] = {}   # uid -> pre numbers of the nodes naming it
        self.var_uses: dict[tuple[str, str], list] = {}  # (function, variable) -> its Var nodes
        self.unpacks_of: dict[tuple[str, str], list] = {}  # (function, variable) -> unpacks of it
        global _kept
        region_uses = self.region_uses
        kept: dict[int, _FunctionPositions] = {}
        for f in checked.program.funs:
            part = kept[id(f)] = _function_positions(f, checked)
            self.pre.update(part.pre)
            self.post.update(part.post)
            for uid, numbers in part.region_uses.items():
                found = region_uses.get(uid)
                if found is None:
                    region_uses[uid] = list(numbers)
                else:
                    found.extend(numbers)
            self.var_uses.update(part.var_uses)
            self.unpacks_of.update(part.unpacks_of)
        _kept = kept  # this program's functions only: the next program asked shares most of them

    def inside(self, node, container) -> bool:
        """`node` is `container` or below it."""
        p = self.pre.get(id(node))
        return p is not None and self.pre[id(container)] <= p <= self.post[id(container)]

    def used_between(self, uid: str, first: int, last: int) -> bool:
        """Whether region `uid` is named by a node numbered in [first, last]."""
        return any(first <= p <= last for p in self.region_uses.get(uid, ()))


def _let_regions(n) -> tuple:
    t = n.type
    return (t.region,) if type(t) is ir.RefType else ()


# The region names a node's own fields use (`lolang.traverse.region_uses`'s
# cases), by node type.
_REGIONS_NAMED = {
    ir.NewData: lambda n: (n.region,),
    ir.NewString: lambda n: (n.region,),
    ir.NewArray: lambda n: (n.region,),
    ir.NewMap: lambda n: (n.region,),
    ir.Call: lambda n: n.regions,
    ir.Builtin: lambda n: n.regions,
    ir.Restrict: lambda n: (n.region,),
    ir.Merge: lambda n: (n.region, n.into),
    ir.Let: _let_regions,
}


def positions(checked) -> Positions:
    """The positions of `checked.program`, computed on first use and kept
    with the checker's result (they describe the same program object)."""
    found = getattr(checked, "_positions", None)
    if found is None:
        found = Positions(checked)
        checked._positions = found
    return found


class _FunctionPositions:
    """One function's part of `Positions`, numbered from a base no other
    part has, so that parts computed for different programs can be put
    together. Depends on the function (the very object) and on the uids
    the checker gave its region binders (`binders`: each binder node
    with its uid, compared again before reuse)."""

    def __init__(self, f: ir.FunDecl, checked):
        global _next_base
        self.f = f
        self.params = checked.params.get(f.name, ())
        self.binders: list = []
        pre, post, region_uses = {}, {}, {}
        self.pre, self.post, self.region_uses = pre, post, region_uses
        self.var_uses: dict[tuple[str, str], list] = {}
        self.unpacks_of: dict[tuple[str, str], list] = {}
        pushers = PUSH_CHILDREN.get
        binders = checked.binders
        Var, Unpack, Region = ir.Var, ir.Unpack, ir.Region
        uid_of = dict(zip((r.name for r in f.regions), self.params))
        # Numbered in preorder; an int on the stack closes the node it numbers.
        order: list = []
        stack: list = [f.body]
        push, extend = stack.append, stack.extend
        base = _next_base
        while stack:
            node = stack.pop()
            if type(node) is int:
                post[id(order[node - base])] = base + len(order) - 1
                continue
            number = base + len(order)
            pre[id(node)] = number
            order.append(node)
            stack.append(number)
            push_children = pushers(type(node))
            if push_children is not None:
                push_children(node, push, extend)  # the first child on top
            if type(node) is Region or type(node) is Unpack:
                uid = binders.get(id(node))
                self.binders.append((node, uid))
                if uid is not None:
                    uid_of[node.name if type(node) is Region else node.region] = uid
        _next_base = base + len(order)
        fname = f.name
        for number, node in enumerate(order, base):
            kind = type(node)
            named = _REGIONS_NAMED.get(kind)
            if named is not None:
                for name in named(node):
                    uid = uid_of.get(name)
                    if uid is not None:
                        found = region_uses.get(uid)
                        if found is None:
                            region_uses[uid] = [number]
                        else:
                            found.append(number)
            if kind is Var:
                self.var_uses.setdefault((fname, node.name), []).append(node)
            elif kind is Unpack and type(node.pack) is Var:
                self.unpacks_of.setdefault((fname, node.pack.name), []).append(node)

    def holds_for(self, f: ir.FunDecl, checked) -> bool:
        """Whether these are the positions of `f` as `checked` checked it."""
        if self.f is not f or checked.params.get(f.name, ()) != self.params:
            return False
        binders = checked.binders
        return all(binders.get(id(node)) == uid for node, uid in self.binders)


def _function_positions(f: ir.FunDecl, checked) -> _FunctionPositions:
    """`f`'s positions, computed again only when `f` or its binders' uids
    changed: a pass leaves most functions the very same objects, and the
    positions of three programs are asked for."""
    found = _kept.get(id(f))
    if found is not None and found.holds_for(f, checked):
        return found
    return _FunctionPositions(f, checked)


# id(function) -> its positions, for the functions of the last program
# whose positions were asked (each holds its function: no other object
# takes its id).
_kept: dict[int, _FunctionPositions] = {}
_next_base = 0
