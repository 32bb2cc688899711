"""The hilang syntax layer: lexer, parser, printer and pygments lexer.

* every conformance program and example parses, with sound spans, and
  print/parse round-trips;
* generated ASTs survive `parse(print_program(ast)) == ast`, and literals
  only code makes print stably;
* precedence, the record-literal rule for heads, spans and lexical details;
* syntax errors at their exact LINE:COL, with a useful message;
* 20,000-deep nesting, random bytes, token soup, and truncated or mutated
  programs end in a `Program` or a positioned `CompileError`, never in
  another exception.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, strategies as st

from conftest import CONFORMANCE, EXAMPLES
from diagnostics import CompileError, Source, Span
from hilang import ast, parser as parser_module
from hilang.lexer import lex
from hilang.lexer_pygments import HilangLexer
from hilang.parser import parse
from hilang.printer import INDENT, MAX_INDENT_LEVELS, print_expr, print_program, print_type
from strategies_hilang_ast import code_made_exprs, programs

PROGRAMS = sorted(CONFORMANCE.glob("*.hi")) + sorted(EXAMPLES.glob("*.hi"))
PROGRAM_IDS = [f"{p.parent.name}/{p.name}" for p in PROGRAMS]
DEEP = 20_000


def parse_text(text: str) -> ast.Program:
    return parse(Source("test.hi", text))


def parse_expr(text: str) -> ast.Expr:
    """The expression `text`, parsed as the value of a `let`."""
    program = parse_text(f"fun main() {{ let it = {text}; }}")
    return program.decls[0].body.stmts[0].value


def first_error(text: str):
    with pytest.raises(CompileError) as info:
        parse_text(text)
    return info.value.diagnostics[0]


def shape(e) -> str:
    """An expression fully parenthesised, to show how it was grouped."""
    match e:
        case ast.Binary(op=op, left=left, right=right):
            return f"({shape(left)} {op} {shape(right)})"
        case ast.Unary(op=op, operand=operand):
            return f"({op}{shape(operand)})"
        case ast.IfExpr(cond=c, then=t, els=f):
            return f"(if {shape(c)} then {shape(t)} else {shape(f)})"
        case ast.Call(func=func, args=args, ufcs=ufcs):
            return f"{func}({', '.join(shape(a) for a in args)}){'@ufcs' if ufcs else ''}"
        case ast.FieldGet(target=target, name=name):
            return f"{shape(target)}.{name}"
        case ast.Index(target=target, index=index):
            return f"{shape(target)}[{shape(index)}]"
        case _:
            return print_expr(e)


def all_positioned(error: CompileError, text: str) -> bool:
    lines = text.count("\n") + 1
    return bool(error.diagnostics) and all(
        1 <= d.span.line <= lines and d.span.col >= 1 for d in error.diagnostics
    )


# --------------------------------------------------------------------------
# whole programs


def test_the_conformance_programs_are_found():
    assert len(list(CONFORMANCE.glob("*.hi"))) >= 20


@pytest.mark.parametrize("path", PROGRAMS, ids=PROGRAM_IDS)
def test_program_parses_and_round_trips(path):
    program = parse(Source.read(str(path)))
    assert program.decls
    printed = print_program(program)
    assert parse_text(printed) == program
    assert print_program(parse_text(printed)) == printed


@given(programs)
def test_generated_asts_round_trip(program):
    printed = print_program(program)
    assert parse_text(printed) == program


# --------------------------------------------------------------------------
# precedence and grouping


def test_grammar_has_no_conflicts():
    """Every ambiguity is settled on purpose (precedence declarations, the
    two expression families), none by sly's silent defaults."""
    tables = parser_module._Grammar._lrtable
    assert not tables.sr_conflicts and not tables.rr_conflicts


@pytest.mark.parametrize("text,grouped", [
    ("1 + 2 * 3", "(1 + (2 * 3))"),
    ("1 - 2 - 3", "((1 - 2) - 3)"),
    ("a ++ b ++ c", "((a ++ b) ++ c)"),
    ("a + b ++ c - d", "(((a + b) ++ c) - d)"),
    ("a % b * c / d", "(((a % b) * c) / d)"),
    ("a + b < c * d", "((a + b) < (c * d))"),
    ("a == b && c != d", "((a == b) && (c != d))"),
    ("a || b && c", "(a || (b && c))"),
    ("a && b || c && d", "((a && b) || (c && d))"),
    ("!a && b", "((!a) && b)"),
    ("-a * b", "((-a) * b)"),
    ("- -a", "(-(-a))"),
    ("-x.f()", "(-f(x)@ufcs)"),
    ("-xs[0]", "(-xs[0])"),
    ("!p.ok", "(!p.ok)"),
    ("x.f(y).g[1]", "f(x, y)@ufcs.g[1]"),
    ("f(a)[b].c", "f(a)[b].c"),
    ("(a + b) * c", "((a + b) * c)"),
    ("if a then b else c + 1", "(if a then b else (c + 1))"),
    ("1 + (if a then b else c)", "(1 + (if a then b else c))"),
    ("if a then b else if c then d else e", "(if a then b else (if c then d else e))"),
    ("-9223372036854775808", "(-9223372036854775808)"),
    ("3 - -3", "(3 - (-3))"),
])
def test_precedence(text, grouped):
    assert shape(parse_expr(text)) == grouped


def test_constructor_forms():
    assert parse_expr("Leaf") == ast.Construct("Leaf", ())
    assert parse_expr("Leaf()") == ast.Construct("Leaf", ())
    assert parse_expr("Node(Leaf, 1, Leaf)") == ast.Construct(
        "Node", (ast.Construct("Leaf"), ast.IntLit(1), ast.Construct("Leaf")))
    assert parse_expr("P { a = 1, b = x }") == ast.RecordLit(
        "P", (("a", ast.IntLit(1)), ("b", ast.Var("x"))))
    assert parse_expr("P { p with a = 1, b = 2 }") == ast.RecordLit(
        "P", (("a", ast.IntLit(1)), ("b", ast.IntLit(2))), base=ast.Var("p"))
    assert parse_expr("A { a with b = B { b with c = 1 } }.b.c") == ast.FieldGet(ast.FieldGet(
        ast.RecordLit("A", (("b", ast.RecordLit("B", (("c", ast.IntLit(1)),), ast.Var("b"))),),
                      ast.Var("a")), "b"), "c")


def test_uniform_call_syntax_is_a_call():
    call = parse_expr("xs.push(3)")
    assert call == ast.Call("push", (ast.Var("xs"), ast.IntLit(3)))
    assert call.ufcs and not parse_expr("push(xs, 3)").ufcs
    assert parse_expr("xs.len") == ast.FieldGet(ast.Var("xs"), "len")


def test_literals():
    assert parse_expr("255u8") == ast.IntLit(255, u8=True)
    assert parse_expr("2.0e-3") == ast.FloatLit(0.002)
    assert parse_expr("1e5") == ast.FloatLit(100000.0)
    assert parse_expr('"a\\tb\\n\\\\\\""') == ast.StringLit('a\tb\n\\"')
    assert parse_expr("()") == ast.UnitLit()
    assert parse_expr("[]") == ast.ArrayLit(())
    assert parse_expr("[1, 2,]") == ast.ArrayLit((ast.IntLit(1), ast.IntLit(2)))


def test_types():
    fun = parse_text(
        "fun f(a: mut Array S64, b: Array{rw} S64, c: Map String (Array S64),"
        " d: Array (mut Array S64), e: List a) {}").decls[0]
    types = [p.type for p in fun.params]
    assert types[0] == ast.TypeName("Array", (ast.TypeName("S64"),), caps="rwa") and types[0].mut
    assert types[1] == ast.TypeName("Array", (ast.TypeName("S64"),), caps="rw")
    assert types[2] == ast.TypeName("Map", (
        ast.TypeName("String"), ast.TypeName("Array", (ast.TypeName("S64"),))))
    assert types[3] == ast.TypeName("Array", (ast.TypeName("Array", (ast.TypeName("S64"),), caps="rwa"),))
    assert types[4] == ast.TypeName("List", (ast.TypeVarRef("a"),))
    assert [print_type(t) for t in types] == [
        "mut Array S64", "Array{rw} S64", "Map String (Array S64)", "Array (mut Array S64)", "List a",
    ]


def test_data_declarations():
    program = parse_text(
        "data Tree = Leaf | Node(Tree, S64, Tree)\n"
        "data Shape = Circle { r: F64 }\n"
        "    | Rect { w: F64, h: F64 }\n"
        "data Person = { age: S64, name: String }\n"
        "data List a = Nil | Cons(a, List a)\n")
    tree, shape_, person, lst = program.decls
    assert [c.name for c in tree.ctors] == ["Leaf", "Node"] and len(tree.ctors[1].fields) == 3
    assert shape_.ctors[1] == ast.CtorDecl("Rect", (
        ast.FieldDecl("w", ast.TypeName("F64")), ast.FieldDecl("h", ast.TypeName("F64"))), named=True)
    assert person.record and person.ctors == (ast.CtorDecl("Person", (
        ast.FieldDecl("age", ast.TypeName("S64")), ast.FieldDecl("name", ast.TypeName("String"))),
        named=True),)
    assert lst.params == ("a",)
    assert "data Person = { age: S64, name: String }" in print_program(program).splitlines()


def test_patterns():
    program = parse_text("""
        fun f() {
            match v {
                -1 => {}
                -9223372036854775808 => {}
                7u8 => {}
                "red" => {}
                true => {}
                _ => {}
                Some(Some(_)) => {}
                Rect { w, h = 0 } => {}
                Circle { r } => {}
            }
        }""")
    pats = [arm.pattern for arm in program.decls[0].body.stmts[0].arms]
    assert pats == [
        ast.PInt(-1), ast.PInt(-(2**63)), ast.PInt(7, u8=True), ast.PString("red"), ast.PBool(True),
        ast.PWild(), ast.PCtor("Some", (ast.PCtor("Some", (ast.PWild(),)),)),
        ast.PRecord("Rect", (("w", ast.PVar("w")), ("h", ast.PInt(0)))),
        ast.PRecord("Circle", (("r", ast.PVar("r")),)),
    ]
    assert pats[7].shorthand == (True, False)


def test_statements():
    body = parse_text("""
        fun main() {
            let a: S64 = 1;
            var b = 2;
            b = 3;
            xs[i] = 4;
            if a { } else if b { } else { }
            while f(x) { break; continue; }
            for i in 0..n + 1 { }
            for x in xs { }
            return;
            if c then f() else g();
            xs.push(1);
        }""").decls[0].body.stmts
    kinds = [type(s).__name__ for s in body]
    assert kinds == ["Let", "Let", "Assign", "IndexAssign", "If", "While", "ForRange",
                     "ForEach", "Return", "ExprStmt", "ExprStmt"]
    assert body[1].mutable and not body[0].mutable
    assert isinstance(body[4].els, ast.If) and isinstance(body[4].els.els, ast.Block)
    assert shape(body[6].hi) == "(n + 1)"
    assert isinstance(body[9].expr, ast.IfExpr)


# --------------------------------------------------------------------------
# record literals in heads (the Rust rule)


def test_a_constructor_before_a_block_is_not_a_record():
    stmt = parse_text("fun main() { if Foo { x = 1; } }").decls[0].body.stmts[0]
    assert stmt.cond == ast.Construct("Foo") and isinstance(stmt.then.stmts[0], ast.Assign)
    for head in ("while Foo { }", "match Foo { }", "for x in Foo { }", "for i in 0..Foo { }"):
        parse_text(f"fun main() {{ {head} }}")


def test_records_in_heads_need_parentheses():
    stmt = parse_text("fun main() { if (P { a = 1 }).a > 0 { } }").decls[0].body.stmts[0]
    assert shape(stmt.cond) == "(P { a = 1 }.a > 0)"
    parse_text("fun main() { while f(P { a = 1 }) { } match [P { a = 1 }] { } }")
    assert print_program(parse_text("fun main() { if (P { a = 1 }).a { } }")) == (
        "fun main() {\n    if (P { a = 1 }).a {}\n}\n")
    error = first_error("fun main() { if P { a = 1 }.a > 0 { } }")
    assert (error.span.line, error.span.col) == (1, 27)


# --------------------------------------------------------------------------
# spans


def test_spans_of_conformance_error_sites():
    match_stmt = parse(Source.read(str(CONFORMANCE / "ce_nonexhaustive.hi"))).funs[0].body.stmts[1]
    assert isinstance(match_stmt, ast.Match) and (match_stmt.span.line, match_stmt.span.col) == (8, 5)
    expr = parse(Source.read(str(CONFORMANCE / "ce_type.hi"))).funs[0].body.stmts[3].expr
    assert expr.span == Span(9, 5, 9, 12)
    push = parse(Source.read(str(CONFORMANCE / "ce_capability.hi"))).funs[0].body.stmts[2].expr
    assert push.func == "push" and push.span == Span(10, 5, 10, 16)


def children(node):
    """The AST nodes directly inside `node`."""
    for f in dataclasses.fields(node):
        if not f.compare:
            continue
        value = getattr(node, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            for inner in (item if isinstance(item, tuple) else (item,)):
                if dataclasses.is_dataclass(inner):
                    yield inner


@pytest.mark.parametrize("path", PROGRAMS, ids=PROGRAM_IDS)
def test_every_span_is_known_and_nested_in_its_parents(path):
    program = parse(Source.read(str(path)))
    stack = [(program, None)]
    while stack:
        node, parent = stack.pop()
        span = node.span
        assert span.known and (span.line, span.col) < (span.end_line, span.end_col), node
        if parent is not None:
            outer = parent.span
            assert (outer.line, outer.col) <= (span.line, span.col), (parent, node)
            assert (span.end_line, span.end_col) <= (outer.end_line, outer.end_col), (parent, node)
        stack.extend((child, node) for child in children(node))


def test_spans_cover_parentheses_and_statements():
    stmt = parse_text("fun main() {\n\tlet x = (a + b) * c;\n}").decls[0].body.stmts[0]
    assert stmt.span == Span(2, 2, 2, 22)
    assert stmt.value.span == Span(2, 10, 2, 21)
    assert stmt.value.left.span == Span(2, 11, 2, 16)
    call = parse_expr("xs.push(3)")
    assert (call.span.col, call.span.end_col) == (23, 33)


def test_windows_line_endings():
    program = parse_text("fun main() {\r\n    let x = 1;\r\n}\r\n")
    assert program.decls[0].body.stmts[0].span == Span(2, 5, 2, 15)


# --------------------------------------------------------------------------
# lexical details


def token_types(text: str) -> list[str]:
    return [t.type for t in lex(Source("t", text)).tokens]


def test_numbers_next_to_dots():
    assert token_types("0..10") == ["INT", "DOTDOT", "INT"]
    assert token_types("1.f()") == ["INT", "DOT", "ID", "LPAREN", "RPAREN"]
    assert token_types("1.5.f") == ["FLOAT", "DOT", "ID"]
    assert token_types("2.0e-3 1e5 255u8") == ["FLOAT", "FLOAT", "U8"]


def test_capability_sets_only_after_containers():
    assert token_types("Array{rw} Map { rwa } S64") == ["CONID", "CAPS", "CONID", "CAPS", "CONID"]
    assert token_types("Circle { r }") == ["CONID", "LBRACE", "ID", "RBRACE"]


def test_keywords_and_names():
    assert token_types("fun funny _ _x X iff") == ["FUN", "ID", "ID", "ID", "CONID", "ID"]


# --------------------------------------------------------------------------
# syntax errors, each at its exact position


@pytest.mark.parametrize("text,line,col,message", [
    ("fun main() {\n    let x = a < b < c;\n}", 2, 19, "comparisons do not chain"),
    ("fun main() {\n    let x = a == b != c;\n}", 2, 20, "comparisons do not chain"),
    ("fun main() {\n    let x = 1\n    let y = 2;\n}", 2, 14, "expected ';' after integer literal 1"),
    ("fun main() { let x = 1 let y = 2; }", 1, 24, "unexpected 'let', expected ';'"),
    ('fun main() {\n    print("abc);\n}', 2, 11, "unterminated string literal"),
    ('fun main() { print("a\\qb"); }', 1, 22, "unknown escape sequence '\\q'"),
    ("fun main() { let x = 1 $ 2; }", 1, 24, "illegal character '$'"),
    ("fun main() { let x = 1 \ufffd 2; }", 1, 24, "illegal character"),
    ("fun main() { let x = 99999999999999999999; }", 1, 22, "too large for S64"),
    ("fun main() { let x = 9223372036854775808; }", 1, 22, "only directly after a unary '-'"),
    ("fun main() { let x = -(9223372036854775808); }", 1, 24, "too large for S64"),
    ("fun main() { let x = -9223372036854775808.f(); }", 1, 23, "only directly after a unary '-'"),
    ("fun main() { match x { 9223372036854775808 => {} } }", 1, 24, "too large for S64"),
    ("fun main() { let x = 256u8; }", 1, 22, "u8 literal out of range"),
    ("fun main() { let x = 12abc; }", 1, 24, "invalid suffix 'abc'"),
    ("fun main() {\n    let x = 1;\n", 2, 15, "unexpected end of file, expected a statement or '}'"),
    ("data T =", 1, 9, "unexpected end of file"),
    ("fun main() { let x = ; }", 1, 22, "unexpected ';', expected an expression"),
    ("fun main() { f(1, 2; }", 1, 20, "unexpected ';', expected ')'"),
    ("fun main() { x.f = 1; }", 1, 18, "unexpected '='"),
    ("let x = 1;", 1, 1, "expected a declaration"),
    ("fun main() { match x { 1.5 => {} } }", 1, 24, "expected a pattern or '}'"),
    ("fun main() { match x { -1u8 => {} } }", 1, 24, "u8 pattern cannot be negative"),
    ("fun f(x: mut a) {}", 1, 10, "'mut' applies to a container type"),
    ("fun f(x: mut Array{r} S64) {}", 1, 10, "cannot be combined with {r}"),
    ("fun main() { } else { }", 1, 16, "unexpected 'else'"),
    ("fun main() {\n  x = 1 +\n}", 3, 1, "unexpected '}', expected an expression"),
])
def test_syntax_error_position(text, line, col, message):
    error = first_error(text)
    assert (error.span.line, error.span.col) == (line, col), error
    assert message in error.message


# Issue 16: habits from other languages get a "did you mean", at the same
# position the plain syntax error would have.
@pytest.mark.parametrize("stmt,col,message", [
    ("x += 1;", 27, "hilang has no '+='; did you mean 'x = x + ...'?"),
    ("x -= 1;", 27, "hilang has no '-='; did you mean 'x = x - ...'?"),
    ("x %= 2;", 27, "hilang has no '%='; did you mean 'x = x % ...'?"),
    ("xs[0] += 1;", 31, "write the target twice, as in 'xs[i] = xs[i] + ...'"),
    ("i++;", 26, "hilang has no '++' increment ('++' joins strings); did you mean 'i = i + 1'?"),
    ("i--;", 26, "hilang has no '--' decrement; did you mean 'i = i - 1'?"),
    ("if a and b { }", 30, "hilang has no 'and'; did you mean '&&'?"),
    ("if a or b { }", 30, "hilang has no 'or'; did you mean '||'?"),
    ("if not a { }", 28, "hilang has no 'not'; did you mean '!'?"),
    ("let c = 'a';", 33, 'hilang has no character literals; did you mean the String "a"? (its byte is the U8 97u8)'),
    ("let c = 'ab';", 33, 'hilang has no character literals; did you mean the String "ab"?'),
])
def test_habits_from_other_languages_get_a_hint(stmt, col, message):
    error = first_error("fun main() { var x = 1; " + stmt + " }")
    assert (error.span.line, error.span.col) == (1, col), error
    assert message in error.message


def test_an_unfinished_concatenation_is_not_taken_for_an_increment():
    assert first_error("fun main() { let s = a ++ ; }").message == \
        "syntax error: unexpected ';', expected an expression"


def test_a_character_literal_is_read_on_as_a_string():
    """One error for `'a'`, none after it: it lexes as the String it would be."""
    with pytest.raises(CompileError) as info:
        parse_text("fun main() { let c = 'a' ++ 'b'; print(c); }")
    assert [d.span.col for d in info.value.diagnostics] == [22, 29]


def test_syntax_errors_name_what_was_found():
    error = first_error("fun main() { f(x y); }")
    assert error.message == "syntax error: unexpected name 'y', expected ')' or ','"


def test_one_error_per_declaration():
    with pytest.raises(CompileError) as info:
        parse_text("fun a() { let = 1; }\nfun b() { }\nfun c() { x = ; }\ndata D = | E\n")
    assert [(d.span.line, d.span.col) for d in info.value.diagnostics] == [(1, 15), (3, 15), (4, 10)]


def test_lexical_errors_do_not_cascade():
    with pytest.raises(CompileError) as info:
        parse_text("fun a() { let x = 1 @ 2; }\nfun b() { let = 1; }")
    assert [(d.span.line, d.span.col) for d in info.value.diagnostics] == [(1, 21), (2, 15)]


# --------------------------------------------------------------------------
# deep nesting


def test_deep_parentheses():
    program = parse_text("fun main() { let x = " + "(" * DEEP + "1" + ")" * DEEP + "; }")
    assert program.decls[0].body.stmts[0].value == ast.IntLit(1)
    error = first_error("fun main() { let x = " + "(" * DEEP + "1" + ")" * (DEEP - 1) + "; }")
    assert (error.span.line, error.span.col) == (1, 22 + 2 * DEEP)


def test_deep_blocks_parse_and_print():
    text = "fun main() {\n" + "while x {\n" * DEEP + "f();\n" + "}\n" * DEEP + "}\n"
    program = parse_text(text)
    innermost = _innermost_block(program.decls[0].body)
    assert innermost.stmts == (ast.ExprStmt(ast.Call("f", ())),)
    # Printed as written, but with indentation capped.
    indents = [INDENT * min(depth, MAX_INDENT_LEVELS) for depth in range(1, DEEP + 2)]
    expected = ("fun main() {\n"
                + "".join(f"{pad}while x {{\n" for pad in indents[:-1])
                + f"{indents[-1]}f();\n"
                + "".join(f"{pad}}}\n" for pad in reversed(indents[:-1]))
                + "}\n")
    assert print_program(program) == expected


def _innermost_block(block: ast.Block) -> ast.Block:
    while isinstance(block.stmts[0], ast.While):
        block = block.stmts[0].body
    return block


def test_deep_expressions_print():
    # Far deeper than Python's default recursion limit, so the printer has
    # to move to a deep stack.
    depth = 5_000
    chain = parse_expr(" + ".join(["1"] * depth))
    assert print_expr(chain) == " + ".join(["1"] * depth)
    negations = parse_expr("-" * depth + "x")
    assert print_expr(negations).endswith("(-x)" + ")" * (depth - 2))


# --------------------------------------------------------------------------
# bad input never escapes as another exception


def parse_or_diagnose(text: str) -> None:
    try:
        parse_text(text)
    except CompileError as error:
        assert all_positioned(error, text), error.diagnostics


@given(st.binary(max_size=400))
def test_random_bytes(data):
    parse_or_diagnose(data.decode("utf-8", errors="replace"))


FRAGMENTS = ("fun", "data", "let", "var", "if", "then", "else", "while", "for", "in", "match",
             "return", "break", "with", "mut", "x", "f", "Foo", "Array", "{r}", "1", "255u8",
             "1.5", "9223372036854775808", '"s"', '"\\q', "(", ")", "{", "}", "[", "]", ",", ";",
             ":", "=", "=>", "..", ".", "|", "+", "-", "<", "&&", "!", "_", "\n", "#c\n", "@")


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60))
def test_token_soup(fragments):
    parse_or_diagnose(" ".join(fragments))


CONFORMANCE_TEXTS = [p.read_text() for p in PROGRAMS]


@given(st.sampled_from(CONFORMANCE_TEXTS), st.data())
def test_truncated_and_mutated_programs(text, data):
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    insert = data.draw(st.sampled_from(FRAGMENTS) | st.text(max_size=3))
    mutated = data.draw(st.sampled_from((
        text[:start],                           # truncated
        text[:start] + text[end:],              # a stretch deleted
        text[:start] + insert + text[start:],   # something inserted
        text[:end] + text[start:],              # a stretch repeated
    )))
    parse_or_diagnose(mutated)


# --------------------------------------------------------------------------
# printer details


@given(code_made_exprs)
def test_printing_is_stable_for_code_made_literals(value):
    printed = print_program(ast.Program((ast.FunDecl("main", (), None, ast.Block((ast.ExprStmt(value),))),)))
    assert print_program(parse_text(printed)) == printed


@pytest.mark.parametrize("value,text", [
    (ast.Binary("-", ast.IntLit(1), ast.IntLit(-5)), "1 - -5"),
    (ast.FieldGet(ast.IntLit(-5), "f"), "(-5).f"),
    (ast.Unary("-", ast.IntLit(-5)), "-(-5)"),
    (ast.Call("f", (ast.IntLit(-(2**63)), ast.FloatLit(-0.5))), "f(-9223372036854775808, -0.5)"),
    (ast.Binary("*", ast.FloatLit(float("inf")), ast.FloatLit(float("-inf"))),
     "1.0 / 0.0 * (-1.0 / 0.0)"),
    (ast.Call("f", (ast.FloatLit(float("nan")),)), "f(0.0 / 0.0)"),
])
def test_printer_writes_literals_made_by_code_as_what_they_mean(value, text):
    """Negative and non-finite literals (which only code makes) print as the
    expression that means them, and that text then prints back unchanged."""
    assert print_expr(value) == text
    let = ast.Let("x", None, value)
    printed = print_program(ast.Program((ast.FunDecl("main", (), None, ast.Block((let,))),)))
    assert print_program(parse_text(printed)) == printed


def test_printer_parenthesises_only_where_needed():
    for text in ("(a + b) * c", "a - (b - c)", "(a < b) == c", "-(a + b)", "(-x).f",
                 "1 + (if a then b else c)", "(if a then b else c).f", "f(if a then b else c)",
                 "if a then b else if c then d else e", "a + b * c - d"):
        assert print_expr(parse_expr(text)) == text


# --------------------------------------------------------------------------
# pygments


def test_pygments_lexer_colours_the_parts_apart():
    tokens = list(HilangLexer().get_tokens("fun f(xs: mut Array{rw} S64): Tree { return Leaf; } # c\n"))
    styles = {value: str(kind) for kind, value in tokens if value.strip()}
    assert styles["fun"].startswith("Token.Keyword")
    assert styles["return"].startswith("Token.Keyword")
    assert styles["{rw}"] == styles["mut"] == "Token.Name.Decorator"
    assert styles["Tree"] == styles["Leaf"] == "Token.Name.Class"
    assert styles["# c"].startswith("Token.Comment")


@pytest.mark.parametrize("path", PROGRAMS, ids=PROGRAM_IDS)
def test_pygments_lexer_reads_every_program(path):
    text = path.read_text()
    tokens = list(HilangLexer().get_tokens(text))
    assert "".join(value for _, value in tokens) == text
    assert not [value for kind, value in tokens if "Error" in str(kind)]
