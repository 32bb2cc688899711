"""The state of lowering one program and one function, kept small and passed
explicitly (STYLE.md: no god-class keeping everything on `self`).

* `ProgramContext` — what every function's lowering shares: the type map
  (`types.TypeMap`), each hilang function's lolang signature (`FunSig`).
* `FunctionContext` — one function: the scopes mapping hilang names to `Binding`s, the
  name supplies, and the *sink*: the statement list the current expression's
  preparatory statements (`let` of temporaries) go to. `collect()` opens a
  fresh sink for a nested block.

Guarantees: every lolang variable name `FunctionContext` issues is unique in its
function, and none is a lolang keyword or a built-in's name, so the
ownership pass may key its analysis by name. Region names are unique per
function too (they have a namespace of their own).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from hilang import types as ht
from lolang import ir
from lowering.naive.types import TypeMap

RESERVED = ir.KEYWORDS | set(ir.BUILTINS)


@dataclass(frozen=True)
class Binding:
    """A hilang variable as lolang sees it: the lolang variable `name`, the
    hilang type, whether it holds a pack (`pack`) and, if so, whether it owns
    it (`owned`: an owned `let`/`var` or parameter) or borrows it (a `&`
    parameter, a pattern variable on a pack field). `mutable` for `var`s."""

    name: str
    ty: ht.Type
    pack: bool
    owned: bool = False
    mutable: bool = False


@dataclass(frozen=True)
class FunSig:
    """A hilang function's lolang face: its name and, per parameter, whether
    it is owned (`Pack{c} T`) or borrowed (`&Pack{c} T`; primitives: False)."""

    name: str
    owned: tuple[bool, ...]
    params: tuple[ht.Type, ...]
    ret: ht.Type


@dataclass
class ProgramContext:
    types: TypeMap
    funs: dict[str, FunSig]


class Names:
    """Unique names: a hilang name keeps its spelling the first time it is
    declared (renamed only if lolang reserves it); later ones, and
    temporaries, get a numeric suffix that no hilang name in the function
    uses."""

    def __init__(self, reserved: set[str]):
        self.reserved = set(reserved)
        self.issued: set[str] = set()
        self.counters: dict[str, int] = {}

    def user(self, name: str) -> str:
        if name not in self.issued and name not in RESERVED:
            self.issued.add(name)
            return name
        return self.temp(name + "_")

    def temp(self, base: str) -> str:
        n = self.counters.get(base, 0)
        while True:
            n += 1
            name = f"{base}{n}"
            if name not in self.issued and name not in self.reserved and name not in RESERVED:
                self.counters[base] = n
                self.issued.add(name)
                return name


_HIDDEN_NOTHING = object()  # what a scope's first binding of a name hid: no binding


@dataclass
class FunctionContext:
    program: ProgramContext
    vars: Names
    regions: Names
    # The bindings in sight, and per open scope what its bindings hid (the
    # binding to restore when it closes, `_HIDDEN_NOTHING` for none): a
    # lookup is one dict access however deeply scopes nest.
    visible: dict[str, Binding] = field(default_factory=dict)
    hidden: list[dict[str, object]] = field(default_factory=lambda: [{}])
    sinks: list[list[ir.Stmt]] = field(default_factory=lambda: [[]])

    @property
    def types(self) -> TypeMap:
        return self.program.types

    # ----------------------------------------------------------- scopes

    @contextmanager
    def scope(self) -> Iterator[None]:
        self.hidden.append({})
        try:
            yield
        finally:
            for name, before in self.hidden.pop().items():
                if before is _HIDDEN_NOTHING:
                    del self.visible[name]
                else:
                    self.visible[name] = before

    def bind(self, hilang_name: str, binding: Binding) -> Binding:
        hidden = self.hidden[-1]
        if hilang_name not in hidden:
            hidden[hilang_name] = self.visible.get(hilang_name, _HIDDEN_NOTHING)
        self.visible[hilang_name] = binding
        return binding

    def declare(self, hilang_name: str, ty: ht.Type, *, owned: bool = True, mutable: bool = False) -> Binding:
        """A new lolang variable for a hilang one (renamed if need be)."""
        name = self.vars.user(hilang_name)
        return self.bind(hilang_name, Binding(name, ty, ht.is_heap(ty), owned and ht.is_heap(ty), mutable))

    def lookup(self, hilang_name: str) -> Binding:
        return self.visible[hilang_name]  # KeyError(hilang_name) if unbound

    # ----------------------------------------------------------- sinks

    def emit(self, stmt: ir.Stmt) -> None:
        self.sinks[-1].append(stmt)

    @contextmanager
    def collect(self) -> Iterator[list[ir.Stmt]]:
        """Statements emitted inside go to the yielded list, not the
        enclosing sink."""
        stmts: list[ir.Stmt] = []
        self.sinks.append(stmts)
        try:
            yield stmts
        finally:
            self.sinks.pop()

    # ----------------------------------------------------------- names

    def temp(self, base: str = "t") -> str:
        return self.vars.temp(base)

    def region(self, base: str) -> str:
        return self.regions.temp(base)
