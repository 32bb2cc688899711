"""The `rc-elide` pass: reference counting that changes nothing is removed
(Perceus's dup/drop fusion; Lean's borrowed parameters).

Assumes: a checked lolang program.

Three rewrites, each keeping every region alive exactly as long as before:

1. **A pack scoped to its uses.** `let t = E; S1; ...; Sn; drop t;` in one
   block, with t only unpacked or copied in between, becomes
   `unpack E as s, x { S1; ...; Sn }` (t's unpacks read x, its copies
   pack x). The owned temporary is released where the block ends, which
   is where `drop t` released it. A variable of S1..Sn used after the
   drop leaves as the block's value (`let v = unpack E ... { ...; e }`)
   when it is the last statement's, or, a primitive, through a `var`
   declared before.
2. **Unpacking what was just packed.** `unpack (region q { S; pack{c} A })
   as s, x { B }` becomes `region q { S; let x = A; B }` (s read as q),
   `unpack (pack{c} X) as s, x { B }` becomes `do { let x = X; B }`, and
   `unpack (copy P) as s, x { B }` becomes `unpack P as s, x { B }` when
   B leaves P alone: the retain and the release around B go, the region
   lives as long (its block, or the place P, holds it meanwhile).
3. `do { let x = y; B }`, y a reference nothing assigns, is B reading y
   for x (the aliases the rewrites above leave), and `do { e }` is e.
4. Applied again until nothing changes: one rewrite exposes the next.

Guarantees: the same output, the same `allocs`, `regions_created` and
lifetimes; fewer `retains` and `releases` (each rewrite 2 removes one of
each).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames, rename_region, rename_var
from lolang.traverse import CONSUMED, VALUE, map_children, operands, walk
from lowering.analysis.name_uses import NameUses
from lowering.passes.remarks import Remark

NAME = "rc-elide"
LEVEL = 1

PRIM_DEFAULTS = {
    "S64": lambda: ir.IntLit(0),
    "U8": lambda: ir.IntLit(0, u8=True),
    "F64": lambda: ir.FloatLit(0.0),
    "Bool": lambda: ir.BoolLit(False),
    "Unit": lambda: ir.UnitLit(),
}


def run(program: ir.Program, checked):
    from lowering.pipeline import PassResult

    # Each round exposes the next (a rewrite's new nodes have no facts
    # until the function is checked again). A function a round leaves as
    # it was stays so (its facts, and so its rewrite, are the same again),
    # so a round rewrites only the functions the previous one changed, and
    # checks again only those: each function's facts are its own (its
    # region uids are counted within it), and the signatures, which the
    # checker reads of the others, do not change.
    decls = list(program.decls)
    facts = {i: checked for i, d in enumerate(decls) if isinstance(d, ir.FunDecl)}
    remarks: list[Remark] = []
    info = None
    uses: dict[int, NameUses] = {}  # what `_may_rewrite` found, for the round after
    funs = {g.name: g for g in program.funs}
    for round_ in range(MAX_ROUNDS):
        changed = []
        for i, facts_i in facts.items():
            new = _Function(decls[i], program, facts_i, remarks, uses.get(i)).rewrite()
            if new is not decls[i]:
                decls[i] = new
                changed.append(i)
        if not changed:
            break
        facts, uses = {}, {}
        if round_ + 1 < MAX_ROUNDS:
            info = _signatures(program) if info is None else info
            for i in changed:
                may, uses_i = _may_rewrite(decls[i], funs)
                if may:
                    facts[i] = _recheck(info, program, decls[i])
                    if uses_i is not None:
                        uses[i] = uses_i
    if any(d is not e for d, e in zip(decls, program.decls)):
        program = replace(program, decls=tuple(decls))
    return PassResult(program, remarks)


MAX_ROUNDS = 16


def _signatures(program: ir.Program):
    """What the checker reads of the other declarations (a rewrite changes
    only bodies, so the input's serve every round)."""
    from lolang.checker import decls

    return decls.collect(program, [])


def _recheck(info, program: ir.Program, fun: ir.FunDecl):
    """The checker's facts for a rewritten function (a rejection is hic's
    bug)."""
    from diagnostics import CompilerBug
    from lolang.checker import check_function_kept
    from lolang.checker.context import Reject

    try:
        return check_function_kept(info, fun, program)
    except Reject as error:
        raise CompilerBug(f"rc-elide made '{fun.name}' a function the checker rejects: {error.message}") from None


class _Function:
    def __init__(self, f: ir.FunDecl, program, checked, remarks, uses: NameUses | None = None):
        self.f, self.checked, self.remarks = f, checked, remarks
        self.funs = {g.name: g for g in program.funs}
        self.fresh = FreshNames(f)
        self._assigned: set[str] | None = None
        self._uses = uses

    def uses(self, b: ir.Block) -> NameUses:
        """Where names are used in block `b` (numbered with the whole
        function when `b` is one of its nodes, the function found on first
        need; a block a rewrite made is walked by itself)."""
        if self._uses is None:
            self._uses = NameUses(self.f.body)
        return self._uses if self._uses.numbers(b) else NameUses(b)

    @property
    def assigned(self) -> set[str]:
        """The variables an assignment writes (found on first need)."""
        if self._assigned is None:
            self._assigned = {n.name for n in walk(self.f.body) if isinstance(n, ir.Assign)}
        return self._assigned

    def rewrite(self) -> ir.FunDecl:
        body = self.go(self.f.body)
        return self.f if body is self.f.body else replace(self.f, body=body)

    def go(self, n):
        # Facts are keyed by node identity: each rule looks at a node before
        # its children are rebuilt.
        if isinstance(n, ir.Block):
            n = self._scope_packs(n)
        elif isinstance(n, ir.Unpack):
            n = self._unpack(n)
        elif isinstance(n, ir.Do):
            n = self._alias(n)
            if not isinstance(n, ir.Do):
                return self.go(n)
        return map_children(n, self.go)

    # ------------------------------------------------------------- 4

    def _alias(self, d: ir.Do):
        """`do { let x = y; B }` with y a reference no one assigns: B with
        y for x; `do { e }`: e."""
        b = d.body
        if (b.stmts and isinstance(b.stmts[0], ir.Let) and isinstance(b.stmts[0].value, ir.Var)
                and not b.stmts[0].mutable):
            let = b.stmts[0]
            y = let.value.name
            t = self.checked.types.get(id(let.value))
            if isinstance(t, ir.RefType) and y not in self.assigned:
                rest = rename_var(ir.Block(b.stmts[1:], b.result), let.name, y)
                d = replace(d, body=rest)
                b = rest
        if not b.stmts and b.result is not None and not isinstance(b.result, (ir.Var, ir.FieldGet)):
            return b.result  # (`do { x }` of a place moves it: that one stays)
        return d

    # ------------------------------------------------------------- 1

    def _scope_packs(self, b: ir.Block) -> ir.Block:
        stmts = b.stmts
        drops: dict[str, list[int]] = {}  # t -> where `drop t` stands
        for k, s in enumerate(stmts):
            if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var):
                drops.setdefault(s.value.name, []).append(k)
        if not drops:
            return b
        out = []
        uses = None
        i = 0
        while i < len(stmts):
            s = stmts[i]
            # (A rewrite replaces statements i..j and the scan goes on at
            # j + 1: the statements it makes are never scoped again here.)
            if (isinstance(s, ir.Let) and not s.mutable and isinstance(s.type, (ir.PackType, type(None)))
                    and s.name in drops):
                ty = self.checked.types.get(id(s.value))
                at = drops[s.name]
                later = len(at) - bisect_right(at, i)
                if isinstance(ty, ir.PackType) and later == 1:
                    j = at[-1]
                    if uses is None:
                        uses = self.uses(b)
                    new = self._scope(b, i, j, ty, uses)
                    if new is not None:
                        out.extend(new)
                        i = j + 1
                        continue
            out.append(s)
            i += 1
        return b if len(out) == len(stmts) and all(x is y for x, y in zip(out, stmts)) else replace(b, stmts=tuple(out))

    def _scope(self, b: ir.Block, i: int, j: int, ty: ir.PackType, uses: NameUses):
        """`let t = E; S1..Sn; drop t` (statements i..j of `b`) as one
        unpack, or None."""
        let = b.stmts[i]
        t = let.name
        between = b.stmts[i + 1:j]
        if not _scopable(b, i, j, uses):
            return None
        after = uses.after(b, j)
        declared = _declared(between)
        escaping = [v for v in declared if uses.within(uses.used, v, *after)]
        s, x = self.fresh("s"), self.fresh("x")
        inner = [_rebind(st, t, x, s, ty.caps) for st in between]
        value = let.value
        if isinstance(value, (ir.Var, ir.FieldGet)):
            # `let t = v` moved v; unpacking the place v would only borrow
            # it, so the unpack consumes it through a block.
            value = ir.Do(ir.Block((), value))
        if not escaping:
            unpack = ir.Unpack(value, s, x, ir.Block(tuple(inner)))
            new = [ir.ExprStmt(unpack)]
        elif (len(escaping) == 1 and between and isinstance(between[-1], ir.Let)
              and between[-1].name == escaping[0]):
            last = between[-1]
            unpack = ir.Unpack(value, s, x, ir.Block(tuple(inner[:-1]), inner[-1].value))
            new = [replace(last, value=unpack)]
        else:
            hoisted = []
            for v in escaping:
                decl = next(st for st in between if isinstance(st, ir.Let) and st.name == v)
                vt = self.checked.types.get(id(decl.value))
                if not (isinstance(vt, ir.PrimType) and vt.name in PRIM_DEFAULTS) or _declared_twice(between, v):
                    return None
                hoisted.append(ir.Let(v, vt, PRIM_DEFAULTS[vt.name](), mutable=True))
            inner = [ir.Assign(st.name, st.value) if isinstance(st, ir.Let) and st.name in escaping else st
                     for st in inner]
            unpack = ir.Unpack(value, s, x, ir.Block(tuple(inner)))
            new = [*hoisted, ir.ExprStmt(unpack)]
        self.remarks.append(Remark("pack scoped to its uses", self.f.name, f"'{t}'"))
        return new

    # ------------------------------------------------------------- 2

    def _unpack(self, u: ir.Unpack):
        pack, s, x, body = u.pack, u.region, u.var, u.body
        if isinstance(pack, ir.Region) and isinstance(pack.body.result, ir.Pack):
            q = pack.name
            value = pack.body.result.value
            vt = self.checked.types.get(id(value))
            # (A site, `analysis.fresh.site`, meets this test too.)
            if isinstance(vt, ir.RefType) and vt.region == self.checked.binders.get(id(pack)):
                if q not in _region_names(body) or q == s:
                    inner = rename_region(body, s, q)
                    stmts = (*pack.body.stmts, ir.Let(x, None, value), *inner.stmts)
                    self.remarks.append(Remark("pack of a new region unpacked at once", self.f.name, f"'{q}'"))
                    return ir.Region(q, ir.Block(stmts, inner.result), span=u.span)
        if isinstance(pack, ir.Pack):
            vt = self.checked.types.get(id(pack.value))
            if isinstance(vt, ir.RefType) and vt.region != ir.PRIMITIVE_REGION:
                region = vt.region.split("#", 1)[0]
                if region not in _binders(body):
                    inner = rename_region(body, s, region)
                    self.remarks.append(Remark("pack unpacked at once", self.f.name, f"in '{region}'"))
                    return ir.Do(ir.Block((ir.Let(x, None, pack.value), *inner.stmts), inner.result), span=u.span)
        if isinstance(pack, ir.Copy) and isinstance(pack.value, (ir.Var, ir.FieldGet)):
            root = _root(pack.value)
            if root is not None and not _consumes(body, root, self.funs):
                self.remarks.append(Remark("copy borrowed instead", self.f.name, f"'{root}'"))
                return replace(u, pack=pack.value)
        return u


def _may_rewrite(f: ir.FunDecl, funs: dict) -> tuple[bool, NameUses | None]:
    """Whether some node of `f` meets what a rewrite asks of it apart from
    the facts: when none does, another round would return `f` as it is,
    and checking it again to know is not needed. (With where names are
    used in `f`, if that was needed to know.)"""
    assigned = None
    uses = None
    for n in walk(f.body):
        if isinstance(n, ir.Block):
            drops: dict[str, list[int]] = {}
            for k, s in enumerate(n.stmts):
                if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var):
                    drops.setdefault(s.value.name, []).append(k)
            if not drops:
                continue
            for i, s in enumerate(n.stmts):
                if (isinstance(s, ir.Let) and not s.mutable and isinstance(s.type, (ir.PackType, type(None)))
                        and s.name in drops):
                    at = drops[s.name]
                    if len(at) - bisect_right(at, i) == 1:
                        uses = NameUses(f.body) if uses is None else uses
                        if _scopable(n, i, at[-1], uses):
                            return True, uses
        elif isinstance(n, ir.Unpack):
            pack = n.pack
            if isinstance(pack, ir.Region) and isinstance(pack.body.result, ir.Pack):
                if pack.name not in _region_names(n.body) or pack.name == n.region:
                    return True, uses
            elif isinstance(pack, ir.Pack):
                return True, uses
            elif isinstance(pack, ir.Copy) and isinstance(pack.value, (ir.Var, ir.FieldGet)):
                root = _root(pack.value)
                if root is not None and not _consumes(n.body, root, funs):
                    return True, uses
        elif isinstance(n, ir.Do):
            b = n.body
            if not b.stmts and b.result is not None and not isinstance(b.result, (ir.Var, ir.FieldGet)):
                return True, uses
            if (b.stmts and isinstance(b.stmts[0], ir.Let) and isinstance(b.stmts[0].value, ir.Var)
                    and not b.stmts[0].mutable):
                if assigned is None:
                    assigned = {a.name for a in walk(f.body) if isinstance(a, ir.Assign)}
                if b.stmts[0].value.name not in assigned:
                    return True, uses
    return False, uses


def _scopable(b: ir.Block, i: int, j: int, uses: NameUses) -> bool:
    """What scoping `let t` (statement i of `b`) to its `drop t`
    (statement j) asks of the statements: t only unpacked or copied in
    between, and not read after."""
    t = b.stmts[i].name
    return not (uses.within(uses.not_borrowed, t, *uses.between(b, i, j))
                or uses.within(uses.mentioned, t, *uses.after(b, j)))


# --------------------------------------------------------------------------
# helpers


def _declared(stmts) -> list[str]:
    return [s.name for s in stmts if isinstance(s, ir.Let)]


def _declared_twice(stmts, v: str) -> bool:
    return sum(1 for s in stmts if isinstance(s, ir.Let) and s.name == v) > 1


def _rebind(node, t: str, x: str, s: str, caps: str):
    """Inside the new unpack: `unpack t as s1, y { B }` reads `x` (`do {
    let y = x; B }`, s1 read as s), `copy t` packs `x`."""
    def go(n):
        match n:
            case ir.Unpack(ir.Var(v), s1, y, body) if v == t:
                body = go(rename_region(body, s1, s))
                return ir.Do(ir.Block((ir.Let(y, None, ir.Var(x)), *body.stmts), body.result), span=n.span)
            case ir.Copy(ir.Var(v)) if v == t:
                return ir.Pack(caps, ir.Var(x), span=n.span)
        return map_children(n, go)

    return go(node)


def _region_names(node) -> set[str]:
    from lolang.traverse import region_uses

    return set(region_uses(node)) | _binders(node)


def _binders(node) -> set[str]:
    return {n.name if isinstance(n, ir.Region) else n.region for n in walk(node) if isinstance(n, (ir.Region, ir.Unpack))}


def _root(place) -> str | None:
    while isinstance(place, ir.FieldGet):
        place = place.target
    return place.name if isinstance(place, ir.Var) else None


def _consumes(body, name: str, funs) -> bool:
    """Whether `body` consumes or assigns variable `name`."""
    for n in walk(body):
        if isinstance(n, ir.Assign) and n.name == name:
            return True
        for child, use in operands(n, funs.get):
            if isinstance(child, ir.Var) and child.name == name and use in (CONSUMED, VALUE):
                return True
    return False
