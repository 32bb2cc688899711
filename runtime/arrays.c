/* arrays.c -- growable arrays.
 *
 * An array is a 24-byte header `{len, cap, data}` (one object) and a storage
 * block of cap * elem_size bytes in the same region (storage, not an object:
 * it counts bytes, not allocs). They are separate so that growing replaces
 * only the storage: every alias of the header sees the new elements, and the
 * header's address -- what packs and fields point at -- never changes.
 *
 * Growth makes the capacity max(4, 2 * cap) (docs/lolang.md section 9, so
 * both engines count the same bytes): the new block is allocated, the
 * elements copied, and the old block given back at once
 * (hic_storage_free), so an array holds one block, of its capacity.
 */
#define _GNU_SOURCE
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

#include <string.h>

#define FIRST_CAP 4

static char *storage(struct hic_region *r, int64_t n, int64_t elem_size)
{
    if ((uint64_t)n > ((uint64_t)1 << 62) / (uint64_t)elem_size)
        hic_out_of_memory();
    return hic_storage_alloc(r, (uint64_t)n * (uint64_t)elem_size);
}

/* An empty array with room for `cap` elements (storage only if cap > 0). */
struct hic_array *hic_array_new(struct hic_region *r, int64_t elem_size, int64_t cap)
{
    if (elem_size <= 0 || cap < 0)
        hic_internal_error("array of %lld elements of %lld bytes", (long long)cap,
                           (long long)elem_size);
    struct hic_array *a = hic_alloc(r, sizeof *a);
    a->len = 0;
    a->cap = cap;
    a->data = cap ? storage(r, cap, elem_size) : NULL;
    return a;
}

/* `array(n, x)`: n copies of the elem_size bytes at `value`. */
struct hic_array *hic_array_filled(struct hic_region *r, int64_t elem_size, int64_t n,
                                   const void *value, int32_t line, int32_t col)
{
    if (n < 0)
        hic_panic(HIC_ERR_NEGATIVE_ARRAY_SIZE, line, col, n, 0);
    struct hic_array *a = hic_array_new(r, elem_size, n);
    for (int64_t i = 0; i < n; i++)
        memcpy(a->data + i * elem_size, value, (size_t)elem_size);
    a->len = n;
    return a;
}

/* `push`: the address of the new last slot, for the caller to fill. */
void *hic_array_push(struct hic_region *r, struct hic_array *a, int64_t elem_size)
{
    if (a->len == a->cap) {
        if (a->cap > INT64_MAX / 2)
            hic_out_of_memory();
        int64_t cap = a->cap * 2 > FIRST_CAP ? a->cap * 2 : FIRST_CAP;
        char *data = storage(r, cap, elem_size);
        if (a->len)
            memcpy(data, a->data, (size_t)(a->len * elem_size));
        if (a->cap)
            hic_storage_free(r, a->data, (uint64_t)(a->cap * elem_size));
        a->data = data;
        a->cap = cap;
    }
    return a->data + a->len++ * elem_size;
}

/* `pop`: the address of the removed element; read it before the next push. */
void *hic_array_pop(struct hic_array *a, int64_t elem_size, int32_t line, int32_t col)
{
    if (a->len == 0)
        hic_panic(HIC_ERR_POP_EMPTY, line, col, 0, 0);
    a->len--;
    return a->data + a->len * elem_size;
}

/* `a[i]`, for reading or writing: the element's address, bounds-checked. */
void *hic_array_at(const struct hic_array *a, int64_t i, int64_t elem_size, int32_t line,
                   int32_t col)
{
    if ((uint64_t)i >= (uint64_t)a->len)
        hic_panic(HIC_ERR_INDEX_OUT_OF_RANGE, line, col, i, a->len);
    return a->data + i * elem_size;
}

void hic_array_retain_packs(uint64_t owner, const struct hic_array *a)
{
    const struct hic_pack *p = (const struct hic_pack *)a->data;
    for (int64_t i = 0; i < a->len; i++) {
        hic_retain(p[i].region);
        hic_region_hold(owner, p[i].region);
    }
}
