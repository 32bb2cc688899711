"""Write generated programs as `.hi` files, to read them or to run them
with other tools:

    python tests/gen/sample.py --count 200 --seed 7 --out DIR [--size large|small]

The same count, seed and size give the same files (`0000.hi`, `0001.hi`,
...). `--size large` (the default) is `gen.LARGE`, the programs whose loops
run 100 to 1,000 times; `small` is `gen.SMALL`, the differential test's
many small ones. `tests/gen/measure.py DIR` runs them and sums them up.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for path in (TESTS, TESTS.parent):  # `gen`, and the compiler it prints with
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from gen import LARGE, SMALL, from_seed  # noqa: E402
from hilang.printer import print_program  # noqa: E402

SIZES = {"large": LARGE, "small": SMALL}


def program_seeds(seed: int, count: int) -> list[int]:
    """The seed of each program: drawn from `seed`, so that neighbouring
    seeds give unrelated samples."""
    rng = random.Random(seed)
    return [rng.getrandbits(48) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True, help="how many programs")
    parser.add_argument("--seed", type=int, required=True, help="the same seed gives the same programs")
    parser.add_argument("--out", type=Path, required=True, help="the directory to write them to (made if missing)")
    parser.add_argument("--size", choices=sorted(SIZES), default="large", help="gen.LARGE (default) or gen.SMALL")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    width = max(4, len(str(args.count - 1)))
    for number, program_seed in enumerate(program_seeds(args.seed, args.count)):
        text = print_program(from_seed(program_seed, SIZES[args.size]))
        (args.out / f"{number:0{width}d}.hi").write_text(text)
    print(f"wrote {args.count} programs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
