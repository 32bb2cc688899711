"""Python's cyclic garbage collector paused for a stretch of work.

The compiler's stages, the LLVM module's construction and the lolang
interpreter's runs make millions of small objects and no cycles worth
collecting (the trees are acyclic, freed by reference counting as usual),
so each full pass of the collector walks the whole heap and finds
nothing: a fifth of compiling a generated 1,500-line program, half of
building the LLVM module of a 4,000-line one (docs/benchmarks.md,
"Compile time"), and every live frame of a deep recursion again and again
in the interpreter. Peak memory is unchanged.

Turning the collector back on must not cost that pass either: the objects
made meanwhile all sit in its youngest generation, so the first allocation
after `gc.enable()` would walk them all (0.1 s after compiling a 1,500-line
program). They are moved to the oldest generation instead (`gc.freeze()`
then `gc.unfreeze()`, which puts the frozen objects there), where the
collector's next full pass, which the collector spaces out by the number of
objects it holds, finds them as it finds any other old object.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """The collector off inside the `with` (and back on after it, if it
    was on before: these nest)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()
            gc.unfreeze()
