"""Hypothesis strategies for random lolang programs.

They generate *syntactically* valid IR — every construct, every operator,
literals at their extremes, positions, all type forms in the places the
grammar allows them — with no attempt at being well typed: they exercise
the printer and the parser, not the checker. Sizes are bounded by a depth
so that a hundred examples run in seconds; each strategy is built once per
depth (`cache`): rebuilding the nested strategies at every use costs
hypothesis more than drawing from them.
"""

from __future__ import annotations

from functools import cache

from hypothesis import strategies as st

from lolang import ir

S64_MIN = -(1 << 63)
S64_MAX = (1 << 63) - 1

_RESERVED = ir.KEYWORDS | set(ir.BUILTINS) | {"_"}

_LOWER = "abcdefghijklmnopqrstuvwxyz"
_TAIL = _LOWER + "ABCXYZ0123456789_"


def _names(first: str):
    # Cheaper than `from_regex`, which dominated the run time.
    return st.builds(
        str.__add__, st.sampled_from(first), st.text(st.sampled_from(_TAIL), max_size=4)
    ).filter(lambda s: s not in _RESERVED)


lower_names = st.sampled_from(["x", "y", "tmp", "len_", "copy_", "v_1"]) | _names(_LOWER + "_")
upper_names = st.sampled_from(["Tree", "Node", "Leaf", "Some_S64", "P"]) | _names(_LOWER.upper())
regions = st.sampled_from(["r", "s", "q", "o", "parent", "r_2"]) | lower_names
caps_sets = st.sets(st.sampled_from("rwa")).map(lambda c: ir.caps("".join(sorted(c))))
positions = st.none() | st.builds(ir.Pos, st.integers(0, 5000), st.integers(0, 300))
texts = st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=12
)

# ------------------------------------------------------------------ types

prim_types = st.sampled_from(ir.PRIM_NAMES).map(ir.PrimType)


@cache
def obj_types(depth: int):
    leaves = st.one_of(st.just(ir.StringType()), upper_names.map(ir.DataType))
    if depth <= 0:
        return leaves
    slot = slot_types(depth - 1)
    return st.one_of(
        leaves,
        st.builds(ir.ArrayType, slot),
        st.builds(ir.MapType, slot, slot),
    )


@cache
def pack_types(depth: int):
    return st.builds(ir.PackType, caps_sets, obj_types(depth))


@cache
def slot_types(depth: int = 2):
    return st.one_of(prim_types, obj_types(depth), pack_types(depth))


@cache
def value_types(depth: int = 2):
    return st.one_of(
        prim_types,
        st.builds(ir.RefType, obj_types(depth), regions),
        pack_types(depth),
        st.builds(ir.BorrowType, pack_types(depth)),
    )


# ------------------------------------------------------------ expressions

int_lits = st.one_of(
    st.builds(ir.IntLit, st.integers(S64_MIN, S64_MAX), st.just(False)),
    st.builds(ir.IntLit, st.sampled_from([S64_MIN, S64_MAX, -1, 0, 1]), st.just(False)),
    st.builds(ir.IntLit, st.integers(0, 255), st.just(True)),
)
float_lits = st.builds(ir.FloatLit, st.floats(allow_nan=True, allow_infinity=True))

leaf_exprs = st.one_of(
    int_lits,
    float_lits,
    st.booleans().map(ir.BoolLit),
    st.just(ir.UnitLit()),
    lower_names.map(ir.Var),
)


@cache
def _builtin(depth: int):
    """A built-in with the region and argument counts the parser demands."""

    def of(name: str):
        info = ir.BUILTINS[name]
        count = info.arity if info.arity is not None else 3
        lo = info.arity if info.arity is not None else 0
        return st.builds(
            ir.Builtin,
            st.just(name),
            st.lists(regions, min_size=info.regions, max_size=info.regions).map(tuple),
            st.lists(exprs(depth - 1), min_size=lo, max_size=count).map(tuple),
            positions,
        )

    return st.sampled_from(sorted(ir.BUILTINS)).flatmap(of)


@cache
def exprs(depth: int = 3):
    if depth <= 0:
        return leaf_exprs
    sub = exprs(depth - 1)
    args = st.lists(sub, max_size=3).map(tuple)
    body = blocks(depth - 1)
    return st.one_of(
        leaf_exprs,
        st.builds(ir.Unary, st.sampled_from(ir.UNARY_OPS), sub),
        st.builds(ir.Binary, st.sampled_from(ir.BINARY_OPS), sub, sub, positions),
        st.builds(ir.IfExpr, sub, sub, sub),
        st.builds(ir.Call, lower_names, st.lists(regions, max_size=2).map(tuple), args, positions),
        _builtin(depth),
        st.builds(ir.NewData, regions, upper_names, args),
        st.builds(ir.NewString, regions, texts),
        st.builds(ir.NewArray, regions, slot_types(1), args),
        st.builds(ir.NewMap, regions, slot_types(1), slot_types(1)),
        st.builds(ir.FieldGet, sub, lower_names),
        st.builds(ir.Index, sub, sub, positions),
        st.builds(ir.Pack, caps_sets, sub),
        st.builds(ir.Copy, sub),
        st.builds(ir.Region, regions, body),
        st.builds(ir.Unpack, sub, regions, lower_names, body),
        st.builds(ir.Restrict, regions, caps_sets, body),
        st.builds(ir.Do, body),
    )


# --------------------------------------------------------------- patterns


@cache
def patterns(depth: int = 2):
    leaves = st.one_of(
        st.just(ir.PWild()),
        lower_names.map(ir.PVar),
        st.builds(ir.PInt, st.integers(S64_MIN, S64_MAX), st.just(False)),
        st.builds(ir.PInt, st.integers(0, 255), st.just(True)),
        st.booleans().map(ir.PBool),
        texts.map(ir.PString),
        upper_names.map(ir.PCtor),
    )
    if depth <= 0:
        return leaves
    return st.one_of(leaves, st.builds(ir.PCtor, upper_names, st.lists(patterns(depth - 1), min_size=1, max_size=3).map(tuple)))


# ------------------------------------------------------------- statements


@cache
def _ifs(depth: int):
    sub = exprs(depth - 1)
    body = blocks(depth - 1)
    if depth <= 1:
        return st.builds(ir.If, sub, body, st.none() | body)
    return st.builds(ir.If, sub, body, st.none() | body | _ifs(depth - 1))


@cache
def stmts(depth: int = 2):
    e = exprs(depth)
    simple = st.one_of(
        st.builds(ir.Let, lower_names, st.none() | value_types(1), e, st.booleans()),
        st.builds(ir.Assign, lower_names, e),
        st.builds(ir.IndexSet, e, e, e, positions),
        st.builds(ir.ExprStmt, e),
        st.just(ir.Break()),
        st.just(ir.Continue()),
        st.builds(ir.Return, st.none() | e),
        st.builds(ir.Drop, e),
        st.builds(ir.Merge, regions, regions),
    )
    if depth <= 0:
        return simple
    body = blocks(depth - 1)
    return st.one_of(
        simple,
        _ifs(depth),
        st.builds(ir.While, e, body),
        st.builds(ir.Match, e, st.lists(st.builds(ir.Arm, patterns(), body), min_size=1, max_size=3).map(tuple)),
    )


@cache
def blocks(depth: int = 2):
    if depth <= 0:
        return st.builds(ir.Block, st.just(()), st.none() | leaf_exprs)
    return st.builds(
        ir.Block,
        st.lists(stmts(depth - 1), max_size=3).map(tuple),
        st.none() | exprs(depth - 1),
    )


# ----------------------------------------------------------- declarations

fields = st.builds(ir.FieldDecl, st.none() | lower_names, slot_types())
ctors = st.builds(ir.CtorDecl, upper_names, st.lists(fields, max_size=3).map(tuple))
datas = st.builds(ir.DataDecl, upper_names, st.lists(ctors, min_size=1, max_size=3).map(tuple))
funs = st.builds(
    ir.FunDecl,
    lower_names,
    st.lists(st.builds(ir.RegionParam, regions, caps_sets), max_size=3).map(tuple),
    st.lists(st.builds(ir.Param, lower_names, value_types()), max_size=3).map(tuple),
    value_types(),
    blocks(3),
)
programs = st.builds(ir.Program, st.lists(st.one_of(datas, funs), max_size=4).map(tuple))
