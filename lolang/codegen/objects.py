"""Objects: building data objects, strings, arrays and maps, and reading
(and writing) their slots.

Layouts (runtime/hic_runtime.h, docs/lolang.md §9): a data value is
codegen/layout.py's (an immediate, or an object: a tag word if its type
has two or more constructors with fields, then its slots); a string is its length and its bytes; an array is `{len, cap, data}` with the
elements in a separate storage block of the same region; a map is the
runtime's `struct hic_map`. Every length sits at offset 0, so `len` is one
load whatever it measures.

Reading an array element or a string byte bounds-checks inline (one
unsigned compare covers negative indices too); the error reports the index
and the length, as every engine does.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import regions, reserve
from lolang.codegen import types as T
from lolang.codegen.constant_data import storage_data
from lolang.codegen.expressions import emit_value
from lolang.codegen.function import INDEX_OUT_OF_RANGE, KEY_NOT_FOUND, FunctionEmitter

DATA = 16  # offset of an array's storage pointer


# ------------------------------------------------------------------ building


def _new_data(fn: FunctionEmitter, e: ir.NewData) -> ll.Value:
    layout, ctor = fn.module_cx.ctors[e.ctor]
    if not ctor.fields:
        # An immediate (codegen/layout.py): nothing to allocate. Made in a
        # region, it is still one alloc of no bytes (docs/lolang.md §9);
        # a static one (`new[P] Leaf`) counts nothing.
        if e.region != ir.PRIMITIVE_REGION:
            regions.bump(fn, regions.field(fn, fn.module_cx.counters, regions.ALLOCS), 1)
        return layout.immediate(e.ctor)
    if e.region == ir.PRIMITIVE_REGION:
        return fn.module_cx.static_data(layout, ctor, e.args)  # `new[P] C(literals)`: a constant
    values = [emit_value(fn, a) for a in e.args]
    rid = fn.region(e.region)
    fresh = regions.is_fresh(fn, rid)
    fn.fresh_new = e if fresh else None
    obj = reserve.made(fn, e, rid, layout.size(ctor))  # room taken when the function started
    if obj is None:
        obj = regions.alloc_object(fn, rid, layout.size(ctor))
    if layout.tagged:
        fn.b.store(T.I64(layout.tags[e.ctor]), obj)
    for f, value, offset in zip(ctor.fields, values, layout.field_offsets(ctor)):
        T.store_slot(fn.b, f.type, value, regions.field(fn, obj, offset))
    packs = [value for f, value in zip(ctor.fields, values) if isinstance(f.type, ir.PackType)]
    if fresh and packs:
        regions.hold_fresh(fn, rid, packs)
    else:
        for value in packs:
            regions.hold(fn, rid, value)
    return obj


def _new_string(fn: FunctionEmitter, e: ir.NewString) -> ll.Value:
    data = e.value.encode("utf-8")
    if e.region == ir.PRIMITIVE_REGION:
        return fn.module_cx.string(data)  # `new[P] "..."`: the constant itself
    obj = regions.alloc_object(fn, fn.region(e.region), ir.string_size(len(data)))
    fn.b.store(T.I64(len(data)), obj)
    if data:
        source = regions.field(fn, fn.module_cx.string(data), ir.STRING_HEADER)
        copy = fn.module_cx.runtime("llvm.memcpy.p0.p0.i64")
        fn.b.call(copy, [regions.field(fn, obj, ir.STRING_HEADER), source, T.I64(len(data)), T.I1(0)])
    return obj


def _new_array(fn: FunctionEmitter, e: ir.NewArray) -> ll.Value:
    data = storage_data(fn.module_cx, e.elem, e.elems)  # all constants: codegen/constant_data.py
    values = [emit_value(fn, a) for a in e.elems] if data is None else []
    rid = fn.region(e.region)
    b = fn.b
    header = regions.alloc_object(fn, rid, ir.ARRAY_HEADER)
    n = len(e.elems)
    storage = ll.Constant(T.PTR, None)
    if n:
        size = ir.array_storage_size(e.elem, n)
        storage = b.call(fn.module_cx.runtime("hic_storage_alloc"), [regions.region_struct(fn, rid), T.I64(size)])
    b.store(T.I64(n), header)
    b.store(T.I64(n), regions.field(fn, header, 8))
    b.store(storage, regions.field(fn, header, DATA))
    if data is not None:
        copy = fn.module_cx.runtime("llvm.memcpy.p0.p0.i64")
        b.call(copy, [storage, data, T.I64(size), T.I1(0)])
    step = ir.slot_size(e.elem)
    for i, value in enumerate(values):
        T.store_slot(b, e.elem, value, regions.field(fn, storage, i * step))
    if isinstance(e.elem, ir.PackType):
        for value in values:
            regions.hold(fn, rid, value)
    return header


def key_size(key) -> int:
    return ir.slot_size(key)


def _new_map(fn: FunctionEmitter, e: ir.NewMap) -> ll.Value:
    r = regions.region_struct(fn, fn.region(e.region))
    sizes = [T.I32(key_size(e.key)), T.I32(ir.slot_size(e.value))]
    return fn.b.call(fn.module_cx.runtime("hic_map_new"), [r, *sizes])


# ------------------------------------------------------------------ reading


def _field(fn: FunctionEmitter, e: ir.FieldGet) -> ll.Value:
    """`e.name`: every constructor has the field with the same type, but
    maybe at another offset; then the tag picks the offset."""
    target_type = fn.type_of(e.target)
    obj = emit_value(fn, e.target)
    layout = fn.module_cx.layouts[target_type.obj.name]
    places = []
    for ctor in layout.data.ctors:
        index = next(i for i, f in enumerate(ctor.fields) if f.name == e.name)
        places.append((layout.tags[ctor.name], layout.field_offsets(ctor)[index], ctor.fields[index].type))
    slot = places[0][2]
    b = fn.b
    offsets = {offset for _, offset, _ in places}
    if len(offsets) == 1:
        address = regions.field(fn, obj, offsets.pop())
    else:
        tag = b.load(obj, typ=T.I64)
        offset = T.I64(places[0][1])
        for t, off, _ in places[1:]:
            offset = b.select(b.icmp_signed("==", tag, T.I64(t)), T.I64(off), offset)
        address = b.gep(obj, [offset], source_etype=T.I8)
    return T.load_slot(b, slot, address)


def element_address(fn: FunctionEmitter, array: ll.Value, index: ll.Value, elem, pos: ir.Pos | None) -> ll.Value:
    """The address of `array[index]`, after the bounds check."""
    b = fn.b
    length = b.load(array, typ=T.I64)
    fn.guard(b.icmp_unsigned(">=", index, length), "index",
             lambda: fn.panic(INDEX_OUT_OF_RANGE, pos, index, length))
    data = b.load(regions.field(fn, array, DATA), typ=T.PTR)
    offset = b.mul(index, T.I64(ir.slot_size(elem)))
    return b.gep(data, [offset], source_etype=T.I8)


def _index(fn: FunctionEmitter, e: ir.Index) -> ll.Value:
    t = fn.type_of(e.target).obj
    target = emit_value(fn, e.target)
    index = emit_value(fn, e.index)
    b = fn.b
    match t:
        case ir.ArrayType(elem):
            return T.load_slot(b, elem, element_address(fn, target, index, elem, e.pos))
        case ir.StringType():
            length = b.load(target, typ=T.I64)
            fn.guard(b.icmp_unsigned(">=", index, length), "index",
                     lambda: fn.panic(INDEX_OUT_OF_RANGE, e.pos, index, length))
            byte = b.gep(target, [b.add(index, T.I64(ir.STRING_HEADER))], source_etype=T.I8)
            return b.load(byte, typ=T.I8)
        case ir.MapType(key, value):
            if isinstance(e.target, ir.Var) and isinstance(e.index, ir.Var):
                found = fn.map_found.get((e.target.name, e.index.name))
                if found is not None:
                    return T.load_slot(b, value, found)
            slot = map_lookup(fn, "get", key, target, index)
            fn.guard(b.icmp_unsigned("==", slot, ll.Constant(T.PTR, None)), "key",
                     lambda: fn.panic(KEY_NOT_FOUND, e.pos))
            return T.load_slot(b, value, slot)
    raise TypeError(f"cannot index a {t!r}")


def found_value(e: ir.IfExpr) -> tuple[str, str] | None:
    """`get(m, k)` lowers to `if contains(o, k) then region q { pack new[q]
    Some(o[k]) } else ...`: in that then-branch nothing runs between the
    lookup and `o[k]` but the region's creation, so `o[k]` is the value
    `contains` found, not a second lookup (LLVM cannot merge the two: the
    region's creation is a call that may write memory). (o, k) if `e` has
    that shape, for _if_expr to put what `contains` found in
    `fn.map_found` while it emits the branch."""
    c, then = e.cond, e.then
    if not (isinstance(c, ir.Builtin) and c.name == "contains" and len(c.args) == 2
            and all(isinstance(a, ir.Var) for a in c.args)):
        return None
    if not (isinstance(then, ir.Region) and not then.body.stmts and isinstance(then.body.result, ir.Pack)):
        return None
    new = then.body.result.value
    if not (isinstance(new, ir.NewData) and len(new.args) == 1 and isinstance(new.args[0], ir.Index)):
        return None
    got = new.args[0]
    m, k = c.args
    if isinstance(got.target, ir.Var) and isinstance(got.index, ir.Var) and \
            (got.target.name, got.index.name) == (m.name, k.name):
        return m.name, k.name
    return None


def map_lookup(fn: FunctionEmitter, what: str, key, m: ll.Value, k: ll.Value) -> ll.Value:
    """`hic_map_get_*` or `hic_map_remove_*` for the map's key kind; a
    String key given as a pack is looked up by its string."""
    if key == ir.S64:
        return fn.b.call(fn.module_cx.runtime(f"hic_map_{what}_s64"), [m, k])
    if k.type == T.PACK:
        k = regions.pack_object(fn, k)
    return fn.b.call(fn.module_cx.runtime(f"hic_map_{what}_str"), [m, k])


# ------------------------------------------------------------------ writing


def _index_set(fn: FunctionEmitter, s: ir.IndexSet) -> None:
    """`xs[i] = v`: target, index and value, then the bounds check, then
    the store; an overwritten pack is dropped, the new one recorded."""
    t = fn.type_of(s.target)
    elem = t.obj.elem
    target = emit_value(fn, s.target)
    index = emit_value(fn, s.index)
    value = emit_value(fn, s.value)
    address = element_address(fn, target, index, elem, s.pos)
    if isinstance(elem, ir.PackType):
        old = fn.b.load(address, typ=T.PACK)
        replace = fn.module_cx.runtime("hic_region_replace")
        fn.b.call(replace, [fn.region_of(t), regions.pack_region(fn, value), regions.pack_region(fn, old)])
    T.store_slot(fn.b, elem, value, address)


EXPR_RULES = {
    ir.NewData: _new_data,
    ir.NewString: _new_string,
    ir.NewArray: _new_array,
    ir.NewMap: _new_map,
    ir.FieldGet: _field,
    ir.Index: _index,
}

STMT_RULES = {
    ir.IndexSet: _index_set,
}
