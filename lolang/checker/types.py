"""Types as the checker sees them, and the ordinary typing rules' helpers.

Inside the checker a `T @r` names its region by uid (see `context`); types
written in the program are resolved with `resolve`. An expression checks to
a `Checked`: its type plus what linearity and escape analysis need to know about
the value (is it a variable, a fresh owned pack, a borrow that depends on
some region staying alive).
"""

from __future__ import annotations

from dataclasses import dataclass

from lolang import ir
from lolang.checker.context import CheckContext, Reject, VarInfo


@dataclass(slots=True)
class Checked:
    """What an expression produces.

    * `var`: the variable, when the expression is one (a *place*);
    * `fresh`: an owned pack made here (`pack`, `copy`, a call's or `pop`'s
      result, a block's result) that someone must consume;
    * `anchors`: for a borrowed pack, the regions of the objects it was read
      from — it is valid only while they are in scope;
    * `element`: a pack read from a container slot, which may only be
      copied (the container could overwrite the slot while it is borrowed).

    A value: never changed once made (one is made per expression checked,
    and a frozen dataclass's `__init__` made it a fifth of the checker's
    work, so it is not declared frozen).
    """

    type: object
    var: VarInfo | None = None
    fresh: bool = False
    anchors: frozenset = frozenset()
    element: bool = False


UNIT_VAL = Checked(ir.UNIT)


def resolve(cx: CheckContext, t, span=None):
    """A written type with its region names replaced by the uids in scope."""
    if isinstance(t, ir.RefType):
        if t.region == ir.PRIMITIVE_REGION:
            if not is_static(t):
                raise Reject(t.span if span is None else span,
                             f"'{ir.type_str(t)}': only static data objects and strings live in P (type rule)")
            check_obj_names(cx, t.obj, span)
            return t
        info = cx.region(t.region, t.span if t.span.known else span)
        return ir.RefType(t.obj, info.uid)
    check_obj_names(cx, t, span)
    return t


def check_obj_names(cx: CheckContext, t, span) -> None:
    """Every data type a type mentions is declared."""
    if id(t) in cx.named_types:
        return
    match t:
        case ir.DataType(name):
            if cx.data(name) is None:
                raise Reject(t.span if t.span.known else span, f"unknown data type '{name}' (type rule)")
        case ir.ArrayType(elem):
            check_obj_names(cx, elem, span)
        case ir.MapType(key, value):
            check_obj_names(cx, key, span)
            check_obj_names(cx, value, span)
        case ir.RefType(obj, _) | ir.PackType(_, obj):
            check_obj_names(cx, obj, span)
        case ir.BorrowType(pack):
            check_obj_names(cx, pack, span)
    cx.named_types[id(t)] = t


def norm(cx: CheckContext, t):
    """`t` with merged regions replaced by what they were merged into."""
    if isinstance(t, ir.RefType):
        canon = cx.canon(t.region)
        return t if canon == t.region else ir.RefType(t.obj, canon)
    return t


def accepts(cx: CheckContext, want, have) -> bool:
    """A value of type `have` may be used where `want` is expected: the
    same type, regions compared after merges, with a pack's capabilities
    allowed to weaken (`Pack{rw} T` where `Pack{r} T` is wanted), and
    under a pack that cannot write nor allocate, the packs its object holds
    too (`pack_fits`)."""
    if have is NEVER:
        return True
    want, have = norm(cx, want), norm(cx, have)
    if is_static(have) and isinstance(want, ir.RefType) and want.obj == have.obj:
        return True  # a static object can be read as if in any region (§5.4)
    match want, have:
        case ir.PackType(), ir.PackType():
            return pack_fits(want, have)
        case ir.BorrowType(wanted), ir.BorrowType(ir.PackType() as had) | (ir.PackType() as had):
            return pack_fits(wanted, had)
    return want == have


def pack_fits(want: ir.PackType, have: ir.PackType) -> bool:
    """`have` may be used as `want`: its capabilities weaken, and when
    `want` holds neither `w` nor `a` the object behind it is covariant in
    the packs it holds (docs/lolang.md §3; hilang's read-only views,
    LANGUAGE.md 1.8): nothing can be stored through such a pack, so an
    element pack with more capabilities than declared can never be
    replaced by one with fewer."""
    if not ir.caps_le(want.caps, have.caps):
        return False
    if want.obj == have.obj:
        return True
    return "w" not in want.caps and "a" not in want.caps and object_fits(want.obj, have.obj)


def object_fits(want, have) -> bool:
    match want, have:
        case ir.ArrayType(e1), ir.ArrayType(e2):
            return _slot_fits(e1, e2)
        case ir.MapType(k1, v1), ir.MapType(k2, v2):
            return k1 == k2 and _slot_fits(v1, v2)
    return want == have


def _slot_fits(want, have) -> bool:
    if isinstance(want, ir.PackType) and isinstance(have, ir.PackType):
        return pack_fits(want, have)
    return want == have


def expect(cx: CheckContext, want, val: Checked, span, what: str) -> None:
    if not accepts(cx, want, val.type):
        raise Reject(span, f"{what} has type '{cx.show(val.type)}', but '{cx.show(want)}' is expected (type rule)")


def mentions(cx: CheckContext, val: Checked) -> set[str]:
    """The regions a value depends on: those its type names, and the
    anchors of a borrow (all after merges)."""
    found = {cx.canon(a) for a in val.anchors}
    t = norm(cx, val.type)
    if isinstance(t, ir.RefType):
        found.add(t.region)
    return found


def slot_value(slot, region: str):
    """The value type of a slot of an object in `region` (`region` a uid)."""
    return ir.slot_value_type(slot, region)


def ref_of(cx: CheckContext, val: Checked, span, what: str, kinds=ir.OBJ_TYPES) -> ir.RefType:
    """`val` must be a reference to an object of one of `kinds`."""
    t = norm(cx, val.type)
    if isinstance(t, ir.RefType) and isinstance(t.obj, kinds):
        return t
    raise Reject(span, f"{what} has type '{cx.show(t)}', but a reference to an object is expected (type rule)")


def is_static(t) -> bool:
    """`D @P` or `String @P`: a reference to a static object (`new[P]`). It
    is accepted where `D @r` is expected, for any r: the object is
    immutable, has no field (a nullary constructor) or only bytes (a
    string), and lives for the whole run, so reading it through any live
    region is safe; a `pack` of it takes a reference on the region its
    type names, as every other pack does."""
    return isinstance(t, ir.RefType) and t.region == ir.PRIMITIVE_REGION and isinstance(t.obj, (ir.DataType, ir.StringType))


def is_prim(t, *names: str) -> bool:
    return isinstance(t, ir.PrimType) and (not names or t.name in names)


def pack_of(t) -> ir.PackType | None:
    """The pack type of an owned or borrowed pack type, else None."""
    if isinstance(t, ir.PackType):
        return t
    if isinstance(t, ir.BorrowType):
        return t.pack
    return None


# The type of a block that never finishes (every path returns, breaks or
# continues): it is accepted wherever any type is expected.
NEVER = ir.PrimType("!")
