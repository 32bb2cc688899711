"""Expressions to closures: `compile_expr(k, e)` returns `f(frame) -> value`.

This module has leaves, calls, objects and packs; `operators` and `blocks`
add their rules to `RULES`, built-ins are in `builtins`. Everything that
touches an object first asks `Machine.live` whether its region is alive. Reference-count operations happen exactly where docs/lolang.md's
"Runtime model" says: `pack` and `copy` retain, an owned `unpack` releases
its temporary when its block is left, a `region` block releases its own
reference when left by any way (an `Escape` included).
"""

from __future__ import annotations

from diagnostics import NOSPAN, ProgramError
from diagnostics.errors import STACK_OVERFLOW
from lolang import ir
from primitives.indexing import index_error
from lolang.interp.compiler import FunctionCompiler
from lolang.interp.machine import KEY_NOT_FOUND, MAX_CALL_DEPTH, Arr, MapObj
from lolang.interp.regions import PRIMITIVE


def compile_expr(k: FunctionCompiler, e):
    run = RULES[type(e)](k, e)
    if k.m.sites is not None and id(e) in k.m.sites.of:
        return _at_site(k.m.table, k.m.sites.of[id(e)], run)
    return run


def _at_site(table, site: int, run):
    """Profiling only: what `run` allocates is charged to `site`, what its
    operands allocate to theirs."""

    def at_site(fr):
        outer = table.site
        table.site = site
        try:
            return run(fr)
        finally:
            table.site = outer

    return at_site


def _span(pos):
    return pos.span() if pos is not None else NOSPAN


# ------------------------------------------------------------------ leaves


def _const(e):
    value = e.value
    return lambda fr: value


def _unit(k, e):
    return lambda fr: None


def _var(k: FunctionCompiler, e: ir.Var):
    slot = k.slot(e.name)
    return lambda fr: fr[slot]


# ------------------------------------------------------------------ calls


def _call(k: FunctionCompiler, e: ir.Call):
    m = k.m
    args = [compile_expr(k, a) for a in e.args]
    regions = [k.region_getter(r) for r in e.regions]
    span, name = _span(e.pos), e.func

    def call(fr):
        argv = [a(fr) for a in args]
        regs = [r(fr) for r in regions]
        if m.depth >= MAX_CALL_DEPTH:
            raise ProgramError(STACK_OVERFLOW, span)
        m.depth += 1
        value = m.funs[name](regs, argv)
        m.depth -= 1
        return value

    return call


# ------------------------------------------------------------------ objects


def _new_data(k: FunctionCompiler, e: ir.NewData):
    if e.region == ir.PRIMITIVE_REGION:
        # A static object: allocated by no one, counted nowhere; its
        # fields are literals (docs/lolang.md §5.4).
        static = (PRIMITIVE, e.ctor, *(compile_expr(k, a)(None) for a in e.args))
        return lambda fr: static
    m, table = k.m, k.m.table
    region = k.region_getter(e.region)
    ctor = k.tables.ctors[e.ctor]
    tag = ctor.name
    if not ctor.fields:
        # An immediate value (docs/lolang.md §9): one alloc of no bytes.
        def immediate(fr):
            rid = m.live(region(fr), "allocate in")
            table.alloc_immediate()
            return (rid, tag)

        return immediate
    size = k.tables.sizes[e.ctor]
    args = [compile_expr(k, a) for a in e.args]
    packs = [i for i, f in enumerate(ctor.fields) if isinstance(f.type, ir.PackType)]

    def new(fr):
        values = [a(fr) for a in args]
        rid = m.live(region(fr), "allocate in")
        table.alloc(rid, size)
        for i in packs:
            table.record(rid, values[i][1])
        return (rid, tag, *values)

    return new


def _new_string(k: FunctionCompiler, e: ir.NewString):
    data = e.value.encode("utf-8")
    if e.region == ir.PRIMITIVE_REGION:
        static = (PRIMITIVE, data)
        return lambda fr: static
    m, table = k.m, k.m.table
    region = k.region_getter(e.region)
    size = ir.string_size(len(data))

    def new(fr):
        rid = m.live(region(fr), "allocate in")
        table.alloc(rid, size)
        return (rid, data)

    return new


def _new_array(k: FunctionCompiler, e: ir.NewArray):
    m, table = k.m, k.m.table
    region = k.region_getter(e.region)
    elems = [compile_expr(k, a) for a in e.elems]
    packs = isinstance(e.elem, ir.PackType)
    storage = ir.array_storage_size(e.elem, len(elems))

    def new(fr):
        items = [a(fr) for a in elems]
        rid = m.live(region(fr), "allocate in")
        table.alloc(rid, ir.ARRAY_HEADER)
        xs = Arr(rid, items, packs)
        if storage:
            table.storage(rid, xs, storage)
        if packs:
            for p in items:
                table.record(rid, p[1])
        return xs

    return new


def _new_map(k: FunctionCompiler, e: ir.NewMap):
    m, table = k.m, k.m.table
    region = k.region_getter(e.region)
    key_packs, value_packs = isinstance(e.key, ir.PackType), isinstance(e.value, ir.PackType)

    def new(fr):
        rid = m.live(region(fr), "allocate in")
        table.alloc(rid, ir.MAP_HEADER)
        return MapObj(rid, key_packs, value_packs)

    return new


def _field(k: FunctionCompiler, e: ir.FieldGet):
    live = k.m.live
    target = compile_expr(k, e.target)
    where = k.tables.fields[e.name]

    def get(fr):
        obj = target(fr)
        live(obj[0], "read a field of an object in")
        return obj[where[obj[1]]]

    return get


def hash_key(key):
    """A map key's dict form: an S64 as is, a string (a reference or a pack
    of one) by its bytes."""
    if type(key) is int:
        return key
    if type(key[1]) is bytes:
        return key[1]
    return key[0][1]


def _index(k: FunctionCompiler, e: ir.Index):
    live = k.m.live
    target, index = compile_expr(k, e.target), compile_expr(k, e.index)
    span = _span(e.pos)

    def get(fr):
        c = target(fr)
        i = index(fr)
        if type(c) is Arr:
            live(c.rid, "index an array in")
            items = c.items
            if 0 <= i < len(items):
                return items[i]
            raise index_error(i, len(items), span)
        if type(c) is MapObj:
            live(c.rid, "look up a map in")
            entry = c.entries.get(hash_key(i))
            if entry is None:
                raise ProgramError(KEY_NOT_FOUND, span)
            return entry[1]
        live(c[0], "index a string in")
        data = c[1]
        if 0 <= i < len(data):
            return data[i]
        raise index_error(i, len(data), span)

    return get


# ------------------------------------------------------------------ packs


def _pack(k: FunctionCompiler, e: ir.Pack):
    m, table = k.m, k.m.table
    value = compile_expr(k, e.value)
    region = k.region_of_type(k.type_of(e.value))

    def pack(fr):
        obj = value(fr)
        m.live(obj.rid if type(obj) in (Arr, MapObj) else obj[0], "pack an object of")
        rid = m.live(region(fr), "pack an object of")
        table.retain(rid)
        return (obj, rid)

    return pack


def _copy(k: FunctionCompiler, e: ir.Copy):
    table = k.m.table
    value = compile_expr(k, e.value)

    def copy(fr):
        p = value(fr)
        table.retain(p[1])
        return p

    return copy


def _builtin(k: FunctionCompiler, e: ir.Builtin):
    from lolang.interp import builtins

    return builtins.RULES[e.name](k, e)


RULES = {
    ir.IntLit: lambda k, e: _const(e),
    ir.FloatLit: lambda k, e: _const(e),
    ir.BoolLit: lambda k, e: _const(e),
    ir.UnitLit: _unit,
    ir.Var: _var,
    ir.Call: _call,
    ir.Builtin: _builtin,
    ir.NewData: _new_data,
    ir.NewString: _new_string,
    ir.NewArray: _new_array,
    ir.NewMap: _new_map,
    ir.FieldGet: _field,
    ir.Index: _index,
    ir.Pack: _pack,
    ir.Copy: _copy,
}

# The operators' and block expressions' rules join RULES when those modules
# load (they need this module's `compile_expr`, so they are imported last).
from lolang.interp import blocks, operators  # noqa: E402,F401
