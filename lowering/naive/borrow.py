"""Which parameters a function owns, and which it only borrows (Lean 4's
`inferBorrow`, on hilang).

A heap parameter is **owned** (`Pack{c} T`: the caller hands over a
reference, the callee consumes it) when the body consumes it: returns it,
stores it (a constructor or record field, an array literal element, `push`,
`insert`, `a[i] = p`, `array(n, p)`), assigns it to a `var`, or passes it
to an owned parameter — directly or through a `let` alias, anywhere but
inside a `match` on the parameter itself. Every other heap parameter is
**borrowed** (`&Pack{c} T`): the caller keeps its reference for the call,
and the callee copies on the rare path that stores a borrowed value.

Why the `match` exception: a `match` unpacks the parameter for its arms, and
lolang does not let an unpacked place be consumed in the block (docs/lolang.md
§5.2), so an owned parameter consumed there would need a copy anyway — the
borrowed one needs the same copy and nothing else (`insertTree`'s
`return t`).

Passing to an owned parameter is itself a consumption, so the sets grow to a
fixpoint over the call graph. `main`'s parameter is always owned (the
engine hands it over, docs/lolang.md §4).

Assumes a checked, monomorphized program. Guarantees `infer(program)`
maps each function name to a tuple of flags, one per parameter (False for
primitives).
"""

from __future__ import annotations

from hilang import ast
from hilang import types as ht
# hilang's storing built-ins store the same arguments as their lolang namesakes.
from lolang.traverse import STORED_ARGS


def infer(program: ast.Program) -> dict[str, tuple[bool, ...]]:
    funs = {f.name: f for f in program.funs}
    owned: dict[str, set[int]] = {name: set() for name in funs}
    if "main" in funs and funs["main"].params:
        owned["main"].add(0)
    changed = True
    while changed:
        changed = False
        for f in funs.values():
            found = _consumed(f, owned)
            if not found <= owned[f.name]:
                owned[f.name] |= found
                changed = True
    return {name: tuple(i in owned[name] for i in range(len(f.params))) for name, f in funs.items()}


def _consumed(f: ast.FunDecl, owned: dict[str, set[int]]) -> set[int]:
    """The indexes of the heap parameters `f`'s body consumes."""
    walker = _Walker(owned)
    env = {p.name: i for i, p in enumerate(f.params)}
    walker.block(f.body, env, frozenset())
    return walker.found


class _Walker:
    """Walks one body. `env` maps a name in scope to the parameter it
    stands for (the parameter, or a `let` alias of it); `inside` holds the
    parameters whose `match` arms we are in."""

    def __init__(self, owned: dict[str, set[int]]):
        self.owned = owned
        self.found: set[int] = set()

    def block(self, b: ast.Block, env: dict, inside: frozenset) -> None:
        env = dict(env)
        for s in b.stmts:
            self.stmt(s, env, inside)

    def stmt(self, s: ast.Stmt, env: dict, inside: frozenset) -> None:
        match s:
            case ast.Let(name, _, ast.Var(other), False) if other in env:
                env[name] = env[other]  # an alias: its uses are the parameter's
            case ast.Let(name, _, value, _):
                self.expr(value, env, inside, True)
                env.pop(name, None)
            case ast.Assign(_, value):
                self.expr(value, env, inside, True)
            case ast.IndexAssign(target, index, value):
                self.expr(target, env, inside, False)
                self.expr(index, env, inside, False)
                self.expr(value, env, inside, True)
            case ast.If(cond, then, els):
                self.expr(cond, env, inside, False)
                self.block(then, env, inside)
                if isinstance(els, ast.Block):
                    self.block(els, env, inside)
                elif els is not None:
                    self.stmt(els, env, inside)
            case ast.While(cond, body):
                self.expr(cond, env, inside, False)
                self.block(body, env, inside)
            case ast.ForRange(var, lo, hi, body):
                self.expr(lo, env, inside, False)
                self.expr(hi, env, inside, False)
                self.block(body, {k: v for k, v in env.items() if k != var}, inside)
            case ast.ForEach(var, iterable, body):
                self.expr(iterable, env, inside, False)
                self.block(body, {k: v for k, v in env.items() if k != var}, inside)
            case ast.Return(value) if value is not None:
                self.expr(value, env, inside, True)
            case ast.Match(scrutinee, arms):
                self.expr(scrutinee, env, inside, False)
                if isinstance(scrutinee, ast.Var) and scrutinee.name in env:
                    inside = inside | {env[scrutinee.name]}
                for arm in arms:
                    bound = _pattern_vars(arm.pattern)
                    self.block(arm.body, {k: v for k, v in env.items() if k not in bound}, inside)
            case ast.ExprStmt(e):
                self.expr(e, env, inside, False)

    def expr(self, e: ast.Expr, env: dict, inside: frozenset, consumed: bool) -> None:
        match e:
            case ast.Var(name):
                if consumed and name in env and env[name] not in inside and ht.is_heap(e.ty):
                    self.found.add(env[name])
            case ast.Call(func, args) if e.builtin:
                stored = STORED_ARGS.get(func, ())
                for i, a in enumerate(args):
                    self.expr(a, env, inside, i in stored)
            case ast.Call(func, args):
                for i, a in enumerate(args):
                    self.expr(a, env, inside, i in self.owned.get(func, ()))
            case ast.Construct(_, args) | ast.ArrayLit(args):
                for a in args:
                    self.expr(a, env, inside, True)
            case ast.RecordLit(_, fields, base):
                if base is not None:
                    self.expr(base, env, inside, False)
                for _, value in fields:
                    self.expr(value, env, inside, True)
            case ast.IfExpr(cond, then, els):
                self.expr(cond, env, inside, False)
                self.expr(then, env, inside, consumed)
                self.expr(els, env, inside, consumed)
            case ast.Binary(_, left, right):
                self.expr(left, env, inside, False)
                self.expr(right, env, inside, False)
            case ast.Unary(_, operand) | ast.FieldGet(operand, _):
                self.expr(operand, env, inside, False)
            case ast.Index(target, index):
                self.expr(target, env, inside, False)
                self.expr(index, env, inside, False)


def _pattern_vars(p: ast.Pattern) -> set[str]:
    match p:
        case ast.PVar(name):
            return {name}
        case ast.PCtor(_, args):
            return set().union(*(_pattern_vars(a) for a in args))
        case ast.PRecord(_, fields):
            return set().union(*(_pattern_vars(sub) for _, sub in fields))
    return set()
