/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_internal.h - what the files of the guest memory manager
 * (libvmmem-vm) share: regions, the RCU-published region map, lookup and
 * range walking, host mappings, MMIO splitting and dirty marking. Nothing
 * here is exported.
 *
 * RCU protocol (guest_rcu.h: liburcu-bp, no thread registration):
 *  - readers: guest_rcu_read_lock(); map = guest_map_current(gm); ... use the
 *    map, its regions and their host memory ...; guest_rcu_read_unlock();
 *  - writers: under gm->writer_lock build a new map from the current one,
 *    publish it (release store), then guest_rcu_synchronize() before the
 *    old map array is freed or a removed region is unmapped and freed.
 * A map array is immutable once published. Regions are shared by successive
 * maps; a region's fields are immutable too except its dirty bitmap pointer,
 * which is replaced under writer_lock and freed only after a grace period. */
#ifndef VMMEM_SRC_VM_GUEST_INTERNAL_H
#define VMMEM_SRC_VM_GUEST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmmem/guest_memory.h>

/* ---- host mappings (host_mapping.c) ------------------------------------ */

/* Host memory behind a RAM or ROM region: `data` (the region's bytes) lies
 * inside a PROT_NONE reservation with at least one guard page on each side,
 * so a host-side overrun faults instead of reaching another mapping. */
typedef struct host_mapping {
    void *reserve;      /* the whole reservation, unmapped as one */
    size_t reserve_len;
    unsigned char *data;
} host_mapping;

/* The host page size. */
size_t host_page_size(void);

/* The system's default huge page size in *out (from /proc/meminfo).
 * VMMEM_OK, or VMMEM_EUNSUPPORTED when the system has none. */
int host_huge_page_size(size_t *out);

/* Maps `size` bytes of RAM as `options` ask (NULL: private anonymous).
 * Arguments are already validated except what needs the file: a file
 * shorter than fd_offset + size is VMMEM_EINVAL (touching the missing part
 * would raise SIGBUS). Returns VMMEM_OK, VMMEM_EINVAL, VMMEM_ENOMEM or
 * VMMEM_EIO. */
int host_map_ram(host_mapping *hm, uint64_t size, const vmmem_ram_options *options);

/* Maps `size` bytes holding content[0..content_len), zero after it, then
 * makes them read-only. VMMEM_OK, VMMEM_ENOMEM or VMMEM_EIO. */
int host_map_rom(host_mapping *hm, uint64_t size, const void *content, size_t content_len);

/* Unmaps the whole reservation (nothing when hm is empty). */
void host_unmap(host_mapping *hm);

/* Whether every page of [p, p + size) is mapped readable and writable (p
 * page aligned; /proc/self/maps; where it cannot be read, mapped at all):
 * false also when size is 0 or the range wraps. */
bool host_range_read_write(const void *p, uint64_t size);

/* ---- regions and the map (guest_memory.c) ------------------------------ */

typedef struct guest_region {
    /* What every access reads, first (one cache line with dirty). */
    vmmem_region_kind kind;
    vmmem_gpa base;
    vmmem_gpa last;      /* base + size - 1: never wraps (checked when added) */
    unsigned char *host; /* RAM and ROM: host address of base; NULL for MMIO */
    /* Dirty bitmap (RAM only): one bit per VMMEM_DIRTY_PAGE_SIZE bytes,
     * NULL while tracking is off. */
    _Atomic(_Atomic uint64_t *) dirty;
    uint64_t size;
    host_mapping mapping; /* the library's own mapping; empty for caller-owned RAM */
    int fd;               /* RAM: the file behind host as the caller gave it, or -1 */
    uint64_t fd_offset;
    bool caller_owned;    /* RAM the caller mapped: never unmapped here */
    vmmem_mmio_ops mmio;  /* MMIO only */
} guest_region;

typedef struct guest_map {
    uint64_t generation; /* unique in the process: no two maps, of any guest memory, share one */
    size_t count;
    guest_region *regions[]; /* sorted by base, pairwise disjoint */
} guest_map;

struct vmmem_guest_memory {
    _Atomic(guest_map *) map; /* never NULL after create */
    pthread_mutex_t writer_lock;
    atomic_uint tracked_regions; /* RAM regions with dirty tracking on (changed under writer_lock) */
};

/* The current map; call inside a read-side section (or under writer_lock). A
 * call walks the map it read once, for its check and its move. */
static inline const guest_map *guest_map_current(vmmem_guest_memory *gm)
{
    return atomic_load_explicit(&gm->map, memory_order_acquire);
}

/* The generation of gm's current map: seeing a generation again means the
 * same guest memory with the same regions at the same host addresses, so
 * what was looked up under it (host pointers, region bounds) is valid in
 * any read-side section that sees it again. Call inside a read-side
 * section. */
static inline uint64_t guest_map_generation(vmmem_guest_memory *gm)
{
    return guest_map_current(gm)->generation;
}

/* How many regions of m start at or below gpa (binary search, O(log n)):
 * the region containing gpa, if any, is the last of them. */
static inline size_t guest_map_upper(const guest_map *m, vmmem_gpa gpa)
{
    size_t lo = 0, hi = m->count; /* invariant: regions[< lo] start <= gpa, regions[>= hi] start > gpa */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->regions[mid]->base <= gpa)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Index of the region containing gpa, or -1. */
static inline ptrdiff_t guest_map_find(const guest_map *m, vmmem_gpa gpa)
{
    size_t n = guest_map_upper(m, gpa);
    if (n == 0 || m->regions[n - 1]->last < gpa)
        return -1;
    return (ptrdiff_t)(n - 1);
}

/* The region containing gpa, or NULL. */
static inline const guest_region *guest_map_region(const guest_map *m, vmmem_gpa gpa)
{
    size_t n = guest_map_upper(m, gpa);
    const guest_region *r = n ? m->regions[n - 1] : NULL;
    return r && r->last >= gpa ? r : NULL;
}

/* The last address of [gpa, gpa + len) in *last; len > 0. VMMEM_OK, or
 * VMMEM_ERANGE when the range wraps past 2^64. */
static inline int guest_range_last(vmmem_gpa gpa, uint64_t len, vmmem_gpa *last)
{
    if (len - 1 > UINT64_MAX - gpa)
        return VMMEM_ERANGE;
    *last = gpa + (len - 1);
    return VMMEM_OK;
}

/* ---- MMIO splitting (mmio_split.c) -------------------------------------- */

/* Validates ops for a region of `size` bytes: both callbacks set, access
 * sizes powers of two in 1..8 with min <= max, size a multiple of min. */
bool mmio_ops_valid(const vmmem_mmio_ops *ops, uint64_t size);

/* Whether [offset, offset + len) of the device can be written as naturally
 * aligned pieces of min_access..max_access bytes: offset and len multiples
 * of min_access (narrower writes are rejected, never read-modify-written). */
bool mmio_write_possible(const vmmem_mmio_ops *ops, uint64_t offset, uint64_t len);

/* Reads device bytes [offset, offset + len) into out: naturally aligned
 * pieces; a part narrower than min_access is read as the whole aligned
 * min_access unit and the needed bytes kept. Returns VMMEM_OK or the code of
 * the callback that failed, with *done the bytes of out filled before it. */
int mmio_read_range(const vmmem_mmio_ops *ops, uint64_t offset, unsigned char *out, uint64_t len, uint64_t *done);

/* Writes in[0..len) to device bytes [offset, offset + len), which
 * mmio_write_possible() accepted. Returns VMMEM_OK or the code of the
 * callback that failed, with *done the bytes written before it. */
int mmio_write_range(const vmmem_mmio_ops *ops, uint64_t offset, const unsigned char *in, uint64_t len,
                     uint64_t *done);

/* The same from the last byte down (a backward copy_block): *done counts
 * the bytes written at the end of the range, [offset + len - *done, offset
 * + len), so that what moved is always one run next to what is left. */
int mmio_write_range_down(const vmmem_mmio_ops *ops, uint64_t offset, const unsigned char *in, uint64_t len,
                          uint64_t *done);

/* ---- dirty tracking (dirty.c) ------------------------------------------- */

/* One bit per page, in words of this many. */
#define DIRTY_BITS_PER_WORD 64u
_Static_assert(DIRTY_BITS_PER_WORD == sizeof(uint64_t) * 8, "a bitmap word is one uint64_t");

/* Bits lo..hi (inclusive, 0..63) set. */
static inline uint64_t dirty_bit_span(unsigned lo, unsigned hi)
{
    return (UINT64_MAX >> (DIRTY_BITS_PER_WORD - 1 - hi)) & (UINT64_MAX << lo);
}

/* Sets mask in *word, with no atomic OR when the bits are set already (a
 * hot page does not bounce its bitmap line between vCPUs). Call after the
 * fence of dirty.c's ordering. */
static inline void dirty_set_bits(_Atomic uint64_t *word, uint64_t mask)
{
    if ((atomic_load_explicit(word, memory_order_relaxed) & mask) != mask)
        atomic_fetch_or_explicit(word, mask, memory_order_relaxed);
}

/* Sets the dirty bits of region bytes [offset, offset + len) in bitmap;
 * call after the data is written (see dirty.c for the ordering). */
void dirty_mark_pages(_Atomic uint64_t *bitmap, uint64_t offset, uint64_t len);

/* gcc refuses a fence inlined into a -fsanitize=thread build
 * (-Werror=tsan; ThreadSanitizer does not model fences): there every
 * write is marked out of line, by dirty_mark_pages(). */
#if defined(__SANITIZE_THREAD__)
#define DIRTY_MARK_INLINE 0
#else
#define DIRTY_MARK_INLINE 1
#endif

/* What every write path calls after writing region bytes [offset, offset +
 * len): with tracking off, one load and one predictable branch. With it
 * on, pages that share one bitmap word (every write of up to 256 KiB that
 * does not cross a 256 KiB boundary) are marked inline: the fence, then
 * the bits; longer runs by dirty_mark_pages(). */
static inline void dirty_note_write(const guest_region *r, uint64_t offset, uint64_t len)
{
    _Atomic uint64_t *bitmap = atomic_load_explicit(&((guest_region *)r)->dirty, memory_order_acquire);
    if (__builtin_expect(bitmap == NULL, 1))
        return;
#if DIRTY_MARK_INLINE
    uint64_t first = offset / VMMEM_DIRTY_PAGE_SIZE, last = (offset + len - 1) / VMMEM_DIRTY_PAGE_SIZE;
    if (first / DIRTY_BITS_PER_WORD == last / DIRTY_BITS_PER_WORD) {
        atomic_thread_fence(memory_order_seq_cst); /* data before bits: dirty.c */
        uint64_t mask = dirty_bit_span((unsigned)(first % DIRTY_BITS_PER_WORD), (unsigned)(last % DIRTY_BITS_PER_WORD));
        dirty_set_bits(&bitmap[first / DIRTY_BITS_PER_WORD], mask);
        return;
    }
#endif
    dirty_mark_pages(bitmap, offset, len);
}

/* Whether any region of gm tracks dirty pages. When it says no inside the
 * read-side section in which bytes were written, they need no marking: a
 * section that saw no tracked region had begun before
 * vmmem_guest_dirty_enable() started its grace period, so it ends, writes
 * included, before tracking is reported on. */
static inline bool guest_tracks_dirty(vmmem_guest_memory *gm)
{
    return atomic_load_explicit(&gm->tracked_regions, memory_order_relaxed) != 0;
}

/* Marks [gpa, gpa + len) dirty like vmmem_guest_mark_dirty() (errors
 * ignored: the caller validated the range), but returns at once, without
 * the lookup, when guest_tracks_dirty() says no. Call inside the read-side
 * section in which the bytes were written. */
static inline void guest_note_dirty_range(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len)
{
    if (guest_tracks_dirty(gm))
        vmmem_guest_mark_dirty(gm, gpa, len);
}

/* Bytes written into one region, gathered so that adjacent pieces (of a
 * scatter-gather list) are marked with one dirty_note_write(). A run never
 * spans two regions: each range is marked in the region it was written in,
 * whatever the current map holds by then. */
typedef struct dirty_run {
    const guest_region *region; /* NULL: empty */
    uint64_t offset;            /* region offset of the run's first byte */
    uint64_t len;
} dirty_run;

#define DIRTY_RUN_EMPTY ((dirty_run){ NULL, 0, 0 })

/* Adds region bytes [offset, offset + len), already written, to the run;
 * marks the run first when the range does not continue it in r. */
void dirty_run_add(dirty_run *run, const guest_region *r, uint64_t offset, uint64_t len);

/* Marks what the run holds and empties it. */
void dirty_run_flush(dirty_run *run);

/* Frees a region's bitmap (the region is unreachable; no grace period left). */
void dirty_free(guest_region *r);

#endif /* VMMEM_SRC_VM_GUEST_INTERNAL_H */
