"""The `scratch-regions` pass: small temporaries that die together share
one region (Gibbon's `RegionsInwards`; Aiken–Fähndrich–Levien).

Assumes: a checked lolang program, after `dominated` (before `rc-elide`,
which scopes a lone temporary better than a group).

A *member* is a temporary of a block — `let t = V` with V a fresh site
(`lowering.analysis.fresh`) — that the same block drops exactly once, that
is otherwise only unpacked (never copied, lent, stored or returned, and no
unpack of it takes a reference on its region), and whose object has a size
known at compile time: a data object, `str(n)`, a string literal, or a
`concat` of such strings (`"a" ++ str(n) ++ "b"`). Members whose lives
(`let` to `drop`) overlap, with no call between that could recurse back
into the function, form a group; a group of two or more becomes one
region spanning exactly from its first `let` to its last `drop`:

    region r { let t1 = str[r](n); let t2 = concat[r](t1, s); ...; print(t2); }

Each member's pack goes (its unpacks read it directly, its drop goes). A
variable of the span used after it leaves through a `var` declared before
(primitives only; otherwise the group is left alone); another pack dropped
in the span is dropped just after the region (only members are made in
between, so it outlives its drop by a bounded number of bytes).

Why it is sound, and no space leak: every member was alive at some point of
the span and dies inside it; the region frees them all at its end, later
than the drops did by at most the span, and the span holds no recursion,
so at most one such region per function activation... per group, per frame
of a non-recursive chain, each of a size fixed at compile time (at most
`LIMIT` bytes). That is the "static constant" PASSES.md allows.
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames, rename_own, rename_region
from lolang.traverse import map_children, operands, updated, walk
from lowering.analysis.bounded import Sizes, constant_trips
from lowering.analysis.callgraph import recursive_with
from lowering.analysis.local_flow import LocalFlow
from lowering.analysis.fresh import site
from lowering.analysis.positions import positions
from lowering.analysis.retained import retained_params, retains
from lowering.passes.elide_rc import PRIM_DEFAULTS
from lowering.passes.remarks import Remark

NAME = "scratch-regions"
LEVEL = 2
LIMIT = 4096        # bytes a group may hold at most
MAX_DIGITS = 20     # the longest `str(n)`: "-9223372036854775808"


def run(program: ir.Program, checked):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    recursion = recursive_with(program)
    retaining = retained_params(program, checked)
    sizes = Sizes(program, recursion)
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            decl = _Function(decl, program, checked, recursion[decl.name], retaining, sizes, remarks).rewrite()
        decls.append(decl)
    return PassResult(replace(program, decls=tuple(decls)), remarks)


class _Function:
    def __init__(self, f, program, checked, recursive, retaining, sizes, remarks):
        self.f, self.checked, self.recursive = f, checked, recursive
        # (the program's, found once in `sizes`)
        self.funs, self.ctors, self.object_sizes = sizes.funs, sizes.ctors, sizes.object_sizes
        self.group_region = ""
        self.retaining, self.remarks = retaining, remarks
        self.fresh = FreshNames(f)
        self.alias: dict[str, str] = {}
        self.members: set[str] = set()
        self.lengths: dict[str, int] = {}   # a string variable -> the most bytes it can hold
        self.sizes = sizes
        self._flow = None
        self._drops_of = None  # (statements, variable -> indexes of its drops there)
        self._current_block = None  # the block `_groups` looks at
        self._recurses: dict[int, tuple] = {}  # id(node) -> (node, whether it may call back)
        for n in walk(f.body):
            if isinstance(n, ir.Let) and isinstance(n.value, ir.NewString) and n.value.region == ir.PRIMITIVE_REGION:
                self.lengths[n.name] = len(n.value.value.encode())

    @property
    def flow(self) -> LocalFlow:
        """Where the function's packs go (found on first need: only a
        loop of a constant number of iterations asks)."""
        if self._flow is None:
            self._flow = LocalFlow(self.f, self.funs, self.checked, self.retaining)
        return self._flow

    def region(self, name: str) -> str:
        while name in self.alias:
            name = self.alias[name]
        return name

    def rewrite(self) -> ir.FunDecl:
        return updated(self.f, body=self.go(self.f.body))

    # ------------------------------------------------------------- groups

    def go(self, n):
        if isinstance(n, ir.Block):
            n = self._groups(n)
        return map_children(n, self.go)

    def _groups(self, b: ir.Block) -> ir.Block:
        stmts = list(b.stmts)
        self._current_block = b
        spans = []
        for i, s in enumerate(stmts):
            if isinstance(s, ir.Let) and not s.mutable:
                j = self._member(stmts, i, b.result)
                if j is not None:
                    spans.append((i, j, s.name))
        groups: list[list] = []
        for i, j, name in spans:
            if groups and i <= groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], j)
                groups[-1][2].append((i, j, name))
            else:
                groups.append([i, j, [(i, j, name)]])
        changed = False
        for a, z, members in reversed(groups):
            if len(members) < 2:
                continue
            new = self._group(stmts, a, z, [m[2] for m in members], b.result)
            if new is not None:
                stmts[a:z + 1] = new
                changed = True
        for i, s in enumerate(stmts):
            if isinstance(s, ir.While):
                new = self._bounded_loop(s, b)
                if new is not None:
                    stmts[i] = new
                    changed = True
        return replace(b, stmts=tuple(stmts)) if changed else b

    # ------------------------------------------------------------- bounded loops

    def _bounded_loop(self, loop: ir.While, b: ir.Block):
        """A loop of K iterations, K a constant, whose body binds a value
        made in a region block of bounded size that stays in local
        variables: one region around the loop holds every iteration's (at
        most K times that size), where each had a region of its own."""
        trips = constant_trips(loop, b)
        if not trips:
            return None
        chosen = []
        # Only sites every iteration reaches: before the first statement
        # that may leave the iteration (a `break`, a failing call) the
        # hoisted region would be made where the naive program makes none.
        for s in loop.body.stmts:
            if (isinstance(s, ir.Let) and not s.mutable and isinstance(s.value, ir.Region)
                    and isinstance(s.value.body.result, ir.Pack)):
                size = self.sizes.block(s.value)
                if size is not None and self.flow.stays_local(s.name) and not self._may_recurse(s.value):
                    chosen.append((s, size))
                    continue
            if not _cannot_leave(s):
                break
        if not chosen or trips * sum(size for _, size in chosen) > LIMIT:
            return None
        r = self.fresh("r")
        ids = {id(s.value) for s, _ in chosen}

        def hoist(n):
            if isinstance(n, ir.Region) and id(n) in ids:
                body = rename_region(n.body, n.name, r)
                return ir.Do(body, span=n.span)
            if isinstance(n, ir.While) and n is not loop:
                return n  # an inner loop keeps its own regions
            return map_children(n, hoist)

        names = ", ".join(s.name for s, _ in chosen)
        total = trips * sum(size for _, size in chosen)
        self.remarks.append(Remark("bounded loop in one region", self.f.name,
                                   f"'{r}' holds {names} of {trips} iterations (at most {total} bytes)"))
        return ir.ExprStmt(ir.Region(r, ir.Block((hoist(loop),))))

    def _member(self, stmts, i: int, result) -> int | None:
        """The index of the drop ending member `stmts[i]`'s life, if it
        is one."""
        let = stmts[i]
        t = let.name
        if self._bytes(let.value) is None:
            return None
        drops = [j for j in self._drops_in(stmts).get(t, ()) if j > i]
        if len(drops) != 1:
            return None
        j = drops[0]
        for k in range(i + 1, j):
            if not self._only_unpacked(stmts[k], t) or self._may_recurse(stmts[k]):
                return None
        if self._may_recurse(let.value):
            return None
        if self._mentioned_after(stmts, j, result, t):
            return None
        self._measure(let)
        return j

    def _drops_in(self, stmts: list) -> dict[str, list[int]]:
        """Variable -> the indexes of the statements of `stmts` dropping it
        (found once per list of statements)."""
        if self._drops_of is None or self._drops_of[0] is not stmts:
            found: dict[str, list[int]] = {}
            for j, st in enumerate(stmts):
                if isinstance(st, ir.Drop) and isinstance(st.value, ir.Var):
                    found.setdefault(st.value.name, []).append(j)
            self._drops_of = (stmts, found)
        return self._drops_of[1]

    def _only_unpacked(self, node, t: str) -> bool:
        for n in walk(node):
            if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var) and n.pack.name == t:
                uid = self.checked.binders.get(id(n))
                if uid is None or retains(n.body, uid, n.region, self.checked, self.funs, self.retaining):
                    return False
                continue
            for child, use in operands(n, self.funs.get):
                if isinstance(child, ir.Var) and child.name == t and not isinstance(n, ir.Unpack):
                    return False
            if isinstance(n, (ir.Let, ir.Assign)) and n.name == t:
                return False
        return True

    def _mentioned_after(self, stmts: list, j: int, result, t: str) -> bool:
        """Whether a statement after `stmts[j]`, or the block's `result`,
        reads variable `t`: by position when the block is the checked
        program's (one look at t's uses, where a walk of the rest of the
        block per member would be quadratic in a long block)."""
        where = positions(self.checked)
        block = self._current_block
        if block is not None and id(block) in where.pre and id(stmts[j]) in where.pre:
            after, end = where.post[id(stmts[j])], where.post[id(block)]
            pre = where.pre
            return any(after < pre.get(id(n), -1) <= end for n in where.var_uses.get((self.f.name, t), ()))
        return any(_mentions(s, t) for s in stmts[j + 1:]) or (result is not None and _mentions(result, t))

    def _may_recurse(self, node) -> bool:
        found = self._recurses.get(id(node))
        if found is None or found[0] is not node:
            found = self._recurses[id(node)] = (node, any(isinstance(n, ir.Call) and n.func in self.recursive
                                                          for n in walk(node)))
        return found[1]

    # ------------------------------------------------------------- sizes

    def _bytes(self, value, scope=None) -> int | None:
        """The bytes the member's site makes, if known at compile time
        (`scope`: the whole value, where its operands are bound)."""
        scope = value if scope is None else scope
        found = site(value, self.checked)
        if found is None:
            match value:
                case ir.Do(body) | ir.Unpack(body=body) | ir.Restrict(body=body) if body.result is not None:
                    return self._bytes(body.result, scope)
            return None
        _, _, alloc = found
        match alloc:
            case ir.NewData(_, ctor, args):
                decl = self.ctors.get(ctor)
                if decl is not None and all(isinstance(f.type, (ir.PrimType, ir.PackType)) for f in decl.fields):
                    return self.object_sizes[ctor]
            case ir.NewString(_, text):
                return ir.string_size(len(text.encode()))
            case ir.Builtin("str"):
                return ir.string_size(MAX_DIGITS)
            case ir.Builtin("concat", _, parts):
                lengths = [self._length(x, scope) for x in parts]
                if None not in lengths:
                    return ir.string_size(sum(lengths))
        return None

    def _length(self, e, scope) -> int | None:
        """The most bytes string `e` can hold: a static string, or a
        member's (through the unpacks and `let`s of `scope`)."""
        if not isinstance(e, ir.Var):
            return None
        bound = {}
        for n in walk(scope):
            if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var):
                bound[n.var] = n.pack.name
            elif isinstance(n, ir.Let) and isinstance(n.value, ir.Var):
                bound[n.name] = n.value.name
        name, seen = e.name, 0
        while name not in self.lengths and name in bound and seen < 100:
            name, seen = bound[name], seen + 1
        return self.lengths.get(name)

    def _measure(self, let: ir.Let) -> None:
        found = self._bytes(let.value)
        if found is not None:
            self.lengths[let.name] = found - ir.STRING_HEADER

    # ------------------------------------------------------------- the rewrite

    def _group(self, stmts, a: int, z: int, members: list[str], result):
        total = sum(self._bytes(stmts[i].value) or 0 for i in range(a, z + 1)
                    if isinstance(stmts[i], ir.Let) and stmts[i].name in members)
        if total > LIMIT:
            return None
        span = stmts[a:z + 1]
        declared = [s for s in span if isinstance(s, ir.Let) and s.name not in members]
        later = set()
        for s in stmts[z + 1:]:
            later |= _names(s)
        if result is not None:
            later |= _names(result)
        hoisted = []
        escaping = set()
        value_of = None  # the one variable leaving as the region block's value
        leaving = [d for d in declared if d.name in later]
        last = self._last_let(span, set(members))
        if len(leaving) == 1 and leaving[0] is last and not isinstance(self.checked.types.get(id(last.value)),
                                                                    ir.PrimType):
            value_of = last  # `let r1 = region r { ...; value }`: a reference into another region leaves
        else:
            for d in leaving:
                t = self.checked.types.get(id(d.value))
                if not (isinstance(t, ir.PrimType) and t.name in PRIM_DEFAULTS):
                    return None
                hoisted.append(ir.Let(d.name, t, PRIM_DEFAULTS[t.name](), mutable=True))
                escaping.add(d.name)
        r = self.fresh("r")
        self.members = set(members)
        self.group_region = r
        body = []
        after = []
        inside = {st.name for st in span if isinstance(st, ir.Let) and st.name not in self.members}
        for s in span:
            if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name not in inside:
                if s.value.name not in self.members:
                    # Another pack dropped meanwhile: dropped just after the
                    # region instead (only members, of bounded size, are made
                    # in between), so its `let` and its `drop` stay in one
                    # block for rc-elide.
                    after.append(s)
                continue
            if isinstance(s, ir.Let) and s.name in self.members:
                body.append(replace(s, type=None, value=self.to_dest(s.value, r)))
            elif s is value_of:
                continue
            elif isinstance(s, ir.Let) and s.name in escaping:
                body.append(ir.Assign(s.name, self.inner(s.value)))
            else:
                body.append(self.inner(s))
        self.remarks.append(Remark("scratch region", self.f.name,
                                   f"'{r}' holds {', '.join(members)} (at most {total} bytes)"))
        if value_of is not None:
            region = ir.Region(r, ir.Block(tuple(body), self.inner(value_of.value)))
            return [*hoisted, replace(value_of, value=region), *after]
        return [*hoisted, ir.ExprStmt(ir.Region(r, ir.Block(tuple(body)))), *after]

    def _last_let(self, span, members):
        """The span's last statement but members' drops, if it is a `let` of
        no member: it may leave as the region block's value (everything
        after it goes with the region)."""
        for s in reversed(span):
            if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name in members:
                continue
            return s if isinstance(s, ir.Let) and s.name not in members else None
        return None

    def inner(self, n):
        """Inside a group: members' unpacks read the reference."""
        match n:
            case ir.Unpack(ir.Var(v), s, x, body) if v in self.members:
                self.alias[s] = self.group_region
                body = self.inner(body)
                return ir.Do(replace(body, stmts=(ir.Let(x, None, ir.Var(v)), *body.stmts)), span=n.span)
        return rename_own(map_children(n, self.inner), self.region)

    def to_dest(self, e, dest: str):
        found = site(e, self.checked)
        if found is not None:
            q, _, value = found
            self.alias[q] = dest
            stmts = tuple(self.inner(s) for s in e.body.stmts)
            value = self.inner(value)
            return ir.Do(ir.Block(stmts, value)) if stmts else value
        match e:
            case ir.Unpack(ir.Var(v), s, x, body) if v in self.members:
                self.alias[s] = dest
                inner = self._block_to(body, dest)
                return ir.Do(replace(inner, stmts=(ir.Let(x, None, ir.Var(v)), *inner.stmts)), span=e.span)
            case ir.Unpack(pack, _, _, body):
                return replace(e, pack=self.inner(pack), body=self._block_to(body, dest))
            case ir.Do(body) | ir.Restrict(body=body):
                return rename_own(replace(e, body=self._block_to(body, dest)), self.region)
        raise AssertionError(f"not a member's value: {type(e).__name__}")

    def _block_to(self, b: ir.Block, dest: str) -> ir.Block:
        return replace(b, stmts=tuple(self.inner(s) for s in b.stmts), result=self.to_dest(b.result, dest))


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, ir.Var) and n.name == name for n in walk(node))


def _names(node) -> set[str]:
    return {n.name for n in walk(node) if isinstance(n, (ir.Var, ir.Assign))}


def _cannot_leave(s) -> bool:
    """A statement that always runs to its end: a `let` or assignment of a
    variable, a literal or a counter step (`next = next + 1`)."""
    if isinstance(s, (ir.Let, ir.Assign)):
        v = s.value
        if isinstance(v, (ir.Var, ir.IntLit, ir.BoolLit, ir.FloatLit, ir.UnitLit)):
            return True
        return (isinstance(v, ir.Binary) and v.op in ("+", "-") and isinstance(v.left, ir.Var)
                and isinstance(v.right, ir.IntLit))
    return False
