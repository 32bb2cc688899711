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
from lolang.traverse import CONSUMED, LENT, PLACE, STMT, VALUE, children, operands, walk
from lowering.analysis.retained import retains, retained_params
from lowering.analysis.var_uses import VarUses, var_uses
from lowering.analysis.fresh import fresh_temp, is_fresh, site


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


@dataclass
class Slots:
    dominated: set = field(default_factory=set)
    refuted: dict = field(default_factory=dict)   # slot -> why (for remarks)
    sinks: list = field(default_factory=list)


def slot_name(slot) -> str:
    if slot[0] == "field":
        return f"field {slot[2] + 1} of '{slot[1]}'"
    return f"elements of '{ir.type_str(slot[1])}'"


def candidates(program: ir.Program) -> set:
    found = set()
    for d in program.datas:
        for c in d.ctors:
            for i, f in enumerate(c.fields):
                if isinstance(f.type, ir.PackType):
                    found.add(("field", c.name, i))
    for n in walk(program):
        for t in _types_in(n):
            for a in _arrays(t):
                found.add(("array", a))
    return found


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


def _arrays(t) -> list:
    """Every `Array (Pack{c} T)` inside a type."""
    match t:
        case ir.ArrayType(elem):
            return ([t] if isinstance(elem, ir.PackType) else []) + _arrays(elem)
        case ir.MapType(k, v):
            return _arrays(k) + _arrays(v)
        case ir.PackType(_, obj) | ir.RefType(obj, _):
            return _arrays(obj)
        case ir.BorrowType(pack):
            return _arrays(pack)
    return []


def analyze(program: ir.Program, checked) -> Slots:
    funs = {f.name: f for f in program.funs}
    result = Slots(dominated=candidates(program))
    _refute_covariant_arrays(result, program)
    retaining = retained_params(program, checked)
    for f in program.funs:
        _Function(f, program, funs, checked, retaining, result).run()
    result.dominated -= set(result.refuted)
    return result


def _refute_covariant_arrays(out: Slots, program: ir.Program) -> None:
    """Two array types whose values can meet covariantly (an `Array (Pack{rwa}
    X)` read as an `Array (Pack{r} X)`, docs/lolang.md §3) are different
    types holding the same objects: deciding one alone would change the
    elements of the other's values. Both keep their packs. Only the object
    of a pack without `w` and `a` can be met so, so those few are compared
    with the rest (comparing every pair would be quadratic in the number of
    array types, which a deeply nested literal makes large)."""
    from lolang.checker.types import object_fits

    arrays = [s for s in out.dominated if s[0] == "array"]
    wanted = {("array", obj) for obj in _read_only_pack_objects(program)} & set(arrays)
    for want in wanted:
        for given in arrays:
            if given != want and object_fits(want[1], given[1]):
                for slot, other in ((want, given), (given, want)):
                    # "where: why", as the functions' refutations are worded
                    out.refuted.setdefault(slot, f"program: its values meet those of '{ir.type_str(other[1])}' covariantly")


def _read_only_pack_objects(program: ir.Program) -> list:
    """The array objects of the packs without `w` and `a` in the program's
    written types (where a covariant value can be expected)."""
    found = []
    for n in walk(program):
        stack = list(_types_in(n))
        while stack:
            t = stack.pop()
            match t:
                case ir.PackType(caps, obj):
                    if "w" not in caps and "a" not in caps and isinstance(obj, ir.ArrayType) \
                            and isinstance(obj.elem, ir.PackType):
                        found.append(obj)
                    stack.append(obj)
                case ir.ArrayType(elem):
                    stack.append(elem)
                case ir.MapType(k, v):
                    stack.extend((k, v))
                case ir.RefType(obj, _):
                    stack.append(obj)
                case ir.BorrowType(pack):
                    stack.append(pack)
    return found


class _Function:
    """The evidence one function gives about every slot."""

    def __init__(self, f: ir.FunDecl, program: ir.Program, funs, checked, retaining, out: Slots):
        self.f, self.funs, self.checked, self.retaining, self.out = f, funs, checked, retaining, out
        self.datas = {d.name: d for d in program.datas}
        self.ctors = {c.name: c for d in program.datas for c in d.ctors}
        self.uses: VarUses = var_uses(f, funs.get)
        self.names = Counter(n.name for n in walk(f.body) if isinstance(n, ir.Region)) + Counter(
            n.region for n in walk(f.body) if isinstance(n, ir.Unpack))
        self.binder_of: dict[str, object] = {}    # region name -> its Region/Unpack node
        self.bound_by: dict[str, object] = {}     # variable -> ('unpack', pack) / ('pattern', scrutinee, slot) / ('let', value)
        self.parents: dict[int, tuple] = {}       # id(node) -> (parent, use)
        self.params = {p.name for p in f.params}

    def refute(self, slot, why: str) -> None:
        if slot in self.out.dominated and slot not in self.out.refuted:
            self.out.refuted[slot] = f"{self.f.name}: {why}"

    def run(self) -> None:
        unique = all(n == 1 for n in self.names.values())
        self._index(self.f.body)
        for n in walk(self.f.body):
            for slot, value, holder in self._stores(n):
                if self._covariant_store(slot, value):
                    self.refute(slot, "a value stored into it has more capabilities than the slot (covariance)")
                elif not unique:
                    self.refute(slot, "region names are not unique in the function")
                elif not self._fresh_store(slot, value, holder):
                    self.refute(slot, "a value stored into it is not fresh")
            self._removals(n)
            self._reads(n)

    # ------------------------------------------------------------- indexes

    def _index(self, body) -> None:
        stack = [body]
        while stack:
            n = stack.pop()
            for child, use in operands(n, self.funs.get):
                self.parents[id(child)] = (n, use)
                stack.append(child)
            match n:
                case ir.Region(name, _):
                    self.binder_of[name] = n
                case ir.Unpack(pack, region, var, _):
                    self.binder_of[region] = n
                    self.bound_by[var] = ("unpack", pack)
                case ir.Match(scrutinee, arms):
                    t = self.checked.types.get(id(scrutinee))
                    for arm in arms:
                        self._pattern_vars(arm.pattern, scrutinee, t)
                case ir.Let(name, _, value, False):
                    self.bound_by.setdefault(name, ("let", value))

    def _pattern_vars(self, p, scrutinee, t) -> None:
        if isinstance(p, ir.PCtor):
            for i, sub in enumerate(p.args):
                if isinstance(sub, ir.PVar):
                    self.bound_by[sub.name] = ("pattern", scrutinee, ("field", p.ctor, i))
                # Sub-patterns under same-region fields match the same object's region.
                self._pattern_vars(sub, scrutinee, t)

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

    def _fresh_store(self, slot, value, holder: str) -> bool:
        if not is_fresh(value, set(), self.uses, self.checked):
            return False
        for t in self._temps(value):
            if not self._child_temp(t):
                return False
        return self._reachable(slot, value, holder)

    def _temps(self, e) -> list[str]:
        """The temporaries a fresh value flows through."""
        if site(e, self.checked) is not None:
            return []
        match e:
            case ir.Var(name):
                return [name, *self._temps(self.uses.defs[name].value)]
            case ir.IfExpr(_, a, b):
                return self._temps(a) + self._temps(b)
            case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body):
                return self._temps(body.result) if body.result is not None else []
        return []

    def _child_temp(self, name: str) -> bool:
        """Lent nowhere, and no unpack of it takes a reference on its
        region (which would share the child, and with it its holder)."""
        if not fresh_temp(name, self.uses):
            return False
        for n in walk(self.f.body):
            if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var) and n.pack.name == name:
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
            if not _inside(let, binder, self.parents):
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
        # The statement (or block result) holding the binder, and its block.
        node, path = binder, [binder]
        while True:
            parent, _ = self.parents.get(id(node), (None, None))
            if parent is None:
                return None
            if isinstance(parent, ir.Block):
                break
            node = parent
            path.append(node)
        block = parent
        if block.result is node:
            index = len(block.stmts)
        else:
            index = next(i for i, s in enumerate(block.stmts) if s is node)
        if not _effect_free_path(list(reversed(path))):
            return None
        # The run of lets just before it, each used only inside the binder.
        run: list[str] = []
        i = index - 1
        while i >= 0 and isinstance(block.stmts[i], ir.Let) and not block.stmts[i].mutable:
            run.append(block.stmts[i].name)
            i -= 1
        needed = set(moves)
        taken: list[str] = []
        for name in run:
            taken.append(name)
            needed.discard(name)
            if not needed:
                break
        if needed:
            return None
        for name in taken:
            if not _only_inside(name, binder, self.f.body):
                return None
        # One binder per statement takes the moves (two would fight over
        # the same run of lets).
        for other in self.out.sinks:
            if other.block == id(block) and other.index == index and other.binder != id(binder):
                return None
        return Sink(slot, self.f.name, id(block), index, id(binder), tuple(reversed(taken)))

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
        parent, use = self.parents.get(id(n), (None, None))
        if use == PLACE:
            return
        if isinstance(parent, ir.Copy):
            if not self._short_lived(parent, n):
                self.refute(slot, "a copy read out of it may outlive its holder")
            return
        if use == LENT or isinstance(parent, ir.Let):
            self.refute(slot, "a value read from it is lent or bound as a borrowed pack")

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

    def _short_lived(self, copy, read) -> bool:
        """`let p = ... copy X ...` with p only unpacked (never retaining)
        and dropped, and X's holder held by a parameter for the whole call."""
        node = copy
        while True:
            parent, use = self.parents.get(id(node), (None, None))
            if use == VALUE and isinstance(parent, ir.Block):
                node = self.parents.get(id(parent), (None, None))[0]  # the block's owner
                continue
            break
        if not (isinstance(parent, ir.Let) and not parent.mutable):
            return False
        p = parent.name
        if self.uses.declared[p] != 1 or self.uses.lent[p] or self.uses.copied[p] or self.uses.read[p]:
            return False
        for n in walk(self.f.body):
            if isinstance(n, ir.Var) and n.name == p:
                _, use = self.parents.get(id(n), (None, None))
                owner = self.parents.get(id(n), (None, None))[0]
                if use == CONSUMED and not isinstance(owner, ir.Drop):
                    return False
            if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var) and n.pack.name == p:
                uid = self.checked.binders.get(id(n))
                if uid is None or retains(n.body, uid, n.region, self.checked, self.funs, self.retaining):
                    return False
        return self._root_is_param(read)

    def _root_is_param(self, e, depth: int = 0) -> bool:
        if depth > 1000:
            return False
        match e:
            case ir.Var(name):
                if name in self.params:
                    return not isinstance(self._param(name).type, ir.PackType)  # borrowed or a reference
                how = self.bound_by.get(name)
                if how is None:
                    return False
                if how[0] in ("unpack", "let"):
                    return self._root_is_param(how[1], depth + 1)
                return self._root_is_param(how[1], depth + 1)
            case ir.FieldGet(target, _) | ir.Index(target, _):
                return self._root_is_param(target, depth + 1)
        return False

    def _param(self, name: str) -> ir.Param:
        return next(p for p in self.f.params if p.name == name)


def _name(uid: str) -> str:
    return uid.split("#", 1)[0]


def _inside(node, binder, parents) -> bool:
    """Whether `node` is below `binder`."""
    while id(node) in parents:
        node = parents[id(node)][0]
        if node is binder:
            return True
    return False


def _only_inside(name: str, binder, body) -> bool:
    """Every use of variable `name` is inside `binder`'s body."""
    inside = {id(n) for n in walk(binder.body)}
    return all(id(n) in inside for n in walk(body) if isinstance(n, ir.Var) and n.name == name)


def _effect_free_path(path: list) -> bool:
    """Going down `path` (a statement to a binder), everything evaluated
    before the next step is a variable, a literal or a place."""
    for parent, child in zip(path, path[1:]):
        before = []
        for c in children(parent):
            if c is child:
                break
            before.append(c)
        if isinstance(parent, (ir.Block, ir.IfExpr, ir.If, ir.While, ir.Match)):
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
