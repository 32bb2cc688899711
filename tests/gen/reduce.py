"""Reduce a program that makes the differential test fail, by hand-off to
a greedy search: delete a declaration, a statement or an arm; drop an
`else`; replace an `if` expression by a branch, a binary operation by an
operand, a primitive-typed expression by a literal. Keep each change that
leaves the program well typed and still failing with the same message;
stop when no change does.

    cd tests && python -m gen.reduce FILE.hi 'text of the failure'

writes FILE.min.hi and prints it. Hypothesis shrinks the failures it finds
itself; this is for programs found otherwise (`gen.from_seed(seed)` runs, the
thorough profile's databases, bug reports).
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from diagnostics import CompileError, Source
from hilang import ast
from hilang.checker import check
from hilang.parser import parse
from hilang.printer import print_program
from hilang.types import BOOL, F64, S64, STRING, U8

LITERALS = {S64: ast.IntLit(0), U8: ast.IntLit(0, u8=True), F64: ast.FloatLit(0.0),
            BOOL: ast.BoolLit(False), STRING: ast.StringLit("")}
DELETABLE = (ast.DataDecl, ast.FunDecl, ast.Arm, *ast.STMT_TYPES)


def reduce(program: ast.Program, still_fails: Callable[[str], bool]) -> ast.Program:
    current = print_program(program)
    progress = True
    while progress:
        progress = False
        for change in _changes(program):
            try:
                candidate = change()
                text = print_program(candidate)
            except (TypeError, ValueError):
                continue
            if text != current and _well_typed(text) and still_fails(text):
                program, current, progress = candidate, text, True
                break
    return program


def _well_typed(text: str) -> bool:
    try:
        check(parse(Source("reduced.hi", text)))
    except CompileError:
        return False
    return True


def _changes(program: ast.Program) -> Iterator[Callable[[], ast.Program]]:
    typed = check(parse(Source("reduced.hi", print_program(program))))
    for node, path in _walk(program):
        if path and isinstance(path[-1], int) and isinstance(node, DELETABLE):
            yield lambda p=path: _delete(program, p)
        match node:
            case ast.If(els=els) if els is not None:
                yield lambda p=path, n=node: _put(program, p, ast.If(n.cond, n.then))
            case ast.IfExpr():
                yield lambda p=path, n=node: _put(program, p, n.then)
                yield lambda p=path, n=node: _put(program, p, n.els)
            case ast.Binary():
                yield lambda p=path, n=node: _put(program, p, n.left)
                yield lambda p=path, n=node: _put(program, p, n.right)
        if isinstance(node, ast.EXPR_TYPES) and type(node) not in (ast.IntLit, ast.FloatLit, ast.BoolLit, ast.StringLit):
            ty = getattr(_get(typed, path), "ty", None)
            if ty in LITERALS:
                yield lambda p=path, t=ty: _put(program, p, LITERALS[t])


def _walk(node, path=()) -> Iterator[tuple[object, tuple]]:
    yield node, path
    if isinstance(node, tuple):
        for i, item in enumerate(node):
            yield from _walk(item, path + (i,))
    elif dataclasses.is_dataclass(node):
        for f in dataclasses.fields(node):
            if f.compare:
                yield from _walk(getattr(node, f.name), path + (f.name,))


def _get(node, path):
    for step in path:
        node = node[step] if isinstance(step, int) else getattr(node, step)
    return node


def _put(node, path, value):
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        return node[:step] + (_put(node[step], rest, value),) + node[step + 1:]
    return dataclasses.replace(node, **{step: _put(getattr(node, step), rest, value)})


def _delete(node, path):
    items = _get(node, path[:-1])
    return _put(node, path[:-1], items[: path[-1]] + items[path[-1] + 1:])


def main(argv: list[str]) -> int:
    from test_differential import assert_agreement, run_everywhere

    source, needle = Path(argv[0]), argv[1]

    def still_fails(text: str) -> bool:
        path = Path(tempfile.mkdtemp()) / "reduced.hi"
        path.write_text(text)
        try:
            assert_agreement(run_everywhere(path))
        except Exception as failure:  # any failure of the property, compiler bugs included
            return needle in f"{type(failure).__name__}: {failure}"
        return False

    program = parse(Source(str(source), source.read_text()))
    if not still_fails(print_program(program)):
        print(f"{source} does not fail with {needle!r}", file=sys.stderr)
        return 1
    text = print_program(reduce(program, still_fails))
    source.with_suffix(".min.hi").write_text(text)
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
