"""The command line as a user meets it: exit statuses, diagnostics with
positions and carets, --stats, --dump, --emit, usage errors. Run as a real
subprocess, since exit statuses and stream ordering are the point."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CONFORMANCE, EXAMPLES


def hic(*args: str, cwd: Path | None = None, input: bytes | None = None,
        env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hic", *args], capture_output=True, cwd=cwd,
                          input=input, timeout=300, env={**os.environ, **(env or {})})


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_help_lists_commands_and_exit_statuses():
    result = hic("--help")
    assert result.returncode == 0
    out = result.stdout.decode()
    for word in ("check", "run", "compile", "exit status", "101"):
        assert word in out


def test_version_names_hic_and_llvmlite():
    result = hic("--version")
    assert result.returncode == 0
    assert result.stdout.decode().startswith("hic ") and "llvmlite" in result.stdout.decode()


def test_no_command_is_a_usage_error():
    assert hic().returncode == 2


def test_unknown_extension_is_a_usage_error(tmp_path):
    result = hic("check", str(write(tmp_path, "x.txt", "")))
    assert result.returncode == 2
    assert b"neither a hilang" in result.stderr


def test_missing_file_is_bad_input(tmp_path):
    result = hic("check", str(tmp_path / "nope.hi"))
    assert result.returncode == 1
    assert b"cannot read" in result.stderr


def test_check_ok_example():
    result = hic("check", str(EXAMPLES / "hello.hi"))
    assert result.returncode == 0, result.stderr


def test_check_error_has_position_line_and_caret():
    path = CONFORMANCE / "ce_capability.hi"
    result = hic("check", str(path))
    assert result.returncode == 1
    err = result.stderr.decode()
    assert f"{path}:10:5: error: " in err
    assert "    push(xs, s);" in err
    assert "^" in err
    assert "Traceback" not in err


def test_several_errors_are_all_reported(tmp_path):
    path = write(tmp_path, "two.hi", "fun main() {\n    let a: S64 = true;\n    let b: Bool = 3;\n}\n")
    err = hic("check", str(path)).stderr.decode()
    assert f"{path}:2:" in err and f"{path}:3:" in err


def test_run_hilang_engine_prints_program_output():
    result = hic("run", str(CONFORMANCE / "loops.hi"), "--engine", "hilang")
    assert result.returncode == 0
    assert result.stdout.decode() == (CONFORMANCE / "loops.out").read_text()


def test_runtime_error_exits_101_after_output():
    path = CONFORMANCE / "rt_divzero.hi"
    result = hic("run", str(path), "--engine", "hilang")
    assert result.returncode == 101
    assert result.stdout.decode() == (CONFORMANCE / "rt_divzero.out").read_text()
    assert result.stderr.decode().splitlines()[0].startswith("runtime error: division by zero at 8:")


def test_stats_to_file_is_json_with_allocs(tmp_path):
    stats = tmp_path / "stats.json"
    result = hic("run", str(EXAMPLES / "binary_trees.hi"), "--engine", "hilang", f"--stats={stats}")
    assert result.returncode == 0
    figures = json.loads(stats.read_text())
    assert figures["engine"] == "hilang" and figures["stage"] in ("typed", "mono")
    assert figures["allocs"] > 0


def test_stats_without_file_go_to_stderr():
    result = hic("run", str(EXAMPLES / "hello.hi"), "--engine", "hilang", "--stats")
    assert result.returncode == 0
    assert '"allocs"' in result.stderr.decode()


def test_program_arguments_after_double_dash():
    result = hic("run", str(EXAMPLES / "binary_trees.hi"), "--engine", "hilang", "--", "8")
    assert result.returncode == 0
    assert b"stretch tree of depth 9" in result.stdout


def test_unknown_stage_is_a_usage_error():
    result = hic("run", str(EXAMPLES / "hello.hi"), "--stage", "nonsense")
    assert result.returncode == 2
    assert b"stages are" in result.stderr


@pytest.mark.parametrize("what", [["--emit", "lo", "-o"], ["--emit", "obj", "-o"], ["-o"]])
def test_an_output_that_cannot_be_written_is_the_users_to_fix(tmp_path, what):
    target = tmp_path / "no such directory" / "out"
    result = hic("compile", str(EXAMPLES / "hello.hi"), *what, str(target))
    assert result.returncode == 1
    assert result.stderr.decode() == f"hic: error: cannot write '{target}': No such file or directory\n"


def test_a_missing_c_compiler_is_named_with_the_remedy(tmp_path):
    result = hic("run", str(EXAMPLES / "hello.hi"),
                 env={"CC": "no-such-cc", "HIC_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "'no-such-cc' was not found" in result.stderr.decode()
    assert "set CC" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_unknown_pass_is_a_usage_error():
    result = hic("compile", str(EXAMPLES / "hello.hi"), "--no-pass", "nonsense")
    assert result.returncode == 2
    assert b"--no-pass nonsense: no such pass" in result.stderr


def test_no_pass_switches_off_the_pass_it_names(monkeypatch):
    """`--no-pass NAME` drops the stage `lo.NAME` and nothing else, at every
    -O level that would run it."""
    from lowering import pipeline, stages

    def fake_stages():
        identity = lambda program: program
        return [pipeline.Stage("lo", pipeline.LOLANG, identity, engine="lolang"),
                pipeline.Stage("lo.fold-things", pipeline.LOLANG, identity, engine="lolang",
                               optimization=True, min_level=1),
                pipeline.Stage("lo.merge-things", pipeline.LOLANG, identity, engine="lolang",
                               optimization=True, min_level=2)]

    monkeypatch.setattr(stages, "stages", fake_stages)
    path = "prog.hi"
    assert pipeline.pass_names(path) == ["fold-things", "merge-things"]

    def names(level, disabled=()):
        return [s.name for s in pipeline.active_stages(path, pipeline.Options(level, frozenset(disabled)))]

    assert names(2)[-3:] == ["lo", "lo.fold-things", "lo.merge-things"]
    assert names(2, ["merge-things"])[-2:] == ["lo", "lo.fold-things"]
    assert names(1)[-2:] == ["lo", "lo.fold-things"]
    assert names(0)[-1] == "lo"


@pytest.mark.parametrize("stages", ["ast,typed,mono", "all"])
def test_dump_shows_each_stage(stages):
    result = hic("compile", str(EXAMPLES / "hello.hi"), "--dump", stages)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for name in ("ast", "typed", "mono"):
        assert name in out
    assert "functions" in out


LONG_LINES = """\
fun aVeryLongFunctionNameThatGoesOnAndOn(firstParameterWithALongName: S64, secondParameterWithALongName: S64): S64 { return firstParameterWithALongName * secondParameterWithALongName + 1234567890; }
fun main() { print(aVeryLongFunctionNameThatGoesOnAndOn(3, 4)); }
"""


def test_a_piped_dump_writes_every_line_whole(tmp_path):
    """Issue 16: piped, `--dump` cut every line at 80 columns."""
    path = write(tmp_path, "long.hi", LONG_LINES)
    result = hic("compile", str(path), "--dump", "typed,lo")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    for stage in ("typed", "lo"):
        listing = hic("compile", str(path), "--emit", stage).stdout.decode()
        for line in listing.splitlines():
            assert line in out, line
    assert "line numbers: this listing, as printed (positions in errors count" in out
    assert "@LINE:COL: positions in" in out


def test_a_dump_on_a_narrow_terminal_wraps_without_losing_anything(tmp_path):
    from rich.console import Console

    from diagnostics import Source
    from hic import dump
    from lowering import pipeline

    artifacts = pipeline.run_pipeline(Source("long.hi", LONG_LINES), pipeline.Options(0), until="lo")
    console = Console(force_terminal=True, width=50, record=True, file=open(os.devnull, "w"))
    dump.show(artifacts, ["typed", "lo"], console, "long.hi")
    shown = "".join(ch for ch in console.export_text() if not ch.isspace() and ch not in "│╭╮╰╯─")
    for artifact in (a for a in artifacts if a.stage.name in ("typed", "lo")):
        for line in dump.text_of(artifact).splitlines():
            assert "".join(line.split()) in shown, line


def test_emit_mono_writes_hilang_that_runs_the_same(tmp_path):
    out = tmp_path / "generics.mono.hi"
    assert hic("compile", str(CONFORMANCE / "generics.hi"), "--emit", "mono", "-o", str(out)).returncode == 0
    result = hic("run", str(out), "--engine", "hilang")
    assert result.returncode == 0
    assert result.stdout.decode() == (CONFORMANCE / "generics.out").read_text()


def test_binary_garbage_gets_a_diagnostic_not_a_traceback(tmp_path):
    path = tmp_path / "junk.hi"
    path.write_bytes(b"\xff\xfe\x00fun \x80\x81 main(")
    result = hic("check", str(path))
    assert result.returncode == 1
    assert f"{path}:1:".encode() in result.stderr
    assert b"Traceback" not in result.stderr


LEAKING_COPY = """\
fun lastOf(xs: Array a): a { return xs[len(xs) - 1]; }
fun main() {
    let rows: mut Array (mut Array S64) = [[1], [2]];
    let last: mut Array S64 = lastOf(rows);
    push(last, 3);
    print(len(last));
}
"""


@pytest.mark.parametrize("stage", ["typed", "mono"])
def test_a_program_a_later_stage_rejects_is_not_run(tmp_path, stage):
    """The typed stage accepts the generic `lastOf`; its copy for
    `a = mut Array S64` is rejected at `mono`. No stage of it runs."""
    result = hic("run", str(write(tmp_path, "last.hi", LEAKING_COPY)), "--stage", stage)
    assert (result.returncode, result.stdout) == (1, b"")
    err = result.stderr.decode()
    assert "last.hi:1:30: error: cannot return 'xs[...]' from 'lastOf'" in err
    assert "write 'mut Array a' to allow it" in err
    assert "note: in 'lastOf' with a = mut Array S64, as called at 4:31" in err
    assert "__" not in err


# hic under an address-space limit (`ulimit -v`) set once its own modules
# are in: the deep-stack thread's 1 GiB stack, and 120 MiB more, which the
# program soon fills.
UNDER_A_MEMORY_LIMIT = """
import resource, sys
from hic import cli
used = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:"))
limit = used + (1 << 30) + (120 << 20)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.exit(cli.main(sys.argv[1:]))
"""

ENDLESS_LIST = """\
data L = Nil | Cons(S64, L)
fun main() {
    print(1);
    var l = Nil;
    while true { l = Cons(1, l); }
}
"""


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["hilang", "lolang"])
def test_running_out_of_memory_is_the_programs_runtime_error(tmp_path, engine):
    """LANGUAGE.md 1.6: `runtime error: out of memory`, exit 101, after the
    output printed before, as native code reports it; never a MemoryError
    shown as hic's bug."""
    path = write(tmp_path, "endless.hi", ENDLESS_LIST)
    result = subprocess.run([sys.executable, "-c", UNDER_A_MEMORY_LIMIT, "run", str(path), "--engine", engine],
                            capture_output=True, timeout=300)
    assert (result.returncode, result.stdout) == (101, b"1\n"), result.stderr
    assert result.stderr == b"runtime error: out of memory\n"


ENDLESS_OUTPUT = 'fun main() { var i = 0; while true { print(i, "and some more text"); i = i + 1; } }\n'


@pytest.mark.parametrize("command", [
    ["run", "{prog}", "--engine", "hilang"],
    ["run", "{prog}", "--engine", "lolang"],
    ["run", "{prog}", "--engine", "native"],
    ["compile", str(EXAMPLES / "binary_trees.hi"), "--dump", "all"],
], ids=["hilang", "lolang", "native", "dump"])
def test_output_cut_short_ends_quietly(tmp_path, command):
    """`hic ... | head -1`: once the reader is gone hic stops, prints
    nothing, and exits 141 (what a shell shows for a Unix tool that
    SIGPIPE ended), never an internal compiler error."""
    prog = write(tmp_path, "endless.hi", ENDLESS_OUTPUT)
    argv = [a.format(prog=prog) for a in command]
    child = subprocess.Popen([sys.executable, "-m", "hic", *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = child.stdout.readline()
    child.stdout.close()
    stderr = child.stderr.read()
    assert child.wait(timeout=300) == 141
    assert first and stderr == b""


def test_stats_before_the_file_is_the_flag_not_a_file_name():
    """`hic run --stats prog.hi`: the figures go to stderr; a file is only
    ever named as `--stats=FILE`."""
    result = hic("run", "--stats", str(EXAMPLES / "hello.hi"), "--engine", "hilang")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (EXAMPLES / "hello.out").read_bytes()
    stats = json.loads(result.stderr.decode().splitlines()[-1])
    assert stats["engine"] == "hilang" and stats["allocs"] > 0


def test_optimization_levels_say_which_passes_they_run():
    """`-O1`'s help promised "the cheap passes" whatever there were; it
    now lists the passes the pipeline runs at each level."""
    from hic.cli import level_help
    from lowering import pipeline

    for level in (1, 2):
        passes = [s.pass_name for s in pipeline.lolang_stages() if s.optimization and s.min_level <= level]
        assert all(name in level_help(level) for name in passes)
    assert "no optimization pass" in level_help(0)
    assert "cheap" not in hic("compile", "--help").stdout.decode()
