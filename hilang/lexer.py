"""The hilang lexer (LANGUAGE.md 1.1 and 1.7), built with sly.

`lex(source)` turns a `Source` into a list of sly `Token`s and a list of
`Diagnostic`s. It never raises for bad input: every problem becomes a
diagnostic with a position, and lexing goes on, so that the parser can still
report the syntax errors that follow. What it guarantees:

* Every token's `index` and `end` are character offsets into the text (end
  exclusive); `Positions` turns them into 1-based line/column `Span`s. Its
  `lineno` is the token's line.
* `ID` is an identifier starting with a lower-case letter or `_` (variables,
  functions, fields, type variables); `CONID` one starting with an upper-case
  letter (types and constructors). Keywords are their own token types.
* Literal tokens carry decoded values: `INT` and `U8` an `int` (unchecked
  against the ranges: whether `9223372036854775808` is allowed depends on a
  unary minus the parser sees; a literal of more than 40 digits has the
  value 10**40), `FLOAT` a finite `float`, `STRING` the text
  with its escapes applied.
* A capability set after `Array` or `Map` (`Array{rw}`, also `Array { rw }`)
  is one `CAPS` token whose value is `"r"`, `"rw"` or `"rwa"`. Only those two
  names carry capabilities, and a brace after any other name is a brace:
  `Circle { r }` is a record pattern, not a capability set.

Numbers: an integer is decimal digits, optionally followed by the suffix
`u8`. A float has digits on both sides of its point, an exponent, or both:
`1.5`, `2.0e-3`, `1e5` (so `0..10` is a range and `1.f()` a method call on
an integer). Any other letters or digits glued to a number are an error
("invalid suffix"), as is a float too large to be finite.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from sly import Lexer
from sly.lex import Token

from diagnostics import Diagnostic, Source, Span
from hilang import hints

KEYWORDS = (
    "fun", "data", "let", "var", "if", "else", "then", "while", "for", "in",
    "break", "continue", "return", "match", "true", "false", "with", "mut",
)

# Escapes a string literal may contain, and what each stands for.
ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
KNOWN_ESCAPES = '(hilang has \\n, \\t, \\\\ and \\")'
UNTERMINATED_STRING = "unterminated string literal (a string cannot span lines; write \\n)"

CAPABILITY_SETS = ("r", "rw", "rwa")
CONTAINERS_WITH_CAPS = ("Array", "Map")

# Longer integer literals are out of range whatever they say.
MAX_INT_DIGITS = 40


class Positions:
    """Converts character offsets of one text into 1-based line/column."""

    def __init__(self, text: str):
        starts = [0]
        i = text.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = text.find("\n", i + 1)
        self._line_starts = starts

    def line_col(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.line_col(start)
        end_line, end_col = self.line_col(end)
        return Span(line, col, end_line, end_col)

    def token_span(self, tok: Token) -> Span:
        return self.span(tok.index, tok.end)


# A number and whatever letters or digits are glued to it: the suffix is
# judged here, as part of the number (`u8`, or a mistake such as `12abc`),
# rather than lexed as a separate identifier.
_STRING_RUN = re.compile(r'[^"\\\n]+')  # characters that stand for themselves

_NUMBER = re.compile(
    r"(?P<body>[0-9]+(?P<fraction>\.[0-9]+)?(?P<exponent>[eE][+-]?[0-9]+)?)(?P<suffix>[A-Za-z0-9_]*)"
)


class _Rules(Lexer):
    """The token rules. Errors are collected in `self.diagnostics` (a list the
    caller installs) instead of being raised."""

    tokens = {
        ID, CONID, INT, U8, FLOAT, STRING, CAPS,
        FUN, DATA, LET, VAR, IF, ELSE, THEN, WHILE, FOR, IN, BREAK, CONTINUE,
        RETURN, MATCH, TRUE, FALSE, WITH, MUT,
        PLUSPLUS, PLUS, MINUS, STAR, SLASH, PERCENT,
        EQEQ, NE, LE, GE, LT, GT, ANDAND, OROR, BANG,
        ARROW, ASSIGN, DOTDOT, DOT, COMMA, SEMI, COLON, PIPE,
        LPAREN, RPAREN, LBRACE, RBRACE, LBRACKET, RBRACKET,
    }

    # Whitespace as one regex per run: sly's `ignore` set is skipped one
    # character at a time, which is slow on deeply indented text.
    ignore_whitespace = r"[ \t\r\n]+"
    ignore_comment = r"\#[^\n]*"

    CONID = r"[A-Z][A-Za-z0-9_]*"

    # Longer operators first: the master regex takes the first alternative
    # that matches, not the longest.
    PLUSPLUS = r"\+\+"
    EQEQ = r"=="
    NE = r"!="
    LE = r"<="
    GE = r">="
    ANDAND = r"&&"
    OROR = r"\|\|"
    ARROW = r"=>"
    DOTDOT = r"\.\."
    PLUS = r"\+"
    MINUS = r"-"
    STAR = r"\*"
    SLASH = r"/"
    PERCENT = r"%"
    LT = r"<"
    GT = r">"
    BANG = r"!"
    ASSIGN = r"="
    DOT = r"\."
    COMMA = r","
    SEMI = r";"
    COLON = r":"
    PIPE = r"\|"
    LPAREN = r"\("
    RPAREN = r"\)"
    LBRACE = r"\{"
    RBRACE = r"\}"
    LBRACKET = r"\["
    RBRACKET = r"\]"

    diagnostics: list[Diagnostic]
    positions: Positions

    def _report(self, start: int, end: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(self.positions.span(start, end), message))

    @_(r"[a-z_][A-Za-z0-9_]*")
    def ID(self, t):
        if t.value in KEYWORDS:
            t.type = t.value.upper()
        return t

    @_(_NUMBER.pattern)
    def NUMBER(self, t):
        parts = _NUMBER.fullmatch(t.value)
        body, suffix = parts.group("body"), parts.group("suffix")
        suffix_start = t.index + len(body)
        if parts.group("fraction") or parts.group("exponent"):
            t.type = "FLOAT"
            t.value = float(body)
            if suffix:
                self._report(suffix_start, t.end, f"invalid suffix '{suffix}' on float literal")
            elif t.value == float("inf"):
                self._report(t.index, t.end, f"float literal {body} is too large")
            return t
        # Beyond MAX_INT_DIGITS only the magnitude matters (the literal is an
        # error anyway), and Python refuses to convert thousands of digits.
        t.value = int(body) if len(body) <= MAX_INT_DIGITS else 10**MAX_INT_DIGITS
        if suffix == "u8":
            t.type = "U8"
        else:
            t.type = "INT"
            if suffix:
                self._report(suffix_start, t.end, f"invalid suffix '{suffix}' on integer literal")
        return t

    @_(r'"')
    def STRING(self, t):
        """Scan the literal by hand: escapes and errors need positions."""
        text = self.text
        i = t.index + 1
        chars: list[str] = []
        while True:
            plain = _STRING_RUN.match(text, i)
            if plain:
                chars.append(plain.group())
                i = plain.end()
            if i >= len(text) or text[i] == "\n":
                self._report(t.index, t.index + 1, UNTERMINATED_STRING)
                break
            if text[i] == '"':
                i += 1
                break
            # A backslash.
            escaped = text[i + 1:i + 2]
            if escaped in ESCAPES:
                chars.append(ESCAPES[escaped])
            elif escaped not in ("", "\n"):  # else unterminated, reported next
                self._report(i, i + 2, f"unknown escape sequence '\\{escaped}' {KNOWN_ESCAPES}")
            i += 1 if escaped in ("", "\n") else 2
        t.value = "".join(chars)
        t.end = self.index = i
        return t

    def error(self, t):
        ch = t.value[0]
        if ch == "'" and self._character_literal(t):
            return t
        shown = f"'{ch}'" if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
        self._report(self.index, self.index + 1, f"illegal character {shown}")
        self.index += 1
        return None

    def _character_literal(self, t) -> bool:
        """`'a'` (from C, Java, Rust...): reported with what to write, and
        read on as the string it would be (`t` becomes that STRING token),
        so that parsing goes on without a second error. False for a lone
        `'`, an illegal character like any other."""
        close = self.text.find("'", self.index + 1)
        newline = self.text.find("\n", self.index + 1)
        if close < 0 or 0 <= newline < close:
            return False
        inside = self.text[self.index + 1:close]
        self._report(self.index, close + 1, hints.character_literal(inside))
        t.type, t.value = "STRING", inside
        self.index = close + 1
        return True


# Every token type `lex` produces, for the parser's grammar.
TOKEN_TYPES = frozenset(_Rules.tokens)


@dataclass
class LexResult:
    tokens: list[Token]
    diagnostics: list[Diagnostic]
    positions: Positions


def lex(source: Source) -> LexResult:
    """All tokens of `source`, with `CAPS` tokens formed and line numbers set,
    and every lexical error found."""
    rules = _Rules()
    rules.diagnostics = []
    rules.positions = Positions(source.text)
    # A byte-order mark some editors write is not part of the program.
    start = 1 if source.text.startswith("\ufeff") else 0
    raw = list(rules.tokenize(source.text, index=start))
    tokens = _form_capability_sets(raw)
    for tok in tokens:
        tok.lineno = rules.positions.line_col(tok.index)[0]
    return LexResult(tokens, rules.diagnostics, rules.positions)


def _form_capability_sets(raw: list[Token]) -> list[Token]:
    """Merge `Array` `{` `rw` `}` into `Array` CAPS("rw"). Done on the token
    stream rather than in a regex so that spacing inside the braces does not
    matter, and only after `Array` and `Map`, where a brace cannot start a
    block, a record or a record pattern."""
    out: list[Token] = []
    i = 0
    while i < len(raw):
        tok = raw[i]
        out.append(tok)
        i += 1
        if tok.type == "CONID" and tok.value in CONTAINERS_WITH_CAPS and _caps_at(raw, i):
            caps = Token()
            caps.type = "CAPS"
            caps.value = raw[i + 1].value
            caps.index = raw[i].index
            caps.end = raw[i + 2].end
            caps.lineno = raw[i].lineno
            out.append(caps)
            i += 3
    return out


def _caps_at(raw: list[Token], i: int) -> bool:
    return (
        i + 2 < len(raw)
        and raw[i].type == "LBRACE"
        and raw[i + 1].type == "ID"
        and raw[i + 1].value in CAPABILITY_SETS
        and raw[i + 2].type == "RBRACE"
    )


# How tokens are named in messages: "unexpected ';'", "unexpected identifier 'x'".
_FIXED_TEXT = {
    "PLUSPLUS": "++", "PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/",
    "PERCENT": "%", "EQEQ": "==", "NE": "!=", "LE": "<=", "GE": ">=", "LT": "<",
    "GT": ">", "ANDAND": "&&", "OROR": "||", "BANG": "!", "ARROW": "=>",
    "ASSIGN": "=", "DOTDOT": "..", "DOT": ".", "COMMA": ",", "SEMI": ";",
    "COLON": ":", "PIPE": "|", "LPAREN": "(", "RPAREN": ")", "LBRACE": "{",
    "RBRACE": "}", "LBRACKET": "[", "RBRACKET": "]",
    **{word.upper(): word for word in KEYWORDS},
}

_KIND_NAMES = {
    "ID": "a name",
    "CONID": "a type or constructor name",
    "INT": "an integer literal",
    "U8": "a u8 literal",
    "FLOAT": "a float literal",
    "STRING": "a string literal",
    "CAPS": "a capability set",
    "$end": "end of file",
}


def describe_type(token_type: str) -> str:
    """A token type as a message names it when it is expected: `';'`, `a name`."""
    if token_type in _FIXED_TEXT:
        return f"'{_FIXED_TEXT[token_type]}'"
    return _KIND_NAMES.get(token_type, token_type)


def describe(tok: Token | None) -> str:
    """A token as a message names it when it was found: `';'`,
    `name 'x'`, `integer literal 42`, `end of file`."""
    if tok is None:
        return "end of file"
    if tok.type in _FIXED_TEXT:
        return f"'{_FIXED_TEXT[tok.type]}'"
    match tok.type:
        case "ID":
            return f"name '{tok.value}'"
        case "CONID":
            return f"type name '{tok.value}'"
        case "INT":
            return f"integer literal {tok.value}"
        case "U8":
            return f"u8 literal {tok.value}u8"
        case "FLOAT":
            return f"float literal {tok.value!r}"
        case "STRING":
            return "string literal"
        case "CAPS":
            return f"capability set {{{tok.value}}}"
    return tok.type
