"""The state the checker threads through one function body.

Guarantees:
* `Reporter` collects diagnostics (deduplicated) instead of raising, so
  checking goes on after an error and every independent one is reported.
* `Scope` is one block's names; a lookup finds the innermost binding in
  constant time (blocks may nest 20,000 deep). A name may be declared once
  per scope.
* `FunContext` holds what one function's check needs besides the scope:
  the program's declarations, the function's signature, the inference
  state (deferred checks, the expressions whose types must be solved by the
  end) and the loop depth for `break`/`continue`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics import Diagnostic, Span
from hilang import ast
from hilang.checker.infer import Deferred
from hilang.types import Type


class Reporter:
    """Every diagnostic of one check, in the order found."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[tuple[int, int, str]] = set()

    def error(self, span: Span, message: str) -> None:
        key = (span.line, span.col, message)
        if key not in self._seen:
            self._seen.add(key)
            self.diagnostics.append(Diagnostic(span, message))

    def count(self) -> int:
        return len(self.diagnostics)


@dataclass(frozen=True)
class Origin:
    """Why a container value has the capabilities it has, for messages:
    `what` is a phrase such as "parameter 'xs' of 'total' has {r}", and
    `fix` (when the user can fix it by writing another type there) is the
    declared type to rewrite."""

    what: str
    fix: Type | None = None


@dataclass
class Binding:
    """A local name: `kind` is "let", "var", "param", "loop" or "pattern"."""

    name: str
    ty: Type
    kind: str
    span: Span
    origin: Origin | None = None


class Scope:
    """One block's names. All scopes of a function share one table from
    name to its stack of bindings, so a lookup costs the same however deep
    the blocks nest; a scope is opened with `with parent.child() as scope:`
    and its names leave the table when it closes. (So only the innermost
    open scope is looked up, which is how checking walks the program.)"""

    def __init__(self, table: dict[str, list[Binding]] | None = None) -> None:
        self._table = {} if table is None else table
        self.names: dict[str, Binding] = {}

    def lookup(self, name: str) -> Binding | None:
        stack = self._table.get(name)
        return stack[-1] if stack else None

    def declare(self, binding: Binding) -> bool:
        """Add `binding`; False if this scope already has the name."""
        if binding.name in self.names:
            return False
        self.names[binding.name] = binding
        self._table.setdefault(binding.name, []).append(binding)
        return True

    def child(self) -> Scope:
        return Scope(self._table)

    def __enter__(self) -> Scope:
        return self

    def __exit__(self, *exc) -> None:
        for name in self.names:
            self._table[name].pop()


@dataclass
class FunContext:
    env: "ProgramEnv"  # noqa: F821 (hilang.checker.env; avoids an import cycle)
    report: Reporter
    fun: "FunSig"  # noqa: F821
    deferred: Deferred = field(default_factory=lambda: Deferred([]))
    typed: list[ast.Expr] = field(default_factory=list)
    calls: list[ast.Call] = field(default_factory=list)
    lets: list[tuple[str, Span, Type]] = field(default_factory=list)
    loop_depth: int = 0

    def error(self, span: Span, message: str) -> None:
        self.report.error(span, message)
