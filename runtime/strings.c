/* strings.c -- immutable byte strings: `{int64_t len; uint8_t bytes[len]}`
 * in a region, no terminator (a String may hold NUL bytes, and the length is
 * what every operation needs first).
 *
 * Each function that makes a string allocates exactly one object of
 * 8 + len bytes rounded up to a multiple of 8 (docs/lolang.md section 9:
 * the lolang interpreter counts that size).
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

static struct hic_string *make(struct hic_region *r, int64_t len)
{
    if (len < 0 || (uint64_t)len > ((uint64_t)1 << 62))
        hic_out_of_memory();
    struct hic_string *s = hic_alloc(r, 8 + HIC_ROUND8((uint64_t)len));
    s->len = len;
    return s;
}

struct hic_string *hic_string_new(struct hic_region *r, const uint8_t *bytes, int64_t len)
{
    struct hic_string *s = make(r, len);
    if (len)
        memcpy(s->bytes, bytes, (size_t)len);
    return s;
}

struct hic_string *hic_string_concat(struct hic_region *r, const struct hic_string *a,
                                     const struct hic_string *b)
{
    struct hic_string *s = make(r, a->len + b->len);
    if (a->len)
        memcpy(s->bytes, a->bytes, (size_t)a->len);
    if (b->len)
        memcpy(s->bytes + a->len, b->bytes, (size_t)b->len);
    return s;
}

/* `str(n)`: decimal, `-` for negatives, S64_MIN included. */
struct hic_string *hic_string_from_s64(struct hic_region *r, int64_t n)
{
    uint8_t buf[24];
    uint8_t *end = buf + sizeof buf;
    uint8_t *p = end;
    uint64_t v = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    do {
        *--p = (uint8_t)('0' + v % 10);
        v /= 10;
    } while (v);
    if (n < 0)
        *--p = '-';
    return hic_string_new(r, p, end - p);
}

/* `int(s)`: an optional `-`, then one or more decimal digits, whose value
 * fits S64; anything else (a `+`, spaces, an empty string, overflow) is the
 * runtime error `malformed integer string`. */
int64_t hic_string_to_s64(const struct hic_string *s, int32_t line, int32_t col)
{
    int64_t i = 0;
    int negative = s->len > 0 && s->bytes[0] == '-';
    if (negative)
        i = 1;
    if (i == s->len)
        hic_panic(HIC_ERR_MALFORMED_INT, line, col, 0, 0);
    /* Accumulate the magnitude unsigned: -S64_MIN does not fit S64. */
    uint64_t limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    for (; i < s->len; i++) {
        unsigned d = (unsigned)s->bytes[i] - '0';
        if (d > 9 || v > (limit - d) / 10)
            hic_panic(HIC_ERR_MALFORMED_INT, line, col, 0, 0);
        v = v * 10 + d;
    }
    return negative ? (int64_t)(0 - v) : (int64_t)v;
}

/* `substr(s, i, j)`: the bytes from i to j (exclusive). Unless
 * 0 <= i <= j <= len it is `index out of range` (LANGUAGE.md 1.8), checked
 * before anything is allocated. */
struct hic_string *hic_string_sub(struct hic_region *r, const struct hic_string *s, int64_t i,
                                  int64_t j, int32_t line, int32_t col)
{
    if (i < 0 || i > j)
        hic_panic(HIC_ERR_SUBSTR_RANGE, line, col, i, j);
    if (j > s->len)
        hic_panic(HIC_ERR_SUBSTR_END, line, col, j, s->len);
    return hic_string_new(r, s->bytes + i, j - i);
}

/* `chr(b)`: the one-byte string holding b. */
struct hic_string *hic_string_of_byte(struct hic_region *r, uint8_t b)
{
    return hic_string_new(r, &b, 1);
}

/* `<` and its kin on strings (LANGUAGE.md 1.8): negative, zero or positive
 * as a sorts before, with or after b -- by bytes as unsigned numbers
 * (memcmp's order), a proper prefix first. */
int32_t hic_string_cmp(const struct hic_string *a, const struct hic_string *b)
{
    int64_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->bytes, b->bytes, (size_t)n) : 0;
    if (c)
        return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
}

int32_t hic_string_eq(const struct hic_string *a, const struct hic_string *b)
{
    if (a == b)
        return 1;
    return a->len == b->len && memcmp(a->bytes, b->bytes, (size_t)a->len) == 0;
}

/* `s[i]`: the byte, a U8. */
uint8_t hic_string_at(const struct hic_string *s, int64_t i, int32_t line, int32_t col)
{
    if ((uint64_t)i >= (uint64_t)s->len)
        hic_panic(HIC_ERR_INDEX_OUT_OF_RANGE, line, col, i, s->len);
    return s->bytes[i];
}
