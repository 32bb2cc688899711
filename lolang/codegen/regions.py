"""Regions at run time: allocation, reference counts, and the lolang
constructs that open, pack, unpack, copy, drop and merge them.

Allocation is the runtime's `hic_alloc` (runtime/hic_runtime.h) in IR:
find the region struct (`hic_region_table[slot]`), bump `cur` if the
object fits before `end` (which counts it in the region's bytes), add to
the global counters, and only when the chunk is full call
`hic_alloc_slow`. The primitive region P has
no chunk (cur == end == NULL), so it always takes the slow path, which
counts its objects as allocs but not as bytes, as the lolang interpreter
does.

Retain and release are inlined the same way: an id of 0 (P) is never
counted; a release that would bring the count to 0 calls `hic_release`,
which frees the region and everything it held, and so does a release of a
region that holds packs (`holds` != 0): that one may have cut a cycle
loose, and the runtime makes it a candidate of the cycle collector. The
liveness checks of the runtime's out-of-line versions are skipped on the
fast path: the checker has proved that a checked program never uses a dead
region.

Region structs. A live region's struct never moves unless the region is
merged into another (`hic_region_merge` gives the child a new one), and
only a `region` block of the function itself can be merged there. So a
function looks a region's struct up once, where the region is bound (a
`region` block right after creating it, an `unpack` where it unpacks),
and its callers hand it each region parameter's struct as a hidden
argument after the region ids (`FunctionEmitter.structs`): allocating,
retaining, holding in and ending a region load no table. After a `merge`
every struct is forgotten (looked up again at each use): the child's
moves, and a region unpacked from a pack of the child is the child.

Fresh regions. The first `new` in a region block that has called nothing
but retains since it opened (`is_fresh`) knows the region holds no pack
and is neither held nor merged: its pack fields are recorded in the
region's inline places by plain stores (`hold_fresh`), not `hic.hold`.
A block whose value packs an object of its own region (`region q { ..;
pack{r} new[q] C(..) }`) retains for the pack and releases for the block
at its end in one helper (`hic.region_end_packed`): the count is left as
it is unless the region holds packs; both are counted as before. When the
packed object is the fresh region's first, the region was never released,
so it is no cycle candidate yet: `hic.region_end_fresh` then calls
`hic_release` without `hic.release_holding`'s test.

Counts happen exactly where the lolang interpreter counts them
(docs/lolang.md §5): `pack` and `copy` retain; `drop`, the end of a
`region` block and of an owned `unpack` release; storing an owned pack
into an object records it in the object's region (`hic_region_hold`).
"""

from __future__ import annotations

from llvmlite import ir as ll

from diagnostics import CompilerBug
from lolang import ir
from lolang.traverse import unpack_borrows
from lolang.codegen import types as T
from lolang.codegen.function import FunctionEmitter

# struct hic_region (runtime/hic_runtime.h): byte offsets (tests/test_runtime_abi.py
# compares them with the header's)
# and widths: `refs` is an i32; `holds` (36) is an i32 word, nonzero when
# the region holds packs: the table's length, or inline, the places' i16
# counts; the inline places record i32 slots (`held.slots`, 40)
CUR, END, BYTES_LESS_CUR, REFS, HOLDS = 0, 8, 16, 32, 36
HELD_COUNTS, HELD_SLOTS, HOLD_LOG2, FLAGS, BUFFERED = 36, 40, 56, 60, 61
INLINE_HOLDS = 2
COUNT_MAX = 0xFFFF  # an inline place's count: beyond it, the runtime's table
I16 = ll.IntType(16)  # its type
# its flags
MERGED, UNKEPT, HELD = 1, 2, 4
# struct hic_counters: byte offsets
ALLOCS, BYTES_ALLOCATED, BYTES_FREED, RETAINS, RELEASES = 0, 8, 16, 64, 72
# struct hic_cycle_marks: byte offsets
MARKS_ROUND, MARKS_RECHECK = 0, 1
# struct hic_cycles_due: byte offsets
DUE_COUNT, DUE_THRESHOLD, DUE_BYTES_TRIGGER = 0, 8, 16


# Uses of one looked-up region struct at most; later ones look it up again
# (a 5,000-deep array literal made one region's struct live across 5,000
# calls: the JIT's code generation took 6.3 s instead of 1.2; with 64 uses
# 1.9 s, with 16 1.5 s; no benchmark uses one struct more than 16 times).
STRUCT_USES = 16


def field(fn: FunctionEmitter, base: ll.Value, offset: int) -> ll.Value:
    """The address `offset` bytes past `base`."""
    if offset == 0:
        return base
    return fn.b.gep(base, [T.I64(offset)], source_etype=T.I8)


def bump(fn: FunctionEmitter, address: ll.Value, amount: int | ll.Value, typ=T.I64) -> None:
    """`*address += amount` on an i64 (or `typ`)."""
    b = fn.b
    value = b.load(address, typ=typ)
    b.store(b.add(value, amount if isinstance(amount, ll.Value) else typ(amount)), address)


def bump_refs(fn: FunctionEmitter, r: ll.Value, amount: int) -> None:
    """A region's count (an i32) up by `amount`."""
    bump(fn, field(fn, r, REFS), amount, T.I32)


def slot_of(fn: FunctionEmitter, rid: ll.Value) -> ll.Value:
    """An id's slot, as an inline place records it (an i32)."""
    return fn.b.trunc(rid, T.I32)


def region_struct(fn: FunctionEmitter, rid: ll.Value) -> ll.Value:
    """`hic_region_of(rid)`: the region struct of a live id: the one looked
    up where the region was bound, if it was ("Region structs" in the
    module docstring), else from the table, loaded afresh (it moves
    whenever a region is created)."""
    structs = getattr(fn, "structs", None)
    cached = structs.get(id(rid)) if structs else None
    if cached is not None:
        fn.struct_uses[id(rid)] = uses = fn.struct_uses.get(id(rid), 0) + 1
        if uses >= STRUCT_USES:
            del structs[id(rid)]  # LLVM's code generation at -O0 (the JIT) is
            # quadratic in one value used across thousands of calls
        return cached
    b = fn.b
    table = b.load(fn.module_cx.region_table, typ=T.PTR)
    slot = b.and_(rid, T.I64(0xFFFFFFFF))
    return b.load(b.gep(table, [slot], source_etype=T.PTR), typ=T.PTR)


class _Body:
    """A helper function being emitted: offers what the emitters below use
    of a `FunctionEmitter` (`b`, `module_cx`, `block`)."""

    def __init__(self, module_cx, func: ll.Function):
        self.module_cx = module_cx
        self.func = func
        self.b = ll.IRBuilder(func.append_basic_block("entry"))

    def block(self, name: str) -> ll.Block:
        return self.func.append_basic_block(name)


def helper(module_cx, name: str, ret: ll.Type, params: list[ll.Type], emit, inline: bool | str = True) -> ll.Function:
    """The module's internal function `hic.<name>`, emitted on first use.
    Each is small and marked `inlinehint`: LLVM's inliner copies it into
    its callers (the fast paths end up inline), while the IR text stays one
    copy, which keeps code generation and the JIT quick. `inline` False
    marks it `noinline`, "always" `alwaysinline` (a test of a few
    instructions that must be inline even in a caller as big as rbtree's
    `ins`, where LLVM's inliner leaves `inlinehint` helpers out of line)."""
    func = module_cx.helpers.get(name)
    if func is None:
        func = ll.Function(module_cx.module, ll.FunctionType(ret, params), f"hic.{name}")
        func.linkage = "internal"
        func.attributes.add({True: "inlinehint", False: "noinline", "always": "alwaysinline"}[inline])
        func.attributes.add("nounwind")
        module_cx.helpers[name] = func
        emit(_Body(module_cx, func), *func.args)
    return func


def alloc_object(fn: FunctionEmitter, rid: ll.Value, size: int) -> ll.Value:
    """One object of `size` bytes in region `rid`: the fast path (out of
    line when compiled for --profile, where the runtime counts it).

    The fast path moves `cur` by exactly `size` and so counts the object
    in the region's bytes with no store of its own (`hic_region_bytes_of`
    in runtime/hic_runtime.h): every object size is a multiple of 8."""
    if size % 8:
        raise CompilerBug(f"llvm: an object of {size} bytes (sizes are multiples of 8)")
    if fn.module_cx.sites is not None:
        return fn.b.call(fn.module_cx.runtime("hic_region_alloc"), [region_struct(fn, rid), T.I64(size)])
    return fn.b.call(helper(fn.module_cx, "alloc", T.PTR, [T.PTR, T.I64], _emit_alloc),
                     [region_struct(fn, rid), T.I64(size)])


def _emit_alloc(fn: _Body, r: ll.Value, size: ll.Value) -> None:
    b = fn.b
    cur = b.load(r, typ=T.PTR)
    end = b.load(field(fn, r, END), typ=T.PTR)
    room = b.sub(b.ptrtoint(end, T.I64), b.ptrtoint(cur, T.I64))
    fast, slow = fn.block("fast"), fn.block("slow")
    b.cbranch(b.icmp_unsigned("<=", size, room), fast, slow)
    b.position_at_end(fast)
    b.store(b.gep(cur, [size], source_etype=T.I8), r)
    bump(fn, field(fn, fn.module_cx.counters, ALLOCS), 1)
    bump(fn, field(fn, fn.module_cx.counters, BYTES_ALLOCATED), size)
    b.ret(cur)
    b.position_at_end(slow)
    b.ret(b.call(fn.module_cx.runtime("hic_alloc_slow"), [r, size]))


def retain(fn: FunctionEmitter, rid: ll.Value) -> None:
    if id(rid) in getattr(fn, "structs", {}):  # its struct is known: no look-up
        fn.b.call(helper(fn.module_cx, "retain_in", T.VOID, [T.I64, T.PTR], _emit_retain), [rid, region_struct(fn, rid)])
        return
    fn.b.call(helper(fn.module_cx, "retain", T.VOID, [T.I64], _emit_retain), [rid])


def _emit_retain(fn: _Body, rid: ll.Value, r: ll.Value | None = None) -> None:
    b = fn.b
    counted, done = fn.block("counted"), fn.block("done")
    b.cbranch(b.icmp_unsigned("!=", rid, T.I64(0)), counted, done)
    b.position_at_end(counted)
    bump_refs(fn, r if r is not None else region_struct(fn, rid), 1)
    bump(fn, field(fn, fn.module_cx.counters, RETAINS), 1)
    b.branch(done)
    b.position_at_end(done)
    b.ret_void()


def release(fn: FunctionEmitter, rid: ll.Value, always_inline: bool = False) -> None:
    """One release of `rid`: `hic.release`, or with `always_inline` its
    twin `hic.release_inline`, marked `alwaysinline` (the releases of
    `match reset` and `reuse`, in functions as big as rbtree's `ins`,
    where LLVM's inliner leaves `hic.release` a call: P colors, shared
    cells)."""
    name, inline = ("release_inline", "always") if always_inline else ("release", True)
    fn.b.call(helper(fn.module_cx, name, T.VOID, [T.I64], _emit_release, inline=inline), [rid])


def _emit_release(fn: _Body, rid: ll.Value) -> None:
    """Down by one, inline, when the region stays alive and holds nothing;
    else `hic.release_holding`."""
    b = fn.b
    check, decrement, call, done = (fn.block(n) for n in ("counted", "decrement", "runtime", "done"))
    b.cbranch(b.icmp_unsigned("!=", rid, T.I64(0)), check, done)
    b.position_at_end(check)
    r = region_struct(fn, rid)
    refs = field(fn, r, REFS)
    count = b.load(refs, typ=T.I32)
    holds = b.load(field(fn, r, HOLDS), typ=T.I32)
    plain = b.and_(b.icmp_signed(">", count, T.I32(1)), b.icmp_unsigned("==", holds, T.I32(0)))
    b.cbranch(plain, decrement, call)
    b.position_at_end(decrement)
    b.store(b.sub(count, T.I32(1)), refs)
    bump(fn, field(fn, fn.module_cx.counters, RELEASES), 1)
    b.branch(done)
    b.position_at_end(call)
    release_holding(fn, rid, r)
    b.branch(done)
    b.position_at_end(done)
    b.ret_void()


def release_holding(fn, rid: ll.Value, r: ll.Value) -> None:
    fn.b.call(helper(fn.module_cx, "release_holding", T.VOID, [T.I64, T.PTR], _emit_release_holding, inline=False),
              [rid, r])


def _emit_release_holding(fn: _Body, rid: ll.Value, r: ll.Value) -> None:
    """The rest of the release, a function of the module (not inlined: it
    would make every release site bigger): still down by one, without the
    runtime, when the region stays alive and is a candidate of the cycle
    collector already with nothing to add (`hic_cycle_marks`,
    runtime/cycles.c); or when it stays alive and becomes a candidate
    whose id is not kept (no region is CYCLIC: `recheck` is 0), which is
    counted here as the runtime's `buffer_candidate` would, then
    `hic_collect_cycles` if a collection is due (`hic_cycles_due`); else
    `hic_release`."""
    b = fn.b
    alive, buffered_now, decrement = fn.block("alive"), fn.block("buffered"), fn.block("decrement")
    unbuffered, candidate, collect = fn.block("unbuffered"), fn.block("candidate"), fn.block("collect")
    call = fn.block("runtime")
    refs = field(fn, r, REFS)
    count = b.load(refs, typ=T.I32)
    b.cbranch(b.icmp_signed(">", count, T.I32(1)), alive, call)
    b.position_at_end(alive)
    marks = fn.module_cx.cycle_marks
    buffered_at = field(fn, r, BUFFERED)
    flags_at = field(fn, r, FLAGS)
    round_ = b.load(field(fn, marks, MARKS_ROUND), typ=T.I8)
    b.cbranch(b.icmp_unsigned("==", b.load(buffered_at, typ=T.I8), round_), buffered_now, unbuffered)
    b.position_at_end(buffered_now)  # a candidate already: settled unless a flag needs the runtime
    recheck = b.load(field(fn, marks, MARKS_RECHECK), typ=T.I8)
    flags = b.load(flags_at, typ=T.I8)
    b.cbranch(b.icmp_unsigned("==", b.and_(flags, recheck), T.I8(0)), decrement, call)
    b.position_at_end(decrement)
    b.store(b.sub(count, T.I32(1)), refs)
    bump(fn, field(fn, fn.module_cx.counters, RELEASES), 1)
    b.ret_void()
    b.position_at_end(unbuffered)  # a new candidate: its id is kept only while some region is CYCLIC
    recheck = b.load(field(fn, marks, MARKS_RECHECK), typ=T.I8)
    b.cbranch(b.icmp_unsigned("==", recheck, T.I8(0)), candidate, call)
    b.position_at_end(candidate)
    b.store(b.sub(count, T.I32(1)), refs)
    bump(fn, field(fn, fn.module_cx.counters, RELEASES), 1)
    _become_candidate(fn, r, round_, collect)
    b.position_at_end(call)
    b.call(fn.module_cx.runtime("hic_release"), [rid])
    b.ret_void()


def _become_candidate(fn: _Body, r: ll.Value, round_: ll.Value, collect: ll.Block) -> None:
    """A region a release left alive holding packs, not a candidate yet,
    whose id is not kept (`recheck` is 0), becomes a candidate of the
    cycle collector as the runtime's `buffer_candidate` makes it one
    (`buffered = round`, flag `UNKEPT`, `hic_cycles_due.count + 1`), then
    `hic_collect_cycles` if a collection is due; returns."""
    b = fn.b
    buffered_at, flags_at = field(fn, r, BUFFERED), field(fn, r, FLAGS)
    b.store(round_, buffered_at)
    b.store(b.or_(b.load(flags_at, typ=T.I8), T.I8(UNKEPT)), flags_at)
    due = fn.module_cx.cycles_due
    due_count = b.add(b.load(field(fn, due, DUE_COUNT), typ=T.I64), T.I64(1))
    b.store(due_count, field(fn, due, DUE_COUNT))
    counters = fn.module_cx.counters
    live_bytes = b.sub(b.load(field(fn, counters, BYTES_ALLOCATED), typ=T.I64),
                       b.load(field(fn, counters, BYTES_FREED), typ=T.I64))
    now = b.or_(b.icmp_unsigned(">=", due_count, b.load(field(fn, due, DUE_THRESHOLD), typ=T.I64)),
                b.icmp_unsigned(">=", live_bytes, b.load(field(fn, due, DUE_BYTES_TRIGGER), typ=T.I64)))
    done = fn.block("done")
    b.cbranch(now, collect, done)
    b.position_at_end(done)
    b.ret_void()
    b.position_at_end(collect)
    b.call(fn.module_cx.runtime("hic_collect_cycles"), [])
    b.ret_void()


def hold_any(fn: FunctionEmitter, owner: ll.Value, held: ll.Value) -> None:
    """`hold` of an id that is P more often than not (a reused object's
    `_` field given a static color): `hic.hold_any` tests it inline and
    calls `hic.hold` for any other."""
    fn.b.call(helper(fn.module_cx, "hold_any", T.VOID, [T.I64, T.I64], _emit_hold_any, inline="always"),
              [owner, held])


def _emit_hold_any(fn: _Body, owner: ll.Value, held: ll.Value) -> None:
    b = fn.b
    with b.if_then(b.icmp_unsigned("!=", held, T.I64(0))):
        b.call(helper(fn.module_cx, "hold", T.VOID, [T.PTR, T.I64, T.I64], _emit_hold, inline=False),
               [region_struct(fn, owner), owner, held])
    b.ret_void()


def unhold(fn: FunctionEmitter, owner: ll.Value, held: ll.Value) -> None:
    """`hic_region_unhold`, which does nothing for a P id, called only for
    another (`hic.unhold`, inline): a reset's `_` color field is P."""
    fn.b.call(helper(fn.module_cx, "unhold", T.VOID, [T.I64, T.I64], _emit_unhold, inline="always"), [owner, held])


def _emit_unhold(fn: _Body, owner: ll.Value, held: ll.Value) -> None:
    b = fn.b
    with b.if_then(b.icmp_unsigned("!=", held, T.I64(0))):
        b.call(fn.module_cx.runtime("hic_region_unhold"), [owner, held])
    b.ret_void()


def hold(fn: FunctionEmitter, owner: ll.Value, pack: ll.Value) -> None:
    """An owned pack was stored into an object of region `owner`."""
    fn.b.call(helper(fn.module_cx, "hold", T.VOID, [T.PTR, T.I64, T.I64], _emit_hold, inline=False),
              [region_struct(fn, owner), owner, pack_region(fn, pack)])


def _emit_hold(fn: _Body, o: ll.Value, owner: ll.Value, held: ll.Value) -> None:
    """`hic_region_hold`'s fast path: when the owner is neither merged nor
    held (no new edge can close a cycle) and its held ids are inline, the
    id is counted where it is, or put in the first free inline place, and
    the held region is flagged HELD; anything else (a pack of P, a store
    into P, whose struct is flagged HELD for this, a pack of the owner
    itself, which the runtime marks CYCLIC, a third id, a count at its
    limit) goes to the runtime, which also checks both ids. The inline
    places fill in order and empty from the end (runtime/regions.c,
    hold_remove), so the first free one ends the ids. A place records the
    id's slot (the held region is live, so its slot names it) and an i16
    count."""
    b = fn.b
    counted, slow, done = fn.block("counted"), fn.block("slow"), fn.block("done")
    other = fn.block("other")
    b.cbranch(b.icmp_unsigned("==", held, T.I64(0)), done, other)  # a P pack: nothing (hic_region_hold_n)
    b.position_at_end(other)
    b.cbranch(b.icmp_unsigned("!=", held, owner), counted, slow)
    b.position_at_end(counted)
    flags = b.load(field(fn, o, FLAGS), typ=T.I8)
    log2 = b.load(field(fn, o, HOLD_LOG2), typ=T.I8)
    plain = b.icmp_unsigned("==", b.or_(b.and_(flags, T.I8(MERGED | HELD)), log2), T.I8(0))
    inline = fn.block("inline")
    b.cbranch(plain, inline, slow)
    b.position_at_end(inline)
    mark = fn.block("mark")
    slot = slot_of(fn, held)
    for k in range(INLINE_HOLDS):
        slot_at = field(fn, o, HELD_SLOTS + 4 * k)
        count_at = field(fn, o, HELD_COUNTS + 2 * k)
        value = b.load(slot_at, typ=T.I32)
        same, other = fn.block(f"same{k}"), fn.block(f"other{k}")
        b.cbranch(b.icmp_unsigned("==", value, slot), same, other)
        b.position_at_end(same)  # the id held already: one more
        count = b.load(count_at, typ=I16)
        room = fn.block(f"room{k}")
        b.cbranch(b.icmp_unsigned("!=", count, I16(COUNT_MAX)), room, slow)
        b.position_at_end(room)
        b.store(b.add(count, I16(1)), count_at)
        b.branch(mark)
        b.position_at_end(other)
        free, taken = fn.block(f"free{k}"), fn.block(f"taken{k}")
        b.cbranch(b.icmp_unsigned("==", value, T.I32(0)), free, taken)
        b.position_at_end(free)  # the first free place
        b.store(slot, slot_at)
        b.store(I16(1), count_at)
        b.branch(mark)
        b.position_at_end(taken)
    b.branch(slow)
    b.position_at_end(mark)
    h = field(fn, region_struct(fn, held), FLAGS)
    b.store(b.or_(b.load(h, typ=T.I8), T.I8(HELD)), h)
    b.branch(done)
    b.position_at_end(slow)
    b.call(fn.module_cx.runtime("hic_region_hold"), [owner, held])
    b.branch(done)
    b.position_at_end(done)
    b.ret_void()


def is_fresh(fn: FunctionEmitter, rid: ll.Value) -> bool:
    """Whether region `rid` is as `hic_region_new_sized` made it: its
    `region` block began in this very basic block and nothing since has
    called anything but retains (so nothing can have stored a pack into
    it, or a pack of it anywhere, or merged it). Asked once, by the first
    `new` in it, before it allocates."""
    fresh, fn.fresh = fn.fresh, None
    if fresh is None or fresh[0] is not rid or fresh[1] is not fn.b.block:
        return False
    return all(not isinstance(i, ll.CallInstr) or getattr(i.callee, "name", None) in _FRESH_CALLS
               for i in fresh[1].instructions[fresh[2]:])


_FRESH_CALLS = ("hic.retain", "hic.retain_in")


def hold_fresh(fn: FunctionEmitter, rid: ll.Value, packs: list[ll.Value]) -> None:
    """The holds of a `new`'s pack fields in a fresh region (`is_fresh`),
    by `hic.hold_freshN` (N the number of packs)."""
    n = len(packs)
    func = helper(fn.module_cx, f"hold_fresh{n}", T.VOID, [T.PTR, T.I64] + [T.I64] * n, _emit_hold_fresh)
    fn.b.call(func, [region_struct(fn, rid), rid] + [pack_region(fn, p) for p in packs])


def _emit_hold_fresh(fn: _Body, r: ll.Value, rid: ll.Value, *ids: ll.Value) -> None:
    """A fresh region's held ids are known to be none, so what `hic.hold`
    would leave in its inline places after holding each id in turn (P
    nowhere, an id met again counted in its place, a new one in the first
    free place) is worked out in registers (the places are allocas SROA
    makes values of) and written straight into them (slots and counts,
    which make `holds` nonzero), each held region flagged HELD (P's struct is flagged HELD
    for good: flagging it again changes nothing). A pack of the region
    itself (a static object read as one of it) is a cycle, which the
    runtime marks CYCLIC, and a third distinct id needs the runtime's
    table: then each goes through `hic.hold`."""
    b = fn.b
    zero, zero32, one32 = T.I64(0), T.I32(0), T.I32(1)
    generic = fn.block("hold")
    places = []
    for _ in range(INLINE_HOLDS):
        held, count = b.alloca(T.I64), b.alloca(T.I32)
        b.store(zero, held)
        b.store(zero32, count)
        places.append((held, count))
    own = T.I1(0)
    for h in ids:
        own = b.or_(own, b.icmp_unsigned("==", h, rid))
    start = fn.block("start")
    b.cbranch(own, generic, start)
    b.position_at_end(start)
    for h in ids:
        next_ = fn.block("next")
        given = fn.block("given")
        b.cbranch(b.icmp_unsigned("==", h, zero), next_, given)
        b.position_at_end(given)
        for held, count in places:
            here, other = fn.block("here"), fn.block("other")
            value = b.load(held, typ=T.I64)
            b.cbranch(b.or_(b.icmp_unsigned("==", value, h), b.icmp_unsigned("==", value, zero)), here, other)
            b.position_at_end(here)
            b.store(h, held)
            b.store(b.add(b.load(count, typ=T.I32), one32), count)
            b.branch(next_)
            b.position_at_end(other)
        b.branch(generic)  # a third id
        b.position_at_end(next_)
    final = [(b.load(held, typ=T.I64), b.load(count, typ=T.I32)) for held, count in places]
    _hold_places(fn, r, final)
    for h in ids:
        _mark_held(fn, h)
    b.ret_void()
    b.position_at_end(generic)
    hold_in = helper(fn.module_cx, "hold", T.VOID, [T.PTR, T.I64, T.I64], _emit_hold, inline=False)
    for h in ids:
        b.call(hold_in, [r, rid, h])
    b.ret_void()


def _hold_places(fn: FunctionEmitter, r: ll.Value, places: list) -> None:
    """A region's inline places stored: each id's slot and its count (at
    most the number of packs of one `new`, far below COUNT_MAX)."""
    b = fn.b
    for k, (held, count) in enumerate(places):
        b.store(slot_of(fn, held), field(fn, r, HELD_SLOTS + 4 * k))
        b.store(b.trunc(count, I16), field(fn, r, HELD_COUNTS + 2 * k))


def _mark_held(fn: FunctionEmitter, held: ll.Value) -> None:
    """The region `held` flagged HELD (P's struct is HELD already)."""
    b = fn.b
    flags = field(fn, region_struct(fn, held), FLAGS)
    b.store(b.or_(b.load(flags, typ=T.I8), T.I8(HELD)), flags)


def pack_region(fn: FunctionEmitter, pack: ll.Value) -> ll.Value:
    if isinstance(pack, ll.InsertValue) and list(pack.indices) == [1]:
        return pack.value  # a pack made here (`make_pack`): the very id, whose struct may be known
    return fn.b.extract_value(pack, 1)


def pack_object(fn: FunctionEmitter, pack: ll.Value) -> ll.Value:
    return fn.b.extract_value(pack, 0)


def make_pack(fn: FunctionEmitter, obj: ll.Value, rid: ll.Value) -> ll.Value:
    b = fn.b
    return b.insert_value(b.insert_value(T.undef(T.PACK), obj, 0), rid, 1)


# ---------------------------------------------------------------- constructs


def _region(fn: FunctionEmitter, e: ir.Region) -> ll.Value | None:
    """`region r { .. }`. Each such block has a size hint (a global of the
    module): what its last region held when the block ended, so that the
    runtime sizes the next one's first chunk for it instead of doubling
    up to it (hic_region_new_sized)."""
    from lolang.codegen.statements import emit_block

    hint = fn.module_cx.region_hint(e)
    size = fn.b.load(hint, typ=T.I64)
    rid = fn.b.call(fn.module_cx.runtime("hic_region_new_sized"), [size], name=e.name)
    fn.push()
    fn.bind_region(e.name, fn.checked.binder(e), rid)
    fn.look_up_struct(rid)
    fn.fresh = (rid, fn.b.block, len(fn.b.block.instructions))
    fn.cleanups.append(rid)
    result = [rid, False]  # set by `_pack` if the block's value packs its own region
    if isinstance(e.body.result, ir.Pack):
        fn.region_results[id(e.body.result)] = result
    value = emit_block(fn, e.body)
    fn.region_results.pop(id(e.body.result), None)
    fn.cleanups.pop()
    fn.pop()
    fn.live_block()
    name, emit = _REGION_ENDS[result[1]]
    fn.b.call(helper(fn.module_cx, name, T.VOID, [T.I64, T.PTR, T.PTR], emit), [rid, region_struct(fn, rid), hint])
    return value


def _emit_region_end(fn: _Body, rid: ll.Value, r: ll.Value, hint: ll.Value) -> None:
    """The end of a `region` block: the hint is what the region holds
    (`hic_region_bytes_of`), then the block's reference is released. Inline
    these are some 30 instructions after each region block; a big module
    has it out of line (codegen/partition.py, OUT_OF_LINE)."""
    b = fn.b
    held = b.add(b.load(field(fn, r, BYTES_LESS_CUR), typ=T.I64), b.ptrtoint(b.load(r, typ=T.PTR), T.I64))
    b.store(held, hint)
    release(fn, rid)
    b.ret_void()


def _region_ends():
    return {False: ("region_end", _emit_region_end), True: ("region_end_packed", _emit_region_end_packed),
            "fresh": ("region_end_fresh", _emit_region_end_fresh)}


def _emit_region_end_fresh(fn: _Body, rid: ll.Value, r: ll.Value, hint: ll.Value) -> None:
    """`_emit_region_end_packed` for a block whose value is the pack of its
    fresh region's first object (`region q { pack{r} new[q] C(..) }`):
    nothing has released the region, so it is no candidate of the cycle
    collector yet (`buffered` is 0, the round never is). If it holds
    packs, the release leaves it alive (its pack's reference) and makes it
    one: here, as `hic.release_holding` would, when no region is CYCLIC
    (deriv's and cfold's every new node: a call of `hic_release` and of
    its `left_holding` fewer each), else through `hic_release`."""
    _emit_region_end_packed(fn, rid, r, hint, fresh=True)


def _emit_region_end_packed(fn: _Body, rid: ll.Value, r: ll.Value, hint: ll.Value, fresh: bool = False) -> None:
    """The end of a `region` block whose value packs an object of its own
    region: the pack's retain and the block's release at once. The count
    goes up and down by one, so it is left alone unless the region holds
    packs (then the release is the runtime's business: `release_holding`
    after the retain); both are counted."""
    b = fn.b
    held = b.add(b.load(field(fn, r, BYTES_LESS_CUR), typ=T.I64), b.ptrtoint(b.load(r, typ=T.PTR), T.I64))
    b.store(held, hint)
    bump(fn, field(fn, fn.module_cx.counters, RETAINS), 1)
    plain, holding = fn.block("plain"), fn.block("holding")
    b.cbranch(b.icmp_unsigned("==", b.load(field(fn, r, HOLDS), typ=T.I32), T.I32(0)), plain, holding)
    b.position_at_end(plain)
    bump(fn, field(fn, fn.module_cx.counters, RELEASES), 1)
    b.ret_void()
    b.position_at_end(holding)
    if fresh:
        marks = fn.module_cx.cycle_marks
        candidate, call, collect = fn.block("candidate"), fn.block("runtime"), fn.block("collect")
        recheck = b.load(field(fn, marks, MARKS_RECHECK), typ=T.I8)
        b.cbranch(b.icmp_unsigned("==", recheck, T.I8(0)), candidate, call)
        b.position_at_end(candidate)  # the count goes up and down by one
        bump(fn, field(fn, fn.module_cx.counters, RELEASES), 1)
        _become_candidate(fn, r, b.load(field(fn, marks, MARKS_ROUND), typ=T.I8), collect)
        b.position_at_end(call)
        bump_refs(fn, r, 1)
        b.call(fn.module_cx.runtime("hic_release"), [rid])
        b.ret_void()
        return
    bump_refs(fn, r, 1)
    release_holding(fn, rid, r)
    b.ret_void()


def _unpack(fn: FunctionEmitter, e: ir.Unpack) -> ll.Value | None:
    from lolang.codegen.expressions import emit_expr
    from lolang.codegen.statements import emit_block

    # A place (a variable, a field read) or an array element is borrowed
    # for the block; any other pack is an owned temporary the block consumes.
    owned = not unpack_borrows(e.pack)
    pack = emit_expr(fn, e.pack)
    rid = pack_region(fn, pack)
    fn.push()
    fn.bind_region(e.region, fn.checked.binder(e), rid)
    fn.look_up_struct(rid)
    fn.bind_var(e.var, pack_object(fn, pack))
    if owned:
        fn.cleanups.append(rid)
    value = emit_block(fn, e.body)
    if owned:
        fn.cleanups.pop()
    fn.pop()
    if owned:
        fn.live_block()
        release(fn, rid)
    return value


def _pack(fn: FunctionEmitter, e: ir.Pack) -> ll.Value:
    from lolang.codegen.expressions import emit_expr

    obj = emit_expr(fn, e.value)
    rid = fn.region_of(fn.type_of(e.value))
    result = fn.region_results.get(id(e))
    if result is not None and result[0] is rid:
        # retained by the end of the block (_emit_region_end_packed), which
        # knows more if the object is the block's fresh region's first
        result[1] = "fresh" if fn.fresh_new is e.value else True
    else:
        retain(fn, rid)
    return make_pack(fn, obj, rid)


def _copy(fn: FunctionEmitter, e: ir.Copy) -> ll.Value:
    from lolang.codegen.expressions import emit_expr

    pack = emit_expr(fn, e.value)
    retain(fn, pack_region(fn, pack))
    return pack


def _drop(fn: FunctionEmitter, s: ir.Drop) -> None:
    from lolang.codegen.expressions import emit_expr
    from lolang.codegen.reuse import drop_token, token_of

    token = token_of(fn, s.value)
    if token is not None:
        drop_token(fn, token, emit_expr(fn, s.value))
        return
    release(fn, pack_region(fn, emit_expr(fn, s.value)))


def _merge(fn: FunctionEmitter, s: ir.Merge) -> None:
    """`merge r into q`: the runtime moves r's chunks and held packs to q,
    gives r a counted reference on q, and from then on sends what is
    allocated in r to q. Until the end of the block holding the merge,
    `@r` is `@q` (docs/lolang.md §5.3): what the program does there to an
    object of r, it does in q, as the interpreter does."""
    child, parent = fn.region(s.region), fn.region(s.into)
    fn.b.call(fn.module_cx.runtime("hic_region_merge"), [child, parent])
    fn.forget_structs()  # the runtime may give the child a new struct
    fn.rebind_uid(fn._find(("r", s.region)), parent)


_REGION_ENDS = _region_ends()

EXPR_RULES = {
    ir.Region: _region,
    ir.Unpack: _unpack,
    ir.Pack: _pack,
    ir.Copy: _copy,
}

STMT_RULES = {
    ir.Drop: _drop,
    ir.Merge: _merge,
}
