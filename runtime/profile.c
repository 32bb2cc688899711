/* profile.c -- live bytes by allocation site over the run, for
 * `hic run --profile` (the `profile` variant of the runtime only: compiled
 * with -DHIC_PROFILE; the normal runtime has none of this, and normal
 * generated code inlines the allocation fast path without any hook).
 *
 * Generated code compiled for profiling stores the allocation site of what
 * it is about to allocate in `hic_profile_site` (codegen/profile.py), and
 * allocates out of line. Each region keeps a short list of (site, bytes)
 * for what it holds, so that freeing it takes those bytes off their sites;
 * a storage block remembers its site in its header. The clock is
 * bytes_allocated, which both engines count identically, so the lolang
 * interpreter (lolang/interp/profile.py) produces the very same profile:
 *
 * - a sample each time the clock passes a multiple of `interval` (4 KiB at
 *   first): clock, live regions, live bytes of each site. When 512 samples
 *   are kept, every other one is dropped and the interval doubles;
 * - the live bytes of each site at the peak (taken where bytes_peak is:
 *   before each free, and at the end);
 * - a last sample at the end.
 *
 * $HIC_PROFILE names the file the data goes to, as JSON, when the program
 * ends however it ends.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#ifdef HIC_PROFILE

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRST_INTERVAL 4096
#define MAX_SAMPLES 512

uint32_t hic_profile_site;

/* What one region holds of one site. */
struct site_bytes {
    struct site_bytes *next;
    uint32_t site;
    int64_t bytes;
};

struct series {                 /* a growable array of words from the pool */
    uint64_t *at;
    uint64_t len, cap;
};

static struct {
    struct site_bytes **heads;  /* by region slot */
    uint32_t heads_cap;
    struct site_bytes *spare;   /* records to reuse */
    int64_t *live;              /* by site */
    uint32_t sites;             /* sites seen: live[0..sites) */
    uint32_t live_cap;
    uint64_t interval, next_sample;
    struct series samples;      /* rows: clock, regions, n, live[0..n) */
    uint64_t rows;
    uint64_t peak_bytes, peak_clock, peak_regions;
    int64_t *peak;              /* live by site at the peak */
    uint32_t peak_sites;
} prof;

static void *grown(void *old, size_t old_bytes, size_t bytes)
{
    void *p = hic_pool_get(bytes);
    memset(p, 0, bytes);
    if (old) {
        memcpy(p, old, old_bytes);
        hic_pool_put(old, old_bytes);
    }
    return p;
}

static void append(struct series *s, uint64_t x)
{
    if (s->len == s->cap) {
        uint64_t cap = s->cap ? s->cap * 2 : 1024;
        s->at = grown(s->at, s->cap * sizeof *s->at, cap * sizeof *s->at);
        s->cap = cap;
    }
    s->at[s->len++] = x;
}

void hic_profile_reset(void)
{
    memset(&prof, 0, sizeof prof);  /* the pool was torn down */
    prof.interval = prof.next_sample = FIRST_INTERVAL;
}

static void need_site(uint32_t site)
{
    if (site < prof.sites)
        return;
    if (site >= prof.live_cap) {
        uint32_t cap = prof.live_cap ? prof.live_cap : 64;
        while (cap <= site)
            cap *= 2;
        prof.live = grown(prof.live, prof.live_cap * sizeof *prof.live, cap * sizeof *prof.live);
        prof.live_cap = cap;
    }
    prof.sites = site + 1;
}

static struct site_bytes **head_of(struct hic_region *r)
{
    uint32_t slot = (uint32_t)r->id;
    if (slot >= prof.heads_cap) {
        uint32_t cap = prof.heads_cap ? prof.heads_cap : 1024;
        while (cap <= slot)
            cap *= 2;
        prof.heads = grown(prof.heads, prof.heads_cap * sizeof *prof.heads, cap * sizeof *prof.heads);
        prof.heads_cap = cap;
    }
    return &prof.heads[slot];
}

static void add(struct hic_region *owner, uint32_t site, int64_t bytes)
{
    need_site(site);
    prof.live[site] += bytes;
    struct site_bytes **head = head_of(owner);
    for (struct site_bytes *s = *head; s; s = s->next)
        if (s->site == site) {
            s->bytes += bytes;
            return;
        }
    struct site_bytes *s = prof.spare;
    if (s)
        prof.spare = s->next;
    else
        s = hic_pool_get(sizeof *s);
    s->site = site;
    s->bytes = bytes;
    s->next = *head;
    *head = s;
}

/* Keep the odd rows (the last among them: MAX_SAMPLES is even) and
 * double the interval. */
static void thin(void)
{
    uint64_t read = 0, write = 0, kept = 0;
    for (uint64_t row = 0; row < prof.rows; row++) {
        uint64_t width = 3 + prof.samples.at[read + 2];
        if (row % 2 == 1) {
            memmove(prof.samples.at + write, prof.samples.at + read, width * sizeof(uint64_t));
            write += width;
            kept++;
        }
        read += width;
    }
    prof.rows = kept;
    prof.samples.len = write;
    prof.interval *= 2;
}

static void sample(void)
{
    append(&prof.samples, hic_counters.bytes_allocated);
    append(&prof.samples, hic_counters.regions_created - hic_counters.regions_freed);
    append(&prof.samples, prof.sites);
    for (uint32_t i = 0; i < prof.sites; i++)
        append(&prof.samples, (uint64_t)prof.live[i]);
    prof.rows++;
}

static void tick(void)
{
    if (hic_counters.bytes_allocated < prof.next_sample)
        return;
    sample();
    if (prof.rows == MAX_SAMPLES)
        thin();
    prof.next_sample = (hic_counters.bytes_allocated / prof.interval + 1) * prof.interval;
}

void hic_profile_alloc(struct hic_region *owner, uint64_t size)
{
    add(owner, hic_profile_site, (int64_t)size);
    tick();
}

uint32_t hic_profile_storage(struct hic_region *owner, uint64_t size)
{
    uint32_t site = hic_profile_site;
    add(owner, site, (int64_t)size);
    tick();
    return site;
}

void hic_profile_storage_freed(struct hic_region *owner, uint32_t site, uint64_t size)
{
    add(owner, site, -(int64_t)size);
}

void hic_profile_freed(struct hic_region *r)
{
    struct site_bytes **head = head_of(r);
    struct site_bytes *s = *head;
    while (s) {
        struct site_bytes *next = s->next;
        prof.live[s->site] -= s->bytes;
        s->next = prof.spare;
        prof.spare = s;
        s = next;
    }
    *head = NULL;
}

void hic_profile_merged(struct hic_region *child, struct hic_region *owner)
{
    struct site_bytes **from = head_of(child), **to = head_of(owner);
    while (*from) {
        struct site_bytes *s = *from;
        *from = s->next;
        s->next = *to;
        *to = s;
    }
}

void hic_profile_peak(uint64_t live_bytes)
{
    if (prof.peak && live_bytes <= prof.peak_bytes)
        return;
    if (prof.peak_sites < prof.live_cap) {
        prof.peak = grown(prof.peak, prof.peak_sites * sizeof *prof.peak, prof.live_cap * sizeof *prof.peak);
        prof.peak_sites = prof.live_cap;
    }
    memcpy(prof.peak, prof.live, prof.sites * sizeof *prof.live);
    prof.peak_bytes = live_bytes;
    prof.peak_clock = hic_counters.bytes_allocated;
    prof.peak_regions = hic_counters.regions_created - hic_counters.regions_freed;
}

static void put(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(int fd, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    hic_write_all(fd, buf, (size_t)n);
}

void hic_profile_write(void)
{
    const char *path = getenv("HIC_PROFILE");
    if (!path || !*path)
        return;
    hic_profile_peak(hic_counters.bytes_allocated - hic_counters.bytes_freed);
    sample();
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    put(fd, "{\"samples\": [");
    uint64_t at = 0;
    for (uint64_t row = 0; row < prof.rows; row++) {
        uint64_t *r = prof.samples.at + at;
        put(fd, "%s[%llu, %llu", row ? ", " : "", (unsigned long long)r[0], (unsigned long long)r[1]);
        for (uint64_t i = 0; i < r[2]; i++)
            put(fd, ", %lld", (long long)r[3 + i]);
        put(fd, "]");
        at += 3 + r[2];
    }
    put(fd, "], \"peak\": [%llu, %llu", (unsigned long long)prof.peak_clock,
        (unsigned long long)prof.peak_regions);
    for (uint32_t i = 0; i < prof.sites; i++)
        put(fd, ", %lld", (long long)(prof.peak ? prof.peak[i] : 0));
    put(fd, "], \"peak_bytes\": %llu}\n", (unsigned long long)prof.peak_bytes);
    close(fd);
}

#else

typedef int hic_profile_c_is_empty_without_hic_profile;

#endif /* HIC_PROFILE */
