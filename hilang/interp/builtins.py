"""The built-in functions (LANGUAGE.md 1.5), as Python expressions.

Each entry takes the function context, the hilang `Call` (for its span and
its arguments' types) and the arguments already translated, and returns the
Python expression of the call. Arguments stay in Python call-argument (or
method receiver-then-argument) position, so they are evaluated left to
right, before the operation, as hilang requires.
"""

from __future__ import annotations

from diagnostics import CompilerBug
from hilang import ast, types
from hilang.interp import pyast as P
from hilang.interp.context import FunctionContext, counted

Args = list[P.py.expr]


def _spanned(helper: str, allocates: bool = False):
    """A helper that may fail, told the call's span for the error."""

    def build(ctx: FunctionContext, call: ast.Call, args: Args) -> P.py.expr:
        value = P.call(helper, *args, ctx.program.span(call.span))
        return counted(value, can_fail=True) if allocates else value

    return build


def _plain(func: str, allocates: bool = False):
    def build(ctx: FunctionContext, call: ast.Call, args: Args) -> P.py.expr:
        value = P.call(func, *args)
        return counted(value, call.args) if allocates else value

    return build


def _method(meth: str):
    """`receiver.meth(rest)`: Python evaluates the receiver first."""
    return lambda ctx, call, args: P.method(args[0], meth, *args[1:])


# How `print` shows each primitive: its %-format and a wrapper for the value.
_FORMATS = {
    "S64": (b"%d", None),
    "U8": (b"%d", None),
    "F64": (b"%.9f", None),  # C's %.9f; Python also spells inf, -inf and nan so
    "String": (b"%s", None),
    "Bool": (b"%s", lambda v: P.ifexp(v, P.const(b"true"), P.const(b"false"))),
    "Unit": (b"%s", lambda v: P.call("_unit", v)),
}


def _print(ctx: FunctionContext, call: ast.Call, args: Args) -> P.py.expr:
    """`print(a, b)` is `_print(b'%d %s\\n' % (a, b))`: one write per print,
    and nothing written when an argument fails."""
    if not args:
        return P.call("_print", P.const(b"\n"))
    formats, values = [], []
    for arg, value in zip(call.args, args):
        kind = arg.ty.name if isinstance(arg.ty, types.Prim) else ""
        if kind not in _FORMATS:
            raise CompilerBug(f"print of a {arg.ty} at {arg.span}")
        fmt, wrap = _FORMATS[kind]
        formats.append(fmt)
        values.append(wrap(value) if wrap else value)
    line = b" ".join(formats) + b"\n"
    return P.call("_print", P.binop(P.const(line), "%", P.tuple_(*values)))


def _keys(ctx: FunctionContext, call: ast.Call, args: Args) -> P.py.expr:
    return counted(P.call("list", args[0]), call.args)  # a dict lists its keys in insertion order


BUILTINS = {
    "print": _print,
    "len": _plain("len"),
    "push": _method("append"),
    "pop": _spanned("_pop"),
    "array": _spanned("_array", allocates=True),
    "map": lambda ctx, call, args: counted(P.dict_()),
    "insert": _method("__setitem__"),
    "get": _plain("_get", allocates=True),
    "contains": _method("__contains__"),
    "remove": _plain("_remove"),
    "keys": _keys,
    "str": lambda ctx, call, args: counted(P.binop(P.const(b"%d"), "%", args[0]), call.args),
    "int": _spanned("_int"),
    "sqrt": _plain("_sqrt"),
    "float": _plain("float"),
    "trunc": _spanned("_trunc"),
    "u8": lambda ctx, call, args: P.binop(args[0], "&", P.const(255)),
    "s64": lambda ctx, call, args: args[0],
    "substr": _spanned("_substr", allocates=True),
    "chr": _plain("_chr", allocates=True),
}
