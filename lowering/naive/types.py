"""hilang types as lolang types, and one lolang data declaration per ground
instantiation of a hilang data type (docs/lolang.md §10).

Assumes a monomorphized, checked program: every type asked about is ground.

Guarantees:
* `value_type(t)` — primitives stay; every object is a pack, its
  capabilities taken from the hilang type: `String` -> `Pack{r} String`,
  `Array{c} E` -> `Pack{c} (Array E')`, `Map{c} K V` -> `Pack{c} (Map K' V')`,
  a data type `D` -> `Pack{r} D'`. `slot_type` is the same map (the naive
  lowering gives every object a region of its own, so a field, element, key
  or value holding an object holds a pack).
* Names: a non-generic data type and its constructors keep their names; an
  instantiation is named by `hilang.mono.mangle` (`List_S64`, `Option_Tree`)
  and its constructors by suffixing it (`Cons_S64`, `Some_Tree`). A name
  that is taken, or reserved by lolang, gets a numeric suffix.
* `decls()` lists every declaration needed: the non-generic ones in source
  order, then the instantiations in order of first use. A worklist makes
  recursive types terminate.
"""

from __future__ import annotations

from dataclasses import dataclass

from hilang import ast
from hilang import types as ht
from hilang.mono import mangle
from lolang import ir

OPTION = ast.DataDecl(
    "Option",
    ("a",),
    (ast.CtorDecl("None"), ast.CtorDecl("Some", (ast.FieldDecl(None, ast.TypeVarRef("a")),))),
)


@dataclass(frozen=True)
class CtorInfo:
    """One constructor of one instantiation: its lolang name and its fields
    (name or None, ground hilang type) in declaration order."""

    name: str
    fields: tuple[tuple[str | None, ht.Type], ...]

    def index(self, field: str) -> int:
        return next(i for i, (n, _) in enumerate(self.fields) if n == field)


@dataclass
class Instance:
    """A ground data type: its lolang name and its constructors, keyed by
    their hilang names in declaration order."""

    name: str
    ctors: dict[str, CtorInfo]


def resolve(texpr: ast.TypeExpr, subst: dict[str, ht.Type]) -> ht.Type:
    """A written type as a semantic one (ground once `subst` covers its
    type variables); the checker has already vetted it."""
    match texpr:
        case ast.TypeVarRef(name):
            return subst[name]
        case ast.TypeName(name, args, caps) if name in ht.PRIMS:
            return ht.PRIMS[name]
        case ast.TypeName("Array", (elem,), caps):
            return ht.ArrayType(resolve(elem, subst), caps or "r")
        case ast.TypeName("Map", (key, value), caps):
            return ht.MapType(resolve(key, subst), resolve(value, subst), caps or "r")
        case ast.TypeName(name, args, _):
            return ht.DataType(name, tuple(resolve(a, subst) for a in args))
    raise TypeError(f"not a type expression: {texpr!r}")


class TypeMap:
    def __init__(self, program: ast.Program):
        self.decls_by_name = {d.name: d for d in (*program.datas, OPTION)}
        self.ctor_owner = {c.name: d.name for d in self.decls_by_name.values() for c in d.ctors}
        self._reserved = set(self.decls_by_name) | set(self.ctor_owner) | ir.KEYWORDS
        # Data types and constructors are separate namespaces in lolang
        # (a record's constructor is named like its type).
        self._types: set[str] = set()
        self._ctors: set[str] = set()
        self.instances: dict[ht.DataType, Instance] = {}
        self._converted: dict[int, tuple[ht.Type, ir.Type]] = {}
        for d in program.datas:
            if not d.params:
                self.instance(ht.DataType(d.name))

    # ------------------------------------------------------------- types

    def value_type(self, t: ht.Type) -> ir.Type:
        # Remembered by identity: the checker shares a nested type's parts
        # (`[[[...]]]`), so each is converted once, and the results share
        # parts too, which makes comparing them cheap.
        found = self._converted.get(id(t))
        if found is None:
            found = self._converted[id(t)] = (t, self._convert(t))
        return found[1]

    def _convert(self, t: ht.Type) -> ir.Type:
        match t:
            case ht.Prim("String"):
                return ir.PackType("r", ir.STRING)
            case ht.Prim(name):
                return ir.PrimType(name)
            case ht.ArrayType(elem, caps):
                return ir.PackType(caps, ir.ArrayType(self.slot_type(elem)))
            case ht.MapType(key, value, caps):
                return ir.PackType(caps, ir.MapType(self.slot_type(key), self.slot_type(value)))
            case ht.DataType():
                return ir.PackType("r", ir.DataType(self.instance(t).name))
        raise TypeError(f"cannot lower the type {t}")

    slot_type = value_type

    def borrowed(self, t: ht.Type) -> ir.Type:
        """The `&` form of a heap type's value type."""
        return ir.BorrowType(self.value_type(t))

    # ------------------------------------------------------------- data

    def instance(self, t: ht.DataType) -> Instance:
        found = self.instances.get(t)
        if found is not None:
            return found
        decl = self.decls_by_name[t.name]
        generic = bool(decl.params)
        suffix = "_".join(mangle(a) for a in t.args)
        name = self._issue(mangle(t) if generic else t.name, not generic, self._types)
        subst = dict(zip(decl.params, t.args))
        ctors = {}
        for c in decl.ctors:
            cname = self._issue(f"{c.name}_{suffix}" if generic else c.name, not generic, self._ctors)
            fields = tuple((f.name, resolve(f.type, subst)) for f in c.fields)
            ctors[c.name] = CtorInfo(cname, fields)
        inst = self.instances[t] = Instance(name, ctors)
        return inst

    def ctor(self, t: ht.DataType, hilang_ctor: str) -> CtorInfo:
        return self.instance(t).ctors[hilang_ctor]

    def decls(self) -> list[ir.DataDecl]:
        """Every declaration used so far, instantiating field types as they
        come (the dict grows while it is walked, hence the index loop)."""
        out = []
        done = 0
        while done < len(self.instances):
            inst = list(self.instances.values())[done]
            ctors = tuple(
                ir.CtorDecl(c.name, tuple(ir.FieldDecl(n, self.slot_type(ft)) for n, ft in c.fields))
                for c in inst.ctors.values()
            )
            out.append(ir.DataDecl(inst.name, ctors))
            done += 1
        return out

    def _issue(self, wanted: str, own: bool, issued: set[str]) -> str:
        """`wanted`, unless lolang reserves it, it was issued already, or
        (when it is not a hilang declaration's `own` name) hilang uses it."""
        name = wanted
        n = 0
        while name in ir.KEYWORDS or name in issued or (not (own and n == 0) and name in self._reserved):
            n += 1
            name = f"{wanted}_{n}"
        issued.add(name)
        return name
