"""Explicit reference counting: `run(program) -> program` places every `copy`
and `drop` of an owned pack variable (Lean 4's `ExplicitRC`, Perceus'
"drop at last use", on lolang's structured control flow).

Assumes lolang as `lower` writes it: no `copy`/`drop` of an owned variable
yet; names unique in each function; every owned pack variable declared by
a `let`/`var` annotated with a `Pack{c} T` type, or an owned parameter. A
variable in a consuming position (docs/lolang.md §5.2) is meant to be
*given* there; anywhere else it is only read.

Guarantees the linearity rule (each owned pack consumed exactly once on
every path) with every region released as soon as its last reference is
dead, by one backward liveness analysis per function:

* a consuming use *moves* the variable if it is dead afterwards, else it
  uses a `copy`;
* a variable that dies after a use that only reads it is dropped right
  after the statement holding that use, inside the innermost block;
* a variable live into a branch (`if`, `match` arm) but dead in it is
  dropped at the branch's start;
* loops: `break` and `continue` see the loop head's live set H, so the
  loop body restores H (the checker's loop rule); `H - live after` is
  dropped after the loop, `H - live in body` at the body's start;
* `return e` evaluates `e`, drops what `e` read, then returns;
* nothing dies inside a conditional expression (`&&`, `||`, `if then
  else`): a consuming use there copies, and the drop comes after the
  statement;
* `unpack x` of an owned variable borrows x for the block when it can
  (x then lives to the block's end); when the block leaves x behind
  (`return`, a jump to a loop where x is dead, an assignment to x), it
  unpacks `do { x }` (x given to the unpack, released as the block exits)
  if x is not needed again, or else `copy x` (x is then free inside).

The per-expression, per-statement rules are in `ownership_exprs.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lolang import ir
from lolang.traverse import rebuild, walk
from lowering.naive.facts import Facts

Live = frozenset


@dataclass
class OwnershipContext:
    """One function: its owned variables, every function's declaration
    (for parameter modes), the live sets at the heads of the enclosing
    loops, and a supply of fresh names for result temporaries."""

    tracked: frozenset[str]
    funs: dict[str, ir.FunDecl]
    taken: set[str]
    facts: Facts
    loops: list[Live] = field(default_factory=list)
    counter: int = 0
    # Loop fixpoints re-run the bodies they hold: a loop's rewriting is
    # remembered by (loop, live after it, enclosing heads), so nested loops
    # cost no more than once each per distinct question.
    loop_memo: dict = field(default_factory=dict)
    # True while rewriting a statement that no jump can leave half-way:
    # a variable dying in a nested block's value may then be dropped
    # after the whole statement, which reads better than a temporary.
    calm: bool = False

    def temp(self) -> str:
        while True:
            self.counter += 1
            name = f"r{self.counter}"
            if name not in self.taken:
                self.taken.add(name)
                return name


def run(program: ir.Program) -> ir.Program:
    funs = {f.name: f for f in program.funs}
    decls = tuple(function(d, funs) if isinstance(d, ir.FunDecl) else d for d in program.decls)
    return rebuild(program, decls=decls)


def function(f: ir.FunDecl, funs: dict[str, ir.FunDecl]) -> ir.FunDecl:
    params = {p.name for p in f.params if isinstance(p.type, ir.PackType)}
    lets = {n.name for n in walk(f.body) if isinstance(n, ir.Let) and isinstance(n.type, ir.PackType)}
    names = {n.name for n in walk(f) if isinstance(n, (ir.Var, ir.Let, ir.Param, ir.PVar))}
    tracked = frozenset(params | lets)
    cx = OwnershipContext(tracked, funs, names, Facts(tracked))
    body, _ = block(cx, f.body, Live(), True, entry=Live(params))
    return rebuild(f, body=body)


# --------------------------------------------------------------------------
# Blocks and statements


def block(cx: OwnershipContext, b: ir.Block, live_after: Live, consumed: bool, entry: Live = Live(),
          outer: set[str] | None = None) -> tuple[ir.Block, Live]:
    """`b` rewritten, and the variables live at its start. `entry` are
    owned variables held on entry (dropped at once if dead). A variable
    declared outside `b` whose last use is `b`'s value goes to `outer`
    when given (the enclosing statement drops it), else it is dropped
    here, the value going through a temporary."""
    from lowering.naive.ownership_exprs import expr

    live = live_after
    result, tail = b.result, []
    if result is not None:
        pending: set[str] = set()
        result, live = expr(cx, result, live, consumed, pending)
        if outer is not None and cx.calm:
            local = {s.name for s in b.stmts if isinstance(s, ir.Let)}
            outer |= pending - local
            pending &= local
        if pending:
            tmp = cx.temp()
            tail = [ir.Let(tmp, None, result), *drops(pending)]
            result = ir.Var(tmp)
    rewritten: list[list[ir.Stmt]] = []  # last statement's first
    for s in reversed(b.stmts):
        new, live = stmt(cx, s, live)
        rewritten.append(new)
    out = [x for new in reversed(rewritten) for x in new]
    return ir.Block((*drops(entry - live), *out, *tail), result, span=b.span), live


def drops(names) -> list[ir.Stmt]:
    return [ir.Drop(ir.Var(n)) for n in sorted(names)]


def prepend(stmts: list[ir.Stmt], b: ir.Block) -> ir.Block:
    return rebuild(b, stmts=(*stmts, *b.stmts)) if stmts else b


def stmt(cx: OwnershipContext, s: ir.Stmt, live_out: Live) -> tuple[list[ir.Stmt], Live]:
    """`s` rewritten (with any drops after it) and the live set before it."""
    saved = cx.calm
    # The head of a compound statement is evaluated before any jump, and
    # a `return` drops before it leaves.
    exits = cx.facts.exits(s)
    cx.calm = isinstance(s, (ir.If, ir.Match, ir.While, ir.Return)) or not (exits.returns or exits.jumps)
    try:
        return STMTS[type(s)](cx, s, live_out)
    finally:
        cx.calm = saved



def _simple(cx: OwnershipContext, s, live_out: Live, parts: list[tuple[str, bool]]) -> tuple[list[ir.Stmt], Live]:
    """A statement evaluating its expression fields `parts` (name,
    consumed) left to right; what dies in them is dropped after it."""
    from lowering.naive.ownership_exprs import expr

    pending: set[str] = set()
    live, changes = live_out, {}
    for name, consumed in reversed(parts):
        changes[name], live = expr(cx, getattr(s, name), live, consumed, pending)
    return [rebuild(s, **changes), *drops(pending)], live


def _let(cx: OwnershipContext, s: ir.Let, live_out: Live):
    new, live = _simple(cx, s, live_out - {s.name}, [("value", not isinstance(s.type, ir.BorrowType))])
    if s.name in cx.tracked and s.name not in live_out:
        new.append(ir.Drop(ir.Var(s.name)))  # never used
    return new, live


def _assign(cx: OwnershipContext, s: ir.Assign, live_out: Live):
    """The checker wants `x` consumed before it is overwritten, so a new
    value computed from `x` goes through a temporary."""
    from lowering.naive.ownership_exprs import expr

    x = s.name
    pending: set[str] = set()
    value, live = expr(cx, s.value, live_out - {x}, True, pending)
    if x in cx.tracked and x in cx.facts.uses(s.value):
        tmp = cx.temp()
        new = [ir.Let(tmp, None, value), *drops(pending), ir.Assign(x, ir.Var(tmp))]
    else:
        new = [ir.Assign(x, value), *drops(pending)]
    if x in cx.tracked and x not in live_out:
        new.append(ir.Drop(ir.Var(x)))
    return new, live


def _return(cx: OwnershipContext, s: ir.Return, live_out: Live):
    from lowering.naive.ownership_exprs import expr

    if s.value is None:
        return [s], Live()
    pending: set[str] = set()
    value, live = expr(cx, s.value, Live(), True, pending)
    if not pending:
        return [rebuild(s, value=value)], live
    tmp = cx.temp()
    return [ir.Let(tmp, None, value), *drops(pending), ir.Return(ir.Var(tmp))], live


def _if(cx: OwnershipContext, s: ir.If, live_out: Live):
    from lowering.naive.ownership_exprs import expr

    then, live_then = block(cx, s.then, live_out, False)
    els, live_els = block(cx, _as_block(s.els), live_out, False)
    pending: set[str] = set()
    after_cond = live_then | live_els
    cond, live = expr(cx, s.cond, after_cond, False, pending)
    held = after_cond | pending
    then = prepend(drops(held - live_then), then)
    els = prepend(drops(held - live_els), els)
    return [ir.If(cond, then, _from_block(s.els, els), span=s.span)], live


def _as_block(els) -> ir.Block:
    match els:
        case None:
            return ir.Block(())
        case ir.If():
            return ir.Block((els,))
    return els


def _from_block(original, b: ir.Block):
    """Keep `else if` and a missing `else` when nothing was added."""
    if original is None and not b.stmts:
        return None
    if isinstance(original, ir.If) and len(b.stmts) == 1 and isinstance(b.stmts[0], ir.If):
        return b.stmts[0]
    return b


def _match(cx: OwnershipContext, s: ir.Match, live_out: Live):
    from lowering.naive.ownership_exprs import expr

    bodies = [block(cx, arm.body, live_out, False) for arm in s.arms]
    after = Live().union(*(lb for _, lb in bodies))
    pending: set[str] = set()
    scrutinee, live = expr(cx, s.scrutinee, after, False, pending)
    held = after | pending
    arms = tuple(rebuild(arm, body=prepend(drops(held - lb), body)) for arm, (body, lb) in zip(s.arms, bodies))
    return [rebuild(s, scrutinee=scrutinee, arms=arms)], live


def _while(cx: OwnershipContext, s: ir.While, live_out: Live):
    """H, the set live at the head, is the least fixpoint of
    H = uses(cond) | live_in(body, with H after it and at every jump) | live_out."""
    key = (id(s), live_out, tuple(cx.loops))
    if key not in cx.loop_memo:
        cx.loop_memo[key] = _loop(cx, s, live_out)
    return cx.loop_memo[key]


def _loop(cx: OwnershipContext, s: ir.While, live_out: Live):
    from lowering.naive.ownership_exprs import expr

    uses = cx.facts.uses(s.cond)
    head = uses | live_out
    while True:
        cx.loops.append(head)
        body, live_body = block(cx, s.body, head, False)
        cx.loops.pop()
        grown = uses | live_body | live_out
        if grown == head:
            break
        head = grown
    pending: set[str] = set()
    cond, _ = expr(cx, s.cond, head, False, pending)
    assert not pending, "a loop condition cannot be a variable's last use"
    body = prepend(drops(head - live_body), body)
    return [ir.While(cond, body, span=s.span), *drops(head - live_out)], head


def _jump(cx: OwnershipContext, s, live_out: Live):
    return [s], cx.loops[-1]


STMTS = {
    ir.Let: _let,
    ir.Assign: _assign,
    ir.IndexSet: lambda cx, s, live: _simple(cx, s, live, [("target", False), ("index", False), ("value", True)]),
    ir.ExprStmt: lambda cx, s, live: _simple(cx, s, live, [("expr", False)]),
    ir.Drop: lambda cx, s, live: _simple(cx, s, live, [("value", True)]),
    ir.If: _if,
    ir.While: _while,
    ir.Break: _jump,
    ir.Continue: _jump,
    ir.Return: _return,
    ir.Match: _match,
    ir.Merge: lambda cx, s, live: ([s], live),
}
