"""`hic compile --dump`: each stage pretty-printed with rich, coloured by the
pygments lexers of hilang and lolang, followed by a table of its figures, and
a table of how the figures changed from stage to stage."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table

from lowering.pipeline import HILANG, LOLANG, Artifact


def parse_stage_list(spec: str, names: list[str]) -> list[str]:
    from hic.cli import UsageError

    if spec == "all":
        return list(names)
    wanted = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in names]
    if unknown:
        raise UsageError(f"unknown stage {', '.join(unknown)}; stages are: {', '.join(names)}, all")
    return sorted(wanted, key=names.index)


def text_of(artifact: Artifact) -> str:
    """The stage's program as plain text (what `--emit` writes)."""
    match artifact.stage.language:
        case "hilang":
            from hilang.printer import print_program

            return print_program(artifact.program)
        case "lolang":
            from lolang.printer import print_program

            return print_program(artifact.program)
    return str(artifact.program)  # llvm: the module's IR text


def summary_of(artifact: Artifact) -> dict[str, int]:
    match artifact.stage.language:
        case "hilang":
            from hilang.summary import summarize

            return summarize(artifact.program)
        case "lolang":
            from lolang.summary import summarize

            return summarize(artifact.program)
        case "llvm":
            from lolang.codegen.summary import summarize

            return summarize(artifact.program.module)
    return {}


def _lexer(language: str):
    if language == HILANG:
        from hilang.lexer_pygments import HilangLexer

        return HilangLexer()
    if language == LOLANG:
        from lolang.lexer_pygments import LolangLexer

        return LolangLexer()
    if language == "llvm":
        from pygments.lexers import LlvmLexer

        return LlvmLexer()
    return "text"


# Piped or redirected, a dump is as wide as its longest line needs (rich
# would otherwise cut every line at 80 columns); panels then fit their
# content instead of stretching to this width.
UNBOUNDED_WIDTH = 1 << 20


def show(artifacts: list[Artifact], wanted: list[str], console: Console, source_name: str | None = None) -> None:
    """Nothing is lost: on a terminal long lines wrap (the line number is
    on their first row); elsewhere they are written whole. Each panel says
    what its line numbers count, and where `@LINE:COL` points."""
    shown = [a for a in artifacts if a.stage.name in wanted]
    to_terminal = console.is_terminal
    if not to_terminal:
        console.width = UNBOUNDED_WIDTH
    for artifact in shown:
        syntax = Syntax(text_of(artifact), _lexer(artifact.stage.language), theme="monokai",
                        line_numbers=True, word_wrap=to_terminal, background_color="default")
        figures = Table(show_header=False, box=None, padding=(0, 2))
        for key, value in summary_of(artifact).items():
            figures.add_row(key, f"[bold]{value}[/]")
        parts = [syntax, figures]
        if artifact.remarks is not None:
            parts.append(_remarks(artifact.remarks))
        title = f"[bold cyan]{artifact.stage.name}[/]  [dim]{artifact.stage.language}[/]"
        console.print(Panel(Group(*parts), title=title, title_align="left", border_style="cyan",
                            subtitle=f"[dim]{numbering_note(artifact, source_name)}[/]",
                            subtitle_align="left", expand=to_terminal))
    if len(shown) > 1:
        console.print(_changes_table(shown))
    passes = [a for a in shown if a.remarks is not None]
    if passes:
        console.print(_passes_table(passes))


def numbering_note(artifact: Artifact, source_name: str | None) -> str:
    """What a panel's line numbers count: always the listing shown, which
    for every stage after parsing is the program as hic prints it, not the
    file; lolang's `@LINE:COL` (and every error message) count the file."""
    source = source_name or "the source file"
    if artifact.stage.language == LOLANG:
        return f"line numbers: this listing; @LINE:COL: positions in {source}"
    if artifact.stage.language == HILANG:
        return f"line numbers: this listing, as printed (positions in errors count {source})"
    return "line numbers: this listing"


def _remarks(remarks) -> Table:
    """Every remark of one pass, one per line (nothing is cut)."""
    table = Table(title="what this pass did", title_style="bold", title_justify="left", show_header=False,
                  box=None, padding=(0, 2))
    if not remarks:
        table.add_row("[dim]nothing[/]")
    for remark in remarks:
        table.add_row(str(remark))
    return table


def _passes_table(artifacts: list[Artifact]) -> Table:
    """One row per pass: how many changes of each kind it made."""
    from lowering.passes.remarks import counts

    table = Table(title="what each pass changed", title_style="bold")
    table.add_column("pass")
    table.add_column("changes")
    for artifact in artifacts:
        found = counts(artifact.remarks)
        text = ", ".join(f"{n} × {kind}" for kind, n in found.items()) or "[dim]nothing[/]"
        table.add_row(artifact.stage.pass_name or artifact.stage.name, text)
    return table


def _changes_table(artifacts: list[Artifact]) -> Table:
    """One row per figure, one column per stage: what each stage changed."""
    summaries = [summary_of(a) for a in artifacts]
    table = Table(title="figures by stage", title_style="bold")
    table.add_column("figure")
    for artifact in artifacts:
        table.add_column(artifact.stage.name, justify="right")
    keys: list[str] = []
    for summary in summaries:
        keys += [k for k in summary if k not in keys]
    for key in keys:
        cells, previous = [], None
        for summary in summaries:
            value = summary.get(key)
            text = "" if value is None else str(value)
            if value is not None and previous is not None and value != previous:
                text = f"[bold yellow]{value}[/]"
            cells.append(text)
            previous = value if value is not None else previous
        table.add_row(key, *cells)
    return table
