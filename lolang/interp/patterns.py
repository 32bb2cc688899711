"""`match` to closures: each pattern becomes a test `t(value, frame) ->
bool` that binds its variables into the frame as it goes; the first arm
whose test passes runs. A data or string scrutinee's region is checked
alive once, before the arms (every object a pattern looks into through
same-region fields is in that region).
"""

from __future__ import annotations

from lolang import ir
from lolang.interp.compiler import FunctionCompiler


def compile_match(k: FunctionCompiler, s: ir.Match):
    from lolang.interp.exprs import compile_expr
    from lolang.interp.stmts import block_stmt

    live = k.m.live
    scrutinee = compile_expr(k, s.scrutinee)
    t = k.type_of(s.scrutinee)
    is_object = isinstance(t, ir.RefType)
    arms = []
    for arm in s.arms:
        k.push()
        test = _pattern(k, arm.pattern)
        body = block_stmt(k, arm.body)
        k.pop()
        arms.append((test, body))

    def match(fr):
        value = scrutinee(fr)
        if is_object:
            live(value[0], "match an object in")
        for test, body in arms:
            if test(value, fr):
                return body(fr)
        raise AssertionError("non-exhaustive match in a checked program")

    return match


def _always(value, fr) -> bool:
    return True


def _pattern(k: FunctionCompiler, p):
    match p:
        case ir.PWild():
            return _always
        case ir.PVar(name):
            slot = k.bind(name)

            def bind(value, fr):
                fr[slot] = value
                return True

            return bind
        case ir.PInt(expected) | ir.PBool(expected):
            # `True == 1` in Python, but the checker keeps Bool and S64
            # patterns on their own scrutinees.
            return lambda value, fr: value == expected
        case ir.PString(text):
            data = text.encode("utf-8")
            return lambda value, fr: value[1] == data
        case ir.PCtor(name, args):
            subs = [(2 + i, _pattern(k, a)) for i, a in enumerate(args) if not isinstance(a, ir.PWild)]
            if not subs:
                return lambda value, fr: value[1] == name

            def ctor(value, fr):
                if value[1] != name:
                    return False
                for i, test in subs:
                    if not test(value[i], fr):
                        return False
                return True

            return ctor
    raise TypeError(f"not a pattern: {p!r}")
