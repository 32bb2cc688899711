"""The built-in operations (docs/lolang.md §6, `ir.BUILTINS`), one compile
function per name in `RULES`, each returning a closure.

Containers whose slots hold packs keep their region's records up to date:
a stored pack is recorded, one taken out (`pop`) is un-recorded and handed
to the caller, one overwritten or removed is un-recorded and released.
Growth is accounted as docs/lolang.md §9 says: a new storage block, then
the old one reclaimed; a map compacts in place when its capacity stays.
"""

from __future__ import annotations

from diagnostics import NOSPAN, ProgramError
from diagnostics.errors import NEGATIVE_ARRAY_SIZE, OUT_OF_MEMORY, POP_EMPTY
from lolang import ir
from primitives import numbers, strings
from primitives.indexing import index_error
from lolang.interp.compiler import FunctionCompiler
from lolang.interp.exprs import compile_expr, hash_key
from lolang.interp.machine import Arr, MapObj


def _args(k: FunctionCompiler, e):
    return [compile_expr(k, a) for a in e.args]


def _span(e):
    return e.pos.span() if e.pos is not None else NOSPAN


def _obj_type(k: FunctionCompiler, e):
    return k.type_of(e).obj


# ------------------------------------------------------------------ output


def _formatter(k: FunctionCompiler, e):
    t = k.type_of(e)
    if isinstance(t, ir.RefType):
        live = k.m.live

        def string(value):
            live(value[0], "print a string of")
            return value[1]

        return string
    match t.name:
        case "Bool":
            return lambda value: b"true" if value else b"false"
        case "F64":
            return lambda value: numbers.format_f64(value).encode()
        case "Unit":
            return lambda value: b"()"
    return lambda value: str(value).encode()


def _print(k: FunctionCompiler, e):
    m = k.m
    args = _args(k, e)
    shows = [_formatter(k, a) for a in e.args]
    pairs = list(zip(args, shows))

    def print_(fr):
        values = [a(fr) for a in args]  # every argument, then one write
        m.write(b" ".join(show(v) for (_, show), v in zip(pairs, values)) + b"\n")

    return print_


# ------------------------------------------------------------------ arrays


def _len(k: FunctionCompiler, e):
    live = k.m.live
    (target,) = _args(k, e)

    def length(fr):
        c = target(fr)
        if type(c) is Arr:
            live(c.rid, "read the length of an array in")
            return len(c.items)
        if type(c) is MapObj:
            live(c.rid, "read the size of a map in")
            return len(c.entries)
        live(c[0], "read the length of a string in")
        return len(c[1])

    return length


def _push(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    target, value = _args(k, e)
    elem = _obj_type(k, e.args[0]).elem

    def push(fr):
        xs, v = target(fr), value(fr)
        rid = m.live(xs.rid, "push onto an array in")
        if len(xs.items) == xs.cap:
            old = ir.array_storage_size(elem, xs.cap) if xs.counted else 0
            xs.cap = ir.array_grown_capacity(xs.cap)
            table.replace_storage(rid, xs, ir.array_storage_size(elem, xs.cap), old)
            xs.counted = True
        if xs.packs:
            table.record(rid, v[1])
        xs.items.append(v)

    return push


def _pop(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    (target,) = _args(k, e)
    span = _span(e)

    def pop(fr):
        xs = target(fr)
        rid = m.live(xs.rid, "pop from an array in")
        if not xs.items:
            raise ProgramError(POP_EMPTY, span)
        v = xs.items.pop()
        if xs.packs:
            table.unrecord(rid, v[1])  # the caller owns it now
        return v

    return pop


def _array(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    region = k.region_getter(e.regions[0])
    size, value = _args(k, e)
    elem = _obj_type(k, e).elem
    packs = isinstance(elem, ir.PackType)
    span = _span(e)

    def array(fr):
        n, x = size(fr), value(fr)
        if n < 0:
            raise ProgramError(NEGATIVE_ARRAY_SIZE.format(size=n), span)
        rid = m.live(region(fr), "allocate in")
        try:
            items = [x] * n
        except (MemoryError, OverflowError):
            raise ProgramError(OUT_OF_MEMORY, span) from None
        table.alloc(rid, ir.ARRAY_HEADER)
        xs = Arr(rid, items, packs)
        if n:
            table.storage(rid, xs, ir.array_storage_size(elem, n))
        if packs:
            if n == 0:
                table.release(x[1])  # stored no times: dropped
            for i in range(n):
                if i:
                    table.retain(x[1])
                table.record(rid, x[1])
        return xs

    return array


# ------------------------------------------------------------------ maps


def _insert(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    target, key, value = _args(k, e)
    mt = _obj_type(k, e.args[0])

    def insert(fr):
        mp, kv, v = target(fr), key(fr), value(fr)
        rid = m.live(mp.rid, "insert into a map in")
        h = hash_key(kv)
        entry = mp.entries.get(h)
        if entry is not None:
            old = entry[1]
            entry[1] = v
            if mp.value_packs:
                table.replace(rid, v[1], old[1])
            if mp.key_packs:
                table.release(kv[1])  # the old key keeps its place
            return
        if mp.used == mp.cap:
            cap = ir.map_grown_capacity(len(mp.entries))
            if cap != mp.cap:  # else the live entries are compacted in place
                old = ir.map_storage_size(mt.key, mt.value, mp.cap) if mp.cap else 0
                table.replace_storage(rid, mp, ir.map_storage_size(mt.key, mt.value, cap), old)
                mp.cap = cap
            mp.used = len(mp.entries)
        mp.used += 1
        if mp.key_packs:
            table.record(rid, kv[1])
        if mp.value_packs:
            table.record(rid, v[1])
        mp.entries[h] = [kv, v]

    return insert


def _contains(k: FunctionCompiler, e):
    live = k.m.live
    target, key = _args(k, e)

    def contains(fr):
        mp, kv = target(fr), key(fr)
        live(mp.rid, "look up a map in")
        return hash_key(kv) in mp.entries

    return contains


def _remove(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    target, key = _args(k, e)

    def remove(fr):
        mp, kv = target(fr), key(fr)
        rid = m.live(mp.rid, "remove from a map in")
        entry = mp.entries.pop(hash_key(kv), None)
        if entry is None:
            return False
        for packs, pack in ((mp.key_packs, entry[0]), (mp.value_packs, entry[1])):
            if packs:
                table.unrecord(rid, pack[1])
                table.release(pack[1])
        return True

    return remove


def _keys(k: FunctionCompiler, e):
    m, table = k.m, k.m.table
    region = k.region_getter(e.regions[0])
    (target,) = _args(k, e)
    key_type = _obj_type(k, e.args[0]).key
    packs = isinstance(key_type, ir.PackType)

    def keys(fr):
        mp = target(fr)
        m.live(mp.rid, "read the keys of a map in")
        rid = m.live(region(fr), "allocate in")
        items = [entry[0] for entry in mp.entries.values()]
        table.alloc(rid, ir.ARRAY_HEADER)
        xs = Arr(rid, items, packs)
        if items:
            table.storage(rid, xs, ir.array_storage_size(key_type, len(items)))
        if packs:
            for p in items:  # each key is copied into the array
                table.retain(p[1])
                table.record(rid, p[1])
        return xs

    return keys


# ------------------------------------------------------------------ strings


def _new_string(k: FunctionCompiler, e, make):
    m, table = k.m, k.m.table
    region = k.region_getter(e.regions[0])
    args = _args(k, e)

    def new(fr):
        data = make(m, [a(fr) for a in args])
        rid = m.live(region(fr), "allocate in")
        table.alloc(rid, ir.string_size(len(data)))
        return (rid, data)

    return new


def _concat_bytes(m, values):
    parts = []
    for v in values:
        if type(v) is int:  # an S64 part: `str` fused in
            parts.append(str(v).encode())
            continue
        m.live(v[0], "read a string in")
        parts.append(v[1])
    return b"".join(parts)


def _substr_bytes(span):
    def make(m, values):
        s, start, end = values
        m.live(s[0], "read a string in")
        return strings.substr(s[1], start, end, span)

    return make


def _int(k: FunctionCompiler, e):
    live = k.m.live
    (target,) = _args(k, e)
    span = _span(e)

    def int_(fr):
        s = target(fr)
        live(s[0], "read a string in")
        return numbers.parse_int(s[1], span)

    return int_


def _pure(fn, with_span=False):
    def rule(k: FunctionCompiler, e):
        (arg,) = _args(k, e)
        if with_span:
            span = _span(e)
            return lambda fr: fn(arg(fr), span)
        return lambda fr: fn(arg(fr))

    return rule


def _swap(k: FunctionCompiler, e):
    a, b = e.args
    target = compile_expr(k, a.target)
    first, second = compile_expr(k, a.index), compile_expr(k, b.index)
    spans = [x.pos.span() if x.pos is not None else NOSPAN for x in (a, b)]
    live = k.m.live

    def swap(fr):
        xs = target(fr)
        live(xs.rid, "write an element of an array in")
        items = xs.items
        i = first(fr)
        if not 0 <= i < len(items):
            raise index_error(i, len(items), spans[0])
        j = second(fr)
        if not 0 <= j < len(items):
            raise index_error(j, len(items), spans[1])
        items[i], items[j] = items[j], items[i]

    return swap


RULES = {
    "swap": _swap,
    "print": _print,
    "len": _len,
    "push": _push,
    "pop": _pop,
    "array": _array,
    "insert": _insert,
    "contains": _contains,
    "remove": _remove,
    "keys": _keys,
    "concat": lambda k, e: _new_string(k, e, _concat_bytes),
    "str": lambda k, e: _new_string(k, e, lambda m, values: str(values[0]).encode()),
    "substr": lambda k, e: _new_string(k, e, _substr_bytes(_span(e))),
    "chr": lambda k, e: _new_string(k, e, lambda m, values: strings.chr_(values[0])),
    "int": _int,
    "sqrt": _pure(numbers.sqrt),
    "float": _pure(float),
    "trunc": _pure(numbers.trunc, with_span=True),
    "u8": _pure(lambda n: n & 0xFF),
    "s64": _pure(int),
}
