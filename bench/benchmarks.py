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
    # The five benchmarks of the Perceus paper (Reinking, Xie, de Moura,
    # Leijen, "Perceus: Garbage Free Reference Counting with Reuse", PLDI
    # 2021), the programs reference-counting and region compilers are
    # compared on, after Koka's versions (v2.1.1). Their sizes are the
    # paper's, or less where hic -O0 would take more than ~10 s today; each
    # file's header says how they relate.
    Benchmark("rbtree", "red-black tree",
              "insert into a persistent red-black tree: each insert copies a path and the old one dies at once "
              "(Perceus updates in place)",
              "keys", 420_000, 100,                   # the paper: 4,200,000
              (("C (malloc)", "rbtree.c"),)),
    Benchmark("rbtree_ck", "red-black tree, checkpoints",
              "rbtree keeping every 5th version alive: versions share most nodes, nothing can be updated in place",
              "keys", 420_000, 100,                   # the paper: 4,200,000
              (("C (arena)", "rbtree_ck.c"),)),
    Benchmark("deriv", "symbolic derivative",
              "derivatives of x^x: each shares much of the expression it came from, which dies when the next is built",
              "derivatives", 9, 4,                    # the paper: 10 (hic -O0: 22 s, 4.2 GiB today)
              (("C (arena)", "deriv.c"),)),
    Benchmark("nqueens", "n-queens",
              "all solutions as lists sharing their tails; each row's partial solutions die "
              "when the next row's are built",
              "queens", 13, 5,                        # the paper's
              (("C (arena)", "nqueens.c"),)),
    Benchmark("cfold", "constant folding",
              "passes over an expression tree of 2^n leaves, each sharing subterms with the last, recursing 2^n deep",
              "depth", 17, 5,                         # the paper: 20 (hilang allows 200,000 nested calls)
              (("C (arena)", "cfold.c"),)),
)

BY_NAME = {b.name: b for b in BENCHMARKS}
