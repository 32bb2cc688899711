"""The hilang checker (hilang/checker, docs/hilang-checking.md).

* Every conformance program is accepted, or rejected at the LINE:COL of its
  `.err` (found by globbing: new programs join automatically).
* One rejecting case per rule: a snippet, the position and a fragment of the
  message, and exactly one diagnostic (no cascades). Most cases carry a fix,
  a near-identical variant (a text replacement) that must be accepted.
* Accepting cases for the tricky parts: capability weakening, viewpoint
  adaptation, shadowing, nested patterns, inference from later uses.
* What the checker writes on the AST: resolved `ty`, `type_args`, `builtin`.
* Robustness: several independent errors are all reported; 20,000-deep
  nesting does not reach Python's recursion limit.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import CONFORMANCE
from diagnostics import CompileError, Source
from hilang import ast, types
from hilang.checker import check
from hilang.checker.operators import OPERATORS
from hilang.parser import parse
from hilang.summary import walk
from programs import not_yet


def program(text: str) -> str:
    text = textwrap.dedent(text).strip("\n") + "\n"
    return text if "fun main" in text else text + "fun main() {}\n"


def check_text(text: str) -> ast.Program:
    return check(parse(Source("t.hi", program(text))))


def diagnostics_of(text: str) -> list:
    with pytest.raises(CompileError) as info:
        check_text(text)
    return info.value.diagnostics


# --------------------------------------------------------------------------
# Conformance programs


def _conformance() -> list[Path]:
    return sorted(CONFORMANCE.glob("*.hi"))


def _conformance_cases() -> list:
    return [pytest.param(p, marks=not_yet(p), id=p.stem) for p in _conformance()]


@pytest.mark.parametrize("path", _conformance_cases())
def test_conformance_program(path: Path):
    source = Source.read(str(path))
    err = path.with_suffix(".err")
    if not err.exists():
        check(parse(source))
        return
    with pytest.raises(CompileError) as info:
        check(parse(source))
    line, col = map(int, err.read_text().split()[0].split(":"))
    first = info.value.diagnostics[0]
    assert (first.span.line, first.span.col) == (line, col), first


# --------------------------------------------------------------------------
# One rejecting case per rule


@dataclass
class Case:
    id: str
    source: str
    at: str  # "LINE:COL"
    message: str  # a fragment of the message
    fix: tuple[str, str] | None = None  # (old, new): the accepted variant

    def fixed(self) -> str:
        old, new = self.fix
        assert old in self.source, f"{self.id}: fix text not in source"
        return self.source.replace(old, new, 1)


CASES = [
    # ---- declarations
    Case("duplicate-data", """
        data T = A
        data T = B
        """, "2:1", "data type 'T' is already defined", ("data T = B", "data U = B")),
    Case("data-named-builtin", """
        data Option = X
        """, "1:1", "'Option' is a built-in type", ("data Option", "data Opt")),
    Case("duplicate-ctor-across-types", """
        data T = A | B
        data U = B | C
        """, "2:10", "constructor 'B' is already defined (in 'T')", ("U = B", "U = D")),
    Case("ctor-named-some", """
        data T = Leaf | Some(S64)
        """, "1:17", "constructor 'Some' is already defined", ("Some(S64)", "Many(S64)")),
    Case("duplicate-field", """
        data P = { x: S64, x: S64 }
        """, "1:20", "field 'x' of 'P' is declared twice", ("x: S64 }", "y: S64 }")),
    Case("duplicate-type-param", """
        data P a a = { x: a }
        """, "1:1", "type parameter 'a' of 'P' is declared twice", ("P a a", "P a b")),
    Case("unknown-type", """
        fun f(x: Tree) {}
        """, "1:10", "unknown type 'Tree'", ("fun f", "data Tree = Leaf\nfun f")),
    Case("type-arity", """
        data List a = Nil | Cons(a, List a)
        fun f(x: List) {}
        """, "2:10", "type 'List' takes 1 type argument, found 0", ("x: List)", "x: List S64)")),
    Case("prim-takes-no-args", """
        fun f(x: Array S64 S64) {}
        """, "1:10", "type 'Array' takes 1 type argument, found 2", ("S64 S64", "S64")),
    Case("data-unknown-type-var", """
        data Box a = { v: b }
        """, "1:19", "unknown type variable 'b'", ("v: b", "v: a")),
    Case("field-mut-container", """
        data Bag = { items: mut Array S64 }
        """, "1:21", "fields of data types may only declare read-only containers", ("mut Array", "Array")),
    Case("field-nested-rw-container", """
        data Grid = { rows: Array (Array{rw} S64) }
        """, "1:28", "this Array has {rw}", ("Array{rw}", "Array{r}")),
    Case("caps-on-non-container", """
        data T = A
        fun f(x: mut T) {}
        """, "2:10", "'mut' can only be written on Array and Map", ("mut T", "T")),
    Case("map-key-f64", """
        fun f(m: Map F64 S64) {}
        """, "1:14", "map keys must be S64 or String, found F64", ("Map F64", "Map S64")),
    Case("map-key-type-var", """
        fun f(m: Map k S64) {}
        """, "1:14", "map keys must be S64 or String, found k", ("Map k", "Map String")),
    Case("function-named-builtin", """
        fun len(x: S64): S64 { return x; }
        """, "1:1", "'len' is a built-in function", ("fun len", "fun size")),
    Case("duplicate-function", """
        fun f() {}
        fun f() {}
        """, "2:1", "function 'f' is already defined", ("fun f() {}\n", "fun g() {}\n")),
    Case("duplicate-param", """
        fun f(x: S64, x: S64) {}
        """, "1:15", "parameter 'x' of 'f' is declared twice", ("x: S64) {}", "y: S64) {}")),
    Case("no-main", """
        fun helper() {}
        fun mainly() {}
        """, "1:1", "the program has no 'main' function", ("mainly", "main")),
    Case("main-params", """
        fun main(n: S64) {}
        """, "1:1", "'main' must take no parameters or one 'args: Array String'",
         ("n: S64", "args: Array String")),
    Case("main-result", """
        fun main(): S64 { return 0; }
        """, "1:1", "'main' must return Unit, not S64", (": S64 { return 0; }", " { return; }")),
    # ---- generics and inference
    Case("generic-args-disagree", """
        fun same(x: a, y: a): Bool { return true; }
        fun main() { print(same(1, true)); }
        """, "2:28", "type mismatch: expected S64, found Bool", ("true))", "2))")),
    Case("rigid-type-variable", """
        fun f(x: a): S64 { return x; }
        """, "1:27", "type mismatch: expected S64, found a", ("): S64", "): a")),
    Case("unknown-type-var-in-let", """
        fun f(x: a) { let y: b = x; }
        """, "1:22", "unknown type variable 'b'", ("y: b", "y: a")),
    Case("cannot-infer-map", """
        fun main() {
            let sq = map();
            print(len(sq));
        }
        """, "2:5", "cannot infer the type of 'sq'", ("print(len(sq));", "insert(sq, 1, 2);")),
    Case("cannot-infer-empty-array", """
        fun main() { print(len([])); }
        """, "1:24", "cannot infer the element type of this empty array", ("[]", "[1]")),
    Case("cannot-infer-type-arg", """
        data List a = Nil | Cons(a, List a)
        fun length(l: List a): S64 { return 0; }
        fun main() { print(length(Nil)); }
        """, "3:20", "cannot infer type variable 'a' of 'length'", ("(Nil)", "(Cons(1, Nil))")),
    Case("cannot-infer-none", """
        fun main() {
            var o = None;
            print(1);
        }
        """, "2:5", "cannot infer the type of 'o' (Option ?)", ("print(1);", "o = Some(true);")),
    Case("map-key-from-later-use", """
        fun main() {
            let m = map();
            insert(m, 1.5, 2);
        }
        """, "2:13", "map keys must be S64 or String, found F64", ("1.5", "15")),
    Case("inferred-element-conflict", """
        fun main() {
            let xs = [];
            push(xs, 1);
            push(xs, "one");
        }
        """, "4:14", "type mismatch: expected S64, found String", ('"one"', "2")),
    # ---- capabilities
    Case("push-read-only-param", """
        fun total(xs: Array S64): S64 {
            push(xs, 1);
            return 0;
        }
        """, "2:5", "cannot push to 'xs': it is read-only here (parameter 'xs' of 'total' has {r}; "
                    "write 'mut Array S64' to allow it)", ("xs: Array S64", "xs: mut Array S64")),
    Case("push-rw-param", """
        fun grow(xs: Array{rw} S64) { xs.push(1); }
        """, "1:31", "cannot push to 'xs': it has {rw} here, not {rwa}", ("Array{rw}", "Array{rwa}")),
    Case("index-assign-read-only", """
        fun zero(xs: Array S64) { xs[0] = 0; }
        """, "1:27", "cannot assign to an element of 'xs': it is read-only here", ("Array S64", "Array{rw} S64")),
    Case("pop-read-only", """
        fun drop(xs: Array S64) { pop(xs); }
        """, "1:27", "cannot pop from 'xs'", ("Array S64", "Array{rw} S64")),
    Case("insert-read-only-map", """
        fun put(m: Map String S64) { insert(m, "a", 1); }
        """, "1:30", "cannot insert into 'm': it is read-only here", ("m: Map", "m: mut Map")),
    Case("remove-read-only-map", """
        fun del(m: Map String S64): Bool { return remove(m, "a"); }
        """, "1:43", "cannot remove from 'm'", ("m: Map", "m: Map{rw}")),
    Case("pass-read-only-to-mut", """
        fun fill(xs: mut Array S64) { push(xs, 1); }
        fun show(xs: Array S64) { fill(xs); }
        """, "2:27", "cannot pass 'xs' to parameter 'xs' of 'fill': it is read-only here",
         ("show(xs: Array", "show(xs: mut Array")),
    Case("field-is-read-only", """
        data Bag = { label: String, items: Array S64 }
        fun add(b: Bag) { push(b.items, 1); }
        """, "2:19", "cannot push to 'b.items': it is read-only here (field 'items' of 'Bag' is declared {r})",
         ("push(b.items, 1)", "print(len(b.items))")),
    Case("element-through-read-only-view", """
        fun add(rows: Array (mut Array S64)) { push(rows[0], 1); }
        """, "1:40", "it is read through 'rows', which has {r}: parameter 'rows' of 'add' has {r}; "
                     "write 'mut Array (mut Array S64)'", ("rows: Array", "rows: mut Array")),
    Case("loop-variable-through-read-only-view", """
        fun add(rows: Array (mut Array S64)) { for row in rows { push(row, 1); } }
        """, "1:58", "cannot push to 'row': it is read-only here (it is read through 'rows'",
         ("rows: Array", "rows: mut Array")),
    Case("element-declared-read-only", """
        fun add(rows: mut Array (Array S64)) { push(rows[0], 1); }
        """, "1:40", "the elements of 'rows' are declared {r}", ("(Array S64)", "(mut Array S64)")),
    Case("let-keeps-parameter-origin", """
        fun f(xs: Array S64) {
            let ys = xs;
            push(ys, 1);
        }
        """, "3:5", "cannot push to 'ys': it is read-only here (parameter 'xs' of 'f' has {r}",
         ("xs: Array", "xs: mut Array")),
    Case("let-keeps-field-origin", """
        data Bag = { items: Array S64 }
        fun f(b: Bag) {
            let it = b.items;
            push(it, 1);
        }
        """, "4:5", "cannot push to 'it': it is read-only here (field 'items' of 'Bag' is declared {r})",
         ("push(it, 1);", "print(len(it));")),
    Case("if-joins-to-weaker-caps", """
        fun f(ro: Array S64) {
            let xs = [1];
            let e = if len(xs) > 0 then xs else ro;
            push(e, 2);
        }
        """, "4:5", "(one branch of this 'if' is 'ro': parameter 'ro' of 'f' has {r}; write 'mut Array S64'",
         ("ro: Array", "ro: mut Array")),
    Case("let-annotation-weakens", """
        fun main() {
            let ys: Array S64 = [1];
            push(ys, 1);
        }
        """, "3:5", "('ys' is declared {r}; write 'mut Array S64' to allow it)", ("ys: Array", "ys: mut Array")),
    Case("element-caps-are-invariant-under-write", """
        fun rows(xs: Array{rw} (Array S64)): S64 { return len(xs); }
        fun main() {
            let r: mut Array (mut Array S64) = [];
            print(rows(r));
        }
        """, "4:16", "the capabilities of elements and type arguments must match exactly, "
                     "except that a read-only container accepts elements with more",
         ("xs: Array{rw} (Array S64)", "xs: Array (Array S64)")),
    Case("read-only-view-cannot-promise-more", """
        fun rows(xs: Array (mut Array S64)): S64 { return len(xs); }
        fun main() {
            let r: mut Array (Array S64) = [];
            print(rows(r));
        }
        """, "4:16", "type mismatch: expected Array{r} (Array{rwa} S64), found Array{rwa} (Array{r} S64)",
         ("r: mut Array (Array S64)", "r: mut Array (mut Array S64)")),
    Case("map-values-are-invariant-under-write", """
        fun count(m: mut Map String (Array S64)): S64 { return len(m); }
        fun main() {
            let m: mut Map String (mut Array S64) = map();
            print(count(m));
        }
        """, "4:17", "must match exactly", ("m: mut Map String (Array", "m: Map String (Array")),
    Case("assign-weaker-value", """
        fun f(xs: Array S64) {
            var a = [1];
            a = xs;
        }
        """, "3:5", "cannot assign 'xs' to 'a': it is read-only here", ("var a = [1];", "var a: Array S64 = [1];")),
    Case("return-weaker-value", """
        fun f(xs: Array S64): mut Array S64 { return xs; }
        """, "1:39", "cannot return 'xs' from 'f'", ("): mut Array", "): Array")),
    Case("store-weaker-value-in-element", """
        fun f(rows: mut Array (mut Array S64), xs: Array S64) { push(rows, xs); }
        """, "1:57", "cannot store 'xs' in 'rows': it is read-only here", ("xs: Array", "xs: mut Array")),
    Case("pattern-variable-from-read-only-map", """
        fun f(m: Map String (mut Array S64)) {
            match get(m, "k") {
                Some(v) => { push(v, 1); }
                None => {}
            }
        }
        """, "3:22", "cannot push to 'v': it is read-only here (pattern variable 'v' has {r})",
         ("m: Map", "m: mut Map")),
    # ---- statements
    Case("duplicate-in-block", """
        fun main() {
            let x = 1;
            let x = 2;
        }
        """, "3:5", "'x' is already declared in this block", ("let x = 2;", "if true { let x = 2; }")),
    Case("duplicate-var-in-block", """
        fun main() {
            var x = 1;
            var x = 2;
        }
        """, "3:5", "'x' is already declared in this block", ("var x = 2;", "x = 2;")),
    Case("unknown-variable", """
        fun main() { print(y); }
        """, "1:20", "unknown variable 'y'", ("print(y)", "print(1)")),
    Case("block-scope-ends", """
        fun main() {
            if true { let y = 1; }
            print(y);
        }
        """, "3:11", "unknown variable 'y'", ("print(y);", "print(2);")),
    Case("assign-parameter", """
        fun f(n: S64) { n = 1; }
        """, "1:17", "cannot assign to parameter 'n'", ("n = 1;", "var m = n; m = 1;")),
    Case("assign-loop-variable", """
        fun main() { for i in 0..3 { i = 2; } }
        """, "1:30", "cannot assign to loop variable 'i'", ("i = 2;", "print(i);")),
    Case("assign-let", """
        fun main() {
            let k = 1;
            k = 2;
        }
        """, "3:5", "declare it with 'var'", ("let k", "var k")),
    Case("assign-pattern-variable", """
        fun f(o: Option S64) {
            match o { Some(x) => { x = 1; } None => {} }
        }
        """, "2:28", "cannot assign to 'x': it is bound by a pattern", ("x = 1;", "print(x);")),
    Case("assign-type", """
        fun main() {
            var v = 1;
            v = true;
        }
        """, "3:9", "type mismatch: expected S64, found Bool", ("v = true", "v = 2")),
    Case("break-outside-loop", """
        fun main() { break; }
        """, "1:14", "'break' outside of a loop", ("{ break; }", "{ while true { break; } }")),
    Case("continue-outside-loop", """
        fun main() { if true { continue; } }
        """, "1:24", "'continue' outside of a loop", ("if true", "while false")),
    Case("return-type", """
        fun f(): S64 { return true; }
        """, "1:23", "type mismatch: expected S64, found Bool (the result of 'f')", ("true", "1")),
    Case("return-without-value", """
        fun f(): S64 { return; }
        """, "1:16", "'f' returns S64: 'return' needs a value", ("return;", "return 0;")),
    Case("return-value-from-unit", """
        fun f() { return 3; }
        """, "1:18", "type mismatch: expected Unit, found S64", ("return 3;", "return ();")),
    Case("missing-return", """
        fun sign(n: S64): S64 {
            if n > 0 { return 1; } else if n < 0 { return -1; }
        }
        """, "3:1", "'sign' can reach its end without returning a value of type S64",
         ("if n < 0 { return -1; }", "{ return 0; }")),
    Case("while-true-with-break-falls-through", """
        fun f(): S64 {
            while true { break; }
        }
        """, "3:1", "can reach its end without returning", ("break;", "return 1;")),
    Case("while-condition-not-literal", """
        fun f(n: S64): S64 {
            while n > 0 { return 1; }
        }
        """, "3:1", "can reach its end without returning", ("n > 0", "true")),
    Case("condition-not-bool", """
        fun f(x: S64) { if x { } }
        """, "1:20", "type mismatch: expected Bool, found S64 (a condition is a Bool)", ("if x", "if x > 0")),
    Case("while-condition-not-bool", """
        fun f(x: S64) { while x { } }
        """, "1:23", "expected Bool, found S64", ("while x", "while x != 0")),
    Case("range-bound-not-s64", """
        fun main() { for i in 0..2.5 { } }
        """, "1:26", "type mismatch: expected S64, found F64 (a range bound is an S64)", ("2.5", "3")),
    Case("iterate-over-s64", """
        fun f(n: S64) { for x in n { } }
        """, "1:26", "cannot iterate over 'n' of type S64", ("in n", "in [n]")),
    Case("iterate-over-string", """
        fun f(s: String) { for c in s { } }
        """, "1:29", "cannot iterate over 's', a String; use 'for i in 0..len(s)'", ("in s", "in 0..len(s)")),
    Case("iterate-over-string-literal", """
        fun main() { for c in "abc" { print(c); } }
        """, "1:23", "cannot iterate over a String; use", ('c in "abc"', 'c in [1]')),
    Case("assign-string-byte", """
        fun f(s: String) { s[0] = 65u8; }
        """, "1:20", "strings are immutable", ("s[0] = 65u8;", "print(s[0]);")),
    # ---- match
    Case("non-exhaustive-enum", """
        data Color = Red | Green | Blue
        fun f(c: Color) {
            match c { Red => {} Green => {} }
        }
        """, "3:5", "match is not exhaustive: missing 'Blue'", ("Green => {}", "Green => {} Blue => {}")),
    Case("non-exhaustive-nested", """
        fun f(o: Option (Option S64)) {
            match o { None => {} Some(Some(x)) => {} }
        }
        """, "2:5", "missing 'Some(None)'", ("Some(Some(x)) => {}", "Some(Some(x)) => {} Some(None) => {}")),
    Case("non-exhaustive-bool", """
        fun f(b: Bool) { match b { true => {} } }
        """, "1:18", "missing 'false'", ("true => {}", "true => {} false => {}")),
    Case("empty-match-on-data", """
        data List = Nil | Cons(S64, List)
        fun f(l: List) { match l { } }
        """, "2:18", "match is not exhaustive: missing 'Nil', 'Cons(_, _)'",
         ("match l { }", "match l { Nil => {} Cons(x, rest) => {} }")),
    Case("empty-match-on-bool", """
        fun f(b: Bool) { match b { } }
        """, "1:18", "match is not exhaustive: missing 'true', 'false'", ("{ }", "{ _ => {} }")),
    Case("empty-match-on-s64", """
        fun f(n: S64) { match n { } }
        """, "1:17", "match is not exhaustive: it has no arm for any S64; add a '_' arm", ("{ }", "{ _ => {} }")),
    Case("non-exhaustive-int-literals", """
        fun f(n: S64) { match n { 0 => {} 1 => {} -1 => {} } }
        """, "1:17", "literal patterns never cover every S64; add a '_' arm", ("-1 => {}", "_ => {}")),
    Case("non-exhaustive-string-literals", """
        fun f(s: String) { match s { "a" => {} } }
        """, "1:20", "literal patterns never cover every String", ('"a" => {}', '"a" => {} other => {}')),
    Case("non-exhaustive-under-literal", """
        data Tree = Leaf | Node(Tree, S64, Tree)
        fun f(t: Tree) { match t { Leaf => {} Node(_, 0, _) => {} } }
        """, "2:18", "missing 'Node(_, _, _)'", ("Node(_, 0, _)", "Node(_, _, _)")),
    Case("non-exhaustive-record-pattern", """
        data Shape = Circle { r: F64 } | Rect { w: F64, h: F64 }
        fun f(s: Shape) { match s { Rect { w, h } => {} } }
        """, "2:19", "missing 'Circle { r = _ }'", ("Rect { w, h } => {}", "Rect { w } => {} Circle { r } => {}")),
    Case("pattern-wrong-type", """
        data Color = Red | Green
        fun f(c: Color) { match c { Some(x) => {} _ => {} } }
        """, "2:29", "'Some' is a constructor of 'Option', but the matched value is Color", ("Some(x)", "Red")),
    Case("pattern-arity", """
        fun f(o: Option S64) { match o { Some(x, y) => {} _ => {} } }
        """, "1:34", "constructor 'Some' has 1 field, but the pattern has 2", ("Some(x, y)", "Some(x)")),
    Case("pattern-unknown-field", """
        data Shape = Circle { r: F64 } | Rect { w: F64, h: F64 }
        fun f(s: Shape) { match s { Rect { w, d } => {} _ => {} } }
        """, "2:29", "constructor 'Rect' has no field 'd'", ("w, d", "w, h")),
    Case("pattern-literal-type", """
        fun f(n: U8) { match n { 0 => {} _ => {} } }
        """, "1:26", "this pattern is S64, but the matched value is U8", ("0 =>", "0u8 =>")),
    Case("pattern-variable-twice", """
        data P = P(S64, S64)
        fun f(p: P) { match p { P(x, x) => {} } }
        """, "2:30", "'x' is bound twice in this pattern", ("P(x, x)", "P(x, y)")),
    Case("pattern-positional-on-named", """
        data Shape = Circle { r: F64 }
        fun f(s: Shape) { match s { Circle(r) => {} } }
        """, "2:29", "constructor 'Circle' has named fields; match it as 'Circle { r }'",
         ("Circle(r)", "Circle { r }")),
    # ---- operators
    Case("plus-on-bool", """
        fun main() {
            let big = 3 > 2;
            big + 1;
        }
        """, "3:5", "operator '+' needs S64, U8 or F64 operands, found Bool", ("big + 1", "big && true")),
    Case("plus-on-strings", """
        fun main() { print("a" + "b"); }
        """, "1:20", "found String; did you mean '++'? (hilang joins strings with '++')", ('" + "', '" ++ "')),
    Case("type-name-from-elsewhere", """
        fun main() { let n: Int = 1; }
        """, "1:21", "unknown type 'Int'; did you mean 'S64'?", ("Int", "S64")),
    Case("lower-case-type-name-from-elsewhere", """
        fun main() { let s: string = "a"; }
        """, "1:21", "unknown type variable 'string': it is not a type variable of 'main'; did you mean 'String'?",
         ("string", "String")),
    Case("plus-mixed-types", """
        fun f(u: U8) { print(1 + u); }
        """, "1:26", "operator '+' needs operands of the same type: S64 and U8", ("1 + u", "1u8 + u")),
    Case("equals-on-arrays", """
        fun f(xs: Array S64) { print(xs == xs); }
        """, "1:30", "operator '==' needs S64, U8, F64, Bool or String operands, found Array{r} S64",
         ("xs == xs", "len(xs) == len(xs)")),
    Case("less-on-bool", """
        fun main() { print(true < false); }
        """, "1:20", "operator '<' needs S64, U8, F64 or String operands, found Bool", ("true < false", "1 < 2")),
    Case("remainder-on-f64", """
        fun main() { print(7.0 % 2.0); }
        """, "1:20", "operator '%' needs S64 or U8 operands, found F64", ("7.0 % 2.0", "7 % 2")),
    Case("concat-on-s64", """
        fun main() { print(1 ++ "a"); }
        """, "1:20", "operator '++' needs String operands, found S64", ("1 ++", "str(1) ++")),
    Case("and-on-s64", """
        fun main() { print(1 && true); }
        """, "1:20", "operator '&&' needs Bool operands, found S64", ("1 &&", "false &&")),
    Case("negate-bool", """
        fun main() { print(-true); }
        """, "1:21", "unary operator '-' needs an operand of type S64, U8 or F64, found Bool", ("-true", "-1")),
    Case("not-s64", """
        fun main() { print(!1); }
        """, "1:21", "unary operator '!' needs an operand of type Bool, found S64", ("!1", "!false")),
    # ---- expressions
    Case("if-branches-differ", """
        fun main() { print(if true then 1 else "a"); }
        """, "1:40", "expected S64, found String (both branches of 'if' must have the same type)", ('"a"', "2")),
    Case("array-elements-differ", """
        fun main() { print(len([1, true])); }
        """, "1:28", "the elements of an array must have the same type", ("true", "2")),
    Case("field-of-non-data", """
        fun f(n: S64) { print(n.x); }
        """, "1:23", "'n' has type S64, which has no fields", ("n.x", "n")),
    Case("field-not-in-every-ctor", """
        data Shape = Circle { r: F64 } | Rect { w: F64, h: F64 }
        fun f(s: Shape) { print(s.w); }
        """, "2:25", "not every constructor of 'Shape' has field 'w'", ("s.w", "1")),
    Case("field-types-differ", """
        data T = A { v: S64 } | B { v: String }
        fun f(t: T) { print(t.v); }
        """, "2:21", "field 'v' has different types in the constructors of 'T'", ("B { v: String }", "B { v: S64 }")),
    Case("unknown-field", """
        data P = { x: S64, y: S64 }
        fun f(p: P) { print(p.z); }
        """, "2:21", "type 'P' has no field 'z'", ("p.z", "p.y")),
    Case("record-missing-field", """
        data P = { x: S64, y: S64 }
        fun main() { let p = P { x = 1 }; }
        """, "2:22", "missing field 'y' of 'P'", ("x = 1 }", "x = 1, y = 2 }")),
    Case("record-field-twice", """
        data P = { x: S64, y: S64 }
        fun main() { let p = P { x = 1, y = 2, x = 3 }; }
        """, "2:22", "field 'x' is given twice", (", x = 3", "")),
    Case("record-unknown-field", """
        data P = { x: S64, y: S64 }
        fun main() { let p = P { x = 1, y = 2, z = 3 }; }
        """, "2:22", "constructor 'P' has no field 'z'", (", z = 3", "")),
    Case("record-field-type", """
        data P = { x: S64, y: S64 }
        fun main() { let p = P { x = 1, y = "2" }; }
        """, "2:37", "type mismatch: expected S64, found String (field 'y' of 'P')", ('"2"', "2")),
    Case("record-with-base-type", """
        data P = { x: S64, y: S64 }
        data Q = { x: S64 }
        fun f(q: Q): P { return P { q with x = 1 }; }
        """, "3:29", "type mismatch: expected P, found Q", ("f(q: Q)", "f(q: P)")),
    Case("record-with-several-ctors", """
        data Shape = Circle { r: F64 } | Rect { w: F64, h: F64 }
        fun f(s: Shape): Shape { return Rect { s with w = 1.0 }; }
        """, "2:33", "needs a data type with one constructor; 'Shape' has 2",
         ("Rect { s with w = 1.0 }", "Rect { w = 1.0, h = 2.0 }")),
    Case("construct-arity", """
        data List a = Nil | Cons(a, List a)
        fun main() { let l = Cons(1); }
        """, "2:22", "constructor 'Cons' takes 2 arguments, found 1", ("Cons(1)", "Cons(1, Nil)")),
    Case("construct-argument-type", """
        data List a = Nil | Cons(a, List a)
        fun main() { let l = Cons(1, Cons(true, Nil)); }
        """, "2:35", "type mismatch: expected S64, found Bool (argument 1 of 'Cons')", ("true", "2")),
    Case("construct-named-positionally", """
        data Shape = Rect { w: F64, h: F64 }
        fun main() { let r = Rect(1.0, 2.0); }
        """, "2:22", "constructor 'Rect' has named fields; write 'Rect { w = ..., h = ... }'",
         ("Rect(1.0, 2.0)", "Rect { w = 1.0, h = 2.0 }")),
    Case("unknown-constructor", """
        fun main() { let t = Leaf; }
        """, "1:22", "unknown constructor 'Leaf'", ("fun main", "data T = Leaf\nfun main")),
    Case("index-not-s64", """
        fun f(xs: Array S64) { print(xs[true]); }
        """, "1:33", "type mismatch: expected S64, found Bool (an index is an S64)", ("true", "0")),
    Case("index-a-map", """
        fun f(m: Map S64 S64) { print(m[1]); }
        """, "1:31", "cannot index 'm' of type Map{r} S64 S64 with [...]; use get(map, key)",
         ("print(m[1])", "print(contains(m, 1))")),
    Case("string-index-is-u8", """
        fun f(s: String) { let c: S64 = s[0]; }
        """, "1:33", "type mismatch: expected S64, found U8", ("c: S64", "c: U8")),
    Case("print-array", """
        fun f(xs: Array S64) { print(xs); }
        """, "1:30", "cannot print 'xs' of type Array{r} S64", ("print(xs)", "print(len(xs))")),
    Case("print-data", """
        fun f(o: Option S64) { print(1, o); }
        """, "1:33", "cannot print 'o' of type Option S64", ("print(1, o)", "print(1, ())")),
    Case("len-of-s64", """
        fun main() { print(len(3)); }
        """, "1:24", "'len' needs a String, Array or Map, found '3' of type S64", ("len(3)", 'len("3")')),
    Case("push-element-type", """
        fun f(xs: mut Array S64) { push(xs, true); }
        """, "1:37", "type mismatch: expected S64, found Bool (argument 2 of 'push')", ("true", "1")),
    Case("push-on-map", """
        fun f(m: mut Map S64 S64) { push(m, 1); }
        """, "1:34", "'push' needs an Array, found 'm' of type Map{rwa} S64 S64", ("push(m, 1)", "insert(m, 1, 1)")),
    Case("array-length-type", """
        fun main() { let a = array(true, 1); }
        """, "1:28", "the length given to 'array'", ("true", "3")),
    Case("get-returns-option", """
        fun f(m: Map S64 S64) { let v: S64 = get(m, 1); }
        """, "1:38", "type mismatch: expected S64, found Option S64", ("v: S64", "v: Option S64")),
    Case("map-key-type", """
        fun f(m: Map S64 S64): Bool { return contains(m, "k"); }
        """, "1:50", "type mismatch: expected S64, found String (argument 2 of 'contains')", ('"k"', "1")),
    Case("str-argument", """
        fun main() { print(str(1.5)); }
        """, "1:24", "type mismatch: expected S64, found F64 (argument 1 of 'str')", ("1.5", "15")),
    Case("int-argument", """
        fun main() { print(int(3)); }
        """, "1:24", "expected String, found S64 (argument 1 of 'int')", ("int(3)", 'int("3")')),
    Case("sqrt-argument", """
        fun main() { print(sqrt(2)); }
        """, "1:25", "expected F64, found S64 (argument 1 of 'sqrt')", ("sqrt(2)", "sqrt(2.0)")),
    Case("float-argument", """
        fun main() { print(float(2.0)); }
        """, "1:26", "expected S64, found F64 (argument 1 of 'float')", ("2.0", "2")),
    Case("trunc-argument", """
        fun main() { print(trunc(2)); }
        """, "1:26", "expected F64, found S64 (argument 1 of 'trunc')", ("trunc(2)", "trunc(2.5)")),
    Case("u8-argument", """
        fun main() { print(u8(2u8)); }
        """, "1:23", "expected S64, found U8 (argument 1 of 'u8')", ("2u8", "2")),
    Case("s64-argument", """
        fun main() { print(s64(2)); }
        """, "1:24", "expected U8, found S64 (argument 1 of 's64')", ("s64(2)", "s64(2u8)")),
    Case("substr-bounds", """
        fun main() { print(substr("abc", 1u8, 2)); }
        """, "1:34", "expected S64, found U8 (argument 2 of 'substr')", ("1u8", "1")),
    Case("substr-arity", """
        fun main() { print(substr("abc", 1)); }
        """, "1:20", "'substr' takes 3 arguments, found 2", ('1)', '1, 2)')),
    Case("chr-argument", """
        fun main() { print(chr(65)); }
        """, "1:24", "expected U8, found S64 (argument 1 of 'chr')", ("chr(65)", "chr(65u8)")),
    Case("builtin-arity", """
        fun f(xs: mut Array S64) { push(xs); }
        """, "1:28", "'push' takes 2 arguments, found 1", ("push(xs)", "push(xs, 1)")),
    Case("unknown-function", """
        fun main() { frobnicate(1); }
        """, "1:14", "unknown function 'frobnicate'", ("frobnicate(1)", "print(1)")),
    Case("function-arity", """
        fun add(a: S64, b: S64): S64 { return a + b; }
        fun main() { print(add(1)); }
        """, "2:20", "'add' takes 2 arguments, found 1", ("add(1)", "add(1, 2)")),
    Case("argument-type", """
        fun add(a: S64, b: S64): S64 { return a + b; }
        fun main() { print(1.add("2")); }
        """, "2:26", "type mismatch: expected S64, found String (argument 2 of 'add')", ('"2"', "2")),
    Case("function-as-value", """
        fun f() {}
        fun main() { let g = f; }
        """, "2:22", "'f' is a function, not a value", ("= f;", "= f();")),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rejected(case: Case):
    diags = diagnostics_of(case.source)
    shown = [f"{d.span}: {d.message}" for d in diags]
    assert len(diags) == 1, shown
    assert str(diags[0].span) == case.at, shown
    assert case.message in diags[0].message, shown


@pytest.mark.parametrize("case", [c for c in CASES if c.fix], ids=lambda c: c.id)
def test_fixed_variant_accepted(case: Case):
    check_text(case.fixed())


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------
# Tricky programs that must be accepted


ACCEPTED = {
    "weakening-everywhere": """
        data Bag = { items: Array S64 }
        fun total(xs: Array S64): S64 { return len(xs); }
        fun scale(xs: Array{rw} S64) { xs[0] = 1; }
        fun main() {
            let xs = [1, 2];
            print(total(xs));
            scale(xs);
            let ro: Array S64 = xs;
            let b = Bag { items = xs };
            let m: mut Map String S64 = map();
            let view: Map String S64 = m;
            print(total(ro), len(b.items), len(view));
        }
        """,
    "viewpoint-adaptation": """
        fun rows(r: Array (mut Array S64)): S64 {
            let first: Array S64 = r[0];
            var n = 0;
            for row in r { n = n + len(row); }
            return n + len(first);
        }
        fun main() {
            let grid: mut Array (mut Array S64) = [];
            push(grid, [1, 2]);
            push(grid[0], 3);
            let row = grid[0];
            push(row, 4);
            print(rows(grid));
        }
        """,
    "read-only-views-are-covariant": """
        data Box = { rows: Array (Array S64) }
        fun total(g: Array (Array S64)): S64 { return len(g); }
        fun count(m: Map String (Array (Array S64))): S64 { return len(m); }
        fun deep(g: Array (Array (Array S64))): S64 { return len(g); }
        fun main() {
            let g: mut Array (mut Array S64) = [[1]];
            let m: mut Map String (mut Array (mut Array S64)) = map();
            let d: mut Array (Array (mut Array S64)) = [];
            let ro: Array (Array S64) = g;
            let b = Box { rows = g };
            let kept: mut Array (Array (Array S64)) = [];
            push(kept, g);
            print(total(g), count(m), deep(d), len(ro), len(b.rows), len(kept));
        }
        """,
    "rw-pop-gives-rw-element": """
        fun f(xs: Array{rw} (mut Array S64)) {
            let e = pop(xs);
            e[0] = 1;
        }
        """,
    "mut-values-in-maps-and-options": """
        fun main() {
            let m: mut Map String (mut Array S64) = map();
            insert(m, "a", []);
            match get(m, "a") {
                Some(xs) => { push(xs, 1); }
                None => {}
            }
        }
        """,
    "shadowing": """
        fun f(n: S64): S64 {
            var n = n;
            n = n + 1;
            let x = 1;
            if true { let x = "inner"; print(x); }
            for x in [true] { let x = 2.5; print(x); }
            match Some(x) { Some(x) => { let x = "arm"; print(x); } None => {} }
            return n + x;
        }
        """,
    "nested-patterns": """
        data Tree = Leaf | Node(Tree, S64, Tree)
        data Shape = Circle { r: F64 } | Rect { w: F64, h: F64 }
        fun f(t: Tree, o: Option (Option Bool), s: Shape): S64 {
            match t {
                Node(Leaf, 0, Leaf) => { return 0; }
                Node(Node(_, v, _), _, Leaf) => { return v; }
                Node(_, _, _) => { return 1; }
                Leaf => {}
            }
            match o {
                Some(Some(true)) => {}
                Some(Some(false)) => {}
                Some(None) => {}
                None => {}
            }
            match s {
                Rect { w = _, h = x } => { print(x); }
                Rect { h } => {}
                Circle { r } => {}
            }
            match "x" { "a" => {} _ => {} }
            return 2;
        }
        """,
    "inference-from-later-use": """
        data List a = Nil | Cons(a, List a)
        fun length(l: List a): S64 {
            match l { Nil => { return 0; } Cons(_, t) => { return 1 + length(t); } }
        }
        fun main() {
            let e = [];
            push(e, 1);
            var o = None;
            o = Some("s");
            let sq = map();
            insert(sq, 1, 2);
            let w = [];
            let first = w[0];
            push(w, "s");
            print(first ++ "!");
            var l = Nil;
            l = Cons(1.5, l);
            print(length(l), length(Cons(true, Nil)));
            let p = pop(e);
            print(p + 1);
        }
        """,
    "expected-types-flow-into-arguments": """
        data List a = Nil | Cons(a, List a)
        fun sum(xs: Array (Array S64), l: List S64, o: Option (Option S64)): S64 { return 0; }
        fun empty(): List a { return Nil; }
        fun main() {
            print(sum([[1], []], Nil, Some(None)));
            let l: List String = empty();
            let rows: Array (Array S64) = array(3, []);
            let q = if true then [] else [1];
        }
        """,
    "generic-bodies": """
        data Pair a b = { fst: a, snd: b }
        fun swap(p: Pair a b): Pair b a { return Pair { fst = p.snd, snd = p.fst }; }
        fun first(xs: Array a): a { return xs[0]; }
        fun append(xs: mut Array a, x: a) { push(xs, x); }
        fun keep(x: a): a { let y: a = x; return y; }
        fun main() {
            let xs = [1];
            append(xs, first(xs));
            print(swap(Pair { fst = 1, snd = "a" }).fst, keep(2));
        }
        """,
    "definite-return": """
        data C = R | G
        fun a(n: S64): S64 { while true { if n > 0 { return n; } } }
        fun b(c: C): S64 { match c { R => { return 1; } G => { return 2; } } }
        fun c(n: S64): S64 { if n > 0 { return 1; } else { return 2; } }
        fun d(n: S64): S64 {
            while true {
                for i in 0..n { if i > 2 { break; } }
                return n;
            }
        }
        fun e(n: S64): S64 { return n; print(1); }
        """,
    "expression-statements-of-any-type": """
        fun f(): S64 { return 1; }
        fun main() { f(); 1 + 2; [1]; "s"; }
        """,
    "main-with-args": """
        fun main(args: Array String) { print(len(args)); }
        """,
    "s64-minimum-literal": """
        fun main() {
            let m = -9223372036854775808;
            match m { -9223372036854775808 => {} _ => {} }
        }
        """,
    "generic-key-maps-keys-are-rwa": """
        fun f(m: Map String S64) {
            let ks = keys(m);
            push(ks, "more");
            for k in m { print(k); }
        }
        """,
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted(name: str):
    check_text(ACCEPTED[name])


# --------------------------------------------------------------------------
# What the checker writes on the AST


def _types_of(prog: ast.Program, fun: str) -> dict[str, types.Type]:
    """`let` name -> the type of its value, in function `fun`."""
    decl = next(f for f in prog.funs if f.name == fun)
    return {n.name: n.value.ty for n in walk(decl.body) if isinstance(n, ast.Let)}


@pytest.mark.parametrize("path", [c for c in _conformance_cases() if not c.values[0].with_suffix(".err").exists()])
def test_every_expression_gets_a_resolved_type(path: Path):
    prog = check(parse(Source.read(str(path))))
    for fun in prog.funs:
        generic = any(isinstance(n, ast.TypeVarRef) for n in walk(fun))
        for node in walk(fun.body):
            if isinstance(node, ast.EXPR_TYPES):
                assert isinstance(node.ty, types.Type), (path.name, node)
                assert generic or types.is_ground(node.ty), (path.name, node)
            if isinstance(node, ast.Call):
                assert node.builtin == (node.func in {"print", "len", "push", "pop", "array", "map",
                                                      "insert", "get", "contains", "remove", "keys",
                                                      "str", "int", "sqrt", "float", "trunc", "u8", "s64",
                                                      "substr", "chr"})
                assert all(generic or types.is_ground(t) for t in node.type_args.values())


def test_inferred_types_and_viewpoints():
    prog = check_text("""
        fun f(r: Array (mut Array S64), m: Map{rw} String (mut Array S64)) {
            let row = r[0];
            let got = get(m, "k");
            let sq = map();
            insert(sq, 1, "one");
            let xs = [];
            push(xs, [1.5]);
            let ks = keys(sq);
        }
        """)
    t = _types_of(prog, "f")
    assert t["row"] == types.ArrayType(types.S64, "r")
    assert t["got"] == types.DataType("Option", (types.ArrayType(types.S64, "rw"),))
    assert t["sq"] == types.MapType(types.S64, types.STRING, "rwa")
    assert t["xs"] == types.ArrayType(types.ArrayType(types.F64, "rwa"), "rwa")
    assert t["ks"] == types.ArrayType(types.S64, "rwa")


def test_type_args_of_generic_calls():
    prog = check_text("""
        data List a = Nil | Cons(a, List a)
        fun length(l: List a): S64 { return 0; }
        fun pair(x: a, y: b): S64 { return length(Cons(x, Nil)); }
        fun main() {
            print(length(Cons("s", Nil)), pair(1, [true]));
        }
        """)
    calls = {}
    for fun in prog.funs:
        for node in walk(fun.body):
            if isinstance(node, ast.Call) and not node.builtin:
                calls[(fun.name, node.func)] = node.type_args
    assert calls[("main", "length")] == {"a": types.STRING}
    assert calls[("main", "pair")] == {"a": types.S64, "b": types.ArrayType(types.BOOL, "rwa")}
    # Inside a generic function, type arguments mention its own variables.
    assert calls[("pair", "length")] == {"a": types.TypeVar("a")}


# --------------------------------------------------------------------------
# Robustness


def test_independent_errors_are_all_reported():
    diags = diagnostics_of("""
        data Bag = { items: mut Array S64 }
        fun f(xs: Array S64): S64 {
            push(xs, 1);
            let y = nothing + 1;
            print(y);
            return true;
        }
        fun g(c: Option S64) {
            match c { None => {} }
            print(1 + "a");
        }
        """)
    expected = [
        ("1:21", "fields of data types may only declare read-only containers"),
        ("3:5", "cannot push to 'xs'"),
        ("4:13", "unknown variable 'nothing'"),
        ("6:12", "type mismatch: expected S64, found Bool"),
        ("9:5", "match is not exhaustive: missing 'Some(_)'"),
        ("10:15", "operator '+' needs S64, U8 or F64 operands, found String"),
    ]
    assert len(diags) == len(expected), [f"{d.span}: {d.message}" for d in diags]
    for d, (at, fragment) in zip(diags, expected):
        assert str(d.span) == at and d.message.startswith(fragment), f"{d.span}: {d.message}"


def test_deep_nesting_does_not_reach_python_limits():
    # Built by hand: the point is the checker's depth, not the parser's.
    n = 20_000
    sum_: ast.Expr = ast.IntLit(1)
    nested: ast.Expr = ast.Var("x")
    for _ in range(n):
        sum_ = ast.Binary("+", ast.IntLit(1), ast.Unary("-", sum_))
        nested = ast.ArrayLit((nested,))
    body = ast.Block((ast.ExprStmt(ast.Call("print", (ast.Var("x"),))),))
    for _ in range(n):
        body = ast.Block((ast.If(ast.Binary(">", ast.Var("x"), ast.IntLit(0)), body),))
    main = ast.FunDecl("main", (), None, ast.Block((
        ast.Let("x", None, sum_),
        ast.Let("y", None, nested),
        *body.stmts,
    )))
    check(ast.Program((main,)))
    assert main.body.stmts[0].value.ty == types.S64
    depth, t = 0, main.body.stmts[1].value.ty
    while isinstance(t, types.ArrayType):
        depth, t = depth + 1, t.elem
    assert depth == n and t == types.S64


# --------------------------------------------------------------------------
# Operators: accepted exactly on the types of the table (property test)


OPERAND_LITERALS = {"S64": "1", "U8": "1u8", "F64": "1.0", "Bool": "true", "String": '"s"', "Unit": "()"}


@given(op=st.sampled_from(sorted(OPERATORS)), left=st.sampled_from(sorted(OPERAND_LITERALS)),
       right=st.sampled_from(sorted(OPERAND_LITERALS)))
def test_binary_operators_follow_the_table(op: str, left: str, right: str):
    allowed, _ = OPERATORS[op]
    text = f"fun main() {{ let v = {OPERAND_LITERALS[left]} {op} {OPERAND_LITERALS[right]}; }}"
    ok = left == right and types.PRIMS[left] in allowed
    try:
        check(parse(Source("op.hi", text)))
        accepted = True
    except CompileError:
        accepted = False
    assert accepted == ok, text
