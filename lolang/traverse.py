"""One generic traversal of the lolang IR, and one table of how each node
uses its operands.

Every pass, analysis and figure walks the IR the same way: `children(node)`
lists the declarations, statements, expressions and patterns directly below
a node in evaluation (and printing) order; `walk(node)` visits a whole
subtree iteratively (a program may nest 20,000 levels deep);
`map_children(node, fn)` rebuilds a node with each child replaced by
`fn(child)`, returning the node itself when nothing changed, so a pass that
rewrites a few nodes shares the rest of the tree (and facts keyed by
`id(node)` stay valid for what it did not touch).

Types, names, capabilities and positions are not children: a type can be as
deep as the program (`[[[...]]]`), and walking one per node would be
quadratic.

`operands(node, signature)` says how `node` uses each child: the rules of
docs/lolang.md §5.2 in one place, read by the checker's and the naive
lowering's ownership rules, by code generation and by the passes.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Callable, Iterator

from lolang import ir

# --------------------------------------------------------------------------
# children


# A field holds children when its declared type names a node class; names,
# capabilities, literals and *types* are not children (a type can be as deep
# as the program, and walking one per node would be quadratic).
_NODE_WORDS = ("Expr", "Stmt", "Block", "Pattern", "Arm", "DataDecl", "FunDecl", "CtorDecl", "FieldDecl",
               "Param", "RegionParam", "'If'")


def _node_fields(cls) -> tuple[tuple[str, bool], ...]:
    """(field, holds a tuple) for the fields of `cls` that hold nodes."""
    found = []
    for f in dataclasses.fields(cls):
        kind = str(f.type)
        if f.name in ("span", "pos") or not any(word in kind for word in _NODE_WORDS):
            continue
        found.append((f.name, kind.startswith("tuple")))
    return tuple(found)


CHILD_FIELDS: dict[type, tuple[tuple[str, bool], ...]] = {
    cls: _node_fields(cls)
    for cls in (
        ir.Program, ir.DataDecl, ir.CtorDecl, ir.FieldDecl, ir.FunDecl, ir.Param, ir.RegionParam, ir.Block,
        ir.Arm, *ir.STMT_TYPES, *ir.EXPR_TYPES, *ir.PATTERN_TYPES,
    )
}


def _is_node(x) -> bool:
    return type(x) in CHILD_FIELDS


# Per class, the child fields last first: `walk` pushes them in that order.
_REVERSED_FIELDS = {cls: tuple(reversed(fields)) for cls, fields in CHILD_FIELDS.items()}


def children(node) -> list:
    """The nodes directly below `node`, in evaluation order."""
    lister = _LISTERS.get(type(node))
    return [] if lister is None else lister(node)


def _written_out(kind: str, params: str, body: Callable, fields: dict, scope: dict | None = None) -> dict[type, Callable]:
    """For each class with child fields, the function `kind_CLASS(params)`
    whose lines `body(its fields)` gives, compiled by one `exec` (the
    three kinds take about 9 ms at import)."""
    classes = [cls for cls, names in fields.items() if names]
    source = []
    for cls in classes:
        source.append(f"def {kind}_{cls.__name__}({params}):")
        source += ["    " + line for line in body(fields[cls])]
    scope = dict(scope or {})
    exec("\n".join(source), scope)
    return {cls: scope[f"{kind}_{cls.__name__}"] for cls in classes}


def _lister_lines(fields) -> list[str]:
    """`children` written out for a class with these fields."""
    lines = ["out = []"]
    for name, many in fields:
        if many:
            lines.append(f"out += node.{name}")
        else:
            lines += [f"value = node.{name}", "if value is not None:", "    out.append(value)"]
    return lines + ["return out"]


_LISTERS = _written_out("list_children", "node", _lister_lines, CHILD_FIELDS)


def _pusher_lines(fields) -> list[str]:
    """A function pushing a node's children on `walk`'s stack, last first
    (`fields` are reversed): one call a node instead of a loop asking
    `getattr` for each field (every pass and analysis walks: 600,000 nodes
    in compiling gl1500)."""
    lines = []
    for name, many in fields:
        lines.append(f"value = node.{name}")
        if many:
            lines += ["if value:", "    extend(value[::-1])"]
        else:
            lines += ["if value is not None:", "    push(value)"]
    return lines


# class -> push_children(node, push, extend): `walk`'s step, also for
# analyses that keep a stack of their own (lowering/analysis/positions.py).
PUSH_CHILDREN = _written_out("push_children", "node, push, extend", _pusher_lines, _REVERSED_FIELDS)


def walk(node) -> Iterator:
    """Every node below `node` (itself included), parents before their
    children, in evaluation order; iterative."""
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    pushers = PUSH_CHILDREN.get
    while stack:
        current = pop()
        yield current
        # Children pushed last first, so that the first is visited next.
        push_children = pushers(type(current))
        if push_children is not None:
            push_children(current, push, extend)


def map_children(node, fn: Callable):
    """`node` with every direct child `c` replaced by `fn(c)`; `node`
    itself when every `fn(c) is c`. `fn` may return a tuple for a child
    held in a tuple field (a statement becoming several), which is
    spliced in place."""
    mapper = _MAPPERS.get(type(node))
    return node if mapper is None else mapper(node, fn)


def _map_many(value: tuple, fn: Callable) -> tuple | None:
    """`fn` of each node of a tuple field, in order: the new tuple (a
    tuple `fn` returns spliced in), or None when every `fn(x) is x`."""
    items = None
    for i, x in enumerate(value):
        y = fn(x)
        if items is None:
            if y is x:
                continue
            items = list(value[:i])
        if type(y) is tuple:
            items.extend(y)
        else:
            items.append(y)
    return None if items is None else tuple(items)


def _mapper_lines(fields) -> list[str]:
    """`map_children` written out for a class with these fields."""
    lines = ["changes = None"]
    for name, many in fields:
        if many:
            lines += [f"new = map_many(node.{name}, fn)",
                      "if new is not None:",
                      "    if changes is None:",
                      "        changes = {}",
                      f"    changes[{name!r}] = new"]
        else:
            lines += [f"value = node.{name}",
                      "if value is not None:",
                      "    new = fn(value)",
                      "    if new is not value:",
                      "        if changes is None:",
                      "            changes = {}",
                      f"        changes[{name!r}] = new"]
    return lines + ["return rebuild(node, **changes) if changes else node"]


def rebuild(node, /, **changes):
    """`dataclasses.replace(node, **changes)` for a node, without asking
    `dataclasses.fields` each time (the passes rebuild nodes by the
    hundred thousand)."""
    cls = type(node)
    names = _INIT_FIELDS.get(cls)
    if names is None:
        names = _INIT_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.init)
    for name in names:
        if name not in changes:
            changes[name] = getattr(node, name)
    return cls(**changes)


_INIT_FIELDS: dict[type, tuple[str, ...]] = {}
_MAPPERS = _written_out("map_children", "node, fn", _mapper_lines, CHILD_FIELDS,
                       {"map_many": _map_many, "rebuild": rebuild})


def updated(node, /, **changes):
    """`rebuild(node, **changes)`, or `node` itself when every change is
    what it holds already (the same object, or a tuple of the same
    objects): a pass that changed nothing in a function hands back that
    very function, so the checker's facts about it (keyed by identity)
    still hold."""
    for name, value in changes.items():
        old = getattr(node, name)
        if value is old:
            continue
        if (type(value) is tuple and type(old) is tuple and len(value) == len(old)
                and all(a is b for a, b in zip(value, old))):
            continue
        return rebuild(node, **changes)
    return node


def transform(node, fn: Callable):
    """Rebuild `node` bottom-up: each node's children first, then `fn` on
    the node with its new children (`fn` returns it, or a replacement).
    Recursive: run it on a deep stack (`diagnostics.deep_stack`)."""
    return fn(map_children(node, lambda c: transform(c, fn)))


# --------------------------------------------------------------------------
# how operands are used (docs/lolang.md §5.2)

READ = "read"          # evaluated and only read: operands, conditions, indexes
CONSUMED = "consumed"  # a consuming position: an owned pack moves there
LENT = "lent"          # lent to a `&` parameter (or a `let` of a `&` type) for its scope
PLACE = "place"        # the place an `unpack` borrows for its block (no count change)
VALUE = "value"        # the node's own value: consumed exactly as the node is
BLOCK = "block"        # a nested block or arm (its statements run; its value is VALUE)
STMT = "stmt"          # a statement of a block
PATTERN = "pattern"    # a pattern (matched, not evaluated)

# Built-in arguments a built-in stores (consumes): name -> argument indexes.
STORED_ARGS: dict[str, tuple[int, ...]] = {"push": (1,), "insert": (1, 2), "array": (1,)}


def is_place(e) -> bool:
    """A variable or a field read: what `unpack` borrows rather than
    consumes, and what may be lent to a `&` parameter."""
    return isinstance(e, (ir.Var, ir.FieldGet))


def unpack_borrows(e) -> bool:
    """Whether `unpack e` borrows e (a place, or an array element, which
    the array keeps alive while the block writes nothing: docs/lolang.md
    §5.2) rather than consuming it."""
    return isinstance(e, (ir.Var, ir.FieldGet, ir.Index))


def operands(node, signature: Callable[[str], ir.FunDecl | None] = lambda name: None) -> list[tuple[object, str]]:
    """`(child, use)` for every direct child of `node`, in evaluation order.
    `signature(name)` gives a called function's declaration (its parameter
    types decide whether an argument is consumed or lent); without it a
    call's arguments count as consumed."""
    rule = _OPERAND_RULES.get(type(node))
    if rule is None:
        return [(c, READ) for c in children(node)]
    return rule(node, signature)


def _consumed_value(node, signature):
    return [(node.value, CONSUMED)] if node.value is not None else []


def _call(node, signature):
    fun = signature(node.func)
    if fun is None:
        return [(a, CONSUMED) for a in node.args]
    return [(a, LENT if isinstance(p.type, ir.BorrowType) else CONSUMED) for p, a in zip(fun.params, node.args)]


def _builtin(node, signature):
    stored = STORED_ARGS.get(node.name, ())
    return [(a, CONSUMED if i in stored else READ) for i, a in enumerate(node.args)]


def _if(node, signature):
    els = node.els
    return [(node.cond, READ), (node.then, BLOCK)] + (
        [(els, BLOCK if isinstance(els, ir.Block) else STMT)] if els else [])


def _block(node, signature):
    out = [(s, STMT) for s in node.stmts]
    if node.result is not None:
        out.append((node.result, VALUE))
    return out


def _body(node, signature):
    return [(node.body, BLOCK)]


# How each kind of node uses its children (docs/lolang.md §5.2); any other
# node only reads them.
_OPERAND_RULES: dict[type, Callable] = {
    ir.Let: lambda node, signature: [(node.value, LENT if isinstance(node.type, ir.BorrowType) else CONSUMED)],
    ir.Assign: _consumed_value,
    ir.Return: _consumed_value,
    ir.Drop: _consumed_value,
    ir.IndexSet: lambda node, signature: [(node.target, READ), (node.index, READ), (node.value, CONSUMED)],
    ir.ExprStmt: lambda node, signature: [(node.expr, READ)],
    ir.If: _if,
    ir.While: lambda node, signature: [(node.cond, READ), (node.body, BLOCK)],
    ir.Match: lambda node, signature: [(node.scrutinee, READ)] + [(arm, BLOCK) for arm in node.arms],
    ir.MatchReset: lambda node, signature: [(node.scrutinee, CONSUMED)] + [(arm, BLOCK) for arm in node.arms],
    ir.Reuse: lambda node, signature: [(node.token, CONSUMED)] + [(a, CONSUMED) for a in node.args],
    ir.Arm: lambda node, signature: [(node.pattern, PATTERN), (node.body, BLOCK)],
    ir.Block: _block,
    ir.IfExpr: lambda node, signature: [(node.cond, READ), (node.then, VALUE), (node.els, VALUE)],
    ir.Call: _call,
    ir.Builtin: _builtin,
    ir.NewData: lambda node, signature: [(a, CONSUMED) for a in node.args],
    ir.NewArray: lambda node, signature: [(a, CONSUMED) for a in node.elems],
    ir.Unpack: lambda node, signature: [(node.pack, PLACE if unpack_borrows(node.pack) else CONSUMED), (node.body, BLOCK)],
    ir.Region: _body,
    ir.Restrict: _body,
    ir.Do: _body,
    ir.PCtor: lambda node, signature: [(a, PATTERN) for a in node.args],
}


BLOCK_EXPRS = (ir.Region, ir.Unpack, ir.Restrict, ir.Do)  # statements with a body of their own


def always_exits(node, exits: tuple[type, ...] = (ir.Return, ir.Break, ir.Continue)) -> bool:
    """Whether control never goes on after `node` (a statement or block):
    every path through it ends in one of `exits` (by default a `return`,
    `break` or `continue`; `(ir.Return,)`: every path returns)."""
    match node:
        case ir.Block(stmts):
            return any(always_exits(s, exits) for s in stmts)
        case ir.If(_, then, els):
            return els is not None and always_exits(then, exits) and always_exits(els, exits)
        case ir.Match(_, arms) | ir.MatchReset(_, _, arms):
            return bool(arms) and all(always_exits(a.body, exits) for a in arms)
        case ir.ExprStmt(e) if isinstance(e, BLOCK_EXPRS):
            return always_exits(e.body, exits)
    return isinstance(node, exits)


def name_mentions(node) -> Counter:
    """How many times each variable name is mentioned in `node`'s subtree:
    read (a `Var`) or assigned (an `Assign`); declarations not counted."""
    found: Counter = Counter()
    for n in walk(node):
        if isinstance(n, (ir.Var, ir.Assign)):
            found[n.name] += 1
    return found


# --------------------------------------------------------------------------
# region names


def region_uses(node) -> Counter:
    """How many times each region name is *used* in `node`'s subtree
    (allocations, region arguments, `restrict`, `merge`, `let`
    annotations), binders (`region q`, `unpack .. as s`) not counted. A
    name shadowed inside counts for the outer one too, which errs on the
    side of "used"."""
    found: Counter = Counter()
    # Dispatched on the node's exact type (the IR's classes have no
    # subclasses), not by a `match` statement's class patterns tried in
    # turn on every node.
    one, several, Merge, Let = _ONE_REGION, _REGIONS, ir.Merge, ir.Let
    for n in walk(node):
        kind = type(n)
        if kind in one:
            found[n.region] += 1
        elif kind in several:
            found.update(n.regions)
        elif kind is Merge:
            found.update((n.region, n.into))
        elif kind is Let and n.type is not None:
            found.update(type_regions(n.type))
    return found


# The nodes that use one region (`region`), and those that use several
# (`regions`).
_ONE_REGION = frozenset((ir.NewData, ir.NewString, ir.NewArray, ir.NewMap, ir.Restrict))
_REGIONS = frozenset((ir.Call, ir.Builtin))


def type_regions(t) -> list[str]:
    """The region names a written type mentions (`T @r`)."""
    if isinstance(t, ir.RefType) and t.region != ir.PRIMITIVE_REGION:
        return [t.region]
    return []
