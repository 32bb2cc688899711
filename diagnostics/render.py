"""Render diagnostics the way compilers do: the headline, the source line and
a caret under the column, coloured with rich when the terminal allows
(rich imported when a diagnostic is rendered, not by every compile)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from diagnostics.errors import Diagnostic
from diagnostics.source import Source

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text


def render_diagnostic(source: Source, diag: Diagnostic) -> Text:
    from rich.text import Text

    out = Text()
    out.append(f"{source.name}:{diag.span.line}:{diag.span.col}: ", style="bold")
    out.append(f"{diag.severity}: ", style="bold red" if diag.severity == "error" else "bold yellow")
    out.append(diag.message + "\n", style="bold")
    line = source.line(diag.span.line)
    if line:
        # Tabs would shift the caret; show them as single spaces.
        shown = line.replace("\t", " ")
        out.append(f"  {shown}\n")
        width = 1
        if diag.span.end_line == diag.span.line and diag.span.end_col > diag.span.col:
            width = diag.span.end_col - diag.span.col
        out.append("  " + " " * (diag.span.col - 1) + "^" + "~" * (width - 1) + "\n", style="bold green")
    for note in diag.notes:
        out.append(f"  note: {note}\n", style="cyan")
    return out


def render_diagnostics(source: Source, diags: list[Diagnostic], console: Console) -> None:
    for diag in diags:
        console.print(render_diagnostic(source, diag), end="", highlight=False, soft_wrap=True)
