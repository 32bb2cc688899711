"""What generated code assumes of the C runtime, checked against the runtime
itself: the struct offsets lolang/codegen mirrors by hand, the signatures
lolang/codegen/module.py declares, and the runtime error kinds.

The offsets come from the C compiler (a small program prints offsetof and
sizeof), so a field moved in runtime/hic_runtime.h fails here even before
the header's own _Static_asserts are updated; the signatures come from the
header's prototypes.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import function, module, objects, regions
from lolang.codegen import types as T
from runtime import build

LAYOUT_PROGRAM = r"""
#include <stdio.h>
#include "hic_runtime.h"
#define AT(t, f) printf("\"%s.%s\": %zu,\n", #t, #f, offsetof(struct t, f))
#define SIZE(t) printf("\"sizeof %s\": %zu,\n", #t, sizeof(struct t))
int main(void)
{
    printf("{\n");
    AT(hic_region, cur); AT(hic_region, end); AT(hic_region, bytes_less_cur);
    AT(hic_region, refs); AT(hic_region, holds); AT(hic_region, holds.counts);
    AT(hic_region, held.slots); AT(hic_region, hold_log2); AT(hic_region, flags);
    AT(hic_region, buffered);
#define WIDTH(t, f) printf("\"width %s.%s\": %zu,\n", #t, #f, sizeof(((struct t *)0)->f))
    WIDTH(hic_region, refs); WIDTH(hic_region, holds); WIDTH(hic_region, holds.counts[0]);
    WIDTH(hic_region, held.slots[0]);
    AT(hic_cycle_marks, round); AT(hic_cycle_marks, recheck); SIZE(hic_cycle_marks);
    AT(hic_cycles_due, count); AT(hic_cycles_due, threshold); AT(hic_cycles_due, bytes_trigger);
    SIZE(hic_cycles_due);
    printf("\"HIC_REGION_MERGED\": %d, \"HIC_REGION_HELD\": %d, \"HIC_REGION_UNKEPT\": %d,\n",
           HIC_REGION_MERGED, HIC_REGION_HELD, HIC_REGION_UNKEPT);
    printf("\"HIC_INLINE_HOLDS\": %d,\n", HIC_INLINE_HOLDS);
    AT(hic_counters, allocs); AT(hic_counters, bytes_allocated); AT(hic_counters, bytes_freed);
    AT(hic_counters, retains); AT(hic_counters, releases);
    AT(hic_array, len); AT(hic_array, cap); AT(hic_array, data);
    AT(hic_map, len); AT(hic_string, len); AT(hic_string, bytes);
    SIZE(hic_counters); SIZE(hic_array); SIZE(hic_map); SIZE(hic_pack);
    printf("\"HIC_START_ARGS\": %d, \"HIC_START_ARGS_PLAIN\": %d\n}\n",
           HIC_START_ARGS, HIC_START_ARGS_PLAIN);
    return 0;
}
"""


@pytest.fixture(scope="module")
def layout(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("abi")
    source = work / "layout.c"
    source.write_text(LAYOUT_PROGRAM)
    exe = work / "layout"
    subprocess.run([*build.compiler(), "-std=gnu11", "-I", str(build.header_dir()), str(source), "-o", str(exe)],
                   check=True)
    return json.loads(subprocess.run([str(exe)], check=True, capture_output=True).stdout)


def test_codegen_offsets_are_the_runtime_s(layout):
    mirrored = {
        "hic_region.cur": regions.CUR,
        "hic_region.end": regions.END,
        "hic_region.bytes_less_cur": regions.BYTES_LESS_CUR,
        "hic_region.refs": regions.REFS,
        "hic_region.holds": regions.HOLDS,
        "hic_region.holds.counts": regions.HELD_COUNTS,
        "hic_region.held.slots": regions.HELD_SLOTS,
        "hic_region.hold_log2": regions.HOLD_LOG2,
        "width hic_region.refs": 4,  # loaded as i32
        "width hic_region.holds": 4,
        "width hic_region.holds.counts[0]": regions.I16.width // 8,
        "width hic_region.held.slots[0]": 4,
        "hic_region.flags": regions.FLAGS,
        "hic_region.buffered": regions.BUFFERED,
        "HIC_REGION_MERGED": regions.MERGED,
        "HIC_REGION_HELD": regions.HELD,
        "HIC_REGION_UNKEPT": regions.UNKEPT,
        "HIC_INLINE_HOLDS": regions.INLINE_HOLDS,
        "hic_cycle_marks.round": regions.MARKS_ROUND,
        "hic_cycle_marks.recheck": regions.MARKS_RECHECK,
        "sizeof hic_cycle_marks": module.CYCLE_MARKS.count,
        "hic_cycles_due.count": regions.DUE_COUNT,
        "hic_cycles_due.threshold": regions.DUE_THRESHOLD,
        "hic_cycles_due.bytes_trigger": regions.DUE_BYTES_TRIGGER,
        "sizeof hic_cycles_due": module.CYCLES_DUE.count * 8,
        "hic_counters.allocs": regions.ALLOCS,
        "hic_counters.bytes_allocated": regions.BYTES_ALLOCATED,
        "hic_counters.bytes_freed": regions.BYTES_FREED,
        "hic_counters.retains": regions.RETAINS,
        "hic_counters.releases": regions.RELEASES,
        "hic_array.len": 0,  # `len` of any object is a load at offset 0
        "hic_map.len": 0,
        "hic_string.len": 0,
        "hic_array.data": objects.DATA,
        "hic_string.bytes": ir.STRING_HEADER,
        "sizeof hic_array": ir.ARRAY_HEADER,
        "sizeof hic_map": ir.MAP_HEADER,
        "sizeof hic_pack": ir.slot_size(ir.PackType("r", ir.StringType())),
        "sizeof hic_counters": module.COUNTERS.count * 8,
        "HIC_START_ARGS": module.START_ARGS,
        "HIC_START_ARGS_PLAIN": module.START_ARGS_PLAIN,
    }
    assert mirrored == {k: layout[k] for k in mirrored}
    assert layout["hic_array.cap"] == 8  # the array literal stores its capacity there


_C_TYPES = {
    "void": T.VOID,
    "int64_t": T.I64,
    "uint64_t": T.I64,
    "int32_t": T.I32,
    "uint32_t": T.I32,
    "int": T.I32,
    "uint8_t": T.I8,
    "double": T.F64,
    "size_t": T.I64,
}


def _llvm_type(c: str) -> ll.Type:
    c = re.sub(r"\bconst\b", "", c).strip()
    if c.endswith("*") or re.search(r"\*\s*\w*$", c) or c.startswith("hic_main_fn"):
        return T.PTR
    base = c.split()[0]
    return _C_TYPES[base]


def _prototypes() -> dict[str, tuple[ll.Type, list[ll.Type], bool]]:
    """name -> (result, parameters, does not return) for every function the
    header declares."""
    text = build.HEADER.read_text()
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"^\s*#.*?(?<!\\)$", " ", text, flags=re.M | re.S)  # preprocessor lines
    text = re.sub(r"\s+", " ", text)
    found = {}
    pattern = r"(HIC_NORETURN )?([A-Za-z_][\w ]*?[\s*]+)(hic_\w+)\(([^()]*)\)( __attribute__\(\(.*?\)\))?;"
    for noreturn, ret, name, params, _attr in re.findall(pattern, text):
        if ret.strip().startswith(("typedef", "return")):
            continue
        params = [p for p in params.split(",") if p.strip() not in ("", "void", "...")]
        args = [_llvm_type(p) for p in params]
        found[name] = (_llvm_type(ret), args, bool(noreturn))
    return found


def test_declared_runtime_signatures_are_the_header_s():
    header = _prototypes()
    for name, (ret, params, *noreturn) in module.RUNTIME.items():
        if name.startswith("llvm."):
            continue
        assert name in header, f"{name} is not declared in hic_runtime.h"
        h_ret, h_params, h_noreturn = header[name]
        assert (str(ret), [str(p) for p in params]) == (str(h_ret), [str(p) for p in h_params]), name
        assert bool(noreturn) == h_noreturn, name


def test_runtime_error_kinds_are_the_header_s():
    text = build.HEADER.read_text()
    kinds = dict(re.findall(r"HIC_ERR_(\w+) = (\d+)", text))
    mirrored = {name: getattr(function, name) for name in kinds}
    assert mirrored == {name: int(value) for name, value in kinds.items()}
