"""Statements and blocks.

Loops always end: `for i in lo..hi` has small literal bounds (or the length
of an array, fixed before the loop starts), a `while` loop counts a counter
that nothing else assigns up to a small literal, incrementing it first so
that `continue` cannot skip it, and a `for x in xs` never grows `xs`.
That last one needs care, since the body sees every element pushed while
it runs (docs/hilang-semantics.md) and any array of the right type may be
an alias of `xs`: inside a for-each loop over an array, `push` only goes to
an array made inside that loop's body, and no function is called with a
`mut` container argument. Strings assigned in a loop only grow by a short
suffix, so no program doubles a string per iteration.
"""

from __future__ import annotations

from dataclasses import replace

from hilang import ast
from hilang.types import BOOL, F64, S64, STRING, U8, UNIT, ArrayType, DataType, MapType, Type
from hilang.types import with_caps

from . import calls, patterns
from .context import Ctx, Local, Scope
from .datatypes import choose_heap_type, choose_type
from .exprs import can_build, expr
from .ops import key, small_index
from .types import is_plain, prefix, written

EXPR_DEPTH = 2
PRINTED = ((4, S64), (2, STRING), (1, BOOL), (1, F64), (1, U8))


def block(cx: Ctx, sc: Scope, most: int) -> tuple[list[ast.Stmt], Scope]:
    """Up to `most` statements (fewer when the program's budget runs out),
    and the scope after them."""
    stmts: list[ast.Stmt] = []
    for _ in range(cx.below(most + 1)):
        if cx.budget <= 0:
            break
        cx.budget -= 1
        new, sc = statement(cx, sc)
        stmts += new
    return stmts, sc


def body(cx: Ctx, sc: Scope, most: int = 3) -> ast.Block:
    return ast.Block(tuple(block(cx, sc, most)[0]))


def statement(cx: Ctx, sc: Scope) -> tuple[list[ast.Stmt], Scope]:
    e = lambda ty: expr(cx, sc, ty, EXPR_DEPTH)  # noqa: E731
    same = lambda stmt: ([stmt], sc)  # noqa: E731
    options = [
        (0 if sc.hot else 5, lambda: same(print_stmt(cx, sc))),
        (6, lambda: _let(cx, sc)),
    ]
    assignable = sc.find(lambda x: x.kind == "var")
    if assignable:
        options.append((3, lambda: same(_assign(cx, sc, cx.choice(assignable)))))
    containers = sc.find(lambda x: isinstance(x.ty, (ArrayType, MapType)))
    if containers:
        options.append((2, lambda: _alias(cx, sc, cx.choice(containers))))
    growable = sc.find(lambda x: _can_grow(sc, x))
    if growable:
        options.append((5, lambda: same(_push(cx, cx.choice(growable), e))))
    nested = sc.find(lambda x: not sc.foreach and not sc.hot and _grows_elements(x.ty))
    if nested:
        options.append((1, lambda: same(_push_to_element(cx, sc, cx.choice(nested), e))))
    writable = sc.find(lambda x: isinstance(x.ty, ArrayType) and x.ty.caps != "r")
    if writable:
        options.append((2, lambda: same(_index_assign(cx, sc, cx.choice(writable), e))))
        options.append((1, lambda: same(_pop(cx, cx.choice(writable)))))
    maps = sc.find(lambda x: isinstance(x.ty, MapType) and x.ty.caps == "rwa" and _grows_here(sc, x))
    if maps:
        options.append((4, lambda: same(_insert(cx, cx.choice(maps), e))))
    functions = calls.callable_funs(cx, sc)
    if functions:
        options.append((6, lambda: same(ast.ExprStmt(calls.call(cx, sc, (cx.choice(functions), {}), EXPR_DEPTH)))))
    if sc.room > 0:
        inner = replace(sc, room=sc.room - 1)
        options.append((3, lambda: same(_if(cx, inner, e))))
        options.append((2, lambda: same(_match(cx, inner))))
        if not sc.hot and sc.returns:
            options.append((1, lambda: same(ast.If(e(BOOL), ast.Block((return_stmt(cx, sc),))))))
        if sc.nest > 0:
            loop = replace(inner, loops=sc.loops + 1, nest=sc.nest - 1)
            options.append((2, lambda: same(_for_range(cx, loop))))
            options.append((1, lambda: (_while(cx, loop), sc)))
            if sc.find(lambda x: _iterable(sc, x)):
                options.append((3, lambda: same(_for_each(cx, loop))))
    if sc.loops and not sc.hot:
        options.append((1, lambda: same(ast.If(e(BOOL), ast.Block((cx.choice([ast.Break(), ast.Continue()]),))))))
    return cx.pick(options)


def print_stmt(cx: Ctx, sc: Scope) -> ast.Stmt:
    args = [expr(cx, sc, cx.pick([(w, lambda t=t: t) for w, t in PRINTED]), EXPR_DEPTH, exact=True)
            for _ in range(cx.below(4))]
    return ast.ExprStmt(ast.Call("print", tuple(args)))


def return_stmt(cx: Ctx, sc: Scope) -> ast.Return:
    if sc.fn.ret == UNIT:
        return ast.Return()
    return ast.Return(expr(cx, sc, sc.fn.ret, EXPR_DEPTH))


# --------------------------------------------------------------------------
# bindings


def _let(cx: Ctx, sc: Scope) -> tuple[list[ast.Stmt], Scope]:
    ty = cx.pick([(3, lambda: choose_type(cx, sc)), (2, lambda: choose_heap_type(cx, sc))])
    if not can_build(cx, sc, ty):
        ty = S64
    name = cx.name(prefix(ty))
    mutable = cx.chance(25)
    annotation = written(ty)
    if is_plain(ty) and can_build(cx, sc, ty, exact=True) and cx.chance(50):
        value, annotation = expr(cx, sc, ty, EXPR_DEPTH, exact=True), None
    elif _literal_infers(cx, sc, ty) and cx.chance(40):
        elems = tuple(expr(cx, sc, ty.elem, 1, exact=True) for _ in range(1 + cx.below(3)))
        value, annotation = ast.ArrayLit(elems), None
    else:
        value = expr(cx, sc, ty, EXPR_DEPTH)
    fresh = sc.foreach if not mutable and _is_new_container(value) else -1
    local = Local(name, ty, "var" if mutable else "let", fresh)
    return [ast.Let(name, annotation, value, mutable)], sc.add(local)


def _literal_infers(cx: Ctx, sc: Scope, ty: Type) -> bool:
    """`[e1, e2]` alone has type `Array{rwa} E` when its elements have E."""
    return (isinstance(ty, ArrayType) and ty.caps == "rwa" and is_plain(ty.elem)
            and can_build(cx, sc, ty.elem, exact=True))


def _is_new_container(value: ast.Expr) -> bool:
    return isinstance(value, ast.ArrayLit) or (
        isinstance(value, ast.Call) and value.func in ("array", "map", "keys"))


def _alias(cx: Ctx, sc: Scope, target: Local) -> tuple[list[ast.Stmt], Scope]:
    """`let ys = xs;` (same capabilities) or a weaker view of the same
    container: the two names now share one object."""
    name = cx.name(prefix(target.ty))
    if target.ty.caps != "r" and cx.chance(40):
        ty = replace(target.ty, caps="r")
        return [ast.Let(name, written(ty), ast.Var(target.name))], sc.add(Local(name, ty, "let"))
    return [ast.Let(name, None, ast.Var(target.name))], sc.add(Local(name, target.ty, "let"))


def _assign(cx: Ctx, sc: Scope, x: Local) -> ast.Stmt:
    if x.ty == STRING and sc.loops:
        suffix = cx.choice([ast.StringLit(cx.choice(["a", "-", "xy"])), ast.Call("str", (expr(cx, sc, S64, 1),))])
        return ast.Assign(x.name, ast.Binary("++", ast.Var(x.name), suffix))
    return ast.Assign(x.name, expr(cx, sc, x.ty, EXPR_DEPTH))


# --------------------------------------------------------------------------
# containers


def _can_grow(sc: Scope, x: Local) -> bool:
    if not (isinstance(x.ty, ArrayType) and x.ty.caps == "rwa") or not _grows_here(sc, x):
        return False
    return sc.foreach == 0 or x.fresh >= sc.foreach


def _grows_here(sc: Scope, x: Local) -> bool:
    """In a hot scope only a container made there may grow (`context`)."""
    return not sc.hot or (x.hot >= sc.hot and x.fresh >= 0)


def _grows_elements(ty: Type) -> bool:
    if not isinstance(ty, ArrayType):
        return False
    elem = with_caps(ty.elem, ty.caps)
    return isinstance(elem, ArrayType) and elem.caps == "rwa"


def _push(cx: Ctx, xs: Local, e) -> ast.Stmt:
    return ast.ExprStmt(ast.Call("push", (ast.Var(xs.name), e(xs.ty.elem)), ufcs=cx.chance(30)))


def _push_to_element(cx: Ctx, sc: Scope, rows: Local, e) -> ast.Stmt:
    """`push(rows[i], x)`: grows a container reached through another."""
    i = small_index(cx, sc)
    push = ast.Call("push", (ast.Index(ast.Var(rows.name), i), e(rows.ty.elem.elem)))
    return ast.If(_in_range(i, rows), ast.Block((ast.ExprStmt(push),)))


def _index_assign(cx: Ctx, sc: Scope, xs: Local, e) -> ast.Stmt:
    if cx.risky and cx.chance(30):
        return ast.IndexAssign(ast.Var(xs.name), e(S64), e(xs.ty.elem))
    i = small_index(cx, sc)
    store = ast.IndexAssign(ast.Var(xs.name), i, e(xs.ty.elem))
    return ast.If(_in_range(i, xs), ast.Block((store,)))


def _pop(cx: Ctx, xs: Local) -> ast.Stmt:
    pop = ast.ExprStmt(ast.Call("pop", (ast.Var(xs.name),), ufcs=cx.chance(30)))
    if cx.risky and cx.chance(30):
        return pop
    nonempty = ast.Binary(">", ast.Call("len", (ast.Var(xs.name),)), ast.IntLit(0))
    return ast.If(nonempty, ast.Block((pop,)))


def _in_range(i: ast.Expr, xs: Local) -> ast.Expr:
    return ast.Binary("<", i, ast.Call("len", (ast.Var(xs.name),)))


def _insert(cx: Ctx, m: Local, e) -> ast.Stmt:
    return ast.ExprStmt(ast.Call("insert", (ast.Var(m.name), key(cx, m.ty.key, e), e(m.ty.value)),
                                 ufcs=cx.chance(30)))


# --------------------------------------------------------------------------
# control flow


def _if(cx: Ctx, sc: Scope, e) -> ast.If:
    then = body(cx, sc)
    match cx.below(3):
        case 0:
            return ast.If(e(BOOL), then)
        case 1:
            return ast.If(e(BOOL), then, body(cx, sc))
    return ast.If(e(BOOL), then, _if(cx, sc, e))


def _for_range(cx: Ctx, sc: Scope) -> ast.Stmt:
    i = cx.name("i")
    hi: ast.Expr = ast.IntLit(cx.below(4))
    arrays = sc.find(lambda x: isinstance(x.ty, ArrayType))
    if arrays and cx.chance(20):
        hi = ast.Call("len", (ast.Var(cx.choice(arrays).name),))
    lo = ast.IntLit(cx.choice([0, 0, 1, 2]))
    return ast.ForRange(i, lo, hi, body(cx, sc.add(Local(i, S64, "index"))))


def _while(cx: Ctx, sc: Scope) -> list[ast.Stmt]:
    k = cx.name("k")
    step = ast.Assign(k, ast.Binary("+", ast.Var(k), ast.IntLit(1)))
    rest = body(cx, sc.add(Local(k, S64, "counter")))
    loop = ast.While(ast.Binary("<", ast.Var(k), ast.IntLit(cx.below(4))), ast.Block((step, *rest.stmts)))
    return [ast.Let(k, None, ast.IntLit(0), mutable=True), loop]


def _iterable(sc: Scope, x: Local) -> bool:
    """Whether a for-each loop here may walk `x` (see `Scope.mapeach`)."""
    return isinstance(x.ty, ArrayType) or (isinstance(x.ty, MapType) and not sc.mapeach)


def _for_each(cx: Ctx, sc: Scope) -> ast.Stmt:
    source = cx.choice(sc.find(lambda x: _iterable(sc, x)))
    x = cx.name("e")
    if isinstance(source.ty, MapType):
        # `for k in m` and `for k in keys(m)` both walk a snapshot: the body
        # may insert into m, but a loop inside walking m again would see
        # it doubled on each of the outer loop's keys.
        iterable = ast.Var(source.name)
        if cx.chance(50):
            iterable = ast.Call("keys", (iterable,))
        inner = replace(sc, mapeach=sc.mapeach + 1).add(Local(x, source.ty.key, "loop"))
        return ast.ForEach(x, iterable, body(cx, inner))
    inner = replace(sc, foreach=sc.foreach + 1).add(Local(x, with_caps(source.ty.elem, source.ty.caps), "loop"))
    return ast.ForEach(x, ast.Var(source.name), body(cx, inner))


def _match(cx: Ctx, sc: Scope) -> ast.Stmt:
    scrutinee, ty = _scrutinee(cx, sc)
    arms = []
    for pattern, bound in patterns.arms(cx, ty):
        inner = sc
        for local in bound:
            inner = inner.add(local)
        arms.append(ast.Arm(pattern, body(cx, inner, 2)))
    return ast.Match(scrutinee, tuple(arms))


def _scrutinee(cx: Ctx, sc: Scope) -> tuple[ast.Expr, Type]:
    known = sc.find(lambda x: patterns.matchable(x.ty))
    maps = sc.find(lambda x: isinstance(x.ty, MapType))
    options = [(2, lambda: _fresh_scrutinee(cx, sc))]
    if known:
        options.append((4, lambda: (lambda x: (ast.Var(x.name), x.ty))(cx.choice(known))))
    if maps:
        options.append((3, lambda: _lookup(cx, sc, cx.choice(maps))))
    return cx.pick(options)


def _fresh_scrutinee(cx: Ctx, sc: Scope) -> tuple[ast.Expr, Type]:
    ty = choose_type(cx, sc, plain=True)
    if not can_build(cx, sc, ty, exact=True):
        ty = S64
    return expr(cx, sc, ty, EXPR_DEPTH, exact=True), ty


def _lookup(cx: Ctx, sc: Scope, m: Local) -> tuple[ast.Expr, Type]:
    k = key(cx, m.ty.key, lambda t: expr(cx, sc, t, 1, exact=True))
    return ast.Call("get", (ast.Var(m.name), k)), DataType("Option", (with_caps(m.ty.value, m.ty.caps),))

