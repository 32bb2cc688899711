"""The `concat-chains` pass: a chain of `++` makes one string, not one per
link (docs/passes.md).

Assumes: a checked lolang program as the naive lowering writes it (the pass
runs first, before `static-objects` reshapes string literals).

Finds, in one block, a *concat site* `let t = S` whose value S is

    unpack y1 as s1, o1 { ... unpack yk as sk, ok {
        region q { pack{c} concat[q](o1, ..., ok) } } }

(each yi a variable, each oi an argument once), and a later concat site
(a `let` or an assignment) that unpacks t among its sources, where t is
mentioned nowhere else but in one `drop t` of the same block. That is how
the naive lowering writes `a ++ b ++ c`: `t = a ++ b`, then `t ++ c`, then
`drop t`. The later site becomes one `concat` of y1..yk and its other
sources (`concat[q2](o1, o2, o3)`); the `let t` and `drop t` go; the
drops of y1..yk that came between the two sites move to just after the
second (an assignment `v = ...` to one of them becomes `let c1 = ...;
drop v; v = c1`). Chains fuse link by link: `str(id) ++ "," ++ name ++
"," ++ str(qty)` is one `concat` of five.

Refuses (silently: nothing is lost, each link stays a `concat`) when a yi
is mentioned between the two sites other than by its `drop` (assigned,
read, moved), or when the statements between hold a call that may come
back to this function (see below).

Guarantees: the program prints the same and exits the same; one region,
one allocation and one release fewer per fused link, and the bytes of the
intermediate string never copied again. What is freed later: the yi that
the first site's drops released at once live until the second site; their
bytes are those of t, which the naive program holds over the same
statements (t dies after the second site), so no byte lives longer than
before, up to the headers of k regions instead of one. Between the sites
no call may recurse into the function (`callgraph.recursive_with`), so
those extra headers are a constant per function on the stack, not per
recursion level. Idempotent.
"""

from __future__ import annotations

from lolang import ir
from lolang.checker.builtins import CONCAT_PARTS
from lolang.traverse import name_mentions, rebuild, region_uses, transform, walk
from lowering.analysis.callgraph import recursive_with
from lowering.passes.remarks import Remark, where

NAME = "concat-chains"
LEVEL = 2


def run(program: ir.Program, checked=None):
    from lowering.pipeline import PassResult

    remarks: list[Remark] = []
    recursion = recursive_with(program)
    decls = []
    for decl in program.decls:
        if isinstance(decl, ir.FunDecl) and _has_concat(decl.body):
            decl = _Function(decl, recursion[decl.name], remarks).rewrite()
        decls.append(decl)
    if not remarks:
        return PassResult(program, remarks)  # unchanged: the pipeline keeps its check
    return PassResult(rebuild(program, decls=tuple(decls)), remarks)


def _has_concat(body) -> bool:
    return any(isinstance(n, ir.Builtin) and n.name == "concat" for n in walk(body))


class _Site:
    """A concat site's value taken apart: the unpacks (pack expression,
    region binder, variable binder, span) outermost first, the region
    block, the pack and the `concat` itself."""

    def __init__(self, unpacks, region, pack, concat):
        self.unpacks, self.region, self.pack, self.concat = unpacks, region, pack, concat

    @staticmethod
    def of(value) -> "_Site | None":
        unpacks = []
        e = value
        while isinstance(e, ir.Unpack) and not e.body.stmts and e.body.result is not None:
            unpacks.append((e.pack, e.region, e.var, e.span))
            e = e.body.result
        if not (isinstance(e, ir.Region) and not e.body.stmts and isinstance(e.body.result, ir.Pack)):
            return None
        pack = e.body.result
        concat = pack.value
        if not (isinstance(concat, ir.Builtin) and concat.name == "concat" and concat.regions == (e.name,)
                and all(isinstance(a, ir.Var) for a in concat.args)):
            return None
        binders = [u[2] for u in unpacks]
        if sorted(a.name for a in concat.args) != sorted(binders):
            return None  # each unpacked string an argument once, and nothing else
        return _Site(unpacks, e, pack, concat)

    def sources(self) -> list[str]:
        """The variables unpacked, when every source is one (else [])."""
        if all(isinstance(u[0], ir.Var) for u in self.unpacks):
            return [u[0].name for u in self.unpacks]
        return []

    def fused_with(self, t: str, first: "_Site") -> "_Site":
        """This site with the source `t` (made by `first`) replaced by
        `first`'s sources."""
        at = next(k for k, u in enumerate(self.unpacks) if isinstance(u[0], ir.Var) and u[0].name == t)
        o_t = self.unpacks[at][2]
        unpacks = self.unpacks[:at] + first.unpacks + self.unpacks[at + 1:]
        args = []
        for a in self.concat.args:
            args.extend(first.concat.args if a.name == o_t else (a,))
        return _Site(unpacks, self.region, self.pack, rebuild(self.concat, args=tuple(args)))

    def value(self):
        """The site as an expression again."""
        inner = rebuild(self.region, body=rebuild(self.region.body, result=rebuild(self.pack, value=self.concat)))
        for pack, s, o, span in reversed(self.unpacks):
            inner = ir.Unpack(pack, s, o, ir.Block((), inner, span=span), span=span)
        return inner


class _Function:
    def __init__(self, f: ir.FunDecl, recursive: frozenset, remarks: list[Remark]):
        self.f, self.recursive, self.remarks = f, recursive, remarks
        self.mentions = name_mentions(f.body)
        names = {p.name for p in f.params}
        for n in walk(f.body):
            if isinstance(n, (ir.Let, ir.Unpack)):
                names.add(n.name if isinstance(n, ir.Let) else n.var)
        self.declared = names
        self.fresh = 0

    def rewrite(self) -> ir.FunDecl:
        body = transform(self.f.body, self._block)
        # unchanged, the very function: the checker and the analyses keep
        # what they found of it
        return self.f if body is self.f.body else rebuild(self.f, body=body)

    def _fresh(self) -> str:
        while True:
            self.fresh += 1
            name = f"c{self.fresh}"
            if name not in self.declared and name not in self.mentions:
                self.declared.add(name)
                return name

    def _block(self, node):
        if not isinstance(node, ir.Block) or not any(isinstance(s, (ir.Let, ir.Assign)) for s in node.stmts):
            return node
        out: list = []
        sites: dict[str, tuple] = {}   # t -> (its `let`, its site), for each concat site in `out`
        gone: set[str] = set()          # temporaries fused away: their `drop` goes
        strs: dict[str, ir.Let] = {}    # t -> `let t = str(n)` in `out`, t mentioned twice
        # A temporary fused away is mentioned twice: where the site unpacks
        # it, and by a `drop` of this block.
        self.dropped = {s.value.name for s in node.stmts if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var)}
        changed = False
        for s in node.stmts:
            if isinstance(s, ir.Drop) and isinstance(s.value, ir.Var) and s.value.name in gone:
                gone.discard(s.value.name)
                continue
            site = None
            if isinstance(s, (ir.Let, ir.Assign)) and not (isinstance(s, ir.Let) and s.mutable):
                site = _Site.of(s.value)
            if site is None:
                if (isinstance(s, ir.Let) and self.mentions.get(s.name) == 2 and s.name in self.dropped
                        and _str_site(s.value) is not None):
                    strs[s.name] = s
                out.append(s)
                continue
            moved: list = []
            let_type = None
            fused_here = False
            while (fused := self._fuse(out, sites, site)) is not None:
                site, t, drops, let_type = fused
                gone.add(t)
                moved.extend(drops)
                fused_here = changed = True
            numbers = self._numbers(out, strs, site)
            if numbers is not None:
                site, made = numbers
                gone.update(made)
                changed = True
            if fused_here or numbers is not None:
                value = site.value()
                if isinstance(s, ir.Assign) and any(m.value.name == s.name for m in moved):
                    c = self._fresh()
                    out.append(ir.Let(c, let_type, value, span=s.span))
                    out.extend(moved)
                    out.append(rebuild(s, value=ir.Var(c, span=s.span)))
                    continue
                s = rebuild(s, value=value)
            out.append(s)
            out.extend(moved)
            if isinstance(s, ir.Let) and site.sources():
                sites[s.name] = (s, site)
        if not changed:
            return node
        return rebuild(node, stmts=tuple(out))

    def _numbers(self, out: list, strs: dict, site: "_Site"):
        """`let t = str(E)` unpacked by `site` (and then dropped) becomes
        `let t = E`, an S64 part of the `concat`: the digits are written
        straight into the result. E is evaluated where it was. Returns the
        new site and the temporaries whose `drop` goes, or None."""
        made = []
        for k, (pack, _, o, _) in enumerate(site.unpacks):
            if not (isinstance(pack, ir.Var) and pack.name in strs):
                continue
            let = strs.pop(pack.name)
            i = next((j for j in range(len(out) - 1, -1, -1) if out[j] is let), None)
            if i is None:
                continue
            out[i] = ir.Let(let.name, None, _str_site(let.value), span=let.span)
            made.append((k, o, let.name))
            self.remarks.append(Remark("str written in place", self.f.name,
                                       f"'{let.name}' is a number part of the '++'", where(let.value)))
        if not made:
            return None
        drop = {k for k, _, _ in made}
        as_var = {o: ir.Var(t) for _, o, t in made}
        unpacks = [u for k, u in enumerate(site.unpacks) if k not in drop]
        args = tuple(as_var.get(a.name, a) for a in site.concat.args)
        return _Site(unpacks, site.region, site.pack, rebuild(site.concat, args=args)), [t for _, _, t in made]

    def _fuse(self, out: list, sites: dict, site: "_Site"):
        """Fuse one earlier site of `out` into `site`: take it and the
        drops of its sources that follow it out of `out`; return the fused
        site, the temporary fused away, those drops and its `let`'s type.
        None when no source of `site` can be fused."""
        for pack, _, _, _ in site.unpacks:
            if not isinstance(pack, ir.Var) or pack.name not in sites:
                continue
            t = pack.name
            if self.mentions.get(t) != 2 or t not in self.dropped:  # this unpack and its drop
                continue
            let, first = sites[t]
            if len(site.concat.args) + len(first.concat.args) - 1 > CONCAT_PARTS:
                continue
            i = next((k for k in range(len(out) - 1, -1, -1) if out[k] is let), None)
            if i is None:
                continue
            ys = set(first.sources())
            between = out[i + 1:]
            moved = [b for b in between if isinstance(b, ir.Drop) and isinstance(b.value, ir.Var)
                     and b.value.name in ys]
            rest = [b for b in between if not any(b is m for m in moved)]
            if any(_mentions(b, ys) for b in rest):
                continue
            if any(isinstance(n, ir.Call) and n.func in self.recursive for b in rest for n in walk(b)):
                continue
            self.remarks.append(Remark("concat fused", self.f.name, f"'{t}' joined into the next '++'",
                                       where(let.value)))
            del out[i:]
            out.extend(rest)
            del sites[t]
            return site.fused_with(t, first), t, moved, let.type
        return None


def _str_site(value):
    """E, when `value` is `region q { pack{c} str[q](E) }` (E not using q)."""
    if not (isinstance(value, ir.Region) and not value.body.stmts and isinstance(value.body.result, ir.Pack)):
        return None
    made = value.body.result.value
    if not (isinstance(made, ir.Builtin) and made.name == "str" and made.regions == (value.name,)):
        return None
    if region_uses(made.args[0])[value.name]:
        return None
    return made.args[0]


def _mentions(node, names: set) -> bool:
    """Whether `node` may change or consume one of `names`: anything but
    borrowing it for an `unpack` (a read, which leaves it as it is)."""
    borrowed = set()
    for n in walk(node):
        if isinstance(n, ir.Unpack) and isinstance(n.pack, ir.Var):
            borrowed.add(id(n.pack))
        if isinstance(n, ir.Var) and n.name in names and id(n) not in borrowed:
            return True
        if isinstance(n, (ir.Assign, ir.Let)) and n.name in names:
            return True
        if isinstance(n, ir.Unpack) and n.var in names:
            return True
    return False
