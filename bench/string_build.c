/* string_build.c: string building and parsing, batch by batch, in C.
 *
 * Each of N rows becomes a CSV line "id,name,qty,price" (e.g. "17,kalomi,
 * 302,815.07"); the name is glued together from random syllables. The lines
 * of a batch (200 rows) are kept in an array of malloc'd strings, the batch's
 * document, then parsed back: the bytes are scanned, split at commas, digits
 * accumulated into numbers (the qty is copied out and read with strtol).
 * Each parsed row appends to a report that grows per row and restarts per
 * batch. Same algorithm and output as bench/string_build.hi.
 *
 * Memory: the way a C programmer manages it by hand. Per-row temporaries
 * (name, price, qty text) live in stack buffers; each line is one malloc,
 * freed when its batch ends; the report is one growable buffer, reused.
 *
 * Build: cc -O2 -o string_build string_build.c -lm
 * Usage: string_build [N]     (N rows, default 1000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 200
#define M 1000003L

static const char *SYLLABLES[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi"};

typedef struct {
    long id, name_hash, qty, cents;
} Parsed;

typedef struct {
    char *data;
    size_t len, cap;
} Buf;

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n);
    if (!p) { fputs("runtime error: out of memory\n", stderr); exit(101); }
    return p;
}

static void buf_append(Buf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        b->cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 64;
        b->data = xrealloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

/* A Lehmer generator (MINSTD). */
static long rng_state = 42;

static long rand_below(long m) {
    rng_state = rng_state * 48271 % 2147483647;
    return rng_state % m;
}

static size_t make_name(char *out) {
    size_t n = 0;
    long k = 1 + rand_below(3);
    for (long i = 0; i < k; i++) {
        const char *syl = SYLLABLES[rand_below(8)];
        size_t sl = strlen(syl);
        memcpy(out + n, syl, sl);
        n += sl;
    }
    out[n] = '\0';
    return n;
}

/* Scan one line: the id and the price (dot skipped) by accumulating digits,
 * the name by hashing its bytes, the qty by copying its text for strtol. */
static Parsed parse_line(const char *line, size_t len) {
    Parsed p = {0, 7, 0, 0};
    char qtext[24];
    size_t qlen = 0;
    int field = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == ',') field++;
        else if (field == 0) p.id = p.id * 10 + (c - '0');
        else if (field == 1) p.name_hash = (p.name_hash * 31 + c) % M;
        else if (field == 2) qtext[qlen++] = (char)c;
        else if (c != '.') p.cents = p.cents * 10 + (c - '0');
    }
    qtext[qlen] = '\0';
    p.qty = strtol(qtext, NULL, 10);
    return p;
}

static long byte_hash(const char *s, size_t n) {
    long h = 0;
    for (size_t i = 0; i < n; i++) h = (h * 31 + (unsigned char)s[i]) % M;
    return h;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000;
    long batches = n > 0 ? (n + BATCH - 1) / BATCH : 0;
    long stride = (batches + 19) / 20;
    long rows = 0, bytes = 0, sum = 0, names = 0, dups = 0, bad = 0;
    char *lines[BATCH];
    size_t lens[BATCH];
    Buf report = {0};

    for (long b = 0; b < batches; b++) {
        /* Build the batch's document. */
        int count = 0;
        char prev[32] = "", name[32], line[96], entry[48];
        while (count < BATCH && rows < n) {
            size_t nl = make_name(name);
            if (strcmp(name, prev) == 0) dups++;
            memcpy(prev, name, nl + 1);
            long qty = rand_below(1000);
            long cents = rand_below(100000);
            int len = snprintf(line, sizeof line, "%ld,%s,%ld,%ld.%02ld",
                               rows, name, qty, cents / 100, cents % 100);
            lines[count] = xrealloc(NULL, (size_t)len + 1);
            memcpy(lines[count], line, (size_t)len + 1);
            lens[count] = (size_t)len;
            count++;
            rows++;
        }
        /* Parse it back; the report grows by one entry per row. */
        report.len = 0;
        long expect = rows - count;
        for (int i = 0; i < count; i++) {
            Parsed p = parse_line(lines[i], lens[i]);
            if (p.id != expect) bad++;
            expect++;
            bytes += (long)lens[i];
            sum = (sum + p.id + p.qty + p.cents) % M;
            names = (names * 131 + p.name_hash) % M;
            int el = snprintf(entry, sizeof entry, "%ld:%ld;", p.id, p.qty * p.cents % M);
            buf_append(&report, entry, (size_t)el);
        }
        if ((b + 1) % stride == 0 || b == batches - 1)
            printf("batch %ld rows %ld bytes %ld sum %ld names %ld report %zu %ld\n", b + 1, rows,
                   bytes, sum, names, report.len, byte_hash(report.data, report.len));
        for (int i = 0; i < count; i++) free(lines[i]);
    }
    printf("total rows %ld bytes %ld dups %ld bad %ld\n", rows, bytes, dups, bad);
    free(report.data);
    return 0;
}
