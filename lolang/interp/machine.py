"""The lolang interpreter's run-time state and value representation.

Values (what closures compute):

* S64, U8: Python ints kept in range; F64 floats; Bool bools; Unit None.
* A string object: the tuple `(rid, bytes)`.
* A data object: the tuple `(rid, constructor name, field, ...)`, fields in
  declaration order (objects are immutable).
* An array: `Arr`, a map: `MapObj` (mutable, so objects with slots).
* A reference `T @r` is the object itself; a pack (owned or borrowed) is the
  tuple `(object, rid)`: two words, as DESIGN.md has it.

Every object carries the id of the region that owned it when it was made;
each access goes through `Machine.live`, which raises `CompilerBug` unless
that region (or the region it was merged into) is still alive: a program
that passed the checker never trips it.

`Machine` holds the region table, the output and the call depth. Control
leaving an expression block early (a `return`, `break` or `continue` inside
`region`/`unpack`/`do`) raises `Escape`, so blocks that hold a reference
can release it on the way out; statements otherwise return their signal.
"""

from __future__ import annotations

from typing import BinaryIO

# The call-depth bound and the texts are every engine's (diagnostics/errors.py).
from diagnostics.errors import KEY_NOT_FOUND, MAX_CALL_DEPTH  # noqa: F401  (re-exported)
from lolang.interp.regions import RegionTable

# Statement signals (None: carry on).
BREAK = 1
CONTINUE = 2
RETURN = 3



class Escape(Exception):
    """Control leaving expression blocks: `signal` is BREAK, CONTINUE or
    RETURN (the returned value is in the frame's slot 0).

    The three instances in `ESCAPES` are raised again and again. Raising an
    exception instance *extends* its `__traceback__`, so whoever handles
    one for good (a loop, a function) clears it: otherwise every frame it
    ever passed through stays alive, with its locals (measured: an AVL tree
    of 2,000 keys grew to 325 MB of RSS and ran twice as slowly)."""

    __slots__ = ("signal",)

    def __init__(self, signal: int):
        super().__init__(signal)
        self.signal = signal


ESCAPES = {BREAK: Escape(BREAK), CONTINUE: Escape(CONTINUE), RETURN: Escape(RETURN)}


class Arr:
    """An array object. `packs`: its elements are packs (their references
    are recorded by the array's region). `cap` is the capacity of its
    storage block, which the bytes accounting follows (docs/lolang.md §9);
    `counted` is False for main's args, whose first block no engine counts."""

    __slots__ = ("rid", "items", "cap", "packs", "counted")

    def __init__(self, rid: int, items: list, packs: bool, counted: bool = True):
        self.rid = rid
        self.items = items
        self.cap = len(items)
        self.packs = packs
        self.counted = counted


class MapObj:
    """A map object: `entries` maps a key's hashable form (an int or the
    key string's bytes) to `[key, value]`, in insertion order. `used`
    counts entries ever placed in the current storage (removed ones too)."""

    __slots__ = ("rid", "entries", "cap", "used", "key_packs", "value_packs")

    def __init__(self, rid: int, key_packs: bool, value_packs: bool):
        self.rid = rid
        self.entries: dict = {}
        self.cap = 0
        self.used = 0
        self.key_packs = key_packs
        self.value_packs = value_packs


class Machine:
    """One run's state. `owning` is the region table's set of live regions
    that own their objects: the one set every object access looks in."""

    def __init__(self, out: BinaryIO, table: RegionTable | None = None, sites=None):
        self.table = table if table is not None else RegionTable()
        self.owning = self.table.owning
        self.out = out
        self.depth = 0
        self.funs: dict = {}
        # Profiling (lolang/interp/profile.py): the allocation sites, or None.
        self.sites = sites

    def live(self, rid: int, what: str) -> int:
        """The region owning objects made in `rid` (CompilerBug if dead)."""
        if rid in self.owning:
            return rid
        return self.table.owner(rid, what)

    def write(self, data: bytes) -> None:
        self.out.write(data)
