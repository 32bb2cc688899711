"""Where a pack goes once bound to a variable: whether it stays in the
function's local variables — moved from one to another, unpacked without
taking a new reference on its region, dropped — and never reaches a place
that could outlive the function (a store, a return, an owned argument, a
`&` argument, a copy).

A region whose every pack stays local dies within the call, however long
the loop that made it: `scratch-regions` may then gather such objects into
one region without one of them keeping the others alive elsewhere.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import BLOCK, CONSUMED, PLACE, VALUE, operands, walk
from lowering.analysis.retained import retains


class LocalFlow:
    def __init__(self, f: ir.FunDecl, funs: dict, checked, retaining):
        self.f, self.funs, self.checked, self.retaining = f, funs, checked, retaining
        self.parents: dict[int, tuple] = {}
        self.vars: dict[str, list] = {}
        self.declared: dict[str, int] = {}
        for n in walk(f.body):
            for child, use in operands(n, funs.get):
                self.parents[id(child)] = (n, use)
            if isinstance(n, ir.Var):
                self.vars.setdefault(n.name, []).append(n)
            if isinstance(n, ir.Let):
                self.declared[n.name] = self.declared.get(n.name, 0) + 1
            elif isinstance(n, (ir.Unpack,)):
                self.declared[n.var] = self.declared.get(n.var, 0) + 1
            elif isinstance(n, ir.PVar):
                self.declared[n.name] = self.declared.get(n.name, 0) + 1
        self.params = {p.name for p in f.params}

    def consumer(self, node):
        """The node consuming `node`'s value and how, looking through the
        blocks whose value it is."""
        while True:
            parent, use = self.parents.get(id(node), (None, None))
            if use == VALUE or (use == BLOCK and isinstance(parent, (ir.Do, ir.Unpack, ir.Region, ir.Restrict))):
                node = parent
                continue
            return parent, use

    def stays_local(self, start: str) -> bool:
        """Whether every value variable `start` holds stays local."""
        seen: set[str] = set()
        work = [start]
        while work:
            v = work.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in self.params or self.declared.get(v, 0) != 1:
                return False
            for n in self.vars.get(v, []):
                owner, how = self.consumer(n)
                if isinstance(owner, ir.Unpack) and how == PLACE:
                    uid = self.checked.binders.get(id(owner))
                    if uid is None or retains(owner.body, uid, owner.region, self.checked, self.funs, self.retaining):
                        return False
                elif isinstance(owner, ir.Drop):
                    continue
                elif isinstance(owner, (ir.Let, ir.Assign)) and how == CONSUMED:
                    if owner.name != v:
                        work.append(owner.name)
                else:
                    return False
        return True
