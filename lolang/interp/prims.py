"""The primitive semantics every engine shares (LANGUAGE.md 1.6, 1.7), as
plain functions over Python values: S64 and U8 are `int`s kept in range,
F64 is `float`, Bool is `bool`, String is `bytes` (UTF-8), Unit is `None`.

Guaranteed: results match the C runtime bit for bit (two's-complement wrap,
truncating division, `%` with the dividend's sign, `S64_MIN / -1` wrapping,
`%.9f` floats with `inf`/`-inf`/`nan`). Runtime errors raise `ProgramError`
with the shared texts of `diagnostics.errors` and the span the caller passes.
"""

from __future__ import annotations

import math
import re

from diagnostics import ProgramError, Span
from diagnostics import messages
from diagnostics.errors import TRUNC_OUT_OF_RANGE

S64_MIN = -(1 << 63)
S64_MAX = (1 << 63) - 1
_BIAS = 1 << 63
_MASK = (1 << 64) - 1


def wrap(x: int) -> int:
    """Reduce an exact integer to S64, two's complement."""
    if S64_MIN <= x <= S64_MAX:
        return x
    return ((x + _BIAS) & _MASK) - _BIAS


def div(a: int, b: int, span: Span) -> int:
    """S64 `/`: truncates toward zero; `S64_MIN / -1` wraps to `S64_MIN`."""
    if b > 0 and a >= 0:
        return a // b
    if b == 0:
        raise ProgramError(messages.DIVISION_BY_ZERO, span)
    q = abs(a) // abs(b)
    return wrap(q if (a < 0) == (b < 0) else -q)


def mod(a: int, b: int, span: Span) -> int:
    """S64 `%`: the sign of the dividend (C); `S64_MIN % -1` is 0."""
    if b > 0 and a >= 0:
        return a % b
    if b == 0:
        raise ProgramError(messages.DIVISION_BY_ZERO, span)
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def div_u8(a: int, b: int, span: Span) -> int:
    if b == 0:
        raise ProgramError(messages.DIVISION_BY_ZERO, span)
    return a // b


def mod_u8(a: int, b: int, span: Span) -> int:
    if b == 0:
        raise ProgramError(messages.DIVISION_BY_ZERO, span)
    return a % b


def fmt_f64(x: float) -> str:
    """C's `%.9f`, except that every NaN prints `nan` (glibc writes `-nan`
    for a negative one; LANGUAGE.md 1.7 fixes `nan`)."""
    if x != x:
        return "nan"
    return "%.9f" % x


def show(value: object) -> bytes:
    """How `print` writes one primitive value."""
    match value:
        case bool():
            return b"true" if value else b"false"
        case int():
            return str(value).encode()
        case float():
            return fmt_f64(value).encode()
        case bytes():
            return value
        case None:
            return b"()"
    raise TypeError(f"print of a non-primitive {value!r}")


_INT_TEXT = re.compile(rb"-?0*([0-9]*)\Z")



def int_of_string(s: bytes, span: Span) -> int:
    """`int(s)`: an optional `-` then at least one decimal digit, the value
    fitting S64 (leading zeros allowed)."""
    found = _INT_TEXT.match(s)
    # Leading zeros are stripped first, so Python's limit on the number of
    # digits of an int never applies to a value that fits S64.
    if found is None or s in (b"", b"-") or len(found.group(1)) > 19:
        raise ProgramError(messages.MALFORMED_INT, span)
    value = int(found.group(1) or b"0")
    if s[:1] == b"-":
        value = -value
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(messages.MALFORMED_INT, span)
    return value


def trunc(x: float, span: Span) -> int:
    """`trunc` F64 -> S64 toward zero; out of S64's range is an error."""
    if x != x or x in (math.inf, -math.inf):
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    value = int(x)
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    return value


def fdiv(a: float, b: float) -> float:
    """IEEE division: a zero divisor gives an infinity signed by both
    operands (zeros included), or NaN."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else math.nan


def index_error(index: int, length: int, span: Span) -> ProgramError:
    return ProgramError(messages.INDEX_OUT_OF_RANGE.format(index=index, length=length), span)
