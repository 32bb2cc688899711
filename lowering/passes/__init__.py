"""The region optimization passes (LANGUAGE.md §3, ../shared/PASSES.md,
docs/passes.md): lolang to lolang, one module per pass, in pipeline order.

Each module has `NAME` (the pass's name on the command line: `--no-pass
NAME`; its stage is `lo.NAME`), `LEVEL` (the lowest `-O` that runs it) and
`run(program, checked) -> PassResult(program, remarks)`; its docstring says
what it assumes and guarantees. The pipeline runs the lolang checker after
each one, and `--dump` shows what each changed.
"""

from __future__ import annotations

from lowering.passes import (
    borrow_elements, borrow_params, borrow_regions, elide_rc, fold_known_constructors, fuse_concat, make_static,
    output_regions, place_dominated, reuse_cells, reuse_dropped, scratch_regions, share_rebuilt, swap_slots,
    unpack_in_place,
)

PASSES = (fuse_concat, make_static, borrow_params, reuse_cells, borrow_regions, fold_known_constructors, output_regions, place_dominated,
          share_rebuilt, scratch_regions, elide_rc, unpack_in_place, reuse_dropped, swap_slots, borrow_elements)


def stages():
    from lowering.pipeline import LOLANG, Stage

    return [
        Stage(f"lo.{p.NAME}", LOLANG, p.run, engine="lolang", optimization=True, min_level=p.LEVEL,
              takes_checked=True)
        for p in PASSES
    ]
