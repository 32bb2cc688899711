"""The lolang IR: the region language of LANGUAGE.md section 2 (reference:
docs/lolang.md, which has the grammar, the typing and linearity rules, the
runtime model and the object sizes).

# STATUS: IR-STABLE
# From here on nodes and optional fields are only ever added; a rename or a
# removal is announced in lolang/IR_CHANGES.md.

One frozen, slotted dataclass per construct; each docstring shows the
construct's text as `lolang.printer` writes it and `lolang.parser` reads it.
Every node carries a `span` (its position in the `.lo` text; keyword-only,
excluded from equality and repr), so `parse(print(p)) == p` compares
structure, not positions. Nodes hold tuples, never lists, so they hash.

Operations that can fail at run time carry `pos: Pos | None`, the *hilang*
source position their runtime error reports (`runtime error: ... at 8:12`).
Unlike `span` it is part of the program's meaning: it is printed (`@8:12`),
parsed back and compared.

Namespaces: data types and constructors start with an upper-case letter;
variables, functions, field names and regions with a lower-case letter or
`_`. Regions live in a namespace of their own (a region and a variable may
share a name). `P` is the primitive region.

Capabilities are a subset of `{r, w, a}`, held as a canonical string: the
letters in the order `r`, `w`, `a` (`""`, `"r"`, `"rw"`, `"wa"`, `"rwa"`...).
Use `caps()` to build one from any spelling.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field
from typing import Union

from diagnostics import NOSPAN, Span


def _span():
    return field(default=NOSPAN, compare=False, kw_only=True, repr=False)


def _cached_hash(self, parts) -> int:
    """A type's hash, computed once: types nest as deep as the program
    (`[[[...]]]`), and analyses hash them often (as keys of facts), so
    hashing one must not walk it every time."""
    h = self._hash
    if not h:
        h = hash((type(self).__name__, *parts)) or 1
        object.__setattr__(self, "_hash", h)
    return h


def _hash_field():
    return field(default=0, init=False, repr=False, compare=False)


# --------------------------------------------------------------------------
# Capabilities and positions

Caps = str
CAPS_ORDER = "rwa"
ALL_CAPS: Caps = "rwa"
PRIMITIVE_REGION = "P"


def caps(letters: str) -> Caps:
    """The canonical capability string for `letters` (any order, no
    repeats, each one of r, w, a); raises ValueError otherwise."""
    if len(set(letters)) != len(letters) or not set(letters) <= set(CAPS_ORDER):
        raise ValueError(f"bad capability set {letters!r}")
    return "".join(c for c in CAPS_ORDER if c in letters)


def caps_le(small: Caps, big: Caps) -> bool:
    """`small` ⊆ `big`."""
    return set(small) <= set(big)


def caps_meet(a: Caps, b: Caps) -> Caps:
    return "".join(c for c in CAPS_ORDER if c in a and c in b)


@dataclass(frozen=True, slots=True)
class Pos:
    """`@12:5`: a hilang source position (1-based line and column) that a
    runtime error reports."""

    line: int
    col: int

    def span(self) -> Span:
        """As a `Span`, for `ProgramError(what, pos.span())`."""
        return Span(self.line, self.col)

    @classmethod
    def of(cls, span: Span) -> "Pos | None":
        """The position of a hilang node's span (None if unknown)."""
        return cls(span.line, span.col) if span.known else None


# --------------------------------------------------------------------------
# Types
#
# Two kinds of places hold types:
# * a *value type* (parameters, results, `let` annotations) is a primitive,
#   a reference `T @r`, an owned pack `Pack{c} T` or a borrowed `&Pack{c} T`;
# * a *slot type* (data fields, container elements, map keys and values) is a
#   primitive, a bare object type `T` (a reference into the region of the
#   object holding the slot) or an owned pack `Pack{c} T`.
# An *object type* (`DataType`, `StringType`, `ArrayType`, `MapType`) never
# stands alone as a value: a value reaches it through `T @r` or a pack.


@dataclass(frozen=True, slots=True)
class PrimType:
    """`S64`, `U8`, `F64`, `Bool`, `Unit`: unboxed, in the primitive region
    `P`. (`S64 @P` is read as `S64`; the printer writes `S64`.)"""

    name: str
    span: Span = _span()


PRIM_NAMES = ("S64", "U8", "F64", "Bool", "Unit")


@dataclass(frozen=True, slots=True)
class DataType:
    """`Tree`: an object of a declared data type (monomorphic: one
    declaration per hilang instantiation, e.g. `List_S64`)."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class StringType:
    """`String`: an immutable byte string object."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ArrayType:
    """`Array E`, E a slot type: `Array S64`, `Array Tree` (elements in the
    array's region), `Array (Pack{r} Tree)`. The storage lives in the
    array's region."""

    elem: "SlotType"
    span: Span = _span()
    _hash: int = _hash_field()

    def __hash__(self) -> int:
        return _cached_hash(self, (self.elem,))


@dataclass(frozen=True, slots=True)
class MapType:
    """`Map K V`, K one of `S64`, `String` (keys in the map's region) or
    `Pack{c} String`; V a slot type. The table lives in the map's region."""

    key: "SlotType"
    value: "SlotType"
    span: Span = _span()
    _hash: int = _hash_field()

    def __hash__(self) -> int:
        return _cached_hash(self, (self.key, self.value,))


@dataclass(frozen=True, slots=True)
class RefType:
    """`T @r`: a reference to an object of type T in region r (no reference
    count; valid while r is in scope). Every bare object type inside T (a
    same-region field or element) is also in r."""

    obj: "ObjType"
    region: str
    span: Span = _span()
    _hash: int = _hash_field()

    def __hash__(self) -> int:
        return _cached_hash(self, (self.obj, self.region,))


@dataclass(frozen=True, slots=True)
class PackType:
    """`Pack{c} T`: an owned existential — some region s holding
    capabilities c, and an object `T @s`. Two words at run time (address,
    region id); owning one owns one reference on s. `Pack{rw} (Array S64)`."""

    caps: Caps
    obj: "ObjType"
    span: Span = _span()
    _hash: int = _hash_field()

    def __hash__(self) -> int:
        return _cached_hash(self, (self.caps, self.obj,))


@dataclass(frozen=True, slots=True)
class BorrowType:
    """`&Pack{c} T`: a borrowed pack — same run-time form, but it owns no
    reference: it can be unpacked, copied or lent on, never consumed.
    Only a value type (parameters, `let` annotations)."""

    pack: PackType
    span: Span = _span()
    _hash: int = _hash_field()

    def __hash__(self) -> int:
        return _cached_hash(self, (self.pack,))


ObjType = Union[DataType, StringType, ArrayType, MapType]
SlotType = Union[PrimType, DataType, StringType, ArrayType, MapType, PackType]
Type = Union[PrimType, DataType, StringType, ArrayType, MapType, RefType, PackType, BorrowType]

OBJ_TYPES = (DataType, StringType, ArrayType, MapType)
SLOT_TYPES = (PrimType, *OBJ_TYPES, PackType)
VALUE_TYPES = (PrimType, RefType, PackType, BorrowType)
TYPE_TYPES = (PrimType, *OBJ_TYPES, RefType, PackType, BorrowType)

S64 = PrimType("S64")
U8 = PrimType("U8")
F64 = PrimType("F64")
BOOL = PrimType("Bool")
UNIT = PrimType("Unit")
STRING = StringType()


# --------------------------------------------------------------------------
# Declarations


@dataclass(frozen=True, slots=True)
class FieldDecl:
    """A constructor field: `S64` (positional, name None) or
    `left: Pack{r} Tree` (named; `e.left` reads it). Its type is a slot type."""

    name: str | None
    type: SlotType
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CtorDecl:
    """`Leaf`, `Node(Pack{r} Tree, S64, Pack{r} Tree)`,
    `Person(age: S64, name: Pack{r} String)`."""

    name: str
    fields: tuple[FieldDecl, ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DataDecl:
    """`data Tree = Leaf | Node(Pack{r} Tree, S64, Pack{r} Tree)`
    (constructor names are unique across the program)."""

    name: str
    ctors: tuple[CtorDecl, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RegionParam:
    """`s: rw` in `fun f[s: rw]`; `s` alone holds no capability."""

    name: str
    caps: Caps
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Param:
    """`m: Map S64 S64 @s`, `t: Pack{r} Tree` (owned: the call consumes
    the argument), `t: &Pack{r} Tree` (borrowed). Its type is a value type."""

    name: str
    type: Type
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FunDecl:
    """`fun name[s: r, o: a](p: T, ...): R { ... }`. `[...]` is omitted
    when there are no region parameters, `: R` when R is `Unit`. The body's
    result expression, if any, is the function's result (like `return`)."""

    name: str
    regions: tuple[RegionParam, ...]
    params: tuple[Param, ...]
    ret: Type
    body: "Block"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Program:
    """A whole `.lo` file: data and function declarations in order. The
    program starts at `fun main()` (or `fun main(args: ...)`, see
    docs/lolang.md)."""

    decls: tuple[Union[DataDecl, FunDecl], ...]
    span: Span = _span()

    @property
    def datas(self) -> list[DataDecl]:
        return [d for d in self.decls if isinstance(d, DataDecl)]

    @property
    def funs(self) -> list[FunDecl]:
        return [d for d in self.decls if isinstance(d, FunDecl)]


# --------------------------------------------------------------------------
# Blocks and statements


@dataclass(frozen=True, slots=True)
class Block:
    """`{ stmt ... result }`: statements, then an optional result expression
    written without `;` (Rust-style). The block's value is the result, or
    `()` when there is none."""

    stmts: tuple["Stmt", ...]
    result: "Expr | None" = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let:
    """`let x = e;`, `let x: T = e;`, `var x = e;` (`mutable=True`)."""

    name: str
    type: Type | None
    value: "Expr"
    mutable: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assign:
    """`x = e;` (x a `var`; an owned pack in x must have been consumed
    before it is overwritten)."""

    name: str
    value: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IndexSet:
    """`a[i] = e;`, `a[i]@4:9 = e;`: write an array element (needs `w`;
    an old pack element is dropped, a pack value is consumed)."""

    target: "Expr"
    index: "Expr"
    value: "Expr"
    pos: Pos | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExprStmt:
    """`e;`: evaluate for effect (a non-Unit value is discarded; it may not
    be an owned pack)."""

    expr: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    """`if c { ... } else if d { ... } else { ... }`: `els` is a Block, a
    nested If (`else if`), or None."""

    cond: "Expr"
    then: Block
    els: Union[Block, "If", None] = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class While:
    """`while c { ... }` (`while true { ... }` is the plain loop)."""

    cond: "Expr"
    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Break:
    """`break;` (leaves the innermost `while`)."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Continue:
    """`continue;`"""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Return:
    """`return e;`, `return;`"""

    value: "Expr | None" = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Arm:
    """`Pattern => { ... }`"""

    pattern: "Pattern"
    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Match:
    """`match e { Leaf => { ... } Node(l, v, _) => { ... } _ => { ... } }`.
    The scrutinee is a data reference `T @r` (needs `r`), an S64, U8 or
    Bool, or a `String @r` (literal patterns compare bytes). First matching
    arm wins; the arms must be exhaustive."""

    scrutinee: "Expr"
    arms: tuple[Arm, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Drop:
    """`drop p;`: consume an owned pack, releasing its reference."""

    value: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Merge:
    """`merge r into q;`: region r's objects and recorded packs become q's
    (they now die with q); r keeps one reference on q until r's own count
    reaches 0, so packs of r stay valid. From here to the end of the block
    holding the merge, `@r` and `@q` are the same region and r has no `a`
    (docs/lolang.md §5.3)."""

    region: str
    into: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class MatchReset:
    """`match reset t as w { Node(l, k, r) => { ... } Leaf => { ... } }`:
    a `match` that consumes the owned pack `t` (a variable of a data type
    whose fields are primitives or packs), Perceus' reset. Each arm's
    pattern is a constructor with `_` or variables for its fields, or `_`.
    In an arm, the variables on pack fields are *owned* packs, and `w` is
    an owned *reuse token* `Pack{} D` that `reuse{c} w C(...)` or `drop w`
    consumes; in a `_` arm nothing is reset and w is t itself. At run time, when t's region is unique (not P, count 1, not
    merged, holding exactly the matched object's bytes), the fields move
    out without a count (a `_` pack field is released) and w is t's region
    and object; else each named pack field is retained, t is released, and
    w is empty (P). docs/lolang.md §5.5."""

    scrutinee: "Expr"
    token: str
    arms: tuple[Arm, ...]
    span: Span = _span()


Stmt = Union[Let, Assign, IndexSet, ExprStmt, If, While, Break, Continue, Return, Match, Drop, Merge, MatchReset]


# --------------------------------------------------------------------------
# Expressions


@dataclass(frozen=True, slots=True)
class IntLit:
    """`42`, `-7` (S64), `255u8` (U8, `u8=True`). The value is in range:
    S64 from -2^63 to 2^63-1, U8 from 0 to 255. A negative literal is
    written with its `-` attached (`-7`); `-(7)` is a negation."""

    value: int
    u8: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FloatLit:
    """`1.5`, `-2.0e-05`, `inf`, `-inf`, `nan` (Python's `repr` of the
    value, so printing is exact).

    Equality compares what is printed — the bits, every NaN alike — so
    `-0.0` differs from `0.0` and a NaN literal equals itself."""

    value: float = field(compare=False)
    bits: str = field(init=False, repr=False)
    span: Span = _span()

    def __post_init__(self) -> None:
        bits = "nan" if math.isnan(self.value) else struct.pack("<d", self.value).hex()
        object.__setattr__(self, "bits", bits)


@dataclass(frozen=True, slots=True)
class BoolLit:
    """`true`, `false`"""

    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class UnitLit:
    """`()`"""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Var:
    """`x`: a local variable or parameter."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unary:
    """`-e` (S64, U8 wrap; F64), `!e` (Bool)."""

    op: str
    operand: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Binary:
    """`a + b`; `op` is one of `* / % + - == != < <= > >= && ||`, with
    hilang's precedence and meaning (LANGUAGE.md 1.6, 1.7); `&&` and `||`
    short-circuit; `==` on `String @r` compares bytes. `/` and `%` carry
    the position of their division by zero, attached to the operator:
    `a /@8:12 b`."""

    op: str
    left: "Expr"
    right: "Expr"
    pos: Pos | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IfExpr:
    """`if c then a else b` (only the chosen branch is evaluated)."""

    cond: "Expr"
    then: "Expr"
    els: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """`f(x, y)`, `make[q](3)`, `f[q, s](x)@12:5` (pos: where a stack
    overflow is reported). Owned pack arguments are consumed, borrowed
    (`&`) ones lent for the call."""

    func: str
    regions: tuple[str, ...]
    args: tuple["Expr", ...]
    pos: Pos | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Builtin:
    """A built-in operation: `print(a, b)`, `len(xs)`, `pop(xs)@3:9`,
    `str[r](n)`, `concat[r](a, b)`, `array[r](n, x)@2:5`, `keys[r](m)`...
    `BUILTINS` below lists every one with its region arguments, arity and
    the capabilities it needs (docs/lolang.md has their meaning)."""

    name: str
    regions: tuple[str, ...]
    args: tuple["Expr", ...]
    pos: Pos | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NewData:
    """`new[r] Node(a, 1, b)`, `new[r] Leaf`: allocate a data object in r
    (needs `a` on r; pack arguments are consumed and recorded by r)."""

    region: str
    ctor: str
    args: tuple["Expr", ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NewString:
    """`new[r] "text"`: allocate a string literal in r (needs `a`)."""

    region: str
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NewArray:
    """`new[r] Array S64 [1, 2]`, `new[r] Array (Pack{r} Tree) []`: a new
    array in r holding the elements (consumed when packs); needs `a`."""

    region: str
    elem: SlotType
    elems: tuple["Expr", ...] = ()
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NewMap:
    """`new[r] Map S64 (Pack{r} Tree)`: a new empty map in r; needs `a`."""

    region: str
    key: SlotType
    value: SlotType
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldGet:
    """`e.name`: read a named field of a data object `T @r` (needs `r`;
    every constructor of T has the field). A pack field reads as a
    borrowed pack."""

    target: "Expr"
    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    """`xs[i]@3:4`: an array element, a string's byte (U8), or a map's value
    at a key that must be present (`m[k]`). Needs `r`. A pack element reads
    as a borrowed pack that may only be copied: `copy xs[i]`."""

    target: "Expr"
    index: "Expr"
    pos: Pos | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Pack:
    """`pack{rw} x`: x is `T @s`; gives an owned `Pack{rw} T` (caps at most
    those held on s) and takes one reference on s."""

    caps: Caps
    value: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Copy:
    """`copy p`: p an owned or borrowed pack (not consumed); gives a new
    owned pack of the same region (one retain)."""

    value: "Expr"
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Region:
    """`region r { ... }`: a new region r holding `rwa`; the block holds one
    reference, released when control leaves the block (by its end, `break`,
    `continue` or `return`). The value's type must not mention r."""

    name: str
    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Unpack:
    """`unpack p as s, x { ... }`: p is `Pack{c} T`; the block sees region
    s holding c and `x: T @s`. When p is a place (a variable, a borrowed
    pack, a field read) it is borrowed — no count changes, and it cannot be
    consumed inside; any other pack expression is an owned temporary that
    the unpack consumes and releases when the block ends. The value's type
    must not mention s."""

    pack: "Expr"
    region: str
    var: str
    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Restrict:
    """`restrict r: r { ... }`: inside the block r holds only the given
    capabilities (a subset of those held); `restrict r { ... }` holds none."""

    region: str
    caps: Caps
    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Do:
    """`do { stmt ... result }`: a block used as an expression (a place for
    statements inside an expression, e.g. the right of `&&`)."""

    body: Block
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Reuse:
    """`reuse{c} w Node(a, b)`: an owned `Pack{c} D` of a new `Node`, made
    in the place of the object that reuse token `w` (consumed) stands for
    when w is not empty: written over it in its region, which the result
    keeps (no region made, no count). When w is empty, a new region with
    the object, whose creation reference the result takes. `Node` is of
    w's data type and of the size of the constructor w's arm matched, its
    fields primitives or packs (docs/lolang.md §5.5)."""

    token: "Expr"
    caps: Caps
    ctor: str
    args: tuple["Expr", ...] = ()
    span: Span = _span()


Expr = Union[
    IntLit, FloatLit, BoolLit, UnitLit, Var, Unary, Binary, IfExpr, Call, Builtin,
    NewData, NewString, NewArray, NewMap, FieldGet, Index, Pack, Copy, Region, Unpack,
    Restrict, Do, Reuse,
]


# --------------------------------------------------------------------------
# Patterns (in `match` arms)


@dataclass(frozen=True, slots=True)
class PWild:
    """`_`"""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PVar:
    """`x`: binds the matched value (a pack field binds a borrowed pack, a
    same-region field a reference `T @r`)."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PInt:
    """`0`, `-1`, `7u8`."""

    value: int
    u8: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PBool:
    """`true`, `false`"""

    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PString:
    """`"red"` (on a `String @r` scrutinee)."""

    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class PCtor:
    """`Leaf`, `Node(l, 0, _)`, `Cons(x, Cons(y, _))`: positional
    sub-patterns, one per field (or none for a nullary constructor). A
    sub-pattern under a pack field can only be `_` or a variable: a pack
    has to be unpacked before its object is matched."""

    ctor: str
    args: tuple["Pattern", ...] = ()
    span: Span = _span()


Pattern = Union[PWild, PVar, PInt, PBool, PString, PCtor]


EXPR_TYPES = (
    IntLit, FloatLit, BoolLit, UnitLit, Var, Unary, Binary, IfExpr, Call, Builtin,
    NewData, NewString, NewArray, NewMap, FieldGet, Index, Pack, Copy, Region, Unpack,
    Restrict, Do, Reuse,
)
STMT_TYPES = (Let, Assign, IndexSet, ExprStmt, If, While, Break, Continue, Return, Match, Drop, Merge, MatchReset)
PATTERN_TYPES = (PWild, PVar, PInt, PBool, PString, PCtor)

BINARY_OPS = ("*", "/", "%", "+", "-", "==", "!=", "<", "<=", ">", ">=", "&&", "||")
# The operators that also take two `String` references (of any regions):
# equality and ordering by bytes (docs/lolang.md §6).
STRING_COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
UNARY_OPS = ("-", "!")


# --------------------------------------------------------------------------
# Built-in operations


@dataclass(frozen=True, slots=True)
class BuiltinInfo:
    """What the parser and checker know of a built-in by name: how many
    region arguments (`[r]`) and value arguments (None: any number) it
    takes, the capabilities it needs on the region of its first argument
    (the container or string it works on), and whether it can fail at run
    time (then it carries a `pos`)."""

    regions: int
    arity: int | None
    needs: Caps
    can_fail: bool
    summary: str


BUILTINS: dict[str, BuiltinInfo] = {
    "print": BuiltinInfo(0, None, "r", False,
                         "print(x, ...): prims and `String @r`; one space between, then a newline"),
    "len": BuiltinInfo(0, 1, "r", False, "len(x): S64 of a String, Array or Map"),
    "push": BuiltinInfo(0, 2, "rwa", False, "push(xs, x): append (x consumed when a pack)"),
    "swap": BuiltinInfo(0, 2, "rw", False,
                        "swap(xs[i]@p, xs[j]@q): exchange two elements of one array, no count changing; "
                        "i is checked (at p), then j (at q)"),
    "pop": BuiltinInfo(0, 1, "rw", True, "pop(xs)@p: remove and return the last element (an owned pack for pack elements)"),
    "array": BuiltinInfo(1, 2, "", True, "array[r](n, x)@p: new Array @r of n copies of x (needs `a` on r)"),
    "insert": BuiltinInfo(0, 3, "rwa", False, "insert(m, k, v): add or overwrite (k, v consumed when packs)"),
    "contains": BuiltinInfo(0, 2, "r", False, "contains(m, k): Bool"),
    "remove": BuiltinInfo(0, 2, "rw", False, "remove(m, k): Bool; drops the removed key and value packs"),
    "keys": BuiltinInfo(1, 1, "r", False, "keys[r](m): new Array K @r of the keys in order (needs `a` on r)"),
    "concat": BuiltinInfo(1, None, "r", False,
                          "concat[r](a, b, ...): new String @r, a's bytes then b's ... (hilang `++`, a chain fused)"),
    "str": BuiltinInfo(1, 1, "", False, "str[r](n): new String @r, n in decimal"),
    "substr": BuiltinInfo(1, 3, "r", True, "substr[r](s, i, j)@p: new String @r, the bytes of s from i to j (exclusive)"),
    "chr": BuiltinInfo(1, 1, "", False, "chr[r](b): new String @r holding the one byte b"),
    "int": BuiltinInfo(0, 1, "r", True, "int(s)@p: S64 of a decimal string"),
    "sqrt": BuiltinInfo(0, 1, "", False, "sqrt(x): F64"),
    "float": BuiltinInfo(0, 1, "", False, "float(n): S64 to F64"),
    "trunc": BuiltinInfo(0, 1, "", True, "trunc(x)@p: F64 to S64 toward zero"),
    "u8": BuiltinInfo(0, 1, "", False, "u8(n): S64 to U8 modulo 256"),
    "s64": BuiltinInfo(0, 1, "", False, "s64(b): U8 to S64"),
}


KEYWORDS = frozenset({
    "data", "fun", "let", "var", "if", "then", "else", "while", "break", "continue",
    "return", "match", "drop", "merge", "into", "region", "unpack", "as", "restrict",
    "pack", "copy", "new", "do", "true", "false", "inf", "nan", "reset", "reuse",
    "S64", "U8", "F64", "Bool", "Unit", "String", "Array", "Map", "Pack",
})


# --------------------------------------------------------------------------
# Helpers over types


def is_static_data(e: "NewData") -> bool:
    """Whether `new[P] C(args)` may be a static object (docs/lolang.md
    §5.4): C has no field, or every argument is a literal (its fields are
    primitives, known when the program is compiled)."""
    return all(type(a) in (IntLit, FloatLit, BoolLit, UnitLit) for a in e.args)


def is_obj(t: Type) -> bool:
    return isinstance(t, OBJ_TYPES)


def slot_value_type(slot: SlotType, region: str) -> Type:
    """The type of reading a slot of an object in `region`: a primitive as
    is, a bare object type as `T @region`, a pack as a borrowed pack."""
    match slot:
        case PackType():
            return BorrowType(slot)
        case PrimType():
            return slot
        case _:
            return RefType(slot, region)


def free_regions(t: Type) -> frozenset[str]:
    """The region names a type mentions (`P` never counts; the region of a
    pack is hidden by the existential)."""
    match t:
        case RefType(_, region):
            return frozenset() if region == PRIMITIVE_REGION else frozenset((region,))
        case _:
            return frozenset()


def rename_regions(t: Type, subst: dict[str, str]) -> Type:
    """`t` with its region names replaced per `subst` (a call's region
    arguments for the callee's parameters)."""
    match t:
        case RefType(obj, region):
            return RefType(obj, subst.get(region, region), span=t.span)
        case _:
            return t


def type_str(t: Type) -> str:
    """The type in lolang syntax (the printer's form)."""
    out: list[str] = []
    write_type(t, out)
    return "".join(out)


def write_type(t: Type, out: list[str]) -> None:
    """Append the text of `t` to `out` (no string grows with the nesting,
    so a type nested 20,000 deep prints in linear time)."""
    match t:
        case PrimType(name) | DataType(name):
            out.append(name)
        case StringType():
            out.append("String")
        case ArrayType(elem):
            out.append("Array ")
            _write_arg(elem, out)
        case MapType(key, value):
            out.append("Map ")
            _write_arg(key, out)
            out.append(" ")
            _write_arg(value, out)
        case RefType(obj, region):
            write_type(obj, out)
            out.append(f" @{region}")
        case PackType(c, obj):
            out.append(f"Pack{{{c}}} ")
            _write_arg(obj, out)
        case BorrowType(pack):
            out.append("&")
            write_type(pack, out)
        case _:
            raise TypeError(f"not a lolang type: {t!r}")


def _write_arg(t: Type, out: list[str]) -> None:
    """A type argument: bracketed unless it is one word."""
    if isinstance(t, (PrimType, DataType, StringType)):
        write_type(t, out)
    else:
        out.append("(")
        write_type(t, out)
        out.append(")")


# --------------------------------------------------------------------------
# Object sizes (docs/lolang.md, "Object sizes"): what the interpreter counts
# and what native code allocates. A word is 8 bytes.

WORD = 8
DATA_HEADER = 8      # constructor tag, when the type needs one (`tagged`)
STRING_HEADER = 8    # byte length
ARRAY_HEADER = 24    # length, capacity, storage address
MAP_HEADER = 32      # live count, used entries, capacity, storage address
ARRAY_MIN_CAPACITY = 4
MAP_MIN_CAPACITY = 8


def slot_size(slot: SlotType) -> int:
    """Bytes of one field, element, key or value: a pack is two words,
    everything else (a primitive of any width, a reference) one."""
    return 2 * WORD if isinstance(slot, PackType) else WORD


def tagged(data: DataDecl) -> bool:
    """Whether the objects of `data` start with a tag word: only when two
    or more of its constructors have fields. A constructor without fields
    is an immediate value, never an object, so with at most one boxed
    constructor a value's constructor shows without reading memory."""
    return sum(1 for c in data.ctors if c.fields) > 1


def data_header(data: DataDecl) -> int:
    return DATA_HEADER if tagged(data) else 0


def data_size(data: DataDecl, ctor: CtorDecl) -> int:
    """Bytes of one object of `ctor` (of type `data`): its tag word if the
    type has one, then its slots. A constructor without fields is 0: it is
    counted as an alloc, of no bytes (docs/lolang.md §9)."""
    if not ctor.fields:
        return 0
    return data_header(data) + sum(slot_size(f.type) for f in ctor.fields)


def data_sizes(datas) -> dict[str, int]:
    """Every constructor's `data_size`, by constructor name."""
    return {c.name: data_size(d, c) for d in datas for c in d.ctors}


def string_size(nbytes: int) -> int:
    return STRING_HEADER + (nbytes + WORD - 1) // WORD * WORD


def array_storage_size(elem: SlotType, capacity: int) -> int:
    return capacity * slot_size(elem)


def array_grown_capacity(capacity: int) -> int:
    """Capacity after a `push` onto a full array (a new storage block is
    allocated in the array's region; the old one stays until it dies)."""
    return max(ARRAY_MIN_CAPACITY, 2 * capacity)


def map_storage_size(key: SlotType, value: SlotType, capacity: int) -> int:
    """One block: `capacity` entries (hash word, key, value) in insertion
    order, then an index of 2 * capacity four-byte slots."""
    return capacity * (WORD + slot_size(key) + slot_size(value)) + capacity * WORD


def map_grown_capacity(live: int) -> int:
    """Capacity of the new storage when a new key is inserted into a map
    whose entries are all used (removed ones included): the live entries
    are compacted into room for twice their number, at least 8."""
    cap = MAP_MIN_CAPACITY
    while cap < 2 * live:
        cap *= 2
    return cap
