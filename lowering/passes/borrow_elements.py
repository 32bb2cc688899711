"""The `borrow-elements` pass: an array element only looked into while
nothing writes is unpacked where it lies, not through a copy
(docs/passes.md).

Assumes: a checked lolang program, as `swap-slots` leaves it (the pass
runs last).

The naive lowering reads a pack out of an array as `copy xs[i]`: a heap
comparing its elements retains each one and releases it after
`before(...)` has looked at it. lolang lets `unpack xs[i] as s, x { B }`
borrow the element when B writes nothing (docs/lolang.md 5.2, the
read-only rule): the array holds the element's region all along. The
pass rewrites, when the checker accepts it,

    unpack copy xs[i]@p as s, x { B }
 -> unpack xs[i]@p as s, x { B }

and, in one block, a temporary only unpacked and dropped (once on each
path),

    let t = copy xs[i]@p; S1; ...; unpack t as s, x { B }; ...; drop t; ...; Sn
 -> unpack xs[i]@p as s, x { S1; ...; do { B }; ...; ...; Sn }

(the rest of the block, its value included, moves inside, where nothing
may write either; a second `unpack t as s2, x2 { B2 }` becomes `do { B2 }`
with s2 and x2 renamed s and x).

Guarantees: the same output, allocations and regions, and the same
runtime errors (xs[i] is checked at p as before); one retain and one
release fewer per rewritten read. No region lives longer: the element's
region was held by the array before, during and after the block, and the
released copy never was its last reference.
"""

from __future__ import annotations

from collections import Counter

from lolang import ir
from lolang.rename import rename_region, rename_var
from lolang.traverse import map_children, rebuild, updated, walk
from lowering.passes.checker_trials import Trials, rewrite_functions
from lowering.passes.remarks import Remark, where

NAME = "borrow-elements"
LEVEL = 2


def run(program: ir.Program, checked=None):
    return rewrite_functions(program, _candidates, lambda f, trials, remarks: _Function(f, trials, remarks).rewrite())


def _element_copy(e) -> bool:
    return isinstance(e, ir.Copy) and isinstance(e.value, ir.Index)


def _candidates(f: ir.FunDecl) -> list:
    """The `unpack copy xs[i]` nodes, and the `(block, k)` of each `let t =
    copy xs[i]` at statement k of a block whose rest only unpacks and
    drops t, with the unpacks' names bound nowhere else in the function."""
    found: list = []
    binders: Counter | None = None
    for n in walk(f.body):
        if isinstance(n, ir.Unpack) and _element_copy(n.pack):
            found.append(n)
        elif isinstance(n, ir.Block):
            for k, s in enumerate(n.stmts):
                if not (isinstance(s, ir.Let) and not s.mutable and _element_copy(s.value)):
                    continue
                if binders is None:
                    binders = _binders(f)
                unpacks = _unpacks_of(n, k, s.name)
                if unpacks and all(binders[u.region] == 1 and binders[u.var] == 1 for u in unpacks):
                    found.append((n, k))
    return found


def _binders(f: ir.FunDecl) -> Counter:
    """How many times each name is bound in f (a variable or a region)."""
    names: Counter = Counter(p.name for p in f.params)
    names.update(r.name for r in f.regions)
    for n in walk(f.body):
        if isinstance(n, ir.Unpack):
            names[n.region] += 1
            names[n.var] += 1
        elif isinstance(n, ir.Region):
            names[n.name] += 1
        elif isinstance(n, (ir.Let, ir.PVar)):
            names[n.name] += 1
    return names


def _unpacks_of(b: ir.Block, k: int, t: str) -> list[ir.Unpack] | None:
    """The `unpack t` nodes of the rest of block b after statement k, if t
    is mentioned there only by them and by its `drop`s (one on each path)."""
    rest = list(b.stmts[k + 1:]) + ([b.result] if b.result is not None else [])
    unpacks, drops, mentions = [], 0, 0
    for s in rest:
        for n in walk(s):
            if isinstance(n, ir.Var) and n.name == t:
                mentions += 1
            elif isinstance(n, ir.Assign) and n.name == t:
                return None
            elif isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var) and n.pack.name == t:
                unpacks.append(n)
            elif isinstance(n, ir.Drop) and isinstance(n.value, ir.Var) and n.value.name == t:
                drops += 1
            elif isinstance(n, (ir.Let, ir.Unpack)) and (getattr(n, "name", None) == t or getattr(n, "var", None) == t):
                return None  # t shadowed
    if unpacks and drops and mentions == len(unpacks) + drops:
        return unpacks
    return None


class _Function:
    def __init__(self, f: ir.FunDecl, trials: Trials, remarks):
        self.f, self.remarks = f, remarks
        self._accepted = trials.accepted

    def rewrite(self) -> ir.FunDecl:
        candidates = _candidates(self.f)
        keys = [_key(c) for c in candidates]
        new = self._rewritten(set(keys))
        if not self._accepted(new):
            # Some block writes: take the others one at a time.
            chosen: set = set()
            new = self.f
            for key in keys:
                trial = self._rewritten(chosen | {key})
                if self._accepted(trial):
                    chosen.add(key)
                    new = trial
            if not chosen:
                return self.f
            candidates = [c for c, key in zip(candidates, keys) if key in chosen]
        for c in candidates:
            node = c if isinstance(c, ir.Unpack) else c[0].stmts[c[1]].value
            self.remarks.append(Remark("element borrowed", self.f.name, "unpacked where it lies, not copied", where(node)))
        return new

    def _rewritten(self, chosen: set) -> ir.FunDecl:
        def rewrite(node):
            unpack = id(node) in chosen  # the input's nodes, before their children are rebuilt
            lets = sorted(k for (b, k) in (c for c in chosen if isinstance(c, tuple)) if b == id(node))
            node = map_children(node, rewrite)
            if unpack:
                node = rebuild(node, pack=node.pack.value)
            for k in reversed(lets):  # the innermost (last) first
                node = _wrap(node, k)
            return node

        return updated(self.f, body=rewrite(self.f.body))


def _key(c):
    return id(c) if isinstance(c, ir.Unpack) else (id(c[0]), c[1])


def _wrap(b: ir.Block, k: int) -> ir.Block:
    """Block b with `let t = copy xs[i]` at statement k made an `unpack
    xs[i]` around the rest of the block, under the names of t's first
    unpack (the others' renamed to them)."""
    let = b.stmts[k]
    t = let.name
    first = _unpacks_of(b, k, t)[0]
    region, var = first.region, first.var

    def strip(node):
        if isinstance(node, ir.Block):
            stmts = tuple(s for s in node.stmts
                          if not (isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name == t))
            if len(stmts) != len(node.stmts):
                node = rebuild(node, stmts=stmts)
        node = map_children(node, strip)
        if isinstance(node, ir.Unpack) and isinstance(node.pack, ir.Var) and node.pack.name == t:
            body = node.body
            if node.region != region:
                body = rename_region(body, node.region, region)
            if node.var != var:
                body = rename_var(body, node.var, var)
            return ir.Do(body, span=node.span)
        return node

    rest = ir.Block(tuple(strip(s) for s in b.stmts[k + 1:]),
                    strip(b.result) if b.result is not None else None, span=b.span)
    wrapper = ir.Unpack(let.value.value, region, var, rest, span=let.span)
    if b.result is not None:
        return rebuild(b, stmts=b.stmts[:k], result=wrapper)
    return rebuild(b, stmts=b.stmts[:k] + (ir.ExprStmt(wrapper, span=let.span),))
