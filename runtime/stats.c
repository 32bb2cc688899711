/* stats.c -- DESIGN.md's "Figures every engine reports", as one JSON object
 * written to $HIC_STATS when the program ends, however it ends.
 *
 * The keys and their order are fixed: engine, stage, allocs, regions_created,
 * regions_freed, regions_peak, regions_leaked, retains, releases,
 * bytes_allocated, bytes_peak, regions_collected.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A copy: the stage name belongs to the caller, who may free it. */
static char stage_name[128];

void hic_stats_reset(const char *stage)
{
    memset(&hic_counters, 0, sizeof hic_counters);
    snprintf(stage_name, sizeof stage_name, "%s", stage ? stage : "");
}

/* `s` as the inside of a JSON string. */
static void json_escape(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = 0;
}

int64_t hic_stats_json(char *buf, int64_t cap)
{
    const struct hic_counters *c = &hic_counters;
    /* Live bytes and regions only grow between frees; the end is the last
     * chance for a new peak (see take_peaks in regions.c). */
    hic_regions_take_peak();
    uint64_t live = c->bytes_allocated - c->bytes_freed;
    uint64_t peak = live > c->bytes_peak ? live : c->bytes_peak;
    char stage[sizeof stage_name * 6 + 8];
    json_escape(stage, sizeof stage, stage_name);
    return snprintf(buf, (size_t)cap,
                    "{\"engine\": \"native\", \"stage\": \"%s\", \"allocs\": %llu, "
                    "\"regions_created\": %llu, \"regions_freed\": %llu, "
                    "\"regions_peak\": %llu, \"regions_leaked\": %llu, \"retains\": %llu, "
                    "\"releases\": %llu, \"bytes_allocated\": %llu, \"bytes_peak\": %llu, "
                    "\"regions_collected\": %llu}\n",
                    stage, (unsigned long long)c->allocs, (unsigned long long)c->regions_created,
                    (unsigned long long)c->regions_freed, (unsigned long long)c->regions_peak,
                    (unsigned long long)c->regions_live, (unsigned long long)c->retains,
                    (unsigned long long)c->releases, (unsigned long long)c->bytes_allocated,
                    (unsigned long long)peak, (unsigned long long)c->regions_collected);
}

void hic_stats_write(void)
{
    const char *path = getenv("HIC_STATS");
    if (!path || !*path)
        return;
    char buf[2048];
    int64_t n = hic_stats_json(buf, sizeof buf);
    if (n >= (int64_t)sizeof buf)
        n = (int64_t)sizeof buf - 1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        char msg[512];
        int k = snprintf(msg, sizeof msg, "hic: cannot write stats to %s: %s\n", path,
                         strerror(errno));
        hic_write_all(2, msg, (size_t)(k < (int)sizeof msg ? k : (int)sizeof msg - 1));
        return;
    }
    hic_write_all(fd, buf, (size_t)n);
    close(fd);
}
