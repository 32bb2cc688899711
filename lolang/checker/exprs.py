"""Expressions: their types, the capabilities they use, the packs they move.

`check(cx, e, use)` checks `e` and returns its `Checked`. `use` says what the
context does with the value: None reads it (a variable holding an owned pack
stays owned), a `Consumed` moves it (the variable is consumed by that). The
helpers `take` (a consuming position: the value must be owned if it is a
pack) and `lend` (a `&` argument) wrap it for the positions of §5.2.

Block expressions (`region`, `unpack`, `restrict`, `do`) are in `blocks`,
built-ins in `builtins`.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker import builtins
from lolang.checker.capabilities import at, need, need_named, reaches_write
from lolang.checker.context import CheckContext, Reject
from lolang.checker.flow import Consumed, join
from lolang.checker.types import (
    NEVER, Checked, accepts, expect, is_prim, norm, pack_of, ref_of, slot_value,
)


def check(cx: CheckContext, e, use: Consumed | None = None) -> Checked:
    rule = RULES.get(type(e))
    if rule is None:
        raise Reject(e.span, f"not an expression: {type(e).__name__}")
    v = rule(cx, e, use)
    cx.types[id(e)] = v.type
    return v


def take(cx: CheckContext, e, how: str) -> Checked:
    """`e` in a consuming position: an owned pack is moved; a borrowed one
    cannot be (it owns no reference to hand over)."""
    v = check(cx, e, Consumed(how, e.span))
    if v.element:
        raise Reject(e.span, "a pack read from a container slot can only be copied here: write 'copy' (linearity rule)")
    if isinstance(v.type, ir.BorrowType):
        raise Reject(e.span, f"a borrowed pack cannot be consumed by {how}: copy it first (linearity rule)")
    return v


def lend(cx: CheckContext, e, how: str) -> Checked:
    """`e` given to a `&` parameter: read, not consumed."""
    v = check(cx, e, None)
    if v.element:
        raise Reject(e.span, "a pack read from a container slot can only be copied: write 'copy' (linearity rule)")
    if v.fresh:
        raise Reject(e.span, f"an owned pack made here would leak: {how} only borrows it (linearity rule)")
    return v


def read(cx: CheckContext, e, what: str) -> Checked:
    """`e` only read (an operand): a fresh owned pack here would leak."""
    v = check(cx, e, None)
    if v.fresh:
        raise Reject(e.span, f"an owned pack made here is never consumed ({what} only reads it) (linearity rule)")
    return v


# ------------------------------------------------------------------ leaves


def _lit(t):
    def rule(cx, e, use):
        return Checked(t)

    return rule


def _int(cx, e, use):
    return Checked(ir.U8 if e.u8 else ir.S64)


def _var(cx: CheckContext, e: ir.Var, use) -> Checked:
    var = cx.var(e.name, e.span)
    if var.key in cx.flow.ended:
        raise Reject(
            e.span,
            f"'{var.name}' is read through a pack consumed at {at(cx.flow.ended[var.key])}: it may be freed (linearity rule)",
        )
    if var.key in cx.tokens and (use is None or use.how not in TOKEN_USES):
        # A unique token's region still records the packs its fields had
        # (docs/lolang.md §5.5): only `reuse` and `drop` know to forget them.
        raise Reject(e.span, f"reuse token '{var.name}' can only be consumed by 'reuse' or 'drop' (type rule)")
    if var.owned_pack:
        gone = cx.flow.consumed(var.key)
        if gone is not None:
            if use is not None:
                raise Reject(e.span, f"pack '{var.name}' is consumed twice (first by {gone.how} at {at(gone.span)}) (linearity rule)")
            raise Reject(e.span, f"pack '{var.name}' is used after it was consumed (by {gone.how} at {at(gone.span)}) (linearity rule)")
        if use is not None:
            lent = cx.flow.lent.get(var.key)
            if lent is not None and var.key in cx.flow.unpacked:
                end_unpack(cx, var, use)
            elif lent is not None:
                raise Reject(
                    e.span,
                    f"pack '{var.name}' cannot be consumed by {use.how}: it is borrowed at {at(lent)} meanwhile (linearity rule)",
                )
            cx.flow.packs[var.key] = use
    return Checked(var.type, var=var, anchors=var.anchors)


def end_unpack(cx: CheckContext, var, use: Consumed) -> None:
    """`var`, which an enclosing `unpack` borrows, is consumed inside it:
    its region may be freed now, so on this path nothing read through it
    may be used again (docs/lolang.md 5.2). Conservatively, every reference
    and borrowed pack declared since the unpack began, and every region an
    `unpack` bound since (its pack may have been read through this one),
    ends here; primitives and owned packs live on."""
    depth = cx.flow.unpacked.pop(var.key)
    del cx.flow.lent[var.key]
    ended = cx.flow.ended
    for v in cx.vars_from(depth):
        if not v.owned_pack and v.key not in cx.tokens and not isinstance(v.type, ir.PrimType):
            ended.setdefault(v.key, use.span)
    for scope in cx.scopes[depth:]:
        for info in scope.regions.values():
            if info.kind == "unpack":
                ended.setdefault(info.uid, use.span)


# What may consume a reuse token (`take`'s `how`).
TOKEN_USES = ("'reuse'", "'drop'")

# ------------------------------------------------------------------ operators

_ARITH = {"S64", "U8", "F64"}


def _unary(cx: CheckContext, e: ir.Unary, use) -> Checked:
    v = read(cx, e.operand, f"'{e.op}'")
    t = norm(cx, v.type)
    if e.op == "-" and is_prim(t, "S64", "U8", "F64"):
        return Checked(t)
    if e.op == "!" and is_prim(t, "Bool"):
        return Checked(t)
    raise Reject(e.span, f"operator '{e.op}' does not apply to '{cx.show(t)}' (type rule)")


def _binary(cx: CheckContext, e: ir.Binary, use) -> Checked:
    left = norm(cx, read(cx, e.left, f"'{e.op}'").type)
    if e.op in ("&&", "||"):
        _bool(cx, left, e.left, e.op)
        branch = cx.flow.copy()
        saved, cx.flow = cx.flow, branch
        right = norm(cx, read(cx, e.right, f"'{e.op}'").type)
        cx.flow = join(saved, branch, f"'{e.op}'", e.span, _reject)
        _bool(cx, right, e.right, e.op)
        return Checked(ir.BOOL)
    right = norm(cx, read(cx, e.right, f"'{e.op}'").type)
    strings = isinstance(left, ir.RefType) and isinstance(right, ir.RefType) and left.obj == right.obj == ir.STRING
    if strings and e.op in ir.STRING_COMPARISONS:
        need(cx, left.region, "r", f"'{e.op}' on strings", e.span)
        need(cx, right.region, "r", f"'{e.op}' on strings", e.span)
        return Checked(ir.BOOL)
    if e.op in ("==", "!="):
        if left == right and is_prim(left, "S64", "U8", "F64", "Bool"):
            return Checked(ir.BOOL)
    elif left == right and is_prim(left, *_ARITH):
        if e.op in ("<", "<=", ">", ">="):
            return Checked(ir.BOOL)
        if not (e.op == "%" and left == ir.F64):
            return Checked(left)
    raise Reject(e.span, f"operator '{e.op}' does not apply to '{cx.show(left)}' and '{cx.show(right)}' (type rule)")


def _bool(cx, t, e, op) -> None:
    if t != ir.BOOL and t is not NEVER:
        raise Reject(e.span, f"'{op}' needs Bool operands, not '{cx.show(t)}' (type rule)")


def _reject(span, message):
    raise Reject(span, message)


def _if_expr(cx: CheckContext, e: ir.IfExpr, use) -> Checked:
    cond = read(cx, e.cond, "'if'")
    _bool(cx, norm(cx, cond.type), e.cond, "if")
    how = use or Consumed("the 'if' expression's value", e.span)
    saved = cx.flow
    cx.flow = saved.copy()
    then = _branch(cx, e.then, how)
    after_then, cx.flow = cx.flow, saved.copy()
    els = _branch(cx, e.els, how)
    cx.flow = join(after_then, cx.flow, "'if' expression", e.span, _reject)
    if accepts(cx, then.type, els.type):
        t = then.type
    elif accepts(cx, els.type, then.type):
        t = els.type
    else:
        raise Reject(e.span, f"the branches of 'if' have types '{cx.show(then.type)}' and '{cx.show(els.type)}' (type rule)")
    if isinstance(t, ir.BorrowType):
        raise Reject(e.span, "a borrowed pack cannot be the value of an 'if' expression (linearity rule)")
    return Checked(t, fresh=isinstance(t, ir.PackType))


def _branch(cx: CheckContext, e, how: Consumed) -> Checked:
    """A branch's value moves out of it, as a block's value does."""
    v = check(cx, e, how)
    if v.element:
        raise Reject(e.span, "a pack read from a container slot can only be copied: write 'copy' (linearity rule)")
    return v


# ------------------------------------------------------------------ calls


def _call(cx: CheckContext, e: ir.Call, use) -> Checked:
    fun = cx.program.funs.get(e.func)
    if fun is None:
        raise Reject(e.span, f"unknown function '{e.func}'")
    cx.callees[e.func] = fun
    if len(e.regions) != len(fun.regions):
        raise Reject(e.span, f"'{fun.name}' takes {len(fun.regions)} region argument(s), not {len(e.regions)} (type rule)")
    subst = {}
    for param, name in zip(fun.regions, e.regions):
        info = cx.region(name, e.span)
        what = f"the call to '{fun.name}' (for its region parameter '{param.name}: {param.caps}')"
        need(cx, info.uid, param.caps, what, e.span)
        subst[param.name] = info.uid
    if len(e.args) != len(fun.params):
        raise Reject(e.span, f"'{fun.name}' takes {len(fun.params)} argument(s), not {len(e.args)} (type rule)")
    how = f"the call to '{fun.name}'"
    lent: list[int] = []
    unpacked: dict[int, int] = {}  # lent to an unpack too: not consumable during the call
    for param, arg in zip(fun.params, e.args):
        want = ir.rename_regions(param.type, subst)
        if cx.read_only and reaches_write(cx, want):
            raise Reject(
                arg.span,
                f"argument '{param.name}' of '{fun.name}' leads to a pack holding 'w', and nothing may write inside "
                f"the 'unpack' of an array element at {at(cx.read_only[-1][0])} (read-only rule)",
            )
        if isinstance(want, ir.BorrowType):
            v = lend(cx, arg, how)
            if v.var is not None and v.var.owned_pack and v.var.key not in cx.flow.lent:
                cx.flow.lent[v.var.key] = arg.span
                lent.append(v.var.key)
            elif v.var is not None and v.var.key in cx.flow.unpacked:
                unpacked[v.var.key] = cx.flow.unpacked.pop(v.var.key)
        else:
            v = take(cx, arg, how)
        expect(cx, want, v, arg.span, f"argument '{param.name}' of '{fun.name}'")
    for key in lent:
        del cx.flow.lent[key]
    cx.flow.unpacked.update(unpacked)
    ret = ir.rename_regions(fun.ret, subst)
    return Checked(ret, fresh=isinstance(ret, ir.PackType))


# ------------------------------------------------------------------ objects


def _new_data(cx: CheckContext, e: ir.NewData, use) -> Checked:
    found = cx.ctor(e.ctor)
    if e.region == ir.PRIMITIVE_REGION:
        if found is not None and found[1].fields and not ir.is_static_data(e):
            raise Reject(
                e.span,
                f"a static object is a constructor without fields or of literals only, not this '{e.ctor}' (type rule)",
            )
        region = ir.PRIMITIVE_REGION
    else:
        region = need_named(cx, e.region, "a", f"'new[{e.region}] {e.ctor}'", e.span)
    if found is None:
        raise Reject(e.span, f"unknown constructor '{e.ctor}'")
    data, ctor = found
    if len(e.args) != len(ctor.fields):
        raise Reject(e.span, f"'{ctor.name}' has {len(ctor.fields)} field(s), not {len(e.args)} (type rule)")
    for i, (field, arg) in enumerate(zip(ctor.fields, e.args)):
        v = take(cx, arg, f"'new {ctor.name}'")
        want = ir.PackType(field.type.caps, field.type.obj) if isinstance(field.type, ir.PackType) else slot_value(field.type, region)
        expect(cx, want, v, arg.span, f"field {field.name or i + 1} of '{ctor.name}'")
    return Checked(ir.RefType(ir.DataType(data.name), region))


def _reuse(cx: CheckContext, e: ir.Reuse, use) -> Checked:
    """`reuse{c} w C(args)`: w a reuse token of `match reset` (consumed),
    C of its data type and of the size of the constructor w's arm
    matched (docs/lolang.md §5.5)."""
    token = e.token
    info = cx.var(token.name, token.span) if isinstance(token, ir.Var) else None
    if info is None or info.key not in cx.tokens:
        raise Reject(token.span, "'reuse' needs the reuse token of an enclosing 'match reset' arm (type rule)")
    take(cx, token, "'reuse'")
    cx.types[id(token)] = info.type
    data, matched = cx.tokens[info.key]
    found = cx.ctor(e.ctor)
    if found is None:
        raise Reject(e.span, f"unknown constructor '{e.ctor}'")
    if found[0].name != data.name:
        raise Reject(e.span, f"'reuse' of a '{data.name}' cannot make a '{found[0].name}' (type rule)")
    ctor = found[1]
    size = ir.data_size(data, ctor)
    if size == 0 or ir.data_size(data, matched) != size:
        what = f"'{matched.name}' ({ir.data_size(data, matched)} bytes)"
        raise Reject(e.span, f"'reuse' makes '{ctor.name}' ({size} bytes) in the place of {what}: the sizes must be equal and not 0 (type rule)")
    if len(e.args) != len(ctor.fields):
        raise Reject(e.span, f"'{ctor.name}' has {len(ctor.fields)} field(s), not {len(e.args)} (type rule)")
    for i, (field, arg) in enumerate(zip(ctor.fields, e.args)):
        v = take(cx, arg, f"'reuse {ctor.name}'")
        if not isinstance(field.type, (ir.PrimType, ir.PackType)):
            raise Reject(arg.span, "'reuse' makes objects whose fields are primitives or packs (type rule)")
        want = ir.PackType(field.type.caps, field.type.obj) if isinstance(field.type, ir.PackType) else field.type
        expect(cx, want, v, arg.span, f"field {field.name or i + 1} of '{ctor.name}'")
    return Checked(ir.PackType(e.caps, ir.DataType(data.name)), fresh=True)


def _new_string(cx: CheckContext, e: ir.NewString, use) -> Checked:
    if e.region == ir.PRIMITIVE_REGION:
        return Checked(ir.RefType(ir.STRING, ir.PRIMITIVE_REGION))  # a static string
    return Checked(ir.RefType(ir.STRING, need_named(cx, e.region, "a", f"'new[{e.region}]' of a string", e.span)))


def _new_array(cx: CheckContext, e: ir.NewArray, use) -> Checked:
    region = need_named(cx, e.region, "a", f"'new[{e.region}] Array'", e.span)
    builtins.check_slot(cx, e.elem, e.span)
    want = builtins.stored(e.elem, region)
    for arg in e.elems:
        expect(cx, want, take(cx, arg, "an array literal"), arg.span, "an array element")
    return Checked(ir.RefType(ir.ArrayType(e.elem), region))


def _new_map(cx: CheckContext, e: ir.NewMap, use) -> Checked:
    region = need_named(cx, e.region, "a", f"'new[{e.region}] Map'", e.span)
    builtins.check_slot(cx, e.key, e.span)
    builtins.check_slot(cx, e.value, e.span)
    if not (e.key in (ir.S64, ir.STRING) or (isinstance(e.key, ir.PackType) and e.key.obj == ir.STRING)):
        raise Reject(e.span, f"a map key is S64, String or Pack{{c}} String, not '{ir.type_str(e.key)}' (type rule)")
    return Checked(ir.RefType(ir.MapType(e.key, e.value), region))


def _field(cx: CheckContext, e: ir.FieldGet, use) -> Checked:
    target = ref_of(cx, read(cx, e.target, "a field read"), e.target.span, "the object of a field read", (ir.DataType,))
    need(cx, target.region, "r", f"reading field '{e.name}'", e.span)
    t = slot_value(_field_type(cx, target.obj.name, e), target.region)
    return Checked(t, anchors=frozenset((target.region,)) if isinstance(t, ir.BorrowType) else frozenset())


def _field_type(cx: CheckContext, data_name: str, e: ir.FieldGet):
    """The declared type of field `e.name` in every constructor of the data
    type (found once per data type and field, kept in `cx.program`)."""
    key = (data_name, e.name)
    cx.data(data_name)
    found = cx.program.field_types.get(key)
    if found is None:
        data = cx.program.datas[data_name]
        types = set()
        for ctor in data.ctors:
            named = [f.type for f in ctor.fields if f.name == e.name]
            if not named:
                raise Reject(e.span, f"constructor '{ctor.name}' of '{data.name}' has no field '{e.name}' (type rule)")
            types.add(named[0])
        if len(types) != 1:
            raise Reject(e.span, f"field '{e.name}' has different types in the constructors of '{data.name}' (type rule)")
        found = cx.program.field_types[key] = types.pop()
    return found


def _index(cx: CheckContext, e: ir.Index, use) -> Checked:
    target = ref_of(cx, read(cx, e.target, "indexing"), e.target.span, "the indexed value")
    need(cx, target.region, "r", "indexing", e.span)
    obj = target.obj
    if obj == ir.STRING:
        builtins.expect_prim(cx, read(cx, e.index, "indexing"), ir.S64, e.index.span, "a string index")
        return Checked(ir.U8)
    if isinstance(obj, ir.ArrayType):
        builtins.expect_prim(cx, read(cx, e.index, "indexing"), ir.S64, e.index.span, "an array index")
        slot = obj.elem
    elif isinstance(obj, ir.MapType):
        builtins.lookup_key(cx, obj, target.region, e.index)
        slot = obj.value
    else:
        raise Reject(e.span, f"'{cx.show(target)}' cannot be indexed (type rule)")
    t = slot_value(slot, target.region)
    return Checked(t, element=isinstance(t, ir.BorrowType))


# ------------------------------------------------------------------ packs


def _pack(cx: CheckContext, e: ir.Pack, use) -> Checked:
    target = ref_of(cx, read(cx, e.value, "'pack'"), e.value.span, "the packed value")
    need(cx, target.region, e.caps, f"'pack{{{e.caps}}}'", e.span)
    return Checked(ir.PackType(e.caps, target.obj), fresh=True)


def _copy(cx: CheckContext, e: ir.Copy, use) -> Checked:
    v = check(cx, e.value, None)
    pack = pack_of(v.type)
    if pack is None:
        raise Reject(e.span, f"'copy' needs a pack, not '{cx.show(v.type)}' (type rule)")
    if v.fresh:
        raise Reject(e.value.span, "'copy' of an owned pack made here: it would leak; use it directly (linearity rule)")
    return Checked(ir.PackType(pack.caps, pack.obj), fresh=True)


RULES = {
    ir.IntLit: _int,
    ir.FloatLit: _lit(ir.F64),
    ir.BoolLit: _lit(ir.BOOL),
    ir.UnitLit: _lit(ir.UNIT),
    ir.Var: _var,
    ir.Unary: _unary,
    ir.Binary: _binary,
    ir.IfExpr: _if_expr,
    ir.Call: _call,
    ir.Builtin: lambda cx, e, use: builtins.check(cx, e),
    ir.NewData: _new_data,
    ir.NewString: _new_string,
    ir.NewArray: _new_array,
    ir.NewMap: _new_map,
    ir.FieldGet: _field,
    ir.Index: _index,
    ir.Pack: _pack,
    ir.Copy: _copy,
    ir.Reuse: _reuse,
}

# The block expressions' rules join RULES when `blocks` loads (it needs this
# module's helpers, so it is imported last).
from lolang.checker import blocks  # noqa: E402,F401
