"""The benchmark runner (bench/run.py) builds and runs every peer it finds,
checks they agree, and writes its JSON: a smoke test at a tiny depth."""

import json
import subprocess
import sys

from conftest import ROOT


def test_the_runner_runs_every_peer_at_a_tiny_depth(tmp_path):
    results = tmp_path / "latest.json"
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--depth", "4", "--runs", "1", "--json", str(results)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(results.read_text())
    assert report["depth"] == 4 and report["runs"] == 1
    peers = report["peers"]
    assert "hic -O0" in peers and "CPython" in peers
    hic = peers["hic -O0"]
    assert len(hic["times_s"]) == 1 and hic["median_rss_kib"] > 0
    assert hic["hic_stats"]["regions_leaked"] == 0
    assert hic["hic_stats"]["regions_created"] == hic["hic_stats"]["regions_freed"] > 0
    assert "binary trees, depth 4" in done.stdout
