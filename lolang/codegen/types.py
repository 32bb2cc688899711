"""lolang types as LLVM types, and how a slot of each is stored.

The layouts are the C runtime's (runtime/hic_runtime.h) and docs/lolang.md
§9's sizes: a slot is 8 bytes, or 16 for a pack. Data values are
codegen/layout.py's.

| lolang                       | value in a register | slot in memory |
|------------------------------|---------------------|----------------|
| `S64`                        | i64                 | i64            |
| `U8`                         | i8                  | i64 (zero-extended) |
| `F64`                        | double              | double         |
| `Bool`                       | i1                  | i64            |
| `Unit`                       | i8 (always 0)       | i64            |
| `T @r`, bare object slot     | ptr                 | ptr            |
| `Pack{c} T`, `&Pack{c} T`    | {ptr, i64}          | {ptr, i64}     |

Bool and U8 widen in memory so that every primitive slot is one word, as
the object sizes say; in registers they keep their natural width so that
arithmetic wraps where it should (U8 modulo 256).
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir

I1 = ll.IntType(1)
I8 = ll.IntType(8)
I32 = ll.IntType(32)
I64 = ll.IntType(64)
F64 = ll.DoubleType()
PTR = ll.PointerType()
VOID = ll.VoidType()
PACK = ll.LiteralStructType([PTR, I64])

# The type the checker gives a block that never finishes; its value is
# never used, so any placeholder will do.
NEVER_NAME = "!"

_PRIM_VALUES = {"S64": I64, "U8": I8, "F64": F64, "Bool": I1, "Unit": I8, NEVER_NAME: I8}
_PRIM_SLOTS = {"S64": I64, "U8": I64, "F64": F64, "Bool": I64, "Unit": I64}


def _prim_value(t: ir.PrimType) -> ll.Type:
    return _PRIM_VALUES[t.name]


def _prim_slot(t: ir.PrimType) -> ll.Type:
    return _PRIM_SLOTS[t.name]


# lolang type class -> its value type in a register
VALUE_TYPES = {
    ir.PrimType: _prim_value,
    ir.RefType: lambda t: PTR,
    ir.PackType: lambda t: PACK,
    ir.BorrowType: lambda t: PACK,
    # A bare object type as a value only arises from a slot read: a reference.
    ir.DataType: lambda t: PTR,
    ir.StringType: lambda t: PTR,
    ir.ArrayType: lambda t: PTR,
    ir.MapType: lambda t: PTR,
}

# lolang slot type class -> how the slot is laid out in memory
SLOT_TYPES = {
    ir.PrimType: _prim_slot,
    ir.PackType: lambda t: PACK,
    ir.DataType: lambda t: PTR,
    ir.StringType: lambda t: PTR,
    ir.ArrayType: lambda t: PTR,
    ir.MapType: lambda t: PTR,
}


def value_type(t) -> ll.Type:
    """The LLVM type of a value of lolang type `t` in a register."""
    return VALUE_TYPES[type(t)](t)


def slot_type(t) -> ll.Type:
    """The LLVM type of a slot of lolang slot type `t` in memory."""
    return SLOT_TYPES[type(t)](t)


def slot_size(t) -> int:
    return ir.slot_size(t)


def is_pack(t) -> bool:
    return isinstance(t, (ir.PackType, ir.BorrowType))


def is_prim(t, *names: str) -> bool:
    return isinstance(t, ir.PrimType) and (not names or t.name in names)


def to_slot(builder: ll.IRBuilder, t, value: ll.Value) -> ll.Value:
    """A register value of slot type `t` in its memory form."""
    if isinstance(t, ir.PrimType) and t.name in ("U8", "Bool", "Unit"):
        if value.type != I64:
            return builder.zext(value, I64)
    return value


def from_slot(builder: ll.IRBuilder, t, value: ll.Value) -> ll.Value:
    """A slot's memory form of slot type `t` as a register value."""
    if isinstance(t, ir.PrimType) and t.name in ("U8", "Bool", "Unit"):
        return builder.trunc(value, _prim_value(t))
    return value


def load_slot(builder: ll.IRBuilder, t, address: ll.Value) -> ll.Value:
    return from_slot(builder, t, builder.load(address, typ=slot_type(t)))


def store_slot(builder: ll.IRBuilder, t, value: ll.Value, address: ll.Value) -> None:
    builder.store(to_slot(builder, t, value), address)


def undef(t: ll.Type) -> ll.Value:
    return ll.Constant(t, ll.Undefined)
