"""Facts about a function's lolang that the ownership pass asks again and
again — which owned variables a subtree uses, which it assigns, whether it
can leave by a jump — computed once per node, bottom-up, and remembered.

Asking them afresh at every node would be quadratic in the nesting depth
(a program 20,000 levels deep is a fair input). Assumes the nodes asked
about are not rebuilt while the cache lives (it holds them, so that an
`id` is never reused).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lolang import ir
from lolang.traverse import children


@dataclass(frozen=True)
class Exits:
    """Whether a node holds a `return`, and a `break` or `continue` that
    leaves it (not one of a loop inside it)."""

    returns: bool = False
    jumps: bool = False

    def __or__(self, other: "Exits") -> "Exits":
        returns, jumps = self.returns or other.returns, self.jumps or other.jumps
        if returns == self.returns and jumps == self.jumps:
            return self
        if returns == other.returns and jumps == other.jumps:
            return other
        return Exits(returns, jumps)


NONE = Exits()
_RETURNS = Exits(returns=True)
_JUMPS = Exits(jumps=True)
_NOTHING: frozenset[str] = frozenset()


@dataclass
class Facts:
    tracked: frozenset[str]
    _uses: dict[int, tuple[object, frozenset[str]]] = field(default_factory=dict)
    _exits: dict[int, tuple[object, Exits]] = field(default_factory=dict)
    _assigned: dict[int, tuple[object, frozenset[str]]] = field(default_factory=dict)

    def uses(self, node) -> frozenset[str]:
        """Tracked variables `node` uses that are declared outside it."""
        found = self._uses.get(id(node))
        if found is not None:
            return found[1]
        result = _NOTHING
        for c in children(node):
            below = self.uses(c)
            if below:
                result = result | below if result else below
        match node:
            case ir.Var(name) if name in self.tracked:
                result = frozenset((name,))
            case ir.Block(stmts):
                result -= {s.name for s in stmts if isinstance(s, ir.Let)}
        self._uses[id(node)] = (node, result)
        return result

    def exits(self, node) -> Exits:
        found = self._exits.get(id(node))
        if found is not None:
            return found[1]
        # Dispatched on the node's exact type (the IR's classes have no
        # subclasses), not by class patterns tried in turn.
        kind = type(node)
        if kind is ir.Return:
            result = _RETURNS
        elif kind is ir.Break or kind is ir.Continue:
            result = _JUMPS
        else:
            result = NONE
            for c in children(node):
                result = result | self.exits(c)
            if kind is ir.While:
                result = Exits(returns=result.returns)  # its jumps stay inside
        self._exits[id(node)] = (node, result)
        return result

    def assigned(self, node) -> frozenset[str]:
        """Variables `node` assigns (`x = e`)."""
        found = self._assigned.get(id(node))
        if found is not None:
            return found[1]
        result = _NOTHING
        for c in children(node):
            below = self.assigned(c)
            if below:
                result = result | below if result else below
        if isinstance(node, ir.Assign):
            result |= {node.name}
        self._assigned[id(node)] = (node, result)
        return result
