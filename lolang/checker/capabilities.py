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


def need_named(cx: CheckContext, name: str, letters: ir.Caps, what: str, span) -> str:
    """As `need`, for a region written by name (`new[r]`); returns its uid."""
    info = cx.region(name, span)
    need(cx, info.uid, letters, what, span)
    return info.uid


def at(span) -> str:
    return f"{span.line}:{span.col}"
