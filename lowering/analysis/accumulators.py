"""Accumulators: local variables that carry one growing structure, like the
list a loop builds with `l = Cons(x, l)` and the cursor that walks it
afterwards (`cur = l; ... cur = rest`).

A *group* is a set of pack variables of one function, declared by `let`
or `var` as statements of one block, whose values only move between them
and into the structure they build:

* every value given to a member is a site (a `region q { pack{c} new[q]
  C(...) }`, directly or through a linear temporary), a static object,
  another member's value, or a `copy` of a pack field read out of a
  member's own object (`cur = copy rest`, with `rest` matched from an
  unpack of `cur`);
* every use of a member is an unpack of it (or of a `copy` of it) that
  takes no reference on its region, a `drop`, a move into a member, a
  move into a field of one of the group's sites (`Cons(x, l)`), a `copy`
  lent to a callee's parameter that is itself a group's (it dies in the
  call), or a `return` when no member is ever dropped (what leaves is
  then everything the group made);
* no site of the group is made after a member was dropped: every
  statement of the block holding a site comes before every statement
  holding a drop.

The `dominated` pass then makes one region for the group, opened where its
first member is declared and closed where the block ends: every site
makes its object there, the fields the sites store members into (and the
reads copied back into members) become same-region fields, the members
hold references. Nothing the naive program would free is kept longer
than its peak: until the first drop nothing of the group has died (every
value is either a member's or inside the next one), and after it nothing
is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lolang import ir
from lowering.analysis.fresh import fresh_temp, site, static_pack
from lowering.analysis.retained import retains
from lowering.analysis.var_uses import VarUses, operand_table


@dataclass
class Group:
    members: frozenset[str]
    block: int                     # id of the Block declaring them
    start: int                     # index of the first member's declaration there
    sites: set = field(default_factory=set)      # ids of the group's site Regions
    site_nodes: list = field(default_factory=list)
    temps: set = field(default_factory=set)      # linear temporaries carrying a site to a member
    slots: set = field(default_factory=set)      # ("field", ctor, i) the group stores into / reads back
    param: str | None = None       # an owned pack parameter moved into a member: the group
                                   # lives in its region (no site then)


def find_all(program: ir.Program, checked, funs, retaining) -> dict[str, list[Group]]:
    """The groups of every function. A member may be lent, as a `copy`,
    to an owned parameter that is itself moved into a group of the callee
    (it dies in the call), so those are found first."""
    from lowering.analysis.var_uses import uses_in

    uses = {f.name: uses_in(checked, f, funs) for f in program.funs}
    indexes: dict = {}  # each function's `_Index`, for both rounds
    first = {f.name: find(f, checked, uses[f.name], funs, retaining, indexes=indexes) for f in program.funs}
    passed = set()
    for f in program.funs:
        for g in first[f.name]:
            if g.param is not None:
                passed.add((f.name, [p.name for p in f.params].index(g.param)))
    if not passed:
        return first
    return {f.name: find(f, checked, uses[f.name], funs, retaining, frozenset(passed), indexes) for f in program.funs}


def find(f: ir.FunDecl, checked, uses: VarUses, funs, retaining, passed=frozenset(),
         indexes: dict | None = None) -> list[Group]:
    """The groups of `f` (each valid, before its slots are decided);
    `passed`: (function, parameter index) a member may be lent to;
    `indexes`: function name -> its `_Index`, kept between calls.
    Linear in the function: one walk gathers what every group is judged by."""
    # A group has a member assigned somewhere (a `var`): only those start one.
    if not uses.mutable:
        return []
    ix = indexes.get(f.name) if indexes is not None else None
    if ix is None or ix.f is not f:
        ix = _Index(f, checked, funs)
        if indexes is not None:
            indexes[f.name] = ix
    candidates = {name for name, (_, _, let) in ix.lets.items()
                  if uses.declared[name] == 1 and not uses.lent[name]
                  and isinstance(_pack_type(let, checked), ir.PackType)
                  and not (fresh_temp(name, uses) and _site_region(let.value, checked) is not None)}
    params = {p.name: p for p in f.params
              if isinstance(p.type, ir.PackType) and uses.declared[p.name] == 1 and not uses.lent[p.name]}
    candidates |= set(params)
    # Members are joined by moves: `var cur = l`, `cur = l`.
    parent_of = {c: c for c in candidates}

    def root(c):
        while parent_of[c] != c:
            parent_of[c] = parent_of[parent_of[c]]
            c = parent_of[c]
        return c

    assigned: dict[str, list] = {c: [ix.lets[c][2].value] if c in ix.lets else [] for c in candidates}
    for a in ix.assigns:
        if a.name in candidates:
            assigned[a.name].append(a.value)
    for c in candidates:
        for v in assigned[c]:
            if isinstance(v, ir.Var) and v.name in candidates:
                parent_of[root(c)] = root(v.name)
    groups: dict[str, set] = {}
    for c in candidates:
        groups.setdefault(root(c), set()).add(c)
    found = []
    for members in groups.values():
        if not any(m in uses.mutable for m in members):
            continue
        g = _check(frozenset(members), f, checked, uses, funs, retaining, ix, assigned, passed)
        if g is not None:
            found.append(g)
    return found


class _Index:
    """One walk of a function: parents, `let`s, assignments, unpacks and
    copies by variable, and pattern variables by the variable matched."""

    def __init__(self, f: ir.FunDecl, checked, funs):
        self.f = f
        self.parents: dict[int, tuple] = {}
        self.lets: dict[str, tuple] = {}       # name -> (block, index, let)
        self.assigns: list = []
        self.unpacks: dict[str, list] = {}     # var -> unpacks of it or of a copy of it
        self.copies: dict[str, list] = {}      # var -> `copy var` nodes
        self.fields: dict[str, tuple] = {}     # pattern var -> (matched var, ctor, index)
        self.index: dict[int, int] = {}        # id(statement) -> its index in its block
        table = operand_table(checked, f, funs)
        parents, index, lets = self.parents, self.index, self.lets
        Block, Assign, Unpack, Copy, Var, Match, Let = ir.Block, ir.Assign, ir.Unpack, ir.Copy, ir.Var, ir.Match, ir.Let
        # Dispatched on the node's exact type (the IR's classes have no
        # subclasses): a `match` statement's class patterns, tried in turn
        # on every node, were a fifth of the `dominated` pass.
        stack = [f.body]
        while stack:
            n = stack.pop()
            kind = type(n)
            if kind is Block:
                for i, st in enumerate(n.stmts):
                    index[id(st)] = i
                    if type(st) is Let:
                        lets[st.name] = (n, i, st)
            elif kind is Assign:
                self.assigns.append(n)
            elif kind is Unpack:
                pack = n.pack
                inner = pack.value if type(pack) is Copy else pack
                if type(inner) is Var:
                    self.unpacks.setdefault(inner.name, []).append(n)
            elif kind is Copy:
                if type(n.value) is Var:
                    self.copies.setdefault(n.value.name, []).append(n)
            elif kind is Match and type(n.scrutinee) is Var:
                scrutinee = n.scrutinee.name
                for arm in n.arms:
                    p = arm.pattern
                    if isinstance(p, ir.PCtor):
                        for i, sub in enumerate(p.args):
                            if isinstance(sub, ir.PVar):
                                self.fields[sub.name] = (scrutinee, p.ctor, i)
            for child, use in table[id(n)]:
                parents[id(child)] = (n, use)
                stack.append(child)

    def statement_of(self, node, block) -> int | None:
        """The index of the statement of `block` holding `node`
        (len(stmts): its value), if it is inside."""
        while True:
            parent, _ = self.parents.get(id(node), (None, None))
            if parent is None:
                return None
            if parent is block:
                return self.index.get(id(node), len(block.stmts))
            node = parent


def _pack_type(let: ir.Let, checked):
    return let.type if let.type is not None else checked.types.get(id(let.value))


def _check(members, f, checked, uses, funs, retaining, ix: _Index, assigned, passed) -> Group | None:
    params = {p.name: p for p in f.params}
    lets = ix.lets
    declared = [m for m in members if m not in params]
    moved_params = [m for m in members if m in params]
    if not declared or len(moved_params) > 1:
        return None
    blocks = {id(lets[m][0]) for m in declared}
    if len(blocks) != 1:
        return None
    block = lets[declared[0]][0]
    types = {_pack_type(lets[m][2], checked).obj for m in declared} | {params[m].type.obj for m in moved_params}
    if len(types) != 1:
        return None
    g = Group(members, id(block), min(lets[m][1] for m in declared))
    if moved_params:
        # The parameter's region holds the group: declared in the body,
        # the parameter moved into the first member and used nowhere else.
        g.param = moved_params[0]
        first = block.stmts[g.start] if block is f.body else None
        if not (isinstance(first, ir.Let) and isinstance(first.value, ir.Var) and first.value.name == g.param):
            return None
        if uses.consumed[g.param] != 1 or uses.unpacked[g.param] or uses.copied[g.param] or uses.read[g.param]:
            return None
    unpacked_objects: set[str] = set()     # variables bound by unpacking a member
    for m in members:
        for n in ix.unpacks.get(m, ()):
            uid = checked.binders.get(id(n))
            if uid is None or retains(n.body, uid, n.region, checked, funs, retaining):
                return None
            unpacked_objects.add(n.var)
    # What members are given.
    for m in members:
        for v in assigned[m]:
            if not _member_value(v, g, members, uses, checked, unpacked_objects, ix):
                return None
    # How members are used.
    drops: list = []
    returns: list = []
    for m in members:
        for node in uses.consumers.get(m, []):
            if isinstance(node, ir.Drop):
                drops.append(node)
            elif isinstance(node, (ir.Let, ir.Assign)) and node.name in members:
                pass
            elif isinstance(node, ir.Return):
                returns.append(node)  # packed on the group's region as it leaves
            elif isinstance(node, ir.NewData) and _is_site_object(node, g, checked, ix.parents):
                decl = _field_of(node, m)
                if decl is None:
                    return None
                g.slots.add(decl)
            else:
                return None
        if uses.read[m]:
            return None
        for c in ix.copies.get(m, ()) if uses.copied[m] else ():
            parent, use = ix.parents.get(id(c), (None, None))
            if isinstance(parent, ir.Unpack) and parent.pack is c:
                continue
            if (g.param is None and isinstance(parent, ir.Call)
                    and any(a is c and (parent.func, i) in passed for i, a in enumerate(parent.args))):
                continue  # lent to a callee's group for the call
            return None
    if returns and drops:
        return None  # what is returned must be all the group made
    if not g.slots or (g.param is not None and g.sites):
        return None
    # No site after a drop: statements of the block, in order.
    site_at = [ix.statement_of(n, block) for n in g.site_nodes]
    drop_at = [ix.statement_of(d, block) for d in drops]
    if None in site_at or None in drop_at:
        return None
    if drop_at and site_at and max(site_at) >= min(drop_at):
        return None
    return g


def _member_place(pack, members) -> bool:
    if isinstance(pack, ir.Copy):
        pack = pack.value
    return isinstance(pack, ir.Var) and pack.name in members


def _member_value(v, g: Group, members, uses, checked, unpacked_objects, ix) -> bool:
    if static_pack(v):
        return True
    if isinstance(v, ir.Var):
        if v.name in members:
            return True
        if fresh_temp(v.name, uses) and v.name in ix.lets:
            region = _site_region(ix.lets[v.name][2].value, checked)
            if region is not None:
                g.temps.add(v.name)
                _add_site(g, region)
                return True
        return False
    region = _site_region(v, checked)
    if region is not None:
        _add_site(g, region)
        return True
    if isinstance(v, ir.Copy):
        return _read_of_member(v.value, unpacked_objects, g, uses, ix)
    return False


def _add_site(g: Group, region) -> None:
    g.sites.add(id(region))
    g.site_nodes.append(region)


def _site_region(e, checked):
    """The Region of a site making a data object, if `e` is one."""
    found = site(e, checked)
    if found is not None and isinstance(found[2], ir.NewData):
        return e
    return None


def _read_of_member(read, unpacked_objects, g: Group, uses, ix) -> bool:
    """`rest` matched (directly) out of a member's object: a pack field of
    the member's own object. (Named-field reads, `o.next`, are not
    followed yet.)"""
    if isinstance(read, ir.Var) and uses.declared[read.name] == 1 and read.name in ix.fields:
        scrutinee, ctor, i = ix.fields[read.name]
        if scrutinee in unpacked_objects:
            g.slots.add(("field", ctor, i))
            return True
    return False


def _is_site_object(node: ir.NewData, g: Group, checked, parents) -> bool:
    """`node` is the object a site of the group makes."""
    up = node
    while True:
        parent, _ = parents.get(id(up), (None, None))
        if parent is None:
            return False
        if isinstance(parent, ir.Region):
            return id(parent) in g.sites and site(parent, checked)[2] is node
        up = parent


def _field_of(node: ir.NewData, m: str):
    for i, a in enumerate(node.args):
        if isinstance(a, ir.Var) and a.name == m:
            return ("field", node.ctor, i)
    return None
