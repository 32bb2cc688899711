"""Print hilang ASTs back as source text.

`print_program(p)` writes idiomatic hilang: four-space indentation, one
statement per line, a blank line between declarations, and only the
parentheses that precedence (LANGUAGE.md 1.5) or the parser's rules need.
What it guarantees: for every program `p` the parser can produce,
`parse(Source(name, print_program(p))) == p` (equality ignores spans).

Where a node could not have come from the parser, the text is the closest
hilang that means the same, so the round trip gives an equal program but not
an equal tree; the text is then printed again unchanged
(`print_program(parse(print_program(p))) == print_program(p)`):

* a negative `IntLit` or `FloatLit` is written as the unary minus it means,
  `-7`, and an infinite or NaN float as the division that makes it,
  `1.0 / 0.0` (each parenthesised where that expression would be);
* a `Call` with `ufcs=True` but no arguments is written as a plain call;
* a capability set on a type other than `Array` and `Map` is written as
  `mut` if it is `rwa` (hilang has no other way to write it); `{r}` or
  `{rw}` there is written as braces, which do not parse back.

Layout choices beyond the parser's needs, for readability: a nested
`if ... then ... else` is parenthesised except as an `else` branch (so
else-if chains read naturally); `-(-x)` rather than `--x`; a match arm whose
body is one short simple statement stays on the arm's line; a `data`
declaration too long for one line continues on lines that start with `|`.
Indentation stops growing after `MAX_INDENT_LEVELS`, so that a program
nested tens of thousands of levels deep prints in linear space.

The printer recurses along the tree; when a tree is too deep for Python's
default stack it is printed again on `run_with_deep_stack`'s deep stack.
"""

from __future__ import annotations

import math
from typing import Callable, TypeVar

from diagnostics.deep_stack import run_with_deep_stack
from hilang import ast
from hilang.lexer import CONTAINERS_WITH_CAPS

INDENT = "    "
MAX_INDENT_LEVELS = 32
LINE_WIDTH = 100

# Binding strength, loosest first; see LANGUAGE.md 1.5.
IF_LEVEL = 0
BINARY_LEVELS = {
    "||": 1,
    "&&": 2,
    "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
    "+": 4, "-": 4, "++": 4,
    "*": 5, "/": 5, "%": 5,
}
COMPARISON_LEVEL = 3
UNARY_LEVEL = 6
POSTFIX_LEVEL = 7
ATOM_LEVEL = 8

_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}

T = TypeVar("T")


def _deep(fn: Callable[[], T]) -> T:
    """Run `fn` here, or on a deep stack when the tree is deeper than
    Python's default recursion limit allows."""
    try:
        return fn()
    except RecursionError:
        return run_with_deep_stack(fn)


def print_program(program: ast.Program) -> str:
    return _deep(lambda: _program(program))


def print_type(te: ast.TypeExpr) -> str:
    return _deep(lambda: _type(te))


def print_expr(e: ast.Expr) -> str:
    return _deep(lambda: _expr(e))


def print_pattern(pattern: ast.Pattern) -> str:
    return _deep(lambda: _pattern(pattern))


# --------------------------------------------------------------------------
# declarations


def _program(program: ast.Program) -> str:
    chunks = ["\n".join(_decl(d)) for d in program.decls]
    return "\n\n".join(chunks) + "\n" if chunks else ""


def _decl(decl) -> list[str]:
    match decl:
        case ast.DataDecl():
            return _data(decl)
        case ast.FunDecl(name=name, params=params, ret=ret, body=body):
            params_text = ", ".join(f"{p.name}: {_type(p.type)}" for p in params)
            ret_text = f": {_type(ret)}" if ret is not None else ""
            lines: list[str] = []
            _block(body, f"fun {name}({params_text}){ret_text} ", "", 0, lines)
            return lines
    raise TypeError(f"not a declaration: {decl!r}")


def _data(decl: ast.DataDecl) -> list[str]:
    head = " ".join(["data", decl.name, *decl.params]) + " = "
    if _is_record_form(decl):
        return [head + _named_fields(decl.ctors[0].fields)]
    # Fill lines greedily; continuation lines start with `| `.
    lines = [head + _ctor(decl.ctors[0])]
    for ctor in decl.ctors[1:]:
        text = _ctor(ctor)
        if len(lines[-1]) + 3 + len(text) <= LINE_WIDTH:
            lines[-1] += f" | {text}"
        else:
            lines.append(f"{INDENT}| {text}")
    return lines


def _is_record_form(decl: ast.DataDecl) -> bool:
    return (decl.record and len(decl.ctors) == 1 and decl.ctors[0].name == decl.name
            and decl.ctors[0].named)


def _ctor(ctor: ast.CtorDecl) -> str:
    if ctor.named:
        return f"{ctor.name} {_named_fields(ctor.fields)}"
    if not ctor.fields:
        return ctor.name
    return f"{ctor.name}({', '.join(_type(f.type) for f in ctor.fields)})"


def _named_fields(fields: tuple[ast.FieldDecl, ...]) -> str:
    if not fields:
        return "{}"
    return "{ " + ", ".join(f"{f.name}: {_type(f.type)}" for f in fields) + " }"


# --------------------------------------------------------------------------
# types


def _type(te: ast.TypeExpr, as_argument: bool = False) -> str:
    if isinstance(te, ast.TypeVarRef):
        return te.name
    written_mut = te.caps == "rwa" and (te.mut or te.name not in CONTAINERS_WITH_CAPS)
    head = te.name
    if te.caps is not None and not written_mut:
        head += "{" + te.caps + "}"
    text = " ".join([head, *(_type(a, as_argument=True) for a in te.args)])
    if written_mut:
        text = "mut " + text
    if as_argument and (te.args or written_mut):
        return f"({text})"
    return text


# --------------------------------------------------------------------------
# statements


def _indent(depth: int) -> str:
    return INDENT * min(depth, MAX_INDENT_LEVELS)


def _block(block: ast.Block, opener: str, closer_suffix: str, depth: int, lines: list[str]) -> None:
    """Append `opener{`, the statements one level deeper, and `}` +
    `closer_suffix`; an empty block is `{}` on the opener's line."""
    if not block.stmts:
        lines.append(f"{_indent(depth)}{opener}{{}}{closer_suffix}")
        return
    lines.append(f"{_indent(depth)}{opener}{{")
    for stmt in block.stmts:
        _stmt(stmt, depth + 1, lines)
    lines.append(f"{_indent(depth)}}}{closer_suffix}")


def _stmt(stmt, depth: int, lines: list[str]) -> None:
    pad = _indent(depth)
    match stmt:
        case ast.Let(name=name, type=te, value=value, mutable=mutable):
            keyword = "var" if mutable else "let"
            annotation = f": {_type(te)}" if te is not None else ""
            lines.append(f"{pad}{keyword} {name}{annotation} = {_expr(value)};")
        case ast.Assign(name=name, value=value):
            lines.append(f"{pad}{name} = {_expr(value)};")
        case ast.IndexAssign(target=target, index=index, value=value):
            lines.append(f"{pad}{_expr(target, POSTFIX_LEVEL)}[{_expr(index)}] = {_expr(value)};")
        case ast.If():
            _if_chain(stmt, depth, lines)
        case ast.While(cond=cond, body=body):
            _block(body, f"while {_head(cond)} ", "", depth, lines)
        case ast.ForRange(var=var, lo=lo, hi=hi, body=body):
            _block(body, f"for {var} in {_head(lo)}..{_head(hi)} ", "", depth, lines)
        case ast.ForEach(var=var, iterable=iterable, body=body):
            _block(body, f"for {var} in {_head(iterable)} ", "", depth, lines)
        case ast.Break():
            lines.append(f"{pad}break;")
        case ast.Continue():
            lines.append(f"{pad}continue;")
        case ast.Return(value=None):
            lines.append(f"{pad}return;")
        case ast.Return(value=value):
            lines.append(f"{pad}return {_expr(value)};")
        case ast.Match(scrutinee=scrutinee, arms=arms):
            lines.append(f"{pad}match {_head(scrutinee)} {{")
            for arm in arms:
                _arm(arm, depth + 1, lines)
            lines.append(f"{pad}}}")
        case ast.ExprStmt(expr=e):
            lines.append(f"{pad}{_expr(e)};")
        case _:
            raise TypeError(f"not a statement: {stmt!r}")


def _if_chain(stmt: ast.If, depth: int, lines: list[str]) -> None:
    """`if c { } else if d { } else { }`, walking the `else if` links in a
    loop: a chain of ten thousand `else if`s is one level deep here."""
    opener = f"if {_head(stmt.cond)} "
    while True:
        els = stmt.els
        _block(stmt.then, opener, " else" if els is not None else "", depth, lines)
        if els is None:
            return
        # Continue the `} else` line with the next opener.
        continued = lines.pop().lstrip()
        if isinstance(els, ast.If):
            opener = f"{continued} if {_head(els.cond)} "
            stmt = els
            continue
        _block(els, continued + " ", "", depth, lines)
        return


def _arm(arm: ast.Arm, depth: int, lines: list[str]) -> None:
    opener = f"{_pattern(arm.pattern)} => "
    if len(arm.body.stmts) == 1 and _is_simple(arm.body.stmts[0]):
        inner: list[str] = []
        _stmt(arm.body.stmts[0], 0, inner)
        one_line = f"{_indent(depth)}{opener}{{ {inner[0]} }}"
        if len(one_line) <= LINE_WIDTH:
            lines.append(one_line)
            return
    _block(arm.body, opener, "", depth, lines)


def _is_simple(stmt) -> bool:
    return not isinstance(stmt, (ast.If, ast.While, ast.ForRange, ast.ForEach, ast.Match))


# --------------------------------------------------------------------------
# expressions


def _head(e) -> str:
    """An expression in the head of `if`, `while`, `for` or `match`: no
    record literal outside delimiters (the parser would take its `{` for
    the block), and a nested `if ... then` in parentheses for readability."""
    return _expr(e, IF_LEVEL + 1, no_record=True)


def _expr(e, min_level: int = IF_LEVEL, no_record: bool = False) -> str:
    """`e` as text that binds at least as tightly as `min_level`. With
    `no_record`, a record literal that is not inside delimiters is wrapped
    in parentheses (see `_head`)."""
    level, text = _expr_with_level(e, no_record)
    if level < min_level:
        return f"({text})"
    return text


def _expr_with_level(e, no_record: bool) -> tuple[int, str]:
    spelled = _literal_as_written(e)
    if spelled is not e:
        return _expr_with_level(spelled, no_record)
    match e:
        case ast.IntLit(value=value, u8=u8):
            return ATOM_LEVEL, f"{value}u8" if u8 else str(value)
        case ast.FloatLit(value=value):
            return ATOM_LEVEL, repr(value)  # the shortest text that reads back as `value`
        case ast.BoolLit(value=value):
            return ATOM_LEVEL, "true" if value else "false"
        case ast.StringLit(value=value):
            return ATOM_LEVEL, _string(value)
        case ast.UnitLit():
            return ATOM_LEVEL, "()"
        case ast.Var(name=name):
            return ATOM_LEVEL, name
        case ast.Call(func=func, args=args, ufcs=True) if args:
            target = _expr(args[0], POSTFIX_LEVEL, no_record)
            return POSTFIX_LEVEL, f"{target}.{func}({_args(args[1:])})"
        case ast.Call(func=func, args=args):
            return ATOM_LEVEL, f"{func}({_args(args)})"
        case ast.Construct(ctor=ctor, args=()):
            return ATOM_LEVEL, ctor
        case ast.Construct(ctor=ctor, args=args):
            return ATOM_LEVEL, f"{ctor}({_args(args)})"
        case ast.RecordLit():
            text = _record(e)
            return ATOM_LEVEL, f"({text})" if no_record else text
        case ast.FieldGet(target=target, name=name):
            return POSTFIX_LEVEL, f"{_expr(target, POSTFIX_LEVEL, no_record)}.{name}"
        case ast.Index(target=target, index=index):
            return POSTFIX_LEVEL, f"{_expr(target, POSTFIX_LEVEL, no_record)}[{_expr(index)}]"
        case ast.ArrayLit(elems=elems):
            return ATOM_LEVEL, f"[{_args(elems)}]"
        case ast.IfExpr(cond=cond, then=then, els=els):
            cond_text = _expr(cond, IF_LEVEL + 1, no_record=True)
            then_text = _expr(then, IF_LEVEL + 1)
            # The else branch ends the expression, so a surrounding head's
            # no-record rule reaches into it.
            els_text = _expr(els, IF_LEVEL, no_record)
            return IF_LEVEL, f"if {cond_text} then {then_text} else {els_text}"
        case ast.Unary(op=op, operand=operand):
            text = _expr(operand, UNARY_LEVEL, no_record)
            if text.startswith("-"):
                text = f"({text})"
            return UNARY_LEVEL, f"{op}{text}"
        case ast.Binary(op=op, left=left, right=right):
            level = BINARY_LEVELS[op]
            # Comparisons do not associate; the others associate to the left.
            left_level = level + 1 if level == COMPARISON_LEVEL else level
            left_text = _expr(left, left_level, no_record)
            right_text = _expr(right, level + 1, no_record)
            return level, f"{left_text} {op} {right_text}"
    raise TypeError(f"not an expression: {e!r}")


def _args(args) -> str:
    return ", ".join(_expr(a) for a in args)


def _record(e: ast.RecordLit) -> str:
    """`P { a = 1 }`, `P { p with a = 1 }`, `P {}`."""
    parts = [f"{name} = {_expr(value)}" for name, value in e.fields]
    inside = ", ".join(parts)
    if e.base is not None:
        inside = f"{_expr(e.base)} with {inside}".rstrip()
    return f"{e.ctor} {{ {inside} }}" if inside else f"{e.ctor} {{}}"


def _literal_as_written(e):
    """A literal no source text produces, as the expression that means it:
    `IntLit(-7)` as `-7`, an infinite float as `1.0 / 0.0`. Anything else
    is returned as it is."""
    match e:
        case ast.IntLit(value=value, u8=u8) if value < 0:
            return ast.Unary("-", ast.IntLit(-value, u8=u8))
        case ast.FloatLit(value=value) if math.isnan(value):
            return ast.Binary("/", ast.FloatLit(0.0), ast.FloatLit(0.0))
        case ast.FloatLit(value=value) if math.isinf(value):
            return ast.Binary("/", ast.FloatLit(math.copysign(1.0, value)), ast.FloatLit(0.0))
        case ast.FloatLit(value=value) if math.copysign(1.0, value) < 0:
            return ast.Unary("-", ast.FloatLit(-value))
    return e


def _string(value: str) -> str:
    return '"' + "".join(_STRING_ESCAPES.get(ch, ch) for ch in value) + '"'


# --------------------------------------------------------------------------
# patterns


def _pattern(pattern) -> str:
    match pattern:
        case ast.PWild():
            return "_"
        case ast.PVar(name=name):
            return name
        case ast.PInt(value=value, u8=u8):
            return f"{value}u8" if u8 else str(value)
        case ast.PBool(value=value):
            return "true" if value else "false"
        case ast.PString(value=value):
            return _string(value)
        case ast.PCtor(ctor=ctor, args=()):
            return ctor
        case ast.PCtor(ctor=ctor, args=args):
            return f"{ctor}({', '.join(_pattern(a) for a in args)})"
        case ast.PRecord(ctor=ctor, fields=()):
            return f"{ctor} {{}}"
        case ast.PRecord(ctor=ctor, fields=fields, shorthand=shorthand):
            parts = [_field_pattern(i, name, sub, shorthand) for i, (name, sub) in enumerate(fields)]
            return f"{ctor} {{ {', '.join(parts)} }}"
    raise TypeError(f"not a pattern: {pattern!r}")


def _field_pattern(i: int, name: str, sub, shorthand: tuple[bool, ...]) -> str:
    """`w` when the field binds a variable of its own name (and was written
    that way, if the parser recorded how), else `w = pattern`."""
    written_bare = shorthand[i] if i < len(shorthand) else True
    if written_bare and sub == ast.PVar(name):
        return name
    return f"{name} = {_pattern(sub)}"
