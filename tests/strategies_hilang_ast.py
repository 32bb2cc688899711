"""Hypothesis strategies for random hilang ASTs, as the parser could produce
them (so that `parse(print_program(p)) == p` must hold for every one).

"As the parser could produce them" means: integer literals are non-negative
(`-7` is a unary minus) and at most 2**63 - 1, except `9223372036854775808`
directly under a unary minus; floats are finite and non-negative; names are
not keywords; capability sets are written only on `Array` and `Map` (or as
`mut`); a `_` is a wildcard pattern, never a variable. The programs need not
type-check: these test the syntax layer only.
"""

from __future__ import annotations

from hypothesis import strategies as st

from hilang import ast

S64_MAX = 2**63 - 1

# Names from small pools (drawing from a regex is slow): plain ones, and
# ones that look like keywords, literals or capability sets to the lexer.
lower_names = st.sampled_from((
    "x", "y", "f", "go", "_x", "a1", "iff", "form", "in_", "mutable", "then2",
    "returned", "e5", "u8", "r", "rw", "rwa", "truely", "x_y",
))
# No Array or Map: they are type names only, and the lexer takes `Map { r }`
# for a capability set.
upper_names = st.sampled_from((
    "T", "Foo", "Some", "None", "S64", "U8", "String", "Option", "List",
    "Arrays", "Mapping", "X_1", "E5",
))
# Any text but lone surrogates, which no source file can hold.
string_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
capability_sets = st.sampled_from(("r", "rw", "rwa"))


# --------------------------------------------------------------------------
# types


def _container(args: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        lambda name, caps, arguments: ast.TypeName(name, arguments, caps=caps),
        st.sampled_from(("Array", "Map")), st.none() | capability_sets, args,
    )


def _mut(inner: st.SearchStrategy) -> st.SearchStrategy:
    return inner.map(lambda t: ast.TypeName(t.name, t.args, caps="rwa", mut=True))


def _extend_types(children: st.SearchStrategy) -> st.SearchStrategy:
    args = st.lists(children, min_size=1, max_size=3).map(tuple)
    named = st.builds(ast.TypeName, upper_names, args)
    return named | _container(args) | _mut(named | _container(args))


type_exprs = st.recursive(
    st.builds(ast.TypeVarRef, lower_names)
    | st.builds(ast.TypeName, upper_names)
    | _container(st.just(())),
    _extend_types,
    max_leaves=6,
)


# --------------------------------------------------------------------------
# expressions

_int_literals = (
    st.builds(ast.IntLit, st.integers(0, S64_MAX))
    | st.builds(ast.IntLit, st.integers(0, 255), u8=st.just(True))
)
_float_literals = st.builds(
    ast.FloatLit, st.floats(min_value=0.0, allow_nan=False, allow_infinity=False).map(abs)
)
_s64_min = st.just(ast.Unary("-", ast.IntLit(S64_MAX + 1)))

_leaf_exprs = (
    _int_literals
    | _float_literals
    | _s64_min
    | st.builds(ast.BoolLit, st.booleans())
    | st.builds(ast.StringLit, string_values)
    | st.just(ast.UnitLit())
    | st.builds(ast.Var, lower_names)
    | st.builds(ast.Construct, upper_names)
)

BINARY_OPS = ("*", "/", "%", "+", "-", "++", "==", "!=", "<", "<=", ">", ">=", "&&", "||")


def _extend_exprs(children: st.SearchStrategy) -> st.SearchStrategy:
    some = st.lists(children, max_size=3).map(tuple)
    fields = st.lists(st.tuples(lower_names, children), max_size=3).map(tuple)
    return st.one_of(
        st.builds(ast.Call, lower_names, some, ufcs=st.booleans()),
        st.builds(ast.Construct, upper_names, st.lists(children, min_size=1, max_size=3).map(tuple)),
        st.builds(ast.RecordLit, upper_names, fields, base=st.none() | children),
        st.builds(ast.FieldGet, children, lower_names),
        st.builds(ast.Index, children, children),
        st.builds(ast.IfExpr, children, children, children),
        st.builds(ast.ArrayLit, some),
        st.builds(ast.Binary, st.sampled_from(BINARY_OPS), children, children),
        st.builds(ast.Unary, st.sampled_from(("-", "!")), children),
    )


exprs = st.recursive(_leaf_exprs, _extend_exprs, max_leaves=8)

# Literals only code makes (a later stage, a test generator): negative and
# non-finite numbers. They print as the expression that means them.
_code_made_literals = (
    st.builds(ast.IntLit, st.integers(-(S64_MAX + 1), -1))
    | st.builds(ast.FloatLit, st.floats(max_value=-0.0))
    | st.builds(ast.FloatLit, st.sampled_from((float("inf"), float("-inf"), float("nan"))))
)
code_made_exprs = st.recursive(_leaf_exprs | _code_made_literals, _extend_exprs, max_leaves=8)


# --------------------------------------------------------------------------
# patterns


def _field_pattern(children: st.SearchStrategy) -> st.SearchStrategy:
    """A named-field pattern, often the shorthand `w` (= `w = w`)."""
    return lower_names.flatmap(
        lambda name: st.tuples(st.just(name), st.just(ast.PVar(name)) | children)
    )


def _record_pattern(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(
        lambda ctor, fields, bare: ast.PRecord(ctor, tuple(fields), tuple(bare[: len(fields)])),
        upper_names, st.lists(_field_pattern(children), max_size=3), st.lists(st.booleans(), max_size=3),
    )


patterns = st.recursive(
    st.just(ast.PWild())
    | st.builds(ast.PVar, lower_names)
    | st.builds(ast.PInt, st.integers(-(S64_MAX + 1), S64_MAX))
    | st.builds(ast.PInt, st.integers(0, 255), u8=st.just(True))
    | st.builds(ast.PBool, st.booleans())
    | st.builds(ast.PString, string_values)
    | st.builds(ast.PCtor, upper_names),
    lambda children: st.builds(ast.PCtor, upper_names, st.lists(children, min_size=1, max_size=3).map(tuple))
    | _record_pattern(children),
    max_leaves=6,
)


# --------------------------------------------------------------------------
# statements (nesting bounded by `depth`)


def _simple_statements() -> st.SearchStrategy:
    return st.one_of(
        st.builds(ast.Let, lower_names, st.none() | type_exprs, exprs, mutable=st.booleans()),
        st.builds(ast.Assign, lower_names, exprs),
        st.builds(ast.IndexAssign, exprs, exprs, exprs),
        st.just(ast.Break()),
        st.just(ast.Continue()),
        st.builds(ast.Return, st.none() | exprs),
        st.builds(ast.ExprStmt, exprs),
    )


def blocks(depth: int) -> st.SearchStrategy:
    return st.lists(statements(depth), max_size=3).map(lambda stmts: ast.Block(tuple(stmts)))


def _ifs(depth: int) -> st.SearchStrategy:
    inner = blocks(depth - 1)
    els = st.none() | inner
    if depth > 1:
        els = els | _ifs(depth - 1)
    return st.builds(ast.If, exprs, inner, els)


def statements(depth: int = 2) -> st.SearchStrategy:
    if depth == 0:
        return _simple_statements()
    inner = blocks(depth - 1)
    arms = st.lists(st.builds(ast.Arm, patterns, inner), max_size=3).map(tuple)
    return st.one_of(
        _simple_statements(),
        _ifs(depth),
        st.builds(ast.While, exprs, inner),
        st.builds(ast.ForRange, lower_names, exprs, exprs, inner),
        st.builds(ast.ForEach, lower_names, exprs, inner),
        st.builds(ast.Match, exprs, arms),
    )


# --------------------------------------------------------------------------
# declarations


def _ctor_decls() -> st.SearchStrategy:
    positional = st.builds(
        ast.CtorDecl, upper_names,
        st.lists(st.builds(ast.FieldDecl, st.none(), type_exprs), max_size=3).map(tuple),
    )
    named = st.builds(
        ast.CtorDecl, upper_names,
        st.lists(st.builds(ast.FieldDecl, lower_names, type_exprs), max_size=3).map(tuple),
        named=st.just(True),
    )
    return positional | named


def _record_decl() -> st.SearchStrategy:
    """`data P = { ... }`: one named constructor called like the type."""
    return st.builds(
        lambda name, params, fields: ast.DataDecl(
            name, tuple(params), (ast.CtorDecl(name, tuple(fields), named=True),), record=True
        ),
        upper_names, st.lists(lower_names, max_size=2),
        st.lists(st.builds(ast.FieldDecl, lower_names, type_exprs), max_size=3),
    )


data_decls = st.builds(
    ast.DataDecl, upper_names, st.lists(lower_names, max_size=2).map(tuple),
    st.lists(_ctor_decls(), min_size=1, max_size=4).map(tuple),
) | _record_decl()

fun_decls = st.builds(
    ast.FunDecl, lower_names,
    st.lists(st.builds(ast.Param, lower_names, type_exprs), max_size=3).map(tuple),
    st.none() | type_exprs,
    blocks(2),
)

programs = st.lists(data_decls | fun_decls, max_size=3).map(lambda decls: ast.Program(tuple(decls)))
