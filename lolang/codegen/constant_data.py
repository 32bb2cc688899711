"""Array literals of constants as constant data.

`new[r] Array S64 [0, 7, 14, ...]` with one store per element is one
basic block of N stores, and LLVM's code generation is quadratic in it
(DSE, the DAG instruction selector's store merging, the machine
scheduler): 10,000 integers took a minute to compile. So a literal whose
elements are all constants -- integer, float, Bool and Unit literals, and
`-` or `!` of them -- and which has more than `SPLIT_LIMIT` of them keeps
its elements as a private constant global laid out as the array's storage
(the slot form of each element, codegen/types.py), and fills the storage
with one `llvm.memcpy` from it: the function's code no longer grows with
N, and neither does LLVM's work on it.

Nothing a program can observe changes: the header and the storage are
allocated as before (the same allocs and bytes), and the elements have no
effects of their own, so they need no evaluating in order. Shorter
literals keep their stores, as clang splits a constant initializer of 64
bytes or less into stores: a few stores of immediates are cheaper to
compile and to run than a global and a copy. Identical literals share
one global (module.py, `ModuleContext.array_data`).
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import types as T

# Literals of at most this many elements (64 bytes) are stored element by element.
SPLIT_LIMIT = 8

_S64_BITS = 64


def storage_data(module_cx, elem, elems) -> ll.GlobalVariable | None:
    """The constant global holding the storage of the array literal
    `new[r] Array elem [elems]`, or None when its elements are not all
    constants or are too few to be worth one."""
    if len(elems) <= SPLIT_LIMIT or not isinstance(elem, ir.PrimType):
        return None
    words = []
    for e in elems:
        word = _slot_word(e)
        if word is None:
            return None
        words.append(word)
    return module_cx.array_data(T.slot_type(elem), tuple(words))


def _slot_word(e) -> int | float | None:
    """The slot form of the constant `e` (an i64 for S64, U8, Bool and
    Unit, as codegen/types.py stores them, a double for F64), or None when
    `e` is not a constant."""
    match e:
        case ir.IntLit(value, u8):
            return value % 256 if u8 else _wrap(value)
        case ir.FloatLit():
            return e.value
        case ir.BoolLit(value):
            return int(value)
        case ir.UnitLit():
            return 0
        case ir.Unary("-", operand):
            word = _slot_word(operand)
            if word is None:
                return None
            if isinstance(word, float):
                return -word  # fneg: flips the sign, NaN and zeros included
            return (-word) % 256 if _is_u8(operand) else _wrap(-word)
        case ir.Unary("!", operand):
            word = _slot_word(operand)
            return None if word is None else 1 - word
    return None


def _is_u8(e) -> bool:
    """Whether the integer constant `e` is a U8 (a U8 literal under `-`s)."""
    while isinstance(e, ir.Unary):
        e = e.operand
    return isinstance(e, ir.IntLit) and e.u8


def _wrap(value: int) -> int:
    """`value` as a signed 64-bit integer (S64 arithmetic wraps)."""
    value %= 1 << _S64_BITS
    return value - (1 << _S64_BITS) if value >= 1 << (_S64_BITS - 1) else value
