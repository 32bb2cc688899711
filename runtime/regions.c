/* regions.c -- the region table, allocation, reference counts, held packs,
 * merging.
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
 *   `forward` names the region it was merged into, and allocations and
 *   stored packs follow `forward` to the region that owns them now.
 *
 * Freeing cascades through held packs on an explicit worklist threaded
 * through the region structs, so a chain of a million regions frees in
 * constant C stack and without allocating.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

struct hic_counters hic_counters;
struct hic_region **hic_region_table;

/* A region's first chunk is 64 bytes (48 usable): the naive lowering gives
 * every object a region of its own, so small regions must stay small.
 * Chunks double from there up to 256 KiB; an object over 64 KiB gets a
 * chunk of its own so it never strands a mostly empty chunk. */
#define FIRST_CLASS 6
#define LAST_CLASS 18
#define OWN_CHUNK_OVER ((uint64_t)64 << 10)
#define CHUNK_HEADER ((uint64_t)sizeof(struct hic_chunk))
#define MAX_OBJECT ((uint64_t)1 << 62)

/* Region structs are carved from 64 KiB batches: they live as long as their
 * slot, that is, until teardown, and a pool block each would round 80
 * bytes up to 128. */
#define STRUCT_BATCH ((size_t)64 << 10)

static struct {
    struct hic_region *batch;   /* unused structs of the current batch */
    uint32_t batch_left;
    uint32_t len;               /* slots minted so far, P's included */
    uint32_t cap;               /* capacity of hic_region_table */
    uint32_t free_head;         /* LIFO list of free slots; 0: none (P is never free) */
    struct hic_region primitive;/* slot 0. cur == end == NULL, so P always takes the slow path */
    struct hic_region p_store;  /* ... which bumps here, where no byte is counted */
} regions;

/* ------------------------------------------------------------------------
 * The table */

void hic_regions_init(void)
{
    memset(&regions, 0, sizeof regions);
    regions.cap = 64;
    hic_region_table = hic_pool_get(regions.cap * sizeof *hic_region_table);
    regions.primitive.refs = 1;
    regions.p_store.refs = 1;
    regions.p_store.next_class = FIRST_CLASS;
    hic_region_table[0] = &regions.primitive;
    regions.len = 1;
}

/* After the pool is torn down: nothing here points anywhere any more. */
void hic_regions_forget(void)
{
    memset(&regions, 0, sizeof regions);
    hic_region_table = NULL;
}

#define SLOT(id) ((unsigned)(uint32_t)(id))
#define GEN(id) ((unsigned)((id) >> 32))

static HIC_NORETURN void stale(uint64_t id, const char *what)
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
static struct hic_region *live(uint64_t id, const char *what)
{
    if (__builtin_expect(SLOT(id) < regions.len, 1)) {
        struct hic_region *r = hic_region_table[SLOT(id)];
        if (__builtin_expect(r->id == id && r->refs > 0, 1))
            return r;
    }
    stale(id, what);
}

static void grow_table(void)
{
    if (regions.cap >= (1u << 31))
        hic_out_of_memory();  /* 2^32 - 1 live regions: the id has no more slots */
    uint32_t cap = regions.cap * 2;
    struct hic_region **table = hic_pool_get(cap * sizeof *table);
    memcpy(table, hic_region_table, regions.len * sizeof *table);
    hic_pool_put(hic_region_table, regions.cap * sizeof *table);
    hic_region_table = table;
    regions.cap = cap;
}

uint64_t hic_region_new(void)
{
    if (!hic_region_table)
        hic_runtime_init(NULL);
    struct hic_region *r;
    uint32_t slot = regions.free_head;
    if (slot) {
        r = hic_region_table[slot];
        regions.free_head = r->link;
    } else {
        if (regions.len == regions.cap)
            grow_table();
        slot = regions.len;
        if (!regions.batch_left) {
            regions.batch = hic_pool_get(STRUCT_BATCH);
            regions.batch_left = STRUCT_BATCH / sizeof *r;
        }
        r = regions.batch++;
        regions.batch_left--;
        memset(r, 0, sizeof *r);
        r->id = slot;
        hic_region_table[slot] = r;
        regions.len++;
    }
    r->refs = 1;
    r->next_class = FIRST_CLASS;
    hic_counters.regions_created++;
    if (++hic_counters.regions_live > hic_counters.regions_peak)
        hic_counters.regions_peak = hic_counters.regions_live;
    return r->id;
}

struct hic_region *hic_region_lookup(uint64_t id)
{
    return live(id, "look up");
}

/* The id dies: bump the generation now (not at reuse), so every copy of the
 * old id is stale from this moment; then the slot goes on the free list. */
static void end_slot(struct hic_region *r)
{
    uint32_t slot = SLOT(r->id);
    uint32_t gen = GEN(r->id) + 1;  /* wraps after 2^32 lives of one slot */
    memset(r, 0, sizeof *r);
    r->id = (uint64_t)gen << 32 | slot;
    r->link = regions.free_head;
    regions.free_head = slot;
    hic_counters.regions_live--;
}

/* ------------------------------------------------------------------------
 * Allocation */

static unsigned class_for(uint64_t bytes)
{
    if (bytes <= ((uint64_t)1 << FIRST_CLASS))
        return FIRST_CLASS;
    return 64 - (unsigned)__builtin_clzll(bytes - 1);
}

static void link_chunk(struct hic_region *r, struct hic_chunk *c, uint64_t size)
{
    c->size = size;
    c->next = r->chunks;
    r->chunks = c;
    if (!r->last)
        r->last = c;
}

/* The current chunk is full: start the next one (twice the last, or what
 * the object needs), or give a big object a chunk of its own and keep
 * bumping in the current one. */
static void *bump_new_chunk(struct hic_region *r, uint64_t step)
{
    if (step > OWN_CHUNK_OVER) {
        struct hic_chunk *c = hic_pool_get(CHUNK_HEADER + step);
        link_chunk(r, c, CHUNK_HEADER + step);
        return c + 1;
    }
    unsigned cls = class_for(CHUNK_HEADER + step);
    if (cls < r->next_class)
        cls = r->next_class;
    uint64_t size = (uint64_t)1 << cls;
    struct hic_chunk *c = hic_pool_get(size);
    link_chunk(r, c, size);
    r->cur = (char *)(c + 1) + step;
    r->end = (char *)c + size;
    r->next_class = cls < LAST_CLASS ? cls + 1 : LAST_CLASS;
    return c + 1;
}

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
    while (r->forward)
        r = live(r->forward, what);
    return r;
}

static void *alloc_in(struct hic_region *r, uint64_t size, int object)
{
    if (__builtin_expect(r->refs <= 0, 0))
        hic_internal_error("allocation in a region that is not live (slot %u)", SLOT(r->id));
    r = owner_of(r, "allocate in");
    if (size > MAX_OBJECT)
        hic_out_of_memory();
    uint64_t step = size ? HIC_ROUND8(size) : 8;
    if (r == &regions.primitive) {
        void *p = bump(&regions.p_store, step);
        hic_counters.allocs += (uint64_t)object;
        return p;
    }
    void *p = bump(r, step);
    r->bytes += size;
    hic_counters.allocs += (uint64_t)object;
    hic_counters.bytes_allocated += size;
    return p;
}

void *hic_alloc_slow(struct hic_region *r, uint64_t size)
{
    return alloc_in(r, size, 1);
}

void *hic_region_alloc(struct hic_region *r, uint64_t size)
{
    return hic_alloc(r, size);
}

void *hic_alloc_in(uint64_t id, uint64_t size)
{
    return hic_alloc(live(id, "allocate in"), size);
}

void *hic_alloc_bytes(struct hic_region *r, uint64_t size)
{
    return alloc_in(r, size, 0);
}

/* Memory no engine counts, neither as an object nor as bytes: main's args,
 * which exist before the program runs (start.c). */
void *hic_alloc_uncounted(struct hic_region *r, uint64_t size)
{
    return bump(owner_of(r, "allocate in"), size ? HIC_ROUND8(size) : 8);
}

/* ------------------------------------------------------------------------
 * Held packs: per region, a multiset of region ids as an open-addressing
 * table (linear probing, at most half full, backward-shift deletion so no
 * tombstones pile up under store/overwrite churn). */

static uint32_t hold_home(uint64_t id, uint32_t cap)
{
    return (uint32_t)((id * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static void hold_put_new(struct hic_hold *t, uint32_t cap, uint64_t id, uint64_t count)
{
    uint32_t i = hold_home(id, cap);
    while (t[i].id)
        i = (i + 1) & (cap - 1);
    t[i].id = id;
    t[i].count = count;
}

static void hold_grow(struct hic_region *r)
{
    uint32_t old_cap = r->hold_cap;
    if (old_cap >= (1u << 30))
        hic_out_of_memory();
    uint32_t cap = old_cap ? old_cap * 2 : 4;
    struct hic_hold *old = r->holds;
    struct hic_hold *t = hic_pool_get(cap * sizeof *t);
    memset(t, 0, cap * sizeof *t);
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].id)
            hold_put_new(t, cap, old[i].id, old[i].count);
    r->holds = t;
    r->hold_cap = cap;
    if (old)
        hic_pool_put(old, old_cap * sizeof *old);
}

static void hold_add(struct hic_region *r, uint64_t id, uint64_t n)
{
    if ((r->hold_len + 1) * 2 > r->hold_cap)
        hold_grow(r);
    struct hic_hold *t = r->holds;
    uint32_t mask = r->hold_cap - 1;
    uint32_t i = hold_home(id, r->hold_cap);
    while (t[i].id) {
        if (t[i].id == id) {
            t[i].count += n;
            return;
        }
        i = (i + 1) & mask;
    }
    t[i].id = id;
    t[i].count = n;
    r->hold_len++;
}

/* Remove one occurrence of `id`; 0 if there was none. */
static int hold_remove(struct hic_region *r, uint64_t id)
{
    if (!r->hold_cap)
        return 0;
    struct hic_hold *t = r->holds;
    uint32_t mask = r->hold_cap - 1;
    uint32_t i = hold_home(id, r->hold_cap);
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
        uint32_t home = hold_home(t[j].id, r->hold_cap);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t[i] = t[j];
            i = j;
        }
    }
    t[i].id = 0;
    t[i].count = 0;
    r->hold_len--;
    return 1;
}

static uint64_t hold_count(const struct hic_region *r, uint64_t id)
{
    if (!r->hold_cap)
        return 0;
    uint32_t mask = r->hold_cap - 1;
    for (uint32_t i = hold_home(id, r->hold_cap); r->holds[i].id; i = (i + 1) & mask)
        if (r->holds[i].id == id)
            return r->holds[i].count;
    return 0;
}

void hic_region_hold_n(uint64_t owner, uint64_t held, uint64_t n)
{
    if (held == HIC_PRIMITIVE || n == 0)
        return;
    if (owner == HIC_PRIMITIVE)
        hic_internal_error("a pack of region #%u.%u stored into the primitive region",
                           SLOT(held), GEN(held));
    struct hic_region *o = owner_of(live(owner, "store a pack into"), "store a pack into");
    live(held, "store a pack of");
    hold_add(o, held, n);
}

void hic_region_hold(uint64_t owner, uint64_t held)
{
    hic_region_hold_n(owner, held, 1);
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
    live(id, "retain")->refs += (int64_t)n;
    hic_counters.retains += n;
}

static void release_chunks(struct hic_region *r)
{
    struct hic_chunk *c = r->chunks;
    while (c) {
        struct hic_chunk *next = c->next;
        hic_pool_put(c, c->size);
        c = next;
    }
}

/* Free one region whose count reached zero. Live bytes only grow between
 * frees, so taking the peak just before each free (and at the end, in
 * hic_stats_json) finds the true maximum without a compare on the fast path. */
static void free_one(struct hic_region *r)
{
    struct hic_counters *c = &hic_counters;
    uint64_t live_bytes = c->bytes_allocated - c->bytes_freed;
    if (live_bytes > c->bytes_peak)
        c->bytes_peak = live_bytes;
    c->bytes_freed += r->bytes;
    c->regions_freed++;
    release_chunks(r);
    end_slot(r);
}

/* The worklist of regions whose count reached zero is threaded through
 * their `link` fields by slot (P's slot 0 ends it: P is never freed). */
static void free_cascade(struct hic_region *first)
{
    first->link = 0;
    uint32_t todo = SLOT(first->id);
    while (todo) {
        struct hic_region *r = hic_region_table[todo];
        todo = r->link;
        struct hic_hold *held = r->holds;
        uint32_t cap = r->hold_cap;
        free_one(r);
        for (uint32_t i = 0; i < cap; i++) {
            if (!held[i].id)
                continue;
            struct hic_region *h = live(held[i].id, "release a pack held by a freed region");
            hic_counters.releases += held[i].count;
            if ((uint64_t)h->refs < held[i].count)
                hic_internal_error("region #%u.%u released more often than retained",
                                   SLOT(held[i].id), GEN(held[i].id));
            h->refs -= (int64_t)held[i].count;
            if (h->refs == 0) {
                h->link = todo;
                todo = SLOT(h->id);
            }
        }
        if (held)
            hic_pool_put(held, cap * sizeof *held);
    }
}

void hic_release(uint64_t id)
{
    if (id == HIC_PRIMITIVE)
        return;
    struct hic_region *r = live(id, "release");
    hic_counters.releases++;
    if (--r->refs == 0)
        free_cascade(r);
}

/* ------------------------------------------------------------------------
 * Merging */

static void move_holds(struct hic_region *from, struct hic_region *to)
{
    if (!from->hold_len)
        return;
    if (from->hold_len > to->hold_len) {  /* insert the smaller into the larger */
        struct hic_region tmp = *to;
        to->holds = from->holds;
        to->hold_cap = from->hold_cap;
        to->hold_len = from->hold_len;
        from->holds = tmp.holds;
        from->hold_cap = tmp.hold_cap;
        from->hold_len = tmp.hold_len;
    }
    for (uint32_t i = 0; i < from->hold_cap; i++)
        if (from->holds[i].id)
            hold_add(to, from->holds[i].id, from->holds[i].count);
}

void hic_region_merge(uint64_t child, uint64_t parent)
{
    struct hic_region *c = live(child, "merge");
    if (c->forward)
        hic_internal_error("merge region #%u.%u: it was merged already", SLOT(child),
                           GEN(child));
    struct hic_region *p = owner_of(live(parent, "merge into"), "merge into");
    if (p == c || child == HIC_PRIMITIVE || parent == HIC_PRIMITIVE)
        hic_internal_error("cannot merge region #%u.%u into #%u.%u", SLOT(child), GEN(child),
                           SLOT(parent), GEN(parent));
    p->bytes += c->bytes;
    c->bytes = 0;
    if (c->chunks) {
        /* The child's chunks go after the owner's. Keep bumping in
         * whichever current chunk has more room left. */
        if (p->last)
            p->last->next = c->chunks;
        else
            p->chunks = c->chunks;
        p->last = c->last;
        if ((uintptr_t)c->end - (uintptr_t)c->cur > (uintptr_t)p->end - (uintptr_t)p->cur) {
            p->cur = c->cur;
            p->end = c->end;
        }
        if (c->next_class > p->next_class)
            p->next_class = c->next_class;
    }
    c->chunks = c->last = NULL;
    c->cur = c->end = NULL;  /* every allocation in c now takes the slow path */
    move_holds(c, p);
    if (c->holds)
        hic_pool_put(c->holds, c->hold_cap * sizeof *c->holds);
    c->holds = NULL;
    c->hold_cap = c->hold_len = 0;
    /* The child's one reference on the parent: a counted retain, recorded
     * as a pack the child holds, so freeing the child releases it. */
    hic_retain(parent);
    hold_add(c, parent, 1);
    c->forward = parent;
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
    return live(id, "read the size of")->bytes;
}

uint64_t hic_region_chunk_count(uint64_t id)
{
    uint64_t n = 0;
    for (struct hic_chunk *c = live(id, "count the chunks of")->chunks; c; c = c->next)
        n++;
    return n;
}

uint64_t hic_region_held(uint64_t owner, uint64_t held)
{
    return hold_count(live(owner, "read the packs of"), held);
}
