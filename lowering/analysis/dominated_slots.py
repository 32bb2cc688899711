"""Dominated slots (../shared/PASSES.md, "Dominated slots"): the pack slots
whose objects can live in the region of the object holding them.

A *slot* is a pack field of a constructor (`("field", ctor, index)`) or the
elements of an array type (`("array", ArrayType)`; array types are
structural, so every array of that type shares the decision). It is
*dominated* when

* every value stored into it is fresh — made for the purpose and moved
  there, never shared (`output_regions.is_fresh`), a temporary among them
  lent nowhere and never packed again while it is unpacked, and defined
  where the holder's region is already open, or just before the statement
  that opens it (then it moves into that region's block: a `Sink`);
  or a *dropped temporary*: a small object stored on one path and dropped
  on the others, made in the output region of a function whose every
  `return` makes an object at least twice its size there (the object a
  path drops then costs its bytes until the holder dies: less than half
  of what the call leaves there anyway, so a constant factor);
* nothing ever replaces or removes a stored value (`xs[i] = v`, `pop`),
  and no value is stored many times (`array(n, x)`) or copied in
  (`keys`);
* every read of it is a borrow, or a `copy` bound to a `let` that is only
  unpacked and dropped, in a function whose parameter holds the holder
  (so the holder outlives the copy) and that never retains it.

The answer is a fixpoint: start with every pack slot, refute on evidence
(one refutation can make another store non-fresh only through functions,
which `output-regions` has already settled, so one round of refutations
over all functions suffices; the loop re-checks until stable anyway).

Assumes region binder names are unique in each function (the naive
lowering and every pass choose fresh ones); a function where they are not
refutes every slot it touches.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lolang import ir
from lolang.traverse import BLOCK, CONSUMED, LENT, PLACE, VALUE, children, operands, walk
from lowering.analysis import accumulators
from lowering.analysis.bounded import Sizes
from lowering.analysis.callgraph import recursive_with
from lowering.analysis.positions import positions
from lowering.analysis.retained import retains, retained_params
from lowering.analysis.var_uses import VarUses, operand_table, uses_in
from lowering.analysis.fresh import copyable, fresh_temp, is_fresh, returned, site


@dataclass(frozen=True)
class Sink:
    """Move the `lets` (statements of `block`, just before its statement
    `index`) to the start of the body of `binder`, inside that statement."""

    slot: tuple      # the dominated slot the move is for
    function: str
    block: int       # id of the Block
    index: int       # the statement holding the binder (len(stmts): the result)
    binder: int      # id of the Region/Unpack whose region the values go to
    lets: tuple[str, ...]
    drops: tuple[str, ...] = ()  # drops among them, re-emitted after the statement


@dataclass
class Slots:
    dominated: set = field(default_factory=set)
    refuted: dict = field(default_factory=dict)   # slot -> why (for remarks)
    sinks: list = field(default_factory=list)
    binder_at: dict = field(default_factory=dict)  # (block, statement) -> the binder its moves go to
    groups: dict = field(default_factory=dict)     # function -> its accumulators (analysis/accumulators.py)


def slot_name(slot) -> str:
    if slot[0] == "field":
        return f"field {slot[2] + 1} of '{slot[1]}'"
    return f"elements of '{short_type(slot[1])}'"


def short_type(t, limit: int = 72) -> str:
    """A type's text, cut after `limit` characters (a type can be as deep
    as the program; a remark per type must not make output quadratic)."""
    out: list[str] = []
    stack = [t]
    size = 0
    while stack and size <= limit:
        t = stack.pop()
        match t:
            case str():
                piece = t
            case ir.ArrayType(elem):
                piece = "Array ("
                stack.extend((")", elem))
            case ir.MapType(k, v):
                piece = "Map ("
                stack.extend((")", v, ") (", k))
            case ir.PackType(c, obj):
                piece = f"Pack{{{c}}} ("
                stack.extend((")", obj))
            case _:
                piece = ir.type_str(t)
        out.append(piece)
        size += len(piece)
    text = "".join(out)
    return text if not stack else text[:limit] + "…"


def candidates(program: ir.Program, written: list | None = None) -> set:
    """`written`: the program's `written_types`, if already found."""
    found = set()
    for d in program.datas:
        for c in d.ctors:
            for i, f in enumerate(c.fields):
                if isinstance(f.type, ir.PackType):
                    found.add(("field", c.name, i))
    seen: set[int] = set()  # type objects are shared: each is walked once
    for t in written_types(program) if written is None else written:
        for a in _arrays(t, seen):
            found.add(("array", a))
    return found


def written_types(program: ir.Program) -> list:
    """The types written in the program's nodes (`_types_in`), in walk
    order."""
    return [t for n in walk(program) for t in _types_in(n)]




def _types_in(n) -> list:
    match n:
        case ir.FieldDecl(_, t) | ir.Param(_, t):
            return [t]
        case ir.FunDecl(ret=t):
            return [t]
        case ir.Let(type=t) if t is not None:
            return [t]
        case ir.NewArray(elem=t):
            return [ir.ArrayType(t)]
        case ir.NewMap(key=k, value=v):
            return [k, v]
    return []


def _arrays(t, seen: set[int]) -> list:
    """Every `Array (Pack{c} T)` inside a type not walked before."""
    return [t for t in _type_parts(t, seen) if isinstance(t, ir.ArrayType) and isinstance(t.elem, ir.PackType)]


def _type_parts(t, seen: set[int]):
    """`t` and every type inside it, each type object once over `seen`
    (type objects are shared: a deep program's are walked once)."""
    stack = [t]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        yield t
        match t:
            case ir.ArrayType(elem):
                stack.append(elem)
            case ir.MapType(k, v):
                stack.extend((k, v))
            case ir.PackType(_, obj) | ir.RefType(obj, _):
                stack.append(obj)
            case ir.BorrowType(pack):
                stack.append(pack)


def analyze(program: ir.Program, checked) -> Slots:
    """Refute until stable: a copy is only made fresh (a `copyable` copy)
    where it is stored into a slot still dominated, so a refutation can
    undo another slot's evidence."""
    funs = {f.name: f for f in program.funs}
    retaining = retained_params(program, checked)
    sizes = Sizes(program, recursive_with(program))
    groups = accumulators.find_all(program, checked, funs, retaining)
    written = written_types(program)
    dominated = candidates(program, written)
    covariant = Slots(dominated=set(dominated))
    _refute_covariant_arrays(covariant, program, written)
    refuted: dict = dict(covariant.refuted)
    refuted.update(_reset_slots(program, dominated))
    dominated -= set(refuted)
    shapes: dict = {}
    datas = {d.name: d for d in program.datas}
    while True:
        result = Slots(dominated=set(dominated), refuted=dict(refuted))
        for f in program.funs:
            _Function(f, program, funs, checked, retaining, result, sizes, groups[f.name], shapes, datas).run()
        _refute_namesakes(result, program)
        if set(result.refuted) <= set(refuted):
            result.dominated -= set(result.refuted)
            return result
        refuted = result.refuted
        dominated -= set(refuted)


def _reset_slots(program: ir.Program, slots: set) -> dict:
    """The slots of a data type that a `match reset` takes apart or a
    `reuse` builds (the `reuse` pass): their values move out of and into
    the cell, which keeps no same-region object."""
    ctors = {c.name: d for d in program.datas for c in d.ctors}
    datas: dict[str, str] = {}
    for f in program.funs:
        for n in walk(f.body):
            if isinstance(n, ir.MatchReset):
                for a in n.arms:
                    if isinstance(a.pattern, ir.PCtor):
                        datas.setdefault(ctors[a.pattern.ctor].name, f.name)
            elif isinstance(n, ir.Reuse):
                datas.setdefault(ctors[n.ctor].name, f.name)
    return {slot: f"{datas[ctors[slot[1]].name]}: its cells are reused in place ('match reset')" for slot in slots
            if slot[0] == "field" and ctors[slot[1]].name in datas}


def _refute_namesakes(out: Slots, program: ir.Program) -> None:
    """A named field shared by several constructors (`Leaf { w: String }
    | Node { w: String, ... }`) has one type in all of them: its slots are
    dominated together or not at all."""
    for d in program.datas:
        by_name: dict[str, list] = {}
        for c in d.ctors:
            for i, f in enumerate(c.fields):
                if f.name and isinstance(f.type, ir.PackType):
                    by_name.setdefault(f.name, []).append(("field", c.name, i))
        for name, slots in by_name.items():
            kept = [sl for sl in slots if sl in out.dominated and sl not in out.refuted]
            if kept and len(kept) < len(slots):
                why = next((out.refuted[sl] for sl in slots if sl in out.refuted), None)
                for sl in kept:
                    out.refuted[sl] = f"{why.split(':', 1)[0] if why else 'program'}: field '{name}' of another constructor keeps its pack"


def _refute_covariant_arrays(out: Slots, program: ir.Program, written: list | None = None) -> None:
    """Two array types whose values can meet covariantly (an `Array (Pack{rwa}
    X)` read as an `Array (Pack{r} X)`, docs/lolang.md §3) are different
    types holding the same objects: deciding one alone would change the
    elements of the other's values. Both keep their packs. Only the object
    of a pack without `w` and `a` can be met so, so those few are compared
    with the rest (comparing every pair would be quadratic in the number of
    array types, which a deeply nested literal makes large)."""
    from lolang.checker.types import object_fits

    arrays = [s for s in out.dominated if s[0] == "array"]
    wanted = {("array", obj) for obj in _read_only_pack_objects(program, written)} & set(arrays)
    for want in wanted:
        for given in arrays:
            if given != want and object_fits(want[1], given[1]):
                for slot, other in ((want, given), (given, want)):
                    # "where: why", as the functions' refutations are worded
                    out.refuted.setdefault(slot, f"program: its values meet those of '{ir.type_str(other[1])}' covariantly")


def _read_only_pack_objects(program: ir.Program, written: list | None = None) -> list:
    """The array objects of the packs without `w` and `a` in the program's
    written types (where a covariant value can be expected)."""
    found = []
    seen: set[int] = set()
    for root in written_types(program) if written is None else written:
        for t in _type_parts(root, seen):
            if (isinstance(t, ir.PackType) and "w" not in t.caps and "a" not in t.caps
                    and isinstance(t.obj, ir.ArrayType) and isinstance(t.obj.elem, ir.PackType)):
                found.append(t.obj)
    return found


# The node types `_stores`, `_removals` and `_reads` look at (the rest
# they pass over, and most nodes are of the rest).
STORES = frozenset((ir.NewData, ir.NewArray, ir.Builtin))
_REMOVALS = frozenset((ir.IndexSet, ir.Builtin))
_READS = frozenset((ir.Var, ir.FieldGet, ir.Index))


class _Shape:
    """One walk of a function: who holds each node and how it is used,
    the binder of each region name, how each variable is bound, the
    assignments of each variable, how many binders each region name has;
    and, found on need, each block's statement indexes and runs of lets."""

    def __init__(self, f: ir.FunDecl, funs, checked, ctors):
        self.f, self.checked, self.ctors = f, checked, ctors
        self.binder_of: dict[str, object] = {}    # region name -> its Region/Unpack node
        self.bound_by: dict[str, object] = {}     # variable -> ('unpack', pack) / ('pattern', scrutinee, slot) / ('let', value)
        self.parents: dict[int, tuple] = {}       # id(node) -> (parent, use)
        self.assigns_of: dict[str, list] = {}     # variable -> the assignments to it
        self.names: Counter = Counter()           # region name -> its binders (`region`, `unpack`)
        self.indexes: dict[int, dict[int, int]] = {}
        self.run_starts: dict[int, list[int]] = {}
        table = operand_table(checked, f, funs)
        Region, Unpack, Match, Let, Assign = ir.Region, ir.Unpack, ir.Match, ir.Let, ir.Assign
        stack = [f.body]
        while stack:
            n = stack.pop()
            for child, use in table[id(n)]:
                self.parents[id(child)] = (n, use)
                stack.append(child)
            # dispatched on the exact type (the IR's classes have no
            # subclasses), not by a `match` statement's patterns in turn
            kind = type(n)
            if kind is Region:
                self.binder_of[n.name] = n
                self.names[n.name] += 1
            elif kind is Unpack:
                self.binder_of[n.region] = n
                self.bound_by[n.var] = ("unpack", n.pack)
                self.names[n.region] += 1
            elif kind is Match:
                scrutinee = n.scrutinee
                t = self.checked.types.get(id(scrutinee))
                for arm in n.arms:
                    self._pattern_vars(arm.pattern, scrutinee, t)
            elif kind is Let:
                if n.mutable is False:
                    self.bound_by.setdefault(n.name, ("let", n.value))
            elif kind is Assign:
                self.assigns_of.setdefault(n.name, []).append(n)

    def _pattern_vars(self, p, scrutinee, t) -> None:
        if isinstance(p, ir.PCtor):
            fields = self.ctors[p.ctor].fields if p.ctor in self.ctors else ()
            for i, sub in enumerate(p.args):
                if isinstance(sub, ir.PVar) and i < len(fields) and isinstance(fields[i].type, ir.PackType):
                    self.bound_by[sub.name] = ("pattern", scrutinee, ("field", p.ctor, i))
                # Sub-patterns under same-region fields match the same object's region.
                self._pattern_vars(sub, scrutinee, t)


class _Function:
    """The evidence one function gives about every slot."""

    def __init__(self, f: ir.FunDecl, program: ir.Program, funs, checked, retaining, out: Slots, sizes: Sizes,
                 groups=(), shapes: dict | None = None, datas: dict | None = None):
        """`shapes`: function name -> its `_Shape`, kept across the rounds
        of `analyze` (the same function each time); `datas`: the program's
        data declarations by name, if already found."""
        self.f, self.funs, self.checked, self.retaining, self.out = f, funs, checked, retaining, out
        self.sizes = sizes
        self.datas = datas if datas is not None else {d.name: d for d in program.datas}
        self.ctors = sizes.ctors  # (the program's, found once)
        self.uses: VarUses = uses_in(checked, f, funs)
        shape = shapes.get(f.name) if shapes is not None else None
        if shape is None or shape.f is not f:
            shape = _Shape(f, funs, checked, self.ctors)
            if shapes is not None:
                shapes[f.name] = shape
        self.names = shape.names
        self.binder_of = shape.binder_of
        self.bound_by = shape.bound_by
        self.parents = shape.parents
        self.assigns_of = shape.assigns_of
        self.params = {p.name for p in f.params}
        self.where = positions(checked)
        self._indexes = shape.indexes
        self._run_starts = shape.run_starts
        self.groups = groups
        out.groups[f.name] = groups
        self._returned: dict[str, int | None] = {}

    def refute(self, slot, why: str) -> None:
        if slot in self.out.dominated and slot not in self.out.refuted:
            self.out.refuted[slot] = f"{self.f.name}: {why}"

    def run(self) -> None:
        unique = all(n == 1 for n in self.names.values())
        for n in walk(self.f.body):
            kind = type(n)
            if kind in STORES:
                for slot, value, holder in self._stores(n):
                    if self._covariant_store(slot, value):
                        self.refute(slot, "a value stored into it has more capabilities than the slot (covariance)")
                    elif not unique:
                        self.refute(slot, "region names are not unique in the function")
                    elif not self._fresh_store(slot, value, holder):
                        self.refute(slot, "a value stored into it is not fresh")
            if kind in _REMOVALS:
                self._removals(n)
            if kind in _READS:
                self._reads(n)

    # ------------------------------------------------------------- stores

    def _stores(self, n):
        """(slot, stored value, holder region name) of a store node."""
        match n:
            case ir.NewData(region, ctor, args):
                decl = self.ctors.get(ctor)
                if decl is not None:
                    for i, (f, a) in enumerate(zip(decl.fields, args)):
                        if isinstance(f.type, ir.PackType):
                            yield ("field", ctor, i), a, region
            case ir.NewArray(region, elem, elems) if isinstance(elem, ir.PackType):
                for a in elems:
                    yield ("array", ir.ArrayType(elem)), a, region
            case ir.Builtin("push", _, (xs, v)):
                t = self.checked.types.get(id(xs))
                if isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType) and isinstance(t.obj.elem, ir.PackType):
                    yield ("array", t.obj), v, _name(t.region)

    def _covariant_store(self, slot, value) -> bool:
        """The stored pack's type is not the slot's own (it only fits
        covariantly): as a same-region object it would not fit at all."""
        declared = self.ctors[slot[1]].fields[slot[2]].type if slot[0] == "field" else slot[1].elem
        given = self.checked.types.get(id(value))
        return isinstance(given, ir.PackType) and given != declared

    def _live_group(self, member: str):
        """The accumulator `member` belongs to, while its slots are all
        still dominated."""
        for g in self.groups:
            if member in g.members and all(s in self.out.dominated and s not in self.out.refuted for s in g.slots):
                return g
        return None

    def _fresh_store(self, slot, value, holder: str) -> bool:
        if isinstance(value, ir.Var) and self.dropped_temp(value.name, holder):
            return True
        if isinstance(value, ir.Var):
            g = self._live_group(value.name)
            binder = self.binder_of.get(holder)
            if g is not None and binder is not None and id(binder) in g.sites:
                return True  # the old value moves into the next one, in the group's region
        if not is_fresh(value, set(), self.uses, self.checked, copies=self.datas):
            return False
        for t in self._temps(value):
            if not self._child_temp(t):
                return False
        return self._reachable(slot, value, holder)

    def _temps(self, e) -> list[str]:
        """The temporaries a fresh value flows through."""
        if site(e, self.checked) is not None or isinstance(e, ir.Copy):
            return []
        match e:
            case ir.Var(name):
                return [name, *self._temps(self.uses.defs[name].value)]
            case ir.IfExpr(_, a, b):
                return self._temps(a) + self._temps(b)
            case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body):
                return self._temps(body.result) if body.result is not None else []
        return []

    def dropped_temp(self, name: str, holder: str) -> bool:
        """A temporary moved into one store (this one) and dropped on every
        other path: declared once by a `let` outside every loop, its value
        a site of at most half the bytes of the smallest object a `return`
        makes in `holder`, the function's output region, which every
        `return` makes its value in. Made in the holder, the object a path
        drops stays there until the holder dies: once per call, beside
        more than twice its bytes that the call leaves there anyway."""
        u = self.uses
        if not (u.declared[name] == 1 and name in u.defs and name not in u.mutable
                and not u.copied[name] and not u.read[name] and not u.lent[name]):
            return False
        consumers = u.consumers.get(name, [])
        stores = [c for c in consumers if not isinstance(c, ir.Drop)]
        if len(stores) != 1 or len(consumers) < 2:
            return False
        floor = self._returned_bytes(holder)
        made = self._site_bytes(u.defs[name].value) if floor is not None else None
        if made is None or 2 * made > floor:
            return False
        node = u.defs[name]
        while id(node) in self.parents:  # outside every loop
            node = self.parents[id(node)][0]
            if isinstance(node, ir.While):
                return False
        return self._child_temp(name, dropped=True)

    def _site_bytes(self, e) -> int | None:
        """The bytes a site `e` (through `do`s and `unpack`s) makes, if
        bounded."""
        while not isinstance(e, ir.Region) and isinstance(e, (ir.Do, ir.Unpack, ir.Restrict)):
            if e.body.result is None:
                return None
            e = e.body.result
        if site(e, self.checked) is None:
            return None
        return self.sizes.block(e)

    def _returned_bytes(self, holder: str) -> int | None:
        if holder not in self._returned:
            self._returned[holder] = self._smallest_returned(holder)
        return self._returned[holder]

    def _smallest_returned(self, holder: str) -> int | None:
        """The bytes of the smallest object a `return` of the function
        makes in `holder`, if every one makes one there and `holder` is
        its output region."""
        f = self.f
        if not (isinstance(f.ret, ir.RefType) and f.ret.region == holder
                and any(r.name == holder for r in f.regions)):
            return None
        sizes = []
        for value in returned(f):
            while isinstance(value, ir.Do) and value.body.result is not None:
                value = value.body.result
            if not (isinstance(value, ir.NewData) and value.region == holder):
                return None
            sizes.append(self.sizes.object_sizes[value.ctor])
        return min(sizes, default=None)

    def _child_temp(self, name: str, dropped: bool = False) -> bool:
        """Lent nowhere, and no unpack of it takes a reference on its
        region (which would share the child, and with it its holder)."""
        if not (dropped or fresh_temp(name, self.uses)):
            return False
        for n in self.where.unpacks_of.get((self.f.name, name), ()):
            if True:
                uid = self.checked.binders.get(id(n))
                if uid is None or retains(n.body, uid, n.region, self.checked, self.funs, self.retaining):
                    return False
        return True

    def _reachable(self, slot, value, holder: str) -> bool:
        """The holder's region is in scope where each temporary of `value`
        is defined, or the temporary can move into its block (a `Sink`)."""
        binder = self.binder_of.get(holder)
        if binder is None:
            return True  # a parameter (or P): in scope everywhere
        moves = []
        for t in self._temps(value):
            let = self.uses.defs[t]
            if not self.where.inside(let, binder):
                moves.append(t)
        if not moves:
            return True
        sink = self._sink(slot, moves, binder)
        if sink is None:
            return False
        self.out.sinks.append(sink)
        return True

    def _sink(self, slot, moves: list[str], binder):
        """The lets of `moves` are statements of a block just before the
        statement that holds `binder`, reached from that statement's start
        with nothing evaluated on the way that could have an effect."""
        # The block holding the first temporary's `let`, and its statement
        # (or result) holding the binder.
        let = self.uses.defs[moves[0]]
        block = self.parents.get(id(let), (None, None))[0]
        if not isinstance(block, ir.Block):
            return None
        node, path = binder, [binder]
        while True:
            parent, _ = self.parents.get(id(node), (None, None))
            if parent is None:
                return None
            if parent is block:
                break
            node = parent
            path.append(node)
        if block.result is node:
            index = len(block.stmts)
        else:
            index = self._statement_index(block, node)
        if not _effect_free_path(list(reversed(path))):
            return None
        # The run of lets just before it, each used only inside the binder;
        # drops among them go after the statement (only past a holder of a
        # size fixed at compile time: the dropped object then coexists
        # with nothing bigger than that one new object).
        fixed = _fixed_size_site(binder, self.checked)
        statement = block.stmts[index] if index < len(block.stmts) else block.result
        taken: list[str] = []
        drops: list[str] = []
        needed = set(moves)
        i = index - 1
        while needed and i >= 0:
            s = block.stmts[i]
            if isinstance(s, ir.Let) and not s.mutable:
                taken.append(s.name)
                needed.discard(s.name)
            elif (fixed and isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)
                  and (not _mentions(statement, s.value.name) or _assigns(statement, s.value.name))):
                drops.append(s.value.name)
            else:
                return None
            i -= 1
        if needed:
            return None
        moved = [st for st in block.stmts[i + 1:index] if isinstance(st, ir.Let)]
        # A variable the statement moves away before reaching the binder
        # (`insert(m, k, [C(len(k))])` moves k first) cannot be read by a
        # let that now runs after it, and `v = region q { ... }` cannot
        # take v's old value inside: not in these lets, nor in one another
        # sink moves into them (sinks move runs of lets just before a
        # statement, so all are in the run of lets before this one).
        start = self._let_run_start(block, index)
        gone = self._consumed_on_path(list(reversed(path)))
        if gone and any(self._mentioned_in_run(v, block, start, index) for v in gone):
            return None
        if isinstance(statement, ir.Assign) and self._consumed_in_run(statement.name, block, start, index):
            return None
        for name in taken:
            if not self._only_inside(name, binder, moved):
                return None
        for d in drops:
            if any(_mentions(st.value, d) for st in moved) and not fixed:
                return None
        # One binder per statement takes the moves (two would fight over
        # the same run of lets).
        taken_by = self.out.binder_at.setdefault((id(block), index), id(binder))
        if taken_by != id(binder):
            return None
        return Sink(slot, self.f.name, id(block), index, id(binder), tuple(reversed(taken)), tuple(reversed(drops)))

    # ------------------------------------------------------------- removals, reads

    def _removals(self, n) -> None:
        match n:
            case ir.IndexSet(target, _, _):
                self._refute_array(target, "an element is overwritten")
            case ir.Builtin("pop", _, (xs,)):
                self._refute_array(xs, "an element is popped")
            case ir.Builtin("array", _, _) | ir.Builtin("keys", _, _):
                t = self.checked.types.get(id(n))
                if isinstance(t, ir.RefType):
                    self.refute(("array", t.obj), f"'{n.name}' stores one value many times or copies")

    def _refute_array(self, xs, why: str) -> None:
        t = self.checked.types.get(id(xs))
        if isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType):
            self.refute(("array", t.obj), why)

    def _reads(self, n) -> None:
        """A read of a slot is fine as a borrow that becomes a reference:
        unpacked, or copied into a short-lived `let`. Lent to a `&Pack`
        parameter, or copied anywhere else, it refutes the slot."""
        slot = self._slot_read(n)
        if slot is None:
            return
        if not self._holder_holds(n, slot):
            self.refute(slot, "a read through a view that holds fewer capabilities than its packs")
            return
        parent, use = self.parents.get(id(n), (None, None))
        if use == PLACE:
            # Unpacked: a borrow, unless its block packs the region again
            # (a callee that retains its region parameter stores a
            # reference to the child, which would then keep the holder's
            # whole region alive: nqueens' `appendSafe[s](q, xs, out)`
            # puts `xs` in every new solution).
            uid = self.checked.binders.get(id(parent)) if isinstance(parent, ir.Unpack) else None
            if isinstance(parent, ir.Unpack) and (
                    uid is None or retains(parent.body, uid, parent.region, self.checked, self.funs, self.retaining)):
                self.refute(slot, "a value read from it is unpacked where its region is retained")
            return
        if isinstance(parent, ir.Copy):
            if not (self._copied_into_dominated(parent) or self._short_lived(parent, n)
                    or self._into_member(parent)):
                self.refute(slot, "a copy read out of it may outlive its holder")
            return
        if use == LENT or isinstance(parent, ir.Let):
            self.refute(slot, "a value read from it is lent or bound as a borrowed pack")

    def _holder_holds(self, read, slot) -> bool:
        """Whether the region of the object `read` reads from holds every
        capability the slot's packs carry: once the slot is same-region,
        the value read is used with the holder region's capabilities."""
        caps = self._slot_caps(slot)
        parent, _ = self.parents.get(id(read), (None, None))
        if isinstance(parent, ir.Copy):
            caps = copy_caps(parent, self._consumer(parent)[0], caps)
        match read:
            case ir.Var(name):
                scrutinee = self.bound_by[name][1]
                t = self.checked.types.get(id(scrutinee))
            case ir.FieldGet(target, _) | ir.Index(target, _):
                t = self.checked.types.get(id(target))
            case _:
                return False
        if not isinstance(t, ir.RefType):
            return False
        return ir.caps_le(caps, self._held(t.region))

    def _held(self, uid: str) -> str:
        """The capabilities a region holds where it is bound (a parameter:
        what it declares; an unpack: its pack's; a region block: all)."""
        params = dict(zip(self.checked.region_params(self.f), self.f.regions))
        if uid in params:
            return params[uid].caps
        binder = self.binder_of.get(_name(uid))
        if isinstance(binder, ir.Unpack):
            t = self.checked.types.get(id(binder.pack))
            pack = t.pack if isinstance(t, ir.BorrowType) else t
            return pack.caps if isinstance(pack, ir.PackType) else ""
        if isinstance(binder, ir.Region):
            return ir.ALL_CAPS
        return ""

    def _slot_caps(self, slot) -> str:
        if slot[0] == "field":
            return self.ctors[slot[1]].fields[slot[2]].type.caps
        return slot[1].elem.caps

    def _slot_read(self, n):
        match n:
            case ir.Var(name) if name in self.bound_by and self.bound_by[name][0] == "pattern":
                return self.bound_by[name][2]
            case ir.FieldGet(target, name):
                t = self.checked.types.get(id(target))
                if isinstance(t, ir.RefType) and isinstance(t.obj, ir.DataType):
                    for c in self.datas[t.obj.name].ctors:
                        for i, f in enumerate(c.fields):
                            if f.name == name and isinstance(f.type, ir.PackType):
                                return ("field", c.name, i)
            case ir.Index(target, _):
                t = self.checked.types.get(id(target))
                if isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType) and isinstance(t.obj.elem, ir.PackType):
                    return ("array", t.obj)
        return None

    def _into_member(self, copy) -> bool:
        """`cur = copy rest`, read out of a member's own object into a
        member (accumulators.py checked where it was read)."""
        owner, use = self._consumer(copy)
        return (isinstance(owner, (ir.Let, ir.Assign)) and use == CONSUMED
                and self._live_group(owner.name) is not None)

    def _copied_into_dominated(self, copy) -> bool:
        """A copy of a small record stored into a dominated slot: the
        rewrite makes a new object there instead (`fresh.copyable`)."""
        if copyable(self.checked.types.get(id(copy.value)), self.datas) is None:
            return False
        owner, use = self._consumer(copy)
        for slot, value, _ in self._stores(owner) if owner is not None else ():
            if slot in self.out.dominated and self.where.inside(copy, value):
                return True
        return False

    def _short_lived(self, copy, read) -> bool:
        """The copy stays in local variables — moved from one to another,
        unpacked (never retaining its region), dropped — and dies while
        the place it was read from is held: by a parameter (the whole
        call), or by a local variable that nothing consumes or overwrites
        in the block where the copy lives."""
        flow = self._local_flow(copy)
        if flow is None:
            return False
        root = self._root(read)
        if root is None:
            return False
        if root in self.params:
            return not isinstance(self._param(root).type, ir.PackType)  # borrowed, or a reference
        block = self._enclosing_block([copy, *flow])
        return block is not None and not _consumes_or_assigns(block, root, self.funs)

    def _consumer(self, node):
        """The node that consumes `node`'s value, and how: a block's value
        is its owner's (`do`, `unpack`, `region`, an `if` branch), so the
        walk goes up through them."""
        while True:
            parent, use = self.parents.get(id(node), (None, None))
            if use == VALUE or (use == BLOCK and isinstance(parent, (ir.Do, ir.Unpack, ir.Region, ir.Restrict))):
                node = parent
                continue
            return parent, use

    def _local_flow(self, copy):
        """The uses of every local variable the copy's value moves
        through, if it only moves between them, is unpacked (never
        retaining) and dropped; else None."""
        parent, use = self._consumer(copy)
        if isinstance(parent, ir.Unpack) and use == PLACE:
            # `unpack copy x.f as s, o { B }`: the copy lives while B runs.
            uid = self.checked.binders.get(id(parent))
            if uid is None or retains(parent.body, uid, parent.region, self.checked, self.funs, self.retaining):
                return None
            return []
        if not (isinstance(parent, (ir.Let, ir.Assign)) and use == CONSUMED):
            return None
        seen: set[str] = set()
        work = [parent.name]
        occurrences = []
        while work:
            v = work.pop()
            if v in seen:
                continue
            seen.add(v)
            if v in self.params or self.uses.declared[v] != 1 or self.uses.lent[v] or self.uses.copied[v]:
                return None
            for n in self._occurrences(v):
                occurrences.append(n)
                owner, how = self._consumer(n)
                if isinstance(owner, ir.Unpack) and how == PLACE:
                    uid = self.checked.binders.get(id(owner))
                    if uid is None or retains(owner.body, uid, owner.region, self.checked, self.funs, self.retaining):
                        return None
                elif isinstance(owner, ir.Drop):
                    pass
                elif isinstance(owner, (ir.Let, ir.Assign)) and how == CONSUMED and owner.name != v:
                    work.append(owner.name)
                elif isinstance(owner, ir.Assign) and owner.name == v:
                    pass  # the variable assigned (its old value was dropped before)
                else:
                    return None
        return occurrences

    def _consumed_on_path(self, path: list) -> set[str]:
        """Variables moved by the operands evaluated before each step down
        `path` (a statement to a binder)."""
        gone = set()
        for parent, child in zip(path, path[1:]):
            for c, use in operands(parent, self.funs.get):
                if c is child:
                    break
                if use == CONSUMED and isinstance(c, ir.Var):
                    gone.add(c.name)
        return gone

    def _let_run_start(self, block: ir.Block, index: int) -> int:
        """The first statement of the run of `let`s ending just before
        statement `index` of `block` (`index` itself when there is none);
        found once per block, so that asking it of every statement of a
        long block stays linear."""
        starts = self._run_starts.get(id(block))
        if starts is None:
            starts = [0]
            for i, st in enumerate(block.stmts):
                starts.append(starts[-1] if isinstance(st, ir.Let) else i + 1)
            self._run_starts[id(block)] = starts
        return starts[index]

    def _run_span(self, block: ir.Block, start: int, end: int):
        """The numbers (`positions`) spanned by statements `start`..`end - 1`
        of `block`, or None when they are not numbered."""
        first, last = block.stmts[start], block.stmts[end - 1]
        if id(first) not in self.where.pre or id(last) not in self.where.pre:
            return None
        return self.where.pre[id(first)], self.where.post[id(last)]

    def _mentioned_in_run(self, name: str, block: ir.Block, start: int, end: int) -> bool:
        """Whether a `let` among statements `start`..`end - 1` of `block`
        (all `let`s) reads variable `name` in its value."""
        if start >= end:
            return False
        span = self._run_span(block, start, end)
        if span is None:
            return any(_mentions(st.value, name) for st in block.stmts[start:end])
        pre = self.where.pre
        return any(span[0] <= pre.get(id(n), -1) <= span[1] for n in self._occurrences(name))

    def _consumed_in_run(self, name: str, block: ir.Block, start: int, end: int) -> bool:
        """Whether the value of a `let` among statements `start`..`end - 1`
        of `block` consumes or assigns variable `name`
        (`_consumes_or_assigns` of each value)."""
        if start >= end:
            return False
        span = self._run_span(block, start, end)
        if span is None:
            return any(_consumes_or_assigns(st.value, name, self.funs) for st in block.stmts[start:end])
        pre = self.where.pre
        for a in self.assigns_of.get(name, ()):
            if span[0] <= pre.get(id(a), -1) <= span[1]:
                return True
        for n in self._occurrences(name):
            if span[0] <= pre.get(id(n), -1) <= span[1]:
                parent, use = self.parents.get(id(n), (None, None))
                # the let's own value is not an operand inside its value
                if use in (CONSUMED, VALUE) and self.parents.get(id(parent), (None,))[0] is not block:
                    return True
        return False

    def _statement_index(self, block: ir.Block, stmt) -> int:
        found = self._indexes.get(id(block))
        if found is None:
            found = self._indexes[id(block)] = {id(st): i for i, st in enumerate(block.stmts)}
        return found[id(stmt)]

    def _occurrences(self, v: str) -> list:
        return self.where.var_uses.get((self.f.name, v), [])

    def _only_inside(self, name: str, binder, moved) -> bool:
        """Every use of variable `name` is inside `binder`'s body, or in one
        of the `moved` lets (which go there too)."""
        return all(self.where.inside(n, binder.body) or any(self.where.inside(n, let) for let in moved)
                   for n in self._occurrences(name))

    def _root(self, e, depth: int = 0) -> str | None:
        """The variable a place is read through: a parameter or a local
        holding the object (through unpacks, pattern matches and `let`
        aliases of references)."""
        if depth > 1000:
            return None
        match e:
            case ir.Var(name):
                if name in self.params:
                    return name
                how = self.bound_by.get(name)
                if how is None:
                    return None
                if how[0] == "let":
                    t = self.checked.types.get(id(how[1]))
                    if isinstance(t, ir.PackType):
                        place = self._copied_dominated(how[1])
                        if place is not None:
                            # a copy of a dominated slot's value: a reference
                            # into its holder once rewritten, so the holder's
                            # root holds the object
                            return self._root(place, depth + 1)
                        return name  # a local holding the pack
                return self._root(how[1], depth + 1)
            case ir.FieldGet(target, _) | ir.Index(target, _):
                return self._root(target, depth + 1)
            case ir.Do(body) if body.result is not None:
                return self._root(body.result, depth + 1)
        return None

    def _copied_dominated(self, e):
        """The place `e` copies (through `do` blocks), if it reads a slot
        still dominated."""
        while isinstance(e, ir.Do) and e.body.result is not None:
            e = e.body.result
        if isinstance(e, ir.Copy):
            slot = self._slot_read(e.value)
            if slot is not None and slot in self.out.dominated and slot not in self.out.refuted:
                return e.value
        return None

    def _enclosing_block(self, nodes) -> ir.Block | None:
        """The innermost block holding all of `nodes`."""
        chains = []
        for n in nodes:
            chain = []
            while id(n) in self.parents:
                n = self.parents[id(n)][0]
                chain.append(n)
            chains.append(chain)
        common = None
        for candidate in chains[0]:
            if isinstance(candidate, ir.Block) and all(any(c is candidate for c in chain) for chain in chains[1:]):
                common = candidate
                break
        return common

    def _param(self, name: str) -> ir.Param:
        return next(p for p in self.f.params if p.name == name)


def _consumes_or_assigns(node, name: str, funs) -> bool:
    for n in walk(node):
        if isinstance(n, ir.Assign) and n.name == name:
            return True
        for child, use in operands(n, funs.get):
            if isinstance(child, ir.Var) and child.name == name and use in (CONSUMED, VALUE):
                return True
    return False


def _name(uid: str) -> str:
    return uid.split("#", 1)[0]


def copy_caps(copy, consumer, caps: str) -> str:
    """The capabilities a copy must carry: those of the `let` it is bound
    to, when it declares fewer than the slot's packs (an element read
    through a read-only view is read-only in hilang, and the lowering says
    so in the `let`)."""
    if isinstance(consumer, ir.Let) and isinstance(consumer.type, ir.PackType) and ir.caps_le(consumer.type.caps, caps):
        return consumer.type.caps
    return caps


def _mentions(node, name: str) -> bool:
    return any(isinstance(n, ir.Var) and n.name == name for n in walk(node))


def _assigns(statement, name: str) -> bool:
    """`name = <the holder's site>`: the variable's old value is dropped
    just before (a new value computed from the old goes through a `let`)."""
    return isinstance(statement, ir.Assign) and statement.name == name and not _mentions(statement.value, name)


def _fixed_size_site(binder, checked) -> bool:
    """A site `region q { pack{c} new[q] C(...) }` (a data object)."""
    found = site(binder, checked) if isinstance(binder, ir.Region) else None
    return found is not None and isinstance(found[2], (ir.NewData, ir.NewString))


def _effect_free_path(path: list) -> bool:
    """Going down `path` (a statement to a binder), everything evaluated
    before the next step is a variable, a literal or a place."""
    for parent, child in zip(path, path[1:]):
        before = []
        for c in children(parent):
            if c is child:
                break
            before.append(c)
        if isinstance(parent, ir.Block):
            # Statements run first: only aliases (`let o = xs`) are harmless.
            if not all(isinstance(b, ir.Let) and _trivial(b.value) for b in before):
                return False
            continue
        if isinstance(parent, (ir.IfExpr, ir.If, ir.While, ir.Match)):
            return False
        if not all(_trivial(b) for b in before):
            return False
    return True


def _trivial(e) -> bool:
    match e:
        case ir.Var() | ir.IntLit() | ir.FloatLit() | ir.BoolLit() | ir.UnitLit():
            return True
        case ir.FieldGet(target, _):
            return _trivial(target)
    return False
