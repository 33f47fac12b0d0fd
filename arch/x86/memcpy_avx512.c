/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2).
 *
 * Its bottom rung covers 0..256 bytes (copy_small below). 1..64 bytes take
 * one masked 64-byte load and store whose mask covers exactly n bytes
 * (masked-off bytes are neither read nor written, faults on them are
 * suppressed), with no further size branch, except a copy of 2, 4 or 8
 * bytes between pointers aligned to that size: it stays one scalar load
 * and store of that width (masked vector stores are not architecturally
 * atomic). One branch-free test picks that case out, and n = 0, which
 * touches nothing. On random sizes the scalar ladder that 0..8 bytes used
 * to take (four size branches) mispredicted often enough to leave plain
 * `rep movsb` ahead on small-size mixes; with one branch on the whole
 * 0..64 range the kernel passed it (docs/performance.md, lever 20). What
 * the masked pair costs elsewhere (measured, lever 20): when its 64-byte
 * window reaches past the copy into an inaccessible page, the CPU's fault
 * suppression takes 200-450 ns (a mapped page: about 10 ns); and a load
 * of the destination right after the copy waits for the masked store
 * instead of taking its data forwarded. 65..128 and 129..256 take
 * overlapping head and tail vectors, which hot fixed sizes copy faster
 * than a masked tail. Laid out with the small sizes on the short path and
 * with registers that need no vzeroupper. */
#include <immintrin.h>

#include "copy_small.h"
#include "engine.h"
#include "x86/rep_movsb.h"

#define SMALL_COPY_MAX 256
#define SMALL_COPY_LIKELY

/* The rungs up to 256 bytes name their vector registers: zmm16-zmm19 exist
 * only with EVEX encoding, so they leave no dirty upper state behind and
 * these paths need no vzeroupper (which the compiler adds after any use of
 * zmm0-zmm15). Each rung loads everything before it stores. The first one
 * copies the bytes of mask m (the low n bits) with one masked pair. */
static inline void copy_masked_64(unsigned char *d, const unsigned char *s, __mmask64 m)
{
    __asm__ volatile("kmovq %[m], %%k1\n\t"
                     "vmovdqu8 (%[s]), %%zmm16%{%%k1%}%{z%}\n\t"
                     "vmovdqu8 %%zmm16, (%[d])%{%%k1%}"
                     :
                     : [d] "r"(d), [s] "r"(s), [m] "r"(m)
                     : "xmm16", "k1", "memory");
}

static inline void copy_65_to_128(unsigned char *d, const unsigned char *s, size_t n)
{
    __asm__ volatile("vmovdqu64 (%[s]), %%zmm16\n\t"
                     "vmovdqu64 -64(%[s],%[n]), %%zmm17\n\t"
                     "vmovdqu64 %%zmm16, (%[d])\n\t"
                     "vmovdqu64 %%zmm17, -64(%[d],%[n])"
                     :
                     : [d] "r"(d), [s] "r"(s), [n] "r"(n)
                     : "xmm16", "xmm17", "memory");
}

static inline void copy_129_to_256(unsigned char *d, const unsigned char *s, size_t n)
{
    __asm__ volatile("vmovdqu64 (%[s]), %%zmm16\n\t"
                     "vmovdqu64 64(%[s]), %%zmm17\n\t"
                     "vmovdqu64 -128(%[s],%[n]), %%zmm18\n\t"
                     "vmovdqu64 -64(%[s],%[n]), %%zmm19\n\t"
                     "vmovdqu64 %%zmm16, (%[d])\n\t"
                     "vmovdqu64 %%zmm17, 64(%[d])\n\t"
                     "vmovdqu64 %%zmm18, -128(%[d],%[n])\n\t"
                     "vmovdqu64 %%zmm19, -64(%[d],%[n])"
                     :
                     : [d] "r"(d), [s] "r"(s), [n] "r"(n)
                     : "xmm16", "xmm17", "xmm18", "xmm19", "memory");
}

/* For each n in 0..64, the bits of (dst | src) that must be clear for the
 * copy to stay scalar: n - 1 for n = 2, 4 and 8 (both pointers multiples of
 * n); 0 for n = 0 (nothing to copy, and no masked pair whose window might
 * sit in an unmapped page); and otherwise a bit that scalar_copy_test()
 * always sets. Looked up because it is three instructions fewer than
 * computing it, and on this path instructions count where copies miss the
 * cache: cold 16-64 B copies, whose speed is how many calls the core keeps
 * in flight, took 1.09x glibc's time with the 0..8 B ladder before lever
 * 20, 1.41x with the test computed, and 1.15-1.29x with it looked up. */
#define ALWAYS_SET_BIT 0x40
#define X ALWAYS_SET_BIT
static const uint8_t scalar_copy_bits[] = {
    0, X, 1, X, 3, X, X, X, 7, /* 0..8 */
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 9..64 */
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X
_Static_assert(sizeof scalar_copy_bits == 65, "one entry per size 0..64");
_Static_assert(ALWAYS_SET_BIT > 7, "the always-set bit is not an alignment bit of n = 2, 4 or 8");

/* Zero when the masked pair must not be used: n = 0, or n is 2, 4 or 8 and
 * both pointers are multiples of n. Branch-free (the empty asm keeps the
 * compiler from splitting it), so a random size costs one test, taken
 * almost never unless the copies are aligned ring indexes and the like.
 * n <= 64. */
static inline uint64_t scalar_copy_test(const unsigned char *d, const unsigned char *s, size_t n)
{
    uint64_t t = ((uintptr_t)d | (uintptr_t)s | ALWAYS_SET_BIT) & scalar_copy_bits[n];
    __asm__("" : "+r"(t));
    return t;
}

/* One load and one store of exactly n = 2, 4 or 8 bytes; nothing for n = 0. */
static inline void copy_aligned_atomic_width(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n == 2)
        vmmem_store16(d, vmmem_load16(s));
    else if (n == 4)
        vmmem_store32(d, vmmem_load32(s));
    else if (n == 8)
        vmmem_store64(d, vmmem_load64(s));
}

static inline void copy_0_to_64(unsigned char *d, const unsigned char *s, size_t n)
{
    if (__builtin_expect_with_probability(scalar_copy_test(d, s, n) != 0, 1, 0.6))
        copy_masked_64(d, s, _bzhi_u64(~0ull, (unsigned)n));
    else
        copy_aligned_atomic_width(d, s, n);
}

/* Sizes in the order of their branches: 0..64 (one masked pair, or the
 * aligned 2/4/8-byte access, or nothing), then 65..128 and 129..256
 * (overlapping head/tail). */
static inline void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
    if (__builtin_expect_with_probability(n <= 64, 1, 0.6)) {
        copy_0_to_64(d, s, n);
    } else if (n <= 128) {
        copy_65_to_128(d, s, n);
    } else {
        copy_129_to_256(d, s, n);
    }
}

#define VEC_T __m512i
#define VEC_SIZE 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_REP_MOVSB(d, s, n) vmmem_rep_movsb(d, s, n)
#define VEC_MEMMOVE vmmem_avx512_memmove
#define VEC_MEMCPY_NT vmmem_avx512_memcpy_nt

#include "memmove_vec.h"

/* The exported kernels (declared in src/engine.h, listed in src/isa_registry.c). */
void *vmmem_avx512_memmove(void *dst, const void *src, size_t n)
{
    return vec_memmove(dst, src, n);
}

void *vmmem_avx512_memmove_banded(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded(dst, src, n);
}

void *vmmem_avx512_memmove_banded_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded_floor(dst, src, n);
}

void *vmmem_avx512_memmove_adaptive(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive(dst, src, n);
}

void *vmmem_avx512_memmove_adaptive_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive_floor(dst, src, n);
}

void *vmmem_avx512_memcpy_nt(void *dst, const void *src, size_t n)
{
    return vec_memcpy_nt(dst, src, n);
}
