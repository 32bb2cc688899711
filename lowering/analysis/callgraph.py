"""The call graph and its strongly connected components (Tarjan's
algorithm, iterative), bottom-up: callees before callers, so a summary of
each component can be computed from its callees' (../shared/STYLE.md,
"Whole-program fixpoints")."""

from __future__ import annotations

from lolang import ir
from lolang.traverse import walk


def calls(fun: ir.FunDecl) -> set[str]:
    return {n.func for n in walk(fun.body) if isinstance(n, ir.Call)}


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
