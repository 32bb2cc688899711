"""Memory profiles (`hic run --profile`): the allocation sites of a lolang
program, and the profile both engines produce.

A *site* is where a program allocates: a `new` (data, string, array, map)
or a built-in that allocates or grows a container (`push`, `insert`,
`array`, `keys`, `concat`, `str`, ...), named by its function and what it
makes: `build: Cons`, `main: push`. Sites of one function with the same
name are one site. Both engines number them with `allocation_sites`, so the
native runtime's profile (runtime/profile.c) and the lolang interpreter's
(lolang/interp/profile.py) are the same numbers: the clock is
`bytes_allocated`, which both count identically, samples are taken at the
same clock values, and the peak is the stats' `bytes_peak`.

The raw profile (what the engines write) is
`{"samples": [[clock, live regions, bytes of site 0, site 1, ...], ...],
"peak": [clock, live regions, bytes of site 0, ...], "peak_bytes": n}`;
rows may be shorter than the number of sites (sites not seen yet).
`assemble` turns it into the profile `hic run --profile` writes: the same,
with the sites' names and every row padded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lolang import ir, traverse

SAMPLE_INTERVAL = 4096   # bytes allocated between samples, at first
MAX_SAMPLES = 512        # then every other one is dropped, the interval doubled


def _allocates(e) -> str | None:
    """What an allocating expression makes (its site's name), or None."""
    match e:
        case ir.NewData():
            return e.ctor
        case ir.NewString():
            return "String"
        case ir.NewArray():
            return "Array"
        case ir.NewMap():
            return "Map"
        case ir.Builtin():
            info = ir.BUILTINS.get(e.name)
            if info is not None and (info.regions > 0 or "a" in info.needs):
                return e.name
    return None


@dataclass
class AllocationSites:
    """`of[id(expression)]` is the site number of each allocating expression;
    `names[n]` is site n's name."""

    of: dict[int, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)


def allocation_sites(program: ir.Program) -> AllocationSites:
    sites = AllocationSites()
    numbers: dict[str, int] = {}
    for fun in program.funs:
        for node in traverse.walk(fun.body):
            what = _allocates(node)
            if what is not None:
                name = f"{fun.name}: {what}"
                if name not in numbers:
                    numbers[name] = len(sites.names)
                    sites.names.append(name)
                sites.of[id(node)] = numbers[name]
    return sites


def assemble(raw: dict, names: list[str], engine: str) -> dict:
    """The profile `hic run --profile` writes, from an engine's raw one."""
    width = len(names)

    def padded(row: list[int]) -> list[int]:
        return row + [0] * (2 + width - len(row))

    peak = padded(raw["peak"])
    return {
        "engine": engine,
        "clock": "bytes_allocated",
        "sites": names,
        "samples": [padded(row) for row in raw["samples"]],
        "peak": {"clock": peak[0], "regions": peak[1], "bytes": raw["peak_bytes"], "by_site": peak[2:]},
    }


def top_site(profile: dict) -> tuple[str, int] | None:
    """The site holding the most at the peak, and how much."""
    by_site = profile["peak"]["by_site"]
    if not by_site or max(by_site) <= 0:
        return None
    best = max(range(len(by_site)), key=lambda i: by_site[i])
    return profile["sites"][best], by_site[best]
