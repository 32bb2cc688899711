"""Bad input at every entry point (DESIGN.md "Command line" and "Testing").

`hic check`, `hic run` and `hic compile` are fed, as `.hi` and as `.lo`
files: random bytes, token soup, invalid UTF-8, truncations and token-level
mutations of valid programs (the conformance programs, examples/ and
tests/lolang_programs/), ill-typed and capability-violating variants of
generated programs, and nesting 20,000 levels deep. Every run must end in
exit 1 with `FILE:LINE:COL: error: ...` first on stderr, or in success;
never in a traceback, a compiler bug (exit 3), a crash or a hang.

Most cases call `hic.cli.main` in-process, for speed; the deep-nesting
ones call it in a forked child, where a crash of native code (LLVM
overflowing its stack, say) or a stage that never ends cannot take pytest
down with it; and a few run `python -m hic` as a real subprocess.

`run` is only given inputs `check` rejects: a mutated program that still
type-checks may well loop forever, which is its right.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import assume, given, note, settings
from hypothesis import strategies as st

from conftest import CONFORMANCE, EXAMPLES, ROOT
from gen import programs
from hic import cli
from hilang import ast
from hilang.printer import print_program
from test_differential import time_limit

LOLANG_PROGRAMS = ROOT / "tests" / "lolang_programs"
CORPUS = sorted(CONFORMANCE.glob("*.hi")) + sorted(EXAMPLES.glob("*.hi")) + sorted(LOLANG_PROGRAMS.glob("*.lo"))
COMMANDS = ("check", "run", "compile")
DIAGNOSTIC = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): error: ")
TIMEOUT = 120
DEPTH = 20_000
# A 20,000-deep program takes seconds per command (up to half a minute for
# `run` of the array literal on a loaded two-core machine): a generous guard,
# so that only a hang fails on time.
DEEP_TIMEOUT = 240

# The generated-program cases compile and check bigger programs: half as many.
fewer = settings(max_examples=max(10, settings.default.max_examples // 2))


@pytest.fixture(scope="module")
def tmp_path(tmp_path_factory):
    """One directory for the module (hypothesis reruns a test body many
    times within one function-scoped fixture; each example overwrites its
    input file)."""
    return tmp_path_factory.mktemp("bad_input")


def hic(*args: str) -> tuple[int, str]:
    """`hic ARGS` in this process: (exit status, stderr)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        with time_limit(TIMEOUT, f"hic {' '.join(args)}"):
            status = cli.main(list(args))
    return status, err.getvalue()


def assert_handled(path: Path, status: int, stderr: str, allowed=(0, 1)) -> None:
    assert "Traceback" not in stderr, stderr
    assert status in allowed, f"exit status {status}:\n{stderr}"
    if status == 1:
        first = stderr.splitlines()[0] if stderr else ""
        found = DIAGNOSTIC.match(first)
        assert found and found["file"] == str(path), f"not a diagnostic with a position: {first!r}"


def feed(path: Path, data: bytes, commands=COMMANDS) -> None:
    """Every command on `data`; `run` only when `check` rejects it."""
    path.write_bytes(data)
    status, err = hic("check", str(path))
    assert_handled(path, status, err)
    if "compile" in commands:
        assert_handled(path, *hic(*command_line("compile", path)))
    if "run" in commands and status == 1:
        assert_handled(path, *hic("run", str(path)))


def command_line(command: str, path: Path) -> list[str]:
    """`hic COMMAND PATH`; `compile` goes through every stage to the LLVM
    module and writes it beside the input (rather than linking an
    executable into the current directory)."""
    if command == "compile":
        return [command, str(path), "--emit", "llvm", "-o", str(path.with_suffix(".ll"))]
    return [command, str(path)]


def _file(tmp_path: Path, ext: str) -> Path:
    return tmp_path / f"input{ext}"


# --------------------------------------------------------------------------
# noise

extensions = st.sampled_from([".hi", ".lo"])


@given(data=st.binary(max_size=200), ext=extensions)
def test_random_bytes(tmp_path, data, ext):
    feed(_file(tmp_path, ext), data)


TOKENS = (
    "fun", "data", "let", "var", "if", "else", "then", "while", "for", "in", "break", "continue",
    "return", "match", "true", "false", "with", "mut", "region", "pack", "unpack", "as", "new", "do",
    "main", "x", "xs", "S64", "U8", "F64", "String", "Array", "Map", "Option", "Some", "None", "P",
    "0", "1", "-7", "255u8", "1.5", '"s"', '"\\q"', "{", "}", "(", ")", "[", "]", ",", ";", ":", ".",
    "..", "=", "==", "=>", "+", "-", "*", "/", "%", "++", "<", ">", "<=", "!", "&&", "||", "|", "@",
    "{rw}", "{rwa}", "_", "#", "\n",
)


@given(tokens=st.lists(st.sampled_from(TOKENS), max_size=60), ext=extensions)
def test_token_soup(tmp_path, tokens, ext):
    feed(_file(tmp_path, ext), " ".join(tokens).encode())


# --------------------------------------------------------------------------
# damaged valid programs

corpus = st.sampled_from(CORPUS)
BAD_UTF8 = (b"\xff", b"\xc3", b"\x80\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xc0\xaf", b"\x00")


@given(source=corpus, where=st.floats(0, 1), bad=st.sampled_from(BAD_UTF8))
def test_invalid_utf8(tmp_path, source, where, bad):
    data = source.read_bytes()
    cut = int(where * len(data))
    feed(_file(tmp_path, source.suffix), data[:cut] + bad + data[cut:])


@given(source=corpus, where=st.floats(0, 1))
def test_truncated_programs(tmp_path, source, where):
    data = source.read_bytes()
    feed(_file(tmp_path, source.suffix), data[: int(where * len(data))])


TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:u8)?|\.\.|=>|[=!<>]=|&&|\|\||\+\+|\S')


@given(source=corpus, seed=st.integers(0, 2**32), count=st.integers(1, 3))
def test_token_mutations(tmp_path, source, seed, count):
    """Delete, duplicate, swap or replace a few tokens of a valid program."""
    text = source.read_text()
    spans = [m.span() for m in TOKEN.finditer(text)]
    rng = random.Random(seed)
    for _ in range(count):
        text, spans = _mutate(text, spans, rng)
    note(text)
    feed(_file(tmp_path, source.suffix), text.encode())


def _mutate(text: str, spans: list, rng: random.Random) -> tuple[str, list]:
    i = rng.randrange(len(spans))
    start, end = spans[i]
    token = text[start:end]
    match rng.randrange(4):
        case 0:
            replacement = ""
        case 1:
            replacement = token + " " + token
        case 2:
            other = spans[rng.randrange(len(spans))]
            replacement = text[other[0]:other[1]]
        case _:
            replacement = rng.choice(TOKENS)
    text = text[:start] + replacement + text[end:]
    return text, [m.span() for m in TOKEN.finditer(text)]


# --------------------------------------------------------------------------
# well-formed but wrong: type and capability errors


@fewer
@given(program=programs(), seed=st.integers(0, 2**32))
def test_ill_typed_programs(tmp_path, program, seed):
    """A generated program with one expression replaced by a literal of
    another type: most become type errors, a few stay well typed."""
    rng = random.Random(seed)
    exprs = [n for n in _nodes(program) if isinstance(n, ast.EXPR_TYPES)]
    assume(exprs)
    victim = rng.choice(exprs)
    stranger = rng.choice([ast.StringLit("oops"), ast.BoolLit(True), ast.FloatLit(0.5), ast.IntLit(1, u8=True),
                           ast.ArrayLit(()), ast.Construct("None"), ast.UnitLit(), ast.IntLit(3)])
    text = print_program(_replace(program, victim, stranger))
    note(text)
    feed(_file(tmp_path, ".hi"), text.encode(), commands=("check", "run"))


@fewer
@given(program=programs())
def test_capability_violations(tmp_path, program):
    """Every container type written read-only: functions that push, pop,
    write or insert through a parameter or annotated variable now lack the
    capability, and must be told where."""
    weakened = _weaken(program)
    assume(weakened != program)
    text = print_program(weakened)
    note(text)
    feed(_file(tmp_path, ".hi"), text.encode(), commands=("check", "run"))


CAPABILITY = re.compile(r"(?<=[:{] )rwa?\b|(?<=\{)rwa?(?=\})")
LOLANG_WITH_CAPABILITIES = [p for p in sorted(LOLANG_PROGRAMS.glob("*.lo")) if CAPABILITY.search(p.read_text())]


@given(source=st.sampled_from(LOLANG_WITH_CAPABILITIES), which=st.integers(0, 20))
def test_lolang_capability_violations(tmp_path, source, which):
    """One `rwa` or `rw` of a lolang program (a region parameter, a pack,
    a `restrict`) weakened to `r`."""
    text = source.read_text()
    found = list(CAPABILITY.finditer(text))
    hit = found[which % len(found)]
    text = text[: hit.start()] + "r" + text[hit.end():]
    note(text)
    feed(_file(tmp_path, ".lo"), text.encode(), commands=("check", "run"))


def _nodes(node):
    yield node
    if isinstance(node, tuple):
        for item in node:
            yield from _nodes(item)
    elif hasattr(node, "__dataclass_fields__"):
        for name, f in node.__dataclass_fields__.items():
            if f.compare:
                yield from _nodes(getattr(node, name))


def _rebuild(node, change):
    """A copy of `node` with `change` applied bottom-up to every node."""
    if isinstance(node, tuple):
        return tuple(_rebuild(item, change) for item in node)
    if not hasattr(node, "__dataclass_fields__"):
        return node
    fields = {name: _rebuild(getattr(node, name), change)
              for name, f in node.__dataclass_fields__.items() if f.compare and f.init}
    kept = {name: getattr(node, name) for name, f in node.__dataclass_fields__.items()
            if not f.compare and f.init and name != "span"}
    return change(type(node)(**fields, **kept))


def _replace(program, victim, stranger):
    done = []

    def change(node):
        if node == victim and not done and type(node) is type(victim):
            done.append(node)
            return stranger
        return node

    return _rebuild(program, change)


def _weaken(program):
    def change(node):
        if isinstance(node, ast.TypeName) and node.name in ("Array", "Map") and node.caps:
            return ast.TypeName(node.name, node.args)
        return node

    return _rebuild(program, change)


# --------------------------------------------------------------------------
# 20,000 levels deep, in a child process


def _hi_main(body: str) -> str:
    return f"fun main() {{\n{body}\n}}\n"


DEEP = {
    "parentheses.hi": _hi_main("print(" + "(" * DEPTH + "1" + ")" * DEPTH + ");"),
    "blocks.hi": _hi_main("if true " + "{ if true " * DEPTH + "{ print(1); }" + " }" * DEPTH),
    "else_if_chain.hi": _hi_main("let n = 3;\nif n == 0 { print(0); }" + " else if n == 1 { print(1); }" * DEPTH),
    "if_expressions.hi": _hi_main("print(" + "if true then " * DEPTH + "1" + " else 0" * DEPTH + ");"),
    "array_literals.hi": _hi_main("let x = " + "[" * DEPTH + "1" + "]" * DEPTH + ";\nprint(len(x));"),
    "unary_minus.hi": _hi_main("print(" + "-" * DEPTH + "1);"),
    "binary_chain.hi": _hi_main("print(1" + " + 1" * DEPTH + ");"),
    "unclosed.hi": _hi_main("print(" + "(" * DEPTH + "1);"),
    "parentheses.lo": _hi_main("print(" + "(" * DEPTH + "1" + ")" * DEPTH + ");"),
    "regions.lo": _hi_main("".join(f"region r{i} {{ " for i in range(DEPTH)) + "print(1);" + " }" * DEPTH),
    "do_blocks.lo": _hi_main("print(" + "do { " * DEPTH + "1" + " }" * DEPTH + ");"),
    "if_expressions.lo": _hi_main("print(" + "if true then " * DEPTH + "1" + " else 0" * DEPTH + ");"),
    "unclosed.lo": _hi_main("print(" + "(" * DEPTH + "1);"),
}


def _deep_cases():
    for name in sorted(DEEP):
        for command in COMMANDS:
            yield pytest.param(name, command, id=f"{name}-{command}")


@pytest.mark.slow
@pytest.mark.parametrize("name,command", _deep_cases())
def test_deep_nesting(tmp_path, name, command):
    path = tmp_path / name
    path.write_text(DEEP[name])
    # `run` of a valid program prints 1, 0 or 3: its depth is what is tested.
    assert_handled(path, *hic_in_child(*command_line(command, path), timeout=DEEP_TIMEOUT))


def hic_in_child(*args: str, timeout: float = TIMEOUT) -> tuple[int, str]:
    """`hic ARGS` in a forked child: a crash or a runaway stage thread stays
    in the child (which is killed after `timeout`), and the parser tables
    and imports are already built, unlike in a new `python -m hic`."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read_end)
        status = 99
        try:
            sys.stdout = open(os.devnull, "w")
            sys.stderr = io.TextIOWrapper(os.fdopen(write_end, "wb"), write_through=True)
            status = cli.main(list(args))
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(status)
    os.close(write_end)
    stderr = _read_until(read_end, timeout)
    if stderr is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        raise AssertionError(f"hic {' '.join(args)} ran for more than {timeout} s")
    _, wait_status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(wait_status):
        raise AssertionError(f"hic {' '.join(args)} crashed with signal {os.WTERMSIG(wait_status)}")
    return os.WEXITSTATUS(wait_status), stderr


def _read_until(fd: int, timeout: float) -> str | None:
    """Everything written to `fd` until it closes, or None after `timeout`."""
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return b"".join(chunks).decode(errors="replace")
            chunks.append(chunk)
    finally:
        os.close(fd)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00garbage", b"fun main() { print(\"\xc3\x28\"); }"])
def test_bad_bytes_in_a_real_process(tmp_path, data):
    """The same rules outside pytest's process: real streams and exit codes."""
    for ext in (".hi", ".lo"):
        path = tmp_path / f"bytes{ext}"
        path.write_bytes(data)
        for command in COMMANDS:
            result = subprocess.run([sys.executable, "-m", "hic", *command_line(command, path)],
                                    capture_output=True, timeout=TIMEOUT, cwd=ROOT)
            assert_handled(path, result.returncode, result.stderr.decode(errors="replace"))
