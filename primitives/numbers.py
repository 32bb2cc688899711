"""Numbers: what S64, U8 and F64 operations compute where Python's own
operators differ from C's (division and remainder of negative operands, a
zero divisor, NaN, conversions out of range), and `int` of a string.

Runtime errors raise `ProgramError` with the shared texts of
`diagnostics.errors` and the span the caller passes.
"""

from __future__ import annotations

import math
import re

from diagnostics import ProgramError, Span
from diagnostics.errors import DIVISION_BY_ZERO, MALFORMED_INT, TRUNC_OUT_OF_RANGE

S64_MIN = -(1 << 63)
S64_MAX = (1 << 63) - 1
# `((x + S64_BIAS) & S64_MASK) - S64_BIAS` wraps any int to two's complement.
S64_BIAS = 1 << 63
S64_MASK = (1 << 64) - 1


def wrap(x: int) -> int:
    """Reduce an exact integer to S64, two's complement."""
    if S64_MIN <= x <= S64_MAX:
        return x
    return ((x + S64_BIAS) & S64_MASK) - S64_BIAS


def div(a: int, b: int, span: Span) -> int:
    """S64 `/`: truncates toward zero; `S64_MIN / -1` wraps to `S64_MIN`."""
    if b > 0 and a >= 0:
        return a // b
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    q = abs(a) // abs(b)
    return wrap(q if (a < 0) == (b < 0) else -q)


def mod(a: int, b: int, span: Span) -> int:
    """S64 `%`: the sign of the dividend (C's remainder); `S64_MIN % -1` is 0."""
    if b > 0 and a >= 0:
        return a % b
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def div_u8(a: int, b: int, span: Span) -> int:
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    return a // b


def mod_u8(a: int, b: int, span: Span) -> int:
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    return a % b


def fdiv(a: float, b: float) -> float:
    """IEEE division: Python raises on a zero divisor, IEEE gives an
    infinity signed by both operands' signs (zeros included), or NaN."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def sqrt(x: float) -> float:
    """`sqrt` of a negative number is NaN (Python would raise); of -0.0 it is -0.0."""
    return math.sqrt(x) if x >= 0.0 else math.nan


def trunc(x: float, span: Span) -> int:
    """`trunc`: F64 to S64 toward zero; NaN, the infinities and values
    beyond S64 are a runtime error (C leaves them undefined)."""
    if x != x or x in (math.inf, -math.inf):
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    value = int(x)
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    return value


_INT_TEXT = re.compile(rb"-?0*([0-9]*)\Z")


def parse_int(text: bytes, span: Span) -> int:
    """`int(s)`: an optional `-` then at least one decimal digit, the value
    fitting S64 (leading zeros allowed)."""
    found = _INT_TEXT.match(text)
    # Leading zeros are stripped first, so Python's limit on the number of
    # digits of an int never applies to a value that fits S64.
    if found is None or text in (b"", b"-") or len(found.group(1)) > 19:
        raise ProgramError(MALFORMED_INT, span)
    value = int(found.group(1) or b"0")
    if text[:1] == b"-":
        value = -value
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(MALFORMED_INT, span)
    return value


def format_f64(x: float) -> str:
    """C's `%.9f`, except that every NaN prints `nan` (glibc writes `-nan`
    for a negative one; LANGUAGE.md 1.7 fixes `nan`)."""
    if x != x:
        return "nan"
    return "%.9f" % x
