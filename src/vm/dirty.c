/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/dirty.c - dirty-page tracking for live migration: one atomic bit
 * per VMMEM_DIRTY_PAGE_SIZE bytes of a RAM region, set by every write path
 * after the data is written, read and cleared by the migration thread.
 *
 * Ordering (why no write is ever lost): a writer stores the data, then runs
 * a sequentially consistent fence, then sets the page's bit (skipping the
 * atomic OR when the bit is already set, so hot pages do not bounce their
 * bitmap line between vCPUs). fetch_and_clear exchanges each word with 0 and
 * then runs a fence too. This is the store-buffering pattern with fences on
 * both sides: either the writer's load sees the clear (and sets the bit
 * again, reported next time) or the fetcher's later reads of the page see
 * the new data. Without the writer's fence, a writer that found the bit
 * still set could have its data sit in a store buffer while the fetcher
 * cleared the bit and copied the stale page: the write would be lost. The
 * fence costs one full barrier per write call, only while tracking is on. */
#include "guest_rcu.h"
#include "guest_walk.h"

#include <stdlib.h>

static size_t bitmap_words(const guest_region *r)
{
    uint64_t pages = r->size / VMMEM_DIRTY_PAGE_SIZE + (r->size % VMMEM_DIRTY_PAGE_SIZE != 0);
    return (size_t)((pages + DIRTY_BITS_PER_WORD - 1) / DIRTY_BITS_PER_WORD);
}

void dirty_mark_pages(_Atomic uint64_t *bitmap, uint64_t offset, uint64_t len)
{
    atomic_thread_fence(memory_order_seq_cst); /* data before bits: see above */
    uint64_t first = offset / VMMEM_DIRTY_PAGE_SIZE, last = (offset + len - 1) / VMMEM_DIRTY_PAGE_SIZE;
    for (uint64_t w = first / DIRTY_BITS_PER_WORD; w <= last / DIRTY_BITS_PER_WORD; w++) {
        unsigned lo = w == first / DIRTY_BITS_PER_WORD ? (unsigned)(first % DIRTY_BITS_PER_WORD) : 0;
        unsigned hi =
            w == last / DIRTY_BITS_PER_WORD ? (unsigned)(last % DIRTY_BITS_PER_WORD) : DIRTY_BITS_PER_WORD - 1;
        dirty_set_bits(&bitmap[w], dirty_bit_span(lo, hi));
    }
}

void dirty_run_flush(dirty_run *run)
{
    if (run->len)
        dirty_note_write(run->region, run->offset, run->len);
    run->len = 0;
}

void dirty_run_add(dirty_run *run, const guest_region *r, uint64_t offset, uint64_t len)
{
    if (run->len && run->region == r && run->offset + run->len == offset) {
        run->len += len; /* both inside r: no overflow */
        return;
    }
    dirty_run_flush(run);
    *run = (dirty_run){ r, offset, len };
}

void dirty_free(guest_region *r)
{
    free((void *)atomic_load_explicit(&r->dirty, memory_order_relaxed));
}

int vmmem_guest_dirty_enable(vmmem_guest_memory *gm, vmmem_gpa region_gpa, int enable)
{
    if (!gm)
        return VMMEM_EINVAL;
    if (guest_rcu_reading())
        return VMMEM_EBUSY; /* switching off waits for a grace period */
    pthread_mutex_lock(&gm->writer_lock);
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t at = guest_map_find(m, region_gpa);
    if (at < 0 || m->regions[at]->base != region_gpa) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_ENOENT;
    }
    guest_region *r = m->regions[at];
    if (r->kind != VMMEM_REGION_RAM) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_EINVAL;
    }
    _Atomic uint64_t *old = atomic_load_explicit(&r->dirty, memory_order_relaxed);
    size_t words = bitmap_words(r);
    if (enable) {
        if (old) {
            for (size_t i = 0; i < words; i++)
                atomic_store_explicit(&old[i], 0, memory_order_relaxed);
        } else {
            _Atomic uint64_t *bitmap = calloc(words, sizeof *bitmap);
            if (!bitmap) {
                pthread_mutex_unlock(&gm->writer_lock);
                return VMMEM_ENOMEM;
            }
            atomic_store_explicit(&r->dirty, bitmap, memory_order_release);
            atomic_fetch_add_explicit(&gm->tracked_regions, 1, memory_order_relaxed);
        }
        pthread_mutex_unlock(&gm->writer_lock);
        /* Every access that may have missed the bitmap (or had its bit
         * cleared above) began before this grace period: once it ends,
         * their writes are done, and a copy of guest memory made after
         * this call returns sees them. */
        guest_rcu_synchronize();
        return VMMEM_OK;
    }
    atomic_store_explicit(&r->dirty, NULL, memory_order_release);
    if (old)
        atomic_fetch_sub_explicit(&gm->tracked_regions, 1, memory_order_relaxed);
    pthread_mutex_unlock(&gm->writer_lock);
    if (old) {
        guest_rcu_synchronize(); /* no writer can still be marking `old` */
        free((void *)old);
    }
    return VMMEM_OK;
}

/* A walk visitor: marks a RAM piece (written through a translated pointer). */
static int mark_piece(void *ctx, const guest_piece *p)
{
    (void)ctx;
    dirty_note_write(p->region, p->offset, p->len);
    return VMMEM_OK;
}

int vmmem_guest_mark_dirty(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len)
{
    if (len == 0)
        return VMMEM_OK;
    if (!gm)
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, len, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    bool locked = guest_call_enter();
    const guest_map *m = guest_map_current(gm);
    const guest_region *hint = NULL;
    /* Only RAM can have been written through a translated pointer: the
     * whole range is checked first, so that an error marks nothing. */
    int rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_RAM, NULL, NULL);
    if (rc == VMMEM_OK)
        rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_RAM, mark_piece, NULL);
    guest_call_exit(locked);
    return rc;
}

int vmmem_guest_dirty_fetch_and_clear(vmmem_guest_memory *gm, vmmem_gpa region_gpa, uint64_t *bitmap, size_t words)
{
    if (!gm || !bitmap)
        return VMMEM_EINVAL;
    int rc = VMMEM_OK;
    guest_rcu_read_lock();
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t at = guest_map_find(m, region_gpa);
    if (at < 0 || m->regions[at]->base != region_gpa) {
        rc = VMMEM_ENOENT;
    } else {
        const guest_region *r = m->regions[at];
        _Atomic uint64_t *bits = atomic_load_explicit(&((guest_region *)r)->dirty, memory_order_acquire);
        size_t needed = r->kind == VMMEM_REGION_RAM ? bitmap_words(r) : 0;
        if (!bits || words < needed) {
            rc = VMMEM_EINVAL;
        } else {
            for (size_t i = 0; i < needed; i++)
                bitmap[i] = atomic_exchange_explicit(&bits[i], 0, memory_order_seq_cst);
            for (size_t i = needed; i < words; i++)
                bitmap[i] = 0;
            atomic_thread_fence(memory_order_seq_cst); /* clears before the caller reads pages */
        }
    }
    guest_rcu_read_unlock();
    return rc;
}
