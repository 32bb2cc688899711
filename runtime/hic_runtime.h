/* hic_runtime.h -- the region runtime that hic's native code links against.
 *
 * This is the runtime's one header: the public API the LLVM backend calls,
 * the layouts it must know to inline the hot paths (the region struct, the
 * counters, strings, arrays, maps), and, behind HIC_RUNTIME_INTERNAL, what
 * the runtime's own .c files share. docs/runtime.md explains the design; the
 * layouts below are the reference, and their sizes are fixed ABI.
 *
 * Everything assumes a 64-bit target with 8-byte pointers, and one thread:
 * a hilang program is single-threaded, so no operation here locks.
 */
#ifndef HIC_RUNTIME_H
#define HIC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HIC_NORETURN __attribute__((noreturn))

/* ------------------------------------------------------------------------
 * Packs and region ids
 *
 * A region id is `generation << 32 | slot`. The slot indexes the region
 * table; the generation is bumped when the slot's region dies, so an id kept
 * past its region's death is detected (an internal error, exit 3) rather than
 * followed. Slot 0 is the primitive region P: id 0, always live, never
 * counted; retain, release and hold of P do nothing.
 */
#define HIC_PRIMITIVE 0u
#define HIC_SLOT_MASK 0xffffffffu

struct hic_pack {           /* 16 bytes: Pack{c} T at run time */
    void *ptr;              /*  0: the object */
    uint64_t region;        /*  8: its region's id */
};

/* ------------------------------------------------------------------------
 * Regions
 *
 * A region is a bump pointer over chunks: first the small chunk inside the
 * region struct itself, then chunks from the pool. The first three fields
 * are the allocation fast path's: generated code inlines hic_alloc() below
 * (load cur, add, compare with end, store) and calls hic_alloc_slow() only
 * when the current chunk is full. While a region lives its struct stays
 * where it is, so a `struct hic_region *` may be cached for as long as the
 * region lives and is not merged (a merge may move the child's struct). The
 * table itself may move when it grows, so load `hic_region_table` afresh
 * after any call that can create a region.
 *
 * The struct's first chunk (`inline_chunk`) is part of it and its size is
 * chosen when the region is created: 8 to 256 bytes, from what the last
 * region made at the same place held (hic_region_new_sized), 48 when that
 * is not known. So a region that holds one object costs one struct and a
 * table entry: 64 + the object, + 8; a 64-byte tree node 136 bytes, a
 * 32-byte one 104 (or 112 + 8 with the default 48 inline bytes), with two
 * distinct held region ids inline; the hold table is allocated only for a
 * third, or for a count beyond 16 bits. The header is one cache line's
 * worth: what the fast paths and the frees touch is in its first 48 bytes.
 */
struct hic_block;
struct hic_hold;

#define HIC_INLINE_CHUNK 48     /* bytes of objects inside the region struct,
                                 * when nothing says how many it will need */
#define HIC_INLINE_STEP 8       /* its size is a multiple of this ... */
#define HIC_INLINE_MAX 256      /* ... up to this */
#define HIC_INLINE_HOLDS 2      /* distinct held ids recorded inside it */

struct hic_region {
    /* What allocation, retain, release, hold and free touch: */
    char *cur;                  /*  0: next free byte of the current chunk */
    char *end;                  /*  8: end of the current chunk */
    uint64_t bytes_less_cur;    /* 16: the region's bytes (handed out here and not
                                 *     reclaimed, sizes requested) minus the
                                 *     address in `cur`: see hic_region_bytes_of */
    uint64_t id;                /* 24: this slot's id; a dead slot holds its next life's */
    int32_t refs;               /* 32: reference count while the region lives; once it
                                 *     is 0, minus `link` (regions.c, set_link): the next
                                 *     slot on the free list or on the list of regions
                                 *     being freed (0 ends either) */
    union {
        uint32_t len;           /* 36: held in a table: the distinct ids in it */
        uint16_t counts[HIC_INLINE_HOLDS]; /* 36: held inline: their multiplicities
                                 *     (0: the place is empty) */
    } holds;                    /*     either way, 0 as a word: holds no pack */
    union {
        uint32_t slots[HIC_INLINE_HOLDS]; /* 40: inline: the slots of the held ids
                                 *     (0 = empty; a held region is live, so its
                                 *     slot names it: hic_hold_next) */
        struct hic_hold *table; /* 40: the multiset as a hash table */
    } held;
    union {
        struct hic_block *blocks; /* 48: chunks and storage blocks from the pool
                                   *     (a circular list), or NULL */
        uint64_t forward;         /* 48: merged (HIC_REGION_MERGED): the region
                                   *     it was merged into */
    } own;
    uint8_t hold_log2;          /* 56: 0: the held ids are inline (at most two);
                                 *     else log2 of the capacity of `held.table` */
    uint8_t inline_steps;       /* 57: the inline chunk's size / HIC_INLINE_STEP:
                                 *     fixed for the slot's struct */
    uint8_t next_class;         /* 58: log2 size of the next pool chunk */
    uint8_t color;              /* 59: the cycle collector's mark (cycles.c) */
    uint8_t flags;              /* 60: HIC_REGION_* */
    uint8_t buffered;           /* 61: a candidate root of the cycle collector when equal
                                 *     to its current round (cycles.c); 0: never */
    uint8_t spare_[2];          /* 62 */
    char inline_chunk[HIC_INLINE_CHUNK]; /* 64: the first chunk: really
                                 *     inline_steps * HIC_INLINE_STEP bytes, the
                                 *     struct's memory running on past this array
                                 *     (regions.c, `struct_size`) */
};                              /* 112 bytes with the default inline chunk */

#define HIC_REGION_MERGED 1     /* merged into `own.forward`; owns nothing */
#define HIC_REGION_UNKEPT 2     /* buffered (`buffered`) without its id kept (cycles.c) */
#define HIC_REGION_HELD 4       /* a pack of it was stored into a region (since it was created) */
#define HIC_REGION_CYCLIC 8     /* it held a new pack while HELD: may close a cycle (cycles.c) */

/* The figures of DESIGN.md's stats table. The first two are bumped by the
 * inline fast path; the rest only by the runtime. */
struct hic_counters {
    uint64_t allocs;            /*  0: objects allocated */
    uint64_t bytes_allocated;   /*  8: bytes handed out, as requested */
    uint64_t bytes_freed;       /* 16: bytes of regions freed and storage
                                 *     reclaimed so far */
    uint64_t bytes_peak;        /* 24: most bytes live at once (see hic_stats_json) */
    uint64_t regions_created;   /* 32 */
    uint64_t regions_freed;     /* 40: collected ones included */
    uint64_t regions_live;      /* 48: live, P excluded: regions_leaked at exit. Both this
                                 *     and the peak are brought up to date before each
                                 *     batch of frees and at the end (regions.c,
                                 *     hic_regions_take_peak); between, live is
                                 *     regions_created - regions_freed */
    uint64_t regions_peak;      /* 56 */
    uint64_t retains;           /* 64 */
    uint64_t releases;          /* 72 */
    uint64_t regions_collected; /* 80: freed by the cycle collector (cycles.c) */
};

/* The layouts generated code relies on (lolang/codegen/regions.py and
 * objects.py mirror these offsets; tests/test_runtime_abi.py compares). */
#define HIC_AT(type, field, offset) \
    _Static_assert(offsetof(struct type, field) == (offset), #type "." #field " moved")
HIC_AT(hic_pack, ptr, 0);
HIC_AT(hic_pack, region, 8);
_Static_assert(sizeof(struct hic_pack) == 16, "a pack is two words");
HIC_AT(hic_region, cur, 0);
HIC_AT(hic_region, end, 8);
HIC_AT(hic_region, bytes_less_cur, 16);
HIC_AT(hic_region, id, 24);
HIC_AT(hic_region, refs, 32);
HIC_AT(hic_region, holds.len, 36);
HIC_AT(hic_region, holds.counts, 36);
HIC_AT(hic_region, held.slots, 40);
HIC_AT(hic_region, own, 48);
HIC_AT(hic_region, hold_log2, 56);
HIC_AT(hic_region, flags, 60);
HIC_AT(hic_region, buffered, 61);
HIC_AT(hic_region, inline_chunk, 64);
_Static_assert(sizeof(struct hic_region) == 112, "struct hic_region changed size");
_Static_assert(HIC_INLINE_CHUNK % HIC_INLINE_STEP == 0 && HIC_INLINE_MAX / HIC_INLINE_STEP <= 255,
               "inline chunk sizes");
HIC_AT(hic_counters, allocs, 0);
HIC_AT(hic_counters, bytes_allocated, 8);
HIC_AT(hic_counters, bytes_freed, 16);
HIC_AT(hic_counters, retains, 64);
HIC_AT(hic_counters, releases, 72);
HIC_AT(hic_counters, regions_collected, 80);
_Static_assert(sizeof(struct hic_counters) == 11 * 8, "hic_counters changed size");

extern struct hic_counters hic_counters;
extern struct hic_region **hic_region_table;

/* What the inlined release reads to tell that a region left alive while it
 * holds packs needs nothing of the runtime: it is a candidate of the cycle
 * collector already (`buffered == round`) and none of its flags is in
 * `recheck`, or it is not and `recheck` is 0, so that it becomes one whose
 * id is not kept (regions.c, buffer_candidate; cycles.c, hic_cycles_keep). */
struct hic_cycle_marks {
    uint8_t round;              /* 0: the collector's round, 1..255 */
    uint8_t recheck;            /* 1: HIC_REGION_UNKEPT while some region is
                                 *    CYCLIC, else 0 */
};
extern struct hic_cycle_marks hic_cycle_marks;
HIC_AT(hic_cycle_marks, round, 0);
HIC_AT(hic_cycle_marks, recheck, 1);

/* When the next collection is due: after a release that buffered a new
 * candidate, when `count` reached `threshold` or live bytes (bytes_allocated
 * - bytes_freed) reached `bytes_trigger` (regions.c buffers the candidates
 * and checks, cycles.c keeps their ids and collects). The inlined release
 * buffers a candidate whose id is not kept (hic_cycle_marks.recheck == 0)
 * itself, and calls hic_collect_cycles when one is due. */
struct hic_cycles_due {
    uint64_t count;             /* 0: candidates buffered this round, all of them */
    uint64_t threshold;         /* 8: ... collect when there are this many */
    uint64_t bytes_trigger;     /* 16: ... or live bytes reached this */
};
extern struct hic_cycles_due hic_cycles_due;
HIC_AT(hic_cycles_due, count, 0);
HIC_AT(hic_cycles_due, threshold, 8);
HIC_AT(hic_cycles_due, bytes_trigger, 16);

void *hic_alloc_slow(struct hic_region *r, uint64_t size);
#ifdef HIC_PROFILE
void hic_profile_alloc(struct hic_region *owner, uint64_t size);
#endif

/* A region's bytes: handed out in it and not reclaimed, by size requested.
 * They are kept as `bytes_less_cur + cur` (modulo 2^64) so that the fast
 * path, which moves `cur` by exactly an object's size (every size is a
 * multiple of 8), counts the object without a store of its own; only a
 * new chunk, an object not a multiple of 8, storage and merges adjust
 * `bytes_less_cur`. They are read when the region dies. */
static inline uint64_t hic_region_bytes_of(const struct hic_region *r)
{
    return r->bytes_less_cur + (uint64_t)(uintptr_t)r->cur;
}

/* The region struct of a live id, unchecked: two loads, for inlining. */
static inline struct hic_region *hic_region_of(uint64_t id)
{
    return hic_region_table[(uint32_t)id];
}

/* Allocate one object of `size` > 0 bytes in `r`, 8-aligned, uninitialized.
 * This is the fast path the LLVM backend reproduces inline; keep the two in
 * step (generated code's sizes are constant multiples of 8, so it leaves
 * `bytes_less_cur` alone). The subtraction is done on integers so that a region without a chunk
 * (cur == end == NULL) takes the slow path without pointer-arithmetic UB. */
static inline void *hic_alloc(struct hic_region *r, uint64_t size)
{
    uint64_t step = (size + 7) & ~(uint64_t)7;
    char *p = r->cur;
    if (__builtin_expect(step <= (uint64_t)((uintptr_t)r->end - (uintptr_t)p), 1)) {
        r->cur = p + step;
        r->bytes_less_cur -= step - size;  /* 0 but for an odd size (hic_region_bytes_of) */
        hic_counters.allocs += 1;
        hic_counters.bytes_allocated += size;
#ifdef HIC_PROFILE
        hic_profile_alloc(r, size);  /* the profiling variant only (profile.c) */
#endif
        return p;
    }
    return hic_alloc_slow(r, size);
}

uint64_t hic_region_new(void);                       /* count 1: the block's reference */
/* The same, for a region expected to hold about `bytes_hint` bytes (what
 * the last region made at the same place held when its block ended):
 * once its inline chunk is full, its first pool chunk is big enough for
 * the rest, instead of doubling up from the smallest. A hint only sizes
 * chunks; nothing counted depends on it. */
uint64_t hic_region_new_sized(uint64_t bytes_hint);
struct hic_region *hic_region_lookup(uint64_t id);   /* checked hic_region_of */
void *hic_region_alloc(struct hic_region *r, uint64_t size); /* hic_alloc, out of line */
/* Room for one object of `size` bytes in `r`, in the region's bytes at
 * once but in none of the figures: generated code takes it before a
 * function's first call, for the object the function returns, and counts
 * the object where the program makes it (allocs and bytes_allocated), so
 * that the object lies before what the function's callees allocate
 * (lolang/codegen/reserve.py). The out-of-line half of that fast path.
 * NULL in P: the caller allocates the object when it makes it. */
void *hic_region_reserve(struct hic_region *r, uint64_t size);
void *hic_alloc_in(uint64_t id, uint64_t size);      /* checked id, then hic_alloc */
/* Container storage (array elements, map tables): a block of `size` > 0
 * bytes, counted as bytes but not as an object, that can be given back on
 * its own as soon as the container replaces it, so that a container under
 * churn holds space for its live contents only. `r` is the container's
 * region; the block dies with it at the latest. */
void *hic_storage_alloc(struct hic_region *r, uint64_t size);
void hic_storage_free(struct hic_region *r, void *storage, uint64_t size);
void hic_retain(uint64_t id);
void hic_retain_n(uint64_t id, uint64_t n);          /* n retains, counted n times */
/* One reference fewer: frees the region at zero (and what only it held,
 * iteratively); a region left alive that holds packs becomes a candidate
 * of the cycle collector, which runs when enough have gathered (cycles.c). */
void hic_release(uint64_t id);
/* Reclaim every unreachable cycle now (hic_start does it when main returns). */
void hic_collect_cycles(void);
/* An owned pack of `held` was stored into an object of `owner`: its
 * reference moves into `owner` (no count changes). */
void hic_region_hold(uint64_t owner, uint64_t held);
void hic_region_hold_n(uint64_t owner, uint64_t held, uint64_t n);
/* A pack of `held` was taken out of an object of `owner` (pop, remove):
 * its reference moves to the taker. */
void hic_region_unhold(uint64_t owner, uint64_t held);
/* A slot of an object of `owner` that held a pack of `old_held` (0: none)
 * is overwritten with an owned pack of `held`: one call per store. */
void hic_region_replace(uint64_t owner, uint64_t held, uint64_t old_held);
/* lolang's `match reset` (reuse.c): when region `id` may be reused in
 * place for an object of `size` bytes (not P, count 1, not merged, exactly
 * `size` bytes in it), returns 1, its record of packs kept (they moved
 * out: `reuse` puts most back); else 0. */
int64_t hic_reuse_reset(uint64_t id, uint64_t size);
/* `reuse` in place: a field's moved-out pack of `old` is overwritten with
 * an owned pack of `held` (the record changes, no count; same id: nothing). */
void hic_reuse_replace(uint64_t owner, uint64_t held, uint64_t old);
/* `drop w` of a reuse token: forget what a unique one records, release it. */
void hic_reuse_drop(uint64_t id);
/* lolang's `merge child into parent`: the child's chunks, bytes and held
 * packs become the parent's owner's (they now die with it). The child stays
 * a live region for the references it has, owning nothing: it takes one
 * counted reference on the parent, released when the child is freed, and
 * what is allocated in or stored into it from then on goes to the owner. */
void hic_region_merge(uint64_t child, uint64_t parent);

/* Introspection, for tests and debugging (all check the id). */
int64_t hic_region_refs(uint64_t id);
uint64_t hic_region_bytes(uint64_t id);
uint64_t hic_region_chunk_count(uint64_t id);      /* pool chunks, the inline one not included */
uint64_t hic_region_storage_count(uint64_t id);    /* storage blocks */
uint64_t hic_region_held(uint64_t owner, uint64_t held); /* multiplicity */
int32_t hic_region_is_live(uint64_t id);                 /* never an error */
/* Live regions flagged HIC_REGION_CYCLIC: while there is none, the region
 * graph has no cycle and a collection skips its trace (cycles.c). */
uint64_t hic_regions_cyclic(void);
uint64_t hic_pool_mapped_bytes(void);                    /* taken from the OS */

/* ------------------------------------------------------------------------
 * Runtime errors (LANGUAGE.md 1.6; the texts are diagnostics/errors.py's).
 * `line` 0 means no position. Both flush stdout first, then print one line
 * on stderr and end the program: exit status 101 for a program error, 3 for
 * hic's own bug (`hic internal error: ...`). */
enum hic_error_kind {
    HIC_ERR_DIVISION_BY_ZERO = 1,
    HIC_ERR_INDEX_OUT_OF_RANGE = 2,   /* a = index, b = length */
    HIC_ERR_POP_EMPTY = 3,
    HIC_ERR_MALFORMED_INT = 4,
    HIC_ERR_NEGATIVE_ARRAY_SIZE = 5,  /* a = size */
    HIC_ERR_STACK_OVERFLOW = 6,
    HIC_ERR_OUT_OF_MEMORY = 7,
    HIC_ERR_TRUNC_OUT_OF_RANGE = 8,
    HIC_ERR_KEY_NOT_FOUND = 9,        /* lolang's `m[k]` (docs/lolang.md section 6) */
    HIC_ERR_SUBSTR_RANGE = 10,        /* a = start, b = end: start < 0 or start > end */
    HIC_ERR_SUBSTR_END = 11,          /* a = end, b = length: end > length */
};

HIC_NORETURN void hic_panic(int32_t kind, int32_t line, int32_t col, int64_t a, int64_t b);
HIC_NORETURN void hic_internal_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Arithmetic the backend may call instead of inlining: S64 `/` and `%` with
 * the zero check and the S64_MIN / -1 wrap; `trunc` toward zero, with NaN,
 * the infinities and values beyond S64 a runtime error (never LLVM's
 * poison). */
int64_t hic_div_s64(int64_t a, int64_t b, int32_t line, int32_t col);
int64_t hic_rem_s64(int64_t a, int64_t b, int32_t line, int32_t col);
int64_t hic_trunc_f64(double x, int32_t line, int32_t col);

/* ------------------------------------------------------------------------
 * Strings: immutable byte strings, `8 + len` bytes, no terminator. */
struct hic_string {
    int64_t len;                /* 0: length in bytes */
    uint8_t bytes[];            /* 8: the bytes */
};

HIC_AT(hic_string, bytes, 8);

struct hic_string *hic_string_new(struct hic_region *r, const uint8_t *bytes, int64_t len);
struct hic_string *hic_string_concat(struct hic_region *r, const struct hic_string *a,
                                     const struct hic_string *b);
/* A fused chain of `++`: n parts, each a `struct hic_string *` or (bit k of
 * `numbers` set) an S64 written in decimal, as `str` does. n <= 64. */
struct hic_string *hic_string_concat_n(struct hic_region *r, const uint64_t *parts, int64_t n,
                                       uint64_t numbers);
struct hic_string *hic_string_from_s64(struct hic_region *r, int64_t n);            /* str */
int64_t hic_string_to_s64(const struct hic_string *s, int32_t line, int32_t col);   /* int */
struct hic_string *hic_string_sub(struct hic_region *r, const struct hic_string *s, int64_t i,
                                  int64_t j, int32_t line, int32_t col);           /* substr */
struct hic_string *hic_string_of_byte(struct hic_region *r, uint8_t b);             /* chr */
int32_t hic_string_eq(const struct hic_string *a, const struct hic_string *b);
int32_t hic_string_cmp(const struct hic_string *a, const struct hic_string *b);    /* <0, 0, >0 */
uint8_t hic_string_at(const struct hic_string *s, int64_t i, int32_t line, int32_t col);

/* ------------------------------------------------------------------------
 * Printing: buffered stdout, flushed when the program ends and before
 * anything goes to stderr. `print(a, b)` is value, space, value, newline. */
void hic_print_s64(int64_t x);
void hic_print_u8(uint8_t x);
void hic_print_f64(double x);       /* %.9f; inf, -inf, nan (never -nan) */
void hic_print_bool(int32_t x);
void hic_print_string(const struct hic_string *s);
void hic_print_unit(void);
void hic_print_space(void);
void hic_print_newline(void);
void hic_flush(void);

/* ------------------------------------------------------------------------
 * Arrays: a 24-byte header and a separate storage block in the same region
 * (so growth replaces the storage and keeps the header, and every alias of
 * the array sees the growth). Elements are `elem_size` bytes: 8, or 16 for
 * packs. Element addresses are valid until the next push on the array. */
struct hic_array {
    int64_t len;                /*  0 */
    int64_t cap;                /*  8 */
    char *data;                 /* 16: cap * elem_size bytes, or NULL */
};

HIC_AT(hic_array, len, 0);
HIC_AT(hic_array, cap, 8);
HIC_AT(hic_array, data, 16);
_Static_assert(sizeof(struct hic_array) == 24, "an array header is 24 bytes");

struct hic_array *hic_array_new(struct hic_region *r, int64_t elem_size, int64_t cap);
struct hic_array *hic_array_filled(struct hic_region *r, int64_t elem_size, int64_t n,
                                   const void *value, int32_t line, int32_t col);
void *hic_array_push(struct hic_region *r, struct hic_array *a, int64_t elem_size);
void *hic_array_pop(struct hic_array *a, int64_t elem_size, int32_t line, int32_t col);
void *hic_array_at(const struct hic_array *a, int64_t i, int64_t elem_size, int32_t line,
                   int32_t col);
/* Every element of `a` is a pack copied from elsewhere (keys of a String
 * map, array(n, pack)): retain each and record it as held by `owner`. */
void hic_array_retain_packs(uint64_t owner, const struct hic_array *a);

/* ------------------------------------------------------------------------
 * Maps: insertion-ordered hash maps (docs/lolang.md section 9). The header
 * points at one storage block: `cap` entries in insertion order, then an
 * index of 2 * cap 32-bit slots (linear probing) that finds them. An entry
 * is `hash | key | value`:
 *   hash  8 bytes (HIC_MAP_REMOVED once the key is removed)
 *   key   8 bytes (an S64, or a String reference) or 16 (a String pack
 *         {struct hic_string *, region})
 *   value 8 or 16 bytes
 * Value and entry addresses are valid until the next insert or remove. */
#define HIC_MAP_REMOVED UINT64_MAX

struct hic_map {
    int64_t len;                /*  0: live keys: len(m) */
    int32_t used;               /*  8: entries appended, removed ones included */
    int32_t hint;               /* 12: the entry last found, inserted or removed
                                 *     (a guess, checked before it is used) */
    int32_t cap;                /* 16: entries the storage holds */
    uint16_t key_size;          /* 20: 8 or 16 */
    uint16_t value_size;        /* 22: 8 or 16 */
    char *entries;              /* 24: the storage block: cap entries, then
                                 *     2 * cap index slots; or NULL */
};                              /* 32 bytes */

HIC_AT(hic_map, len, 0);
HIC_AT(hic_map, entries, 24);
_Static_assert(sizeof(struct hic_map) == 32, "a map header is 32 bytes");

struct hic_map *hic_map_new(struct hic_region *r, int32_t key_size, int32_t value_size);
/* Insert: return the value slot for `key` (the caller stores the value);
 * *is_new (may be NULL) says whether the key was added -- for a String key
 * pack that was already present, the map keeps its own key and the caller
 * drops the one it passed. The _str functions serve both String key sizes:
 * with 8-byte keys, `key_region` is not stored. */
void *hic_map_insert_s64(struct hic_region *r, struct hic_map *m, int64_t key, int32_t *is_new);
void *hic_map_insert_str(struct hic_region *r, struct hic_map *m, const struct hic_string *key,
                         uint64_t key_region, int32_t *is_new);
void *hic_map_get_s64(const struct hic_map *m, int64_t key);          /* value or NULL */
void *hic_map_get_str(const struct hic_map *m, const struct hic_string *key);
int32_t hic_map_contains_s64(const struct hic_map *m, int64_t key);
int32_t hic_map_contains_str(const struct hic_map *m, const struct hic_string *key);
/* Remove: NULL if absent, else the removed entry's key (its value follows
 * at + key_size), so the caller can release packs held there. */
void *hic_map_remove_s64(struct hic_map *m, int64_t key);
void *hic_map_remove_str(struct hic_map *m, const struct hic_string *key);
struct hic_array *hic_map_keys(struct hic_region *r, const struct hic_map *m);

/* ------------------------------------------------------------------------
 * Start-up and the end of a program.
 *
 * hic_start runs `program_main` on a large stack of its own (1 GiB
 * reserved, HIC_STACK_SIZE overrides) with a guard below it, and returns the
 * exit status: 0 when main returns, 101 after a runtime error or a stack
 * overflow, 3 after an internal error. It never calls exit(), so a JIT host
 * may run several programs in one process; an executable's main() returns
 * what it returns. Stats go to $HIC_STATS when the program ends. */
#define HIC_START_ARGS 1        /* main takes args: Array (Pack String) */
#define HIC_START_ARGS_PLAIN 2  /* main takes args: Array String, references */

typedef void (*hic_main_fn)(struct hic_pack *args);

int hic_start(int argc, char **argv, hic_main_fn program_main, const char *stage, int32_t flags);

/* For hosts that call runtime functions without hic_start (tests): set up,
 * and end by flushing, writing stats and releasing every mapping. */
void hic_runtime_init(const char *stage);
void hic_runtime_finish(void);
/* The stats JSON of the current or last run; returns its length (as
 * snprintf: may exceed cap, then the text is cut). */
int64_t hic_stats_json(char *buf, int64_t cap);

/* ------------------------------------------------------------------------
 * What the runtime's .c files share; not for generated code. */
#ifdef HIC_RUNTIME_INTERNAL

/* At the start of every block a region owns: its pool chunks, its
 * containers' storage blocks, and region structs handed to it by a merge
 * (regions.c). Blocks are on a circular doubly linked list, so a storage
 * block can be unlinked when its container replaces it, and a merge
 * splices two lists in O(1). 32 bytes, so what follows is 16-aligned. */
struct hic_block {
    struct hic_block *next;
    struct hic_block *prev;
    uint64_t size;              /* as given to hic_pool_get, header included */
    uint32_t kind;              /* HIC_BLOCK_* */
    uint32_t site;              /* profiling builds: the allocation site of storage */
};

enum hic_block_kind {
    HIC_BLOCK_CHUNK = 1,        /* bump chunks, and an object's own block */
    HIC_BLOCK_STORAGE = 2,      /* a container's storage */
    HIC_BLOCK_STRUCT = 3,       /* a merged region's struct (its inline chunk) */
    HIC_BLOCK_UNCOUNTED = 4,    /* storage no engine counts: main's args */
};

struct hic_hold {               /* one entry of a region's held multiset */
    uint64_t id;                /* 0: empty (P is never held) */
    uint64_t count;
};

/* The capacity of a region's hold table; 0 while its held ids are inline. */
static inline uint32_t hic_hold_cap(const struct hic_region *r)
{
    return r->hold_log2 ? (uint32_t)1 << r->hold_log2 : 0;
}

/* Walk a region's held multiset, inline or table:
 *     uint32_t i = 0; uint64_t id, n;
 *     while (hic_hold_next(r, &i, &id, &n)) ...
 * An inline place records a slot: the id is the one that slot's region
 * has, since a held region is live (the pack's reference is the owner's).
 * Only the collector's free of a garbage cycle walks the places of a
 * region whose held ones may be dead already, and it reads the counts. */
static inline int hic_hold_next(const struct hic_region *r, uint32_t *i, uint64_t *id,
                                uint64_t *count)
{
    if (!r->hold_log2) {
        while (*i < HIC_INLINE_HOLDS) {
            uint32_t k = (*i)++;
            if (r->holds.counts[k]) {
                *id = hic_region_table[r->held.slots[k]]->id;
                *count = r->holds.counts[k];
                return 1;
            }
        }
        return 0;
    }
    while (*i < hic_hold_cap(r)) {
        const struct hic_hold *h = &r->held.table[(*i)++];
        if (h->id) {
            *id = h->id;
            *count = h->count;
            return 1;
        }
    }
    return 0;
}

/* pool.c: memory from the OS, in power-of-two blocks recycled LIFO. */
void *hic_pool_get(size_t bytes);
void hic_pool_put(void *p, size_t bytes);
void *hic_pool_grow(void *p, size_t bytes, size_t more);

/* The region forgets every pack it held (their references are dealt with
 * by the caller): regions.c, and reuse.c for a token dropped. */
static inline void hic_holds_clear(struct hic_region *r)
{
    if (r->hold_log2)
        hic_pool_put(r->held.table, hic_hold_cap(r) * sizeof *r->held.table);
    r->held.table = NULL;  /* both inline slots 0 */
    r->holds.len = 0;      /* both inline counts 0 */
    r->hold_log2 = 0;
}
void hic_pool_teardown(void);

/* regions.c */
void *hic_alloc_uncounted(struct hic_region *r, uint64_t size);
void *hic_storage_alloc_uncounted(struct hic_region *r, uint64_t size);
void hic_regions_init(void);
void hic_regions_forget(void);
struct hic_region *hic_region_live(uint64_t id, const char *what); /* checked */
/* Free regions the cycle collector found unreachable, `n` slots in `slots`:
 * each releases (counts) what it holds without decrementing anyone, since
 * trial deletion already took those references away. */
void hic_regions_free_collected(const uint64_t *slots, uint64_t n);
/* Every slot's `buffered` round back to 0 (when the rounds wrap). */
void hic_regions_clear_buffered(void);
/* Live bytes only grow between reclaims: take the peak before each. */
void hic_take_bytes_peak(void);
/* Live regions likewise: regions_live and regions_peak brought up to date. */
void hic_regions_take_peak(void);

/* profile.c: live bytes by allocation site (the profiling variant only) */
#ifdef HIC_PROFILE
extern uint32_t hic_profile_site;   /* set by profiling generated code */
void hic_profile_reset(void);
uint32_t hic_profile_storage(struct hic_region *owner, uint64_t size);
void hic_profile_storage_freed(struct hic_region *owner, uint32_t site, uint64_t size);
void hic_profile_freed(struct hic_region *r);
void hic_profile_merged(struct hic_region *child, struct hic_region *owner);
void hic_profile_peak(uint64_t live_bytes);
void hic_profile_write(void);
#define HIC_PROFILED(call) call
#else
#define HIC_PROFILED(call) ((void)0)
#endif

/* cycles.c: the cycle collector over the region graph */
/* The id of candidate `r` goes into the buffer (the trace starts there). */
void hic_cycles_keep(struct hic_region *r);
void hic_cycles_collect_now(void);
void hic_cycles_reset(void);

/* print.c */
void hic_output_reset(void);
void hic_write_all(int fd, const char *p, size_t n);

/* stats.c */
void hic_stats_reset(const char *stage);
void hic_stats_write(void);

/* start.c: end the program with `status` (back to hic_start's caller, or
 * _exit when there is no hic_start). */
HIC_NORETURN void hic_leave(int status);

/* errors.c */
HIC_NORETURN void hic_out_of_memory(void);
void hic_report_error(int32_t kind, int32_t line, int32_t col, int64_t a, int64_t b);

#define HIC_ROUND8(n) (((n) + 7) & ~(uint64_t)7)

/* -DHIC_NO_VALGRIND (in $CC) leaves the marks out: to count with callgrind
 * the instructions a run outside valgrind executes. */
#if defined(__has_include) && !defined(HIC_NO_VALGRIND)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>
#define HIC_VALGRIND 1
#endif
#endif
/* Built with -fsanitize=address (the test suite does, see
 * tests/test_sanitizers.py), the same marks go to AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define HIC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HIC_ASAN 1
#endif
#endif
#ifdef HIC_ASAN
#include <sanitizer/asan_interface.h>
#define HIC_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define HIC_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define HIC_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define HIC_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif
#ifdef HIC_VALGRIND
/* Tell memcheck which pool memory is off limits, so a use of a freed
 * region's object is reported. The requests are skipped outside valgrind,
 * where each would still cost a dozen instructions. */
extern int hic_on_valgrind;
#define HIC_VG(request)                                                        \
    do {                                                                       \
        if (__builtin_expect(hic_on_valgrind, 0))                              \
            request;                                                           \
    } while (0)
#define HIC_VG_NOACCESS(p, n) do { HIC_VG(VALGRIND_MAKE_MEM_NOACCESS((p), (n))); HIC_ASAN_POISON(p, n); } while (0)
#define HIC_VG_UNDEFINED(p, n) do { HIC_ASAN_UNPOISON(p, n); HIC_VG(VALGRIND_MAKE_MEM_UNDEFINED((p), (n))); } while (0)
#define HIC_VG_DEFINED(p, n) do { HIC_ASAN_UNPOISON(p, n); HIC_VG(VALGRIND_MAKE_MEM_DEFINED((p), (n))); } while (0)
#else
#define HIC_VG_NOACCESS(p, n) HIC_ASAN_POISON(p, n)
#define HIC_VG_UNDEFINED(p, n) HIC_ASAN_UNPOISON(p, n)
#define HIC_VG_DEFINED(p, n) HIC_ASAN_UNPOISON(p, n)
#endif

#endif /* HIC_RUNTIME_INTERNAL */

#ifdef __cplusplus
}
#endif

#endif /* HIC_RUNTIME_H */
