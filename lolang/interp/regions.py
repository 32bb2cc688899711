"""lolang's runtime model: the region table, reference counts, the packs each
region holds, bytes accounting and the figures of DESIGN.md's stats table.

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
  (overwrite, `pop`, `remove`) is `unrecord`. Freeing q releases every pack it
  still records, with no scan of q's objects. Freeing can cascade down a long
  chain of regions (a list with one region per cell), so it runs on a
  worklist, never by recursion.
* `merge(child, parent)` (lolang's `merge r into q`): the child's objects,
  bytes and recorded packs become the parent's and die with it. The child
  stays a live region for the references it still has, holding one counted
  reference on the parent, released when the child is freed. An object keeps
  the id of the region it was allocated in; `owner` follows merges to the
  region that now owns it, and that is the one whose death makes it stale.
* The primitive region `P` has the fixed id `PRIMITIVE` (slot 0, generation
  0). It always lives; packs of it are not reference counted (retain and
  release of `P` do nothing and count nothing), it is not counted among the
  regions and nothing is freed from it.

Assumes callers pass sizes already computed (docs/lolang.md, "Object sizes");
the table only adds them up.
"""

from __future__ import annotations

from diagnostics import CompilerBug

PRIMITIVE = 0
SLOT_BITS = 32
SLOT_MASK = (1 << SLOT_BITS) - 1
GENERATION_MASK = (1 << 32) - 1


def slot_of(rid: int) -> int:
    return rid & SLOT_MASK


def generation_of(rid: int) -> int:
    return rid >> SLOT_BITS


def describe(rid: int) -> str:
    """`#slot.gen` for messages: which slot and which of its lives."""
    return f"#{slot_of(rid)}.{generation_of(rid)}"


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
        "allocs",
        "regions_created",
        "regions_freed",
        "regions_peak",
        "retains",
        "releases",
        "bytes_allocated",
        "bytes_peak",
    )

    def __init__(self) -> None:
        self.rc: dict[int, int] = {}
        self._bytes: dict[int, int] = {}
        # region id -> multiset (id -> multiplicity) of the packs stored in it
        self._held: dict[int, dict[int, int]] = {}
        # Live regions that own their objects (not merged into another):
        # the one set an object access looks in.
        self.owning: set[int] = set()
        # merged region id -> the region it was merged into. Kept after the
        # merged region dies: its objects live on in the parent.
        self._forward: dict[int, int] = {}
        self._generation: list[int] = [0]  # slot 0 is P's
        self._free: list[int] = []
        self._live_bytes = 0
        self.allocs = 0
        self.regions_created = 0
        self.regions_freed = 0
        self.regions_peak = 0
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
        rid = self._generation[slot] << SLOT_BITS | slot
        self.rc[rid] = 1
        self.owning.add(rid)
        self._bytes[rid] = 0
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
        """One reference fewer on `rid`; free it, and cascade, at zero."""
        if rid == PRIMITIVE:
            return
        self._need_live(rid, "release")
        self.releases += 1
        count = self.rc[rid] - 1
        if count:
            self.rc[rid] = count
            return
        pending = [rid]
        while pending:
            for held, times in self._free_one(pending.pop()):
                self._need_live(held, "release a pack held by a freed region")
                self.releases += times
                left = self.rc[held] - times
                if left > 0:
                    self.rc[held] = left
                elif left == 0:
                    pending.append(held)
                else:
                    raise CompilerBug(f"region {describe(held)} released more often than retained")

    def _free_one(self, rid: int) -> list[tuple[int, int]]:
        """Free a region whose count reached zero; return the packs it held."""
        del self.rc[rid]
        self.owning.discard(rid)
        self._live_bytes -= self._bytes.pop(rid)
        held = self._held.pop(rid, None)
        slot = slot_of(rid)
        self._generation[slot] = (self._generation[slot] + 1) & GENERATION_MASK
        self._free.append(slot)
        self.regions_freed += 1
        return list(held.items()) if held else []

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
        self._bytes[target] += self._bytes[child]
        self._bytes[child] = 0
        held = self._held.pop(child, None)
        if held:
            into = self._held.setdefault(target, {})
            for rid, times in held.items():
                into[rid] = into.get(rid, 0) + times
        self.owning.discard(child)
        self._forward[child] = parent
        self.retain(parent)
        self._held[child] = {parent: 1}

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
    # Objects and the packs stored in them

    def alloc(self, rid: int, nbytes: int) -> None:
        """Account for one object of `nbytes` allocated in `rid`."""
        self.allocs += 1
        self.grow(rid, nbytes)

    def grow(self, rid: int, nbytes: int) -> None:
        """Account for `nbytes` more handed out to `rid` without a new object
        (a container's storage growing)."""
        if rid == PRIMITIVE:
            return
        rid = self.owner(rid, "allocate in")
        self._bytes[rid] += nbytes
        self.bytes_allocated += nbytes
        self._live_bytes += nbytes
        if self._live_bytes > self.bytes_peak:
            self.bytes_peak = self._live_bytes

    def record(self, holder: int, rid: int) -> None:
        """An owned pack of `rid` was stored into an object of `holder`."""
        if rid == PRIMITIVE or holder == PRIMITIVE:
            if holder == PRIMITIVE and rid != PRIMITIVE:
                raise CompilerBug(f"pack of region {describe(rid)} stored into P")
            return
        holder = self.owner(holder, "store a pack into")
        held = self._held.get(holder)
        if held is None:
            held = self._held[holder] = {}
        held[rid] = held.get(rid, 0) + 1

    def unrecord(self, holder: int, rid: int) -> None:
        """A pack of `rid` was taken out of (or overwritten in) an object of
        `holder`; its reference goes with it."""
        if rid == PRIMITIVE or holder == PRIMITIVE:
            return
        holder = self.owner(holder, "take a pack out of")
        held = self._held.get(holder)
        times = held.get(rid, 0) if held else 0
        if not times:
            raise CompilerBug(f"region {describe(holder)} does not hold a pack of {describe(rid)}")
        if times == 1:
            del held[rid]
        else:
            held[rid] = times - 1

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
        return self._bytes.get(rid, 0)

    def held_by(self, rid: int) -> dict[int, int]:
        """A copy of the multiset of pack region ids `rid` records."""
        self.check(rid, "read the packs of")
        return dict(self._held.get(rid, {}))

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
        }
