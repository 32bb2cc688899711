"""The primitive semantics every engine shares (LANGUAGE.md 1.6-1.8,
docs/hilang-semantics.md), written once as plain functions over Python
values: S64 and U8 are `int`s kept in range, F64 is `float`, Bool `bool`,
String `bytes` (UTF-8), Unit `None`.

Both interpreters call these: the hilang interpreter (through the helpers
its generated Python calls) and the lolang interpreter. They are a package
of their own because of the dependency rule of docs/architecture.md:
`hilang` must not import `lolang`, so the code cannot live in either
interpreter; `diagnostics` is about reporting, not about what a program
computes. This package depends on `diagnostics` only (for `ProgramError`
and the shared texts), so every package may use it.

Guaranteed: results match the C runtime bit for bit (two's-complement wrap,
truncating division, `%` with the dividend's sign, `S64_MIN / -1` wrapping,
`%.9f` floats with `inf`/`-inf`/`nan`, `int` of a string, `substr` bounds).

  numbers   S64/U8 division and remainder, F64 division, sqrt, trunc,
            `int` of a string, F64 printing
  strings   `substr`, `chr`, string ordering
"""
