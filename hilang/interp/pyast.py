"""Small builders for the Python AST that the interpreter's code generator emits.

The generator builds `ast` nodes rather than Python source text: source text
would go through CPython's tokenizer, which refuses more than 200 nested
parentheses, and hilang programs may nest expressions thousands of levels
deep. These helpers keep the generator's code close to the Python it means
(`call("_sdiv", a, b, span)` for `_sdiv(a, b, span)`).
"""

from __future__ import annotations

import ast as py

# Operator nodes are stateless; one instance of each is shared.
BINOPS = {
    "+": py.Add(), "-": py.Sub(), "*": py.Mult(), "/": py.Div(),
    "//": py.FloorDiv(), "%": py.Mod(), "&": py.BitAnd(),
}
CMPOPS = {
    "==": py.Eq(), "!=": py.NotEq(), "<": py.Lt(), "<=": py.LtE(),
    ">": py.Gt(), ">=": py.GtE(), "is": py.Is(), "is not": py.IsNot(),
}
LOAD, STORE = py.Load(), py.Store()
# Every node is given line 1 as its position when it is built: Python's
# compiler needs one, tracebacks into generated code are not for users, and
# `ast.fix_missing_locations` would cost more than all the rest of code
# generation on a large program.


def _at(node):
    """`node` with the shared position `LOC` (see above)."""
    node.lineno = node.end_lineno = 1
    node.col_offset = node.end_col_offset = 0
    return node


def name(ident: str) -> py.expr:
    return _at(py.Name(ident, LOAD))


def const(value) -> py.expr:
    return _at(py.Constant(value))


def call(func: str | py.expr, *args: py.expr) -> py.expr:
    target = name(func) if isinstance(func, str) else func
    return _at(py.Call(target, list(args), []))


def method(obj: py.expr, meth: str, *args: py.expr) -> py.expr:
    """`obj.meth(args)`: `obj` is evaluated before the arguments."""
    return _at(py.Call(_at(py.Attribute(obj, meth, LOAD)), list(args), []))


def binop(left: py.expr, op: str, right: py.expr) -> py.expr:
    return _at(py.BinOp(left, BINOPS[op], right))


def compare(left: py.expr, op: str, right: py.expr) -> py.expr:
    return _at(py.Compare(left, [CMPOPS[op]], [right]))


def in_range(low: py.expr, value: py.expr, high: py.expr) -> py.expr:
    """`low <= value < high`, evaluating `value` once."""
    return _at(py.Compare(low, [CMPOPS["<="], CMPOPS["<"]], [value, high]))


def and_(*values: py.expr) -> py.expr:
    return values[0] if len(values) == 1 else _at(py.BoolOp(py.And(), list(values)))


def or_(left: py.expr, right: py.expr) -> py.expr:
    return _at(py.BoolOp(py.Or(), [left, right]))


def not_(value: py.expr) -> py.expr:
    return _at(py.UnaryOp(py.Not(), value))


def neg(value: py.expr) -> py.expr:
    return _at(py.UnaryOp(py.USub(), value))


def ifexp(cond: py.expr, then: py.expr, els: py.expr) -> py.expr:
    return _at(py.IfExp(cond, then, els))


def walrus(ident: str, value: py.expr) -> py.expr:
    return _at(py.NamedExpr(_at(py.Name(ident, STORE)), value))


def subscript(obj: py.expr, index: py.expr) -> py.expr:
    return _at(py.Subscript(obj, index, LOAD))


def item(obj: py.expr, index: int) -> py.expr:
    return subscript(obj, const(index))


def tuple_(*elems: py.expr) -> py.expr:
    return _at(py.Tuple(list(elems), LOAD))


def list_(*elems: py.expr) -> py.expr:
    return _at(py.List(list(elems), LOAD))


def dict_() -> py.expr:
    return _at(py.Dict([], []))


# Statements


def assign(ident: str, value: py.expr) -> py.stmt:
    return _at(py.Assign([_at(py.Name(ident, STORE))], value))


def store_item(obj: py.expr, index: py.expr, value: py.expr) -> py.stmt:
    return _at(py.Assign([_at(py.Subscript(obj, index, STORE))], value))


def incr(ident: str) -> py.stmt:
    return _at(py.AugAssign(_at(py.Name(ident, STORE)), BINOPS["+"], const(1)))


def expr_stmt(value: py.expr) -> py.stmt:
    return _at(py.Expr(value))


def _body(stmts: list[py.stmt]) -> list[py.stmt]:
    return stmts or [_at(py.Pass())]


def if_(cond: py.expr, body: list[py.stmt], orelse: list[py.stmt] | None = None) -> py.stmt:
    return _at(py.If(cond, _body(body), orelse or []))


def while_(cond: py.expr, body: list[py.stmt]) -> py.stmt:
    return _at(py.While(cond, _body(body), []))


def for_(var: str, iterable: py.expr, body: list[py.stmt]) -> py.stmt:
    return _at(py.For(_at(py.Name(var, STORE)), iterable, _body(body), []))


def return_(value: py.expr | None) -> py.stmt:
    return _at(py.Return(value))


def break_() -> py.stmt:
    return _at(py.Break())


def continue_() -> py.stmt:
    return _at(py.Continue())


def global_(*names: str) -> py.stmt:
    return _at(py.Global(list(names)))


def nonlocal_(*names: str) -> py.stmt:
    return _at(py.Nonlocal(list(names)))


def function(fname: str, params: list[str], body: list[py.stmt]) -> py.stmt:
    args = py.arguments(posonlyargs=[], args=[_at(py.arg(p)) for p in params], vararg=None,
                        kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])
    return _at(py.FunctionDef(fname, args, _body(body), [], None))


def module(body: list[py.stmt]) -> py.Module:
    return py.Module(body, [])
