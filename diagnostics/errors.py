"""The errors of hic; see the package docstring for which exit status each means."""

from dataclasses import dataclass, field

from diagnostics.span import NOSPAN, Span


@dataclass(frozen=True)
class Diagnostic:
    """One message about the input: `FILE:LINE:COL: error: MESSAGE`."""

    span: Span
    message: str
    severity: str = "error"
    notes: tuple[str, ...] = field(default=())

    def headline(self, filename: str) -> str:
        return f"{filename}:{self.span.line}:{self.span.col}: {self.severity}: {self.message}"


class CompileError(Exception):
    """Bad input. Carries every independent diagnostic found, in source order."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.span.line, d.span.col))
        super().__init__("; ".join(f"{d.span}: {d.message}" for d in self.diagnostics))

    @classmethod
    def at(cls, span: Span, message: str) -> "CompileError":
        return cls([Diagnostic(span, message)])


class ProgramError(Exception):
    """A runtime error of the program being run: prints
    `runtime error: <what>` (with the source position when known), exit 101."""

    def __init__(self, what: str, span: Span = NOSPAN):
        self.what = what
        self.span = span
        super().__init__(what)

    def line(self) -> str:
        """The one line printed on stderr. Every engine prints exactly this,
        so it names no file (each engine may see the file under another path):
        `runtime error: division by zero at 8:12`."""
        if self.span.known:
            return f"runtime error: {self.what} at {self.span.line}:{self.span.col}"
        return f"runtime error: {self.what}"


# The runtime errors' texts, shared by every engine (the C runtime spells them
# the same way). Formatting arguments are noted where a text takes them.
DIVISION_BY_ZERO = "division by zero"
INDEX_OUT_OF_RANGE = "index {index} out of range for length {length}"
# `substr(s, i, j)` unless 0 <= i <= j <= len(s): LANGUAGE.md 1.8 calls it
# `index out of range`; the rest says which bound is wrong (two numbers, as
# the C runtime's errors carry).
SUBSTR_RANGE = "index out of range: substr from {start} to {end}"
SUBSTR_END = "index out of range: substr to {end} of a string of length {length}"
POP_EMPTY = "pop of an empty array"
MALFORMED_INT = "malformed integer string"
NEGATIVE_ARRAY_SIZE = "negative array size {size}"
STACK_OVERFLOW = "stack overflow"
OUT_OF_MEMORY = "out of memory"
TRUNC_OUT_OF_RANGE = "F64 value out of range for S64"
# A map read that lolang proved present but was not (a lowering bug shows here).
KEY_NOT_FOUND = "key not found"

# Every engine reports `stack overflow` when a call would be the one past this
# many nested calls (main is depth 1), so that all engines agree on where a
# deep recursion stops: LANGUAGE.md 1.7 asks for at least 100,000.
MAX_CALL_DEPTH = 200_000


class CompilerBug(Exception):
    """hic broke one of its own invariants. `stage` names where it was caught."""

    def __init__(self, message: str, stage: str | None = None):
        self.stage = stage
        super().__init__(message)

    def with_stage(self, stage: str) -> "CompilerBug":
        return self if self.stage else CompilerBug(str(self), stage)
