"""The runtime library of the hilang interpreter: how values are represented,
and the operations that generated code calls instead of inlining.

Values (docs/hilang-semantics.md, "Representation"):

* S64 and U8 are Python ints kept in range (generated code wraps after every
  `+ - *` and unary minus); F64 is a Python float; Bool a Python bool; Unit
  is None.
* String is `bytes` (UTF-8), so `len` counts bytes and `s[i]` is a byte.
* Array is a `list`, Map a `dict` (insertion ordered, as hilang's maps are):
  containers are shared by reference.
* A data value is a tuple `(constructor name, field, ...)` with the fields in
  declaration order; tuples are immutable, like hilang's data values. The
  built-in Option uses the same shape: `("Some", x)` and `("None",)`.

Every function here that can fail takes the span of the hilang expression
being evaluated and raises `ProgramError` with the shared texts.
"""

from __future__ import annotations

import math
import re

from diagnostics import ProgramError, Span
from diagnostics.errors import (
    DIVISION_BY_ZERO,
    INDEX_OUT_OF_RANGE,
    MALFORMED_INT,
    MAX_CALL_DEPTH,
    NEGATIVE_ARRAY_SIZE,
    OUT_OF_MEMORY,
    POP_EMPTY,
    STACK_OVERFLOW,
    TRUNC_OUT_OF_RANGE,
)

S64_MIN = -(1 << 63)
S64_MAX = (1 << 63) - 1
# `((x + S64_BIAS) & S64_MASK) - S64_BIAS` wraps any int to two's complement.
S64_BIAS = 1 << 63
S64_MASK = (1 << 64) - 1

MISSING = object()  # a Map lookup's "no such key"; never a hilang value
# The `None` that `get` returns. Data values are immutable, so one tuple can
# serve every call (the allocation is still counted per call).
NONE = ("None",)

_INT_TEXT = re.compile(rb"-?0*([0-9]*)\Z")


def wrap_s64(value: int) -> int:
    return ((value + S64_BIAS) & S64_MASK) - S64_BIAS


def sdiv(a: int, b: int, span: Span) -> int:
    """S64 `/`: truncates toward zero; `S64_MIN / -1` wraps to `S64_MIN`."""
    if b > 0 and a >= 0:
        return a // b
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return S64_MIN if q > S64_MAX else q


def smod(a: int, b: int, span: Span) -> int:
    """S64 `%`: the sign of the dividend (C's remainder); `S64_MIN % -1` is 0."""
    if b > 0 and a >= 0:
        return a % b
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def udiv(a: int, b: int, span: Span) -> int:
    if b == 0:
        raise ProgramError(DIVISION_BY_ZERO, span)
    return a // b


def umod(a: int, b: int, span: Span) -> int:
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
    return math.sqrt(x) if x >= 0.0 else math.nan


def trunc(x: float, span: Span) -> int:
    if x != x or x in (math.inf, -math.inf):
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    value = int(x)
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(TRUNC_OUT_OF_RANGE, span)
    return value


def parse_int(text: bytes, span: Span) -> int:
    """`int(s)`: an optional `-` then decimal digits, the value fitting S64."""
    found = _INT_TEXT.match(text)
    # Leading zeros are stripped first so that Python's limit on the length
    # of an int's digits never applies to a value that fits S64.
    if found is None or text in (b"", b"-") or len(found.group(1)) > 19:
        raise ProgramError(MALFORMED_INT, span)
    value = int(found.group(1) or b"0")
    if text[:1] == b"-":
        value = -value
    if not S64_MIN <= value <= S64_MAX:
        raise ProgramError(MALFORMED_INT, span)
    return value


def out_of_range(seq, index: int, span: Span):
    raise ProgramError(INDEX_OUT_OF_RANGE.format(index=index, length=len(seq)), span)


def index(seq, i: int, span: Span):
    """`seq[i]` on an Array or a String (a byte); Python's negative indices
    must not leak through."""
    if 0 <= i < len(seq):
        return seq[i]
    out_of_range(seq, i, span)


def pop(xs: list, span: Span):
    if xs:
        return xs.pop()
    raise ProgramError(POP_EMPTY, span)


def new_array(n: int, x, span: Span) -> list:
    if n < 0:
        raise ProgramError(NEGATIVE_ARRAY_SIZE.format(size=n), span)
    try:
        return [x] * n
    except (MemoryError, OverflowError):
        raise ProgramError(OUT_OF_MEMORY, span) from None


def get(m: dict, key):
    value = m.get(key, MISSING)
    return NONE if value is MISSING else ("Some", value)


def remove(m: dict, key) -> bool:
    return m.pop(key, MISSING) is not MISSING


def overflow(span: Span):
    raise ProgramError(STACK_OVERFLOW, span)


def record(tag: str, slots: tuple[int, ...], *values) -> tuple:
    """A record literal whose fields were written out of declaration order:
    `values` come in source order (they were evaluated in that order) and
    `slots[i]` is the tuple position of `values[i]`."""
    fields = [None] * (len(values) + 1)
    fields[0] = tag
    for slot, value in zip(slots, values):
        fields[slot] = value
    return tuple(fields)


def with_fields(base: tuple, slots: tuple[int, ...], *values) -> tuple:
    """`T { base with f = v, ... }`: a copy of `base` with some fields replaced."""
    fields = list(base)
    for slot, value in zip(slots, values):
        fields[slot] = value
    return tuple(fields)


def unit_text(_value) -> bytes:
    """How `print` shows Unit (after evaluating it for its effects)."""
    return b"()"


# The names generated code calls these by. A leading underscore keeps them
# apart from hilang's own names, which generated code prefixes with `v_`/`f_`.
HELPERS = {
    "_wrap": wrap_s64, "_sdiv": sdiv, "_smod": smod, "_udiv": udiv, "_umod": umod, "_fdiv": fdiv,
    "_sqrt": sqrt, "_trunc": trunc, "_int": parse_int, "_oob": out_of_range,
    "_index": index, "_pop": pop, "_array": new_array, "_get": get,
    "_remove": remove, "_overflow": overflow, "_record": record,
    "_with": with_fields, "_unit": unit_text, "_NONE": NONE,
}
