"""Linearity: the flow state of owned packs, and how states meet.

Every owned pack variable is, at each point of a function, either *owned*
(it holds its reference and must still be consumed) or *consumed* (by what,
where). The checker walks the structured control flow carrying one `Flow`;
a branch works on a copy, and at the join the copies must agree: a pack
consumed on one path and not the other would leave the count unbalanced
whichever path ran. The same goes for a loop: its body must leave every pack
owned before it as it found it (else the next iteration consumes it again,
or leaks it), and every `break` must agree with the loop's normal exit.

Also carried, because they change along the flow too: which owned packs an
enclosing call or `unpack` is borrowing (a call's cannot be consumed during
it; an `unpack`'s can, which ends the block's borrow: `unpacked`, and what
that made unusable, `ended`), which
regions a `merge` has made the same as another (`merged`: until the end of
the block holding the `merge`), and which regions may have been merged on
some path (`spent`: they hold no `a` and cannot be merged again until their
block ends). Where paths meet, an alias holds only if it holds on both,
and a region is spent if it is spent on either.

Guaranteed: after a function checks, every execution path consumes each
owned pack exactly once, so `retains` and `releases` balance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics import Span


@dataclass(slots=True)
class Consumed:
    """How an owned pack was consumed. A value, never changed once made
    (not declared frozen: one is made per consuming position checked, and
    a frozen dataclass is slow to make)."""

    how: str  # what consumed it, for messages: "'drop'", "the call to 'f'", ...
    span: Span


def _at(span: Span) -> str:
    return f"{span.line}:{span.col}"


@dataclass
class Flow:
    """One point's state. `packs` maps a variable's key to None (owned) or
    how it was consumed; `dead` marks a point no path reaches (after
    `return`, `break`, `continue`)."""

    packs: dict[int, Consumed | None] = field(default_factory=dict)
    lent: dict[int, Span] = field(default_factory=dict)
    # An owned variable an enclosing `unpack` borrows (and no call):
    # its key -> the scope depth of the unpack's region and variable.
    unpacked: dict[int, int] = field(default_factory=dict)
    # What consuming such a variable ended (docs/lolang.md 5.2): variable
    # keys and region uids -> the consuming position.
    ended: dict = field(default_factory=dict)
    merged: dict[str, str] = field(default_factory=dict)
    merged_at: dict[str, str] = field(default_factory=dict)
    spent: set[str] = field(default_factory=set)
    names: dict[int, str] = field(default_factory=dict)
    dead: bool = False

    def copy(self) -> "Flow":
        return Flow(
            dict(self.packs),
            dict(self.lent),
            dict(self.unpacked),
            dict(self.ended),
            dict(self.merged),
            dict(self.merged_at),
            set(self.spent),
            self.names,
            self.dead,
        )

    def own(self, var) -> None:
        self.packs[var.key] = None
        self.names[var.key] = var.name

    def consumed(self, key: int) -> Consumed | None:
        return self.packs.get(key)

    def forget(self, keys) -> None:
        """Variables going out of scope leave the state."""
        for key in keys:
            self.packs.pop(key, None)
            self.lent.pop(key, None)

    def owned_keys(self) -> list[int]:
        return [k for k, how in self.packs.items() if how is None]


def join(a: Flow, b: Flow, what: str, span: Span, reject) -> Flow:
    """The state after two paths meet (`what` names the construct, e.g.
    "'if'"). `reject(span, message)` raises the checker's error."""
    if a.dead:
        return b
    if b.dead:
        return a
    for key in a.packs.keys() & b.packs.keys():
        one, other = a.packs[key], b.packs[key]
        if (one is None) != (other is None):
            how = one or other
            reject(
                span,
                f"pack '{a.names[key]}' is consumed on one path of the {what} at {_at(span)} but not on the other "
                f"(consumed by {how.how} at {_at(how.span)}) (linearity rule)",
            )
    a.merged = {r: q for r, q in a.merged.items() if b.merged.get(r) == q}
    a.spent |= b.spent
    for what, how in b.ended.items():  # ended on either path: ended
        a.ended.setdefault(what, how)
    return a


def same_as_entry(entry: Flow, now: Flow, where: str, span: Span, reject) -> None:
    """A loop's body end (or a `continue`) must leave every pack owned
    before the loop as it was at the loop's head."""
    if now.dead:
        return
    for key, before in entry.packs.items():
        after = now.packs.get(key, before)
        if before is None and after is not None:
            reject(
                after.span,
                f"pack '{entry.names[key]}' is owned before the loop at {_at(span)} and consumed by {after.how} "
                f"inside it: the next iteration would consume it again (assign it a new pack before {where}) "
                f"(linearity rule)",
            )
        if before is not None and after is None:
            reject(
                span,
                f"pack '{entry.names[key]}' was consumed before the loop at {_at(span)} but is owned again at "
                f"{where}: the next iteration would overwrite it (linearity rule)",
            )
    for region in now.spent - entry.spent:
        reject(
            span,
            f"region '{region.split('#')[0]}' is opened before the loop at {_at(span)} and merged inside it: "
            f"the next iteration would merge it again (merge rule)",
        )
