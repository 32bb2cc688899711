"""Renaming in lolang code: a region or a variable replaced by another name
in a subtree, respecting scopes, and fresh names for a function.

Passes substitute (`unpack p as s, x { B }` becomes `B` with s replaced by
the region p's object is already known to be in) and introduce names (a
new region parameter, a new region block). Fresh names are chosen among
those the function does not use at all, so a substitution never captures;
`rename_region` and `rename_var` stop where an inner binder of the old name
shadows it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import replace

from lolang import ir
from lolang.traverse import map_children, walk


class FreshNames:
    """Names no binder or use in `fun` has (regions and variables share
    the supply: a name fresh for both is fresh for either)."""

    def __init__(self, fun: ir.FunDecl):
        self.fun = fun
        self._taken: set[str] | None = None
        self._extra: set[str] = set()
        self._next: dict[str, int] = {}

    @property
    def taken(self) -> set[str]:
        """Every name the function uses (found on first need: most
        functions never ask for a fresh one)."""
        if self._taken is None:
            fun = self.fun
            taken = {r.name for r in fun.regions} | {p.name for p in fun.params} | self._extra
            for n in walk(fun.body):
                cls = type(n)
                attributes = _NAMING_ATTRIBUTES.get(cls)
                if attributes is None:
                    attributes = _NAMING_ATTRIBUTES[cls] = _naming_attributes(cls)
                for name in attributes:
                    value = getattr(n, name, None)
                    if isinstance(value, str):
                        taken.add(value)
                if cls is ir.Call or cls is ir.Builtin:
                    taken.update(n.regions)
            self._taken = taken
        return self._taken

    def reserve(self, names) -> None:
        """Names to treat as taken too (chosen elsewhere for this function)."""
        if self._taken is None:
            self._extra.update(names)
        else:
            self._taken.update(names)

    def __call__(self, base: str) -> str:
        """`base` and the smallest number that makes a name not taken. The
        search for a base goes on from where its last one ended: names are
        only ever added to `taken`, so no smaller number is free again
        (counting from 1 each time was quadratic in the names asked for)."""
        taken = self.taken
        i = self._next.get(base, 1)
        while f"{base}{i}" in taken:
            i += 1
        name = f"{base}{i}"
        taken.add(name)
        self._next[base] = i + 1
        return name


# The attributes that may hold a name, per class of node: asking every node
# for all four (`getattr` with a default) cost more than the rest of the walk.
_NAMES = ("name", "var", "region", "into")
_NAMING_ATTRIBUTES: dict[type, tuple[str, ...]] = {}


def _naming_attributes(cls: type) -> tuple[str, ...]:
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return tuple(name for name in _NAMES if name in fields or hasattr(cls, name))


def rename_region_in_type(t, old: str, new: str):
    if isinstance(t, ir.RefType) and t.region == old:
        return replace(t, region=new)
    if isinstance(t, ir.BorrowType):
        return t
    return t


def rename_region(node, old: str, new: str):
    """`node` with region `old` written as `new`, up to where an inner
    binder (`region old`, `unpack .. as old`) shadows it."""
    def go(n):
        match n:
            case ir.Region(name, _) if name == old:
                return n
            case ir.Unpack(pack, region, _, _) if region == old:
                return replace(n, pack=go(pack))
            case ir.NewData(region=r) | ir.NewString(region=r) | ir.NewArray(region=r) | ir.NewMap(region=r) if r == old:
                n = replace(n, region=new)
            case ir.Call(regions=rs) | ir.Builtin(regions=rs) if old in rs:
                n = replace(n, regions=tuple(new if r == old else r for r in rs))
            case ir.Restrict(region=r) if r == old:
                n = replace(n, region=new)
            case ir.Merge(region=r, into=q) if old in (r, q):
                n = replace(n, region=new if r == old else r, into=new if q == old else q)
            case ir.Let(type=t) if t is not None:
                n = replace(n, type=rename_region_in_type(t, old, new))
        return map_children(n, go)

    return go(node)


def rename_var(node, old: str, new: str):
    """`node` with variable `old` written as `new`, up to where an inner
    declaration of `old` (a `let`, a pattern variable, an `unpack`'s
    variable) shadows it for the rest of its block."""
    def go(n):
        match n:
            case ir.Var(name) if name == old:
                return replace(n, name=new)
            case ir.Assign(name, value) if name == old:
                return replace(n, name=new, value=go(value))
            case ir.Block(stmts, result):
                out = []
                for i, s in enumerate(stmts):
                    if isinstance(s, ir.Let) and s.name == old:
                        return replace(n, stmts=(*out, replace(s, value=go(s.value)), *stmts[i + 1:]))
                    out.append(go(s))
                return replace(n, stmts=tuple(out), result=go(result) if result is not None else None)
            case ir.Unpack(pack, _, var, _) if var == old:
                return replace(n, pack=go(pack))
            case ir.Arm(pattern, _) if old in pattern_vars(pattern):
                return n
        return map_children(n, go)

    return go(node)


def pattern_vars(p) -> set[str]:
    return {n.name for n in walk(p) if isinstance(n, ir.PVar)}


def rename_own(n, region):
    """`n` with the region names in its own fields (not its children's)
    read through `region(name) -> name`."""
    match n:
        case ir.NewData(region=r) | ir.NewString(region=r) | ir.NewArray(region=r) | ir.NewMap(region=r):
            new = region(r)
            return n if new == r else replace(n, region=new)
        case ir.Call(regions=rs) | ir.Builtin(regions=rs):
            new = tuple(region(r) for r in rs)
            return n if new == rs else replace(n, regions=new)
        case ir.Restrict(region=r):
            new = region(r)
            return n if new == r else replace(n, region=new)
        case ir.Merge(region=r, into=q):
            return replace(n, region=region(r), into=region(q)) if (region(r), region(q)) != (r, q) else n
        case ir.Let(type=ir.RefType(region=r) as t) if r != ir.PRIMITIVE_REGION and region(r) != r:
            return replace(n, type=replace(t, region=region(r)))
    return n
