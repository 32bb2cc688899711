/* cycles.c -- the cycle collector: trial deletion over the region graph.
 *
 * Regions are the nodes and the packs each region holds are the edges
 * (with multiplicities). Reference counting frees everything but cycles;
 * a cycle of regions (a graph node holding its adjacency array, which
 * holds the node) keeps every count above zero after the program drops it.
 * This is Bacon and Rajan's synchronous cycle collection ("Concurrent
 * Cycle Collection in Reference Counted Systems", 2001), run on regions
 * instead of objects:
 *
 * - Candidates. A release that leaves a region alive while it holds packs
 *   may have cut the last outside reference to a cycle through it: the
 *   region is buffered (once per round: its `buffered` is the round's
 *   number) as a possible root.
 *   A region that holds nothing cannot be on a cycle, so the inlined
 *   release (codegen/regions.py) calls the runtime only when the count
 *   reaches zero or the region holds something; and it buffers a
 *   candidate itself when its id is not to be kept (below).
 * - Mark gray. From every live candidate, subtract each edge's
 *   multiplicity from its target's count, once per region reached. What
 *   is left of a count is the references from outside the traced graph:
 *   the program's variables, blocks and other regions.
 * - Scan. A gray region with count > 0 is reachable from outside: it and
 *   everything it reaches are black again, their edges added back. The
 *   other gray regions are white.
 * - Collect white. White regions are unreachable. Each is freed, counting
 *   one release per pack it held (so `regions_created + retains ==
 *   releases` still balances) without decrementing anyone: the trial
 *   already took those references away.
 *
 * When it runs is part of what every engine must agree on (the counts of
 * DESIGN.md's table, and the peaks, depend on it), so it is a function of
 * counted quantities only, and lolang/interp/regions.py does exactly the
 * same: after a release that buffered a new candidate, a collection runs if
 * the buffer holds `threshold` entries (stale ones included) or live bytes
 * reached `bytes_trigger`; and once more when main returns. After each
 * collection, threshold = max(MIN_CANDIDATES, live regions) -- so the
 * work of a collection, at most the live regions, is paid for by as many
 * candidates -- and bytes_trigger = twice the live bytes (at least
 * MIN_BYTES_GROWTH more), so garbage cycles holding big storage cannot
 * pile up unseen.
 *
 * Every traversal is iterative, on stacks taken from the pool: a graph of
 * a million regions needs no C stack.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

#define MIN_CANDIDATES 10000
#define MIN_BYTES_GROWTH ((uint64_t)8 << 20)

enum { BLACK = 0, GRAY = 1, WHITE = 2 };  /* BLACK is a fresh struct's 0 */

/* A growable array of 64-bit words from the pool. */
struct words {
    uint64_t *at;
    uint64_t len;
    uint64_t cap;
};

static struct {
    struct words candidates;    /* region ids, possibly stale: the candidates
                                 * buffered while a cycle could exist */
    struct words roots, stack, black, whites;  /* slots, during a collection */
} cc;

/* round: 1..255, a region is buffered iff its `buffered` is this;
 * recheck: kept by regions.c */
struct hic_cycle_marks hic_cycle_marks;
struct hic_cycles_due hic_cycles_due;

static void push(struct words *w, uint64_t x)
{
    if (w->len == w->cap) {
        uint64_t cap = w->cap ? w->cap * 2 : 256;
        uint64_t *at = hic_pool_get(cap * sizeof *at);
        if (w->len)
            memcpy(at, w->at, w->len * sizeof *at);
        if (w->at)
            hic_pool_put(w->at, w->cap * sizeof *at);
        w->at = at;
        w->cap = cap;
    }
    w->at[w->len++] = x;
}

static void drop_words(struct words *w)
{
    if (w->at)
        hic_pool_put(w->at, w->cap * sizeof *w->at);
    *w = (struct words){0};
}

/* After teardown (the pool's memory is gone) or before the first run. */
void hic_cycles_reset(void)
{
    memset(&cc, 0, sizeof cc);
    hic_cycles_due.count = 0;
    hic_cycles_due.threshold = MIN_CANDIDATES;
    hic_cycles_due.bytes_trigger = MIN_BYTES_GROWTH;
    hic_cycle_marks.round = 1;
    hic_cycle_marks.recheck = 0;  /* no region is CYCLIC */
}

/* A collection ends: no region is buffered any more. A new round number
 * says so without touching the candidates (a cache miss each, most of the
 * time left in a collection that skips its trace); when the numbers wrap,
 * every slot's goes back to 0 (once per 255 collections, each paid for by
 * 10,000 candidates or 8 MiB of growth). */
static void next_round(void)
{
    if (++hic_cycle_marks.round == 0) {
        hic_regions_clear_buffered();
        hic_cycle_marks.round = 1;
    }
}

/* Every candidate counts (when the collector runs depends on how many
 * distinct regions were buffered this round), but its id is kept only if
 * some region is CYCLIC: a garbage cycle is found from the region whose
 * release cut its last outside reference, and when that release happened
 * the cycle existed, so a region on it was CYCLIC (regions.c,
 * `mark_cyclic`). A region buffered while there was none is marked
 * UNKEPT (regions.c, `buffer_candidate`), and its id is kept if it is
 * released again, in the same round, once there is one. A collection
 * traced from the kept ids alone finds exactly the garbage all of them
 * would: any garbage region is reachable from a garbage cycle, and that
 * cycle from a kept candidate. So a program without cycles (a persistent
 * tree built bottom-up) counts its candidates and stores none. */
void hic_cycles_keep(struct hic_region *r)
{
    r->flags &= (uint8_t)~HIC_REGION_UNKEPT;
    push(&cc.candidates, r->id);
}

static struct hic_region *at(uint64_t slot)
{
    return hic_region_table[slot];
}

static struct hic_region *target(uint64_t id)
{
    return hic_region_table[(uint32_t)id];
}

/* Every region reachable from the roots: gray, its incoming edges from
 * traced regions subtracted. */
static void mark_gray(void)
{
    while (cc.stack.len) {
        struct hic_region *r = at(cc.stack.at[--cc.stack.len]);
        uint32_t i = 0;
        uint64_t id, n;
        while (hic_hold_next(r, &i, &id, &n)) {
            struct hic_region *t = target(id);
            t->refs -= (int32_t)n;
            if (t->color != GRAY) {
                t->color = GRAY;
                push(&cc.stack, (uint32_t)id);
            }
        }
    }
}

/* `r` is reachable from outside: black, and so is all it reaches, with
 * their edges counted again. */
static void scan_black(struct hic_region *r)
{
    r->color = BLACK;
    push(&cc.black, (uint32_t)r->id);
    while (cc.black.len) {
        struct hic_region *x = at(cc.black.at[--cc.black.len]);
        uint32_t i = 0;
        uint64_t id, n;
        while (hic_hold_next(x, &i, &id, &n)) {
            struct hic_region *t = target(id);
            t->refs += (int32_t)n;
            if (t->color != BLACK) {
                t->color = BLACK;
                push(&cc.black, (uint32_t)id);
            }
        }
    }
}

static void scan(void)
{
    for (uint64_t k = 0; k < cc.roots.len; k++)
        push(&cc.stack, cc.roots.at[k]);
    while (cc.stack.len) {
        struct hic_region *r = at(cc.stack.at[--cc.stack.len]);
        if (r->color != GRAY)
            continue;
        if (r->refs > 0) {
            scan_black(r);
            continue;
        }
        r->color = WHITE;
        uint32_t i = 0;
        uint64_t id, n;
        while (hic_hold_next(r, &i, &id, &n))
            if (target(id)->color == GRAY)
                push(&cc.stack, (uint32_t)id);
    }
}

/* The white regions reachable from the roots, each once. */
static void gather_white(void)
{
    for (uint64_t k = 0; k < cc.roots.len; k++)
        push(&cc.stack, cc.roots.at[k]);
    while (cc.stack.len) {
        struct hic_region *r = at(cc.stack.at[--cc.stack.len]);
        if (r->color != WHITE)
            continue;
        r->color = BLACK;
        push(&cc.whites, (uint32_t)r->id);
        uint32_t i = 0;
        uint64_t id, n;
        while (hic_hold_next(r, &i, &id, &n))
            if (target(id)->color == WHITE)
                push(&cc.stack, (uint32_t)id);
    }
}

static void collect(void)
{
    hic_cycles_due.count = 0;
    if (!hic_regions_cyclic()) {
        /* No region is CYCLIC (regions.c, `note_edge`): the graph has no
         * cycle, and trial deletion would find every traced region black
         * and change nothing. */
        cc.candidates.len = 0;
        goto done;
    }
    for (uint64_t k = 0; k < cc.candidates.len; k++) {
        uint64_t id = cc.candidates.at[k];
        struct hic_region *r = target(id);
        if (r->id != id || r->refs <= 0)
            continue;  /* freed since it was buffered */
        if (r->color != GRAY) {
            r->color = GRAY;
            push(&cc.roots, (uint32_t)id);
            push(&cc.stack, (uint32_t)id);
        }
    }
    cc.candidates.len = 0;
    mark_gray();
    scan();
    gather_white();
    hic_regions_free_collected(cc.whites.at, cc.whites.len);
    cc.roots.len = cc.whites.len = 0;

done:
    next_round();
    const struct hic_counters *c = &hic_counters;
    uint64_t live_bytes = c->bytes_allocated - c->bytes_freed;
    uint64_t live_regions = c->regions_created - c->regions_freed;
    hic_cycles_due.threshold = live_regions > MIN_CANDIDATES ? live_regions : MIN_CANDIDATES;
    hic_cycles_due.bytes_trigger =
        live_bytes + (live_bytes > MIN_BYTES_GROWTH ? live_bytes : MIN_BYTES_GROWTH);
    if (cc.candidates.cap > 4 * MIN_CANDIDATES)  /* give back what a burst took */
        drop_words(&cc.candidates);
}

/* A release buffered a new candidate and the collection is due
 * (regions.c, `maybe_collect`). */
void hic_cycles_collect_now(void)
{
    collect();
}

void hic_collect_cycles(void)
{
    if (hic_cycles_due.count)
        collect();
}
