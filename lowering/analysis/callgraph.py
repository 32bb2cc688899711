"""The call graph and its strongly connected components (Tarjan's
algorithm, iterative), bottom-up: callees before callers, so a summary of
each component can be computed from its callees' (../shared/STYLE.md,
"Whole-program fixpoints")."""

from __future__ import annotations

from lolang import ir
from lolang.traverse import walk


def calls(fun: ir.FunDecl) -> frozenset[str]:
    """The functions `fun` calls. Kept by body: a pass leaves most bodies
    the very same objects, and six passes ask for the call graph (a walk of
    every function each time, 4% of compiling gl1500)."""
    body = fun.body
    found = _calls_of.get(id(body))
    if found is not None and found[0] is body:
        return found[1]
    if len(_calls_of) >= _KEPT:
        _calls_of.clear()
    callees = frozenset(n.func for n in walk(body) if type(n) is ir.Call)
    _calls_of[id(body)] = (body, callees)  # holds the body: no other object takes its id
    return callees


# id(body) -> (body, the functions it calls); cleared when this full, so
# that a long-lived process compiling many programs does not keep their
# bodies alive (gl1500 has 115 functions, each asked in up to six versions).
_calls_of: dict[int, tuple[ir.Block, frozenset[str]]] = {}
_KEPT = 4_096


def components(program: ir.Program) -> list[frozenset[str]]:
    """The strongly connected components, callees first."""
    return _components({f.name: calls(f) for f in program.funs})


def _components(calls_of: dict[str, set[str]]) -> list[frozenset[str]]:
    graph = {name: sorted(callees) for name, callees in calls_of.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[frozenset[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(graph[nxt])))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.add(w)
                    if w == node:
                        break
                out.append(frozenset(comp))
    return out


def recursive_with(program: ir.Program) -> dict[str, frozenset[str]]:
    """For each function, the functions a call to which may come back to
    it (its component, if it is recursive at all; else nothing)."""
    result = {}
    graph = {f.name: calls(f) for f in program.funs}
    for comp in _components(graph):
        recursive = len(comp) > 1 or any(f in graph[f] for f in comp)
        for f in comp:
            result[f] = comp if recursive else frozenset()
    return result
