"""The state of compiling one lolang function: the IR builder, the scopes
that map names to storage, the cleanups pending on the way out of region
and owned-unpack blocks, the enclosing loops, and the helpers every emitter
shares (constants, runtime errors, dead code after a jump).

Names and regions. Variables live in `alloca`s of the entry block (LLVM's
mem2reg makes registers of them). A region name written in the program
(`new[q]`, `f[q](...)`) resolves lexically to the checker's uid for it; a
region read off a type (the region of `xs` in `push(xs, v)`) is already a
uid, because the checker records types with uids (lolang/checker/context.py).
Either way the uid maps to the region id, an i64 SSA value. The checker's
result says which uid each binder (region parameter, `region` and `unpack`
block) opens, so a type's uid finds the right region even where a name is
shadowed (nested `unpack .. as s` blocks).

Cleanups. A `region` block holds one reference and an owned `unpack` one;
both are released whenever control leaves the block: its end, or a
`break`, `continue` or `return` from inside (docs/lolang.md §5.1). Each
such block pushes its region id on `cleanups` while its body is emitted;
a jump out releases, innermost first, every id pushed since the jump's
target was entered. A runtime error ends the program, so it needs none.
"""

from __future__ import annotations

from dataclasses import dataclass

from llvmlite import ir as ll

from diagnostics import CompilerBug
from lolang import ir
from lolang.codegen import types as T


@dataclass
class Loop:
    again: ll.Block      # where `continue` goes (the condition)
    done: ll.Block       # where `break` goes
    depth: int           # len(cleanups) when the loop was entered


class FunctionEmitter:
    """One function being compiled (`module_cx` is the module's context)."""

    def __init__(self, module_cx, decl: ir.FunDecl, func: ll.Function):
        self.module_cx = module_cx
        self.decl = decl
        self.func = func
        self.depth = func.args[0]  # this call's depth (module.py, "Call depth")
        self.recursion = func  # what a call of this function itself calls (module.py, TWIN)
        self.depth.name = "depth"
        self.profile_site = None  # --profile: the allocating expression being emitted
        self.reserve_before = None  # where the room for the result is taken, if it is (codegen/reserve.py)
        self.reserve_for = None
        self.reserved: dict[int, tuple] = {}  # id(new) -> (region, room) taken for it
        self.checked = module_cx.checked
        self.types = module_cx.checked.types
        entry = func.append_basic_block("entry")
        self.entry = ll.IRBuilder(entry)
        body = func.append_basic_block("body")
        self.entry.branch(body)
        self.entry.position_at_start(entry)
        self.b = ll.IRBuilder(body)
        self.scopes: list[dict] = [{("u", ir.PRIMITIVE_REGION): T.I64(0), ("r", ir.PRIMITIVE_REGION): ir.PRIMITIVE_REGION}]
        self.cleanups: list[ll.Value] = []
        self.loops: list[Loop] = []
        # id(storage) of a reuse token of a constructor arm -> (the
        # constructor matched, the storage of the variable taken out of
        # each field or None): codegen/reuse.py
        self.reuse_tokens: dict[int, tuple] = {}
        # id(region id value) -> its region struct, looked up where the
        # region is bound (codegen/regions.py, "Region structs")
        self.structs: dict[int, ll.Value] = {}
        self.struct_uses: dict[int, int] = {}
        self.fresh = None  # the region block just opened (codegen/regions.py, is_fresh)
        self.fresh_new = None  # the last `new` made in a fresh region
        self.map_found: dict[tuple[str, str], ll.Value] = {}  # codegen/objects.py, found_value
        self.contains_found = None  # the value address the last `contains` emitted found
        self.region_results: dict[int, list] = {}  # id(pack) -> [region, retained at the block's end]

    # ------------------------------------------------------------ scopes

    def push(self) -> None:
        self.scopes.append({})

    def pop(self) -> None:
        self.scopes.pop()

    def _find(self, key):
        for scope in reversed(self.scopes):
            if key in scope:
                return scope[key]
        raise CompilerBug(f"llvm: '{key[1]}' is not bound in '{self.decl.name}' (was the program checked?)")

    def bind_parameters(self) -> None:
        """The function's region parameters and parameters, by name, to its
        arguments (after the hidden call depth; each region parameter is
        followed, after the last of them, by its struct: codegen/regions.py,
        "Region structs")."""
        fun, func = self.decl, self.func
        n = len(fun.regions)
        regions, structs = func.args[1: 1 + n], func.args[1 + n: 1 + 2 * n]
        for region, uid, arg, struct in zip(fun.regions, self.module_cx.checked.region_params(fun), regions, structs):
            arg.name = region.name
            struct.name = f"{region.name}.struct"
            self.bind_region(region.name, uid, arg)
            self.structs[id(arg)] = struct
        for param, arg in zip(fun.params, func.args[1 + 2 * n:]):
            arg.name = param.name
            self.bind_var(param.name, arg)

    def bind_region(self, name: str, uid: str, value: ll.Value) -> None:
        scope = self.scopes[-1]
        scope[("r", name)] = uid
        scope[("u", uid)] = value

    def look_up_struct(self, rid: ll.Value) -> None:
        """Look the struct of the region `rid` up here, where it is bound,
        for every use of it in the function (codegen/regions.py, "Region
        structs"); LLVM deletes the loads if nothing uses them."""
        from lolang.codegen.regions import region_struct

        if not isinstance(rid, ll.Constant):  # P's id, 0, is a constant used anywhere: not cached
            self.structs[id(rid)] = region_struct(self, rid)

    def forget_structs(self) -> None:
        """After a `merge`: the child's struct moves, and so does that of
        any region unpacked from a pack of it (an `unpack` cannot tell):
        from here on every struct is looked up where it is used."""
        self.structs.clear()

    def rebind_uid(self, uid: str, value: ll.Value) -> None:
        """From here to the end of the current block, region `uid` is the
        region whose id is `value` (`merge`)."""
        self.scopes[-1][("u", uid)] = value

    def region(self, name: str) -> ll.Value:
        """The id of the region written `name` here."""
        return self._find(("u", self._find(("r", name))))

    def region_of(self, t) -> ll.Value:
        """The id of the region a reference type `T @uid` points into."""
        if not isinstance(t, ir.RefType):
            raise CompilerBug(f"llvm: expected a reference type, got {t!r}")
        return self._find(("u", t.region))

    def bind_var(self, name: str, value: ll.Value, lltype: ll.Type | None = None) -> ll.Value:
        """A new variable holding `value`; returns its storage."""
        lltype = lltype or value.type
        slot = self.entry.alloca(lltype, name=name)
        self.b.store(coerce(value, lltype), slot)
        self.scopes[-1][("v", name)] = slot
        return slot

    def var(self, name: str) -> ll.Value:
        return self._find(("v", name))

    def type_of(self, e):
        try:
            return self.types[id(e)]
        except KeyError:
            raise CompilerBug(f"llvm: no type recorded for a {type(e).__name__} in '{self.decl.name}'") from None

    def llvm_type_of(self, e) -> ll.Type:
        return T.value_type(self.type_of(e))

    # ------------------------------------------------------------ control

    def block(self, name: str) -> ll.Block:
        return self.func.append_basic_block(name)

    def live_block(self) -> None:
        """After a jump (return, break, continue, a runtime error), what
        follows is dead: emit it into a fresh block nothing branches to,
        which keeps every block well-formed; LLVM deletes it."""
        if self.b.block.is_terminated:
            self.b.position_at_end(self.block("dead"))

    def release_to(self, depth: int) -> None:
        """Release, innermost first, the references held by the blocks
        being left (those entered since `cleanups` had `depth` entries)."""
        from lolang.codegen.regions import release

        for rid in reversed(self.cleanups[depth:]):
            release(self, rid)

    # ------------------------------------------------------------ errors

    def position(self, pos: ir.Pos | None) -> tuple[ll.Value, ll.Value]:
        if pos is None:
            return T.I32(0), T.I32(0)
        return T.I32(pos.line), T.I32(pos.col)

    def guard(self, failed: ll.Value, name: str, fail) -> None:
        """Run `fail()` (which must not return) when `failed` is true;
        continue in a fresh block otherwise."""
        bad, ok = self.block(f"{name}.fail"), self.block(f"{name}.ok")
        self.b.cbranch(failed, bad, ok)
        self.b.position_at_end(bad)
        fail()
        self.b.unreachable()
        self.b.position_at_end(ok)

    def panic(self, kind: int, pos: ir.Pos | None, a: ll.Value | None = None, b: ll.Value | None = None) -> None:
        """`runtime error: ...` with the runtime's text for `kind`."""
        line, col = self.position(pos)
        self.b.call(self.module_cx.runtime("hic_panic"), [T.I32(kind), line, col, a or T.I64(0), b or T.I64(0)])


def coerce(value: ll.Value, lltype: ll.Type) -> ll.Value:
    """`value` as `lltype`. They differ only for a value of the checker's
    never-finishing type, emitted into dead code: any value will do."""
    if value.type == lltype:
        return value
    return T.undef(lltype)


# Runtime error kinds (runtime/hic_runtime.h, enum hic_error_kind).
DIVISION_BY_ZERO = 1
INDEX_OUT_OF_RANGE = 2
POP_EMPTY = 3
MALFORMED_INT = 4
NEGATIVE_ARRAY_SIZE = 5
STACK_OVERFLOW = 6
OUT_OF_MEMORY = 7
TRUNC_OUT_OF_RANGE = 8
KEY_NOT_FOUND = 9
# Raised by the runtime's hic_string_sub itself, never by generated code;
# listed so that every kind of the header has its mirror here.
SUBSTR_RANGE = 10
SUBSTR_END = 11
