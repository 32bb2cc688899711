"""The capability rule (docs/lolang.md §5.1): every operation holds, on the
region it touches, the capabilities the table there lists. What is held
comes from where the region came from (a `region` block holds `rwa`, a
region parameter what it declares, an unpacked region the pack's caps), less
what a `restrict` block or a `merge` took away; `CheckContext.held` knows which.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker.context import CheckContext, Reject


def shown_caps(caps: ir.Caps) -> str:
    return "{" + caps + "}"


# (letters needed, letters held) -> those missing: a handful of pairs,
# asked for by every operation.
_MISSING: dict[tuple[str, str], str] = {}


def need(cx: CheckContext, region: str, letters: ir.Caps, what: str, span) -> None:
    """`what` (e.g. "'push'") needs `letters` on region uid `region`."""
    if cx.read_only and "w" in letters and not opened_inside(cx, region):
        raise Reject(
            span,
            f"{what} needs capability 'w' on region '{cx.shown(region)}', and nothing may write but into a region "
            f"opened inside the 'unpack' of an array element at {at(cx.read_only[-1][0])} (read-only rule)",
        )
    if region == ir.PRIMITIVE_REGION:
        if "a" in letters or "w" in letters:
            raise Reject(span, f"{what} cannot write or allocate in the primitive region 'P' (capability rule)")
        return
    held, note = cx.held(region)
    missing = _MISSING.get((letters, held))
    if missing is None:
        missing = _MISSING[letters, held] = "".join(c for c in letters if c not in held)
    if missing:
        raise Reject(
            span,
            f"{what} needs capability '{missing}' on region '{cx.shown(region)}', "
            f"which holds {shown_caps(held)} here ({note}) (capability rule)",
        )


def opened_inside(cx: CheckContext, region: str) -> bool:
    """Whether region `region` was opened by a `region` block inside the
    innermost `unpack xs[i]`: it is new, so nothing in it was there when
    the element was borrowed, and writing into it frees no older pack. Not
    once merged: its values may then be the enclosing region's."""
    info = cx.region_by_uid(region)
    return (info is not None and info.kind == "block" and info.depth > cx.read_only[-1][1]
            and region not in cx.flow.spent)


def need_named(cx: CheckContext, name: str, letters: ir.Caps, what: str, span) -> str:
    """As `need`, for a region written by name (`new[r]`); returns its uid."""
    info = cx.region(name, span)
    need(cx, info.uid, letters, what, span)
    return info.uid


def at(span) -> str:
    return f"{span.line}:{span.col}"


def reaches_write(cx: CheckContext, t, seen: frozenset = frozenset()) -> bool:
    """Whether a value of type `t` leads to a pack holding `w`: through
    its packs, the elements of its arrays and maps, and the fields of its
    data types. A function given only values that do not, and regions
    without `w`, can write nothing that was there before the call."""
    match t:
        case ir.PackType(caps, obj):
            return "w" in caps or reaches_write(cx, obj, seen)
        case ir.BorrowType(pack):
            return reaches_write(cx, pack, seen)
        case ir.RefType(obj, _):
            return reaches_write(cx, obj, seen)
        case ir.ArrayType(elem):
            return reaches_write(cx, elem, seen)
        case ir.MapType(key, value):
            return reaches_write(cx, key, seen) or reaches_write(cx, value, seen)
        case ir.DataType(name):
            if name in seen:
                return False
            data = cx.data(name)
            if data is None:
                return False
            inner = seen | {name}
            return any(reaches_write(cx, f.type, inner) for c in data.ctors for f in c.fields)
    return False
