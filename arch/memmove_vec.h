/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/memmove_vec.h - the vector copy kernel, written once for every vector ISA.
 *
 * An ISA file defines the macros below and includes this file; it gets the
 * always-inline bodies vec_memmove(); vec_memcpy_nt() when VEC_STREAM is
 * defined; and when VEC_REP_MOVSB is defined too, the bodies of the
 * dispatcher's entries with the size bands in their large rung:
 * vec_memmove_banded() (rep movsb from the ERMS threshold) and
 * vec_memmove_adaptive() (also non-temporal stores from the NT threshold). A
 * band set below the loop rung (8 vectors) starts there. Each comes twice:
 * the _floor twin reads the thresholds only from VMMEM_BAND_FLOOR up, for
 * when no band starts below it (the defaults). The ISA file then defines
 * each exported kernel by name (vmmem_<isa>_memmove, ...), a one-line call
 * of its body, so every symbol greps to its definition.
 *
 *   VEC_T, VEC_SIZE            vector type and its width in bytes (a power of 2 >= 16)
 *   VEC_LOADU(p)               unaligned load
 *   VEC_STOREU(p, v)           unaligned store
 *   VEC_STOREA(p, v)           store to a VEC_SIZE-aligned address
 *   VEC_MEMMOVE, VEC_MEMCPY_NT the ISA's exported memmove and (with VEC_STREAM)
 *                              memcpy_nt, which the bodies call (a tail call: the
 *                              non-temporal band, and memcpy_nt's fallback)
 *   copy_17_to_vec(d, s, n)    (VEC_SIZE > 16 only) copies 16 < n <= VEC_SIZE
 *   VEC_STREAM(p, v), VEC_STREAM_FENCE()   (optional) non-temporal store, fence
 *   VEC_REP_MOVSB(d, s, n)     (optional) a forward rep movsb, for the bands
 *   ENTRY_COPY_MAX             (optional, = 4 * VEC_SIZE) the ISA's exported
 *                              kernels are entries of their own that copy
 *                              0..ENTRY_COPY_MAX bytes and call these bodies only
 *                              for larger copies, so the bodies start at the 4 + 4
 *                              rung; the entries must keep copies of 2, 4 and 8
 *                              bytes between pointers aligned to that size single
 *                              scalar accesses
 *
 * Size ladder (V = VEC_SIZE); every rung loads everything it needs before it
 * stores, so overlap needs no special case below the loops:
 *   0..16        scalar head/tail (copy_small.h)
 *   17..V        narrower vectors, head/tail (ISA file)
 *   (or 0..ENTRY_COPY_MAX: the ISA's entries)
 *   V+1..2V      1 vector head + 1 vector tail
 *   2V+1..4V     2 + 2
 *   4V+1..8V     4 + 4
 *   > 8V         loop of 4 vectors per iteration with aligned stores,
 *                forward or backward depending on overlap. */

#include <stddef.h>
#include <stdint.h>

#include "copy_small.h"
#include "dispatch.h"

#define V VEC_SIZE

/* The alignment arithmetic (& (V - 1)) needs a power of two, and the floor
 * entries' band starts in the loop rung. */
_Static_assert(V >= 16 && (V & (V - 1)) == 0, "VEC_SIZE is a power of two of at least 16 bytes");
_Static_assert(VMMEM_BAND_FLOOR > 8 * V, "the _floor entries' bands start inside the loop rung (n > 8V)");

#ifdef ENTRY_COPY_MAX
_Static_assert(ENTRY_COPY_MAX == 4 * V, "the bodies start at the 4 + 4 rung");
#else
static inline void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
#if VEC_SIZE > 16
    if (n > 16) {
        copy_17_to_vec(d, s, n);
        return;
    }
#endif
    vmmem_copy_0_to_16(d, s, n);
}

static inline void head_tail_1(unsigned char *d, const unsigned char *s, size_t n)
{
    VEC_T a = VEC_LOADU(s), b = VEC_LOADU(s + n - V);
    VEC_STOREU(d, a);
    VEC_STOREU(d + n - V, b);
}

static inline void head_tail_2(unsigned char *d, const unsigned char *s, size_t n)
{
    VEC_T a0 = VEC_LOADU(s), a1 = VEC_LOADU(s + V);
    VEC_T b0 = VEC_LOADU(s + n - 2 * V), b1 = VEC_LOADU(s + n - V);
    VEC_STOREU(d, a0);
    VEC_STOREU(d + V, a1);
    VEC_STOREU(d + n - 2 * V, b0);
    VEC_STOREU(d + n - V, b1);
}
#endif

static inline void head_tail_4(unsigned char *d, const unsigned char *s, size_t n)
{
    VEC_T a0 = VEC_LOADU(s), a1 = VEC_LOADU(s + V), a2 = VEC_LOADU(s + 2 * V),
          a3 = VEC_LOADU(s + 3 * V);
    VEC_T b0 = VEC_LOADU(s + n - 4 * V), b1 = VEC_LOADU(s + n - 3 * V),
          b2 = VEC_LOADU(s + n - 2 * V), b3 = VEC_LOADU(s + n - V);
    VEC_STOREU(d, a0);
    VEC_STOREU(d + V, a1);
    VEC_STOREU(d + 2 * V, a2);
    VEC_STOREU(d + 3 * V, a3);
    VEC_STOREU(d + n - 4 * V, b0);
    VEC_STOREU(d + n - 3 * V, b1);
    VEC_STOREU(d + n - 2 * V, b2);
    VEC_STOREU(d + n - V, b3);
}

/* Copies 4-vector blocks from offset i while i < stop, with aligned stores
 * (non-temporal ones when `stream`, a constant in each caller). On entry
 * d + i is V-aligned; every block stored ends below stop + 4V. Each block is
 * loaded whole before it is stored. */
static inline __attribute__((always_inline)) void copy_aligned_blocks(unsigned char *d, const unsigned char *s,
                                                                      size_t i, size_t stop, int stream)
{
    (void)stream;
    while (i < stop) {
        VEC_T a0 = VEC_LOADU(s + i), a1 = VEC_LOADU(s + i + V), a2 = VEC_LOADU(s + i + 2 * V),
              a3 = VEC_LOADU(s + i + 3 * V);
#ifdef VEC_STREAM
        if (stream) {
            VEC_STREAM(d + i, a0);
            VEC_STREAM(d + i + V, a1);
            VEC_STREAM(d + i + 2 * V, a2);
            VEC_STREAM(d + i + 3 * V, a3);
            i += 4 * V;
            continue;
        }
#endif
        VEC_STOREA(d + i, a0);
        VEC_STOREA(d + i + V, a1);
        VEC_STOREA(d + i + 2 * V, a2);
        VEC_STOREA(d + i + 3 * V, a3);
        i += 4 * V;
    }
}

/* n > 8V; dst is below src or the ranges do not overlap. The first vector
 * and the last four are loaded before the loop stores anything, and every
 * loop iteration loads before it stores, so a dst below an overlapping src
 * never clobbers bytes still to be read. */
static inline __attribute__((always_inline)) void copy_forward(unsigned char *d, const unsigned char *s, size_t n)
{
    VEC_T head = VEC_LOADU(s);
    VEC_T t0 = VEC_LOADU(s + n - 4 * V), t1 = VEC_LOADU(s + n - 3 * V),
          t2 = VEC_LOADU(s + n - 2 * V), t3 = VEC_LOADU(s + n - V);
    /* 0..V-1: the head covers [0, i); when dst is aligned the loop starts at
     * 0 (storing the head again after it is harmless) rather than spending a
     * whole extra block on it: 2 KiB took 8.5 ns instead of 8.0 ns. */
    size_t i = (V - ((uintptr_t)d & (V - 1))) & (V - 1);
    copy_aligned_blocks(d, s, i, n - 4 * V, 0); /* the tail covers [n - 4V, n) */
    VEC_STOREU(d + n - 4 * V, t0);
    VEC_STOREU(d + n - 3 * V, t1);
    VEC_STOREU(d + n - 2 * V, t2);
    VEC_STOREU(d + n - V, t3);
    VEC_STOREU(d, head);
}

/* n > 8V; dst is above src and overlaps it. The mirror of copy_forward:
 * the last vector and the first four are loaded first, the loop walks down. */
static inline __attribute__((always_inline)) void copy_backward(unsigned char *d, const unsigned char *s, size_t n)
{
    VEC_T tail = VEC_LOADU(s + n - V);
    VEC_T h0 = VEC_LOADU(s), h1 = VEC_LOADU(s + V), h2 = VEC_LOADU(s + 2 * V),
          h3 = VEC_LOADU(s + 3 * V);
    size_t end = n - ((uintptr_t)(d + n) & (V - 1)); /* n-V < end <= n: tail covers [end, n) */
    while (end > 4 * V) {
        end -= 4 * V;
        /* d + end is V-aligned and end > 0 */
        VEC_T a3 = VEC_LOADU(s + end + 3 * V), a2 = VEC_LOADU(s + end + 2 * V),
              a1 = VEC_LOADU(s + end + V), a0 = VEC_LOADU(s + end);
        VEC_STOREA(d + end + 3 * V, a3);
        VEC_STOREA(d + end + 2 * V, a2);
        VEC_STOREA(d + end + V, a1);
        VEC_STOREA(d + end, a0);
    }
    VEC_STOREU(d + n - V, tail);
    VEC_STOREU(d, h0); /* the head covers [0, 4V), and end <= 4V */
    VEC_STOREU(d + V, h1);
    VEC_STOREU(d + 2 * V, h2);
    VEC_STOREU(d + 3 * V, h3);
}

/* True when a forward copy is safe: dst below src, or no overlap at all. */
static inline int forward_is_safe(const unsigned char *d, const unsigned char *s, size_t n)
{
    return (uintptr_t)d - (uintptr_t)s >= n;
}

/* Which size bands the large rung applies (a constant in each caller, so
 * small copies pay nothing for them). (Checking them in a thin entry in
 * front of the plain kernel instead saves a second copy of the loop, but
 * the extra jump made 1-256 B copies about 5 % slower.) */
enum band_level { NO_BANDS, ERMS_BAND, ERMS_AND_NT_BANDS };

/* Whether the large rung may skip reading the thresholds below
 * VMMEM_BAND_FLOOR (a constant in each caller). Reading one costs more than
 * it looks right after a large copy: a load whose address matches, in its
 * low 12 bits, a store still draining from the previous copy waits for it
 * (4 KiB aliasing), and a 4 KiB copy leaves a store at every such offset.
 * Measured back to back, src + 1: 4 KiB 16.5 ns with the floor against
 * 18.0 ns without, 1000 B 4.17 against 4.57 ns, the same as the plain
 * kernel, which reads nothing. */
enum band_floor { BANDS_FROM_LOOP, BANDS_FROM_FLOOR };

static inline __attribute__((always_inline)) void *memmove_ladder(void *dst, const void *src, size_t n,
                                                                  enum band_level bands, enum band_floor floor)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    (void)bands;
    (void)floor;
#ifdef ENTRY_COPY_MAX
    if (n <= 8 * V) { /* n > ENTRY_COPY_MAX = 4V: the entry copied the rest */
#else
    if (n <= V) {
        copy_small(d, s, n);
    } else if (n <= 2 * V) {
        head_tail_1(d, s, n);
    } else if (n <= 4 * V) {
        head_tail_2(d, s, n);
    } else if (n <= 8 * V) {
#endif
        head_tail_4(d, s, n);
    } else if (forward_is_safe(d, s, n)) {
#if defined(VEC_REP_MOVSB) && defined(VEC_STREAM)
        if (bands == ERMS_AND_NT_BANDS && (floor == BANDS_FROM_LOOP || n >= VMMEM_BAND_FLOOR) &&
            n >= atomic_load_explicit(&vmmem_dispatch.nt_threshold, memory_order_relaxed))
            return VEC_MEMCPY_NT(dst, src, n); /* falls back itself if they overlap */
#endif
#ifdef VEC_REP_MOVSB
        if (bands != NO_BANDS && (floor == BANDS_FROM_LOOP || n >= VMMEM_BAND_FLOOR) &&
            n >= atomic_load_explicit(&vmmem_dispatch.erms_threshold, memory_order_relaxed))
            VEC_REP_MOVSB(d, s, n);
        else
#endif
            copy_forward(d, s, n);
    } else {
        copy_backward(d, s, n);
    }
    return dst;
}

#define VEC_KERNEL_BODY static inline __attribute__((always_inline)) void *

VEC_KERNEL_BODY vec_memmove(void *dst, const void *src, size_t n)
{
    return memmove_ladder(dst, src, n, NO_BANDS, BANDS_FROM_LOOP);
}

#ifdef VEC_REP_MOVSB
VEC_KERNEL_BODY vec_memmove_banded(void *dst, const void *src, size_t n)
{
    return memmove_ladder(dst, src, n, ERMS_BAND, BANDS_FROM_LOOP);
}

VEC_KERNEL_BODY vec_memmove_banded_floor(void *dst, const void *src, size_t n)
{
    return memmove_ladder(dst, src, n, ERMS_BAND, BANDS_FROM_FLOOR);
}
#endif
#if defined(VEC_REP_MOVSB) && defined(VEC_STREAM)
VEC_KERNEL_BODY vec_memmove_adaptive(void *dst, const void *src, size_t n)
{
    return memmove_ladder(dst, src, n, ERMS_AND_NT_BANDS, BANDS_FROM_LOOP);
}

VEC_KERNEL_BODY vec_memmove_adaptive_floor(void *dst, const void *src, size_t n)
{
    return memmove_ladder(dst, src, n, ERMS_AND_NT_BANDS, BANDS_FROM_FLOOR);
}
#endif

#ifdef VEC_STREAM
/* Below this size memcpy_nt copies with ordinary stores: a non-temporal copy
 * cannot pay for its fence and for evicting a destination that fits in L1
 * anyway. Assumed, not measured: the benchmark runs the nt-* kernels from
 * 256 KiB only, and there (docs/performance.md, "Constants measured for the
 * dispatcher") they were 3.5x glibc hot and 0.89-0.90x cold against the
 * AVX-512 kernel's 1.03-1.04x hot and 1.14-1.31x cold; the dispatcher calls
 * memcpy_nt only from the NT threshold (the L3 size by default) up. It must
 * keep the loop shape valid (one head vector, whole 4-vector blocks, four
 * tail vectors), which the assertion below checks. */
#define NT_MIN_BYTES 4096
_Static_assert(NT_MIN_BYTES >= 8 * V, "memcpy_nt's loop needs a head vector, a block and a 4-vector tail");

VEC_KERNEL_BODY vec_memcpy_nt(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    int overlap = (uintptr_t)d - (uintptr_t)s < n || (uintptr_t)s - (uintptr_t)d < n;
    if (n < NT_MIN_BYTES || overlap)
        return VEC_MEMMOVE(dst, src, n);
    /* The ranges do not overlap, so the order of loads and stores is free. */
    VEC_STOREU(d, VEC_LOADU(s));
    /* d + i is V-aligned, as non-temporal stores require */
    copy_aligned_blocks(d, s, V - ((uintptr_t)d & (V - 1)), n - 4 * V, 1);
    VEC_STOREU(d + n - 4 * V, VEC_LOADU(s + n - 4 * V));
    VEC_STOREU(d + n - 3 * V, VEC_LOADU(s + n - 3 * V));
    VEC_STOREU(d + n - 2 * V, VEC_LOADU(s + n - 2 * V));
    VEC_STOREU(d + n - V, VEC_LOADU(s + n - V));
    VEC_STREAM_FENCE(); /* order the weakly-ordered stores before any later store */
    return dst;
}
#undef NT_MIN_BYTES
#endif

#undef VEC_KERNEL_BODY
#undef V
