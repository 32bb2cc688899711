"""How a value of a data type is represented (docs/native.md, "Data
values"; the sizes are docs/lolang.md §9's).

* A constructor without fields is an *immediate*: the value is not a
  pointer to an object but the small integer `k` (as a `ptr`), `k` its
  index among the type's constructors without fields. No object is ever
  made for it, in any region; real objects are never in the first page of
  memory, so `k` can never be an object's address.
* A constructor with fields is an object: a tag word (the constructor's
  index in the declaration) and then its slots, except that a type with
  only one constructor with fields has no tag word at all: its objects are
  their slots.

So `data Tree = Empty | Node(Tree, Tree)` is C's `struct node {left,
right}` with `Empty` the null pointer, and a `match` tells Empty from Node
without reading memory. A type with two or more constructors with fields
reads the tag only once the value is known not to be an immediate.
"""

from __future__ import annotations

from dataclasses import dataclass

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import types as T


@dataclass(frozen=True)
class DataLayout:
    data: ir.DataDecl
    tagged: bool                      # boxed objects start with a tag word
    immediates: dict[str, int]        # constructor without fields -> its value
    tags: dict[str, int]              # constructor -> its index in the declaration

    @staticmethod
    def of(data: ir.DataDecl) -> "DataLayout":
        nullary = [c.name for c in data.ctors if not c.fields]
        return DataLayout(data, ir.tagged(data), {name: k for k, name in enumerate(nullary)},
                          {c.name: i for i, c in enumerate(data.ctors)})

    def field_offsets(self, ctor: ir.CtorDecl) -> list[int]:
        offsets, at = [], ir.data_header(self.data)
        for f in ctor.fields:
            offsets.append(at)
            at += ir.slot_size(f.type)
        return offsets

    def size(self, ctor: ir.CtorDecl) -> int:
        return ir.data_size(self.data, ctor)

    def immediate(self, name: str) -> ll.Constant:
        """The value of the constructor without fields `name`."""
        return ll.Constant(T.I64, self.immediates[name]).inttoptr(T.PTR)

    def is_ctor(self, b: ll.IRBuilder, value: ll.Value, name: str, fail: ll.Block, branch) -> None:
        """Continue when `value` was made by constructor `name`, else go to
        `fail`; `branch(ok, fail)` emits each test."""
        if name in self.immediates:
            if len(self.data.ctors) > 1:
                branch(b.icmp_unsigned("==", value, self.immediate(name)), fail)
            return
        if self.immediates:  # an object, not an immediate
            bound = ll.Constant(T.I64, len(self.immediates))
            branch(b.icmp_unsigned(">=", b.ptrtoint(value, T.I64), bound), fail)
        if self.tagged:
            branch(b.icmp_signed("==", b.load(value, typ=T.I64), T.I64(self.tags[name])), fail)
