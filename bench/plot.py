"""The chart `bench/run.py --plot FILE.svg` draws: for every benchmark, each
peer's median time and median peak RSS as a multiple of the benchmark's
baseline (its first C version), as grouped bars on a log scale, one panel
for time and one for memory, like the paper figures people know them from.

The chart is drawn from the runner's JSON report, so a saved run can be
drawn again (`--from-json`). `chart_data` turns a report into what is drawn
and needs nothing outside the standard library; `draw` needs matplotlib,
an optional extra (`pip install -e '.[plot]'`), never a dependency of hic
itself.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "pip install -e '.[plot]' (or: pip install matplotlib)"


class MatplotlibMissing(RuntimeError):
    """--plot was asked for and matplotlib cannot be imported."""


@dataclass(frozen=True)
class Bar:
    peer: str
    time: float        # median time / the baseline's median time
    rss: float         # median peak RSS / the baseline's


@dataclass(frozen=True)
class Group:
    benchmark: str
    size: int
    baseline: str      # the peer every ratio of this group is taken to
    bars: tuple[Bar, ...]


def _median(peer: dict, key: str, runs_key: str) -> float:
    # A report always has the medians; recompute them if a hand-made one
    # (or an older runner's) has only the runs.
    return peer[key] if key in peer else statistics.median(peer[runs_key])


def chart_data(report: dict) -> list[Group]:
    """One group per benchmark, in the report's order; in each, a bar for
    every peer but the baseline (which is 1 by definition, the line the
    chart draws across)."""
    groups = []
    for name, result in report["benchmarks"].items():
        peers = result["peers"]
        base = peers[result["baseline"]]
        base_time = _median(base, "median_s", "times_s")
        base_rss = _median(base, "median_rss_kib", "rss_kib")
        bars = tuple(
            Bar(peer,
                _median(figures, "median_s", "times_s") / base_time,
                _median(figures, "median_rss_kib", "rss_kib") / base_rss)
            for peer, figures in peers.items() if peer != result["baseline"])
        groups.append(Group(name, result["size"], result["baseline"], bars))
    return groups


def series(groups: list[Group]) -> list[str]:
    """The peers, one legend entry each, in the order they first appear
    (hic first: the runner builds it first)."""
    names: list[str] = []
    for group in groups:
        names += [bar.peer for bar in group.bars if bar.peer not in names]
    return names


def require_matplotlib():
    """matplotlib's pyplot on the file-only Agg backend, or MatplotlibMissing
    saying how to install it."""
    try:
        import matplotlib
    except ImportError as error:
        raise MatplotlibMissing(f"--plot needs matplotlib, which is not installed: {INSTALL_HINT}") from error
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def draw(groups: list[Group], path: Path, title: str) -> None:
    """Write the chart to `path` (the format follows its suffix: .svg,
    .png, .pdf). SVG keeps its text as text and carries no date, so the
    same data gives the same file."""
    plt = require_matplotlib()
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    names = series(groups)
    colors = {name: f"C{i}" for i, name in enumerate(names)}
    width = 0.8 / max((len(g.bars) for g in groups), default=1)
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "hic-bench", "font.size": 9}):
        figure, axes = plt.subplots(2, 1, figsize=(max(7.0, 1.1 * len(groups) + 2), 7.5), sharex=True)
        for axis, field, label in ((axes[0], "time", "time × C"), (axes[1], "rss", "peak RSS × C")):
            for x, group in enumerate(groups):
                # Only the peers this benchmark has, side by side around x.
                bars = sorted(group.bars, key=lambda b: names.index(b.peer))
                left = x - width * len(bars) / 2
                for j, bar in enumerate(bars):
                    value = getattr(bar, field)
                    drawn = axis.bar(left + width * (j + 0.5), value, width, color=colors[bar.peer])
                    axis.bar_label(drawn, labels=[f"{value:.1f}"], fontsize=6, rotation=90, padding=2)
            axis.axhline(1.0, color="black", linewidth=0.8)
            axis.set_yscale("log")
            axis.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}×"))
            axis.yaxis.set_minor_formatter(NullFormatter())
            axis.set_ylabel(f"{label} (log scale; lower is better)")
            axis.margins(y=0.25)
            axis.grid(axis="y", which="major", linewidth=0.3)
        axes[1].set_xticks(range(len(groups)))
        axes[1].set_xticklabels([f"{g.benchmark}\n{g.size:,}\n÷ {g.baseline}" for g in groups], fontsize=7)
        axes[0].legend(handles=[Patch(color=colors[name], label=name) for name in names],
                       ncols=min(len(names), 4), fontsize=8, loc="upper left")
        axes[0].set_title(title)
        figure.tight_layout()
        figure.savefig(path, metadata={"Date": None} if Path(path).suffix == ".svg" else None)
        plt.close(figure)
