"""A large LLVM module split into parts that LLVM optimizes and compiles
apart, in parallel, each to an object file of its own; linked together they
are the program (rustc's codegen units). `split(text, parts)` works on the
module's IR text as llvmlite prints it (codegen/module.py): one top-level
entity a line, a definition from its `define` line to its closing `}`.

Which function goes where. Each function defined by the module has a home,
the part that compiles it:

* a small internal function (at most `SMALL` lines: the `hic.alloc`,
  `hic.retain`... helpers, the short lolang functions) has no single home:
  every part that calls it gets its own internal copy, so that LLVM inlines
  it there as it would in one module (its own callees come along, copied or
  declared by the same rules);
* the others are cut into `parts` runs of about equal size (a function's
  lines and those of the copied functions it calls, which LLVM will
  inline), in the order of the module (the program's order, so that a function tends to be with its
  callers), a function and its `.twin` (module.py) always together. One
  that another part calls is made a hidden global symbol (`define hidden`)
  and declared in the parts that call it; the rest stay internal.

Out of line. In a module this big, the helpers named in OUT_OF_LINE are
made `noinline` (one copy a part instead of one a call): the end of a
region block (`hic.region_end`, codegen/regions.py) is some 30
instructions once inlined, a quarter of a big module's optimized code,
while the release in it nearly always calls the runtime to free the region
anyway. Out of line it costs about 9 instructions a region block at run
time (1 to 1.7% of the instructions of bench/'s region-heavy programs,
which stay one unit and keep it inline) and saves a fifth of LLVM's time.

Globals: the external ones and the runtime's declarations go into every
part; a constant (strings, array data) is copied as a private constant into
each part that reads it (nothing in a program can see an address, and LLVM
still sees its value); a variable (the region blocks' size hints) read by
several parts is defined by the first as a hidden symbol and declared by
the others, so there is one of it, as in one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Helpers (codegen/regions.py) a split module calls instead of inlining.
OUT_OF_LINE = ("hic.region_end", "hic.region_end_packed", "hic.region_end_fresh")

# A copied function's lines of IR at most: around the size below which
# LLVM's O2 inliner inlines a function wherever it is called.
SMALL = 40

_SYMBOL = re.compile(r'@"((?:[^"\\]|\\.)*)"|@([-\w$.]+)')
_HEADER = re.compile(r'(?P<kind>define|declare)\s+(?:(?P<linkage>internal|private)\s+)?')
_GLOBAL = re.compile(r'@(?:"(?:[^"\\]|\\.)*"|[-\w$.]+) = (?P<linkage>internal |private |external )?'
                     r'(?P<attrs>(?:dso_local |unnamed_addr |local_unnamed_addr )*)(?P<kind>global|constant) ')


@dataclass
class Item:
    """A top-level entity of the module: a function's definition or
    declaration, a global, or another line (the triple, the layout)."""

    kind: str  # "define", "declare", "global" or "other"
    text: str
    name: str | None = None
    internal: bool = False
    constant: bool = False
    refs: set[str] = field(default_factory=set)
    lines: int = 1
    calls: list[str] = field(default_factory=list)  # a function's references, each time


def _name(match: re.Match) -> str:
    return match.group(1) if match.group(1) is not None else match.group(2)


def parse(text: str) -> list[Item]:
    """The module `text`'s top-level entities, in order."""
    items: list[Item] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("define "):
            end = i
            while lines[end] != "}":
                end += 1
            body = "\n".join(lines[i:end + 1])
            header = _HEADER.match(line)
            symbols = [_name(m) for m in _SYMBOL.finditer(body)]
            items.append(Item("define", body, symbols[0], header["linkage"] is not None,
                              refs=set(symbols[1:]), lines=end - i + 1, calls=symbols[1:]))
            i = end + 1
            continue
        if line.startswith("declare "):
            items.append(Item("declare", line, _name(_SYMBOL.search(line))))
        elif line.startswith("@"):
            found = _GLOBAL.match(line)
            if found is None:
                raise ValueError(f"a global the module splitter cannot read: {line[:200]}")
            symbols = [_name(m) for m in _SYMBOL.finditer(line)]
            items.append(Item("global", line, symbols[0], (found["linkage"] or "").strip() in ("internal", "private"),
                              found["kind"] == "constant", set(symbols[1:])))
        elif line.strip():
            items.append(Item("other", line))
        i += 1
    return items


def _twin_base(name: str) -> str:
    from lolang.codegen.module import TWIN

    return name.removesuffix(TWIN)


def homes(items: list[Item], parts: int) -> dict[str, int]:
    """The part of each function that is not copied (see the docstring)."""
    groups: dict[str, list[Item]] = {}
    copied = {}
    for item in items:
        if item.kind == "define" and item.internal and item.lines <= SMALL:
            copied[item.name] = item.lines
        elif item.kind == "define":
            groups.setdefault(_twin_base(item.name), []).append(item)

    def cost(item: Item) -> int:  # its lines and those the inliner will copy into it
        return item.lines + sum(copied.get(name, 0) for name in item.calls)

    sizes = {name: sum(map(cost, group)) for name, group in groups.items()}
    total = sum(sizes.values())
    home: dict[str, int] = {}
    done = 0
    for name, group in groups.items():
        size = sizes[name]
        # the part the middle of this group falls in
        part = min(parts - 1, (done + size // 2) * parts // max(total, 1))
        for item in group:
            home[item.name] = part
        done += size
    return home


def split(text: str, parts: int) -> list[str]:
    """`text`, an LLVM module, as `parts` modules that together define what
    it defines (see the docstring)."""
    items = parse(text)
    for item in items:
        if item.kind == "define" and item.name in OUT_OF_LINE:
            header, body = item.text.split("\n", 1)
            item.text = header.replace(" inlinehint", " noinline") + "\n" + body
    by_name = {item.name: item for item in items if item.name is not None}
    home = homes(items, parts)
    # what each part needs: its own functions, and by their references the
    # copies and declarations
    needs: list[set[str]] = []
    for part in range(parts):
        need: set[str] = set()
        todo = [name for name, p in home.items() if p == part]
        while todo:
            name = todo.pop()
            if name in need:
                continue
            need.add(name)
            item = by_name.get(name)
            if item is None:
                continue
            copied = item.kind == "define" and name not in home
            if home.get(name, part) == part or copied or (item.kind == "global" and item.constant):
                todo.extend(item.refs)
        needs.append(need)
    # a symbol needed outside its home is a hidden global one
    shared: dict[str, int] = {}
    for item in items:
        if item.kind == "define" and item.internal and item.name in home:
            users = [p for p in range(parts) if item.name in needs[p]]
            if users != [home[item.name]]:
                shared[item.name] = home[item.name]
        elif item.kind == "global" and item.internal and not item.constant:
            users = [p for p in range(parts) if item.name in needs[p]]
            if len(users) > 1:
                shared[item.name] = users[0]
    return [_part_text(items, home, shared, needs[part], part) for part in range(parts)]


def _part_text(items: list[Item], home: dict[str, int], shared: dict[str, int], need: set[str], part: int) -> str:
    out = []
    for item in items:
        if item.kind == "other" or item.kind == "declare":
            out.append(item.text)
        elif item.kind == "global":
            if not item.internal:
                out.append(item.text)
            elif item.name not in need:
                continue
            elif item.name not in shared:
                out.append(item.text)
            elif shared[item.name] == part:
                out.append(_GLOBAL.sub(lambda m: m[0].replace(m["linkage"], "hidden "), item.text, count=1))
            else:
                out.append(_global_declaration(item.text))
        elif item.name not in need:
            continue
        elif item.name not in home or home[item.name] == part:  # defined here
            if item.name in shared:
                out.append(item.text.replace("define internal ", "define hidden ", 1))
            else:
                out.append(item.text)
        else:
            out.append(_declaration(item.text.split("\n", 1)[0]))
    return "\n".join(out) + "\n"


def _declaration(header: str) -> str:
    """A `define` line as the declaration of the function it defines
    elsewhere (internal there: hidden here)."""
    found = _HEADER.match(header)
    rest = header[found.end():]
    return ("declare hidden " if found["linkage"] else "declare ") + rest


def _global_declaration(line: str) -> str:
    """`@x = internal global T init` as `@x = external hidden global T`."""
    found = _GLOBAL.match(line)
    rest = line[found.end():]
    return f"{line[: line.index(' = ')]} = external hidden {found['kind']} {_first_type(rest)}"


def _first_type(text: str) -> str:
    """The type a global's initializer starts with (`i64`, `[3 x i8]`,
    `{ptr, i64}`)."""
    if text[0] in "[{<":
        depth = 0
        for i, char in enumerate(text):
            depth += char in "[{<"
            depth -= char in "]}>"
            if depth == 0:
                return text[: i + 1]
    return text.split(" ", 1)[0]
