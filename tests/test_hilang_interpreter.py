"""The hilang reference interpreter against the semantics it defines
(LANGUAGE.md 1.5-1.7 and docs/hilang-semantics.md): the conformance programs
at the `typed` and `mono` stages, then each corner of the semantics on small
programs, with hypothesis for the arithmetic."""

from __future__ import annotations

import ctypes
import io
import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CONFORMANCE, EXAMPLES
from diagnostics import ProgramError, Source
from hilang.checker import check
from hilang.interpreter import MAX_CALL_DEPTH, TRUNC_OUT_OF_RANGE, python_source, run
from hilang.mono import monomorphize
from hilang.parser import parse
from programs import not_yet

S64_MIN, S64_MAX = -(1 << 63), (1 << 63) - 1


@dataclass
class Result:
    stdout: bytes
    status: int
    error: str  # the stderr line of a runtime error, or ''
    allocs: int

    @property
    def text(self) -> str:
        return self.stdout.decode()


def checked(text: str, name: str = "test.hi"):
    return check(parse(Source(name, text)))


def execute(program, args=()) -> Result:
    out = io.BytesIO()
    try:
        stats = run(program, out, list(args))
    except ProgramError as error:
        return Result(out.getvalue(), 101, error.line(), error.stats["allocs"])
    return Result(out.getvalue(), 0, "", stats["allocs"])


def run_text(text: str, args=(), mono: bool = False) -> Result:
    program = checked(text)
    return execute(check(monomorphize(program)) if mono else program, args)


def main(body: str, prelude: str = "") -> str:
    return f"{prelude}\nfun main() {{\n{body}\n}}\n"


def prints(body: str, prelude: str = "") -> str:
    result = run_text(main(body, prelude))
    assert result.status == 0, result.error
    return result.text


# --------------------------------------------------------------------------
# Conformance programs


def _programs() -> list[Path]:
    found = sorted(CONFORMANCE.glob("*.hi")) + sorted(EXAMPLES.glob("*.hi"))
    return [p for p in found if not p.name.startswith("ce_") and p.with_suffix(".out").exists()]


@pytest.mark.parametrize("mono", [False, True], ids=["typed", "mono"])
@pytest.mark.parametrize("path", [pytest.param(p, marks=not_yet(p), id=p.stem) for p in _programs()])
def test_conformance(path: Path, mono: bool):
    result = run_text(path.read_text(), mono=mono)
    status_file = path.with_suffix(".status")
    expected_status = int(status_file.read_text()) if status_file.exists() else 0
    assert result.stdout == path.with_suffix(".out").read_bytes()
    assert result.status == expected_status
    if expected_status == 101:
        assert result.error.startswith("runtime error: ")


def test_runtime_errors_name_the_failing_expression():
    assert run_text((CONFORMANCE / "rt_divzero.hi").read_text()).error == \
        "runtime error: division by zero at 8:12"
    assert run_text((CONFORMANCE / "rt_index.hi").read_text()).error == \
        "runtime error: index 3 out of range for length 3 at 9:41"


# --------------------------------------------------------------------------
# Integers


def _wrap(v: int) -> int:
    return (v + (1 << 63)) % (1 << 64) - (1 << 63)


def _trunc_div(a: int, b: int) -> int:
    """C's division, computed from Python's floor division (a reference
    written independently of the interpreter's)."""
    q = a // b
    return q + 1 if q < 0 and q * b != a else q


def _c_div(a: int, b: int) -> int:
    return _wrap(_trunc_div(a, b))


def _c_mod(a: int, b: int) -> int:
    return a - b * _trunc_div(a, b)


S64_OPS = {
    "+": lambda a, b: _wrap(a + b),
    "-": lambda a, b: _wrap(a - b),
    "*": lambda a, b: _wrap(a * b),
    "/": _c_div,
    "%": _c_mod,
    "<": lambda a, b: str(a < b).lower(),
    "==": lambda a, b: str(a == b).lower(),
}
edge_s64 = st.sampled_from([0, 1, -1, 2, -2, 7, -7, S64_MIN, S64_MAX, S64_MIN + 1, 1 << 32])
any_s64 = st.integers(S64_MIN, S64_MAX) | edge_s64


def _lit(v: int) -> str:
    return f"({v})" if v >= 0 else f"(-{-v})"


def _u8(v: int) -> str:
    return f"{v}u8"


def _forms(literal, zero: str) -> dict:
    """An operand written three ways, since the translation has a fast path
    for simple operands (literals, variables) and a general one."""
    return {
        "literal": lambda v, name: literal(v),
        "variable": lambda v, name: name,
        "expression": lambda v, name: f"({name} + {zero})",
    }


FORMS = _forms(_lit, "0")
U8_FORMS = _forms(_u8, "0u8")


def _operations(cases, literal, forms) -> str:
    """One `print(a op b)` per case, `a` and `b` bound in a block of their own."""
    return "\n".join(
        f"if true {{ let a = {literal(a)}; let b = {literal(b)}; "
        f"print({forms[fa](a, 'a')} {op} {forms[fb](b, 'b')}); }}"
        for a, op, b, fa, fb in cases)


def _nonzero_divisors(cases):
    return [c for c in cases if not (c[1] in "/%" and c[2] == 0)]


@given(st.lists(st.tuples(any_s64, st.sampled_from(sorted(S64_OPS)), any_s64,
                          st.sampled_from(sorted(FORMS)), st.sampled_from(sorted(FORMS))),
                min_size=1, max_size=20))
def test_s64_arithmetic_is_c_with_wrapping(cases):
    cases = _nonzero_divisors(cases)
    expected = "".join(f"{S64_OPS[op](a, b)}\n" for a, op, b, _, _ in cases)
    assert prints(_operations(cases, _lit, FORMS)) == expected


U8_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a // b, "%": lambda a, b: a % b}


@given(st.lists(st.tuples(st.integers(0, 255), st.sampled_from(sorted(U8_OPS)), st.integers(0, 255),
                          st.sampled_from(sorted(FORMS)), st.sampled_from(sorted(FORMS))), min_size=1))
def test_u8_arithmetic_wraps_modulo_256(cases):
    cases = _nonzero_divisors(cases)
    expected = "".join(f"{U8_OPS[op](a, b) % 256}\n" for a, op, b, _, _ in cases)
    assert prints(_operations(cases, _u8, U8_FORMS)) == expected


def test_division_by_zero_in_every_form():
    for form_a in FORMS:
        for form_b in FORMS:
            expr = f"{FORMS[form_a](7, 'a')} % {FORMS[form_b](0, 'b')}"
            result = run_text(main(f"let a = 7; let b = 0;\nprint({expr});"))
            assert result.error == "runtime error: division by zero at 4:7", expr


def test_integer_corners():
    body = """
    let min = -9223372036854775808;
    let m1 = 0 - 1;
    print(min / m1, min % m1, -min, min - 1, min * m1);
    print(-7 / 2, -7 % 2, 7 % -2, -(3u8), -(0u8), u8(-1), u8(256 + 7), s64(200u8));
    """
    assert prints(body) == (f"{S64_MIN} 0 {S64_MIN} {S64_MAX} {S64_MIN}\n"
                            "-3 -1 1 253 0 255 7 200\n")


@pytest.mark.parametrize("expr,what", [
    ("1 / zero", "division by zero"),
    ("1 % zero", "division by zero"),
    ("1u8 / u8(zero)", "division by zero"),
    ("1u8 % u8(zero)", "division by zero"),
    ("len(array(zero - 3, 0))", "negative array size -3 at 5:11"),
    ("trunc(1.0 / 0.0)", TRUNC_OUT_OF_RANGE),
    ("trunc(0.0 / 0.0)", TRUNC_OUT_OF_RANGE),
    ("trunc(-1.0 / 0.0)", TRUNC_OUT_OF_RANGE),
    ("trunc(9223372036854775808.0)", TRUNC_OUT_OF_RANGE),
])
def test_runtime_errors(expr: str, what: str):
    result = run_text(main(f'let zero = 0;\nprint("before");\nprint({expr});'))
    assert (result.text, result.status) == ("before\n", 101)
    where = "" if " at " in what else " at 5:7"  # the failing expression's start
    assert result.error == f"runtime error: {what}{where}"


# --------------------------------------------------------------------------
# F64


def test_f64_specials_print_as_c_does():
    body = """
    let zero = 0.0;
    print(1.0 / zero, -1.0 / zero, zero / zero, 1.0 / -zero, -zero, zero * -1.0);
    print(sqrt(-1.0), sqrt(-0.0), (zero / zero) == (zero / zero), zero == -zero);
    print(trunc(-3.7), trunc(3.7), trunc(-9223372036854775808.0), float(9007199254740993));
    print(1.0e300 * 1.0e300, 0.1 + 0.2, 2.5e-10, 0.0000000005);
    """
    assert prints(body) == (
        "inf -inf nan -inf -0.000000000 -0.000000000\n"
        "nan -0.000000000 false true\n"
        f"-3 3 {S64_MIN} 9007199254740992.000000000\n"
        "inf 0.300000000 0.000000000 0.000000001\n"
    )


def _c_format(x: float) -> str:
    buf = ctypes.create_string_buffer(512)
    ctypes.CDLL(None).snprintf(buf, 512, b"%.9f", ctypes.c_double(x))
    return buf.value.decode().replace("-nan", "nan")


@given(st.lists(st.tuples(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6)), min_size=1, max_size=30))
def test_f64_prints_as_c_printf(pairs):
    body = "\n".join(f"print(float({_lit(a)}) / float({_lit(b)}), sqrt(float({_lit(a)})) * 1.0e5);"
                     for a, b in pairs)
    expected = []
    for a, b in pairs:
        q = a / b if b else (float("nan") if a == 0 else float("inf") if a > 0 else float("-inf"))
        r = (math.sqrt(a) if a >= 0 else math.nan) * 1.0e5
        expected.append(f"{_c_format(q)} {_c_format(r)}\n")
    assert prints(body) == "".join(expected)


# --------------------------------------------------------------------------
# int(s) and str(n)


@pytest.mark.parametrize("text,value", [
    ("0", 0), ("-0", 0), ("007", 7), ("-42", -42), (str(S64_MAX), S64_MAX), (str(S64_MIN), S64_MIN),
    ("0" * 5000 + "12", 12),
])
def test_int_accepts(text: str, value: int):
    result = run_text("fun main(args: Array String) { print(int(args[0])); }", [text])
    assert (result.text, result.status) == (f"{value}\n", 0)


@pytest.mark.parametrize("text", [
    "", "-", "+1", " 1", "1 ", "1_000", "1.0", "0x10", "--1", "١", "9" * 5000,
    str(S64_MAX + 1), str(S64_MIN - 1),
])
def test_int_rejects(text: str):
    result = run_text("fun main(args: Array String) { print(int(args[0])); }", [text])
    assert (result.status, result.error) == (101, "runtime error: malformed integer string at 1:38")


def test_strings_are_utf8_bytes():
    assert prints('let s = "héllo"; print(len(s), s[1], s[2], str(-12) ++ "|", "a\\tb");') == \
        "6 195 169 -12| a\tb\n"


# LANGUAGE.md 1.8: substr, chr and the ordering of strings


def test_substr_and_chr_work_on_bytes():
    assert prints('print(substr("héllo", 1, 3), len(substr("", 0, 0)), chr(104u8) ++ chr(105u8),'
                  ' len(chr(0u8)), chr(0u8)[0], substr("abc", 0, 3) == "abc");') == "é 0 hi 1 0 true\n"


@pytest.mark.parametrize("start,end,error", [
    (-1, 2, "substr from -1 to 2"),
    (2, 1, "substr from 2 to 1"),
    (0, 4, "substr to 4 of a string of length 3"),
    (4, 4, "substr to 4 of a string of length 3"),
    (4, 9, "substr to 9 of a string of length 3"),
])
def test_substr_out_of_range(start: int, end: int, error: str):
    result = run_text(main(f'print("x"); print(substr("abc", {start}, {end}));'))
    assert result.stdout == b"x\n"
    assert (result.status, result.error) == (101, f"runtime error: index out of range: {error} at 3:19")
    assert result.allocs == 2  # the two literals; the substring is never made


# No quote, backslash or newline (they would need escapes); bytes above 127
# from "é" and "ÿ", so that the ordering is seen to be unsigned.
_STRING_TEXT = st.text(alphabet="ab\x01~é\xff", max_size=4)


@given(_STRING_TEXT, _STRING_TEXT)
def test_strings_are_ordered_by_unsigned_bytes_prefix_first(a: str, b: str):
    x, y = a.encode(), b.encode()
    got = prints(f'let a = "{a}"; let b = "{b}"; print(a < b, a <= b, a > b, a >= b, a == b);')
    want = " ".join(str(v).lower() for v in (x < y, x <= y, x > y, x >= y, x == y))
    assert got == want + "\n"


# --------------------------------------------------------------------------
# Containers: sharing, iteration, maps


def test_containers_are_shared_and_data_is_copied():
    body = """
    let xs = [1, 2];
    let ys = xs;
    push(ys, 3);
    let grid = array(2, xs);
    grid[0][0] = 9;
    let m: mut Map String (mut Array S64) = map();
    insert(m, "k", xs);
    match get(m, "k") {
        Some(v) => { push(v, 4); }
        None => {}
    }
    print(len(xs), xs[0], len(grid[1]), grid[1][3]);
    let p = P { a = xs, n = 1 };
    let q = P { p with n = 2 };
    push(xs, 5);
    print(p.n, q.n, len(p.a), q.a[4]);
    """
    assert prints(body, "data P = { a: Array S64, n: S64 }") == "4 9 4 4\n1 2 5 5\n"


def test_for_over_an_array_sees_pushes_and_pops():
    body = """
    let xs = [1, 2];
    for x in xs {
        if x < 3 { push(xs, x + 10); }
        print(x);
    }
    let ys = [1, 2, 3, 4];
    for y in ys {
        pop(ys);
        print(y);
    }
    """
    assert prints(body) == "1\n2\n11\n12\n1\n2\n"


def test_for_over_a_map_iterates_a_snapshot_of_its_keys():
    body = """
    let m: mut Map S64 S64 = map();
    insert(m, 1, 10);
    insert(m, 2, 20);
    insert(m, 3, 30);
    for k in m {
        insert(m, k + 10, 0);
        remove(m, 3);
        print(k);
    }
    insert(m, 1, 11);
    remove(m, 2);
    insert(m, 2, 22);
    print(len(m), keys(m)[0], keys(m)[4], contains(m, 3), remove(m, 99));
    """
    assert prints(body) == "1\n2\n3\n5 1 2 false false\n"


# --------------------------------------------------------------------------
# Evaluation order


def test_evaluation_order():
    prelude = """
    fun t(s: String, v: S64): S64 { print(s); return v; }
    """
    body = """
    let xs = [0, 0];
    xs[t("target", 1)] = t("value", 5);
    print(xs[1]);
    let p = R { b = t("b", 2), a = t("a", 1) };
    print(p.a, p.b);
    for i in t("lo", 0)..t("hi", 2) { print(i); }
    xs[t("index", 7)] = t("value", 1);
    """
    result = run_text(main(body, prelude + "\ndata R = { a: S64, b: S64 }"))
    assert result.text == "target\nvalue\n5\nb\na\n1 2\nlo\nhi\n0\n1\nindex\nvalue\n"
    assert result.error == "runtime error: index 7 out of range for length 2 at 13:5"


# --------------------------------------------------------------------------
# Allocations (docs/hilang-semantics.md, "Allocations")


@pytest.mark.parametrize("body,allocs", [
    ("let x = 1 + 2; let b = x > 2 && !false; print(x, b, 2.5, ());", 0),
    ('print("a");', 1),
    ('let s = "a" ++ "b"; print(len(s), str(12), int("34"));', 5),
    ("let xs = [1, 2]; push(xs, 3); let y = xs[0] + pop(xs) + len(xs); let e: Array S64 = [];", 2),
    ("let a = array(1000, 0); let n = len(a);", 1),
    ("let o = Some(1); let n: Option S64 = None; let l = Cons(1, Cons(2, Nil));", 5),
    ("let p = P { a = 1, b = 2 }; let q = P { p with b = 3 }; let v = q.a;", 2),
    ("let m: mut Map S64 S64 = map(); insert(m, 1, 2); let g = get(m, 1); let h = get(m, 5);"
     " let k = keys(m); for x in m { } remove(m, 1); let c = contains(m, 1);", 5),
    ('for i in 0..10 { let s = "x"; }', 10),
    ('let f = false && len("x") > 0; let t = true || len("y") > 0; let c = if f then "a" else "b";', 1),
    ("let x = id(Cons(1, Nil));", 2),
    ('let s = substr("abc", 1, 2) ++ chr(65u8); let t = "a" < "b";', 6),
])
def test_allocation_counts(body: str, allocs: int):
    prelude = """
    data P = { a: S64, b: S64 }
    data L = Nil | Cons(S64, L)
    fun id(l: L): L { return l; }
    """
    result = run_text(main(body, prelude))
    assert (result.status, result.allocs) == (0, allocs)
    assert run_text(main(body, prelude), mono=True).allocs == allocs


@pytest.mark.parametrize("failing,allocs", [
    ("pop(xs)", 4),
    ("[1, 1 / len(e)]", 4),  # the array is never made
    ('Some("c" ++ str(1 / len(e)))', 5),  # "c" is; the concatenation and the Some are not
    ("array(len(e) - 1, 0)", 4),
])
def test_a_runtime_error_reports_the_allocations_made_so_far(failing: str, allocs: int):
    body = f'let s = "a" ++ "b"; let xs: mut Array S64 = []; let e = xs; let v = {failing};'
    result = run_text(main(body))
    assert (result.status, result.allocs) == (101, allocs)


# --------------------------------------------------------------------------
# Call depth


DOWN = """
fun down(n: S64): S64 {
    if n == 0 {
        return 0;
    }
    return 1 + down(n - 1);
}
"""


def test_100000_nested_calls():
    assert prints("print(down(100000));", DOWN) == "100000\n"


def test_the_depth_bound_is_exact():
    # main is call 1, down(n) makes n + 1 more.
    assert prints(f"print(down({MAX_CALL_DEPTH - 2}));", DOWN) == f"{MAX_CALL_DEPTH - 2}\n"
    result = run_text(main(f"print(down({MAX_CALL_DEPTH - 1}));", DOWN))
    assert (result.status, result.error) == (101, "runtime error: stack overflow at 6:16")


def test_unbounded_recursion_is_a_stack_overflow():
    prelude = """
fun forever(n: S64): S64 {
    if n % 50000 == 0 {
        print(n);
    }
    return forever(n + 1) + 1;
}
"""
    result = run_text(main('print("start");\nprint(forever(1));', prelude))
    assert result.text == "start\n" + "".join(f"{n}\n" for n in range(50000, MAX_CALL_DEPTH, 50000))
    assert (result.status, result.error) == (101, "runtime error: stack overflow at 6:12")


# --------------------------------------------------------------------------
# Shapes the Python translation must survive


def test_loops_nested_deeper_than_python_allows():
    depth = 24
    heads = "".join(f"for i{k} in 0..{2 if k % 8 == 0 else 1} {{\n" for k in range(depth))
    prelude = f"""
fun deep(stop: S64): S64 {{
    var count = 0;
    {heads}
    count = count + 1;
    if count == stop {{ return count * 100; }}
    if count > 100 {{ break; }}
    continue;
    {"}" * depth}
    return count;
}}
"""
    assert prints("print(deep(5), deep(3), deep(-1));", prelude) == "500 300 8\n"


def test_deeply_nested_expressions_and_blocks():
    n = 3000
    expr = "(1 + " * n + "0" + ")" * n
    blocks = "if x < 1 { " * 500 + "x = 7;" + " }" * 500
    assert prints(f"var x = 0; {blocks} print({expr}, x);") == f"{n} 7\n"


def test_main_receives_its_arguments():
    source = 'fun main(args: Array String) { for a in args { print(a, len(a)); } }'
    assert run_text(source, ["x", "héllo", ""]).text == "x 1\nhéllo 6\n 0\n"


def test_the_translation_can_be_read():
    source = python_source(checked(main("print(1 + 2);")))
    assert "def f_main(_d):" in source and "_print(" in source


def test_a_field_at_different_places_in_different_constructors():
    prelude = "data S = A { x: S64, y: String } | B { y: String, x: S64 }"
    body = """
    let shapes = [A { x = 1, y = "a" }, B { x = 2, y = "b" }, B { y = "c", x = 3 }];
    for s in shapes {
        match s {
            B { x = 2, y } => { print("two", y); }
            _ => { print(s.x, s.y); }
        }
    }
    """
    assert prints(body, prelude) == "1 a\ntwo b\n3 c\n"
