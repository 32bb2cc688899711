"""Code for `hic run --profile` (native): each allocation is charged to its
allocation site (lolang/profile.py). Only a module compiled for profiling
has any of this; it is linked with the runtime's `profile` variant
(runtime/profile.c), which declares `hic_profile_site`.

Before an allocating expression the code stores its site number in
`hic_profile_site`; after it, and after every call, it stores the site of
the enclosing allocating expression again (its operands may have set their
own), so that when the enclosing allocation happens the global names it.
Allocation itself goes out of line (`hic_region_alloc`), where the
profiling runtime counts it: the inline fast path has no hook.
"""

from __future__ import annotations

from llvmlite import ir as ll

from lolang import ir
from lolang.codegen import types as T


def emit_at_site(fn, e, rule):
    """`rule(fn, e)`, with `hic_profile_site` kept right around it."""
    site = fn.module_cx.sites.of.get(id(e))
    if site is None and not isinstance(e, ir.Call):
        return rule(fn, e)
    outer = fn.profile_site
    if site is not None:
        _store(fn, site)
        fn.profile_site = site
    value = rule(fn, e)
    fn.profile_site = outer
    if outer is not None and not fn.b.block.is_terminated:
        _store(fn, outer)
    return value


def _store(fn, site: int) -> None:
    fn.b.store(ll.Constant(T.I32, site), fn.module_cx.profile_site)
