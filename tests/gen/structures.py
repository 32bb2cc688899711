"""The recursive data types the shapes build (`gen.shapes`), and the
functions every shape needs on them: making a leaf or a node, taking a
node apart in a pattern, and folding a whole structure into an S64.

A structure is a variant whose first constructor, the *leaf*, is not
recursive (so random code can always make one: `exprs.leaf`) and whose
second, the *node*, has `arity` fields of the type itself (1: a list,
2: a binary tree, 3: a ternary tree), an S64 *key*, and payload fields of
random types (`datatypes.field_type`: primitives, options, read-only
containers of primitives, earlier data types, so a structure can hold
another). Drawn per program: positional or named fields, in any order, a
nullary leaf or one holding a number, and sometimes generic in its key's
type (`data Chain a = End | Link(a, Chain a)`; the shapes use it at S64,
random code at whatever it likes).

The structures join the program's data types, so random code builds,
matches, stores and passes their values too.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from hilang import ast
from hilang.types import BOOL, S64, STRING, U8, ArrayType, DataType, Type, TypeVar

from . import syntax as x
from .context import Ctx, Scope
from .datatypes import field_type
from .types import Ctor, Data

# (data type, leaf, node, names of the recursive fields), by arity.
KINDS = {
    1: ("Chain", "End", "Link", ("next",)),
    2: ("Bin", "Tip", "Knot", ("left", "right")),
    3: ("Tern", "Stub", "Triad", ("low", "mid", "high")),
}
PAYLOAD_NAMES = ("tag", "note", "weight")


@dataclass(frozen=True)
class Structure:
    """`subs` are the positions of the node's recursive fields (left to
    right), `key` of its S64 key; `leaf_key` the position of the leaf's
    S64 field, or None for a nullary leaf."""

    data: Data
    ty: DataType
    arity: int
    subs: tuple[int, ...]
    key: int
    leaf_key: int | None

    @property
    def leaf(self) -> Ctor:
        return self.data.ctors[0]

    @property
    def node(self) -> Ctor:
        return self.data.ctors[1]

    def node_fields(self) -> list[tuple[str | None, Type]]:
        return self.data.fields_at(self.node, self.ty)

    def payload(self) -> list[int]:
        return [i for i in range(len(self.node.fields)) if i not in self.subs and i != self.key]


def draw_structures(cx: Ctx) -> list[Structure]:
    """A list and a tree (binary, or now and then ternary) per program."""
    found: list[Structure] = []
    for arity in (1, 3 if cx.chance(20) else 2):
        found.append(_draw(cx, arity, f"{len(cx.datas) + len(found) + 1}", cx.datas + [s.data for s in found]))
    return found


def _draw(cx: Ctx, arity: int, suffix: str, earlier: list[Data]) -> Structure:
    stem, leaf_name, node_name, sub_names = KINDS[arity]
    name = stem + suffix
    params = ("a",) if cx.chance(25) else ()
    self_type = DataType(name, tuple(TypeVar(p) for p in params))
    key_type: Type = TypeVar("a") if params else S64
    named = cx.chance(40)
    fields: list[tuple[str, Type]] = [(n, self_type) for n in sub_names] + [("key", key_type)]
    for extra in PAYLOAD_NAMES[: cx.below(3)]:
        fields.append((extra, field_type(cx, params, earlier)))
    order = _shuffled(cx, len(fields))
    fields = [fields[i] for i in order]
    subs = tuple(order.index(i) for i in range(arity))
    key = order.index(arity)
    node = Ctor(node_name + suffix, tuple((n if named else None, t) for n, t in fields), named)
    leaf_fields = (("size" if named else None, S64),) if cx.chance(35) else ()
    leaf = Ctor(leaf_name + suffix, leaf_fields, named and bool(leaf_fields))
    data = Data(name, params, (leaf, node), record=False)
    ty = DataType(name, tuple(S64 for _ in params))
    return Structure(data, ty, arity, subs, key, 0 if leaf_fields else None)


def _shuffled(cx: Ctx, count: int) -> list[int]:
    order = list(range(count))
    for i in range(count - 1):
        j = i + cx.below(count - i)
        order[i], order[j] = order[j], order[i]
    return order


# --------------------------------------------------------------------------
# building and taking apart


def make_leaf(cx: Ctx, sc: Scope, st: Structure, size: ast.Expr | None = None) -> ast.Expr:
    if st.leaf_key is None:
        return ast.Construct(st.leaf.name)
    value = size if size is not None else _small_number(cx, sc)
    if st.leaf.named:
        return ast.RecordLit(st.leaf.name, (("size", value),))
    return ast.Construct(st.leaf.name, (value,))


def make_node(cx: Ctx, sc: Scope, st: Structure, subs: list[ast.Expr], key: ast.Expr,
              payload: dict[int, ast.Expr] | None = None) -> ast.Expr:
    """`subs` in the order of `st.subs`; payload fields not given are drawn
    (small expressions over what `sc` holds)."""
    from .exprs import build, expr

    fields = st.node_fields()
    args: list[ast.Expr | None] = [None] * len(fields)
    for position, sub in zip(st.subs, subs):
        args[position] = sub
    args[st.key] = key
    for i in st.payload():
        given = (payload or {}).get(i)
        args[i] = given if given is not None else expr(cx, sc, fields[i][1], 1)
    return build(cx, st.node, [f for f, _ in fields], args)


def node_pattern(cx: Ctx, st: Structure, names: dict[int, str]) -> ast.Pattern:
    """The node, binding field `i` to `names[i]`; the others `_` (or left
    out, in a named pattern)."""
    if not st.node.named:
        return ast.PCtor(st.node.name, tuple(ast.PVar(names[i]) if i in names else ast.PWild()
                                             for i in range(len(st.node.fields))))
    chosen = []
    for i, (field, _) in enumerate(st.node.fields):
        if i in names:
            chosen.append((field, ast.PVar(names[i])))
        elif cx.chance(30):
            chosen.append((field, ast.PWild()))
    return ast.PRecord(st.node.name, tuple(chosen), tuple(False for _ in chosen))


def leaf_pattern(cx: Ctx, st: Structure, size: str | None = None) -> ast.Pattern:
    """The leaf; `size` names its number, if it has one."""
    if st.leaf_key is None:
        return ast.PCtor(st.leaf.name)
    sub = ast.PVar(size) if size else ast.PWild()
    if st.leaf.named:
        return ast.PRecord(st.leaf.name, (("size", sub),) if size or cx.chance(50) else (), (False,) if size else ())
    return ast.PCtor(st.leaf.name, (sub,))


def node_names(cx: Ctx, st: Structure, payload: bool = False) -> dict[int, str]:
    """Fresh variable names for a node's recursive fields and key (and
    its payload, when it is to be copied into a new node)."""
    names = {i: cx.name("sub") for i in st.subs}
    names[st.key] = cx.name("key")
    if payload:
        names.update({i: cx.name("kept") for i in st.payload()})
    return names


def _small_number(cx: Ctx, sc: Scope) -> ast.Expr:
    numbers = sc.find(lambda local: local.ty == S64)
    if numbers and cx.chance(50):
        return x.op(x.v(cx.choice(numbers).name), "%", x.n(cx.choice([3, 7, 10, 100])))
    return x.n(cx.below(10))


# --------------------------------------------------------------------------
# folds: a whole structure into an S64 (what the shapes print)

FOLDS = ("sum", "count", "height", "mix")


def fold(cx: Ctx, st: Structure, how: str | None = None) -> str:
    """The name of a function `(t: st) -> S64` folding the structure
    `how` (one of FOLDS, drawn when None), declared once per program."""
    how = how or cx.choice(list(FOLDS))
    key = (st.data.name, how)
    if key not in cx.library:
        name = cx.name(how)
        cx.library[key] = name
        cx.shape_decls.append(_fold(cx, st, how, name))
    return cx.library[key]


def _fold(cx: Ctx, st: Structure, how: str, name: str) -> ast.FunDecl:
    t = cx.name("t")
    names = node_names(cx, st, payload=True)
    size = cx.name("size") if st.leaf_key is not None else None
    parts: list[ast.Expr] = [x.call(name, x.v(names[i])) for i in st.subs]
    first: list[ast.Stmt] = []
    if how == "height" or cx.chance(30):
        # The recursive results bound first (a height compares each twice).
        bound = [cx.name("part") for _ in parts]
        first = [x.let(b, part) for b, part in zip(bound, parts)]
        parts = [x.v(b) for b in bound]
    match how:
        case "sum":
            value = _sum([x.v(names[st.key]), *parts, *_payload_numbers(st, names)])
        case "count":
            value = _sum([x.n(1), *parts])
        case "height":
            value = x.op(x.n(1), "+", _largest(parts))
        case _:  # a checksum that depends on the order of the keys
            value = x.v(names[st.key])
            for part in parts:
                value = x.op(x.op(x.op(value, "*", x.n(31)), "+", part), "%", x.n(1000003))
    leaf_value = x.v(size) if size and how in ("sum", "mix") else x.n(0)
    arms = [(leaf_pattern(cx, st, size), [x.ret(leaf_value)]),
            (node_pattern(cx, st, names), [*first, x.ret(value)])]
    if cx.chance(50):
        arms.reverse()
    return x.fun(name, [(t, st.ty)], S64, [x.match(x.v(t), arms)])


def _sum(terms: list[ast.Expr]) -> ast.Expr:
    total = terms[0]
    for term in terms[1:]:
        total = x.op(total, "+", term)
    return total


def _largest(parts: list[ast.Expr]) -> ast.Expr:
    """The largest of `parts`, variables (each is read more than once)."""
    best = parts[0]
    for part in parts[1:]:
        best = x.if_expr(x.op(copy.deepcopy(best), ">", part), copy.deepcopy(best), copy.deepcopy(part))
    return best


def _payload_numbers(st: Structure, names: dict[int, str]) -> list[ast.Expr]:
    """The payload fields a sum can count: S64, U8, String and Bool ones."""
    terms = []
    for i in st.payload():
        ty = st.node_fields()[i][1]
        if ty == S64:
            terms.append(x.v(names[i]))
        elif ty == U8:
            terms.append(x.call("s64", x.v(names[i])))
        elif ty == STRING:
            terms.append(x.length(x.v(names[i])))
        elif ty == BOOL:
            terms.append(x.if_expr(x.v(names[i]), x.n(1), x.n(0)))
    return terms


# --------------------------------------------------------------------------
# a record holding an array (for arrays of records holding arrays, and
# records replaced by copies in loops)


@dataclass(frozen=True)
class Record:
    """`data Row = { count: S64, cells: Array S64, ... }`: a record whose
    `cells` is an array (read-only, as every field: LANGUAGE.md 1.4)."""

    data: Data

    @property
    def name(self) -> str:
        return self.data.name

    @property
    def ty(self) -> DataType:
        return DataType(self.data.name, ())

    @property
    def fields(self) -> list[tuple[str, Type]]:
        return [(f, t) for f, t in self.data.ctors[0].fields]

    def make(self, cx: Ctx, sc: Scope, i: ast.Expr, cells: ast.Expr | None = None) -> ast.Expr:
        """A new record numbered `i` (copied into each field that needs
        it); `cells` its array (a new one of two numbers when None)."""
        from .exprs import build

        values = []
        for f, ty in self.fields:
            if f == "cells":
                values.append(cells if cells is not None else x.array(copy.deepcopy(i), x.n(cx.below(10))))
            elif f == "count":
                values.append(copy.deepcopy(i))
            elif ty == STRING:
                values.append(x.call("str", copy.deepcopy(i)))
            else:
                values.append(x.op(copy.deepcopy(i), "<", x.n(cx.below(50))))
        return build(cx, self.data.ctors[0], [f for f, _ in self.fields], values)


def record(cx: Ctx) -> Record:
    """The program's record type for the shapes (declared on first use)."""
    if "record" not in cx.library:
        fields = [("count", S64), ("cells", ArrayType(S64, "r"))]
        if cx.chance(60):
            fields.append(("label", STRING))
        if cx.chance(40):
            fields.append(("flag", BOOL))
        order = _shuffled(cx, len(fields))
        name = f"Row{len(cx.datas) + 1}"
        data = Data(name, (), (Ctor(name, tuple(fields[i] for i in order), True),), record=True)
        cx.datas.append(data)
        cx.library["record"] = Record(data)
    return cx.library["record"]
