"""The built-in operations (docs/lolang.md §6, `ir.BUILTINS`): one emitter
per name in `RULES`.

Containers whose slots hold packs keep their region's records exactly as
the lolang interpreter does (lolang/interp/builtins.py): a stored pack is
held by the container's region, a popped one is un-held and handed over,
an overwritten or removed one is un-held and released, `array(n, p)`
stores one pack n times (n − 1 retains; n = 0 drops it), `keys` copies
pack keys (a retain each).
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import regions
from lolang.codegen import types as T
from lolang.codegen.expressions import emit_value
from lolang.codegen.function import NEGATIVE_ARRAY_SIZE, OUT_OF_MEMORY, POP_EMPTY, TRUNC_OUT_OF_RANGE, FunctionEmitter
from lolang.codegen.objects import DATA, element_address, key_size, map_lookup

# array(n, x) beyond this many bytes is `out of memory` at the call, before
# the runtime is asked (no machine has 2^40 bytes to give).
ARRAY_BYTES_LIMIT = 1 << 40


def _args(fn: FunctionEmitter, e) -> list[ll.Value]:
    return [emit_value(fn, a) for a in e.args]


def _obj(fn: FunctionEmitter, e):
    return fn.type_of(e).obj


# ------------------------------------------------------------------ output


def _print(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    """Every argument first, then one line (a failing argument prints
    nothing of its line)."""
    values = _args(fn, e)
    rt = fn.module_cx.runtime
    b = fn.b
    for i, (arg, value) in enumerate(zip(e.args, values)):
        if i:
            b.call(rt("hic_print_space"), [])
        t = fn.type_of(arg)
        if isinstance(t, ir.RefType):
            b.call(rt("hic_print_string"), [value])
        elif t.name == "F64":
            b.call(rt("hic_print_f64"), [value])
        elif t.name == "Bool":
            b.call(rt("hic_print_bool"), [b.zext(value, T.I32)])
        elif t.name == "Unit":
            b.call(rt("hic_print_unit"), [])
        elif t.name == "U8":
            b.call(rt("hic_print_s64"), [b.zext(value, T.I64)])
        else:
            b.call(rt("hic_print_s64"), [value])
    b.call(rt("hic_print_newline"), [])
    return T.I8(0)


# ------------------------------------------------------------------ arrays


def _len(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    (target,) = _args(fn, e)
    return fn.b.load(target, typ=T.I64)  # every length is at offset 0


def _push(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    t = fn.type_of(e.args[0])
    elem = t.obj.elem
    xs, value = _args(fn, e)
    rid = fn.region_of(t)
    r = regions.region_struct(fn, rid)
    slot = fn.b.call(fn.module_cx.runtime("hic_array_push"), [r, xs, T.I64(ir.slot_size(elem))])
    T.store_slot(fn.b, elem, value, slot)
    if isinstance(elem, ir.PackType):
        regions.hold(fn, rid, value)
    return T.I8(0)


def _pop(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    t = fn.type_of(e.args[0])
    elem = t.obj.elem
    (xs,) = _args(fn, e)
    b = fn.b
    length = b.load(xs, typ=T.I64)
    fn.guard(b.icmp_signed("==", length, T.I64(0)), "pop", lambda: fn.panic(POP_EMPTY, e.pos))
    last = b.sub(length, T.I64(1))
    b.store(last, xs)
    data = b.load(regions.field(fn, xs, DATA), typ=T.PTR)
    value = T.load_slot(b, elem, b.gep(data, [b.mul(last, T.I64(ir.slot_size(elem)))], source_etype=T.I8))
    if isinstance(elem, ir.PackType):  # the caller owns it now
        b.call(fn.module_cx.runtime("hic_region_unhold"), [fn.region_of(t), regions.pack_region(fn, value)])
    return value


def _array(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    elem = _obj(fn, e).elem
    n, value = _args(fn, e)
    b = fn.b
    fn.guard(b.icmp_signed("<", n, T.I64(0)), "array.size", lambda: fn.panic(NEGATIVE_ARRAY_SIZE, e.pos, n))
    size = ir.slot_size(elem)
    fn.guard(b.icmp_signed(">", n, T.I64(ARRAY_BYTES_LIMIT // size)), "array.memory",
             lambda: fn.panic(OUT_OF_MEMORY, e.pos))
    rid = fn.region(e.regions[0])
    cell = fn.entry.alloca(T.slot_type(elem))
    T.store_slot(b, elem, value, cell)
    line, col = fn.position(e.pos)
    array = b.call(fn.module_cx.runtime("hic_array_filled"),
                   [regions.region_struct(fn, rid), T.I64(size), n, cell, line, col])
    if isinstance(elem, ir.PackType):
        held = regions.pack_region(fn, value)
        empty, some, done = fn.block("array.none"), fn.block("array.some"), fn.block("array.done")
        b.cbranch(b.icmp_signed("==", n, T.I64(0)), empty, some)
        b.position_at_end(empty)
        regions.release(fn, held)  # stored no times: dropped
        b.branch(done)
        b.position_at_end(some)
        b.call(fn.module_cx.runtime("hic_retain_n"), [held, b.sub(n, T.I64(1))])
        b.call(fn.module_cx.runtime("hic_region_hold_n"), [rid, held, n])
        b.branch(done)
        b.position_at_end(done)
    return array


# ------------------------------------------------------------------ maps


def _insert(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    """Add, or overwrite keeping the key's place: an overwritten value
    pack is dropped, and a key pack that was already there is dropped
    (the map keeps its own)."""
    t = fn.type_of(e.args[0])
    key_t, value_t = t.obj.key, t.obj.value
    m, k, v = _args(fn, e)
    rid = fn.region_of(t)
    b = fn.b
    r = regions.region_struct(fn, rid)
    is_new = fn.entry.alloca(T.I32)
    if key_t == ir.S64:
        slot = b.call(fn.module_cx.runtime("hic_map_insert_s64"), [r, m, k, is_new])
    else:
        key_obj, key_rid = (regions.pack_object(fn, k), regions.pack_region(fn, k)) if k.type == T.PACK else (k, T.I64(0))
        slot = b.call(fn.module_cx.runtime("hic_map_insert_str"), [r, m, key_obj, key_rid, is_new])
    if isinstance(value_t, ir.PackType):
        # A new entry's value slot is zeroed: its old region is 0, P.
        old = b.load(slot, typ=T.PACK)
        b.call(fn.module_cx.runtime("hic_region_replace"),
               [rid, regions.pack_region(fn, v), regions.pack_region(fn, old)])
    T.store_slot(b, value_t, v, slot)
    if isinstance(key_t, ir.PackType):
        added, kept, done = fn.block("insert.new"), fn.block("insert.old"), fn.block("insert.done")
        b.cbranch(b.icmp_signed("!=", b.load(is_new, typ=T.I32), T.I32(0)), added, kept)
        b.position_at_end(added)
        regions.hold(fn, rid, k)
        b.branch(done)
        b.position_at_end(kept)
        regions.release(fn, regions.pack_region(fn, k))
        b.branch(done)
        b.position_at_end(done)
    return T.I8(0)


def _contains(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    key = _obj(fn, e.args[0]).key
    m, k = _args(fn, e)
    found = map_lookup(fn, "get", key, m, k)
    fn.contains_found = found  # for objects.found_value
    return fn.b.icmp_unsigned("!=", found, ll.Constant(T.PTR, None))


def _remove(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    """Returns whether the key was there; its key and value packs, if
    any, are un-held and released (key first, as the interpreter does)."""
    t = fn.type_of(e.args[0])
    key_t, value_t = t.obj.key, t.obj.value
    m, k = _args(fn, e)
    b = fn.b
    entry = map_lookup(fn, "remove", key_t, m, k)
    found = b.icmp_unsigned("!=", entry, ll.Constant(T.PTR, None))
    packs = [(0, s) for s in (key_t,) if isinstance(s, ir.PackType)]
    packs += [(key_size(key_t), s) for s in (value_t,) if isinstance(s, ir.PackType)]
    if packs:
        rid = fn.region_of(t)
        drop, done = fn.block("remove.drop"), fn.block("remove.done")
        b.cbranch(found, drop, done)
        b.position_at_end(drop)
        for offset, _slot in packs:
            held = b.load(regions.field(fn, regions.field(fn, entry, offset), 8), typ=T.I64)
            b.call(fn.module_cx.runtime("hic_region_unhold"), [rid, held])
            regions.release(fn, held)
        b.branch(done)
        b.position_at_end(done)
    return found


def _keys(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    key = _obj(fn, e.args[0]).key
    (m,) = _args(fn, e)
    rid = fn.region(e.regions[0])
    r = regions.region_struct(fn, rid)
    b = fn.b
    array = b.call(fn.module_cx.runtime("hic_map_keys"), [r, m])
    if isinstance(key, ir.PackType):  # each key is copied into the array
        b.call(fn.module_cx.runtime("hic_array_retain_packs"), [rid, array])
    return array


def _swap(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    """`swap(xs[i]@p, xs[j]@q)`: both bounds checks, then the two slots
    exchanged; the array holds the same packs, so nothing is counted."""
    a, b = e.args
    elem = fn.type_of(a.target).obj.elem
    target = emit_value(fn, a.target)
    first = element_address(fn, target, emit_value(fn, a.index), elem, a.pos)
    second = element_address(fn, target, emit_value(fn, b.index), elem, b.pos)
    x = T.load_slot(fn.b, elem, first)
    y = T.load_slot(fn.b, elem, second)
    T.store_slot(fn.b, elem, y, first)
    T.store_slot(fn.b, elem, x, second)
    return T.I8(0)


# ------------------------------------------------------------------ strings


def _concat(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    parts = _args(fn, e)
    numbers = [fn.type_of(a) == ir.S64 for a in e.args]
    r = regions.region_struct(fn, fn.region(e.regions[0]))
    b = fn.b
    if len(parts) == 2 and not any(numbers):
        return b.call(fn.module_cx.runtime("hic_string_concat"), [r, *parts])
    # A fused chain (`concat-chains`): the parts in an array of the entry
    # block, a string's address or an S64 (bit k of the mask) each.
    cells = fn.entry.alloca(ll.ArrayType(T.I64, len(parts)))
    for k, (part, number) in enumerate(zip(parts, numbers)):
        word = part if number else b.ptrtoint(part, T.I64)
        b.store(word, b.gep(cells, [T.I32(0), T.I32(k)], inbounds=True))
    first = b.gep(cells, [T.I32(0), T.I32(0)], inbounds=True)
    mask = sum(1 << k for k, number in enumerate(numbers) if number)
    return b.call(fn.module_cx.runtime("hic_string_concat_n"), [r, first, T.I64(len(parts)), T.I64(mask)])


def _str(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    (n,) = _args(fn, e)
    r = regions.region_struct(fn, fn.region(e.regions[0]))
    return fn.b.call(fn.module_cx.runtime("hic_string_from_s64"), [r, n])


def _substr(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    s, i, j = _args(fn, e)
    r = regions.region_struct(fn, fn.region(e.regions[0]))
    return fn.b.call(fn.module_cx.runtime("hic_string_sub"), [r, s, i, j, *fn.position(e.pos)])


def _chr(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    (byte,) = _args(fn, e)
    r = regions.region_struct(fn, fn.region(e.regions[0]))
    return fn.b.call(fn.module_cx.runtime("hic_string_of_byte"), [r, byte])


def _int(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    (s,) = _args(fn, e)
    return fn.b.call(fn.module_cx.runtime("hic_string_to_s64"), [s, *fn.position(e.pos)])


# ------------------------------------------------------------------ numbers


def _trunc(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
    """Toward zero; NaN, the infinities and anything beyond S64 are the
    runtime error (LLVM's fptosi would give poison). The ordered compares
    are false for NaN."""
    (x,) = _args(fn, e)
    b = fn.b
    low = b.fcmp_ordered(">=", x, T.F64(-9223372036854775808.0))
    high = b.fcmp_ordered("<", x, T.F64(9223372036854775808.0))
    fn.guard(b.xor(b.and_(low, high), T.I1(1)), "trunc", lambda: fn.panic(TRUNC_OUT_OF_RANGE, e.pos))
    return b.fptosi(x, T.I64)


def _unary(make):
    def rule(fn: FunctionEmitter, e: ir.Builtin) -> ll.Value:
        (x,) = _args(fn, e)
        return make(fn, x)

    return rule


RULES = {
    "print": _print,
    "len": _len,
    "push": _push,
    "pop": _pop,
    "array": _array,
    "insert": _insert,
    "contains": _contains,
    "remove": _remove,
    "keys": _keys,
    "concat": _concat,
    "swap": _swap,
    "str": _str,
    "substr": _substr,
    "chr": _chr,
    "int": _int,
    "sqrt": _unary(lambda fn, x: fn.b.call(fn.module_cx.runtime("llvm.sqrt.f64"), [x])),
    "float": _unary(lambda fn, x: fn.b.sitofp(x, T.F64)),
    "trunc": _trunc,
    "u8": _unary(lambda fn, x: fn.b.trunc(x, T.I8)),
    "s64": _unary(lambda fn, x: fn.b.zext(x, T.I64)),
}
