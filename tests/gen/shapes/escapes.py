"""Leaving scopes that hold structures early, and failing late.

* `break` and `continue` out of loop bodies (nested ones too) holding
  fresh structures, arrays of them, and the parts a `match` bound;
* `return` out of a loop and a `match` inside a function, with the
  structure found (the other early exit, from inside recursion building a
  structure, is the builders' `_early_return`);
* a runtime error after much has been allocated: an index past the end of
  a big array, a division by a difference that is zero, a `pop` too many,
  `int` of a string that is not a number; at the end, in the middle of a
  loop, or deep in a recursion over a big structure. Every engine must
  print the same output up to it, then the same error line.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import S64, ArrayType

from .. import syntax as x
from ..context import Ctx, Fn, Local, Scope
from ..structures import fold, leaf_pattern, make_leaf, node_names, node_pattern
from .builders import builder, small_maker
from .common import Group, depth, filler, iterations, loop, pick_structure, scope_with, tree_nodes


def leave_loops_early(cx: Ctx, sc: Scope) -> Group:
    """A loop (sometimes two nested) whose body makes structures, then
    `continue`s past some iterations and `break`s out at one."""
    st = pick_structure(cx)
    make, cost = small_maker(cx, st)
    inner_count = cx.integer(1, 4) if cx.chance(40) else 0
    count = iterations(cx, cost * (2 + inner_count))
    stop_at = cx.integer(count // 2, count) if count else 0
    found, total, t, pair = cx.name("found"), cx.name("total"), cx.name("t"), cx.name("pair")
    pair_ty = ArrayType(st.ty, "rwa")
    skip = cx.choice([3, 4, 7])

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        names = node_names(cx, st)
        steps = [x.let(t, make(inner, i))]
        steps.append(x.let(pair, x.array(x.v(t), make(scope_with(inner, (t, st.ty)), x.op(x.v(i), "+", x.n(1)))), pair_ty))
        inner = scope_with(inner, (t, st.ty), (pair, pair_ty))
        if inner_count:
            j, u = cx.name("j"), cx.name("u")
            steps.append(x.for_range(j, x.n(0), x.n(inner_count), [
                x.let(u, make(inner, x.v(j))),
                x.if_(x.op(x.v(j), "==", x.n(inner_count - 1)), [ast.Break()]),
                x.do(x.call("push", x.v(pair), x.v(u)))]))
        steps += filler(cx, inner)
        steps.append(x.if_(x.op(x.op(x.v(i), "%", x.n(skip)), "==", x.n(1)), [ast.Continue()]))
        # `continue` from inside a match arm holding the node's parts.
        steps.append(x.match(x.v(t), [
            (node_pattern(cx, st, names), [x.if_(x.op(x.op(x.v(names[st.key]), "%", x.n(5)), "==", x.n(2)),
                                                 [x.assign(total, x.op(x.v(total), "+", x.n(1))), ast.Continue()])]),
            (leaf_pattern(cx, st), [])]))
        steps.append(x.assign(total, x.op(x.v(total), "+", x.call(fold(cx, st), x.v(t)))))
        steps.append(x.if_(x.op(x.v(i), "==", x.n(stop_at)), [x.assign(found, x.index(x.v(pair), x.n(1))), ast.Break()]))
        return steps

    group = [x.var(found, make_leaf(cx, sc, st), st.ty), x.var(total, x.n(0)), *loop(cx, sc, count, body),
             x.show(x.v(total), x.call(fold(cx, st), x.v(found)))]
    return Group(group, scope_with(sc, (found, st.ty), kind="var"))


def return_from_inside(cx: Ctx, sc: Scope) -> Group:
    """`find(n, seed)`: makes structures in a loop and returns the first
    whose key fits, from inside the loop and a match on it."""
    st = pick_structure(cx)
    make, cost = small_maker(cx, st)
    name, n, sd, t, kept = cx.name("find"), cx.name("n"), cx.name("seed"), cx.name("t"), cx.name("kept")
    fn = Fn(name, ((n, S64), (sd, S64)), st.ty, "shape", 0)
    fsc = Scope(fn, (Local(n, S64, "param"), Local(sd, S64, "param")), nest=1, room=1)
    modulus = cx.choice([7, 13, 50, 1000])
    names = node_names(cx, st)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        made = x.let(t, make(inner, x.op(x.v(i), "+", x.v(sd))))
        inner = scope_with(inner, (t, st.ty))
        fits = x.op(x.op(x.v(names[st.key]), "%", x.n(modulus)), "==", x.n(cx.below(3)))
        return [made,
                x.do(x.call("push", x.v(kept), x.v(t))),
                *filler(cx, inner),
                x.match(x.v(t), [(node_pattern(cx, st, names), [x.if_(fits, [x.ret(x.v(t))])]),
                                 (leaf_pattern(cx, st), [])])]

    count = iterations(cx, 2 * cost)
    # The loop's bound is the parameter `n`, not a literal.
    looped = [_with_bound(stmt, x.v(n)) for stmt in loop(cx, fsc, 1, body)]
    fallback = x.if_expr(x.op(x.length(x.v(kept)), ">", x.n(0)), x.index(x.v(kept), x.n(0)), make_leaf(cx, fsc, st))
    cx.shape_decls.append(x.fun(name, [(n, S64), (sd, S64)], st.ty,
                                [x.let(kept, x.array(), ArrayType(st.ty, "rwa")), *looped, x.ret(fallback)]))
    got = cx.name("got")
    group = [x.let(got, x.call(name, x.n(count), x.n(cx.below(100))), st.ty), x.show(x.call(fold(cx, st), x.v(got)))]
    return Group(group, scope_with(sc, (got, st.ty)))


def _with_bound(stmt: ast.Stmt, bound: ast.Expr) -> ast.Stmt:
    """`loop`'s statements with the count `1` replaced by `bound`."""
    if isinstance(stmt, ast.ForRange):
        return ast.ForRange(stmt.var, stmt.lo, bound, stmt.body)
    if isinstance(stmt, ast.While):
        return ast.While(ast.Binary("<", stmt.cond.left, bound), stmt.body)
    return stmt


# --------------------------------------------------------------------------
# runtime errors after much has been allocated


def fail_late(cx: Ctx, sc: Scope) -> Group:
    how = cx.choice(["index", "divide", "pop", "int", "deep"])
    st = pick_structure(cx)
    make, cost = small_maker(cx, st)
    kept = cx.name("kept")
    kept_ty = ArrayType(st.ty, "rwa")
    count = iterations(cx, cost + 1)
    fail_at = cx.integer(0, count) if count else 0
    if how == "deep":
        return _fail_deep(cx, sc, st)
    j, total = cx.name("j"), cx.name("total")

    def failing(inner: Scope, i: str) -> ast.Stmt:
        match how:
            case "index":
                return x.show(x.call(fold(cx, st), x.index(x.v(kept), x.op(x.length(x.v(kept)), "+", x.n(cx.below(3))))))
            case "divide":
                size = x.call(fold(cx, st, "count"), x.index(x.v(kept), x.n(0)))
                same = x.call(fold(cx, st, "count"), x.index(x.v(kept), x.n(0)))
                return x.show(x.op(x.n(1000), cx.choice(["/", "%"]), x.op(size, "-", same)))
            case "pop":
                return x.for_range(j, x.n(0), x.op(x.length(x.v(kept)), "+", x.n(1)), [x.do(x.call("pop", x.v(kept)))])
        return x.show(x.call("int", x.op(x.call("str", x.v(i)), "++", x.s(cx.choice(["x", " ", "-"])))))

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        steps = [x.do(x.call("push", x.v(kept), make(inner, i))), *filler(cx, inner),
                 x.assign(total, x.op(x.v(total), "+", x.call(fold(cx, st), x.index(x.v(kept), x.op(x.length(x.v(kept)), "-", x.n(1))))))]
        if in_loop:
            steps.append(x.if_(x.op(x.v(i), "==", x.n(fail_at)), [failing(inner, i)]))
        return steps

    in_loop = cx.chance(50) and count > 0
    group = [x.let(kept, x.array(), kept_ty), x.var(total, x.n(0)), *loop(cx, sc, count, body), x.show(x.v(total))]
    if not in_loop:
        i = cx.name("i")
        group += [x.let(i, x.length(x.v(kept))), failing(sc.add(Local(i, S64, "let")), i)]
    if how == "divide":
        # Nothing to divide by if nothing was kept: fail on an index then.
        group.insert(2, x.do(x.call("push", x.v(kept), make(sc, x.n(0)))))
    return Group(group, sc)


def _fail_deep(cx: Ctx, sc: Scope, st) -> Group:
    """A fold over a big structure that divides by zero at one leaf."""
    build, per_node = builder(cx, st)
    d = depth(cx, lambda k: tree_nodes(st.arity, k) * per_node, most=11 if st.arity == 2 else 7)
    if st.arity == 1:
        d = iterations(cx, per_node)
    name, t, left = cx.name("probe"), cx.name("t"), cx.name("left")
    names = node_names(cx, st)
    subs = [x.call(name, x.v(names[i]), x.op(x.v(left), "-", x.n(1))) for i in st.subs]
    total = subs[0]
    for sub in subs[1:]:
        total = x.op(total, "+", sub)
    # The count down reaches zero at the leaves `left` deep: a full tree
    # `d` deep has all its leaves there; a tree cut short or a count drawn
    # smaller may have none, and the program then ends normally.
    arms = [(leaf_pattern(cx, st), [x.ret(x.op(x.n(100), "/", x.v(left)))]),
            (node_pattern(cx, st, names), [x.ret(x.op(x.v(names[st.key]), "+", total))])]
    cx.shape_decls.append(x.fun(name, [(t, st.ty), (left, S64)], S64, [x.match(x.v(t), arms)]))
    tree = cx.name("t")
    group = [x.let(tree, x.call(build, x.n(d), x.n(cx.below(10))), st.ty),
             x.show(x.call(fold(cx, st), x.v(tree))),
             x.show(x.call(name, x.v(tree), x.n(d if cx.chance(80) else cx.integer(0, d))))]
    return Group(group, scope_with(sc, (tree, st.ty)))
