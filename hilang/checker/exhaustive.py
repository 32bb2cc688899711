"""Exhaustiveness of `match` (LANGUAGE.md 1.5: a non-exhaustive match is a
compile-time error, reported at its `match` keyword).

The algorithm is the usefulness check of Maranget's "Warnings for pattern
matching" (JFP 2007), computing a witness: a pattern vector that no row
matches. Data types and Bool have finite constructor sets; S64, U8 and
String literals never cover their type, so such a column needs a wildcard.

Guarantees:
* `missing_patterns` returns up to `limit` example patterns the arms do not
  cover (each printed in hilang syntax: `Blue`, `Some(None)`,
  `Node(Leaf, _, _)`, `_`), or an empty list if the match is exhaustive.
* It is only called on well-typed arms (the caller skips it after a
  pattern error), and never reports unreachable arms.
"""

from __future__ import annotations

from dataclasses import dataclass

from hilang import ast
from hilang.checker.env import ProgramEnv
from hilang.checker.infer import resolve
from hilang.types import BOOL, DataType, Type, substitute


@dataclass(frozen=True)
class Con:
    """A constructor (data constructor name, True/False, or a literal
    `("lit", value)`) applied to sub-patterns."""

    key: object
    args: tuple = ()


WILD = None  # the wildcard, also what a variable pattern is


def normalize(pat: ast.Pattern, env: ProgramEnv):
    match pat:
        case ast.PWild() | ast.PVar():
            return WILD
        case ast.PInt(value) | ast.PString(value):
            return Con(("lit", value))
        case ast.PBool(value):
            return Con(value)
        case ast.PCtor(name, args):
            return Con(name, tuple(normalize(a, env) for a in args))
        case ast.PRecord(name, fields):
            given = {f: normalize(p, env) for f, p in fields}
            ctor = env.ctors[name]
            return Con(name, tuple(given.get(f, WILD) for f, _ in ctor.fields))
    raise TypeError(pat)


def _signature(t: Type, env: ProgramEnv):
    """[(key, argument types)] of a finite type, or None."""
    t = resolve(t)
    if t == BOOL:
        return [(True, []), (False, [])]
    if isinstance(t, DataType):
        info = env.datas[t.name]
        subst = info.subst(t)
        return [(c.name, [substitute(ft, subst) for _, ft in c.fields]) for c in info.ctors]
    return None


def _specialize(rows, key, arity: int):
    out = []
    for row in rows:
        head = row[0]
        if head is WILD:
            out.append([WILD] * arity + row[1:])
        elif head.key == key:
            out.append(list(head.args) + row[1:])
    return out


def _witness(rows, types, env: ProgramEnv):
    """A vector of patterns (one per column) that no row matches, or None."""
    if not types:
        return None if rows else []
    sig = _signature(types[0], env)
    heads = {row[0].key for row in rows if row[0] is not WILD}
    if sig is not None and heads and all(k in heads for k, _ in sig):
        for key, arg_types in sig:
            sub = _witness(_specialize(rows, key, len(arg_types)), arg_types + types[1:], env)
            if sub is not None:
                n = len(arg_types)
                return [Con(key, tuple(sub[:n]))] + sub[n:]
        return None
    rest = _witness([row[1:] for row in rows if row[0] is WILD], types[1:], env)
    if rest is None:
        return None
    if sig is None or not heads:
        return [WILD] + rest
    key, arg_types = next((k, a) for k, a in sig if k not in heads)
    return [Con(key, (WILD,) * len(arg_types))] + rest


def missing_patterns(arms: list[ast.Pattern], scrutinee: Type, env: ProgramEnv, limit: int = 3) -> list[str]:
    sig = _signature(scrutinee, env)
    if not arms and sig:
        # No arm at all: every constructor is missing, and naming them says
        # more than the witness `_` that usefulness alone would give.
        return [show(Con(key, (WILD,) * len(args)), env) for key, args in sig[:limit]]
    rows = [[normalize(p, env)] for p in arms]
    found = []
    while len(found) < limit:
        w = _witness(rows, [scrutinee], env)
        if w is None:
            break
        found.append(show(w[0], env))
        rows.append(w)
    return found


def show(p, env: ProgramEnv) -> str:
    if p is WILD:
        return "_"
    if isinstance(p.key, bool):
        return "true" if p.key else "false"
    if isinstance(p.key, tuple):
        return repr(p.key[1])
    ctor = env.ctors[p.key]
    if not p.args:
        return ctor.name
    shown = [show(a, env) for a in p.args]
    if ctor.named:
        fields = ", ".join(f"{n} = {s}" for (n, _), s in zip(ctor.fields, shown))
        return f"{ctor.name} {{ {fields} }}"
    return f"{ctor.name}({', '.join(shown)})"
