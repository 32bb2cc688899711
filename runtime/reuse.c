/* reuse.c -- the one test Perceus' reset/reuse needs of a region (lolang's
 * `match reset`, docs/lolang.md §5.5; generated code in
 * lolang/codegen/reuse.py).
 *
 * A region is unique for an object of `size` bytes when it is not P, its
 * count is 1, it owns its objects (not merged into another) and its bytes
 * are exactly `size`: then the consumed pack is the only way to it, and
 * the object is all it holds, so the object may be overwritten in place
 * and the region kept. The lolang interpreter makes the same test
 * (lolang/interp/reuse.py), so both engines take the same path and count
 * the same operations.
 *
 * Kept apart from regions.c, which it only reads through the header's
 * layout (`refs`, `flags`, hic_region_bytes_of).
 */
#include "hic_runtime.h"

int64_t hic_reuse_unique(uint64_t id, uint64_t size)
{
    if (id == HIC_PRIMITIVE)
        return 0;
    const struct hic_region *r = hic_region_of(id);
    return r->refs == 1 && !(r->flags & HIC_REGION_MERGED) && hic_region_bytes_of(r) == size;
}
