"""The `swap-slots` pass: exchanging two elements of an array through a
temporary is one `swap`, which counts nothing (docs/passes.md).

Assumes: a checked lolang program, as `rc-elide` leaves it (the pass runs
after `unpack-in-place`; only `borrow-elements` follows).

Finds, in one block, the three statements

    let t = copy xs[i]@p;
    xs[i] = copy xs[j]@q;      (each maybe inside a `do { }`)
    xs[j] = t;

with xs a variable, t mentioned nowhere else, and i and j the same pure
expressions each time (variables, literals, `+ - *`, and `/` or `%` by a
non-zero literal, none of which can fail). That is the `swap(h, i, j)` of
every heap: two retains, two overwrites (each holding the new pack and
releasing the old one), two releases, and the array holds the same packs
as before. It becomes `swap(xs[i]@p, xs[j]@q)`.

Guarantees: the program prints the same and fails the same: i is checked
at p, then j at q, as the reads did (the writes' checks could not fail
after them). Two retains and two releases fewer per swap, and no region
lives longer: the array holds exactly what it held. Idempotent.
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import name_mentions, rebuild, transform, updated, walk
from lowering.passes.remarks import Remark, where

NAME = "swap-slots"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl) and any(isinstance(n, ir.IndexSet) for n in walk(decl.body)):
            decl = updated(decl, body=transform(decl.body, _swaps(decl.name, name_mentions(decl.body), remarks)))
        decls.append(decl)
    if not remarks:
        return PassResult(program, remarks)  # unchanged: the pipeline keeps its check
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)


def _swaps(fun: str, mentions: dict, remarks: list):
    def rewrite(node):
        if not isinstance(node, ir.Block) or len(node.stmts) < 3:
            return node
        stmts = list(node.stmts)
        out = []
        k = 0
        changed = False
        while k < len(stmts):
            found = _swap_at(stmts, k, mentions) if k + 2 < len(stmts) else None
            if found is None:
                out.append(stmts[k])
                k += 1
                continue
            remarks.append(Remark("swap", fun, "two elements exchanged, no count changing", where(found.args[0])))
            out.append(ir.ExprStmt(found, span=stmts[k].span))
            k += 3
            changed = True
        return rebuild(node, stmts=tuple(out)) if changed else node

    return rewrite


def _swap_at(stmts: list, k: int, mentions: dict):
    match stmts[k]:
        case ir.Let(t, _, ir.Copy(ir.Index(ir.Var(xs), i, p) as first), False):
            pass
        case _:
            return None
    one, two = _index_set(stmts[k + 1]), _index_set(stmts[k + 2])
    if one is None or two is None or mentions.get(t) != 1:
        return None
    match one:
        case ir.IndexSet(ir.Var(xs1), i1, ir.Copy(ir.Index(ir.Var(xs2), j, q) as second)):
            pass
        case _:
            return None
    match two:
        case ir.IndexSet(ir.Var(xs3), j1, ir.Var(t1)):
            pass
        case _:
            return None
    if not (xs == xs1 == xs2 == xs3 and t1 == t and p is not None and q is not None):
        return None
    if not (_pure(i) and _pure(j) and _same(i, i1) and _same(j, j1)):
        return None
    return ir.Builtin("swap", (), (first, second), span=stmts[k].span)


def _index_set(s):
    """The `xs[i] = v` of a statement, alone or in a `do { }`."""
    if isinstance(s, ir.IndexSet):
        return s
    if (isinstance(s, ir.ExprStmt) and isinstance(s.expr, ir.Do) and len(s.expr.body.stmts) == 1
            and s.expr.body.result is None and isinstance(s.expr.body.stmts[0], ir.IndexSet)):
        return s.expr.body.stmts[0]
    return None


def _pure(e) -> bool:
    """An index that evaluates to the same value each time, and cannot fail."""
    match e:
        case ir.Var() | ir.IntLit():
            return True
        case ir.Unary("-", x):
            return _pure(x)
        case ir.Binary("+" | "-" | "*", x, y):
            return _pure(x) and _pure(y)
        case ir.Binary("/" | "%", x, ir.IntLit(n)) if n != 0:
            return _pure(x)
    return False


def _same(a, b) -> bool:
    match a, b:
        case ir.Var(x), ir.Var(y):
            return x == y
        case ir.IntLit(x), ir.IntLit(y):
            return x == y and type(x) is type(y) and getattr(a, "u8", None) == getattr(b, "u8", None)
        case ir.Unary(o1, x), ir.Unary(o2, y):
            return o1 == o2 and _same(x, y)
        case ir.Binary(o1, x1, y1), ir.Binary(o2, x2, y2):
            return o1 == o2 and _same(x1, x2) and _same(y1, y2)
    return False
