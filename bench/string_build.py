# string_build.py: string building and parsing, batch by batch, in CPython
# (reference counting).
#
# Each of N rows becomes a CSV line "id,name,qty,price" (e.g. "17,kalomi,
# 302,815.07"), built by concatenation with str(); the name is glued together
# from random syllables. The lines of a batch (200 rows) are kept in a list,
# the batch's document, then parsed back: each line is split at its commas,
# the numbers read with int() (the price without its dot) and the name's
# bytes hashed. Each parsed row appends to a report string that grows by +=
# and restarts per batch. Same algorithm and output as bench/string_build.hi
# (split/int do in C the byte scan the other versions write out).
#
# For memory: each line's pieces are freed by reference counting as soon as
# the row is built; the batch's lines go when the list is dropped.
#
# Usage: python3 string_build.py [N]     (N rows, default 1000)
import sys

BATCH = 200
M = 1000003
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi"]

_state = 42


def rand_below(k):
    """A Lehmer generator (MINSTD)."""
    global _state
    _state = _state * 48271 % 2147483647
    return _state % k


def make_name():
    name = ""
    for _ in range(1 + rand_below(3)):
        name += SYLLABLES[rand_below(len(SYLLABLES))]
    return name


def price(cents):
    """81507 cents -> "815.07"."""
    return str(cents // 100) + "." + str(cents % 100).zfill(2)


def make_line(ident, name, qty, cents):
    return str(ident) + "," + name + "," + str(qty) + "," + price(cents)


def parse_line(line):
    """(id, name hash, qty, cents) of one line."""
    ident, name, qty, price_text = line.split(",")
    h = 7
    for c in name.encode():
        h = (h * 31 + c) % M
    return int(ident), h, int(qty), int(price_text.replace(".", ""))


def byte_hash(s):
    h = 0
    for c in s.encode():
        h = (h * 31 + c) % M
    return h


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    batches = (n + BATCH - 1) // BATCH if n > 0 else 0
    stride = (batches + 19) // 20
    rows = nbytes = total = names = dups = bad = 0
    for b in range(batches):
        # Build the batch's document.
        lines = []
        prev = ""
        while len(lines) < BATCH and rows < n:
            name = make_name()
            if name == prev:
                dups += 1
            prev = name
            qty = rand_below(1000)
            cents = rand_below(100000)
            lines.append(make_line(rows, name, qty, cents))
            rows += 1
        # Parse it back; the report grows by one entry per row.
        report = ""
        expect = rows - len(lines)
        for line in lines:
            ident, name_hash, qty, cents = parse_line(line)
            if ident != expect:
                bad += 1
            expect += 1
            nbytes += len(line)
            total = (total + ident + qty + cents) % M
            names = (names * 131 + name_hash) % M
            report += str(ident) + ":" + str(qty * cents % M) + ";"
        if (b + 1) % stride == 0 or b == batches - 1:
            print("batch", b + 1, "rows", rows, "bytes", nbytes, "sum", total, "names", names,
                  "report", len(report), byte_hash(report))
    print("total rows", rows, "bytes", nbytes, "dups", dups, "bad", bad)


if __name__ == "__main__":
    main()
