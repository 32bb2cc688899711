"""The lolang interpreter's memory profile: `RegionTable` that also keeps
live bytes by allocation site, exactly as the profiling C runtime does
(runtime/profile.c explains the rules; lolang/profile.py the format). Used
only for `hic run --profile`: a normal run has none of this.

The interpreter sets `site` around each allocating expression
(`lolang.interp.exprs.compile_expr`), as profiling generated code stores
`hic_profile_site`.
"""

from __future__ import annotations

from lolang.interp.regions import PRIMITIVE, RegionTable
from lolang.profile import MAX_SAMPLES, SAMPLE_INTERVAL


class ProfilingRegionTable(RegionTable):
    __slots__ = ("site", "_live_by_site", "_site_bytes", "_holder_site", "_interval", "_next_sample",
                 "_samples", "_peak", "_peak_bytes", "_peak_taken")

    def __init__(self) -> None:
        super().__init__()
        self.site = 0
        self._live_by_site: list[int] = []
        self._site_bytes: dict[int, dict[int, int]] = {}  # owning region -> site -> bytes
        self._holder_site: dict[int, int] = {}  # id(container) -> its storage block's site
        self._interval = SAMPLE_INTERVAL
        self._next_sample = SAMPLE_INTERVAL
        self._samples: list[list[int]] = []
        self._peak: list[int] = [0, 0]
        self._peak_bytes = 0
        self._peak_taken = False

    def _add(self, owner: int, site: int, nbytes: int) -> None:
        live = self._live_by_site
        if site >= len(live):
            live.extend([0] * (site + 1 - len(live)))
        live[site] += nbytes
        by_site = self._site_bytes.setdefault(owner, {})
        by_site[site] = by_site.get(site, 0) + nbytes

    def _sample(self) -> None:
        self._samples.append([self.bytes_allocated, len(self.rc), *self._live_by_site])

    def _tick(self) -> None:
        if self.bytes_allocated < self._next_sample:
            return
        self._sample()
        if len(self._samples) == MAX_SAMPLES:
            self._samples = self._samples[1::2]
            self._interval *= 2
        self._next_sample = (self.bytes_allocated // self._interval + 1) * self._interval

    def _take_peak(self) -> None:
        """Before bytes leave the live count (where the C runtime takes
        bytes_peak)."""
        if self._live_bytes > self._peak_bytes:
            self._snapshot()

    def _snapshot(self) -> None:
        self._peak = [self.bytes_allocated, len(self.rc), *self._live_by_site]
        self._peak_bytes = self._live_bytes
        self._peak_taken = True

    # ------------------------------------------------------------------
    # The accounting, as RegionTable's, plus sites

    def grow(self, rid: int, nbytes: int) -> None:
        super().grow(rid, nbytes)
        if rid != PRIMITIVE:
            self._add(self.owner(rid, "allocate in"), self.site, nbytes)
            self._tick()

    def storage(self, rid: int, holder, nbytes: int) -> None:
        super().storage(rid, holder, nbytes)
        self._holder_site[id(holder)] = self.site

    def replace_storage(self, rid: int, holder, nbytes: int, old_nbytes: int) -> None:
        old_site = self._holder_site.get(id(holder), self.site)
        self.grow(rid, nbytes)
        if old_nbytes and rid != PRIMITIVE:
            self._take_peak()
            self.reclaim(rid, old_nbytes)
            self._add(self.owner(rid, "free storage in"), old_site, -old_nbytes)
        self._holder_site[id(holder)] = self.site

    def _free_one(self, rid: int):
        self._take_peak()
        for site, nbytes in self._site_bytes.pop(rid, {}).items():
            self._live_by_site[site] -= nbytes
        return super()._free_one(rid)

    def merge(self, child: int, parent: int) -> None:
        super().merge(child, parent)
        moved = self._site_bytes.pop(child, None)
        if moved:
            into = self._site_bytes.setdefault(self.owner(parent, "merge into"), {})
            for site, nbytes in moved.items():
                into[site] = into.get(site, 0) + nbytes

    def raw_profile(self) -> dict:
        """What runtime/profile.c writes when the program ends."""
        if not self._peak_taken or self._live_bytes > self._peak_bytes:
            self._snapshot()
        self._sample()
        return {"samples": self._samples, "peak": self._peak, "peak_bytes": self._peak_bytes}
