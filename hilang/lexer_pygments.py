"""Syntax colouring of hilang for pygments (and so for rich, which `hic
--dump` uses): `HilangLexer`, registered as the `hilang` pygments lexer.

It colours what a reader of a `.hi` file wants told apart: keywords; type
and constructor names (upper-case initial); capability sets such as `{rwa}`
after `Array` or `Map`, and `mut`, in a style of their own, because
capabilities are what hilang adds to an ordinary typed language; literals;
comments; operators. It follows the token rules of `hilang.lexer` but never
fails: anything else is shown as an error token and colouring goes on.
"""

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Whitespace,
)

from hilang.lexer import KEYWORDS

# `mut` and the literal keywords get their own styles below.
_PLAIN_KEYWORDS = tuple(k for k in KEYWORDS if k not in ("mut", "true", "false", "fun", "data"))


class HilangLexer(RegexLexer):
    name = "hilang"
    aliases = ["hilang", "hi"]
    filenames = ["*.hi"]
    mimetypes = ["text/x-hilang"]

    tokens = {
        "root": [
            (r"[ \t\r\n]+", Whitespace),
            (r"#.*?$", Comment.Single),
            (r'"', String.Double, "string"),
            # A capability set: the braces belong to it only right after a
            # container name (elsewhere `{ r }` is a record pattern).
            (r"\b(Array|Map)(\s*)(\{\s*(?:rwa|rw|r)\s*\})",
             bygroups(Keyword.Type, Whitespace, Name.Decorator)),
            (r"\bmut\b", Name.Decorator),
            (words(("fun", "data"), suffix=r"\b"), Keyword.Declaration),
            (words(("true", "false"), suffix=r"\b"), Keyword.Constant),
            (words(_PLAIN_KEYWORDS, suffix=r"\b"), Keyword),
            (r"\b(S64|U8|F64|Bool|Unit|String|Array|Map|Option)\b", Keyword.Type),
            (r"[A-Z][A-Za-z0-9_]*", Name.Class),
            (r"[a-z_][A-Za-z0-9_]*(?=\s*\()", Name.Function),
            (r"[a-z_][A-Za-z0-9_]*", Name),
            (r"[0-9]+(\.[0-9]+([eE][+-]?[0-9]+)?|[eE][+-]?[0-9]+)", Number.Float),
            (r"[0-9]+u8", Number.Integer),
            (r"[0-9]+", Number.Integer),
            (r"\+\+|==|!=|<=|>=|&&|\|\||=>|\.\.|[-+*/%<>!=|]", Operator),
            (r"[(){}\[\],;:.]", Punctuation),
            (r".", Error),
        ],
        "string": [
            (r'\\[nt\\"]', String.Escape),
            (r"\\.", Error),
            (r'"', String.Double, "#pop"),
            (r"\n", Error, "#pop"),
            (r'[^"\\\n]+', String.Double),
        ],
    }

