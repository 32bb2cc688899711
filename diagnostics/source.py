"""A source file as diagnostics see it: a name and its text."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    name: str
    text: str
    _lines: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lines.extend(self.text.split("\n"))

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, or '' past the end."""
        if 1 <= number <= len(self._lines):
            return self._lines[number - 1].rstrip("\r")
        return ""

    @classmethod
    def read(cls, path: str) -> "Source":
        """Read a file as UTF-8; undecodable bytes become U+FFFD so that a
        binary file still gets a diagnostic with a position, not a traceback."""
        with open(path, "rb") as f:
            data = f.read()
        return cls(path, data.decode("utf-8", errors="replace"))
