"""The `dominated` pass: a structure whose root dominates its children
lives in one region (LANGUAGE.md §3, "unpack dominated structures";
Tofte–Birkedal region inference restricted to linear flows, as Gibbon's
`InferLocations` does).

Assumes: a checked lolang program, after `output-regions` (a call of a
function that makes its result is a site like any other).

Finds the dominated slots (`lowering.analysis.dominated_slots`: every
value stored is fresh, none is replaced or removed, every copy read out
dies while its holder lives) and rewrites the program around them:

* the slot's type loses its pack: `Node(Pack{r} Tree, ...)` becomes
  `Node(Tree, ...)`, `Array (Pack{r} P)` becomes `Array P`, everywhere;
* each value stored into one is made in the holder's region: a site
  `region q { pack{c} new[q] Leaf }` stored into `new[o] Node(...)`
  becomes `new[o] Leaf`, a call `region q { pack{r} f[q](x) }` becomes
  `f[o](x)`; a temporary whose definition comes before the holder's
  region is opened first moves into that region's block (nothing with an
  effect is evaluated in between, so nothing observable moves);
* a read of one is a reference into the holder's region: `unpack l as s,
  x { B }` becomes `do { let x = l; B }` with s read as that region, and
  `copy l` becomes `pack{c} l` (a reference on the holder's region, which
  the analysis made sure dies while the holder lives).

Guarantees: the same output; a child dies with its holder, which is when
naive reference counting frees it too (it is reachable only from there);
one region, not one per object; no pack recorded, retained or released
inside the structure. What it refuses, and why, it says in remarks.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames, rename_own
from lolang.traverse import map_children, updated, walk
from lowering.analysis import accumulators, dominated_slots, var_uses
from lowering.analysis.retained import retained_params
from lowering.analysis.fresh import copyable, site, static_pack
from lowering.passes.remarks import Remark

NAME = "dominated"
LEVEL = 2


def run(program: ir.Program, checked):
    from lowering.pipeline import PassResult

    slots = dominated_slots.analyze(program, checked)
    remarks = [Remark("not dominated", why.split(":", 1)[0], f"{dominated_slots.slot_name(s)}: {why.split(': ', 1)[1]}")
               for s, why in slots.refuted.items()]
    if not slots.dominated:
        return PassResult(program, remarks)
    sinks = [s for s in slots.sinks if s.slot in slots.dominated]
    if sinks:
        program = _apply_sinks(program, sinks)
        remarks += [Remark("moved into its holder's region", s.function, ", ".join(s.lets)) for s in sinks]
        checked, before = _recheck(program), checked
        var_uses.carry_over(before, checked)  # the functions no move touched are the same
    types = _TypeMap(slots.dominated)
    funs = {f.name: f for f in program.funs}
    # Found again only when some group is still wanted (`_groups`): in most
    # programs none is, and finding them is a quarter of this pass.
    if any(g.slots <= slots.dominated for gs in slots.groups.values() for g in gs):
        found = accumulators.find_all(program, checked, funs, retained_params(program, checked))
    else:
        found = {}
    ctors = {c.name: c for d in program.datas for c in d.ctors}
    datas = {d.name: d for d in program.datas}
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.DataDecl):
            decl = types.data(decl)
        else:
            groups = _groups(decl, found, slots)
            remarks += [Remark("one region for", decl.name, ", ".join(sorted(g.members))) for g in groups]
            decl = _Function(decl, program, checked, slots.dominated, types, remarks, groups, ctors, datas).rewrite()
        decls.append(decl)
    remarks[:0] = sorted((Remark("dominated", "", dominated_slots.slot_name(s)) for s in slots.dominated),
                         key=lambda r: r.detail)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


def _groups(f: ir.FunDecl, found: dict, slots) -> list:
    """The accumulators of `f` whose slots are dominated (found again:
    moving temporaries may have rebuilt the function)."""
    live = {g.members for g in slots.groups.get(f.name, ()) if g.slots <= slots.dominated}
    if not live:
        return []
    groups = [g for g in found.get(f.name, ()) if g.members in live]
    assert {g.members for g in groups} == live, f"{f.name}: accumulators changed"
    return groups


def _recheck(program: ir.Program):
    """The checker's result after the moves (a rejection is hic's bug)."""
    from diagnostics import CompileError, CompilerBug
    from lolang.checker import check

    try:
        return check(program)
    except CompileError as error:
        raise CompilerBug(f"moving temporaries into their holder's region broke the program: {error}") from None


# --------------------------------------------------------------------------
# types


class _TypeMap:
    """Every type with the dominated slots' packs removed."""

    def __init__(self, dominated: set):
        self.dominated = dominated
        self.memo: dict = {}

    def __call__(self, t):
        if t is None:
            return None
        key = id(t)
        found = self.memo.get(key)
        if found is not None and found[0] is t:
            return found[1]
        new = self._map(t)
        self.memo[key] = (t, new)
        return new

    def _map(self, t):
        match t:
            case ir.ArrayType(elem):
                if ("array", t) in self.dominated:
                    return ir.ArrayType(self(elem.obj))
                new = self(elem)
                return t if new is elem else ir.ArrayType(new)
            case ir.MapType(k, v):
                new_k, new_v = self(k), self(v)
                return t if new_k is k and new_v is v else ir.MapType(new_k, new_v)
            case ir.PackType(c, obj):
                new = self(obj)
                return t if new is obj else ir.PackType(c, new)
            case ir.RefType(obj, region):
                new = self(obj)
                return t if new is obj else ir.RefType(new, region)
            case ir.BorrowType(pack):
                new = self(pack)
                return t if new is pack else ir.BorrowType(new)
        return t

    def data(self, d: ir.DataDecl) -> ir.DataDecl:
        ctors = []
        for c in d.ctors:
            fields = []
            for i, f in enumerate(c.fields):
                if ("field", c.name, i) in self.dominated:
                    fields.append(replace(f, type=self(f.type.obj)))
                else:
                    fields.append(updated(f, type=self(f.type)))
            ctors.append(updated(c, fields=tuple(fields)))
        return updated(d, ctors=tuple(ctors))


# --------------------------------------------------------------------------
# sinking temporaries into their holder's region block


def _apply_sinks(program: ir.Program, sinks: list) -> ir.Program:
    """Move each sink's lets into its binder's block (its drops go after
    the statement). Per statement one binder; its lets and drops are the
    union of its sinks' (each a run ending just before the statement).
    Statements are handled in order, each removal shifting the later ones."""
    by_block: dict[int, dict[int, tuple[int, list[str], list[str]]]] = {}
    for s in sinks:
        at = by_block.setdefault(s.block, {})
        # Sinks of one statement move runs that all end just before it:
        # the longest holds the others.
        binder, names, drops = at.get(s.index, (s.binder, [], []))
        if len(s.lets) + len(s.drops) > len(names) + len(drops):
            at[s.index] = (s.binder, list(s.lets), list(s.drops))

    def go(n):
        if isinstance(n, ir.Block) and id(n) in by_block:
            n = _sink_block(n, by_block[id(n)])
        return map_children(n, go)

    return go(program)


def _sink_block(b: ir.Block, here: dict) -> ir.Block:
    stmts = list(b.stmts)
    result = b.result
    shift = 0
    gone: set[str] = set()  # lets an earlier sink already moved (a later run may hold their statement)
    used: set[str] | None = None  # names in the block, and the temporaries made so far
    carried: set[str] = set()  # drops an earlier sink put after its statement
    for index in sorted(here):
        binder, names, drops = here[index]
        names = [n for n in names if n not in gone]
        gone.update(names)
        at = index + shift
        # The run of lets and drops just before the statement. An earlier
        # sink's statement may be one of these lets, with that sink's drops
        # now after it: they go after this statement too.
        start, lets_left, drops_left = at, set(names), set(drops)
        while lets_left or drops_left:
            start -= 1
            s = stmts[start]
            dropped = s.value.name if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) else None
            if isinstance(s, ir.Let) and s.name in lets_left:
                lets_left.discard(s.name)
            elif dropped in drops_left:
                drops_left.discard(dropped)
            else:
                assert dropped in carried, (names, drops, stmts[start:at])
        span = stmts[start:at]
        width = len(span)
        lets = tuple(s for s in span if isinstance(s, ir.Let))
        drops = [s.value.name for s in span if isinstance(s, ir.Drop)]
        carried.update(drops)
        in_stmts = at < len(stmts)  # (not the block's value)
        target = stmts[at] if in_stmts else result
        moved = _into(target, binder, lets)
        after = [ir.Drop(ir.Var(d)) for d in drops]
        if after and (isinstance(moved, (ir.Assign, ir.Return)) or not in_stmts):
            # `drop p; p = <site>`, `drop p; return <site>` or `drop p;
            # <site>` as the block's value: the site is built first, then p
            # dropped, then the value assigned, returned or given.
            if used is None:
                used = {n.name for n in walk(b) if isinstance(n, (ir.Var, ir.Let))}
            tmp = _fresh_name(used, "t")
            if not in_stmts:
                result = ir.Var(tmp)
                replacement = [ir.Let(tmp, None, moved), *after]
            else:
                last = ir.Assign(moved.name, ir.Var(tmp)) if isinstance(moved, ir.Assign) else ir.Return(ir.Var(tmp))
                replacement = [ir.Let(tmp, None, moved.value), *after, last]
        elif in_stmts:
            replacement = [moved, *after]
        else:
            result = moved
            replacement = []
        stmts[at - width: at + (1 if in_stmts else 0)] = replacement
        shift += len(replacement) - width - (1 if in_stmts else 0)
    return replace(b, stmts=tuple(stmts), result=result)


def _value_ends(e):
    """The expressions whose value `e` gives: through blocks' results and
    both branches of an `if` (`if c then copy xs[0] else []`)."""
    while isinstance(e, (ir.Do, ir.Unpack, ir.Region, ir.Restrict)) and e.body.result is not None:
        e = e.body.result
    if isinstance(e, ir.IfExpr):
        return [*_value_ends(e.then), *_value_ends(e.els)]
    return [e]


def _fresh_name(used: set[str], base: str) -> str:
    """A name not in `used` (which then holds it: two sinks in one block
    that each need a temporary get two)."""
    i = 1
    while f"{base}_new{i}" in used:
        i += 1
    used.add(f"{base}_new{i}")
    return f"{base}_new{i}"


def _into(node, binder: int, lets: tuple):
    """`node` with `lets` first in the body of the node whose id is `binder`."""
    def put(n):
        if id(n) == binder:
            return replace(n, body=replace(n.body, stmts=(*lets, *n.body.stmts)))
        return map_children(n, put)

    return put(node)


# --------------------------------------------------------------------------
# the rewrite of one function


def _name(uid: str) -> str:
    return uid.split("#", 1)[0]


# The node types `_Function.go` rewrites itself (the others only have
# their children rewritten and their region names renamed).
_MATCHED = frozenset((ir.Let, ir.Assign, ir.Return, ir.Unpack, ir.Copy, ir.Match, ir.NewData, ir.NewArray,
                      ir.NewMap, ir.Builtin))


class _Function:
    def __init__(self, f: ir.FunDecl, program, checked, dominated, types: _TypeMap, remarks, groups=(),
                 ctors: dict | None = None, datas: dict | None = None):
        """`ctors`, `datas`: the program's constructors and data
        declarations by name, if already found."""
        self.f, self.checked, self.dominated, self.types, self.remarks = f, checked, dominated, types, remarks
        self.ctors = ctors if ctors is not None else {c.name: c for d in program.datas for c in d.ctors}
        self.datas = datas if datas is not None else {d.name: d for d in program.datas}
        self.alias: dict[str, str] = {}   # a region read as another (an inlined unpack, a retargeted site)
        self.refs: dict[str, str] = {}    # variable -> region: it now holds a reference there
        self._lets = {n.name: n for n in walk(f.body) if isinstance(n, ir.Let)}
        # A copy bound to a `let` that declares fewer capabilities packs
        # with those (`dominated_slots.copy_caps`).
        self.copy_caps: dict[int, str] = {}
        for let in self._lets.values():
            if isinstance(let.type, ir.PackType):
                for end in _value_ends(let.value):
                    if isinstance(end, ir.Copy):
                        self.copy_caps[id(end)] = let.type.caps
        self.fresh = FreshNames(f)
        self.dests = self._dests()         # temporary -> the region its value is made in
        # Accumulators (analysis/accumulators.py): one new region each.
        self.members: dict[str, str] = {}  # member -> its group's region
        self.member_caps: dict[str, str] = {}
        self.group_at: dict[int, tuple] = {}  # id(block) -> (start, region)
        self.param_object: dict[str, str] = {}  # a group's parameter -> the variable its object is bound to
        for g in groups:
            region = self.fresh("a") if g.param is None else self.fresh("s")
            self.group_at[g.block] = (g.start, region, g.param)
            if g.param is not None:
                self.param_object[g.param] = self.fresh("o")
            for m in g.members:
                t = self._lets[m].type if m in self._lets else next(p.type for p in f.params if p.name == m)
                self.member_caps[m] = t.caps if isinstance(t, ir.PackType) else "r"
                self.members[m] = region
                self.refs[m] = region
            for t in g.temps:
                self.dests[t] = region

    def region(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def rewrite(self) -> ir.FunDecl:
        f = self.f
        params = tuple(updated(p, type=self.types(p.type)) for p in f.params)
        return updated(f, params=params, ret=self.types(f.ret), body=self.go(f.body))

    # ------------------------------------------------------------- facts

    def _dests(self) -> dict[str, str]:
        """Every temporary a store into a dominated slot takes its value
        from, and the holder's region (as written at the store)."""
        found: dict[str, str] = {}
        for n in walk(self.f.body):
            if type(n) not in dominated_slots.STORES:
                continue
            for slot, value, holder in self._stores(n):
                if slot in self.dominated:
                    for t in self._temps(value):
                        found[t] = holder
        return found

    def _stores(self, n):
        match n:
            case ir.NewData(region, ctor, args):
                for i, a in enumerate(args):
                    if isinstance(self.ctors[ctor].fields[i].type, ir.PackType):
                        yield ("field", ctor, i), a, region
            case ir.NewArray(region, elem, elems) if isinstance(elem, ir.PackType):
                for a in elems:
                    yield ("array", ir.ArrayType(elem)), a, region
            case ir.Builtin("push", _, (xs, v)):
                t = self.checked.types.get(id(xs))
                if isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType) and isinstance(t.obj.elem, ir.PackType):
                    yield ("array", t.obj), v, _name(t.region)

    def _temps(self, e) -> list[str]:
        if site(e, self.checked) is not None:
            return []
        match e:
            case ir.Var(name):
                let = self._let(name)
                return [name, *self._temps(let.value)] if let is not None else [name]
            case ir.IfExpr(_, a, b):
                return self._temps(a) + self._temps(b)
            case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body):
                return self._temps(body.result) if body.result is not None else []
        return []

    def _let(self, name: str):
        return self._lets.get(name)

    def _slot_read(self, e):
        """The dominated slot `e` reads, if it reads one (a pattern
        variable on a dominated field is in `refs` instead)."""
        match e:
            case ir.FieldGet(target, name):
                t = self.checked.types.get(id(target))
                if isinstance(t, ir.RefType) and isinstance(t.obj, ir.DataType):
                    for c in self.datas[t.obj.name].ctors:
                        for i, fd in enumerate(c.fields):
                            if fd.name == name and ("field", c.name, i) in self.dominated:
                                return ("field", c.name, i), _name(t.region)
            case ir.Index(target, _):
                t = self.checked.types.get(id(target))
                if isinstance(t, ir.RefType) and ("array", t.obj) in self.dominated:
                    return ("array", t.obj), _name(t.region)
        return None

    def _caps(self, slot) -> str:
        if slot[0] == "field":
            return self.ctors[slot[1]].fields[slot[2]].type.caps
        return slot[1].elem.caps

    def ref_region(self, e) -> str | None:
        """The region `e` is a reference into, if it was a pack before."""
        match e:
            case ir.Var(name) if name in self.refs:
                return self.region(self.refs[name])
        read = self._slot_read(e)
        return self.region(read[1]) if read is not None else None

    # ------------------------------------------------------------- the walk

    def go(self, n):
        kind = type(n)
        if kind is ir.Block:
            if id(n) in self.group_at:
                return self._group_block(n)
            if any(self._dropped(s) for s in n.stmts):
                # A dropped temporary (dominated_slots.dropped_temp) or member
                # is now a reference into its holder's region: nothing to release.
                n = replace(n, stmts=tuple(s for s in n.stmts if not self._dropped(s)))
        elif kind not in _MATCHED:
            return self._rename(map_children(n, self.go))
        match n:
            case ir.Let(name, t, value, mutable) if name in self.members:
                region = self.members[name]
                obj = self.types(t.obj) if isinstance(t, ir.PackType) else None
                return ir.Let(name, ir.RefType(obj, region) if obj is not None else None,
                              self._member_value(value, region), mutable, span=n.span)
            case ir.Assign(name, value) if name in self.members:
                return replace(n, value=self._member_value(value, self.members[name]))
            case ir.Return(ir.Var(name) as value) if name in self.members:
                # packed on the group's region (the pack keeps it alive)
                return replace(n, value=ir.Pack(self.member_caps[name], value, span=value.span))
            case ir.Unpack(ir.Copy(ir.Var(name)) as pack, s, x, body) if name in self.members:
                self.alias[s] = self.members[name]
                body = self.go(body)
                return ir.Do(replace(body, stmts=(ir.Let(x, None, pack.value), *body.stmts)), span=n.span)
            case ir.Let(name, _, value) if name in self.dests:
                dest = self.region(self.dests[name])
                self.refs[name] = dest
                return replace(n, type=None, value=self.to_dest(value, dest))
            case ir.Let(_, t, value):
                return updated(n, type=self._type(t), value=self.go(value))
            case ir.Unpack(pack, s, x, body) if self.ref_region(pack) is not None:
                self.alias[s] = self.ref_region(pack)
                body = self.go(body)
                return ir.Do(replace(body, stmts=(ir.Let(x, None, self.go(pack)), *body.stmts)), span=n.span)
            case ir.Copy(value):
                read = self._slot_read(value)
                if read is not None:
                    caps = self.copy_caps.get(id(n), self._caps(read[0]))
                    return ir.Pack(caps, self.go(value), span=n.span)
                if isinstance(value, ir.Var) and value.name in self.members:
                    # lent to a callee's accumulator for the call
                    return ir.Pack(self.member_caps[value.name], value, span=n.span)
                if isinstance(value, ir.Var) and value.name in self.refs:
                    # a pattern variable of a dominated field: the copy packs
                    # the reference (dominated_slots._reads made sure it
                    # dies while its holder lives), as a field read's does
                    t = self.checked.types.get(id(n))
                    caps = self.copy_caps.get(id(n), t.caps if isinstance(t, ir.PackType) else "r")
                    return ir.Pack(caps, value, span=n.span)
                return map_children(n, self.go)
            case ir.Match(scrutinee, arms):
                t = self.checked.types.get(id(scrutinee))
                if isinstance(t, ir.RefType):
                    for arm in arms:
                        self._pattern_refs(arm.pattern, _name(t.region))
                return map_children(n, self.go)
            case ir.NewData(region, ctor, args):
                fields = self.ctors[ctor].fields
                new = []
                for i, a in enumerate(args):
                    if ("field", ctor, i) in self.dominated:
                        new.append(self.to_dest(a, self.region(region)))
                    else:
                        new.append(self.go(a))
                return updated(n, region=self.region(region), args=tuple(new))
            case ir.NewArray(region, elem, elems):
                dominated = isinstance(elem, ir.PackType) and ("array", ir.ArrayType(elem)) in self.dominated
                new = tuple(self.to_dest(a, self.region(region)) if dominated else self.go(a) for a in elems)
                mapped = self.types(ir.ArrayType(elem)).elem
                return updated(n, region=self.region(region), elem=mapped, elems=new)
            case ir.NewMap(region, key, value):
                return updated(n, region=self.region(region), key=self.types(key), value=self.types(value))
            case ir.Builtin("push", regions, (xs, v)):
                t = self.checked.types.get(id(xs))
                if isinstance(t, ir.RefType) and ("array", t.obj) in self.dominated:
                    return replace(n, args=(self.go(xs), self.to_dest(v, self.region(_name(t.region)))))
        return self._rename(map_children(n, self.go))

    def _dropped(self, s) -> bool:
        return (isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)
                and (s.value.name in self.dests or s.value.name in self.members))

    def _group_block(self, b: ir.Block) -> ir.Block:
        """The block declaring an accumulator: from its first member on,
        inside the group's region block."""
        start, region, param = self.group_at.pop(id(b))
        inner = self.go(replace(b, stmts=b.stmts[start:]))
        before = tuple(self.go(st) for st in b.stmts[:start])
        if param is None:
            block = ir.Region(region, inner, span=b.span)
        else:  # the parameter's region, for as long as the members live
            # (moved out of the parameter: an owned temporary the unpack
            # consumes, released when the block is left however it is)
            owned = ir.Do(ir.Block((), ir.Var(param)))
            block = ir.Unpack(owned, region, self.param_object[param], inner, span=b.span)
        if inner.result is None:
            return replace(b, stmts=(*before, ir.ExprStmt(block)), result=None)
        return replace(b, stmts=before, result=block)

    def _member_value(self, v, region: str):
        """A value given to a member, as a reference into its region."""
        if static_pack(v):
            return replace(v.value, region=region)
        match v:
            case ir.Var(name) if name in self.param_object:
                return ir.Var(self.param_object[name])
            case ir.Var():
                return v
            case ir.Copy(read):
                return self.go(read)
        return self.to_dest(v, region)

    def _pattern_refs(self, p, region: str) -> None:
        if isinstance(p, ir.PCtor):
            for i, sub in enumerate(p.args):
                if isinstance(sub, ir.PVar) and ("field", p.ctor, i) in self.dominated:
                    self.refs[sub.name] = region
                self._pattern_refs(sub, region)

    def _type(self, t):
        t = self.types(t)
        if isinstance(t, ir.RefType) and t.region != ir.PRIMITIVE_REGION:
            return updated(t, region=self.region(t.region))
        return t

    def _rename(self, n):
        """`n`'s own region names read through `alias`."""
        return rename_own(n, self.region)

    def to_dest(self, e, dest: str):
        """`e`, a fresh value, made in region `dest` (a reference there)."""
        found = site(e, self.checked)
        if found is not None:
            q, _, value = found
            self.alias[q] = dest
            stmts = tuple(self.go(s) for s in e.body.stmts)
            value = self.go(value)
            return ir.Do(ir.Block(stmts, value)) if stmts else value
        if static_pack(e):
            return e.value
        match e:
            case ir.Copy(value):
                return self._copy_into(value, dest)
            case ir.Var(name):
                assert name in self.refs, f"'{name}' is stored before it is made in its holder's region"
                return e
            case ir.IfExpr(cond, then, els):
                return replace(e, cond=self.go(cond), then=self.to_dest(then, dest), els=self.to_dest(els, dest))
            case ir.Unpack(pack, s, x, body):
                if self.ref_region(pack) is not None:
                    self.alias[s] = self.ref_region(pack)
                    inner = self._block_to(body, dest)
                    return ir.Do(replace(inner, stmts=(ir.Let(x, None, self.go(pack)), *inner.stmts)), span=e.span)
                return replace(e, pack=self.go(pack), body=self._block_to(body, dest))
            case ir.Do(body) | ir.Restrict(body=body) | ir.Region(body=body):
                return self._rename(replace(e, body=self._block_to(body, dest)))
        raise AssertionError(f"not a fresh value: {type(e).__name__}")

    def _copy_into(self, value, dest: str):
        """A new object in `dest` with the fields of the small record
        `value` points to (`fresh.copyable`), instead of sharing it."""
        ctor = copyable(self.checked.types.get(id(value)), self.datas)
        assert ctor is not None, "a copy stored into a dominated slot is of a copyable record"
        self.remarks.append(Remark("copied instead of shared", self.f.name, f"a '{ctor.name}' into '{dest}'"))
        v = self.fresh("v")
        fields = tuple(ir.FieldGet(ir.Var(v), f.name) for f in ctor.fields)
        new = ir.NewData(dest, ctor.name, fields)
        region = self.ref_region(value)
        if region is not None:  # already a reference (a dominated read)
            return ir.Do(ir.Block((ir.Let(v, None, self.go(value)),), new))
        pack = self.go(value)
        if not isinstance(pack, (ir.Var, ir.FieldGet)):
            # a pack read from a container slot (`copy m[k]`) is unpacked
            # only through its copy: the unpack takes what it unpacks
            pack = ir.Copy(pack, span=pack.span)
        return ir.Unpack(pack, self.fresh("s"), v, ir.Block((), new))

    def _block_to(self, b: ir.Block, dest: str) -> ir.Block:
        stmts = tuple(self.go(s) for s in b.stmts)
        return replace(b, stmts=stmts, result=self.to_dest(b.result, dest))
