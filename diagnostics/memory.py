"""Running out of memory in an interpreter (LANGUAGE.md 1.6: `runtime
error: out of memory`, exit 101, as native code reports it).

When a Python allocation fails, the heap is full of the program's objects,
still reachable from the frames being unwound: building the error, its
figures and its message would fail in turn and surface as a bare
`MemoryError`. So an interpreter puts some memory aside before the program
starts (`MemoryReserve`) and gives it back first thing when it runs out,
which leaves room to unwind and report.
"""

from __future__ import annotations

# Enough for the error, the stats dict and the unwinding of a deep stack's
# frames; small beside any machine hic runs on.
RESERVE_BYTES = 16 * 1024 * 1024


class MemoryReserve:
    def __init__(self, size: int = RESERVE_BYTES) -> None:
        self._block: bytearray | None = bytearray(size)

    def release(self) -> None:
        """Give the memory back (idempotent)."""
        self._block = None
