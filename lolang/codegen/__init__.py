"""LLVM code generation for lolang (llvmlite's IR builder).

`compile_program(program, types, stage)` returns an `llvmlite.ir.Module`.
One module per concern, each dispatching through a table keyed by the IR
node's class (STYLE.md habit 10):

| module           | what                                                        |
|------------------|-------------------------------------------------------------|
| `types.py`       | lolang type -> LLVM type, slot layouts                      |
| `module.py`      | the module: runtime declarations, globals, functions, entry |
| `function.py`    | one function's state: scopes, cleanups, loops, errors       |
| `expressions.py` | literals, operators, calls, blocks                          |
| `objects.py`     | data, strings, arrays, maps: building, reading, writing     |
| `constant_data.py` | array literals of constants as constant globals           |
| `regions.py`     | allocation fast path, retain/release, region constructs     |
| `statements.py`  | statements and blocks                                       |
| `patterns.py`    | `match`                                                     |
| `builtins.py`    | the built-in operations                                     |

docs/native.md describes the design.
"""

from lolang.codegen import expressions  # noqa: F401  (fills the tables in order)
from lolang.codegen.module import compile_program

__all__ = ["compile_program"]
