"""The benchmark runner (bench/run.py) builds and runs every peer of every
benchmark it finds, checks they agree, and writes its JSON: a smoke test at
tiny sizes. (The runner itself stops with an error when a peer prints
something else than hic.)"""

import json
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
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
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--tiny", "--runs", "1", "--json", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(results.read_text())
    assert report["runs"] == 1 and report["hic_level"] == 0
    assert list(report["benchmarks"]) == [b.name for b in BENCHMARKS]
    for bench in BENCHMARKS:
        result = report["benchmarks"][bench.name]
        assert result["size"] == bench.tiny
        peers = result["peers"]
        assert {"hic -O0", bench.baseline, "CPython"} <= set(peers)
        hic = peers["hic -O0"]
        assert len(hic["times_s"]) == 1 and hic["median_rss_kib"] > 0
        stats = result["hic_stats"]
        assert stats["regions_leaked"] == 0
        assert stats["regions_created"] == stats["regions_freed"] > 0
    assert "binary trees, depth 4" in done.stdout
