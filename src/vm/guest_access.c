/* src/vm/guest_access.c - vmmem_guest_read, vmmem_guest_write and
 * vmmem_guest_copy_block: a fast path for a range inside one RAM region (one
 * lookup, the copy engine, dirty marking only when tracking is on), and a
 * general path that validates the whole range against the map and then
 * moves piece by piece across RAM, ROM and MMIO regions. */
#include "guest_internal.h"
#include "guest_rcu.h"

#include <vmmem/memcpy.h>

/* copy_block moves MMIO data through a stack buffer of this many bytes. A
 * multiple of the widest MMIO access (8), so chunk edges placed at multiples
 * of it inside a device keep every device write naturally aligned. */
#define BOUNCE_BYTES 256

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

int guest_read_locked(const guest_map *m, vmmem_gpa gpa, vmmem_gpa last, void *buf)
{
    size_t i;
    int rc = guest_map_check_range(m, gpa, last, VMMEM_ACCESS_READ, &i);
    if (rc != VMMEM_OK)
        return rc;
    unsigned char *out = buf;
    for (vmmem_gpa at = gpa;; i++) {
        const guest_region *r = m->regions[i];
        vmmem_gpa piece_last = min_u64(last, r->last);
        uint64_t n = piece_last - at + 1; /* <= len, which fits in size_t */
        if (r->host)
            vmmem_memcpy_fast(out, r->host + (at - r->base), (size_t)n);
        else if ((rc = mmio_read_range(&r->mmio, at - r->base, out, n)) != VMMEM_OK)
            return rc;
        if (piece_last == last)
            return VMMEM_OK;
        out += n;
        at = piece_last + 1;
    }
}

int guest_write_locked(const guest_map *m, vmmem_gpa gpa, vmmem_gpa last, const void *buf)
{
    size_t i;
    int rc = guest_map_check_range(m, gpa, last, VMMEM_ACCESS_WRITE, &i);
    if (rc != VMMEM_OK)
        return rc;
    const unsigned char *in = buf;
    for (vmmem_gpa at = gpa;; i++) {
        const guest_region *r = m->regions[i];
        vmmem_gpa piece_last = min_u64(last, r->last);
        uint64_t n = piece_last - at + 1;
        if (r->host) { /* RAM: the check above rejected ROM */
            vmmem_memcpy_fast(r->host + (at - r->base), in, (size_t)n);
            dirty_note_write(r, at - r->base, n);
        } else if ((rc = mmio_write_range(&r->mmio, at - r->base, in, n)) != VMMEM_OK) {
            return rc;
        }
        if (piece_last == last)
            return VMMEM_OK;
        in += n;
        at = piece_last + 1;
    }
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
    int rc = VMMEM_OK;
    guest_rcu_read_lock();
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t at = guest_map_find(m, gpa);
    const guest_region *r = at >= 0 ? m->regions[at] : NULL;
    if (r && last <= r->last && r->host)
        vmmem_memcpy_fast(buf, r->host + (gpa - r->base), len);
    else
        rc = guest_read_locked(m, gpa, last, buf);
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
    int rc = VMMEM_OK;
    guest_rcu_read_lock();
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t at = guest_map_find(m, gpa);
    const guest_region *r = at >= 0 ? m->regions[at] : NULL;
    if (r && last <= r->last && r->kind == VMMEM_REGION_RAM) {
        vmmem_memcpy_fast(r->host + (gpa - r->base), buf, len);
        dirty_note_write(r, gpa - r->base, len);
    } else {
        rc = guest_write_locked(m, gpa, last, buf);
    }
    guest_rcu_read_unlock();
    return rc;
}

/* Moves one chunk [dst, dst + n) <- [src, src + n) whose destination lies
 * in region d; n <= BOUNCE_BYTES unless both sides are host memory. */
static int copy_chunk(const guest_map *m, const guest_region *d, const guest_region *s, vmmem_gpa dst,
                      vmmem_gpa src, uint64_t n)
{
    if (d->host && s->host) {
        vmmem_memmove(d->host + (dst - d->base), s->host + (src - s->base), (size_t)n);
        dirty_note_write(d, dst - d->base, n);
        return VMMEM_OK;
    }
    unsigned char bounce[BOUNCE_BYTES];
    /* The whole chunk is read before any of it is written: overlap-safe. */
    int rc = d->host ? mmio_read_range(&s->mmio, src - s->base, bounce, n)
                     : guest_read_locked(m, src, src + (n - 1), bounce);
    if (rc != VMMEM_OK)
        return rc;
    if (d->host) {
        vmmem_memcpy_fast(d->host + (dst - d->base), bounce, (size_t)n);
        dirty_note_write(d, dst - d->base, n);
        return VMMEM_OK;
    }
    return mmio_write_range(&d->mmio, dst - d->base, bounce, n);
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

/* copy_block across regions, after both ranges were validated. A
 * destination above an overlapping source is copied from the end down,
 * otherwise from the start up: memmove semantics in guest address space. */
static int copy_general(const guest_map *m, vmmem_gpa dst, vmmem_gpa src, uint64_t len)
{
    bool backward = dst > src && dst - src < len;
    for (uint64_t done = 0; done < len;) {
        uint64_t remaining = len - done, n;
        vmmem_gpa d_at, s_at;
        const guest_region *d, *s;
        int rc;
        if (backward) {
            vmmem_gpa d_last = dst + (remaining - 1), s_last = src + (remaining - 1);
            d = m->regions[guest_map_find(m, d_last)];
            s = m->regions[guest_map_find(m, s_last)];
            n = chunk_backward(d, s, d_last, s_last, remaining);
            d_at = d_last - (n - 1);
            s_at = s_last - (n - 1);
        } else {
            d_at = dst + done;
            s_at = src + done;
            d = m->regions[guest_map_find(m, d_at)];
            s = m->regions[guest_map_find(m, s_at)];
            n = chunk_forward(d, s, d_at, s_at, remaining);
        }
        if ((rc = copy_chunk(m, d, s, d_at, s_at, n)) != VMMEM_OK)
            return rc;
        done += n;
    }
    return VMMEM_OK;
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
    int rc = VMMEM_OK;
    guest_rcu_read_lock();
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t d_at = guest_map_find(m, dst), s_at = guest_map_find(m, src);
    const guest_region *d = d_at >= 0 ? m->regions[d_at] : NULL;
    const guest_region *s = s_at >= 0 ? m->regions[s_at] : NULL;
    if (d && s && dst_last <= d->last && src_last <= s->last && d->kind == VMMEM_REGION_RAM && s->host) {
        vmmem_memmove(d->host + (dst - d->base), s->host + (src - s->base), (size_t)len);
        dirty_note_write(d, dst - d->base, len);
    } else {
        size_t first;
        rc = guest_map_check_range(m, src, src_last, VMMEM_ACCESS_READ, &first);
        if (rc == VMMEM_OK)
            rc = guest_map_check_range(m, dst, dst_last, VMMEM_ACCESS_WRITE, &first);
        if (rc == VMMEM_OK)
            rc = copy_general(m, dst, src, len);
    }
    guest_rcu_read_unlock();
    return rc;
}
