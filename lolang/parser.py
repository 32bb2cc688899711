"""The lolang parser (sly, LALR): `parse(source) -> ir.Program`.

docs/lolang.md, "Grammar", is the reference; `lolang.printer` writes what
this reads (print, parse, print is the identity). Every syntax error raises
`CompileError` with its position; nothing else escapes, whatever the input.

LALR parsing is iterative, so arbitrarily deep nesting costs heap, not
Python stack. Notes on the grammar:

* `f[q](x)` (a call with region arguments) and `xs[i]` (an index) share the
  prefix `name [ ... ]`, so both are read as a bracketed list and told apart
  by what follows: `(` makes it a call, whose bracketed items must be region
  names; otherwise it is an index of exactly one expression.
* A `-` directly touching a number literal (`-7`, not `- 7` nor `-(7)`)
  folds into a negative literal, so the printer can write every literal
  value, S64's minimum included, and `-(7)` stays a negation.
* Types are parsed by one rule and checked against where they stand: slot
  types (fields, elements) have no `@r` and no `&`, value types (parameters,
  results, annotations) are never a bare object type.
"""

from __future__ import annotations

import math

from sly import Parser

from diagnostics import CompileError, Source
from lolang import ir
from lolang.lexer import LineMap, LolangLexer

S64_MAX = (1 << 63) - 1

# How a token is named in "unexpected ..." messages.
_DESCRIBE = {
    "ID": "name", "UID": "name", "INT": "number", "FLOAT": "number",
    "STRING": "string", "POS": "position",
}


class LolangParser(Parser):
    tokens = LolangLexer.tokens
    # No conflicts are resolved silently except the two classic ones:
    # `if c then a else b + 1` extends the else branch, and the binary
    # operators have hilang's precedence (comparisons do not chain).
    precedence = (
        ("right", ELSE),
        ("left", OR),
        ("left", AND),
        ("nonassoc", EQ, NE, LT, LE, GT, GE),
        ("left", PLUS, MINUS),
        ("left", TIMES, DIV, MOD),
    )

    def __init__(self, source: Source, lines: LineMap):
        self.source = source
        self.lines = lines
        # IntLits holding 2^63: legal only when a `-` folds them; whatever
        # is left here at the end is an out-of-range literal.
        self.pending_min: dict[int, ir.IntLit] = {}

    # ---------------------------------------------------------------- helpers

    def span(self, p):
        return self.lines.span(p.index, p.end or p.index + 1)

    def sym_span(self, p, i: int):
        """The span of the i-th symbol of production `p`."""
        sym = p._slice[i]
        return self.lines.span(sym.index, sym.end or sym.index + 1)

    def tspan(self, tok_index: int, length: int = 1):
        return self.lines.span(tok_index, tok_index + length)

    def fail(self, span, message: str):
        raise CompileError.at(span, message)

    def caps_of(self, text: str, span) -> str:
        try:
            return ir.caps(text)
        except ValueError:
            self.fail(span, f"'{text}' is not a capability set: use letters r, w, a, each at most once")

    def slot(self, t, span):
        """`t` where a slot type stands (field, element, key, value)."""
        match t:
            case ir.RefType():
                self.fail(span, "a field or element type names no region: "
                          "a bare type is in the holder's region, a `Pack{...}` in its own")
            case ir.BorrowType():
                self.fail(span, "a field or element cannot hold a borrowed pack")
        return t

    def value(self, t, span):
        """`t` where a value type stands (parameter, result, annotation)."""
        if ir.is_obj(t):
            self.fail(span, f"'{ir.type_str(t)}' needs a region: write '{ir.type_str(t)} @r' or a Pack")
        return t

    def region_names(self, exprs, span) -> tuple[str, ...]:
        names = []
        for e in exprs:
            if not isinstance(e, ir.Var):
                self.fail(e.span, "region arguments are region names")
            names.append(e.name)
        return tuple(names)

    def call(self, name, regions, args, pos, span):
        info = ir.BUILTINS.get(name)
        if info is None:
            return ir.Call(name, regions, tuple(args), pos, span=span)
        if len(regions) != info.regions:
            want = "no region argument" if info.regions == 0 else f"{info.regions} region argument(s)"
            self.fail(span, f"built-in '{name}' takes {want}")
        if info.arity is not None and len(args) != info.arity:
            self.fail(span, f"built-in '{name}' takes {info.arity} argument(s), not {len(args)}")
        return ir.Builtin(name, regions, tuple(args), pos, span=span)

    def int_lit(self, tok, span, negative=False):
        value, u8 = tok
        value = -value if negative else value
        if u8 and not 0 <= value <= 255:
            self.fail(span, f"U8 literal {value} is out of range 0..255")
        if not u8 and not -S64_MAX - 1 <= value <= S64_MAX + 1:
            self.fail(span, f"S64 literal {value} is out of range")
        return value, u8

    def error(self, t):
        if t is None:
            end = len(self.source.text)
            self.fail(self.lines.span(end, end), "unexpected end of input")
        kind = _DESCRIBE.get(t.type)
        text = t.value if isinstance(t.value, str) else self.source.text[t.index:t.end]
        what = f"{kind} '{text}'" if kind and t.type != "STRING" else f"'{text}'"
        if t.type == "STRING":
            what = "string literal"
        if t.type == "AT":
            what += " ('@' stands after an object type, `T @r`; a position is '@LINE:COL')"
        self.fail(self.tspan(t.index, max(1, t.end - t.index)), f"syntax error: unexpected {what}")

    # ----------------------------------------------------------- declarations

    @_("decls")
    def program(self, p):
        return ir.Program(tuple(p.decls), span=self.lines.span(0, len(self.source.text)))

    @_("")
    def decls(self, p):
        return []

    @_("decls decl")
    def decls(self, p):
        p.decls.append(p.decl)
        return p.decls

    @_("DATA UID ASSIGN ctors")
    def decl(self, p):
        return ir.DataDecl(p.UID, tuple(p.ctors), span=self.span(p))

    @_("ctor")
    def ctors(self, p):
        return [p.ctor]

    @_("ctors BAR ctor")
    def ctors(self, p):
        p.ctors.append(p.ctor)
        return p.ctors

    @_("UID")
    def ctor(self, p):
        return ir.CtorDecl(p.UID, (), span=self.span(p))

    @_("UID LPAREN fields RPAREN")
    def ctor(self, p):
        return ir.CtorDecl(p.UID, tuple(p.fields), span=self.span(p))

    @_("field")
    def fields(self, p):
        return [p.field]

    @_("fields COMMA field")
    def fields(self, p):
        p.fields.append(p.field)
        return p.fields

    @_("type")
    def field(self, p):
        return ir.FieldDecl(None, self.slot(p.type, self.span(p)), span=self.span(p))

    @_("ID COLON type")
    def field(self, p):
        return ir.FieldDecl(p.ID, self.slot(p.type, p.type.span), span=self.span(p))

    @_("FUN ID rparams LPAREN params RPAREN ret block")
    def decl(self, p):
        if p.ID in ir.BUILTINS:
            self.fail(self.sym_span(p, 1), f"'{p.ID}' is a built-in; a function cannot take its name")
        return ir.FunDecl(p.ID, tuple(p.rparams), tuple(p.params), p.ret, p.block, span=self.span(p))

    @_("")
    def rparams(self, p):
        return []

    @_("LBRACKET rparam_list RBRACKET")
    def rparams(self, p):
        return p.rparam_list

    @_("rparam")
    def rparam_list(self, p):
        return [p.rparam]

    @_("rparam_list COMMA rparam")
    def rparam_list(self, p):
        p.rparam_list.append(p.rparam)
        return p.rparam_list

    @_("ID")
    def rparam(self, p):
        return ir.RegionParam(p.ID, "", span=self.span(p))

    @_("ID COLON ID")
    def rparam(self, p):
        span = self.span(p)
        return ir.RegionParam(p.ID0, self.caps_of(p.ID1, span), span=span)

    @_("")
    def params(self, p):
        return []

    @_("param_list")
    def params(self, p):
        return p.param_list

    @_("param")
    def param_list(self, p):
        return [p.param]

    @_("param_list COMMA param")
    def param_list(self, p):
        p.param_list.append(p.param)
        return p.param_list

    @_("ID COLON type")
    def param(self, p):
        return ir.Param(p.ID, self.value(p.type, p.type.span), span=self.span(p))

    @_("")
    def ret(self, p):
        return ir.UNIT

    @_("COLON type")
    def ret(self, p):
        return self.value(p.type, p.type.span)

    # ------------------------------------------------------------------ types

    @_("tapp")
    def type(self, p):
        return p.tapp

    @_("tapp AT ID")
    def type(self, p):
        if not ir.is_obj(p.tapp):
            self.fail(self.span(p), f"only an object type lives in a region, not '{ir.type_str(p.tapp)}'")
        return ir.RefType(p.tapp, p.ID, span=self.span(p))

    @_("tapp AT UID")
    def type(self, p):
        if p.UID != ir.PRIMITIVE_REGION:
            self.fail(self.span(p), f"'{p.UID}' is not a region (regions are lower-case; `P` is the primitive one)")
        if isinstance(p.tapp, (ir.DataType, ir.StringType)):
            return ir.RefType(p.tapp, p.UID, span=self.span(p))  # a static object
        if not isinstance(p.tapp, ir.PrimType):
            self.fail(self.span(p), "only primitives and static data objects and strings live in the primitive region P")
        return p.tapp

    @_("AMP tapp")
    def type(self, p):
        if not isinstance(p.tapp, ir.PackType):
            self.fail(self.span(p), "only a pack can be borrowed: '&Pack{...} T'")
        return ir.BorrowType(p.tapp, span=self.span(p))

    @_("targ")
    def tapp(self, p):
        return p.targ

    @_("ARRAY targ")
    def tapp(self, p):
        return ir.ArrayType(self.slot(p.targ, p.targ.span), span=self.span(p))

    @_("MAP targ targ")
    def tapp(self, p):
        return ir.MapType(self.slot(p.targ0, p.targ0.span), self.slot(p.targ1, p.targ1.span), span=self.span(p))

    @_("PACK_T caps targ")
    def tapp(self, p):
        if not ir.is_obj(p.targ):
            self.fail(p.targ.span, f"a pack holds an object, not '{ir.type_str(p.targ)}'")
        return ir.PackType(p.caps, p.targ, span=self.span(p))

    @_("LBRACE RBRACE")
    def caps(self, p):
        return ""

    @_("LBRACE ID RBRACE")
    def caps(self, p):
        return self.caps_of(p.ID, self.span(p))

    @_("S64", "U8", "F64", "BOOL", "UNIT")
    def targ(self, p):
        return ir.PrimType(p[0], span=self.span(p))

    @_("STRING_T")
    def targ(self, p):
        return ir.StringType(span=self.span(p))

    @_("UID")
    def targ(self, p):
        return ir.DataType(p.UID, span=self.span(p))

    @_("LPAREN type RPAREN")
    def targ(self, p):
        return p.type

    # ------------------------------------------------------- blocks, statements

    @_("LBRACE stmts RBRACE")
    def block(self, p):
        return ir.Block(tuple(p.stmts), None, span=self.span(p))

    @_("LBRACE stmts expr RBRACE")
    def block(self, p):
        return ir.Block(tuple(p.stmts), p.expr, span=self.span(p))

    @_("")
    def stmts(self, p):
        return []

    @_("stmts stmt")
    def stmts(self, p):
        p.stmts.append(p.stmt)
        return p.stmts

    @_("LET ID ASSIGN expr SEMI", "VAR ID ASSIGN expr SEMI")
    def stmt(self, p):
        return ir.Let(p.ID, None, p.expr, p[0] == "var", span=self.span(p))

    @_("LET ID COLON type ASSIGN expr SEMI", "VAR ID COLON type ASSIGN expr SEMI")
    def stmt(self, p):
        return ir.Let(p.ID, self.value(p.type, p.type.span), p.expr, p[0] == "var", span=self.span(p))

    @_("ID ASSIGN expr SEMI")
    def stmt(self, p):
        return ir.Assign(p.ID, p.expr, span=self.span(p))

    @_("pfx ASSIGN expr SEMI")
    def stmt(self, p):
        if not isinstance(p.pfx, ir.Index):
            self.fail(p.pfx.span, "only a variable or an element can be assigned")
        return ir.IndexSet(p.pfx.target, p.pfx.index, p.expr, p.pfx.pos, span=self.span(p))

    @_("expr SEMI")
    def stmt(self, p):
        return ir.ExprStmt(p.expr, span=self.span(p))

    @_("if_stmt")
    def stmt(self, p):
        return p.if_stmt

    @_("IF expr block")
    def if_stmt(self, p):
        return ir.If(p.expr, p.block, None, span=self.span(p))

    @_("IF expr block ELSE block")
    def if_stmt(self, p):
        return ir.If(p.expr, p.block0, p.block1, span=self.span(p))

    @_("IF expr block ELSE if_stmt")
    def if_stmt(self, p):
        return ir.If(p.expr, p.block, p.if_stmt, span=self.span(p))

    @_("WHILE expr block")
    def stmt(self, p):
        return ir.While(p.expr, p.block, span=self.span(p))

    @_("BREAK SEMI")
    def stmt(self, p):
        return ir.Break(span=self.span(p))

    @_("CONTINUE SEMI")
    def stmt(self, p):
        return ir.Continue(span=self.span(p))

    @_("RETURN SEMI")
    def stmt(self, p):
        return ir.Return(None, span=self.span(p))

    @_("RETURN expr SEMI")
    def stmt(self, p):
        return ir.Return(p.expr, span=self.span(p))

    @_("DROP expr SEMI")
    def stmt(self, p):
        return ir.Drop(p.expr, span=self.span(p))

    @_("MERGE ID INTO ID SEMI")
    def stmt(self, p):
        return ir.Merge(p.ID0, p.ID1, span=self.span(p))

    @_("MATCH expr LBRACE arms RBRACE")
    def stmt(self, p):
        return ir.Match(p.expr, tuple(p.arms), span=self.span(p))

    @_("MATCH RESET expr AS ID LBRACE arms RBRACE")
    def stmt(self, p):
        return ir.MatchReset(p.expr, p.ID, tuple(p.arms), span=self.span(p))

    @_("arm")
    def arms(self, p):
        return [p.arm]

    @_("arms arm")
    def arms(self, p):
        p.arms.append(p.arm)
        return p.arms

    @_("pattern ARROW block")
    def arm(self, p):
        return ir.Arm(p.pattern, p.block, span=self.span(p))

    # --------------------------------------------------------------- patterns

    @_("ID")
    def pattern(self, p):
        if p.ID == "_":
            return ir.PWild(span=self.span(p))
        return ir.PVar(p.ID, span=self.span(p))

    @_("INT")
    def pattern(self, p):
        value, u8 = self.int_lit(p.INT, self.span(p))
        if value > S64_MAX:
            self.fail(self.span(p), f"S64 literal {value} is out of range")
        return ir.PInt(value, u8, span=self.span(p))

    @_("MINUS INT")
    def pattern(self, p):
        value, u8 = self.int_lit(p.INT, self.span(p), negative=True)
        return ir.PInt(value, u8, span=self.span(p))

    @_("TRUE", "FALSE")
    def pattern(self, p):
        return ir.PBool(p[0] == "true", span=self.span(p))

    @_("STRING")
    def pattern(self, p):
        return ir.PString(p.STRING, span=self.span(p))

    @_("UID")
    def pattern(self, p):
        return ir.PCtor(p.UID, (), span=self.span(p))

    @_("UID LPAREN pattern_list RPAREN")
    def pattern(self, p):
        return ir.PCtor(p.UID, tuple(p.pattern_list), span=self.span(p))

    @_("pattern")
    def pattern_list(self, p):
        return [p.pattern]

    @_("pattern_list COMMA pattern")
    def pattern_list(self, p):
        p.pattern_list.append(p.pattern)
        return p.pattern_list

    # ------------------------------------------------------------ expressions

    @_(
        "expr OR expr", "expr AND expr",
        "expr EQ expr", "expr NE expr", "expr LT expr", "expr LE expr", "expr GT expr", "expr GE expr",
        "expr PLUS expr", "expr MINUS expr", "expr TIMES expr", "expr DIV expr", "expr MOD expr",
    )
    def expr(self, p):
        op, pos = p[1]
        return ir.Binary(op, p.expr0, p.expr1, pos, span=self.span(p))

    @_("IF expr THEN expr ELSE expr")
    def expr(self, p):
        return ir.IfExpr(p.expr0, p.expr1, p.expr2, span=self.span(p))

    @_("unary")
    def expr(self, p):
        return p.unary

    @_("postfix")
    def unary(self, p):
        return p.postfix

    @_("MINUS unary")
    def unary(self, p):
        op, pos = p.MINUS
        span = self.span(p)
        if pos is not None:
            self.fail(span, "a negation has no position (only binary operators take '@L:C')")
        operand = p.unary
        touching = operand.span.line == span.line and operand.span.col == span.col + 1
        if touching and isinstance(operand, ir.IntLit) and operand.value >= 0:
            self.pending_min.pop(id(operand), None)
            value, u8 = self.int_lit((operand.value, operand.u8), span, negative=True)
            return ir.IntLit(value, u8, span=span)
        if touching and isinstance(operand, ir.FloatLit) and math.copysign(1.0, operand.value) > 0:
            return ir.FloatLit(-operand.value, span=span)
        return ir.Unary("-", operand, span=span)

    @_("NOT unary")
    def unary(self, p):
        return ir.Unary("!", p.unary, span=self.span(p))

    @_("PACK caps unary")
    def unary(self, p):
        return ir.Pack(p.caps, p.unary, span=self.span(p))

    @_("COPY unary")
    def unary(self, p):
        return ir.Copy(p.unary, span=self.span(p))

    @_("ID")
    def postfix(self, p):
        return ir.Var(p.ID, span=self.span(p))

    @_("pfx")
    def postfix(self, p):
        return p.pfx

    @_("primary")
    def pfx(self, p):
        return p.primary

    @_("ID LPAREN args RPAREN opt_pos")
    def pfx(self, p):
        return self.call(p.ID, (), p.args, p.opt_pos, self.span(p))

    @_("ID LBRACKET expr_list RBRACKET LPAREN args RPAREN opt_pos")
    def pfx(self, p):
        span = self.span(p)
        return self.call(p.ID, self.region_names(p.expr_list, span), p.args, p.opt_pos, span)

    @_("ID LBRACKET expr_list RBRACKET opt_pos")
    def pfx(self, p):
        span = self.span(p)
        if len(p.expr_list) != 1:
            self.fail(span, "an index is one expression (a call with regions needs its arguments: 'f[r](...)')")
        target = ir.Var(p.ID, span=self.sym_span(p, 0))
        return ir.Index(target, p.expr_list[0], p.opt_pos, span=span)

    @_("pfx LBRACKET expr RBRACKET opt_pos")
    def pfx(self, p):
        return ir.Index(p.pfx, p.expr, p.opt_pos, span=self.span(p))

    @_("postfix DOT ID")
    def pfx(self, p):
        return ir.FieldGet(p.postfix, p.ID, span=self.span(p))

    @_("")
    def opt_pos(self, p):
        return None

    @_("POS")
    def opt_pos(self, p):
        return p.POS

    @_("")
    def args(self, p):
        return []

    @_("expr_list")
    def args(self, p):
        return p.expr_list

    @_("expr")
    def expr_list(self, p):
        return [p.expr]

    @_("expr_list COMMA expr")
    def expr_list(self, p):
        p.expr_list.append(p.expr)
        return p.expr_list

    @_("INT")
    def primary(self, p):
        span = self.span(p)
        value, u8 = self.int_lit(p.INT, span)
        lit = ir.IntLit(value, u8, span=span)
        if value > S64_MAX:
            self.pending_min[id(lit)] = lit
        return lit

    @_("FLOAT")
    def primary(self, p):
        return ir.FloatLit(p.FLOAT, span=self.span(p))

    @_("TRUE", "FALSE")
    def primary(self, p):
        return ir.BoolLit(p[0] == "true", span=self.span(p))

    @_("LPAREN RPAREN")
    def primary(self, p):
        return ir.UnitLit(span=self.span(p))

    @_("LPAREN expr RPAREN")
    def primary(self, p):
        return p.expr

    @_("REUSE caps ID UID LPAREN args RPAREN")
    def primary(self, p):
        span = self.span(p)
        return ir.Reuse(ir.Var(p.ID, span=span), p.caps, p.UID, tuple(p.args), span=span)

    @_("NEW LBRACKET ID RBRACKET UID")
    def primary(self, p):
        return ir.NewData(p.ID, p.UID, (), span=self.span(p))

    @_("NEW LBRACKET ID RBRACKET UID LPAREN args RPAREN")
    def primary(self, p):
        return ir.NewData(p.ID, p.UID, tuple(p.args), span=self.span(p))

    @_("NEW LBRACKET UID RBRACKET UID")
    def primary(self, p):
        self._static_region(p)
        return ir.NewData(p.UID0, p.UID1, (), span=self.span(p))

    @_("NEW LBRACKET UID RBRACKET UID LPAREN args RPAREN")
    def primary(self, p):
        self._static_region(p)
        return ir.NewData(p.UID0, p.UID1, tuple(p.args), span=self.span(p))

    @_("NEW LBRACKET UID RBRACKET STRING")
    def primary(self, p):
        self._static_region(p)
        return ir.NewString(p.UID, p.STRING, span=self.span(p))

    def _static_region(self, p) -> None:
        """`new[P] Leaf`, `new[P] Val(0)`, `new[P] "s"`: a static object
        (docs/lolang.md §5.4)."""
        region = p[2]
        if region != ir.PRIMITIVE_REGION:
            self.fail(self.span(p), f"'{region}' is not a region (regions are lower-case; `P` is the primitive one)")

    @_("NEW LBRACKET ID RBRACKET STRING")
    def primary(self, p):
        return ir.NewString(p.ID, p.STRING, span=self.span(p))

    @_("NEW LBRACKET ID RBRACKET ARRAY targ LBRACKET args RBRACKET")
    def primary(self, p):
        elem = self.slot(p.targ, p.targ.span)
        return ir.NewArray(p.ID, elem, tuple(p.args), span=self.span(p))

    @_("NEW LBRACKET ID RBRACKET MAP targ targ")
    def primary(self, p):
        key = self.slot(p.targ0, p.targ0.span)
        value = self.slot(p.targ1, p.targ1.span)
        return ir.NewMap(p.ID, key, value, span=self.span(p))

    @_("REGION ID block")
    def primary(self, p):
        return ir.Region(p.ID, p.block, span=self.span(p))

    @_("UNPACK expr AS ID COMMA ID block")
    def primary(self, p):
        return ir.Unpack(p.expr, p.ID0, p.ID1, p.block, span=self.span(p))

    @_("RESTRICT ID block")
    def primary(self, p):
        return ir.Restrict(p.ID, "", p.block, span=self.span(p))

    @_("RESTRICT ID COLON ID block")
    def primary(self, p):
        span = self.span(p)
        return ir.Restrict(p.ID0, self.caps_of(p.ID1, span), p.block, span=span)

    @_("DO block")
    def primary(self, p):
        return ir.Do(p.block, span=self.span(p))


def parse(source: Source) -> ir.Program:
    """Parse a whole `.lo` file. Raises `CompileError` at the first syntax
    error."""
    lines = LineMap(source.text)
    parser = LolangParser(source, lines)
    lexer = LolangLexer(lines)
    program = parser.parse(lexer.tokenize(source.text))
    if program is None:  # only on an error sly recovered from; we never let it
        raise CompileError.at(lines.span(0, 1), "syntax error")
    for lit in parser.pending_min.values():
        raise CompileError.at(lit.span, f"S64 literal {lit.value} is out of range (only -{lit.value} is)")
    return program


def parse_text(text: str, name: str = "<lolang>") -> ir.Program:
    """`parse` of a string (tests, tools)."""
    return parse(Source(name, text))
