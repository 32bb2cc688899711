"""Path copying and replacement in loops: `t = insert(t, key)` over a
persistent structure, where each call copies the path it walks down a
matched parameter and shares the side it does not touch
(`Knot(l, k, insert(r, key))`); and `x = f(x, ...)` over arrays, strings
and records, each call making a new value from the old one.

Variation: a search tree by comparison or a trie by digits of the key
(any arity), a sorted list or an update at a position (lists); equal
keys kept, replaced or left as they are; old versions kept alive in an
array now and then (persistence: they share most of their nodes); keys
from a pseudo-random generator; `t.insert(k)` written as a method call.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import BOOL, S64, STRING, ArrayType, Type

from .. import syntax as x
from ..context import Ctx, Fn, Local, Scope
from ..structures import Structure, fold, leaf_pattern, make_leaf, make_node, node_names, node_pattern
from .common import Group, Keys, filler, iterations, log2, loop, pick_structure, scope_with


def path_copying(cx: Ctx, sc: Scope) -> Group:
    st = pick_structure(cx)
    if st.arity == 1:
        name, cost_of = _sorted_insert(cx, st) if cx.chance(50) else _update_at(cx, st)
    elif st.arity == 2 and cx.chance(60):
        name, cost_of = _search_tree_insert(cx, st)
    else:
        name, cost_of = _trie_insert(cx, st)
    lo, hi = cx.size.iterations
    count = cx.integer(lo, hi)
    while count > 0 and cost_of(count) > cx.work:
        count = count * 3 // 4
    cx.work -= cost_of(count)
    keys = Keys(cx, sc)
    t = cx.name("t")
    versions = cx.name("versions") if cx.chance(25) else None
    every = cx.choice([7, 16, 50])

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        step = [keys.step(), *filler(cx, scope_with(inner, (t, st.ty), kind="var"))]
        step.append(x.assign(t, x.call(name, x.v(t), keys.key(), ufcs=cx.chance(25))))
        if versions:
            kept = x.do(x.call("push", x.v(versions), x.v(t)))
            step.append(x.if_(x.op(x.op(x.v(i), "%", x.n(every)), "==", x.n(0)), [kept]))
        return step

    group = [keys.start(), x.var(t, make_leaf(cx, sc, st), st.ty)]
    if versions:
        group.append(x.let(versions, x.array(), ArrayType(st.ty, "rwa")))
    group += loop(cx, sc, count, body)
    shown = [x.call(fold(cx, st), x.v(t)), x.call(fold(cx, st, "count"), x.v(t))]
    if versions:
        shown.append(x.length(x.v(versions)))
    group.append(x.show(*shown))
    return Group(group, scope_with(sc, (t, st.ty), kind="var"))


def _declare(cx: Ctx, st: Structure, stem: str, extra: list[tuple[str, Type]], arms) -> str:
    """`stem(t: st, extra...): st` whose body matches `t` over `arms`,
    a function of (the function's name, t, extra names, scope)."""
    name = cx.name(stem)
    t = cx.name("t")
    extra = [(cx.name(p), ty) for p, ty in extra]
    params = [(t, st.ty), *extra]
    fn = Fn(name, tuple(params), st.ty, "shape", 0)
    sc = Scope(fn, tuple(Local(p, ty, "param") for p, ty in params), nest=0, room=1).heated()
    cases = arms(name, t, [p for p, _ in extra], sc)
    if cx.chance(50):
        cases.reverse()
    cx.shape_decls.append(x.fun(name, params, st.ty, [x.match(x.v(t), cases)]))
    return name


def _search_tree_insert(cx: Ctx, st: Structure):
    equal = cx.choice(["keep", "replace", "right"])

    def arms(name, t, extra, sc):
        (key,) = extra
        names = node_names(cx, st, payload=True)
        left, right = (names[i] for i in st.subs)
        copied = {i: x.v(names[i]) for i in st.payload()}

        def node(l, k, r):
            return make_node(cx, sc, st, [l, r], k, dict(copied))

        go_left = x.ret(node(x.call(name, x.v(left), x.v(key)), x.v(names[st.key]), x.v(right)))
        go_right = x.ret(node(x.v(left), x.v(names[st.key]), x.call(name, x.v(right), x.v(key))))
        same = {"keep": x.ret(x.v(t)),
                "replace": x.ret(node(x.v(left), x.v(key), x.v(right))),
                "right": None}[equal]
        less = x.op(x.v(key), "<", x.v(names[st.key]))
        if same is None:
            chain = [x.if_(less, [go_left]), go_right]
        else:
            more = x.if_(x.op(x.v(key), ">", x.v(names[st.key])), [go_right])
            chain = [x.if_(less, [go_left], more), same]
        fresh = make_node(cx, sc, st, [make_leaf(cx, sc, st), make_leaf(cx, sc, st)], x.v(key))
        return [(leaf_pattern(cx, st), [x.ret(fresh)]), (node_pattern(cx, st, names), chain)]

    name = _declare(cx, st, "insert", [("key", S64)], arms)
    per_node = 1 + len(st.payload())
    return name, lambda count: count * (3 * log2(count) + 3) * per_node


def _trie_insert(cx: Ctx, st: Structure):
    """Down the child the key's last digit (base arity) names, the key
    divided by the arity on the way: every path copy is log(key) long."""
    def arms(name, t, extra, sc):
        (key,) = extra
        names = node_names(cx, st, payload=True)
        digit = x.op(x.v(key), "%", x.n(st.arity))
        rest = x.op(x.v(key), "/", x.n(st.arity))
        chain: list[ast.Stmt] = []
        for j, i in enumerate(st.subs):
            subs = [x.v(names[k]) for k in st.subs]
            subs[j] = x.call(name, x.v(names[i]), rest if j == 0 else x.op(x.v(key), "/", x.n(st.arity)))
            copied = {p: x.v(names[p]) for p in st.payload()}
            rebuilt = x.ret(make_node(cx, sc, st, subs, x.v(names[st.key]), copied))
            if j < st.arity - 1:
                chain.append(x.if_(x.op(_copy(digit) if j else digit, "==", x.n(j)), [rebuilt]))
            else:
                chain.append(rebuilt)
        fresh = make_node(cx, sc, st, [make_leaf(cx, sc, st) for _ in st.subs], x.v(key))
        stop = x.if_(x.op(x.v(key), "<=", x.n(0)), [x.ret(x.v(t))])
        return [(leaf_pattern(cx, st), [x.ret(fresh)]), (node_pattern(cx, st, names), [stop, *chain])]

    name = _declare(cx, st, "settle", [("key", S64)], arms)
    per_node = 1 + len(st.payload())
    # Keys below 10,007: at most log2(10,007) + 1 = 15 nodes copied.
    return name, lambda count: count * 16 * per_node


def _copy(e: ast.Expr) -> ast.Expr:
    import copy

    return copy.deepcopy(e)


def _sorted_insert(cx: Ctx, st: Structure):
    """Into a sorted list: the prefix before the key is copied, the rest
    shared (`Link(x, insert(rest, key))` or `Link(key, l)`)."""
    def arms(name, t, extra, sc):
        (key,) = extra
        names = node_names(cx, st, payload=True)
        copied = {p: x.v(names[p]) for p in st.payload()}
        rest = x.v(names[st.subs[0]])
        front = x.ret(make_node(cx, sc, st, [x.v(t)], x.v(key)))
        onward = x.ret(make_node(cx, sc, st, [x.call(name, rest, x.v(key))], x.v(names[st.key]), copied))
        chain = [x.if_(x.op(x.v(key), cx.choice(["<", "<="]), x.v(names[st.key])), [front]), onward]
        single = make_node(cx, sc, st, [x.v(t) if cx.chance(50) else make_leaf(cx, sc, st)], x.v(key))
        return [(leaf_pattern(cx, st), [x.ret(single)]), (node_pattern(cx, st, names), chain)]

    name = _declare(cx, st, "insert", [("key", S64)], arms)
    per_node = 1 + len(st.payload())
    # Half the list is copied on average: about count² / 4 nodes.
    return name, lambda count: (count * count // 4 + count) * per_node


def _update_at(cx: Ctx, st: Structure):
    """Replace the key at a position (counted modulo a bound), or append
    past the end: the prefix copied, the suffix shared."""
    def arms(name, t, extra, sc):
        (key, at) = extra
        names = node_names(cx, st, payload=True)
        copied = {p: x.v(names[p]) for p in st.payload()}
        rest = x.v(names[st.subs[0]])
        here = x.ret(make_node(cx, sc, st, [rest], x.v(key), dict(copied)))
        onward = x.ret(make_node(cx, sc, st, [x.call(name, x.v(names[st.subs[0]]), x.v(key), x.op(x.v(at), "-", x.n(1)))],
                                 x.v(names[st.key]), copied))
        append = make_node(cx, sc, st, [make_leaf(cx, sc, st)], x.v(key))
        return [(leaf_pattern(cx, st), [x.ret(append)]),
                (node_pattern(cx, st, names), [x.if_(x.op(x.v(at), "<=", x.n(0)), [here]), onward])]

    name = _declare(cx, st, "update", [("key", S64), ("at", S64)], arms)
    bound = cx.choice([8, 30, 100])
    per_node = 1 + len(st.payload())

    # The position argument is bound in by a wrapper of the (t, key) form
    # the loop calls.
    wrapper = cx.name("update")
    t, key = cx.name("t"), cx.name("key")
    at = x.op(x.op(x.op(x.v(key), "%", x.n(bound)), "+", x.n(bound)), "%", x.n(bound))
    cx.shape_decls.append(x.fun(wrapper, [(t, st.ty), (key, S64)], st.ty, [x.ret(x.call(name, x.v(t), x.v(key), at))]))
    return wrapper, lambda count: count * (bound + 1) * per_node


# --------------------------------------------------------------------------
# x = f(x, ...) over other values


def replace_in_loop(cx: Ctx, sc: Scope) -> Group:
    """`xs = step(xs, i)`: an array rebuilt from the old one (bounded in
    length), a string restamped, or a record copied with a change."""
    how = cx.pick([(3, lambda: "array"), (2, lambda: "string"), (2, lambda: "record")])
    return {"array": _array_steps, "string": _string_steps, "record": _record_steps}[how](cx, sc)


def _array_steps(cx: Ctx, sc: Scope) -> Group:
    elem = cx.choice([S64, STRING])
    cap = cx.choice([4, 10, 30])
    name, old, i = cx.name("step"), cx.name("old"), cx.name("i")
    out, e = cx.name("out"), cx.name("e")
    arr = ArrayType(elem, "rwa")
    keep_from = x.op(x.length(x.v(old)), "-", x.n(cap - 1))
    if elem == S64:
        moved: ast.Expr = x.op(x.op(x.index(x.v(old), x.v(e)), "+", x.v(i)), "%", x.n(1000))
        fresh: ast.Expr = x.v(i)
    else:
        moved = x.index(x.v(old), x.v(e))
        fresh = x.call("str", x.v(i))
    body = [x.let(out, x.array(), arr),
            x.for_range(e, x.if_expr(x.op(_copy(keep_from), ">", x.n(0)), keep_from, x.n(0)), x.length(x.v(old)),
                        [x.do(x.call("push", x.v(out), moved))]),
            x.do(x.call("push", x.v(out), fresh)),
            x.ret(x.v(out))]
    cx.shape_decls.append(x.fun(name, [(old, ArrayType(elem, "r")), (i, S64)], arr, body))
    count = iterations(cx, 2 + (cap if elem == STRING else 0))
    xs = cx.name("xs")
    step = lambda inner, j: [x.assign(xs, x.call(name, x.v(xs), x.v(j)))]  # noqa: E731
    last = x.if_expr(x.op(x.length(x.v(xs)), ">", x.n(0)), x.index(x.v(xs), x.op(x.length(x.v(xs)), "-", x.n(1))),
                     x.n(0) if elem == S64 else x.s(""))
    shown = last if elem == S64 else x.length(last)
    group = [x.var(xs, x.array(), arr), *loop(cx, sc, count, step), x.show(x.length(x.v(xs)), shown)]
    return Group(group, scope_with(sc, (xs, arr), kind="var"))


def _string_steps(cx: Ctx, sc: Scope) -> Group:
    name, old, i = cx.name("stamp"), cx.name("old"), cx.name("i")
    cap = cx.choice([8, 40, 200])
    piece = cx.choice([lambda: x.call("str", x.op(x.v(i), "%", x.n(10))), lambda: x.s(cx.choice(["x", "ab", "é"]))])()
    body = [x.if_(x.op(x.length(x.v(old)), ">", x.n(cap)), [x.ret(x.call("str", x.v(i)))]),
            x.ret(x.op(x.v(old), "++", piece))]
    cx.shape_decls.append(x.fun(name, [(old, STRING), (i, S64)], STRING, body))
    count = iterations(cx, 2)
    s = cx.name("s")
    step = lambda inner, j: [x.assign(s, x.call(name, x.v(s), x.v(j), ufcs=cx.chance(25)))]  # noqa: E731
    group = [x.var(s, x.s("")), *loop(cx, sc, count, step), x.show(x.length(x.v(s)), x.v(s))]
    return Group(group, scope_with(sc, (s, STRING), kind="var"))


def _record_steps(cx: Ctx, sc: Scope) -> Group:
    from ..structures import record

    rec = record(cx)
    name, old, i = cx.name("bump"), cx.name("old"), cx.name("i")
    changed = [(f, _next_field(cx, f, ty, old, i)) for f, ty in rec.fields if cx.chance(60) or f == "count"]
    body = [x.ret(ast.RecordLit(rec.name, tuple(changed), x.v(old)))]
    cx.shape_decls.append(x.fun(name, [(old, rec.ty), (i, S64)], rec.ty, body))
    count = iterations(cx, 1 + sum(ty != S64 for _, ty in rec.fields))
    r = cx.name("rec")
    step = lambda inner, j: [x.assign(r, x.call(name, x.v(r), x.v(j)))]  # noqa: E731
    group = [x.var(r, rec.make(cx, sc, x.n(0)), rec.ty), *loop(cx, sc, count, step),
             x.show(x.field(x.v(r), "count"), x.length(x.field(x.v(r), "cells")))]
    return Group(group, scope_with(sc, (r, rec.ty), kind="var"))


def _next_field(cx: Ctx, field: str, ty: Type, old: str, i: str) -> ast.Expr:
    here = x.field(x.v(old), field)
    if field == "count":
        return x.op(here, "+", x.n(1))
    if ty == S64:
        return x.op(x.op(here, "+", x.v(i)), "%", x.n(1000))
    if ty == STRING:
        return x.call("str", x.v(i))
    if ty == BOOL:
        return ast.Unary("!", here)
    return x.array(x.v(i), x.op(x.v(i), "*", x.n(2)))
