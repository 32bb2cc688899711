"""The `reuse-dropped` pass: a cell dropped just before a cell of the same
size is made is reset, and the new cell made in its place when it is
unique (Perceus' drop-reuse pairing; docs/passes.md).

Assumes: a checked lolang program, as `reuse` and `share-rebuilt` leave
it (the naive lowering's matches of owned variables, `unpack copy x`).

`reuse` takes over parameters a function takes apart; this pass pairs the
`drop` of an owned variable whose constructor a match has found with a
site later in the same block that makes a cell of the same size, of the
same data type. cfold's folding of two constants:

    unpack copy f1 as s2, o2 { match o2 { Val(a) => { ..
        drop w1; drop f1; drop f2; return region q1 { pack{r} new[q1] Val(a + b) };

 -> drop w1;
    match reset f1 as w2 {
        Val(_) => { drop f2; return reuse{r} w2 Val(a + b); }
        _ => { drop w2; drop f2; return region q1 { pack{r} new[q1] Val(a + b) }; }
    }

The `_` arm is never taken (f1 is a `Val`: the enclosing match said so);
it keeps the old statements so that the `match reset` is exhaustive. The
statements from the `drop` to the block's end move into both arms: the
block must end in a `return`, nothing before the site may leave it, and
the site must be evaluated whenever its statement is (through `let`,
`return`, call, constructor and `reuse` arguments only).

At run time `unpack-in-place` has made the enclosing `unpack copy f1` an
`unpack f1` (else the copy makes f1 shared and the reset takes the shared
path: the counts the naive program had). Unique, the cell is written
over: no region made, none freed, no count; shared, f1 is released and a
new region made, as before.

Guarantees: the same output; no count above what the program had
(`regions_created`, `retains`, `releases` each fall by a unique reuse,
or stay); nothing freed later (the dropped cell is written over at the
site instead of freed at the `drop`, and the new cell no longer takes
room of its own). A function whose rewrite the checker rejects keeps
that site as it was.
"""

from __future__ import annotations

from collections import Counter

from lolang import ir
from lolang.traverse import children, map_children, rebuild, updated, walk
from lowering.passes.checker_trials import Trials
from lowering.passes.remarks import Remark

NAME = "reuse-dropped"
LEVEL = 2

# What the path from a statement down to the site may pass through: each
# evaluates the site whenever it is evaluated itself.
_STRAIGHT = (ir.Return, ir.Let, ir.Call, ir.NewData, ir.Reuse)
_LEAVES = (ir.Return, ir.Break, ir.Continue)


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    datas = {d.name: d for d in program.decls if isinstance(d, ir.DataDecl)}
    ctors = {c.name: (d, c) for d in datas.values() for c in d.ctors
             if all(isinstance(f.type, (ir.PrimType, ir.PackType)) for f in c.fields)}
    resettable = {d.name for d in datas.values()
                  if all(c.name in ctors for c in d.ctors)}
    remarks: list[Remark] = []
    trials = Trials(program)
    decls = []
    changed = False
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            pairs = _pairs(decl, ctors, resettable)
            if pairs:
                new = decl
                for drop_, site, ctor in pairs:
                    trial = _paired(new, drop_, site, ctor, len(ctors[ctor][1].fields))
                    if trial is not None and trials.accepted(trial):
                        new = trial
                        remarks.append(Remark("dropped cell reused", decl.name,
                                              f"'{drop_.value.name}' ({ctor}) for '{site.body.result.value.ctor}'"))
                changed = changed or new is not decl
                decl = new
        decls.append(decl)
    if not changed:
        return PassResult(program, remarks)  # unchanged: the pipeline keeps its check
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)


def _site(node) -> str | None:
    """`region q { pack{c} new[q] C(..) }`: C."""
    if type(node) is not ir.Region or node.body.stmts or type(node.body.result) is not ir.Pack:
        return None
    new = node.body.result.value
    if type(new) is ir.NewData and new.region == node.name:
        return new.ctor
    return None


def _pairs(f: ir.FunDecl, ctors: dict, resettable: set) -> list[tuple]:
    """(the `drop x`, the site, x's constructor) for each `drop x` of a
    variable whose constructor an enclosing match found, followed in its
    block by a site of the same size and data type."""
    declared = Counter(p.name for p in f.params)
    assigned = set()
    drops = made = False  # whether the function drops a variable, makes a cell
    for n in walk(f.body):
        kind = type(n)
        if kind in (ir.Let, ir.PVar):
            declared[n.name] += 1
        elif kind is ir.Unpack:
            declared[n.var] += 1
        elif kind is ir.Assign:
            assigned.add(n.name)
        elif kind is ir.Drop:
            drops = drops or type(n.value) is ir.Var
        elif kind is ir.NewData:
            made = made or (n.ctor in ctors and n.region != ir.PRIMITIVE_REGION)
    if not (drops and made):
        return []
    # A name declared twice may stand for another value where it is dropped.
    assigned |= {name for name, k in declared.items() if k > 1}
    found = []

    def visit(node, known: dict):
        # known: variable -> the constructor its value has here
        if type(node) is ir.Unpack:
            pack = node.pack.value if type(node.pack) is ir.Copy else node.pack
            if type(pack) is ir.Var and pack.name not in assigned:
                for stmt in node.body.stmts:
                    if type(stmt) is ir.Match and type(stmt.scrutinee) is ir.Var and stmt.scrutinee.name == node.var:
                        for arm in stmt.arms:
                            p = arm.pattern
                            if type(p) is ir.PCtor and p.ctor in ctors and ctors[p.ctor][0].name in resettable:
                                visit(arm.body, {**known, pack.name: p.ctor})
                            else:
                                visit(arm.body, known)
                        visit(stmt.scrutinee, known)
                    else:
                        visit(stmt, known)
                if node.body.result is not None:
                    visit(node.body.result, known)
                visit(node.pack, known)
                return
        if type(node) is ir.Block:
            stmts = node.stmts
            for k, s in enumerate(stmts):
                if (type(s) is ir.Drop and type(s.value) is ir.Var and s.value.name in known
                        and node.result is None and stmts and type(stmts[-1]) is ir.Return):
                    ctor = known[s.value.name]
                    data, c = ctors[ctor]
                    size = ir.data_size(data, c)
                    site = _first_site(stmts[k + 1:], data, ctors, size)
                    if site is not None:
                        found.append((s, site, ctor))
        for c in children(node):
            visit(c, known)

    visit(f.body, {})
    return found


def _first_site(stmts, data, ctors: dict, size: int):
    """The first site in `stmts`, evaluated whenever its statement is, with
    nothing before it that may leave the block; of `data`, of `size`."""
    for s in stmts:
        site = _straight_site(s, data, ctors, size)
        if site is not None:
            return site
        if any(type(n) in _LEAVES or type(n) is ir.While for n in walk(s)):
            return None
    return None


def _straight_site(s, data, ctors: dict, size: int):
    if type(s) not in _STRAIGHT:
        return None
    for c in children(s):
        ctor = _site(c)
        if ctor is not None and ctor in ctors and ctors[ctor][0] is data and ir.data_size(data, ctors[ctor][1]) == size:
            return c
        if type(c) in _STRAIGHT:
            inner = _straight_site(c, data, ctors, size)
            if inner is not None:
                return inner
        if any(type(n) in _LEAVES for n in walk(c)):
            return None
    return None


def _paired(f: ir.FunDecl, drop_: ir.Drop, site: ir.Region, ctor: str, arity: int) -> ir.FunDecl | None:
    """The block holding `drop_` with the `drop` and what follows it made
    a `match reset` whose constructor arm fills the site with `reuse`."""
    names = {n.name for n in walk(f.body) if type(n) in (ir.Var, ir.Let, ir.PVar)} | {
        n.var for n in walk(f.body) if type(n) is ir.Unpack} | {
        n.token for n in walk(f.body) if type(n) is ir.MatchReset} | {p.name for p in f.params}
    k = 1
    while f"w{k}" in names:
        k += 1
    token = f"w{k}"
    x = drop_.value.name
    done = []

    def go(n):
        if type(n) is ir.Block and any(s is drop_ for s in n.stmts):
            stmts = list(n.stmts)
            i = next(i for i, s in enumerate(stmts) if s is drop_)
            j = next(j for j in range(i + 1, len(stmts)) if any(c is site for c in walk(stmts[j])))
            tail = stmts[j:]
            result = site.body.result
            new_cell = ir.Reuse(ir.Var(token), result.caps, result.value.ctor, result.value.args, span=site.span)
            reused = tuple(_replace(s, site, new_cell) for s in tail)
            kept = (ir.Drop(ir.Var(token), span=drop_.span), *tail)
            arms = (
                ir.Arm(ir.PCtor(ctor, tuple(ir.PWild() for _ in range(arity))), ir.Block(reused)),
                ir.Arm(ir.PWild(), ir.Block(kept)),
            )
            reset = ir.MatchReset(ir.Var(x), token, arms, span=drop_.span)
            done.append(n)
            return rebuild(n, stmts=tuple(stmts[:i] + stmts[i + 1:j]) + (reset,))
        return map_children(n, go)

    body = go(f.body)
    return updated(f, body=body) if done else None


def _replace(node, old, new):
    def go(n):
        if n is old:
            return new
        return map_children(n, go)

    return go(node)
