/* src/vm/dma.c - DMA contexts, the re-entrancy guard, scatter-gather list
 * validation, and copies between guest segments and host buffers or other
 * guest segments. File I/O lives in dma_file.c. */
#include "dma_internal.h"
#include "guest_internal.h"

#include <stdlib.h>
#include <vmmem/memcpy.h>

/* The guard: the devices whose MMIO access this thread is handling, as a
 * stack (handlers nest when one touches another device's MMIO). Per thread,
 * so that DMA a device issues from an I/O thread is not refused while a
 * vCPU thread is inside one of its registers. */
#define GUARD_TLS _Thread_local __attribute__((tls_model("initial-exec"))) /* no __tls_get_addr call per DMA */
static GUARD_TLS const vmmem_dma_device *mmio_stack[VMMEM_DMA_MAX_MMIO_NESTING];
static GUARD_TLS unsigned mmio_depth;

/* The thread's session (see dma_session_begin()): gm NULL when none. The
 * cache outlives the session: the next session keeps it when it sees the
 * map generation current when the cache was started. A lookup made since
 * may have come from a map published later, in the same section; but then
 * that generation is never current again (each map gets a new one, and an
 * old map is never republished), so the cache is dropped. Seeing it again
 * means no map was published since: every lookup came from that map, whose
 * regions are immutable and stay mapped while it is current. */
static GUARD_TLS struct {
    vmmem_guest_memory *gm;
    dma_region_cache cache;
    uint64_t cache_generation;
} session;

int dma_thread_in_mmio(const vmmem_dma_device *dev)
{
    for (unsigned i = 0; i < mmio_depth; i++)
        if (mmio_stack[i] == dev)
            return 1;
    return 0;
}

int vmmem_dma_device_create(const vmmem_dma_config *config, vmmem_dma_device **out)
{
    if (!config || !out || !config->gm)
        return VMMEM_EINVAL;
    uint64_t max_total = config->max_total ? config->max_total : VMMEM_DMA_DEFAULT_MAX_TOTAL;
    if (max_total > SIZE_MAX)
        return VMMEM_ERANGE;
    if (config->mmio_size && config->mmio_base + (config->mmio_size - 1) < config->mmio_base)
        return VMMEM_ERANGE;
    vmmem_dma_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return VMMEM_ENOMEM;
    dev->gm = config->gm;
    dev->has_window = config->mmio_size != 0;
    dev->window_first = config->mmio_base;
    dev->window_last = config->mmio_base + (config->mmio_size - 1);
    dev->max_total = max_total;
    *out = dev;
    return VMMEM_OK;
}

void vmmem_dma_device_destroy(vmmem_dma_device *dev)
{
    free(dev);
}

vmmem_guest_memory *vmmem_dma_device_memory(const vmmem_dma_device *dev)
{
    return dev ? dev->gm : NULL;
}

int vmmem_dma_mmio_enter(vmmem_dma_device *dev)
{
    if (!dev)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(dev))
        return VMMEM_EBUSY;
    if (mmio_depth == VMMEM_DMA_MAX_MMIO_NESTING)
        return VMMEM_EINVAL;
    mmio_stack[mmio_depth++] = dev;
    return VMMEM_OK;
}

void vmmem_dma_mmio_exit(vmmem_dma_device *dev)
{
    if (mmio_depth > 0 && mmio_stack[mmio_depth - 1] == dev)
        mmio_depth--;
}

void dma_session_begin(vmmem_guest_memory *gm)
{
    if (!session.gm) {
        session.gm = gm;
        uint64_t generation = guest_map_generation(gm);
        if (session.cache_generation != generation) {
            session.cache.valid = 0;
            session.cache_generation = generation;
        }
    }
}

void dma_session_end(vmmem_guest_memory *gm)
{
    if (session.gm == gm)
        session.gm = NULL;
}

dma_region_cache *dma_transfer_enter(vmmem_guest_memory *gm, dma_region_cache *local)
{
    if (session.gm == gm)
        return &session.cache;
    vmmem_guest_enter(gm);
    local->valid = 0;
    return local;
}

void dma_transfer_exit(vmmem_guest_memory *gm, const dma_region_cache *cache, const dma_region_cache *local)
{
    if (cache == local)
        vmmem_guest_exit(gm);
}

int dma_region_lookup(vmmem_guest_memory *gm, dma_region_cache *cache, vmmem_gpa gpa)
{
    cache->valid = guest_region_info_locked(gm, gpa, &cache->info) == VMMEM_OK;
    return cache->valid;
}

void dma_dirty_flush(vmmem_guest_memory *gm, dma_dirty_run *run)
{
    if (run->len)
        guest_note_dirty_range(gm, run->start, run->len);
    run->len = 0;
}

void dma_dirty_add(vmmem_guest_memory *gm, dma_dirty_run *run, vmmem_gpa gpa, uint64_t len)
{
    if (run->len && run->start + run->len == gpa) {
        run->len += len;
        return;
    }
    dma_dirty_flush(gm, run);
    run->start = gpa;
    run->len = len;
}

int dma_check_regions(const vmmem_dma_device *dev, dma_region_cache *cache, const vmmem_dma_segment *sg,
                      size_t count, vmmem_dma_direction dir)
{
    return dma_walk_pieces(dev, cache, sg, count, dir, NULL, NULL);
}

int dma_check_lengths(const vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                      vmmem_dma_direction dir, uint64_t *total)
{
    if (!dev || !sg || count == 0 || count > VMMEM_DMA_MAX_SEGMENTS)
        return VMMEM_EINVAL;
    if (dir != VMMEM_DMA_TO_GUEST && dir != VMMEM_DMA_FROM_GUEST)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(dev))
        return VMMEM_EBUSY;
    uint64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (sg[i].len == 0)
            continue;
        if (sg[i].addr + (sg[i].len - 1) < sg[i].addr)
            return VMMEM_ERANGE;
        if (sg[i].len > dev->max_total - sum)
            return VMMEM_ERANGE;
        sum += sg[i].len;
    }
    if (sum == 0)
        return VMMEM_EINVAL;
    *total = sum;
    return VMMEM_OK;
}

int dma_check_locked(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, vmmem_dma_direction dir,
                     uint64_t *total, dma_region_cache *cache)
{
    /* Arithmetic first (cheap, and a hostile length is refused before any
     * region lookup), then the region map. */
    uint64_t sum;
    int rc = dma_check_lengths(dev, sg, count, dir, &sum);
    if (rc == VMMEM_OK)
        rc = dma_check_regions(dev, cache, sg, count, dir);
    if (rc == VMMEM_OK && total)
        *total = sum;
    return rc;
}

int vmmem_dma_check(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                    vmmem_dma_direction dir, uint64_t *total)
{
    if (!dev)
        return VMMEM_EINVAL;
    dma_region_cache cache = { .valid = 0 };
    vmmem_guest_enter(dev->gm);
    int rc = dma_check_locked(dev, sg, count, dir, total, &cache);
    vmmem_guest_exit(dev->gm);
    return rc;
}

/* Copies between the list and buf (direction dir), validated first, in one
 * read-side section: what was validated is what is copied. */
static int copy_with_buffer(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                            unsigned char *buf, size_t len, vmmem_dma_direction dir)
{
    if (!dev)
        return VMMEM_EINVAL;
    vmmem_guest_memory *gm = dev->gm;
    dma_region_cache local;
    dma_region_cache *cache = dma_transfer_enter(gm, &local);
    dma_dirty_run dirty = { 0, 0 };
    uint64_t total;
    int rc = dma_check_locked(dev, sg, count, dir, &total, cache);
    if (rc == VMMEM_OK && !buf)
        rc = VMMEM_EINVAL;
    if (rc == VMMEM_OK && total != len)
        rc = VMMEM_ERANGE;
    dma_cursor cur;
    dma_cursor_init(&cur, sg, count);
    vmmem_gpa gpa = 0;
    uint64_t span;
    while (rc == VMMEM_OK && (span = dma_cursor_span(&cur, &gpa)) != 0) {
        dma_piece piece;
        rc = dma_resolve_piece(gm, cache, gpa, span, dir, &piece);
        if (rc != VMMEM_OK)
            break;
        size_t n = (size_t)piece.len;
        if (piece.kind == VMMEM_REGION_MMIO) {
            rc = dir == VMMEM_DMA_TO_GUEST ? vmmem_guest_write(gm, gpa, buf, n) : vmmem_guest_read(gm, gpa, buf, n);
        } else if (dir == VMMEM_DMA_TO_GUEST) {
            vmmem_memcpy_fast(piece.host, buf, n);
            dma_dirty_add(gm, &dirty, gpa, n);
        } else {
            vmmem_memcpy_fast(buf, piece.host, n);
        }
        buf += n;
        dma_cursor_advance(&cur, n);
    }
    dma_dirty_flush(gm, &dirty);
    dma_transfer_exit(gm, cache, &local);
    return rc;
}

int vmmem_dma_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, const void *buf,
                       size_t len)
{
    return copy_with_buffer(dev, sg, count, (unsigned char *)(uintptr_t)buf, len, VMMEM_DMA_TO_GUEST);
}

int vmmem_dma_from_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, void *buf,
                         size_t len)
{
    return copy_with_buffer(dev, sg, count, buf, len, VMMEM_DMA_FROM_GUEST);
}

int vmmem_dma_guest_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *dst, size_t dst_count,
                             const vmmem_dma_segment *src, size_t src_count)
{
    if (!dev)
        return VMMEM_EINVAL;
    vmmem_guest_memory *gm = dev->gm;
    dma_region_cache dcache = { .valid = 0 }, scache = { .valid = 0 };
    dma_dirty_run dirty = { 0, 0 };
    uint64_t dst_total = 0, src_total = 0;
    vmmem_guest_enter(gm);
    int rc = dma_check_locked(dev, dst, dst_count, VMMEM_DMA_TO_GUEST, &dst_total, &dcache);
    if (rc == VMMEM_OK)
        rc = dma_check_locked(dev, src, src_count, VMMEM_DMA_FROM_GUEST, &src_total, &scache);
    if (rc == VMMEM_OK && dst_total != src_total)
        rc = VMMEM_ERANGE;
    dma_cursor dc, sc;
    dma_cursor_init(&dc, dst, dst_count);
    dma_cursor_init(&sc, src, src_count);
    while (rc == VMMEM_OK) {
        vmmem_gpa d = 0, s = 0;
        uint64_t dspan = dma_cursor_span(&dc, &d);
        uint64_t sspan = dma_cursor_span(&sc, &s);
        if (dspan == 0 || sspan == 0)
            break; /* equal totals: both end together */
        dma_piece dp, sp;
        rc = dma_resolve_piece(gm, &dcache, d, dspan, VMMEM_DMA_TO_GUEST, &dp);
        if (rc == VMMEM_OK)
            rc = dma_resolve_piece(gm, &scache, s, sspan, VMMEM_DMA_FROM_GUEST, &sp);
        if (rc != VMMEM_OK)
            break;
        uint64_t n = dp.len < sp.len ? dp.len : sp.len;
        if (dp.kind == VMMEM_REGION_MMIO || sp.kind == VMMEM_REGION_MMIO) {
            rc = vmmem_guest_copy_block(gm, d, s, n);
        } else {
            vmmem_memmove(dp.host, sp.host, (size_t)n);
            dma_dirty_add(gm, &dirty, d, n);
        }
        dma_cursor_advance(&dc, n);
        dma_cursor_advance(&sc, n);
    }
    dma_dirty_flush(gm, &dirty);
    vmmem_guest_exit(gm);
    return rc;
}
