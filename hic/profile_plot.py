"""`hic run --profile OUT`: write a run's memory profile (lolang/profile.py)
and draw it: live bytes by allocation site as stacked areas over the run,
live regions under it, and which site holds the most at the peak -- the
picture MLKit's region profiler gave its users.

The data is JSON and needs nothing more (`--profile OUT.json`, or the
`.json` written beside a picture); the picture needs matplotlib, an
optional extra (`pip install 'hic[plot]'`), imported only here.
"""

from __future__ import annotations

import json
from pathlib import Path

from lolang.profile import top_site

PICTURES = (".svg", ".png", ".pdf")
SHOWN_SITES = 8  # the rest are drawn as one band, "other sites"


class PlotUnavailable(Exception):
    """matplotlib is not installed: the user's to fix."""


def check_can_draw(path: str) -> None:
    """Before the run: a picture needs matplotlib, a data file nothing."""
    if Path(path).suffix.lower() == ".json":
        return
    if Path(path).suffix.lower() not in PICTURES:
        raise PlotUnavailable(f"--profile {path}: the file must end in .json (the data) or "
                              f"{', '.join(PICTURES)} (a picture)")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotUnavailable(
            f"drawing {path} needs matplotlib: pip install 'hic[plot]' "
            f"(or give --profile a .json file for the data alone)") from None


def write(profile: dict, path: str, title: str) -> list[str]:
    """Write the data (and the picture, unless `path` is .json); return the
    files written."""
    target = Path(path)
    data = target if target.suffix.lower() == ".json" else target.with_suffix(".json")
    data.write_text(json.dumps(profile) + "\n")
    if data == target:
        return [str(data)]
    draw(profile, target, title)
    return [str(target), str(data)]


def summary(profile: dict) -> str:
    peak = profile["peak"]
    text = f"peak {_size(peak['bytes'])} live after {_size(peak['clock'])} allocated"
    top = top_site(profile)
    if top is not None:
        text += f"; {top[0]} holds the most then ({_size(top[1])})"
    return text


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError


def draw(profile: dict, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = profile["samples"]
    names = profile["sites"]
    peak = profile["peak"]
    scale, unit = _scale(max([sum(row[2:]) for row in samples] + [peak["bytes"], 1]))
    clock_scale, clock_unit = _scale(max(row[0] for row in samples) or 1)
    x = [row[0] / clock_scale for row in samples]
    # The sites that matter most: biggest at the peak, then at any time.
    order = sorted(range(len(names)), key=lambda i: (peak["by_site"][i], max(row[2 + i] for row in samples)),
                   reverse=True)
    shown = [i for i in order if max(row[2 + i] for row in samples) > 0][:SHOWN_SITES]
    rest = [i for i in range(len(names)) if i not in shown]
    bands = [[row[2 + i] / scale for row in samples] for i in shown]
    labels = [names[i] for i in shown]
    if any(row[2 + i] for row in samples for i in rest):
        bands.append([sum(row[2 + i] for i in rest) / scale for row in samples])
        labels.append("other sites")

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    if bands:
        top.stackplot(x, bands, labels=labels, alpha=0.85, step="post")
    top.set_ylabel(f"live {unit}")
    top.set_title(title)
    top.legend(loc="upper left", fontsize="small", title="allocation site", title_fontsize="small")
    peak_x = peak["clock"] / clock_scale
    top.axvline(peak_x, color="black", linewidth=0.8, linestyle="--")
    best = top_site(profile)
    note = f"peak {_size(peak['bytes'])}"
    if best is not None:
        note += f"\nmost held by {best[0]}\n({_size(best[1])})"
    top.annotate(note, xy=(peak_x, peak["bytes"] / scale), xytext=(8, -8), textcoords="offset points",
                 va="top", fontsize="small", bbox={"boxstyle": "round", "fc": "white", "alpha": 0.85})
    bottom.step(x, [row[1] for row in samples], where="post", color="tab:gray")
    bottom.axvline(peak_x, color="black", linewidth=0.8, linestyle="--")
    bottom.set_ylabel("live regions")
    bottom.set_xlabel(f"{clock_unit} allocated (the program's clock)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _scale(n: float) -> tuple[float, str]:
    for factor, unit in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if n >= 2 * factor:
            return factor, unit
    return 1, "bytes"
