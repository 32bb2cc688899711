"""The `share-rebuilt` pass: a constructor of primitives rebuilt from the
very fields a match took out of a value is that value, shared, not a new
object (docs/passes.md).

Assumes: a checked lolang program in the naive lowering's form, as
`dominated` leaves it (after it, so that the `copy` this pass adds never
keeps `dominated` from putting a field in its holder's region).

deriv's smart constructors swap their arguments and rebuild the number
they matched: `(f, Val(n)) -> mul(Val(n), f)`, `(f, Mul(Val(n), g)) ->
mul(Val(n), mul(f, g))`. The naive lowering makes a new region and object
for that `Val(n)`, equal in every field to the one matched; hilang values
have no identity, so the matched one does as well:

    unpack X as s, o { match o { C(x1, .., xn) => { .. region q { pack{c} new[q] C(x1, .., xn) } .. } } }

where C's fields are all primitives (a cell with pack fields is `reuse`'s:
it can be rebuilt in place). The site becomes, by what X is:

* a variable v (a place, borrowed for the block): `copy v`;
* `copy v`, v an owned variable the arm drops before the site, in the
  block holding the site's statement, with nothing between that can
  leave it but `return`s: v itself, moved to the site; its `drop` goes
  and each `return` between drops v first (`{ drop m0; if m == 1 {
  return n0; } return mul(Val(m), n0); }` -> `{ if m == 1 { drop m0;
  return n0; } return mul(m0, n0); }`);
* anything else (or the above refused): `pack{c} o`, the object the
  unpack holds (its region is alive for the whole block).

Guarantees: the same output; one region and one allocation fewer per
shared site (and no more retains than the region's creation cost
before: a `copy` or a `pack` is one retain, a moved variable none);
nothing lives longer than the rebuilt object would have: the shared
object lives as long as the longer of the two. Each function rewritten
is checked; a site whose rewrite the checker rejects keeps its object.
"""

from __future__ import annotations

import itertools
from collections import Counter

from lolang import ir
from lolang.traverse import children, map_children, rebuild, updated, walk
from lowering.passes.checker_trials import Trials
from lowering.passes.remarks import Remark, where

NAME = "share-rebuilt"
LEVEL = 2


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    primitive_ctors = _primitive_ctors(program)
    remarks: list[Remark] = []
    if not primitive_ctors:
        return PassResult(program, remarks)
    trials = Trials(program)
    decls = []
    changed = False
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            sites = _sites(decl, primitive_ctors)
            if sites:
                new = _Function(decl, trials, remarks).rewrite(sites)
                changed = changed or new is not decl
                decl = new
        decls.append(decl)
    if not changed:
        return PassResult(program, remarks)  # unchanged: the pipeline keeps its check
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)


def _primitive_ctors(program: ir.Program) -> set[str]:
    """Constructors with at least one field, every field a primitive."""
    return {c.name for d in program.decls if isinstance(d, ir.DataDecl) for c in d.ctors
            if c.fields and all(isinstance(f.type, ir.PrimType) for f in c.fields)}


class _Site:
    """A rebuilt object: the `region` block making it, the `unpack` whose
    object the match took apart."""

    def __init__(self, region: ir.Region, unpack: ir.Unpack):
        self.region, self.unpack = region, unpack


def _rebuilt(node, ctor: str, names: tuple[str, ...]) -> bool:
    """`region q { pack{c} new[q] C(x1, .., xn) }`, the fields in order."""
    if type(node) is not ir.Region or node.body.stmts or type(node.body.result) is not ir.Pack:
        return False
    new = node.body.result.value
    return (type(new) is ir.NewData and new.region == node.name and new.ctor == ctor
            and len(new.args) == len(names)
            and all(type(a) is ir.Var and a.name == x for a, x in zip(new.args, names)))


def _sites(f: ir.FunDecl, ctors: set[str]) -> list[_Site]:
    # Every name involved must mean one thing in the whole function:
    # declared once, never assigned.
    declared = Counter(p.name for p in f.params)
    made = False  # whether the function makes a constructor of primitives at all
    for n in walk(f.body):
        kind = type(n)
        if kind in (ir.Let, ir.PVar):
            declared[n.name] += 1
        elif kind is ir.Unpack:
            declared[n.var] += 1
        elif kind is ir.Assign:
            declared[n.name] += 2
        elif kind is ir.NewData and n.ctor in ctors:
            made = True
    if not made:
        return []
    once = {name for name, k in declared.items() if k == 1}
    found: list[_Site] = []

    def visit(node, unpacks: dict):
        if type(node) is ir.Unpack:
            unpacks = {**unpacks, node.var: node}
        elif type(node) is ir.Match and type(node.scrutinee) is ir.Var and node.scrutinee.name in unpacks:
            u = unpacks[node.scrutinee.name]
            held = u.pack.value if type(u.pack) is ir.Copy else u.pack
            if u.var in once and (type(held) is not ir.Var or held.name in once):
                for arm in node.arms:
                    p = arm.pattern
                    if type(p) is ir.PCtor and p.ctor in ctors and all(type(a) is ir.PVar for a in p.args):
                        names = tuple(a.name for a in p.args)
                        if all(x in once for x in names):
                            for n in walk(arm.body):
                                if _rebuilt(n, p.ctor, names):
                                    found.append(_Site(n, u))
        for c in _kids(node):
            visit(c, unpacks)

    visit(f.body, {})
    return found


def _kids(node) -> list:
    return children(node)


class _Function:
    def __init__(self, f: ir.FunDecl, trials: Trials, remarks):
        self.f, self.remarks = f, remarks
        self._accepted = trials.accepted

    def rewrite(self, sites: list[_Site]) -> ir.FunDecl:
        f = self.f
        for site in sites:
            for how in ("place", "moved", "object"):
                trial = self._shared(f, site, how)
                if trial is not None and self._accepted(trial):
                    f = trial
                    self.remarks.append(Remark("shared rebuilt value", self.f.name,
                                               f"'{site.region.body.result.value.ctor}' ({how})",
                                               where(site.region)))
                    break
        return f

    def _shared(self, f: ir.FunDecl, site: _Site, how: str) -> ir.FunDecl | None:
        u, region = site.unpack, site.region
        caps = region.body.result.caps
        if how == "place":
            if type(u.pack) is not ir.Var:
                return None
            return _replace(f, region, ir.Copy(ir.Var(u.pack.name), span=region.span))
        if how == "object":
            return _replace(f, region, ir.Pack(caps, ir.Var(u.var), span=region.span))
        # moved: `unpack copy v`, v dropped before the site in the site's block
        if type(u.pack) is not ir.Copy or type(u.pack.value) is not ir.Var:
            return None
        v = u.pack.value.name
        return _moved(f, region, v)


def _replace(f: ir.FunDecl, old, new) -> ir.FunDecl | None:
    done = []

    def go(n):
        if n is old:
            done.append(n)
            return new
        return map_children(n, go)

    body = go(f.body)
    return updated(f, body=body) if done else None


# What the path from a statement down to the site may pass through: each
# evaluates the site unconditionally once it starts.
_STRAIGHT = (ir.Return, ir.Let, ir.ExprStmt, ir.Call, ir.NewData)
_LEAVES = (ir.Return, ir.Break, ir.Continue)


def _path(node, target) -> list | None:
    """The nodes from `node` down to `target`, both included."""
    if node is target:
        return [node]
    for c in _kids(node):
        p = _path(c, target)
        if p is not None:
            return [node] + p
    return None


def _moved(f: ir.FunDecl, site: ir.Region, v: str) -> ir.FunDecl | None:
    path = _path(f.body, site)
    if path is None:
        return None
    # The innermost block on the path, and the statement in it.
    for i in range(len(path) - 2, -1, -1):
        if type(path[i]) is ir.Block:
            break
    else:
        return None
    block, stmt = path[i], path[i + 1]
    down = path[i + 1:]
    if any(type(n) not in _STRAIGHT for n in down[:-1]):
        return None
    # Nothing evaluated before the site in the statement may leave it.
    for parent, child in itertools.pairwise(down):
        for sibling in _kids(parent):
            if sibling is child:
                break
            if any(type(n) in _LEAVES for n in walk(sibling)):
                return None
    stmts = list(block.stmts)
    j = next((k for k, s in enumerate(stmts) if s is stmt), len(stmts))  # len: the block's result
    k = next((k for k in range(j - 1, -1, -1)
              if type(stmts[k]) is ir.Drop and type(stmts[k].value) is ir.Var and stmts[k].value.name == v), None)
    if k is None:
        return None
    between = stmts[k + 1:j]
    for s in between:
        for n in walk(s):
            if type(n) in (ir.Break, ir.Continue, ir.While):
                return None
            if type(n) is ir.Var and n.name == v:
                return None
    between = [_drop_before_returns(s, v) for s in between]
    new_stmts = stmts[:k] + between + stmts[j:]
    new_block = rebuild(block, stmts=tuple(new_stmts))
    moved = _replace_in(new_block, site, ir.Var(v, span=site.span))
    return _replace(f, block, moved)


def _replace_in(node, old, new):
    def go(n):
        if n is old:
            return new
        return map_children(n, go)

    return go(node)


def _drop_before_returns(node, v: str):
    def go(n):
        n = map_children(n, go)
        if type(n) is ir.Block and any(type(s) is ir.Return for s in n.stmts):
            out = []
            for s in n.stmts:
                if type(s) is ir.Return:
                    out.append(ir.Drop(ir.Var(v), span=s.span))
                out.append(s)
            n = rebuild(n, stmts=tuple(out))
        return n

    return go(node)
