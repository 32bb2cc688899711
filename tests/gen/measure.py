"""Run a directory of generated programs (`sample.py`'s) natively at `-O0`
and sum up what they are: issue 17's judged figures, how often each shape
appears, and how `allocs` and `bytes_peak` are distributed.

    python tests/gen/measure.py DIR [--jobs 2]

Each program runs as a user would run it,
`python -m hic run FILE --engine native -O0 --stats=FILE.json`; the JSON is
left beside it. The tables printed are the ones in docs/testing.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent
for path in (TESTS, ROOT):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from diagnostics import Source  # noqa: E402
from gen.census_shapes import SHAPES, census_shapes  # noqa: E402
from hilang.parser import parse  # noqa: E402

KIB = 1024
TIMEOUT = 300
# The bars: (what, share of programs at least).
JUDGED = (
    ("allocate more than 10,000 objects", 0.25),
    ("reach a bytes_peak over 64 KiB", 0.10),
    ("define a function calling itself in a constructor argument", 0.15),
    ("assign a variable a call taking that same variable", 0.10),
    ("are distinct", 0.95),
)


@dataclass
class Run:
    path: Path
    status: int
    stats: dict
    seconds: float
    shapes: set[str]
    text: str


def run_one(path: Path) -> Run:
    stats_path = path.with_suffix(".json")
    stats_path.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "hic", "run", str(path), "--engine", "native", "-O0",
                           f"--stats={stats_path}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=env, timeout=TIMEOUT)
    seconds = time.monotonic() - start
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    text = path.read_text()
    return Run(path, done.returncode, stats, seconds, census_shapes(parse(Source(str(path), text))), text)


def judged(runs: list[Run]) -> list[float]:
    n = len(runs)
    return [
        sum(r.stats.get("allocs", 0) > 10_000 for r in runs) / n,
        sum(r.stats.get("bytes_peak", 0) > 64 * KIB for r in runs) / n,
        sum("calls itself in a constructor argument" in r.shapes for r in runs) / n,
        sum("x = f(x, ...)" in r.shapes for r in runs) / n,
        len({r.text for r in runs}) / n,
    ]


def percentiles(values: list[int]) -> list[int]:
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0, 0.1, 0.25, 0.5, 0.75, 0.9)] + [ordered[-1]]


def report(runs: list[Run]) -> str:
    n = len(runs)
    lines = [f"{n} programs", "", "| judged: programs that | share | at least |", "|---|---:|---:|"]
    for (what, bar), share in zip(JUDGED, judged(runs)):
        lines.append(f"| {what} | {share:.0%} | {bar:.0%} |")
    lines += ["", "| shape | programs |", "|---|---:|"]
    seen = Counter(s for r in runs for s in r.shapes)
    lines += [f"| {shape} | {seen[shape] / n:.0%} |" for shape in SHAPES]
    statuses = Counter(r.status for r in runs)
    late = sum(r.status == 101 and r.stats.get("allocs", 0) > 1000 for r in runs)
    lines += ["", "exit statuses: " + ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())),
              f"runtime errors after more than 1,000 allocations: {late}", ""]
    lines += ["| figure | min | 10% | 25% | median | 75% | 90% | max |", "|---|" + "---:|" * 7]
    for key in ("allocs", "bytes_peak"):
        values = [r.stats.get(key, 0) for r in runs]
        lines.append(f"| {key} | " + " | ".join(f"{v:,}" for v in percentiles(values)) + " |")
    seconds = [round(r.seconds, 1) for r in runs]
    lines.append("| seconds a run (compile and run, noisy) | " + " | ".join(str(s) for s in percentiles(seconds)) + " |")
    failed = [r for r in runs if r.status not in (0, 101)]
    for r in failed:
        lines.append(f"FAILED ({r.status}): {r.path}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--jobs", type=int, default=1, help="programs run at once")
    args = parser.parse_args(argv)
    paths = sorted(args.dir.glob("*.hi"))
    if not paths:
        print(f"no .hi files in {args.dir}", file=sys.stderr)
        return 1
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = list(pool.map(run_one, paths))
    print(report(runs))
    bars = [share >= bar for (_, bar), share in zip(JUDGED, judged(runs))]
    return 0 if all(bars) and all(r.status in (0, 101) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
