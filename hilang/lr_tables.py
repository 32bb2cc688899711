"""sly's LALR(1) tables for a grammar, kept in a cache on disk.

A sly `Parser` subclass builds its parsing tables when the class is
created, that is, at every import: for hilang's grammar that is about 0.2 s
of CPU on every run of hic, more than parsing a 1,500-line program. The
tables depend only on the grammar, so `cached_lr_table(cls)` keeps them in
the cache directory of the runtime (`$HIC_CACHE_DIR` or `~/.cache/hic`)
under a hash of everything they are computed from:

* the productions, in order, each with its name, symbols and precedence;
* the terminals, the precedence table and the start symbol;
* the versions of sly, of Python and of this file's format.

A grammar that differs in any of these looks for another file, so a stale
table is never used; a file that is unreadable, truncated or altered (its
contents carry their own hash) is ignored and the tables are built afresh.
The cache is only ever an accelerator: an unwritable directory just means
building the tables every time. Writes go to a temporary file moved into
place with `os.replace`, so concurrent runs see a whole file or none.

Only grammars without conflicts are cached, so that sly's warnings about
conflicts appear on every build as they always did.

A parser opts in by defining, in its class body,

    @classmethod
    def _Parser__build_lrtables(cls):
        return cached_lr_table(cls)

which overrides the step of sly's class construction that builds the tables
(`Parser.__build_lrtables`; sly calls it on the class being built, after
building `cls._grammar`). Should a sly release rename that step, the
override is simply not called and sly builds the tables itself, as before.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile

import sly
from sly.yacc import Parser

FORMAT = 1  # bump when what is stored changes


class CachedLRTable:
    """What sly's parser reads of an `LRTable` while parsing (the action and
    goto tables, the states reduced without lookahead), and the conflict
    lists its class construction reads (empty: see the module docstring)."""

    def __init__(self, lr_action: dict, lr_goto: dict, defaulted_states: dict):
        self.lr_action = lr_action
        self.lr_goto = lr_goto
        self.defaulted_states = defaulted_states
        self.sr_conflicts: list = []
        self.rr_conflicts: list = []


def cached_lr_table(cls) -> bool:
    """Give the sly `Parser` subclass `cls`, whose `_grammar` is built, its
    `_lrtable`: from the cache if a table for this very grammar is there,
    else built by sly (and stored when the grammar has no conflicts).
    Returns True, as the sly step it replaces does."""
    key = grammar_key(cls._grammar)
    path = _cache_path(key)
    table = _load(path, key) if path is not None else None
    if table is not None:
        cls._lrtable = table
        return True
    built = Parser._Parser__build_lrtables.__func__(cls)
    table = cls._lrtable
    if path is not None and not table.sr_conflicts and not table.rr_conflicts:
        _store(path, key, (table.lr_action, table.lr_goto, table.defaulted_states))
    return built


def grammar_key(grammar) -> str:
    """A hash of everything sly computes the tables of `grammar` from."""
    productions = [(p.number, p.name, p.prod, p.prec) for p in grammar.Productions if p is not None]
    parts = (
        FORMAT, sly.__version__, sys.version_info[:2], marshal.version,
        productions,
        sorted(grammar.Terminals),
        sorted(grammar.Precedence.items()),
        grammar.Start,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _cache_path(key: str) -> str | None:
    try:
        from runtime.build import cache_dir

        return str(cache_dir() / f"lr-tables-{key[:32]}.marshal")
    except (OSError, RuntimeError):  # no home directory to speak of
        return None


def _load(path: str, key: str) -> CachedLRTable | None:
    try:
        with open(path, "rb") as f:
            stored_key, digest, payload = marshal.loads(f.read())
        if stored_key != key or hashlib.sha256(payload).hexdigest() != digest:
            return None
        action, goto, defaulted = marshal.loads(payload)
        if not (isinstance(action, dict) and isinstance(goto, dict) and isinstance(defaulted, dict)):
            return None
        return CachedLRTable(action, goto, defaulted)
    except (OSError, EOFError, ValueError, TypeError):
        return None


def _store(path: str, key: str, tables: tuple) -> None:
    try:
        payload = marshal.dumps(tables)
        data = marshal.dumps((key, hashlib.sha256(payload).hexdigest(), payload))
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".lr-tables-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except (OSError, ValueError):
        pass  # an unwritable cache: build the tables again next time
