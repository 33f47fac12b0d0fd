/* src/vm/dma_internal.h - what dma.c and dma_file.c share: the DMA context,
 * a cursor over a scatter-gather list, and the region piece resolver. */
#ifndef VMMEM_DMA_INTERNAL_H
#define VMMEM_DMA_INTERNAL_H

#include <stdint.h>
#include <vmmem/dma.h>

struct vmmem_dma_device {
    vmmem_guest_memory *gm;
    vmmem_gpa window_first; /* the device's own MMIO window, inclusive bounds */
    vmmem_gpa window_last;  /* (valid when has_window) */
    int has_window;
    uint64_t max_total;     /* <= SIZE_MAX */
};

/* Non-zero when the calling thread is handling an MMIO access of dev (see
 * vmmem_dma_mmio_enter()). */
int dma_thread_in_mmio(const vmmem_dma_device *dev);

/* A position in a list: segment i, offset off into it. Zero-length
 * segments are skipped by dma_cursor_span(). */
typedef struct dma_cursor {
    const vmmem_dma_segment *sg;
    size_t count;
    size_t i;
    uint64_t off;
} dma_cursor;

static inline void dma_cursor_init(dma_cursor *c, const vmmem_dma_segment *sg, size_t count)
{
    c->sg = sg;
    c->count = count;
    c->i = 0;
    c->off = 0;
}

/* The guest address at the cursor in *gpa and the bytes left in its
 * segment (0 at the end of the list). */
static inline uint64_t dma_cursor_span(dma_cursor *c, vmmem_gpa *gpa)
{
    while (c->i < c->count && c->off == c->sg[c->i].len) {
        c->i++;
        c->off = 0;
    }
    if (c->i == c->count)
        return 0;
    *gpa = c->sg[c->i].addr + c->off;
    return c->sg[c->i].len - c->off;
}

/* Moves the cursor n bytes on (n <= the span dma_cursor_span() returned). */
static inline void dma_cursor_advance(dma_cursor *c, uint64_t n)
{
    c->off += n;
}

/* The last region a transfer resolved: consecutive segments usually lie in
 * the same region, so most pieces need no lookup. Valid only inside the
 * vmmem_guest_enter() section it was filled in (the host pointer stays
 * mapped until then). */
typedef struct dma_region_cache {
    vmmem_region_info info;
    int valid;
} dma_region_cache;

/* The part of guest [gpa, gpa + len) that lies in the region holding gpa. */
typedef struct dma_piece {
    uint64_t len;         /* 1..len bytes */
    vmmem_region_kind kind;
    unsigned char *host;  /* host address of gpa (RAM, ROM); valid until vmmem_guest_exit() */
} dma_piece;

/* Fills the cache with the region holding gpa; 0 when none does. */
int dma_region_lookup(vmmem_guest_memory *gm, dma_region_cache *cache, vmmem_gpa gpa);

/* Resolves the piece at gpa of a range of len > 0 bytes (which must not
 * wrap). Returns VMMEM_OK, VMMEM_EFAULT (no region holds gpa) or
 * VMMEM_EPERM (ROM, when dir is VMMEM_DMA_TO_GUEST). Call inside
 * vmmem_guest_enter(), with a cache used only in that section. Inline: it
 * runs once or twice per segment, and a cache hit is a few compares. */
static inline int dma_resolve_piece(vmmem_guest_memory *gm, dma_region_cache *cache, vmmem_gpa gpa,
                                    uint64_t len, vmmem_dma_direction dir, dma_piece *piece)
{
    const vmmem_region_info *info = &cache->info;
    if ((!cache->valid || gpa < info->base || gpa - info->base >= info->size) &&
        !dma_region_lookup(gm, cache, gpa))
        return VMMEM_EFAULT;
    if (info->kind == VMMEM_REGION_ROM && dir == VMMEM_DMA_TO_GUEST)
        return VMMEM_EPERM;
    uint64_t offset = gpa - info->base;
    uint64_t left_in_region = info->size - offset; /* offset < size: checked above */
    piece->len = len < left_in_region ? len : left_in_region;
    piece->kind = info->kind;
    piece->host = info->host ? (unsigned char *)info->host + offset : NULL;
    return VMMEM_OK;
}

/* A read-side section that code of this library holds open on this thread
 * (a virtqueue batch): while it lasts, transfers on the same guest memory
 * run inside it instead of entering their own, and share its region cache
 * (valid for the whole section). At most one per thread; a second begin is
 * ignored (its transfers enter their own sections). */
void dma_session_begin(vmmem_guest_memory *gm); /* call inside vmmem_guest_enter(gm) */
void dma_session_end(vmmem_guest_memory *gm);   /* call before the matching exit */

/* Starts a transfer's section: the session's when it is on gm (no new
 * section, its cache), else a new one with *local as the (emptied) cache.
 * Returns the cache to use; dma_transfer_exit() ends what was started. */
dma_region_cache *dma_transfer_enter(vmmem_guest_memory *gm, dma_region_cache *local);
void dma_transfer_exit(vmmem_guest_memory *gm, const dma_region_cache *cache, const dma_region_cache *local);

/* The first half of dma_check_locked(): the arguments, the guard and the
 * lengths (no wrap, total within max_total and not 0, in *total). */
int dma_check_lengths(const vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                      vmmem_dma_direction dir, uint64_t *total);

/* Whether the non-empty segment s overlaps the device's own MMIO window. */
static inline int dma_in_own_window(const vmmem_dma_device *dev, const vmmem_dma_segment *s)
{
    return dev->has_window && s->addr <= dev->window_last && dev->window_first <= s->addr + (s->len - 1);
}

/* Called for each piece a walk resolves; a non-zero return stops the walk
 * and is what the walk returns. */
typedef int (*dma_piece_visit)(void *ctx, vmmem_gpa gpa, const dma_piece *piece);

/* The region half of the validation, piece by piece: in list order, each
 * non-empty segment is refused when it touches the device's own window,
 * then each of its pieces must lie in a region dir may access. visit (may
 * be NULL; a constant at each call, so this inlines to a plain loop) sees
 * every piece that passed. Returns the first check's error, visit's
 * non-zero return, or VMMEM_OK. Call inside a read-side section. */
static inline __attribute__((always_inline)) int
dma_walk_pieces(const vmmem_dma_device *dev, dma_region_cache *cache, const vmmem_dma_segment *sg, size_t count,
                vmmem_dma_direction dir, dma_piece_visit visit, void *ctx)
{
    for (size_t i = 0; i < count; i++) {
        if (sg[i].len == 0)
            continue;
        if (dma_in_own_window(dev, &sg[i]))
            return VMMEM_EPERM;
        vmmem_gpa gpa = sg[i].addr;
        uint64_t left = sg[i].len;
        while (left) {
            dma_piece piece;
            int rc = dma_resolve_piece(dev->gm, cache, gpa, left, dir, &piece);
            if (rc == VMMEM_OK && visit)
                rc = visit(ctx, gpa, &piece);
            if (rc != VMMEM_OK)
                return rc;
            gpa += piece.len;
            left -= piece.len;
        }
    }
    return VMMEM_OK;
}

/* The second half: dma_walk_pieces() with no visitor (the first problem,
 * in list order, is returned). */
int dma_check_regions(const vmmem_dma_device *dev, dma_region_cache *cache, const vmmem_dma_segment *sg,
                      size_t count, vmmem_dma_direction dir);


/* vmmem_dma_check() for a caller already inside vmmem_guest_enter(dev->gm);
 * fills the cache for the transfer that follows in the same section. */
int dma_check_locked(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, vmmem_dma_direction dir,
                     uint64_t *total, dma_region_cache *cache);

/* Guest RAM written through host pointers, gathered into contiguous runs
 * so that one vmmem_guest_mark_dirty() covers many adjacent pieces. */
typedef struct dma_dirty_run {
    vmmem_gpa start;
    uint64_t len; /* 0: empty */
} dma_dirty_run;

/* Adds [gpa, gpa + len) to the run, marking the run dirty first when the
 * new range does not continue it. */
void dma_dirty_add(vmmem_guest_memory *gm, dma_dirty_run *run, vmmem_gpa gpa, uint64_t len);

/* Marks what the run holds dirty and empties it. */
void dma_dirty_flush(vmmem_guest_memory *gm, dma_dirty_run *run);

#endif /* VMMEM_DMA_INTERNAL_H */
