"""Native code (lolang/codegen/native.py, lolang/codegen/): every program behaves
natively exactly as under the lolang interpreter, which defines lolang —
stdout, the first line of stderr, the exit status — and counts the same
allocations, regions and reference-count operations (DESIGN.md "Figures
every engine reports"). Then what only native code has: the JIT's child
process, the stack, ahead-of-time executables, the IR's own checks.

Executables and the command line need the pipeline's `llvm` stage; the
rest drives `lolang.codegen.native` directly on lowered programs.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import llvmlite.binding as llvm
import pytest
from llvmlite import ir as ll

from conftest import CONFORMANCE, EXAMPLES, ROOT
from diagnostics import CompilerBug, ProgramError, Source
from lolang import interpreter
from lolang.codegen import native
from lolang.parser import parse
from lowering import pipeline
from programs import not_yet, run_file, runnable_stages
from test_lolang_interpreter import ERRORS as LOLANG_ERRORS

LOLANG_PROGRAMS = sorted((ROOT / "tests" / "lolang_programs").glob("*.lo"))
# The figures native code and the lolang interpreter must agree on (and, in
# practice, on the rest too: bytes and the peak of live regions).
SHARED_STATS = ("allocs", "regions_created", "regions_freed", "regions_leaked", "regions_collected", "retains",
                "releases")
ALL_STATS = SHARED_STATS + ("regions_peak", "bytes_allocated", "bytes_peak")


@dataclass
class Run:
    stdout: bytes
    stderr_line: str
    status: int
    stats: dict = field(default_factory=dict)

    def observed(self):
        return self.stdout, self.stderr_line, self.status


def run(runner, program, args=()) -> Run:
    out = io.BytesIO()
    try:
        stats = runner(program, out, list(args))
    except ProgramError as error:
        return Run(out.getvalue(), error.line(), 101, error.stats)
    return Run(out.getvalue(), "", 0, stats)


def figures(stats: dict, keys=ALL_STATS) -> dict:
    return {k: stats.get(k) for k in keys}


def lowered(path: Path | str, level: int = 0, text: str | None = None):
    """The `lo` stage of a hilang file (or of `text`)."""
    source = Source(str(path), text) if text is not None else Source.read(str(path))
    return pipeline.run_pipeline(source, pipeline.Options(level), until="lo")[-1].program


def assert_same(program, args=()) -> Run:
    expected = run(interpreter.run, program, args)
    got = run(native.run, program, args)
    assert got.observed() == expected.observed()
    assert figures(got.stats) == figures(expected.stats)
    return got




# ---------------------------------------------------------------- programs


@pytest.mark.parametrize("path", LOLANG_PROGRAMS, ids=lambda p: p.stem)
def test_lolang_program(path: Path):
    got = assert_same(parse(Source.read(str(path))))
    assert got.stdout == path.with_suffix(".out").read_bytes()
    status = path.with_suffix(".status")
    assert got.status == (int(status.read_text()) if status.exists() else 0)
    stderr = path.with_suffix(".stderr")
    if stderr.exists():
        assert got.stderr_line == stderr.read_text().splitlines()[0]


def _hilang_programs() -> list[Path]:
    found = sorted(CONFORMANCE.glob("*.hi")) + sorted(EXAMPLES.glob("*.hi"))
    return [p for p in found if p.with_suffix(".out").exists() and not p.with_suffix(".err").exists()]


@pytest.mark.parametrize("path", [pytest.param(p, marks=not_yet(p), id=f"{p.parent.name}/{p.stem}")
                                  for p in _hilang_programs()])
def test_hilang_program(path: Path):
    args = path.with_suffix(".args")
    args = args.read_text().split() if args.exists() else ()
    got = assert_same(lowered(path), args)
    assert got.stdout == path.with_suffix(".out").read_bytes()


def _benchmarks():
    sys.path.insert(0, str(ROOT / "bench"))
    from benchmarks import BENCHMARKS

    return BENCHMARKS


def _cpython_output(bench) -> bytes:
    """What the benchmark's CPython version prints at its tiny size."""
    command = [sys.executable, str(ROOT / "bench" / f"{bench.name}.py"), str(bench.tiny)]
    return subprocess.run(command, capture_output=True, check=True).stdout


@pytest.mark.parametrize("bench", _benchmarks(), ids=lambda b: b.name)
def test_the_benchmark_programs(bench):
    """Each benchmark at its tiny size: native code agrees with the lolang
    interpreter, figures included, and prints what its CPython version
    prints (an independent reference)."""
    size = str(bench.tiny)
    got = assert_same(lowered(ROOT / "bench" / f"{bench.name}.hi"), [size])
    assert got.stdout == _cpython_output(bench)
    assert got.stats["regions_leaked"] == 0


def test_main_takes_its_arguments():
    program = lowered("args.hi", text="""
fun main(args: Array String) {
    var total = 0;
    for a in args { print(a, len(a)); total = total + int(a); }
    print(len(args), total);
}
""")
    got = assert_same(program, ["1", "22", "-300"])
    assert got.stdout == b"1 1\n22 2\n-300 4\n3 -277\n"
    assert got.stats["regions_created"] == 4  # the array's region and one per string
    failed = assert_same(program, ["7", "x"])
    assert failed.stderr_line == "runtime error: malformed integer string at 4:55"


# `continue`, `break` and `return` out of `region` blocks and owned
# `unpack`s release what those blocks hold, innermost first.
ESCAPES = """
data Box = Box(v: S64)

fun early(n: S64): S64 {
    let x = do {
        if n > 2 {
            return n * 10;
        }
        n
    };
    var i = 0;
    while true {
        i = i + 1;
        region q {
            let b = pack{r} new[q] Box(i);
            let v = unpack copy b as s, o {
                if o.v == 4 {
                    drop b;
                    continue;
                }
                o.v
            };
            drop b;
            if v == 3 {
                continue;
            }
            if v > 5 {
                break;
            }
            print(v);
        };
    }
    let y = region q {
        let b = pack{r} new[q] Box(x);
        unpack copy b as s, o {
            drop b;
            if o.v == 1 {
                return 100;
            }
            o.v
        }
    };
    return x + y + i;
}

fun main() {
    print(early(1), early(2), early(7));
}
"""


def test_jumps_out_of_blocks_release_their_references():
    got = assert_same(parse(Source("escapes.lo", ESCAPES)))
    assert got.stdout == b"1\n2\n5\n1\n2\n5\n100 10 70\n"
    assert got.stats["regions_leaked"] == 0 and got.stats["releases"] == 42


# ---------------------------------------------------------------- numbers

WRAPPING = """
fun divide(a: S64, b: S64) { print(a / b, a % b); }
fun main() {
    let min = -9223372036854775807 - 1;
    divide(min, -1);
    divide(-7, 2);
    divide(7, -2);
    print(min - 1, -min, min * -1, 200u8 + 100u8, -(1u8));
    divide(1, 0);
}
"""


def test_division_wraps_and_a_zero_divisor_is_an_error():
    got = assert_same(lowered("wrap.hi", text=WRAPPING))
    assert got.stdout.splitlines() == [
        b"-9223372036854775808 0", b"-3 -1", b"-3 1",
        b"9223372036854775807 -9223372036854775808 -9223372036854775808 44 255",
    ]
    assert got.stderr_line == "runtime error: division by zero at 2:36"


@pytest.mark.parametrize("stmt,line", LOLANG_ERRORS)
def test_every_runtime_error_reads_as_in_the_interpreter(stmt, line):
    """Each kind of runtime error the C runtime words (runtime/errors.c),
    against diagnostics/errors.py's text that the interpreters print."""
    got = assert_same(parse(Source("error.lo", f"fun main() {{\n    print(1);\n    region q {{\n        {stmt}\n    }};\n}}\n")))
    assert (got.stdout, got.stderr_line, got.status) == (b"1\n", f"runtime error: {line}", 101)


# LANGUAGE.md 1.8: mutable rows passed, stored, inserted and pushed where
# read-only views of read-only rows are expected, and a generic function
# instantiated through such a view.
COVARIANT = """
data Box = { rows: Array (Array S64) }
fun total(g: Array (Array S64)): S64 { var t = 0; for r in g { for x in r { t = t + x; } } return t; }
fun count(m: Map String (Array (Array S64))): S64 {
    var c = 0;
    for k in m { match get(m, k) { Some(v) => { c = c + total(v); } None => {} } }
    return c;
}
fun deep(g: Array (Array (Array S64))): S64 { return len(g); }
fun relay(g: Array (Array S64)): S64 { return total(g); }
fun pick(xs: Array a, i: S64): a { return xs[i]; }
fun main() {
    let g: mut Array (mut Array S64) = [[1, 2], [3]];
    let m: mut Map String (mut Array (mut Array S64)) = map();
    insert(m, "g", g);
    let d: mut Array (Array (mut Array S64)) = [g];
    let ro: Array (Array S64) = g;
    let b = Box { rows = g };
    let kept: mut Array (Array (Array S64)) = [];
    push(kept, g);
    push(g[1], 4);
    let row = pick(g, 0);
    print(total(g), count(m), deep(d), len(ro), total(b.rows), len(kept), len(row), relay(g));
}
"""


def test_read_only_views_are_covariant_on_every_engine(tmp_path):
    got = assert_same(lowered("covariant.hi", text=COVARIANT))
    assert got.stdout == b"10 10 1 2 10 1 2 10\n"
    assert got.stats["regions_leaked"] == 0
    source = tmp_path / "covariant.hi"
    source.write_text(COVARIANT)
    for stage, engine in runnable_stages(source):  # the passes too (borrow-regions keeps these packs)
        assert run_file(source, stage=stage, engine=engine).stdout == got.stdout, stage


# (a * b + c) where a * b rounds to 1.0 exactly: 0 unfused, 2^-54 fused.
FUSION = """
fun f(a: F64, b: F64, c: F64): F64 { return (a * b + c) * 100000000000000000.0; }
fun main() {
    print(f(0.1, 10.0, -1.0), 1.0 / 0.0, -1.0 / 0.0, 0.0 / 0.0, sqrt(-0.0), trunc(-2.9));
    print(trunc(1.0 / 0.0));
}
"""


@pytest.mark.parametrize("jit_level", ["1", "2"])
def test_floating_point_is_never_fused(jit_level, monkeypatch):
    monkeypatch.setenv("HIC_JIT_OPT", jit_level)
    got = assert_same(lowered("fma.hi", text=FUSION))
    assert got.stdout == b"0.000000000 inf -inf nan -0.000000000 -2\n"
    assert got.stderr_line == "runtime error: F64 value out of range for S64 at 5:11"


# ---------------------------------------------------------------- the stack

DEEP = """
fun depth(n: S64): S64 {
    if n == 0 { return 0; }
    return 1 + depth(n - 1);
}
fun main() { print(depth(100000)); print(depth(199998)); print(depth(199999)); }
"""


def test_deep_recursion_runs_and_stops_where_every_engine_stops():
    """main is call 1, so depth(199998) makes 199,999 calls active and
    depth(199999) would make 200,001: `stack overflow` at that call."""
    got = assert_same(lowered("deep.hi", text=DEEP))
    assert got.stdout == b"100000\n199998\n"
    assert got.stderr_line == "runtime error: stack overflow at 4:16"


# Early exits (lolang/codegen/early_exits.py): `f` is split into an entry
# that runs the two `if`s and the full body it tail-calls, which runs them
# again. The entry is no call of its own: the overflow comes at the same
# call, and an exit whose condition fails (a division by zero) fails once,
# at its position, with the figures of the interpreter. Both `Node`s are
# counted where they are made: the leaf in the entry, the others in the body.
EARLY_EXITS = """
data T = E | Node(T, T)
fun f(n: S64, d: S64): S64 {
    if 100 / d < 0 { return -1; }
    if n <= 0 { return 0; }
    return f(n - 1, d - 1) + 1;
}
fun tree(n: S64): T {
    if n <= 0 { return Node(E, E); }
    return Node(tree(n - 1), tree(n - 1));
}
fun size(t: T): S64 { match t { E => { return 0; } Node(l, r) => { return 1 + size(l) + size(r); } } }
fun main() {
    print(size(tree(5)), f(5, 20), f(199998, 1000000));
    print(f(30, 10));
}
"""


@pytest.mark.parametrize("jit_level", ["1", "2"])
def test_early_exits_stop_where_every_engine_stops(jit_level, monkeypatch):
    monkeypatch.setenv("HIC_JIT_OPT", jit_level)
    program = lowered("early.hi", text=EARLY_EXITS)
    assert '@"lo.f.early"' in native.compile(program).text  # the split this is about
    got = assert_same(program)
    assert got.stdout == b"63 5 199998\n"
    assert got.stderr_line == "runtime error: division by zero at 4:8"
    deeper = lowered("early.hi", text=EARLY_EXITS.replace("f(199998, 1000000)", "f(199999, 1000000)"))
    got = assert_same(deeper)
    assert (got.stdout, got.stderr_line) == (b"", "runtime error: stack overflow at 6:12")


# Match exits (lolang/codegen/early_exits.py): `walk` starts with a match
# whose `Leaf` arm calls nothing, so its entry, and its twin's, run that
# arm and send a `Node` on to the full body, which matches again. The
# entries are no calls: the overflow comes at the same call, and the
# exit's division by zero stops the program where the interpreter does.
MATCH_EXITS = """
data T = Leaf(S64) | Node(T, T)
fun walk(t: T): S64 {
    match t {
        Leaf(v) => { return 100 / v; }
        Node(l, r) => { return walk(l) + walk(r); }
    }
}
fun chain(n: S64): T {
    var t = Leaf(1);
    var i = 0;
    while i < n { t = Node(t, Leaf(50)); i = i + 1; }
    return t;
}
fun main() {
    let a = chain(3);
    let b = chain(199998);
    print(walk(a), walk(b));
    let c = Node(Leaf(5), Leaf(0));
    print(walk(c));
}
"""


def _optimized(text: str):
    """The last lolang stage of hilang `text` at -O2 (where `walk` takes
    a reference: its body starts with the match)."""
    artifacts = pipeline.run_pipeline(Source("match_exits.hi", text), pipeline.Options(2))
    return next(a.program for a in reversed(artifacts) if a.stage.language == pipeline.LOLANG)


@pytest.mark.parametrize("jit_level", ["1", "2"])
def test_match_exits_stop_where_every_engine_stops(jit_level, monkeypatch):
    from lolang.codegen import early_exits

    monkeypatch.setenv("HIC_JIT_OPT", jit_level)
    monkeypatch.setattr(early_exits, "SMALL_BODY", 0)  # whatever walk's size
    program = _optimized(MATCH_EXITS)
    text = native.compile(program).text
    assert '@"lo.walk.early"' in text and '@"lo.walk.twin.early"' in text  # the split this is about
    got = assert_same(program)
    assert got.stdout == b"106 400096\n"
    assert got.stderr_line == "runtime error: division by zero at 5:29"
    deeper = _optimized(MATCH_EXITS.replace("chain(199998)", "chain(199999)"))
    got = assert_same(deeper)
    assert (got.stdout, got.stderr_line) == (b"", "runtime error: stack overflow at 6:32")


@pytest.mark.parametrize("jit_level", ["1", "2"])
def test_big_recursive_functions_get_no_twin_and_dead_ones_no_code(jit_level, monkeypatch):
    """A recursive function over TWIN_MAX_INSTRUCTIONS (here: every one)
    calls itself, or its early-exit entry, with no `.twin`; a function
    no call reaches from main is not emitted. The engines still agree,
    at the same overflow."""
    from lolang.codegen import module

    monkeypatch.setenv("HIC_JIT_OPT", jit_level)
    monkeypatch.setattr(module, "TWIN_MAX_INSTRUCTIONS", 0)
    text = EARLY_EXITS.replace("fun main()", "fun unused(n: S64): S64 { return size(tree(n)); }\nfun main()")
    program = lowered("no_twin.hi", text=text)
    ir_text = native.compile(program).text
    assert ".twin" not in ir_text and '@"lo.f.early"' in ir_text
    assert '"lo.unused"' not in ir_text and '"lo.size"' in ir_text
    got = assert_same(program)
    assert got.stdout == b"63 5 199998\n"
    assert got.stderr_line == "runtime error: division by zero at 4:8"


def test_unbounded_recursion_is_a_stack_overflow():
    got = assert_same(lowered("forever.hi", text="""
fun down(n: S64): S64 { return down(n + 1) + 1; }
fun main() { print(1); print(down(0)); }
"""))
    assert (got.stdout, got.stderr_line, got.status) == (b"1\n", "runtime error: stack overflow at 2:32", 101)


def test_the_guard_page_is_the_backstop(monkeypatch):
    """With a stack too small for the depth bound, the runtime's guard
    page ends the program the same way (without a position)."""
    monkeypatch.setenv("HIC_STACK_SIZE", "256K")
    got = run(native.run, lowered("deep.hi", text=DEEP))
    assert (got.stdout, got.stderr_line, got.status) == (b"", "runtime error: stack overflow", 101)


# ---------------------------------------------------------------- the JIT's child process


def test_stdout_goes_straight_to_a_file_descriptor(tmp_path):
    """When `out` has a file descriptor the child writes to it directly:
    output before a runtime error stands, in order."""
    program = parse(Source.read(str(ROOT / "tests" / "lolang_programs" / "runtime_error.lo")))
    with open(tmp_path / "out", "wb") as out:
        with pytest.raises(ProgramError) as caught:
            native.run(program, out, [])
    assert (tmp_path / "out").read_bytes() == (ROOT / "tests" / "lolang_programs" / "runtime_error.out").read_bytes()
    assert caught.value.line() == "runtime error: division by zero at 9:16"
    assert caught.value.stats["regions_leaked"] == 1


def test_a_lot_of_output_through_the_pipe():
    got = run(native.run, lowered("loud.hi", text="""
fun main() { for i in 0..200000 { print(i, "some padding to fill the pipe"); } }
"""))
    lines = got.stdout.splitlines()
    assert len(lines) == 200000 and lines[-1] == b"199999 some padding to fill the pipe"


def test_how_the_child_ends():
    exited = lambda code: code << 8  # noqa: E731  (a wait status)
    assert native._outcome(exited(0), b"", {"allocs": 1}) == {"allocs": 1}
    with pytest.raises(ProgramError) as caught:
        native._outcome(exited(101), b"runtime error: index 3 out of range for length 3 at 9:22\n", {})
    assert caught.value.line() == "runtime error: index 3 out of range for length 3 at 9:22"
    with pytest.raises(CompilerBug, match="stale region id") as bug:
        native._outcome(exited(3), b"hic internal error: stale region id #3.1 (retain)\n", {})
    assert bug.value.stage == "llvm"
    with pytest.raises(CompilerBug, match="signal 11"):
        native._outcome(11, b"", {})


# ---------------------------------------------------------------- the module


def test_a_module_llvm_rejects_is_a_compiler_bug_of_stage_llvm(monkeypatch):
    def broken(program, types, stage, sites=None):
        module = ll.Module()
        func = ll.Function(module, ll.FunctionType(ll.IntType(64), []), "f")
        ll.IRBuilder(func.append_basic_block()).ret(ll.Constant(ll.IntType(32), 0))
        return module

    monkeypatch.setattr(native, "compile_program", broken)
    with pytest.raises(CompilerBug) as bug:
        native.compile(parse(Source.read(str(LOLANG_PROGRAMS[0]))))
    assert bug.value.stage == "llvm"


def test_the_module_is_built_for_this_machine():
    text = str(native.compile(parse(Source.read(str(LOLANG_PROGRAMS[0])))))
    assert f'target triple = "{llvm.get_process_triple()}"' in text
    assert "define i32 @\"hic_program_run\"" in text or "@hic_program_run" in text
    assert "fast" not in [w.strip(",") for w in text.split()]  # no fast-math flags anywhere


def test_executables_inline_the_allocation_fast_path():
    """At O2 the bump-and-compare fast path and the retain/release fast
    paths are inlined into the program's functions; only a full chunk
    calls the runtime."""
    module = native.compile(parse(Source.read(str(ROOT / "tests" / "lolang_programs" / "worked_example.lo"))))
    text = str(native._optimized(module, native._target_machine(jit=False)))
    assert "@hic_alloc_slow(" in text
    for helper in ("@hic.alloc(", "@hic.retain(", "@hic.release("):
        assert helper not in text


# ---------------------------------------------------------------- executables


def test_an_executable_runs_like_the_jit(tmp_path):
    program = lowered(EXAMPLES / "binary_trees.hi")
    exe = native.link_executable(native.compile(program), tmp_path / "bt")
    jit = run(native.run, program, ["5"])
    stats = tmp_path / "stats.json"
    result = subprocess.run([str(exe), "5"], capture_output=True, env={**os.environ, "HIC_STATS": str(stats)})
    assert (result.stdout, result.returncode) == (jit.stdout, 0)
    assert figures(json.loads(stats.read_text())) == figures(jit.stats)


def test_an_executable_reports_runtime_errors(tmp_path):
    program = parse(Source.read(str(ROOT / "tests" / "lolang_programs" / "runtime_index.lo")))
    exe = native.link_executable(program, tmp_path / "prog")
    result = subprocess.run([str(exe)], capture_output=True)
    assert result.returncode == 101
    assert result.stderr.decode().splitlines()[0] == "runtime error: index 3 out of range for length 3 at 9:22"


def hic(*args: str, cwd=ROOT, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "hic", *args], capture_output=True, cwd=cwd, env=env, **kwargs)


def test_hic_compile_o_links_an_executable(tmp_path):
    exe = tmp_path / "hello"
    assert hic("compile", str(EXAMPLES / "hello.hi"), "-o", str(exe)).returncode == 0
    assert subprocess.run([str(exe)], capture_output=True).stdout == (EXAMPLES / "hello.out").read_bytes()


def test_hic_emits_llvm_and_objects(tmp_path):
    source = str(EXAMPLES / "hello.hi")
    assert hic("compile", source, "--emit", "llvm", "-o", str(tmp_path / "h.ll")).returncode == 0
    llvm.parse_assembly((tmp_path / "h.ll").read_text()).verify()
    assert hic("compile", source, "--emit", "obj", "-o", str(tmp_path / "h.o")).returncode == 0
    assert (tmp_path / "h.o").read_bytes()[:4] == b"\x7fELF"
    dumped = hic("compile", source, "--dump", "llvm")
    assert dumped.returncode == 0 and b"hic_program_run" in dumped.stdout
    assert b"release sites" in dumped.stdout


def test_the_llvm_summary_counts_the_region_work_of_the_lolang_program():
    """In binary trees, every `region` block creates its region in one
    place of the module, every `pack` and `copy` retains in one, every
    `drop` and the end of every region block releases in one. (The figures
    are counted on the module, not on lolang.)"""
    from lolang.codegen.summary import summarize as summarize_llvm
    from lolang.summary import summarize as summarize_lolang

    artifacts = pipeline.run_pipeline(Source.read(str(EXAMPLES / "binary_trees.hi")), pipeline.Options(0))
    lo = summarize_lolang(artifacts[-2].program)
    llvm_figures = summarize_llvm(artifacts[-1].program.module)
    assert llvm_figures["region creations"] == lo["region blocks"] == 27
    assert llvm_figures["retain sites"] == lo["packs"] + lo["copies"] == 28
    assert llvm_figures["release sites"] == lo["region blocks"] + lo["drops"] == 56


# ---------------------------------------------------------------- literals of constants


def _flat(n: int) -> str:
    """A hilang program whose array literal is `n` integer constants."""
    elements = ", ".join(str(i * 7 % 1000 - 500) for i in range(n))
    return f"fun main() {{\n    let xs = [{elements}];\n    print(len(xs), xs[0], xs[{n - 1}], xs[{n // 2}]);\n}}\n"


def test_a_flat_literal_of_constants_prints_and_counts_as_in_the_interpreter():
    got = assert_same(lowered("flat.hi", text=_flat(3000)))
    assert got.stdout == b"3000 -500 493 0\n"
    # its region, the header (24 bytes), the storage (8 bytes an element)
    assert (got.stats["allocs"], got.stats["regions_created"], got.stats["bytes_allocated"]) == (1, 1, 24 + 3000 * 8)


def test_the_code_of_a_literal_of_constants_does_not_grow_with_it():
    """One store per element made LLVM's code generation quadratic (a
    minute for 10,000 integers): the elements are one constant global,
    copied by one memcpy, so the module's code is the same size for 20
    elements as for 2,000 (lolang/codegen/constant_data.py)."""
    from lolang.codegen.summary import summarize as summarize_llvm

    instructions = []
    for n in (20, 2000):
        module = native.compile(lowered("flat.hi", text=_flat(n)))
        instructions.append(summarize_llvm(module.module)["instructions"])
        assert f'private constant [{n} x i64] [i64 -500, i64 -493,' in module.text
        assert module.text.count("call void @\"llvm.memcpy.p0.p0.i64\"") == 1
    assert instructions[0] == instructions[1]


def test_hic_compile_names_binaries_after_the_input(tmp_path):
    """Without -o, an executable or object file goes to the current
    directory, named after the input (as rustc and go build do); a dump
    alone writes nothing."""
    source = str(EXAMPLES / "hello.hi")
    assert hic("compile", source, "--dump", "lo", cwd=tmp_path).returncode == 0
    assert list(tmp_path.iterdir()) == []
    assert hic("compile", source, cwd=tmp_path).returncode == 0
    assert subprocess.run([str(tmp_path / "hello")], capture_output=True).stdout == (EXAMPLES / "hello.out").read_bytes()
    assert hic("compile", source, "--emit", "obj", cwd=tmp_path).returncode == 0
    assert (tmp_path / "hello.o").read_bytes()[:4] == b"\x7fELF"


def test_native_is_the_default_engine(tmp_path):
    result = hic("run", str(CONFORMANCE / "rt_divzero.hi"), f"--stats={tmp_path / 's.json'}")
    assert result.returncode == 101
    assert result.stdout == (CONFORMANCE / "rt_divzero.out").read_bytes()
    assert result.stderr.decode().startswith("runtime error: division by zero at ")
    assert json.loads((tmp_path / "s.json").read_text())["engine"] == "native"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.hi")), ids=lambda p: p.stem)
def test_valgrind_finds_nothing_wrong_with_the_examples(path: Path, tmp_path):
    exe = native.link_executable(lowered(path), tmp_path / path.stem)
    result = subprocess.run(["valgrind", "--error-exitcode=99", "--leak-check=no", "-q", str(exe)],
                            capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == path.with_suffix(".out").read_bytes()


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
@pytest.mark.parametrize("bench", _benchmarks(), ids=lambda b: b.name)
def test_valgrind_finds_nothing_wrong_with_the_benchmarks(bench, tmp_path):
    exe = native.link_executable(lowered(ROOT / "bench" / f"{bench.name}.hi"), tmp_path / bench.name)
    result = subprocess.run(["valgrind", "--error-exitcode=99", "--leak-check=no", "-q", str(exe), str(bench.tiny)],
                            capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == _cpython_output(bench)
