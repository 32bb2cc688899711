"""lolang's runtime model: the region table, reference counts, the packs each
region holds, bytes accounting, the cycle collector and the figures of
DESIGN.md's stats table.

This is the model the interpreter runs on and the C runtime mirrors; native
code must report the same counts, so every counted operation is a method here
and nothing else touches the counters. The rules (docs/lolang.md, "Runtime
model"):

* A region id is `generation << 32 | slot`. Slots are reused last-freed first;
  a slot's generation is bumped when its region is freed, so an id kept past
  its region's death no longer names a live region. Any use of such an id
  raises `CompilerBug`: a checked program never does it, so it means hic broke
  an invariant, and silently following it would hide the bug.
* A new region starts with one reference, its `region` block's; creating it
  is not counted as a retain. `retain` (a `pack`, a `copy`, ...) adds one,
  `release` (a `drop`, the end of a `region` block or of an owned `unpack`, the
  freeing of a region holding packs, ...) removes one; docs/lolang.md §13
  lists every operation that counts. At zero the region is freed.
* Storing an owned pack into an object of region q moves the pack's reference
  into q: `record(q, id)` notes it (no count changes). Taking it out again
  (`pop`, `remove`) is `unrecord`; overwriting it is `replace`. Freeing q
  releases every pack it still records, with no scan of q's objects. Freeing
  can cascade down a long chain of regions (a list with one region per
  cell), so it runs on a worklist, never by recursion.
* A container's storage block is counted by `grow` and given back by
  `reclaim` as soon as the container replaces it.
* `merge(child, parent)` (lolang's `merge r into q`): the child's objects,
  bytes and recorded packs become the parent's and die with it. The child
  stays a live region for the references it still has, holding one counted
  reference on the parent, released when the child is freed. An object keeps
  the id of the region it was allocated in; `owner` follows merges to the
  region that now owns it, and that is the one whose death makes it stale.
* Cycles: a release that leaves a region alive while it records packs makes
  it a candidate; the collector (`_collect`, trial deletion over the region
  graph, runtime/cycles.c explains it) frees unreachable cycles, triggered
  exactly as the C runtime triggers it.
* The primitive region `P` has the fixed id `PRIMITIVE` (slot 0, generation
  0). It always lives; packs of it are not reference counted (retain and
  release of `P` do nothing and count nothing), it is not counted among the
  regions and nothing is freed from it.

What a live region costs here: an entry in `rc` and in `owning`, its slot's
entries in `_bytes` and `_generation`, and an entry in `_held` while it
records packs (one pack recorded once is the bare id, more a dict).

Assumes callers pass sizes already computed (docs/lolang.md, "Object sizes");
the table only adds them up.
"""

from __future__ import annotations

from diagnostics import CompilerBug

PRIMITIVE = 0
SLOT_BITS = 32
SLOT_MASK = (1 << SLOT_BITS) - 1
GENERATION_MASK = (1 << 32) - 1

# When the cycle collector runs (runtime/cycles.c has the same numbers).
MIN_CANDIDATES = 10_000
MIN_BYTES_GROWTH = 8 << 20


def slot_of(rid: int) -> int:
    return rid & SLOT_MASK


def generation_of(rid: int) -> int:
    return rid >> SLOT_BITS


def describe(rid: int) -> str:
    """`#slot.gen` for messages: which slot and which of its lives."""
    return f"#{slot_of(rid)}.{generation_of(rid)}"


def _held_items(held) -> list[tuple[int, int]]:
    """(id, multiplicity) pairs of a `_held` value: a bare id or a dict."""
    if type(held) is int:
        return [(held, 1)]
    return list(held.items())


class RegionTable:
    """Every region of one program run.

    Live regions are the keys of `rc` (a dict lookup is the cheapest liveness
    test Python has, and the interpreter makes one per object access); the
    slot structure (`_generation`, `_free`) exists to mint ids exactly as the
    C runtime does, so that ids, and therefore stale-id detection, match.
    """

    __slots__ = (
        "rc",
        "_bytes",
        "_held",
        "_forward",
        "owning",
        "_generation",
        "_free",
        "_live_bytes",
        "_candidates",
        "_buffered",
        "_fresh",
        "_threshold",
        "_bytes_trigger",
        "allocs",
        "regions_created",
        "regions_freed",
        "regions_peak",
        "regions_collected",
        "retains",
        "releases",
        "bytes_allocated",
        "bytes_peak",
    )

    def __init__(self) -> None:
        self.rc: dict[int, int] = {}
        self._bytes: list[int] = [0]  # by slot: the live bytes a region owns
        # region id -> the packs stored in it: a bare id (one pack) or a
        # multiset dict (id -> multiplicity); no entry when none
        self._held: dict[int, int | dict[int, int]] = {}
        # Live regions that own their objects (not merged into another):
        # the one set an object access looks in.
        self.owning: set[int] = set()
        # merged region id -> the region it was merged into. Kept after the
        # merged region dies: its objects live on in the parent.
        self._forward: dict[int, int] = {}
        self._generation: list[int] = [0]  # slot 0 is P's
        self._free: list[int] = []
        self._live_bytes = 0
        # The cycle collector: candidate roots (ids, possibly stale) in the
        # order they were buffered, and the live ones among them.
        self._candidates: list[int] = []
        self._buffered: set[int] = set()
        self._fresh = False
        self._threshold = MIN_CANDIDATES
        self._bytes_trigger = MIN_BYTES_GROWTH
        self.allocs = 0
        self.regions_created = 0
        self.regions_freed = 0
        self.regions_peak = 0
        self.regions_collected = 0
        self.retains = 0
        self.releases = 0
        self.bytes_allocated = 0
        self.bytes_peak = 0

    # ------------------------------------------------------------------
    # Lifetime

    def create(self) -> int:
        """Open a region holding one reference (its block's); return its id."""
        if self._free:
            slot = self._free.pop()
        else:
            slot = len(self._generation)
            self._generation.append(0)
            self._bytes.append(0)
        rid = self._generation[slot] << SLOT_BITS | slot
        self.rc[rid] = 1
        self.owning.add(rid)
        self.regions_created += 1
        if len(self.rc) > self.regions_peak:
            self.regions_peak = len(self.rc)
        return rid

    def retain(self, rid: int) -> None:
        """One more reference on `rid` (a `pack` or a `copy`)."""
        if rid == PRIMITIVE:
            return
        self._need_live(rid, "retain")
        self.rc[rid] += 1
        self.retains += 1

    def release(self, rid: int) -> None:
        """One reference fewer on `rid`: free it, and cascade, at zero; a
        region left alive that records packs is a cycle candidate."""
        if rid == PRIMITIVE:
            return
        self._need_live(rid, "release")
        self.releases += 1
        count = self.rc[rid] - 1
        if count:
            self.rc[rid] = count
            if rid in self._held:
                self._candidate(rid)
                self._maybe_collect()
            return
        pending = [rid]
        while pending:
            for held, times in self._free_one(pending.pop()):
                self._need_live(held, "release a pack held by a freed region")
                self.releases += times
                left = self.rc[held] - times
                if left > 0:
                    self.rc[held] = left
                    if held in self._held:
                        self._candidate(held)
                elif left == 0:
                    pending.append(held)
                else:
                    raise CompilerBug(f"region {describe(held)} released more often than retained")
        self._maybe_collect()

    def _free_one(self, rid: int) -> list[tuple[int, int]]:
        """Free a region whose count reached zero; return the packs it held."""
        del self.rc[rid]
        self.owning.discard(rid)
        self._buffered.discard(rid)
        slot = slot_of(rid)
        self._live_bytes -= self._bytes[slot]
        self._bytes[slot] = 0
        held = self._held.pop(rid, None)
        self._generation[slot] = (self._generation[slot] + 1) & GENERATION_MASK
        self._free.append(slot)
        self.regions_freed += 1
        return _held_items(held) if held is not None else []

    def merge(self, child: int, parent: int) -> None:
        """`merge child into parent`: the child's objects, bytes and recorded
        packs become the parent's (they now die with it). The child lives on
        as a region of its own for its references (its block's, its packs'),
        holding one reference on the parent, counted as a retain and released
        when the child is freed; so a pack of the child stays valid."""
        self._need_owning(child, "merge")
        self._need_live(parent, "merge into")
        target = self.owner(parent, "merge into")
        if target == child or PRIMITIVE in (child, parent):
            raise CompilerBug(f"cannot merge region {describe(child)} into {describe(parent)}")
        self._bytes[slot_of(target)] += self._bytes[slot_of(child)]
        self._bytes[slot_of(child)] = 0
        held = self._held.pop(child, None)
        if held is not None:
            for rid, times in _held_items(held):
                self._add_held(target, rid, times)
        self.owning.discard(child)
        self._forward[child] = parent
        self.retain(parent)
        self._held[child] = parent

    def owner(self, rid: int, what: str) -> int:
        """The region whose objects those allocated in `rid` now are: `rid`
        itself, or where it was merged into (transitively). Raises
        CompilerBug when that region is dead: reading an object through a
        stale id."""
        if rid in self.owning or rid == PRIMITIVE:
            return rid
        seen = rid
        while seen in self._forward:
            seen = self._forward[seen]
            if seen in self.owning:
                return seen
        self._stale(rid if seen == rid else seen, what)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------
    # Objects, storage and the packs stored in them

    def alloc(self, rid: int, nbytes: int) -> None:
        """Account for one object of `nbytes` allocated in `rid`."""
        self.allocs += 1
        self.grow(rid, nbytes)

    def alloc_immediate(self) -> None:
        """Account for a constructor without fields made in a live region:
        an immediate value, so one alloc of no bytes (docs/lolang.md §9)."""
        self.allocs += 1

    def grow(self, rid: int, nbytes: int) -> None:
        """Account for `nbytes` more handed out to `rid` without a new object
        (a container's storage block)."""
        if rid == PRIMITIVE:
            return
        rid = self.owner(rid, "allocate in")
        self._bytes[slot_of(rid)] += nbytes
        self.bytes_allocated += nbytes
        self._live_bytes += nbytes
        if self._live_bytes > self.bytes_peak:
            self.bytes_peak = self._live_bytes

    def reclaim(self, rid: int, nbytes: int) -> None:
        """A container in `rid` replaced its storage block of `nbytes`: the
        block is given back at once (docs/lolang.md §9)."""
        if rid == PRIMITIVE:
            return
        rid = self.owner(rid, "free storage in")
        self._bytes[slot_of(rid)] -= nbytes
        self._live_bytes -= nbytes

    def storage(self, rid: int, holder, nbytes: int) -> None:
        """The first storage block of container `holder` (an array or map
        object) in `rid`."""
        self.grow(rid, nbytes)

    def replace_storage(self, rid: int, holder, nbytes: int, old_nbytes: int) -> None:
        """Container `holder` in `rid` moves to a new storage block of
        `nbytes`: allocated first, then the old block (`old_nbytes`, 0 for
        none) reclaimed, as the C runtime does."""
        self.grow(rid, nbytes)
        if old_nbytes:
            self.reclaim(rid, old_nbytes)

    def record(self, holder: int, rid: int) -> None:
        """An owned pack of `rid` was stored into an object of `holder`."""
        if rid == PRIMITIVE or holder == PRIMITIVE:
            if holder == PRIMITIVE and rid != PRIMITIVE:
                raise CompilerBug(f"pack of region {describe(rid)} stored into P")
            return
        self._add_held(self.owner(holder, "store a pack into"), rid, 1)

    def _add_held(self, holder: int, rid: int, times: int) -> None:
        held = self._held.get(holder)
        if held is None and times == 1:
            self._held[holder] = rid
        elif type(held) is dict:
            held[rid] = held.get(rid, 0) + times
        else:
            multiset = self._held[holder] = {} if held is None else {held: 1}
            multiset[rid] = multiset.get(rid, 0) + times

    def unrecord(self, holder: int, rid: int) -> None:
        """A pack of `rid` was taken out of an object of `holder` (`pop`,
        `remove`); its reference goes with it."""
        if rid == PRIMITIVE or holder == PRIMITIVE:
            return
        holder = self.owner(holder, "take a pack out of")
        held = self._held.get(holder)
        if held == rid:
            del self._held[holder]
            return
        times = held.get(rid, 0) if type(held) is dict else 0
        if not times:
            raise CompilerBug(f"region {describe(holder)} does not hold a pack of {describe(rid)}")
        if times > 1:
            held[rid] = times - 1
        elif len(held) > 1:
            del held[rid]
        else:
            del self._held[holder]

    def unrecord_all(self, holder: int) -> None:
        """`holder` forgets every pack it records: their references go to
        whoever takes them (`match reset` of a unique region, whose one
        object held exactly those packs; `hic_reuse_reset`)."""
        self._held.pop(holder, None)

    def replace(self, holder: int, rid: int, old: int) -> None:
        """A slot of an object of `holder` that held a pack of `old` is
        overwritten with an owned pack of `rid`: record the new one, then
        un-record and release the old one. In this order in both engines
        (`hic_region_replace`): the collector may run in the release."""
        self.record(holder, rid)
        if old != PRIMITIVE:
            self.unrecord(holder, old)
            self.release(old)

    # ------------------------------------------------------------------
    # The cycle collector: trial deletion over the region graph

    def _candidate(self, rid: int) -> None:
        if rid not in self._buffered:
            self._buffered.add(rid)
            self._candidates.append(rid)
            self._fresh = True

    def _maybe_collect(self) -> None:
        """After a release: collect if it buffered a new candidate and enough
        have gathered, or live bytes doubled since the last collection."""
        if not self._fresh:
            return
        self._fresh = False
        if len(self._candidates) >= self._threshold or self._live_bytes >= self._bytes_trigger:
            self._collect()

    def collect_cycles(self) -> None:
        """Reclaim every unreachable cycle now (when main returns)."""
        self._fresh = False
        if self._candidates:
            self._collect()

    def _edges(self, rid: int) -> list[tuple[int, int]]:
        held = self._held.get(rid)
        if held is None:
            return []
        items = _held_items(held)
        rc = self.rc
        if all(h in rc for h, _ in items):
            return items
        # A unique reuse token's region still records the packs its object's
        # fields had (docs/lolang.md §5.5), some perhaps freed since. The C
        # collector follows such an id to its slot's struct (cycles.c,
        # `target`): a dead one changes nothing (it ends black, as all that
        # the token's region reaches does), a new region there is traced.
        edges = []
        for h, times in items:
            if h not in rc:
                slot = slot_of(h)
                h = self._generation[slot] << SLOT_BITS | slot
                if h not in rc:
                    continue
            edges.append((h, times))
        return edges

    def _collect(self) -> None:
        rc = self.rc
        roots = []
        trial: dict[int, int] = {}  # traced region -> its count, being tried
        for rid in self._candidates:
            if rid in rc and rid not in trial:
                self._buffered.discard(rid)
                trial[rid] = rc[rid]
                roots.append(rid)
            elif rid in rc:
                self._buffered.discard(rid)
        self._candidates = []
        # Mark gray: take every edge among the traced regions away.
        stack = list(roots)
        while stack:
            for held, times in self._edges(stack.pop()):
                if held not in trial:
                    trial[held] = rc[held]
                    stack.append(held)
                trial[held] -= times
        # Scan: what keeps a count is reachable from outside (black), with
        # all it reaches; the rest is white.
        black: set[int] = set()
        white: set[int] = set()
        stack = list(roots)
        while stack:
            rid = stack.pop()
            if rid in black or rid in white:
                continue
            if trial[rid] > 0:
                self._scan_black(rid, trial, black, white)
                continue
            white.add(rid)
            stack.extend(h for h, _ in self._edges(rid) if h not in black and h not in white)
        for rid in black:
            rc[rid] = trial[rid]  # less the edges from white regions, freed below
        # Collect white, in the order the C runtime finds them.
        found = []
        stack = list(roots)
        while stack:
            rid = stack.pop()
            if rid not in white:
                continue
            white.discard(rid)
            found.append(rid)
            stack.extend(h for h, _ in self._edges(rid) if h in white)
        for rid in found:
            held = self._held.get(rid)
            self.releases += sum(times for _, times in _held_items(held)) if held is not None else 0
            self._free_one(rid)
            self.regions_collected += 1
        self._threshold = max(MIN_CANDIDATES, len(rc))
        self._bytes_trigger = self._live_bytes + max(self._live_bytes, MIN_BYTES_GROWTH)

    def _scan_black(self, rid: int, trial: dict, black: set, white: set) -> None:
        black.add(rid)
        white.discard(rid)
        stack = [rid]
        while stack:
            for held, times in self._edges(stack.pop()):
                trial[held] += times
                if held not in black:
                    black.add(held)
                    white.discard(held)
                    stack.append(held)

    # ------------------------------------------------------------------
    # Checks and figures

    def is_live(self, rid: int) -> bool:
        return rid == PRIMITIVE or rid in self.rc

    def check(self, rid: int, what: str) -> None:
        """Raise CompilerBug unless `rid` names a live region."""
        if rid != PRIMITIVE and rid not in self.rc:
            self._stale(rid, what)

    _need_live = check

    def _need_owning(self, rid: int, what: str) -> None:
        if rid not in self.owning:
            if rid in self.rc:
                raise CompilerBug(f"{what} region {describe(rid)}: it was merged already")
            self._stale(rid, what)

    def _stale(self, rid: int, what: str) -> None:
        slot = slot_of(rid)
        if slot >= len(self._generation):
            state = "was never created"
        elif self._generation[slot] != generation_of(rid):
            state = "is stale (freed; its slot now has generation " f"{self._generation[slot]})"
        else:
            state = "is freed"
        raise CompilerBug(f"{what} region {describe(rid)}: the id {state}")

    def refcount(self, rid: int) -> int:
        self.check(rid, "read the count of")
        return self.rc.get(rid, 1)

    def bytes_of(self, rid: int) -> int:
        self.check(rid, "read the size of")
        return self._bytes[slot_of(rid)] if rid != PRIMITIVE else 0

    def held_by(self, rid: int) -> dict[int, int]:
        """A copy of the multiset of pack region ids `rid` records."""
        self.check(rid, "read the packs of")
        return dict(self._edges(rid))

    @property
    def live(self) -> int:
        return len(self.rc)

    def stats(self) -> dict[str, int]:
        """The counters of DESIGN.md's stats table (without engine/stage)."""
        return {
            "allocs": self.allocs,
            "regions_created": self.regions_created,
            "regions_freed": self.regions_freed,
            "regions_peak": self.regions_peak,
            "regions_leaked": len(self.rc),
            "retains": self.retains,
            "releases": self.releases,
            "bytes_allocated": self.bytes_allocated,
            "bytes_peak": self.bytes_peak,
            "regions_collected": self.regions_collected,
        }
