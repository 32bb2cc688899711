/* errors.c -- how a program ends badly.
 *
 * A runtime error (LANGUAGE.md 1.6) and an internal error print one line on
 * stderr -- after stdout is fully written, so output printed before the error
 * stands and comes first -- and leave the program with status 101 or 3. The
 * texts are diagnostics/errors.py's, byte for byte: every engine prints the
 * same line, and the differential tests compare them.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <stdarg.h>
#include <stdio.h>

#define LINE_MAX_BYTES 512

/* The `<what>` of `runtime error: <what>`; -1 for an unknown kind. */
static int describe(char *buf, size_t cap, int32_t kind, int64_t a, int64_t b)
{
    switch (kind) {
    case HIC_ERR_DIVISION_BY_ZERO:
        return snprintf(buf, cap, "division by zero");
    case HIC_ERR_INDEX_OUT_OF_RANGE:
        return snprintf(buf, cap, "index %lld out of range for length %lld", (long long)a,
                        (long long)b);
    case HIC_ERR_POP_EMPTY:
        return snprintf(buf, cap, "pop of an empty array");
    case HIC_ERR_MALFORMED_INT:
        return snprintf(buf, cap, "malformed integer string");
    case HIC_ERR_NEGATIVE_ARRAY_SIZE:
        return snprintf(buf, cap, "negative array size %lld", (long long)a);
    case HIC_ERR_STACK_OVERFLOW:
        return snprintf(buf, cap, "stack overflow");
    case HIC_ERR_OUT_OF_MEMORY:
        return snprintf(buf, cap, "out of memory");
    case HIC_ERR_TRUNC_OUT_OF_RANGE:
        return snprintf(buf, cap, "F64 value out of range for S64");
    case HIC_ERR_KEY_NOT_FOUND:
        return snprintf(buf, cap, "key not found");
    case HIC_ERR_SUBSTR_RANGE:
        return snprintf(buf, cap, "index out of range: substr from %lld to %lld", (long long)a,
                        (long long)b);
    case HIC_ERR_SUBSTR_END:
        return snprintf(buf, cap, "index out of range: substr to %lld of a string of length %lld",
                        (long long)a, (long long)b);
    }
    return -1;
}

/* Print `runtime error: <what>[ at LINE:COL]`; the program is not ended
 * here, so hic_start can report a stack overflow the same way. */
void hic_report_error(int32_t kind, int32_t line, int32_t col, int64_t a, int64_t b)
{
    char msg[LINE_MAX_BYTES];
    int n = snprintf(msg, sizeof msg, "runtime error: ");
    int what = describe(msg + n, sizeof msg - (size_t)n, kind, a, b);
    if (what < 0)
        hic_internal_error("runtime error of unknown kind %d", (int)kind);
    n += what;
    if (line > 0)
        n += snprintf(msg + n, sizeof msg - (size_t)n, " at %d:%d", (int)line, (int)col);
    msg[n++] = '\n';
    hic_flush();
    hic_write_all(2, msg, (size_t)n);
}

void hic_panic(int32_t kind, int32_t line, int32_t col, int64_t a, int64_t b)
{
    hic_report_error(kind, line, col, a, b);
    hic_leave(101);
}

void hic_out_of_memory(void)
{
    hic_panic(HIC_ERR_OUT_OF_MEMORY, 0, 0, 0, 0);
}

/* hic broke one of its own invariants (a stale region id, a merge of a
 * region with live packs): a compiler bug, exit 3, never a program error. */
void hic_internal_error(const char *fmt, ...)
{
    char msg[LINE_MAX_BYTES];
    int n = snprintf(msg, sizeof msg, "hic internal error: ");
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(msg + n, sizeof msg - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += k < (int)(sizeof msg) - n - 1 ? k : (int)(sizeof msg) - n - 2;
    msg[n++] = '\n';
    hic_flush();
    hic_write_all(2, msg, (size_t)n);
    hic_leave(3);
}
