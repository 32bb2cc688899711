"""The lolang lexer (sly). docs/lolang.md, "Lexical", is the reference.

Token values the parser relies on:

* `INT`: `(value, is_u8)`, the value as written (unsigned; a negative
  literal is a `-` the parser folds into the literal it touches).
* `FLOAT`: a Python float (`inf` and `nan` are FLOAT tokens).
* `STRING`: the decoded text.
* `POS`: a `Pos`, from `@LINE:COL` (the hilang position of an operation
  that can fail).
* Binary operators: `(op, Pos | None)`: a position may be glued to the
  operator, `a /@8:12 b`, so that it cannot be mistaken for a postfix one.

Errors raise `CompileError` at the offending character; the lexer never
raises anything else, whatever the input.
"""

from __future__ import annotations

import bisect
import re

from sly import Lexer

from diagnostics import CompileError, Span
from lolang.ir import Pos

_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
_POS_RE = re.compile(r"@(\d+):(\d+)")


class LineMap:
    """Character offsets to 1-based (line, column) positions."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, index) - 1
        return line + 1, index - self.starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, col = self.position(start)
        end_line, end_col = self.position(max(start, end))
        return Span(line, col, end_line, end_col)


def _glued_pos(text: str, op_len: int) -> tuple[str, Pos | None]:
    op = text[:op_len]
    m = _POS_RE.fullmatch(text[op_len:])
    return op, (Pos(int(m.group(1)), int(m.group(2))) if m else None)


_GLUE = r"(@\d+:\d+)?"


class LolangLexer(Lexer):
    tokens = {
        ID, UID, INT, FLOAT, STRING, POS, AT,
        DATA, FUN, LET, VAR, IF, THEN, ELSE, WHILE, BREAK, CONTINUE, RETURN, MATCH,
        DROP, MERGE, INTO, REGION, UNPACK, AS, RESTRICT, PACK, COPY, RESET, REUSE, NEW, DO, TRUE, FALSE,
        S64, U8, F64, BOOL, UNIT, STRING_T, ARRAY, MAP, PACK_T,
        OR, AND, EQ, NE, LE, GE, LT, GT, PLUS, MINUS, TIMES, DIV, MOD,
        ARROW, ASSIGN, NOT, AMP, BAR, LPAREN, RPAREN, LBRACKET, RBRACKET, LBRACE, RBRACE,
        COMMA, COLON, SEMI, DOT,
    }
    ignore = " \t\r"
    ignore_comment = r"\#[^\n]*"
    ignore_newline = r"\n+"

    FLOAT = r"\d+\.\d+([eE][+-]?\d+)?|\d+[eE][+-]?\d+|inf\b|nan\b"
    INT = r"\d+(u8)?"
    STRING = r'"([^"\\\n]|\\[^\n])*"'
    POS = r"@\d+:\d+"
    AT = r"@"

    UID = r"[A-Z][A-Za-z0-9_]*"
    UID["S64"] = S64
    UID["U8"] = U8
    UID["F64"] = F64
    UID["Bool"] = BOOL
    UID["Unit"] = UNIT
    UID["String"] = STRING_T
    UID["Array"] = ARRAY
    UID["Map"] = MAP
    UID["Pack"] = PACK_T

    ID = r"[a-z_][A-Za-z0-9_]*"
    ID["data"] = DATA
    ID["fun"] = FUN
    ID["let"] = LET
    ID["var"] = VAR
    ID["if"] = IF
    ID["then"] = THEN
    ID["else"] = ELSE
    ID["while"] = WHILE
    ID["break"] = BREAK
    ID["continue"] = CONTINUE
    ID["return"] = RETURN
    ID["match"] = MATCH
    ID["drop"] = DROP
    ID["merge"] = MERGE
    ID["into"] = INTO
    ID["region"] = REGION
    ID["unpack"] = UNPACK
    ID["as"] = AS
    ID["restrict"] = RESTRICT
    ID["pack"] = PACK
    ID["copy"] = COPY
    ID["reset"] = RESET
    ID["reuse"] = REUSE
    ID["new"] = NEW
    ID["do"] = DO
    ID["true"] = TRUE
    ID["false"] = FALSE

    OR = r"\|\|" + _GLUE
    AND = r"&&" + _GLUE
    ARROW = r"=>"
    EQ = r"==" + _GLUE
    NE = r"!=" + _GLUE
    LE = r"<=" + _GLUE
    GE = r">=" + _GLUE
    LT = r"<" + _GLUE
    GT = r">" + _GLUE
    PLUS = r"\+" + _GLUE
    MINUS = r"-" + _GLUE
    TIMES = r"\*" + _GLUE
    DIV = r"/" + _GLUE
    MOD = r"%" + _GLUE
    ASSIGN = r"="
    NOT = r"!"
    AMP = r"&"
    BAR = r"\|"
    LPAREN = r"\("
    RPAREN = r"\)"
    LBRACKET = r"\["
    RBRACKET = r"\]"
    LBRACE = r"\{"
    RBRACE = r"\}"
    COMMA = r","
    COLON = r":"
    SEMI = r";"
    DOT = r"\."

    def __init__(self, lines: LineMap):
        self.lines = lines

    def FLOAT(self, t):
        t.value = float(t.value)
        return t

    def INT(self, t):
        u8 = t.value.endswith("u8")
        t.value = (int(t.value[:-2] if u8 else t.value), u8)
        return t

    def STRING(self, t):
        t.value = self._decode(t.value[1:-1], t.index + 1)
        return t

    def POS(self, t):
        t.value = _glued_pos(t.value, 0)[1]
        return t

    def OR(self, t):
        return self._binop(t, 2)

    def AND(self, t):
        return self._binop(t, 2)

    def EQ(self, t):
        return self._binop(t, 2)

    def NE(self, t):
        return self._binop(t, 2)

    def LE(self, t):
        return self._binop(t, 2)

    def GE(self, t):
        return self._binop(t, 2)

    def LT(self, t):
        return self._binop(t, 1)

    def GT(self, t):
        return self._binop(t, 1)

    def PLUS(self, t):
        return self._binop(t, 1)

    def MINUS(self, t):
        return self._binop(t, 1)

    def TIMES(self, t):
        return self._binop(t, 1)

    def DIV(self, t):
        return self._binop(t, 1)

    def MOD(self, t):
        return self._binop(t, 1)

    def _binop(self, t, op_len: int):
        t.value = _glued_pos(t.value, op_len)
        return t

    def _decode(self, body: str, start: int) -> str:
        out = []
        i = 0
        while i < len(body):
            c = body[i]
            if c != "\\":
                out.append(c)
                i += 1
                continue
            e = body[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
            elif e == "x" and re.fullmatch(r"[0-7][0-9a-fA-F]", body[i + 2:i + 4]):
                out.append(chr(int(body[i + 2:i + 4], 16)))
                i += 4
            elif e == "u" and (m := re.match(r"\{([0-9a-fA-F]{1,6})\}", body[i + 2:])):
                code = int(m.group(1), 16)
                if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                    self._fail(start + i, f"escape \\u{{{m.group(1)}}} is not a Unicode scalar value")
                out.append(chr(code))
                i += 2 + m.end()
            else:
                self._fail(start + i, f"unknown escape '\\{e}' (use \\n \\t \\\\ \\\" \\xHH \\u{{H...}})")
        return "".join(out)

    def _fail(self, index: int, message: str):
        raise CompileError.at(self.lines.span(index, index + 1), message)

    def error(self, t):
        c = t.value[0]
        if c == '"':
            self._fail(t.index, "unterminated string literal")
        shown = c if c.isprintable() else f"U+{ord(c):04X}"
        self._fail(t.index, f"unexpected character '{shown}'")


def tokenize(text: str, lines: LineMap | None = None):
    """The tokens of `text` (a generator; raises CompileError)."""
    return LolangLexer(lines or LineMap(text)).tokenize(text)
