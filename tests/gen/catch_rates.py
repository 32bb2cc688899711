"""How often the differential property catches each planted bug
(`gen.planted`): the share of generated programs on which it fails, and
what failed (docs/testing.md records the figures).

    python tests/gen/catch_rates.py --count 100 --seed 7 [--size large|small]

The programs are `sample.py`'s for the same count, seed and size.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
for path in (TESTS, TESTS.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from gen import planted  # noqa: E402
from gen.sample import SIZES, program_seeds  # noqa: E402
from gen.programs import from_seed  # noqa: E402
from hilang.printer import print_program  # noqa: E402
from lowering import pipeline  # noqa: E402
from test_differential import check_program  # noqa: E402

CASES = [(planted.LEAK, True), (planted.EARLY_FREE, True), (planted.EARLY_FREE, False),
         (planted.LOST_RELEASE, True), (planted.LOST_RELEASE, False)]


def what_failed(failure: Exception) -> str:
    text = str(failure)
    if "checker rejects" in text:
        return "the checker"
    if "stale" in text or "freed" in text:
        return "a stale region id"
    if "a space leak" in text:
        return "the bytes_peak bound"
    if "above the naive lowering" in text:
        return "a count above naive's"
    if "leaks" in text:
        return "regions left at the end"
    if isinstance(failure, KeyError):
        return "a KeyError in the interpreter's region table"
    return f"{type(failure).__name__}: {text.splitlines()[0][:80] if text else ''}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--size", choices=sorted(SIZES), default="large")
    args = parser.parse_args(argv)
    texts = [print_program(from_seed(s, SIZES[args.size])) for s in program_seeds(args.seed, args.count)]
    print("| planted bug | checker | programs caught | by |\n|---|---|---:|---|")
    for bug, checked in CASES:
        caught: Counter = Counter()
        rng = random.Random(args.seed)
        for text in texts:
            try:
                with planted.planted(bug, checked):
                    passes = pipeline.pass_names("generated.hi")
                    check_program(text, [], frozenset(p for p in passes if rng.random() < 0.5))
            except Exception as failure:  # noqa: BLE001  (whatever failed is counted)
                caught[what_failed(failure)] += 1
        share = sum(caught.values()) / len(texts)
        by = ", ".join(f"{what} {n}" for what, n in caught.most_common())
        print(f"| {bug.name} | {'on' if checked else 'bypassed'} | {share:.0%} | {by} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
