"""hilang.lr_tables: sly's LALR tables kept on disk.

* a grammar's tables come from the cache on the second build, equal to
  those sly builds;
* a grammar differing in one production, in precedence or in its start
  symbol never reads another grammar's tables;
* a truncated or altered cache file is ignored (the tables are built again),
  and an unwritable cache directory only means building every time;
* the hilang parser itself uses the cache.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys

import pytest
from sly import Parser

from hilang import lr_tables
from hilang.lr_tables import CachedLRTable, cached_lr_table


def make_parser(sum_rule: str = "expr PLUS expr", assoc: str = "left"):
    """A small expression grammar; the arguments vary what its tables
    depend on."""

    class Small(Parser):
        tokens = {"NUM", "PLUS", "TIMES"}
        precedence = ((assoc, "PLUS"), ("left", "TIMES"))

        @classmethod
        def _Parser__build_lrtables(cls):
            return cached_lr_table(cls)

        @_(sum_rule, "expr TIMES expr")
        def expr(self, p):
            return (p[1], p[0], p[2])

        @_("NUM")
        def expr(self, p):
            return p[0]

        @_("expr")
        def top(self, p):
            return p[0]

    return Small


def tables(cls) -> tuple:
    table = cls._lrtable
    return table.lr_action, table.lr_goto, table.defaulted_states


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HIC_CACHE_DIR", str(tmp_path))
    return tmp_path


def cache_files(cache) -> list[str]:
    return sorted(name for name in os.listdir(cache) if name.startswith("lr-tables-"))


def test_second_build_reads_the_tables_sly_built(cache):
    first = make_parser()
    assert type(first._lrtable).__name__ == "LRTable"
    assert len(cache_files(cache)) == 1
    second = make_parser()
    assert isinstance(second._lrtable, CachedLRTable)
    assert tables(second) == tables(first)


def test_the_cached_tables_parse_alike(cache):
    from sly.lex import Token

    def tok(type_, value):
        t = Token()
        t.type, t.value, t.lineno, t.index, t.end = type_, value, 1, 0, 0
        return t

    built, cached = make_parser(), make_parser()
    words = [("NUM", 1), ("PLUS", "+"), ("NUM", 2), ("TIMES", "*"), ("NUM", 3)]
    assert built().parse(iter([tok(*w) for w in words])) == cached().parse(iter([tok(*w) for w in words]))


@pytest.mark.parametrize("variant", [dict(sum_rule="expr PLUS NUM"), dict(assoc="right")])
def test_a_different_grammar_never_reads_the_tables(cache, variant):
    make_parser()
    other = make_parser(**variant)
    assert type(other._lrtable).__name__ == "LRTable"
    assert len(cache_files(cache)) == 2


def test_the_key_covers_the_start_symbol(cache):
    grammar = make_parser()._grammar
    key = lr_tables.grammar_key(grammar)
    grammar.Start = "top"
    assert lr_tables.grammar_key(grammar) != key


@pytest.mark.parametrize("damage", ["truncate", "alter"])
def test_a_damaged_cache_file_is_ignored(cache, damage):
    first = make_parser()
    (name,) = cache_files(cache)
    path = cache / name
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        middle = len(data) // 2
        path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])
    rebuilt = make_parser()
    assert type(rebuilt._lrtable).__name__ == "LRTable"
    assert tables(rebuilt) == tables(first)


def test_an_unwritable_cache_only_costs_time(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HIC_CACHE_DIR", str(blocker / "cache"))  # under a file
    first, second = make_parser(), make_parser()
    assert type(second._lrtable).__name__ == "LRTable"
    assert tables(first) == tables(second)


def test_the_hilang_parser_uses_the_cache(tmp_path):
    """Two runs of hic's parser: the first builds and stores the tables,
    the second reads them, and both have the same."""
    program = ("import marshal, sys; from hilang.parser import _Grammar as G; t = G._lrtable; "
               "print(type(t).__name__); "
               "sys.stdout.flush(); sys.stdout.buffer.write(marshal.dumps((t.lr_action, t.lr_goto, t.defaulted_states)))")
    env = {**os.environ, "HIC_CACHE_DIR": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, check=True).stdout
            for _ in range(2)]
    assert runs[0].startswith(b"LRTable\n") and runs[1].startswith(b"CachedLRTable\n")
    assert marshal.loads(runs[0].split(b"\n", 1)[1]) == marshal.loads(runs[1].split(b"\n", 1)[1])
