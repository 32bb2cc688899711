"""`match`: the scrutinee's kind, each arm's pattern bindings, the join of
the arms' flow states, and exhaustiveness.

Exhaustiveness is Maranget's usefulness test ("Warnings for pattern
matching", 2007): the match is exhaustive when a wildcard row would not be
useful after all the arms. Data types and Bool have finite constructor sets;
S64, U8 and strings need a wildcard or variable arm.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker.capabilities import need
from lolang.checker.context import CheckContext, Reject
from lolang.checker.flow import join
from lolang.checker.types import norm

WILD = None  # a wildcard or variable, in the usefulness matrix


def check_match(cx: CheckContext, s: ir.Match) -> None:
    v = exprs.read(cx, s.scrutinee, "'match'")
    t = norm(cx, v.type)
    if isinstance(t, ir.RefType) and isinstance(t.obj, (ir.DataType, ir.StringType)):
        need(cx, t.region, "r", "'match'", s.span)
    elif not (isinstance(t, ir.PrimType) and t.name in ("S64", "U8", "Bool")):
        raise Reject(s.scrutinee.span, f"'match' needs a data or String reference, S64, U8 or Bool, not '{cx.show(t)}' (type rule)")
    _arms(cx, s, "'match'", t, _kind(t), lambda arm: _bind(cx, arm.pattern, t))


def _arms(cx: CheckContext, s, what: str, t, kind, enter) -> None:
    """The arms of a `match` or a `match reset` (`what`) on a `t`: each
    from the flow state before the match, in a scope of its own where
    `enter(arm)` binds its pattern; then the join of their flow states,
    and exhaustiveness over `kind`."""
    before = cx.flow
    ends = []
    for arm in s.arms:
        cx.flow = before.copy()
        scope = cx.push()
        enter(arm)
        stmts.body(cx, arm.body, "match arm's")
        stmts.end_scope(cx, scope, arm.body.span)
        cx.pop()
        ends.append(cx.flow)
    state = ends[0] if ends else before
    for other in ends[1:]:
        state = join(state, other, what, s.span, stmts._reject)
    cx.flow = state
    rows = [[_head(arm.pattern)] for arm in s.arms]
    if _useful(cx, rows, [WILD], [kind]):
        raise Reject(s.span, f"this {what} on '{cx.show(t)}' is not exhaustive: add the missing cases or '_' (type rule)")


def check_match_reset(cx: CheckContext, s: ir.MatchReset) -> None:
    """`match reset t as w { ... }` (docs/lolang.md §5.5): t is consumed;
    in each arm the variables on pack fields are owned packs and `w` an
    owned reuse token, so the flow state makes each path consume them."""
    v = exprs.take(cx, s.scrutinee, "'match reset'")
    t = v.type
    if not (isinstance(t, ir.PackType) and isinstance(t.obj, ir.DataType)):
        raise Reject(s.scrutinee.span, f"'match reset' needs an owned pack of a data type, not '{cx.show(t)}' (type rule)")
    if "r" not in t.caps:
        raise Reject(s.scrutinee.span, f"'match reset' reads the object: it needs a 'Pack{{r}}', not '{cx.show(t)}' (capability rule)")
    data = cx.data(t.obj.name)
    for ctor in data.ctors:
        for field in ctor.fields:
            if not (isinstance(field.type, (ir.PrimType, ir.PackType))):
                raise Reject(s.span, f"'match reset' needs fields that are primitives or packs; '{ctor.name}' has a '{ir.type_str(field.type)}' (type rule)")

    def enter(arm):
        ctor = _bind_reset(cx, arm.pattern, data)
        if ctor is None:
            # A `_` arm resets nothing: w is t itself.
            cx.declare(s.token, ir.PackType(t.caps, t.obj), False, arm.pattern.span)
        else:
            token = cx.declare(s.token, ir.PackType("", t.obj), False, arm.pattern.span)
            cx.tokens[token.key] = (data, ctor)

    _arms(cx, s, "'match reset'", t, t.obj.name, enter)


def _bind_reset(cx: CheckContext, p, data: ir.DataDecl):
    """An arm of `match reset`: `_`, or a constructor of `data` with `_` or
    a variable per field (a pack field's variable owns its pack). Returns
    the constructor (None for `_`)."""
    if isinstance(p, ir.PWild):
        return None
    if not isinstance(p, ir.PCtor):
        raise Reject(p.span, "an arm of 'match reset' is a constructor with '_' or a variable per field, or '_' (type rule)")
    found = cx.ctor(p.ctor)
    if found is None:
        raise Reject(p.span, f"unknown constructor '{p.ctor}'")
    if found[0].name != data.name:
        raise Reject(p.span, f"constructor '{p.ctor}' of '{found[0].name}' cannot match a '{data.name}' (type rule)")
    ctor = found[1]
    if len(p.args) != len(ctor.fields):
        raise Reject(p.span, f"'{ctor.name}' has {len(ctor.fields)} field(s), not {len(p.args)} (type rule)")
    for field, sub in zip(ctor.fields, p.args):
        if isinstance(sub, ir.PVar):
            cx.declare(sub.name, field.type, False, sub.span)
        elif not isinstance(sub, ir.PWild):
            raise Reject(sub.span, "a field in an arm of 'match reset' is matched by '_' or a variable (type rule)")
    return ctor


def _bind(cx: CheckContext, p, t) -> None:
    """Check pattern `p` against a value of type `t`; declare its variables."""
    match p:
        case ir.PWild():
            return
        case ir.PVar(name):
            cx.declare(name, t, False, p.span)
            return
        case ir.PInt(_, u8):
            if t == (ir.U8 if u8 else ir.S64):
                return
        case ir.PBool():
            if t == ir.BOOL:
                return
        case ir.PString():
            if isinstance(t, ir.RefType) and t.obj == ir.STRING:
                return
        case ir.PCtor(name, args):
            found = cx.ctor(name)
            if found is None:
                raise Reject(p.span, f"unknown constructor '{name}'")
            data, ctor = found
            if not (isinstance(t, ir.RefType) and t.obj == ir.DataType(data.name)):
                raise Reject(p.span, f"constructor '{name}' of '{data.name}' cannot match a '{cx.show(t)}' (type rule)")
            if len(args) != len(ctor.fields):
                raise Reject(p.span, f"'{name}' has {len(ctor.fields)} field(s), not {len(args)} (type rule)")
            for field, sub in zip(ctor.fields, args):
                ft = ir.slot_value_type(field.type, t.region)
                if isinstance(ft, ir.BorrowType):
                    if not isinstance(sub, (ir.PWild, ir.PVar)):
                        raise Reject(sub.span, "a pack field can only be matched by '_' or a variable: unpack it first (type rule)")
                    if isinstance(sub, ir.PVar):
                        cx.declare(sub.name, ft, False, sub.span, frozenset((t.region,)))
                    continue
                _bind(cx, sub, ft)
            return
    raise Reject(p.span, f"this pattern cannot match a '{cx.show(t)}' (type rule)")


# ------------------------------------------------------------------ exhaustiveness


def _head(p):
    """A pattern as the usefulness test sees it: WILD, or (constructor key,
    sub-patterns)."""
    match p:
        case ir.PWild() | ir.PVar():
            return WILD
        case ir.PInt(value, _):
            return (("int", value), [])
        case ir.PBool(value):
            return (("bool", value), [])
        case ir.PString(value):
            return (("str", value), [])
        case ir.PCtor(name, args):
            return (("ctor", name), [_head(a) for a in args])
    return WILD


def _kind(t):
    """What the usefulness test needs of a type: a data type's name, 'Bool',
    or None for types with too many values to enumerate."""
    if isinstance(t, ir.RefType) and isinstance(t.obj, ir.DataType):
        return t.obj.name
    if isinstance(t, ir.DataType):
        return t.name
    if t == ir.BOOL:
        return "Bool"
    return None


def _signature(cx: CheckContext, kind) -> dict | None:
    """Every constructor key of `kind` with its field kinds, or None."""
    if kind == "Bool":
        return {("bool", True): [], ("bool", False): []}
    data = cx.data(kind) if kind is not None else None
    if data is not None:
        return {("ctor", c.name): [_kind(f.type) for f in c.fields] for c in data.ctors}
    return None


def _specialize(rows, key, arity):
    out = []
    for row in rows:
        head = row[0]
        if head is WILD:
            out.append([WILD] * arity + row[1:])
        elif head[0] == key:
            out.append(list(head[1]) + row[1:])
    return out


def _useful(cx: CheckContext, rows, vec, kinds) -> bool:
    if not vec:
        return not rows
    head, kind = vec[0], kinds[0]
    sig = _signature(cx, kind)
    if head is not WILD:
        key, args = head
        sub = sig[key] if sig is not None and key in sig else [None] * len(args)
        return _useful(cx, _specialize(rows, key, len(args)), list(args) + vec[1:], sub + kinds[1:])
    used = {row[0][0] for row in rows if row[0] is not WILD}
    if sig is not None and used >= set(sig):
        return any(
            _useful(cx, _specialize(rows, key, len(sub)), [WILD] * len(sub) + vec[1:], sub + kinds[1:])
            for key, sub in sig.items()
        )
    default = [row[1:] for row in rows if row[0] is WILD]
    return _useful(cx, default, vec[1:], kinds[1:])

# (They import this module, so imported last.)
from lolang.checker import exprs, stmts  # noqa: E402
