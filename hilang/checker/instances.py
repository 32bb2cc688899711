"""What the checker says about a copy of a generic function (`mono`'s
output, checked again by the `mono` stage).

A generic body is checked once with its type variables rigid, but viewpoint
adaptation cannot be written on a type variable: `fun lastOf(xs: Array a): a
{ return xs[len(xs) - 1]; }` is fine for every `a`, yet its copy for
`a = mut Array S64` would return a mutable alias of an element it may only
read. Such a copy is rejected when it is checked, and the user never wrote
the copy. So, for a function with `FunDecl.instance` set:

* it is named as the user wrote it (`lastOf`, never `lastOf__Array_rwa_S64`);
* a declaration's fix is spelled from the generic declaration, type
  variables and all (`write 'mut Array a'`), never from the copy's types,
  which cannot be written in a generic signature; a `let` the user wrote
  without an annotation keeps its value's origin, as in the generic body;
* every diagnostic in the copy gets a note saying which types it was made
  for and which call made it (and, for a copy made from another copy, the
  calls that led there).
"""

from __future__ import annotations

import dataclasses

from diagnostics import Span
from hilang import ast
from hilang.checker.capabilities import spell
from hilang.checker.context import Reporter
from hilang.checker.env import ProgramEnv, TypeVars, resolve_type
from hilang.summary import walk
from hilang.types import Type

# The instance's `Let`s by position, per generic function (a copy keeps the
# spans of what it copies). Keyed by the generic's id; the entry keeps it alive.
_LETS: dict[int, tuple[ast.FunDecl, dict[tuple[int, int], ast.Let]]] = {}


def shown_name(decl: ast.FunDecl) -> str:
    """The function's name as the user wrote it."""
    return decl.instance.generic.name if decl.instance is not None else decl.name


def written_param_type(env: ProgramEnv, decl: ast.FunDecl, index: int) -> Type | None:
    """The type parameter `index` of the generic function is declared with,
    its type variables kept (None when `decl` is not a copy)."""
    if decl.instance is None:
        return None
    return _resolve(env, decl.instance.generic.params[index].type)


def written_let(decl: ast.FunDecl, span: Span) -> tuple[bool, ast.TypeExpr | None]:
    """For a `let` of a copy: (True, the annotation the user wrote there, or
    None if none). (False, None) when `decl` is not a copy."""
    if decl.instance is None:
        return False, None
    generic = decl.instance.generic
    entry = _LETS.get(id(generic))
    if entry is None:
        lets = {(n.span.line, n.span.col): n for n in walk(generic.body) if isinstance(n, ast.Let)}
        entry = _LETS[id(generic)] = (generic, lets)
    found = entry[1].get((span.line, span.col))
    return True, (found.type if found is not None else None)


def written_type(env: ProgramEnv, te: ast.TypeExpr) -> Type:
    return _resolve(env, te)


def _resolve(env: ProgramEnv, te: ast.TypeExpr) -> Type:
    # The generic was checked already: any error here was reported then.
    return resolve_type(te, env, TypeVars(None, "the generic function"), Reporter())


def note(instance: ast.InstanceOf) -> str:
    """`in 'lastOf' with a = mut Array S64, the copy made for the call at
    4:31` (and on, for a call that was itself in a copy)."""
    parts = []
    cur: ast.InstanceOf | None = instance
    while cur is not None:
        types = ", ".join(f"{name} = {spell(t)}" for name, t in cur.type_args)
        parts.append(f"'{cur.generic.name}' with {types}, as called at {cur.call.line}:{cur.call.col}")
        cur = cur.caller
    return "in " + ", in ".join(parts)


def annotate(report: Reporter, since: int, decl: ast.FunDecl) -> None:
    """Add the instance note to every diagnostic reported since `since`."""
    if decl.instance is None:
        return
    text = note(decl.instance)
    for i in range(since, len(report.diagnostics)):
        d = report.diagnostics[i]
        report.diagnostics[i] = dataclasses.replace(d, notes=d.notes + (text,))
