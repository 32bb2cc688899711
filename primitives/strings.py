"""Strings (LANGUAGE.md 1.8): `substr` and `chr`. Strings are `bytes`, so
`len` counts bytes, and Python's ordering of `bytes` is already hilang's
(unsigned bytes, a proper prefix first): the interpreters compare with `<`.
"""

from __future__ import annotations

from diagnostics import ProgramError, Span
from diagnostics.errors import SUBSTR_END, SUBSTR_RANGE


def substr(s: bytes, start: int, end: int, span: Span) -> bytes:
    """The bytes of `s` from `start` to `end` (exclusive); unless
    `0 <= start <= end <= len(s)`, `index out of range`."""
    if start < 0 or start > end:
        raise ProgramError(SUBSTR_RANGE.format(start=start, end=end), span)
    if end > len(s):
        raise ProgramError(SUBSTR_END.format(end=end, length=len(s)), span)
    return s[start:end]


def chr_(byte: int) -> bytes:
    """The one-byte string holding `byte` (a U8)."""
    return bytes((byte,))
