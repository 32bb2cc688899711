"""Scopes and regions: what the checker knows at one point of a function.

Region names are resolved once, where they are written, to a *uid*
(`name#n`, unique in the function): inside the checker every `T @r` names
its region by uid, so a region shadowing another of the same name is never
confused with it, and a value that outlives its region's block is recognised
by its type alone. Messages show the name again (`shown`).

A `CheckContext` (checking context) holds the program's declarations, the scope chain
of the function being checked and its flow state (`flow.Flow`). The rules
themselves live in `exprs`, `stmts`, `builtins` and `patterns`, as functions
over a `CheckContext`; this module holds no rule.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from diagnostics import Span
from lolang import ir
from lolang.checker.flow import Flow


class Reject(Exception):
    """One broken rule: aborts the checking of the current function."""

    def __init__(self, span: Span, message: str):
        super().__init__(message)
        self.span = span
        self.message = message


@dataclass(eq=False)
class RegionInfo:
    """A region in scope under some name. `caps` is what is held here; a
    `restrict` block binds the same uid again with fewer caps. `note` says
    where the caps came from, for messages ("restricted at 8:3")."""

    name: str
    uid: str
    caps: ir.Caps
    kind: str  # "block", "param", "unpack", "prim"
    note: str
    depth: int


@dataclass(eq=False)
class VarInfo:
    """A local variable or parameter. `key` identifies it in the flow
    state. `anchors` are the regions a borrowed pack in it depends on (the
    object it was read from lives there): it must not outlive them."""

    name: str
    type: object
    mutable: bool
    span: Span
    depth: int
    key: int
    anchors: frozenset = frozenset()
    loop_depth: int = 0

    @property
    def owned_pack(self) -> bool:
        return isinstance(self.type, ir.PackType)


@dataclass(eq=False)
class Scope:
    vars: dict[str, VarInfo] = field(default_factory=dict)
    regions: dict[str, RegionInfo] = field(default_factory=dict)
    # The `region` blocks opened by this scope (uids), for merge checks.
    opened: list[str] = field(default_factory=list)


@dataclass(eq=False)
class Loop:
    """The innermost `while`: the flow states reaching its `break`s and
    `continue`s, and the scope depth just outside its body."""

    depth: int
    breaks: list = field(default_factory=list)
    continues: list = field(default_factory=list)


class CheckContext:
    """The state of checking one function (see the module docstring)."""

    def __init__(self, program: "ProgramInfo", fun: ir.FunDecl, result):
        self.program = program
        # What the checker learns (`result.CheckResult`): every
        # expression's type, every region binder's uid.
        self.result = result
        self.types = result.types
        self.fun = fun
        self.scopes: list[Scope] = [Scope()]
        self.flow = Flow()
        self.loops: list[Loop] = []
        self.ret: object = None  # the declared result, regions as uids
        self.names: dict[str, str] = {}  # uid -> name, for messages
        # What checking this function read of the declarations, by name:
        # the functions called, the data types and the constructors looked
        # up (None: not declared). `lolang.checker.check` reuses its facts
        # while these stay the same.
        self.callees: dict[str, ir.FunDecl] = {}
        self.datas_seen: dict[str, ir.DataDecl | None] = {}
        self.ctors_seen: dict[str, tuple | None] = {}
        # id(type) -> type, for types whose data names are known declared
        # (subterms are shared, so a deep type is walked once, not per use).
        self.named_types: dict[int, object] = {}
        # A reuse token's variable key -> (data type, the constructor its
        # `match reset` arm matched, None for `_`): what `reuse` may make.
        self.tokens: dict[int, tuple] = {}
        # The enclosing `unpack xs[i]` blocks (a borrowed element,
        # docs/lolang.md §5.2), as (span, scope depth): inside the
        # innermost nothing may write but into a region opened in it
        # (`capabilities.need`, `exprs._call`).
        self.read_only: list[tuple[Span, int]] = []
        self._uids = itertools.count()
        self._keys = itertools.count()
        self._by_name: dict[str, list[RegionInfo]] = {}
        self._by_uid: dict[str, list[RegionInfo]] = {}
        self._vars: dict[str, list[VarInfo]] = {}
        prim = RegionInfo(ir.PRIMITIVE_REGION, ir.PRIMITIVE_REGION, "r", "prim", "the primitive region", 0)
        self._bind_region(prim)
        self.names[prim.uid] = prim.name

    # ------------------------------------------------------------- scopes

    @property
    def depth(self) -> int:
        return len(self.scopes) - 1

    def push(self) -> Scope:
        scope = Scope()
        self.scopes.append(scope)
        return scope

    def pop(self) -> Scope:
        scope = self.scopes.pop()
        for info in scope.regions.values():
            self._by_name[info.name].pop()
            self._by_uid[info.uid].pop()
        for var in scope.vars.values():
            self._vars[var.name].pop()
        return scope

    # Lookups go through these stacks (innermost binding last), not
    # through every scope: a block nested 20,000 deep has 20,000 scopes.

    def _bind_region(self, info: RegionInfo) -> None:
        scope = self.scopes[-1]
        previous = scope.regions.get(info.name)
        if previous is not None:  # bound again in the same scope: replace it
            self._by_name[previous.name].pop()
            self._by_uid[previous.uid].pop()
        scope.regions[info.name] = info
        self._by_name.setdefault(info.name, []).append(info)
        self._by_uid.setdefault(info.uid, []).append(info)

    def new_region(self, name: str, caps: ir.Caps, kind: str, note: str) -> RegionInfo:
        uid = f"{name}#{next(self._uids)}"
        info = RegionInfo(name, uid, caps, kind, note, self.depth)
        self._bind_region(info)
        self.names[uid] = name
        return info

    def rebind_region(self, info: RegionInfo, caps: ir.Caps, note: str) -> RegionInfo:
        """The same region under the same name, holding `caps` in the
        current scope (a `restrict` block)."""
        again = RegionInfo(info.name, info.uid, caps, info.kind, note, info.depth)
        self._bind_region(again)
        return again

    def region(self, name: str, span: Span) -> RegionInfo:
        found = self._by_name.get(name)
        if found:
            info = found[-1]
            if info.uid in self.flow.ended:
                raise Reject(
                    span,
                    f"region '{name}' was unpacked from a pack consumed at {self.flow.ended[info.uid].line}:"
                    f"{self.flow.ended[info.uid].col}: it may be freed (linearity rule)",
                )
            return info
        raise Reject(span, f"region '{name}' is not in scope here (scope rule)")

    def region_by_uid(self, uid: str) -> RegionInfo | None:
        found = self._by_uid.get(uid)
        return found[-1] if found else None

    def region_depth(self, uid: str) -> int | None:
        """The scope depth where region `uid` was introduced, if in scope."""
        info = self.region_by_uid(uid)
        return None if info is None else info.depth

    def held(self, uid: str) -> tuple[ir.Caps, str]:
        """The caps held on region `uid` here, and where they come from. A
        region merged away holds no `a` (docs/lolang.md, `merge`)."""
        info = self.region_by_uid(uid)
        if info is None:
            return "", "it is out of scope"
        caps = info.caps
        if uid in self.flow.spent:
            caps = ir.caps_meet(caps, "rw")
            return caps, f"merged at {self.flow.merged_at[uid]}"
        return caps, info.note

    def declare(self, name: str, type_: object, mutable: bool, span: Span, anchors=frozenset()) -> VarInfo:
        scope = self.scopes[-1]
        if name in scope.vars:
            raise Reject(span, f"'{name}' is declared twice in one block (scope rule)")
        var = VarInfo(name, type_, mutable, span, self.depth, next(self._keys), frozenset(anchors), len(self.loops))
        scope.vars[name] = var
        self._vars.setdefault(name, []).append(var)
        if var.owned_pack:
            self.flow.own(var)
        return var

    def var(self, name: str, span: Span) -> VarInfo:
        found = self._vars.get(name)
        if found:
            return found[-1]
        raise Reject(span, f"unknown variable '{name}'")

    def vars_from(self, depth: int) -> list[VarInfo]:
        """Variables declared in the scopes at `depth` and deeper."""
        return [v for scope in self.scopes[depth:] for v in scope.vars.values()]

    # ------------------------------------------------------------- declarations

    def data(self, name: str) -> ir.DataDecl | None:
        found = self.datas_seen[name] = self.program.datas.get(name)
        return found

    def ctor(self, name: str) -> tuple | None:
        """(data type, constructor) of constructor `name`, or None."""
        found = self.ctors_seen[name] = self.program.ctors.get(name)
        return found

    # ------------------------------------------------------------- names

    def canon(self, uid: str) -> str:
        """The region that `uid` is the same as (following merges)."""
        merged = self.flow.merged
        while uid in merged:
            uid = merged[uid]
        return uid

    def shown(self, uid: str) -> str:
        return self.names.get(uid, uid.split("#")[0])

    def show(self, t) -> str:
        """A type as the programmer wrote it (region names, not uids)."""
        if isinstance(t, ir.RefType):
            return f"{ir.type_str(t.obj)} @{self.shown(t.region)}"
        return ir.type_str(t)


@dataclass
class ProgramInfo:
    """The declarations every function sees."""

    datas: dict[str, ir.DataDecl]
    ctors: dict[str, tuple[ir.DataDecl, ir.CtorDecl]]
    funs: dict[str, ir.FunDecl]
    # (data type, field) -> the field's declared type, found on first read
    # (`exprs._field_type`).
    field_types: dict[tuple[str, str], object] = field(default_factory=dict)
