"""How each variable of a function is used: the facts of the linear
program (../shared/PASSES.md, principle 2) that the passes read.

In naive lolang every owned pack is consumed exactly once on every path:
a consuming use is a move (into a `let`, a store, a return, an owned
argument, a `drop`), `copy x` shares it, and an `unpack` of it or a `&`
argument borrows it. A *linear temporary* is a `let` whose pack has one
consuming use in the whole function, no copy, and otherwise only borrows:
its object goes exactly one place, on every path that does not stop the
program (a path that left it elsewhere would have needed a `drop` there,
a second consuming use).

Names are counted per function: a name declared twice (shadowing, which
the naive lowering never does) is never linear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from lolang import ir
from lolang.traverse import CHILD_FIELDS, CONSUMED, LENT, PLACE, VALUE, operands, walk


@dataclass
class VarUses:
    """Per variable name of one function."""

    declared: Counter = field(default_factory=Counter)   # lets, vars, params, pattern and unpack variables
    mutable: set = field(default_factory=set)            # declared with `var` (or assigned)
    consumed: Counter = field(default_factory=Counter)   # consuming uses
    unpacked: Counter = field(default_factory=Counter)   # unpacked as a place
    lent: Counter = field(default_factory=Counter)       # lent to a `&` parameter
    copied: Counter = field(default_factory=Counter)     # `copy x`
    read: Counter = field(default_factory=Counter)       # any other use
    defs: dict = field(default_factory=dict)             # name -> its `Let` (when declared once by a let)
    consumers: dict = field(default_factory=dict)        # name -> the nodes consuming it

    def is_linear_temp(self, name: str) -> bool:
        return (self.declared[name] == 1 and name in self.defs and name not in self.mutable
                and self.consumed[name] == 1 and not self.copied[name] and not self.read[name])


def var_uses(fun: ir.FunDecl, signature, table: dict | None = None) -> VarUses:
    """`signature(name)` gives a callee's declaration (lent or consumed);
    `table`, if given, is the function's `operand_table` for it."""
    u = VarUses()
    for p in fun.params:
        u.declared[p.name] += 1
    Let, Assign, Unpack, PVar, Copy, Var = ir.Let, ir.Assign, ir.Unpack, ir.PVar, ir.Copy, ir.Var
    # Dispatched on the node's exact type (the IR's classes have no
    # subclasses), not by a `match` statement's class patterns tried in
    # turn on every node.
    for n in walk(fun.body):
        kind = type(n)
        if kind is Let:
            u.declared[n.name] += 1
            if n.mutable:
                u.mutable.add(n.name)
            else:
                u.defs[n.name] = n
        elif kind is Assign:
            u.mutable.add(n.name)
        elif kind is Unpack:
            u.declared[n.var] += 1
        elif kind is PVar:
            u.declared[n.name] += 1
        elif kind is Copy and type(n.value) is Var:
            u.copied[n.value.name] += 1
        if table is not None:
            uses = table[id(n)]
        elif _has_var_child(n):
            uses = operands(n, signature)
        else:
            continue  # (only a variable's uses are counted)
        for child, use in uses:
            if not isinstance(child, ir.Var) or isinstance(n, ir.Copy):
                continue
            if use in (CONSUMED, VALUE):  # a block's value moves out of it
                u.consumed[child.name] += 1
                u.consumers.setdefault(child.name, []).append(n)
            elif use == PLACE:
                u.unpacked[child.name] += 1
            elif use == LENT:
                u.lent[child.name] += 1
            else:
                u.read[child.name] += 1
    return u


def _has_var_child(n) -> bool:
    """Whether a child of `n` is a variable (`operands` is costlier than
    this look, and most nodes have none)."""
    for name, many in CHILD_FIELDS.get(type(n), ()):
        value = getattr(n, name)
        if many:
            for c in value:
                if type(c) is ir.Var:
                    return True
        elif type(value) is ir.Var:
            return True
    return False


def uses_in(checked, fun: ir.FunDecl, funs: dict) -> VarUses:
    """`var_uses(fun, funs.get)`, computed once per function for a checked
    program (several analyses of one pass read the same function's; see
    `carry_over`). What `funs` says of a callee is only which parameters
    are borrowed, so the facts stand while that does."""
    return _memo(checked, "_var_uses", fun, funs,
                 lambda: var_uses(fun, funs.get, operand_table(checked, fun, funs)))


def operand_table(checked, fun: ir.FunDecl, funs: dict) -> dict[int, list]:
    """id(node) -> `operands(node, funs.get)`, for every node of `fun`'s
    body: the uses of §5.2 found once per function for a checked program,
    read by every analysis that walks the function with them."""
    def table():
        found = {}
        for n in walk(fun.body):
            found[id(n)] = operands(n, funs.get)
        return found

    return _memo(checked, "_operands", fun, funs, table)


def _memo(checked, kind: str, fun: ir.FunDecl, funs: dict, compute):
    memo = checked.__dict__.setdefault(kind, {})
    key = _lent_params(checked, funs)
    found = memo.get(id(fun))
    if found is None or found[0] is not fun or found[1] != key:
        found = memo[id(fun)] = (fun, key, compute())
    return found[2]


def carry_over(old, new) -> None:
    """Let checked program `new` reuse the `uses_in` and `operand_table`
    facts of `old` for the functions (the same objects) they share."""
    for kind in ("_var_uses", "_operands"):
        memo = old.__dict__.get(kind)
        if memo:
            new.__dict__.setdefault(kind, {}).update(memo)


def _lent_params(checked, funs: dict) -> tuple:
    """Which parameters of each function of `funs` are borrowed (the only
    thing `operands` reads of a callee), found once per `funs`."""
    found = checked.__dict__.get("_lent_params")
    if found is None or found[0] is not funs:
        found = checked.__dict__["_lent_params"] = (
            funs, tuple((name, tuple(isinstance(p.type, ir.BorrowType) for p in f.params)) for name, f in funs.items()))
    return found[1]
