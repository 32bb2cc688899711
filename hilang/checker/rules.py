"""The expression-typing entry point and the table it dispatches through.

Guarantees:
* `check_expr(cx, e, scope, expected)` sets `e.ty` (possibly holding metas,
  solved by the end of the function), records `e` so that its type is
  finalized then, and returns the type. `expected` is a hint pushed down
  from the context (bidirectional typing: `[]`, `map()`, `None` and generic
  results take their type from it); the caller still checks the result
  against its slot, with `check_against` or `coerce.flow`.
* Every expression node type has exactly one rule, registered with
  `@rule(NodeType)` by the module that owns it (`expressions.py`,
  `operators.py`, `calls.py`); `hilang.checker` imports them all.
"""

from __future__ import annotations

from typing import Callable

from hilang import ast
from hilang.checker.capabilities import describe
from hilang.checker.coerce import flow, mismatch
from hilang.checker.context import FunContext, Scope
from hilang.checker.infer import ErrorType, Meta, resolve, unify
from hilang.types import Type

Rule = Callable[[FunContext, ast.Expr, Scope, "Type | None"], Type]
_RULES: dict[type, Rule] = {}


def rule(node_type: type):
    def register(fn: Rule) -> Rule:
        assert node_type not in _RULES, f"two rules for {node_type.__name__}"
        _RULES[node_type] = fn
        return fn
    return register


def check_expr(cx: FunContext, e: ast.Expr, scope: Scope, expected: Type | None = None) -> Type:
    ty = _RULES[type(e)](cx, e, scope, expected)
    e.ty = ty
    cx.typed.append(e)
    return ty


def check_against(cx: FunContext, e: ast.Expr, scope: Scope, slot: Type, site, action: str,
                  context: str | None = None) -> Type:
    """Check `e` with `slot` as the expected type, then that it may be
    stored there (`action` words the store, see `coerce.flow`)."""
    ty = check_expr(cx, e, scope, slot)
    flow(cx, scope, e, ty, slot, site, action, context)
    return ty


def check_exact(cx: FunContext, e: ast.Expr, scope: Scope, ty: Type, context: str | None = None) -> Type:
    """Check that `e` has type `ty` (a primitive: conditions, indices, bounds)."""
    found = check_expr(cx, e, scope, ty)
    if not unify(found, ty):
        cx.error(e.span, mismatch(ty, found, context))
    return found


def known(cx: FunContext, t: Type, e: ast.Expr) -> Type | None:
    """`t` with its outer shape known, or None (an error is reported, or was
    already): operations that depend on the kind of a value need it now."""
    r = resolve(t)
    if isinstance(r, ErrorType):
        return None
    if isinstance(r, Meta):
        cx.error(e.span, f"cannot infer the type of {describe(e)} here; add a type annotation")
        return None
    return r
