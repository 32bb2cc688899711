"""Drawing a program's data types, and the types of its values.

Every generic data type has a constructor whose fields include each type
parameter bare (`Box(a)`, `Cons(a, List a)`, `{ fst: a, snd: b }`), so
that a value built with it fixes the type arguments by itself; and every
variant's first constructor is not recursive, so that a value of any type
can always be built (`exprs.leaf`).
"""

from __future__ import annotations

from hilang.types import BOOL, F64, S64, STRING, U8, UNIT, ArrayType, DataType, MapType, Type, TypeVar

from .context import Ctx, Scope
from .types import CAPS, CTOR_NAMES, DATA_NAMES, FIELD_NAMES, KEYS, Ctor, Data

MAX_DATAS = len(DATA_NAMES)


def draw_datas(cx: Ctx) -> list[Data]:
    datas: list[Data] = []
    for i in range(cx.below(MAX_DATAS + 1)):
        datas.append(_draw_data(cx, i, datas))
    return datas


def _draw_data(cx: Ctx, i: int, earlier: list[Data]) -> Data:
    name, ctor_names = DATA_NAMES[i], CTOR_NAMES[i]
    params = ("a", "b")[: cx.choice([0, 0, 1, 1, 2])]
    shape = cx.choice(["positional", "record", "named"])
    if shape == "record":
        fields = _named_fields(cx, params, earlier, list(params))
        return Data(name, params, (Ctor(name, fields, True),), record=True)
    count = 2 + cx.below(2)
    ctors = []
    for j in range(count):
        bare = list(params) if j == count - 1 else []
        if shape == "named":
            ctors.append(Ctor(ctor_names[j], _named_fields(cx, params, earlier, bare), True))
        else:
            self_type = DataType(name, tuple(TypeVar(p) for p in params)) if j > 0 else None
            ctors.append(Ctor(ctor_names[j], _positional_fields(cx, params, earlier, bare, self_type), False))
    if shape == "named" and cx.chance(50):
        ctors = _share_a_field(cx, params, earlier, ctors)
    return Data(name, params, tuple(ctors), record=False)


def _positional_fields(cx, params, earlier, bare, self_type) -> tuple:
    fields = [TypeVar(p) for p in bare]
    for _ in range(cx.below(3)):
        if self_type is not None and cx.chance(35):
            fields.append(self_type)
        else:
            fields.append(field_type(cx, params, earlier))
    return tuple((None, t) for t in fields)


def _named_fields(cx, params, earlier, bare) -> tuple:
    names = list(FIELD_NAMES)
    fields = []
    for p in bare:
        fields.append((names.pop(0), TypeVar(p)))
    for _ in range(1 + cx.below(2)):
        fields.append((names.pop(0), field_type(cx, params, earlier)))
    return tuple(fields)


def _share_a_field(cx, params, earlier, ctors: list[Ctor]) -> list[Ctor]:
    """Give every constructor a field `w` of one type, so `e.w` is allowed."""
    shared = ("w", field_type(cx, params, earlier))
    return [Ctor(c.name, (shared,) + tuple(f for f in c.fields if f[0] != "w"), True) for c in ctors]


def field_type(cx: Ctx, params: tuple[str, ...], earlier: list[Data]) -> Type:
    """A field's type: primitives, parameters, options, earlier data types,
    and read-only containers of primitives (module doc of `types`)."""
    options = [
        (6, lambda: S64),
        (2, lambda: STRING),
        (1, lambda: BOOL),
        (1, lambda: F64),
        (1, lambda: U8),
        (1, lambda: UNIT),
        (1, lambda: DataType("Option", (cx.choice([S64, STRING, *map(TypeVar, params)]),))),
        (1, lambda: cx.choice([ArrayType(S64), ArrayType(STRING), MapType(STRING, S64)])),
    ]
    if params:
        options.append((3, lambda: TypeVar(cx.choice(list(params)))))
    if earlier:
        options.append((2, lambda: _apply(cx, cx.choice(earlier), [S64, STRING, *map(TypeVar, params)])))
    return cx.pick(options)


def _apply(cx: Ctx, data: Data, args: list[Type]) -> DataType:
    return DataType(data.name, tuple(cx.choice(args) for _ in data.params))


# --------------------------------------------------------------------------
# the types of values


def choose_type(cx: Ctx, sc: Scope, plain: bool = False, depth: int = 2, ground: bool = False) -> Type:
    """A type for a new value. `plain`: no containers (module doc of
    `types`); `ground`: no type variables."""
    options = [
        (6, lambda: S64),
        (3, lambda: STRING),
        (2, lambda: BOOL),
        (1, lambda: F64),
        (1, lambda: U8),
        (1, lambda: UNIT),
    ]
    if sc.fn.tvars and not ground:
        options.append((3, lambda: TypeVar(cx.choice(list(sc.fn.tvars)))))
    if depth > 0:
        inner = lambda: choose_type(cx, sc, True, depth - 1, ground)  # noqa: E731
        options.append((1, lambda: DataType("Option", (inner(),))))
        if cx.datas:
            options.append((4, lambda: _instance(cx, cx.choice(cx.datas), inner)))
        if not plain:
            options.append((4, lambda: ArrayType(_element(cx, sc, depth, ground), _caps(cx))))
            options.append((2, lambda: MapType(cx.choice(list(KEYS)), _element(cx, sc, depth, ground), _caps(cx))))
    return cx.pick(options)


def choose_heap_type(cx: Ctx, sc: Scope) -> Type:
    """A type whose values live in regions: containers and data values,
    the values the region passes to come must keep alive and free."""
    inner = lambda: choose_type(cx, sc, True, 1)  # noqa: E731
    options = [
        (3, lambda: ArrayType(_element(cx, sc, 2, False), "rwa")),
        (2, lambda: MapType(cx.choice(list(KEYS)), _element(cx, sc, 2, False), "rwa")),
    ]
    if cx.datas:
        options.append((3, lambda: _instance(cx, cx.choice(cx.datas), inner)))
    return cx.pick(options)


def _instance(cx: Ctx, data: Data, arg) -> DataType:
    return DataType(data.name, tuple(arg() for _ in data.params))


def _element(cx: Ctx, sc: Scope, depth: int, ground: bool) -> Type:
    """A container's element: a plain type, or (one level down) a
    container of plain values: `Array (Array Tree)`, `Map String (mut
    Array String)`, a map of maps."""
    if depth > 1 and cx.chance(25):
        inner = choose_type(cx, sc, True, 1, ground)
        caps = cx.choice(["r", "rwa"])
        if cx.chance(25):
            return MapType(cx.choice(list(KEYS)), inner, caps)
        return ArrayType(inner, caps)
    return choose_type(cx, sc, True, depth - 1, ground)


def _caps(cx: Ctx) -> str:
    """Mostly {rwa}: what a new container has, and what can grow."""
    return cx.pick([(4, lambda: "rwa"), (1, lambda: "r"), (1, lambda: "rw")])


def param_caps(cx: Ctx) -> str:
    return cx.choice(list(CAPS))
