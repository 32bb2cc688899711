"""What a pass did, said once per change (or per refusal worth knowing), as
LLVM's optimization remarks and MLKit's `-print_regions` do: `--dump`
shows them under each pass's stage and counts them by kind in a table, and
tests count them.

A remark names the function it is about and, where the lolang node carries
one, the hilang source position (`@LINE:COL` of an operation that can fail,
or the span the naive lowering gave a node).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Remark:
    """`kind` is a short fixed phrase ("static object", "not dominated"),
    what tables count; `detail` says what, for people."""

    kind: str
    function: str
    detail: str = ""
    where: str = ""

    def __str__(self) -> str:
        at = f" at {self.where}" if self.where else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.function}{at}: {self.kind}{detail}"


def counts(remarks: list[Remark]) -> dict[str, int]:
    """Remarks by kind, in the order kinds first appear."""
    return dict(Counter(r.kind for r in remarks))


def where(node) -> str:
    """A node's hilang position, if it has one."""
    pos = getattr(node, "pos", None)
    if pos is not None:
        return f"{pos.line}:{pos.col}"
    span = getattr(node, "span", None)
    if span is not None and span.known:
        return f"{span.line}:{span.col}"
    return ""
