"""Monomorphization: `monomorphize(program) -> program` with no generic function.

Assumes a checked program: `Call.type_args` maps each generic callee's type
variables to the caller's types, which mention no type variables other than
the caller's own, and every expression has its `ty`.

Guarantees a NEW program (the input is not touched; spans are kept) that
the checker accepts again and the printer writes as valid hilang:

* every non-generic function is kept (reachable from `main` or not, since
  the checker checks them all), its calls of generic functions renamed;
* each generic function is replaced, where it stood, by one copy per ground
  instantiation reachable from those, in the order they are first reached,
  named `length__S64`, `zip__S64__String`, `nth__List_S64` (see `mangle`),
  with a numeric suffix on the rare name already taken; each copy records
  what it is a copy of (`FunDecl.instance`: the generic function, its type
  arguments, the call that needed it), so that an error the checker finds
  in a copy speaks of the function the user wrote;
* in a copy, type variables in annotations become the ground types, and a
  `let` whose type mentioned a type variable gets that type written out, so
  that re-checking infers nothing a generic body had to infer;
* generic data types stay as they are: after this they are only ever applied
  to ground types.

Polymorphic recursion (a generic function reaching itself at an ever larger
type) has no finite monomorphization; instantiations nested deeper than
`MAX_TYPE_DEPTH` are reported at the call as a `CompileError`.
"""

from __future__ import annotations

import dataclasses
from collections import deque

from diagnostics import CompileError, CompilerBug, Span
from diagnostics.deep_stack import run_with_deep_stack
from hilang import ast
from hilang.types import ArrayType, DataType, MapType, Prim, Type, TypeVar, substitute

MAX_TYPE_DEPTH = 64
POLYMORPHIC_RECURSION = "polymorphic recursion is not supported"

# Facts the checker writes on nodes: left out of copies, which are unchecked.
_RESOLVED = frozenset({"ty", "type_args", "builtin"})


def monomorphize(program: ast.Program) -> ast.Program:
    # Copying recurses over the AST, which may nest thousands of levels.
    return run_with_deep_stack(lambda: _Instantiator(program).run())


def type_vars(fun: ast.FunDecl) -> list[str]:
    """The type variables of a function's signature, in order of appearance."""
    found: list[str] = []

    def visit(t: ast.TypeExpr | None) -> None:
        match t:
            case ast.TypeVarRef(name) if name not in found:
                found.append(name)
            case ast.TypeName(args=args):
                for a in args:
                    visit(a)

    for p in fun.params:
        visit(p.type)
    visit(fun.ret)
    return found


def mangle(t: Type) -> str:
    """A type as part of an identifier: `S64`, `List_S64`, `Pair_S64_String`,
    `Array_S64` (capabilities other than `r` are spelled: `Array_rwa_S64`)."""
    match t:
        case Prim(name):
            return name
        case DataType(name, args):
            return "_".join([name, *(mangle(a) for a in args)])
        case ArrayType(elem, caps):
            return "_".join(["Array", *([caps] if caps != "r" else []), mangle(elem)])
        case MapType(key, value, caps):
            return "_".join(["Map", *([caps] if caps != "r" else []), mangle(key), mangle(value)])
    raise CompilerBug(f"cannot instantiate at the non-ground type {t}")


def type_expr(t: Type, span: Span) -> ast.TypeExpr:
    """The annotation that denotes the ground type `t`."""

    def container(name: str, args: tuple[Type, ...], caps: str) -> ast.TypeName:
        # No set written means {r}; {rwa} reads best as `mut`.
        return ast.TypeName(name, tuple(type_expr(a, span) for a in args),
                            None if caps == "r" else caps, mut=caps == "rwa", span=span)

    match t:
        case Prim(name):
            return ast.TypeName(name, span=span)
        case DataType(name, args):
            return ast.TypeName(name, tuple(type_expr(a, span) for a in args), span=span)
        case ArrayType(elem, caps):
            return container("Array", (elem,), caps)
        case MapType(key, value, caps):
            return container("Map", (key, value), caps)
    raise CompilerBug(f"cannot write the non-ground type {t} as an annotation")


def type_depth(t: Type) -> int:
    match t:
        case DataType(_, args):
            return 1 + max((type_depth(a) for a in args), default=0)
        case ArrayType(elem, _):
            return 1 + type_depth(elem)
        case MapType(key, value, _):
            return 1 + max(type_depth(key), type_depth(value))
    return 1


def mentions_type_var(t: Type | None) -> bool:
    match t:
        case TypeVar():
            return True
        case DataType(_, args):
            return any(mentions_type_var(a) for a in args)
        case ArrayType(elem, _):
            return mentions_type_var(elem)
        case MapType(key, value, _):
            return mentions_type_var(key) or mentions_type_var(value)
    return False


@dataclasses.dataclass
class _Instance:
    generic: ast.FunDecl
    name: str
    subst: dict[str, Type]
    origin: ast.InstanceOf  # what the copy records for the checker's messages
    decl: ast.FunDecl | None = None  # the copy, once made


class _Instantiator:
    """The worklist: instances are keyed by (function, ground type arguments)
    and copied once each; copying one may request more."""

    def __init__(self, program: ast.Program):
        self.program = program
        self.generics = {f.name: type_vars(f) for f in program.funs if type_vars(f)}
        self.decls = {f.name: f for f in program.funs}
        self.taken = {f.name for f in program.funs}
        self.instances: dict[tuple[str, tuple[Type, ...]], _Instance] = {}
        self.pending: deque[_Instance] = deque()
        self.copying: _Instance | None = None  # the instance whose body is being copied

    def run(self) -> ast.Program:
        kept = {f.name: self.copy(f, {}) for f in self.program.funs if f.name not in self.generics}
        while self.pending:
            inst = self.pending.popleft()
            self.copying = inst
            inst.decl = dataclasses.replace(self.copy(inst.generic, inst.subst), name=inst.name,
                                            instance=inst.origin)
        self.copying = None
        decls: list[ast.DataDecl | ast.FunDecl] = []
        for d in self.program.decls:
            if isinstance(d, ast.DataDecl):
                decls.append(self.copy(d, {}))
            elif d.name in kept:
                decls.append(kept[d.name])
            else:
                decls.extend(i.decl for i in self.instances.values() if i.generic is d)
        return ast.Program(tuple(decls), span=self.program.span)

    def instance(self, call: ast.Call, subst: dict[str, Type]) -> str:
        """The name of the instance `call` reaches from a copy made at `subst`."""
        tvars = self.generics[call.func]
        args = tuple(substitute(call.type_args[v], subst) for v in tvars)
        key = (call.func, args)
        if key not in self.instances:
            if any(type_depth(a) > MAX_TYPE_DEPTH for a in args):
                raise CompileError.at(call.span, POLYMORPHIC_RECURSION)
            name = self.fresh_name(f"{call.func}__" + "__".join(mangle(a) for a in args))
            generic = self.decls[call.func]
            origin = ast.InstanceOf(generic, tuple(zip(tvars, args)), call.span,
                                    self.copying.origin if self.copying else None)
            inst = _Instance(generic, name, dict(zip(tvars, args)), origin)
            self.instances[key] = inst
            self.pending.append(inst)
        return self.instances[key].name

    def fresh_name(self, base: str) -> str:
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name

    def copy(self, node, subst: dict[str, Type]):
        """A fresh copy of `node` with its type variables replaced by `subst`
        and its calls of generic functions renamed to their instances.
        (Spans are immutable and shared with the original.)"""
        cls = type(node)
        fields = _copied_fields(cls)
        if fields is None:
            if isinstance(node, tuple):
                return tuple([self.copy(x, subst) for x in node])
            return node
        if cls is ast.TypeVarRef:
            if node.name in subst:
                return type_expr(subst[node.name], node.span)
        elif cls is ast.Call:
            if node.func in self.generics and not node.builtin:
                return dataclasses.replace(self._rebuild(node, fields, subst), func=self.instance(node, subst))
        elif cls is ast.Let:
            if node.type is None and subst and mentions_type_var(node.value.ty):
                annotation = type_expr(substitute(node.value.ty, subst), node.span)
                return dataclasses.replace(self._rebuild(node, fields, subst), type=annotation)
        return self._rebuild(node, fields, subst)

    def _rebuild(self, node, fields: tuple[str, ...], subst: dict[str, Type]):
        copy = self.copy
        return type(node)(**{name: copy(getattr(node, name), subst) for name in fields})


_FIELDS: dict[type, tuple[str, ...] | None] = {}


def _copied_fields(cls: type) -> tuple[str, ...] | None:
    """The fields `copy` rebuilds a node of class `cls` from (None for a
    non-dataclass, and for the immutable `Span` and `InstanceOf`, kept as
    they are), cached per class: `dataclasses.fields` per node made
    monomorphizing a 20,000-deep block take seconds."""
    try:
        return _FIELDS[cls]
    except KeyError:
        kept = cls is Span or cls is ast.InstanceOf or not dataclasses.is_dataclass(cls)
        names = None if kept else tuple(f.name for f in dataclasses.fields(cls) if f.name not in _RESOLVED)
        _FIELDS[cls] = names
        return names
