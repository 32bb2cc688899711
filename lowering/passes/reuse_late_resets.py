"""Resets the `reuse` pass pushes down into the arms that reuse the cell
(Koka's Perceus: the match arm is decided by borrowed tests first, and a
cell is reset only in the arm that reuses it; Reinking et al., PLDI 2021,
and Koka's `ParcReuse.hs`).

The `reuse` pass resets a cell where its match is (`match reset x as w`).
When the cell is needed whole in some arm of a nested match below (a
rotation's test found its child's colour black: rbtree's `balanceLeft`
keeps the child as it is), that arm has to rebuild it from its fields
(`reuse{c} w Node(fields)`): a reset and a rebuild for a cell that stays as
it was. Here the match on x stays a borrowed `unpack x as s, o { match o {
.. } }`, and each block below x's constructor arm C (through nested
matches, `if`s and unpacks of what x holds) that

* does not mention x, always leaves by `return`, and makes a cell of C's
  size (so a token would be used), and
* reads nothing borrowed through x but x's own fields (a field's fields,
  a deeper unpack's region: the reset below ends them),

becomes a reset of x in place:

```
unpack x as s9, o9 {
    match o9 {
        C(a1, _, ..) => { B, x's pack fields read as a1, .. }
        _ => { what the match on x does when x is not C }
    }
};
```

x is a C there (the enclosing borrowed match found it so, and nothing
changes a cell's constructor), so the `_` arm is never taken; it is the
original match's other arms (a `_` arm among them makes them exhaustive),
their binders renamed, so that it is right even so. The linearizer then
makes that unpack a `match reset x` (x's last mention on the path), whose
C arm owns the fields and the token. Blocks that need x whole are left as
they were: x stays as it is there, no reset, no rebuild.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from lolang import ir
from lolang.rename import rename_own
from lolang.traverse import always_exits, map_children, name_mentions, region_uses, walk
from lowering.passes.reuse_tail_calls import _binders


def push_down(stmt: ir.ExprStmt, x: str, data: ir.DataDecl, sizes: dict, site, fresh, declared: Counter,
              copied: set):
    """`stmt` (`unpack x as s, o { match o { arms } }`, the reuse pass's
    shape) with x reset in the blocks that reuse it, and the names of what
    is read through x there (x must stay alive while they are), or None
    when no block below an arm does. The variable of each `_` arm's new
    match on x is added to `copied`: resets are not pushed down again in
    it (each would copy the arms left again).

    An arm whose whole body reuses x is reset where the match is, as
    before: the statement is split, those arms first, the others under
    its `_` arm (`split`, below), and the name set is None: the caller
    takes the new statement as it takes any match on x."""
    u = stmt.expr
    m = u.body.stmts[0]
    ctors = {c.name: c for c in data.ctors}
    # Arms are moved and dropped below as if their order did not matter:
    # distinct constructors, none after a `_`.
    named = [a.pattern.ctor for a in m.arms if isinstance(a.pattern, ir.PCtor)]
    wild = [k for k, a in enumerate(m.arms) if isinstance(a.pattern, ir.PWild)]
    if len(set(named)) != len(named) or (wild and wild[0] != len(m.arms) - 1):
        return None

    def walker(arm, others):
        p = arm.pattern
        fields = {sub.name: k for k, (f, sub) in enumerate(zip(ctors[p.ctor].fields, p.args))
                  if isinstance(sub, ir.PVar) and isinstance(f.type, ir.PackType)}
        return _Leaves(x, sizes, p, site, fresh, declared, fields, u, others, copied)

    resettable = [a for a in m.arms if isinstance(a.pattern, ir.PCtor) and sizes[a.pattern.ctor]]
    direct = [a for a in resettable if walker(a, ()).leaf(a.body, set(), set())]
    if direct:
        below = 0
        for a in resettable:
            if not any(a is d for d in direct):
                leaves = walker(a, ())
                leaves.dry = True
                leaves.block(a.body, set(leaves.fields), set())
                below += leaves.count
        return _split(stmt, direct, ctors, fresh) if below else None
    through_all: set[str] = {u.region, u.var}
    new_arms, found = [], 0
    for arm in m.arms:
        others = _exhaustive([a for a in m.arms if a is not arm], {arm.pattern.ctor}, ctors) \
            if arm in resettable else None
        if others is None:
            new_arms.append(arm)
            continue
        leaves = walker(arm, others)
        body = leaves.block(arm.body, set(leaves.fields), set())
        through_all |= leaves.seen | set(leaves.fields)
        if leaves.count:
            found += leaves.count
            arm = replace(arm, body=body)
        new_arms.append(arm)
    if not found:
        return None
    new = replace(stmt, expr=replace(u, body=replace(u.body, stmts=(replace(m, arms=tuple(new_arms)),))))
    return new, through_all


def _split(stmt: ir.ExprStmt, direct: list, ctors: dict, fresh):
    """`unpack x as s, o { match o { direct arms.., _ => { unpack x as s2,
    o2 { match o2 { the other arms } } } } }`: x is reset where the match
    is for the arms that reuse it whole, and matched again, borrowed, for
    the others, where the resets go down into their arms. None when the
    other arms are not exhaustive without the direct ones'
    constructors."""
    u = stmt.expr
    m = u.body.stmts[0]
    if len(direct) == len(m.arms):
        return None
    rest = _exhaustive([a for a in m.arms if not any(a is d for d in direct)],
                       {a.pattern.ctor for a in direct}, ctors)
    if rest is None:
        return None
    s2, o2 = fresh("s_r"), fresh("o_r")
    inner = ir.ExprStmt(replace(u, region=s2, var=o2, body=ir.Block((replace(m, scrutinee=ir.Var(o2), arms=tuple(rest)),))),
                        span=stmt.span)
    wild = ir.Arm(ir.PWild(span=m.span), ir.Block((inner,), span=m.span), span=m.span)
    outer = replace(m, arms=tuple(direct) + (wild,))
    return replace(stmt, expr=replace(u, body=replace(u.body, stmts=(outer,)))), None


def _exhaustive(arms: list, removed: set, ctors: dict):
    """`arms` of the match on x, less those of the constructors in
    `removed`, made exhaustive for an x of none of them: as they are with
    a `_` arm among them; else, every other constructor matched, with one
    that binds nothing made `_` and put last (flat patterns of distinct
    constructors: their order does not matter). None otherwise."""
    if any(isinstance(a.pattern, ir.PWild) for a in arms):
        return arms
    covered = {a.pattern.ctor for a in arms}
    if covered == set(ctors) - removed:
        for k, a in enumerate(arms):
            if all(isinstance(s, ir.PWild) for s in a.pattern.args):
                return arms[:k] + arms[k + 1:] + [replace(a, pattern=ir.PWild(span=a.pattern.span))]
    return None


class _Leaves:
    """Finds the blocks under one constructor arm of the match on x that
    reuse x's cell, and resets x in each."""

    def __init__(self, x, sizes, pattern, site, fresh, declared, fields, unpack, others, copied):
        self.x = x
        self.sizes = sizes
        self.size = sizes[pattern.ctor]
        self.site = site
        self.fresh = fresh
        self.declared = declared
        self.fields = fields
        self.pattern = pattern
        self.unpack = unpack
        self.others = others
        self.copied = copied
        self.dry = False  # only count the blocks
        self.count = 0
        self.seen: set[str] = set()  # names read through x (bound below the arm)

    # Blocks whose statements are scanned: a branching statement whose test
    # does not mention x is gone into; after a statement that mentions x,
    # x may be consumed, and nothing more is.
    def block(self, b: ir.Block, through: set, regions: set) -> ir.Block:
        out = list(b.stmts)
        for k, s in enumerate(b.stmts):
            out[k] = self.stmt(s, through, regions)
            used = _mentions(s)
            if used[self.x]:
                break
            if isinstance(s, ir.Let) and any(used[n] for n in through):
                # What is computed from what x holds counts as read through x.
                through = through | {s.name}
                self.seen.add(s.name)
        if all(a is c for a, c in zip(out, b.stmts)):
            return b
        return replace(b, stmts=tuple(out))

    def stmt(self, s, through: set, regions: set):
        x = self.x
        match s:
            case ir.If(cond, then, els) if not _mentions(cond)[x]:
                then2 = self.branch(then, through, regions)
                if isinstance(els, ir.Block):
                    els2 = self.branch(els, through, regions)
                elif isinstance(els, ir.If):
                    els2 = self.stmt(els, through, regions)
                else:
                    els2 = els
                if then2 is then and els2 is els:
                    return s
                return replace(s, then=then2, els=els2)
            case ir.Match(scrutinee, arms) if not _mentions(scrutinee)[x]:
                reads = isinstance(scrutinee, ir.Var) and scrutinee.name in through
                new = []
                for a in arms:
                    bound = {n.name for n in walk(a.pattern) if isinstance(n, ir.PVar)}
                    self.seen |= bound if reads else set()
                    inner = through | bound if reads else through
                    new.append(replace(a, body=self.branch(a.body, inner, regions)))
                if all(a.body is c.body for a, c in zip(new, arms)):
                    return s
                return replace(s, arms=tuple(new))
            case ir.ExprStmt(ir.Unpack(ir.Var(name), region, var, body) as u) if name != x and body.result is None:
                if name in through:
                    self.seen |= {region, var}
                    inner, regs = through | {var}, regions | {region}
                else:
                    inner, regs = through, regions
                body2 = self.block(body, inner, regs)
                return s if body2 is body else replace(s, expr=replace(u, body=body2))
        return s

    def branch(self, b: ir.Block, through: set, regions: set) -> ir.Block:
        if self.leaf(b, through, regions):
            return self.reset(b)
        if _mentions(b)[self.x]:
            return self.block(b, through, regions)
        return b

    def leaf(self, b: ir.Block, through: set, regions: set) -> bool:
        used = _mentions(b)
        if used[self.x] or not always_exits(b, (ir.Return,)):
            return False
        if any(used[n] for n in through if n not in self.fields):
            return False
        if regions and any(region_uses(b)[r] for r in regions):
            return False
        # A cell of x's size to make, or a field of x to take: the reset
        # moves the fields out of a unique cell without a count.
        return any(used[n] for n in self.fields) or any(
            isinstance(n, ir.Region) and (s := self.site(n)) is not None and self.sizes[s[1]] == self.size
            for n in walk(b))

    def reset(self, b: ir.Block) -> ir.Block:
        """`unpack x as s, o { match o { C(..) => { b } _ => { others } } }`."""
        if self.dry:
            self.count += 1
            return b
        used = _mentions(b)
        names = {}
        args = []
        for sub in self.pattern.args:
            if isinstance(sub, ir.PVar) and sub.name in self.fields and used[sub.name]:
                names[sub.name] = self.fresh(sub.name + "_r")
                args.append(ir.PVar(names[sub.name], span=sub.span))
            else:
                args.append(ir.PWild(span=sub.span))
        body = _rename_vars(b, names)
        fallback = self.fallback()
        if fallback is None:
            return b
        if len(fallback.stmts) == 1 and isinstance(fallback.stmts[0], ir.ExprStmt):
            again = fallback.stmts[0].expr
            if isinstance(again, ir.Unpack) and again.pack == ir.Var(self.x):
                self.copied.add(again.var)
        s, o = self.fresh("s_r"), self.fresh("o_r")
        match = ir.Match(ir.Var(o), (ir.Arm(replace(self.pattern, args=tuple(args)), body, span=b.span),
                                     ir.Arm(ir.PWild(span=b.span), fallback, span=b.span)), span=b.span)
        u = ir.Unpack(ir.Var(self.x), s, o, ir.Block((match,)), span=self.unpack.span)
        self.count += 1
        return ir.Block((ir.ExprStmt(u, span=self.unpack.span),), span=b.span)

    def fallback(self) -> ir.Block | None:
        """The match on x's other arms, their binders renamed: what it
        does when x is not the arm's constructor."""
        others = self.others
        if len(others) == 1 and isinstance(others[0].pattern, ir.PWild):
            return _freshened(others[0].body, self.fresh, self.declared)
        s, o = self.fresh("s_r"), self.fresh("o_r")
        u = self.unpack
        arms = tuple(_freshened(a, self.fresh, self.declared) for a in others)
        if any(a is None for a in arms):
            return None
        match = ir.Match(ir.Var(o), arms, span=u.span)
        return ir.Block((ir.ExprStmt(ir.Unpack(ir.Var(self.x), s, o, ir.Block((match,)), span=u.span), span=u.span),))


def _mentions(node) -> Counter:
    return name_mentions(node) if node is not None else Counter()


def _rename_vars(node, names: dict[str, str]):
    if not names:
        return node

    def go(n):
        if isinstance(n, ir.Var) and n.name in names:
            return replace(n, name=names[n.name])
        return map_children(n, go)

    return go(node)


def _freshened(node, fresh, declared: Counter):
    """A copy of `node` with every variable and region it binds renamed
    fresh (each declared once in the function, so a plain substitution),
    or None when one is declared more than once."""
    names = {}
    for n in walk(node):
        for b in _binders(n):
            if declared[b] > 1:
                return None
            if b not in names:
                names[b] = fresh(b + "_c")
    if not names:
        return node

    def region(r):
        return names.get(r, r)

    def go(n):
        match n:
            case ir.Var(name) if name in names:
                n = replace(n, name=names[name])
            case ir.Assign(name) if name in names:
                n = replace(n, name=names[name])
            case ir.Let(name) | ir.PVar(name) if name in names:
                n = replace(n, name=names[name])
            case ir.Unpack(_, r, v, _):
                n = replace(n, region=names.get(r, r), var=names.get(v, v))
            case ir.Region(name) if name in names:
                n = replace(n, name=names[name])
        n = rename_own(n, region)
        return map_children(n, go)

    return go(node)
