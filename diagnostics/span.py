"""A region of source text: 1-based line and column of its first character,
and of the character just past its end."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    col: int
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        return f"{self.line}:{self.col}"

    def to(self, other: "Span") -> "Span":
        """The span from the start of `self` to the end of `other`."""
        return Span(self.line, self.col, other.end_line, other.end_col)

    @property
    def known(self) -> bool:
        return self.line > 0


# For nodes made by the compiler itself (monomorphized copies keep the span of
# what they copy; only truly synthetic nodes use this).
NOSPAN = Span(0, 0, 0, 0)
