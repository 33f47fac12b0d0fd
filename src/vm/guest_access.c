/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_access.c - vmmem_guest_read, vmmem_guest_write and
 * vmmem_guest_copy_block over the walk of guest_walk.h. The fast path: a
 * range inside one region with host memory (RAM; for reads also ROM) is
 * one lookup and one copy (inline up to 64 bytes, else the engine; dirty
 * marking only when tracking is on), with no read lock of its own when the
 * caller is inside vmmem_guest_enter(). Otherwise the whole range is walked
 * once to refuse it before anything moves, then again to move it piece by
 * piece across RAM, ROM and MMIO. */
#include "guest_rcu.h"
#include "guest_walk.h"

#include <vmmem/memcpy.h>

/* copy_block moves MMIO data through a stack buffer of this many bytes. A
 * multiple of the widest MMIO access (8), so chunk edges placed at multiples
 * of it inside a device keep every device write naturally aligned. */
#define BOUNCE_BYTES 256

/* The general paths below are kept out of line, so that the fast paths of
 * the public calls (one region with host memory) stay a few instructions
 * with no registers to save. */
__attribute__((noinline)) int guest_read_locked(const guest_map *m, vmmem_gpa gpa, uint64_t len, void *buf,
                                                guest_progress *progress)
{
    const guest_region *hint = NULL;
    int rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_READ, NULL, NULL);
    if (rc != VMMEM_OK)
        return rc;
    guest_move mv = guest_move_start(buf, len, false);
    rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_READ, guest_move_to_buffer, &mv);
    *progress = mv.progress;
    return rc;
}

__attribute__((noinline)) int guest_write_locked(vmmem_guest_memory *gm, const guest_map *m, vmmem_gpa gpa,
                                                 uint64_t len, const void *buf, guest_progress *progress)
{
    const guest_region *hint = NULL;
    int rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_WRITE, NULL, NULL);
    if (rc != VMMEM_OK)
        return rc;
    guest_move mv = guest_move_start(buf, len, guest_tracks_dirty(gm));
    rc = guest_walk(m, &hint, gpa, len, GUEST_RULE_WRITE, guest_move_from_buffer, &mv);
    dirty_run_flush(&mv.dirty); /* also after a failure: the pieces before it were written */
    *progress = mv.progress;
    return rc;
}

/* A read or write the fast path did not take, in the caller's section:
 * the general walk, and a part-way failure recorded. */
static __attribute__((noinline)) int read_general(const guest_map *m, vmmem_gpa gpa, void *buf, size_t len)
{
    guest_progress progress;
    int rc = guest_read_locked(m, gpa, len, buf, &progress);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &progress);
    return rc;
}

static __attribute__((noinline)) int write_general(vmmem_guest_memory *gm, const guest_map *m, vmmem_gpa gpa,
                                                   const void *buf, size_t len)
{
    guest_progress progress;
    int rc = guest_write_locked(gm, m, gpa, len, buf, &progress);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &progress);
    return rc;
}

/* The calls below come in three parts: the body, inline, run inside a
 * read-side section; the same body in a section of its own, out of line;
 * and the public function, which checks its arguments and runs the body
 * directly when the caller is inside vmmem_guest_enter(). */

static inline __attribute__((always_inline)) int read_body(vmmem_guest_memory *gm, vmmem_gpa gpa, void *buf,
                                                           size_t len)
{
    const guest_map *m = guest_map_current(gm);
    const guest_region *r = guest_host_region(m, gpa, len);
    if (!r)
        return read_general(m, gpa, buf, len);
    guest_fast_copy(buf, r->host + (gpa - r->base), len);
    return VMMEM_OK;
}

static __attribute__((noinline)) int read_locking(vmmem_guest_memory *gm, vmmem_gpa gpa, void *buf, size_t len)
{
    guest_rcu_read_lock();
    int rc = read_body(gm, gpa, buf, len);
    guest_rcu_read_unlock();
    return rc;
}

int vmmem_guest_read(vmmem_guest_memory *gm, vmmem_gpa gpa, void *buf, size_t len)
{
    if (len == 0)
        return VMMEM_OK;
    if (!gm || !buf)
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, len, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    if (guest_in_entered_section())
        return read_body(gm, gpa, buf, len);
    return read_locking(gm, gpa, buf, len);
}

static inline __attribute__((always_inline)) int write_body(vmmem_guest_memory *gm, vmmem_gpa gpa,
                                                            const void *buf, size_t len)
{
    const guest_map *m = guest_map_current(gm);
    const guest_region *r = guest_host_region(m, gpa, len);
    if (!r || r->kind != VMMEM_REGION_RAM) /* the write rule refuses ROM */
        return write_general(gm, m, gpa, buf, len);
    guest_fast_copy(r->host + (gpa - r->base), buf, len);
    dirty_note_write(r, gpa - r->base, len);
    return VMMEM_OK;
}

static __attribute__((noinline)) int write_locking(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *buf,
                                                   size_t len)
{
    guest_rcu_read_lock();
    int rc = write_body(gm, gpa, buf, len);
    guest_rcu_read_unlock();
    return rc;
}

int vmmem_guest_write(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *buf, size_t len)
{
    if (len == 0)
        return VMMEM_OK;
    if (!gm || !buf)
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, len, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    if (guest_in_entered_section())
        return write_body(gm, gpa, buf, len);
    return write_locking(gm, gpa, buf, len);
}

/* ---- copy_block across regions ---------------------------------------------- */

/* The piece [at, at + n) of region r (inside it) checked against rule, as
 * every piece a walk moves is. */
static int chunk_piece(const guest_region *r, vmmem_gpa at, uint64_t n, guest_rule rule, guest_piece *p)
{
    *p = (guest_piece){ r, at - r->base, n };
    return guest_piece_rule(p, rule);
}

/* Moves one chunk [dst, dst + n) <- [src, src + n) whose destination lies
 * in region d (source in s when d is host memory); n <= BOUNCE_BYTES unless
 * both sides are host memory. *moved gets the destination bytes written
 * (all n, unless a device callback failed: VMMEM_EPARTIAL with *progress's
 * cause set); a device is written in the copy's direction (backward: from
 * the chunk's end down), so the bytes moved are next to those before. */
static int copy_chunk(const guest_map *m, const guest_region *d, const guest_region *s, vmmem_gpa dst,
                      vmmem_gpa src, uint64_t n, bool backward, guest_progress *progress, uint64_t *moved)
{
    guest_piece dp, sp;
    *moved = 0;
    int rc = chunk_piece(d, dst, n, GUEST_RULE_WRITE, &dp);
    if (rc == VMMEM_OK && d->host)
        rc = chunk_piece(s, src, n, GUEST_RULE_READ, &sp);
    if (rc != VMMEM_OK)
        return rc;
    if (d->host && s->host) {
        vmmem_memmove(guest_piece_host(&dp), guest_piece_host(&sp), (size_t)n);
        dirty_note_write(d, dp.offset, n);
        *moved = n;
        return VMMEM_OK;
    }
    unsigned char bounce[BOUNCE_BYTES];
    /* The whole chunk is read before any of it is written: overlap-safe. */
    guest_progress read_progress = { 0, VMMEM_OK };
    uint64_t got = 0;
    if (d->host)
        rc = mmio_read_range(&s->mmio, sp.offset, bounce, n, &got);
    else
        rc = guest_read_locked(m, src, n, bounce, &read_progress);
    if (rc != VMMEM_OK) {
        progress->cause = rc == VMMEM_EPARTIAL ? read_progress.cause : rc;
        return VMMEM_EPARTIAL;
    }
    if (d->host) {
        vmmem_memcpy_fast(guest_piece_host(&dp), bounce, (size_t)n);
        dirty_note_write(d, dp.offset, n);
        *moved = n;
        return VMMEM_OK;
    }
    rc = backward ? mmio_write_range_down(&d->mmio, dp.offset, bounce, n, moved)
                  : mmio_write_range(&d->mmio, dp.offset, bounce, n, moved);
    if (rc != VMMEM_OK) {
        progress->cause = rc;
        return VMMEM_EPARTIAL;
    }
    return VMMEM_OK;
}

/* Bytes from x to the end of r, at most cap (cap >= 1, x inside r). */
static uint64_t room_up(const guest_region *r, vmmem_gpa x, uint64_t cap)
{
    uint64_t d = r->last - x;
    return d < cap - 1 ? d + 1 : cap;
}

/* Bytes from the start of r through x, at most cap (cap >= 1, x inside r). */
static uint64_t room_down(const guest_region *r, vmmem_gpa x, uint64_t cap)
{
    uint64_t d = x - r->base;
    return d < cap - 1 ? d + 1 : cap;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Length of the next chunk of a forward copy at [dst, ...), [src, ...):
 * up to the end of the destination region; for RAM <- RAM/ROM also of the
 * source region; with MMIO on either side at most BOUNCE_BYTES, and for an
 * MMIO destination ending at a multiple of BOUNCE_BYTES inside the device
 * (or at its end), so that every device write stays aligned. */
static uint64_t chunk_forward(const guest_region *d, const guest_region *s, vmmem_gpa dst, vmmem_gpa src,
                              uint64_t remaining)
{
    uint64_t n = room_up(d, dst, remaining);
    if (d->host)
        n = room_up(s, src, n);
    if (!d->host || !s->host)
        n = min_u64(n, BOUNCE_BYTES);
    if (!d->host)
        n = min_u64(n, BOUNCE_BYTES - (dst - d->base) % BOUNCE_BYTES);
    return n;
}

/* The same for a backward copy whose chunk ends at dst_last / src_last. */
static uint64_t chunk_backward(const guest_region *d, const guest_region *s, vmmem_gpa dst_last,
                               vmmem_gpa src_last, uint64_t remaining)
{
    uint64_t n = room_down(d, dst_last, remaining);
    if (d->host)
        n = room_down(s, src_last, n);
    if (!d->host || !s->host)
        n = min_u64(n, BOUNCE_BYTES);
    if (!d->host) {
        uint64_t end_in_bounce = (dst_last - d->base) % BOUNCE_BYTES + 1;
        n = min_u64(n, end_in_bounce);
    }
    return n;
}

/* copy_block across regions, after both ranges were walked and passed. A
 * destination above an overlapping source is copied from the end down,
 * otherwise from the start up: memmove semantics in guest address space.
 * Every chunk's pieces pass the rule of the walk that checked them. On
 * VMMEM_EPARTIAL, progress->done counts the destination bytes written in
 * the copy's direction, one run from the start (forward) or the end
 * (backward) of the destination. */
static int copy_general(const guest_map *m, vmmem_gpa dst, vmmem_gpa src, uint64_t len, guest_progress *progress)
{
    bool backward = dst > src && dst - src < len;
    const guest_region *dhint = NULL, *shint = NULL;
    *progress = (guest_progress){ 0, VMMEM_OK };
    while (progress->done < len) {
        uint64_t remaining = len - progress->done, n, moved;
        vmmem_gpa d_at, s_at;
        const guest_region *d, *s;
        if (backward) {
            vmmem_gpa d_last = dst + (remaining - 1), s_last = src + (remaining - 1);
            d = guest_region_lookup(m, &dhint, d_last);
            s = guest_region_lookup(m, &shint, s_last);
            n = chunk_backward(d, s, d_last, s_last, remaining);
            d_at = d_last - (n - 1);
            s_at = s_last - (n - 1);
        } else {
            d_at = dst + progress->done;
            s_at = src + progress->done;
            d = guest_region_lookup(m, &dhint, d_at);
            s = guest_region_lookup(m, &shint, s_at);
            n = chunk_forward(d, s, d_at, s_at, remaining);
        }
        int rc = copy_chunk(m, d, s, d_at, s_at, n, backward, progress, &moved);
        if (rc != VMMEM_OK) {
            progress->done += moved;
            return rc;
        }
        progress->done += n;
    }
    return VMMEM_OK;
}

/* copy_block when the fast path did not take it, in the caller's section:
 * both ranges walked (the source first: its problem is reported before the
 * destination's), then the copy across regions. */
static __attribute__((noinline)) int copy_block_general(const guest_map *m, vmmem_gpa dst, vmmem_gpa src,
                                                        uint64_t len)
{
    const guest_region *dhint = NULL, *shint = NULL;
    guest_progress progress;
    int rc = guest_walk(m, &shint, src, len, GUEST_RULE_READ, NULL, NULL);
    if (rc == VMMEM_OK)
        rc = guest_walk(m, &dhint, dst, len, GUEST_RULE_WRITE, NULL, NULL);
    if (rc == VMMEM_OK)
        rc = copy_general(m, dst, src, len, &progress);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &progress);
    return rc;
}

static inline __attribute__((always_inline)) int copy_block_body(vmmem_guest_memory *gm, vmmem_gpa dst,
                                                                 vmmem_gpa src, uint64_t len)
{
    const guest_map *m = guest_map_current(gm);
    const guest_region *d = guest_host_region(m, dst, len);
    const guest_region *s = NULL;
    if (d && d->kind == VMMEM_REGION_RAM) /* the source is most often in the same RAM: no second search */
        s = src >= d->base && src <= d->last && len - 1 <= d->last - src ? d : guest_host_region(m, src, len);
    if (!s)
        return copy_block_general(m, dst, src, len);
    guest_fast_copy(d->host + (dst - d->base), s->host + (src - s->base), (size_t)len);
    dirty_note_write(d, dst - d->base, len);
    return VMMEM_OK;
}

static __attribute__((noinline)) int copy_block_locking(vmmem_guest_memory *gm, vmmem_gpa dst, vmmem_gpa src,
                                                        uint64_t len)
{
    guest_rcu_read_lock();
    int rc = copy_block_body(gm, dst, src, len);
    guest_rcu_read_unlock();
    return rc;
}

int vmmem_guest_copy_block(vmmem_guest_memory *gm, vmmem_gpa dst, vmmem_gpa src, uint64_t len)
{
    if (len == 0)
        return VMMEM_OK;
    if (!gm)
        return VMMEM_EINVAL;
    vmmem_gpa dst_last, src_last;
    if (guest_range_last(dst, len, &dst_last) != VMMEM_OK || guest_range_last(src, len, &src_last) != VMMEM_OK)
        return VMMEM_ERANGE;
    if (guest_in_entered_section())
        return copy_block_body(gm, dst, src, len);
    return copy_block_locking(gm, dst, src, len);
}
