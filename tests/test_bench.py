"""The benchmark runner (bench/run.py) builds and runs every peer of every
benchmark it finds, checks they agree, and writes its JSON: a smoke test at
tiny sizes. (The runner itself stops with an error when a peer prints
something else than hic.) And its chart (bench/plot.py): the data it is
drawn from, always; the drawing, where matplotlib is installed."""

import importlib.util
import json
import statistics
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import plot  # noqa: E402
import run  # noqa: E402
from benchmarks import BENCHMARKS  # noqa: E402


def test_every_benchmark_has_its_files():
    for bench in BENCHMARKS:
        sources = [f"{bench.name}.hi", f"{bench.name}.ml", f"{bench.name}.py"]
        sources += [source for _, source in bench.c_sources()]
        missing = [s for s in sources if not (ROOT / "bench" / s).exists()]
        assert not missing, f"{bench.name}: missing {missing}"
        assert 0 < bench.tiny < bench.size


def test_the_runner_runs_every_peer_at_a_tiny_size(tmp_path):
    results = tmp_path / "latest.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--tiny", "--runs", "1", "--level", "0,2",
               "--json", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(results.read_text())
    assert report["runs"] == 1 and report["hic_levels"] == [0, 2]
    assert list(report["benchmarks"]) == [b.name for b in BENCHMARKS]
    for bench in BENCHMARKS:
        result = report["benchmarks"][bench.name]
        assert result["size"] == bench.tiny
        peers = result["peers"]
        assert {"hic -O0", "hic -O2", bench.baseline, "CPython"} <= set(peers)
        hic = peers["hic -O0"]
        assert len(hic["times_s"]) == 1 and hic["median_rss_kib"] > 0
        naive, best = result["hic_stats"]["0"], result["hic_stats"]["2"]
        for stats in (naive, best):
            assert stats["regions_leaked"] == 0
            assert stats["regions_created"] == stats["regions_freed"]
        assert naive["regions_created"] > 0 and best["regions_created"] <= naive["regions_created"]
    assert "binary trees, depth 4" in done.stdout
    assert "hic -O0 against -O2" in done.stdout
    # What the chart is drawn from, for a real report (matplotlib or not).
    groups = plot.chart_data(report)
    assert [g.benchmark for g in groups] == [b.name for b in BENCHMARKS]
    for group, bench in zip(groups, BENCHMARKS):
        assert group.baseline == bench.baseline and group.size == bench.tiny
        peers = {bar.peer for bar in group.bars}
        assert {"hic -O0", "CPython"} <= peers and bench.baseline not in peers
        assert all(bar.time > 0 and bar.rss > 0 for bar in group.bars)


# ------------------------------------------------------------------ the chart


def _peer(times, rss_kib):
    return {"times_s": times, "rss_kib": rss_kib,
            "median_s": statistics.median(times), "median_rss_kib": statistics.median(rss_kib)}


# Two benchmarks as run.py reports them; the second has no OCaml peer (no
# ocamlopt) and a second C version.
REPORT = {
    "date": "2026-12-07", "runs": 3, "hic_level": 0,
    "benchmarks": {
        "rbtree": {"size": 420000, "baseline": "C (malloc)", "peers": {
            "hic -O0": _peer([4.0, 5.0, 6.0], [300, 400, 500]),
            "C (malloc)": _peer([0.5, 0.5, 0.4], [100, 100, 100]),
            "OCaml": _peer([0.75, 0.8, 0.7], [50, 50, 50]),
            "CPython": _peer([4.0, 4.0, 4.0], [200, 200, 200]),
        }},
        "binary_trees": {"size": 16, "baseline": "C (arena)", "peers": {
            "hic -O0": _peer([2.0], [80]),
            "C (arena)": _peer([0.1], [8]),
            "C (malloc)": _peer([0.5], [16]),
            "CPython": _peer([3.0], [24]),
        }},
    },
}


def test_the_chart_data_are_each_peers_medians_over_its_benchmarks_baseline():
    rbtree, trees = plot.chart_data(REPORT)
    assert (rbtree.benchmark, rbtree.size, rbtree.baseline) == ("rbtree", 420000, "C (malloc)")
    assert [(b.peer, b.time, b.rss) for b in rbtree.bars] == [
        ("hic -O0", 10.0, 4.0), ("OCaml", 1.5, 0.5), ("CPython", 8.0, 2.0)]
    # The baseline is the line at 1, not a bar; a C peer that is not the
    # baseline is a bar like any other.
    assert [(b.peer, b.time, b.rss) for b in trees.bars] == [
        ("hic -O0", 20.0, 10.0), ("C (malloc)", 5.0, 2.0), ("CPython", 30.0, 3.0)]
    assert plot.series([rbtree, trees]) == ["hic -O0", "OCaml", "CPython", "C (malloc)"]


def test_the_chart_data_take_the_median_when_a_report_has_only_the_runs():
    report = json.loads(json.dumps(REPORT))
    for result in report["benchmarks"].values():
        for figures in result["peers"].values():
            del figures["median_s"], figures["median_rss_kib"]
    assert plot.chart_data(report) == plot.chart_data(REPORT)


def test_without_matplotlib_plot_says_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` fails
    with pytest.raises(plot.MatplotlibMissing, match=r"pip install -e '\.\[plot\]'"):
        plot.require_matplotlib()
    saved = tmp_path / "latest.json"
    saved.write_text(json.dumps(REPORT))
    with pytest.raises(SystemExit) as stopped:
        run.main(["--plot", str(tmp_path / "chart.svg"), "--from-json", str(saved)])
    assert stopped.value.code == 2
    assert "--plot needs matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "chart.svg").exists()


needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="matplotlib (the optional extra 'plot') is not installed")


@needs_matplotlib
def test_the_chart_names_every_benchmark_and_peer_and_is_the_same_each_time(tmp_path):
    first, second = tmp_path / "first.svg", tmp_path / "second.svg"
    for path in (first, second):
        plot.draw(plot.chart_data(REPORT), path, "a title")
    svg = first.read_text()
    ElementTree.fromstring(svg)  # well-formed
    for text in ("a title", "rbtree", "binary_trees", "÷ C (malloc)", "÷ C (arena)",
                 "hic -O0", "OCaml", "CPython", "10.0", "30.0"):
        assert text in svg, text
    assert first.read_bytes() == second.read_bytes()


@needs_matplotlib
def test_the_runner_draws_a_saved_run(tmp_path):
    saved, chart = tmp_path / "latest.json", tmp_path / "chart.svg"
    saved.write_text(json.dumps(REPORT))
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--plot", str(chart), "--from-json", str(saved)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hic -O0, medians of 3 interleaved runs, 2026-12-07" in chart.read_text()


def test_the_compile_time_benchmark_runs_at_a_tiny_size(tmp_path):
    results = tmp_path / "compile_time.json"
    command = [sys.executable, str(ROOT / "bench" / "compile_time.py"), "--tiny", "--json", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(results.read_text())
    assert [r["name"] for r in report["results"]] == ["generated_100", "literal_100"]
    assert all(r["seconds"] > 0 and r["lolang_lines"] > 0 for r in report["results"])


def test_joined_generated_programs_keep_their_names_apart(tmp_path):
    import compile_time

    source = compile_time.generated_program(600)
    assert source.count("\n") >= 600
    assert "fun main_m0(" in source and "fun main_m1(" in source
    (tmp_path / "joined.hi").write_text(source)
    done = subprocess.run([sys.executable, "-m", "hic", "check", str(tmp_path / "joined.hi")],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
