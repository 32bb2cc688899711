"""What a program contains, as feature names: for the test that the
generator covers the language, and for docs/testing.md's coverage list."""

from __future__ import annotations

import dataclasses
from typing import Iterator

from hilang import ast

BUILTINS = ("print", "len", "push", "pop", "array", "map", "insert", "get", "contains", "remove",
            "keys", "str", "int", "sqrt", "float", "trunc", "u8", "s64")

# Every feature the generator must make in a sample of a few hundred programs.
FEATURES = (
    "data type", "generic data type", "recursive data type", "record", "named-field variant",
    "positional fields", "record literal", "record copy (with)", "field access",
    "generic function", "recursive function", "main(args)",
    "mut parameter", "{rw} parameter", "read-only container parameter", "nested container type",
    "let without annotation", "var", "assignment", "element write", "alias",
    "if", "else if", "if expression", "while", "for range", "for each", "break", "continue",
    "early return", "match", "nested pattern", "literal pattern", "named-field pattern",
    "shorthand field pattern", "wildcard", "catch-all variable",
    "array literal", "empty array literal", "indexing", "string indexing", "method-call syntax",
    "division", "string concatenation", "comparison", "logic", "negation",
    "U8 literal", "F64 literal", "Unit value", "string escape", "non-ASCII string", "None", "Some",
    "division by a computed value", "unguarded pop",
    *(f"{name}()" for name in BUILTINS),
)


def census(program: ast.Program) -> set[str]:
    seen: set[str] = set()
    for decl in program.decls:
        if isinstance(decl, ast.DataDecl):
            seen |= _data(decl)
        else:
            seen |= _function(decl)
    pops = guarded = 0
    for node in _nodes(program):
        seen |= _node(node)
        pops += isinstance(node, ast.Call) and node.func == "pop"
        guarded += _guards_a_pop(node)
    if pops > guarded:
        seen.add("unguarded pop")
    return seen


def _guards_a_pop(node) -> bool:
    """`if len(xs) > 0 then pop(xs) else ...` or `if len(xs) > 0 { pop(xs); }`."""
    match node:
        case ast.IfExpr(then=ast.Call(func="pop")):
            return True
        case ast.If(then=ast.Block(stmts=(ast.ExprStmt(expr=ast.Call(func="pop")),))):
            return True
    return False


def _data(decl: ast.DataDecl) -> set[str]:
    seen = {"data type"}
    if decl.params:
        seen.add("generic data type")
    if decl.record:
        seen.add("record")
    for ctor in decl.ctors:
        if ctor.named and not decl.record:
            seen.add("named-field variant")
        if ctor.fields and not ctor.named:
            seen.add("positional fields")
        if any(decl.name in _type_names(f.type) for f in ctor.fields):
            seen.add("recursive data type")
    return seen


def _function(decl: ast.FunDecl) -> set[str]:
    seen = set()
    if decl.name == "main" and decl.params:
        seen.add("main(args)")
    if decl.name.startswith("walk"):
        seen.add("recursive function")
    for p in decl.params:
        if any(isinstance(n, ast.TypeVarRef) for n in _types(p.type)):
            seen.add("generic function")
        for t in _types(p.type):
            if isinstance(t, ast.TypeName) and t.name in ("Array", "Map"):
                seen.add({"rwa": "mut parameter", "rw": "{rw} parameter"}.get(t.caps, "read-only container parameter"))
    return seen


def _node(node) -> set[str]:
    match node:
        case ast.Let(type=None, value=ast.Var()):
            return {"alias", "let without annotation"}
        case ast.Let(type=te, mutable=mutable):
            seen = {"var"} if mutable else set()
            if te is None:
                seen.add("let without annotation")
            elif sum(isinstance(t, ast.TypeName) and t.name in ("Array", "Map") for t in _types(te)) > 1:
                seen.add("nested container type")
            return seen
        case ast.Assign():
            return {"assignment"}
        case ast.IndexAssign():
            return {"element write"}
        case ast.If(els=ast.If()):
            return {"if", "else if"}
        case ast.If(then=ast.Block(stmts=(ast.Return(),))):
            return {"if", "early return"}
        case ast.If():
            return {"if"}
        case ast.IfExpr():
            return {"if expression"}
        case ast.While():
            return {"while"}
        case ast.ForRange():
            return {"for range"}
        case ast.ForEach():
            return {"for each"}
        case ast.Break():
            return {"break"}
        case ast.Continue():
            return {"continue"}
        case ast.Match():
            return {"match"}
        case ast.Arm(pattern=ast.PVar()):
            return {"catch-all variable"}
        case ast.PCtor(args=args) if any(isinstance(a, (ast.PCtor, ast.PRecord)) for a in args):
            return {"nested pattern"}
        case ast.PRecord(shorthand=shorthand):
            return {"named-field pattern"} | ({"shorthand field pattern"} if any(shorthand) else set())
        case ast.PInt() | ast.PString() | ast.PBool():
            return {"literal pattern"}
        case ast.PWild():
            return {"wildcard"}
        case ast.Call(func=func, args=args, ufcs=ufcs):
            seen = {f"{func}()"} if func in BUILTINS else set()
            if ufcs and args:
                seen.add("method-call syntax")
            return seen
        case ast.Construct(ctor="None"):
            return {"None"}
        case ast.Construct(ctor="Some"):
            return {"Some"}
        case ast.RecordLit(base=base):
            return {"record copy (with)"} if base is not None else {"record literal"}
        case ast.FieldGet():
            return {"field access"}
        case ast.Index(target=ast.StringLit()) | ast.Index(target=ast.Binary(op="++")):
            return {"indexing", "string indexing"}
        case ast.Index():
            return {"indexing"}
        case ast.ArrayLit(elems=()):
            return {"array literal", "empty array literal"}
        case ast.ArrayLit():
            return {"array literal"}
        case ast.Binary(op="/" | "%", right=right):
            literal = isinstance(right, ast.IntLit) or (isinstance(right, ast.Unary) and isinstance(right.operand, ast.IntLit))
            return {"division"} | (set() if literal else {"division by a computed value"})
        case ast.Binary(op="++"):
            return {"string concatenation"}
        case ast.Binary(op="&&" | "||"):
            return {"logic"}
        case ast.Binary(op="==" | "!=" | "<" | "<=" | ">" | ">="):
            return {"comparison"}
        case ast.Unary():
            return {"negation"}
        case ast.IntLit(u8=True):
            return {"U8 literal"}
        case ast.FloatLit():
            return {"F64 literal"}
        case ast.UnitLit():
            return {"Unit value"}
        case ast.StringLit(value=value):
            return ({"string escape"} if any(c in value for c in '\n\t"\\') else set()) | (
                {"non-ASCII string"} if not value.isascii() else set())
    return set()



def _nodes(node) -> Iterator:
    """Every AST node under `node` (statements, expressions, patterns)."""
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)
        return
    if not dataclasses.is_dataclass(node):
        return
    for f in dataclasses.fields(node):
        if f.compare:
            yield from _nodes(getattr(node, f.name))


def _types(te) -> Iterator:
    yield te
    if isinstance(te, ast.TypeName):
        for a in te.args:
            yield from _types(a)


def _type_names(te) -> set[str]:
    return {t.name for t in _types(te) if isinstance(t, ast.TypeName)}
