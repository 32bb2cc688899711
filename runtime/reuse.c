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
 * `flags`, the inline held slots and counts, hic_region_bytes_of) and on two facts of
 * regions.c: HIC_REGION_HELD only filters which regions the cycle
 * collector looks at, and an emptied multiset is inline ids of 0.
 */
#define HIC_RUNTIME_INTERNAL
#include "hic_runtime.h"

/* The reset of a unique region: 1, and the region is no longer marked
 * HELD (its one reference is the caller's pack, recorded nowhere: packs
 * stored into it while it is reused do not make it a candidate of the
 * cycle collector). Its record of packs is kept: the packs move out of
 * the object into the arm's variables, but `reuse` puts most of them back
 * in the same fields, and then neither the store nor the record changes
 * (hic_reuse_replace for a field that changes; hic_reuse_drop forgets
 * them all when the token is dropped instead). 0 when the region is not
 * unique: nothing done. */
int64_t hic_reuse_reset(uint64_t id, uint64_t size)
{
    if (id == HIC_PRIMITIVE)
        return 0;
    struct hic_region *r = hic_region_of(id);
    if (r->refs != 1 || (r->flags & HIC_REGION_MERGED) || hic_region_bytes_of(r) != size)
        return 0;
    r->flags &= (uint8_t)~HIC_REGION_HELD;
    return 1;
}

/* A field of a unique token's object whose old pack `old` (moved out at
 * the reset, still recorded) is overwritten in place with the owned pack
 * `held`: the new one is recorded and the old one forgotten, without a
 * count (the old reference went with the variable it moved into). The
 * same id (the recursion reused the child in place) changes nothing. No
 * collection can run in between, so the old one goes first: two inline
 * places then never overflow into a table. Straight through when the
 * ids are inline and the old one is there once: the new id takes its
 * place (or, already held, one more of it, the old place emptied from
 * the end as hold_remove does), the places staying in order. */
void hic_reuse_replace(uint64_t owner, uint64_t held, uint64_t old)
{
    if (held == old)
        return;
    struct hic_region *o = hic_region_of(owner);
    if (held != HIC_PRIMITIVE && old != HIC_PRIMITIVE && held != owner && !o->hold_log2 &&
        !(o->flags & (HIC_REGION_MERGED | HIC_REGION_HELD))) {
        uint32_t hs = (uint32_t)held, os = (uint32_t)old;  /* places hold slots */
        int k = o->held.slots[0] == os ? 0 : o->held.slots[1] == os ? 1 : -1;
        int other = 1 - k;
        if (k >= 0 && o->holds.counts[k] == 1) {
            struct hic_region *h = hic_region_of(held);
            if (h->id != held)
                hic_internal_error("a pack of a dead region stored into a reused object");
            h->flags |= HIC_REGION_HELD;  /* the owner is not HELD: no cycle closes */
            if (o->held.slots[other] != hs) {
                o->held.slots[k] = hs;
                return;
            }
            if (o->holds.counts[other] < UINT16_MAX) {
                o->holds.counts[other]++;
                o->held.slots[k] = o->held.slots[1];
                o->holds.counts[k] = o->holds.counts[1];
                o->held.slots[1] = 0;
                o->holds.counts[1] = 0;
                return;
            }
        } else if (k >= 0 && (o->held.slots[other] == hs || o->held.slots[other] == 0) &&
                   o->holds.counts[other] < UINT16_MAX) {
            /* `old` is there more than once (a rotation gave one field the
             * other's child, then moves that one on: rbtree's balance):
             * one fewer of it, and `held` counted in the other place or,
             * free (the places fill in order: k is 0), put there -- what
             * unhold then hold would leave, without the two calls. */
            struct hic_region *h = hic_region_of(held);
            if (h->id != held)
                hic_internal_error("a pack of a dead region stored into a reused object");
            h->flags |= HIC_REGION_HELD;
            o->holds.counts[k]--;
            if (o->held.slots[other] == 0)
                o->held.slots[other] = hs;
            o->holds.counts[other]++;
            return;
        }
    }
    hic_region_unhold(owner, old);
    hic_region_hold(owner, held);
}

/* `drop w` of a reuse token: an empty one (P) is nothing; a unique one's
 * region forgets the packs it still records (they moved out at the reset)
 * and is released, which frees it. */
void hic_reuse_drop(uint64_t id)
{
    if (id == HIC_PRIMITIVE)
        return;
    hic_holds_clear(hic_region_of(id));
    hic_release(id);
}
