"""What the interpreter's code generator knows while it translates: the data
layouts and shared constants of the whole program (`ProgramContext`), and the
names and nesting of the one function being translated (`FunctionContext`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from diagnostics import CompilerBug, Span
from hilang import ast
from hilang.interp import pyast as P

ALLOCS = "_allocs"  # the generated module's allocation counter (a global)
DEPTH = "_d"  # every generated function's last parameter: its call depth
NEW = "_new"  # the generated module's `_new(obj)`: count `obj`, return it

# Expressions that cannot fail, have no effect and whose value cannot change
# while a sibling expression is evaluated: they may be read twice or late.
SIMPLE = (ast.Var, ast.IntLit, ast.FloatLit, ast.BoolLit, ast.UnitLit)


def counted(value: P.py.expr, operands=(), can_fail: bool = False) -> P.py.expr:
    """`value`, which creates one object, counted as one allocation once it
    exists: `_new(value)`, so that an operand or operation that fails leaves
    the count as it was. When nothing can fail (`operands`, the hilang
    expressions evaluated for `value`, are all simple), the cheaper
    `(_allocs := _allocs + 1) and value` counts first with the same result
    (the count is never 0, so `and` always yields `value`)."""
    if can_fail or not all(isinstance(o, SIMPLE) for o in operands):
        return P.call(NEW, value)
    bump = P.walrus(ALLOCS, P.binop(P.name(ALLOCS), "+", P.const(1)))
    return P.and_(bump, value)


def new_function() -> P.py.stmt:
    """`def _new(obj): global _allocs; _allocs += 1; return obj`"""
    return P.function(NEW, ["obj"], [P.global_(ALLOCS), P.incr(ALLOCS), P.return_(P.name("obj"))])


@dataclass(frozen=True)
class CtorLayout:
    """A constructor's tuple: `(name, field 1, ...)`. `fields` holds the
    field names in declaration order (None for positional fields)."""

    name: str
    fields: tuple[str | None, ...]
    data: str

    def slot(self, field_name: str) -> int:
        """The tuple index of a named field (the tag is at 0)."""
        return self.fields.index(field_name) + 1


class ProgramContext:
    """Layouts of every constructor, and the constants generated code refers
    to by name (spans for error messages, field-position tables)."""

    def __init__(self, program: ast.Program):
        self.ctors: dict[str, CtorLayout] = {
            "None": CtorLayout("None", (), "Option"),
            "Some": CtorLayout("Some", (None,), "Option"),
        }
        self.data_ctors: dict[str, tuple[str, ...]] = {"Option": ("None", "Some")}
        for data in program.datas:
            self.data_ctors[data.name] = tuple(c.name for c in data.ctors)
            for ctor in data.ctors:
                fields = tuple(f.name for f in ctor.fields)
                self.ctors[ctor.name] = CtorLayout(ctor.name, fields, data.name)
        self.constants: dict[str, object] = {}
        self._span_names: dict[Span, str] = {}

    def span(self, span: Span) -> P.py.expr:
        """A global name bound to `span` (Python's compiler accepts only
        literals as constants, so spans travel as module globals)."""
        if span not in self._span_names:
            ident = f"_sp{len(self._span_names)}"
            self._span_names[span] = ident
            self.constants[ident] = span
        return P.name(self._span_names[span])

    def constant(self, prefix: str, value: object) -> P.py.expr:
        ident = f"{prefix}{len(self.constants)}"
        self.constants[ident] = value
        return P.name(ident)

    def is_single_ctor(self, ctor: str) -> bool:
        """Matching this constructor cannot fail: its type has no other."""
        return len(self.data_ctors[self.ctors[ctor].data]) == 1


@dataclass
class Level:
    """One Python function being emitted: the hilang function itself (level
    0) or a loop moved into a nested function (see `statements.outline`)."""

    loops: int = 0
    nonlocals: set[str] = field(default_factory=set)


class FunctionContext:
    """Scopes, fresh names and nesting for one hilang function.

    Every hilang variable gets its own Python name (`v_x`, `v_x_2`, ...), so
    shadowing in inner blocks needs no Python scoping; temporaries are `_tN`.
    """

    def __init__(self, program: ProgramContext):
        self.program = program
        self.scopes: list[dict[str, str]] = [{}]
        self.used: set[str] = set()
        self.owner: dict[str, int] = {}
        self.levels: list[Level] = [Level()]
        self.temps = 0

    # names

    def declare(self, name: str) -> str:
        ident = f"v_{name}"
        n = 1
        while ident in self.used:
            n += 1
            ident = f"v_{name}_{n}"
        self.used.add(ident)
        self.scopes[-1][name] = ident
        self.owner[ident] = len(self.levels) - 1
        return ident

    def lookup(self, name: str) -> str:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise CompilerBug(f"unbound variable '{name}' reached the interpreter")

    def assign(self, name: str) -> str:
        """The Python name to store into; a variable of an enclosing level
        must be declared `nonlocal` in the nested function that assigns it."""
        ident = self.lookup(name)
        if self.owner[ident] != len(self.levels) - 1:
            self.levels[-1].nonlocals.add(ident)
        return ident

    def temp(self, prefix: str = "_t") -> str:
        self.temps += 1
        return f"{prefix}{self.temps}"

    @contextmanager
    def scope(self):
        self.scopes.append({})
        try:
            yield
        finally:
            self.scopes.pop()

    # nesting

    @property
    def level(self) -> Level:
        return self.levels[-1]

    @property
    def nested(self) -> bool:
        """Inside a loop moved into a nested function: `return` hands back a
        1-tuple so that the caller can tell it from falling off the end."""
        return len(self.levels) > 1

    @contextmanager
    def nested_level(self):
        self.levels.append(Level())
        try:
            yield self.levels[-1]
        finally:
            self.levels.pop()

    @contextmanager
    def loop(self):
        self.level.loops += 1
        try:
            yield
        finally:
            self.level.loops -= 1
