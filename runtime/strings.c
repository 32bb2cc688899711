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

/* n bytes from `from` to `to` (not overlapping). The strings `++` joins are
 * mostly a few bytes long: up to 16 are two loads and two stores, where a
 * call of memcpy costs more than the copy. */
static inline void copy_bytes(uint8_t *to, const uint8_t *from, int64_t n)
{
    if (n > 16) {
        memcpy(to, from, (size_t)n);
    } else if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, from, 8);
        memcpy(&b, from + n - 8, 8);
        memcpy(to, &a, 8);
        memcpy(to + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, from, 4);
        memcpy(&b, from + n - 4, 4);
        memcpy(to, &a, 4);
        memcpy(to + n - 4, &b, 4);
    } else if (n > 0) {
        to[0] = from[0];
        to[n / 2] = from[n / 2];
        to[n - 1] = from[n - 1];
    }
}

struct hic_string *hic_string_concat(struct hic_region *r, const struct hic_string *a,
                                     const struct hic_string *b)
{
    struct hic_string *s = make(r, a->len + b->len);
    copy_bytes(s->bytes, a->bytes, a->len);
    copy_bytes(s->bytes + a->len, b->bytes, b->len);
    return s;
}

/* The bytes of n in decimal: `-` for negatives, S64_MIN included. */
static int decimal_len(int64_t n)
{
    uint64_t v = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    int len = 1 + (n < 0);
    for (uint64_t ten = 10; v >= ten; ten *= 10) {
        len++;
        if (ten > UINT64_MAX / 10)
            break;  /* 10^19: v has 20 digits */
    }
    return len;
}

static const char two_digits[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* n in decimal, written to end at `end` (decimal_len(n) bytes before it). */
static void write_decimal(uint8_t *end, int64_t n)
{
    uint8_t *p = end;
    uint64_t v = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
    while (v >= 100) {
        const char *d = two_digits + 2 * (v % 100);
        v /= 100;
        *--p = (uint8_t)d[1];
        *--p = (uint8_t)d[0];
    }
    if (v >= 10) {
        *--p = (uint8_t)two_digits[2 * v + 1];
        *--p = (uint8_t)two_digits[2 * v];
    } else {
        *--p = (uint8_t)('0' + v);
    }
    if (n < 0)
        *--p = '-';
}

/* A fused chain of `++` (the `concat-chains` pass): the parts' bytes in
 * order, a string's or a number's decimal digits (written in place), in
 * one new string. */
struct hic_string *hic_string_concat_n(struct hic_region *r, const uint64_t *parts, int64_t n,
                                       uint64_t numbers)
{
    int64_t lens[64];
    int64_t len = 0;
    for (int64_t k = 0; k < n; k++) {
        if (numbers >> k & 1)
            lens[k] = decimal_len((int64_t)parts[k]);
        else
            lens[k] = ((const struct hic_string *)(uintptr_t)parts[k])->len;
        if (lens[k] > ((int64_t)1 << 62) - len)
            hic_out_of_memory();
        len += lens[k];
    }
    struct hic_string *s = make(r, len);
    uint8_t *to = s->bytes;
    for (int64_t k = 0; k < n; k++) {
        if (numbers >> k & 1)
            write_decimal(to + lens[k], (int64_t)parts[k]);
        else
            copy_bytes(to, ((const struct hic_string *)(uintptr_t)parts[k])->bytes, lens[k]);
        to += lens[k];
    }
    return s;
}

/* `str(n)`: decimal, `-` for negatives, S64_MIN included. */
struct hic_string *hic_string_from_s64(struct hic_region *r, int64_t n)
{
    struct hic_string *s = make(r, decimal_len(n));
    write_decimal(s->bytes + s->len, n);
    return s;
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
