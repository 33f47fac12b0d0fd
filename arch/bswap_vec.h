/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/bswap_vec.h - the byte-swapping copy kernel, written once for every
 * vector ISA (the counterpart of memmove_vec.h for translation).
 *
 * An ISA file defines the macros below and includes this file; it gets
 * KERNEL_FN(bswap16/32/64), with VEC_STREAM also KERNEL_FN(bswap16/32/64_nt),
 * and with VEC_SHUFFLE also KERNEL_FN(shuffle) and KERNEL_FN(shuffle_groups)
 * (see src/xlate_dispatch.h).
 *
 *   VEC_T, VEC_SIZE        vector type and width in bytes (a power of 2 >= 16)
 *   VEC_LOADU(p), VEC_STOREU(p, v), VEC_STOREA(p, v)   as in memmove_vec.h
 *   VEC_BSWAP16(v), VEC_BSWAP32(v), VEC_BSWAP64(v)     reverse each element
 *   VEC_ZERO()             a zero vector (the unused mask of the bswap entries)
 *   VEC_SHUFFLE(v, m)      (optional) byte shuffle within each 16-byte lane
 *   VEC_PATTERN(p)         (with VEC_SHUFFLE) a 16-byte pattern in every lane
 *   VEC_STREAM(p, v), VEC_STREAM_FENCE()   (optional) non-temporal store, fence
 *   KERNEL_FN(name)        the exported name, e.g. vmmem_avx2_##name
 *   Q_T, Q_LOADU(p), Q_STOREU(p, v), Q_SHUFFLE(v, m), Q_PATTERN(p)
 *                          (with VEC_SHUFFLE) the same on 16-byte vectors, for
 *                          KERNEL_FN(shuffle_groups)
 *   SWAP_SMALL_MAX         (optional) the ISA then defines, after including
 *                          this file, swap_small() for n <= SWAP_SMALL_MAX
 *                          (default: the scalar rung below one vector)
 *
 * Size ladder (V = VEC_SIZE, n a multiple of the element size or period):
 *   0..V-1     scalar (or the ISA's swap_small)
 *   V..2V      1 vector head + 1 vector tail
 *   2V+1..4V   2 + 2
 *   4V+1..8V   4 + 4
 *   > 8V       loop of 4 vectors, aligned stores when dst is element-aligned
 * Head and tail overlap in the middle: the overlapped bytes are written
 * twice with the same values, because every vector starts at a multiple of
 * the element size (n and V both are). Every rung loads what it needs before
 * it stores it, so dst == src (in place) is safe. */

#include <stddef.h>
#include <stdint.h>

#include "bswap_scalar.h"
#include "xlate_dispatch.h"

#define V VEC_SIZE

enum swap_op { SWAP16, SWAP32, SWAP64, SWAP_PATTERN };

/* Whether the loop rung may use non-temporal stores (a constant per entry). */
enum stream_use { STREAM_FROM_THRESHOLD, STREAM_ALWAYS };

static inline __attribute__((always_inline)) VEC_T swap_vec(VEC_T v, enum swap_op op, VEC_T mask)
{
    (void)mask;
    switch (op) {
    case SWAP16:
        return VEC_BSWAP16(v);
    case SWAP32:
        return VEC_BSWAP32(v);
    case SWAP64:
        return VEC_BSWAP64(v);
    default:
#ifdef VEC_SHUFFLE
        return VEC_SHUFFLE(v, mask);
#else
        __builtin_unreachable();
#endif
    }
}

/* Loads a vector and swaps it; used where `op` and `mask` are in scope. */
#define SWAP_LOAD(p) swap_vec(VEC_LOADU(p), op, mask)

#ifdef SWAP_SMALL_MAX
static inline __attribute__((always_inline)) void swap_small(unsigned char *d, const unsigned char *s, size_t n,
                                                             enum swap_op op, VEC_T mask,
                                                             const uint8_t *pattern);
#else
#define SWAP_SMALL_MAX (V - 1)
static inline __attribute__((always_inline)) void swap_small(unsigned char *d, const unsigned char *s, size_t n,
                                                             enum swap_op op, VEC_T mask,
                                                             const uint8_t *pattern)
{
    (void)mask;
    switch (op) {
    case SWAP16:
        vmmem_swap16_elements(d, s, n);
        break;
    case SWAP32:
        vmmem_swap32_elements(d, s, n);
        break;
    case SWAP64:
        vmmem_swap64_elements(d, s, n);
        break;
    default:
        vmmem_shuffle_bytes(d, s, n, pattern, VMMEM_PATTERN_BYTES);
    }
}
#endif

static inline __attribute__((always_inline)) void swap_head_tail_1(unsigned char *d, const unsigned char *s,
                                                                   size_t n, enum swap_op op, VEC_T mask)
{
    VEC_T a = SWAP_LOAD(s), b = SWAP_LOAD(s + n - V);
    VEC_STOREU(d, a);
    VEC_STOREU(d + n - V, b);
}

static inline __attribute__((always_inline)) void swap_head_tail_2(unsigned char *d, const unsigned char *s,
                                                                   size_t n, enum swap_op op, VEC_T mask)
{
    VEC_T a0 = SWAP_LOAD(s), a1 = SWAP_LOAD(s + V);
    VEC_T b0 = SWAP_LOAD(s + n - 2 * V), b1 = SWAP_LOAD(s + n - V);
    VEC_STOREU(d, a0);
    VEC_STOREU(d + V, a1);
    VEC_STOREU(d + n - 2 * V, b0);
    VEC_STOREU(d + n - V, b1);
}

static inline __attribute__((always_inline)) void swap_head_tail_4(unsigned char *d, const unsigned char *s,
                                                                   size_t n, enum swap_op op, VEC_T mask)
{
    VEC_T a0 = SWAP_LOAD(s), a1 = SWAP_LOAD(s + V), a2 = SWAP_LOAD(s + 2 * V), a3 = SWAP_LOAD(s + 3 * V);
    VEC_T b0 = SWAP_LOAD(s + n - 4 * V), b1 = SWAP_LOAD(s + n - 3 * V), b2 = SWAP_LOAD(s + n - 2 * V),
          b3 = SWAP_LOAD(s + n - V);
    VEC_STOREU(d, a0);
    VEC_STOREU(d + V, a1);
    VEC_STOREU(d + 2 * V, a2);
    VEC_STOREU(d + 3 * V, a3);
    VEC_STOREU(d + n - 4 * V, b0);
    VEC_STOREU(d + n - 3 * V, b1);
    VEC_STOREU(d + n - 2 * V, b2);
    VEC_STOREU(d + n - V, b3);
}

/* Swaps 4-vector blocks from offset i while i < stop; `store` is 0 for
 * unaligned, 1 for aligned, 2 for non-temporal stores (a constant in each
 * caller; 1 and 2 need d + i V-aligned on entry). Each block is loaded
 * before it is stored. */
static inline __attribute__((always_inline)) void swap_blocks(unsigned char *d, const unsigned char *s, size_t i,
                                                              size_t stop, enum swap_op op, VEC_T mask,
                                                              int store)
{
    for (; i < stop; i += 4 * V) {
        VEC_T a0 = SWAP_LOAD(s + i), a1 = SWAP_LOAD(s + i + V), a2 = SWAP_LOAD(s + i + 2 * V),
              a3 = SWAP_LOAD(s + i + 3 * V);
        if (store == 0) {
            VEC_STOREU(d + i, a0);
            VEC_STOREU(d + i + V, a1);
            VEC_STOREU(d + i + 2 * V, a2);
            VEC_STOREU(d + i + 3 * V, a3);
        } else if (store == 1) {
            VEC_STOREA(d + i, a0);
            VEC_STOREA(d + i + V, a1);
            VEC_STOREA(d + i + 2 * V, a2);
            VEC_STOREA(d + i + 3 * V, a3);
        } else {
#ifdef VEC_STREAM
            VEC_STREAM(d + i, a0);
            VEC_STREAM(d + i + V, a1);
            VEC_STREAM(d + i + 2 * V, a2);
            VEC_STREAM(d + i + 3 * V, a3);
#else
            __builtin_unreachable();
#endif
        }
    }
}

/* n > 8V. The first vector and the last four are loaded (and swapped)
 * before the loop stores anything; they cover what the loop leaves out.
 * The loop starts where dst is V-aligned when that offset is a whole number
 * of periods (element sizes), else at 0 with unaligned stores. */
static inline __attribute__((always_inline)) void swap_loop(unsigned char *d, const unsigned char *s, size_t n,
                                                            size_t period, enum swap_op op, VEC_T mask,
                                                            enum stream_use stream)
{
    VEC_T head = SWAP_LOAD(s);
    VEC_T t0 = SWAP_LOAD(s + n - 4 * V), t1 = SWAP_LOAD(s + n - 3 * V), t2 = SWAP_LOAD(s + n - 2 * V),
          t3 = SWAP_LOAD(s + n - V);
    size_t i = (V - ((uintptr_t)d & (V - 1))) & (V - 1);
    if (i % period != 0) {
        swap_blocks(d, s, 0, n - 4 * V, op, mask, 0);
    } else {
        (void)stream;
#ifdef VEC_STREAM
        int nt = d != s && (stream == STREAM_ALWAYS ||
                            (stream == STREAM_FROM_THRESHOLD &&
                             n >= vmmem_swap_nt_threshold()));
        if (nt) {
            swap_blocks(d, s, i, n - 4 * V, op, mask, 2);
            VEC_STREAM_FENCE(); /* order the weakly-ordered stores before any later store */
        } else
#endif
            swap_blocks(d, s, i, n - 4 * V, op, mask, 1);
    }
    VEC_STOREU(d + n - 4 * V, t0);
    VEC_STOREU(d + n - 3 * V, t1);
    VEC_STOREU(d + n - 2 * V, t2);
    VEC_STOREU(d + n - V, t3);
    VEC_STOREU(d, head);
}

static inline __attribute__((always_inline)) void swap_ladder(unsigned char *d, const unsigned char *s, size_t n,
                                                              size_t period, enum swap_op op, VEC_T mask,
                                                              const uint8_t *pattern, enum stream_use stream)
{
    if (n <= SWAP_SMALL_MAX)
        swap_small(d, s, n, op, mask, pattern);
    else if (n <= 2 * V)
        swap_head_tail_1(d, s, n, op, mask);
    else if (n <= 4 * V)
        swap_head_tail_2(d, s, n, op, mask);
    else if (n <= 8 * V)
        swap_head_tail_4(d, s, n, op, mask);
    else
        swap_loop(d, s, n, period, op, mask, stream);
}

#define DEFINE_SWAP(bits, op)                                                                   \
    void KERNEL_FN(bswap##bits)(void *dst, const void *src, size_t nbytes)                       \
    {                                                                                            \
        swap_ladder(dst, src, nbytes, bits / 8, op, VEC_ZERO(), NULL, STREAM_FROM_THRESHOLD);       \
    }
DEFINE_SWAP(16, SWAP16)
DEFINE_SWAP(32, SWAP32)
DEFINE_SWAP(64, SWAP64)
#undef DEFINE_SWAP

#ifdef VEC_STREAM
#define DEFINE_SWAP_NT(bits, op)                                                                \
    void KERNEL_FN(bswap##bits##_nt)(void *dst, const void *src, size_t nbytes)                  \
    {                                                                                            \
        swap_ladder(dst, src, nbytes, bits / 8, op, VEC_ZERO(), NULL, STREAM_ALWAYS);               \
    }
DEFINE_SWAP_NT(16, SWAP16)
DEFINE_SWAP_NT(32, SWAP32)
DEFINE_SWAP_NT(64, SWAP64)
#undef DEFINE_SWAP_NT
#endif

#ifdef VEC_SHUFFLE
void KERNEL_FN(shuffle)(void *dst, const void *src, size_t nbytes, const uint8_t pattern[VMMEM_PATTERN_BYTES],
                        size_t period)
{
    swap_ladder(dst, src, nbytes, period, SWAP_PATTERN, VEC_PATTERN(pattern), pattern, STREAM_FROM_THRESHOLD);
}

/* Groups of `step` bytes (whole records, step <= 16) at offsets 0, step,
 * 2 step...: each is loaded as 16 bytes, shuffled (the pattern is the
 * identity past step) and stored as 16 bytes, so the bytes past the group
 * are rewritten with their source values. That is harmless: in place they
 * are unchanged; otherwise the next group's store, which comes later (stores
 * stay in address order), overwrites them. The groups whose 16 bytes would
 * pass the end are done by the scalar rung. */
void KERNEL_FN(shuffle_groups)(void *dst, const void *src, size_t nbytes,
                               const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t step)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    Q_T m = Q_PATTERN(pattern);
    size_t i = 0;
    for (; i + 3 * step + 16 <= nbytes; i += 4 * step) {
        Q_T a0 = Q_SHUFFLE(Q_LOADU(s + i), m), a1 = Q_SHUFFLE(Q_LOADU(s + i + step), m),
            a2 = Q_SHUFFLE(Q_LOADU(s + i + 2 * step), m), a3 = Q_SHUFFLE(Q_LOADU(s + i + 3 * step), m);
        Q_STOREU(d + i, a0);
        Q_STOREU(d + i + step, a1);
        Q_STOREU(d + i + 2 * step, a2);
        Q_STOREU(d + i + 3 * step, a3);
    }
    for (; i + 16 <= nbytes; i += step)
        Q_STOREU(d + i, Q_SHUFFLE(Q_LOADU(s + i), m));
    vmmem_shuffle_bytes(d + i, s + i, nbytes - i, pattern, step);
}
#endif

#undef SWAP_LOAD
#undef V
