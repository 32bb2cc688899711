"""The region table of lolang's runtime model (lolang/interp/regions.py): ids, slot
reuse, stale-id detection, reference counts, held packs and the figures."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnostics import CompilerBug
from lolang.interp.regions import PRIMITIVE, RegionTable, generation_of, slot_of


def test_ids_are_generation_and_slot():
    t = RegionTable()
    a = t.create()
    assert (slot_of(a), generation_of(a)) == (1, 0)
    t.release(a)
    b = t.create()
    assert (slot_of(b), generation_of(b)) == (1, 1)
    assert b == 1 << 32 | 1


def test_free_slots_are_reused_last_freed_first():
    t = RegionTable()
    a, b, c = t.create(), t.create(), t.create()
    t.release(a)
    t.release(c)
    assert slot_of(t.create()) == slot_of(c)
    assert slot_of(t.create()) == slot_of(a)
    assert slot_of(t.create()) == 4
    assert t.is_live(b)


@pytest.mark.parametrize(
    "use",
    [
        lambda t, r: t.retain(r),
        lambda t, r: t.release(r),
        lambda t, r: t.alloc(r, 8),
        lambda t, r: t.check(r, "read"),
        lambda t, r: t.record(r, PRIMITIVE + 1),
        lambda t, r: t.merge(r, t.create()),
        lambda t, r: t.owner(r, "read"),
    ],
)
def test_any_use_of_a_freed_or_stale_id_is_a_compiler_bug(use):
    t = RegionTable()
    old = t.create()
    t.release(old)
    with pytest.raises(CompilerBug, match="freed|stale"):
        use(t, old)
    t.create()  # the slot is live again, under a new generation
    with pytest.raises(CompilerBug, match="stale"):
        use(t, old)


def test_an_id_never_minted_is_a_compiler_bug():
    with pytest.raises(CompilerBug, match="never created"):
        RegionTable().check(77, "read")


def test_counts_free_at_zero():
    t = RegionTable()
    r = t.create()
    t.retain(r)  # a pack
    t.retain(r)  # a copy of it
    t.release(r)  # the block ends
    t.release(r)  # one pack dropped
    assert t.is_live(r) and t.refcount(r) == 1
    t.release(r)
    assert not t.is_live(r)
    s = t.stats()
    assert (s["retains"], s["releases"], s["regions_freed"], s["regions_leaked"]) == (2, 3, 1, 0)


def test_freeing_releases_the_packs_a_region_holds():
    t = RegionTable()
    outer, inner = t.create(), t.create()
    t.retain(inner)  # pack inner ...
    t.record(outer, inner)  # ... stored into an object of outer
    t.retain(inner)
    t.record(outer, inner)  # twice: a multiset
    t.release(inner)  # inner's block ends; the two packs keep it
    assert t.refcount(inner) == 2 and t.held_by(outer) == {inner: 2}
    t.release(outer)
    assert not t.is_live(inner) and t.live == 0
    assert t.stats()["releases"] == 4  # two blocks + two held packs


def test_unrecord_moves_the_reference_out():
    t = RegionTable()
    outer, inner = t.create(), t.create()
    t.retain(inner)
    t.record(outer, inner)
    t.unrecord(outer, inner)  # e.g. pop: the caller owns the pack now
    t.release(outer)
    assert t.is_live(inner) and t.refcount(inner) == 2
    with pytest.raises(CompilerBug, match="does not hold"):
        t.unrecord(inner, outer)


def test_a_long_chain_is_freed_without_recursion():
    t = RegionTable()
    head = t.create()
    cell = head
    for _ in range(200_000):
        nxt = t.create()
        t.retain(nxt)
        t.record(cell, nxt)
        t.release(nxt)
        cell = nxt
    t.release(head)
    assert t.live == 0 and t.stats()["regions_freed"] == 200_001


def _cycle(t: RegionTable) -> tuple[int, int]:
    """Two regions recording each other, both blocks ended."""
    a, b = t.create(), t.create()
    t.retain(b)
    t.record(a, b)
    t.retain(a)
    t.record(b, a)
    t.release(a)
    t.release(b)
    return a, b


def test_a_cycle_is_collected():
    t = RegionTable()
    a, b = _cycle(t)
    assert t.is_live(a) and t.is_live(b)  # reference counting alone leaks it
    t.collect_cycles()
    assert not t.is_live(a) and not t.is_live(b)
    s = t.stats()
    assert (s["regions_leaked"], s["regions_freed"], s["regions_collected"]) == (0, 2, 2)
    # Each collected region released the pack it held.
    assert s["regions_created"] + s["retains"] == s["releases"] == 4


def test_what_only_a_cycle_reaches_is_collected_with_it():
    t = RegionTable()
    tail = t.create()
    a, b = t.create(), t.create()
    t.retain(tail)
    t.record(a, tail)
    t.release(tail)
    t.retain(b)
    t.record(a, b)
    t.retain(a)
    t.record(b, a)
    t.release(a)
    t.release(b)
    t.collect_cycles()
    assert t.live == 0 and t.stats()["regions_collected"] == 3


def test_a_reachable_cycle_survives_with_its_counts():
    t = RegionTable()
    keeper = t.create()
    a, b = _cycle(t)
    t.retain(a)
    t.record(keeper, a)
    t.collect_cycles()
    assert t.refcount(a) == 2 and t.refcount(b) == 1
    t.release(keeper)  # now it is garbage: a release made it a candidate
    t.collect_cycles()
    assert t.live == 0 and t.stats()["regions_collected"] == 2


def test_a_merged_region_on_a_cycle_is_collected():
    t = RegionTable()
    parent, child = t.create(), t.create()
    t.alloc(child, 16)
    t.merge(child, parent)  # child holds parent
    t.retain(child)
    t.record(parent, child)  # parent holds child: a cycle through the merge
    t.release(child)
    t.release(parent)
    t.collect_cycles()
    assert t.live == 0 and t.stats()["regions_collected"] == 2


def test_the_collector_runs_at_ten_thousand_candidates():
    """Deterministic triggering: each dropped cycle buffers two candidates;
    the 5,000th cycle's second release reaches 10,000 and collects."""
    t = RegionTable()
    for _ in range(4_999):
        _cycle(t)
    assert t.stats()["regions_collected"] == 0 and t.live == 9_998
    _cycle(t)
    assert t.stats()["regions_collected"] == 10_000 and t.live == 0


def test_storage_is_reclaimed_when_replaced():
    t = RegionTable()
    r = t.create()
    t.alloc(r, 24)
    t.grow(r, 32)  # capacity 4
    t.grow(r, 64)  # capacity 8 ...
    t.reclaim(r, 32)  # ... replaces the first block
    assert t.bytes_of(r) == 24 + 64
    t.grow(r, 128)
    t.reclaim(r, 64)
    s = t.stats()
    assert t.bytes_of(r) == 24 + 128 and s["bytes_peak"] == 24 + 64 + 128
    t.release(r)
    assert t.stats()["bytes_allocated"] == 24 + 32 + 64 + 128


def test_bytes_and_peaks():
    t = RegionTable()
    a = t.create()
    t.alloc(a, 24)
    b = t.create()
    t.alloc(b, 16)
    t.grow(b, 64)
    t.release(b)
    c = t.create()
    t.alloc(c, 8)
    s = t.stats()
    assert s["allocs"] == 3
    assert s["bytes_allocated"] == 24 + 16 + 64 + 8
    assert s["bytes_peak"] == 24 + 16 + 64
    assert s["regions_peak"] == 2


def test_merge_moves_bytes_and_held_packs_to_the_parent():
    t = RegionTable()
    parent, child, other = t.create(), t.create(), t.create()
    t.alloc(child, 40)
    t.retain(other)
    t.record(child, other)
    t.retain(child)  # a pack of the child, alive across the merge
    t.merge(child, parent)
    assert t.bytes_of(parent) == 40 and t.held_by(parent) == {other: 1}
    assert t.owner(child, "read") == parent and t.refcount(parent) == 2
    t.release(child)  # the child's block ends; its pack keeps it
    t.release(other)
    assert t.owner(child, "read") == parent
    t.release(child)  # the pack is dropped: the child frees, releasing parent
    assert t.refcount(parent) == 1 and t.owner(child, "read") == parent
    t.release(parent)
    assert t.live == 0
    with pytest.raises(CompilerBug, match="stale|freed"):
        t.owner(child, "read")  # the objects died with the parent
    s = t.stats()
    assert (s["retains"], s["releases"], s["regions_freed"]) == (3, 6, 3)


def test_merging_twice_is_a_compiler_bug():
    t = RegionTable()
    parent, child = t.create(), t.create()
    t.merge(child, parent)
    with pytest.raises(CompilerBug, match="merged already"):
        t.merge(child, parent)


def test_merge_follows_a_chain_of_merges():
    t = RegionTable()
    a, b, c = t.create(), t.create(), t.create()
    t.merge(b, a)
    t.alloc(c, 8)
    t.merge(c, b)
    assert t.owner(c, "read") == a and t.bytes_of(a) == 8


def test_the_primitive_region_is_never_counted():
    t = RegionTable()
    t.retain(PRIMITIVE)
    t.release(PRIMITIVE)
    t.check(PRIMITIVE, "read")
    r = t.create()
    t.record(r, PRIMITIVE)
    assert t.held_by(r) == {}
    s = t.stats()
    assert (s["retains"], s["releases"], s["regions_created"]) == (0, 0, 1)


# Random well-behaved sequences: every reference is either a region's block,
# a pack held by a local, or a pack recorded in a live region.
ops = st.lists(
    st.tuples(st.sampled_from(["create", "pack", "drop", "store", "end"]), st.integers(0, 50), st.integers(0, 50)),
    max_size=200,
)


@given(ops)
def test_references_are_conserved(program):
    t = RegionTable()
    blocks: list[int] = []  # regions whose block is still open
    packs: list[int] = []  # owned packs held by locals
    for op, i, j in program:
        match op:
            case "create":
                blocks.append(t.create())
            case "pack" if blocks:
                r = blocks[i % len(blocks)]
                t.retain(r)
                packs.append(r)
            case "drop" if packs:
                t.release(packs.pop(i % len(packs)))
            case "store" if packs and blocks:
                holder = blocks[j % len(blocks)]
                t.record(holder, packs.pop(i % len(packs)))
            case "end" if blocks:
                t.release(blocks.pop(i % len(blocks)))
        s = t.stats()
        assert sum(t.rc.values()) == s["regions_created"] + s["retains"] - s["releases"]
        assert s["regions_created"] == s["regions_freed"] + t.live
        for r in blocks + packs:
            assert t.is_live(r)
    for r in packs:
        t.release(r)
    for r in blocks:
        t.release(r)
    s = t.stats()
    # Only cycles of stored packs can survive, and each live region is in one.
    assert s["regions_leaked"] == t.live
    assert sum(t.rc.values()) == s["regions_created"] + s["retains"] - s["releases"]


def test_a_reuse_tokens_stale_record_is_followed_to_its_slot():
    """A unique reuse token's region keeps recording the packs its fields
    had (docs/lolang.md §5.5), one of which may be freed meanwhile. The
    collector follows such an id to whatever lives in its slot now, as the
    C collector does (cycles.c, `target`): the token's region is reachable
    from outside, so that region is black, its count restored."""
    t = RegionTable()
    w, child = t.create(), t.create()
    t.record(w, child)  # the child's pack stored in w's object
    # match reset: the child moves out into a variable, w keeps the record
    t.release(child)  # the variable's reference: the child is freed
    assert not t.is_live(child)
    a, b = _cycle(t)  # `a` lives in the child's slot now
    assert slot_of(a) == slot_of(child) and a != child
    t.retain(w)
    t.release(w)  # w holds a record: a candidate
    t.collect_cycles()
    assert t.is_live(a) and t.is_live(b) and t.refcount(a) == 1 and t.refcount(w) == 1
    t.unrecord_all(w)  # drop w: the record forgotten, then released
    t.release(w)
    t.retain(a)
    t.release(a)
    t.collect_cycles()
    assert t.live == 0
