"""A type-directed generator of random, well-typed, terminating hilang
programs, for the differential test (docs/testing.md explains it).

    from gen import programs, LARGE
    @given(programs(LARGE))
    def test(program: hilang.ast.Program): ...
"""

from .programs import LARGE, SMALL, Size, from_seed, programs

__all__ = ["LARGE", "SMALL", "Size", "from_seed", "programs"]
