"""The `known-constructors` pass: a constructor made only to be matched at
once is not made (case-of-known-constructor; GHC's simplifier and Lean's
`ElimDeadBranches` do the same).

Assumes: a checked lolang program, after `static-objects`.

Finds `match get(m, k) { Some(v) => A; None => B }` as the naive lowering
writes it: a temporary holding either a new `Some(e)` or the static `None`,
chosen by a condition, and unpacked and matched by the very next statement:

    let t = if c then region q { pack{r} new[q] Some(e) } else pack{r} new[P] None;
    unpack do { t } as s, o { match o { Some(v) => { A } None => { B } } };

becomes

    if c { let v = e; A } else { B }

(inside the same unpacks and aliases the condition was evaluated in). The
fields the arm binds must be primitives (a pack field would hand the arm an
owned pack where it expects a borrowed one), and the arms must not touch
the places those unpacks borrow.

Guarantees: the same evaluation order (c, then e, then the arm), the same
output and runtime errors; one object, one region, one retain and two
releases fewer per match that took the `Some` branch.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.traverse import map_children, updated, walk
from lowering.analysis.fresh import static_pack
from lowering.passes.remarks import Remark

NAME = "known-constructors"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    ctors = {c.name: c for d in program.datas for c in d.ctors}
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            decl = updated(decl, body=_Folder(decl.name, ctors, remarks).go(decl.body))
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


class _Folder:
    def __init__(self, fun: str, ctors: dict, remarks: list):
        self.fun, self.ctors, self.remarks = fun, ctors, remarks

    def go(self, n):
        if isinstance(n, ir.Block):
            n = self._block(n)
        return map_children(n, self.go)

    def _block(self, b: ir.Block) -> ir.Block:
        stmts = list(b.stmts)
        i = 0
        changed = False
        while i + 1 < len(stmts):
            folded = self._fold(stmts[i], stmts[i + 1], stmts[i + 2:], b.result)
            if folded is not None:
                stmts[i:i + 2] = [folded]
                changed = True
            i += 1
        return replace(b, stmts=tuple(stmts)) if changed else b

    def _fold(self, let, use, rest, result):
        if not (isinstance(let, ir.Let) and not let.mutable):
            return None
        t = let.name
        match = _matched(use, t)
        if match is None or any(_mentions(s, t) for s in rest) or (result is not None and _mentions(result, t)):
            return None
        scrutinee_var, arms = match
        found = _choice(let.value)
        if found is None:
            return None
        wrappers, cond, made, other = found
        places = {w.pack.name for w in wrappers if isinstance(w, ir.Unpack) and isinstance(w.pack, ir.Var)}
        then = self._arm(arms, made, scrutinee_var, places)
        els = self._arm(arms, other, scrutinee_var, places)
        if then is None or els is None:
            return None
        stmt = ir.If(cond, then, els)
        for w in reversed(wrappers):
            stmt = ir.ExprStmt(_rewrap(w, stmt))
        self.remarks.append(Remark("constructor matched at once", self.fun, f"'{made.ctor}' not made"))
        return stmt

    def _arm(self, arms, made: ir.NewData, scrutinee: str, places: set[str]) -> ir.Block | None:
        """The body of the arm `made` selects, with its pattern's variables
        bound to `made`'s (primitive) arguments; None if that is not safe."""
        ctor = self.ctors.get(made.ctor)
        if ctor is None:
            return None
        for arm in arms:
            p = arm.pattern
            if isinstance(p, ir.PWild):
                binds = []
            elif isinstance(p, ir.PCtor) and p.ctor == made.ctor:
                binds = []
                for sub, field, value in zip(p.args, ctor.fields, made.args):
                    if isinstance(sub, ir.PWild):
                        continue
                    if not (isinstance(sub, ir.PVar) and isinstance(field.type, ir.PrimType)):
                        return None
                    binds.append(ir.Let(sub.name, None, value))
                if any(not isinstance(sub, (ir.PVar, ir.PWild)) for sub in p.args):
                    return None
            elif isinstance(p, ir.PCtor):
                continue
            else:
                return None
            body = arm.body
            if _mentions(body, scrutinee) or any(_mentions(body, place) for place in places):
                return None
            return replace(body, stmts=(*binds, *body.stmts))
        return None


def _matched(use, t: str):
    """`unpack do { t } as s, o { match o { ... } }` (or `unpack t ...`),
    as a statement whose block is exactly the match: (o, arms)."""
    if not isinstance(use, ir.ExprStmt) or not isinstance(use.expr, ir.Unpack):
        return None
    u = use.expr
    pack = u.pack
    if isinstance(pack, ir.Do) and not pack.body.stmts:
        pack = pack.body.result
    if not (isinstance(pack, ir.Var) and pack.name == t and isinstance(u.pack, ir.Do)):
        return None
    body = u.body
    if body.result is not None or len(body.stmts) != 1 or not isinstance(body.stmts[0], ir.Match):
        return None
    m = body.stmts[0]
    if not (isinstance(m.scrutinee, ir.Var) and m.scrutinee.name == u.var):
        return None
    return u.var, m.arms


def _choice(value):
    """`W[if c then region q { pack{r} new[q] K(e...) } else pack{r} new[P] K0]`,
    W a nest of unpacks of places and `do { let x = y; ... }` aliases:
    (the wrappers, c, K(e...) as made in q, K0)."""
    wrappers = []
    while True:
        match value:
            case ir.Unpack(ir.Var(), _, _, body) if not body.stmts and body.result is not None:
                wrappers.append(value)
                value = body.result
            case ir.Do(body) if body.result is not None and all(
                    isinstance(s, ir.Let) and isinstance(s.value, ir.Var) for s in body.stmts):
                wrappers.append(value)
                value = body.result
            case _:
                break
    if not isinstance(value, ir.IfExpr):
        return None
    made = _made(value.then)
    if made is None or not static_pack(value.els):
        return None
    return wrappers, value.cond, made, value.els.value


def _made(e) -> ir.NewData | None:
    """`region q { pack{c} new[q] K(args) }` with args naming no q: the
    object, made only to be packed."""
    if not (isinstance(e, ir.Region) and not e.body.stmts and isinstance(e.body.result, ir.Pack)):
        return None
    new = e.body.result.value
    if not (isinstance(new, ir.NewData) and new.region == e.name):
        return None
    if any(isinstance(n, (ir.Region, ir.NewData, ir.NewString, ir.NewArray, ir.NewMap, ir.Call, ir.Builtin))
           for a in new.args for n in walk(a)):
        return None  # arguments that allocate or call: keep the object where it is
    return new


def _rewrap(w, stmt):
    """A wrapper of the condition around the new `if` statement."""
    if isinstance(w, ir.Unpack):
        return replace(w, body=ir.Block((stmt,)))
    return replace(w, body=ir.Block((*w.body.stmts, stmt)))


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, ir.Var) and n.name == name for n in walk(node))
