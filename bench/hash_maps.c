/* hash_maps.c: hash-map churn with both key types, in C; same output as
 * bench/hash_maps.hi for the same n. Ten rounds; each fills a short-lived
 * int -> int map with pseudo-random keys (hits, misses, overwrites), looks keys
 * up, removes some by key and some while scanning, re-inserts, and sums the
 * values; then it builds a short-lived string -> int word-frequency table from
 * generated words, looks words up and prunes it. Both die with the round. Two
 * maps live across all rounds: `acc` (int keys) and `vocab` (string keys,
 * copies of the round's words). hilang's region inferrer must find this split;
 * here it is by hand: open addressing (linear probing, tombstones), malloc and
 * free. A Park-Miller generator (seed 42) makes every language's run alike.
 *
 * Build: cc -O2 -o hash_maps_c hash_maps.c -lm
 * Usage: hash_maps_c [n]     (default 100; n is the work per round)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOD 1000003
typedef long long i64;
static i64 rng = 42;
static i64 next_rand(void) { return rng = rng * 48271 % 2147483647; }

static void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n, size);
    if (!p) { fputs("runtime error: out of memory\n", stderr); exit(101); }
    return p;
}
static char *xstrdup(const char *w) { size_t n = strlen(w) + 1; return memcpy(xcalloc(n, 1), w, n); }

/* ---- int -> int: keys are >= 0, so negative keys mark empty slots. ---- */
enum { EMPTY = -1, TOMB = -2 };
typedef struct { i64 key, val; } ISlot;
typedef struct { ISlot *s; size_t cap, len, used; } IMap;  /* used: len + tombstones */

static void im_init(IMap *m, size_t cap) {
    m->s = xcalloc(cap, sizeof(ISlot)); m->cap = cap; m->len = m->used = 0;
    for (size_t i = 0; i < cap; i++) m->s[i].key = EMPTY;
}

/* The slot holding k, or the empty slot ending its probe sequence. */
static ISlot *im_slot(IMap *m, i64 k) {
    size_t mask = m->cap - 1, i = (size_t)(((unsigned long long)k * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (m->s[i].key != k && m->s[i].key != EMPTY) i = (i + 1) & mask;
    return &m->s[i];
}

/* The slot for k, added (with value 0) if k is missing. */
static ISlot *im_put(IMap *m, i64 k) {
    if ((m->used + 1) * 4 > m->cap * 3) {  /* rehash, doubling unless tombstones made it full */
        ISlot *old = m->s; size_t oldcap = m->cap;
        im_init(m, m->len * 2 >= oldcap / 2 ? oldcap * 2 : oldcap);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].key >= 0) { *im_slot(m, old[i].key) = old[i]; m->len++; m->used++; }
        free(old);
    }
    ISlot *s = im_slot(m, k);
    if (s->key != k) { s->key = k; s->val = 0; m->len++; m->used++; }
    return s;
}

static void im_bump(IMap *m, i64 k, i64 v) { ISlot *s = im_put(m, k); s->val = (s->val + v) % MOD; }
static bool im_remove(IMap *m, i64 k) {
    ISlot *s = im_slot(m, k);
    if (s->key == k) { s->key = TOMB; m->len--; return true; }
    return false;
}

/* ---- string -> int: the map owns copies of its keys. ---- */
static char tomb_key;  /* its address marks a removed slot; NULL an empty one */
typedef struct { char *key; unsigned long long hash; i64 val; } SSlot;
typedef struct { SSlot *s; size_t cap, len, used; } SMap;

static unsigned long long shash(const char *w) {  /* FNV-1a */
    unsigned long long h = 14695981039346656037ull;
    for (; *w; w++) h = (h ^ (unsigned char)*w) * 1099511628211ull;
    return h;
}

static void sm_init(SMap *m, size_t cap) { m->s = xcalloc(cap, sizeof(SSlot)); m->cap = cap; m->len = m->used = 0; }
static bool live(const SSlot *s) { return s->key && s->key != &tomb_key; }

static SSlot *sm_slot(SMap *m, const char *w, unsigned long long h) {
    size_t mask = m->cap - 1, i = h & mask;
    for (; m->s[i].key; i = (i + 1) & mask)
        if (m->s[i].key != &tomb_key && m->s[i].hash == h && strcmp(m->s[i].key, w) == 0) break;
    return &m->s[i];
}

static void sm_bump(SMap *m, const char *w, i64 v) {
    if ((m->used + 1) * 4 > m->cap * 3) {
        SSlot *old = m->s; size_t oldcap = m->cap;
        sm_init(m, m->len * 2 >= oldcap / 2 ? oldcap * 2 : oldcap);
        for (size_t i = 0; i < oldcap; i++)
            if (live(&old[i])) { *sm_slot(m, old[i].key, old[i].hash) = old[i]; m->len++; m->used++; }
        free(old);
    }
    unsigned long long h = shash(w);
    SSlot *s = sm_slot(m, w, h);
    if (!s->key) { s->key = xstrdup(w); s->hash = h; s->val = 0; m->len++; m->used++; }
    s->val = (s->val + v) % MOD;
}

static void sm_remove_slot(SMap *m, SSlot *s) { free(s->key); s->key = &tomb_key; m->len--; }
static void sm_free(SMap *m) {
    for (size_t i = 0; i < m->cap; i++) if (live(&m->s[i])) free(m->s[i].key);
    free(m->s);
}

/* Order-independent checksums: the sum of the values, and a weighted sum. */
static void sums_int(IMap *m, i64 *sum, i64 *weigh) {
    *sum = *weigh = 0;
    for (ISlot *s = m->s; s < m->s + m->cap; s++)
        if (s->key >= 0) { *sum = (*sum + s->val) % MOD; *weigh = (*weigh + (s->key % 1000 + 1) * s->val) % MOD; }
}
static void sums_str(SMap *m, i64 *sum, i64 *weigh) {
    *sum = *weigh = 0;
    for (SSlot *s = m->s; s < m->s + m->cap; s++)
        if (live(s)) { *sum = (*sum + s->val) % MOD; *weigh = (*weigh + (i64)strlen(s->key) * s->val) % MOD; }
}

/* The word "w<a>.<b>", in a static buffer that the next call overwrites. */
static const char *word(i64 a, i64 b) { static char w[48]; snprintf(w, sizeof w, "w%lld.%lld", a, b); return w; }

static void int_round(i64 round, i64 n, IMap *acc) {
    IMap scratch;  /* short-lived: freed at the end of the round */
    im_init(&scratch, 16);
    for (i64 i = 0; i < n; i++) {
        i64 k = next_rand() % (2 * n);
        im_bump(&scratch, k, next_rand() % MOD);
    }
    i64 hits = 0, hit_sum = 0, removed = 0, sum, weigh;
    for (i64 i = 0; i < n; i++) {
        i64 k = next_rand() % (3 * n);
        ISlot *s = im_slot(&scratch, k);
        if (s->key == k) { hits++; hit_sum = (hit_sum + s->val) % MOD; }
    }
    for (i64 i = 0; i < n / 2; i++) removed += im_remove(&scratch, next_rand() % (2 * n));
    for (ISlot *s = scratch.s; s < scratch.s + scratch.cap; s++)  /* a tombstone moves nothing */
        if (s->key >= 0 && s->val % 7 == round % 7) { s->key = TOMB; scratch.len--; removed++; }
    for (i64 i = 0; i < n / 2; i++) {
        i64 k = next_rand() % (2 * n), v = next_rand() % MOD;
        im_put(&scratch, k)->val = v;
    }
    for (ISlot *s = scratch.s; s < scratch.s + scratch.cap; s++)
        if (s->key >= 0 && s->val % 4 == 0) im_bump(acc, s->key, s->val);
    for (i64 i = 0; i < n / 8; i++) im_remove(acc, next_rand() % (2 * n));
    sums_int(&scratch, &sum, &weigh);
    printf("ints %lld %zu %lld %lld %lld %lld %lld %zu\n",
           round, scratch.len, hits, hit_sum, removed, sum, weigh, acc->len);
    free(scratch.s);
}

static void word_round(i64 round, i64 n, SMap *vocab) {
    i64 spread = n / 64 + 1, hits = 0, hit_sum = 0, removed = 0, sum, weigh;
    SMap freq;
    sm_init(&freq, 16);
    for (i64 i = 0; i < n; i++) {
        i64 a = next_rand() % 16;
        sm_bump(&freq, word(a, next_rand() % spread), 1);
    }
    size_t distinct = freq.len;
    for (i64 i = 0; i < n / 2; i++) {
        i64 a = next_rand() % 32;
        const char *w = word(a, next_rand() % spread);
        SSlot *s = sm_slot(&freq, w, shash(w));
        if (s->key) { hits++; hit_sum += s->val; }
    }
    for (SSlot *s = freq.s; s < freq.s + freq.cap; s++)
        if (live(s) && s->val <= 2) { sm_remove_slot(&freq, s); removed++; }
    for (SSlot *s = freq.s; s < freq.s + freq.cap; s++)
        if (live(s) && s->val >= 6) sm_bump(vocab, s->key, s->val);
    for (i64 i = 0; i < n / 32; i++) {
        i64 a = next_rand() % 16;
        const char *w = word(a, next_rand() % spread);
        SSlot *s = sm_slot(vocab, w, shash(w));
        if (s->key) sm_remove_slot(vocab, s);
    }
    sums_str(&freq, &sum, &weigh);
    printf("words %lld %zu %lld %lld %lld %zu %lld %lld %zu\n",
           round, distinct, hits, hit_sum, removed, freq.len, sum, weigh, vocab->len);
    sm_free(&freq);
}

int main(int argc, char **argv) {
    i64 n = argc > 1 ? atoll(argv[1]) : 100, sum, weigh;
    IMap acc; SMap vocab;  /* long-lived: every round adds to them */
    im_init(&acc, 16); sm_init(&vocab, 16);
    for (i64 round = 0; round < 10; round++) {
        int_round(round, n, &acc);
        word_round(round, n, &vocab);
    }
    sums_int(&acc, &sum, &weigh);
    printf("acc %zu %lld %lld\n", acc.len, sum, weigh);
    sums_str(&vocab, &sum, &weigh);
    printf("vocab %zu %lld %lld\n", vocab.len, sum, weigh);
    free(acc.s); sm_free(&vocab);
    return 0;
}
