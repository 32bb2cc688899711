"""Short constructors of hilang AST nodes, for the shapes (`gen.shapes`),
which write whole functions and loops: `call("take", v("w"), n(3))` reads
closer to the hilang it stands for than the dataclasses spelled out.

Every call makes new nodes: the checker writes each expression's type into
its node, so no node may appear twice in a program.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import Type, UNIT

from .types import written


# --------------------------------------------------------------------------
# expressions


def v(name: str) -> ast.Var:
    return ast.Var(name)


def ref(name_or_expr) -> ast.Expr:
    """A variable by name, or an expression as it is."""
    return v(name_or_expr) if isinstance(name_or_expr, str) else name_or_expr


def n(value: int) -> ast.Expr:
    """An S64 literal; a negative one is the unary minus the parser reads."""
    lit = ast.IntLit(abs(value))
    return ast.Unary("-", lit) if value < 0 else lit


def s(text: str) -> ast.StringLit:
    return ast.StringLit(text)


def b(value: bool) -> ast.BoolLit:
    return ast.BoolLit(value)


def call(func: str, *args: ast.Expr, ufcs: bool = False) -> ast.Call:
    return ast.Call(func, tuple(args), ufcs=ufcs and bool(args))


def op(left: ast.Expr, operator: str, right: ast.Expr) -> ast.Binary:
    return ast.Binary(operator, left, right)


def ctor(name: str, *args: ast.Expr) -> ast.Construct:
    return ast.Construct(name, tuple(args))


def index(target: ast.Expr, i: ast.Expr) -> ast.Index:
    return ast.Index(target, i)


def field(target: ast.Expr, name: str) -> ast.FieldGet:
    return ast.FieldGet(target, name)


def array(*elems: ast.Expr) -> ast.ArrayLit:
    return ast.ArrayLit(tuple(elems))


def if_expr(cond: ast.Expr, then: ast.Expr, els: ast.Expr) -> ast.IfExpr:
    return ast.IfExpr(cond, then, els)


def length(x: ast.Expr) -> ast.Call:
    return call("len", x)


# --------------------------------------------------------------------------
# statements


def let(name: str, value: ast.Expr, ty: Type | None = None, mutable: bool = False) -> ast.Let:
    return ast.Let(name, None if ty is None else written(ty), value, mutable)


def var(name: str, value: ast.Expr, ty: Type | None = None) -> ast.Let:
    return let(name, value, ty, mutable=True)


def assign(name: str, value: ast.Expr) -> ast.Assign:
    return ast.Assign(name, value)


def put(target: ast.Expr, i: ast.Expr, value: ast.Expr) -> ast.IndexAssign:
    return ast.IndexAssign(target, i, value)


def do(e: ast.Expr) -> ast.ExprStmt:
    return ast.ExprStmt(e)


def show(*args: ast.Expr) -> ast.ExprStmt:
    return ast.ExprStmt(call("print", *args))


def ret(value: ast.Expr | None = None) -> ast.Return:
    return ast.Return(value)


def block(stmts) -> ast.Block:
    return ast.Block(tuple(stmts))


def if_(cond: ast.Expr, then, els=None) -> ast.If:
    """`els`: statements, an `ast.If` (else if), or None."""
    if els is not None and not isinstance(els, ast.If):
        els = block(els)
    return ast.If(cond, block(then), els)


def for_range(name: str, lo: ast.Expr, hi: ast.Expr, body) -> ast.ForRange:
    return ast.ForRange(name, lo, hi, block(body))


def for_each(name: str, iterable: ast.Expr, body) -> ast.ForEach:
    return ast.ForEach(name, iterable, block(body))


def while_(cond: ast.Expr, body) -> ast.While:
    return ast.While(cond, block(body))


def match(scrutinee: ast.Expr, arms) -> ast.Match:
    """`arms`: (pattern, statements) pairs."""
    return ast.Match(scrutinee, tuple(ast.Arm(p, block(body)) for p, body in arms))


def fun(name: str, params, ret_type: Type, body) -> ast.FunDecl:
    """`params`: (name, semantic type) pairs."""
    ps = tuple(ast.Param(p, written(t)) for p, t in params)
    return ast.FunDecl(name, ps, None if ret_type == UNIT else written(ret_type), block(body))
