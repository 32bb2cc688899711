"""Fresh values (../shared/PASSES.md, "Fresh values"): a value made for
the place it goes to, and moved there without being shared.

A value is fresh when it comes from a *site* (`region q { ...; pack{c} A }`
with `A` a reference into the brand-new q: the block made the object), a
static object, a call of a fresh function, a linear temporary
(`var_uses`) holding a fresh value and otherwise only unpacked, or an
`if`/block whose every value is fresh.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import region_uses, walk


def site(e, checked) -> tuple[str, str, object] | None:
    """`(q, c, A)` if `e` is `region q { ...; pack{c} A }` with `A` a
    reference into q and q used nowhere else in the block: the block made
    the object `A` and hands it over packed."""
    if not (isinstance(e, ir.Region) and isinstance(e.body.result, ir.Pack)):
        return None
    pack = e.body.result
    t = checked.types.get(id(pack.value))
    if not (isinstance(t, ir.RefType) and t.region == checked.binders.get(id(e))):
        return None
    if e.body.stmts:
        from lowering.analysis.positions import positions

        where = positions(checked)
        if id(e.body) in where.pre and id(pack) in where.pre:
            if where.used_between(t.region, where.pre[id(e.body)] + 1, where.pre[id(pack)] - 1):
                return None
        elif any(region_uses(s)[e.name] for s in e.body.stmts):  # a node made after checking
            return None
    return e.name, pack.caps, pack.value


def static_pack(e) -> bool:
    return isinstance(e, ir.Pack) and isinstance(e.value, (ir.NewData, ir.NewString)) and e.value.region == ir.PRIMITIVE_REGION


def is_fresh(e, fresh: set[str], uses, checked, seen=(), copies=None) -> bool:
    """`copies`: the data declarations whose objects a pass may copy
    (`copyable`); a `copy` of one then counts as fresh (the pass makes a
    new object instead of sharing)."""
    match e:
        case _ if site(e, checked) is not None or static_pack(e):
            return True
        case ir.Call(func) if func in fresh:
            return True
        case ir.Copy(value) if copies is not None and copyable(checked.types.get(id(value)), copies) is not None:
            return True
        case ir.Var(name) if name not in seen and fresh_temp(name, uses):
            return is_fresh(uses.defs[name].value, fresh, uses, checked, (*seen, name), copies)
        case ir.IfExpr(_, then, els):
            return (is_fresh(then, fresh, uses, checked, seen, copies)
                    and is_fresh(els, fresh, uses, checked, seen, copies))
        case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body) if body.result is not None:
            return is_fresh(body.result, fresh, uses, checked, seen, copies)
    return False


MAX_COPIED_FIELDS = 8


def copyable(t, datas: dict) -> ir.CtorDecl | None:
    """The constructor of a pack's (or reference's) object, if a pass may
    copy it rather than share it: a record (one constructor, named
    fields) of at most `MAX_COPIED_FIELDS` primitives. Such an object is
    frozen and small, so a copy is a few words written, where sharing it
    would tie the lifetimes of the structures holding it (PASSES.md,
    "Scratch data with one survivor": copy insertion is the fix)."""
    match t:
        case ir.PackType(_, obj) | ir.BorrowType(ir.PackType(_, obj)) | ir.RefType(obj, _):
            pass
        case _:
            return None
    if not isinstance(obj, ir.DataType) or obj.name not in datas:
        return None
    ctors = datas[obj.name].ctors
    if len(ctors) != 1:
        return None
    fields = ctors[0].fields
    if len(fields) > MAX_COPIED_FIELDS or not all(f.name and isinstance(f.type, ir.PrimType) for f in fields):
        return None
    return ctors[0]


def fresh_temp(name: str, uses) -> bool:
    """A linear temporary that is otherwise only unpacked (a reference can
    be unpacked by substitution, not lent to a `&Pack` parameter)."""
    return uses.is_linear_temp(name) and not uses.lent[name]


def returned(fun: ir.FunDecl) -> list:
    """Every value `fun` returns: `return` statements and the body's value."""
    values = [n.value for n in walk(fun.body) if isinstance(n, ir.Return) and n.value is not None]
    if fun.body.result is not None:
        values.append(fun.body.result)
    return values
