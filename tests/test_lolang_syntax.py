"""lolang's text syntax: the printer and the parser agree (print, parse, print
is the identity, and parsing what was printed gives the same IR) on every
`.lo` file of the repository and on random programs; syntax errors carry
positions; no input — random bytes, truncated or mutated programs, 20,000
levels of nesting — gets anything but a program or a `CompileError`."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from pygments import lex
from pygments.lexers import get_lexer_by_name
from pygments.token import Error

from conftest import ROOT
from diagnostics import CompileError, Source
from diagnostics.deep_stack import run_with_deep_stack
from lolang import ir
from lolang.parser import parse, parse_text
from lolang.printer import print_program
from strategies_lolang import exprs, programs, value_types

PROGRAMS = ROOT / "tests" / "lolang_programs"
LO_FILES = sorted(p for p in ROOT.glob("**/*.lo") if ".git" not in p.parts)


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


def assert_round_trip(p: ir.Program) -> str:
    """print → parse gives `p` back, and printing that gives the same text."""
    text = print_program(p)
    again = parse_text(text)
    assert run_with_deep_stack(lambda: again == p), text
    assert print_program(again) == text
    return text


def expr_of(text: str) -> ir.Expr:
    """The expression of `fun main() { <text> }` (as the body's result)."""
    fun = parse_text("fun main() { " + text + " }").decls[0]
    return fun.body.result


def assert_parse_error(source: str, line: int, col: int, fragment: str) -> None:
    with pytest.raises(CompileError) as info:
        parse_text(source)
    diag = info.value.diagnostics[0]
    assert (diag.span.line, diag.span.col) == (line, col), diag
    assert fragment in diag.message, diag.message


def parses_or_diagnoses(text: str) -> None:
    """Anything at all: a program, or a CompileError with a real position."""
    try:
        parse_text(text)
    except CompileError as e:
        assert e.diagnostics and all(d.span.line >= 1 and d.span.col >= 1 for d in e.diagnostics)


# ------------------------------------------------------------ the fixtures


def test_the_hand_written_programs_are_present():
    names = {p.stem for p in PROGRAMS.glob("*.lo")}
    for required in ("trees_packs", "trees_region", "map_prims", "restrict_readonly", "merge_child",
                     "task_queue", "cycle_collected", "strings", "arrays", "operators", "builtins",
                     "runtime_error"):
        assert required in names
    for path in PROGRAMS.glob("*.lo"):
        assert path.with_suffix(".out").exists(), f"{path.name} has no expected output"


@pytest.mark.parametrize("path", LO_FILES, ids=_id)
def test_every_lo_file_round_trips(path: Path):
    program = parse(Source.read(str(path)))
    assert program.funs, "a program without functions is suspicious"
    assert_round_trip(program)


@pytest.mark.parametrize("path", LO_FILES, ids=_id)
def test_pygments_lexes_every_lo_file_without_errors(path: Path):
    text = path.read_text()
    tokens = list(lex(text, get_lexer_by_name("lolang")))
    assert "".join(v for _, v in tokens) == text
    assert not [v for t, v in tokens if t in Error]


# ---------------------------------------------------------- random programs


@given(programs)
def test_random_programs_round_trip(p: ir.Program):
    assert_round_trip(p)


@given(exprs(4))
def test_random_expressions_round_trip(e: ir.Expr):
    body = ir.Block((ir.ExprStmt(e),), e)
    assert_round_trip(ir.Program((ir.FunDecl("main", (), (), ir.UNIT, body),)))


@given(value_types(4))
def test_random_types_round_trip(t: ir.Type):
    fun = ir.FunDecl("f", (), (ir.Param("x", t),), t, ir.Block(()))
    assert_round_trip(ir.Program((fun,)))


# ----------------------------------------------------------- lexical rules


@pytest.mark.parametrize("text,expected", [
    ("x-1", ir.Binary("-", ir.Var("x"), ir.IntLit(1))),
    ("x - -1", ir.Binary("-", ir.Var("x"), ir.IntLit(-1))),
    ("-1", ir.IntLit(-1)),
    ("- 1", ir.Unary("-", ir.IntLit(1))),
    ("-(1)", ir.Unary("-", ir.IntLit(1))),
    ("--1", ir.Unary("-", ir.IntLit(-1))),
    ("-x", ir.Unary("-", ir.Var("x"))),
    ("-9223372036854775808", ir.IntLit(-(1 << 63))),
    ("-2.5e-3", ir.FloatLit(-2.5e-3)),
    ("-inf", ir.FloatLit(float("-inf"))),
    ("255u8", ir.IntLit(255, True)),
    ("a /@3:4 b", ir.Binary("/", ir.Var("a"), ir.Var("b"), ir.Pos(3, 4))),
    ("a /@3:4 -5", ir.Binary("/", ir.Var("a"), ir.IntLit(-5), ir.Pos(3, 4))),
    ("f(x)@1:2 - 5", ir.Binary("-", ir.Call("f", (), (ir.Var("x"),), ir.Pos(1, 2)), ir.IntLit(5))),
    ("xs[i]@7:9", ir.Index(ir.Var("xs"), ir.Var("i"), ir.Pos(7, 9))),
    ("g[q, s](1)", ir.Call("g", ("q", "s"), (ir.IntLit(1),))),
    ("xs[i][j]", ir.Index(ir.Index(ir.Var("xs"), ir.Var("i")), ir.Var("j"))),
    ("pop(xs)@2:3", ir.Builtin("pop", (), (ir.Var("xs"),), ir.Pos(2, 3))),
    ("pack{ar} x", ir.Pack("ra", ir.Var("x"))),
    ("copy x.left", ir.Copy(ir.FieldGet(ir.Var("x"), "left"))),
    ("-x.f", ir.Unary("-", ir.FieldGet(ir.Var("x"), "f"))),
    ("1 + 2 * 3", ir.Binary("+", ir.IntLit(1), ir.Binary("*", ir.IntLit(2), ir.IntLit(3)))),
    ("a || b && c", ir.Binary("||", ir.Var("a"), ir.Binary("&&", ir.Var("b"), ir.Var("c")))),
    ("if a then b else c + 1",
     ir.IfExpr(ir.Var("a"), ir.Var("b"), ir.Binary("+", ir.Var("c"), ir.IntLit(1)))),
    ('new[q] "a\\tb\\u{e9}\\x01"', ir.NewString("q", "a\tb\u00e9\x01")),
])
def test_expression_syntax(text: str, expected: ir.Expr):
    assert expr_of(text) == expected


def test_primitive_region_annotation_is_accepted_and_dropped():
    fun = parse_text("fun f(x: S64 @P): Bool @P {}").decls[0]
    assert fun.params[0].type == ir.S64 and fun.ret == ir.BOOL
    assert "@P" not in print_program(parse_text("fun f(x: S64 @P) {}"))


def test_comments_and_capability_order_are_not_kept():
    p = parse_text("# a comment\nfun f[s: aw](x: Pack{war} Tree) {} # another\n")
    assert print_program(p) == "fun f[s: wa](x: Pack{rwa} Tree) {}\n"


# ------------------------------------------------------------ parse errors


@pytest.mark.parametrize("source,line,col,fragment", [
    ("fun main() {\n    let x = ;\n}", 2, 13, "unexpected ';'"),
    ('fun main() { print(new[q] "abc); }', 1, 27, "unterminated string"),
    ('fun main() { print(new[q] "a\\qb"); }', 1, 29, "unknown escape"),
    ("fun f[s: rwx]() {}", 1, 7, "not a capability set"),
    ("fun f[s: rr]() {}", 1, 7, "not a capability set"),
    ("data T = C(S64, Tree @r)", 1, 17, "names no region"),
    ("fun f(x: Tree) {}", 1, 10, "needs a region"),
    ("fun f(x: &S64) {}", 1, 10, "only a pack can be borrowed"),
    ("fun f(x: S64 @r) {}", 1, 10, "only an object type lives in a region"),
    ("fun f(x: Array S64 @P) {}", 1, 10, "only primitives and static data objects and strings live in the primitive region"),
    ("fun f(x: Pack{r} S64) {}", 1, 18, "a pack holds an object"),
    ("fun main() {\n  let x = 9223372036854775808;\n}", 2, 11, "out of range"),
    ("fun main() { let x = 256u8; }", 1, 22, "out of range"),
    ("fun main() { let x = -3u8; }", 1, 22, "out of range"),
    ("fun main() { len(a, b); }", 1, 14, "takes 1 argument"),
    ("fun main() { str(5); }", 1, 14, "region argument"),
    ("fun main() { print[q](5); }", 1, 14, "no region argument"),
    ("fun print() {}", 1, 5, "is a built-in"),
    ("fun main() { let b = a < b < c; }", 1, 28, "unexpected '<'"),
    ("fun main() { let x = xs[1, 2]; }", 1, 22, "an index is one expression"),
    ("fun main() { f[1](x); }", 1, 16, "region arguments are region names"),
    ("fun main() { f(x) = 3; }", 1, 14, "only a variable or an element"),
    ("fun main() {\n  let y = 1;\n", 3, 1, "unexpected end of input"),
    ("fun main() { let x = $; }", 1, 22, "unexpected character '$'"),
    ("fun main() { let x = a @! b; }", 1, 24, "'@' stands after an object type"),
    ("fun main() { let x = -@1:2 y; }", 1, 22, "a negation has no position"),
    ("fun main() { match x { 256u8 => {} } }", 1, 24, "out of range"),
    ("data T = C()", 1, 12, "unexpected ')'"),
    ("fun main() { let Foo = 1; }", 1, 18, "unexpected name 'Foo'"),
    ("fun main() { region P { 1 }; }", 1, 21, "unexpected name 'P'"),
])
def test_syntax_errors_have_positions(source: str, line: int, col: int, fragment: str):
    assert_parse_error(source, line, col, fragment)


# ------------------------------------------------------------- robustness


@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes):
    parses_or_diagnoses(data.decode("utf-8", errors="replace"))


_SOUP = [
    "fun", "data", "main", "f", "(", ")", "{", "}", "[", "]", ",", ";", ":", "=", "==", "=>",
    "let", "var", "x", "T", "Tree", "S64", "Pack", "{r}", "&", "@r", "@1:2", "/@3:4", "region",
    "unpack", "as", "restrict", "merge", "into", "pack{rw}", "copy", "drop", "new[q]", "Array",
    "Map", "String", "if", "then", "else", "while", "match", "return", "-", "1", "-7", "2.5",
    "u8", '"s"', "+", "*", "<", "&&", "||", "!", ".", "f[q]", "do", "_", "P", "|",
]


@given(st.lists(st.sampled_from(_SOUP), max_size=60))
def test_random_token_soup_never_crashes(tokens: list[str]):
    parses_or_diagnoses(" ".join(tokens))


def _cut_points(text: str, every: int) -> list[int]:
    return list(range(0, len(text), every)) + [len(text) - 1]


@pytest.mark.parametrize("path", sorted(PROGRAMS.glob("*.lo")), ids=_id)
def test_truncated_programs_never_crash(path: Path):
    text = path.read_text()
    for cut in _cut_points(text, max(1, len(text) // 60)):
        parses_or_diagnoses(text[:cut])


@given(
    st.sampled_from(sorted(PROGRAMS.glob("*.lo"))),
    st.integers(0, 10_000),
    st.sampled_from(["", "{", "}", "(", ")", ";", "@", "-", "Pack", "@1:1", "\x00", "é", '"', "\\"]),
)
def test_mutated_programs_never_crash(path: Path, where: int, insert: str):
    text = path.read_text()
    at = where % (len(text) + 1)
    parses_or_diagnoses(text[:at] + insert + text[at + 1:])


# ------------------------------------------------------------- deep nesting
#
# LALR parsing is iterative and the printer recurses on a deep stack, so
# depth is bounded by memory only. Parsing 20,000 levels costs seconds in
# sly, so every shape round-trips at 2,000 levels and the five that nest
# differently (expressions, blocks, statements, types, patterns) are also
# parsed and printed at 20,000.

DEPTH = 20_000


def _deep_source(name: str, n: int) -> str:
    return {
        "parentheses": lambda: "fun main() { let x = " + "(" * n + "1" + ")" * n + "; }",
        "negations": lambda: "fun main() { let x = " + "-" * n + "x; }",
        "left-deep sum": lambda: "fun main() { let x = 1" + " + 1" * n + "; }",
        "right-deep difference": lambda: "fun main() { let x = " + "a - (" * n + "b" + ")" * n + "; }",
        "regions": lambda: "fun main() { " + "region r { " * n + "1" + " }" * n + "; }",
        "ifs": lambda: "fun main() { " + "if c { " * n + "f();" + " }" * n + " }",
        "else ifs": lambda: "fun main() { if c {}" + " else if c {}" * n + " }",
        "types": lambda: "fun f(x: " + "Array (" * n + "S64" + ")" * n + " @r) {}",
        "patterns": lambda: "fun main() { match x { " + "C(" * n + "_" + ")" * n + " => {} } }",
    }[name]()


_SHAPES = ["parentheses", "negations", "left-deep sum", "right-deep difference", "regions", "ifs",
           "else ifs", "types", "patterns"]


@pytest.mark.parametrize("name", _SHAPES)
def test_deep_nesting_round_trips(name: str):
    assert_round_trip(parse_text(_deep_source(name, 2_000)))


@pytest.mark.parametrize("name", ["parentheses", "regions", "ifs", "types", "patterns"])
def test_nesting_20000_deep_parses_and_prints(name: str):
    program = parse_text(_deep_source(name, DEPTH))
    text = print_program(program)
    assert text.startswith("fun ") and text.endswith("}\n")


def test_deep_nesting_errors_are_diagnosed():
    text = "fun main() { let x = " + "(" * DEPTH + "1" + ")" * (DEPTH - 1) + "; }"
    assert_parse_error(text, 1, len(text) - 2, "unexpected ';'")
