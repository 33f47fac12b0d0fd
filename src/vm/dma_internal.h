/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/dma_internal.h - what dma.c, dma_file.c and the devices built on
 * them share: the DMA context, the DMA session (an explicit object the
 * device holds across a batch of transfers), a transfer's section and map,
 * the list walk (the guest walk of guest_walk.h, segment by segment) and
 * the transfers that take a session. */
#ifndef VMMEM_DMA_INTERNAL_H
#define VMMEM_DMA_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <vmmem/dma.h>

#include "guest_rcu.h"
#include "guest_walk.h"

struct vmmem_dma_device {
    vmmem_guest_memory *gm;
    vmmem_gpa window_first; /* the device's own MMIO window, inclusive bounds */
    vmmem_gpa window_last;  /* (valid when has_window) */
    int has_window;
    uint64_t max_total;     /* <= SIZE_MAX */
    /* Threads inside an MMIO handler of the device (between a successful
     * vmmem_dma_mmio_enter() and its exit); the only mutable field. */
    atomic_uint handlers;
};

/* Whether the calling thread's guard stack holds dev (dma.c). */
int dma_guard_holds(const vmmem_dma_device *dev);

/* Non-zero when the calling thread is handling an MMIO access of dev (see
 * vmmem_dma_mmio_enter()). While no thread is inside one of dev's
 * handlers, one relaxed load answers: a thread that is inside one has
 * counted itself, and sees its own count. Only otherwise is the
 * thread-local guard stack read. */
static inline int dma_thread_in_mmio(const vmmem_dma_device *dev)
{
    if (atomic_load_explicit(&((vmmem_dma_device *)dev)->handlers, memory_order_relaxed) == 0)
        return 0;
    return dma_guard_holds(dev);
}

/* ---- sessions and a transfer's map --------------------------------------- */

/* The last region a transfer looked up, and the generation of the map it
 * came from: consecutive segments usually lie in the same region, so most
 * pieces need no lookup. A transfer binds the cache to the map it walks
 * (dma_cache_bind()), which empties it when it came from another map; so
 * every piece of a transfer, cached or not, comes from that one map. */
typedef struct dma_region_cache {
    uint64_t generation;        /* of the map `region` came from; 0: empty (no map has 0) */
    const guest_region *region; /* NULL: empty */
} dma_region_cache;

/* Empties the cache unless it was filled from m. Seeing m's generation
 * means m is the map the region was found in: generations are unique in
 * the process and a map is never published twice. */
static inline void dma_cache_bind(dma_region_cache *cache, const guest_map *m)
{
    if (cache->generation != m->generation) {
        cache->generation = m->generation;
        cache->region = NULL;
    }
}

/* A DMA session: a read-side section of one guest memory that a device
 * holds across a batch of transfers (a virtqueue notification's requests),
 * and the region cache they share, as QEMU's virtqueues hold their ring
 * caches. The transfers of a session enter no section of their own. The
 * object is the caller's (a field of its device); the cache outlives a
 * session and is reused by the next while the map is unchanged. Zero it
 * before its first use. Sessions on one thread nest like sections. */
typedef struct dma_session {
    vmmem_guest_memory *gm; /* the address space it was begun on */
    bool active;            /* between dma_session_begin() and _end() */
    const guest_map *m;     /* the map every transfer of the session checks and moves against */
    dma_region_cache cache;
} dma_session;

/* Enters a read-side section of gm that lasts until dma_session_end(). Its
 * time counts against what region changes wait for (keep it bounded). */
void dma_session_begin(dma_session *s, vmmem_guest_memory *gm);
void dma_session_end(dma_session *s);

/* One transfer's view: the section it runs in (the session's, or its own)
 * and the one map it checks and moves against. */
typedef struct dma_transfer {
    vmmem_guest_memory *gm;
    const guest_map *m;
    dma_region_cache *cache;
    dma_region_cache local; /* the cache of a transfer outside a session */
    bool own_section;
} dma_transfer;

/* Starts a transfer on gm: inside session s when s is active on gm (NULL:
 * none), else in a section of its own. Inline: every transfer runs it. */
static inline void dma_transfer_begin(dma_transfer *t, vmmem_guest_memory *gm, dma_session *s)
{
    t->gm = gm;
    t->own_section = !s || !s->active || s->gm != gm;
    if (t->own_section) {
        guest_rcu_read_lock();
        t->local = (dma_region_cache){ 0, NULL };
        t->cache = &t->local;
    } else {
        t->cache = &s->cache;
    }
    t->m = t->own_section ? guest_map_current(gm) : s->m;
    dma_cache_bind(t->cache, t->m);
}

static inline void dma_transfer_end(dma_transfer *t)
{
    if (t->own_section)
        guest_rcu_read_unlock();
}

/* ---- the list walk ---------------------------------------------------------- */

/* The walk rule of a direction. */
static inline guest_rule dma_rule(vmmem_dma_direction dir)
{
    return dir == VMMEM_DMA_TO_GUEST ? GUEST_RULE_WRITE : GUEST_RULE_READ;
}

/* Whether the non-empty segment s overlaps the device's own MMIO window. */
static inline int dma_in_own_window(const vmmem_dma_device *dev, const vmmem_dma_segment *s)
{
    return dev->has_window && s->addr <= dev->window_last && dev->window_first <= s->addr + (s->len - 1);
}

/* The list, segment by segment in list order: a non-empty segment that
 * touches the device's own window is VMMEM_EPERM; otherwise the guest walk
 * of the segment with t's map and cache, rule and visitor (NULL: none).
 * Returns VMMEM_OK, the first problem, or visit's non-zero return. The
 * segments' lengths must have passed dma_check_lengths() (no wrap). */
static inline __attribute__((always_inline)) int dma_list_walk(const vmmem_dma_device *dev, dma_transfer *t,
                                                              const vmmem_dma_segment *sg, size_t count,
                                                              guest_rule rule, guest_piece_visit visit, void *ctx)
{
    for (size_t i = 0; i < count; i++) {
        if (sg[i].len == 0)
            continue;
        if (dma_in_own_window(dev, &sg[i]))
            return VMMEM_EPERM;
        int rc = guest_walk(t->m, &t->cache->region, sg[i].addr, sg[i].len, rule, visit, ctx);
        if (rc != VMMEM_OK)
            return rc;
    }
    return VMMEM_OK;
}

/* The arithmetic half of the validation, before any lookup: the
 * arguments, the guard and the lengths (no wrap, total within max_total and
 * not 0, in *total). */
int dma_check_lengths(const vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                      vmmem_dma_direction dir, uint64_t *total);

/* vmmem_dma_check() inside transfer t: the lengths (arithmetic first: a
 * hostile length is refused before any region lookup), then the list
 * walk. */
static inline int dma_check_in(vmmem_dma_device *dev, dma_transfer *t, const vmmem_dma_segment *sg, size_t count,
                               vmmem_dma_direction dir, uint64_t *total)
{
    uint64_t sum;
    int rc = dma_check_lengths(dev, sg, count, dir, &sum);
    if (rc == VMMEM_OK)
        rc = dma_list_walk(dev, t, sg, count, dma_rule(dir), NULL, NULL);
    if (rc == VMMEM_OK && total)
        *total = sum;
    return rc;
}

/* ---- transfers in a session ---------------------------------------------------- */

/* vmmem_dma_to_guest(), _from_guest(), _read_file() and _write_file() run
 * in session s when it is active on dev's guest memory (NULL: none). */
int dma_to_guest_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                    const void *buf, size_t len);
int dma_from_guest_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, void *buf,
                      size_t len);
int dma_read_file_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                     uint64_t offset, uint64_t *file_bytes);
int dma_write_file_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                      uint64_t offset);

#endif /* VMMEM_DMA_INTERNAL_H */
