"""Tail calls the `reuse` pass inlines, so that the caller's reuse tokens
reach the cells the callee makes (a token is not carried across a call).

rbtree's `ins` ends a path with `let r2 = balanceLeft(t9, kx, vx, copy r);
drop t9; return r2;`: its node's token dies before the call, and
`balanceLeft` makes one node anew. Inlined, the node the token stands for
is that node, written in place.

Only a callee that rearranges cells is inlined: no call, no operator, no
built-in (nothing that can fail, so no error reports another place), no
loop, no region parameter, the caller's result type, a cell made
somewhere; each of its borrowed parameters is one the pass makes owned in
it, given a `let` of the caller that the caller drops right after the
call (the inlined body takes it over: the caller's linearizer owns it).
"""

from __future__ import annotations

from dataclasses import replace

from lolang import ir
from lolang.rename import FreshNames
from lolang.traverse import map_children, walk

# What an inlined body may hold.
_ALLOWED = (ir.Block, ir.Let, ir.Return, ir.ExprStmt, ir.Unpack, ir.Match, ir.Arm, ir.PCtor, ir.PVar, ir.PWild,
            ir.Var, ir.Region, ir.Pack, ir.NewData, ir.Copy, ir.Drop, ir.If, ir.IntLit, ir.BoolLit)


def inlinable(callee: ir.FunDecl, owned_positions: set[int], site) -> bool:
    """Whether `callee` only rearranges cells and makes one (`site`: the
    reuse pass's test of a cell made), every borrowed parameter one made
    owned."""
    if callee.regions or callee.name == "main":
        return False
    for i, p in enumerate(callee.params):
        if isinstance(p.type, ir.BorrowType) and i not in owned_positions:
            return False
    made = False
    for n in walk(callee.body):
        if not isinstance(n, _ALLOWED) and not _is_type(n):
            return False
        if isinstance(n, ir.Let) and isinstance(n.type, ir.RefType):
            return False
        made = made or (isinstance(n, ir.Region) and site(n) is not None)
    return made


def _is_type(n) -> bool:
    return isinstance(n, (ir.PrimType, ir.PackType, ir.BorrowType, ir.DataType, ir.RefType, ir.ArrayType,
                          ir.MapType, ir.StringType))


def inline_tail_calls(fun: ir.FunDecl, callees: dict[str, ir.FunDecl]):
    """`fun` with each `let v = f(args); drop t..; return v;` (f in
    `callees`, each t a borrowed argument) made f's body; returns it and
    the caller's `let`s the inlined bodies now own, name -> type."""
    fresh = FreshNames(fun)
    owned: dict[str, ir.Type] = {}
    lets: dict[str, ir.Let] = {}
    assigned = set()
    for n in walk(fun.body):
        if isinstance(n, ir.Let) and isinstance(n.type, ir.PackType):
            lets[n.name] = n
        elif isinstance(n, ir.Assign):
            assigned.add(n.name)

    def block(b: ir.Block) -> ir.Block:
        stmts = list(b.stmts)
        for k, s in enumerate(stmts):
            inlined = _tail(stmts[k:], b.result)
            if inlined is not None:
                head = [go(x) for x in stmts[:k]]
                return replace(b, stmts=tuple(head) + inlined, result=None)
        return map_children(b, go)

    def _tail(rest, result):
        if result is not None or len(rest) < 2:
            return None
        let, ret = rest[0], rest[-1]
        if not (isinstance(let, ir.Let) and isinstance(let.value, ir.Call) and let.value.func in callees
                and not let.value.regions and isinstance(ret, ir.Return) and ret.value == ir.Var(let.name)):
            return None
        callee = callees[let.value.func]
        if callee.ret != fun.ret:
            return None
        drops = rest[1:-1]
        dropped = set()
        for d in drops:
            if not (isinstance(d, ir.Drop) and isinstance(d.value, ir.Var)):
                return None
            dropped.add(d.value.name)
        names, prelude = {}, []
        given = set()
        for p, a in zip(callee.params, let.value.args):
            if isinstance(p.type, ir.BorrowType):
                if not (isinstance(a, ir.Var) and a.name in dropped and a.name in lets and a.name not in given):
                    return None
                given.add(a.name)
                names[p.name] = a.name
            elif isinstance(p.type, ir.PrimType) and isinstance(a, ir.Var) and a.name not in assigned:
                # A primitive variable no one assigns is the parameter
                # itself: a field given back the variable taken out of it
                # is then seen to be unchanged (not written again).
                names[p.name] = a.name
            else:
                new = fresh(p.name + "_")
                names[p.name] = new
                prelude.append(ir.Let(new, None, a, span=a.span if hasattr(a, "span") else let.span))
        if given != dropped:
            return None
        for n in walk(callee.body):
            for name in _binders(n):
                if name not in names:
                    names[name] = fresh(name + "_")
        for name in given:
            owned[name] = lets[name].type
        body = _renamed(callee.body, names)
        return tuple(prelude) + body.stmts

    def go(n):
        if isinstance(n, ir.Block):
            return block(n)
        return map_children(n, go)

    body = go(fun.body)
    if not owned:
        return fun, {}
    return replace(fun, body=body), owned


def _binders(n):
    match n:
        case ir.Let(name) | ir.PVar(name):
            return (name,)
        case ir.Unpack(_, region, var, _):
            return (region, var)
        case ir.Region(name):
            return (name,)
    return ()


def _renamed(node, names: dict[str, str]):
    """Every variable and region of an inlined body by its new name (all
    fresh: nothing is captured)."""
    def go(n):
        match n:
            case ir.Var(name) if name in names:
                n = replace(n, name=names[name])
            case ir.Let(name) if name in names:
                n = replace(n, name=names[name])
            case ir.PVar(name) if name in names:
                n = replace(n, name=names[name])
            case ir.Unpack(_, region, var, _):
                n = replace(n, region=names.get(region, region), var=names.get(var, var))
            case ir.Region(name) if name in names:
                n = replace(n, name=names[name])
            case ir.NewData(region=r) if r in names:
                n = replace(n, region=names[r])
        return map_children(n, go)

    return go(node)
