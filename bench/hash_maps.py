# hash_maps.py: hash-map churn with both key types, in CPython (dict;
# reference counting + cycle GC). Same output as bench/hash_maps.hi.
#
# Ten rounds. Each round fills a short-lived int -> int dict with
# pseudo-random keys (hits, misses, overwrites), looks keys up, removes some
# by key and some while iterating, re-inserts, and sums the values by
# iteration; then it builds a short-lived str -> int word-frequency dict from
# words made with str() and +, looks words up and prunes it. Both per-round
# dicts (and most of the words) are freed at the end of the round. Two dicts
# live across all the rounds: `acc` (int keys) and `vocab` (str keys), which
# keep some words from every round.
# A Park-Miller generator (seed 42) makes every run, in every language, alike.
#
# Usage: python3 hash_maps.py [n]     (default 100; n is the work per round)
import sys

MOD = 1000003


class Rng:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = self.state * 48271 % 2147483647
        return self.state


def sums(table, weight):
    """Order-independent checksums: the sum of the values, and a weighted sum."""
    total = weighed = 0
    for k, v in table.items():
        total = (total + v) % MOD
        weighed = (weighed + weight(k) * v) % MOD
    return total, weighed


def int_weight(k):
    return k % 1000 + 1


def word(a, b):
    return "w" + str(a) + "." + str(b)


def int_round(rnd, n, rng, acc):
    scratch = {}
    for _ in range(n):
        k = rng.next() % (2 * n)
        scratch[k] = (scratch.get(k, 0) + rng.next() % MOD) % MOD
    hits = hit_sum = removed = 0
    for _ in range(n):
        v = scratch.get(rng.next() % (3 * n))
        if v is not None:
            hits += 1
            hit_sum = (hit_sum + v) % MOD
    for _ in range(n // 2):
        if scratch.pop(rng.next() % (2 * n), None) is not None:
            removed += 1
    doomed = [k for k, v in scratch.items() if v % 7 == rnd % 7]
    for k in doomed:
        del scratch[k]
    removed += len(doomed)
    for _ in range(n // 2):
        k = rng.next() % (2 * n)
        scratch[k] = rng.next() % MOD
    for k, v in scratch.items():
        if v % 4 == 0:
            acc[k] = (acc.get(k, 0) + v) % MOD
    for _ in range(n // 8):
        acc.pop(rng.next() % (2 * n), None)
    total, weighed = sums(scratch, int_weight)
    print("ints", rnd, len(scratch), hits, hit_sum, removed, total, weighed, len(acc))


def word_round(rnd, n, rng, vocab):
    spread = n // 64 + 1
    freq = {}
    for _ in range(n):
        a = rng.next() % 16
        w = word(a, rng.next() % spread)
        freq[w] = (freq.get(w, 0) + 1) % MOD
    distinct = len(freq)
    hits = hit_sum = 0
    for _ in range(n // 2):
        a = rng.next() % 32
        c = freq.get(word(a, rng.next() % spread))
        if c is not None:
            hits += 1
            hit_sum += c
    doomed = [w for w, c in freq.items() if c <= 2]
    for w in doomed:
        del freq[w]
    for w, c in freq.items():
        if c >= 6:
            vocab[w] = (vocab.get(w, 0) + c) % MOD
    for _ in range(n // 32):
        a = rng.next() % 16
        vocab.pop(word(a, rng.next() % spread), None)
    total, weighed = sums(freq, len)
    print("words", rnd, distinct, hits, hit_sum, len(doomed), len(freq), total, weighed, len(vocab))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rng = Rng(42)
    acc = {}    # long-lived: every round adds to it
    vocab = {}  # long-lived, with str keys
    for rnd in range(10):
        int_round(rnd, n, rng, acc)
        word_round(rnd, n, rng, vocab)
    print("acc", len(acc), *sums(acc, int_weight))
    print("vocab", len(vocab), *sums(vocab, len))


if __name__ == "__main__":
    main()
