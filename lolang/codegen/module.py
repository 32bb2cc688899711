"""A lolang program as one LLVM module: the runtime's declarations, the
data layouts, the module's globals, one LLVM function per lolang function,
and the entry points.

Entry points. `hic_program_run(argc, argv)` is the program: it hands
`hic.entry` to the runtime's `hic_start`, which runs it on a large stack of
its own, builds `main`'s `args` from argv when asked to (in a region of its
own, uncounted, as the lolang interpreter does) and returns the exit status.
The C `main` of an executable just calls it; the JIT calls it directly.
`hic.entry` calls `main` at call depth 1 (`main` is the first call,
docs/hilang-semantics.md "Call depth").

Call depth. Every lolang function takes its own call depth as a hidden
first parameter (`i64 %depth`); a call site tests the caller's depth
against the bound and passes `depth + 1`. The count lives in a register,
so the common case costs a compare and a predicted branch: no memory
traffic around each call, as a global counter would need (a load, then a
store before and after the call).

lolang functions are named `lo.NAME`: a dot no C name can contain, so a
hilang function called `write` or `malloc` never meets libc's.
"""

from __future__ import annotations

import struct

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import early_exits, reserve
from lolang.codegen import types as T
from lolang.codegen.function import FunctionEmitter, coerce
from lolang.codegen.layout import DataLayout
from lolang.traverse import walk

# name -> (result, parameters, does not return)
RUNTIME: dict[str, tuple] = {
    "hic_alloc_slow": (T.PTR, [T.PTR, T.I64]),
    "hic_region_alloc": (T.PTR, [T.PTR, T.I64]),
    "hic_region_reserve": (T.PTR, [T.PTR, T.I64]),
    "hic_alloc_in": (T.PTR, [T.I64, T.I64]),
    "hic_storage_alloc": (T.PTR, [T.PTR, T.I64]),
    "hic_region_new": (T.I64, []),
    "hic_region_new_sized": (T.I64, [T.I64]),
    "hic_retain_n": (T.VOID, [T.I64, T.I64]),
    "hic_release": (T.VOID, [T.I64]),
    "hic_collect_cycles": (T.VOID, []),
    "hic_region_hold": (T.VOID, [T.I64, T.I64]),
    "hic_region_hold_n": (T.VOID, [T.I64, T.I64, T.I64]),
    "hic_region_unhold": (T.VOID, [T.I64, T.I64]),
    "hic_region_replace": (T.VOID, [T.I64, T.I64, T.I64]),
    "hic_reuse_reset": (T.I64, [T.I64, T.I64]),
    "hic_reuse_replace": (T.VOID, [T.I64, T.I64, T.I64]),
    "hic_reuse_drop": (T.VOID, [T.I64]),
    "hic_panic": (T.VOID, [T.I32, T.I32, T.I32, T.I64, T.I64], True),
    "hic_string_concat": (T.PTR, [T.PTR, T.PTR, T.PTR]),
    "hic_string_concat_n": (T.PTR, [T.PTR, T.PTR, T.I64, T.I64]),
    "hic_string_from_s64": (T.PTR, [T.PTR, T.I64]),
    "hic_string_to_s64": (T.I64, [T.PTR, T.I32, T.I32]),
    "hic_string_eq": (T.I32, [T.PTR, T.PTR]),
    "hic_string_cmp": (T.I32, [T.PTR, T.PTR]),
    "hic_string_sub": (T.PTR, [T.PTR, T.PTR, T.I64, T.I64, T.I32, T.I32]),
    "hic_string_of_byte": (T.PTR, [T.PTR, T.I8]),
    "hic_print_s64": (T.VOID, [T.I64]),
    "hic_print_f64": (T.VOID, [T.F64]),
    "hic_print_bool": (T.VOID, [T.I32]),
    "hic_print_string": (T.VOID, [T.PTR]),
    "hic_print_unit": (T.VOID, []),
    "hic_print_space": (T.VOID, []),
    "hic_print_newline": (T.VOID, []),
    "hic_array_filled": (T.PTR, [T.PTR, T.I64, T.I64, T.PTR, T.I32, T.I32]),
    "hic_array_push": (T.PTR, [T.PTR, T.PTR, T.I64]),
    "hic_array_retain_packs": (T.VOID, [T.I64, T.PTR]),
    "hic_map_new": (T.PTR, [T.PTR, T.I32, T.I32]),
    "hic_map_insert_s64": (T.PTR, [T.PTR, T.PTR, T.I64, T.PTR]),
    "hic_map_insert_str": (T.PTR, [T.PTR, T.PTR, T.PTR, T.I64, T.PTR]),
    "hic_map_get_s64": (T.PTR, [T.PTR, T.I64]),
    "hic_map_get_str": (T.PTR, [T.PTR, T.PTR]),
    "hic_map_remove_s64": (T.PTR, [T.PTR, T.I64]),
    "hic_map_remove_str": (T.PTR, [T.PTR, T.PTR]),
    "hic_map_keys": (T.PTR, [T.PTR, T.PTR]),
    "hic_start": (T.I32, [T.I32, T.PTR, T.PTR, T.PTR, T.I32]),
    "hic_region_merge": (T.VOID, [T.I64, T.I64]),
    # LLVM's own
    "llvm.sqrt.f64": (T.F64, [T.F64]),
    "llvm.memcpy.p0.p0.i64": (T.VOID, [T.PTR, T.PTR, T.I64, T.I1]),
}

# Runtime functions that only read memory (LLVM's `readonly`): a second
# call with the same arguments and no store between them is the first one's
# result, so `contains(m, k)` followed by `m[k]` looks the key up once.
READ_ONLY = frozenset({"hic_map_get_s64", "hic_map_get_str"})

# hic_start's flags (runtime/hic_runtime.h): main takes `args`, whose
# elements are packs of strings, or plain string references.
START_ARGS = 1
START_ARGS_PLAIN = 2

# hic_counters (runtime/hic_runtime.h): eleven 64-bit counters.
COUNTERS = ll.ArrayType(T.I64, 11)
# hic_cycle_marks: the collector's round and the flags that need the runtime.
CYCLE_MARKS = ll.ArrayType(T.I8, 2)
# hic_cycles_due: candidates this round, and when a collection is due.
CYCLES_DUE = ll.ArrayType(T.I64, 3)


def _opaque(g: ll.GlobalVariable) -> ll.GlobalVariable:
    """llvmlite gives a global a typed pointer (`i64*`) and checks stores
    against it; this module works with opaque pointers throughout, as LLVM
    itself does, so every global is addressed as a plain `ptr`."""
    g.type = T.PTR
    return g


class ModuleContext:
    """What every function's code shares: the module, the checker's types,
    the declarations, and lazily declared runtime functions and constants."""

    def __init__(self, program: ir.Program, checked, name: str, sites=None):
        self.module = ll.Module(name=name)
        # --profile: the allocation sites (lolang/profile.py) and the
        # runtime's `hic_profile_site` (codegen/profile.py); else None.
        self.sites = sites
        self.profile_site = self._external("hic_profile_site", T.I32) if sites is not None else None
        self.checked = checked
        # data type name -> its layout; constructor name -> (layout, declaration)
        self.layouts = {d.name: DataLayout.of(d) for d in program.datas}
        self.ctors: dict[str, tuple[DataLayout, ir.CtorDecl]] = {}
        for data in program.datas:
            for ctor in data.ctors:
                self.ctors[ctor.name] = (self.layouts[data.name], ctor)
        self.funs: dict[str, tuple[ir.FunDecl, ll.Function]] = {}
        self._runtime: dict[str, ll.Function] = {}
        self.helpers: dict[str, ll.Function] = {}  # hic.alloc, hic.retain... (codegen/regions.py)
        self._strings: dict[bytes, ll.GlobalVariable] = {}
        self._cstrings: dict[str, ll.GlobalVariable] = {}
        self._arrays: dict[tuple, ll.GlobalVariable] = {}
        self._static_data: dict[tuple, ll.GlobalVariable] = {}
        self._hints: dict[int, ll.GlobalVariable] = {}  # id(region block) -> its size hint
        self.region_table = self._external("hic_region_table", T.PTR)
        self.counters = self._external("hic_counters", COUNTERS)
        self._cycle_marks: ll.GlobalVariable | None = None
        self._cycles_due: ll.GlobalVariable | None = None

    @property
    def cycle_marks(self) -> ll.GlobalVariable:
        """The runtime's `hic_cycle_marks` (what the inlined release reads),
        declared on first use."""
        if self._cycle_marks is None:
            self._cycle_marks = self._external("hic_cycle_marks", CYCLE_MARKS)
        return self._cycle_marks

    @property
    def cycles_due(self) -> ll.GlobalVariable:
        """The runtime's `hic_cycles_due` (the inlined release buffers a
        candidate itself), declared on first use."""
        if self._cycles_due is None:
            self._cycles_due = self._external("hic_cycles_due", CYCLES_DUE)
        return self._cycles_due

    def _external(self, name: str, lltype: ll.Type) -> ll.GlobalVariable:
        """A global of the runtime. `dso_local`: an executable links the
        runtime's static library, so the global is in the same image and
        code addresses it directly (`incq hic_counters(%rip)`), not through
        the GOT (an extra `lea` per use: 3% of binary trees' instructions).
        The JIT's code model is the large one, whose absolute addresses
        reach the runtime's shared library wherever it is loaded."""
        g = _opaque(ll.GlobalVariable(self.module, lltype, name))
        g.linkage = "external"
        g.storage_class = "dso_local"  # llvmlite prints it where LLVM wants it: after the linkage
        return g

    def _global(self, name: str, lltype: ll.Type, init: ll.Constant) -> ll.GlobalVariable:
        g = _opaque(ll.GlobalVariable(self.module, lltype, name))
        g.linkage = "internal"
        g.initializer = init
        return g

    def runtime(self, name: str) -> ll.Function:
        """The runtime function `name`, declared on first use."""
        fn = self._runtime.get(name)
        if fn is None:
            ret, params, *noreturn = RUNTIME[name]
            fn = ll.Function(self.module, ll.FunctionType(ret, params), name)
            if noreturn:
                fn.attributes.add("noreturn")
                fn.attributes.add("cold")
            if name in READ_ONLY:
                fn.attributes.add("readonly")
                fn.attributes.add("nounwind")
            self._runtime[name] = fn
        return fn

    def string(self, data: bytes) -> ll.GlobalVariable:
        """A constant laid out as a `struct hic_string` (length, bytes), in
        no region: the source of `new[r] "..."` and of string patterns."""
        g = self._strings.get(data)
        if g is None:
            body = ll.ArrayType(T.I8, len(data))
            lltype = ll.LiteralStructType([T.I64, body])
            g = _opaque(ll.GlobalVariable(self.module, lltype, f"str.{len(self._strings)}"))
            g.linkage = "private"
            g.global_constant = True
            g.initializer = ll.Constant(lltype, [T.I64(len(data)), ll.Constant(body, bytearray(data))])
            g.align = 8
            self._strings[data] = g
        return g

    def static_data(self, layout, ctor: ir.CtorDecl, args) -> ll.GlobalVariable:
        """A constant laid out as an object of `ctor` whose fields are the
        literals `args`, in no region: a static object (docs/lolang.md
        §5.4), as OCaml lays out a constructor of constants."""
        words: list[ll.Constant] = []
        if layout.tagged:
            words.append(T.I64(layout.tags[ctor.name]))
        for a in args:
            if isinstance(a, ir.FloatLit):
                words.append(ll.Constant(T.F64, a.value))
            elif isinstance(a, ir.BoolLit):
                words.append(T.I64(int(a.value)))
            elif isinstance(a, ir.UnitLit):
                words.append(T.I64(0))
            else:
                words.append(T.I64(a.value & 0xFF if a.u8 else a.value))
        key = (ctor.name, tuple(str(w) for w in words))
        g = self._static_data.get(key)
        if g is None:
            lltype = ll.LiteralStructType([w.type for w in words])
            g = _opaque(ll.GlobalVariable(self.module, lltype, f"static.{len(self._static_data)}"))
            g.linkage = "private"
            g.global_constant = True
            g.initializer = ll.Constant(lltype, words)
            g.align = 8
            self._static_data[key] = g
        return g

    def array_data(self, slot: ll.Type, words: tuple) -> ll.GlobalVariable:
        """A constant array of `slot`s holding `words`: the storage of an
        array literal of constants (codegen/constant_data.py)."""
        # by bits, not by value: -0.0 == 0.0 in Python
        key = (str(slot), words) if slot != T.F64 else (str(slot), struct.pack(f"<{len(words)}d", *words))
        g = self._arrays.get(key)
        if g is None:
            lltype = ll.ArrayType(slot, len(words))
            g = _opaque(ll.GlobalVariable(self.module, lltype, f"array.{len(self._arrays)}"))
            g.linkage = "private"
            g.global_constant = True
            g.initializer = ll.Constant(lltype, [ll.Constant(slot, w) for w in words])
            g.align = 8
            self._arrays[key] = g
        return g

    def region_hint(self, block: ir.Region) -> ll.GlobalVariable:
        """The size hint of a `region` block (codegen/regions.py): the
        bytes its last region held, 0 at first."""
        g = self._hints.get(id(block))
        if g is None:
            g = self._global(f"hint.{block.name}.{len(self._hints)}", T.I64, T.I64(0))
            self._hints[id(block)] = g
        return g

    def cstring(self, text: str) -> ll.GlobalVariable:
        """A NUL-terminated constant, for the runtime's C strings."""
        g = self._cstrings.get(text)
        if g is None:
            data = text.encode() + b"\0"
            lltype = ll.ArrayType(T.I8, len(data))
            g = _opaque(ll.GlobalVariable(self.module, lltype, f"cstr.{len(self._cstrings)}"))
            g.linkage = "private"
            g.global_constant = True
            g.initializer = ll.Constant(lltype, bytearray(data))
            self._cstrings[text] = g
        return g


def compile_program(program: ir.Program, checked, stage: str, name: str = "hic", sites=None) -> ll.Module:
    """`program` (checked: `checked` is the checker's `CheckResult` for it)
    as an LLVM module, triple and data layout not yet set; compiled for
    profiling when `sites` (lolang/profile.py) is given."""
    module_cx = ModuleContext(program, checked, name, sites)
    bodies: dict[str, ll.Function] = {}
    exits: dict[str, tuple] = {}
    funs = _reachable(program)
    recursive = {fun.name for fun in funs if _calls_itself(fun)}
    for fun in funs:
        # the hidden call depth, the regions, their structs, the parameters
        params = [T.I64] * (1 + len(fun.regions)) + [T.PTR] * len(fun.regions)
        params += [T.value_type(p.type) for p in fun.params]
        fnty = ll.FunctionType(T.value_type(fun.ret), params)
        kind = _PrintedOnce if fun.name in recursive else ll.Function
        func = kind(module_cx.module, fnty, f"lo.{fun.name}")
        func.linkage = "internal"
        bodies[fun.name] = func
        module_cx.funs[fun.name] = (fun, func)
        stmts = early_exits.prefix(fun) if fun.name in recursive else None
        if stmts is not None:
            # every call goes to the entry (codegen/early_exits.py)
            entry = ll.Function(module_cx.module, fnty, f"lo.{fun.name}{early_exits.EARLY}")
            entry.linkage = "internal"
            func.attributes.add("noinline")
            exits[fun.name] = (entry, stmts)
            module_cx.funs[fun.name] = (fun, entry)
    for fun in funs:
        _, callee = module_cx.funs[fun.name]
        func = bodies[fun.name]
        if fun.name not in recursive:
            _function(module_cx, fun, func, func)
            continue
        # emitted calling itself (or its entry) first: a body too big to be
        # inlined gets no twin (TWIN_MAX_INSTRUCTIONS)
        _function(module_cx, fun, func, callee)
        size = _instructions(func)
        if fun.name in exits:
            entry, stmts = exits[fun.name]
            exits[fun.name] = (entry, early_exits.sized(stmts, size))
        # the twin's own entry (codegen/early_exits.py, "The twin's entry")
        own_entry = fun.name in exits and early_exits.twin_entry(size)
        if size <= TWIN_MAX_INSTRUCTIONS:
            name = f"lo.{fun.name}{TWIN}"
            if fun.name not in exits:
                twin = _Twin(module_cx.module, func, name)
            else:
                # the twin's calls go to the entry, not to the original: emitted apart
                twin = ll.Function(module_cx.module, func.function_type, name)
                twin.linkage = "internal"
                _function(module_cx, fun, twin, callee)
            twin.attributes.add("inlinehint")
            if own_entry:
                twin_entry = ll.Function(module_cx.module, func.function_type, f"{name}{early_exits.EARLY}")
                twin_entry.linkage = "internal"
                early_exits.emit(module_cx, fun, twin_entry, twin, exits[fun.name][1])
                _retarget(func, callee, twin_entry)
            else:
                _retarget(func, callee, twin)
        if fun.name in exits:
            entry, stmts = exits[fun.name]
            early_exits.emit(module_cx, fun, entry, func, stmts)
    _entry(module_cx, stage)
    return module_cx.module


# A function that calls itself is emitted twice, `lo.f` and its twin
# `lo.f.twin`, each one's calls of f going to the other. LLVM's inliner
# never inlines a function into itself, but it does inline the twin into
# `lo.f` where it pays: one level of the recursion unrolled, so that
# the calls at the bottom of a recursion (`check(Empty)` at every leaf of
# a tree) are no calls at all, as a C compiler's recursive inlining
# does. (docs/benchmarks.md, "The backend levers", has what it bought.)
# The twin is marked `inlinehint` (O2's threshold 325 instead of 225):
# `bottomUp` of binary trees, with its allocation fast paths inlined, was
# just over the plain threshold and stayed a call per level; unrolled, it
# runs 9% fewer instructions. Only the twin is marked, so a function's
# size grows at most by one copy of its body per call of itself.
TWIN = ".twin"


# A recursive function of more IR instructions than this (as emitted,
# before any optimization) gets no twin: LLVM's inliner would never inline
# a body that size (O2's threshold for an `inlinehint` callee is a cost of
# 325, about 65 instructions after simplification), so the twin would be
# a second copy of the function calling the first, doubling what LLVM
# compiles for nothing. rbtree's `ins`, with balanceLeft/Right inlined
# (lowering/passes/reuse_tail_calls.py), is 6,400 lines of IR: its twin
# put the module over PARALLEL_LINES (codegen/native.py) and split it
# into parts. The next biggest recursive function of bench/ and
# examples/ is cfold's `cfold`, 1,290 instructions (json_tree's `render`
# 542, deriv's `mul` 445): they keep their twins.
TWIN_MAX_INSTRUCTIONS = 2_000


def _instructions(func: ll.Function) -> int:
    return sum(len(block.instructions) for block in func.blocks)


def _retarget(func: ll.Function, old: ll.Function, new: ll.Function) -> None:
    """`func`'s calls of `old` call `new` instead."""
    for block in func.blocks:
        for instr in block.instructions:
            if isinstance(instr, ll.CallInstr) and instr.callee is old:
                instr.callee = new


def _reachable(program: ir.Program) -> list[ir.FunDecl]:
    """The functions `main` may call, directly or not, in the program's
    order: a function no call reaches (rbtree's balanceLeft once the
    `reuse` pass has inlined every call of it) is not emitted, so it
    costs LLVM nothing and counts for nothing in the module's size."""
    by_name = {fun.name: fun for fun in program.funs}
    seen, todo = {"main"}, ["main"]
    while todo:
        for node in walk(by_name[todo.pop()].body):
            if isinstance(node, ir.Call) and node.func not in seen and node.func in by_name:
                seen.add(node.func)
                todo.append(node.func)
    return [fun for fun in program.funs if fun.name in seen]


def _calls_itself(fun: ir.FunDecl) -> bool:
    return any(isinstance(node, ir.Call) and node.func == fun.name for node in walk(fun.body))


class _PrintedOnce(ll.Function):
    """A function with a twin: its text, once printed (when the module is,
    complete), kept for the twin's."""

    _text: str | None = None

    def __str__(self):
        if self._text is None:
            self._text = super().__str__()
        return self._text


class _Twin(ll.Function):
    """The twin of `original`, printed from its text rather than emitted
    again: emitting a body is deterministic (every global it uses is made
    once, by content or by node), so the twin's body is the original's
    with the two names swapped, its calls of the twin being the twin's
    calls of the original. (Half the code generation of a recursive
    function, a sixth of a generated 1,500-line program's.)"""

    def __init__(self, module: ll.Module, original: _PrintedOnce, name: str):
        super().__init__(module, original.function_type, name)
        self.linkage = "internal"
        self.original = original

    def __str__(self):
        mine, theirs = self.get_reference(), self.original.get_reference()
        text = str(self.original).replace(mine, "\0").replace(theirs, mine).replace("\0", theirs)
        header, body = text.split("\n", 1)
        # the prototype ends with the function's attributes: the twin's own
        ours = _attributes(self.original)
        assert header.endswith(ours), header
        return f"{header[:len(header) - len(ours)]}{_attributes(self)}\n{body}"


def _attributes(func: ll.Function) -> str:
    """The end of `func`'s prototype as llvmlite prints it (Function.descr_prototype)."""
    if not func.attributes:
        return ""
    return " " + " ".join(func.attributes._to_list(func.function_type.return_type))


def _function(module_cx: ModuleContext, fun: ir.FunDecl, func: ll.Function, recursion: ll.Function) -> None:
    """`fun`'s body into `func`, its calls of itself calling `recursion`."""
    from lolang.codegen.statements import emit_block

    fn = FunctionEmitter(module_cx, fun, func)
    fn.recursion = recursion
    fn.bind_parameters()
    reserve.plan(fn)
    value = emit_block(fn, fun.body)
    if fn.b.block.is_terminated:
        return
    ret = func.function_type.return_type
    if value is None and fun.ret != ir.UNIT:
        fn.b.unreachable()  # the checker proved every path returns
        return
    fn.b.ret(coerce(value, ret) if value is not None else ll.Constant(ret, 0))


def _entry(module_cx: ModuleContext, stage: str) -> None:
    module = module_cx.module
    entry = ll.Function(module, ll.FunctionType(T.VOID, [T.PTR]), "hic.entry")
    entry.linkage = "internal"
    b = ll.IRBuilder(entry.append_basic_block("entry"))
    main_decl, main = module_cx.funs["main"]
    depth = T.I64(1)
    flags = 0
    if main_decl.params:
        elem = main_decl.params[0].type.obj.elem
        flags = START_ARGS if isinstance(elem, ir.PackType) else START_ARGS_PLAIN
        b.call(main, [depth, b.load(entry.args[0], typ=T.PACK)])
    else:
        b.call(main, [depth])
    b.ret_void()

    run = ll.Function(module, ll.FunctionType(T.I32, [T.I32, T.PTR]), "hic_program_run")
    b = ll.IRBuilder(run.append_basic_block("entry"))
    argc, argv = run.args
    status = b.call(module_cx.runtime("hic_start"), [argc, argv, entry, module_cx.cstring(stage), T.I32(flags)])
    b.ret(status)

    c_main = ll.Function(module, ll.FunctionType(T.I32, [T.I32, T.PTR]), "main")
    b = ll.IRBuilder(c_main.append_basic_block("entry"))
    b.ret(b.call(run, list(c_main.args)))
