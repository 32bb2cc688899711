"""The shapes of issue 17 a program contains, found in its syntax (not
in the generator's bookkeeping), so that the census also holds for any
program, hand-written or reduced: how often each appears is what
`test_differential`'s census tests and docs/testing.md report.

A *structure value* here is what an expression allocates by its form:
a constructor, a record, an array literal, a string operation, or a call
of one of the program's functions that returns a data type or container.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from hilang import ast

from .census import BUILTINS

SHAPES = (
    "calls itself in a constructor argument",
    "recursion into a matched subterm",
    "path copying",
    "x = f(x, ...)",
    "x = f(x, ...) in a loop",
    "accumulating window",
    "replaced map values",
    "growing string",
    "scratch with a survivor",
    "generations",
    "stored twice",
    "shared subtrees",
    "Array (Array T)",
    "Map K (Array T)",
    "map of maps",
    "array of records holding arrays",
    "break or continue leaving a structure",
    "return from a loop holding a structure",
    "return from recursion building a structure",
    "mutual recursion passing structures",
)
LOOPS = (ast.While, ast.ForRange, ast.ForEach)


def census_shapes(program: ast.Program) -> set[str]:
    funs = {f.name: f for f in program.funs}
    datas = {d.name: d for d in program.datas}
    seen: set[str] = set()
    for f in program.funs:
        seen |= _function(f, funs)
    for node, loops in _nodes_in_loops(program):
        seen |= _statement(node, loops, funs)
        if isinstance(node, (ast.Let, ast.Param)) and node.type is not None:
            seen |= _nesting(node.type, datas)
        if isinstance(node, (ast.Construct, ast.ArrayLit)):
            shared = [a.name for a in _args(node) if isinstance(a, ast.Var)]
            if len(shared) != len(set(shared)):
                seen.add("shared subtrees" if isinstance(node, ast.Construct) else "stored twice")
    seen |= _stored_twice(program)
    seen |= _mutual(funs)
    return seen


# --------------------------------------------------------------------------
# per function


def _function(f: ast.FunDecl, funs: dict) -> set[str]:
    seen = set()
    bound_by_patterns: set[str] = set()
    for node in _nodes(f.body):
        if isinstance(node, ast.Arm):
            bound_by_patterns |= _pattern_vars(node.pattern)
    for node in _nodes(f.body):
        if isinstance(node, (ast.Construct, ast.RecordLit)):
            args = _args(node)
            mine = [a for a in args if _calls(a, f.name)]
            if mine:
                seen.add("calls itself in a constructor argument")
                sharing = [a for a in args if isinstance(a, ast.Var) and a.name in bound_by_patterns]
                into = [a for a in mine if any(isinstance(b, ast.Var) and b.name in bound_by_patterns for b in a.args)]
                if sharing and into:
                    seen.add("path copying")
        if _calls(node, f.name) and any(isinstance(a, ast.Var) and a.name in bound_by_patterns for a in node.args):
            seen.add("recursion into a matched subterm")
    seen |= _early_return_of_part(f)
    return seen


def _early_return_of_part(f: ast.FunDecl) -> set[str]:
    """`let l = f(...); ... return l;` in a function that also builds from
    its own calls: a structure under construction left early."""
    parts = {n.name for n in _nodes(f.body) if isinstance(n, ast.Let) and _calls(n.value, f.name)}
    builds = any(isinstance(n, (ast.Construct, ast.RecordLit)) and any(_calls(a, f.name) or
                 (isinstance(a, ast.Var) and a.name in parts) for a in _args(n)) for n in _nodes(f.body))
    for n in _nodes(f.body):
        if builds and isinstance(n, ast.Return) and isinstance(n.value, ast.Var) and n.value.name in parts:
            return {"return from recursion building a structure"}
    return set()


def _mutual(funs: dict) -> set[str]:
    callees = {name: {n.func for n in _nodes(f.body) if isinstance(n, ast.Call) and n.func in funs}
               for name, f in funs.items()}
    for name, f in funs.items():
        passes = any(isinstance(p.type, ast.TypeName) and p.type.name[0].isupper() and p.type.name not in
                     ("S64", "U8", "F64", "Bool", "Unit") for p in f.params)
        if passes and any(name in callees.get(g, ()) and g != name for g in callees[name]):
            return {"mutual recursion passing structures"}
    return set()


# --------------------------------------------------------------------------
# statements, in the loops around them


def _statement(node, loops: tuple, funs: dict) -> set[str]:
    seen: set[str] = set()
    match node:
        case ast.Assign(name=name, value=ast.Call(func=func, args=args)) if func in funs and _has_var(args, name):
            seen.add("x = f(x, ...)")
            if loops:
                seen.add("x = f(x, ...) in a loop")
                if len(args) == 1 and _builds_anew(funs[func]):
                    seen.add("generations")
                if _keeps_a_window(funs[func]):
                    seen.add("accumulating window")
        case ast.Assign(name=name, value=ast.Construct() | ast.RecordLit() as value) if loops:
            if any(isinstance(a, ast.Call) and a.func in funs and _has_var(a.args, name) for a in _args(value)):
                seen.add("accumulating window")
        case ast.Assign(name=name, value=ast.Binary(op="++", left=ast.Var(name=left))) if loops and left == name:
            seen.add("growing string")
        case ast.Call(func="insert", args=(_, key, value)) if loops and _mentions_op(key, "%") and _allocates(value, funs):
            seen.add("replaced map values")
    if loops and isinstance(node, (ast.Break, ast.Continue)) and _holds_structure(loops[-1], funs):
        seen.add("break or continue leaving a structure")
    if loops and isinstance(node, ast.Return) and any(_holds_structure(loop, funs) for loop in loops):
        seen.add("return from a loop holding a structure")
    if isinstance(node, LOOPS) and _scratch_survivor(node):
        seen.add("scratch with a survivor")
    return seen


def _holds_structure(loop, funs: dict) -> bool:
    return any(isinstance(s, ast.Let) and _allocates(s.value, funs) for s in loop.body.stmts)


def _scratch_survivor(loop) -> bool:
    """A loop body that fills a container of its own, then pushes one of
    its elements into a container made outside the loop."""
    made_here = {s.name for s in loop.body.stmts if isinstance(s, ast.Let) and _is_new_container(s.value)}
    for n in _nodes(loop.body):
        if (isinstance(n, ast.Call) and n.func == "push" and isinstance(n.args[0], ast.Var)
                and n.args[0].name not in made_here and isinstance(n.args[1], ast.Index)
                and isinstance(n.args[1].target, ast.Var) and n.args[1].target.name in made_here):
            return True
    return False


def _builds_anew(f: ast.FunDecl) -> bool:
    """A function that makes its result afresh: a container it fills, or
    a structure from its own recursive calls."""
    return any((isinstance(n, ast.Let) and _is_new_container(n.value)) or
               (isinstance(n, (ast.Construct, ast.RecordLit)) and any(_calls(a, f.name) for a in _args(n)))
               for n in _nodes(f.body))


def _keeps_a_window(f: ast.FunDecl) -> bool:
    """An array copied from `len(old) - k` on: the last elements kept."""
    for n in _nodes(f.body):
        if isinstance(n, ast.ForRange) and any(isinstance(m, ast.Binary) and m.op == "-" and
                                               isinstance(m.left, ast.Call) and m.left.func == "len"
                                               for m in _nodes(n.lo)):
            return True
    return False


def _stored_twice(program: ast.Program) -> set[str]:
    """One variable pushed or inserted into two containers."""
    for f in program.funs:
        targets: dict[str, set[str]] = {}
        for n in _nodes(f.body):
            if isinstance(n, ast.Call) and n.func in ("push", "insert") and n.args and isinstance(n.args[0], ast.Var):
                value = n.args[-1]
                if isinstance(value, ast.Var):
                    targets.setdefault(value.name, set()).add(n.args[0].name)
        if any(len(t) > 1 for t in targets.values()):
            return {"stored twice"}
    return set()


def _nesting(te: ast.TypeExpr, datas: dict) -> set[str]:
    seen = set()
    for t in _types(te):
        if not (isinstance(t, ast.TypeName) and t.name in ("Array", "Map") and t.args):
            continue
        inner = t.args[-1]
        if not isinstance(inner, ast.TypeName):
            continue
        heap = lambda u: isinstance(u, ast.TypeName) and (u.name == "String" or u.name in datas)  # noqa: E731
        if inner.name == "Array" and inner.args and heap(inner.args[0]):
            seen.add("Array (Array T)" if t.name == "Array" else "Map K (Array T)")
        if t.name == "Map" and inner.name == "Map":
            seen.add("map of maps")
        if t.name == "Array" and inner.name in datas and _has_array_field(datas[inner.name]):
            seen.add("array of records holding arrays")
    return seen


def _has_array_field(decl: ast.DataDecl) -> bool:
    return any(isinstance(f.type, ast.TypeName) and f.type.name == "Array" for c in decl.ctors for f in c.fields)


# --------------------------------------------------------------------------
# helpers


def _allocates(e, funs: dict) -> bool:
    match e:
        case ast.Construct() | ast.RecordLit() | ast.ArrayLit() | ast.StringLit():
            return True
        case ast.Binary(op="++"):
            return True
        case ast.Call(func=func):
            return func in ("str", "array", "map", "keys") or (func in funs and funs[func].ret is not None
                                                               and _is_heap_type(funs[func].ret))
    return False


def _is_heap_type(te) -> bool:
    return isinstance(te, ast.TypeName) and te.name not in ("S64", "U8", "F64", "Bool", "Unit")


def _is_new_container(e) -> bool:
    return isinstance(e, ast.ArrayLit) or (isinstance(e, ast.Call) and e.func in ("array", "map", "keys"))


def _calls(e, name: str) -> bool:
    return isinstance(e, ast.Call) and e.func == name and name not in BUILTINS


def _has_var(args, name: str) -> bool:
    return any(isinstance(a, ast.Var) and a.name == name for a in args)


def _mentions_op(e, op: str) -> bool:
    return any(isinstance(n, ast.Binary) and n.op == op for n in _nodes(e))


def _args(node) -> list:
    if isinstance(node, ast.RecordLit):
        return [value for _, value in node.fields]
    return list(node.args) if isinstance(node, ast.Construct) else list(node.elems)


def _pattern_vars(pattern) -> set[str]:
    return {n.name for n in _nodes(pattern) if isinstance(n, ast.PVar)}


def _nodes(node) -> Iterator:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, tuple):
            stack.extend(reversed(current))
            continue
        if not dataclasses.is_dataclass(current):
            continue
        yield current
        stack.extend(reversed([getattr(current, f.name) for f in dataclasses.fields(current) if f.compare]))


def _nodes_in_loops(program: ast.Program) -> Iterator[tuple[object, tuple]]:
    """Every node, with the loops around it within its function."""
    stack: list[tuple[object, tuple]] = [(f, ()) for f in reversed(program.funs)]
    while stack:
        current, loops = stack.pop()
        if isinstance(current, tuple):
            stack.extend((item, loops) for item in reversed(current))
            continue
        if not dataclasses.is_dataclass(current):
            continue
        yield current, loops
        inner = loops + (current,) if isinstance(current, LOOPS) else loops
        stack.extend(reversed([(getattr(current, f.name), inner) for f in dataclasses.fields(current) if f.compare]))


def _types(te) -> Iterator:
    yield te
    if isinstance(te, ast.TypeName):
        for a in te.args:
            yield from _types(a)
