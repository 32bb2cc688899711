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

from diagnostics import ProgramError, Span
from diagnostics.errors import (
    MAX_CALL_DEPTH,  # noqa: F401  (the translator and hilang.interpreter use it)
    NEGATIVE_ARRAY_SIZE,
    OUT_OF_MEMORY,
    POP_EMPTY,
    STACK_OVERFLOW,
    TRUNC_OUT_OF_RANGE,  # noqa: F401  (hilang.interpreter exports it)
)
from primitives import numbers, strings
from primitives.indexing import index_error
from primitives.numbers import S64_BIAS  # noqa: F401  (the translator inlines the wrap with it)

# What S64, U8 and F64 operations compute where Python's operators differ
# is the engines' shared `primitives` package; generated code calls it
# through HELPERS below.
wrap_s64 = numbers.wrap

MISSING = object()  # a Map lookup's "no such key"; never a hilang value
# The `None` that `get` returns. Data values are immutable, so one tuple can
# serve every call (the allocation is still counted per call).
NONE = ("None",)


def out_of_range(seq, index: int, span: Span):
    raise index_error(index, len(seq), span)


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
    "_wrap": wrap_s64, "_sdiv": numbers.div, "_smod": numbers.mod, "_udiv": numbers.div_u8,
    "_umod": numbers.mod_u8, "_fdiv": numbers.fdiv, "_sqrt": numbers.sqrt, "_trunc": numbers.trunc,
    "_int": numbers.parse_int, "_substr": strings.substr, "_chr": strings.chr_, "_oob": out_of_range,
    "_index": index, "_pop": pop, "_array": new_array, "_get": get,
    "_remove": remove, "_overflow": overflow, "_record": record,
    "_with": with_fields, "_unit": unit_text, "_NONE": NONE,
}
