"""The `unpack-in-place` pass: an owned pack looked into and then consumed
is unpacked in place, not through a copy (Perceus' borrowed match of an
owned value; docs/passes.md).

Assumes: a checked lolang program, as `rc-elide` leaves it.

The naive lowering matches an owned variable p that an arm may consume as

    unpack copy p as s, o { match o { C(x, f) => { drop p; ... } ... } };

The copy keeps s alive while p is consumed inside: one retain and one
release per match (deriv's `add` and `mul` match each argument up to
three times per call). lolang lets an `unpack` of a place consume that
place inside (docs/lolang.md 5.2): what was read through it (o, f, s and
what was unpacked from them) can no longer be used on that path. So the
pass writes `unpack p as s, o { ... }` when the checker accepts it, after
moving each `copy f` of something read through p that follows the arm's
`drop p` before it:

    drop m0; drop n0; return add(region q { pack{r} new[q] Val(n) }, copy f);
 -> let c1 = copy f; drop m0; drop n0; return add(region q { .. }, c1);

A copy moves only over what cannot fail (allocation, arithmetic but `/`
and `%`, assignments, other drops and copies): no runtime error or stack
overflow can come between its old place and its new one, so a failing run
counts the same. Where a call comes between (nqueens' `extend`: `drop
rest; out = appendSafe(.., xs, out); rest = copy tail;`), the `drop p`
moves down instead, to just before the statement that mentions p again,
and the copy then moves before it: p's region was kept alive to the end
of the block by the copy, so it lives no longer than before.

Guarantees: the same output, allocations and regions; one retain and one
release fewer per rewritten match; p's region is released where the arm
drops p instead of where the block ended, never later. A function the
checker would not accept rewritten keeps the copies that it needs.
"""

from __future__ import annotations

from lolang import ir
from lolang.rename import FreshNames
from lolang.traverse import map_children, rebuild, transform, updated, walk
from lowering.passes.checker_trials import Trials, rewrite_functions
from lowering.passes.remarks import Remark, where

NAME = "unpack-in-place"
LEVEL = 2


def run(program: ir.Program, checked=None):
    return rewrite_functions(program, _candidates, lambda f, trials, remarks: _Function(f, trials, remarks).rewrite())


def _candidates(f: ir.FunDecl) -> list[ir.Unpack]:
    """`unpack copy p` of a variable p the block mentions (else `rc-elide`
    has made it `unpack p` already)."""
    found = []
    for n in walk(f.body):
        if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Copy) and isinstance(n.pack.value, ir.Var):
            name = n.pack.value.name
            if any(isinstance(m, ir.Var) and m.name == name for m in walk(n.body)):
                found.append(n)
    return found


class _Function:
    def __init__(self, f: ir.FunDecl, trials: Trials, remarks):
        self.f, self.remarks = f, remarks
        self._accepted = trials.accepted
        self.fresh = FreshNames(f)

    def rewrite(self) -> ir.FunDecl:
        candidates = _candidates(self.f)
        new = self._rewritten({id(u) for u in candidates})
        if not self._accepted(new):
            # Some match reads through p after p is consumed: take the
            # others one at a time.
            chosen: set[int] = set()
            new = self.f
            sunk: set[int] = set()
            for u in candidates:
                trial = self._rewritten(chosen | {id(u)}, sunk)
                if self._accepted(trial):
                    chosen.add(id(u))
                    new = trial
                    continue
                # The arm reads through p after a call: drop p after it.
                trial = self._rewritten(chosen | {id(u)}, sunk | {id(u)})
                if self._accepted(trial):
                    chosen.add(id(u))
                    sunk.add(id(u))
                    new = trial
            if not chosen:
                return self.f
            candidates = [u for u in candidates if id(u) in chosen]
        for u in candidates:
            self.remarks.append(Remark("unpacked in place", self.f.name, f"'{u.pack.value.name}'", where(u)))
        return new

    def _rewritten(self, chosen: set[int], sunk: frozenset | set = frozenset()) -> ir.FunDecl:
        def rewrite(node):
            convert = id(node) in chosen  # the input's nodes, before their children are rebuilt
            sink = id(node) in sunk
            node = map_children(node, rewrite)
            if convert:
                p = node.pack.value.name
                inner = _bound(node.body) | {node.var}
                body = node.body
                if sink:
                    body = transform(body, lambda n: _sink(n, p) if isinstance(n, ir.Block) else n)
                body = transform(body, lambda n: self._hoist(n, p, inner) if isinstance(n, ir.Block) else n)
                node = rebuild(node, pack=node.pack.value, body=body)
            return node

        return updated(self.f, body=rewrite(self.f.body))

    def _hoist(self, b: ir.Block, p: str, inner: set[str]) -> ir.Block:
        """Before each run of `drop`s that drops p, the copies of names
        read through p that the statements after it make before anything
        that can fail."""
        stmts = list(b.stmts)
        out: list = []
        k = 0
        changed = False
        while k < len(stmts):
            if not _is_drop(stmts[k]):
                out.append(stmts[k])
                k += 1
                continue
            j = k
            while j < len(stmts) and _is_drop(stmts[j]):
                j += 1
            run = stmts[k:j]
            if not any(s.value.name == p for s in run):
                out.extend(run)
                k = j
                continue
            rest = stmts[j:] + ([b.result] if b.result is not None else [])
            copies: list[ir.Copy] = []
            _scan_all(rest, copies)
            shadowed = set().union(*(_bound(s) for s in rest)) if rest else set()
            hoisted = {}
            for c in copies:
                name = c.value.name
                if name in inner and name not in shadowed and id(c) not in hoisted:
                    hoisted[id(c)] = self.fresh("c")
                    out.append(ir.Let(hoisted[id(c)], None, c, span=c.span))
            out.extend(run)
            if hoisted:
                changed = True
                n_rest = len(stmts) - j
                replaced = [_replace_copies(s, hoisted) for s in rest]
                stmts[j:] = replaced[:n_rest]
                if b.result is not None:
                    b = rebuild(b, result=replaced[n_rest])
            k = j
        if not changed:
            return b
        return rebuild(b, stmts=tuple(out))


def _sink(b: ir.Block, p: str) -> ir.Block:
    """Each `drop p` of block b moved down past the statements after it
    that neither mention p nor leave the block (`return`, `break`,
    `continue`): to just before the next that mentions p (`p = copy t`),
    or to the end. The copy `unpack copy p` made kept p's region alive to
    the end of the block anyway, so no region lives longer than it did."""
    stmts = list(b.stmts)
    k = 0
    changed = False
    while k < len(stmts):
        s = stmts[k]
        if not (_is_drop(s) and s.value.name == p):
            k += 1
            continue
        j = k + 1
        while j < len(stmts) and not _mentions_or_leaves(stmts[j], p):
            j += 1
        if j > k + 1:
            stmts[k:j] = stmts[k + 1:j] + [s]
            changed = True
        k = j
    return rebuild(b, stmts=tuple(stmts)) if changed else b


def _mentions_or_leaves(node, p: str) -> bool:
    for n in walk(node):
        if isinstance(n, (ir.Var, ir.Assign)) and n.name == p:
            return True
        if isinstance(n, (ir.Return, ir.Break, ir.Continue)):
            return True
    return False


def _is_drop(s) -> bool:
    return isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)


def _bound(node) -> set[str]:
    """Variable names bound in `node`'s subtree."""
    names = set()
    for n in walk(node):
        if isinstance(n, ir.Let):
            names.add(n.name)
        elif isinstance(n, ir.Unpack):
            names.add(n.var)
        elif isinstance(n, ir.PVar):
            names.add(n.name)
    return names


def _top_down(node, fn):
    node = fn(node)
    return map_children(node, lambda c: _top_down(c, fn))


# What evaluates its operands in order and cannot fail itself.
_SAFE_OPS = {"+", "-", "*", "==", "!=", "<", "<=", ">", ">="}


def _scan_all(stmts, copies: list) -> bool:
    for s in stmts:
        if not _scan(s, copies):
            return False
    return True


def _scan(node, copies: list) -> bool:
    """The `copy x` of variables in `node`, in evaluation order, up to the
    first operation that can fail (or whose effect is not plain): whether
    `node` was scanned to its end."""
    cls = type(node)
    if cls is ir.Copy:
        if isinstance(node.value, ir.Var):
            copies.append(node)
            return True
        return False
    if cls in (ir.Var, ir.IntLit, ir.BoolLit, ir.FloatLit, ir.UnitLit):
        return True
    if cls is ir.Binary:
        if node.op not in _SAFE_OPS:
            return False
        return _scan(node.left, copies) and _scan(node.right, copies)
    if cls is ir.Unary:
        return _scan(node.operand, copies)
    if cls is ir.Call:
        _scan_all(node.args, copies)
        return False  # a call may overflow the stack, and does anything
    if cls in (ir.NewData, ir.Reuse):
        return _scan_all(node.args, copies)
    if cls in (ir.Pack, ir.Drop, ir.Let, ir.Assign, ir.Return):
        return node.value is None or _scan(node.value, copies)
    if cls in (ir.Region, ir.Block):
        body = node.body if cls is ir.Region else node
        return _scan_all(body.stmts, copies) and (body.result is None or _scan(body.result, copies))
    return False


def _replace_copies(node, hoisted: dict):
    if not hoisted:
        return node

    def fn(n):
        return ir.Var(hoisted[id(n)], span=n.span) if isinstance(n, ir.Copy) and id(n) in hoisted else n

    return _top_down(node, fn)
