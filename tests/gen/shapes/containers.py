"""Nested containers of structures, and one value stored in two places.

The big containers made here are not left in scope for random code, which
could loop over them inside its own loops (only small ones are).

* `Array (Array T)` and `Map String (Array T)` with a heap `T` (a
  structure, a string, a record), maps of maps, and arrays of records
  holding arrays; grown in loops, then read, written and shrunk through
  the outer container;
* the same value pushed into two arrays, inserted into a map and put into
  a node twice; then one holder loses it (`pop`, `remove`) while the
  others still show it, and a shared array is grown through one alias.
"""

from __future__ import annotations

from hilang import ast
from hilang.types import S64, STRING, ArrayType, MapType

from .. import syntax as x
from ..context import Ctx, Local, Scope
from ..structures import fold, make_node, record
from .builders import small_maker
from .common import Group, filler, iterations, loop, pick_structure, scope_with


def _element(cx: Ctx):
    """(type, maker(scope, i), allocations each, measure(expr) -> S64) of
    a heap element: a structure, a string or a record."""
    options = ["string", "record"] + (["structure"] * 2 if cx.structures else [])
    match cx.choice(options):
        case "string":
            return STRING, lambda sc, i: x.call("str", x.op(x.ref(i), "*", x.n(7))), 1, x.length
        case "record":
            rec = record(cx)
            return rec.ty, lambda sc, i: rec.make(cx, sc, x.ref(i)), 3, lambda e: x.field(e, "count")
    st = pick_structure(cx)
    make, cost = small_maker(cx, st)
    return st.ty, make, cost, lambda e: x.call(fold(cx, st), e)


def nested_containers(cx: Ctx, sc: Scope) -> Group:
    how = cx.choice(["grid", "groups", "map of maps", "rows"])
    return {"grid": _grid, "groups": _groups, "map of maps": _map_of_maps, "rows": _rows}[how](cx, sc)


def _grid(cx: Ctx, sc: Scope) -> Group:
    """`Array (mut Array T)`, row by row; an element replaced, a row grown
    and another shrunk through the grid."""
    ty, make, cost, measure = _element(cx)
    width = cx.integer(1, 8)
    row_ty = ArrayType(ty, "rwa")
    grid_ty = ArrayType(row_ty, "rwa")
    grid, row, j = cx.name("grid"), cx.name("row"), cx.name("j")
    count = iterations(cx, width * cost + 1)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        cells = inner.add(Local(j, S64, "index"))
        return [x.let(row, x.array(), row_ty),
                x.for_range(j, x.n(0), x.n(width), [x.do(x.call("push", x.v(row), make(cells, j)))]),
                *filler(cx, scope_with(inner, (row, row_ty))),
                x.do(x.call("push", x.v(grid), x.v(row)))]

    group = [x.let(grid, x.array(), grid_ty), *loop(cx, sc, count, body)]
    first = x.index(x.v(grid), x.n(0))
    edits = [x.put(x.index(x.v(grid), x.n(0)), x.n(0), make(sc, x.n(99))),
             x.do(x.call("push", x.index(x.v(grid), x.n(0)), make(sc, x.n(98)))),
             x.do(x.call("pop", x.index(x.v(grid), x.op(x.length(x.v(grid)), "-", x.n(1)))))]
    group.append(x.if_(x.op(x.op(x.length(x.v(grid)), ">", x.n(0)), "&&", x.op(x.length(first), ">", x.n(0))),
                       [edits[k] for k in sorted({cx.below(3) for _ in range(2)})]))
    total, r, e = cx.name("total"), cx.name("r"), cx.name("e")
    group += [x.var(total, x.n(0)),
              x.for_each(r, x.v(grid), [x.for_each(e, x.v(r), [x.assign(total, x.op(x.v(total), "+", measure(x.v(e))))])]),
              x.show(x.length(x.v(grid)), x.v(total))]
    return Group(group, sc)


def _groups(cx: Ctx, sc: Scope) -> Group:
    """`Map String (mut Array T)`: items grouped by a key, each group an
    array grown where the map holds it."""
    ty, make, cost, measure = _element(cx)
    slots = cx.choice([3, 10, 40])
    arr = ArrayType(ty, "rwa")
    m_ty = MapType(STRING, arr, "rwa")
    m, k, xs = cx.name("groups"), cx.name("k"), cx.name("xs")
    count = iterations(cx, cost + 2)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        keyed = inner.add(Local(k, STRING, "let"))
        add = x.match(x.call("get", x.v(m), x.v(k)), [
            (ast.PCtor("Some", (ast.PVar(xs),)), [x.do(x.call("push", x.v(xs), make(keyed, i)))]),
            (ast.PCtor("None"), [x.do(x.call("insert", x.v(m), x.v(k), x.array(make(keyed, i))))]),
        ])
        return [x.let(k, x.call("str", x.op(x.v(i), "%", x.n(slots)))), *filler(cx, keyed), add]

    total, key, found, e = cx.name("total"), cx.name("key"), cx.name("found"), cx.name("e")
    sum_up = x.match(x.call("get", x.v(m), x.v(key)), [
        (ast.PCtor("Some", (ast.PVar(found),)), [
            x.for_each(e, x.v(found), [x.assign(total, x.op(x.v(total), "+", measure(x.v(e))))])]),
        (ast.PCtor("None"), []),
    ])
    group = [x.let(m, x.call("map"), m_ty), *loop(cx, sc, count, body), x.var(total, x.n(0)),
             x.for_each(key, x.v(m), [sum_up]), x.show(x.length(x.v(m)), x.v(total))]
    return Group(group, sc)


def _map_of_maps(cx: Ctx, sc: Scope) -> Group:
    """`Map S64 (mut Map String T)`; inner maps made on first use, values
    overwritten, some removed."""
    ty, make, cost, measure = _element(cx)
    outer_slots, inner_slots = cx.choice([2, 5, 16]), cx.choice([3, 8, 30])
    inner_ty = MapType(STRING, ty, "rwa")
    m_ty = MapType(S64, inner_ty, "rwa")
    m, got = cx.name("tables"), cx.name("table")
    count = iterations(cx, cost + 2)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        slot = x.op(x.v(i), "%", x.n(outer_slots))
        make_table = x.if_(ast.Unary("!", x.call("contains", x.v(m), slot)),
                           [x.do(x.call("insert", x.v(m), x.op(x.v(i), "%", x.n(outer_slots)), x.call("map")))])
        name = x.call("str", x.op(x.v(i), "%", x.n(inner_slots)))
        store = x.match(x.call("get", x.v(m), x.op(x.v(i), "%", x.n(outer_slots))), [
            (ast.PCtor("Some", (ast.PVar(got),)), [
                x.do(x.call("insert", x.v(got), name, make(inner, i))),
                x.if_(x.op(x.op(x.v(i), "%", x.n(7)), "==", x.n(3)),
                      [x.do(x.call("remove", x.v(got), x.call("str", x.op(x.v(i), "%", x.n(inner_slots)))))])]),
            (ast.PCtor("None"), []),
        ])
        return [*filler(cx, inner), make_table, store]

    total, key, table, name, value = (cx.name(p) for p in ("total", "key", "table", "name", "value"))
    read = x.match(x.call("get", x.v(m), x.v(key)), [
        (ast.PCtor("Some", (ast.PVar(table),)), [
            x.for_each(name, x.call("keys", x.v(table)), [
                x.match(x.call("get", x.v(table), x.v(name)), [
                    (ast.PCtor("Some", (ast.PVar(value),)), [x.assign(total, x.op(x.v(total), "+", measure(x.v(value))))]),
                    (ast.PCtor("None"), [])])])]),
        (ast.PCtor("None"), [])])
    group = [x.let(m, x.call("map"), m_ty), *loop(cx, sc, count, body), x.var(total, x.n(0)),
             x.for_each(key, x.v(m), [read]), x.show(x.length(x.v(m)), x.v(total))]
    return Group(group, sc)


def _rows(cx: Ctx, sc: Scope) -> Group:
    """An array of records holding arrays: each row's cells grown before
    the row is made, and sometimes after, through the alias kept."""
    rec = record(cx)
    width = cx.integer(1, 10)
    rows_ty = ArrayType(rec.ty, "rwa")
    rows, cells, j = cx.name("rows"), cx.name("cells"), cx.name("j")
    count = iterations(cx, 5)
    late = cx.chance(50)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        made = [x.let(cells, x.array(), ArrayType(S64, "rwa")),
                x.for_range(j, x.n(0), x.n(width), [x.do(x.call("push", x.v(cells), x.op(x.v(i), "*", x.v(j))))]),
                x.do(x.call("push", x.v(rows), rec.make(cx, inner, x.v(i), x.v(cells))))]
        if late:
            made.append(x.do(x.call("push", x.v(cells), x.v(i))))  # seen through the row too
        return made

    total, r, c = cx.name("total"), cx.name("r"), cx.name("c")
    group = [x.let(rows, x.array(), rows_ty), *loop(cx, sc, count, body), x.var(total, x.n(0)),
             x.for_each(r, x.v(rows), [x.for_each(c, x.field(x.v(r), "cells"), [x.assign(total, x.op(x.v(total), "+", x.v(c)))]),
                                       x.assign(total, x.op(x.v(total), "+", x.field(x.v(r), "count")))]),
             x.show(x.length(x.v(rows)), x.v(total))]
    return Group(group, sc)


# --------------------------------------------------------------------------
# the same value in two places


def stored_twice(cx: Ctx, sc: Scope) -> Group:
    ty, make, cost, measure = _element(cx)
    if cx.chance(30):
        return _shared_array(cx, sc)
    a, b, m, v = cx.name("a"), cx.name("b"), cx.name("m"), cx.name("v")
    arr, m_ty = ArrayType(ty, "rwa"), MapType(S64, ty, "rwa")
    slots = cx.choice([4, 32])
    count = iterations(cx, cost + 1)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        held = scope_with(inner, (v, ty))
        return [x.let(v, make(inner, i)), x.do(x.call("push", x.v(a), x.v(v))),
                x.if_(x.op(x.op(x.v(i), "%", x.n(3)), "!=", x.n(1)), [x.do(x.call("push", x.v(b), x.v(v)))]),
                *filler(cx, held),
                x.do(x.call("insert", x.v(m), x.op(x.v(i), "%", x.n(slots)), x.v(v)))]

    group = [x.let(a, x.array(), arr), x.let(b, x.array(), arr), x.let(m, x.call("map"), m_ty),
             *loop(cx, sc, count, body)]
    # One holder lets go; the others still show the values.
    drop_some = cx.integer(0, 5)
    for _ in range(drop_some):
        group.append(x.if_(x.op(x.length(x.v(a)), ">", x.n(0)), [x.do(x.call("pop", x.v(a)))]))
    group.append(x.do(x.call("remove", x.v(m), x.n(0))))  # the map lets go of one too
    total, e = cx.name("total"), cx.name("e")
    group += [x.var(total, x.n(0)), x.for_each(e, x.v(b), [x.assign(total, x.op(x.v(total), "+", measure(x.v(e))))]),
              x.show(x.length(x.v(a)), x.length(x.v(b)), x.length(x.v(m)), x.v(total))]
    st = next((st for st in cx.structures if st.ty == ty), None)
    if st is not None and st.arity > 1:
        # A node holding one value in every subtree.
        pair = cx.name("pair")
        twice = make_node(cx, sc, st, [x.index(x.v(b), x.n(0)) for _ in st.subs], x.n(7))
        group.append(x.if_(x.op(x.length(x.v(b)), ">", x.n(0)), [x.let(pair, twice), x.show(measure(x.v(pair)))]))
    return Group(group, scope_with(sc, (m, m_ty)))


def _shared_array(cx: Ctx, sc: Scope) -> Group:
    """One array in two arrays of arrays: grown through one, seen
    through the other."""
    row_ty = ArrayType(S64, "rwa")
    outer_ty = ArrayType(row_ty, "rwa")
    shared, left, right = cx.name("shared"), cx.name("left"), cx.name("right")
    count = iterations(cx, 2)

    def body(inner: Scope, i: str) -> list[ast.Stmt]:
        return [x.do(x.call("push", x.index(x.v(left), x.n(0)), x.v(i))),
                x.if_(x.op(x.op(x.v(i), "%", x.n(5)), "==", x.n(0)),
                      [x.do(x.call("push", x.v(right), x.array(x.v(i), x.op(x.v(i), "+", x.n(1)))))])]

    group = [x.let(shared, x.array(x.n(1), x.n(2)), row_ty),
             x.let(left, x.array(x.v(shared)), outer_ty), x.let(right, x.array(x.v(shared), x.v(shared)), outer_ty),
             *loop(cx, sc, count, body),
             x.show(x.length(x.v(shared)), x.length(x.index(x.v(right), x.n(1))), x.length(x.v(right)))]
    return Group(group, sc)
