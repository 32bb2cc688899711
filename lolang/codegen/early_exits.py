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

Match exits. After those `if`s (or without any) may come a `match` of a
pure scrutinee (itself or first in a `do` block) with an exit arm (one
that ends in `return` and calls nothing), in a function that calls itself
in more than one place (a tree's recursion: half its calls are leaves; a
list's meets its exit once, and the split would stop LLVM from making a
loop of a tail call and inlining it, nqueens' `safe`). The entry tries the
arms in order, as `match` does: an exit arm runs there; any other (its
pattern tested, nothing bound) goes on to the full body, which matches
again and takes the same arm. deriv's `count` has seven calls of itself,
and each `count(Val(_))` was a call that pushed and popped three
registers and went through a jump table to return 1. A body of at most
SMALL_BODY instructions gets no match exits (`sized`): see below.

The twin's entry. A function with exits whose body is over SMALL_BODY
instructions also gives its twin (codegen/module.py) an entry of its own,
`lo.f.twin.early`, which `lo.f` calls. Such a twin is too big for LLVM to
inline (`count`'s seven calls, cfold's `mkExpr`'s two, 95 instructions),
so without it every other level of the recursion called the twin with a
frame, leaf or not; now both levels test the leaves inline. A smaller
body's twin is inlined into it wholesale, the recursion unrolled, and
the unrolled body already tests the level below inline: there another
entry kept `bottomUp`'s twin from being inlined (binary trees 20% more
instructions) and match exits only tested again (binary trees' `check`,
36 instructions: 1.6% more). deriv 9: 1,419.4 M -> 1,338.9 M
instructions (count 232.3 M -> 163.7 M, d 82.9 M -> 71.0 M); cfold 17:
208.1 M -> 202.6 M (mkExpr 18.1 M -> 15.2 M, eval, reassoc).
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen.function import FunctionEmitter
from lolang.traverse import walk

EARLY = ".early"

# A body of at most this many IR instructions (as emitted) gets no match
# exits and no twin entry: its twin is small enough for LLVM to inline it
# wholesale (O2's threshold for an `inlinehint` callee, a cost of 325, is
# about 65 instructions), and the unrolled body already tests the leaves
# of the level below it inline (module docstring, "The twin's entry").
SMALL_BODY = 64

_PURE = (ir.IntLit, ir.FloatLit, ir.BoolLit, ir.UnitLit, ir.Var)


def prefix(fun: ir.FunDecl) -> tuple | None:
    """The statements `fun`'s entry runs (module docstring), or None: the
    leading `if`s, then the `match` that follows them if it has an exit
    arm."""
    stmts = fun.body.stmts
    n = 0
    while n < len(stmts) and _exit(stmts[n]):
        n += 1
    match = _leading_match(stmts[n]) if n < len(stmts) else None
    if match is not None and any(_exit_block(arm.body) for arm in match.arms) and _branches(fun):
        return (*stmts[:n], match)
    if n == 0:
        return None
    return stmts[:n]


def _branches(fun: ir.FunDecl) -> bool:
    """Whether `fun` calls itself in more than one place (a tree's
    recursion, not a list's)."""
    return sum(1 for node in walk(fun.body) if isinstance(node, ir.Call) and node.func == fun.name) >= 2


def sized(stmts: tuple, instructions: int) -> tuple:
    """The entry's statements, given the full body's size in IR
    instructions as emitted: a match's exits only above SMALL_BODY (an
    entry left with none only calls the body)."""
    if stmts and isinstance(stmts[-1], ir.Match) and instructions <= SMALL_BODY:
        return stmts[:-1]
    return stmts


def twin_entry(instructions: int) -> bool:
    """Whether a function with exits whose full body is `instructions` IR
    instructions gives its twin an entry of its own."""
    return instructions > SMALL_BODY


def _exit(s) -> bool:
    if not isinstance(s, ir.If) or s.els is not None or not _pure(s.cond):
        return False
    return _exit_block(s.then)


def _exit_block(block: ir.Block) -> bool:
    """Whether `block` ends in `return` and calls nothing."""
    if block.result is not None or not block.stmts or not isinstance(block.stmts[-1], ir.Return):
        return False
    return not any(isinstance(node, (ir.Call, ir.Merge, ir.Break, ir.Continue)) for node in walk(block))


def _leading_match(s) -> ir.Match | None:
    """The `match` of a pure scrutinee that statement `s` starts with
    (itself, or the first statement of a `do` block: `return match ..`
    becomes `do { match .. }`), or None."""
    while isinstance(s, ir.ExprStmt) and isinstance(s.expr, ir.Do) and s.expr.body.stmts:
        s = s.expr.body.stmts[0]
    if isinstance(s, ir.Match) and _pure(s.scrutinee):
        return s
    return None


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
    rest = fn.block("rest")
    fn.push()
    for s in stmts:
        if isinstance(s, ir.Match):
            _match_exits(fn, s, rest)
        else:
            emit_stmt(fn, s)
    fn.pop()
    if not fn.b.block.is_terminated:
        fn.b.branch(rest)
    fn.b.position_at_end(rest)
    result = fn.b.call(body, list(entry.args), tail=True)
    if isinstance(entry.function_type.return_type, ll.VoidType):
        fn.b.ret_void()
    else:
        fn.b.ret(result)


def _match_exits(fn: FunctionEmitter, m: ir.Match, rest: ll.Block) -> None:
    """`m`'s arms tried in order, as `match` tries them: an exit arm's
    body runs here (it returns); any other arm goes on to `rest`, the call
    of the full body, which matches again and takes the same arm."""
    from lolang.codegen.expressions import emit_value
    from lolang.codegen.patterns import _test
    from lolang.codegen.statements import emit_block

    b = fn.b
    t = fn.type_of(m.scrutinee)
    value = emit_value(fn, m.scrutinee)
    for arm in m.arms:
        next_arm = fn.block("exit.next")
        fn.push()
        if _exit_block(arm.body):
            _test(fn, arm.pattern, value, t, next_arm)
            emit_block(fn, arm.body)
        else:
            _test(fn, _unbound(arm.pattern), value, t, next_arm)
            b.branch(rest)
        fn.pop()
        b.position_at_end(next_arm)
    b.unreachable()


def _unbound(p):
    """Pattern `p` with a `_` for each variable: it tests what `p` tests
    and binds nothing."""
    if isinstance(p, ir.PVar):
        return ir.PWild()
    if isinstance(p, ir.PCtor):
        return ir.PCtor(p.ctor, tuple(_unbound(sub) for sub in p.args))
    return p
