"""The monomorphizer (hilang/mono.py): no generic function is left, the
program means the same (same output and allocations), names are
deterministic and readable, the result re-checks and prints to hilang that
re-parses, and polymorphic recursion is refused at the call."""

from __future__ import annotations

import pytest

from conftest import CONFORMANCE
from diagnostics import CompileError, Source
from hilang import ast
from hilang.checker import check
from hilang.mono import MAX_TYPE_DEPTH, POLYMORPHIC_RECURSION, monomorphize
from hilang.parser import parse
from hilang.printer import print_program, print_type
from hilang.summary import walk
from test_hilang_interpreter import checked, execute

GENERICS = (CONFORMANCE / "generics.hi").read_text()


def fun_names(program: ast.Program) -> list[str]:
    return [f.name for f in program.funs]


def has_type_vars(node) -> bool:
    return any(isinstance(n, ast.TypeVarRef) for n in walk(node))


def test_generics_has_no_generic_function_left_and_means_the_same():
    program = checked(GENERICS)
    mono = check(monomorphize(program))
    assert not any(has_type_vars(f) for f in mono.funs)
    assert execute(mono) == execute(program)


def test_names_are_readable_and_deterministic():
    names = fun_names(monomorphize(checked(GENERICS)))
    assert names == fun_names(monomorphize(checked(GENERICS)))
    for expected in ["length__S64", "length__List_S64", "length__Pair_S64_String",
                     "nth__List_S64", "unwrapOr__S64", "zip__S64__String",
                     "zip__Bool__Pair_S64_String", "swap__S64__String", "range", "main"]:
        assert expected in names
    assert len(names) == len(set(names))
    assert "length" not in names  # the generic original is replaced by its instances


def test_the_result_prints_as_hilang_that_reparses_and_rechecks():
    mono = monomorphize(checked(GENERICS))
    text = print_program(mono)
    assert parse(Source("mono.hi", text)) == mono
    check(parse(Source("mono.hi", text)))


def test_the_input_is_left_alone():
    program = checked(GENERICS)
    before = print_program(program)
    calls = [n for n in walk(program) if isinstance(n, ast.Call)]
    monomorphize(program)
    assert print_program(program) == before
    assert all(c.ty is not None for c in calls)


SOURCE = """
fun id(x: a): a { return x; }
fun id__S64(x: S64): S64 { return x + 1; }
fun single(x: a): Array a {
    let xs = [];
    push(xs, x);
    var o = None;
    o = Some(x);
    return xs;
}
fun flip(x: a, n: S64): S64 {
    if n == 0 { return 0; }
    return flip(true, n - 1) + 1;
}
fun never(x: a) { }
fun unused() { print(id(2.5)); }
fun main() {
    let m = [1];
    push(id(m), 2);
    print(id(3), id__S64(3), len(m), single("s")[0], flip(2, 3));
}
"""


def test_collisions_capabilities_annotations_and_reachability():
    program = checked(SOURCE)
    mono = monomorphize(program)
    names = fun_names(mono)
    # A name already taken gets a suffix; capabilities are part of the type;
    # a non-generic function is kept (with its instances) even if unused; a
    # generic one that nothing calls disappears.
    assert names == ["id__F64", "id__Array_rwa_S64", "id__S64_2", "id__S64", "single__String",
                     "flip__S64", "flip__Bool", "unused", "main"]
    single = next(f for f in mono.funs if f.name == "single__String")
    lets = [s for s in single.body.stmts if isinstance(s, ast.Let)]
    # What the generic body left to inference is written out.
    assert [print_type(s.type) for s in lets] == ["mut Array String", "Option String"]
    assert execute(check(mono)).stdout == execute(program).stdout == b"3 4 2 s 3\n"


def test_instances_of_instances_follow_the_types_down():
    source = """
    data Box a = Box(a)
    fun unbox(b: Box a): a { match b { Box(x) => { return x; } } }
    fun twice(x: a): a { return unbox(Box(unbox(Box(x)))); }
    fun main() { print(twice(1), twice("s"), unbox(twice(Box(true)))); }
    """
    mono = monomorphize(checked(source))
    # In the order first reached: main's own calls come before the
    # instances that the instances it reaches need.
    assert fun_names(mono) == ["unbox__Bool", "unbox__S64", "unbox__String", "unbox__Box_Bool",
                               "twice__S64", "twice__String", "twice__Box_Bool", "main"]
    assert execute(check(mono)).stdout == b"1 s true\n"


def test_polymorphic_recursion_is_refused_at_the_call():
    source = """data List a = Nil | Cons(a, List a)
fun grow(x: a, n: S64): S64 {
    if n == 0 { return 0; }
    return 1 + grow(Cons(x, Nil), n - 1);
}
fun main() { print(grow(1, 3)); }
"""
    with pytest.raises(CompileError) as caught:
        monomorphize(checked(source))
    [diag] = caught.value.diagnostics
    assert (diag.span.line, diag.span.col, diag.message) == (4, 16, POLYMORPHIC_RECURSION)


def test_deep_but_finite_instantiation_is_fine():
    depth = MAX_TYPE_DEPTH - 2
    nested = "1"
    for _ in range(depth):
        nested = f"Some({nested})"
    source = f"""
    fun id(x: a): a {{ return x; }}
    fun main() {{ let v = id({nested}); print(1); }}
    """
    assert execute(check(monomorphize(checked(source)))).stdout == b"1\n"


def test_a_type_variable_under_a_read_only_view_is_the_element_as_read():
    """LANGUAGE.md 1.8 (issue 16): `xs: Array a` given a `mut Array (mut
    Array S64)` makes `a` the element as `xs` reads it, `Array S64`, so the
    copy of `lastOf` checks and the program runs."""
    source = """
fun lastOf(xs: Array a): a { return xs[len(xs) - 1]; }
fun main() {
    let rows: mut Array (mut Array S64) = [[1], [2, 3]];
    print(len(lastOf(rows)));
}
"""
    mono = check(monomorphize(checked(source)))
    assert fun_names(mono) == ["lastOf__Array_S64", "main"]
    assert execute(mono).stdout == b"2\n"


LEAKING_LAST = """
fun lastOf(xs: Array a): a {
    let ys = xs;
    let v: a = ys[len(ys) - 1];
    return v;
}
fun viaWrap(xs: Array b): b { return lastOf(xs); }
fun main() {
    let rows: mut Array (mut Array S64) = [[1]];
    let last: mut Array S64 = viaWrap(rows);
    push(last, 2);
}
"""


def test_an_error_in_a_copy_speaks_of_the_generic_function_and_the_call():
    """`let last: mut Array S64 = viaWrap(rows)` makes `a = mut Array S64`,
    and the copy of `lastOf` would hand out a mutable alias of an element
    it may only read. The generic body cannot say "a, seen read-only", so
    the copy is checked at its own types, as C++ templates are; the error
    points into the generic body, names the functions as written, offers a
    fix that can be written there, and notes the calls that made the copy."""
    with pytest.raises(CompileError) as caught:
        check(monomorphize(checked(LEAKING_LAST)))
    (first,) = caught.value.diagnostics
    assert (first.span.line, first.span.col) == (4, 5)
    assert first.message == (
        "cannot bind 'ys[...]' to 'v': it is read-only here (it is read through 'ys', which has {r}: "
        "parameter 'xs' of 'lastOf' has {r}; write 'mut Array a' to allow it)")
    assert first.notes == ("in 'lastOf' with a = mut Array S64, as called at 7:38, "
                           "in 'viaWrap' with b = mut Array S64, as called at 10:31",)
    assert "__" not in first.message + "".join(first.notes)  # no copy's name
    fixed = LEAKING_LAST.replace("(xs: Array a)", "(xs: mut Array a)").replace("(xs: Array b)", "(xs: mut Array b)")
    check(monomorphize(checked(fixed)))
