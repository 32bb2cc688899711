/* pool.c -- the runtime's only source of memory.
 *
 * Everything the runtime allocates (region chunks, region structs, the region
 * table, hold tables) comes from here, in blocks of fixed size classes carved
 * from 4 MiB slabs, and goes back onto the class's LIFO free list when
 * released. Why:
 *
 * - Regions die young and often; a dying region's chunks are handed to the
 *   next region while still in cache and already faulted in. Touching fresh
 *   pages costs about ten times more than reusing warm ones.
 * - Nothing here calls malloc. A runtime error or a stack overflow abandons
 *   the program wherever it is, and the program may have been inside the
 *   runtime; with malloc that could leave a libc lock held in a JIT host
 *   process. mmap and munmap are plain system calls.
 * - Teardown is unmapping the slabs and the big blocks; it does not walk
 *   the regions, whose lists an abandoned program may have left half-built.
 *
 * Classes: powers of two from 64 B to 64 KiB (region chunks double through
 * these), then quarter steps up to 1 MiB (80, 96, 112, 128, 160, ... KiB).
 * The quarter steps are for objects with a chunk of their own: array storage
 * is typically a power of two, and with the 16-byte chunk header a
 * power-of-two class would waste half of it; quarter steps waste at most a
 * fifth. Blocks above 1 MiB are mapped on their own. A released one is kept
 * (up to BIG_CACHE_BYTES in all, the oldest unmapped first) for the next
 * request it fits without wasting half of it: a map or array rebuilt each
 * round of a loop gets its pages back already faulted in, where a fresh
 * mapping costs a page fault per 4 KiB (5 us each on the VM we measure on:
 * hash_maps at 100000 took 26,000 faults, 20,000 of them for map storage).
 * Other memory goes back to the OS only at teardown: the pool's high-water
 * mark is the program's.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MIN_SHIFT 6                     /* 64 B */
#define POW2_CLASSES 11                 /* 64 B .. 64 KiB */
#define QUARTER_CLASSES 16              /* 80 KiB .. 1 MiB */
#define NCLASSES (POW2_CLASSES + QUARTER_CLASSES)
#define MAX_BLOCK ((size_t)1 << 20)
#define SLAB_BYTES ((size_t)4 << 20)
#define BIG_CACHE_BYTES ((size_t)16 << 20)
/* Slabs mapped once the pool has mapped this much are faulted in whole
 * (map_slab). */
#define POPULATE_AFTER_BYTES ((size_t)32 << 20)

/* The first 64 bytes of a slab link the slabs for teardown. */
struct slab {
    struct slab *next;
};

#define SLAB_HEADER ((size_t)1 << MIN_SHIFT)

/* A block above MAX_BLOCK is a mapping of its own, behind this prefix. The
 * list is doubly linked so a release unlinks in O(1). 32 bytes keep the
 * block 16-aligned. */
struct big {
    struct big *prev;
    struct big *next;
    size_t mapped;
    size_t pad;
};

static struct {
    void *free[NCLASSES];       /* per class: LIFO list linked through the first word */
    char *slab_cur;
    char *slab_end;
    struct slab *slabs;
    struct big *bigs;
    struct big *cached;         /* released big blocks, newest first */
    size_t cached_bytes;
    uint64_t mapped;            /* bytes currently mapped from the OS */
} pool;

#ifdef HIC_VALGRIND
int hic_on_valgrind;
#endif

static unsigned log2_floor(size_t n)
{
    return 63 - (unsigned)__builtin_clzll((unsigned long long)n);
}

static size_t class_size(unsigned c)
{
    if (c < POW2_CLASSES)
        return (size_t)1 << (MIN_SHIFT + c);
    unsigned j = c - POW2_CLASSES;
    unsigned k = 16 + j / 4;
    return ((size_t)1 << k) + (size_t)(j % 4 + 1) * ((size_t)1 << (k - 2));
}

/* The smallest class holding `bytes` (at most MAX_BLOCK). */
static unsigned class_of(size_t bytes)
{
    if (bytes <= SLAB_HEADER)
        return 0;
    unsigned k = log2_floor(bytes - 1);  /* 2^k < bytes <= 2^(k+1) */
    if (k < 16)
        return k + 1 - MIN_SHIFT;
    size_t quarter = (size_t)1 << (k - 2);
    unsigned q = (unsigned)((bytes - ((size_t)1 << k) + quarter - 1) / quarter);  /* 1..4 */
    return POW2_CLASSES + 4 * (k - 16) + q - 1;
}

static void *map_or_die(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        hic_out_of_memory();
    pool.mapped += bytes;
    return p;
}

/* A new slab. Once the pool has mapped POPULATE_AFTER_BYTES, the program
 * keeps what it makes (a persistent structure, or a big heap), and the
 * slab will be used up: it is mapped with MAP_POPULATE, the kernel
 * faulting in its 1,024 pages in one call instead of one fault each as
 * they are first touched (about 3.5 us a fault on the VM we measure on).
 * rbtree_ck at 420,000 keys (400 MiB of regions): CPU time 0.69 -> 0.61 s
 * (sys 0.32 -> 0.25), medians of 11 interleaved runs (docs/runtime.md).
 * A program that never maps that much is unchanged; one that does holds
 * at most one slab (4 MiB) it has not touched yet. */
static char *map_slab(void)
{
    if (pool.mapped < POPULATE_AFTER_BYTES)
        return map_or_die(SLAB_BYTES);
    void *p = mmap(NULL, SLAB_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        hic_out_of_memory();
    pool.mapped += SLAB_BYTES;
    return p;
}

static void push_free(void *p, unsigned cls)
{
    HIC_VG_UNDEFINED(p, sizeof(void *)); /* a slab's tail was never handed out */
    *(void **)p = pool.free[cls];
    pool.free[cls] = p;
    HIC_VG_NOACCESS(p, class_size(cls));
}

/* Carve a block from the current slab, starting a new slab when it is too
 * short. The old slab's tail is not wasted: it is cut into the largest
 * blocks that fit (all sizes are multiples of 64) and put on the free lists. */
static void *carve(unsigned cls)
{
    size_t size = class_size(cls);
    if ((size_t)(pool.slab_end - pool.slab_cur) < size) {
        char *slab = map_slab();
        while (pool.slab_end - pool.slab_cur >= (ptrdiff_t)SLAB_HEADER) {
            size_t rest = (size_t)(pool.slab_end - pool.slab_cur);
            unsigned c = rest >= MAX_BLOCK ? NCLASSES - 1 : class_of(rest);
            if (class_size(c) > rest)
                c--;
            push_free(pool.slab_cur, c);
            pool.slab_cur += class_size(c);
        }
        struct slab *s = (struct slab *)slab;
        s->next = pool.slabs;
        pool.slabs = s;
        pool.slab_cur = slab + SLAB_HEADER;
        pool.slab_end = slab + SLAB_BYTES;
        HIC_VG_NOACCESS(pool.slab_cur, SLAB_BYTES - SLAB_HEADER);
    }
    void *p = pool.slab_cur;
    pool.slab_cur += size;
    HIC_VG_UNDEFINED(p, size);
    return p;
}

static void big_link(struct big *b)
{
    b->prev = NULL;
    b->next = pool.bigs;
    if (pool.bigs)
        pool.bigs->prev = b;
    pool.bigs = b;
}

static void big_unlink(struct big **list, struct big *b)
{
    if (b->prev)
        b->prev->next = b->next;
    else
        *list = b->next;
    if (b->next)
        b->next->prev = b->prev;
}

static void big_unmap(struct big *b)
{
    HIC_VG_DEFINED(b, b->mapped);  /* a kept block was marked inaccessible */
    pool.mapped -= b->mapped;
    munmap(b, b->mapped);
}

/* The smallest kept block of `mapped` bytes or more, unless it is over
 * twice that; NULL if none. */
static struct big *big_cached(size_t mapped)
{
    struct big *best = NULL;
    for (struct big *b = pool.cached; b; b = b->next)
        if (b->mapped >= mapped && b->mapped / 2 <= mapped && (!best || b->mapped < best->mapped))
            best = b;
    if (best) {
        big_unlink(&pool.cached, best);
        pool.cached_bytes -= best->mapped;
    }
    return best;
}

static void *big_get(size_t bytes)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (bytes > SIZE_MAX / 2)
        hic_out_of_memory();
    size_t mapped = (bytes + sizeof(struct big) + page - 1) & ~(page - 1);
    struct big *b = big_cached(mapped);
    if (b) {
        HIC_VG_UNDEFINED(b + 1, bytes);
    } else {
        b = map_or_die(mapped);
        b->mapped = mapped;
    }
    big_link(b);
    return b + 1;
}

/* Keep the block for a later big_get, unmapping the oldest kept ones (the
 * list's tail) beyond BIG_CACHE_BYTES; a block larger than that is
 * unmapped at once. */
static void big_put(void *p)
{
    struct big *b = (struct big *)p - 1;
    big_unlink(&pool.bigs, b);
    if (b->mapped > BIG_CACHE_BYTES) {
        big_unmap(b);
        return;
    }
    pool.cached_bytes += b->mapped;
    b->prev = NULL;
    b->next = pool.cached;
    if (pool.cached)
        pool.cached->prev = b;
    pool.cached = b;
    while (pool.cached_bytes > BIG_CACHE_BYTES) {
        struct big *old = pool.cached;
        while (old->next)
            old = old->next;
        big_unlink(&pool.cached, old);
        pool.cached_bytes -= old->mapped;
        big_unmap(old);
    }
    HIC_VG_NOACCESS(b + 1, b->mapped - sizeof *b);  /* its header stays readable */
}

/* A block of at least `bytes`, 16-aligned, contents undefined. */
void *hic_pool_get(size_t bytes)
{
    if (bytes > MAX_BLOCK)
        return big_get(bytes);
    unsigned cls = class_of(bytes);
    void *p = pool.free[cls];
    if (!p)
        return carve(cls);
    HIC_VG_DEFINED(p, sizeof(void *));
    pool.free[cls] = *(void **)p;
    HIC_VG_UNDEFINED(p, class_size(cls));
    return p;
}

/* Give back a block; `bytes` must be what was asked of hic_pool_get. */
void hic_pool_put(void *p, size_t bytes)
{
    if (bytes > MAX_BLOCK)
        big_put(p);
    else
        push_free(p, class_of(bytes));
}

/* `p`, a block of `bytes`, made a block of `more` (> bytes) holding the
 * same first `bytes`, as `hic_pool_get(more)`, a copy and `hic_pool_put(p,
 * bytes)` would; but when both sizes are big (a mapping of its own) the
 * kernel moves the pages (mremap) and nothing is copied: the region table
 * doubles so (regions.c), 4 MiB and more of it copied at each doubling
 * before (2% of deriv's instructions). */
void *hic_pool_grow(void *p, size_t bytes, size_t more)
{
    if (bytes > MAX_BLOCK && more > MAX_BLOCK && more <= SIZE_MAX / 2) {
        struct big *b = (struct big *)p - 1;
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t old = b->mapped;
        size_t mapped = (more + sizeof(struct big) + page - 1) & ~(page - 1);
        struct big *n = mremap(b, old, mapped, MREMAP_MAYMOVE);
        if (n == MAP_FAILED)
            hic_out_of_memory();
        n->mapped = mapped;
        if (n->prev)
            n->prev->next = n;
        else
            pool.bigs = n;
        if (n->next)
            n->next->prev = n;
        pool.mapped += mapped - old;
        return n + 1;
    }
    void *q = hic_pool_get(more);
    memcpy(q, p, bytes);
    hic_pool_put(p, bytes);
    return q;
}

uint64_t hic_pool_mapped_bytes(void)
{
    return pool.mapped;
}

void hic_pool_teardown(void)
{
#ifdef HIC_VALGRIND
    hic_on_valgrind = RUNNING_ON_VALGRIND;  /* every run starts here */
#endif
    while (pool.bigs) {
        struct big *b = pool.bigs;
        big_unlink(&pool.bigs, b);
        big_unmap(b);
    }
    while (pool.cached) {
        struct big *b = pool.cached;
        big_unlink(&pool.cached, b);
        big_unmap(b);
    }
    struct slab *s = pool.slabs;
    while (s) {
        HIC_VG_DEFINED(s, sizeof *s);
        struct slab *next = s->next;
        munmap(s, SLAB_BYTES);
        s = next;
    }
    pool = (__typeof__(pool)){0};
}
