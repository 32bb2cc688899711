"""The benchmarks: what each stresses, its files and its sizes.

Every benchmark is a set of files `bench/NAME.*` that take one integer
argument, the size, and print exactly the same bytes: `NAME.hi` (built
with hic), one or more C programs, `NAME.ml` (OCaml) and `NAME.py`
(CPython). The header comment of each file says what it allocates and how
long each thing lives, which is what decides how well regions do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    name: str                 # the stem of its files in bench/
    title: str                # for tables
    stresses: str             # one line: what it is there to measure
    size_name: str            # what the size argument counts
    size: int                 # the runner's default: hic -O0 takes seconds
    tiny: int                 # for the smoke test of the runner
    # (peer name, C source): the first is the baseline ratios are taken to.
    c_peers: tuple[tuple[str, str], ...] = ()

    def c_sources(self) -> tuple[tuple[str, str], ...]:
        return self.c_peers or (("C", f"{self.name}.c"),)

    @property
    def baseline(self) -> str:
        return self.c_sources()[0][0]


BENCHMARKS = (
    Benchmark("binary_trees", "binary trees",
              "many short-lived trees, one long-lived: a region per tree is the ideal",
              "depth", 16, 4,
              (("C (arena)", "binary_trees.c"), ("C (malloc)", "binary_trees_malloc.c"))),
    Benchmark("hash_maps", "hash maps",
              "Map S64 S64 and Map String S64: inserts, lookups, removals; long-lived maps, others per round",
              "keys per round", 100_000, 7),
    Benchmark("frame_loop", "frame loop",
              "a game loop: a long-lived world, plenty of data that dies with each frame",
              "frames", 4000, 3),
    Benchmark("work_queue", "work queue",
              "tasks that live for unpredictable times: objects do not die in LIFO order",
              "root tasks", 10_000, 2),
    Benchmark("string_build", "string building",
              "strings built by ++ and str(), parsed back byte by byte; per-row and per-batch lifetimes",
              "rows", 1_000_000, 200),
)

BY_NAME = {b.name: b for b in BENCHMARKS}
