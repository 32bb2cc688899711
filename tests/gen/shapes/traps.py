"""The traps of ../shared/PASSES.md: programs region systems leak on,
which must keep `bytes_peak` within a constant factor of the naive
lowering's at every size.

* the accumulating window: `w = Link(i, take(w, k))`;
* replaced map values: `insert(m, i % k, [i, i, i])` in a long-lived map;
* a growing string: `s = s ++ piece`;
* scratch data with one survivor: a frame fills a temporary array and
  keeps one element in a long-lived one;
* generations: `g = next(g)`, each generation built from the last.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import S64, STRING, ArrayType, MapType, Type

from .. import syntax as x
from ..context import Ctx, Fn, Local, Scope
from ..structures import Structure, fold, leaf_pattern, make_leaf, make_node, node_names, node_pattern, record
from .builders import small_maker
from .common import Group, filler, iterations, loop, pick_structure, scope_with


# --------------------------------------------------------------------------
# the accumulating window


def accumulating_window(cx: Ctx, sc: Scope) -> Group:
    st = pick_structure(cx, arity=1)
    if st.arity != 1 or cx.chance(30):
        return _array_window(cx, sc)
    width = cx.choice([2, 5, 10, 30, 99])
    take = _take(cx, st)
    per_node = 1 + len(st.payload())
    count = iterations(cx, (width + 1) * per_node)
    w = cx.name("w")

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        inner = scope_with(inner, (w, st.ty), kind="var")
        kept = x.call(take, x.v(w), x.n(width), ufcs=cx.chance(20))
        return [*filler(cx, inner), x.assign(w, make_node(cx, inner, st, [kept], x.v(i)))]

    group = [x.var(w, make_leaf(cx, sc, st), st.ty), *loop(cx, sc, count, body),
             x.show(x.call(fold(cx, st), x.v(w)), x.call(fold(cx, st, "count"), x.v(w)))]
    return Group(group, scope_with(sc, (w, st.ty), kind="var"))


def _take(cx: Ctx, st: Structure) -> str:
    """`take(l, k)`: a copy of the first k nodes of a list."""
    name, l, k = cx.name("take"), cx.name("l"), cx.name("k")
    names = node_names(cx, st, payload=True)
    copied = {p: x.v(names[p]) for p in st.payload()}
    fn = Fn(name, ((l, st.ty), (k, S64)), st.ty, "shape", 0)
    sc = Scope(fn, (Local(l, st.ty, "param"), Local(k, S64, "param")), nest=0, room=1).heated()
    onward = x.call(name, x.v(names[st.subs[0]]), x.op(x.v(k), "-", x.n(1)))
    arms = [(leaf_pattern(cx, st), [x.ret(x.v(l) if cx.chance(50) else make_leaf(cx, sc, st))]),
            (node_pattern(cx, st, names), [x.ret(make_node(cx, sc, st, [onward], x.v(names[st.key]), copied))])]
    if cx.chance(50):
        arms.reverse()
    body = [x.if_(x.op(x.v(k), "<=", x.n(0)), [x.ret(make_leaf(cx, sc, st))]), x.match(x.v(l), arms)]
    cx.shape_decls.append(x.fun(name, [(l, st.ty), (k, S64)], st.ty, body))
    return name


def _array_window(cx: Ctx, sc: Scope) -> Group:
    """The window as an array: the last k - 1 elements copied, one added."""
    elem = cx.choice([S64, STRING])
    width = cx.choice([3, 8, 20, 60])
    name, old, item, out, j = cx.name("window"), cx.name("old"), cx.name("item"), cx.name("out"), cx.name("j")
    arr = ArrayType(elem, "rwa")
    start = x.op(x.length(x.v(old)), "-", x.n(width - 1))
    body = [x.let(out, x.array(), arr),
            x.for_range(j, x.if_expr(x.op(start, ">", x.n(0)), x.op(x.length(x.v(old)), "-", x.n(width - 1)), x.n(0)),
                        x.length(x.v(old)), [x.do(x.call("push", x.v(out), x.index(x.v(old), x.v(j))))]),
            x.do(x.call("push", x.v(out), x.v(item))), x.ret(x.v(out))]
    cx.shape_decls.append(x.fun(name, [(old, ArrayType(elem, "r")), (item, elem)], arr, body))
    count = iterations(cx, 2 if elem == S64 else 3)
    w = cx.name("w")

    def step(inner: Scope, i: str) -> list[ast.Stmt]:
        item_value = x.v(i) if elem == S64 else x.op(x.call("str", x.v(i)), "++", x.s("."))
        return [x.assign(w, x.call(name, x.v(w), item_value))]

    group = [x.var(w, x.array(), arr), *loop(cx, sc, count, step), x.show(x.length(x.v(w)))]
    return Group(group, scope_with(sc, (w, arr), kind="var"))


# --------------------------------------------------------------------------
# replaced map values


def replaced_map_values(cx: Ctx, sc: Scope) -> Group:
    key_ty = cx.choice([S64, STRING])
    slots = cx.choice([4, 16, 64])
    value_ty, make, cost = _value(cx, sc)
    m = cx.name("m")
    m_ty = MapType(key_ty, value_ty, "rwa")
    count = iterations(cx, cost + (1 if key_ty == STRING else 0))

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        slot = x.op(x.v(i), "%", x.n(slots))
        key = slot if key_ty == S64 else x.call("str", slot)
        return [*filler(cx, inner), x.do(x.call("insert", x.v(m), key, make(inner, i), ufcs=cx.chance(20)))]

    probe = x.n(cx.below(slots)) if key_ty == S64 else x.s(str(cx.below(slots)))
    got = cx.name("got")
    group = [x.let(m, x.call("map"), m_ty), *loop(cx, sc, count, body),
             x.match(x.call("get", x.v(m), probe), [(ast.PCtor("Some", (ast.PVar(got),)), [x.show(_measure(cx, value_ty, x.v(got)))]),
                                                    (ast.PCtor("None"), [x.show(x.s("none"))])]),
             x.show(x.length(x.v(m)))]
    return Group(group, scope_with(sc, (m, m_ty)))


def _value(cx: Ctx, sc: Scope):
    """A heap value type for maps and arrays, a maker of fresh ones from
    an iteration number, and how many allocations each costs."""
    options = ["array", "string", "record"] + (["structure"] if cx.structures else [])
    match cx.choice(options):
        case "array":
            size = cx.integer(1, 4)
            return (ArrayType(S64, "rwa"),
                    lambda inner, i: x.array(*[x.op(x.ref(i), "+", x.n(j)) for j in range(size)]), 1)
        case "string":
            return STRING, lambda inner, i: x.op(x.call("str", x.ref(i)), "++", x.s("-")), 3
        case "record":
            rec = record(cx)
            return rec.ty, lambda inner, i: rec.make(cx, inner, x.ref(i)), 3
    make, cost = small_maker(cx, pick_structure(cx))
    return make.structure.ty, make, cost


def _measure(cx: Ctx, ty: Type, value: ast.Expr) -> ast.Expr:
    """An S64 that says something of a value of one of `_value`'s types."""
    if isinstance(ty, ArrayType) or ty == STRING:
        return x.length(value)
    for st in cx.structures:
        if st.ty == ty:
            return x.call(fold(cx, st), value)
    return x.field(value, "count")


# --------------------------------------------------------------------------
# growing strings


def growing_string(cx: Ctx, sc: Scope) -> Group:
    s = cx.name("s")
    count = iterations(cx, 2)
    reset = cx.choice([None, 100, 1000])

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        piece = cx.choice([
            lambda: x.call("str", x.op(x.v(i), "%", x.n(10))),
            lambda: x.s(cx.choice(["x", "ab", "\t", "é"])),
            lambda: x.if_expr(x.op(x.op(x.v(i), "%", x.n(2)), "==", x.n(0)), x.s("even"), x.s("odd")),
        ])()
        grow = [x.assign(s, x.op(x.v(s), "++", piece))]
        if reset:
            grow.insert(0, x.if_(x.op(x.length(x.v(s)), ">", x.n(reset)), [x.assign(s, x.s(""))]))
        return grow

    group = [x.var(s, x.s("")), *loop(cx, sc, count, body), x.show(x.length(x.v(s)))]
    return Group(group, scope_with(sc, (s, STRING), kind="var"))


# --------------------------------------------------------------------------
# scratch data with one survivor


def scratch_with_survivor(cx: Ctx, sc: Scope) -> Group:
    value_ty, make, cost = _value(cx, sc)
    width = cx.integer(2, 12)
    kept = cx.name("kept")
    kept_ty = ArrayType(value_ty, "rwa")
    count = iterations(cx, width * cost + 1)
    scratch, j = cx.name("scratch"), cx.name("j")

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        fill_scope = inner.add(Local(j, S64, "index"))
        which = cx.choice([x.op(x.v(i), "%", x.n(width)), x.n(width - 1), x.n(0)])
        frame = [x.let(scratch, x.array(), ArrayType(value_ty, "rwa")),
                 x.for_range(j, x.n(0), x.n(width), [x.do(x.call("push", x.v(scratch), make(fill_scope, j)))])]
        frame += filler(cx, scope_with(inner, (scratch, ArrayType(value_ty, "rwa"))))
        frame.append(x.do(x.call("push", x.v(kept), x.index(x.v(scratch), which))))
        return frame

    group = [x.let(kept, x.array(), kept_ty), *loop(cx, sc, count, body)]
    last = x.index(x.v(kept), x.op(x.length(x.v(kept)), "-", x.n(1)))
    group.append(x.if_(x.op(x.length(x.v(kept)), ">", x.n(0)), [x.show(x.length(x.v(kept)), _measure(cx, value_ty, last))]))
    return Group(group, sc)  # `kept` is big: not for random code's loops


# --------------------------------------------------------------------------
# generations


def generations(cx: Ctx, sc: Scope) -> Group:
    how = cx.choice(["cells", "grid"] + (["list"] if any(st.arity == 1 for st in cx.structures) else []))
    return {"cells": _cells, "grid": _grid, "list": _list_generations}[how](cx, sc)


def _cells(cx: Ctx, sc: Scope) -> Group:
    """A one-dimensional automaton: each cell from its neighbours."""
    width = cx.choice([8, 16, 40])
    rule = cx.choice([3, 5, 7])
    name, old, out, i = cx.name("next"), cx.name("old"), cx.name("out"), cx.name("i")
    arr = ArrayType(S64, "rwa")
    left = x.if_expr(x.op(x.v(i), ">", x.n(0)), x.index(x.v(old), x.op(x.v(i), "-", x.n(1))), x.n(0))
    right = x.if_expr(x.op(x.op(x.v(i), "+", x.n(1)), "<", x.length(x.v(old))),
                      x.index(x.v(old), x.op(x.v(i), "+", x.n(1))), x.n(1))
    cell = x.op(x.op(x.op(left, "+", x.op(x.index(x.v(old), x.v(i)), "*", x.n(2))), "+", right), "%", x.n(rule))
    body = [x.let(out, x.array(), arr),
            x.for_range(i, x.n(0), x.length(x.v(old)), [x.do(x.call("push", x.v(out), cell))]),
            x.ret(x.v(out))]
    cx.shape_decls.append(x.fun(name, [(old, ArrayType(S64, "r"))], arr, body))
    count = iterations(cx, 2)
    g, j = cx.name("g"), cx.name("j")
    start = [x.var(g, x.array(), arr), x.for_range(j, x.n(0), x.n(width), [x.do(x.call("push", x.v(g), x.op(x.v(j), "%", x.n(2))))])]
    step = lambda inner, _i: [x.assign(g, x.call(name, x.v(g)))]  # noqa: E731
    total, e = cx.name("total"), cx.name("e")
    group = [*start, *loop(cx, sc, count, step), x.var(total, x.n(0)),
             x.for_each(e, x.v(g), [x.assign(total, x.op(x.op(x.v(total), "*", x.n(3)), "+", x.v(e)))]),
             x.show(x.v(total))]
    return Group(group, scope_with(sc, (g, arr), kind="var"))


def _grid(cx: Ctx, sc: Scope) -> Group:
    """A two-dimensional one: `Array (mut Array S64)` rebuilt each time."""
    size = cx.choice([4, 6, 8])
    name, old, out, row, y, xx = (cx.name(p) for p in ("next", "old", "out", "row", "y", "x"))
    row_ty = ArrayType(S64, "rwa")
    grid_ty = ArrayType(row_ty, "rwa")
    above = x.if_expr(x.op(x.v(y), ">", x.n(0)), x.index(x.index(x.v(old), x.op(x.v(y), "-", x.n(1))), x.v(xx)), x.n(0))
    beside = x.if_expr(x.op(x.v(xx), ">", x.n(0)), x.index(x.index(x.v(old), x.v(y)), x.op(x.v(xx), "-", x.n(1))), x.n(1))
    here = x.index(x.index(x.v(old), x.v(y)), x.v(xx))
    alive = x.if_expr(x.op(x.op(x.op(above, "+", beside), "+", here), "==", x.n(cx.choice([1, 2]))), x.n(1), x.n(0))
    body = [x.let(out, x.array(), grid_ty),
            x.for_range(y, x.n(0), x.length(x.v(old)), [
                x.let(row, x.array(), row_ty),
                x.for_range(xx, x.n(0), x.length(x.index(x.v(old), x.v(y))), [x.do(x.call("push", x.v(row), alive))]),
                x.do(x.call("push", x.v(out), x.v(row)))]),
            x.ret(x.v(out))]
    cx.shape_decls.append(x.fun(name, [(old, ArrayType(row_ty, "r"))], grid_ty, body))
    count = iterations(cx, size + 2)
    g, i, j, r = cx.name("g"), cx.name("i"), cx.name("j"), cx.name("r")
    start = [x.var(g, x.array(), grid_ty),
             x.for_range(i, x.n(0), x.n(size), [
                 x.let(r, x.array(), row_ty),
                 x.for_range(j, x.n(0), x.n(size), [x.do(x.call("push", x.v(r), x.op(x.op(x.v(i), "*", x.v(j)), "%", x.n(2))))]),
                 x.do(x.call("push", x.v(g), x.v(r)))])]
    step = lambda inner, _i: [x.assign(g, x.call(name, x.v(g)))]  # noqa: E731
    total, e, c = cx.name("total"), cx.name("e"), cx.name("c")
    group = [*start, *loop(cx, sc, count, step), x.var(total, x.n(0)),
             x.for_each(e, x.v(g), [x.for_each(c, x.v(e), [x.assign(total, x.op(x.v(total), "+", x.v(c)))])]),
             x.show(x.v(total), x.length(x.v(g)))]
    return Group(group, scope_with(sc, (g, grid_ty), kind="var"))


def _list_generations(cx: Ctx, sc: Scope) -> Group:
    """A list mapped into a new one each generation (`l = next(l)`)."""
    st = pick_structure(cx, arity=1)
    name, l = cx.name("next"), cx.name("l")
    names = node_names(cx, st, payload=True)
    fn = Fn(name, ((l, st.ty),), st.ty, "shape", 0)
    inner = Scope(fn, (Local(l, st.ty, "param"),), nest=0, room=1).heated()
    rest = x.call(name, x.v(names[st.subs[0]]))
    key = x.op(x.op(x.op(x.v(names[st.key]), "*", x.n(3)), "+", x.n(1)), "%", x.n(1001))
    arms = [(leaf_pattern(cx, st), [x.ret(make_leaf(cx, inner, st))]),
            (node_pattern(cx, st, names), [x.ret(make_node(cx, inner, st, [rest], key))])]
    cx.shape_decls.append(x.fun(name, [(l, st.ty)], st.ty, [x.match(x.v(l), arms)]))
    length = cx.choice([5, 20, 60])
    from .builders import builder

    build, per_node = builder(cx, st)
    count = iterations(cx, (length + 1) * (per_node + 1))
    g = cx.name("g")
    step = lambda inner_sc, _i: [x.assign(g, x.call(name, x.v(g)))]  # noqa: E731
    group = [x.var(g, x.call(build, x.n(length), x.n(1)), st.ty), *loop(cx, sc, count, step),
             x.show(x.call(fold(cx, st), x.v(g)))]
    return Group(group, scope_with(sc, (g, st.ty), kind="var"))
