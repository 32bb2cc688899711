"""The region passes (issue 13, docs/passes.md), judged as the issue judges
them: by behaviour and by exact counts, never by time.

For every `.hi` program in the repository and in ../shared/conformance
(compile-error programs excepted), natively:

* `-O2` prints, fails and exits exactly as `-O0` does;
* no count goes up: `regions_created`, `retains` and `releases` at most
  `-O0`'s; `allocs` too, except for the copies a pass reports making, and
  then under 2x; `bytes_peak` at most 1.5x `-O0`'s plus 64 KiB;
* the lolang interpreter at the last pass reports the counts native code
  reports.

Then binary trees at depth 16 (one region per tree), the leak suite
(tests/leaks/: the shapes region systems leak on, each at two sizes), every
pass switched off alone, idempotence, and what the passes report.
"""

from __future__ import annotations

import io
import json
from functools import lru_cache
from pathlib import Path

import pytest

from conftest import CONFORMANCE, ROOT
from diagnostics import ProgramError, Source
from hic import engines
from lowering import pipeline
from lowering.passes import PASSES
from lowering.passes.remarks import counts
from programs import run_file

LEAKS = ROOT / "tests" / "leaks"
KIB = 1024
SHARED = ("allocs", "regions_created", "regions_freed", "regions_leaked", "retains", "releases")


def _programs() -> list[Path]:
    found = set(CONFORMANCE.glob("*.hi")) | set(ROOT.glob("**/*.hi"))
    return sorted(p for p in found if not p.with_suffix(".err").exists() and ".git" not in p.parts)


def _args(path: Path) -> tuple[str, ...]:
    file = path.with_suffix(".args")
    return tuple(file.read_text().split()) if file.exists() else ()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@lru_cache(maxsize=None)
def _copies_reported(path: Path) -> int:
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    return sum(counts(a.remarks).get("copied instead of shared", 0) for a in artifacts if a.remarks is not None)


@pytest.mark.parametrize("path", _programs(), ids=_id)
def test_O2_behaves_as_O0_and_no_count_goes_up(path: Path):
    args = _args(path)
    naive = run_file(path, engine="native", args=args, level=0)
    if naive.status == 1:
        pytest.skip(f"{path.name} does not compile")
    best = run_file(path, engine="native", args=args, level=2)
    assert (best.stdout, best.stderr_first_line, best.status) == (naive.stdout, naive.stderr_first_line, naive.status)
    if naive.status != 0:
        return  # the figures of a run stopped by an error are those reached so far
    a, b = naive.stats, best.stats
    for key in ("regions_created", "retains", "releases"):
        assert b[key] <= a[key], f"{key} goes up: {a[key]} at -O0, {b[key]} at -O2"
    if b["allocs"] > a["allocs"]:
        assert _copies_reported(path), f"allocs go up with no copy reported: {a['allocs']} -> {b['allocs']}"
        assert b["allocs"] < 2 * a["allocs"]
    assert b["bytes_peak"] <= 1.5 * a["bytes_peak"] + 64 * KIB
    assert b["regions_leaked"] == 0


@pytest.mark.parametrize("path", _programs(), ids=_id)
def test_the_interpreter_counts_what_native_code_counts_after_the_passes(path: Path):
    args = _args(path)
    native = run_file(path, engine="native", args=args, level=2)
    if native.status != 0:
        pytest.skip("counts of an unfinished run are compared by test_native")
    lolang = run_file(path, engine="lolang", args=args, level=2)
    assert {k: lolang.stats[k] for k in SHARED} == {k: native.stats[k] for k in SHARED}


def test_binary_trees_at_depth_16_has_one_region_per_tree():
    """87,378 trees (and a handful of strings) at depth 16: the issue's
    bound is 100,000 regions and 300,000 reference-count operations."""
    outcome = run_file(ROOT / "bench" / "binary_trees.hi", engine="native", args=("16",), level=2)
    assert outcome.status == 0
    stats = outcome.stats
    assert stats["regions_created"] <= 100_000, stats
    assert stats["retains"] + stats["releases"] <= 300_000, stats
    assert stats["regions_leaked"] == 0


def test_a_list_built_by_a_loop_is_one_region():
    """Accumulators (docs/passes.md): `range(20)` called n times makes n
    regions, not 20 n; the list the loop in main builds is one more."""
    outcome = run_file(LEAKS / "lists_built_by_loops.hi", engine="native", args=("1000",), level=2)
    assert outcome.status == 0
    assert outcome.stats["regions_created"] <= 1000 + 3, outcome.stats
    # a round: the region's pack returned (1 retain), its block left (1
    # release), the caller's list dropped (1 release); not 3 per cell
    assert outcome.stats["retains"] + outcome.stats["releases"] <= 3 * 1000 + 10, outcome.stats


def test_the_frame_loop_makes_a_tenth_of_the_regions():
    """Issue 13: `regions_created` falls by at least 10x on bench/'s frame
    loop (its default 8 frames): the entities and their vectors live in
    their frame's arrays, not one region each."""
    path = ROOT / "bench" / "frame_loop.hi"
    naive, best = (run_file(path, engine="native", level=level) for level in (0, 2))
    assert naive.stdout == best.stdout
    assert best.stats["regions_created"] * 10 <= naive.stats["regions_created"], (naive.stats, best.stats)


def test_a_chain_of_plus_plus_makes_one_string():
    """concat-chains: string_build's `str(id) ++ "," ++ name ++ "," ++
    str(qty) ++ "," ++ price(cents)` is one `concat` with the numbers
    written in place, and a row makes 9 regions where the naive program
    makes 23."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "string_build.hi"
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in reversed(artifacts) if a.stage.name.startswith("lo"))
    make_line = next(f for f in program.funs if f.name == "makeLine")
    made = [n.name for n in walk(make_line.body) if isinstance(n, ir.Builtin) and n.name in ("concat", "str")]
    assert made == ["concat"]
    naive, best = (run_file(path, engine="native", args=("1000",), level=level) for level in (0, 2))
    assert naive.stdout == best.stdout
    assert naive.stats["regions_created"] >= 22 * 1000, naive.stats
    assert best.stats["regions_created"] <= 9 * 1000 + 100, best.stats


def test_a_swap_through_a_temporary_is_one_swap():
    """swap-slots: work_queue's heap `swap` (`let t = h[i]; h[i] = h[j];
    h[j] = t;`) is one `swap` that counts nothing, where it was two
    retains, two overwrites and two releases."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "work_queue.hi"
    assert _report(path)["swap-slots"] == {"swap": 1}
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in reversed(artifacts) if a.stage.name.startswith("lo"))
    swap = next(f for f in program.funs if f.name.startswith("swap"))
    assert [n.name for n in walk(swap.body) if isinstance(n, ir.Builtin)] == ["swap"]
    assert not any(isinstance(n, (ir.IndexSet, ir.Copy)) for n in walk(swap.body))


def test_a_list_walk_drops_its_cell_after_the_call():
    """unpack-in-place: nqueens' `extend` walks its list with `unpack rest`
    (no copy), its `drop rest` moved after the call to `appendSafe` that
    still reads the cell's solution, and `copy tail` before it. Both
    engines count the same; a retain and a release fewer per cell."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "nqueens.hi"
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in reversed(artifacts) if a.stage.name.startswith("lo"))
    extend = next(f for f in program.funs if f.name == "extend")
    assert not any(isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Copy) for n in walk(extend.body))
    args = ("7",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"unpack-in-place"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    for key in ("allocs", "regions_created"):
        assert best.stats[key] == without.stats[key]
    assert best.stats["retains"] < without.stats["retains"], (without.stats, best.stats)
    assert without.stats["retains"] - best.stats["retains"] == without.stats["releases"] - best.stats["releases"]
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_a_heap_compares_its_elements_where_they_lie():
    """borrow-elements: work_queue's heap compares `h[i]` and `h[j]` with
    `unpack h[i]`, not through `copy h[i]` (a retain and a release each),
    and so does its loop over the timers' first due step. At 60 roots,
    under half the retains it makes without the pass, as many fewer
    releases, the same regions and allocations, and both engines count
    the same."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "work_queue.hi"
    report = _report(path)["borrow-elements"]
    assert report == {"element borrowed": 7}, report  # heapPush 2, heapPop 4, main 1 (timers[0])
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in reversed(artifacts) if a.stage.name.startswith("lo"))
    for name in ("heapPush", "heapPop"):
        f = next(g for g in program.funs if g.name == name)
        borrowed = [n for n in walk(f.body) if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Index)]
        assert len(borrowed) == (2 if name == "heapPush" else 4), name
    args = ("60",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"borrow-elements"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    for key in ("allocs", "regions_created"):
        assert best.stats[key] == without.stats[key]
    assert best.stats["retains"] * 2 <= without.stats["retains"], (without.stats, best.stats)
    assert without.stats["retains"] - best.stats["retains"] == without.stats["releases"] - best.stats["releases"]
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_an_insert_into_a_persistent_tree_rebuilds_its_path_in_place():
    """reuse: rbtree's `ins` takes its tree owned and rebuilds each node of
    the path in place (`match reset` / `reuse`): at 2,000 keys it makes
    under half the regions and reference-count operations it makes
    without the pass, and the lolang interpreter takes the same paths
    (the same counts)."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "rbtree.hi"
    report = _report(path)["reuse"]
    assert report["reset"] >= 2 and report["reuse"] >= 6, report
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in artifacts if a.stage.name == "lo.reuse")
    ins = next(f for f in program.funs if f.name == "ins")
    assert isinstance(ins.params[0].type, ir.PackType)
    assert sum(isinstance(n, ir.Reuse) for n in walk(ins.body)) >= 6  # and the inlined balanceLeft's
    make_tree = next(f for f in program.funs if f.name == "makeTree")
    assert not any(isinstance(n, (ir.Drop, ir.Copy)) for n in walk(make_tree.body))  # the old tree moves in
    args = ("2000",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"reuse"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    assert best.stats["regions_created"] * 2 <= without.stats["regions_created"], (without.stats, best.stats)
    ops = lambda s: s["retains"] + s["releases"]  # noqa: E731
    assert ops(best.stats) * 3 <= ops(without.stats) * 2, (without.stats, best.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_a_cell_taken_apart_by_a_nested_match_is_rebuilt_in_place():
    """reuse: rbtree's `balanceLeft` takes its left child apart in a
    nested `match reset` although a later arm needs it whole; that arm
    rebuilds it from its fields (`reuse{r} w Node(..)`: nothing written
    when it is unique, the cell itself when it is shared), so the child is
    reset itself, never a copy of it, and its cell is reused where the
    first arm makes a node. `ins` ends a path with a tail call of
    `balanceLeft`, which is inlined there: its node's token then reaches
    the node `balanceLeft` made anew. At 2,000 keys rbtree makes one
    region per key (its new leaf; 9.9 before) and rbtree_ck, whose
    versions share their nodes, fewer regions and counts than without the
    pass; both engines count the same."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "rbtree.hi"
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in artifacts if a.stage.name == "lo.reuse")
    balance = next(f for f in program.funs if f.name == "balanceLeft")
    resets = [n for n in walk(balance.body) if isinstance(n, ir.MatchReset)]
    assert resets and not any(isinstance(r.scrutinee, ir.Copy) for r in resets)
    assert sum(isinstance(n, ir.Reuse) for n in walk(balance.body)) >= 12
    args = ("2000",)
    best = run_file(path, engine="native", args=args, level=2)
    assert best.stats["regions_created"] <= 2000 + 2, best.stats
    ins = next(f for f in program.funs if f.name == "ins")
    assert not any(isinstance(n, ir.Call) and n.func.startswith("balance") for n in walk(ins.body))
    ck = ROOT / "bench" / "rbtree_ck.hi"
    without = run_file(ck, engine="native", args=args, level=2, disabled=frozenset({"reuse"}))
    shared = run_file(ck, engine="native", args=args, level=2)
    interpreted = run_file(ck, engine="lolang", args=args, level=2)
    assert shared.stdout == without.stdout == interpreted.stdout
    for key in ("regions_created", "retains", "releases"):
        assert shared.stats[key] < without.stats[key], (key, without.stats, shared.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: shared.stats[k] for k in SHARED}


def test_a_nested_cell_is_reset_only_in_the_arm_that_reuses_it(monkeypatch):
    """reuse (Perceus: the arm decided by borrowed tests first): in
    rbtree's `ins`, `balanceLeft` inlined, the match on the left child
    stays a borrowed `unpack`, and the child is reset (a `match reset`
    inside that unpack) only in the arm of its colour's test that rotates
    it, where its cell is reused; the common case, no rotation, passes it
    on whole, no reset, no rebuild (no remark 'rebuilt from its fields',
    in rbtree or rbtree_ck). rbtree_ck, whose versions share their nodes,
    makes the same regions at 2,000 keys as with the children reset where
    their matches are (the pass before), with fewer retains and releases
    (a shared reset retained the fields its rebuild released again); both
    engines count the same."""
    from lolang import ir
    from lolang.traverse import walk
    from lowering.passes import reuse_cells

    for name in ("rbtree", "rbtree_ck"):
        artifacts = pipeline.run_pipeline(Source.read(str(ROOT / "bench" / f"{name}.hi")), pipeline.Options(2))
        stage = next(a for a in artifacts if a.stage.name == "lo.reuse")
        assert not any("rebuilt from its fields" in r.detail for r in stage.remarks), name
        assert any("in the arms that reuse it" in r.detail for r in stage.remarks), name
    ins = next(f for f in stage.program.funs if f.name == "ins")
    pushed = [u for u in walk(ins.body) if isinstance(u, ir.Unpack) and isinstance(u.pack, ir.Var)
              and any(isinstance(n, ir.MatchReset) and n.scrutinee == u.pack for n in walk(u.body))]
    assert pushed
    path, args = ROOT / "bench" / "rbtree_ck.hi", ("2000",)
    late = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    monkeypatch.setattr(reuse_cells._Linearizer, "late_reset", lambda *a: None)
    before = run_file(path, engine="native", args=args, level=2)
    assert late.stdout == before.stdout == interpreted.stdout
    for key in ("regions_created", "allocs"):
        assert late.stats[key] == before.stats[key], (key, before.stats, late.stats)
    for key in ("retains", "releases"):
        assert late.stats[key] < before.stats[key], (key, before.stats, late.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: late.stats[k] for k in SHARED}


def test_a_tail_call_that_can_fail_is_not_inlined(tmp_path):
    """reuse inlines only a callee that rearranges cells: with an addition
    in `balanceLeft` (an overflow would report its own place), `ins`
    still calls it, and prints the same."""
    from lolang import ir
    from lolang.traverse import walk

    text = (ROOT / "bench" / "rbtree.hi").read_text()
    old = "return Node(Black, Node(Red, lx, kx, vx, rx), k, v, r);"
    assert text.count(old) == 1
    path = tmp_path / "rbtree_add.hi"
    path.write_text(text.replace(old, "return Node(Black, Node(Red, lx, kx, vx, rx), k + 0, v, r);"))
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in artifacts if a.stage.name == "lo.reuse")
    ins = next(f for f in program.funs if f.name == "ins")
    calls = {n.func for n in walk(ins.body) if isinstance(n, ir.Call)}
    assert "balanceLeft" in calls and "balanceRight" not in calls
    ran = run_file(path, engine="native", args=("500",), level=2)
    assert ran.stdout == run_file(ROOT / "bench" / "rbtree.hi", engine="native", args=("500",), level=2).stdout


def test_a_kept_tree_passed_to_a_reusing_function_costs_no_more_retains_than_naive():
    """tests/regressions/kept_tree_passed_to_a_reusing_function.hi: with
    static-objects off, `mirror(copy t)` of a tree main keeps takes the
    shared path of every reset (fields retained); the naive lowering
    borrows them. Found by the differential test. The pass now owns no
    parameter a call passes a copy of."""
    path = ROOT / "tests" / "regressions" / "kept_tree_passed_to_a_reusing_function.hi"
    off = frozenset({"static-objects"})
    naive = run_file(path, engine="lolang", stage="lo", disabled=off)
    reused = run_file(path, engine="lolang", stage="lo.reuse", disabled=off)
    assert reused.stats["retains"] <= naive.stats["retains"], (naive.stats, reused.stats)


def test_reuse_leaves_what_it_cannot_make_unique_alone():
    """deriv's `d(x, e)` passes `copy e`'s parts to itself: owning `e`
    would only add retains, so the pass leaves it borrowed and says so
    (without static-objects: with it, d's `Val(0)`s are static and it
    makes no cell the pass could fill, so it is no candidate at all)."""
    report = _report(ROOT / "bench" / "deriv.hi", frozenset({"static-objects"}))["reuse"]
    assert report == {"not reused": 1}, report
    assert "not reused" not in _report(ROOT / "bench" / "deriv.hi").get("reuse", {})


def test_an_owned_argument_is_matched_in_place():
    """unpack-in-place: deriv's `add` and `mul` look into each owned
    argument with `unpack n0` instead of `unpack copy n0` (each a retain
    and a release), moving the copies of fields an arm still needs before
    its `drop`. At 5 derivatives, under a third of the retains it makes
    without the pass, as many fewer releases, the same regions and
    allocations, and both engines count the same."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "deriv.hi"
    report = _report(path)["unpack-in-place"]
    assert report == {"unpacked in place": 20}, report  # every one in add, mul, powr
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = artifacts[-1].program if artifacts[-1].stage.name.startswith("lo") else next(
        a.program for a in reversed(artifacts) if a.stage.name.startswith("lo"))
    for name in ("add", "mul"):
        f = next(g for g in program.funs if g.name == name)
        assert not any(isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Copy) for n in walk(f.body)), name
    args = ("5",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"unpack-in-place"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    for key in ("allocs", "regions_created"):
        assert best.stats[key] == without.stats[key]
    assert best.stats["retains"] * 3 <= without.stats["retains"], (without.stats, best.stats)
    assert without.stats["retains"] - best.stats["retains"] == without.stats["releases"] - best.stats["releases"]
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_a_constructor_of_literals_is_a_static_object():
    """static-objects: deriv's `Val(0)`, `Val(1)` and `Val(-1)` are
    constants in the executable, in no region: at 5 derivatives a quarter
    of its regions go (3,692 -> 2,678), and both engines count the same."""
    path = ROOT / "bench" / "deriv.hi"
    report = _report(path)["static-objects"]
    assert report["static object"] >= 10, report
    args = ("5",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"static-objects"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    assert best.stats["regions_created"] * 4 <= without.stats["regions_created"] * 3, (without.stats, best.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_a_value_rebuilt_from_its_own_fields_is_shared():
    """share-rebuilt: deriv's `mul(Val(n), f)` after matching `Val(n)`
    (twice in `add`, twice in `mul`) passes the matched value on instead of
    making an equal one: at 5 derivatives fewer regions and allocations,
    no more retains, and both engines count the same."""
    from lolang import ir
    from lolang.traverse import walk

    path = ROOT / "bench" / "deriv.hi"
    report = _report(path)["share-rebuilt"]
    assert report == {"shared rebuilt value": 4}, report
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    program = next(a.program for a in artifacts if a.stage.name == "lo.share-rebuilt")
    for name in ("add", "mul"):
        f = next(g for g in program.funs if g.name == name)
        made = [n.ctor for n in walk(f.body) if isinstance(n, ir.NewData) and n.region != ir.PRIMITIVE_REGION]
        assert made.count("Val") == 2, (name, made)  # Val(n + m), Val(n * m) and the like: new values
    args = ("5",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"share-rebuilt"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    for key in ("allocs", "regions_created"):
        assert best.stats[key] * 8 <= without.stats[key] * 7, (key, without.stats, best.stats)
    assert best.stats["retains"] <= without.stats["retains"], (without.stats, best.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


def test_sharing_a_rebuilt_value_keeps_its_structure_in_one_region():
    """share-rebuilt runs after dominated: `first` rebuilds the `Val(n)`
    it finds as the first field of a `Pair`, and a `copy` of that field
    would keep `dominated` from putting it in the Pair's region (one
    region per tree becomes one per node). tests/lowering/
    rebuilt_value_of_a_dominated_field.hi: one region per tree, with the
    pass or without."""
    path = ROOT / "tests" / "lowering" / "rebuilt_value_of_a_dominated_field.hi"
    args = ("100",)
    best = run_file(path, engine="native", args=args, level=2)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"share-rebuilt"}))
    assert best.stdout == without.stdout
    assert best.stats["regions_created"] == without.stats["regions_created"] <= 100 + 3, best.stats


def test_a_dropped_cell_is_reused_for_the_next_of_its_size():
    """reuse-dropped: cfold's folding of two constants drops `f1` (a `Val`)
    and makes `Val(a + b)`: the new value is written in f1's cell when it
    is unique (three sites in each of the Add and Mul arms). At depth 10
    fewer regions, retains and releases, the same allocations less the
    reused cells, and both engines count the same."""
    path = ROOT / "bench" / "cfold.hi"
    report = _report(path)["reuse-dropped"]
    assert report == {"dropped cell reused": 6}, report
    args = ("10",)
    without = run_file(path, engine="native", args=args, level=2, disabled=frozenset({"reuse-dropped"}))
    best = run_file(path, engine="native", args=args, level=2)
    interpreted = run_file(path, engine="lolang", args=args, level=2)
    assert best.stdout == without.stdout == interpreted.stdout
    for key in ("regions_created", "retains", "releases"):
        assert best.stats[key] < without.stats[key], (key, without.stats, best.stats)
    assert best.stats["regions_created"] * 10 <= without.stats["regions_created"] * 9, (without.stats, best.stats)
    assert {k: interpreted.stats[k] for k in SHARED} == {k: best.stats[k] for k in SHARED}


# --------------------------------------------------------------------------
# the leak suite


LEAK_SIZES = (100, 1000)


@pytest.mark.parametrize("path", sorted(LEAKS.glob("*.hi")), ids=lambda p: p.stem)
def test_no_pass_keeps_memory_the_naive_program_frees(path: Path):
    """Each program at two sizes, ten times apart: `-O2`'s `bytes_peak` is
    within 1.5x of `-O0`'s (plus a few KiB of fixed cost), and grows no
    faster from the small size to the large one than `-O0`'s does: a leak
    that grows with the loop shows as a factor of ten."""
    peaks = {}
    for level in (0, 2):
        for n in LEAK_SIZES:
            outcome = run_file(path, engine="native", args=(str(n),), level=level)
            assert outcome.status == 0, outcome.stderr_first_line
            peaks[level, n] = outcome.stats["bytes_peak"]
    small, large = LEAK_SIZES
    for n in LEAK_SIZES:
        assert peaks[2, n] <= 1.5 * peaks[0, n] + 4 * KIB, peaks
    growth_naive = peaks[0, large] / max(peaks[0, small], 1)
    growth_best = peaks[2, large] / max(peaks[2, small], 1)
    assert growth_best <= 1.2 * growth_naive + 0.1, peaks


# --------------------------------------------------------------------------
# each pass


PASS_NAMES = [p.NAME for p in PASSES]
SAMPLE = [ROOT / "examples" / "binary_trees.hi", ROOT / "examples" / "json_tree.hi",
          ROOT / "bench" / "frame_loop.hi", ROOT / "bench" / "work_queue.hi", *sorted(LEAKS.glob("*.hi"))[:4]]


def _lolang_run(path: Path, disabled: frozenset[str]) -> tuple:
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2, disabled))
    last = [a for a in artifacts if a.stage.engine == "lolang"][-1]
    out = io.BytesIO()
    try:
        stats = engines.RUNNERS["lolang"](last.program, out, list(_args(path)), last.checked)
        status = 0
    except ProgramError as error:
        stats, status = error.stats, 101
    return out.getvalue(), status, stats


@pytest.mark.parametrize("path", SAMPLE, ids=_id)
def test_every_pass_can_be_switched_off(path: Path):
    """Each pass switched off alone (the others then see a program they
    would not otherwise): the same output, and no count above naive."""
    out, status, naive = _lolang_run(path, frozenset(PASS_NAMES))
    for name in PASS_NAMES:
        got_out, got_status, stats = _lolang_run(path, frozenset({name}))
        assert (got_out, got_status) == (out, status), f"--no-pass {name} changes the output"
        for key in ("regions_created", "retains", "releases"):
            assert stats[key] <= naive[key], f"--no-pass {name}: {key} {naive[key]} -> {stats[key]}"


@pytest.mark.parametrize("path", SAMPLE, ids=_id)
def test_passes_are_idempotent(path: Path):
    """Running a pass again on its own output changes nothing."""
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2))
    by_stage = {a.stage.name: a for a in artifacts}
    for p in PASSES:
        artifact = by_stage[f"lo.{p.NAME}"]
        again = p.run(artifact.program, artifact.checked)
        assert again.program == artifact.program, f"{p.NAME} is not idempotent"


def _report(path: Path, disabled: frozenset[str] = frozenset()) -> dict:
    artifacts = pipeline.run_pipeline(Source.read(str(path)), pipeline.Options(2, disabled))
    return {a.stage.pass_name: counts(a.remarks) for a in artifacts if a.remarks is not None}


def test_what_the_passes_report_on_binary_trees():
    report = _report(ROOT / "examples" / "binary_trees.hi")
    # Its three lines of output are `"..." ++ str(n) ++ "..." ++ str(m)`:
    # each one `concat`, the numbers written in place.
    assert report["concat-chains"] == {"str written in place": 7, "concat fused": 7}
    assert report["static-objects"]["static object"] == 8
    assert report["borrow-regions"]["region parameter"] == 1
    assert report["output-regions"]["output region"] == 1
    assert report["dominated"]["dominated"] == 2
    assert report["rc-elide"]["pack scoped to its uses"] >= 2
    # Without concat-chains the pieces of each line are scratch temporaries.
    apart = _report(ROOT / "examples" / "binary_trees.hi", frozenset({"concat-chains"}))
    assert apart["scratch-regions"]["scratch region"] >= 3


def test_hic_compile_dump_all_shows_each_pass_and_what_it_changed(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "hic", "compile", str(ROOT / "examples" / "binary_trees.hi"),
                             "--dump", "all"], capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    for name in PASS_NAMES:
        assert f"lo.{name}" in text
    assert "what each pass changed" in text
    assert "output region" in text


# --------------------------------------------------------------------------
# hand-written lolang


LOLANG_PROGRAMS = sorted((ROOT / "tests" / "lolang_programs").glob("*.lo"))


@pytest.mark.parametrize("path", LOLANG_PROGRAMS, ids=lambda p: p.stem)
def test_the_passes_keep_hand_written_lolang_working(path: Path):
    """The passes run on `.lo` files too (`hic run prog.lo -O2`): every
    hand-written program passes the checker after each and prints what
    it is expected to (a `var acc = new[o] ""` assigned other strings of
    o later once became static, which the checker rejected)."""
    out, status, _ = _lolang_run(path, frozenset())
    expected = path.with_suffix(".out")
    if expected.exists() and status == 0:
        assert out == expected.read_bytes()
