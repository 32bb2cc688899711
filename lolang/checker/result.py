"""What the checker learns about a program it accepts, kept as a value.

The interpreter, code generation and the passes read it instead of
re-deriving it: every expression's type (regions named by *uid*, `name#n`,
unique in the function, so a shadowed name is never confused), and the uid
of every region binder — each function's region parameters, each `region`
and `unpack` block. With both, "which region does this `T @q#3` mean?" is
a lookup, not a walk that must visit nodes in the checker's order.

Facts are keyed by node identity (`id(node)`), so a `CheckResult` is only
valid together with the very program object it was computed for: the
pipeline keeps the two side by side (`Artifact.checked`) and recomputes it
after every stage that changes the program.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics import CompilerBug
from lolang import ir


@dataclass
class CheckResult:
    """`types`: id(expression) -> type. `binders`: id(`Region`/`Unpack`
    node) -> the uid of the region it opens. `params`: function name ->
    the uids of its region parameters, in order."""

    program: ir.Program
    types: dict[int, object] = field(default_factory=dict)
    binders: dict[int, str] = field(default_factory=dict)
    params: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Facts analyses derive from this program, computed once (e.g.
    # `lowering.analysis.positions`), valid as long as the rest.
    _positions: object = field(default=None, repr=False, compare=False)

    def type_of(self, e):
        t = self.types.get(id(e))
        if t is None:
            raise CompilerBug(f"no type recorded for a {type(e).__name__} (the program was not checked)")
        return t

    def binder(self, node) -> str:
        """The uid of the region a `region` or `unpack` block opens."""
        uid = self.binders.get(id(node))
        if uid is None:
            raise CompilerBug(f"no region recorded for a {type(node).__name__} (the program was not checked)")
        return uid

    def region_params(self, fun: ir.FunDecl) -> tuple[str, ...]:
        return self.params[fun.name]

    def region_of(self, e) -> str | None:
        """The uid of the region the reference `e` points into (None for a
        pack or a primitive)."""
        t = self.type_of(e)
        return t.region if isinstance(t, ir.RefType) else None
