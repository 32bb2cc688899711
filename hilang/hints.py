""""Did you mean" hints for what people bring from other languages: the
type names of C, Java, Python, Rust and Go, `x += 1`, `i++`, `'a'`, `and`
and `or`, and `+` on strings. The lexer, the parser and the checker each
add the hint to the error they would give anyway, so the position and the
first words of every message stay what they were.
"""

from __future__ import annotations

# Other languages' names of hilang's types.
FOREIGN_TYPES = {
    **dict.fromkeys(("Int", "Integer", "Long", "Int64", "I64", "int", "long", "i64", "int64", "isize"), "S64"),
    **dict.fromkeys(("Float", "Double", "Float64", "F32", "float", "double", "f64", "float64"), "F64"),
    **dict.fromkeys(("Byte", "UInt8", "Char", "byte", "char", "u8", "uint8"), "U8"),
    **dict.fromkeys(("Boolean", "bool", "boolean"), "Bool"),
    **dict.fromkeys(("Str", "string", "str"), "String"),
    **dict.fromkeys(("Void", "void", "unit", "None"), "Unit"),
    **dict.fromkeys(("List", "Vec", "ArrayList", "Vector", "list", "vec"), "Array"),
    **dict.fromkeys(("Dict", "HashMap", "Dictionary", "HashTable", "dict", "map"), "Map"),
    **dict.fromkeys(("Maybe", "Optional"), "Option"),
}

# Operators of other languages, as a hilang name token would meet them.
FOREIGN_WORDS = {"and": "&&", "or": "||", "not": "!"}

# `x += e`: the arithmetic operators that C-like languages let precede `=`.
COMPOUND_OPERATORS = {"PLUS": "+", "MINUS": "-", "STAR": "*", "SLASH": "/", "PERCENT": "%"}


def type_hint(name: str) -> str:
    """`; did you mean 'S64'?` for `Int`, or nothing."""
    meant = FOREIGN_TYPES.get(name)
    return f"; did you mean '{meant}'?" if meant else ""


def character_literal(text: str) -> str:
    """The message for `'text'` (hilang has no character literals)."""
    message = f"hilang has no character literals; did you mean the String \"{text}\"?"
    if len(text) == 1 and text.isascii() and text.isprintable():
        message += f" (its byte is the U8 {ord(text)}u8)"
    return message


def compound_assignment(op: str, target: str | None) -> str:
    if target is None:  # `xs[i] += 1`
        return f"syntax error: hilang has no '{op}='; write the target twice, as in 'xs[i] = xs[i] {op} ...'"
    return f"syntax error: hilang has no '{op}='; did you mean '{target} = {target} {op} ...'?"


def increment(op: str, target: str | None) -> str:
    x = target or "i"
    sign = "+" if op == "++" else "-"
    what = "increment ('++' joins strings)" if op == "++" else "decrement"
    return f"syntax error: hilang has no '{op}' {what}; did you mean '{x} = {x} {sign} 1'?"


def foreign_word(word: str) -> str:
    return f"syntax error: hilang has no '{word}'; did you mean '{FOREIGN_WORDS[word]}'?"


STRING_PLUS = "; did you mean '++'? (hilang joins strings with '++')"
