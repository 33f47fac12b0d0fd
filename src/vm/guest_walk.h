/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_walk.h - the one walk over a guest range, which every access
 * of libvmmem-vm folds over: validation and the move of read, write,
 * copy_block, the typed accessors and arrays, dirty marking, translation and
 * every DMA transfer (dma_internal.h walks a list with it, segment by
 * segment). A range is cut into pieces, one per region it crosses, and each
 * piece must pass the rule of the access (guest_piece_rule()). A call walks
 * its range twice against the same map: once with no visitor, to refuse the
 * range before anything moves, then with the visitor that moves each piece.
 * Both walks cut the same pieces and apply the same rule, so the check can
 * never disagree with the access it guards.
 *
 * Error precedence: the first problem in address order (for a list, in
 * list order): a byte outside every region is VMMEM_EFAULT, a piece the
 * rule refuses is the rule's code. */
#ifndef VMMEM_SRC_VM_GUEST_WALK_H
#define VMMEM_SRC_VM_GUEST_WALK_H

#include "guest_internal.h"

#include <vmmem/cpu.h>
#include <vmmem/memcpy.h>

/* What an access does to the bytes of its range, and so which regions it
 * may touch. */
typedef enum guest_rule {
    GUEST_RULE_READ,  /* RAM, ROM, MMIO (device reads are widened to whole units) */
    GUEST_RULE_WRITE, /* RAM; MMIO in whole, aligned units of the device's smallest access; no ROM */
    GUEST_RULE_RAM    /* RAM only: bytes written through a translated pointer (dirty marking) */
} guest_rule;

/* The part of a range that lies in one region. */
typedef struct guest_piece {
    const guest_region *region;
    uint64_t offset; /* region offset of the piece's first byte */
    uint64_t len;    /* >= 1 */
} guest_piece;

/* Host address of a RAM or ROM piece's first byte. */
static inline unsigned char *guest_piece_host(const guest_piece *p)
{
    return p->region->host + p->offset;
}

/* The rule applied to one piece: VMMEM_OK, VMMEM_EPERM (a write into ROM),
 * VMMEM_EINVAL (a device write the device cannot take: see
 * mmio_write_possible()) or VMMEM_EFAULT (not RAM, for GUEST_RULE_RAM). */
static inline int guest_piece_rule(const guest_piece *p, guest_rule rule)
{
    const guest_region *r = p->region;
    switch (rule) {
    case GUEST_RULE_READ:
        return VMMEM_OK;
    case GUEST_RULE_WRITE:
        if (r->kind == VMMEM_REGION_RAM)
            return VMMEM_OK;
        if (r->kind == VMMEM_REGION_ROM)
            return VMMEM_EPERM;
        return mmio_write_possible(&r->mmio, p->offset, p->len) ? VMMEM_OK : VMMEM_EINVAL;
    default:
        return r->kind == VMMEM_REGION_RAM ? VMMEM_OK : VMMEM_EFAULT;
    }
}

/* The region of m holding gpa, through *hint (the region the caller's last
 * lookup in m found, or NULL; updated): consecutive pieces usually lie in
 * the same region. NULL when no region holds gpa. */
static inline const guest_region *guest_region_lookup(const guest_map *m, const guest_region **hint, vmmem_gpa gpa)
{
    const guest_region *r = *hint;
    if (r && gpa >= r->base && gpa <= r->last)
        return r;
    r = guest_map_region(m, gpa);
    if (r)
        *hint = r;
    return r;
}

/* The piece at gpa of a range of len > 0 bytes from gpa (no wrap), in map m
 * (*hint as for guest_region_lookup()), checked against rule: VMMEM_OK with
 * *p set, VMMEM_EFAULT (no region holds gpa) or the rule's code. */
static inline int guest_piece_at(const guest_map *m, const guest_region **hint, vmmem_gpa gpa, uint64_t len,
                                 guest_rule rule, guest_piece *p)
{
    const guest_region *r = guest_region_lookup(m, hint, gpa);
    if (!r)
        return VMMEM_EFAULT;
    uint64_t after = r->last - gpa; /* bytes of the region after gpa: below 2^64 - 1 */
    p->region = r;
    p->offset = gpa - r->base;
    p->len = len - 1 < after ? len : after + 1;
    return guest_piece_rule(p, rule);
}

/* The single-region fast path every access tries first: the region of m
 * holding all of [gpa, gpa + len) (len > 0, no wrap) when it has host
 * memory (RAM or ROM), else NULL. Such a range is one piece, and the rules
 * pass it: any read, and a write when the region is RAM. */
static inline const guest_region *guest_host_region(const guest_map *m, vmmem_gpa gpa, uint64_t len)
{
    const guest_region *r = guest_map_region(m, gpa);
    return r && r->host && len - 1 <= r->last - gpa ? r : NULL;
}

/* Called for each piece a walk passes; a non-zero return stops the walk and
 * is what the walk returns. */
typedef int (*guest_piece_visit)(void *ctx, const guest_piece *p);

/* The walk: [gpa, gpa + len) of map m (len > 0, no wrap: the caller checked
 * with guest_range_last()) piece by piece in address order, each checked
 * against rule; visit (NULL for none) sees every piece that passed. Returns
 * VMMEM_OK, the first problem (VMMEM_EFAULT or the rule's code) or visit's
 * non-zero return. Call inside a read-side section in which m was current.
 * Always inlined: visit is a constant at every call, so each walk compiles
 * to a plain loop around its visitor. */
static inline __attribute__((always_inline)) int guest_walk(const guest_map *m, const guest_region **hint,
                                                           vmmem_gpa gpa, uint64_t len, guest_rule rule,
                                                           guest_piece_visit visit, void *ctx)
{
    while (len) {
        guest_piece p;
        int rc = guest_piece_at(m, hint, gpa, len, rule, &p);
        if (rc == VMMEM_OK && visit)
            rc = visit(ctx, &p);
        if (rc != VMMEM_OK)
            return rc;
        gpa += p.len; /* wraps to 0 only after the range's last piece */
        len -= p.len;
    }
    return VMMEM_OK;
}

/* How far a move got before it failed part-way. */
typedef struct guest_progress {
    uint64_t done; /* bytes moved, from the start of the move */
    int cause;     /* the MMIO callback's code, or VMMEM_EIO (file I/O) */
} guest_progress;

/* Records a part-way failure (VMMEM_EPARTIAL) of a call that was to move
 * `expected` bytes, for vmmem_guest_last_partial() (partial.c). */
void guest_report_partial(uint64_t expected, const guest_progress *progress);

/* ---- moves between a caller's buffer and the pieces of a walk ---------- */

/* A move's state: the caller's buffer and its length, how much of it has
 * moved, and the RAM written (when track: see guest_tracks_dirty()),
 * marked dirty by dirty_run_flush() once the walk is over. */
typedef struct guest_move {
    unsigned char *buf;
    uint64_t len;
    guest_progress progress;
    dirty_run dirty;
    bool track;
} guest_move;

static inline guest_move guest_move_start(const void *buf, uint64_t len, bool track)
{
    return (guest_move){ (unsigned char *)(uintptr_t)buf, len, { 0, VMMEM_OK }, DIRTY_RUN_EMPTY, track };
}

/* Whether the piece fits in what is left of the buffer. The walk that moves
 * was checked to total the buffer's length, so it always does, unless the
 * caller changed a DMA list during the call: then the move stops there
 * (VMMEM_EPARTIAL, cause VMMEM_ERANGE) instead of running off the buffer. */
static inline bool guest_move_fits(guest_move *mv, const guest_piece *p)
{
    if (p->len <= mv->len - mv->progress.done)
        return true;
    mv->progress.cause = VMMEM_ERANGE;
    return false;
}

/* Ends a piece's move: VMMEM_OK, or VMMEM_EPARTIAL after `got` more bytes
 * when a device callback failed with rc. */
static inline int guest_move_piece_done(guest_move *mv, uint64_t len, uint64_t got, int rc)
{
    if (rc != VMMEM_OK) {
        mv->progress.done += got;
        mv->progress.cause = rc;
        return VMMEM_EPARTIAL;
    }
    mv->progress.done += len;
    return VMMEM_OK;
}

/* How a move copies between host memory and a RAM or ROM piece: the
 * engine's copy, or for the few guest fields a device decides on
 * guest_once.h's single loads and stores. */
typedef void (*guest_host_copy)(void *dst, const void *src, size_t n);

/* A piece into the buffer (a read): RAM and ROM with copy, a device through
 * its callbacks. Always inlined with a constant copy, so each visitor
 * built on it calls its copy directly. */
static inline __attribute__((always_inline)) int guest_move_piece_out(guest_move *mv, const guest_piece *p,
                                                                     guest_host_copy copy)
{
    if (!guest_move_fits(mv, p))
        return VMMEM_EPARTIAL;
    unsigned char *out = mv->buf + mv->progress.done;
    uint64_t got = p->len;
    int rc = VMMEM_OK;
    if (p->region->host)
        copy(out, guest_piece_host(p), (size_t)p->len);
    else
        rc = mmio_read_range(&p->region->mmio, p->offset, out, p->len, &got);
    return guest_move_piece_done(mv, p->len, got, rc);
}

/* The buffer into a piece (a write; the rule refused ROM), marking RAM
 * dirty when the move tracks. */
static inline __attribute__((always_inline)) int guest_move_piece_in(guest_move *mv, const guest_piece *p,
                                                                    guest_host_copy copy)
{
    if (!guest_move_fits(mv, p))
        return VMMEM_EPARTIAL;
    const unsigned char *in = mv->buf + mv->progress.done;
    uint64_t got = p->len;
    int rc = VMMEM_OK;
    if (p->region->host) {
        copy(guest_piece_host(p), in, (size_t)p->len);
        if (mv->track)
            dirty_run_add(&mv->dirty, p->region, p->offset, p->len);
    } else {
        rc = mmio_write_range(&p->region->mmio, p->offset, in, p->len, &got);
    }
    return guest_move_piece_done(mv, p->len, got, rc);
}

/* Guest copies of 2-16 KiB: a forward `rep movsb` where the CPU has ERMS
 * (set once libvmmem-vm has asked the engine for the CPU), else the engine.
 * Guest pages are rarely in L1 when a device or the VMM copies them, and
 * there `rep movsb` wins: a 4 KiB read one page further each call over
 * 32 MiB took 124 ns against 187 ns with the engine's AVX-512 loop, and a
 * 4 KiB read into a buffer at page offset 16 took 51 against 80 ns; an
 * L1-hot 4 KiB read went from 24 to 30 ns (vmmem-guest-bench, 21 rounds;
 * docs/guest_memory.md, "Measured overhead"). Below 2 KiB the loop wins in
 * L1 and L2 alike; from 16 KiB up the engine's own rep movsb band decides. */
#define GUEST_REP_MOVSB_MIN 2048
#define GUEST_REP_MOVSB_MAX 16384
extern atomic_bool guest_rep_movsb_ok;

/* Copies with rep movsb and returns true when the copy is in the band, the
 * CPU has ERMS and a forward copy is safe (dst below src or no overlap). */
static inline bool guest_mid_copy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
    if (n >= GUEST_REP_MOVSB_MIN && n < GUEST_REP_MOVSB_MAX && (uintptr_t)dst - (uintptr_t)src >= n &&
        atomic_load_explicit(&guest_rep_movsb_ok, memory_order_relaxed)) {
        __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
        return true;
    }
#else
    (void)dst;
    (void)src;
    (void)n;
#endif
    return false;
}

static inline void guest_engine_copy(void *dst, const void *src, size_t n)
{
    if (!guest_mid_copy(dst, src, n))
        vmmem_memcpy_fast(dst, src, n);
}

/* Guest accesses are mostly small (ring fields, descriptors, typed values,
 * a cache line of a request header): up to this many bytes, a call's
 * single-region fast path copies inline instead of calling the engine
 * (an indirect call and the engine's own size dispatch). */
#define GUEST_INLINE_COPY_MAX 64
/* The unit of the inline copy above 16 bytes: a 16-byte vector (SSE2 on
 * x86-64, NEON on AArch64), loaded and stored unaligned. */
typedef unsigned char guest_copy_chunk __attribute__((vector_size(16)));
#define GUEST_COPY_CHUNK sizeof(guest_copy_chunk)
_Static_assert(GUEST_INLINE_COPY_MAX == 4 * GUEST_COPY_CHUNK, "the inline copy moves at most four chunks");

/* Copies 17..64 bytes as two or four possibly overlapping chunks, every
 * chunk loaded before any is stored (overlap-safe, like the engine). */
static inline __attribute__((always_inline)) void guest_copy_17_64(unsigned char *d, const unsigned char *s,
                                                                  size_t n)
{
    guest_copy_chunk a, b, c, e;
    __builtin_memcpy(&a, s, GUEST_COPY_CHUNK);
    __builtin_memcpy(&e, s + n - GUEST_COPY_CHUNK, GUEST_COPY_CHUNK);
    if (n <= 2 * GUEST_COPY_CHUNK) {
        __builtin_memcpy(d, &a, GUEST_COPY_CHUNK);
        __builtin_memcpy(d + n - GUEST_COPY_CHUNK, &e, GUEST_COPY_CHUNK);
        return;
    }
    __builtin_memcpy(&b, s + GUEST_COPY_CHUNK, GUEST_COPY_CHUNK);
    __builtin_memcpy(&c, s + n - 2 * GUEST_COPY_CHUNK, GUEST_COPY_CHUNK);
    __builtin_memcpy(d, &a, GUEST_COPY_CHUNK);
    __builtin_memcpy(d + GUEST_COPY_CHUNK, &b, GUEST_COPY_CHUNK);
    __builtin_memcpy(d + n - 2 * GUEST_COPY_CHUNK, &c, GUEST_COPY_CHUNK);
    __builtin_memcpy(d + n - GUEST_COPY_CHUNK, &e, GUEST_COPY_CHUNK);
}

/* The copy of a fast path: inline up to GUEST_INLINE_COPY_MAX bytes (up to
 * 16 with memcpy.h's own inline moves, which keep 2, 4 and 8 bytes one
 * access), rep movsb for 2-16 KiB (guest_mid_copy()), else the engine's
 * copy (memmove semantics, like every copy of memcpy.h). */
static inline void guest_fast_copy(void *dst, const void *src, size_t n)
{
#ifdef VMMEM_INLINE_OR_CALL /* memcpy.h's inline small copy is compiled in */
    if (n <= 16) {
        vmmem_inline_copy_upto16(dst, src, n);
        return;
    }
    if (n <= GUEST_INLINE_COPY_MAX) {
        guest_copy_17_64(dst, src, n);
        return;
    }
#endif
    if (!guest_mid_copy(dst, src, n))
        vmmem_memcpy_fast(dst, src, n);
}

/* Walk visitors (ctx: a guest_move) on the engine's copy. Inline, so each
 * walk that uses one compiles to one loop. */
static inline int guest_move_to_buffer(void *ctx, const guest_piece *p)
{
    return guest_move_piece_out(ctx, p, guest_engine_copy);
}

static inline int guest_move_from_buffer(void *ctx, const guest_piece *p)
{
    return guest_move_piece_in(ctx, p, guest_engine_copy);
}

/* ---- moves over the walk (guest_access.c) ------------------------------ */

/* Reads [gpa, gpa + len) of m into buf, or writes buf there (marking the
 * RAM pieces dirty): the whole range checked first (a refusal moves
 * nothing), then moved piece by piece. VMMEM_OK, a refusal, or
 * VMMEM_EPARTIAL with *progress filled. Call inside a read-side section of
 * gm in which m was current. */
int guest_read_locked(const guest_map *m, vmmem_gpa gpa, uint64_t len, void *buf, guest_progress *progress);
int guest_write_locked(vmmem_guest_memory *gm, const guest_map *m, vmmem_gpa gpa, uint64_t len, const void *buf,
                       guest_progress *progress);

#endif /* VMMEM_SRC_VM_GUEST_WALK_H */
