"""A recursive function's early exits, inline in its callers: the function
is split into a small entry, `lo.f.early`, that every call goes to, and
the full body `lo.f`, which the entry tail-calls (and LLVM never inlines
anywhere: it would undo the split).

`bottomUp` in bench/binary_trees.hi starts with `if depth <= 0 { return
Node(Empty, Empty); }`: half the calls of a tree's construction are leaves
that take that exit, yet each paid for the whole function's frame (six
callee-saved registers pushed and popped, the arguments copied into them)
because the rest of the body needs it. LLVM does not shrink-wrap such a
function, nor does its partial inliner split a recursive one. Split by
hand, the entry needs no frame at all and O2 inlines it into the callers
(the twin, codegen/module.py): a leaf is a few inline instructions, and
the call it replaces goes straight to the full body. Binary trees at
depth 16: 683 M instructions instead of 872 M (C's arena version: 681 M;
docs/native.md, "Early exits").

What qualifies (`prefix`): a function that calls itself (the others are
inlined where it pays anyway) whose body starts with one or more `if c {
... }` without `else`, each condition pure (variables, literals, and
operators on them, which read nothing but registers and at worst stop
the program with a runtime error, the same one the full body would stop
with) and each branch ending in `return` and calling nothing. The entry
runs those statements and, when none returns, calls the full body, which
evaluates the conditions again (a compare or two) and goes on: the
conditions changed nothing, so the program does and counts exactly what
it did in one function. The entry is not a lolang call: the body runs at
the depth the entry was called with, and no check is added.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen.function import FunctionEmitter
from lolang.traverse import walk

EARLY = ".early"

_PURE = (ir.IntLit, ir.FloatLit, ir.BoolLit, ir.UnitLit, ir.Var)


def prefix(fun: ir.FunDecl) -> tuple | None:
    """The statements `fun`'s entry runs (module docstring), or None."""
    stmts = fun.body.stmts
    n = 0
    while n < len(stmts) and _exit(stmts[n]):
        n += 1
    if n == 0:
        return None
    return stmts[:n]


def _exit(s) -> bool:
    if not isinstance(s, ir.If) or s.els is not None or not _pure(s.cond):
        return False
    then = s.then
    if then.result is not None or not then.stmts or not isinstance(then.stmts[-1], ir.Return):
        return False
    return not any(isinstance(node, (ir.Call, ir.Merge, ir.Break, ir.Continue)) for node in walk(then))


def _pure(e) -> bool:
    if isinstance(e, _PURE):
        return True
    if isinstance(e, ir.Unary):
        return _pure(e.operand)
    if isinstance(e, ir.Binary):
        return _pure(e.left) and _pure(e.right)
    return False


def emit(module_cx, fun: ir.FunDecl, entry: ll.Function, body: ll.Function, stmts: tuple) -> None:
    """`entry`: `stmts`, then a tail call of `body` with its own arguments."""
    from lolang.codegen.statements import emit_stmt

    fn = FunctionEmitter(module_cx, fun, entry)
    fn.bind_parameters()
    fn.push()
    for s in stmts:
        emit_stmt(fn, s)
    fn.pop()
    fn.live_block()
    result = fn.b.call(body, list(entry.args), tail=True)
    if isinstance(entry.function_type.return_type, ll.VoidType):
        fn.b.ret_void()
    else:
        fn.b.ret(result)
