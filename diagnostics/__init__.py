"""Source positions, diagnostics and the errors every stage of hic raises.

This package is shared by `hilang`, `lolang` and `lowering`; it depends on
nothing of hic's own, so the dependency arrows of DESIGN.md stay one-way.

Three kinds of failure, three exit statuses (DESIGN.md "Command line"):

* `CompileError` — bad input: one or more `Diagnostic`s, exit 1.
* `ProgramError` — the running program's runtime error
  (`runtime error: <what>`), exit 101.
* `CompilerBug` — hic broke its own invariants (a pass produced lolang the
  checker rejects, an interpreter followed a stale region id), exit 3.
"""

from diagnostics.span import NOSPAN, Span
from diagnostics.errors import (
    CompileError,
    CompilerBug,
    Diagnostic,
    ProgramError,
)
from diagnostics.render import render_diagnostic, render_diagnostics
from diagnostics.source import Source

__all__ = [
    "NOSPAN",
    "Span",
    "Source",
    "Diagnostic",
    "CompileError",
    "CompilerBug",
    "ProgramError",
    "render_diagnostic",
    "render_diagnostics",
]
