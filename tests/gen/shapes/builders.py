"""Recursive builders: functions that build a structure from their own
recursive calls, in a constructor's arguments (`Knot(build(d - 1, ..), k,
build(d - 2, ..))`), the pattern the dominated-structures pass and output
regions rewrite; builders of shared subtrees (`let s = share(d - 1);
return Knot(s, d, s);`); and mutual recursion that passes structures
(two functions rebuilding a tree, or walking a list into an accumulator,
each calling the other).

Variation: which recursive calls are inline and which bound first, how
deep each goes (`d - 1` or `d - 2`), how seeds and keys are computed,
subtrees cut short by a seed, an early `return` of a subtree from inside
the recursion, random statements in the builder's body, and how the result
is used (one big structure; many small ones, each dropped; a forest kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from hilang import ast
from hilang.types import S64, ArrayType

from .. import syntax as x
from ..context import Ctx, Fn, Local, Scope
from ..structures import (Structure, fold, leaf_pattern, make_leaf, make_node, node_names, node_pattern)
from .common import Group, depth, filler, iterations, loop, pick_structure, scope_with, seed, tree_nodes


# --------------------------------------------------------------------------
# the builder function


def declare_builder(cx: Ctx, st: Structure) -> tuple[str, int]:
    """A new builder `(d: S64, seed: S64) -> st`; its name and how many
    allocations one node costs (with its payload)."""
    name = cx.name("build")
    d, sd = cx.name("d"), cx.name("seed")
    fn = Fn(name, ((d, S64), (sd, S64)), st.ty, "shape", 0)
    sc = Scope(fn, (Local(d, S64, "param"), Local(sd, S64, "param")), nest=0, room=1).heated()
    body: list[ast.Stmt] = [x.if_(x.op(x.v(d), "<=", x.n(0)),
                                  [x.ret(make_leaf(cx, sc, st, x.op(x.v(sd), "%", x.n(10))))])]
    body += filler(cx, sc, cx.below(3))
    if cx.chance(25):
        # Some subtrees cut short, by the seed: an irregular tree.
        cut = x.op(x.op(x.v(sd), "%", x.n(cx.choice([3, 5, 7]))), "==", x.n(cx.below(3)))
        body.append(x.if_(cut, [x.ret(_small(cx, sc, st, x.v(sd)))]))
    subs, first = [], []
    for j in range(st.arity):
        delta = 1 if j == 0 or st.arity == 1 else cx.choice([1, 1, 2])
        call = x.call(name, x.op(x.v(d), "-", x.n(delta)), _next_seed(cx, sd, st.arity, j))
        if cx.chance(35):
            bound = cx.name("sub")
            first.append(x.let(bound, call))
            if cx.chance(50):
                first.append(_early_return(cx, st, bound))
            subs.append(x.v(bound))
        else:
            subs.append(call)
    body += first
    body.append(x.ret(make_node(cx, sc, st, subs, _key(cx, sc, d, sd))))
    cx.shape_decls.append(x.fun(name, [(d, S64), (sd, S64)], st.ty, body))
    return name, 1 + len(st.payload())


def builder(cx: Ctx, st: Structure) -> tuple[str, int]:
    """The program's shared builder of `st` (declared on first use)."""
    key = (st.data.name, "build")
    if key not in cx.library:
        cx.library[key] = declare_builder(cx, st)
    return cx.library[key]


def _next_seed(cx: Ctx, sd: str, arity: int, j: int) -> ast.Expr:
    return cx.choice([
        lambda: x.op(x.op(x.v(sd), "*", x.n(arity + 1)), "+", x.n(j + 1)),
        lambda: x.op(x.v(sd), "+", x.n(j + 1)),
        lambda: x.op(x.op(x.op(x.v(sd), "*", x.n(31)), "+", x.n(j)), "%", x.n(1000003)),
    ])()


def _key(cx: Ctx, sc: Scope, d: str, sd: str) -> ast.Expr:
    from ..exprs import expr

    return cx.pick([
        (3, lambda: x.op(x.v(sd), "%", x.n(1000))),
        (2, lambda: x.op(x.op(x.v(d), "*", x.n(100)), "+", x.op(x.v(sd), "%", x.n(100)))),
        (2, lambda: expr(cx, sc, S64, 1)),
    ])


def _small(cx: Ctx, sc: Scope, st: Structure, key: ast.Expr) -> ast.Expr:
    """A leaf, or a node of leaves."""
    if cx.chance(50):
        return make_leaf(cx, sc, st)
    return make_node(cx, sc, st, [make_leaf(cx, sc, st) for _ in st.subs], key)


def _early_return(cx: Ctx, st: Structure, bound: str) -> ast.Stmt:
    """`return` a subtree just built, from inside the recursion building
    the tree, when its key says so: the match holding its parts is left
    by the `return`."""
    names = node_names(cx, st)
    test = x.op(x.op(x.v(names[st.key]), "%", x.n(cx.choice([5, 7, 11]))), "==", x.n(cx.below(3)))
    return x.match(x.v(bound), [(node_pattern(cx, st, names), [x.if_(test, [x.ret(x.v(bound))])]),
                                (leaf_pattern(cx, st), [])])


# --------------------------------------------------------------------------
# productions


def recursive_builder(cx: Ctx, sc: Scope) -> Group:
    """Build one big structure, many small ones each dropped, or a forest
    kept in an array; print folds of them."""
    st = pick_structure(cx)
    name, per_node = declare_builder(cx, st)
    how = cx.pick([(3, lambda: "one"), (2, lambda: "many"), (1, lambda: "forest")])
    if how == "one":
        if st.arity == 1:
            d = iterations(cx, per_node)
        else:
            d = depth(cx, lambda k: tree_nodes(st.arity, k) * per_node, most=12 if st.arity == 2 else 8)
        t = cx.name("t")
        group = [x.let(t, x.call(name, x.n(d), seed(cx, sc)), st.ty),
                 x.show(x.call(fold(cx, st), x.v(t)), x.call(fold(cx, st), x.v(t)))]
        return Group(group, scope_with(sc, (t, st.ty)))
    small = cx.integer(1, 4) if st.arity > 1 else cx.integer(2, 20)
    count = iterations(cx, tree_nodes(st.arity, small) * per_node)
    total, t = cx.name("total"), cx.name("t")
    if how == "many":
        def body(inner: Scope, i: str) -> list[ast.Stmt]:
            inner = scope_with(inner, (t, st.ty))
            made = x.let(t, x.call(name, x.n(small), x.v(i)))
            return [made, *filler(cx, inner), x.assign(total, x.op(x.v(total), "+", x.call(fold(cx, st), x.v(t))))]

        group = [x.var(total, x.n(0)), *loop(cx, sc, count, body), x.show(x.v(total))]
        return Group(group, scope_with(sc, (total, S64), kind="var"))
    forest = cx.name("forest")
    forest_ty = ArrayType(st.ty, "rwa")

    def grow(inner: Scope, i: str) -> list[ast.Stmt]:
        return [x.do(x.call("push", x.v(forest), x.call(name, x.n(small), x.v(i))))]

    each = cx.name("tree")
    group = [x.let(forest, x.array(), forest_ty), *loop(cx, sc, count, grow),
             x.var(total, x.n(0)),
             x.for_each(each, x.v(forest), [x.assign(total, x.op(x.v(total), "+", x.call(fold(cx, st), x.v(each))))]),
             x.show(x.length(x.v(forest)), x.v(total))]
    return Group(group, sc)  # the forest is big: not for random code's loops


def shared_subtrees(cx: Ctx, sc: Scope) -> Group:
    """`let s = share(d - 1); return Knot(s, k, s);`: a tree whose
    subtrees are one value (or, for a list, two lists sharing a tail)."""
    st = pick_structure(cx)
    name = cx.name("share")
    d = cx.name("d")
    fn = Fn(name, ((d, S64),), st.ty, "shape", 0)
    inner = Scope(fn, (Local(d, S64, "param"),), nest=0, room=1).heated()
    sub = cx.name("sub")
    subs = [x.v(sub) for _ in st.subs]
    if st.arity > 1 and cx.chance(30):
        subs[-1] = x.call(name, x.op(x.v(d), "-", x.n(2)))  # one side fresh, the other shared
    body = [x.if_(x.op(x.v(d), "<=", x.n(0)), [x.ret(make_leaf(cx, inner, st))]),
            x.let(sub, x.call(name, x.op(x.v(d), "-", x.n(1)))),
            *filler(cx, inner, cx.below(2)),
            x.ret(make_node(cx, inner, st, subs, x.v(d)))]
    cx.shape_decls.append(x.fun(name, [(d, S64)], st.ty, body))
    # A fold visits the tree as if it were not shared: arity ** d calls.
    if st.arity == 1:
        levels = iterations(cx, 1)
    else:
        levels = depth(cx, lambda k: k + 1, most=12 if st.arity == 2 else 7)
    t = cx.name("t")
    group = [x.let(t, x.call(name, x.n(levels)), st.ty)]
    if st.arity == 1:
        # Two lists, one tail.
        a, b = cx.name("a"), cx.name("b")
        group += [x.let(a, make_node(cx, sc, st, [x.v(t)], x.n(1))), x.let(b, make_node(cx, sc, st, [x.v(t)], x.n(2))),
                  x.show(x.call(fold(cx, st), x.v(a)), x.call(fold(cx, st), x.v(b)))]
        return Group(group, scope_with(sc, (t, st.ty), (a, st.ty), (b, st.ty)))
    group.append(x.show(x.call(fold(cx, st), x.v(t))))
    return Group(group, scope_with(sc, (t, st.ty)))


def mutual_recursion(cx: Ctx, sc: Scope) -> Group:
    """Two functions that call each other passing structures: rebuilding
    a tree level by level in turn, or walking a list into an accumulator."""
    st = pick_structure(cx)
    if st.arity == 1 and cx.chance(60):
        return _alternate_into_accumulator(cx, sc, st)
    return _rebuild_in_turn(cx, sc, st)


def _source(cx: Ctx, sc: Scope, st: Structure, share: int = 2) -> tuple[list[ast.Stmt], str, int]:
    """A structure to work on, from the program's builder: its statements,
    its name and about how many nodes it has. `share` is how many times
    its size is about to be spent again."""
    name, per_node = builder(cx, st)
    if st.arity == 1:
        lo, hi = cx.size.iterations
        size = max(0, min(cx.integer(lo, hi), cx.work // (share * per_node + 1)))
        cx.work -= size * per_node
        d = size
    else:
        d = depth(cx, lambda k: tree_nodes(st.arity, k) * (per_node + share), most=11 if st.arity == 2 else 7)
        size = tree_nodes(st.arity, d)
    t = cx.name("t")
    return [x.let(t, x.call(name, x.n(d), seed(cx, sc)), st.ty)], t, size


def _rebuild_in_turn(cx: Ctx, sc: Scope, st: Structure) -> Group:
    first, second = cx.name("mirror"), cx.name("turn")
    for me, other in ((first, second), (second, first)):
        t, acc = cx.name("t"), cx.name("acc")
        names = node_names(cx, st, payload=True)
        subs = [x.call(other, x.v(names[i]), x.op(x.v(acc), "+", x.n(j + 1))) for j, i in enumerate(st.subs)]
        if cx.chance(50):
            subs.reverse()
        payload = {i: x.v(names[i]) for i in st.payload()}
        key = x.op(x.v(names[st.key]), cx.choice(["+", "-", "*"]), x.op(x.v(acc), "%", x.n(7)))
        fn = Fn(me, ((t, st.ty), (acc, S64)), st.ty, "shape", 0)
        inner = Scope(fn, (Local(t, st.ty, "param"), Local(acc, S64, "param")), nest=0, room=1).heated()
        leaf_value = x.v(t) if cx.chance(50) else make_leaf(cx, inner, st)
        arms = [(leaf_pattern(cx, st), [x.ret(leaf_value)]),
                (node_pattern(cx, st, names), [x.ret(make_node(cx, inner, st, subs, key, payload))])]
        cx.shape_decls.append(x.fun(me, [(t, st.ty), (acc, S64)], st.ty, [x.match(x.v(t), arms)]))
    stmts, t, size = _source(cx, sc, st, share=3)
    rounds = max(1, min(cx.integer(1, 3 if cx.size.iterations[1] < 10 else 8), cx.work // (size + 1)))
    cx.work -= rounds * size
    u = cx.name("u")
    if cx.chance(50):
        # t = f(t, ...) a few times: each round rebuilds the whole of it.
        step = lambda inner, i: [x.assign(u, x.call(first, x.v(u), x.v(i)))]  # noqa: E731
        stmts += [x.var(u, x.v(t), st.ty), *loop(cx, sc, rounds, step)]
    else:
        stmts.append(x.let(u, x.call(first, x.v(t), x.n(0)), st.ty))
    stmts.append(x.show(x.call(fold(cx, st), x.v(t)), x.call(fold(cx, st), x.v(u))))
    return Group(stmts, scope_with(sc, (t, st.ty), (u, st.ty)))


def _alternate_into_accumulator(cx: Ctx, sc: Scope, st: Structure) -> Group:
    """`evens(l, acc)` keeps one element and hands the rest to `odds`,
    which skips one and hands back: a list reversed into an accumulator,
    every other element kept."""
    keep, skip = cx.name("keep"), cx.name("skip")
    for me, other, keeps in ((keep, skip, True), (skip, keep, False)):
        l, acc = cx.name("l"), cx.name("acc")
        names = node_names(cx, st, payload=keeps)
        rest = x.v(names[st.subs[0]])
        if keeps:
            kept = make_node(cx, Scope(Fn(me, (), st.ty, "shape", 0)), st, [x.v(acc)], x.v(names[st.key]),
                             {i: x.v(names[i]) for i in st.payload()})
            onward = x.call(other, rest, kept)
        else:
            onward = x.call(other, rest, x.v(acc))
        arms = [(leaf_pattern(cx, st), [x.ret(x.v(acc))]), (node_pattern(cx, st, names), [x.ret(onward)])]
        cx.shape_decls.append(x.fun(me, [(l, st.ty), (acc, st.ty)], st.ty, [x.match(x.v(l), arms)]))
    stmts, t, _ = _source(cx, sc, st)
    u = cx.name("u")
    stmts += [x.let(u, x.call(keep, x.v(t), make_leaf(cx, sc, st)), st.ty),
              x.show(x.call(fold(cx, st), x.v(u)), x.call(fold(cx, st), x.v(t)))]
    return Group(stmts, scope_with(sc, (t, st.ty), (u, st.ty)))


@dataclass
class SmallMaker:
    """Makes small fresh structures for other shapes to store, all of one
    form: a node of leaves (`depth` None), or the builder `build`'s tree
    `depth` deep. `maker(sc, key)` makes one."""

    cx: Ctx
    structure: Structure
    build: str | None = None
    depth: int | None = None

    def __call__(self, sc: Scope, key) -> ast.Expr:
        key = x.ref(key)
        if self.depth is not None:
            return x.call(self.build, x.n(self.depth), key)
        st = self.structure
        return make_node(self.cx, sc, st, [make_leaf(self.cx, sc, st) for _ in st.subs], key)


def small_maker(cx: Ctx, st: Structure) -> tuple[SmallMaker, int]:
    """A maker of small structures of `st`, and the allocations of each."""
    if cx.chance(40):
        build, per_node = builder(cx, st)
        d = cx.integer(1, 3) if st.arity > 1 else cx.integer(1, 6)
        return SmallMaker(cx, st, build, d), tree_nodes(st.arity, d) * per_node
    return SmallMaker(cx, st), 1 + st.arity + len(st.payload())
