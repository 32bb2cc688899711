"""A big module compiled in parts, in parallel (lolang/codegen/partition.py,
`emit_objects` in lolang/codegen/native.py): how many parts, what each part
defines and declares, executables that behave exactly as the one-unit
build, and a part that fails to compile reported as a compiler bug."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import llvmlite.binding as llvm
import pytest

from conftest import EXAMPLES, ROOT
from diagnostics import CompilerBug, Source
from lolang.codegen import native, partition
from lowering import pipeline


def llvm_module(source: Source) -> native.NativeModule:
    artifacts = pipeline.run_pipeline(source, pipeline.Options(2), until="llvm")
    return artifacts[-1].program


def generated(lines: int) -> Source:
    """bench/compile_time.py's generated program of about `lines` lines."""
    sys.path.insert(0, str(ROOT / "bench"))
    from compile_time import generated_program

    return Source(f"generated_{lines}.hi", generated_program(lines))


def fresh(module: native.NativeModule) -> native.NativeModule:
    return native.NativeModule(module.module, module.text, None)


def run_exe(exe, tmp_path, args=()) -> tuple:
    stats = tmp_path / f"{exe.name}.json"
    result = subprocess.run([str(exe), *args], capture_output=True, env={**os.environ, "HIC_STATS": str(stats)})
    return result.stdout, result.stderr, result.returncode, json.loads(stats.read_text())


def build(module, tmp_path, name: str, units: int, monkeypatch):
    monkeypatch.setenv("HIC_CODEGEN_UNITS", str(units))
    return native.link_executable(fresh(module), tmp_path / name)


# ---------------------------------------------------------------- how many parts


def test_the_threshold_is_one_unit(monkeypatch):
    monkeypatch.delenv("HIC_CODEGEN_UNITS", raising=False)
    monkeypatch.setattr(native, "_cores", lambda: 8)
    assert native.codegen_units("x\n" * native.PARALLEL_LINES) == 1


@pytest.mark.parametrize("path", [*sorted((ROOT / "bench").glob("*.hi")), *sorted(EXAMPLES.glob("*.hi"))],
                         ids=lambda p: p.stem)
def test_small_modules_stay_one_unit(path):
    """Every program of bench/ and examples/ is below the threshold, with a
    margin: they stay one unit, so their inlining and speed do not change
    (rbtree_ck, the biggest, is at 79%: split in parts it runs 3% more
    instructions)."""
    text = llvm_module(Source.read(str(path))).text
    assert text.count("\n") < native.PARALLEL_LINES * 0.8, path.name


def test_big_modules_are_split_by_size_and_cores(monkeypatch):
    monkeypatch.delenv("HIC_CODEGEN_UNITS", raising=False)
    monkeypatch.setattr(native, "_cores", lambda: 2)
    assert native.codegen_units("x\n" * (native.PARALLEL_LINES + 1)) == 2
    # a whole number of parts of PART_LINES lines or more a core
    assert native.codegen_units("x\n" * (native.PART_LINES * 5)) == 4
    assert native.codegen_units("x\n" * (native.PART_LINES * 6)) == 6
    assert native.codegen_units("x\n" * (native.PART_LINES * 100)) == native.PARTS_PER_CORE * 2
    monkeypatch.setattr(native, "_cores", lambda: 3)
    assert native.codegen_units("x\n" * (native.PART_LINES * 5)) == 3
    monkeypatch.setattr(native, "_cores", lambda: 1)
    assert native.codegen_units("x\n" * (native.PART_LINES * 100)) == 1
    monkeypatch.setenv("HIC_CODEGEN_UNITS", "3")
    assert native.codegen_units("x\n") == 3


# ---------------------------------------------------------------- the parts


def _defined(text: str) -> list[str]:
    return re.findall(r'^define (?:internal |hidden )?\S+ @"([^"]+)"', text, re.MULTILINE)


def test_each_function_has_one_home_and_small_ones_are_copied():
    text = llvm_module(Source.read(str(EXAMPLES / "json_tree.hi"))).text
    parts = partition.split(text, 3)
    whole = set(_defined(text))
    homes = partition.homes(partition.parse(text), 3)
    for name in whole:
        defining = [i for i, part in enumerate(parts) if name in _defined(part)]
        if name in homes:
            assert defining == [homes[name]], name
        else:  # a small internal function: a copy in each part that calls it
            users = [i for i, part in enumerate(parts) if f'@"{name}"(' in part]
            assert users and defining == users, name
    for part in parts:
        module = llvm.parse_assembly(part)
        module.verify()
        # what a part calls and does not define, it declares (hidden when
        # internal in the whole module, defined hidden in its home)
        for name in re.findall(r'^declare hidden \S+ @"([^"]+)"', part, re.MULTILINE):
            home = parts[homes[name]]
            assert 'define hidden' in home and f'@"{name}"(' in home
    # a function and its twin stay together
    for name, part in homes.items():
        if name.endswith(".twin"):
            assert homes[name[: -len(".twin")]] == part


def test_a_variable_read_by_two_parts_is_defined_once():
    text = "\n".join([
        '; ModuleID = "m"',
        '@"hint.a" = internal global i64 0',
        '@"str.0" = private constant {i64, [2 x i8]} {i64 2, [2 x i8] c"hi"}',
        'declare void @"use"(ptr %".1")',
        *[line for n in range(2) for line in (
            f'define internal i64 @"lo.f{n}"(i64 %"d")', "{", "entry:",
            '  %"x" = load i64, ptr @"hint.a"', '  call void @"use"(ptr @"str.0")',
            *[f'  %"y{i}" = add i64 %"x", 1' for i in range(partition.SMALL)], '  ret i64 %"x"', "}")],
        'define i32 @"main"()', "{", "entry:", '  %"a" = call i64 @"lo.f0"(i64 0)',
        '  %"b" = call i64 @"lo.f1"(i64 0)', "  ret i32 0", "}", ""])
    parts = partition.split(text, 2)
    assert '@"hint.a" = hidden global i64 0' in parts[0]
    assert '@"hint.a" = external hidden global i64' in parts[1]
    for part in parts:  # a constant is copied
        assert '@"str.0" = private constant' in part
        llvm.parse_assembly(part).verify()


@pytest.mark.parametrize("source", [lambda: Source.read(str(EXAMPLES / "json_tree.hi")), lambda: generated(600)])
def test_the_module_is_cut_as_its_text_would_be(source):
    """`emit_objects` cuts the llvmlite module without printing it whole
    (`partition.module_items`): the same entities, lines and references as
    its text read back, and the same parts."""
    module = llvm_module(source()).module
    items = partition.module_items(module)
    text = str(module)
    read = partition.parse(text)

    def facts(item):
        return item.kind, item.name, item.internal, item.constant, item.lines, item.refs, sorted(item.calls)

    assert [facts(i) for i in items] == [facts(i) for i in read]
    assert partition.text_lines(items) == text.count("\n")
    for parts in (2, 3):
        cut = partition.plan(partition.module_items(module), parts)
        assert [cut.text(part) for part in range(parts)] == partition.split(text, parts)


def test_a_global_inside_a_constant_expression_is_a_reference():
    from llvmlite import ir as ll

    module = ll.Module("m")
    g = ll.GlobalVariable(module, ll.IntType(64), "g")
    g.initializer = ll.Constant(ll.IntType(64), 0)
    f = ll.Function(module, ll.FunctionType(ll.IntType(64), []), "f")
    b = ll.IRBuilder(f.append_basic_block("entry"))
    b.ret(b.ptrtoint(g.gep([ll.Constant(ll.IntType(32), 0)]), ll.IntType(64)))
    [item] = [i for i in partition.module_items(module) if i.name == "f"]
    assert item.refs == {"g"} == next(i.refs for i in partition.parse(str(module)) if i.name == "f")


# ---------------------------------------------------------------- executables


@pytest.mark.parametrize("name, args", [("binary_trees", ["6"]), ("json_tree", [])])
def test_a_split_program_behaves_as_one_unit(name, args, tmp_path, monkeypatch):
    module = llvm_module(Source.read(str(EXAMPLES / f"{name}.hi")))
    one = run_exe(build(module, tmp_path, "one", 1, monkeypatch), tmp_path, args)
    three = run_exe(build(module, tmp_path, "three", 3, monkeypatch), tmp_path, args)
    assert three == one
    assert one[1:3] == (b"", 0)


def test_a_program_above_the_threshold_is_split(tmp_path, monkeypatch):
    module = llvm_module(generated(950))
    monkeypatch.delenv("HIC_CODEGEN_UNITS", raising=False)
    monkeypatch.setattr(native, "_cores", lambda: 2)
    assert module.text.count("\n") > native.PARALLEL_LINES
    assert native.codegen_units(module.text) == 2
    assert len(native.emit_objects(fresh(module))) == 2
    split = run_exe(native.link_executable(fresh(module), tmp_path / "split"), tmp_path)
    one = run_exe(build(module, tmp_path, "one", 1, monkeypatch), tmp_path)
    assert split == one


# ---------------------------------------------------------------- failures


def _in_children(action):
    """`native._part_object`, except that in a child process it does `action`."""
    parent, real = os.getpid(), native._part_object

    def part_object(text):
        if os.getpid() != parent:
            action()
        return real(text)

    return part_object


def _raise():
    raise RuntimeError("a planted failure")


@pytest.mark.parametrize("action, said", [
    (_raise, "RuntimeError: a planted failure"),
    (lambda: os.kill(os.getpid(), signal.SIGKILL), "killed by signal 9"),
    (lambda: os._exit(7), "exit status 7"),
])
def test_a_part_that_fails_is_a_compiler_bug(action, said, monkeypatch):
    module = llvm_module(Source.read(str(EXAMPLES / "binary_trees.hi")))
    monkeypatch.setattr(native, "_part_object", _in_children(action))
    monkeypatch.setenv("HIC_CODEGEN_UNITS", "2")
    with pytest.raises(CompilerBug) as bug:
        native.emit_objects(fresh(module))
    assert bug.value.stage == "llvm"
    assert said in str(bug.value)


def test_the_command_line_reports_a_part_that_fails_with_exit_3(tmp_path):
    """A part LLVM rejects (the splitter planted a bad line) ends `hic
    compile` with the compiler-bug status, not a hang."""
    script = (
        "import sys; from lolang.codegen import partition\n"
        "real = partition.Plan.text\n"
        "partition.Plan.text = lambda plan, part: real(plan, part) + 'not llvm\\n'\n"
        "from hic.cli import main; sys.exit(main())\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HIC_CODEGEN_UNITS": "2"}
    result = subprocess.run([sys.executable, "-c", script, "compile", str(EXAMPLES / "hello.hi"),
                             "-o", str(tmp_path / "hello")], capture_output=True, env=env, timeout=120)
    assert result.returncode == 3, result.stderr.decode()
    assert "part" in result.stderr.decode()


def test_a_split_module_calls_the_region_block_end_and_release_out_of_line():
    """One unit inlines `hic.region_end` and `hic.release` as it inlines
    the other helpers; the parts of a split module call them
    (partition.OUT_OF_LINE)."""
    module = llvm_module(Source.read(str(EXAMPLES / "json_tree.hi")))
    whole = str(native._optimized(fresh(module), native._target_machine(jit=False)))
    assert '@"hic.region_end"(' in module.text and "@hic.region_end(" not in whole
    assert '@"hic.release"(' in module.text and "@hic.release(" not in whole
    for text in partition.split(module.text, 2):
        part = native.NativeModule(None, text, None)
        optimized = str(native._optimized(part, native._target_machine(jit=False)))
        if '@"hic.region_end"(' in text:
            assert re.search(r'@"hic\.region_end"\([^)]*\) noinline', text)
            assert re.search(r"call [^\n]*@hic\.region_end\(", optimized)
        if '@"hic.release"(' in text:
            assert re.search(r'@"hic\.release"\([^)]*\) noinline', text)
            assert re.search(r"call [^\n]*@hic\.release\(", optimized)
