/* The runtime's test driver: `driver SCENARIO [ARGS...]` runs one scenario
 * as a program under hic_start, the way generated code does. CHECK failures
 * exit 99 with the line. Output goes through the runtime's buffer (say()
 * flushes it first, so the two never interleave out of order). */
#define _GNU_SOURCE
#include "hic_runtime.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            hic_flush();                                                           \
            dprintf(2, "CHECK failed at runtime_driver.c:%d: %s\n", __LINE__, #c); \
            _exit(99);                                                             \
        }                                                                          \
    } while (0)

static void say(const char *fmt, ...)
{
    va_list ap;
    hic_flush();
    va_start(ap, fmt);
    vdprintf(1, fmt, ap);
    va_end(ap);
}

static int g_argc;
static char **g_argv;
static int small;  /* under valgrind ("everything"): fewer iterations */

static const char *arg(int i)
{
    return i < g_argc ? g_argv[i] : "";
}

static uint64_t slot(uint64_t id) { return id & HIC_SLOT_MASK; }
static uint64_t gen(uint64_t id) { return id >> 32; }

static uint64_t lcg_state = 12345;
static uint64_t lcg(void)
{
    lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
    return lcg_state >> 33;
}

static struct hic_string *str(struct hic_region *r, const char *s)
{
    return hic_string_new(r, (const uint8_t *)s, (int64_t)strlen(s));
}

/* ---------------------------------------------------------------------- */

static void regions(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new();
    CHECK(slot(a) == 1 && gen(a) == 0);
    struct hic_region *r = hic_region_of(a);
    CHECK(r == hic_region_lookup(a));
    int64_t *prev = NULL;
    for (int i = 0; i < 1000; i++) {
        int64_t *p = hic_alloc(r, 24);
        CHECK(((uintptr_t)p & 7) == 0);
        p[0] = i, p[1] = -i, p[2] = 7;
        CHECK(!prev || prev[0] == i - 1);
        prev = p;
    }
    CHECK(hic_region_bytes(a) == 24000);
    CHECK(hic_region_chunk_count(a) <= 12);       /* chunks double */
    char *odd = hic_alloc(r, 13);
    char *big = hic_alloc(r, 200000);              /* a chunk of its own */
    char *after = hic_alloc(r, 8);
    CHECK(((uintptr_t)odd & 7) == 0 && ((uintptr_t)after & 7) == 0);
    CHECK(after == odd + 16 || after > big + 200000 || after < big); /* bumping went on */
    memset(big, 1, 200000);
    CHECK(hic_region_bytes(a) == 24000 + 13 + 200000 + 8);
    CHECK(hic_region_refs(a) == 1);
    hic_release(a);
    CHECK(!hic_region_is_live(a));

    /* Chunks are recycled: 200 regions of 24 KB take no new memory. */
    uint64_t mapped = hic_pool_mapped_bytes();
    for (int round = 0; round < (small ? 5 : 200); round++) {
        uint64_t id = hic_region_new();
        struct hic_region *q = hic_region_of(id);
        for (int i = 0; i < 1000; i++)
            *(int64_t *)hic_alloc(q, 24) = i;
        hic_release(id);
    }
    CHECK(hic_pool_mapped_bytes() == mapped);

    /* Slots are reused last-freed first, each under a new generation. */
    uint64_t b = hic_region_new(), c = hic_region_new();
    hic_release(b);
    hic_release(c);
    uint64_t d = hic_region_new(), e = hic_region_new();
    CHECK(slot(d) == slot(c) && gen(d) == gen(c) + 1);
    CHECK(slot(e) == slot(b) && gen(e) == gen(b) + 1);
    CHECK(!hic_region_is_live(c) && hic_region_is_live(d));
    hic_retain(d);
    hic_retain(d);
    CHECK(hic_region_refs(d) == 3);
    hic_release(d);
    hic_release(d);
    hic_release(d);
    hic_release(e);
    say("regions ok\n");
}

/* A region's inline chunk is sized by its hint: one object of the hinted
 * size takes no pool chunk, and free slots are reused per size, LIFO. */
static void sized(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new_sized(64);
    struct hic_region *r = hic_region_of(a);
    int64_t *node = hic_alloc(r, 64);
    CHECK(node == (int64_t *)(void *)r->inline_chunk && hic_region_chunk_count(a) == 0);
    for (int i = 0; i < 8; i++)
        node[i] = i;
    hic_alloc(r, 8);                                /* the hint was short: a chunk */
    CHECK(hic_region_chunk_count(a) == 1 && hic_region_bytes(a) == 72);
    uint64_t b = hic_region_new_sized(200), c = hic_region_new_sized(1000);
    int64_t *big = hic_alloc(hic_region_of(b), 200);
    CHECK(big == (int64_t *)(void *)hic_region_of(b)->inline_chunk);
    hic_alloc(hic_region_of(c), 40);                /* over 256: the default inline chunk */
    CHECK(hic_region_chunk_count(c) == 0);
    hic_alloc(hic_region_of(c), 200);
    CHECK(hic_region_chunk_count(c) == 1);
    hic_release(a);
    uint64_t d = hic_region_new(), e = hic_region_new_sized(60);
    CHECK(slot(d) != slot(a));                      /* another size */
    CHECK(slot(e) == slot(a) && gen(e) == gen(a) + 1);
    /* A merged child's used struct is handed to the parent and comes back
     * for the next region of its size when the parent dies. */
    uint64_t child = hic_region_new_sized(200);
    int64_t *kept = hic_alloc(hic_region_of(child), 200);
    kept[24] = 42;
    hic_region_merge(child, d);
    CHECK(kept[24] == 42 && hic_region_bytes(d) == 200);
    hic_release(child);
    hic_release(d);
    hic_release(b);
    hic_release(c);
    hic_release(e);
    uint64_t f = hic_region_new_sized(200);
    CHECK(hic_region_chunk_count(f) == 0 && hic_alloc(hic_region_of(f), 200));
    hic_release(f);
    say("sized ok\n");
}

static void stale(struct hic_pack *args)
{
    (void)args;
    const char *how = arg(1);
    uint64_t a = hic_region_new();
    hic_release(a);
    if (!strcmp(how, "reused"))
        hic_region_new();  /* the slot lives again under a new generation */
    if (!strcmp(how, "retain") || !strcmp(how, "reused"))
        hic_retain(a);
    else if (!strcmp(how, "release"))
        hic_release(a);
    else if (!strcmp(how, "hold"))
        hic_region_hold(hic_region_new(), a);
    else if (!strcmp(how, "lookup"))
        hic_region_lookup(a);
    else if (!strcmp(how, "alloc"))
        hic_alloc_in(a, 8);
    else if (!strcmp(how, "never"))
        hic_retain((uint64_t)3 << 32 | 77);
    say("not reached\n");
}

/* A list with one region per cell: each cell's region holds the next. */
static void chain(struct hic_pack *args)
{
    (void)args;
    long n = atol(arg(1));
    uint64_t head = hic_region_new();
    uint64_t cell = head;
    for (long i = 0; i < n; i++) {
        uint64_t next = hic_region_new();
        *(uint64_t *)hic_alloc(hic_region_of(next), 16) = (uint64_t)i;
        hic_retain(next);              /* pack it ... */
        hic_region_hold(cell, next);   /* ... store it into the cell ... */
        hic_release(next);             /* ... and end its block */
        cell = next;
    }
    CHECK(hic_region_refs(cell) == 1 && hic_region_is_live(cell));
    hic_release(head);
    CHECK(!hic_region_is_live(cell));
    say("chain ok\n");
}

static void holds(struct hic_pack *args)
{
    (void)args;
    uint64_t outer = hic_region_new(), inner = hic_region_new(), x = hic_region_new();
    hic_retain(inner);
    hic_region_hold(outer, inner);
    hic_retain(inner);
    hic_region_hold(outer, inner);             /* a multiset */
    CHECK(hic_region_held(outer, inner) == 2);
    hic_release(inner);                        /* its block ends; two packs keep it */
    CHECK(hic_region_refs(inner) == 2);
    hic_region_unhold(outer, inner);           /* pop: the pack is ours now */
    CHECK(hic_region_held(outer, inner) == 1);
    hic_release(inner);                        /* ... and we drop it */
    hic_retain(x);
    hic_region_replace(outer, x, inner);       /* overwrite the last pack of inner */
    CHECK(!hic_region_is_live(inner));
    CHECK(hic_region_held(outer, x) == 1 && hic_region_held(outer, inner) == 0);
    hic_release(x);
    CHECK(hic_region_refs(x) == 1);
    /* Packs of P are not counted anywhere. */
    hic_retain(HIC_PRIMITIVE);
    hic_region_hold(outer, HIC_PRIMITIVE);
    hic_region_replace(outer, HIC_PRIMITIVE, HIC_PRIMITIVE);
    hic_release(HIC_PRIMITIVE);
    hic_release(outer);
    CHECK(!hic_region_is_live(x));

    /* Inline places fill in order and empty from the end: after place 0
     * is emptied, place 1's id moves there, so a second pack of it is
     * counted there, not in a place of its own. */
    uint64_t two = hic_region_new(), a = hic_region_new(), b = hic_region_new();
    hic_retain(a);
    hic_region_hold(two, a);
    hic_retain(b);
    hic_region_hold(two, b);
    hic_region_unhold(two, a);
    hic_release(a);
    hic_retain(b);
    hic_region_hold(two, b);
    hic_retain(a);
    hic_region_hold(two, a);
    CHECK(hic_region_held(two, b) == 2 && hic_region_held(two, a) == 1);
    hic_release(a);
    hic_release(b);
    CHECK(hic_region_refs(a) == 1 && hic_region_refs(b) == 2);
    hic_release(two);
    CHECK(!hic_region_is_live(a) && !hic_region_is_live(b));

    /* An inline count is 16 bits: one more pack of the same region moves
     * the holds into a table, where the count goes on; the releases count
     * every pack. */
    uint64_t many = hic_region_new(), m = hic_region_new(), m2 = hic_region_new();
    hic_retain_n(m, 70000);
    for (int i = 0; i < 70000; i++)
        hic_region_hold(many, m);
    hic_retain(m2);
    hic_region_hold(many, m2);
    CHECK(hic_region_held(many, m) == 70000 && hic_region_held(many, m2) == 1);
    hic_region_unhold(many, m);
    hic_release(m);
    CHECK(hic_region_held(many, m) == 69999 && hic_region_refs(m) == 70000);
    hic_release(m);
    hic_release(m2);
    uint64_t releases = hic_counters.releases;
    hic_release(many);
    CHECK(hic_counters.releases - releases == 1 + 69999 + 1);
    CHECK(!hic_region_is_live(m) && !hic_region_is_live(m2));

    /* The multiset against a model, through growth and backward-shift
     * deletion: 2000 held regions, random holds and unholds. */
    enum { N = 2000 };
    static uint64_t ids[N];
    static uint64_t model[N];
    uint64_t owner = hic_region_new();
    for (int i = 0; i < N; i++)
        ids[i] = hic_region_new();
    for (int step = 0; step < (small ? 6000 : 60000); step++) {
        int i = (int)(lcg() % N);
        if (lcg() % 3 && model[i]) {
            hic_region_unhold(owner, ids[i]);
            hic_release(ids[i]);
            model[i]--;
        } else {
            hic_retain(ids[i]);
            hic_region_hold(owner, ids[i]);
            model[i]++;
        }
        if (step % 997 == 0)
            for (int j = 0; j < N; j++)
                CHECK(hic_region_held(owner, ids[j]) == model[j]);
    }
    for (int j = 0; j < N; j++)
        CHECK(hic_region_held(owner, ids[j]) == model[j]);
    for (int i = 0; i < N; i++)
        hic_release(ids[i]);          /* blocks end; held ones live on */
    for (int i = 0; i < N; i++)
        CHECK(hic_region_is_live(ids[i]) == (model[i] > 0));
    hic_release(owner);
    for (int i = 0; i < N; i++)
        CHECK(!hic_region_is_live(ids[i]));
    say("holds ok\n");
}

static void unhold_missing(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_region_unhold(a, b);
}

static void merge(struct hic_pack *args)
{
    (void)args;
    uint64_t parent = hic_region_new(), child = hic_region_new(), other = hic_region_new();
    int64_t *obj = hic_alloc(hic_region_of(child), 40);
    for (int i = 0; i < 5; i++)
        obj[i] = 100 + i;
    hic_retain(other);
    hic_region_hold(child, other);
    hic_region_merge(child, parent);
    /* The child lives on, owning nothing, holding one reference on the
     * parent; its objects, bytes and packs are the parent's. */
    CHECK(hic_region_is_live(child) && hic_region_refs(child) == 1);
    CHECK(hic_region_refs(parent) == 2 && hic_region_held(child, parent) == 1);
    CHECK(hic_region_bytes(parent) == 40 && hic_region_bytes(child) == 0);
    CHECK(hic_region_held(parent, other) == 1 && hic_region_held(child, other) == 0);
    CHECK(obj[4] == 104);
    /* The object was in the child's inline chunk: that memory is the
     * parent's now, not a pool chunk, and the child has a fresh struct. */
    CHECK(hic_region_chunk_count(child) == 0 && hic_region_chunk_count(parent) == 0);
    CHECK((char *)obj < (char *)hic_region_of(child) ||
          (char *)obj >= (char *)(hic_region_of(child) + 1));
    /* What is allocated in or stored into the child now goes to the parent. */
    *(int64_t *)hic_alloc(hic_region_of(child), 8) = 1;
    CHECK(hic_region_bytes(parent) == 48 && hic_region_bytes(child) == 0);
    hic_retain(other);
    hic_region_hold(child, other);
    CHECK(hic_region_held(parent, other) == 2);
    hic_region_unhold(child, other);
    hic_release(other);
    /* A pack of the child keeps it, and so the parent, alive. */
    hic_retain(child);
    hic_release(child);                       /* the child's block ends */
    CHECK(hic_region_is_live(child) && hic_region_refs(parent) == 2);
    hic_release(child);                       /* the pack is dropped: the child is freed */
    CHECK(!hic_region_is_live(child) && hic_region_refs(parent) == 1);
    CHECK(obj[0] == 100);                     /* its objects were the parent's */

    /* Merging held tables of both kinds: seven ids in the child's table,
     * three and a repeat inline in the parent's. */
    uint64_t p2 = hic_region_new(), c2 = hic_region_new();
    uint64_t held[10];
    for (int i = 0; i < 10; i++) {
        held[i] = hic_region_new();
        hic_retain(held[i]);
        hic_region_hold(i < 7 ? c2 : p2, held[i]);
        hic_release(held[i]);
    }
    hic_retain(held[0]);
    hic_region_hold(p2, held[0]);
    hic_alloc(hic_region_of(p2), 100000);
    hic_alloc(hic_region_of(c2), 24);
    hic_region_merge(c2, p2);
    CHECK(hic_region_held(p2, held[0]) == 2 && hic_region_held(p2, held[9]) == 1);
    CHECK(hic_region_chunk_count(p2) == 1);  /* the big object's own block */
    hic_release(c2);
    hic_release(p2);
    for (int i = 0; i < 10; i++)
        CHECK(!hic_region_is_live(held[i]));

    /* A chain: a into b, then b into c. a's allocations reach c. */
    uint64_t a = hic_region_new(), b = hic_region_new(), c = hic_region_new();
    hic_region_merge(a, b);
    hic_region_merge(b, c);
    hic_alloc(hic_region_of(a), 16);
    CHECK(hic_region_bytes(c) == 16);
    hic_release(c);                           /* b and a keep c alive */
    CHECK(hic_region_is_live(c));
    hic_release(b);
    CHECK(hic_region_is_live(b) && hic_region_is_live(c));  /* a keeps b */
    hic_release(a);
    CHECK(!hic_region_is_live(a) && !hic_region_is_live(b) && !hic_region_is_live(c));

    hic_release(other);
    CHECK(hic_region_is_live(other));
    hic_release(parent);
    CHECK(!hic_region_is_live(other));
    say("merge ok\n");
}

static void merge_error(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new(), c = hic_region_new();
    hic_region_merge(a, b);
    if (!strcmp(arg(1), "twice"))
        hic_region_merge(a, c);
    else if (!strcmp(arg(1), "cycle"))
        hic_region_merge(b, a);  /* b would own itself */
    else if (!strcmp(arg(1), "primitive"))
        hic_region_merge(c, HIC_PRIMITIVE);
}

/* ---------------------------------------------------------------------- */

static void strings(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_string *hello = str(r, "hello, ");
    struct hic_string *world = str(r, "world");
    struct hic_string *empty = str(r, "");
    struct hic_string *both = hic_string_concat(r, hello, world);
    hic_print_string(both);
    hic_print_newline();
    CHECK(hic_string_eq(hic_string_concat(r, empty, empty), empty));
    CHECK(hic_string_eq(both, hic_string_concat(r, both, empty)));
    CHECK(!hic_string_eq(hello, world));
    CHECK(!hic_string_eq(str(r, "ab"), str(r, "abc")));
    CHECK(hic_string_at(world, 0, 1, 1) == 'w' && hic_string_at(world, 4, 1, 1) == 'd');
    int64_t values[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN, 1000000007, -90210};
    for (unsigned i = 0; i < sizeof values / sizeof *values; i++) {
        struct hic_string *s = hic_string_from_s64(r, values[i]);
        hic_print_string(s);
        hic_print_space();
        CHECK(hic_string_to_s64(s, 1, 1) == values[i]);
    }
    hic_print_newline();
    CHECK(hic_string_to_s64(str(r, "007"), 1, 1) == 7);
    CHECK(hic_string_to_s64(str(r, "-0"), 1, 1) == 0);
    /* A string holding NUL bytes is as long as it says. */
    struct hic_string *nul = hic_string_new(r, (const uint8_t *)"a\0b", 3);
    CHECK(nul->len == 3 && hic_string_at(nul, 1, 1, 1) == 0);
    hic_release(id);
    say("strings ok\n");
}

/* int(argv[1]) at 7:3, printed. */
static void int_of(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    struct hic_pack *first = hic_array_at(a, 0, 16, 1, 1);
    hic_print_s64(hic_string_to_s64(first->ptr, 7, 3));
    hic_print_newline();
}

static void string_index(struct hic_pack *args)
{
    (void)args;
    struct hic_string *s = str(hic_region_of(hic_region_new()), "abc");
    hic_print_u8(hic_string_at(s, atol(arg(1)), 9, 14));
}

/* main(args): print them, then drop the pack, as main's end does. */
static void args_scenario(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    hic_print_s64(a->len);
    for (int64_t i = 0; i < a->len; i++) {
        struct hic_pack *p = hic_array_at(a, i, 16, 0, 0);
        CHECK(hic_region_held(args->region, p->region) == 1);
        hic_print_space();
        hic_print_string(p->ptr);
    }
    hic_print_newline();
    hic_release(args->region);
}

static void args_plain(struct hic_pack *args)
{
    struct hic_array *a = args->ptr;
    for (int64_t i = 0; i < a->len; i++) {
        hic_print_string(*(struct hic_string **)hic_array_at(a, i, 8, 0, 0));
        hic_print_newline();
    }
    hic_release(args->region);
}

/* ---------------------------------------------------------------------- */

static void print_values(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_print_s64(INT64_MIN);
    hic_print_space();
    hic_print_s64(INT64_MAX);
    hic_print_space();
    hic_print_s64(0);
    hic_print_space();
    hic_print_u8(255);
    hic_print_space();
    hic_print_u8(0);
    hic_print_space();
    hic_print_bool(1);
    hic_print_space();
    hic_print_bool(0);
    hic_print_space();
    hic_print_unit();
    hic_print_space();
    hic_print_string(str(hic_region_of(id), "tab\tnew\nline"));
    hic_print_newline();
    hic_print_newline();  /* print() */
    hic_release(id);
}

/* Each argument is the bit pattern of an F64, in hex; print each on a line. */
static void print_floats(struct hic_pack *args)
{
    (void)args;
    for (int i = 1; i < g_argc; i++) {
        uint64_t bits = strtoull(g_argv[i], NULL, 16);
        double x;
        memcpy(&x, &bits, 8);
        hic_print_f64(x);
        hic_print_newline();
    }
}

/* More output than the buffer holds: it must all come out, in order. */
static void print_lots(struct hic_pack *args)
{
    (void)args;
    for (int64_t i = 0; i < 100000; i++) {
        hic_print_s64(i);
        hic_print_newline();
    }
}

/* ---------------------------------------------------------------------- */

static void arrays(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_array *a = hic_array_new(r, 8, 0);
    CHECK(a->len == 0 && a->cap == 0 && a->data == NULL);
    CHECK(hic_region_bytes(id) == 24);
    for (int64_t i = 0; i < 1000; i++) {
        int64_t cap = a->cap;
        *(int64_t *)hic_array_push(r, a, 8) = i * i;
        if (a->cap != cap)
            CHECK(a->cap == (cap ? cap * 2 : 4));
        /* One storage block, the old ones reclaimed as they are replaced. */
        CHECK((int64_t)hic_region_bytes(id) == 24 + a->cap * 8);
        CHECK(hic_region_storage_count(id) == 1);
    }
    CHECK(a->len == 1000 && a->cap == 1024);
    for (int64_t i = 0; i < 1000; i++)
        CHECK(*(int64_t *)hic_array_at(a, i, 8, 1, 1) == i * i);
    *(int64_t *)hic_array_at(a, 10, 8, 1, 1) = -5;
    CHECK(*(int64_t *)hic_array_at(a, 10, 8, 1, 1) == -5);
    CHECK(*(int64_t *)hic_array_pop(a, 8, 1, 1) == 999 * 999);
    CHECK(a->len == 999);

    /* Pack elements: 16 bytes. */
    struct hic_array *packs = hic_array_new(r, 16, 2);
    CHECK(packs->cap == 2);
    for (int i = 0; i < 5; i++) {
        struct hic_pack *p = hic_array_push(r, packs, 16);
        p->ptr = a;
        p->region = (uint64_t)i;
    }
    CHECK(((struct hic_pack *)hic_array_at(packs, 4, 16, 1, 1))->region == 4);
    CHECK(((struct hic_pack *)hic_array_pop(packs, 16, 1, 1))->region == 4);

    /* array(n, x) */
    int64_t seven = 7;
    struct hic_array *f = hic_array_filled(r, 8, 5, &seven, 1, 1);
    CHECK(f->len == 5 && f->cap == 5 && *(int64_t *)hic_array_at(f, 4, 8, 1, 1) == 7);
    struct hic_array *none = hic_array_filled(r, 16, 0, &seven, 1, 1);
    CHECK(none->len == 0 && none->data == NULL);

    /* array(3, pack): three copies, each retained and recorded. */
    uint64_t elem = hic_region_new();
    struct hic_pack pk = {.ptr = NULL, .region = elem};
    struct hic_array *aliases = hic_array_filled(r, 16, 3, &pk, 1, 1);
    hic_array_retain_packs(id, aliases);
    hic_release(elem);
    CHECK(hic_region_refs(elem) == 3 && hic_region_held(id, elem) == 3);
    hic_release(id);
    CHECK(!hic_region_is_live(elem));
    say("arrays ok\n");
}

static void array_error(struct hic_pack *args)
{
    (void)args;
    struct hic_region *r = hic_region_of(hic_region_new());
    const char *how = arg(1);
    struct hic_array *a = hic_array_new(r, 8, 0);
    for (int i = 0; i < 3; i++)
        *(int64_t *)hic_array_push(r, a, 8) = i;
    hic_print_s64(a->len);  /* printed before the error: must come out */
    hic_print_newline();
    if (!strcmp(how, "index"))
        hic_array_at(a, atol(arg(2)), 8, 12, 5);
    else if (!strcmp(how, "pop")) {
        for (int i = 0; i < 4; i++)
            hic_array_pop(a, 8, 4, 2);
    } else if (!strcmp(how, "negative"))
        hic_array_filled(r, 8, atol(arg(2)), a, 1, 1);
    else if (!strcmp(how, "divide"))
        hic_div_s64(1, 0, 2, 9);
    else if (!strcmp(how, "nowhere"))
        hic_panic(HIC_ERR_INDEX_OUT_OF_RANGE, 0, 0, 3, 3);
    else if (!strcmp(how, "trunc"))
        hic_trunc_f64(strtod(arg(2), NULL), 5, 6);
    else if (!strcmp(how, "key"))
        hic_panic(HIC_ERR_KEY_NOT_FOUND, 7, 8, 0, 0);
    say("not reached\n");
}

/* ---------------------------------------------------------------------- */

/* Map operations from stdin, one a line, against keys of one kind:
 *   i K V   insert; prints "new" or "old"
 *   g K     get; prints the value or "none"
 *   r K     remove; prints the removed value or "absent"
 *   k       keys, space-separated
 *   l       len */
static void map_ops(struct hic_pack *args)
{
    (void)args;
    int strings = strcmp(arg(1), "s64") != 0;
    int packs = !strcmp(arg(1), "str");  /* "ref": String keys as 8-byte references */
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    uint64_t keys_region = hic_region_new();
    struct hic_map *m = hic_map_new(r, packs ? 16 : 8, 8);
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        char op;
        char key[200];
        long long value = 0;
        int n = sscanf(line, "%c %199s %lld", &op, key, &value);
        if (n < 1)
            continue;
        struct hic_string *k = strings && n >= 2 ? str(hic_region_of(keys_region), key) : NULL;
        int64_t ik = n >= 2 ? atoll(key) : 0;
        if (op == 'i') {
            int32_t is_new = -1;
            int64_t *slot = strings ? hic_map_insert_str(r, m, k, keys_region, &is_new)
                                    : hic_map_insert_s64(r, m, ik, &is_new);
            *slot = value;
            say(is_new ? "new\n" : "old\n");
        } else if (op == 'g') {
            int64_t *v = strings ? hic_map_get_str(m, k) : hic_map_get_s64(m, ik);
            int32_t has = strings ? hic_map_contains_str(m, k) : hic_map_contains_s64(m, ik);
            CHECK((v != NULL) == has);
            if (v)
                say("%lld\n", (long long)*v);
            else
                say("none\n");
        } else if (op == 'r') {
            char *e = strings ? hic_map_remove_str(m, k) : hic_map_remove_s64(m, ik);
            if (e) {
                if (packs)
                    CHECK(((struct hic_pack *)e)->region == keys_region);
                say("%lld\n", (long long)*(int64_t *)(e + m->key_size));
            } else {
                say("absent\n");
            }
        } else if (op == 'k') {
            struct hic_array *ks = hic_map_keys(r, m);
            CHECK(ks->len == m->len);
            for (int64_t i = 0; i < ks->len; i++) {
                if (i)
                    hic_print_space();
                if (packs)
                    hic_print_string(((struct hic_pack *)hic_array_at(ks, i, 16, 0, 0))->ptr);
                else if (strings)
                    hic_print_string(*(struct hic_string **)hic_array_at(ks, i, 8, 0, 0));
                else
                    hic_print_s64(*(int64_t *)hic_array_at(ks, i, 8, 0, 0));
            }
            hic_print_newline();
        } else if (op == 'l') {
            say("%lld\n", (long long)m->len);
        }
    }
    hic_release(keys_region);
    hic_release(id);
}

/* A map with pack values (16 bytes) and a big one, checked in C. */
static void maps(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_map *m = hic_map_new(r, 8, 16);
    int64_t n = small ? 5000 : 100000;
    for (int64_t k = 0; k < n; k++) {
        struct hic_pack *v = hic_map_insert_s64(r, m, k * 7919, NULL);
        v->ptr = m;
        v->region = (uint64_t)k;
    }
    CHECK(m->len == n);
    for (int64_t k = 0; k < n; k += 2)
        CHECK(hic_map_remove_s64(m, k * 7919) != NULL);
    CHECK(hic_map_remove_s64(m, 0) == NULL && hic_map_get_s64(m, 0) == NULL);
    for (int64_t k = 1; k < n; k += 2)
        CHECK(((struct hic_pack *)hic_map_get_s64(m, k * 7919))->region == (uint64_t)k);
    struct hic_array *ks = hic_map_keys(r, m);
    CHECK(ks->len == n / 2 && *(int64_t *)hic_array_at(ks, 0, 8, 0, 0) == 7919);
    /* Churn: remove and re-insert one key many times; the map compacts in
     * place instead of growing. */
    int64_t cap = m->cap;
    for (int i = 0; i < (small ? 20000 : 500000); i++) {
        hic_map_remove_s64(m, 7919);
        hic_map_insert_s64(r, m, 7919, NULL);
    }
    CHECK(m->cap == cap && m->len == n / 2);
    hic_release(id);
    say("maps ok\n");
}

/* ---------------------------------------------------------------------- */

static volatile int64_t sink;
static uintptr_t deepest;

static __attribute__((noinline)) int64_t recurse(int64_t n)
{
    volatile char frame[64];
    frame[0] = (char)n;
    if (n == 0) {
        deepest = (uintptr_t)frame;
        return frame[0];
    }
    int64_t below = recurse(n - 1);  /* not a tail call */
    return below + frame[0];
}

/* Recurse argv[1] deep; print how much stack that took, to show the
 * compiler did not turn the recursion into a loop. */
static void deep(struct hic_pack *args)
{
    (void)args;
    volatile char top;
    sink = recurse(atol(arg(1)));
    say("deep ok %lu\n", (unsigned long)((uintptr_t)&top - deepest));
}

static __attribute__((noinline)) int64_t forever(int64_t n)
{
    volatile char frame[200];
    frame[0] = (char)n;
    if (frame[0] == 127 && n < 0)  /* never true, but the compiler cannot know */
        return 0;
    return forever(n + 1) + frame[0];
}

static void overflow(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_alloc(hic_region_of(id), 32);
    hic_print_s64(42);  /* buffered when the overflow hits: must still appear */
    hic_print_newline();
    sink = forever(0);
}

static void out_of_memory(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_print_s64(1);
    hic_print_newline();
    for (;;)
        memset(hic_alloc(hic_region_of(id), 1 << 20), 1, 1 << 20);
}

/* Two regions holding each other, dropped: reference counting leaves both
 * at 1; the collector reclaims them when main returns. */
static void cycle(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_retain(b);
    hic_region_hold(a, b);
    hic_retain(a);
    hic_region_hold(b, a);  /* a cycle */
    hic_release(a);
    hic_release(b);
    CHECK(hic_region_refs(a) == 1 && hic_region_refs(b) == 1);
    hic_alloc(hic_region_of(a), 8);
}

/* The collector's shortcut (cycles.c): a graph built bottom-up has no
 * CYCLIC region; a pack stored into a region of which a pack is held makes
 * one; it goes with the region. A pair holding each other is one, and the
 * collector still finds it when main returns. */
static void cyclic_flags(struct hic_pack *args)
{
    (void)args;
    uint64_t leaf = hic_region_new(), node = hic_region_new(), root = hic_region_new();
    hic_retain(leaf);
    hic_region_hold(node, leaf);
    hic_retain(node);
    hic_region_hold(root, node);
    hic_release(leaf);
    hic_release(node);
    CHECK(hic_regions_cyclic() == 0);
    uint64_t late = hic_region_new();
    hic_retain(late);
    hic_region_hold(node, late);  /* node is held: this edge could close a cycle */
    CHECK(hic_regions_cyclic() == 1);
    hic_release(late);
    hic_release(root);  /* root, node, leaf and late */
    CHECK(hic_regions_cyclic() == 0 && !hic_region_is_live(node));
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_retain(b);
    hic_region_hold(a, b);
    CHECK(hic_regions_cyclic() == 0);
    hic_retain(a);
    hic_region_hold(b, a);
    CHECK(hic_regions_cyclic() == 1);
    hic_release(a);
    hic_release(b);
}

/* A candidate buffered while no region is CYCLIC has its id left out of
 * the buffer (UNKEPT, cycles.c); released again once a cycle runs through
 * it, its id must be kept, or the garbage cycle would leak. */
static void unkept(struct hic_pack *args)
{
    (void)args;
    uint64_t x = hic_region_new(), y = hic_region_new();
    hic_retain(y);
    hic_region_hold(x, y);
    hic_release(y);
    hic_retain(x);
    hic_release(x);  /* x alive, holding y: a candidate, no cycle anywhere */
    CHECK(hic_regions_cyclic() == 0);
    hic_retain(x);
    hic_region_hold(y, x);  /* y is held: x <-> y */
    CHECK(hic_regions_cyclic() == 1);
    hic_release(x);  /* x's block ends: the pair is garbage */
    CHECK(hic_region_is_live(x) && hic_region_is_live(y));
    hic_collect_cycles();
    CHECK(!hic_region_is_live(x) && !hic_region_is_live(y));
    CHECK(hic_counters.regions_collected == 2);
    say("unkept ok\n");
}

/* A candidate's mark is the collector's round (cycles.c), 1 to 255: after
 * 255 more collections the round number comes back, and a region buffered
 * then must not look buffered now. The pair a <-> b is buffered in round 1
 * and survives (a's block keeps it); in round 1 again, the end of a's
 * block must buffer a again, or the pair would leak. */
static void rounds(struct hic_pack *args)
{
    (void)args;
    uint64_t a = hic_region_new(), b = hic_region_new();
    hic_retain(b);
    hic_region_hold(a, b);
    hic_retain(a);
    hic_region_hold(b, a);
    hic_retain(a);
    hic_release(a);  /* a buffered */
    hic_release(b);  /* b's block ends: b buffered */
    hic_collect_cycles();
    CHECK(hic_region_refs(a) == 2 && hic_region_refs(b) == 1);
    for (int i = 0; i < 254; i++) {  /* rounds 2 to 255, then 1 again */
        uint64_t p = hic_region_new(), q = hic_region_new();
        hic_retain(q);
        hic_region_hold(p, q);
        hic_release(q);
        hic_retain(p);
        hic_release(p);  /* p alive, holding q: a candidate */
        hic_collect_cycles();
        hic_release(p);
    }
    hic_release(a);  /* the pair's last outside reference */
}

/* Rings of regions, each holding the next; argv[1] rings of argv[2]
 * regions, each ring dropped after it is built. A ring also holds an
 * acyclic tail (regions only it reaches) and, if argv[3] is "merged", one
 * member of each ring is merged into the next. Then a cycle that stays
 * reachable (held by a live region) must survive every collection, its
 * counts intact. */
static void rings(struct hic_pack *args)
{
    (void)args;
    long rounds = atol(arg(1)), n = atol(arg(2));
    int merged = !strcmp(arg(3), "merged");
    uint64_t keeper = hic_region_new();
    uint64_t kept[3];
    for (int i = 0; i < 3; i++)
        kept[i] = hic_region_new();
    for (int i = 0; i < 3; i++) {
        hic_retain(kept[(i + 1) % 3]);
        hic_region_hold(kept[i], kept[(i + 1) % 3]);
    }
    hic_retain(kept[0]);
    hic_region_hold(keeper, kept[0]);
    for (int i = 0; i < 3; i++)
        hic_release(kept[i]);
    for (long round = 0; round < rounds; round++) {
        uint64_t first = hic_region_new(), cell = first;
        *(int64_t *)hic_alloc(hic_region_of(first), 16) = round;
        uint64_t tail = hic_region_new();
        hic_array_new(hic_region_of(tail), 16, 4);
        hic_retain(tail);
        hic_region_hold(first, tail);
        hic_release(tail);
        for (long i = 1; i < n; i++) {
            uint64_t next = hic_region_new();
            *(int64_t *)hic_alloc(hic_region_of(next), 32) = i;
            hic_retain(next);
            hic_region_hold(cell, next);
            if (merged && i == 1)
                hic_region_merge(cell, next);
            hic_release(next);
            cell = next;
        }
        hic_retain(first);
        hic_region_hold(cell, first);  /* close the ring */
        hic_release(first);            /* drop it: unreachable now */
    }
    for (int i = 0; i < 3; i++)
        CHECK(hic_region_is_live(kept[i]));
    CHECK(hic_region_refs(kept[0]) == 2 && hic_region_refs(kept[1]) == 1);
    hic_release(keeper);  /* now the kept cycle is garbage too */
    say("rings ok\n");
}

/* Reading an object of a freed region: valgrind must see it, whether it
 * sat in the region's inline chunk or in a pool chunk. */
static void use_after_free(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    int64_t *p = hic_alloc(hic_region_of(id), !strcmp(arg(1), "chunk") ? 1000 : 8);
    *p = 1;
    hic_release(id);
    sink = *p;
}

/* A replaced storage block is given back at once: reading through the old
 * data pointer is a use after free. */
static void stale_storage(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_array *a = hic_array_new(r, 8, 0);
    *(int64_t *)hic_array_push(r, a, 8) = 1;
    int64_t *old = (int64_t *)a->data;
    for (int i = 0; i < 4; i++)
        *(int64_t *)hic_array_push(r, a, 8) = i;
    sink = *old;
}

/* Container storage under churn stays the size of the live contents: a
 * map kept at 100 keys, a map with String keys in regions of their own,
 * and an array used as a stack, argv[1] steps each. The stats' bytes_peak
 * must not depend on the number of steps. */
static void churn(struct hic_pack *args)
{
    (void)args;
    long steps = atol(arg(1));
    uint64_t id = hic_region_new();
    struct hic_region *r = hic_region_of(id);
    struct hic_map *m = hic_map_new(r, 8, 8);
    struct hic_map *ms = hic_map_new(r, 16, 8);
    struct hic_array *stack = hic_array_new(r, 16, 0);
    uint64_t keys[500] = {0};
    for (long i = 0; i < steps; i++) {
        *(int64_t *)hic_map_insert_s64(r, m, i, NULL) = i;
        if (i >= 100)
            CHECK(hic_map_remove_s64(m, i - 100) != NULL);
        char text[32];
        int len = snprintf(text, sizeof text, "k%ld", i);
        uint64_t k = hic_region_new();
        struct hic_string *s = hic_string_new(hic_region_of(k), (const uint8_t *)text, len);
        int32_t is_new;
        *(int64_t *)hic_map_insert_str(r, ms, s, k, &is_new) = i;
        CHECK(is_new);
        hic_region_hold(id, k);
        if (keys[i % 500]) {
            uint64_t old = keys[i % 500];
            char otext[32];
            int olen = snprintf(otext, sizeof otext, "k%ld", i - 500);
            uint64_t scratch = hic_region_new();
            struct hic_string *probe =
                hic_string_new(hic_region_of(scratch), (const uint8_t *)otext, olen);
            struct hic_pack *e = hic_map_remove_str(ms, probe);
            CHECK(e && e->region == old);
            hic_release(scratch);
            hic_region_unhold(id, old);
            hic_release(old);
        }
        keys[i % 500] = k;
        struct hic_pack *p = hic_array_push(r, stack, 16);
        p->ptr = NULL;
        p->region = 0;
        if (i % 1000 == 999)
            while (stack->len)
                hic_array_pop(stack, 16, 0, 0);
    }
    hic_release(id);
    say("churn ok\n");
}

/* What small regions cost: argv[1] regions, each holding one 32-byte
 * object and a pack of the next, all live at once; prints the pool's
 * mapped bytes per region. */
static void region_cost(struct hic_pack *args)
{
    (void)args;
    long n = atol(arg(1));
    uint64_t before = hic_pool_mapped_bytes();
    uint64_t head = hic_region_new(), cell = head;
    for (long i = 0; i < n; i++) {
        uint64_t next = hic_region_new();
        *(int64_t *)hic_alloc(hic_region_of(next), 32) = i;
        hic_retain(next);
        hic_region_hold(cell, next);
        hic_release(next);
        cell = next;
    }
    say("%llu\n", (unsigned long long)((hic_pool_mapped_bytes() - before) / (uint64_t)n));
    hic_release(head);
}

/* pool.c's blocks grown in place of a copy (the region table's doubling):
 * a small one is copied, a big one remapped; either keeps its contents,
 * and the bytes mapped follow. */
void *hic_pool_get(size_t bytes);
void hic_pool_put(void *p, size_t bytes);
void *hic_pool_grow(void *p, size_t bytes, size_t more);

static void pool_grow(struct hic_pack *args)
{
    (void)args;
    uint64_t before = hic_pool_mapped_bytes();
    size_t bytes = 4096;
    uint64_t *words = hic_pool_get(bytes);
    for (size_t i = 0; i < bytes / 8; i++)
        words[i] = i * 2654435761u;
    for (int k = 0; k < 6; k++) {  /* 8, 16 KiB, 1, 2 MiB (copied), 4, 8 MiB (remapped) */
        size_t more = bytes * (k == 2 ? 64 : 2);
        words = hic_pool_grow(words, bytes, more);
        for (size_t i = 0; i < bytes / 8; i++)
            CHECK(words[i] == i * 2654435761u);
        for (size_t i = bytes / 8; i < more / 8; i++)
            words[i] = i * 2654435761u;
        bytes = more;
    }
    CHECK(bytes == (size_t)8 << 20);
    CHECK(hic_pool_mapped_bytes() - before >= bytes && hic_pool_mapped_bytes() - before < bytes + (8 << 20));
    hic_pool_put(words, bytes);
    /* kept for a later request (pool.c keeps released big blocks up to
     * 16 MiB in all), then serving one of its size without a new mapping */
    uint64_t kept = hic_pool_mapped_bytes();
    CHECK(kept - before <= (16 << 20));
    words = hic_pool_get(bytes);
    CHECK(hic_pool_mapped_bytes() == kept);
    hic_pool_put(words, bytes);
    say("pool_grow ok\n");
}

/* ---------------------------------------------------------------------- */

static void everything(struct hic_pack *args)
{
    small = 1;
    regions(args);
    sized(args);
    chain(args);  /* argv[1] is "", so 0 cells */
    holds(args);
    merge(args);
    strings(args);
    print_values(args);
    arrays(args);
    maps(args);
    g_argc = 4;
    g_argv = (char *[]){"everything", "30", "50", "merged"};
    rings(args);
    g_argv[1] = "3000";
    churn(args);
}

static void just_panic(struct hic_pack *args)
{
    (void)args;
    hic_region_new();
    hic_panic(HIC_ERR_DIVISION_BY_ZERO, 1, 2, 0, 0);
}

static void just_count(struct hic_pack *args)
{
    (void)args;
    uint64_t id = hic_region_new();
    hic_alloc(hic_region_of(id), 8);
    hic_release(id);
}

/* Two programs in one process, as a JIT host runs them: the first one's
 * runtime error returns 101 instead of ending the process, and the second
 * starts from fresh counters. */
static int twice(void)
{
    int first = hic_start(0, NULL, just_panic, "first", 0);
    int second = hic_start(0, NULL, just_count, "second", 0);
    char json[1024];
    hic_stats_json(json, sizeof json);
    dprintf(1, "%d %d %s", first, second, json);
    return 0;
}

static const struct {
    const char *name;
    hic_main_fn fn;
    int32_t flags;
} scenarios[] = {
    {"regions", regions, 0},
    {"sized", sized, 0},
    {"stale", stale, 0},
    {"chain", chain, 0},
    {"holds", holds, 0},
    {"unhold_missing", unhold_missing, 0},
    {"merge", merge, 0},
    {"merge_error", merge_error, 0},
    {"strings", strings, 0},
    {"int_of", int_of, HIC_START_ARGS},
    {"string_index", string_index, 0},
    {"args", args_scenario, HIC_START_ARGS},
    {"args_plain", args_plain, HIC_START_ARGS_PLAIN},
    {"print_values", print_values, 0},
    {"print_floats", print_floats, 0},
    {"print_lots", print_lots, 0},
    {"arrays", arrays, 0},
    {"array_error", array_error, 0},
    {"map_ops", map_ops, 0},
    {"maps", maps, 0},
    {"deep", deep, 0},
    {"overflow", overflow, 0},
    {"out_of_memory", out_of_memory, 0},
    {"cycle", cycle, 0},
    {"rings", rings, 0},
    {"cyclic_flags", cyclic_flags, 0},
    {"rounds", rounds, 0},
    {"unkept", unkept, 0},
    {"use_after_free", use_after_free, 0},
    {"stale_storage", stale_storage, 0},
    {"churn", churn, 0},
    {"region_cost", region_cost, 0},
    {"pool_grow", pool_grow, 0},
    {"everything", everything, 0},
};

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    g_argc = argc - 1;
    g_argv = argv + 1;
    if (!strcmp(argv[1], "twice"))
        return twice();
    for (unsigned i = 0; i < sizeof scenarios / sizeof *scenarios; i++)
        if (!strcmp(argv[1], scenarios[i].name))
            return hic_start(argc - 1, argv + 1, scenarios[i].fn, argv[1],
                             scenarios[i].flags);
    return 2;
}
