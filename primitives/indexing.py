"""The error of an index out of range (`xs[i]`, `s[i]`, `xs[i] = v`),
worded the same by every engine."""

from __future__ import annotations

from diagnostics import ProgramError, Span
from diagnostics.errors import INDEX_OUT_OF_RANGE


def index_error(index: int, length: int, span: Span) -> ProgramError:
    return ProgramError(INDEX_OUT_OF_RANGE.format(index=index, length=length), span)
