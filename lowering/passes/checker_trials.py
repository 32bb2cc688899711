"""The lolang checker as a pass's judge of its own rewrites.

unpack-in-place, borrow-elements, share-rebuilt and reuse-dropped each
rewrite a function, and keep the rewrite only if the checker accepts it
(lolang's rules, not the pass, decide what is safe: docs/passes.md). A
`Trials` object serves one run of a pass over one program: the
declarations' signatures are collected once, on the first trial, and
each accepted function's facts are kept for the pipeline's check after
the pass (`check_function_kept`).
"""

from __future__ import annotations

from lolang import ir
from lolang.traverse import rebuild


class Trials:
    def __init__(self, program: ir.Program):
        self.program = program
        self._info = None

    def accepted(self, f: ir.FunDecl) -> bool:
        """Whether the checker accepts `f` in place of the program's
        function of that name."""
        from lolang.checker import check_function_kept
        from lolang.checker.context import Reject

        if self._info is None:
            from lolang.checker import decls as signatures

            self._info = signatures.collect(self.program, [])
        try:
            check_function_kept(self._info, f, self.program)
        except Reject:
            return False
        return True


def rewrite_functions(program: ir.Program, has_candidates, rewrite):
    """The driver of a pass that rewrites function by function: each
    function `has_candidates` accepts is given to `rewrite(f, trials,
    remarks)`, which returns it rewritten (or itself) and says what it
    did in `remarks`. A program nothing was done to is returned itself,
    so the pipeline keeps its check."""
    from lowering.pipeline import PassResult

    remarks: list = []
    trials = Trials(program)
    decls = [rewrite(d, trials, remarks) if isinstance(d, ir.FunDecl) and has_candidates(d) else d
             for d in program.decls]
    if not remarks:
        return PassResult(program, remarks)
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)
