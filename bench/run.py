"""The benchmark runner: each benchmark of `bench/benchmarks.py` in hilang
(native, through hic) and in the languages people would pick instead, run
side by side.

    python bench/run.py                          # every benchmark, 5 runs each
    python bench/run.py binary_trees --size 18   # one, at another size
    python bench/run.py --runs 7 --level 0,2     # hic at -O0 and at -O2, side by side
    python bench/run.py --plot docs/benchmarks.svg   # and draw the ratios
    python bench/run.py --plot chart.svg --from-json bench/results/latest.json

For each benchmark it:

1. builds every peer: `bench/NAME.hi` with hic (at each `-O` level of
   `--level`, default 2 -- every pass; `--level 0,2` adds the naive
   lowering beside it -- and linked as an executable), the C
   versions with `cc -O2`, `NAME.ml` with `ocamlopt` when there is one; the
   CPython version runs as it is. A peer whose tool is missing is skipped,
   with a note;
2. checks that every peer prints exactly what hic prints;
3. runs them RUNS times, interleaved (hic, C, ..., then again), so that a
   machine that slows down or speeds up during the run touches every peer
   alike; each run's wall time, and its peak resident memory (GNU time's
   `%M`, else `wait4`'s rusage of that very child);
4. reports the medians and their ratios to the benchmark's first C version
   as rich tables, with hic's own figures from `HIC_STATS` (regions,
   reference-count operations, bytes), and writes it all, with a
   description of the machine, to `bench/results/latest.json`
   (git-ignored) so that runs can be compared;
5. with --plot FILE.svg, draws each peer's ratios to the C baseline as a
   chart (bench/plot.py; needs matplotlib, the optional extra `plot`),
   from this run or, with --from-json, from a saved one.

Every peer runs with a stack limit of at least 1 GiB (the paper's
instructions for its benchmarks: `ulimit -s unlimited`): cfold's passes
recurse 2^n calls deep, which C and OCaml programs do on the system stack.
hic's executables make a 1 GiB stack of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
from benchmarks import BENCHMARKS, BY_NAME, Benchmark  # noqa: E402

RESULTS = BENCH / "results" / "latest.json"
DEFAULT_RUNS = 5
PEER_STACK_BYTES = 1 << 30
HIC_FIGURES = ("allocs", "regions_created", "regions_freed", "regions_peak", "regions_leaked",
               "retains", "releases", "bytes_allocated", "bytes_peak")


@dataclass
class Peer:
    name: str
    command: list[str]            # without the depth argument
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    stats: dict = field(default_factory=dict)  # hic's HIC_STATS, last run

    def summary(self) -> dict:
        return {
            "command": self.command,
            "times_s": self.times,
            "rss_kib": self.rss_kib,
            "median_s": statistics.median(self.times),
            "median_rss_kib": statistics.median(self.rss_kib),
            **({"hic_stats": self.stats} if self.stats else {}),
        }


# ------------------------------------------------------------------ building


def build(bench: Benchmark, work: Path, levels: list[int], notes: list[str]) -> list[Peer]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    peers = [Peer(f"hic -O{level}", [str(_build_hic(bench, work, level))]) for level in levels]
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc:
        for name, source in bench.c_sources():
            exe = work / Path(source).stem
            subprocess.run([cc, "-O2", "-o", str(exe), str(BENCH / source), "-lm"], check=True)
            peers.append(Peer(name, [str(exe)]))
    else:
        notes.append(f"{bench.name}: no C compiler (cc): the C peers are skipped")
    ocamlopt = shutil.which("ocamlopt")
    if ocamlopt:
        exe = work / f"{bench.name}_ml"
        shutil.copy(BENCH / f"{bench.name}.ml", work / f"{bench.name}.ml")
        flags = ["-O3"] if _ocaml_has_flambda(ocamlopt) else []
        subprocess.run([ocamlopt, *flags, "-o", str(exe), f"{bench.name}.ml"], check=True, cwd=work,
                       capture_output=True)
        peers.append(Peer("OCaml", [str(exe)]))
    else:
        notes.append(f"{bench.name}: no ocamlopt: the OCaml peer is skipped")
    peers.append(Peer("CPython", [sys.executable, str(BENCH / f"{bench.name}.py")]))
    return peers


def _build_hic(bench: Benchmark, work: Path, level: int) -> Path:
    from diagnostics import Source
    from lolang.codegen import native
    from lowering import pipeline

    source = Source.read(str(BENCH / f"{bench.name}.hi"))
    artifacts = pipeline.run_pipeline(source, pipeline.Options(level))
    module = next((a.program for a in artifacts if a.stage.name == native.STAGE), None)
    if module is None:  # a pipeline without the llvm stage: compile its last lolang
        module = native.compile(next(a.program for a in reversed(artifacts) if a.stage.language == pipeline.LOLANG))
    return native.link_executable(module, work / f"{bench.name}_hic{level}")


def _ocaml_has_flambda(ocamlopt: str) -> bool:
    result = subprocess.run([ocamlopt, "-config"], capture_output=True, text=True)
    return "flambda: true" in result.stdout


# ------------------------------------------------------------------ running


def gnu_time() -> str | None:
    """GNU time, which measures a child's peak RSS from a small process.
    (The rusage of a child of this runner would not do: Linux counts the
    memory of the process a child was forked from, this ~100 MiB Python,
    into the child's maximum.)"""
    path = shutil.which("time", path="/usr/bin:/bin")
    if path and subprocess.run([path, "-f", "%M", "true"], capture_output=True).returncode == 0:
        return path
    return None


def _raise_stack_limit() -> None:
    """In the child, before it runs a peer: a stack of PEER_STACK_BYTES, or
    as much as the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_STACK)
    want = PEER_STACK_BYTES if hard == resource.RLIM_INFINITY else min(hard, PEER_STACK_BYTES)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_STACK, (want, hard))


def run_once(peer: Peer, size: int, work: Path, timer: str | None) -> bytes:
    """One run: its output; its time and peak RSS are appended to `peer`."""
    stats_file, rss_file = work / "stats.json", work / "rss.txt"
    env = {**os.environ, "HIC_STATS": str(stats_file)}
    command = [*peer.command, str(size)]
    if timer:
        command = [timer, "-f", "%M", "-o", str(rss_file), *command]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, preexec_fn=_raise_stack_limit)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{peer.name} failed with status {code}")
    peer.times.append(elapsed)
    peer.rss_kib.append(int(rss_file.read_text().split()[-1]) if timer else usage.ru_maxrss)
    if peer.name.startswith("hic") and stats_file.exists():
        peer.stats = json.loads(stats_file.read_text())
        stats_file.unlink()
    return output


def measure(peers: list[Peer], size: int, runs: int, work: Path, timer: str | None) -> None:
    expected = None
    for _ in range(runs):
        for peer in peers:
            output = run_once(peer, size, work, timer)
            expected = output if expected is None else expected
            if output != expected:
                raise SystemExit(f"{peer.name} prints something else than {peers[0].name}")


# ------------------------------------------------------------------ reporting


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cc = shutil.which(os.environ.get("CC", "cc"))
    cc_version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0] if cc else None
    import llvmlite.binding as llvm

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "llvm": ".".join(map(str, llvm.llvm_version_info)),
        "cc": cc_version,
    }


def show(bench: Benchmark, size: int, runs: int, peers: list[Peer], console) -> None:
    from rich.table import Table

    base = next((p for p in peers if p.name == bench.baseline), peers[0])
    base_time, base_rss = statistics.median(base.times), statistics.median(base.rss_kib)
    table = Table(title=f"{bench.title}, {bench.size_name} {size}, median of {runs} interleaved runs",
                  caption=bench.stresses)
    for column in ("program", "time (s)", f"× {base.name}", "peak RSS (MiB)", f"× {base.name} "):
        table.add_column(column, justify="left" if column == "program" else "right")
    for peer in peers:
        t, rss = statistics.median(peer.times), statistics.median(peer.rss_kib)
        table.add_row(peer.name, f"{t:.3f}", f"{t / base_time:.1f}", f"{rss / 1024:.1f}", f"{rss / base_rss:.1f}")
    console.print(table)


def show_figures(results: dict, levels: list[int], console) -> None:
    """hic's HIC_STATS, a column per benchmark: what the regions did."""
    from rich.table import Table

    for level in levels:
        figures = Table(title=f"hic -O{level}: what the regions did (HIC_STATS)")
        figures.add_column("figure")
        for name in results:
            figures.add_column(name, justify="right")
        for key in HIC_FIGURES:
            figures.add_row(key, *(f"{r['hic_stats'][str(level)].get(key, 0):,}" for r in results.values()))
        console.print(figures)


def show_levels(results: dict, levels: list[int], console) -> None:
    """The first -O level against the last, per benchmark: time, peak RSS
    and every count, each with its ratio (first / last)."""
    from rich.table import Table

    low, high = levels[0], levels[-1]
    table = Table(title=f"hic -O{low} against -O{high} (medians; × is -O{low} / -O{high})")
    table.add_column("benchmark")
    for what in ("time (s)", "peak RSS (MiB)", *HIC_FIGURES):
        table.add_column(f"{what} -O{low}", justify="right")
        table.add_column(f"-O{high}", justify="right")
        table.add_column("×", justify="right")
    for bench, result in results.items():
        a, b = result["peers"][f"hic -O{low}"], result["peers"][f"hic -O{high}"]
        cells = []
        for x, y, fmt in ((a["median_s"], b["median_s"], "{:.3f}"),
                          (a["median_rss_kib"] / 1024, b["median_rss_kib"] / 1024, "{:.1f}")):
            cells += [fmt.format(x), fmt.format(y), _ratio(x, y)]
        for key in HIC_FIGURES:
            x, y = result["hic_stats"][str(low)].get(key, 0), result["hic_stats"][str(high)].get(key, 0)
            cells += [f"{x:,}", f"{y:,}", _ratio(x, y)]
        table.add_row(bench, *cells)
    console.print(table)


def _ratio(x: float, y: float) -> str:
    if y == 0:
        return "—" if x == 0 else "∞"
    return f"{x / y:.1f}"


def show_summary(results: dict, console) -> None:
    """One row per benchmark: each peer's median time as a multiple of the
    benchmark's baseline (its first C version), and hic's memory likewise."""
    from rich.table import Table

    others = []
    for result in results.values():
        others += [name for name in result["peers"] if name != result["baseline"] and name not in others]
    table = Table(title="time × the C baseline (median)")
    table.add_column("benchmark")
    table.add_column("baseline")
    for name in others:
        table.add_column(name, justify="right")
    table.add_column("hic peak RSS ×", justify="right")
    for bench, result in results.items():
        peers = result["peers"]
        base = peers[result["baseline"]]
        cells = [f"{peers[n]['median_s'] / base['median_s']:.1f}" if n in peers else "" for n in others]
        hic = [p for n, p in peers.items() if n.startswith("hic")][-1]  # the highest -O level run
        table.add_row(bench, result["baseline"], *cells, f"{hic['median_rss_kib'] / base['median_rss_kib']:.1f}")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run (default: all of {', '.join(BY_NAME)})")
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--size", "--depth", type=int,
                       help="the size argument (with one NAME; default: the benchmark's own)")
    sizes.add_argument("--tiny", action="store_true", help="each benchmark at a tiny size (a smoke test)")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help=f"runs of each peer (default {DEFAULT_RUNS})")
    parser.add_argument("--level", type=_levels, default=[2], metavar="L[,L...]",
                        help="hic's -O level, or several to compare side by side (default 2; e.g. 0,2)")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where the results go (default {RESULTS})")
    parser.add_argument("--plot", type=Path, metavar="FILE.svg",
                        help="draw the ratios to C as a chart (needs matplotlib: the optional extra 'plot')")
    parser.add_argument("--from-json", type=Path, metavar="RESULTS.json",
                        help="with --plot: draw a saved run's report instead of running anything")
    args = parser.parse_args(argv)
    if args.plot is not None:
        import plot

        try:
            plot.require_matplotlib()  # now, not after minutes of running
        except plot.MatplotlibMissing as missing:
            parser.error(str(missing))
    if args.from_json is not None:
        if args.plot is None:
            parser.error("--from-json goes with --plot")
        if args.names or args.size is not None or args.tiny:
            parser.error("--from-json draws a saved run: no NAME, --size or --tiny")
        report = json.loads(args.from_json.read_text())
        draw_chart(report, args.plot)
        print(f"drawn from {args.from_json} to {args.plot}")
        return 0
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(BY_NAME)}")
    chosen = [BY_NAME[n] for n in args.names] or list(BENCHMARKS)
    if args.size is not None and len(chosen) != 1:
        parser.error("--size goes with exactly one benchmark NAME")

    from rich.console import Console

    # Logs and files get tables as wide as they need, not 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 132)
    notes: list[str] = []
    timer = gnu_time()
    if timer is None:
        notes.append("no GNU time at /usr/bin/time: peak RSS is the child's rusage, inflated by the runner's own")
    load_before = os.getloadavg()[0]
    results = {}
    for bench in chosen:
        size = args.size if args.size is not None else (bench.tiny if args.tiny else bench.size)
        with tempfile.TemporaryDirectory(prefix="hic-bench-") as scratch:
            work = Path(scratch)
            peers = build(bench, work, args.level, notes)
            measure(peers, size, args.runs, work, timer)
        show(bench, size, args.runs, peers, console)
        results[bench.name] = {
            "size": size,
            "baseline": bench.baseline,
            "peers": {p.name: p.summary() for p in peers},
            "hic_stats": {str(level): peer.stats for level, peer in zip(args.level, peers)},
        }
    show_figures(results, args.level, console)
    if len(args.level) > 1:
        show_levels(results, args.level, console)
    if len(results) > 1:
        show_summary(results, console)
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")
    report = {
        "date": time.strftime("%Y-%m-%d"),
        "runs": args.runs,
        "hic_levels": args.level,
        # Other work on the machine slows every peer; the interleaving keeps
        # the ratios fair, the load average says how far to trust the times.
        "machine": {**machine(), "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)]},
        "benchmarks": results,
        "notes": notes,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"[dim]written to {args.json}[/]")
    if args.plot is not None:
        draw_chart(report, args.plot)
        console.print(f"[dim]chart drawn to {args.plot}[/]")
    return 0


def _levels(text: str) -> list[int]:
    try:
        levels = sorted({int(x) for x in text.split(",")})
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of -O levels: {text!r}") from None
    if not levels or any(level not in (0, 1, 2) for level in levels):
        raise argparse.ArgumentTypeError(f"-O levels are 0, 1 and 2, not {text!r}")
    return levels


def draw_chart(report: dict, path: Path) -> None:
    import plot

    levels = report.get("hic_levels", [report.get("hic_level", 0)])
    title = (f"time and peak RSS × the C baseline: hic {', '.join(f'-O{n}' for n in levels)}, "
             f"medians of {report['runs']} interleaved runs"
             + (f", {report['date']}" if "date" in report else ""))
    plot.draw(plot.chart_data(report), path, title)


if __name__ == "__main__":
    sys.exit(main())
