"""A type-directed generator of random, well-typed, terminating hilang
programs, for the differential test (docs/testing.md explains it).

    from gen import programs, Size
    @given(programs())
    def test(program: hilang.ast.Program): ...
"""

from .programs import Size, programs, sample

__all__ = ["Size", "programs", "sample"]
