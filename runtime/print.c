/* print.c -- the program's stdout.
 *
 * Output is buffered here and written to fd 1 with write(2), not through
 * stdio: the runtime then knows exactly what is pending and can flush it
 * before any stderr line and at every way a program ends (normal end, runtime
 * error, stack overflow caught on the signal stack), with no libc lock that
 * an abandoned program could still hold.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
    size_t len;
    char buf[1 << 16];
} out;

void hic_write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return;  /* a closed pipe: nothing better to do with the bytes */
        }
        p += k;
        n -= (size_t)k;
    }
}

void hic_flush(void)
{
    hic_write_all(1, out.buf, out.len);
    out.len = 0;
}

void hic_output_reset(void)
{
    out.len = 0;
}

static void put(const char *p, size_t n)
{
    if (n > sizeof out.buf - out.len) {
        hic_flush();
        if (n >= sizeof out.buf) {
            hic_write_all(1, p, n);
            return;
        }
    }
    memcpy(out.buf + out.len, p, n);
    out.len += n;
}

void hic_print_s64(int64_t x)
{
    char buf[24];
    char *end = buf + sizeof buf;
    char *p = end;
    uint64_t v = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;  /* S64_MIN has no positive twin */
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (x < 0)
        *--p = '-';
    put(p, (size_t)(end - p));
}

void hic_print_u8(uint8_t x)
{
    hic_print_s64(x);
}

/* C's %.9f, except NaN: glibc writes `-nan` for a NaN with the sign bit set,
 * and LANGUAGE.md fixes `nan` for every NaN. */
void hic_print_f64(double x)
{
    if (isnan(x)) {
        put("nan", 3);
        return;
    }
    char buf[400];  /* %.9f of DBL_MAX is 309 digits, a point and 9 more */
    int n = snprintf(buf, sizeof buf, "%.9f", x);
    put(buf, (size_t)n);
}

void hic_print_bool(int32_t x)
{
    if (x)
        put("true", 4);
    else
        put("false", 5);
}

void hic_print_string(const struct hic_string *s)
{
    put((const char *)s->bytes, (size_t)s->len);
}

void hic_print_unit(void)
{
    put("()", 2);
}

void hic_print_space(void)
{
    put(" ", 1);
}

void hic_print_newline(void)
{
    put("\n", 1);
}
