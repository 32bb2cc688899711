"""Run a deeply recursive function (an interpreter, a recursive-descent walk)
without Python's own limits stopping it first.

LANGUAGE.md 1.7 asks every engine for 100,000 nested calls. A tree-walking
interpreter spends several Python frames per hilang call, so the work runs in a
thread with a large C stack and a raised recursion limit. Callers still bound
the *language's* depth themselves (and report `stack overflow` as a runtime
error); this only makes sure Python's bound is never the one that is hit.
"""

import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

STACK_BYTES = 1024 * 1024 * 1024  # virtual; only touched pages are committed
RECURSION_LIMIT = 10_000_000
_THREAD_NAME = "hic-deep"


def run_with_deep_stack(fn: Callable[[], T]) -> T:
    """Call `fn()` on a thread with a large stack; return its result or
    re-raise its exception in the caller. Already on such a thread (a
    stage calling the checker, say), it just calls `fn`: the stack is deep
    enough, and a thread per nested call would only cost time."""
    if threading.current_thread().name == _THREAD_NAME:
        return fn()
    result: list = []
    error: list = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # re-raised in the calling thread
            error.append(exc)

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
    threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=target, name=_THREAD_NAME)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if error:
        raise error[0]
    return result[0]
