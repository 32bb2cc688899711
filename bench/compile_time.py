"""How long hic takes to compile a program to an executable, at four sizes
of each of two kinds of input, to show whether compile time is linear.

    python bench/compile_time.py                    # 3 runs of each, the default sizes
    python bench/compile_time.py --runs 5 --lines 750,1500,3000,6000 --literals 2500,5000,10000,20000
    python bench/compile_time.py --tiny             # a smoke test (tests/test_bench.py)

The two kinds:

* **generated programs**: `--lines L` joins programs of the
  differential test's generator (`tests/gen`, `gen.LARGE`, fixed seeds)
  into one of at least L lines, each program's data types, constructors and functions renamed
  apart and its `main` called from one `main`. Joining independent
  modules makes a program grow without growing what `mono` multiplies
  (one generated program of 4,000 lines has generic functions called at
  many types and makes 45,000 lines of lolang; eight modules of 200 make
  about eight times one module's), so the lines of hilang measure the
  work;
* **flat literals**: `fun main() { let xs = [c0, c1, ...]; ... }` with N
  integer constants, the input whose code generation once grew
  quadratically.

Each is compiled by `hic compile FILE -o EXE` in a fresh process (Python
start-up and the C link included: what a user waits for), RUNS times,
after one untimed run that also leaves hic's modules compiled to
bytecode, as an installed hic has them;
the table gives the median wall time and CPU time (user and system, of hic
and the C compiler it links with: on a loaded machine the figure to
compare), the lines of hilang and of the lolang hic optimizes (`--emit
lo`), and the CPU time per 1,000 lines or elements: constant when compile
time is linear. Results go to `bench/results/compile_time.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results" / "compile_time.json"
SEED = 7
DEFAULT_LINES = (750, 1_500, 3_000, 6_000)
DEFAULT_LITERALS = (2_500, 5_000, 10_000, 20_000)


def generated_program(lines: int, seed: int = SEED) -> str:
    """Generated programs joined into one (see the docstring), as many as
    make `lines` lines; the same seed starts every size with the same
    programs."""
    for path in (ROOT / "tests", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from gen import LARGE, from_seed
    from hilang import ast
    from hilang.printer import print_program

    rng = random.Random(seed)
    parts, calls = [], []
    index = 0
    while sum(part.count("\n") for part in parts) + len(calls) + 3 < lines:
        program = from_seed(rng.getrandbits(48), LARGE)
        names = set()
        for decl in program.decls:
            names.add(decl.name)
            if isinstance(decl, ast.DataDecl):
                names.update(ctor.name for ctor in decl.ctors)
        main = next(d for d in program.decls if isinstance(d, ast.FunDecl) and d.name == "main")
        text = print_program(program)
        pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b")
        parts.append(pattern.sub(lambda m: f"{m.group(1)}_m{index}", text))
        calls.append(f"    main_m{index}({'args' if main.params else ''});")
        index += 1
    return "\n".join(parts) + "\nfun main(args: Array String) {\n" + "\n".join(calls) + "\n}\n"


def flat_literal(count: int) -> str:
    elements = ", ".join(str(i * 7919 % 1000) for i in range(count))
    return f"fun main() {{\n    let xs = [{elements}];\n    print(len(xs));\n    print(xs[{count - 1}]);\n}}\n"


def _hic(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "hic", *args], capture_output=True, text=True, cwd=ROOT,
                          env=_WITH_BYTECODE)
    if done.returncode != 0:
        raise SystemExit(f"hic {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done


# hic as a user has it: an installed package's modules are compiled to
# bytecode once, not at every start. Where PYTHONDONTWRITEBYTECODE is set
# (as on our development machines), every timed run would pay about 0.2 s
# to compile hic's modules again; without it, the untimed `--emit lo` run
# before the timed ones leaves the bytecode for them.
_WITH_BYTECODE = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def measure(name: str, source: str, size: int, unit: str, runs: int, work: Path) -> dict:
    path = work / f"{name}.hi"
    path.write_text(source)
    lolang_lines = _hic("compile", str(path), "--emit", "lo").stdout.count("\n")
    times, cpu = [], []
    for _ in range(runs):
        before, start = _children_cpu(), time.perf_counter()
        _hic("compile", str(path), "-o", str(work / name))
        times.append(time.perf_counter() - start)
        cpu.append(_children_cpu() - before)
    return {"name": name, "size": size, "unit": unit, "lines": source.count("\n"), "lolang_lines": lolang_lines,
            "seconds": statistics.median(times), "cpu_seconds": statistics.median(cpu), "runs": times}


def _children_cpu() -> float:
    """User and system time of every finished child (hic, and the C
    compiler it links with)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of sizes: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes are positive: {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="compilations of each program (default 3)")
    parser.add_argument("--lines", type=_sizes, default=list(DEFAULT_LINES), metavar="L[,L...]",
                        help="generated programs of at least these many lines (default 750,1500,3000,6000)")
    parser.add_argument("--literals", type=_sizes, default=list(DEFAULT_LITERALS), metavar="N[,N...]",
                        help="elements of the flat literals (default 2500,5000,10000,20000)")
    parser.add_argument("--tiny", action="store_true", help="one run of a 100-line program and a 100-element literal")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where the results go (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.tiny:
        args.runs, args.lines, args.literals = 1, [100], [100]

    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=110)  # a log keeps whole rows
    results = []
    with tempfile.TemporaryDirectory(prefix="hic-compile-time-") as tmp:
        work = Path(tmp)
        for lines in args.lines:
            console.print(f"generated program, {lines:,} lines ...")
            source = generated_program(lines)
            results.append(measure(f"generated_{lines}", source, source.count("\n"), "lines", args.runs, work))
        for count in args.literals:
            console.print(f"flat literal, {count:,} elements ...")
            results.append(measure(f"literal_{count}", flat_literal(count), count, "elements", args.runs, work))

    table = Table(title=f"hic compile -o: medians of {args.runs} runs")
    for column in ("program", "size", "hilang lines", "lolang lines", "wall s", "CPU s", "CPU s per 1,000 of size"):
        table.add_column(column, justify="left" if column == "program" else "right")
    for r in results:
        table.add_row(r["name"], f"{r['size']:,} {r['unit']}", f"{r['lines']:,}", f"{r['lolang_lines']:,}",
                      f"{r['seconds']:.2f}", f"{r['cpu_seconds']:.2f}", f"{1000 * r['cpu_seconds'] / r['size']:.3f}")
    console.print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"runs": args.runs, "results": results}, indent=2) + "\n")
    console.print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
