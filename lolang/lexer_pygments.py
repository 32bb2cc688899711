"""Syntax colouring for lolang (`hic --dump`, docs): a pygments RegexLexer.

Regions and capabilities get token types of their own so a style can tell
them apart at a glance:

* region names — after `@`, inside `new[..]`, `f[..](`, `[s: ..]`, and
  after `region`, `unpack .. as`, `restrict`, `merge .. into` —
  are `Name.Label`;
* capability sets — `{rwa}` after `Pack`/`pack`, `: rw` in `[s: rw]` and
  `restrict r: r` — are `Name.Attribute`;
* the region operations `region unpack restrict merge pack copy drop new`
  are `Keyword.Pseudo`, apart from ordinary control flow (`Keyword`);
* hilang positions `@12:5` are `Comment.Special` (metadata, not code).
"""

from pygments.lexer import RegexLexer, bygroups, include, words
from pygments.token import (
    Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace,
)

from lolang.ir import BUILTINS

REGION = Name.Label
CAPS = Name.Attribute

_REGION_OPS = ("region", "unpack", "restrict", "merge", "into", "pack", "copy", "drop", "new", "as")
_CONTROL = ("fun", "data", "let", "var", "if", "then", "else", "while", "break", "continue",
            "return", "match", "do")
_BUILTINS = tuple(BUILTINS)
_TYPES = ("S64", "U8", "F64", "Bool", "Unit", "String", "Array", "Map")


class LolangLexer(RegexLexer):
    name = "lolang"
    aliases = ["lolang", "lo"]
    filenames = ["*.lo"]
    mimetypes = ["text/x-lolang"]

    tokens = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*?$", Comment.Single),
            # positions of hilang source, glued or postfix: `/@8:12`, `]@3:4`
            (r"@\d+:\d+", Comment.Special),
            # `@r`: the region of a reference type
            (r"(@)(\s*)([A-Za-z_]\w*)", bygroups(Operator, Whitespace, REGION)),
            # `Pack{rw}` and `pack{rw}`: capability sets
            (r"(Pack|pack)(\{)([rwa]*)(\})", bygroups(Keyword.Pseudo, Punctuation, CAPS, Punctuation)),
            # `restrict r: rw` / `restrict r`
            (r"(restrict)(\s+)([a-z_]\w*)(\s*)(:)(\s*)([rwa]+)",
             bygroups(Keyword.Pseudo, Whitespace, REGION, Whitespace, Punctuation, Whitespace, CAPS)),
            (r"(restrict|region)(\s+)([a-z_]\w*)", bygroups(Keyword.Pseudo, Whitespace, REGION)),
            (r"(merge)(\s+)([a-z_]\w*)(\s+)(into)(\s+)([a-z_]\w*)",
             bygroups(Keyword.Pseudo, Whitespace, REGION, Whitespace, Keyword.Pseudo, Whitespace, REGION)),
            (r"(as)(\s+)([a-z_]\w*)(\s*)(,)", bygroups(Keyword.Pseudo, Whitespace, REGION, Whitespace, Punctuation)),
            # `fun f[s: r, o]`: region parameters with their capabilities
            (r"(fun)(\s+)([a-z_]\w*)(\[)", bygroups(Keyword, Whitespace, Name.Function, Punctuation), "rparams"),
            (r"(fun)(\s+)([a-z_]\w*)", bygroups(Keyword, Whitespace, Name.Function)),
            # `new[r]`, `f[q, s](`: region arguments
            (r"(new)(\[)", bygroups(Keyword.Pseudo, Punctuation), "rargs"),
            (r"([a-z_]\w*)(\[)(?=[\w\s,]*\]\()", bygroups(Name.Function, Punctuation), "rargs"),
            (words(_REGION_OPS, suffix=r"\b"), Keyword.Pseudo),
            (words(_CONTROL, suffix=r"\b"), Keyword),
            (words(("true", "false"), suffix=r"\b"), Keyword.Constant),
            (words(_TYPES, suffix=r"\b"), Keyword.Type),
            (r"\bP\b", REGION),
            (words(_BUILTINS, suffix=r"\b(?=\s*[\[(])"), Name.Builtin),
            (r"[A-Z]\w*", Name.Class),
            (r"([a-z_]\w*)(?=\s*\()", Name.Function),
            (r"[a-z_]\w*", Name),
            include("literals"),
            (r"=>|&&|\|\||==|!=|<=|>=|[-+*/%<>=!&|]", Operator),
            (r"[()\[\]{},:;.]", Punctuation),
            (r".", Text),
        ],
        "literals": [
            (r'"', String, "string"),
            (r"\d+\.\d+([eE][+-]?\d+)?|\d+[eE][+-]?\d+|\binf\b|\bnan\b", Number.Float),
            (r"\d+u8\b", Number.Integer),
            (r"\d+", Number.Integer),
        ],
        "string": [
            (r'\\(u\{[0-9a-fA-F]+\}|x[0-9a-fA-F]{2}|.)', String.Escape),
            (r'[^"\\\n]+', String),
            (r'"', String, "#pop"),
            (r"\n", String, "#pop"),
        ],
        "rparams": [
            (r"\s+", Whitespace),
            (r"([a-z_]\w*)(\s*)(:)(\s*)([rwa]*)", bygroups(REGION, Whitespace, Punctuation, Whitespace, CAPS)),
            (r"[a-z_]\w*", REGION),
            (r",", Punctuation),
            (r"\]", Punctuation, "#pop"),
            (r".", Text, "#pop"),
        ],
        "rargs": [
            (r"\s+", Whitespace),
            (r"[a-z_]\w*", REGION),
            (r",", Punctuation),
            (r"\]", Punctuation, "#pop"),
            (r".", Text, "#pop"),
        ],
    }
