"""The built-in operations' typing, capability and linearity rules
(docs/lolang.md §6 and `ir.BUILTINS`): one rule function per built-in, in a
table. The capability a built-in needs on the container it works on is
`ir.BUILTINS[name].needs`; allocating ones also need `a` on their `[r]`.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker.capabilities import need, need_named
from lolang.checker.context import CheckContext, Reject
from lolang.checker.types import NEVER, Checked, expect, norm, pack_of, ref_of


def check(cx: CheckContext, e: ir.Builtin) -> Checked:
    info = ir.BUILTINS.get(e.name)
    if info is None:
        raise Reject(e.span, f"unknown built-in '{e.name}'")
    if len(e.regions) != info.regions:
        raise Reject(e.span, f"'{e.name}' takes {info.regions} region argument(s), not {len(e.regions)} (type rule)")
    if info.arity is not None and len(e.args) != info.arity:
        raise Reject(e.span, f"'{e.name}' takes {info.arity} argument(s), not {len(e.args)} (type rule)")
    return RULES[e.name](cx, e)


def _read(cx, e):
    from lolang.checker.exprs import read

    return read(cx, e, "a built-in")


def _take(cx, e, how):
    from lolang.checker.exprs import take

    return take(cx, e, how)


def expect_prim(cx: CheckContext, v: Checked, t, span, what: str) -> None:
    if norm(cx, v.type) != t and v.type is not NEVER:
        raise Reject(span, f"{what} has type '{cx.show(v.type)}', but '{ir.type_str(t)}' is expected (type rule)")


def check_slot(cx: CheckContext, slot, span) -> None:
    from lolang.checker.types import check_obj_names

    check_obj_names(cx, slot, span)


def stored(slot, region: str):
    """The value type a slot of an object in `region` takes: an owned pack
    for a pack slot (it is consumed), else the slot's read type."""
    return slot if isinstance(slot, ir.PackType) else ir.slot_value_type(slot, region)


def _container(cx: CheckContext, e: ir.Builtin, kinds, what: str) -> ir.RefType:
    target = ref_of(cx, _read(cx, e.args[0]), e.args[0].span, f"the first argument of '{e.name}'", kinds)
    need(cx, target.region, ir.BUILTINS[e.name].needs, f"'{e.name}'", e.span)
    return target


def _string(cx: CheckContext, arg, what: str, span) -> None:
    """A string argument: a `String @r` that is read (needs `r`)."""
    t = norm(cx, _read(cx, arg).type)
    if not (isinstance(t, ir.RefType) and t.obj == ir.STRING):
        raise Reject(arg.span, f"{what} has type '{cx.show(t)}', but a 'String' reference is expected (type rule)")
    need(cx, t.region, "r", what, span)


def lookup_key(cx: CheckContext, m: ir.MapType, region: str, arg) -> None:
    """A key looked up (not stored): an S64, or any string — a reference,
    or for `Pack{c} String` keys also a pack that stays owned."""
    if m.key == ir.S64:
        expect_prim(cx, _read(cx, arg), ir.S64, arg.span, "the key")
        return
    from lolang.checker.exprs import lend

    v = lend(cx, arg, "a key lookup")
    pack = pack_of(v.type)
    if pack is not None and isinstance(m.key, ir.PackType) and pack.obj == ir.STRING:
        return
    t = norm(cx, v.type)
    if isinstance(t, ir.RefType) and t.obj == ir.STRING:
        need(cx, t.region, "r", "a key lookup", arg.span)
        return
    raise Reject(arg.span, f"the key has type '{cx.show(v.type)}', but a string is expected (type rule)")


# ------------------------------------------------------------------ rules


def _print(cx: CheckContext, e):
    for arg in e.args:
        t = norm(cx, _read(cx, arg).type)
        if isinstance(t, ir.RefType) and t.obj == ir.STRING:
            need(cx, t.region, "r", "'print'", arg.span)
        elif not isinstance(t, ir.PrimType):
            raise Reject(arg.span, f"'print' prints primitives and strings, not '{cx.show(t)}' (type rule)")
    return Checked(ir.UNIT)


def _len(cx: CheckContext, e):
    _container(cx, e, (ir.StringType, ir.ArrayType, ir.MapType), "len")
    return Checked(ir.S64)


def _push(cx: CheckContext, e):
    xs = _container(cx, e, (ir.ArrayType,), "push")
    expect(cx, stored(xs.obj.elem, xs.region), _take(cx, e.args[1], "'push'"), e.args[1].span, "the pushed value")
    return Checked(ir.UNIT)


def _pop(cx: CheckContext, e):
    xs = _container(cx, e, (ir.ArrayType,), "pop")
    t = stored(xs.obj.elem, xs.region)
    return Checked(t, fresh=isinstance(t, ir.PackType))


def _array(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'array[{e.regions[0]}]'", e.span)
    expect_prim(cx, _read(cx, e.args[0]), ir.S64, e.args[0].span, "the size")
    v = _take(cx, e.args[1], "'array'")
    t = norm(cx, v.type)
    match t:
        case ir.PrimType() if t is not NEVER:
            elem = t
        case ir.PackType():
            elem = t
        case ir.RefType(obj, where) if where == cx.canon(region):
            elem = obj
        case _:
            raise Reject(e.args[1].span, f"'array[{e.regions[0]}]' cannot hold '{cx.show(t)}' (type rule)")
    return Checked(ir.RefType(ir.ArrayType(elem), region))


def _insert(cx: CheckContext, e):
    m = _container(cx, e, (ir.MapType,), "insert")
    expect(cx, stored(m.obj.key, m.region), _take(cx, e.args[1], "'insert'"), e.args[1].span, "the key")
    expect(cx, stored(m.obj.value, m.region), _take(cx, e.args[2], "'insert'"), e.args[2].span, "the value")
    return Checked(ir.UNIT)


def _contains_or_remove(cx: CheckContext, e):
    m = _container(cx, e, (ir.MapType,), e.name)
    lookup_key(cx, m.obj, m.region, e.args[1])
    return Checked(ir.BOOL)


def _keys(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'keys[{e.regions[0]}]'", e.span)
    m = _container(cx, e, (ir.MapType,), "keys")
    if m.obj.key == ir.STRING and cx.canon(region) != m.region:
        raise Reject(e.span, f"'keys' of String keys must go to the map's region '{cx.shown(m.region)}' (type rule)")
    return Checked(ir.RefType(ir.ArrayType(m.obj.key), region))


CONCAT_PARTS = 64  # the runtime's bit mask of which parts are numbers


def _concat(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'concat[{e.regions[0]}]'", e.span)
    if len(e.args) < 2:
        raise Reject(e.span, f"'concat' takes 2 or more arguments, not {len(e.args)} (type rule)")
    if len(e.args) > CONCAT_PARTS:
        raise Reject(e.span, f"'concat' takes at most {CONCAT_PARTS} arguments, not {len(e.args)} (type rule)")
    for arg in e.args:
        # A string, or an S64 written in decimal (`str` fused in).
        t = norm(cx, _read(cx, arg).type)
        if t == ir.S64 or t is NEVER:
            continue
        if not (isinstance(t, ir.RefType) and t.obj == ir.STRING):
            raise Reject(arg.span, f"'concat' has type '{cx.show(t)}', but a 'String' reference or an 'S64' "
                                   f"is expected (type rule)")
        need(cx, t.region, "r", "'concat'", e.span)
    return Checked(ir.RefType(ir.STRING, region))


def _str(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'str[{e.regions[0]}]'", e.span)
    expect_prim(cx, _read(cx, e.args[0]), ir.S64, e.args[0].span, "the argument of 'str'")
    return Checked(ir.RefType(ir.STRING, region))


def _substr(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'substr[{e.regions[0]}]'", e.span)
    _string(cx, e.args[0], "'substr'", e.span)
    for arg, what in zip(e.args[1:], ("start", "end")):
        expect_prim(cx, _read(cx, arg), ir.S64, arg.span, f"the {what} of 'substr'")
    return Checked(ir.RefType(ir.STRING, region))


def _chr(cx: CheckContext, e):
    region = need_named(cx, e.regions[0], "a", f"'chr[{e.regions[0]}]'", e.span)
    expect_prim(cx, _read(cx, e.args[0]), ir.U8, e.args[0].span, "the argument of 'chr'")
    return Checked(ir.RefType(ir.STRING, region))


def _int(cx: CheckContext, e):
    _string(cx, e.args[0], "'int'", e.span)
    return Checked(ir.S64)


def _convert(arg_type, result):
    def rule(cx: CheckContext, e):
        expect_prim(cx, _read(cx, e.args[0]), arg_type, e.args[0].span, f"the argument of '{e.name}'")
        return Checked(result)

    return rule


def _swap(cx: CheckContext, e):
    """`swap(xs[i]@p, xs[j]@q)`: two element places of one array variable
    (read as places, not values: no pack is copied out)."""
    a, b = e.args
    if not (isinstance(a, ir.Index) and isinstance(b, ir.Index) and isinstance(a.target, ir.Var)
            and isinstance(b.target, ir.Var) and a.target.name == b.target.name):
        raise Reject(e.span, "'swap' takes two elements of one array variable: swap(xs[i], xs[j]) (type rule)")
    t = norm(cx, _read(cx, a.target).type)
    if not (isinstance(t, ir.RefType) and isinstance(t.obj, ir.ArrayType)):
        raise Reject(a.target.span, f"'swap' exchanges array elements, not those of '{cx.show(t)}' (type rule)")
    need(cx, t.region, "rw", "'swap'", e.span)
    _read(cx, b.target)
    for index in (a.index, b.index):
        expect_prim(cx, _read(cx, index), ir.S64, index.span, "an array index")
    return Checked(ir.UNIT)


RULES = {
    "swap": _swap,
    "print": _print,
    "len": _len,
    "push": _push,
    "pop": _pop,
    "array": _array,
    "insert": _insert,
    "contains": _contains_or_remove,
    "remove": _contains_or_remove,
    "keys": _keys,
    "concat": _concat,
    "str": _str,
    "substr": _substr,
    "chr": _chr,
    "int": _int,
    "sqrt": _convert(ir.F64, ir.F64),
    "float": _convert(ir.S64, ir.F64),
    "trunc": _convert(ir.F64, ir.S64),
    "u8": _convert(ir.S64, ir.U8),
    "s64": _convert(ir.U8, ir.S64),
}
