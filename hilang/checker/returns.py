"""Definite return (LANGUAGE.md 1.7: a function whose result is not Unit
must `return` on every path).

Guarantees: `block_completes(body)` is False only if no path through `body`
reaches its end. The rules are Java's "can complete normally", simplified:
* `return`, `break` and `continue` do not complete (`break` and `continue`
  complete their loop instead);
* `if` completes if either branch does (no `else` is a branch that does);
* `match` completes if any arm does (non-exhaustive matches are errors of
  their own);
* `while true { ... }` with no `break` of its own does not complete: it
  only ends by `return` (a literal `true` condition is the only one
  recognised; any other loop is assumed to end);
* every other statement completes; a block completes if all its statements do.
"""

from __future__ import annotations

from hilang import ast


def block_completes(block: ast.Block) -> bool:
    return all(completes(s) for s in block.stmts)


def completes(stmt: ast.Stmt) -> bool:
    match stmt:
        case ast.Return() | ast.Break() | ast.Continue():
            return False
        case ast.If(then=then, els=els):
            return block_completes(then) or els is None or _completes_else(els)
        case ast.Match(arms=arms):
            return not arms or any(block_completes(arm.body) for arm in arms)
        case ast.While(cond=ast.BoolLit(value=True), body=body):
            return breaks_out(body)
    return True


def _completes_else(els) -> bool:
    return block_completes(els) if isinstance(els, ast.Block) else completes(els)


def breaks_out(block: ast.Block) -> bool:
    """Some `break` in `block` leaves the loop whose body `block` is (one
    not inside a nested loop)."""
    stack = list(block.stmts)
    while stack:
        stmt = stack.pop()
        match stmt:
            case ast.Break():
                return True
            case ast.If(then=then, els=els):
                stack.extend(then.stmts)
                if isinstance(els, ast.Block):
                    stack.extend(els.stmts)
                elif els is not None:
                    stack.append(els)
            case ast.Match(arms=arms):
                for arm in arms:
                    stack.extend(arm.body.stmts)
    return False
