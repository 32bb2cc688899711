"""The `reuse` pass: a function that takes a structure apart and builds a
cell of the same size on the way out reuses the old cell in place when it
is unique (Perceus, PLDI 2021; Lean 4's `ResetReuse.lean`).

Assumes: a checked lolang program in which data objects still live in
regions of their own (it runs after `borrow-params`, before
`borrow-regions`).

Looks for a borrowed parameter `t: &Pack{c} D` (of any function but
`main`), D's fields all primitives or packs, that the body takes apart as
`unpack t as s, o { match o { C(x, y, ..) => { .. } .. } };` (o and s used
nowhere else, flat patterns), where some arm makes a new `D` of the matched
constructor's size (`region q { pack{c} new[q] C'(..) }`). Then also every
borrowed parameter that such a function's caller passes on to it directly
(rbtree's `treeInsert(t, ..)` calls `ins(t, ..)`).

Rewrite: those parameters become owned (`t: Pack{c} D`); the match becomes
`match reset t as w { .. }`, in whose arms the pack fields are owned
variables and `w` a reuse token, and a site of the matched size becomes
`reuse{c} w C'(..)`. The owned variables are then made linear the way
Perceus inserts dup and drop: a `copy x` (or a lent argument of a
parameter now owned) that is x's last mention on its path moves x; any
other becomes a `copy x`; a variable dead before a statement is dropped
there (a token is live while a site it could fill follows); a `return`
drops what is left. A match on an owned field with a `return` inside is
reset too (a nested match: `balanceLeft`'s inner node). When the field
is mentioned again inside, whole, the match stays borrowed and the field
is reset only in the blocks below it that reuse its cell (Perceus;
reuse_late_resets.py); where that cannot be done, an arm that takes it
apart keeps its fields and token and rebuilds it from them where it is
needed
(`let rb = reuse{c} w C(fields)`: nothing written when unique, the cell
itself when shared); the reset is of a `copy` when that cannot be done
(a field consumed before or needed after). Callers: an owned
variable passed to a parameter now owned moves when the next statement
drops it (the `drop` goes); else the caller passes a `copy`.

Guarantees: the same results; no object freed later than before (only
parameters the naive program borrows are taken over: their callers held
the whole old structure until the call returned; a token holds its empty
old cell at most until its `reuse` or the `drop` where it dies). Unique cells are reused: no region
made or freed, no count for the fields taken over. Shared cells (count
above 1) take the old path's counts at run time. Idempotent: a parameter
once owned is not borrowed any more.

Refuses (remarks): a function where an owned variable would be lent
across a `return` it cannot be reset at, or a `match reset` arm that
leaves a loop by `break` or `continue`; the program stays as it was
wherever the result would not check.
"""

from __future__ import annotations

import itertools
from collections import Counter

from lolang import ir
from lolang.traverse import BLOCK_EXPRS, always_exits, children, map_children, rebuild, region_uses, walk
from lowering.passes.remarks import Remark, where
from lowering.passes.reuse_late_resets import push_down

NAME = "reuse"
LEVEL = 2


class Refuse(Exception):
    """The linearizer cannot make one function's owned variables linear."""


class _NoRebuild(Exception):
    """A cell taken apart cannot be rebuilt from its fields where its
    variable is needed whole: its reset goes back to a `copy`."""


# How many resets of one function may go back from rebuilding to a copy
# (each redoes its arms: nested ones could otherwise redo exponentially).
REBUILD_RETRIES = 32

# How many matches of one function may have their resets pushed down into
# their arms (each copies the arms a reset's `_` arm needs: nested ones
# could otherwise copy exponentially).
LATE_RESETS = 16


def run(program: ir.Program, checked=None):
    """Find the parameters to own, rewrite; drop a function's parameters
    when its rewrite is refused, or a recursion would pass a copy, and
    rewrite again, until it holds."""
    from lowering.pipeline import PassResult

    facts = _Facts(program, checked)
    base = _candidates(facts)
    removed: set[tuple[str, int]] = set()
    converted = _passed_on(facts, base, removed)
    refusals: list[Remark] = []
    reach = _reachable(facts)
    while converted:
        try:
            new, remarks, copied = _rewrite(facts, converted)
        except _Refused as refused:
            refusals.append(Remark("not reused", refused.function, refused.reason))
            removed |= {k for k in converted if k[0] == refused.function}
            converted = _passed_on(facts, base, removed)
            continue
        # A parameter some call passes a copy of is not unique there: each
        # reset would take the shared path, which retains the fields the
        # naive lowering only borrows (tests/regressions/
        # kept_tree_passed_to_a_reusing_function), so owning it could add
        # counts.
        shared = {(f, i) for caller, f, i in copied if (f, i) in converted}
        if not shared:
            break
        for f, i in sorted(shared):
            refusals.append(Remark("not reused", f, f"'{facts.funs[f].params[i].name}': a call passes a copy"))
        removed |= shared
        converted = _passed_on(facts, base, removed)
    if not converted:
        return PassResult(program, refusals)
    # Should the result not check: without the resets pushed into the
    # arms, then without the inlined tail calls.
    for inline, late in ((True, False), (False, False)):
        if new is not None and _checks(new):
            return PassResult(new, refusals + remarks)
        try:
            new, remarks, _ = _rewrite(facts, converted, inline=inline, late=late)
        except _Refused:
            new = None
    if new is None or not _checks(new):
        return PassResult(program, refusals + [Remark("not reused", "*", "the rewritten program would not check")])
    return PassResult(new, refusals + remarks)


class _Refused(Exception):
    """`Refuse` in a function: its parameters stay as they were."""

    def __init__(self, function: str, reason: str):
        super().__init__(reason)
        self.function = function
        self.reason = reason


class _Facts:
    def __init__(self, program: ir.Program, checked):
        self.program = program
        self.types = checked.types if checked is not None else {}
        self.funs = {f.name: f for f in program.funs}
        self.ctors = {c.name: (d, c) for d in program.datas for c in d.ctors}
        self.datas = {d.name: d for d in program.datas}
        self.sizes = ir.data_sizes(program.datas)

    def resettable(self, t) -> bool:
        """A pack of a data type whose fields are primitives or packs."""
        if isinstance(t, ir.BorrowType):
            t = t.pack
        if not (isinstance(t, ir.PackType) and isinstance(t.obj, ir.DataType) and "r" in t.caps):
            return False
        data = self.datas.get(t.obj.name)
        return data is not None and all(isinstance(f.type, (ir.PrimType, ir.PackType))
                                        for c in data.ctors for f in c.fields)


def _checks(program: ir.Program) -> bool:
    from diagnostics import CompileError
    from lolang.checker import check

    try:
        check(program)
    except CompileError:
        return False
    return True


# ------------------------------------------------------------------ candidates


def _site(e):
    """`region q { pack{c} new[q] C(args) }`: (c, C, args), or None."""
    if (isinstance(e, ir.Region) and not e.body.stmts and isinstance(e.body.result, ir.Pack)
            and isinstance(e.body.result.value, ir.NewData) and e.body.result.value.region == e.name):
        new = e.body.result.value
        if not any(region_uses(a)[e.name] for a in new.args):
            return e.body.result.caps, new.ctor, new.args
    return None


def _reset_shape(stmt, name: str):
    """`unpack name as s, o { match o { arms } };`: (s, o, arms), or None
    when it is not that statement, o or s is used in the arms, or a
    pattern is not flat."""
    if not (isinstance(stmt, ir.ExprStmt) and isinstance(stmt.expr, ir.Unpack)):
        return None
    u = stmt.expr
    if not (isinstance(u.pack, ir.Var) and u.pack.name == name and u.body.result is None
            and len(u.body.stmts) == 1 and isinstance(u.body.stmts[0], ir.Match)):
        return None
    m = u.body.stmts[0]
    if not (isinstance(m.scrutinee, ir.Var) and m.scrutinee.name == u.var):
        return None
    for arm in m.arms:
        p = arm.pattern
        if not (isinstance(p, ir.PWild) or isinstance(p, ir.PCtor)
                and all(isinstance(a, (ir.PWild, ir.PVar)) for a in p.args)):
            return None
        if any(isinstance(n, ir.Var) and n.name == u.var for n in walk(arm.body)):
            return None
        if region_uses(arm.body)[u.region]:
            return None
    return u.region, u.var, m.arms


def _only_place(f: ir.FunDecl, stmt, name: str, arms) -> bool:
    """Whether the function mentions `name` only as the place of `stmt`'s
    unpack and in its match's `_` arms (where it is whole): its reset is
    then of the parameter itself, not of a copy."""
    total = sum(1 for n in walk(f.body) if isinstance(n, ir.Var) and n.name == name)
    wild = sum(1 for a in arms if isinstance(a.pattern, ir.PWild)
               for n in walk(a.body) if isinstance(n, ir.Var) and n.name == name)
    return total - wild == 1


def _reusable(facts: _Facts, arms) -> bool:
    """Whether some arm makes a cell of its own constructor's size."""
    for arm in arms:
        if not isinstance(arm.pattern, ir.PCtor):
            continue
        size = facts.sizes[arm.pattern.ctor]
        if size and any((s := _site(n)) is not None and facts.sizes[s[1]] == size for n in walk(arm.body)):
            return True
    return False


def _candidates(facts: _Facts) -> set[tuple[str, int]]:
    converted = set()
    for f in facts.funs.values():
        if f.name == "main":
            continue
        for i, p in enumerate(f.params):
            if not (isinstance(p.type, ir.BorrowType) and facts.resettable(p.type)):
                continue
            for n in walk(f.body):
                shape = _reset_shape(n, p.name) if isinstance(n, ir.ExprStmt) else None
                if shape is not None and _reusable(facts, shape[2]) and _only_place(f, n, p.name, shape[2]):
                    converted.add((f.name, i))
                    break
    return converted


def _passed_on(facts: _Facts, base: set, removed: set) -> set[tuple[str, int]]:
    """`base` less `removed`, and every borrowed parameter passed on
    directly (outside loops) to one of those, to a fixpoint."""
    converted = set(base) - removed
    if not converted:
        return converted
    # Each function's borrowed parameters passed on directly, outside
    # loops: (callee, argument index, the parameter's index), found once,
    # in the order the fixpoint below visits them.
    passes: list[tuple[str, list[tuple[str, int, int]]]] = []
    for f in facts.funs.values():
        if f.name == "main":
            continue
        names = {p.name: i for i, p in enumerate(f.params) if isinstance(p.type, ir.BorrowType)}
        found = []
        if names:
            for n in _outside_loops(f.body):
                if type(n) is ir.Call:
                    for k, a in enumerate(n.args):
                        if type(a) is ir.Var and a.name in names:
                            found.append((n.func, k, names[a.name]))
        if found:
            passes.append((f.name, found))
    changed = True
    while changed:
        changed = False
        for name, found in passes:
            for callee, k, i in found:
                if (callee, k) in converted and (name, i) not in converted and (name, i) not in removed:
                    converted.add((name, i))
                    changed = True
    return converted


def _reachable(facts: _Facts) -> dict[str, set[str]]:
    """Each function's callees, transitively, itself included."""
    from lowering.analysis.callgraph import calls

    direct = {name: calls(f) & set(facts.funs) for name, f in facts.funs.items()}
    reach = {}
    for name in facts.funs:
        seen, stack = {name}, [name]
        while stack:
            for g in direct[stack.pop()]:
                if g not in seen:
                    seen.add(g)
                    stack.append(g)
        reach[name] = seen
    return reach


def _outside_loops(node):
    """The nodes of `node` not inside a `while` (a call there runs many
    times: its argument could not move in each time)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, ir.While):
            continue
        stack.extend(reversed(_kids(n)))


def _kids(n):
    return children(n)


# ------------------------------------------------------------------ rewriting


def _rewrite(facts: _Facts, converted: set[tuple[str, int]], inline: bool = True, late: bool = True):
    from lowering.passes.reuse_tail_calls import inline_tail_calls, inlinable

    remarks: list[Remark] = []
    copied: set[tuple[str, str, int]] = set()
    positions: dict[str, set[int]] = {}
    for name, i in converted:
        positions.setdefault(name, set()).add(i)
    callees = {name: f for name, f in facts.funs.items()
               if inline and inlinable(f, positions.get(name, set()), _site)}
    decls = []
    for decl in facts.program.decls:
        if isinstance(decl, ir.FunDecl) and (decl.name in positions or _calls_any(decl, positions)):
            mine = positions.get(decl.name, set())
            params = tuple(rebuild(p, type=p.type.pack) if i in mine else p for i, p in enumerate(decl.params))
            inlined, owned_lets = decl, {}
            if mine and callees:
                inlined, owned_lets = inline_tail_calls(decl, {n: f for n, f in callees.items() if n != decl.name})
            # With the tail calls inlined, then (refused) without them.
            for fun, lets in ((inlined, owned_lets), (decl, {})) if owned_lets else ((decl, {}),):
                mark = len(remarks)
                lin = _Linearizer(facts, positions, fun, remarks)
                lin.late = late
                lin.owned_lets = lets
                try:
                    for i in sorted(mine):
                        lin.own(decl.params[i].name, params[i].type)
                        remarks.append(Remark("owned parameter", decl.name, f"'{decl.params[i].name}' may be reused"))
                    body, _ = lin.block(fun.body, Counter())
                except Refuse as refused:
                    del remarks[mark:]
                    if lets:
                        continue
                    raise _Refused(decl.name, str(refused)) from None
                for name in lets:
                    remarks.append(Remark("inlined", decl.name, f"a tail call: '{name}' and the tokens reach its cells"))
                break
            decl = rebuild(fun, params=params, body=body)
            copied |= {(decl.name, f, i) for f, i in lin.copied}
        decls.append(decl)
    return rebuild(facts.program, decls=tuple(decls)), remarks, copied


def _renamed(node, old: str, new: str):
    """`node` with every mention of variable `old` made `new` (`old` is
    declared once in the function, so none is shadowed)."""
    from lolang.traverse import transform

    def rename(n):
        if isinstance(n, ir.Var) and n.name == old:
            return rebuild(n, name=new)
        return n

    return transform(node, rename)


def _calls_any(decl: ir.FunDecl, positions) -> bool:
    return any(isinstance(n, ir.Call) and n.func in positions for n in walk(decl.body))


def _has_exit(node, kinds=(ir.Return,)) -> bool:
    return any(isinstance(n, kinds) for n in walk(node))


def _jumps_out(node) -> bool:
    """A `break` or `continue` not inside a loop of `node`'s own."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ir.Break, ir.Continue)):
            return True
        if isinstance(n, ir.While):
            continue
        stack.extend(_kids(n))
    return False


class _Linearizer:
    """Makes the owned variables it tracks (parameters made owned, the
    fields and tokens of `match reset` arms) linear, on one function."""

    def __init__(self, facts: _Facts, positions, fun: ir.FunDecl, remarks):
        self.facts = facts
        self.positions = positions
        self.fun = fun
        self.remarks = remarks
        self.owned: set[str] = set()
        self.tracked: dict[str, object] = {}  # name -> its type
        self.tokens: dict[str, int] = {}  # token name -> the size it can fill
        self.order: list[str] = []  # tracked names, innermost last
        self.no_consume = 0
        self.frozen: set[str] = set()  # owned at the head of an enclosing loop
        self.skip_drops: set[str] = set()
        self.copied: set[tuple[str, int]] = set()  # (callee, position) given a copy
        self.next_drop: str | None = None
        # Cells taken apart that are rebuilt from their fields where their
        # variable is needed whole: variable -> (token, constructor,
        # [(field variable, is a pack)], caps, type), and back.
        self.groups: dict[str, tuple] = {}
        self.token_group: dict[str, str] = {}
        self.field_group: dict[str, str] = {}
        self.copy_tokens: set[str] = set()  # tokens of a reset copy: never unique
        self.lent: set[str] = set()  # owned variables an enclosing `unpack` lends
        self.retries = REBUILD_RETRIES
        self.owned_lets: dict[str, object] = {}  # `let`s an inlined tail call owns: name -> type
        # Resets pushed into the arms that reuse the cell (reuse_late_resets):
        # whether to try them, and for a variable lent by such a match, the
        # names read through it (it stays alive while they are).
        self.late = True
        self.late_deps: dict[str, frozenset] = {}
        self.no_late: set[str] = set()  # the variables of the matches on x the `_` arms they add make
        self.late_left = LATE_RESETS
        declared = Counter(p.name for p in fun.params)
        for n in walk(fun.body):
            match n:
                case ir.Let(name) | ir.PVar(name):
                    declared[name] += 1
                case ir.Unpack(_, _, var, _):
                    declared[var] += 1
        self.declared = declared
        names = set(declared) | {n.name for n in walk(fun.body) if isinstance(n, ir.Var)}
        self.names = names
        self._fresh = (f"{stem}{k}" for k in itertools.count(1) for stem in ("w", "rv", "rb", "fd")
                       if f"{stem}{k}" not in names)

    def fresh(self, stem: str) -> str:
        """A name used nowhere in the function, starting with `stem`."""
        while True:
            name = next(self._fresh)
            if name.startswith(stem):
                return name

    def fresh_name(self, base: str) -> str:
        """`base` and a number, a name used nowhere in the function (never
        one `fresh` gives: `base` ends in `_r` or `_c`)."""
        k = 1
        while f"{base}{k}" in self.names:
            k += 1
        name = f"{base}{k}"
        self.names.add(name)
        return name

    def own(self, name: str, t) -> None:
        if self.declared[name] > 1:
            raise Refuse(f"'{name}' is declared more than once")
        self.tracked[name] = t
        self.owned.add(name)
        self._last(name)

    def own_token(self, name: str, size: int) -> None:
        self.tracked[name] = None
        self.tokens[name] = size
        self.owned.add(name)
        self._last(name)

    def _last(self, name: str) -> None:
        if name in self.order:
            self.order.remove(name)
        self.order.append(name)

    # -------------------------------------------------------- liveness

    def mentions(self, node) -> Counter:
        """Variables mentioned in `node`, and for each site a mention of
        the size it could fill (`#64`), which keeps a token alive."""
        found: Counter = Counter()
        if node is None:
            return found
        for n in walk(node):
            if isinstance(n, (ir.Var, ir.Assign)):
                found[n.name] += 1
            elif isinstance(n, ir.Region):
                s = _site(n)
                if s is not None:
                    found[f"#{self.facts.sizes[s[1]]}"] += 1
        return found

    def live(self, name: str, counter: Counter) -> bool:
        """Whether `counter` mentions `name`: for a token, a site it could
        fill; for a token or field of a cell to rebuild, also the cell."""
        if name in self.tokens:
            if self.tokens[name] > 0 and counter[f"#{self.tokens[name]}"] > 0:
                return True
            return self.needed(self.token_group.get(name), counter)
        if counter[name] > 0 or self.needed(self.field_group.get(name), counter):
            return True
        deps = self.late_deps.get(name)
        return deps is not None and any(counter[d] for d in deps)

    def needed(self, cell: str | None, counter: Counter) -> bool:
        """Whether the cell to rebuild `cell` is needed whole in `counter`."""
        return cell is not None and cell in self.groups and self.live(cell, counter)

    # -------------------------------------------------------- rebuilding

    def snapshot(self):
        return (set(self.owned), dict(self.tracked), dict(self.tokens), list(self.order), set(self.frozen),
                set(self.skip_drops), set(self.copied), len(self.remarks), self.next_drop, dict(self.groups),
                dict(self.token_group), dict(self.field_group), set(self.copy_tokens), set(self.lent))

    def restore(self, snap) -> None:
        (self.owned, self.tracked, self.tokens, self.order, self.frozen, self.skip_drops, self.copied, n,
         self.next_drop, self.groups, self.token_group, self.field_group, self.copy_tokens, self.lent) = snap
        del self.remarks[n:]

    def group_state(self):
        return dict(self.groups), dict(self.token_group), dict(self.field_group)

    def set_group_state(self, state) -> None:
        self.groups, self.token_group, self.field_group = (dict(d) for d in state)

    def due(self, s, here: Counter, rest: Counter) -> str | None:
        """A cell to rebuild that statement `s` needs whole, before it:
        unless `s` only branches on something else and the cell is not
        needed after it (then each branch rebuilds it if it needs it)."""
        for cell in self.groups:
            if not here[cell]:
                continue
            if self.live(cell, rest):
                return cell
            match s:
                case ir.If(cond) if not self.mentions(cond)[cell]:
                    continue
                case ir.Match(scrutinee) if not self.mentions(scrutinee)[cell]:
                    continue
                case ir.ExprStmt(ir.Unpack(ir.Var(name))) if name != cell:
                    continue
            return cell
        return None

    def rebuild_cell(self, cell: str, here: Counter, rest: Counter):
        """The statements that rebuild `cell` from its token and fields
        (`let rb = reuse{c} w C(fields)`, every field given back: nothing
        written when w is unique, the cell itself when it is shared), and
        the new variable's name. _NoRebuild when a field is gone, lent or
        needed later."""
        token, ctor, fields, caps, t = self.groups[cell]
        out, args = [], []
        for name, is_pack in fields:
            if is_pack and name not in self.owned:
                if name not in self.groups:
                    raise _NoRebuild(name)
                more, name = self.rebuild_cell(name, here, rest)
                out += more
            elif is_pack and (name in self.frozen or name in self.lent or here[name] or rest[name]):
                raise _NoRebuild(name)
            args.append(ir.Var(name))
        if token not in self.owned or token in self.frozen:
            raise _NoRebuild(token)
        for a, (_, is_pack) in zip(args, fields):
            if is_pack:
                self.owned.discard(a.name)
        self.owned.discard(token)
        del self.groups[cell]
        self.token_group.pop(token, None)
        for name, _ in fields:
            self.field_group.pop(name, None)
        new = self.fresh("rb")
        if args:
            value = ir.Reuse(ir.Var(token), caps, ctor, tuple(args))
        else:  # an immediate: its token is always empty
            out.append(ir.Drop(ir.Var(token)))
            value = ir.Pack(caps, ir.NewData(ir.PRIMITIVE_REGION, ctor))
        out.append(ir.Let(new, None, value))
        self.own(new, t)
        self.remarks.append(Remark("reuse", self.fun.name, f"'{cell}' rebuilt from its fields in the place of '{token}'"))
        return out, new

    def drop(self, name: str) -> ir.Drop:
        self.owned.discard(name)
        return ir.Drop(ir.Var(name))

    def drops_of_dead(self, *counters: Counter) -> list:
        out = []
        for name in [n for n in self.order if n in self.owned]:
            if not any(self.live(name, c) for c in counters):
                out.append(self.drop(name))
        return out

    # -------------------------------------------------------- blocks

    def block(self, b: ir.Block, later: Counter):
        """(the new block, whether it falls through)."""
        items = list(b.stmts)
        suffix = [Counter() for _ in range(len(items) + 1)]
        suffix[len(items)] = self.mentions(b.result) + (later if not always_exits(b) else Counter())
        heres = [None] * len(items)  # each statement's mentions, found once
        for k in range(len(items) - 1, -1, -1):
            here = heres[k] = self.mentions(items[k])
            suffix[k] = here if always_exits(items[k]) else here + suffix[k + 1]
        out: list = []
        for k, s in enumerate(items):
            if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name in self.skip_drops:
                self.skip_drops.discard(s.value.name)
                continue
            here = heres[k]  # counters are never changed in place: shared safely
            rest = suffix[k + 1]
            cell = self.due(s, here, rest)
            if cell is not None:
                return self.rebuilt(b, out, items[k:], cell, here, rest, later)
            out += self.drops_of_dead(here, rest)
            nxt = items[k + 1] if k + 1 < len(items) else None
            self.next_drop = nxt.value.name if isinstance(nxt, ir.Drop) and isinstance(nxt.value, ir.Var) else None
            new, falls = self.stmt(s, here, rest)
            out += new
            if not falls:
                return rebuild(b, stmts=tuple(out) + tuple(items[k + 1:])), False
            out += self.drops_of_dead(rest)
        result = b.result
        if result is not None:
            here = self.mentions(result)
            cell = next((c for c in self.groups if here[c]), None)
            if cell is not None:
                return self.rebuilt(b, out, [], cell, here, later, later)
            out += self.drops_of_dead(here, later)
            self.next_drop = None
            result = self.expr(result, here, later)
            left = [n for n in self.order if n in self.owned and not self.live(n, later)]
            if left:
                tmp = self.fresh("rv")
                out.append(ir.Let(tmp, None, result))
                out += [self.drop(n) for n in left]
                result = ir.Var(tmp)
        else:
            out += self.drops_of_dead(later)
        return rebuild(b, stmts=tuple(out), result=result), True

    def rebuilt(self, b: ir.Block, out: list, items: list, cell: str, here: Counter, rest: Counter,
                later: Counter):
        """The block `b` whose statements `out` are done and `items` (and
        its result) to do, `cell` rebuilt before them."""
        stmts, new = self.rebuild_cell(cell, here, rest)
        tail = _renamed(rebuild(b, stmts=tuple(items)), cell, new)
        nb, falls = self.block(tail, later)
        return rebuild(b, stmts=tuple(out) + tuple(stmts) + nb.stmts, result=nb.result), falls

    def branches(self, blocks, later: Counter):
        """Each of `blocks` (None: an empty `else`) from the same state;
        returns the new blocks and whether any falls through."""
        entry = set(self.owned)
        groups = self.group_state()
        new, ends = [], []
        for b in blocks:
            self.owned = set(entry)
            self.set_group_state(groups)
            nb, falls = self.block(b if b is not None else ir.Block(()), later)
            if b is None and not nb.stmts:
                nb = None
            new.append(nb)
            if falls:
                ends.append(set(self.owned))
        self.set_group_state(groups)
        if not ends:
            self.owned = set()
            return new, False
        if any(e != ends[0] for e in ends):
            raise Refuse("paths leave owned variables in different states")
        self.owned = ends[0]
        return new, True

    # -------------------------------------------------------- statements

    def stmt(self, s, here: Counter, rest: Counter):
        """(new statements, whether control goes on after them)."""
        match s:
            case ir.Return(value):
                value = self.expr(value, here, Counter()) if value is not None else None
                left = [n for n in self.order if n in self.owned]
                if not left:
                    return [rebuild(s, value=value)], False
                used = self.mentions(value)
                if value is not None and any(self.live(n, used) or n in self.lent for n in left
                                             if n not in self.tokens):
                    tmp = self.fresh("rv")
                    out = [ir.Let(tmp, None, value)] + [self.drop(n) for n in left]
                    return out + [rebuild(s, value=ir.Var(tmp))], False
                return [self.drop(n) for n in left] + [rebuild(s, value=value)], False
            case ir.Let() | ir.Assign():
                new = [rebuild(s, value=self.expr(s.value, here, rest))]
                if isinstance(s, ir.Let) and s.name in self.owned_lets:
                    self.own(s.name, self.owned_lets[s.name])
                return new, True
            case ir.Drop(value):
                return [rebuild(s, value=self.expr(value, here, rest))], True
            case ir.ExprStmt(e):
                reset = self.reset(s, here, rest)
                if reset is not None:
                    return reset
                return [rebuild(s, expr=self.expr(e, here, rest))], not always_exits(s)
            case ir.IndexSet():
                return [map_children(s, lambda c: self.expr(c, here, rest))], True
            case ir.If(cond, then, els):
                cond = self.read(cond, here, rest)
                if isinstance(els, ir.If):
                    els = ir.Block((els,))
                (then, els), falls = self.branches([then, els], rest)
                return [rebuild(s, cond=cond, then=then, els=els)], falls
            case ir.Match(scrutinee, arms):
                scrutinee = self.read(scrutinee, here, rest)
                bodies, falls = self.branches([a.body for a in arms], rest)
                arms = tuple(rebuild(a, body=b) for a, b in zip(arms, bodies))
                return [rebuild(s, scrutinee=scrutinee, arms=arms)], falls
            case ir.While(cond, body):
                everything = here + rest
                entry = set(self.owned)
                cond = self.read(cond, here, rest)
                frozen = self.frozen
                self.frozen = frozen | entry
                body, _ = self.block(body, everything)
                self.frozen = frozen
                if self.owned != entry:
                    raise Refuse("a loop would consume an owned variable")
                return [rebuild(s, cond=cond, body=body)], True
            case ir.Break() | ir.Continue():
                return [s], False
        return [s], True

    def reset(self, s: ir.ExprStmt, here: Counter, rest: Counter):
        """`unpack x as s, o { match o {..} };` on an owned x: a `match
        reset`; None when x is not an owned variable of ours."""
        u = s.expr
        if not (isinstance(u, ir.Unpack) and isinstance(u.pack, ir.Var) and u.pack.name in self.owned):
            return None
        x = u.pack.name
        exits = _has_exit(u.body)
        shape = _reset_shape(s, x)
        t = self.tracked[x]
        if shape is None or not self.facts.resettable(t):
            if exits:
                raise Refuse(f"'{x}' would be lent across a return")
            return None
        arms = shape[2]
        # A `_` arm sees x as the token's name: it resets nothing.
        in_wild = sum(self.mentions(a.body)[x] for a in arms if isinstance(a.pattern, ir.PWild))
        # A cell to rebuild that x is a field of, needed in an arm that
        # takes x apart, needs x whole there.
        inside = any(self.needed(self.field_group.get(x), self.mentions(a.body))
                     for a in arms if isinstance(a.pattern, ir.PCtor))
        last = here[x] - in_wild == 1 and not self.live(x, rest) and not inside
        if not last and not exits:
            return None
        if any(_jumps_out(arm.body) for arm in arms):
            raise Refuse("a 'match reset' arm would leave a loop")
        if (not last and not self.live(x, rest) and x not in self.frozen and self.retries > 0 and self.late
                and x not in self.field_group and u.var not in self.no_late and self.late_left > 0):
            # x is needed whole only inside: the match stays borrowed, and
            # the blocks that reuse its cell reset it there (Perceus).
            done = self.late_reset(s, x, t, rest)
            if done is not None:
                return done
        if not last and not self.live(x, rest) and x not in self.frozen and self.retries > 0:
            # x is needed whole only inside: the arms that take it apart
            # rebuild it from its fields where they need it (Perceus: the
            # cell is the token, the fields stay alive).
            snap = self.snapshot()
            try:
                return self.reset_arms(s, u, x, t, arms, "rebuild", rest)
            except (_NoRebuild, Refuse):
                self.restore(snap)
                self.retries -= 1
        return self.reset_arms(s, u, x, t, arms, "last" if last else "copy", rest)

    def late_reset(self, s: ir.ExprStmt, x: str, t, rest: Counter):
        """The match on x kept borrowed, x reset in the blocks below it that
        reuse its cell (reuse_late_resets.py); None when there is none, or
        the linearizer cannot make it linear."""
        data = self.facts.datas[(t if isinstance(t, ir.PackType) else t.pack).obj.name]
        pushed = push_down(s, x, data, self.facts.sizes, _site, self.fresh_name, self.declared, self.no_late)
        if pushed is None:
            return None
        self.late_left -= 1
        new, through = pushed
        u = new.expr
        snap = self.snapshot()
        if through is None:
            # Split: the arms that reuse x whole first, reset as before.
            self.no_late.add(u.var)
            try:
                return self.reset(new, self.mentions(new), rest)
            except (_NoRebuild, Refuse):
                self.restore(snap)
                self.retries -= 1
                return None
        lent, deps, saved = self.lent, self.late_deps, self.next_drop
        self.lent = lent | {x}
        self.late_deps = {**deps, x: frozenset(through)}
        self.next_drop = None
        try:
            body, falls = self.block(u.body, rest)
        except (_NoRebuild, Refuse):
            self.restore(snap)
            self.retries -= 1
            return None
        finally:
            self.lent, self.late_deps, self.next_drop = lent, deps, saved
        self.remarks.append(Remark("reset", self.fun.name, f"'{x}' (in the arms that reuse it)", where(u)))
        return [rebuild(new, expr=rebuild(u, body=body))], falls

    def reset_arms(self, s, u, x: str, t, arms, mode: str, rest: Counter):
        scrutinee = ir.Var(x)
        if mode == "copy":
            scrutinee = ir.Copy(scrutinee)
        else:
            self.owned.discard(x)
        token = self.fresh("w")
        if mode == "copy":
            self.copy_tokens.add(token)
        entry = set(self.owned)
        groups = self.group_state()
        new_arms, ends = [], []
        data = self.facts.datas[t.obj.name]
        caps = (t if isinstance(t, ir.PackType) else t.pack).caps
        for arm in arms:
            self.owned = set(entry)
            self.set_group_state(groups)
            pattern = arm.pattern
            body = arm.body
            if isinstance(pattern, ir.PWild):
                self.tokens.pop(token, None)
                self.own(token, t if isinstance(t, ir.PackType) else t.pack)
                if mode != "copy":
                    body = _renamed(body, x, token)
                    # A cell to rebuild that x is a field of takes the token.
                    cell = self.field_group.pop(x, None)
                    if cell is not None:
                        w, ctor, fields, c, ct = self.groups[cell]
                        fields = [(token if n == x else n, p) for n, p in fields]
                        self.groups[cell] = (w, ctor, fields, c, ct)
                        self.field_group[token] = cell
            if isinstance(pattern, ir.PCtor):
                _, ctor = self.facts.ctors[pattern.ctor]
                size = ir.data_size(data, ctor)
                used = self.mentions(arm.body)
                whole = mode == "rebuild" and used[x] > 0
                subs = []
                for f, sub in zip(ctor.fields, pattern.args):
                    if whole and isinstance(sub, ir.PWild):
                        sub = ir.PVar(self.fresh("fd"), span=sub.span)
                    if isinstance(sub, ir.PVar) and isinstance(f.type, ir.PackType):
                        if not used[sub.name] and not whole:
                            sub = ir.PWild(span=sub.span)
                        else:
                            self.own(sub.name, f.type)
                    subs.append(sub)
                pattern = rebuild(pattern, args=tuple(subs))
                self.own_token(token, size)
                if whole:
                    fields = [(sub.name, isinstance(f.type, ir.PackType)) for f, sub in zip(ctor.fields, subs)]
                    self.groups[x] = (token, pattern.ctor, fields, caps, t if isinstance(t, ir.PackType) else t.pack)
                    self.token_group[token] = x
                    for name, is_pack in fields:
                        if is_pack:
                            self.field_group[name] = x
            body, falls = self.block(body, rest)
            new_arms.append(rebuild(arm, pattern=pattern, body=body))
            if falls:
                ends.append(set(self.owned))
        self.set_group_state(groups)
        note = {"last": "", "copy": " (a copy: it is read again)", "rebuild": " (rebuilt where it is read again)"}
        self.remarks.append(Remark("reset", self.fun.name, f"'{x}'" + note[mode], where(u)))
        if not ends:
            self.owned = set()
            return [ir.MatchReset(scrutinee, token, tuple(new_arms), span=s.span)], False
        if any(e != ends[0] for e in ends):
            raise Refuse("the arms leave owned variables in different states")
        self.owned = ends[0]
        return [ir.MatchReset(scrutinee, token, tuple(new_arms), span=s.span)], True

    # -------------------------------------------------------- expressions

    def read(self, e, here: Counter, rest: Counter):
        """An expression that must consume nothing of ours (a condition)."""
        self.no_consume += 1
        try:
            return self.expr(e, here, rest)
        finally:
            self.no_consume -= 1

    def movable(self, name: str, here: Counter, rest: Counter) -> bool:
        return (not self.no_consume and name in self.owned and name not in self.frozen and here[name] == 1
                and not self.live(name, rest))

    def expr(self, e, here: Counter, rest: Counter):
        match e:
            case ir.Copy(ir.Var(name)) if self.movable(name, here, rest):
                self.owned.discard(name)
                return ir.Var(name, span=e.value.span)
            case ir.Call(func, _, args) if func in self.positions:
                mine = self.positions[func]
                new = []
                for k, a in enumerate(args):
                    if k in mine:
                        new.append(self.owned_arg(a, here, rest))
                        if isinstance(new[-1], ir.Copy):
                            self.copied.add((func, k))
                    else:
                        new.append(self.expr(a, here, rest))
                return rebuild(e, args=tuple(new))
            case ir.Region() if not self.no_consume and (site := _site(e)) is not None:
                token = self.token_for(self.facts.sizes[site[1]], here, rest)
                if token is not None:
                    caps, ctor, args = site
                    self.owned.discard(token)
                    new = tuple(self.expr(a, here, rest) for a in args)
                    self.remarks.append(Remark("reuse", self.fun.name, f"'{ctor}' in the place of '{token}'", where(e)))
                    return ir.Reuse(ir.Var(token), caps, ctor, new, span=e.span)
            case ir.IfExpr() | ir.Binary(op="&&") | ir.Binary(op="||"):
                self.no_consume += 1
                try:
                    return map_children(e, lambda c: self.expr(c, here, rest))
                finally:
                    self.no_consume -= 1
            case ir.Unpack(ir.Var(name), _, _, body) if name in self.owned and _has_exit(body):
                raise Refuse(f"'{name}' would be lent across a return")
        if isinstance(e, BLOCK_EXPRS):
            inner = self.mentions(e.body)
            later = rest + (here - inner)
            pack = e.pack if isinstance(e, ir.Unpack) else None
            if pack is not None:
                # `unpack copy x` consumes the copy: it stays a copy.
                pack = self.expr(pack, here, rest) if not isinstance(pack, ir.Copy) else pack
            saved, self.next_drop = self.next_drop, None
            lends = pack.name if isinstance(pack, ir.Var) and pack.name in self.owned else None
            lent = self.lent
            if lends is not None:
                self.lent = lent | {lends}
            body, _ = self.block(e.body, later)
            self.lent = lent
            self.next_drop = saved
            return rebuild(e, body=body, pack=pack) if pack is not None else rebuild(e, body=body)
        return map_children(e, lambda c: self.expr(c, here, rest))

    def owned_arg(self, a, here: Counter, rest: Counter):
        """An argument of a parameter made owned."""
        if isinstance(a, ir.Var):
            if a.name in self.tracked:
                if self.movable(a.name, here, rest):
                    self.owned.discard(a.name)
                    return a
                return ir.Copy(a, span=a.span)
            t = self.facts.types.get(id(a))
            if (isinstance(t, ir.PackType) and not self.no_consume and here[a.name] == 1
                    and self.next_drop == a.name):
                self.skip_drops.add(a.name)
                return a
        return ir.Copy(a, span=a.span)

    def token_for(self, size: int, here: Counter, rest: Counter) -> str | None:
        """The innermost token that can fill a site of `size`: not one of a
        cell to rebuild that is needed later, and one of a reset copy
        (never unique) only when there is no other."""
        found = [name for name in reversed(self.order)
                 if name in self.owned and name not in self.frozen and self.tokens.get(name) == size and size
                 and not self.needed(self.token_group.get(name), here)
                 and not self.needed(self.token_group.get(name), rest)]
        found.sort(key=lambda name: name in self.copy_tokens)
        return found[0] if found else None
