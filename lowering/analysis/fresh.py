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
    if any(region_uses(s)[e.name] for s in e.body.stmts):
        return None
    return e.name, pack.caps, pack.value


def static_pack(e) -> bool:
    return isinstance(e, ir.Pack) and isinstance(e.value, (ir.NewData, ir.NewString)) and e.value.region == ir.PRIMITIVE_REGION


def is_fresh(e, fresh: set[str], uses, checked, seen=()) -> bool:
    match e:
        case _ if site(e, checked) is not None or static_pack(e):
            return True
        case ir.Call(func) if func in fresh:
            return True
        case ir.Var(name) if name not in seen and fresh_temp(name, uses):
            return is_fresh(uses.defs[name].value, fresh, uses, checked, (*seen, name))
        case ir.IfExpr(_, then, els):
            return is_fresh(then, fresh, uses, checked, seen) and is_fresh(els, fresh, uses, checked, seen)
        case ir.Do(body) | ir.Restrict(body=body) | ir.Unpack(body=body) | ir.Region(body=body) if body.result is not None:
            return is_fresh(body.result, fresh, uses, checked, seen)
    return False


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
