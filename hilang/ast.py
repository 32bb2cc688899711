"""The hilang abstract syntax tree (LANGUAGE.md section 1).

One dataclass per construct; each docstring shows the construct's text.
Every node carries a `span` (keyword-only, excluded from equality, so that
`parse(print(ast)) == ast` compares structure, not positions).

Expressions also carry `ty`, the semantic type (`hilang.types.Type`) the
checker assigns; it is `None` until the program has been checked. The checker
writes a few more resolution facts (also excluded from equality), documented
on the nodes that have them. Nodes are mutable only so that the checker can
fill these slots; no other stage mutates an AST.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from diagnostics import NOSPAN, Span


def _span():
    return field(default=NOSPAN, compare=False, kw_only=True, repr=False)


def _resolved(default=None):
    return field(default=default, compare=False, kw_only=True, repr=False)


# --------------------------------------------------------------------------
# Type expressions (what the programmer wrote; `hilang.types` has the meaning)


@dataclass(slots=True)
class TypeName:
    """`S64`, `List a`, `Array{rw} S64`, `Map String (Array S64)`.

    `caps` is the capability set written after the name (`"r"`, `"rw"` or
    `"rwa"`), or None when none was written. `mut T` parses as `T` with
    `caps="rwa"` and `mut=True` (so the printer can write it back as written).
    """

    name: str
    args: tuple["TypeExpr", ...] = ()
    caps: str | None = None
    mut: bool = field(default=False, compare=False)
    span: Span = _span()


@dataclass(slots=True)
class TypeVarRef:
    """`a`, `b`: a type variable (lower-case)."""

    name: str
    span: Span = _span()


TypeExpr = Union[TypeName, TypeVarRef]


# --------------------------------------------------------------------------
# Declarations


@dataclass(slots=True)
class FieldDecl:
    """A constructor field: `S64` (positional, name None) or `age: S64`."""

    name: str | None
    type: TypeExpr
    span: Span = _span()


@dataclass(slots=True)
class CtorDecl:
    """`Node(Tree, S64, Tree)`, `Leaf`, `Rect { w: F64, h: F64 }`.

    `named` is True for the brace form (every field then has a name)."""

    name: str
    fields: tuple[FieldDecl, ...] = ()
    named: bool = False
    span: Span = _span()


@dataclass(slots=True)
class DataDecl:
    """`data List a = Nil | Cons(a, List a)`;
    `data Person = { age: S64, name: String }` has one constructor named
    `Person` (the record form; `record=True` so the printer writes it back)."""

    name: str
    params: tuple[str, ...]
    ctors: tuple[CtorDecl, ...]
    record: bool = field(default=False, compare=False)
    span: Span = _span()


@dataclass(slots=True)
class Param:
    """`xs: mut Array S64`."""

    name: str
    type: TypeExpr
    span: Span = _span()


@dataclass(slots=True)
class FunDecl:
    """`fun name(p: T, ...): R { ... }` (`ret` None means `: Unit` omitted).

    `instance` is set by `mono` on its copies of a generic function (excluded
    from equality, like the checker's facts): the checker's messages about a
    copy speak of the generic function the user wrote."""

    name: str
    params: tuple[Param, ...]
    ret: TypeExpr | None
    body: Block
    span: Span = _span()
    instance: "InstanceOf | None" = _resolved()


@dataclass(frozen=True, slots=True)
class InstanceOf:
    """What a monomorphized copy is a copy of: `generic` as written (type
    variables and all), the types its type variables were given
    (`type_args`, name -> `hilang.types.Type`, in order), the call that
    first needed the copy, and the copy that call is in (`caller`; None
    when the call is in a function the user wrote without type variables)."""

    generic: FunDecl
    type_args: tuple[tuple[str, object], ...]
    call: Span
    caller: "InstanceOf | None" = None


@dataclass(slots=True)
class Program:
    """A whole `.hi` file: data and function declarations in source order."""

    decls: tuple[Union[DataDecl, FunDecl], ...]
    span: Span = _span()

    @property
    def datas(self) -> list[DataDecl]:
        return [d for d in self.decls if isinstance(d, DataDecl)]

    @property
    def funs(self) -> list[FunDecl]:
        return [d for d in self.decls if isinstance(d, FunDecl)]


# --------------------------------------------------------------------------
# Statements


@dataclass(slots=True)
class Block:
    """`{ stmt; stmt; ... }`"""

    stmts: tuple["Stmt", ...]
    span: Span = _span()


@dataclass(slots=True)
class Let:
    """`let x = e;`, `let x: T = e;`, `var x = e;` (`mutable=True`)."""

    name: str
    type: TypeExpr | None
    value: "Expr"
    mutable: bool = False
    span: Span = _span()


@dataclass(slots=True)
class Assign:
    """`x = e;` (x a `var`)."""

    name: str
    value: "Expr"
    span: Span = _span()


@dataclass(slots=True)
class IndexAssign:
    """`a[i] = e;` (needs `w` on `a`)."""

    target: "Expr"
    index: "Expr"
    value: "Expr"
    span: Span = _span()


@dataclass(slots=True)
class If:
    """`if c { ... } else if d { ... } else { ... }`; `els` is a Block, a
    nested If (for `else if`), or None."""

    cond: "Expr"
    then: Block
    els: Union[Block, "If", None] = None
    span: Span = _span()


@dataclass(slots=True)
class While:
    """`while c { ... }`"""

    cond: "Expr"
    body: Block
    span: Span = _span()


@dataclass(slots=True)
class ForRange:
    """`for i in lo..hi { ... }` (lo, then hi, evaluated once; hi exclusive)."""

    var: str
    lo: "Expr"
    hi: "Expr"
    body: Block
    span: Span = _span()


@dataclass(slots=True)
class ForEach:
    """`for x in xs { ... }` over an Array (elements) or a Map (a snapshot of
    its keys). The checker's `ty` of `iterable` tells which."""

    var: str
    iterable: "Expr"
    body: Block
    span: Span = _span()


@dataclass(slots=True)
class Break:
    """`break;`"""

    span: Span = _span()


@dataclass(slots=True)
class Continue:
    """`continue;`"""

    span: Span = _span()


@dataclass(slots=True)
class Return:
    """`return e;` or `return;` (value None)."""

    value: "Expr | None" = None
    span: Span = _span()


@dataclass(slots=True)
class Arm:
    """`Pattern => { ... }`"""

    pattern: "Pattern"
    body: Block
    span: Span = _span()


@dataclass(slots=True)
class Match:
    """`match e { P1 => { ... } P2 => { ... } }` (first matching arm wins)."""

    scrutinee: "Expr"
    arms: tuple[Arm, ...]
    span: Span = _span()


@dataclass(slots=True)
class ExprStmt:
    """`e;` (the value, if any, is discarded)."""

    expr: "Expr"
    span: Span = _span()


Stmt = Union[Let, Assign, IndexAssign, If, While, ForRange, ForEach, Break, Continue, Return, Match, ExprStmt]


# --------------------------------------------------------------------------
# Expressions. Every one has `ty`, set by the checker.


@dataclass(slots=True)
class IntLit:
    """`42` (S64) or `255u8` (`u8=True`). The parser only makes non-negative
    values (`-7` is a Unary); the printer writes a negative one built by code
    as a parenthesised unary minus."""

    value: int
    u8: bool = False
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class FloatLit:
    """`1.5`, `2.0e-3`."""

    value: float
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class BoolLit:
    """`true`, `false`."""

    value: bool
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class StringLit:
    """`"a\\tb"`: `value` is the decoded text (escapes applied)."""

    value: str
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class UnitLit:
    """`()`"""

    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class Var:
    """`x`: a local variable or parameter."""

    name: str
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class Call:
    """`f(a, b)`; `a.f(b)` parses to the same node with `ufcs=True`.

    After checking, `type_args` maps the callee's type variables to the
    types of this call (empty for non-generic callees and built-ins), and
    `builtin` is True when `func` names a built-in function."""

    func: str
    args: tuple["Expr", ...]
    ufcs: bool = field(default=False, compare=False)
    span: Span = _span()
    ty: object = _resolved()
    type_args: dict = _resolved()
    builtin: bool = _resolved(False)


@dataclass(slots=True)
class Construct:
    """`Cons(h, t)`, `Leaf`, `Some(3)`: a constructor applied positionally
    (a nullary constructor has `args=()`)."""

    ctor: str
    args: tuple["Expr", ...] = ()
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class RecordLit:
    """`Person { age = 3, name = "Ada" }` (`base` None) or
    `Person { p with age = 4 }` (`base` the copied value). `fields` are
    `(name, expr)` pairs in source order (evaluated in that order, after
    `base`)."""

    ctor: str
    fields: tuple[tuple[str, "Expr"], ...]
    base: "Expr | None" = None
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class FieldGet:
    """`e.f`"""

    target: "Expr"
    name: str
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class Index:
    """`e[i]` on an Array (element) or a String (a U8 byte)."""

    target: "Expr"
    index: "Expr"
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class IfExpr:
    """`if c then a else b` (only the chosen branch is evaluated)."""

    cond: "Expr"
    then: "Expr"
    els: "Expr"
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class ArrayLit:
    """`[e1, e2]`, `[]`"""

    elems: tuple["Expr", ...]
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class Binary:
    """`a + b`; `op` is one of `* / % + - ++ == != < <= > >= && ||`."""

    op: str
    left: "Expr"
    right: "Expr"
    span: Span = _span()
    ty: object = _resolved()


@dataclass(slots=True)
class Unary:
    """`-e`, `!e`."""

    op: str
    operand: "Expr"
    span: Span = _span()
    ty: object = _resolved()


Expr = Union[
    IntLit, FloatLit, BoolLit, StringLit, UnitLit, Var, Call, Construct, RecordLit,
    FieldGet, Index, IfExpr, ArrayLit, Binary, Unary,
]


# --------------------------------------------------------------------------
# Patterns


@dataclass(slots=True)
class PWild:
    """`_`"""

    span: Span = _span()


@dataclass(slots=True)
class PVar:
    """`x`: binds the matched value."""

    name: str
    span: Span = _span()


@dataclass(slots=True)
class PInt:
    """`0`, `-1`, `7u8` (value may be negative)."""

    value: int
    u8: bool = False
    span: Span = _span()


@dataclass(slots=True)
class PBool:
    """`true`, `false`"""

    value: bool
    span: Span = _span()


@dataclass(slots=True)
class PString:
    """`"red"`"""

    value: str
    span: Span = _span()


@dataclass(slots=True)
class PCtor:
    """`Cons(h, t)`, `Nil`, `Some(Some(0))`: positional sub-patterns."""

    ctor: str
    args: tuple["Pattern", ...] = ()
    span: Span = _span()


@dataclass(slots=True)
class PRecord:
    """`Rect { w, h = 0 }`: some or all named fields. A bare field name `w`
    is `("w", PVar("w"))`; `shorthand` records which were written bare."""

    ctor: str
    fields: tuple[tuple[str, "Pattern"], ...]
    shorthand: tuple[bool, ...] = field(default=(), compare=False)
    span: Span = _span()


Pattern = Union[PWild, PVar, PInt, PBool, PString, PCtor, PRecord]


# Node classes by kind, for code that wants to ask "is this an expression?".
EXPR_TYPES = (
    IntLit, FloatLit, BoolLit, StringLit, UnitLit, Var, Call, Construct, RecordLit,
    FieldGet, Index, IfExpr, ArrayLit, Binary, Unary,
)
STMT_TYPES = (Let, Assign, IndexAssign, If, While, ForRange, ForEach, Break, Continue, Return, Match, ExprStmt)
PATTERN_TYPES = (PWild, PVar, PInt, PBool, PString, PCtor, PRecord)
