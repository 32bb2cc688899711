"""The lolang printer: `print_program(p) -> str`, the canonical text.

Canonical means: four-space indentation, one statement per line, a block
always opened on its construct's line and closed on a line of its own (an
empty block is `{}`), a blank line between declarations, single spaces
around binary operators, and only the parentheses the grammar needs.
`lolang.parser` reads it back to an equal program, and printing that gives
the same text again.

Blocks nested deeper than `MAX_INDENT_LEVEL` are not indented further.
Printing recurses over the tree; `print_program` runs on a deep stack
(`run_with_deep_stack`) so that a program nested 20,000 levels deep prints.
"""

from __future__ import annotations

import math

from diagnostics.deep_stack import run_with_deep_stack
from lolang import ir

INDENT = "    "
# Nesting deeper than this is not indented further: the text of a program
# nested n levels deep would otherwise grow as n^2 (20,000 levels would
# print 800 MB of spaces). No program a person reads gets near it.
MAX_INDENT_LEVEL = 64

# Binding strength of each printed form: the parser's precedence levels,
# plus a level for prefix forms and one for postfix forms and atoms.
_BINARY_PREC = {
    "||": 1, "&&": 2,
    "==": 3, "!=": 3, "<": 3, "<=": 3, ">": 3, ">=": 3,
    "+": 4, "-": 4,
    "*": 5, "/": 5, "%": 5,
}
_COMPARISON = 3
_PREFIX = 6
_POSTFIX = 7
_ATOM = 8


def print_program(p: ir.Program) -> str:
    return run_with_deep_stack(lambda: _Printer().program(p))


def print_expr(e: ir.Expr) -> str:
    def go() -> str:
        printer = _Printer()
        printer.expr(e)
        return printer.text()

    return run_with_deep_stack(go)


def print_type(t: ir.Type) -> str:
    return ir.type_str(t)


def pos_str(pos: ir.Pos | None) -> str:
    return "" if pos is None else f"@{pos.line}:{pos.col}"


def quote(text: str) -> str:
    """A string literal: `\\n \\t \\\\ \\"` escaped, other control bytes as
    `\\xHH`, other unprintable characters as `\\u{H...}`, the rest as is."""
    out = ['"']
    for c in text:
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\x{ord(c):02x}")
        elif not c.isprintable():
            out.append(f"\\u{{{ord(c):x}}}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def caps_suffix(region: str, caps: str) -> str:
    """`s: rw`, or `s` alone for no capability."""
    return f"{region}: {caps}" if caps else region


def _prec(e: ir.Expr) -> int:
    match e:
        case ir.Binary(op):
            return _BINARY_PREC[op]
        case ir.IfExpr():
            return 0
        case ir.Unary() | ir.Pack() | ir.Copy():
            return _PREFIX
        case ir.IntLit(value) if value < 0:
            return _PREFIX
        case ir.FloatLit(value) if math.copysign(1.0, value) < 0:
            return _PREFIX
        case ir.FieldGet() | ir.Index() | ir.Call() | ir.Builtin():
            return _POSTFIX
        case _:
            return _ATOM


class _Printer:
    """Writes into `self.out`, a list of pieces joined once at the end:
    returning strings and concatenating them would copy the inner text
    once per level, quadratic in the nesting."""

    def __init__(self) -> None:
        self.level = 0
        self.out: list[str] = []
        self.w = self.out.append

    def text(self) -> str:
        return "".join(self.out)

    def pad(self) -> str:
        return INDENT * min(self.level, MAX_INDENT_LEVEL)

    # ----------------------------------------------------------- declarations

    def program(self, p: ir.Program) -> str:
        for i, d in enumerate(p.decls):
            if i:
                self.w("\n")
            self.decl(d)
            self.w("\n")
        return self.text()

    def decl(self, d) -> None:
        match d:
            case ir.DataDecl(name, ctors):
                self.w(f"data {name} = ")
                for i, c in enumerate(ctors):
                    if i:
                        self.w(" | ")
                    self.ctor(c)
            case ir.FunDecl(name, regions, params, ret, body):
                self.w(f"fun {name}")
                if regions:
                    self.w(f"[{', '.join(caps_suffix(r.name, r.caps) for r in regions)}]")
                self.w("(")
                for i, q in enumerate(params):
                    if i:
                        self.w(", ")
                    self.w(f"{q.name}: ")
                    ir.write_type(q.type, self.out)
                self.w(")")
                if ret != ir.UNIT:
                    self.w(": ")
                    ir.write_type(ret, self.out)
                self.w(" ")
                self.block(body)
            case _:
                raise TypeError(f"not a lolang declaration: {d!r}")

    def ctor(self, c: ir.CtorDecl) -> None:
        self.w(c.name)
        if not c.fields:
            return
        self.w("(")
        for i, f in enumerate(c.fields):
            if i:
                self.w(", ")
            if f.name is not None:
                self.w(f"{f.name}: ")
            ir.write_type(f.type, self.out)
        self.w(")")

    # ------------------------------------------------------ blocks, statements

    def block(self, b: ir.Block) -> None:
        if not b.stmts and b.result is None:
            self.w("{}")
            return
        self.w("{\n")
        self.level += 1
        pad = self.pad()
        for s in b.stmts:
            self.w(pad)
            self.stmt(s)
            self.w("\n")
        if b.result is not None:
            self.w(pad)
            self.expr(b.result)
            self.w("\n")
        self.level -= 1
        self.w(self.pad() + "}")

    def stmt(self, s: ir.Stmt) -> None:
        w = self.w
        match s:
            case ir.Let(name, ty, value, mutable):
                w(f"{'var' if mutable else 'let'} {name}")
                if ty is not None:
                    w(": ")
                    ir.write_type(ty, self.out)
                w(" = ")
                self.expr(value)
                w(";")
            case ir.Assign(name, value):
                w(f"{name} = ")
                self.expr(value)
                w(";")
            case ir.IndexSet(target, index, value, pos):
                self.operand(target, _POSTFIX)
                w("[")
                self.expr(index)
                w(f"]{pos_str(pos)} = ")
                self.expr(value)
                w(";")
            case ir.ExprStmt(e):
                self.expr(e)
                w(";")
            case ir.If():
                self.if_stmt(s)
            case ir.While(cond, body):
                w("while ")
                self.expr(cond)
                w(" ")
                self.block(body)
            case ir.Break():
                w("break;")
            case ir.Continue():
                w("continue;")
            case ir.Return(None):
                w("return;")
            case ir.Return(value):
                w("return ")
                self.expr(value)
                w(";")
            case ir.Match(scrutinee, arms):
                self.match(scrutinee, arms)
            case ir.MatchReset(scrutinee, token, arms):
                self.match(scrutinee, arms, token)
            case ir.Drop(value):
                w("drop ")
                self.expr(value)
                w(";")
            case ir.Merge(region, into):
                w(f"merge {region} into {into};")
            case _:
                raise TypeError(f"not a lolang statement: {s!r}")

    def if_stmt(self, s: ir.If) -> None:
        # An `else if` chain is a loop, not a recursion: chains are long.
        while True:
            self.w("if ")
            self.expr(s.cond)
            self.w(" ")
            self.block(s.then)
            match s.els:
                case None:
                    return
                case ir.If():
                    self.w(" else ")
                    s = s.els
                case _:
                    self.w(" else ")
                    self.block(s.els)
                    return

    def match(self, scrutinee: ir.Expr, arms: tuple[ir.Arm, ...], token: str | None = None) -> None:
        self.w("match ")
        if token is not None:
            self.w("reset ")
        self.expr(scrutinee)
        if token is not None:
            self.w(f" as {token}")
        self.w(" {\n")
        self.level += 1
        pad = self.pad()
        for a in arms:
            self.w(pad)
            self.pattern(a.pattern)
            self.w(" => ")
            self.block(a.body)
            self.w("\n")
        self.level -= 1
        self.w(self.pad() + "}")

    def pattern(self, p: ir.Pattern) -> None:
        match p:
            case ir.PWild():
                self.w("_")
            case ir.PVar(name):
                self.w(name)
            case ir.PInt(value, u8):
                self.w(f"{value}u8" if u8 else str(value))
            case ir.PBool(value):
                self.w("true" if value else "false")
            case ir.PString(value):
                self.w(quote(value))
            case ir.PCtor(ctor, args):
                self.w(ctor)
                if args:
                    self.w("(")
                    for i, a in enumerate(args):
                        if i:
                            self.w(", ")
                        self.pattern(a)
                    self.w(")")
            case _:
                raise TypeError(f"not a lolang pattern: {p!r}")

    # ------------------------------------------------------------ expressions

    def operand(self, e: ir.Expr, min_prec: int) -> None:
        """`e` where only forms binding at least `min_prec` stand unbracketed."""
        if _prec(e) < min_prec:
            self.w("(")
            self.expr(e)
            self.w(")")
        else:
            self.expr(e)

    def args(self, args: tuple[ir.Expr, ...]) -> None:
        for i, a in enumerate(args):
            if i:
                self.w(", ")
            self.expr(a)

    def expr(self, e: ir.Expr) -> None:
        w = self.w
        match e:
            case ir.IntLit(value, u8):
                w(f"{value}u8" if u8 else str(value))
            case ir.FloatLit(value):
                w(repr(value))
            case ir.BoolLit(value):
                w("true" if value else "false")
            case ir.UnitLit():
                w("()")
            case ir.Var(name):
                w(name)
            case ir.Binary(op, left, right, pos):
                prec = _BINARY_PREC[op]
                # Left-associative, and comparisons do not chain at all.
                self.operand(left, prec + 1 if prec == _COMPARISON else prec)
                w(f" {op}{pos_str(pos)} ")
                self.operand(right, prec + 1)
            case ir.Unary(op, operand):
                w(op)
                self.prefix_operand(operand)
            case ir.Pack(caps, value):
                w(f"pack{{{caps}}} ")
                self.prefix_operand(value)
            case ir.Copy(value):
                w("copy ")
                self.prefix_operand(value)
            case ir.IfExpr(cond, then, els):
                w("if ")
                self.expr(cond)
                w(" then ")
                self.expr(then)
                w(" else ")
                self.expr(els)
            case ir.Call(func, regions, args, pos) | ir.Builtin(func, regions, args, pos):
                w(func)
                if regions:
                    w(f"[{', '.join(regions)}]")
                w("(")
                self.args(args)
                w(f"){pos_str(pos)}")
            case ir.NewData(region, ctor, args):
                w(f"new[{region}] {ctor}")
                if args:
                    w("(")
                    self.args(args)
                    w(")")
            case ir.Reuse(token, caps, ctor, args):
                w(f"reuse{{{caps}}} ")
                self.expr(token)
                w(f" {ctor}(")
                self.args(args)
                w(")")
            case ir.NewString(region, value):
                w(f"new[{region}] {quote(value)}")
            case ir.NewArray(region, elem, elems):
                w(f"new[{region}] ")
                ir.write_type(ir.ArrayType(elem), self.out)
                w(" [")
                self.args(elems)
                w("]")
            case ir.NewMap(region, key, value):
                w(f"new[{region}] ")
                ir.write_type(ir.MapType(key, value), self.out)
            case ir.FieldGet(target, name):
                self.operand(target, _POSTFIX)
                w(f".{name}")
            case ir.Index(target, index, pos):
                self.operand(target, _POSTFIX)
                w("[")
                self.expr(index)
                w(f"]{pos_str(pos)}")
            case ir.Region(name, body):
                w(f"region {name} ")
                self.block(body)
            case ir.Unpack(pack, region, var, body):
                w("unpack ")
                self.expr(pack)
                w(f" as {region}, {var} ")
                self.block(body)
            case ir.Restrict(region, caps, body):
                w(f"restrict {caps_suffix(region, caps)} ")
                self.block(body)
            case ir.Do(body):
                w("do ")
                self.block(body)
            case _:
                raise TypeError(f"not a lolang expression: {e!r}")

    def prefix_operand(self, e: ir.Expr) -> None:
        # A number right after `-` would fold into a negative literal when
        # read back, so a negated literal keeps its parentheses: `-(7)`.
        if isinstance(e, (ir.IntLit, ir.FloatLit)):
            self.w("(")
            self.expr(e)
            self.w(")")
        else:
            self.operand(e, _PREFIX)
