"""The C region runtime (runtime/), exercised the way generated code uses it.

A C driver (tests/runtime_driver.c) is compiled against the runtime and
runs one scenario per process under `hic_start`; the tests check its stdout, its
stderr's line, its exit status and the HIC_STATS JSON it leaves. What needs
no process (arithmetic) goes through ctypes; what a JIT host does (several
programs in one process, leaving a runtime error or a stack overflow by
status, not by exit) runs as llvmlite-compiled code in a subprocess.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import shutil
import struct
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from runtime import build

STAT_KEYS = [
    "engine",
    "stage",
    "allocs",
    "regions_created",
    "regions_freed",
    "regions_peak",
    "regions_leaked",
    "retains",
    "releases",
    "bytes_allocated",
    "bytes_peak",
    "regions_collected",
]

DRIVER = Path(__file__).with_name("runtime_driver.c")


# ---------------------------------------------------------------------------
# Building


@pytest.fixture(scope="session")
def cache(tmp_path_factory) -> Path:
    """A private cache for the session, so the tests neither depend on nor
    touch the user's ~/.cache/hic."""
    path = tmp_path_factory.mktemp("hic-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIC_CACHE_DIR", str(path))
        build.shared_library()
    return path


@pytest.fixture(scope="session")
def driver(cache, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("driver")
    source = DRIVER
    exe = work / "driver"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HIC_CACHE_DIR", str(cache))
        command = [
            *build.compiler(),
            "-std=gnu11",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-I",
            str(build.header_dir()),
            str(source),
            *build.link_args(),
            "-o",
            str(exe),
        ]
    subprocess.run(command, check=True)
    return exe


@dataclass
class Run:
    status: int
    out: str
    err: str
    stats: dict | None


def run(driver: Path, *args: str, stdin: str = "", env: dict | None = None, tmp: Path,
        wrap: tuple[str, ...] = (), limit_memory: int | None = None) -> Run:
    """Run one driver scenario; collect what it printed and its stats."""
    stats = tmp / "stats.json"
    stats.unlink(missing_ok=True)
    full_env = {**os.environ, "HIC_STATS": str(stats), **(env or {})}

    def limits() -> None:
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    result = subprocess.run(
        [*wrap, str(driver), *args],
        input=stdin.encode(),
        capture_output=True,
        env=full_env,
        timeout=120,
        preexec_fn=limits,
    )
    return Run(
        result.returncode,
        result.stdout.decode(),
        result.stderr.decode(),
        json.loads(stats.read_text()) if stats.exists() else None,
    )


def counts(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if k not in ("engine", "stage")}


def test_sources_compile_without_warnings():
    subprocess.run(
        [*build.compiler(), *build.CFLAGS, "-Werror", "-fsyntax-only", *map(str, build.sources())],
        check=True,
    )


def test_build_is_cached_and_keyed_by_content(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("HIC_CACHE_DIR", str(cache))
    first = build.shared_library()
    stamp = first.stat().st_mtime_ns
    assert build.shared_library() == first and first.stat().st_mtime_ns == stamp
    assert build.static_library().parent == first.parent

    # A copy of the sources with one comment changed is another runtime,
    # built afresh (two processes building one are tested below).
    copy = tmp_path / "src"
    shutil.copytree(build.RUNTIME_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    monkeypatch.setattr(build, "RUNTIME_DIR", copy)
    monkeypatch.setattr(build, "HEADER", copy / "hic_runtime.h")
    assert build.build_dir() == first.parent
    (copy / "print.c").write_text((copy / "print.c").read_text() + "/* changed */\n")
    assert build.build_dir() != first.parent
    assert not build.build_dir().exists()

    # So do other compiler flags.
    monkeypatch.setenv("CC", "cc -DHIC_SOMETHING")
    assert build.build_dir() != first.parent


def test_two_processes_can_build_at_once(tmp_path):
    # A one-file runtime keeps this quick: what is tested is the race.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("hic_runtime.h", "arith.c"):
        shutil.copy(build.RUNTIME_DIR / name, src / name)
    script = textwrap.dedent(f"""
        from pathlib import Path
        from runtime import build
        build.RUNTIME_DIR = Path({str(src)!r})
        build.HEADER = build.RUNTIME_DIR / "hic_runtime.h"
        print(build.shared_library(), build.static_library())
    """)
    env = {**os.environ, "HIC_CACHE_DIR": str(tmp_path / "cache")}
    procs = [
        subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = [p.communicate()[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert outputs[0] == outputs[1]
    built = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert sorted(p.name for p in built) == [build.STATIC_NAME, build.SHARED_NAME]


def test_a_missing_compiler_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("HIC_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CC", "/nonexistent/cc")
    with pytest.raises(build.RuntimeBuildError, match=r"'/nonexistent/cc' was not found.*set CC"):
        build.shared_library()


LOAD_FOR_THE_JIT = r'''
import ctypes

import llvmlite.binding as llvm

from runtime import build

path = str(build.shared_library())
llvm.load_library_permanently(path)
for symbol in ("hic_start", "hic_alloc_slow", "hic_region_table", "hic_counters"):
    assert llvm.address_of_symbol(symbol), symbol
lib = ctypes.CDLL(path)
s64 = ctypes.c_int64
lib.hic_div_s64.argtypes = lib.hic_rem_s64.argtypes = [s64, s64, ctypes.c_int32, ctypes.c_int32]
lib.hic_div_s64.restype = lib.hic_rem_s64.restype = s64
lib.hic_trunc_f64.argtypes = [ctypes.c_double, ctypes.c_int32, ctypes.c_int32]
lib.hic_trunc_f64.restype = s64
s64_min = -(1 << 63)
assert lib.hic_div_s64(s64_min, -1, 1, 1) == s64_min
assert lib.hic_rem_s64(s64_min, -1, 1, 1) == 0
assert (lib.hic_div_s64(-7, 2, 1, 1), lib.hic_rem_s64(-7, 2, 1, 1)) == (-3, -1)
assert (lib.hic_div_s64(7, -2, 1, 1), lib.hic_rem_s64(7, -2, 1, 1)) == (-3, 1)
extremes = (2.9, -2.9, -0.5, -9223372036854775808.0, 9223372036854774784.0)
assert [lib.hic_trunc_f64(x, 1, 1) for x in extremes] == [
    2, -2, 0, s64_min, 9223372036854774784
]  # (out of range is a runtime error: tested through the driver)
print("ok")
'''


def test_the_shared_library_loads_for_the_jit(cache):
    # In a process of its own: a library loaded permanently shadows, in
    # every later fork of this one, the symbols of the runtime's profiling
    # variant (test_profile's native runs then wrote no profile).
    env = {**os.environ, "HIC_CACHE_DIR": str(cache)}
    result = subprocess.run([sys.executable, "-c", LOAD_FOR_THE_JIT], capture_output=True, env=env, timeout=300)
    assert (result.returncode, result.stdout) == (0, b"ok\n"), result.stderr.decode()


# ---------------------------------------------------------------------------
# Regions


def test_regions_allocate_free_and_recycle_chunks(driver, tmp_path):
    r = run(driver, "regions", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "regions ok\n", "")
    # One region of 1000 x 24 + 13 + 200000 + 8 bytes; 200 rounds of
    # 1000 x 24 bytes; then b, c, d, e, with d retained twice.
    assert counts(r.stats) == {
        "allocs": 1003 + 200 * 1000,
        "regions_created": 1 + 200 + 4,
        "regions_freed": 205,
        "regions_peak": 2,
        "regions_leaked": 0,
        "retains": 2,
        "releases": 1 + 200 + 2 + 3 + 1,
        "bytes_allocated": 224021 + 200 * 24000,
        "bytes_peak": 224021,
        "regions_collected": 0,
    }


FREED = "the region was freed; its slot is at generation 1"


@pytest.mark.parametrize(
    "how, message",
    [
        ("retain", f"stale region id #1.0 (retain): {FREED}"),
        ("reused", f"stale region id #1.0 (retain): {FREED}"),
        ("release", "stale region id #1.0 (release)"),
        ("hold", "stale region id #1.0 (store a pack of)"),
        ("lookup", "stale region id #1.0 (look up)"),
        ("alloc", "stale region id #1.0 (allocate in)"),
        ("never", "stale region id #77.3 (retain): no region was ever created in slot 77"),
    ],
)
def test_a_stale_id_is_an_internal_error(driver, tmp_path, how, message):
    r = run(driver, "stale", how, tmp=tmp_path)
    assert r.status == 3
    assert r.err.startswith("hic internal error: " + message)
    assert r.err.count("\n") == 1 and r.out == ""


def test_unholding_a_pack_not_held_is_an_internal_error(driver, tmp_path):
    r = run(driver, "unhold_missing", tmp=tmp_path)
    assert r.status == 3
    assert r.err == "hic internal error: region #1.0 does not hold a pack of #2.0\n"


def conserved(stats: dict) -> bool:
    """Every reference taken was given back: the regions' counts start at
    one each (not a retain) and all end at zero."""
    return stats["regions_created"] + stats["retains"] == stats["releases"]


def test_held_packs_are_a_multiset_released_when_their_holder_dies(driver, tmp_path):
    r = run(driver, "holds", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "holds ok\n", "")
    assert r.stats["regions_leaked"] == 0 and conserved(r.stats)


def test_a_big_pool_block_grows_in_place_of_a_copy(driver, tmp_path):
    # The region table doubles with hic_pool_grow: over 1 MiB a mapping of
    # its own, remapped (mremap), its contents kept; the mapped bytes follow.
    r = run(driver, "pool_grow", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "pool_grow ok\n", "")


def test_a_chain_of_500000_regions_keeps_every_id_across_table_remaps(driver, tmp_path):
    # 2^19 table entries: the table is remapped twice past 1 MiB.
    n = 500_000
    r = run(driver, "chain", str(n), tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "chain ok\n", "")
    assert r.stats["regions_freed"] == n + 1 and r.stats["regions_leaked"] == 0


def test_a_chain_of_100000_regions_is_freed_without_recursion(driver, tmp_path):
    # A 256 KiB stack: a recursive free would need far more.
    n = 100_000
    r = run(driver, "chain", str(n), env={"HIC_STACK_SIZE": "256K"}, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "chain ok\n", "")
    assert counts(r.stats) == {
        "allocs": n,
        "regions_created": n + 1,
        "regions_freed": n + 1,
        "regions_peak": n + 1,
        "regions_leaked": 0,
        "retains": n,
        "releases": 2 * n + 1,  # the blocks, then the packs held by the cells
        "bytes_allocated": 16 * n,
        "bytes_peak": 16 * n,
        "regions_collected": 0,
    }


def test_merge_moves_objects_bytes_and_held_packs(driver, tmp_path):
    r = run(driver, "merge", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "merge ok\n", "")
    # A merged region lives on until its count reaches zero, then is freed;
    # its reference on the parent is a counted retain and release.
    s = r.stats
    assert (s["regions_created"], s["regions_freed"], s["regions_leaked"]) == (18, 18, 0)
    assert conserved(s)


@pytest.mark.parametrize(
    "how, message",
    [
        ("twice", "merge region #1.0: it was merged already"),
        ("cycle", "cannot merge region #2.0 into #1.0"),
        ("primitive", "cannot merge region #3.0 into #0.0"),
    ],
)
def test_bad_merges_are_internal_errors(driver, tmp_path, how, message):
    r = run(driver, "merge_error", how, tmp=tmp_path)
    assert (r.status, r.err) == (3, f"hic internal error: {message}\n")


def test_a_cycle_is_collected_when_main_returns(driver, tmp_path):
    r = run(driver, "cycle", tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    # The two blocks end (2 releases), then each collected region releases
    # the pack it held (2 more): as many as regions created plus retains.
    assert counts(r.stats) == {
        "allocs": 1, "regions_created": 2, "regions_freed": 2, "regions_peak": 2,
        "regions_leaked": 0, "retains": 2, "releases": 4, "bytes_allocated": 8,
        "bytes_peak": 8, "regions_collected": 2,
    }


def test_only_a_region_that_may_close_a_cycle_is_flagged(driver, tmp_path):
    # A graph built bottom-up flags nothing (a collection then skips its
    # trace); a pack stored into a held region does; the pair of regions
    # holding each other is still collected when main returns.
    r = run(driver, "cyclic_flags", tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert counts(r.stats)["regions_collected"] == 2
    assert counts(r.stats)["regions_leaked"] == 0


def test_a_candidate_of_255_collections_ago_is_buffered_again(driver, tmp_path):
    # The collector's round numbers wrap: the surviving pair is found again.
    r = run(driver, "rounds", tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert counts(r.stats)["regions_collected"] == 2
    assert counts(r.stats)["regions_leaked"] == 0


@pytest.mark.parametrize("merged", ["", "merged"])
def test_rings_are_collected_and_a_reachable_cycle_survives(driver, tmp_path, merged):
    # 3,000 rings of 10 regions and an acyclic tail each: two candidates per
    # ring (the tail's and the ring's), so collections run at 10,000
    # candidates while the program goes, and once more when main returns.
    rounds, n = 3000, 10
    r = run(driver, "rings", str(rounds), str(n), merged, env={"HIC_STACK_SIZE": "256K"}, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "rings ok\n", "")
    s = r.stats
    assert s["regions_created"] == 4 + rounds * (n + 1)
    assert (s["regions_freed"], s["regions_leaked"]) == (s["regions_created"], 0)
    # Everything but the keeper is reclaimed by the collector: the rings
    # and their tails (a merged region too), and the kept cycle of 3.
    assert s["regions_collected"] == rounds * (n + 1) + 3
    assert conserved(s)
    # Garbage never piled up beyond what the candidate threshold allows.
    assert s["regions_peak"] < 10_000 * (n + 1) // 2 + 100


def test_a_ring_of_a_million_regions_is_collected_on_a_small_stack(driver, tmp_path):
    n = 1_000_000
    r = run(driver, "rings", "1", str(n), env={"HIC_STACK_SIZE": "256K"}, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "rings ok\n", "")
    assert (r.stats["regions_collected"], r.stats["regions_leaked"]) == (n + 1 + 3, 0)


# ---------------------------------------------------------------------------
# Container storage and the cost of a region


def test_container_storage_under_churn_stays_the_size_of_its_contents(driver, tmp_path):
    peaks = []
    for steps in (10_000, 100_000):
        r = run(driver, "churn", str(steps), tmp=tmp_path)
        assert (r.status, r.out, r.err) == (0, "churn ok\n", "")
        assert r.stats["regions_leaked"] == 0 and conserved(r.stats)
        peaks.append(r.stats["bytes_peak"])
    assert peaks[1] == peaks[0]


def test_pool_memory_follows_the_live_contents_under_churn(driver, tmp_path):
    """Not just the count: the blocks go back to the pool and are reused,
    so the process does not grow either."""
    rss = []
    for steps in (20_000, 200_000):
        r = run(driver, "churn", str(steps), tmp=tmp_path, wrap=("/usr/bin/time", "-f", "%M"))
        assert r.status == 0
        rss.append(int(r.err.split()[-1]))
    assert rss[1] < rss[0] * 1.2 + 2048


def test_a_candidate_buffered_before_a_cycle_formed_is_traced(driver, tmp_path):
    r = run(driver, "unkept", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "unkept ok\n", "")
    assert counts(r.stats)["regions_collected"] == 2 and conserved(r.stats)


def test_a_region_s_inline_chunk_is_sized_by_its_hint(driver, tmp_path):
    r = run(driver, "sized", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "sized ok\n", "")


def test_a_small_region_costs_its_struct_and_table_entry(driver, tmp_path):
    # 136 bytes of struct (a 32-byte object and one held pack inside) and 8
    # of table, which grows by doubling (here 2^18 entries for 200,000
    # regions): no chunk, no hold table (docs/runtime.md). Before: 88 + 8 +
    # a 64-byte chunk + a 64-byte hold table = 224, and the table.
    r = run(driver, "region_cost", "200000", tmp=tmp_path)
    assert r.status == 0
    assert int(r.out) <= 136 + 8 * 2**18 // 200_000 + 16


# ---------------------------------------------------------------------------
# Strings and printing


def test_strings(driver, tmp_path):
    r = run(driver, "strings", tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert r.out == (
        "hello, world\n"
        "0 1 -1 42 9223372036854775807 -9223372036854775808 1000000007 -90210 \n"
        "strings ok\n"
    )


@pytest.mark.parametrize(
    "text, value",
    [("0", 0), ("-0", 0), ("007", 7), ("-9223372036854775808", -(1 << 63)),
     ("9223372036854775807", (1 << 63) - 1), ("-12", -12)],
)
def test_int_accepts(driver, tmp_path, text, value):
    r = run(driver, "int_of", text, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, f"{value}\n", "")


@pytest.mark.parametrize(
    "text",
    ["", "-", "+1", " 1", "1 ", "1a", "--1", "0x10", "1.0",
     "9223372036854775808", "-9223372036854775809", "99999999999999999999"],
)
def test_int_rejects_malformed(driver, tmp_path, text):
    r = run(driver, "int_of", text, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "", "runtime error: malformed integer string at 7:3\n")


@pytest.mark.parametrize("index", ["3", "-1"])
def test_string_index_out_of_range(driver, tmp_path, index):
    r = run(driver, "string_index", index, tmp=tmp_path)
    assert r.status == 101
    assert r.err == f"runtime error: index {index} out of range for length 3 at 9:14\n"


def test_args_are_built_as_the_lolang_interpreter_builds_them(driver, tmp_path):
    r = run(driver, "args", "a", "b c", "", "é", tmp=tmp_path)
    assert (r.status, r.out) == (0, "4 a b c  é\n")
    # One region for the array and one per string pack, held by it; nothing
    # counted as allocs or bytes; dropping main's pack frees them all.
    assert counts(r.stats) == {
        **{k: 0 for k in STAT_KEYS[2:]},
        "regions_created": 5, "regions_freed": 5, "regions_peak": 5, "releases": 5,
    }
    r = run(driver, "args_plain", "x", "yz", tmp=tmp_path)
    assert r.out == "x\nyz\n"
    assert (r.stats["regions_created"], r.stats["allocs"], r.stats["bytes_allocated"]) == (1, 0, 0)


def test_print_values(driver, tmp_path):
    r = run(driver, "print_values", tmp=tmp_path)
    assert r.out == (
        "-9223372036854775808 9223372036854775807 0 255 0 true false () tab\tnew\nline\n\n"
    )


def f64_text(x: float) -> str:
    """LANGUAGE.md 1.7: C's %.9f, with inf, -inf and nan (never -nan)."""
    return "nan" if x != x else "%.9f" % x


def test_print_f64_is_percent_9f_with_plain_nan(driver, tmp_path):
    rng = random.Random(20240601)
    specials = [0.0, -0.0, 0.1, -2.5e-10, 5e-10, 1.0000000005, 123456789.123456789, 1e308,
                -1e308, 5e-324, 2.0**63, math.inf, -math.inf, math.nan, -math.nan]
    bits = [struct.unpack("<Q", struct.pack("<d", x))[0] for x in specials]
    bits += [rng.getrandbits(64) for _ in range(300)]  # NaN payloads, subnormals, huge
    bits += [struct.unpack("<Q", struct.pack("<d", rng.uniform(-1e6, 1e6)))[0] for _ in range(300)]
    r = run(driver, "print_floats", *(f"{b:x}" for b in bits), tmp=tmp_path)
    values = [struct.unpack("<d", struct.pack("<Q", b))[0] for b in bits]
    assert r.status == 0
    assert r.out.splitlines() == [f64_text(x) for x in values]


def test_output_larger_than_the_buffer_comes_out_whole(driver, tmp_path):
    r = run(driver, "print_lots", tmp=tmp_path)
    assert r.out == "".join(f"{i}\n" for i in range(100_000))


# ---------------------------------------------------------------------------
# Arrays and maps


def test_arrays(driver, tmp_path):
    r = run(driver, "arrays", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "arrays ok\n", "")
    assert r.stats["regions_leaked"] == 0 and conserved(r.stats)


@pytest.mark.parametrize(
    "args, message",
    [
        (["index", "3"], "index 3 out of range for length 3 at 12:5"),
        (["index", "-1"], "index -1 out of range for length 3 at 12:5"),
        (["pop"], "pop of an empty array at 4:2"),
        (["negative", "-3"], "negative array size -3 at 1:1"),
        (["divide"], "division by zero at 2:9"),
        (["nowhere"], "index 3 out of range for length 3"),
        (["trunc", "nan"], "F64 value out of range for S64 at 5:6"),
        (["trunc", "-inf"], "F64 value out of range for S64 at 5:6"),
        (["trunc", "9223372036854775808"], "F64 value out of range for S64 at 5:6"),
        (["key"], "key not found at 7:8"),
    ],
)
def test_runtime_errors_exit_101_after_stdout(driver, tmp_path, args, message):
    r = run(driver, "array_error", *args, tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "3\n", f"runtime error: {message}\n")
    # The stats are written on the way out; the live region is leaked.
    assert r.stats["regions_leaked"] == 1 and r.stats["allocs"] == 1


def map_program(rng: random.Random, keys: list[str], steps: int) -> str:
    lines = []
    for _ in range(steps):
        op = rng.choices("igrkl", weights=[5, 3, 3, 1, 1])[0]
        key = rng.choice(keys)
        lines.append(f"i {key} {rng.randint(-1000, 1000)}" if op == "i" else
                     f"{op} {key}" if op in "gr" else op)
    return "\n".join(lines) + "\n"


def hinted_map_program(rng: random.Random, keys: list[str], rounds: int) -> str:
    """Operations in the orders the maps' hint guesses (runtime/maps.c):
    a walk over the keys in insertion order looking each up, some then
    removed or overwritten (get tries the entry after the last one found),
    and a get then an insert or a remove of the same key (they try the
    entry get found); with random ones and rebuilds in between, so that
    many guesses are stale."""
    lines = []
    live: dict[str, None] = {}

    def emit(op: str, key: str = "") -> None:
        if op == "i":
            lines.append(f"i {key} {rng.randint(-1000, 1000)}")
            live.setdefault(key)
        elif op == "r":
            lines.append(f"r {key}")
            live.pop(key, None)
        else:
            lines.append(f"{op} {key}".rstrip())

    for key in keys:
        emit("i", key)
    for _ in range(rounds):
        for key in list(live):  # a walk over a snapshot of the keys
            emit("g", key)
            if rng.random() < 0.3:
                emit(rng.choice("ir"), key)
            if rng.random() < 0.05:
                emit("i", rng.choice(keys))
        for _ in range(20):
            key = rng.choice(keys)
            emit("g", key)
            emit(rng.choice("ir"), key)
            emit("g", key)
        for _ in range(20):
            emit(rng.choice("igr"), rng.choice(keys))
        emit("k")
        emit("l")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("kind", ["s64", "str", "ref"])
def test_maps_guess_right_and_wrong(driver, tmp_path, kind):
    """The hint is right on walks and on get-then-insert/remove, stale
    after removals, inserts and rebuilds; the answers are the model's."""
    rng = random.Random(7)
    keys = [str(k * 7919) for k in range(60)] if kind == "s64" else [f"w{k}.{k % 7}" for k in range(60)]
    program = hinted_map_program(rng, keys, 40)
    r = run(driver, "map_ops", kind, stdin=program, tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert r.out == map_model(program)
    assert r.stats["regions_leaked"] == 0


def map_model(program: str) -> str:
    """What the map prints, by a Python dict: insertion ordered, an
    overwrite keeps its place, a removed key re-inserted goes last."""
    d: dict[str, int] = {}
    out = []
    for line in program.splitlines():
        op, *rest = line.split()
        if op == "i":
            out.append("old" if rest[0] in d else "new")
            d[rest[0]] = int(rest[1])
        elif op == "g":
            out.append(str(d[rest[0]]) if rest[0] in d else "none")
        elif op == "r":
            out.append(str(d.pop(rest[0])) if rest[0] in d else "absent")
        elif op == "k":
            out.append(" ".join(d))
        elif op == "l":
            out.append(str(len(d)))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("kind", ["s64", "str", "ref"])  # ref: String keys as references
@pytest.mark.parametrize("seed", [1, 2])
def test_maps_keep_insertion_order(driver, tmp_path, kind, seed):
    rng = random.Random(seed)
    if kind == "s64":
        keys = [str(k) for k in rng.sample(range(-10**6, 10**6), 40)]
        keys += [str(-(1 << 63)), str((1 << 63) - 1), "0"]
    else:
        keys = ["x" * rng.randint(0, 20) + str(i) for i in range(40)]
    program = map_program(rng, keys, 3000)
    r = run(driver, "map_ops", kind, stdin=program, tmp=tmp_path)
    assert (r.status, r.err) == (0, "")
    assert r.out == map_model(program)
    assert r.stats["regions_leaked"] == 0


def test_maps_with_pack_values_growth_and_churn(driver, tmp_path):
    r = run(driver, "maps", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (0, "maps ok\n", "")


# ---------------------------------------------------------------------------
# Start-up and the end of a program


def test_stats_json_has_exactly_the_design_keys(driver, tmp_path):
    r = run(driver, "print_values", tmp=tmp_path)
    assert list(r.stats) == STAT_KEYS
    assert (r.stats["engine"], r.stats["stage"]) == ("native", "print_values")
    assert all(isinstance(r.stats[k], int) for k in STAT_KEYS[2:])


def test_100000_nested_calls_run(driver, tmp_path):
    r = run(driver, "deep", "100000", tmp=tmp_path)
    assert r.status == 0 and r.out.startswith("deep ok ")
    assert int(r.out.split()[2]) > 100_000 * 32  # truly nested: the stack was used


def test_stack_overflow_is_a_runtime_error(driver, tmp_path):
    # The default 1 GiB stack, run off its end.
    r = run(driver, "overflow", tmp=tmp_path)
    assert (r.status, r.out, r.err) == (101, "42\n", "runtime error: stack overflow\n")
    assert r.stats["allocs"] == 1 and r.stats["regions_leaked"] == 1


def test_out_of_memory_is_a_runtime_error(driver, tmp_path):
    r = run(driver, "out_of_memory", tmp=tmp_path, limit_memory=400 << 20)
    assert (r.status, r.out, r.err) == (101, "1\n", "runtime error: out of memory\n")
    assert r.stats["regions_leaked"] == 1


def test_two_programs_run_in_one_process(driver, tmp_path):
    r = run(driver, "twice", tmp=tmp_path)
    assert r.err == "runtime error: division by zero at 1:2\n"
    first, second, stats = r.out.split(" ", 2)
    assert (first, second) == ("101", "0")
    stats = json.loads(stats)
    assert stats["stage"] == "second"
    assert counts(stats) == {
        "allocs": 1, "regions_created": 1, "regions_freed": 1, "regions_peak": 1,
        "regions_leaked": 0, "retains": 0, "releases": 1, "bytes_allocated": 8, "bytes_peak": 8,
        "regions_collected": 0,
    }


JIT_HOST = r'''
import ctypes, sys
import llvmlite.binding as llvm
from llvmlite import ir
from runtime import shared_library

llvm.initialize_native_target()
llvm.initialize_native_asmprinter()
llvm.load_library_permanently(str(shared_library()))

void, i32, i64 = ir.VoidType(), ir.IntType(32), ir.IntType(64)
ptr = ir.IntType(8).as_pointer()
module = ir.Module("programs")
module.triple = llvm.get_process_triple()
print_s64 = ir.Function(module, ir.FunctionType(void, [i64]), "hic_print_s64")
newline = ir.Function(module, ir.FunctionType(void, []), "hic_print_newline")
panic = ir.Function(module, ir.FunctionType(void, [i32, i32, i32, i64, i64]), "hic_panic")


def program(name, value, body=None):
    fn = ir.Function(module, ir.FunctionType(void, [ptr]), name)
    b = ir.IRBuilder(fn.append_basic_block())
    b.call(print_s64, [i64(value)])
    b.call(newline, [])
    if body:
        body(b)
    b.ret_void()


def fail(b):
    b.call(panic, [i32(1), i32(3), i32(4), i64(0), i64(0)])


# rec(n) = rec(n + 1) + frame[0], with a 64-byte frame: never returns.
rec = ir.Function(module, ir.FunctionType(i64, [i64]), "rec")
b = ir.IRBuilder(rec.append_basic_block())
frame = b.alloca(ir.ArrayType(i64, 8))
b.store(ir.Constant(ir.ArrayType(i64, 8), None), frame)
below = b.call(rec, [b.add(rec.args[0], i64(1))])
b.ret(b.add(below, b.load(b.gep(frame, [i32(0), i32(0)]))))

program("good", 7)
program("bad", 8, fail)
program("overflow", 9, lambda b: b.call(rec, [i64(0)]))
llvm_module = llvm.parse_assembly(str(module))
llvm_module.verify()
machine = llvm.Target.from_default_triple().create_target_machine()
engine = llvm.create_mcjit_compiler(llvm_module, machine)
engine.finalize_object()

lib = ctypes.CDLL(str(shared_library()))
lib.hic_start.argtypes = [
    ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int32
]
statuses = []
for name in ("good", "bad", "good", "overflow", "good"):
    statuses.append(lib.hic_start(0, None, engine.get_function_address(name), b"llvm", 0))
print("statuses", *statuses, flush=True)
'''


def test_a_jit_host_gets_each_programs_status_back(cache, tmp_path):
    """`hic run` runs JIT-compiled code in its own process: runtime errors
    and stack overflows must come back as statuses, and the next program
    must run normally (with faulthandler's SIGSEGV handler restored)."""
    env = {**os.environ, "HIC_CACHE_DIR": str(cache), "HIC_STACK_SIZE": "64M"}
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", JIT_HOST],
        capture_output=True, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode() == "7\n8\n7\n9\n7\nstatuses 0 101 0 101 0\n"
    assert result.stderr.decode() == (
        "runtime error: division by zero at 3:4\nruntime error: stack overflow\n"
    )


# ---------------------------------------------------------------------------
# valgrind

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None, reason="valgrind is not installed"
)
VALGRIND = ("valgrind", "--error-exitcode=97", "--leak-check=full", "-q")


@needs_valgrind
def test_valgrind_memcheck_is_clean(driver, tmp_path):
    env = {"HIC_STACK_SIZE": "8M"}
    r = run(driver, "everything", env=env, tmp=tmp_path, wrap=VALGRIND)
    assert (r.status, r.err) == (0, "")
    program = map_program(random.Random(3), ["k" * i for i in range(1, 30)], 500)
    r = run(driver, "map_ops", "str", stdin=program, env=env, tmp=tmp_path, wrap=VALGRIND)
    assert (r.status, r.err) == (0, "")
    assert r.out == map_model(program)


@needs_valgrind
@pytest.mark.parametrize("scenario", [("use_after_free", "inline"), ("use_after_free", "chunk"),
                                      ("stale_storage",)])
def test_valgrind_sees_a_use_of_freed_memory(driver, tmp_path, scenario):
    """The pool marks freed blocks off limits for memcheck, and a dead
    region its inline chunk, so a dangling object or storage pointer (a
    compiler bug) is reported, not silently read."""
    r = run(driver, *scenario, env={"HIC_STACK_SIZE": "8M"}, tmp=tmp_path, wrap=VALGRIND)
    assert r.status == 97 and "Invalid read of size 8" in r.err
