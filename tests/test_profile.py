"""`hic run --profile`: live bytes by allocation site over the run, from the
lolang interpreter and from native code (lolang/profile.py,
lolang/interp/profile.py, runtime/profile.c, hic/profile_plot.py).

Both engines must produce the very same profile (same clock, same samples,
same peak), and profiling must cost a normal run nothing.
"""

from __future__ import annotations

import builtins
import io
import json
import subprocess
import sys

import pytest

from conftest import CONFORMANCE, EXAMPLES, ROOT
from diagnostics import ProgramError, Source
from hic import cli
from lolang import interpreter
from lolang.codegen import native
from lolang.profile import allocation_sites, top_site
from lowering import pipeline
from runtime import build

LIST = """
data List = Nil | Cons(S64, List)
fun build(n: S64): List {
    var l = Nil;
    for i in 0..n { l = Cons(i, l); }
    return l;
}
fun main(args: Array String) {
    let n = int(args[0]);
    let keep = build(n);
    var t = 0;
    for r in 0..4 {
        let tmp = build(n / 4);
        match tmp { Cons(x, _) => { t = t + x; } Nil => { } }
    }
    match keep { Cons(x, _) => { t = t + x; } Nil => { } }
    print(t);
}
"""


def lowered(path, level=0, text=None):
    source = Source(str(path), text) if text is not None else Source.read(str(path))
    return pipeline.run_pipeline(source, pipeline.Options(level), until="lo")[-1].program


def profiles(program, args=()) -> tuple[dict, dict]:
    got = []
    for run in (interpreter.run, native.run):
        profile: list = []
        try:
            run(program, io.BytesIO(), list(args), profile=profile)
        except ProgramError:
            pass
        got.append(profile[0])
    return got[0], got[1]


@pytest.mark.parametrize("path, args", [
    (CONFORMANCE / "cycles.hi", ()),
    (CONFORMANCE / "rt_index.hi", ()),  # a runtime error: the profile is written all the same
    (EXAMPLES / "json_tree.hi", ()),
    (ROOT / "bench" / "frame_loop.hi", ("40",)),
], ids=lambda x: getattr(x, "stem", None))
def test_both_engines_give_the_same_profile(path, args):
    lo, nat = profiles(lowered(path), args)
    assert (lo.pop("engine"), nat.pop("engine")) == ("lolang", "native")
    assert lo == nat


def test_the_profile_follows_the_program():
    program = lowered("list.hi", text=LIST)
    profile, _ = profiles(program, ["20000"])
    names = profile["sites"]
    assert names == allocation_sites(program).names
    cons = names.index("build: Cons")
    stats = interpreter.run(program, io.BytesIO(), ["20000"])
    # At the peak, the kept list and one temporary one are live: Cons cells
    # hold nearly everything, and the peak is the stats' bytes_peak.
    assert profile["peak"]["bytes"] == stats["bytes_peak"] == sum(profile["peak"]["by_site"])
    assert top_site(profile) == ("build: Cons", profile["peak"]["by_site"][cons])
    # A Cons cell is an S64 and a pack of the rest: 24 bytes, no tag word
    # (Nil is an immediate, docs/lolang.md §9).
    assert profile["peak"]["by_site"][cons] == 24 * (20000 + 5000)
    # Samples every 4 KiB of allocation at first, thinned to at most 512.
    clocks = [row[0] for row in profile["samples"]]
    assert clocks == sorted(clocks) and len(clocks) <= 513
    assert clocks[-1] == stats["bytes_allocated"]
    # The last sample is the end: everything freed.
    assert profile["samples"][-1][1:] == [0] * (1 + len(names))


def test_a_normal_build_has_no_profiling_in_it():
    """The allocation fast path stays inline and hook-free: only a module
    compiled for --profile stores sites or allocates out of line, and only
    the runtime's profile variant has the hooks."""
    program = lowered("list.hi", text=LIST)
    normal = native.compile(program).text
    assert "hic_profile_site" not in normal and "hic_region_alloc" not in normal
    profiled = native.compile(program, sites=allocation_sites(program)).text
    assert "hic_profile_site" in profiled and "hic_region_alloc" in profiled
    symbols = subprocess.run(["nm", str(build.static_library())], capture_output=True, text=True).stdout
    assert "hic_profile_alloc" not in symbols
    symbols = subprocess.run(["nm", str(build.static_library("profile"))], capture_output=True, text=True).stdout
    assert "hic_profile_alloc" in symbols


def test_hic_run_profile_draws_and_writes_the_data(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cycles.svg"
    assert cli.main(["run", str(CONFORMANCE / "cycles.hi"), "-O0", "--profile", str(out)]) == 0
    assert out.read_text().lstrip().startswith("<?xml")
    data = json.loads(out.with_suffix(".json").read_text())
    assert data["engine"] == "native" and "ring: push" in data["sites"]
    err = capsys.readouterr().err
    assert "holds the most then" in err and "ring: push" in err


def test_hic_run_profile_json_needs_no_plotting_library(tmp_path, monkeypatch, capsys):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    data = tmp_path / "p.json"
    assert cli.main(["run", str(EXAMPLES / "hello.hi"), "--engine", "lolang", "--profile", str(data)]) == 0
    assert json.loads(data.read_text())["engine"] == "lolang"
    # A picture, though, needs matplotlib: a clear error before running.
    assert cli.main(["run", str(EXAMPLES / "hello.hi"), "--profile", str(tmp_path / "p.svg")]) == 1
    err = capsys.readouterr().err
    assert "hic: error: drawing" in err and "pip install 'hic[plot]'" in err


def test_profile_needs_an_engine_that_counts_regions(tmp_path):
    command = [sys.executable, "-m", "hic", "run", str(EXAMPLES / "hello.hi"), "--engine", "hilang",
               "--profile", str(tmp_path / "p.json")]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 2
    assert "--profile needs the lolang or the native engine" in result.stderr
