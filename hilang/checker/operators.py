"""Type unary and binary operators (LANGUAGE.md 1.5, 1.7).

Guarantees:
* `OPERATORS` is the one table of which operand types each operator takes
  and what it gives: `==`/`!=` on S64, U8, F64, Bool and String; ordering on
  S64, U8, F64 and String (LANGUAGE.md 1.8: by bytes, unsigned); `+ - * /` on S64, U8 and F64; `%` on S64 and U8; `++` on
  String; `&&`/`||`/`!` on Bool; unary `-` on S64, U8 and F64. Both operands
  of a binary operator have the same type (no implicit conversions).
* A wrong operand is reported at its own start ("the expression whose
  type is wrong"): `big + n` with a Bool `big` at `big`.
* `-9223372036854775808` is accepted (the literal 2^63 directly under
  unary minus is S64's minimum).
"""

from __future__ import annotations

from hilang import ast, hints
from hilang.checker.context import FunContext, Scope
from hilang.checker.infer import ERROR, ErrorType, Meta, resolve, unify, zonk
from hilang.checker.rules import check_expr, rule
from hilang.types import BOOL, F64, S64, STRING, U8, Type

NUMERIC = (S64, U8, F64)
INTEGRAL = (S64, U8)
EQUATABLE = (S64, U8, F64, BOOL, STRING)
ORDERED = (S64, U8, F64, STRING)

# op -> (operand types, result type or None for "the operands' type")
OPERATORS: dict[str, tuple[tuple[Type, ...], Type | None]] = {
    "+": (NUMERIC, None),
    "-": (NUMERIC, None),
    "*": (NUMERIC, None),
    "/": (NUMERIC, None),
    "%": (INTEGRAL, None),
    "++": ((STRING,), None),
    "==": (EQUATABLE, BOOL),
    "!=": (EQUATABLE, BOOL),
    "<": (ORDERED, BOOL),
    "<=": (ORDERED, BOOL),
    ">": (ORDERED, BOOL),
    ">=": (ORDERED, BOOL),
    "&&": ((BOOL,), BOOL),
    "||": ((BOOL,), BOOL),
}
UNARY: dict[str, tuple[Type, ...]] = {"-": NUMERIC, "!": (BOOL,)}

S64_MIN_MAGNITUDE = 2**63


def _names(types: tuple[Type, ...]) -> str:
    names = [str(t) for t in types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _operand_error(op: str, allowed: tuple[Type, ...], found: Type, unary: bool) -> str:
    if unary:
        return f"unary operator '{op}' needs an operand of type {_names(allowed)}, found {zonk(found)}"
    hint = hints.STRING_PLUS if op == "+" and found == STRING else ""
    return f"operator '{op}' needs {_names(allowed)} operands, found {zonk(found)}{hint}"


def _require(cx: FunContext, op: str, allowed, operand: ast.Expr, ty: Type, unary: bool = False) -> bool:
    """Report (at the operand) if `ty` is not one of `allowed`; an unsolved
    meta is checked when the function ends."""
    r = resolve(ty)
    if isinstance(r, ErrorType):
        return False
    if isinstance(r, Meta):
        def later() -> None:
            if not isinstance(resolve(r), (Meta, ErrorType)):
                _require(cx, op, allowed, operand, r, unary)
        cx.deferred.add(later)
        return True
    if r not in allowed:
        cx.error(operand.span, _operand_error(op, allowed, r, unary))
        return False
    return True


@rule(ast.Binary)
def check_binary(cx: FunContext, e: ast.Binary, scope: Scope, expected) -> Type:
    allowed, result = OPERATORS[e.op]
    left = check_expr(cx, e.left, scope)
    right = check_expr(cx, e.right, scope)
    # The left operand fixes the type when it is known; otherwise the right.
    first, second = (e.left, left), (e.right, right)
    if isinstance(resolve(left), Meta) and not isinstance(resolve(right), Meta):
        first, second = second, first
    if not _require(cx, e.op, allowed, *first):
        return result or ERROR
    other = resolve(second[1])
    if isinstance(other, ErrorType):
        pass
    elif not isinstance(other, Meta) and other not in allowed:
        _require(cx, e.op, allowed, *second)
    elif not unify(other, first[1]):
        cx.error(second[0].span, f"operator '{e.op}' needs operands of the same type: "
                                 f"{zonk(first[1])} and {zonk(second[1])}")
    return result or first[1]


@rule(ast.Unary)
def check_unary(cx: FunContext, e: ast.Unary, scope: Scope, expected) -> Type:
    operand = e.operand
    if e.op == "-" and isinstance(operand, ast.IntLit) and not operand.u8 \
            and operand.value == S64_MIN_MAGNITUDE:
        operand.ty = S64
        cx.typed.append(operand)
        return S64
    ty = check_expr(cx, operand, scope)
    return ty if _require(cx, e.op, UNARY[e.op], operand, ty, unary=True) else ERROR
