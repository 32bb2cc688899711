/* regions.c -- the region table, allocation, container storage, reference
 * counts, held packs, merging.
 *
 * This mirrors lolang's runtime model (lolang/interp/regions.py) operation for
 * operation, because DESIGN.md requires native code and the lolang
 * interpreter to report the same counts:
 *
 * - A region starts with one reference, its block's; that is not a retain.
 *   Every other increment is a retain and every decrement a release,
 *   including the ones a freed region makes for the packs it held.
 * - The primitive region P (slot 0, id 0) is always live and never counted:
 *   retain, release and hold of P do nothing. Objects may be allocated in P
 *   (they live until the run ends); they count as allocs but not as bytes.
 * - A merged region lives on for its references but owns nothing: its
 *   `own.forward` names the region it was merged into, and allocations and
 *   stored packs follow it to the region that owns them now.
 * - A container's storage block is reclaimed as soon as the container
 *   replaces it: its bytes leave the live count at once.
 * - A release that leaves a region alive while it holds packs makes it a
 *   candidate of the cycle collector (cycles.c).
 *
 * Freeing cascades through held packs on an explicit worklist threaded
 * through the region structs, so a chain of a million regions frees in
 * constant C stack and without allocating.
 *
 * What a region costs: its struct (64 bytes, two held ids inside, and an
 * inline chunk sized by the region's hint: 48 bytes by default) and its
 * table entry (8). Pool chunks, a hold table and storage blocks come only
 * when needed.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

struct hic_counters hic_counters;
struct hic_region **hic_region_table;

/* After the inline chunk, a region's pool chunks start at 128 bytes (104
 * usable) and double up to 256 KiB; an object over 64 KiB gets a block of
 * its own so it never strands a mostly empty chunk. */
#define FIRST_CLASS 7
#define LAST_CLASS 18
#define OWN_CHUNK_OVER ((uint64_t)64 << 10)
#define BLOCK_HEADER ((uint64_t)sizeof(struct hic_block))
#define MAX_OBJECT ((uint64_t)1 << 62)
#define FIRST_HOLD_TABLE 8

/* Region structs are carved from 64 KiB batches: a pool block each would
 * round 112 bytes up to 128. Their inline chunks come in sizes (steps of
 * HIC_INLINE_STEP bytes up to HIC_INLINE_MAX), chosen at creation from
 * the region's size hint, so that a region holding one object of up to
 * 256 bytes is one struct, not a struct and a pool chunk. A slot keeps its
 * struct, and so its size: free slots are kept on one list per size.
 * Except that a merge hands a used child's struct (its inline chunk holds
 * objects now owned by the parent) to the parent as a block; when the
 * parent dies that memory comes back here, on `spare` of its size. */
#define STRUCT_BATCH ((size_t)64 << 10)
#define HEADER_BYTES offsetof(struct hic_region, inline_chunk)
#define STEPS (HIC_INLINE_MAX / HIC_INLINE_STEP)
#define DEFAULT_STEPS (HIC_INLINE_CHUNK / HIC_INLINE_STEP)

static struct {
    char *batch;                /* the unused rest of the current batch of structs */
    size_t batch_left;          /* its bytes */
    uint32_t len;               /* slots minted so far, P's included */
    uint32_t cap;               /* capacity of hic_region_table */
    /* By inline chunk size (in steps): */
    uint32_t free_head[STEPS + 1]; /* LIFO list of free slots; 0: none (P is never free) */
    struct hic_block *spare[STEPS + 1]; /* struct memory back from merged regions (singly linked) */
    struct hic_region primitive;/* slot 0. cur == end == NULL, so P always takes the slow path */
    struct hic_region p_store;  /* ... which bumps here, where no byte is counted */
    uint64_t cyclic;            /* live regions flagged HIC_REGION_CYCLIC */
} regions;

_Static_assert(HEADER_BYTES + HIC_INLINE_STEP >= sizeof(struct hic_block),
               "a region struct must be able to become a block");

/* The bytes of a region struct whose inline chunk is `steps` steps. */
static inline size_t struct_size(unsigned steps)
{
    return HEADER_BYTES + (size_t)steps * HIC_INLINE_STEP;
}

static inline size_t inline_bytes(const struct hic_region *r)
{
    return (size_t)r->inline_steps * HIC_INLINE_STEP;
}

/* The four bytes after `inline_steps`, written as one word when a region
 * is created (little-endian: `next_class` is the low byte). */
#define TAIL_OFFSET offsetof(struct hic_region, next_class)
_Static_assert(offsetof(struct hic_region, color) == TAIL_OFFSET + 1 &&
               offsetof(struct hic_region, buffered) == TAIL_OFFSET + 3 &&
               __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "the struct's tail word");

/* A dead slot's `link` (the next slot on the free list, or on the list of
 * regions being freed; 0 ends either) is kept in its count, negated: a
 * slot is below 2^31 (grow_table), and a count of 0 or less says dead to
 * every check of liveness. */
static inline void set_link(struct hic_region *r, uint32_t next)
{
    r->refs = -(int32_t)next;
}

static inline uint32_t get_link(const struct hic_region *r)
{
    return (uint32_t)-r->refs;
}

/* The marks of a region's inline chunk for valgrind (and ASan): undefined
 * when a region is created, off limits when it dies. Under valgrind the
 * request is a call out of line, so that the paths that create and free
 * regions need no stack frame for it. */
#if defined(HIC_VALGRIND) && !defined(HIC_ASAN)
static __attribute__((noinline, cold)) void chunk_mark(char *p, size_t n, int dead)
{
    if (dead)
        VALGRIND_MAKE_MEM_NOACCESS(p, n);
    else
        VALGRIND_MAKE_MEM_UNDEFINED(p, n);
}
#define CHUNK_MARK(p, n, dead)                                                 \
    do {                                                                       \
        if (__builtin_expect(hic_on_valgrind, 0))                              \
            chunk_mark((p), (n), (dead));                                      \
    } while (0)
#else
#define CHUNK_MARK(p, n, dead)                                                 \
    do {                                                                       \
        if (dead)                                                              \
            HIC_VG_NOACCESS((p), (n));                                         \
        else                                                                   \
            HIC_VG_UNDEFINED((p), (n));                                        \
    } while (0)
#endif

#define SLOT(id) ((unsigned)(uint32_t)(id))
#define GEN(id) ((unsigned)((id) >> 32))

/* ------------------------------------------------------------------------
 * Blocks: a region's circular list */

static void blocks_push(struct hic_region *r, struct hic_block *b)
{
    struct hic_block *head = r->own.blocks;
    if (!head) {
        b->next = b->prev = b;
    } else {
        b->next = head;
        b->prev = head->prev;
        head->prev->next = b;
        head->prev = b;
    }
    r->own.blocks = b;
}

static void blocks_unlink(struct hic_region *r, struct hic_block *b)
{
    if (b->next == b) {
        r->own.blocks = NULL;
        return;
    }
    b->prev->next = b->next;
    b->next->prev = b->prev;
    if (r->own.blocks == b)
        r->own.blocks = b->next;
}

/* Append the circular list `list` to `to`'s. */
static void blocks_splice(struct hic_region *to, struct hic_block *list)
{
    struct hic_block *head = to->own.blocks;
    if (!list)
        return;
    if (!head) {
        to->own.blocks = list;
        return;
    }
    struct hic_block *head_tail = head->prev, *list_tail = list->prev;
    head_tail->next = list;
    list->prev = head_tail;
    list_tail->next = head;
    head->prev = list_tail;
}

static void release_block(struct hic_block *b)
{
    if (b->kind == HIC_BLOCK_STRUCT) {
        unsigned steps = (unsigned)((b->size - HEADER_BYTES) / HIC_INLINE_STEP);
        b->next = regions.spare[steps];
        regions.spare[steps] = b;
        HIC_VG_NOACCESS(b + 1, b->size - sizeof *b);
        return;
    }
    hic_pool_put(b, b->size);
}

static void release_blocks(struct hic_region *r)
{
    struct hic_block *head = r->own.blocks;
    if (!head)
        return;
    struct hic_block *b = head;
    do {
        struct hic_block *next = b->next;
        release_block(b);
        b = next;
    } while (b != head);
}

/* ------------------------------------------------------------------------
 * The table */

/* A fresh struct in the dead state of a free slot (end_slot), but for its
 * id: count 0, no held id, no block, no chunk. The rest (bytes, the tail
 * word) is set when a region is born in it (`born`), or copied over by
 * hand_over_struct. */
static inline void zero_header(struct hic_region *r)
{
    _Static_assert(offsetof(struct hic_region, inline_chunk) == 64, "a field was added");
    r->cur = r->end = NULL;
    r->refs = 0;
    r->holds.len = 0;
    r->hold_log2 = 0;  /* inline_steps is set by new_struct */
    r->held.table = NULL;
    r->own.blocks = NULL;
}

static __attribute__((noinline)) void new_batch(void)
{
    regions.batch = hic_pool_get(STRUCT_BATCH);  /* the rest of the last one is lost */
    regions.batch_left = STRUCT_BATCH;
}

/* A struct with an inline chunk of `steps` steps. */
static inline __attribute__((always_inline)) struct hic_region *new_struct(unsigned steps)
{
    struct hic_region *r;
    size_t size = struct_size(steps);
    if (regions.spare[steps]) {
        r = (struct hic_region *)regions.spare[steps];
        regions.spare[steps] = regions.spare[steps]->next;
        HIC_VG_UNDEFINED(r, size);
    } else {
        if (__builtin_expect(regions.batch_left < size, 0))
            new_batch();
        r = (struct hic_region *)regions.batch;
        regions.batch += size;
        regions.batch_left -= size;
    }
    zero_header(r);  /* the inline chunk is for objects, uninitialized */
    r->inline_steps = (uint8_t)steps;
    return r;
}

void hic_regions_init(void)
{
    memset(&regions, 0, sizeof regions);
    regions.cap = 64;
    hic_region_table = hic_pool_get(regions.cap * sizeof *hic_region_table);
    regions.primitive.refs = 1;
    /* HELD, so that the inlined hold (codegen/regions.py) takes a store
     * into P to the runtime without a test of its own for id 0 */
    regions.primitive.flags = HIC_REGION_HELD;
    regions.primitive.inline_steps = DEFAULT_STEPS;  /* never used: P has no chunk */
    regions.p_store.inline_steps = DEFAULT_STEPS;
    regions.p_store.refs = 1;
    regions.p_store.next_class = FIRST_CLASS;
    hic_region_table[0] = &regions.primitive;
    regions.len = 1;
    hic_cycles_reset();
}

static void holds_forget(void);

/* After the pool is torn down: nothing here points anywhere any more. */
void hic_regions_forget(void)
{
    memset(&regions, 0, sizeof regions);
    holds_forget();
    hic_region_table = NULL;
}

static HIC_NORETURN __attribute__((noinline, cold)) void stale(uint64_t id, const char *what)
{
    if (SLOT(id) >= regions.len)
        hic_internal_error("stale region id #%u.%u (%s): no region was ever created in slot %u",
                           SLOT(id), GEN(id), what, SLOT(id));
    struct hic_region *r = hic_region_table[SLOT(id)];
    if (r->id == id)  /* right generation, count zero: queued to be freed */
        hic_internal_error("stale region id #%u.%u (%s): the region is being freed", SLOT(id),
                           GEN(id), what);
    hic_internal_error("stale region id #%u.%u (%s): the region was freed; its slot is at "
                       "generation %u",
                       SLOT(id), GEN(id), what, GEN(r->id));
}

/* The struct of a live region, or an internal error naming `what` was
 * being done: following a dead id would corrupt another region. */
static inline __attribute__((always_inline)) struct hic_region *live(uint64_t id, const char *what)
{
    if (__builtin_expect(SLOT(id) < regions.len, 1)) {
        struct hic_region *r = hic_region_table[SLOT(id)];
        if (__builtin_expect(r->id == id && r->refs > 0, 1))
            return r;
    }
    stale(id, what);
}

struct hic_region *hic_region_live(uint64_t id, const char *what)
{
    return live(id, what);
}

static void grow_table(void)
{
    if (regions.cap >= (1u << 31))
        hic_out_of_memory();  /* 2^32 - 1 live regions: the id has no more slots */
    uint32_t cap = regions.cap * 2;
    hic_region_table = hic_pool_grow(hic_region_table, regions.cap * sizeof *hic_region_table,
                                     cap * sizeof *hic_region_table);
    regions.cap = cap;
}

/* The table is full, or there is none yet (no hic_start: a test host). */
static __attribute__((noinline)) void table_room(void)
{
    if (!hic_region_table)
        hic_runtime_init(NULL);
    if (regions.len == regions.cap)
        grow_table();
}

/* The size class (log2) of a pool chunk of at least `bytes`. */
static unsigned class_for(uint64_t bytes)
{
    if (bytes <= ((uint64_t)1 << FIRST_CLASS))
        return FIRST_CLASS;
    return 64 - (unsigned)__builtin_clzll(bytes - 1);
}

uint64_t hic_region_new(void)
{
    return hic_region_new_sized(0);
}

/* A region is born in slot `r`, which is in the dead state (end_slot, or
 * new_struct's zeroes): its id is its next life's, its count 0, it holds
 * nothing and owns no block. What is left to set is the chunk, the count,
 * and the tail word. */
static inline __attribute__((always_inline)) uint64_t born(struct hic_region *r, unsigned steps,
                                                           unsigned next_class)
{
    char *chunk = r->inline_chunk;
    size_t bytes = (size_t)steps * HIC_INLINE_STEP;
    CHUNK_MARK(chunk, bytes, 0);
    r->cur = chunk;
    r->end = chunk + bytes;
    r->bytes_less_cur = -(uint64_t)(uintptr_t)chunk;  /* 0 bytes */
    r->refs = 1;
    /* next_class, color BLACK, no flags, never buffered */
    uint32_t tail = next_class;
    memcpy((char *)r + TAIL_OFFSET, &tail, sizeof tail);
    hic_counters.regions_created++;  /* live and peak: hic_regions_take_peak */
    return r->id;
}

static uint64_t room_then_new(unsigned steps, unsigned next_class);

/* A region in a new slot, with a struct whose inline chunk is `steps`
 * steps (no free slot of that size is left). When the table or the batch
 * of structs is full, room_then_new makes room and comes back, so that
 * this path calls nothing and needs no stack frame. */
static __attribute__((noinline)) uint64_t new_in_new_slot(unsigned steps, unsigned next_class)
{
    if (__builtin_expect(regions.len == regions.cap ||
                             (!regions.spare[steps] && regions.batch_left < struct_size(steps)),
                         0))
        return room_then_new(steps, next_class);
    uint32_t slot = regions.len;
    struct hic_region *r = new_struct(steps);
    r->id = slot;
    hic_region_table[slot] = r;
    regions.len++;
    return born(r, steps, next_class);
}

static __attribute__((noinline, cold)) uint64_t room_then_new(unsigned steps, unsigned next_class)
{
    if (regions.len == regions.cap)
        table_room();
    if (!regions.spare[steps] && regions.batch_left < struct_size(steps))
        new_batch();
    return new_in_new_slot(steps, next_class);
}

/* The region's inline chunk holds what the hint says, up to HIC_INLINE_MAX
 * (steps of HIC_INLINE_STEP); beyond that it is the default one and the
 * first pool chunk is sized for the rest. Unknown (0): the default. The
 * slot is the last one freed with that inline size, if any. */
uint64_t hic_region_new_sized(uint64_t bytes_hint)
{
    unsigned steps = DEFAULT_STEPS, next_class = FIRST_CLASS;
    if (__builtin_expect(bytes_hint - 1 < HIC_INLINE_MAX, 1)) {  /* 1 .. HIC_INLINE_MAX */
        steps = (unsigned)((bytes_hint + HIC_INLINE_STEP - 1) / HIC_INLINE_STEP);
    } else if (bytes_hint) {
        unsigned cls = class_for(BLOCK_HEADER + bytes_hint - HIC_INLINE_CHUNK);
        next_class = cls < LAST_CLASS ? cls : LAST_CLASS;
    }
    uint32_t slot = regions.free_head[steps];
    if (__builtin_expect(slot == 0, 0))
        return new_in_new_slot(steps, next_class);
    struct hic_region *r = hic_region_table[slot];
    uint32_t next = get_link(r);
    regions.free_head[steps] = next;
    /* The next region of this size will be born in that struct, which is
     * cold by then more often than not (a free slot's struct is touched by
     * nothing between its death and its reuse): fetch it now. Slot 0 ends
     * the list: P's struct, a harmless fetch. */
    __builtin_prefetch(hic_region_table[next], 1);
    return born(r, steps, next_class);
}

struct hic_region *hic_region_lookup(uint64_t id)
{
    return live(id, "look up");
}

/* The id dies: bump the generation now (not at reuse), so every copy of the
 * old id is stale from this moment; then the slot goes on the free list.
 * This leaves the slot in the dead state hic_region_new_sized counts on:
 * count 0 (the caller's: a release brought it there, or the collector
 * set it), no held id (the caller cleared them: hic_holds_clear), no block
 * (the caller gave them back), and cur == end == NULL, so an allocation
 * in a dead region takes the slow path, which reports it. The flags are
 * left as they were: creation clears them. */
static inline __attribute__((always_inline)) void end_slot(struct hic_region *r)
{
    uint64_t id = r->id;
    if (__builtin_expect(r->flags & HIC_REGION_CYCLIC, 0) && --regions.cyclic == 0)
        hic_cycle_marks.recheck = 0;
    r->cur = r->end = NULL;
    r->own.blocks = NULL;  /* or, merged, the forward id */
    CHUNK_MARK(r->inline_chunk, inline_bytes(r), 1);  /* its objects are dead */
    r->id = id + ((uint64_t)1 << 32);  /* the generation wraps after 2^32 lives of one slot */
    unsigned steps = r->inline_steps;
    set_link(r, regions.free_head[steps]);
    regions.free_head[steps] = SLOT(id);
}

/* Live regions only grow between frees, so their peak is taken before
 * each (and at the end, hic_stats_json): exact, and creating a region
 * counts it once. */
static inline void take_regions_peak(void)
{
    struct hic_counters *c = &hic_counters;
    c->regions_live = c->regions_created - c->regions_freed;
    if (c->regions_live > c->regions_peak)
        c->regions_peak = c->regions_live;
}

void hic_regions_take_peak(void)
{
    take_regions_peak();
}

/* ------------------------------------------------------------------------
 * Allocation */

/* Bump in another chunk from now on, the region's bytes unchanged. */
static void move_cur(struct hic_region *r, char *cur, char *end)
{
    uint64_t bytes = hic_region_bytes_of(r);
    r->cur = cur;
    r->end = end;
    r->bytes_less_cur = bytes - (uint64_t)(uintptr_t)cur;
}


/* The current chunk is full: start the next one (twice the last, or what
 * the object needs), or give a big object a block of its own and keep
 * bumping in the current one. Either way the region's bytes grow by
 * `step`. */
static void *bump_new_chunk(struct hic_region *r, uint64_t step)
{
    if (step > OWN_CHUNK_OVER) {
        struct hic_block *b = hic_pool_get(BLOCK_HEADER + step);
        b->size = BLOCK_HEADER + step;
        b->kind = HIC_BLOCK_CHUNK;
        blocks_push(r, b);
        r->bytes_less_cur += step;  /* `cur` stays where it was */
        return b + 1;
    }
    unsigned cls = class_for(BLOCK_HEADER + step);
    if (cls < r->next_class)
        cls = r->next_class;
    uint64_t size = (uint64_t)1 << cls;
    struct hic_block *b = hic_pool_get(size);
    b->size = size;
    b->kind = HIC_BLOCK_CHUNK;
    blocks_push(r, b);
    move_cur(r, (char *)(b + 1) + step, (char *)b + size);
    r->bytes_less_cur += step;  /* the object bumped into the new chunk */
    r->next_class = cls < LAST_CLASS ? cls + 1 : LAST_CLASS;
    return b + 1;
}

/* `step` more bytes in `r`: the region's bytes grow by `step`. */
static void *bump(struct hic_region *r, uint64_t step)
{
    char *p = r->cur;
    if (step <= (uint64_t)((uintptr_t)r->end - (uintptr_t)p)) {
        r->cur = p + step;
        return p;
    }
    return bump_new_chunk(r, step);
}

/* The region that owns what is allocated in or stored into `r`: `r`, or
 * the end of its chain of merges. Every region on the chain is live: a
 * merged region holds a reference on the one it was merged into. */
static struct hic_region *owner_of(struct hic_region *r, const char *what)
{
    while (r->flags & HIC_REGION_MERGED)
        r = live(r->own.forward, what);
    return r;
}

/* `size` bytes in `r` (or the region that owns its objects), in the
 * region's bytes from now on; counted in the figures as an object when
 * `counted`, else left for the caller to count (hic_region_reserve). */
static void *alloc_in(struct hic_region *r, uint64_t size, int counted)
{
    if (__builtin_expect(r->refs <= 0, 0))
        hic_internal_error("allocation in a region that is not live (slot %u)", SLOT(r->id));
    r = owner_of(r, "allocate in");
    if (size > MAX_OBJECT)
        hic_out_of_memory();
    uint64_t step = size ? HIC_ROUND8(size) : 8;
    if (r == &regions.primitive) {
        void *p = bump(&regions.p_store, step);
        hic_counters.allocs += (uint64_t)counted;
        return p;
    }
    void *p = bump(r, step);
    r->bytes_less_cur -= step - size;  /* bytes count the size asked for */
    if (counted) {
        hic_counters.allocs += 1;
        hic_counters.bytes_allocated += size;
        HIC_PROFILED(hic_profile_alloc(r, size));
    }
    return p;
}

void *hic_alloc_slow(struct hic_region *r, uint64_t size)
{
    return alloc_in(r, size, 1);
}

void *hic_region_reserve(struct hic_region *r, uint64_t size)
{
    if (r == &regions.primitive)
        return NULL;  /* the caller allocates the object when it makes it */
    return alloc_in(r, size, 0);
}

void *hic_region_alloc(struct hic_region *r, uint64_t size)
{
    return hic_alloc(r, size);
}

void *hic_alloc_in(uint64_t id, uint64_t size)
{
    return hic_alloc(live(id, "allocate in"), size);
}

/* Memory no engine counts, neither as an object nor as bytes: main's args,
 * which exist before the program runs (start.c). */
void *hic_alloc_uncounted(struct hic_region *r, uint64_t size)
{
    r = owner_of(r, "allocate in");
    uint64_t step = size ? HIC_ROUND8(size) : 8;
    void *p = bump(r, step);
    r->bytes_less_cur -= step;  /* bump counted them */
    return p;
}

/* ------------------------------------------------------------------------
 * Container storage: blocks of their own, so a replaced one can go back to
 * the pool at once (docs/lolang.md section 9). P's are never reclaimed. */

static void *storage_block(struct hic_region *r, uint64_t size, uint32_t kind)
{
    struct hic_block *b = hic_pool_get(BLOCK_HEADER + size);
    b->size = BLOCK_HEADER + size;
    b->kind = kind;
    b->site = 0;
    blocks_push(r, b);
    return b + 1;
}

void *hic_storage_alloc(struct hic_region *r, uint64_t size)
{
    if (__builtin_expect(r->refs <= 0, 0))
        hic_internal_error("storage in a region that is not live (slot %u)", SLOT(r->id));
    r = owner_of(r, "allocate storage in");
    if (size == 0 || size > MAX_OBJECT)
        hic_out_of_memory();
    if (r == &regions.primitive)
        return bump(&regions.p_store, HIC_ROUND8(size));
    r->bytes_less_cur += size;
    hic_counters.bytes_allocated += size;
    struct hic_block *b = (struct hic_block *)storage_block(r, size, HIC_BLOCK_STORAGE) - 1;
    HIC_PROFILED(b->site = hic_profile_storage(r, size));
    return b + 1;
}

/* main's args (start.c): storage that can be replaced like any other
 * (a push onto args), but whose bytes no engine counts. */
void *hic_storage_alloc_uncounted(struct hic_region *r, uint64_t size)
{
    return storage_block(owner_of(r, "allocate storage in"), size, HIC_BLOCK_UNCOUNTED);
}

static inline void take_bytes_peak(void)
{
    struct hic_counters *c = &hic_counters;
    uint64_t live_bytes = c->bytes_allocated - c->bytes_freed;
    if (live_bytes > c->bytes_peak) {
        c->bytes_peak = live_bytes;
        HIC_PROFILED(hic_profile_peak(live_bytes));
    }
}

void hic_take_bytes_peak(void)
{
    take_bytes_peak();
}

void hic_storage_free(struct hic_region *r, void *storage, uint64_t size)
{
    r = owner_of(r, "free storage in");
    if (r == &regions.primitive || !storage)
        return;
    struct hic_block *b = (struct hic_block *)storage - 1;
    int counted = b->kind == HIC_BLOCK_STORAGE;
    if ((!counted && b->kind != HIC_BLOCK_UNCOUNTED) || b->size != BLOCK_HEADER + size)
        hic_internal_error("storage of %llu bytes (kind %u) freed as %llu",
                           (unsigned long long)(b->size - BLOCK_HEADER), (unsigned)b->kind,
                           (unsigned long long)size);
    if (counted) {
        hic_take_bytes_peak();
        hic_counters.bytes_freed += size;
        r->bytes_less_cur -= size;
        HIC_PROFILED(hic_profile_storage_freed(r, b->site, size));
    }
    blocks_unlink(r, b);
    hic_pool_put(b, b->size);
}

/* ------------------------------------------------------------------------
 * Held packs: per region, a multiset of region ids. Up to two distinct ids
 * sit in the struct; a third moves them all into an open-addressing table
 * (linear probing, at most half full, backward-shift deletion so no
 * tombstones pile up under store/overwrite churn). */

/* An id's home slot: the id mixed by MurmurHash3's finalizer halves. A
 * plain multiply-shift is linear in slot and generation, and the ids an
 * array of tasks holds then pile into long probe runs (docs/runtime.md). */
static uint32_t hold_home(uint64_t id, uint32_t cap)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (uint32_t)id & (cap - 1);
}

static void table_put_new(struct hic_hold *t, uint32_t cap, uint64_t id, uint64_t count)
{
    uint32_t i = hold_home(id, cap);
    while (t[i].id)
        i = (i + 1) & (cap - 1);
    t[i].id = id;
    t[i].count = count;
}

/* Hold tables given back by a walk that emptied every entry (a table
 * outgrown, or its region freed), by capacity (log2): all zeroes but the
 * link in the first entry's id, so the next table of that size needs no
 * memset. A queue copied into a fresh array grows a table of thousands of
 * entries from 8 each time, and zeroing each new table cold was 8% of
 * work_queue's instructions. At most ZEROED_BYTES are kept this way; the
 * rest goes back to the pool. */
#define ZEROED_BYTES ((uint64_t)4 << 20)
static struct {
    struct hic_hold *head[32];
    uint64_t bytes;
} zeroed;

/* A zeroed table of `cap` entries. */
static struct hic_hold *zeroed_table(uint32_t cap)
{
    unsigned k = (unsigned)__builtin_ctz(cap);
    struct hic_hold *t = zeroed.head[k];
    if (t) {
        zeroed.head[k] = (struct hic_hold *)(uintptr_t)t->id;
        t->id = 0;
        zeroed.bytes -= cap * sizeof *t;
        return t;
    }
    t = hic_pool_get(cap * sizeof *t);
    memset(t, 0, cap * sizeof *t);
    return t;
}

/* Table `t` of `cap` entries, every entry zero now, is no longer used. */
static void table_done_zeroed(struct hic_hold *t, uint32_t cap)
{
    if (zeroed.bytes + cap * sizeof *t > ZEROED_BYTES) {
        hic_pool_put(t, cap * sizeof *t);
        return;
    }
    unsigned k = (unsigned)__builtin_ctz(cap);
    t->id = (uint64_t)(uintptr_t)zeroed.head[k];
    zeroed.head[k] = t;
    zeroed.bytes += cap * sizeof *t;
}

/* The pool is torn down: the kept tables went with it. */
static void holds_forget(void)
{
    memset(&zeroed, 0, sizeof zeroed);
}

/* Double the table, or move the inline entries into a first one. */
static void table_grow(struct hic_region *r)
{
    uint32_t old_cap = hic_hold_cap(r);
    if (old_cap >= (1u << 30))
        hic_out_of_memory();
    uint32_t cap = old_cap ? old_cap * 2 : FIRST_HOLD_TABLE;
    struct hic_hold *t = zeroed_table(cap);
    if (old_cap) {  /* the old table's entries, walked directly, emptied as they move */
        struct hic_hold *old = r->held.table;
        for (uint32_t j = 0; j < old_cap; j++)
            if (old[j].id) {
                table_put_new(t, cap, old[j].id, old[j].count);
                old[j].id = 0;
                old[j].count = 0;
            }
        table_done_zeroed(old, old_cap);
    } else {  /* the inline places: a held region is live, its slot gives its id */
        uint32_t len = 0;
        for (int k = 0; k < HIC_INLINE_HOLDS; k++)
            if (r->holds.counts[k]) {
                table_put_new(t, cap, hic_region_table[r->held.slots[k]]->id,
                              r->holds.counts[k]);
                len++;
            }
        r->holds.len = len;
    }
    r->held.table = t;
    r->hold_log2 = (uint8_t)__builtin_ctz(cap);
}

static void hold_add(struct hic_region *r, uint64_t id, uint64_t n)
{
    if (!r->hold_log2) {
        for (int k = 0; k < HIC_INLINE_HOLDS; k++)
            if (r->held.slots[k] == SLOT(id)) {
                if (r->holds.counts[k] + n > UINT16_MAX)
                    goto grow;  /* a count beyond 16 bits */
                r->holds.counts[k] += (uint16_t)n;
                return;
            }
        for (int k = 0; k < HIC_INLINE_HOLDS; k++)
            if (!r->held.slots[k] && n <= UINT16_MAX) {
                r->held.slots[k] = SLOT(id);
                r->holds.counts[k] = (uint16_t)n;
                return;
            }
    grow:
        table_grow(r);  /* a third id, or a count beyond 16 bits */
    }
    if ((r->holds.len + 1) * 2 > hic_hold_cap(r))
        table_grow(r);
    struct hic_hold *t = r->held.table;
    uint32_t cap = hic_hold_cap(r), mask = cap - 1;
    uint32_t i = hold_home(id, cap);
    while (t[i].id) {
        if (t[i].id == id) {
            t[i].count += n;
            return;
        }
        i = (i + 1) & mask;
    }
    t[i].id = id;
    t[i].count = n;
    r->holds.len++;
}

/* Remove one occurrence of `id`; 0 if there was none. */
static int hold_remove(struct hic_region *r, uint64_t id)
{
    if (!r->hold_log2) {
        for (int k = 0; k < HIC_INLINE_HOLDS; k++)
            if (r->holds.counts[k] && r->held.slots[k] == SLOT(id)) {
                if (--r->holds.counts[k] == 0) {
                    /* the last one moves into the hole: the empty places
                     * are always the last ones (hic_region_hold) */
                    int last = HIC_INLINE_HOLDS - 1;
                    r->held.slots[k] = r->held.slots[last];
                    r->holds.counts[k] = r->holds.counts[last];
                    r->held.slots[last] = 0;
                    r->holds.counts[last] = 0;
                }
                return 1;
            }
        return 0;
    }
    struct hic_hold *t = r->held.table;
    uint32_t cap = hic_hold_cap(r), mask = cap - 1;
    uint32_t i = hold_home(id, cap);
    while (t[i].id != id) {
        if (!t[i].id)
            return 0;
        i = (i + 1) & mask;
    }
    if (--t[i].count)
        return 1;
    /* Shift later members of the probe run back into the hole, as long as
     * that does not move one before its home slot. */
    for (uint32_t j = (i + 1) & mask; t[j].id; j = (j + 1) & mask) {
        uint32_t home = hold_home(t[j].id, cap);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t[i] = t[j];
            i = j;
        }
    }
    t[i].id = 0;
    t[i].count = 0;
    r->holds.len--;
    return 1;
}

static uint64_t hold_count(const struct hic_region *r, uint64_t id)
{
    uint32_t i = 0;
    uint64_t held, n;
    while (hic_hold_next(r, &i, &held, &n))
        if (held == id)
            return n;
    return 0;
}

/* Which regions may be on a cycle of the region graph (cycles.c). Take,
 * among the edges of a cycle as it stands, the one that was added last:
 * when it was, the others were there already, so its owner was held by
 * the region before it on the cycle. Hence every cycle has a region that
 * received a pack while a pack of it was held somewhere: CYCLIC. A graph
 * built bottom-up (a persistent tree, each node's region filled before a
 * pack of it is stored anywhere) never has one, and the collector then
 * knows, without tracing, that there is nothing to collect. */
static void mark_cyclic(struct hic_region *r)
{
    if (!(r->flags & HIC_REGION_CYCLIC)) {
        r->flags |= HIC_REGION_CYCLIC;
        regions.cyclic++;
        hic_cycle_marks.recheck = HIC_REGION_UNKEPT;  /* an UNKEPT candidate's id is wanted now */
    }
}

/* The edge owner -> held is added (or made heavier). */
static void note_edge(struct hic_region *owner, struct hic_region *held)
{
    held->flags |= HIC_REGION_HELD;
    if (owner->flags & HIC_REGION_HELD)
        mark_cyclic(owner);
}

uint64_t hic_regions_cyclic(void)
{
    return regions.cyclic;
}

void hic_regions_clear_buffered(void)
{
    for (uint32_t slot = 1; slot < regions.len; slot++)
        hic_region_table[slot]->buffered = 0;
}

void hic_region_hold_n(uint64_t owner, uint64_t held, uint64_t n)
{
    if (held == HIC_PRIMITIVE || n == 0)
        return;
    if (owner == HIC_PRIMITIVE)
        hic_internal_error("a pack of region #%u.%u stored into the primitive region",
                           SLOT(held), GEN(held));
    struct hic_region *o = owner_of(live(owner, "store a pack into"), "store a pack into");
    note_edge(o, live(held, "store a pack of"));
    hold_add(o, held, n);
}

static __attribute__((noinline)) void hold_slow(struct hic_region *o, struct hic_region *h,
                                                uint64_t held)
{
    o = owner_of(o, "store a pack into");
    note_edge(o, h);
    hold_add(o, held, 1);
}

/* hic_region_hold_n(owner, held, 1), the store generated code makes for
 * each pack field of a new object, straight through when the owner is
 * not merged and not held (no edge can close a cycle) and the held id
 * finds its place inline: one check of each id, no call; or, such an
 * owner with a hold table (an array of packs: the calls of hic.hold that
 * reach the runtime), straight into the table. The inline
 * places are filled in order and emptied from the end (hold_remove), so
 * the first empty one ends the ids.
 * codegen/regions.py's hic.hold is the same path. */
void hic_region_hold(uint64_t owner, uint64_t held)
{
    if (held == HIC_PRIMITIVE || owner == HIC_PRIMITIVE) {
        hic_region_hold_n(owner, held, 1);
        return;
    }
    struct hic_region *o = live(owner, "store a pack into");
    struct hic_region *h = live(held, "store a pack of");
    /* a pack of the owner itself closes a cycle at once: hold_slow marks it CYCLIC */
    if (__builtin_expect(!(o->flags & (HIC_REGION_MERGED | HIC_REGION_HELD)) && o != h, 1)) {
        if (o->hold_log2) {  /* a hold table (an array of packs): straight into it */
            h->flags |= HIC_REGION_HELD;
            hold_add(o, held, 1);
            return;
        }
        for (int k = 0; k < HIC_INLINE_HOLDS; k++) {
            uint32_t slot = o->held.slots[k];
            if (slot == SLOT(held)) {
                if (o->holds.counts[k] == UINT16_MAX)
                    break;
                h->flags |= HIC_REGION_HELD;
                o->holds.counts[k]++;
                return;
            }
            if (!slot) {
                h->flags |= HIC_REGION_HELD;
                o->held.slots[k] = SLOT(held);
                o->holds.counts[k] = 1;
                return;
            }
        }
    }
    hold_slow(o, h, held);
}

void hic_region_unhold(uint64_t owner, uint64_t held)
{
    if (held == HIC_PRIMITIVE || owner == HIC_PRIMITIVE)
        return;
    struct hic_region *o = owner_of(live(owner, "take a pack out of"), "take a pack out of");
    if (!hold_remove(o, held))
        hic_internal_error("region #%u.%u does not hold a pack of #%u.%u", SLOT(owner),
                           GEN(owner), SLOT(held), GEN(held));
}

/* The new pack is recorded before the old one is released, in this order
 * in both engines (lolang/interp/regions.py `replace`): the collector may
 * run inside the release and must see the same graph. */
void hic_region_replace(uint64_t owner, uint64_t held, uint64_t old_held)
{
    hic_region_hold_n(owner, held, 1);
    if (old_held != HIC_PRIMITIVE) {
        hic_region_unhold(owner, old_held);
        hic_release(old_held);
    }
}

/* ------------------------------------------------------------------------
 * Reference counts and freeing */

void hic_retain(uint64_t id)
{
    if (id == HIC_PRIMITIVE)
        return;
    live(id, "retain")->refs++;
    hic_counters.retains++;
}

void hic_retain_n(uint64_t id, uint64_t n)
{
    if (id == HIC_PRIMITIVE || n == 0)
        return;
    struct hic_region *r = live(id, "retain");
    if (n > (uint64_t)(INT32_MAX - r->refs))
        hic_out_of_memory();  /* 2^31 references: as many packs are 32 GiB */
    r->refs += (int32_t)n;
    hic_counters.retains += n;
}

/* Take the peaks of live bytes and live regions: before a batch of frees
 * (a cascade, the collector's), since both only grow between frees. */
static inline void take_peaks(void)
{
    take_bytes_peak();
    take_regions_peak();
}

/* Free one region: its bytes leave the live count, its blocks go back to
 * the pool, its slot dies. What it held is the caller's to release first
 * (release_held, or the collector's), its hold table the caller's to give
 * back, and the peaks the caller's to take before the batch. */
static inline __attribute__((always_inline)) void free_one(struct hic_region *r)
{
    struct hic_counters *c = &hic_counters;
    c->bytes_freed += hic_region_bytes_of(r);
    c->regions_freed++;
    HIC_PROFILED(hic_profile_freed(r));
    if (r->own.blocks && !(r->flags & HIC_REGION_MERGED))
        release_blocks(r);
    end_slot(r);
}

/* A release left `r` alive while it holds packs: a candidate of the cycle
 * collector, unless it is one already (cycles.c). */
static inline int buffer_candidate(struct hic_region *r)
{
    if (__builtin_expect(r->buffered == hic_cycle_marks.round, 1)) {
        if (__builtin_expect(r->flags & hic_cycle_marks.recheck, 0))
            hic_cycles_keep(r);  /* UNKEPT, and now there may be a cycle */
        return 0;
    }
    r->buffered = hic_cycle_marks.round;
    hic_cycles_due.count++;
    if (regions.cyclic)
        hic_cycles_keep(r);
    else
        r->flags |= HIC_REGION_UNKEPT;  /* cycles.c, hic_cycles_keep */
    return 1;
}

/* After a release that buffered a new candidate: collect if enough have
 * gathered or live bytes grew enough (cycles.c). */
static inline void maybe_collect(void)
{
    const struct hic_counters *c = &hic_counters;
    if (hic_cycles_due.count >= hic_cycles_due.threshold ||
        c->bytes_allocated - c->bytes_freed >= hic_cycles_due.bytes_trigger)
        hic_cycles_collect_now();
}

/* One pack of `id` released `n` times by a freed region: a region whose
 * count reaches zero goes on the worklist `*todo`, one left alive that
 * holds packs is a candidate. Whether a new candidate was buffered. A
 * held id was live when it was stored, so its slot exists: the check is
 * the count's, and the generation's when `id` is a whole id (from a hold
 * table), not a slot (an inline place: `whole` 0). */
static inline __attribute__((always_inline)) int release_one_held(struct hic_region **table,
                                                                  uint64_t id, int whole,
                                                                  uint64_t n, uint32_t *todo)
{
    uint32_t slot = SLOT(id);
    struct hic_region *h = table[slot];
    if (__builtin_expect((whole && h->id != id) || (int64_t)h->refs < (int64_t)n, 0)) {
        if (!whole)
            id = h->id;
        if (h->id != id || h->refs <= 0)
            stale(id, "release a pack held by a freed region");
        hic_internal_error("region #%u.%u released more often than retained", SLOT(id),
                           GEN(id));
    }
    hic_counters.releases += n;
    h->refs -= (int32_t)n;
    if (h->refs == 0) {
        set_link(h, *todo);
        *todo = slot;
        return 0;
    }
    return h->holds.len ? buffer_candidate(h) : 0;
}

/* `r`, whose count reached zero, releases every pack it holds and forgets
 * them. Whether a new candidate was buffered. */
static int release_held_table(struct hic_region *r, uint32_t *todo)
{
    int buffered = 0;
    struct hic_hold *t = r->held.table;
    uint32_t cap = hic_hold_cap(r);
    for (uint32_t j = 0; j < cap; j++)  /* each entry emptied as it is released */
        if (t[j].id) {
            uint64_t id = t[j].id, n = t[j].count;
            t[j].id = 0;
            t[j].count = 0;
            buffered |= release_one_held(hic_region_table, id, 1, n, todo);
        }
    r->hold_log2 = 0;  /* hic_holds_clear, but the table is kept zeroed */
    r->holds.len = 0;
    r->held.table = NULL;
    table_done_zeroed(t, cap);
    return buffered;
}

/* The same for ids held inline (the common case: a node's 1 or 2 children),
 * straight through. `r` holds something, so its first place is taken (the
 * places fill in order and empty from the end: hic_region_hold); an empty
 * second place is slot 0, P, whose release of 0 references changes nothing. */
static inline __attribute__((always_inline)) int release_held_inline(struct hic_region **table,
                                                                     struct hic_region *r,
                                                                     uint32_t *todo)
{
    _Static_assert(HIC_INLINE_HOLDS == 2, "two inline places");
    uint32_t s0 = r->held.slots[0], s1 = r->held.slots[1];
    uint32_t n0 = r->holds.counts[0], n1 = r->holds.counts[1];
    r->held.table = NULL;
    r->holds.len = 0;
    int buffered = release_one_held(table, s0, 0, n0, todo);
    return buffered | release_one_held(table, s1, 0, n1, todo);
}

/* The worklist of regions whose count reached zero is threaded through
 * their `link` fields by slot (P's slot 0 ends it: P is never freed).
 * Then, if a new candidate was buffered, a collection if one is due. */
static __attribute__((noinline)) void free_cascade(struct hic_region *first)
{
    int buffered = 0;
    take_peaks();
    set_link(first, 0);
    uint32_t todo = SLOT(first->id);
    struct hic_region **table = hic_region_table;  /* no region is created meanwhile */
    do {
        struct hic_region *r = table[todo];
        todo = get_link(r);  /* its count stays <= 0: dead to every check */
        if (__builtin_expect(r->hold_log2 != 0, 0))
            buffered |= release_held_table(r, &todo);
        else if (r->holds.len)
            buffered |= release_held_inline(table, r, &todo);
        free_one(r);
    } while (todo);
    if (buffered)
        maybe_collect();
}

/* A release left `r` alive while it holds packs (out of line: the
 * release then needs no stack frame of its own). */
static __attribute__((noinline)) void left_holding(struct hic_region *r)
{
    if (buffer_candidate(r))
        maybe_collect();
}

void hic_release(uint64_t id)
{
    if (id == HIC_PRIMITIVE)
        return;
    struct hic_region *r = live(id, "release");
    hic_counters.releases++;
    if (--r->refs == 0)
        free_cascade(r);
    else if (r->holds.len)
        left_holding(r);
}

void hic_regions_free_collected(const uint64_t *slots, uint64_t n)
{
    take_peaks();
    for (uint64_t k = 0; k < n; k++) {
        struct hic_region *r = hic_region_table[slots[k]];
        uint32_t i = 0;
        uint64_t id, count;
        while (hic_hold_next(r, &i, &id, &count))
            hic_counters.releases += count;
        hic_holds_clear(r);
        r->refs = 0;
        free_one(r);
        hic_counters.regions_collected++;
    }
}

/* ------------------------------------------------------------------------
 * Merging */

/* Every id `from` holds, added to `to`'s multiset. */
static void add_holds(struct hic_region *to, const struct hic_region *from)
{
    uint32_t i = 0;
    uint64_t id, n;
    while (hic_hold_next(from, &i, &id, &n))
        hold_add(to, id, n);
}

/* The child has objects in its inline chunk, which now belong to `owner`
 * and must live as long as it: its struct memory becomes a block of
 * `owner`, and the slot gets a fresh struct with the same state (generated
 * code never keeps a struct pointer across a merge). */
static struct hic_region *hand_over_struct(struct hic_region *c, struct hic_region *owner)
{
    struct hic_region *fresh = new_struct(1);  /* its inline chunk is never used */
    memcpy(fresh, c, HEADER_BYTES);
    fresh->inline_steps = 1;
    hic_region_table[SLOT(c->id)] = fresh;
    size_t size = struct_size(c->inline_steps);
    struct hic_block *b = (struct hic_block *)c;
    b->size = size;
    b->kind = HIC_BLOCK_STRUCT;
    blocks_push(owner, b);
    return fresh;
}

void hic_region_merge(uint64_t child, uint64_t parent)
{
    struct hic_region *c = live(child, "merge");
    if (c->flags & HIC_REGION_MERGED)
        hic_internal_error("merge region #%u.%u: it was merged already", SLOT(child),
                           GEN(child));
    struct hic_region *p = owner_of(live(parent, "merge into"), "merge into");
    if (p == c || child == HIC_PRIMITIVE || parent == HIC_PRIMITIVE)
        hic_internal_error("cannot merge region #%u.%u into #%u.%u", SLOT(child), GEN(child),
                           SLOT(parent), GEN(parent));
    char *c_cur = c->cur, *c_end = c->end;
    if (c_cur != c->inline_chunk)  /* something was allocated */
        c = hand_over_struct(c, p);
    p->bytes_less_cur += hic_region_bytes_of(c);
    c->bytes_less_cur = -(uint64_t)(uintptr_t)c->cur;  /* 0 bytes */
    HIC_PROFILED(hic_profile_merged(c, p));
    blocks_splice(p, c->own.blocks);
    c->own.blocks = NULL;
    /* Keep bumping in whichever current chunk has more room left (never
     * the child's own inline chunk: its struct stays the child's). */
    if (c_cur != c->inline_chunk &&
        (uintptr_t)c_end - (uintptr_t)c_cur > (uintptr_t)p->end - (uintptr_t)p->cur)
        move_cur(p, c_cur, c_end);
    if (c->next_class > p->next_class)
        p->next_class = c->next_class;
    move_cur(c, NULL, NULL);  /* every allocation in c now takes the slow path */
    if (c->holds.len) {  /* edges of p now, new ones (a cycle may run through them) */
        p->flags |= HIC_REGION_HELD;
        mark_cyclic(p);
    }
    add_holds(p, c);
    hic_holds_clear(c);
    /* The child's one reference on the parent: a counted retain, recorded
     * as a pack the child holds, so freeing the child releases it. */
    hic_retain(parent);
    note_edge(c, live(parent, "merge into"));
    mark_cyclic(c);
    hold_add(c, parent, 1);
    c->own.forward = parent;
    c->flags |= HIC_REGION_MERGED;
}

/* ------------------------------------------------------------------------
 * Introspection */

int32_t hic_region_is_live(uint64_t id)
{
    if (SLOT(id) >= regions.len)
        return 0;
    struct hic_region *r = hic_region_table[SLOT(id)];
    return r->id == id && r->refs > 0;
}

int64_t hic_region_refs(uint64_t id)
{
    return live(id, "read the count of")->refs;
}

uint64_t hic_region_bytes(uint64_t id)
{
    return hic_region_bytes_of(live(id, "read the size of"));
}

static uint64_t count_blocks(uint64_t id, uint32_t kind)
{
    struct hic_region *r = live(id, "count the blocks of");
    if (r->flags & HIC_REGION_MERGED || !r->own.blocks)
        return 0;
    uint64_t n = 0;
    struct hic_block *b = r->own.blocks;
    do {
        n += b->kind == kind;
        b = b->next;
    } while (b != r->own.blocks);
    return n;
}

uint64_t hic_region_chunk_count(uint64_t id)
{
    return count_blocks(id, HIC_BLOCK_CHUNK);
}

uint64_t hic_region_storage_count(uint64_t id)
{
    return count_blocks(id, HIC_BLOCK_STORAGE);
}

uint64_t hic_region_held(uint64_t owner, uint64_t held)
{
    return hold_count(live(owner, "read the packs of"), held);
}
