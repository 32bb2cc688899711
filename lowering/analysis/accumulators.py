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
from lolang.traverse import CONSUMED, PLACE, VALUE, operands, walk
from lowering.analysis.fresh import fresh_temp, site, static_pack
from lowering.analysis.retained import retains
from lowering.analysis.var_uses import VarUses


@dataclass
class Group:
    members: frozenset[str]
    block: int                     # id of the Block declaring them
    start: int                     # index of the first member's declaration there
    sites: set = field(default_factory=set)      # ids of the group's site Regions
    temps: set = field(default_factory=set)      # linear temporaries carrying a site to a member
    slots: set = field(default_factory=set)      # ("field", ctor, i) the group stores into / reads back
    param: str | None = None       # an owned pack parameter moved into a member: the group
                                   # lives in its region (no site then)


def find_all(program: ir.Program, checked, funs, retaining) -> dict[str, list[Group]]:
    """The groups of every function. A member may be lent, as a `copy`,
    to an owned parameter that is itself moved into a group of the callee
    (it dies in the call), so those are found first."""
    from lowering.analysis.var_uses import var_uses

    uses = {f.name: var_uses(f, funs.get) for f in program.funs}
    first = {f.name: find(f, checked, uses[f.name], funs, retaining) for f in program.funs}
    passed = set()
    for f in program.funs:
        for g in first[f.name]:
            if g.param is not None:
                passed.add((f.name, [p.name for p in f.params].index(g.param)))
    if not passed:
        return first
    return {f.name: find(f, checked, uses[f.name], funs, retaining, frozenset(passed)) for f in program.funs}


def find(f: ir.FunDecl, checked, uses: VarUses, funs, retaining, passed=frozenset()) -> list[Group]:
    """The groups of `f` (each valid, before its slots are decided);
    `passed`: (function, parameter index) a member may be lent to."""
    parents: dict[int, tuple] = {}
    lets: dict[str, tuple] = {}     # name -> (block, index, let)
    stack = [f.body]
    while stack:
        n = stack.pop()
        if isinstance(n, ir.Block):
            for i, s in enumerate(n.stmts):
                if isinstance(s, ir.Let):
                    lets[s.name] = (n, i, s)
        for child, use in operands(n, funs.get):
            parents[id(child)] = (n, use)
            stack.append(child)
    candidates = {name for name, (_, _, let) in lets.items()
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

    assigned: dict[str, list] = {c: [lets[c][2].value] if c in lets else [] for c in candidates}
    for n in walk(f.body):
        if isinstance(n, ir.Assign) and n.name in candidates:
            assigned[n.name].append(n.value)
    for c in candidates:
        for v in assigned[c]:
            if isinstance(v, ir.Var) and v.name in candidates:
                parent_of[root(c)] = root(v.name)
    groups: dict[str, set] = {}
    for c in candidates:
        groups.setdefault(root(c), set()).add(c)
    found = []
    for members in groups.values():
        g = _check(frozenset(members), f, checked, uses, funs, retaining, parents, lets, assigned, passed)
        if g is not None:
            found.append(g)
    return found


def _pack_type(let: ir.Let, checked):
    return let.type if let.type is not None else checked.types.get(id(let.value))


def _check(members, f, checked, uses, funs, retaining, parents, lets, assigned, passed) -> Group | None:
    params = {p.name: p for p in f.params}
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
    for n in walk(f.body):
        if isinstance(n, ir.Unpack) and _member_place(n.pack, members):
            uid = checked.binders.get(id(n))
            if uid is None or retains(n.body, uid, n.region, checked, funs, retaining):
                return None
            unpacked_objects.add(n.var)
    # What members are given.
    for m in members:
        for v in assigned[m]:
            if not _member_value(v, g, members, uses, checked, unpacked_objects, lets, f):
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
            elif isinstance(node, ir.NewData) and _is_site_object(node, g, checked, parents):
                decl = _field_of(node, m, f, funs)
                if decl is None:
                    return None
                g.slots.add(decl)
            else:
                return None
        if uses.read[m]:
            return None
        if uses.copied[m]:
            # only `unpack copy m as ...`
            copies = [n for n in walk(f.body) if isinstance(n, ir.Copy) and isinstance(n.value, ir.Var)
                      and n.value.name == m]
            for c in copies:
                parent, use = parents.get(id(c), (None, None))
                if isinstance(parent, ir.Unpack) and parent.pack is c:
                    continue
                if (g.param is None and isinstance(parent, ir.Call)
                        and any(a is c and (parent.func, i) in passed for i, a in enumerate(parent.args))):
                    continue  # lent to a callee's group for the call
                return None
    # No site after a drop: statements of the block, in order.
    site_at = [i for i, s in enumerate(block.stmts) if any(id(n) in g.sites for n in walk(s))]
    drop_at = [i for i, s in enumerate(block.stmts) if any(d is n for d in drops for n in walk(s))]
    if block.result is not None and any(id(n) in g.sites for n in walk(block.result)):
        site_at.append(len(block.stmts))
    if drop_at and site_at and max(site_at) >= min(drop_at):
        return None
    if returns and drops:
        return None  # what is returned must be all the group made
    if not g.slots or (g.param is not None and g.sites):
        return None
    return g


def _member_place(pack, members) -> bool:
    if isinstance(pack, ir.Copy):
        pack = pack.value
    return isinstance(pack, ir.Var) and pack.name in members


def _member_value(v, g: Group, members, uses, checked, unpacked_objects, lets, f) -> bool:
    if static_pack(v):
        return True
    if isinstance(v, ir.Var):
        if v.name in members:
            return True
        if fresh_temp(v.name, uses) and v.name in lets:
            value = lets[v.name][2].value
            if _site_region(value, checked) is not None:
                g.temps.add(v.name)
                g.sites.add(id(_site_region(value, checked)))
                return True
        return False
    region = _site_region(v, checked)
    if region is not None:
        g.sites.add(id(region))
        return True
    if isinstance(v, ir.Copy):
        return _read_of_member(v.value, checked, unpacked_objects, g, f, uses)
    return False


def _site_region(e, checked):
    """The Region of a site making a data object, if `e` is one."""
    found = site(e, checked)
    if found is not None and isinstance(found[2], ir.NewData):
        return e
    return None


def _read_of_member(read, checked, unpacked_objects, g: Group, f, uses) -> bool:
    """`rest` matched (directly) out of a member's object: a pack field of
    the member's own object. (Named-field reads, `o.next`, are not
    followed yet.)"""
    match read:
        case ir.Var(name) if uses.declared[name] == 1:
            for n in walk(f.body):
                if isinstance(n, ir.Match) and isinstance(n.scrutinee, ir.Var) and n.scrutinee.name in unpacked_objects:
                    for arm in n.arms:
                        p = arm.pattern
                        if isinstance(p, ir.PCtor):
                            for i, sub in enumerate(p.args):
                                if isinstance(sub, ir.PVar) and sub.name == name:
                                    g.slots.add(("field", p.ctor, i))
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


def _field_of(node: ir.NewData, m: str, f, funs):
    for i, a in enumerate(node.args):
        if isinstance(a, ir.Var) and a.name == m:
            return ("field", node.ctor, i)
    return None
