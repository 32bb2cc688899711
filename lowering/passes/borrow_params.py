"""The `borrow-params` pass: an owned pack parameter that the body only
reads, and drops once at its end, is borrowed instead (Perceus's and Lean
4's borrow inference for the case the naive lowering leaves owned).

Assumes: a checked lolang program.

The naive lowering makes a parameter owned when the body stores it: nqueens'
`appendSafe(queen, xs, xss)` puts `xs` in front of each new solution,
`Cons(q, xs)`, so it takes `xs: Pack{r} List`, stores `copy xs` each time
and drops `xs` before it returns, and every caller passes `copy xs`: one
retain and one release per call that change nothing, since the caller's
place holds the list throughout.

Finds each owned `Pack{c} T` parameter `p` (of any function but `main`)
whose every mention in the body is the place of an `unpack`, a `copy p`,
an argument lent to a borrowed parameter, or one `drop p` among the body's own statements with no `return` before it
and no mention of p after it; and whose every call passes `copy x`, x a
variable mentioned nowhere else in the call. It becomes `p: &Pack{c} T`,
its `drop` goes, and each call lends x (`appendSafe(queen, xs, out)`).
`borrow-regions`, next, may then make it a region parameter.

Guarantees: one retain and one release fewer per call, and nothing freed
at another time: the callee's `drop p` released the caller's copy, never
the last reference, since the place x it was copied from holds one for the
whole call (lent, x can be neither dropped nor reassigned meanwhile).
Idempotent (a borrowed parameter is not owned).
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import map_children, rebuild, walk
from lowering.passes.remarks import Remark

NAME = "borrow-params"
LEVEL = 1


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    funs = {f.name: f for f in program.funs}
    candidates = {(f.name, i) for f in funs.values() if f.name != "main"
                  for i, p in enumerate(f.params)
                  if isinstance(p.type, ir.PackType) and _only_read(f, p.name, funs)}
    if candidates:
        for f in funs.values():
            for n in walk(f.body):
                if isinstance(n, ir.Call):
                    for i, a in enumerate(n.args):
                        if (n.func, i) in candidates and not _lendable(n, a):
                            candidates.discard((n.func, i))
    remarks: list[Remark] = []
    if not candidates:
        return PassResult(program, remarks)
    by_function: dict[str, set[int]] = {}
    for name, i in candidates:
        by_function.setdefault(name, set()).add(i)

    def lend(n):
        n = map_children(n, lend)
        if isinstance(n, ir.Call) and n.func in by_function:
            args = tuple(a.value if i in by_function[n.func] else a for i, a in enumerate(n.args))
            return rebuild(n, args=args)
        return n

    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl):
            mine = by_function.get(decl.name, set())
            if mine:
                names = {decl.params[i].name for i in mine}
                params = tuple(rebuild(p, type=ir.BorrowType(p.type, span=p.type.span)) if i in mine else p
                               for i, p in enumerate(decl.params))
                stmts = tuple(s for s in decl.body.stmts
                              if not (isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)
                                      and s.value.name in names))
                decl = rebuild(decl, params=params, body=rebuild(decl.body, stmts=stmts))
                for name in sorted(names):
                    remarks.append(Remark("borrowed parameter", decl.name, f"'{name}' is only read"))
            decl = rebuild(decl, body=lend(decl.body))
        decls.append(decl)
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)


def _only_read(f: ir.FunDecl, name: str, funs: dict) -> bool:
    """Whether `name` is mentioned only as an unpack's place, in `copy`,
    lent to a borrowed parameter, and by one `drop` statement of the body,
    before which the body has no `return` and after which it mentions
    `name` no more."""
    stmts = f.body.stmts
    drops = [k for k, s in enumerate(stmts)
             if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name == name]
    if len(drops) != 1:
        return False
    d = drops[0]
    if any(isinstance(n, ir.Return) for s in stmts[:d] for n in walk(s)):
        return False
    allowed = {id(stmts[d].value)}
    for n in walk(f.body):
        match n:
            case ir.Unpack(ir.Var(v) as place, _, var, _):
                if v == name:
                    allowed.add(id(place))
                if var == name:
                    return False
            case ir.Copy(ir.Var(v) as place) if v == name:
                allowed.add(id(place))
            case ir.Call(func, _, args) if func in funs:
                for a, param in zip(args, funs[func].params):
                    if isinstance(a, ir.Var) and a.name == name and isinstance(param.type, ir.BorrowType):
                        allowed.add(id(a))
            case ir.Let(v) | ir.Assign(v) if v == name:
                return False
            case ir.PVar(v) if v == name:
                return False
            case ir.Var(v) if v == name and id(n) not in allowed:
                return False
    after = [*stmts[d + 1:], *((f.body.result,) if f.body.result is not None else ())]
    return not any(isinstance(n, ir.Var) and n.name == name for s in after for n in walk(s))


def _lendable(call: ir.Call, arg) -> bool:
    """`copy x`, x a variable the call mentions nowhere else."""
    if not (isinstance(arg, ir.Copy) and isinstance(arg.value, ir.Var)):
        return False
    x = arg.value.name
    return sum(isinstance(n, ir.Var) and n.name == x for a in call.args for n in walk(a)) == 1
