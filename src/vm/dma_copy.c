/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/dma_copy.c - DMA between a scatter-gather list and a host buffer,
 * and from one list to another: the list is walked once to refuse it
 * before anything moves and once to move it, against one map, with the
 * same pieces and rules (dma_list_walk()). */
#include "dma_internal.h"

#include <vmmem/memcpy.h>

/* Moves between the list and buf in direction dir. */
static int copy_with_buffer(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                            const void *buf, size_t len, vmmem_dma_direction dir)
{
    if (!dev)
        return VMMEM_EINVAL;
    dma_transfer t;
    dma_transfer_begin(&t, dev->gm, s);
    uint64_t total;
    int rc = dma_check_in(dev, &t, sg, count, dir, &total);
    if (rc == VMMEM_OK && !buf)
        rc = VMMEM_EINVAL;
    if (rc == VMMEM_OK && total != len)
        rc = VMMEM_ERANGE;
    guest_move mv = guest_move_start(buf, len, dir == VMMEM_DMA_TO_GUEST && guest_tracks_dirty(dev->gm));
    if (rc == VMMEM_OK && dir == VMMEM_DMA_TO_GUEST)
        rc = dma_list_walk(dev, &t, sg, count, GUEST_RULE_WRITE, guest_move_from_buffer, &mv);
    else if (rc == VMMEM_OK)
        rc = dma_list_walk(dev, &t, sg, count, GUEST_RULE_READ, guest_move_to_buffer, &mv);
    dirty_run_flush(&mv.dirty);
    dma_transfer_end(&t);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &mv.progress);
    return rc;
}

int dma_to_guest_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                    const void *buf, size_t len)
{
    return copy_with_buffer(s, dev, sg, count, buf, len, VMMEM_DMA_TO_GUEST);
}

int dma_from_guest_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, void *buf,
                      size_t len)
{
    return copy_with_buffer(s, dev, sg, count, buf, len, VMMEM_DMA_FROM_GUEST);
}

int vmmem_dma_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, const void *buf,
                       size_t len)
{
    return copy_with_buffer(NULL, dev, sg, count, buf, len, VMMEM_DMA_TO_GUEST);
}

int vmmem_dma_from_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, void *buf,
                         size_t len)
{
    return copy_with_buffer(NULL, dev, sg, count, buf, len, VMMEM_DMA_FROM_GUEST);
}

/* ---- guest to guest ------------------------------------------------------------ */

/* Bytes a guest-to-guest copy moves through the stack at a time when a
 * device is the destination: a multiple of the widest MMIO access (8), so
 * chunk edges, placed at multiples of it from the start of a piece the
 * device accepts, keep every device write aligned to its units. */
#define G2G_BOUNCE_BYTES 256u

/* A guest-to-guest copy: the destination list is walked, and each of its
 * pieces takes the next bytes of the source list (a position in it, whose
 * pieces come from the same map through guest_piece_at()). */
typedef struct g2g {
    const dma_transfer *t;
    const vmmem_dma_segment *src;
    size_t src_count, src_i; /* the source position: segment src_i, offset src_off */
    uint64_t src_off;
    dma_region_cache src_cache; /* bound to t's map */
    guest_progress progress;    /* destination bytes written */
    dirty_run dirty;
    bool track;
} g2g;

/* The next piece of the source list, at most `most` bytes (> 0; the list
 * was checked to hold that many more; VMMEM_ERANGE if the caller changed
 * it during the call and it no longer does). */
static int next_source_piece(g2g *c, uint64_t most, guest_piece *p)
{
    while (c->src_i < c->src_count && c->src_off >= c->src[c->src_i].len) {
        c->src_i++;
        c->src_off = 0;
    }
    if (c->src_i == c->src_count)
        return VMMEM_ERANGE;
    const vmmem_dma_segment *s = &c->src[c->src_i];
    uint64_t span = s->len - c->src_off;
    int rc = guest_piece_at(c->t->m, &c->src_cache.region, s->addr + c->src_off, span < most ? span : most,
                            GUEST_RULE_READ, p);
    if (rc == VMMEM_OK)
        c->src_off += p->len;
    return rc;
}

/* Reads the next n source bytes into out (host memory: guest RAM or a
 * bounce buffer); *got gets how many arrived. On a device's failure,
 * VMMEM_EPARTIAL with the cause recorded. */
static int read_source(g2g *c, unsigned char *out, uint64_t n, uint64_t *got)
{
    for (*got = 0; *got < n;) {
        guest_piece sp;
        int rc = next_source_piece(c, n - *got, &sp);
        if (rc != VMMEM_OK) {
            /* only if the caller changed the list during the call: it was
             * checked against this map */
            c->progress.cause = rc;
            return VMMEM_EPARTIAL;
        }
        if (sp.region->host) {
            vmmem_memmove(out + *got, guest_piece_host(&sp), (size_t)sp.len);
        } else {
            uint64_t read;
            rc = mmio_read_range(&sp.region->mmio, sp.offset, out + *got, sp.len, &read);
            if (rc != VMMEM_OK) {
                *got += read;
                c->progress.cause = rc;
                return VMMEM_EPARTIAL;
            }
        }
        *got += sp.len;
    }
    return VMMEM_OK;
}

/* The destination walk's visitor. A RAM piece takes the source bytes
 * straight into its host memory, source piece by source piece (memmove
 * semantics each); a device piece is written whole, through a bounce
 * buffer, in chunks that start at multiples of G2G_BOUNCE_BYTES from its
 * start, whatever the source pieces' edges. */
static int copy_destination_piece(void *ctx, const guest_piece *dp)
{
    g2g *c = ctx;
    int rc;
    uint64_t got;
    if (dp->region->host) {
        rc = read_source(c, guest_piece_host(dp), dp->len, &got);
        /* Also after a failure: part may have landed, and a device read
         * callback that failed may have written into the RAM past `got`
         * (it reads straight into it): the whole piece is marked then. */
        if (c->track)
            dirty_run_add(&c->dirty, dp->region, dp->offset, rc == VMMEM_OK ? got : dp->len);
        c->progress.done += got;
        return rc;
    }
    unsigned char bounce[G2G_BOUNCE_BYTES];
    for (uint64_t done = 0; done < dp->len;) {
        uint64_t chunk = dp->len - done < sizeof bounce ? dp->len - done : sizeof bounce, wrote;
        if ((rc = read_source(c, bounce, chunk, &got)) != VMMEM_OK)
            return rc;
        rc = mmio_write_range(&dp->region->mmio, dp->offset + done, bounce, chunk, &wrote);
        c->progress.done += wrote;
        if (rc != VMMEM_OK) {
            c->progress.cause = rc;
            return VMMEM_EPARTIAL;
        }
        done += chunk;
    }
    return VMMEM_OK;
}

int vmmem_dma_guest_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *dst, size_t dst_count,
                             const vmmem_dma_segment *src, size_t src_count)
{
    if (!dev)
        return VMMEM_EINVAL;
    dma_transfer t;
    dma_transfer_begin(&t, dev->gm, NULL);
    g2g c = { &t, src, src_count, 0, 0, { 0, NULL }, { 0, VMMEM_OK }, DIRTY_RUN_EMPTY, guest_tracks_dirty(dev->gm) };
    dma_cache_bind(&c.src_cache, t.m);
    uint64_t dst_total = 0, src_total = 0;
    int rc = dma_check_in(dev, &t, dst, dst_count, VMMEM_DMA_TO_GUEST, &dst_total);
    if (rc == VMMEM_OK) {
        /* the source in its own cache, so that the two lists do not evict
         * each other's region */
        dma_region_cache *dst_cache = t.cache;
        t.cache = &c.src_cache;
        rc = dma_check_in(dev, &t, src, src_count, VMMEM_DMA_FROM_GUEST, &src_total);
        t.cache = dst_cache;
    }
    if (rc == VMMEM_OK && dst_total != src_total)
        rc = VMMEM_ERANGE;
    if (rc == VMMEM_OK)
        rc = dma_list_walk(dev, &t, dst, dst_count, GUEST_RULE_WRITE, copy_destination_piece, &c);
    dirty_run_flush(&c.dirty);
    dma_transfer_end(&t);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(dst_total, &c.progress);
    return rc;
}
