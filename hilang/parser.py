"""The hilang parser (LANGUAGE.md section 1), an LALR(1) grammar built with sly.

`parse(source)` returns an `ast.Program` in which every node carries the
`Span` of its text (1-based line and column of its first character, and of the
character just past its end; a parenthesised expression's enclosing node
starts at the parenthesis). Bad input raises `CompileError`, never anything
else, whatever the bytes.

Grammar decisions beyond LANGUAGE.md:

* Precedence, loosest first: `if c then a else b` (its `else` branch reaches
  as far right as it can), `||`, `&&`, comparisons (non-associative, so
  `a < b < c` is an error), `+ - ++`, `* / %`, unary `- !`, then postfix
  call/field/index, which bind tighter than unary (`-x.f()` is `-(x.f())`).
* No record literal directly in the head of `if`, `while`, `match` or `for`
  (nor in the condition of `if ... then`): there `Foo {` is the name `Foo`
  followed by the block, as in Rust. Parentheses, brackets and call
  arguments lift the rule: `if (P { a = 1 }).a > 0 { ... }`. The grammar
  says this with a second expression family, `nexpr`, identical to `expr`
  except that it has no record literals outside delimiters.
* `if` at the start of a statement is the statement form when its condition
  is followed by `{` and the expression form when followed by `then`.
* `9223372036854775808` is accepted only as the direct operand of unary `-`
  (also in patterns); any larger S64 literal, and any u8 literal above 255,
  is an error at the literal.
* `mut T` is `T` with `caps="rwa"` and `mut=True`; `mut` cannot be combined
  with a written capability set nor applied to a type variable.
* `Foo()` is the same as `Foo`; lists separated by commas may end with one.
* `_` as a pattern is the wildcard; `data` declarations need no terminator,
  so their `|` alternatives may continue over several lines.

Errors: each syntax error names what was found and what would have been
accepted (`syntax error: unexpected ';', expected an expression`), at the
unexpected token, or at the end of the last token for an unexpected end of
file. A missing `;` at the end of a line is reported just after the line's
last token. After a syntax error the parser skips to the next `fun` or `data`
keyword and parses on from there, so each declaration can contribute one
error. A lexical error is reported as such; syntax errors that follow one in
the same declaration are taken to be its consequences and are not reported.

The parser itself is table-driven (no recursion per nesting level), so
programs nested tens of thousands of levels deep parse without trouble;
the ASTs it builds are that deep too, so code that walks them recursively
must use `diagnostics.deep_stack.run_with_deep_stack`.
"""

from __future__ import annotations

from sly import Parser

from diagnostics import CompileError, Diagnostic, Source, Span
from hilang import ast, hints, lr_driver
from hilang.lexer import TOKEN_TYPES, LexResult, describe, describe_type, lex
from hilang.lr_tables import cached_lr_table

# Inside a sly Parser's class body an unknown upper-case name evaluates to
# its own text (that is how rules name tokens), so module constants used
# there must start with an underscore.
_TOKEN_TYPES = TOKEN_TYPES

S64_LIMIT = 2**63  # magnitude of S64's minimum, the one literal needing a '-'
U8_MAX = 255

_BINARY_OPERATORS = ("OROR", "ANDAND", "EQEQ", "NE", "LT", "LE", "GT", "GE",
                     "PLUS", "MINUS", "PLUSPLUS", "STAR", "SLASH", "PERCENT")
_COMPARISONS = ("EQEQ", "NE", "LT", "LE", "GT", "GE")

# The two expression families (see the module docstring): `expr` may contain
# record literals anywhere, `nexpr` only inside delimiters.
_EXPRESSION_FAMILIES = (("expr", "postfix"), ("nexpr", "npostfix"))

# Comma-separated lists: name -> item. Each `name` may be empty and may end
# with a comma; `name_list` is the non-empty list without the trailing comma.
_COMMA_LISTS = {
    "args": "expr",
    "field_inits": "field_init",
    "params": "param",
    "types": "type",
    "field_decls": "field_decl",
    "pats": "pattern",
    "field_pats": "field_pat",
}


class _Abort(Exception):
    """Stops the sly parser at the first syntax error of a declaration."""


class _Grammar(Parser):
    """The grammar: each decorated method is a rule (sly's notation; a rule
    written `name : symbols` defines `name` whatever the method is called)
    and returns the AST node for what it matched. One instance parses one
    run of tokens and collects its diagnostics."""

    tokens = _TOKEN_TYPES
    start = "program"

    # Loosest first. IFELSE and UNARY are not tokens: they name the binding
    # strength of the `if ... then ... else` and unary rules (`%prec`).
    precedence = (
        ("right", "IFELSE"),
        ("left", "OROR"),
        ("left", "ANDAND"),
        ("nonassoc", "EQEQ", "NE", "LT", "LE", "GT", "GE"),
        ("left", "PLUS", "MINUS", "PLUSPLUS"),
        ("left", "STAR", "SLASH", "PERCENT"),
        ("right", "UNARY"),
    )

    # sly builds the LALR tables when this class is created; this takes them
    # from the cache when this grammar's are there (hilang.lr_tables).
    @classmethod
    def _Parser__build_lrtables(cls):
        return cached_lr_table(cls)

    def parse(self, tokens):
        """sly's parsing loop, kept to what this grammar uses
        (hilang.lr_driver)."""
        return lr_driver.parse(self, tokens)

    def __init__(self, lexed: LexResult):
        self.positions = lexed.positions
        self.diagnostics: list[Diagnostic] = []
        # `9223372036854775808` literals not yet seen under a unary minus.
        self.pending_limit_literals: list[ast.IntLit] = []
        self.tokens_read: list = []

    # ------------------------------------------------------------------
    # helpers

    def _span(self, p) -> Span:
        return self.positions.span(p.index, p.end)

    def _error(self, span: Span, message: str) -> None:
        self.diagnostics.append(Diagnostic(span, message))

    def _check_int(self, value: int, u8: bool, span: Span, negated: bool) -> None:
        """Range checks of an integer literal that is (or is not) the direct
        operand of a unary minus."""
        if u8:
            if value > U8_MAX:
                self._error(span, f"u8 literal out of range (0u8 to {U8_MAX}u8)")
        elif value > S64_LIMIT or (value == S64_LIMIT and not negated):
            self._error(span, f"integer literal too large for S64 "
                              f"(the largest is {S64_LIMIT - 1}, the smallest -{S64_LIMIT})")

    def _forget_pending(self, node) -> bool:
        """Take `node` off the literals waiting for a unary minus; say
        whether it was one."""
        for i, literal in enumerate(self.pending_limit_literals):
            if literal is node:
                del self.pending_limit_literals[i]
                return True
        return False

    # ------------------------------------------------------------------
    # declarations

    @_("decls")
    def program(self, p):
        return p.decls

    @_("")
    def decls(self, p):
        return []

    @_("decls decl")
    def decls(self, p):
        p.decls.append(p.decl)
        return p.decls

    @_("fun_decl", "data_decl")
    def decl(self, p):
        return p[0]

    @_("FUN ID LPAREN params RPAREN block",
       "FUN ID LPAREN params RPAREN COLON type block")
    def fun_decl(self, p):
        ret = p.type if len(p) == 8 else None
        return ast.FunDecl(p.ID, p.params, ret, p.block, span=self._span(p))

    @_("ID COLON type")
    def param(self, p):
        return ast.Param(p.ID, p.type, span=self._span(p))

    @_("DATA CONID tparams ASSIGN ctors")
    def data_decl(self, p):
        return ast.DataDecl(p.CONID, tuple(p.tparams), tuple(p.ctors), span=self._span(p))

    @_("DATA CONID tparams ASSIGN record_fields")
    def data_decl(self, p):
        fields, fields_span = p.record_fields
        ctor = ast.CtorDecl(p.CONID, fields, named=True, span=fields_span)
        return ast.DataDecl(p.CONID, tuple(p.tparams), (ctor,), record=True, span=self._span(p))

    @_("LBRACE field_decls RBRACE")
    def record_fields(self, p):
        return p.field_decls, self._span(p)

    @_("")
    def tparams(self, p):
        return []

    @_("tparams ID")
    def tparams(self, p):
        p.tparams.append(p.ID)
        return p.tparams

    @_("ctor")
    def ctors(self, p):
        return [p.ctor]

    @_("ctors PIPE ctor")
    def ctors(self, p):
        p.ctors.append(p.ctor)
        return p.ctors

    @_("CONID")
    def ctor(self, p):
        return ast.CtorDecl(p.CONID, (), span=self._span(p))

    @_("CONID LPAREN types RPAREN")
    def ctor(self, p):
        fields = tuple(ast.FieldDecl(None, t, span=t.span) for t in p.types)
        return ast.CtorDecl(p.CONID, fields, span=self._span(p))

    @_("CONID LBRACE field_decls RBRACE")
    def ctor(self, p):
        return ast.CtorDecl(p.CONID, p.field_decls, named=True, span=self._span(p))

    @_("ID COLON type")
    def field_decl(self, p):
        return ast.FieldDecl(p.ID, p.type, span=self._span(p))

    # ------------------------------------------------------------------
    # comma-separated lists, all alike

    @_(*[f"{name}_list : {item}" for name, item in _COMMA_LISTS.items()],
       *[f"{name}_list : {name}_list COMMA {item}" for name, item in _COMMA_LISTS.items()])
    def comma_list(self, p):
        if len(p) == 1:
            return [p[0]]
        p[0].append(p[2])
        return p[0]

    @_(*[f"{name} : " for name in _COMMA_LISTS],
       *[f"{name} : {name}_list" for name in _COMMA_LISTS],
       *[f"{name} : {name}_list COMMA" for name in _COMMA_LISTS])
    def optional_comma_list(self, p):
        return tuple(p[0]) if len(p) else ()

    # ------------------------------------------------------------------
    # types

    @_("MUT applied_type")
    def type(self, p):
        inner = p.applied_type
        span = self._span(p)
        if not isinstance(inner, ast.TypeName):
            self._error(span, f"'mut' applies to a container type, not to the type variable '{inner.name}'")
            return inner
        if inner.caps is not None:
            self._error(span, f"'mut' already means {{rwa}}; it cannot be combined with {{{inner.caps}}}")
        return ast.TypeName(inner.name, inner.args, caps="rwa", mut=True, span=span)

    @_("applied_type")
    def type(self, p):
        return p.applied_type

    @_("CONID type_args")
    def applied_type(self, p):
        return ast.TypeName(p.CONID, tuple(p.type_args), span=self._span(p))

    @_("CONID CAPS type_args")
    def applied_type(self, p):
        return ast.TypeName(p.CONID, tuple(p.type_args), caps=p.CAPS, span=self._span(p))

    @_("type_atom")
    def applied_type(self, p):
        return p.type_atom

    @_("type_atom")
    def type_args(self, p):
        return [p.type_atom]

    @_("type_args type_atom")
    def type_args(self, p):
        p.type_args.append(p.type_atom)
        return p.type_args

    @_("CONID")
    def type_atom(self, p):
        return ast.TypeName(p.CONID, span=self._span(p))

    @_("CONID CAPS")
    def type_atom(self, p):
        return ast.TypeName(p.CONID, caps=p.CAPS, span=self._span(p))

    @_("ID")
    def type_atom(self, p):
        return ast.TypeVarRef(p.ID, span=self._span(p))

    @_("LPAREN type RPAREN")
    def type_atom(self, p):
        return p.type

    # ------------------------------------------------------------------
    # statements

    @_("LBRACE stmts RBRACE")
    def block(self, p):
        return ast.Block(tuple(p.stmts), span=self._span(p))

    @_("")
    def stmts(self, p):
        return []

    @_("stmts stmt")
    def stmts(self, p):
        p.stmts.append(p.stmt)
        return p.stmts

    @_("LET ID ASSIGN expr SEMI", "VAR ID ASSIGN expr SEMI",
       "LET ID COLON type ASSIGN expr SEMI", "VAR ID COLON type ASSIGN expr SEMI")
    def stmt(self, p):
        annotation = p.type if len(p) == 7 else None
        return ast.Let(p.ID, annotation, p.expr, mutable=p[0] == "var", span=self._span(p))

    @_("ID ASSIGN expr SEMI")
    def stmt(self, p):
        return ast.Assign(p.ID, p.expr, span=self._span(p))

    @_("postfix LBRACKET expr RBRACKET ASSIGN expr SEMI")
    def stmt(self, p):
        return ast.IndexAssign(p.postfix, p.expr0, p.expr1, span=self._span(p))

    @_("if_stmt")
    def stmt(self, p):
        return p.if_stmt

    @_("IF nexpr block", "IF nexpr block ELSE block", "IF nexpr block ELSE if_stmt")
    def if_stmt(self, p):
        els = p[4] if len(p) == 5 else None
        return ast.If(p.nexpr, p[2], els, span=self._span(p))

    @_("WHILE nexpr block")
    def stmt(self, p):
        return ast.While(p.nexpr, p.block, span=self._span(p))

    @_("FOR ID IN nexpr DOTDOT nexpr block")
    def stmt(self, p):
        return ast.ForRange(p.ID, p.nexpr0, p.nexpr1, p.block, span=self._span(p))

    @_("FOR ID IN nexpr block")
    def stmt(self, p):
        return ast.ForEach(p.ID, p.nexpr, p.block, span=self._span(p))

    @_("BREAK SEMI")
    def stmt(self, p):
        return ast.Break(span=self._span(p))

    @_("CONTINUE SEMI")
    def stmt(self, p):
        return ast.Continue(span=self._span(p))

    @_("RETURN SEMI", "RETURN expr SEMI")
    def stmt(self, p):
        value = p.expr if len(p) == 3 else None
        return ast.Return(value, span=self._span(p))

    @_("MATCH nexpr LBRACE arms RBRACE")
    def stmt(self, p):
        return ast.Match(p.nexpr, tuple(p.arms), span=self._span(p))

    @_("")
    def arms(self, p):
        return []

    @_("arms arm")
    def arms(self, p):
        p.arms.append(p.arm)
        return p.arms

    @_("pattern ARROW block")
    def arm(self, p):
        return ast.Arm(p.pattern, p.block, span=self._span(p))

    @_("expr SEMI")
    def stmt(self, p):
        return ast.ExprStmt(p.expr, span=self._span(p))

    # ------------------------------------------------------------------
    # patterns

    @_("ID")
    def pattern(self, p):
        if p.ID == "_":
            return ast.PWild(span=self._span(p))
        return ast.PVar(p.ID, span=self._span(p))

    @_("INT")
    def pattern(self, p):
        span = self._span(p)
        self._check_int(p.INT, False, span, negated=False)
        return ast.PInt(p.INT, span=span)

    @_("U8")
    def pattern(self, p):
        span = self._span(p)
        self._check_int(p.U8, True, span, negated=False)
        return ast.PInt(p.U8, u8=True, span=span)

    @_("MINUS INT")
    def pattern(self, p):
        span = self._span(p)
        self._check_int(p.INT, False, span, negated=True)
        return ast.PInt(-p.INT, span=span)

    @_("MINUS U8")
    def pattern(self, p):
        span = self._span(p)
        self._error(span, "a u8 pattern cannot be negative")
        return ast.PInt(p.U8, u8=True, span=span)

    @_("STRING")
    def pattern(self, p):
        return ast.PString(p.STRING, span=self._span(p))

    @_("TRUE", "FALSE")
    def pattern(self, p):
        return ast.PBool(p[0] == "true", span=self._span(p))

    @_("CONID")
    def pattern(self, p):
        return ast.PCtor(p.CONID, span=self._span(p))

    @_("CONID LPAREN pats RPAREN")
    def pattern(self, p):
        return ast.PCtor(p.CONID, p.pats, span=self._span(p))

    @_("CONID LBRACE field_pats RBRACE")
    def pattern(self, p):
        fields = tuple((name, pat) for name, pat, _ in p.field_pats)
        shorthand = tuple(bare for _, _, bare in p.field_pats)
        return ast.PRecord(p.CONID, fields, shorthand, span=self._span(p))

    @_("ID")
    def field_pat(self, p):
        return (p.ID, ast.PVar(p.ID, span=self._span(p)), True)

    @_("ID ASSIGN pattern")
    def field_pat(self, p):
        return (p.ID, p.pattern, False)

    # ------------------------------------------------------------------
    # expressions: operators (for both families, see _EXPRESSION_FAMILIES)

    @_(*[f"{e} : {e} {op} {e}" for e, _ in _EXPRESSION_FAMILIES for op in _BINARY_OPERATORS])
    def binary(self, p):
        return ast.Binary(p[1], p[0], p[2], span=self._span(p))

    @_(*[f"{e} : {op} {e} %prec UNARY" for e, _ in _EXPRESSION_FAMILIES for op in ("MINUS", "BANG")])
    def unary(self, p):
        operand = p[1]
        if p[0] == "-":
            self._forget_pending(operand)
        return ast.Unary(p[0], operand, span=self._span(p))

    @_(*[f"{e} : IF nexpr THEN expr ELSE {e} %prec IFELSE" for e, _ in _EXPRESSION_FAMILIES])
    def if_expr(self, p):
        return ast.IfExpr(p[1], p[3], p[5], span=self._span(p))

    @_(*[f"{e} : {pf}" for e, pf in _EXPRESSION_FAMILIES])
    def operand(self, p):
        return p[0]

    # postfix forms

    @_("postfix : atom", "postfix : record", "npostfix : atom")
    def postfix_base(self, p):
        return p[0]

    @_(*[f"{pf} : {pf} DOT ID" for _, pf in _EXPRESSION_FAMILIES])
    def field_get(self, p):
        return ast.FieldGet(p[0], p[2], span=self._span(p))

    @_(*[f"{pf} : {pf} DOT ID LPAREN args RPAREN" for _, pf in _EXPRESSION_FAMILIES])
    def method_call(self, p):
        return ast.Call(p[2], (p[0], *p[4]), ufcs=True, span=self._span(p))

    @_(*[f"{pf} : {pf} LBRACKET expr RBRACKET" for _, pf in _EXPRESSION_FAMILIES])
    def index(self, p):
        return ast.Index(p[0], p[2], span=self._span(p))

    # atoms: everything that needs no precedence, except record literals

    @_("INT")
    def atom(self, p):
        literal = ast.IntLit(p.INT, span=self._span(p))
        if p.INT == S64_LIMIT:
            # Valid only if a unary minus claims it (see `unary`).
            self.pending_limit_literals.append(literal)
        else:
            self._check_int(p.INT, False, literal.span, negated=False)
        return literal

    @_("U8")
    def atom(self, p):
        literal = ast.IntLit(p.U8, u8=True, span=self._span(p))
        self._check_int(p.U8, True, literal.span, negated=False)
        return literal

    @_("FLOAT")
    def atom(self, p):
        return ast.FloatLit(p.FLOAT, span=self._span(p))

    @_("STRING")
    def atom(self, p):
        return ast.StringLit(p.STRING, span=self._span(p))

    @_("TRUE", "FALSE")
    def atom(self, p):
        return ast.BoolLit(p[0] == "true", span=self._span(p))

    @_("LPAREN RPAREN")
    def atom(self, p):
        return ast.UnitLit(span=self._span(p))

    @_("LPAREN expr RPAREN")
    def atom(self, p):
        if self._forget_pending(p.expr):
            # Inside parentheses it is no longer the direct operand of '-'.
            self._check_int(p.expr.value, False, p.expr.span, negated=False)
        return p.expr

    @_("ID")
    def atom(self, p):
        return ast.Var(p.ID, span=self._span(p))

    @_("ID LPAREN args RPAREN")
    def atom(self, p):
        return ast.Call(p.ID, p.args, span=self._span(p))

    @_("CONID")
    def atom(self, p):
        return ast.Construct(p.CONID, span=self._span(p))

    @_("CONID LPAREN args RPAREN")
    def atom(self, p):
        return ast.Construct(p.CONID, p.args, span=self._span(p))

    @_("LBRACKET args RBRACKET")
    def atom(self, p):
        return ast.ArrayLit(p.args, span=self._span(p))

    @_("CONID LBRACE field_inits RBRACE")
    def record(self, p):
        return ast.RecordLit(p.CONID, p.field_inits, span=self._span(p))

    @_("CONID LBRACE expr WITH field_inits RBRACE")
    def record(self, p):
        return ast.RecordLit(p.CONID, p.field_inits, base=p.expr, span=self._span(p))

    @_("ID ASSIGN expr")
    def field_init(self, p):
        return (p.ID, p.expr)

    # ------------------------------------------------------------------
    # syntax errors

    def error(self, token):
        if token is None:
            span = self._end_of_input()
            expected = describe_expected(self._expected_types())
            self._error(span, f"syntax error: unexpected end of file, expected {expected}")
        elif self._is_chained_comparison(token):
            self._error(self.positions.token_span(token),
                        "syntax error: comparisons do not chain; "
                        "write 'a < b && b < c' or add parentheses")
        elif not self._report_foreign_habit(token):
            self._report_unexpected(token)
        raise _Abort()

    def _report_foreign_habit(self, token) -> bool:
        """`x += 1`, `i++`, `i--`, `a and b`, `not a`: the syntax error with
        what to write instead (hilang.hints). False if `token` is none of
        those. (`i++` is told from an unfinished `a ++ b` by the `++` being
        glued to the name.)"""
        read = self.tokens_read
        previous = self._token_before(token)
        before = read[-3] if previous is not None and len(read) >= 3 else None
        target = before.value if before is not None and before.type == "ID" else None
        glued = previous is not None and previous.end == token.index
        if glued and token.type == "ASSIGN" and previous.type in hints.COMPOUND_OPERATORS:
            op = hints.COMPOUND_OPERATORS[previous.type]
            self._error(self.positions.span(previous.index, token.end), hints.compound_assignment(op, target))
        elif (previous is not None and previous.type == "PLUSPLUS" and before is not None
              and before.type == "ID" and before.end == previous.index):
            self._error(self.positions.token_span(previous), hints.increment("++", target))
        elif (previous is not None and previous.type == "MINUS" and before is not None and before.type == "MINUS"
              and before.end == previous.index and len(read) >= 4 and read[-4].type == "ID"):
            self._error(self.positions.span(before.index, previous.end), hints.increment("--", read[-4].value))
        elif token.type == "ID" and token.value in hints.FOREIGN_WORDS:
            self._error(self.positions.token_span(token), hints.foreign_word(token.value))
        elif previous is not None and previous.type == "ID" and previous.value in hints.FOREIGN_WORDS:
            self._error(self.positions.token_span(previous), hints.foreign_word(previous.value))
        else:
            return False
        return True

    def _report_unexpected(self, token) -> None:
        expected = self._expected_types()
        previous = self._token_before(token)
        if "SEMI" in expected and previous is not None and previous.lineno < token.lineno:
            # A forgotten ';' at the end of a line: point where it belongs.
            end = self.positions.span(previous.end, previous.end)
            self._error(end, f"syntax error: expected ';' after {describe(previous)}")
            return
        self._error(self.positions.token_span(token),
                    f"syntax error: unexpected {describe(token)}, expected {describe_expected(expected)}")

    def _is_chained_comparison(self, token) -> bool:
        stack = self.symstack
        return (token.type in _COMPARISONS and len(stack) >= 3
                and stack[-1].type in ("expr", "nexpr") and stack[-2].type in _COMPARISONS)

    def _token_before(self, token):
        read = self.tokens_read
        if len(read) >= 2 and read[-1] is token:
            return read[-2]
        return None

    def _end_of_input(self) -> Span:
        last = self.tokens_read[-1] if self.tokens_read else None
        if last is None:
            return self.positions.span(0, 0)
        return self.positions.span(last.end, last.end)

    def _expected_types(self) -> set[str]:
        """The token types the parser could go on with from here.

        The LALR tables merge the lookaheads of similar states, so the
        actions of the current state alone also name tokens that are only
        acceptable in other contexts. Instead, run each candidate token
        through the reductions it would cause, on a copy of the state stack,
        and keep those that end in a shift. (sly keeps its tables in
        `_lrtable` and `_grammar`.)"""
        actions = self._lrtable.lr_action
        gotos = self._lrtable.lr_goto
        productions = self._grammar.Productions
        candidates = set(actions[self.state]) - {"error"}
        accepted = set()
        for candidate in candidates:
            states = list(self.statestack)
            while True:
                action = actions[states[-1]].get(candidate)
                if action is None:
                    break
                if action >= 0:  # a shift, or acceptance at the end
                    accepted.add(candidate)
                    break
                production = productions[-action]
                if production.len:
                    del states[-production.len:]
                states.append(gotos[states[-1]][production.name])
        # The stack is a viable prefix, so something is accepted; should
        # that ever fail, the state's own list is still better than nothing.
        return accepted or candidates


# What a set of acceptable tokens is called in a message, largest first: a
# state accepting every token that starts a statement "expects a statement".
_EXPR_START = {"INT", "U8", "FLOAT", "STRING", "TRUE", "FALSE", "ID", "CONID",
               "LPAREN", "LBRACKET", "MINUS", "BANG", "IF"}
_STMT_START = _EXPR_START | {"LET", "VAR", "WHILE", "FOR", "BREAK", "CONTINUE", "RETURN", "MATCH"}
_PATTERN_START = {"ID", "INT", "U8", "MINUS", "STRING", "TRUE", "FALSE", "CONID"}
_TYPE_START = {"CONID", "ID", "LPAREN", "MUT"}
_DECL_START = {"FUN", "DATA"}
_CATEGORIES = (
    (_STMT_START, "a statement"),
    (_EXPR_START, "an expression"),
    (_PATTERN_START, "a pattern"),
    (_TYPE_START, "a type"),
    (_DECL_START, "a declaration ('fun' or 'data')"),
)
# Tokens that continue an expression; listed only when nothing else fits.
_CONTINUATIONS = set(_BINARY_OPERATORS) | {"DOT", "LBRACKET", "LPAREN", "CAPS"}


def describe_expected(expected: set[str]) -> str:
    """`an expression or ')'`: the acceptable token types, grouped."""
    parts = []
    rest = set(expected)
    for members, name in _CATEGORIES:
        if members <= rest:
            parts.append(name)
            rest -= members
    continuations = rest & _CONTINUATIONS
    rest -= continuations
    if parts or rest != {"$end"}:
        rest.discard("$end")  # "expected end of file" rarely helps
    parts.extend(sorted(describe_type(t) for t in rest))
    if not parts:
        parts.append("an operator" if continuations else "nothing more")
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " or " + parts[-1]


class _TokenFeed:
    """Hands tokens to sly one at a time, remembering those handed out (the
    error reports need the token before the unexpected one)."""

    def __init__(self, grammar: _Grammar, tokens: list):
        self.grammar = grammar
        self.tokens = iter(tokens)

    def __iter__(self):
        return self

    def __next__(self):
        tok = next(self.tokens)
        self.grammar.tokens_read.append(tok)
        return tok


def parse(source: Source) -> ast.Program:
    """Parse a whole `.hi` file; raise `CompileError` with every syntax and
    lexical error found (see the module docstring for which)."""
    lexed = lex(source)
    tokens = lexed.tokens
    decls: list = []
    diagnostics: list[Diagnostic] = list(lexed.diagnostics)
    start = 0
    while start is not None:
        grammar = _Grammar(lexed)
        try:
            decls.extend(grammar.parse(_TokenFeed(grammar, tokens[start:])))
        except _Abort:
            failed_at = start + len(grammar.tokens_read) - 1
            declaration = _declaration_start(tokens, start, failed_at)
            diagnostics.extend(_failed_run_diagnostics(grammar, lexed, tokens[declaration]))
            start = _next_declaration(tokens, failed_at + 1)
        else:
            diagnostics.extend(grammar.diagnostics)
            diagnostics.extend(_unresolved_limit_literals(grammar.pending_limit_literals))
            start = None
    if diagnostics:
        raise CompileError(diagnostics)
    return ast.Program(tuple(decls), span=_program_span(lexed))


def _failed_run_diagnostics(grammar: _Grammar, lexed: LexResult, declaration) -> list[Diagnostic]:
    """What a run that stopped at a syntax error has to report. The last
    diagnostic is the syntax error; it is dropped when a lexical error came
    first in the same declaration, which probably caused it (a skipped
    illegal character, a broken string). Literals still waiting for a unary
    minus count only in the declarations that were complete."""
    *checks, syntax_error = grammar.diagnostics
    begin = lexed.positions.line_col(declaration.index)
    here = (syntax_error.span.line, syntax_error.span.col)
    if not any(begin <= (d.span.line, d.span.col) <= here for d in lexed.diagnostics):
        checks.append(syntax_error)
    complete = [lit for lit in grammar.pending_limit_literals if (lit.span.line, lit.span.col) < begin]
    return checks + _unresolved_limit_literals(complete)


def _unresolved_limit_literals(literals: list[ast.IntLit]) -> list[Diagnostic]:
    return [
        Diagnostic(lit.span, f"integer literal {S64_LIMIT} too large for S64: it is "
                             f"allowed only directly after a unary '-', as -{S64_LIMIT}")
        for lit in literals
    ]


def _declaration_start(tokens: list, start: int, failed_at: int) -> int:
    """The index of the `fun` or `data` token that begins the declaration in
    which the token at `failed_at` lies (or `start`)."""
    i = failed_at
    while i > start and tokens[i].type not in ("FUN", "DATA"):
        i -= 1
    return i


def _next_declaration(tokens: list, i: int) -> int | None:
    """Where to resume after a syntax error: the next `fun` or `data`
    keyword, which can only start a declaration."""
    while i < len(tokens):
        if tokens[i].type in ("FUN", "DATA"):
            return i
        i += 1
    return None


def _program_span(lexed: LexResult) -> Span:
    if not lexed.tokens:
        return lexed.positions.span(0, 0)
    return lexed.positions.span(lexed.tokens[0].index, lexed.tokens[-1].end)
