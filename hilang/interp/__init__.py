"""The hilang reference interpreter's parts (the entry point is
`hilang.interpreter.run`).

A checked program is translated once into a Python module (`translate`,
`statements`, `expressions`, `builtins`, over the builders of `pyast` and the
naming of `context`) that calls the runtime library (`runtime`) for what it
does not inline. docs/hilang-semantics.md is the semantics it implements.
"""
