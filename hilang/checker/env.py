"""The program's declarations as the checker sees them, and the meaning of
written types.

Guarantees:
* `ProgramEnv` maps data type, constructor and function names to their
  resolved declarations; the built-in `Option` is in it like a user type.
* `resolve_type` turns a written `TypeExpr` into a `hilang.types.Type`,
  reporting unknown names, wrong arities, capabilities written on a type
  that cannot carry them, and Map keys other than S64 or String. A type it
  cannot make sense of becomes `ERROR`, so the error is reported once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hilang import ast, hints
from hilang.checker.context import Reporter
from hilang.checker.infer import ERROR, ErrorType
from hilang.types import PRIMS, S64, STRING, ArrayType, DataType, MapType, Type, TypeVar

CONTAINERS = {"Array": 1, "Map": 2}
BUILTIN_TYPES = {*PRIMS, *CONTAINERS, "Option"}


@dataclass
class CtorInfo:
    """`fields` are (name or None, declared type over the data's params)."""

    name: str
    data: str
    fields: list[tuple[str | None, Type]]
    named: bool
    index: int

    def field_names(self) -> list[str]:
        return [n for n, _ in self.fields if n is not None]

    def field_type(self, name: str) -> Type | None:
        return next((t for n, t in self.fields if n == name), None)


@dataclass
class DataInfo:
    name: str
    params: tuple[str, ...]
    ctors: list[CtorInfo] = field(default_factory=list)

    def applied(self, args: tuple[Type, ...]) -> DataType:
        return DataType(self.name, args)

    def subst(self, t: DataType) -> dict[str, Type]:
        return dict(zip(self.params, t.args))


@dataclass
class FunSig:
    name: str
    params: list[tuple[str, Type]]
    ret: Type
    tvars: tuple[str, ...]
    decl: ast.FunDecl | None = None

    @property
    def shown(self) -> str:
        """The name messages use: a monomorphized copy is called by the
        name of the generic function the user wrote (`FunDecl.instance`)."""
        instance = self.decl.instance if self.decl is not None else None
        return instance.generic.name if instance is not None else self.name


@dataclass
class ProgramEnv:
    datas: dict[str, DataInfo] = field(default_factory=dict)
    ctors: dict[str, CtorInfo] = field(default_factory=dict)
    funs: dict[str, FunSig] = field(default_factory=dict)
    # Every function's signature in source order, duplicates included (their
    # bodies are checked too, for their own errors).
    bodies: list[FunSig] = field(default_factory=list)


def option_info() -> DataInfo:
    """`data Option a = None | Some(a)` (LANGUAGE.md 1.2)."""
    info = DataInfo("Option", ("a",))
    info.ctors = [
        CtorInfo("None", "Option", [], False, 0),
        CtorInfo("Some", "Option", [(None, TypeVar("a"))], False, 1),
    ]
    return info


@dataclass
class TypeVars:
    """Which type variables a written type may use. `fixed` None means any
    (a function signature introduces them implicitly; `seen` collects them
    in order); otherwise only those in `fixed`, and `owner` names whose."""

    fixed: tuple[str, ...] | None
    owner: str
    seen: list[str] = field(default_factory=list)

    def use(self, name: str) -> bool:
        if self.fixed is None:
            if name not in self.seen:
                self.seen.append(name)
            return True
        return name in self.fixed


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def resolve_type(te: ast.TypeExpr, env: ProgramEnv, tvars: TypeVars, report: Reporter) -> Type:
    match te:
        case ast.TypeVarRef(name):
            if tvars.use(name):
                return TypeVar(name)
            report.error(te.span, f"unknown type variable '{name}': it is not a type variable of {tvars.owner}"
                                  + hints.type_hint(name))
            return ERROR
        case ast.TypeName(name, args):
            args_t = tuple(resolve_type(a, env, tvars, report) for a in args)
            return _resolve_name(te, args_t, env, report)
    raise TypeError(f"not a type expression: {te!r}")


def _resolve_name(te: ast.TypeName, args: tuple[Type, ...], env: ProgramEnv, report: Reporter) -> Type:
    name = te.name
    if name in PRIMS:
        expected = 0
    elif name in CONTAINERS:
        expected = CONTAINERS[name]
    elif name in env.datas:
        expected = len(env.datas[name].params)
    else:
        report.error(te.span, f"unknown type '{name}'" + hints.type_hint(name))
        return ERROR
    if te.caps is not None and name not in CONTAINERS:
        what = "'mut'" if te.mut else f"capabilities {{{te.caps}}}"
        report.error(te.span, f"{what} can only be written on Array and Map, not on '{name}'")
    if len(args) != expected:
        report.error(
            te.span,
            f"type '{name}' takes {_plural(expected, 'type argument')}, found {len(args)}",
        )
        return ERROR
    caps = te.caps or "r"
    if name in PRIMS:
        return PRIMS[name]
    if name == "Array":
        return ArrayType(args[0], caps)
    if name == "Map":
        key = args[0]
        if not isinstance(key, ErrorType) and key not in (S64, STRING):
            report.error(te.args[0].span, f"map keys must be S64 or String, found {key}")
            return ERROR
        return MapType(key, args[1], caps)
    return DataType(name, args)


def container_caps_in(te: ast.TypeExpr):
    """Every `TypeName` of a container in `te` with the caps it declares."""
    stack = [te]
    while stack:
        cur = stack.pop()
        if isinstance(cur, ast.TypeName):
            if cur.name in CONTAINERS:
                yield cur, cur.caps or "r"
            stack.extend(cur.args)


# LANGUAGE.md 1.5 and 1.8; `builtins.py` holds their signatures (and checks it covers
# exactly these names).
BUILTIN_FUNCTIONS = frozenset({
    "print", "len", "push", "pop", "array", "map", "insert", "get", "contains",
    "remove", "keys", "str", "int", "sqrt", "float", "trunc", "u8", "s64",
    "substr", "chr",
})
