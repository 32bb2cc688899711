"""Run a deeply recursive function (an interpreter, a recursive-descent walk)
without Python's own limits stopping it first.

LANGUAGE.md 1.7 asks every engine for 100,000 nested calls. A tree-walking
interpreter spends several Python frames per hilang call, so the work runs on
a thread with a large C stack and a raised recursion limit. Callers still bound
the *language's* depth themselves (and report `stack overflow` as a runtime
error); this only makes sure Python's bound is never the one that is hit.

One such thread serves every call, for the life of the process: a thread per
call would cost a thread start each time, and glibc unmaps a finished
thread's stack only when the next one starts, so two of these 1 GiB stacks
would be mapped at once (twice the address space, which `ulimit -v` counts).
"""

import queue
import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

STACK_BYTES = 1024 * 1024 * 1024  # virtual; only touched pages are committed
RECURSION_LIMIT = 10_000_000
_THREAD_NAME = "hic-deep"

_tasks: "queue.SimpleQueue" = queue.SimpleQueue()
_worker: threading.Thread | None = None
_one_at_a_time = threading.Lock()


def run_with_deep_stack(fn: Callable[[], T]) -> T:
    """Call `fn()` on the deep-stack thread; return its result or re-raise
    its exception in the caller. Already on that thread (a stage calling
    the checker, say), it just calls `fn`: the stack is deep enough."""
    if threading.current_thread().name == _THREAD_NAME:
        return fn()
    with _one_at_a_time:
        _start_worker()
        # Filled by assignment, not append: when memory has run out, the
        # thread must be able to hand back the MemoryError without allocating.
        outcome: list = [None, None]
        done = threading.Event()
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old_limit, RECURSION_LIMIT))
        try:
            _tasks.put((fn, outcome, done))
            done.wait()
        finally:
            sys.setrecursionlimit(old_limit)
    result, error = outcome
    if error is not None:
        raise error
    return result


def _start_worker() -> None:
    global _worker
    if _worker is not None and _worker.is_alive():
        return
    old_size = threading.stack_size()
    threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=_serve, name=_THREAD_NAME, daemon=True)
        try:
            thread.start()
        except RuntimeError as exc:
            # The one reason the thread cannot start is the address space
            # its stack needs (`ulimit -v`): running out of memory, not a bug.
            raise MemoryError(f"no room for a {STACK_BYTES >> 20} MiB stack ({exc})") from None
    finally:
        threading.stack_size(old_size)
    _worker = thread


def _serve() -> None:
    while True:
        fn, outcome, done = _tasks.get()
        try:
            outcome[0] = fn()
        except BaseException as exc:  # re-raised in the calling thread
            outcome[1] = exc
        finally:
            # Drop this frame's references before the caller goes on, so
            # that what `fn` left behind can be freed.
            fn = None
            done.set()
