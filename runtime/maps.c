/* maps.c -- insertion-ordered hash maps with S64 or String keys.
 *
 * Entries are appended to an array in insertion order, which makes the
 * language's order rules fall out: a new key goes to the end, an overwrite
 * keeps its entry, and a removed key leaves a dead entry behind, so inserting
 * it again appends it at the end. After the entries, in the same storage
 * block, an index of 2 * cap 32-bit slots (0 empty, entry number + 1, or
 * TOMBSTONE), probed linearly, finds entries by hash; it is never more than
 * half full counting tombstones, because each non-empty slot stands for a
 * distinct entry and there are `used <= cap` of them.
 *
 * Sizes and growth are docs/lolang.md's (section 9), so that both engines
 * count the same bytes: a 32-byte header; no storage until the first insert;
 * inserting a new key when every entry is used (removed ones included)
 * compacts the live entries into a block of capacity max(8, the smallest
 * power of two >= 2 * live): the same block when that is its capacity, else
 * a new one, the old one reclaimed at once. So inserts are amortized O(1), a
 * map under any churn holds storage for twice its live keys at most (four
 * times, just after a burst of removals), and value addresses are valid only
 * until the next insert or remove.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

#define FIRST_CAP 8
#define MAX_CAP ((int64_t)1 << 30)  /* entry numbers + 1 must fit 32 bits */
#define TOMBSTONE UINT32_MAX
#define INLINE static inline __attribute__((always_inline))

INLINE size_t stride(const struct hic_map *m)
{
    return 8 + m->key_size + m->value_size;
}

INLINE char *entry(const struct hic_map *m, int64_t i)
{
    return m->entries + (size_t)i * stride(m);
}

INLINE uint32_t *index_of(const struct hic_map *m)
{
    return (uint32_t *)(m->entries + (size_t)m->cap * stride(m));
}

INLINE uint64_t load64(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

INLINE uint32_t load32(const void *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

INLINE uint64_t entry_hash(const char *e)
{
    return load64(e);
}

/* splitmix64's finalizer: every input bit reaches every output bit. */
INLINE uint64_t mix(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Hashes have the top bit clear, so no key hashes to HIC_MAP_REMOVED. */
INLINE uint64_t hash_s64(int64_t k)
{
    return mix((uint64_t)k) >> 1;
}

/* Every byte is read once or twice, and none outside the string: words of
 * 8, then the last 8 bytes (overlapping the words before) or, for shorter
 * strings, windows that together cover every byte. With the length mixed
 * in, two strings that differ give different inputs to the mixing. */
static uint64_t hash_str(const struct hic_string *s)
{
    const uint8_t *p = s->bytes;
    uint64_t n = (uint64_t)s->len;
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    uint64_t last;
    if (n >= 8) {
        for (uint64_t i = 0; i + 8 < n; i += 8)
            h = mix(h ^ load64(p + i));
        last = load64(p + n - 8);
    } else if (n >= 4) {
        last = (uint64_t)load32(p) << 32 | load32(p + n - 4);
    } else if (n > 0) {
        last = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    } else {
        last = 0;
    }
    return mix(h ^ last) >> 1;
}

/* Two strings whose hashes are equal: nearly always the same bytes, often
 * the same object (a key taken from the map itself). */
INLINE int str_eq(const struct hic_string *a, const struct hic_string *b)
{
    if (a == b)
        return 1;
    int64_t n = a->len;
    if (n != b->len)
        return 0;
    if (n >= 8 && n <= 16)
        return load64(a->bytes) == load64(b->bytes) &&
               load64(a->bytes + n - 8) == load64(b->bytes + n - 8);
    return memcmp(a->bytes, b->bytes, (size_t)n) == 0;
}

/* A key being looked up: the S64, or the String. */
struct key {
    uint64_t hash;
    int64_t s64;
    const struct hic_string *str;
};

/* Whether live entry `e` holds `k`. The index points only at live entries,
 * so an S64 key needs no hash compare: equal keys have equal hashes. */
INLINE int key_eq(const char *e, const struct key *k, int is_str)
{
    if (!is_str)
        return (int64_t)load64(e + 8) == k->s64;
    const struct hic_string *s;  /* a reference, or a pack's first word */
    memcpy(&s, e + 8, sizeof s);
    return entry_hash(e) == k->hash && str_eq(s, k->str);
}

/* An index slot of a live entry holds entry number + 1 in the bits of
 * `low` = 2 * cap - 1 (the index's own mask: entry numbers are below cap)
 * and, above them, as many bits of the entry's hash as are left: a probe
 * compares those before it reads the entry, so a lookup of a missing key
 * -- most lookups, in hash_maps -- touches only the index (one cache miss,
 * where reading the entries on its probe run made it two or three on a map
 * larger than the cache). A hash's top bit is clear, so a slot's is too,
 * and no slot is TOMBSTONE. */
INLINE uint32_t tag(uint64_t hash, uint32_t low)
{
    return (uint32_t)(hash >> 32) & ~low;
}

INLINE uint32_t index_low(const struct hic_map *m)
{
    return (uint32_t)m->cap * 2 - 1;
}

/* `k`'s entry, its index slot in *slot; or else NULL, with *slot (given
 * `place`) where to put it: the first tombstone on its probe run, or the
 * empty slot that ends the run. Reusing tombstones matters: removing and
 * re-inserting one key would otherwise grow a run of tombstones on its
 * path until the next rebuild. The map must have an index. `is_str` and
 * `place` are constants where this is inlined, so each use gets a loop of
 * its own. */
INLINE char *probe(const struct hic_map *m, const struct key *k, int is_str, int place,
                   uint32_t **slot)
{
    size_t size = stride(m);
    char *entries = m->entries;
    uint32_t low = index_low(m), want = tag(k->hash, low);
    uint32_t *index = (uint32_t *)(entries + (size_t)m->cap * size);
    uint32_t *tombstone = NULL;
    for (uint32_t i = (uint32_t)k->hash & low;; i = (i + 1) & low) {
        uint32_t v = index[i];
        if (v == 0) {
            if (place)
                *slot = tombstone ? tombstone : &index[i];
            return NULL;
        }
        /* Equal tags; never true of TOMBSTONE, whose top bit no tag has. */
        if ((v ^ want) <= low) {
            char *e = entries + (size_t)((v & low) - 1) * size;
            if (key_eq(e, k, is_str)) {
                *slot = &index[i];
                return e;
            }
        } else if (place && v == TOMBSTONE && !tombstone) {
            tombstone = &index[i];
        }
    }
}

static void rebuild_index(struct hic_map *m)
{
    uint64_t mask = (uint64_t)m->cap * 2 - 1;
    uint32_t *index = index_of(m);
    uint32_t low = (uint32_t)mask;
    memset(index, 0, (size_t)m->cap * 2 * sizeof *index);
    for (int64_t n = 0; n < m->used; n++) {
        uint64_t hash = entry_hash(entry(m, n));
        uint64_t i = hash & mask;
        while (index[i])
            i = (i + 1) & mask;
        index[i] = tag(hash, low) | (uint32_t)(n + 1);
    }
}

static uint64_t storage_bytes(const struct hic_map *m, int64_t cap)
{
    return (uint64_t)cap * (stride(m) + 2 * sizeof(uint32_t));
}

/* Every entry is used: the live ones, in order, go into a block with room
 * for twice their number (at least FIRST_CAP). When that is the capacity
 * the map has, they are compacted in place; otherwise a new block is
 * allocated and the old one given back at once (hic_storage_free). Either
 * way a map holds one block, sized by its live keys. */
static void make_room(struct hic_region *r, struct hic_map *m)
{
    size_t size = stride(m);
    int64_t cap = FIRST_CAP;
    while (cap < 2 * m->len)
        cap *= 2;
    if (cap > MAX_CAP)
        hic_out_of_memory();
    char *old = m->entries;
    char *storage = cap == m->cap ? old : hic_storage_alloc(r, storage_bytes(m, cap));
    int64_t live = 0;
    for (int64_t n = 0; n < m->used; n++) {
        char *e = entry(m, n);
        if (entry_hash(e) != HIC_MAP_REMOVED) {
            if (storage != old || live != n)
                memmove(storage + (size_t)live * size, e, size);
            live++;
        }
    }
    if (storage != old && old)
        hic_storage_free(r, old, storage_bytes(m, m->cap));
    m->entries = storage;
    m->cap = (int32_t)cap;
    m->used = (int32_t)live;
    rebuild_index(m);
}

struct hic_map *hic_map_new(struct hic_region *r, int32_t key_size, int32_t value_size)
{
    if ((key_size != 8 && key_size != 16) || (value_size != 8 && value_size != 16))
        hic_internal_error("map with %d-byte keys and %d-byte values", (int)key_size,
                           (int)value_size);
    struct hic_map *m = hic_alloc(r, sizeof *m);
    memset(m, 0, sizeof *m);
    m->key_size = (uint16_t)key_size;
    m->value_size = (uint16_t)value_size;
    return m;
}

/* Entry fields of 8 or 16 bytes, copied without a call to memcpy. */
INLINE void copy_field(char *to, const char *from, size_t size)
{
    memcpy(to, from, 8);
    if (size == 16)
        memcpy(to + 8, from + 8, 8);
}

INLINE void *insert(struct hic_region *r, struct hic_map *m, const struct key *k, int is_str,
                    uint64_t key_region, int32_t *is_new)
{
    uint32_t *slot = NULL;
    char *old = m->cap ? probe(m, k, is_str, 1, &slot) : NULL;
    if (old) {
        m->hint = (int32_t)((*slot & index_low(m)) - 1);
        if (is_new)
            *is_new = 0;
        return old + 8 + m->key_size;
    }
    if (m->used == m->cap) {
        make_room(r, m);
        probe(m, k, is_str, 1, &slot);
    }
    char *e = entry(m, m->used);
    memcpy(e, &k->hash, 8);
    if (!is_str)
        memcpy(e + 8, &k->s64, 8);
    else
        memcpy(e + 8, &k->str, 8);
    if (m->key_size == 16)
        memcpy(e + 16, &key_region, 8);
    char *value = e + 8 + m->key_size;
    static const char zeros[16];
    copy_field(value, zeros, m->value_size);
    *slot = tag(k->hash, index_low(m)) | (uint32_t)(m->used + 1);
    m->hint = (int32_t)m->used;
    m->used++;
    m->len++;
    if (is_new)
        *is_new = 1;
    return value;
}

/* probe without `place`, returning the value's address: the loop keeps
 * fewer values live than probe's (no slot to return). */
INLINE void *get(const struct hic_map *m, const struct key *k, int is_str)
{
    if (!m->len)
        return NULL;
    size_t size = stride(m);
    const char *entries = m->entries;
    uint32_t low = index_low(m), want = tag(k->hash, low);
    const uint32_t *index = (const uint32_t *)(entries + (size_t)m->cap * size);
    for (uint32_t i = (uint32_t)k->hash & low;; i = (i + 1) & low) {
        uint32_t v = index[i];
        if (v == 0)
            return NULL;
        if ((v ^ want) <= low) {
            const char *e = entries + (size_t)((v & low) - 1) * size;
            if (key_eq(e, k, is_str)) {
                ((struct hic_map *)m)->hint = (int32_t)((v & low) - 1);  /* see hic_map_get_s64 */
                return (char *)e + 8 + m->key_size;
            }
        }
    }
}

/* Entry `e`, number n, is removed: its hash becomes HIC_MAP_REMOVED, its
 * key and value stay in place until the next rebuild (after the next
 * insert), and its index slot -- the one on its hash's probe run whose
 * entry number is n -- becomes a tombstone. */
INLINE void *remove_entry(struct hic_map *m, char *e, int64_t n, uint32_t *slot)
{
    if (!slot) {
        uint32_t low = index_low(m);
        uint32_t *index = index_of(m);
        uint32_t i = (uint32_t)entry_hash(e) & low;
        while ((index[i] & low) != (uint32_t)(n + 1))
            i = (i + 1) & low;
        slot = &index[i];
    }
    uint64_t removed = HIC_MAP_REMOVED;
    memcpy(e, &removed, 8);
    *slot = TOMBSTONE;
    m->hint = (int32_t)n;
    m->len--;
    return e + 8;
}

INLINE void *remove_key(struct hic_map *m, const struct key *k, int is_str)
{
    uint32_t *slot;
    char *e = probe(m, k, is_str, 0, &slot);
    if (!e)
        return NULL;
    return remove_entry(m, e, (int64_t)((*slot & index_low(m)) - 1), slot);
}

/* The hint: entry n if it is live, else NULL. An operation on a map
 * follows, mostly, one on the same key (get, then insert or remove) or
 * one on the key inserted just before it (a loop over `keys(m)` looking
 * each key up): get tries the entry after the hint, insert and remove the
 * hint itself, before hashing. A hint that is stale (a rebuild renumbers
 * the entries) or wrong only fails the check: an S64 key must be equal; a
 * String key must be the same object for get (a key taken from the map
 * itself; anything else goes the whole way) or hold the same bytes for
 * insert and remove (whose key was mostly just looked up by get). */
INLINE char *hinted(const struct hic_map *m, int64_t n)
{
    if ((uint64_t)n >= (uint64_t)m->used)
        return NULL;
    char *e = entry(m, n);
    return entry_hash(e) == HIC_MAP_REMOVED ? NULL : e;
}

INLINE const struct hic_string *entry_str(const char *e)
{
    const struct hic_string *s;
    memcpy(&s, e + 8, sizeof s);
    return s;
}

/* S64 keys are 8 bytes; String keys are 8 (references) or 16 (packs). */
INLINE void need_s64_keys(const struct hic_map *m)
{
    if (__builtin_expect(m->key_size != 8, 0))
        hic_internal_error("map with %u-byte keys used with S64 keys", (unsigned)m->key_size);
}

INLINE struct key s64_key(int64_t key)
{
    return (struct key){.hash = hash_s64(key), .s64 = key};
}

INLINE struct key str_key(const struct hic_string *key)
{
    return (struct key){.hash = hash_str(key), .str = key};
}

void *hic_map_insert_s64(struct hic_region *r, struct hic_map *m, int64_t key, int32_t *is_new)
{
    need_s64_keys(m);
    char *e = hinted(m, m->hint);
    if (e && (int64_t)load64(e + 8) == key) {
        if (is_new)
            *is_new = 0;
        return e + 16;
    }
    struct key k = s64_key(key);
    return insert(r, m, &k, 0, 0, is_new);
}

void *hic_map_insert_str(struct hic_region *r, struct hic_map *m, const struct hic_string *key,
                         uint64_t key_region, int32_t *is_new)
{
    char *e = hinted(m, m->hint);
    if (e && str_eq(entry_str(e), key)) {
        if (is_new)
            *is_new = 0;
        return e + 8 + m->key_size;
    }
    struct key k = str_key(key);
    return insert(r, m, &k, 1, key_region, is_new);
}

/* Compiled code declares the two lookups `readonly` (codegen/module.py):
 * they must never write memory it can see. They write the hint, which it
 * never reads, and which is only a guess, so a get that LLVM merges with
 * another or moves costs at most a failed check. A map with keys was
 * inserted into, so it is not read-only memory. */
void *hic_map_get_s64(const struct hic_map *m, int64_t key)
{
    need_s64_keys(m);
    if (!m->len)
        return NULL;
    char *e = hinted(m, (int64_t)m->hint + 1);
    if (e && (int64_t)load64(e + 8) == key) {
        ((struct hic_map *)m)->hint++;
        return e + 16;
    }
    struct key k = s64_key(key);
    return get(m, &k, 0);
}

void *hic_map_get_str(const struct hic_map *m, const struct hic_string *key)
{
    if (!m->len)
        return NULL;
    char *e = hinted(m, (int64_t)m->hint + 1);
    if (e && entry_str(e) == key) {
        ((struct hic_map *)m)->hint++;
        return e + 8 + m->key_size;
    }
    struct key k = str_key(key);
    return get(m, &k, 1);
}

int32_t hic_map_contains_s64(const struct hic_map *m, int64_t key)
{
    return hic_map_get_s64(m, key) != NULL;
}

int32_t hic_map_contains_str(const struct hic_map *m, const struct hic_string *key)
{
    return hic_map_get_str(m, key) != NULL;
}

void *hic_map_remove_s64(struct hic_map *m, int64_t key)
{
    need_s64_keys(m);
    if (!m->len)
        return NULL;
    char *e = hinted(m, m->hint);
    if (e && (int64_t)load64(e + 8) == key)
        return remove_entry(m, e, m->hint, NULL);
    struct key k = s64_key(key);
    return remove_key(m, &k, 0);
}

void *hic_map_remove_str(struct hic_map *m, const struct hic_string *key)
{
    if (!m->len)
        return NULL;
    char *e = hinted(m, m->hint);
    if (e && str_eq(entry_str(e), key))
        return remove_entry(m, e, m->hint, NULL);
    struct key k = str_key(key);
    return remove_key(m, &k, 1);
}

/* `keys(m)`: a new array (one object, plus storage) of the live keys in
 * order, elements key_size bytes. Keys that are packs are copies: the
 * caller retains and records them (hic_array_retain_packs). */
struct hic_array *hic_map_keys(struct hic_region *r, const struct hic_map *m)
{
    struct hic_array *a = hic_array_new(r, m->key_size, m->len);
    size_t size = stride(m), key_size = m->key_size;
    const char *e = m->entries;
    char *to = a->data;
    for (int64_t n = 0; n < m->used; n++, e += size) {
        if (entry_hash(e) != HIC_MAP_REMOVED) {
            copy_field(to, e + 8, key_size);
            to += key_size;
        }
    }
    a->len = m->len;
    return a;
}
