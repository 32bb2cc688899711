"""The compile-time side of the interpreter: each function becomes a tree of
Python closures once, before the program runs; running is calling them.

`FunctionCompiler` (one per function) resolves names to frame slots: a frame is a Python
list, slot 0 holds a `return`'s value, every variable and every region name
gets a slot of its own (a region's slot holds its id at run time). Scopes
only decide which slot a name means; slots are never reused, so a closure
can capture its slot index as a constant.

The node-kind dispatch is a table per family (`exprs.RULES`,
`stmts.RULES`, `builtins.RULES`), filled by those modules.
"""

from __future__ import annotations

from lolang import ir
from lolang.interp.machine import Machine
from lolang.interp.regions import PRIMITIVE


class ProgramTables:
    """What every function's code needs of the declarations."""

    def __init__(self, program: ir.Program):
        self.ctors: dict[str, ir.CtorDecl] = {}
        self.sizes = ir.data_sizes(program.datas)  # bytes of an object, by constructor
        # field name -> constructor -> tuple position (2 + field index)
        self.fields: dict[str, dict[str, int]] = {}
        for data in program.datas:
            for ctor in data.ctors:
                self.ctors[ctor.name] = ctor
                for i, field in enumerate(ctor.fields):
                    if field.name is not None:
                        self.fields.setdefault(field.name, {})[ctor.name] = 2 + i
        self.funs = {f.name: f for f in program.funs}


class FunctionCompiler:
    """Compiling one function."""

    def __init__(self, m: Machine, tables: ProgramTables, checked):
        self.m = m
        self.tables = tables
        # The checker's result (`lolang.checker.CheckResult`): the types of
        # expressions, regions named by uid, and the uid each binder opens.
        self.checked = checked
        self.types = checked.types
        self.size = 1  # slot 0: the returned value
        # slot of a reuse token of a constructor arm -> (the constructor
        # matched, the slot of the variable taken out of each field or
        # None): interp/reuse.py
        self.reuse_tokens: dict[int, tuple] = {}
        self.scopes: list[dict] = [{("r", ir.PRIMITIVE_REGION): None, ("u", ir.PRIMITIVE_REGION): None}]

    def push(self) -> None:
        self.scopes.append({})

    def pop(self) -> None:
        self.scopes.pop()

    def bind(self, name: str, region: bool = False) -> int:
        slot = self.size
        self.size += 1
        self.scopes[-1][("r" if region else "v", name)] = slot
        return slot

    def bind_region(self, name: str, uid: str) -> int:
        """A region binder: the region is reached by its name in the code
        and by its uid in the checker's types."""
        slot = self.bind(name, region=True)
        self.scopes[-1][("u", uid)] = slot
        return slot

    def slot(self, name: str, region: bool = False) -> int | None:
        """The slot of a name (None for the primitive region `P`)."""
        key = ("r" if region else "v", name)
        for scope in reversed(self.scopes):
            if key in scope:
                return scope[key]
        raise KeyError(f"unbound {'region' if region else 'variable'} {name!r} (the program was not checked)")

    def region_getter(self, name: str):
        slot = self.slot(name, region=True)
        if slot is None:
            return lambda fr: PRIMITIVE
        return lambda fr: fr[slot]

    def region_of_type(self, t):
        """A getter of the id of the region a reference type `T @uid`
        points into: where `pack` takes its reference, whatever region the
        object was made in (a static object read as `T @r` packs as r, as
        native code does)."""
        if not isinstance(t, ir.RefType):
            raise KeyError(f"not a reference type: {t!r}")
        for scope in reversed(self.scopes):
            slot = scope.get(("u", t.region), -1)
            if slot != -1:
                return (lambda fr: PRIMITIVE) if slot is None else (lambda fr: fr[slot])
        raise KeyError(f"region {t.region!r} is not in scope (the program was not checked)")

    def type_of(self, e):
        t = self.types.get(id(e))
        if t is None:
            raise KeyError(f"no type recorded for {type(e).__name__} (the program was not checked)")
        return t


def is_pack(t) -> bool:
    return isinstance(t, (ir.PackType, ir.BorrowType))
