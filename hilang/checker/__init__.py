"""The hilang checker: types and capabilities (LANGUAGE.md 1.2-1.5, 1.7).

`check(program)` checks a parsed program and annotates it in place:
* every expression's `ty` is a `hilang.types.Type` with no inference
  variable left (in a generic function it may mention that function's
  type variables);
* every `Call` has `builtin` set, and `type_args` mapping the callee's type
  variables to this call's types (ground when the caller is not generic);
and returns it. Otherwise it raises `CompileError` with every independent
error found, in source order.

The rules, and the decisions taken where LANGUAGE.md is silent, are in
docs/hilang-checking.md. Modules, by concern:
  declarations  data types, constructors, signatures, `main`
  env           declarations as tables; written types -> semantic types
  infer         inference variables, unification, joins
  coerce        a value meeting a slot (capability weakening)
  capabilities  what operations need; where capabilities were lost
  rules         `check_expr` and its dispatch table
  expressions, operators, calls, builtins   the expression rules
  statements, patterns, exhaustive, returns  statements and matches
  functions     one function body, then finalizing its types
  instances     what messages say about a copy of a generic function
"""

from __future__ import annotations

from diagnostics import CompileError
from diagnostics.deep_stack import run_with_deep_stack
from hilang import ast
from hilang.checker import calls, expressions, operators  # noqa: F401  (register expression rules)
from hilang.checker.context import Reporter
from hilang.checker.declarations import build_env
from hilang.checker.functions import check_function

__all__ = ["check"]


def check(program: ast.Program) -> ast.Program:
    # Programs may nest 20,000 levels deep; the checker recurses on them.
    return run_with_deep_stack(lambda: _check(program))


def _check(program: ast.Program) -> ast.Program:
    report = Reporter()
    env = build_env(program, report)
    for sig in env.bodies:
        check_function(env, report, sig)
    if report.diagnostics:
        raise CompileError(report.diagnostics)
    return program
