"""Figures about the `llvm` stage for `hic compile --dump`, counted on the
llvmlite module before LLVM optimizes it: how much code there is, and how
many places do region work (allocate, create a region, retain, release,
hold) -- the work the region passes exist to remove.

Like `lolang.summary.summarize`, it returns the same keys in the same order
for every module.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang.codegen.early_exits import EARLY
from lolang.codegen.module import TWIN

# Calls by the figure they count: the runtime's entry points
# (docs/runtime.md) and the module's own inline-hinted helpers
# (`hic.<name>`, lolang/codegen/regions.py), which LLVM inlines.
SITES = {
    "inline allocations": ("hic.alloc", "hic_region_alloc", "hic_alloc_in"),
    "region creations": ("hic_region_new", "hic_region_new_sized"),
    # the end of a region block whose value packs its own region retains
    # for the pack and releases for the block (codegen/regions.py)
    "retain sites": ("hic.retain", "hic.retain_in", "hic.region_end_packed", "hic.region_end_fresh", "hic_retain",
                     "hic_retain_n"),
    "release sites": ("hic.release", "hic.release_inline", "hic.region_end", "hic.region_end_packed",
                      "hic.region_end_fresh", "hic_release"),
    "hold sites": ("hic.hold", "hic_region_hold", "hic_region_hold_n", "hic_region_unhold", "hic_region_replace",
                   "hic.hold_any", "hic.unhold", "hic.hold_fresh", "hic.reuse_replace"),
}


def summarize(module: ll.Module) -> dict[str, int]:
    # Helpers are counted where they are called, not as code of their own,
    # and a recursive function's twin (codegen/module.py, TWIN) and early
    # exits (codegen/early_exits.py) not at all: they are the same lolang code.
    defined = [f for f in module.functions
               if not f.is_declaration and not f.name.startswith("hic.")
               and not f.name.endswith(TWIN) and not f.name.endswith(EARLY)]
    callees = [
        instruction.callee.name
        for function in defined
        for block in function.blocks
        for instruction in block.instructions
        if isinstance(instruction, ll.CallInstr) and isinstance(instruction.callee, ll.Function)
    ]
    figures = {
        "functions": len(defined),
        "basic blocks": sum(len(f.blocks) for f in defined),
        "instructions": sum(len(b.instructions) for f in defined for b in f.blocks),
        "runtime calls": sum(1 for name in callees if name.startswith("hic_")),
    }
    for figure, names in SITES.items():
        # `hic.hold_freshN` counts as `hic.hold_fresh`, whatever N
        figures[figure] = sum(1 for name in callees if name in names or name.rstrip("0123456789") in names)
    return figures
