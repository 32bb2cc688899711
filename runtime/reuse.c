/* reuse.c -- what Perceus' reset needs of a region (lolang's `match reset`,
 * docs/lolang.md §5.5; generated code in lolang/codegen/reuse.py).
 *
 * A region is unique for an object of `size` bytes when it is not P, its
 * count is 1, it owns its objects (not merged into another) and its bytes
 * are exactly `size`: then the consumed pack is the only way to it, and
 * the object is all it holds, so the object may be overwritten in place
 * and the region kept. The lolang interpreter makes the same test
 * (lolang/interp/reuse.py), so both engines take the same path and count
 * the same operations.
 *
 * Kept apart from regions.c; it relies on the header's layout (`refs`,
 * `flags`, the inline held ids, hic_region_bytes_of) and on two facts of
 * regions.c: HIC_REGION_HELD only filters which regions the cycle
 * collector looks at, and an emptied multiset is inline ids of 0.
 */
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

/* The reset of a unique region: 1, and the region records no pack any
 * more (the object's packs move out: it held exactly those), nor is it
 * marked HELD (its one reference is the caller's pack, recorded nowhere:
 * packs stored into it while it is reused do not make it a candidate of
 * the cycle collector). 0 when the region is not unique: nothing done. */
int64_t hic_reuse_reset(uint64_t id, uint64_t size)
{
    if (id == HIC_PRIMITIVE)
        return 0;
    struct hic_region *r = hic_region_of(id);
    if (r->refs != 1 || (r->flags & HIC_REGION_MERGED) || hic_region_bytes_of(r) != size)
        return 0;
    if (r->hold_log2)
        hic_pool_put(r->held.table, hic_hold_cap(r) * sizeof *r->held.table);
    r->held.ids[0] = r->held.ids[1] = 0;
    r->held_counts[0] = r->held_counts[1] = 0;
    r->hold_log2 = 0;
    r->hold_len = 0;
    r->flags &= (uint8_t)~HIC_REGION_HELD;
    return 1;
}
