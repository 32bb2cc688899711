"""A large LLVM module split into parts that LLVM optimizes and compiles
apart, in parallel, each to an object file of its own; linked together they
are the program (rustc's codegen units). `split(text, parts)` works on the
module's IR text as llvmlite prints it (codegen/module.py): one top-level
entity a line, a definition from its `define` line to its closing `}`.
`plan(module_items(module), parts)` does the same from the llvmlite module
itself without printing it: each function's lines and references are
counted from its instructions, and its text is printed only by `Plan.text`
for the part that needs it, in the child process that compiles that part
(codegen/native.py), so that printing, 40% of building a big module, is
shared by the cores instead of done whole before the children start.

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
So does a release (`hic.release`, some 15 instructions and two branches
inlined at each of gl1500's 253 call sites, plus the region ends'):
out of line, LLVM takes 16% less CPU on gl1500's parts (2.00 -> 1.68 s),
for 0.02 to 0.85% more instructions run (bench/ programs forced into two
parts: binary_trees 16 +0.02%, nqueens 9 +0.14%, rbtree 100000 +0.43%,
hash_maps 20000 +0.30%, string_build 100000 +0.85%). A retain
(`hic.retain`) out of line would save about as much again but cost up to
1.8% (rbtree), and stays inline.

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

from llvmlite import ir as ll

# Helpers (codegen/regions.py) a split module calls instead of inlining.
OUT_OF_LINE = ("hic.region_end", "hic.region_end_packed", "hic.region_end_fresh", "hic.release")

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
    text: str | None  # None: printed from `function` when first needed
    name: str | None = None
    internal: bool = False
    constant: bool = False
    refs: set[str] = field(default_factory=set)
    lines: int = 1
    calls: list[str] = field(default_factory=list)  # a function's references, each time
    function: ll.Function | None = None  # a definition of `module_items`, not yet printed

    def printed(self) -> str:
        """The item's text (a function in `OUT_OF_LINE` marked `noinline`)."""
        if self.text is None:
            self.text = str(self.function).rstrip("\n")
        if self.kind == "define" and self.name in OUT_OF_LINE:
            header, body = self.text.split("\n", 1)
            self.text = header.replace(" inlinehint", " noinline") + "\n" + body
        return self.text


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
            items.append(_global_item(line))
        elif line.strip():
            items.append(Item("other", line))
        i += 1
    return items


def _global_item(line: str) -> Item:
    found = _GLOBAL.match(line)
    if found is None:
        raise ValueError(f"a global the module splitter cannot read: {line[:200]}")
    symbols = [_name(m) for m in _SYMBOL.finditer(line)]
    return Item("global", line, symbols[0], (found["linkage"] or "").strip() in ("internal", "private"),
                found["kind"] == "constant", set(symbols[1:]))


def module_items(module: ll.Module) -> list[Item]:
    """The items `parse` would read from `str(module)`, without printing
    the functions' bodies: a definition's lines and references are counted
    from its instructions (every global value an instruction names is an
    operand or an incoming value of a phi, or inside a constant expression
    or aggregate, whose short text is read), and its text is printed by
    `Item.printed`. Globals and declarations, one short line each, are
    printed here."""
    items = [Item("other", line) for line in (
        f'; ModuleID = "{module.name}"', f'target triple = "{module.triple}"',
        f'target datalayout = "{module.data_layout}"')]
    items += [Item("other", t.get_declaration()) for t in module.get_identified_types().values()]
    for value in module.globals.values():
        if not isinstance(value, ll.Function):
            items.append(_global_item(str(value).rstrip("\n")))
            continue
        # a twin (codegen/module.py) is printed from its original's body
        original = getattr(value, "original", None)
        body = value if original is None else original
        if not body.blocks:
            items.append(Item("declare", str(value).rstrip("\n"), value.name))
            continue
        calls = _references(body)
        if original is not None:  # the two names swapped, as in the twin's text
            swap = {value.name: original.name, original.name: value.name}
            calls = [swap.get(name, name) for name in calls]
        lines = 3 + sum(1 + len(block.instructions) for block in body.blocks)
        items.append(Item("define", None, value.name, value.linkage in ("internal", "private"), refs=set(calls),
                          lines=lines, calls=calls, function=value))
    items += [Item("other", line) for line in module._get_metadata_lines()]
    return items


def text_lines(items: list[Item]) -> int:
    """`str(module).count("\\n")` for the items of `module_items(module)`:
    each function's text is followed by an empty line, and the three header
    lines by one."""
    return 3 + sum(item.lines + (item.kind in ("define", "declare")) for item in items[3:])


def _references(function: ll.Function) -> list[str]:
    """The global values `function`'s instructions name, each time."""
    out: list[str] = []
    phi = ll.PhiInstr
    for block in function.blocks:
        for instruction in block.instructions:
            for operand in instruction.operands:
                _operand_references(operand, out)
            if type(instruction) is phi:
                for operand, _ in instruction.incomings:
                    _operand_references(operand, out)
    return out


def _operand_references(operand, out: list[str]) -> None:
    if isinstance(operand, ll.GlobalValue):
        out.append(operand.name)
    elif isinstance(operand, ll.Constant) and (isinstance(operand, ll.FormattedConstant)
                                               or isinstance(operand.constant, (list, tuple))):
        # a constant expression or aggregate may name globals in its text
        out.extend(_name(m) for m in _SYMBOL.finditer(str(operand)))


def _twin_base(name: str) -> str:
    from lolang.codegen.module import TWIN

    return name.removesuffix(TWIN)


def homes(items: list[Item], parts: int) -> dict[str, int]:
    """The part of each function that is not copied (see the docstring)."""
    groups: dict[str, list[Item]] = {}
    copied = {}
    for item in items:
        if item.kind == "define" and item.internal and item.lines <= SMALL:
            copied[item.name] = 0 if item.name in OUT_OF_LINE else item.lines  # called, not inlined
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
    found = plan(parse(text), parts)
    return [found.text(part) for part in range(parts)]


@dataclass
class Plan:
    """Where each item of a module goes when it is cut in `parts`."""

    items: list[Item]
    home: dict[str, int]
    shared: dict[str, int]  # a symbol made hidden -> the part defining it
    needs: list[set[str]]

    def text(self, part: int) -> str:
        """Part `part` as an LLVM module's text."""
        return _part_text(self.items, self.home, self.shared, self.needs[part], part)


def plan(items: list[Item], parts: int) -> Plan:
    """Which part defines, copies or declares each of `items` (see the
    docstring)."""
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
    return Plan(items, home, shared, needs)


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
                out.append(item.printed().replace("define internal ", "define hidden ", 1))
            else:
                out.append(item.printed())
        else:
            out.append(_declaration(_header(item)))
    return "\n".join(out) + "\n"


def _header(item: Item) -> str:
    """A definition's first line, printed alone when its body is not."""
    if item.text is not None:
        return item.text.split("\n", 1)[0]
    buf: list[str] = []
    ll.Function.descr_prototype(item.function, buf)
    return "".join(buf).rstrip("\n").replace("declare ", "define ", 1)


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
