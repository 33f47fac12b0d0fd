/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2).
 *
 * Its bottom rung covers 0..256 bytes (copy_small below): 0..8 on the scalar
 * ladder, so 2, 4 and 8-byte copies remain single accesses (masked vector
 * stores are not architecturally atomic); 9..64 with one masked 64-byte load
 * and store whose mask covers exactly n bytes (masked-off bytes are neither
 * read nor written, faults on them are suppressed), so random small sizes
 * cost one size branch instead of a head/tail ladder's four (the ladder's
 * mispredictions made a small-size mix 1.5x slower: 8.8 against 5.8 ns per
 * call); 65..128 and 129..256 with overlapping head and tail vectors, which
 * hot fixed sizes copy faster than a masked tail. Laid out with the small
 * sizes on the short path and with registers that need no vzeroupper, the
 * kernel went from 1.12-1.30x to 1.00x glibc's time at 9-64 B and from
 * 1.15-1.31x to 1.00-1.31x at 65-128 B, hot, called through a pointer
 * (vmmem-bench --only hot --mode pointer, 7-11 rounds, a busy machine;
 * docs/performance.md, lever 17). */
#include <immintrin.h>

#include "copy_small.h"
#include "engine.h"
#include "x86/rep_movsb.h"

#define SMALL_COPY_MAX 256
#define SMALL_COPY_LIKELY
#define SCALAR_MAX 8

/* The rungs up to 256 bytes name their vector registers: zmm16-zmm19 exist
 * only with EVEX encoding, so they leave no dirty upper state behind and
 * these paths need no vzeroupper (which the compiler adds after any use of
 * zmm0-zmm15). Each rung loads everything before it stores. */
static inline void copy_9_to_64(unsigned char *d, const unsigned char *s, size_t n)
{
    __mmask64 m = _bzhi_u64(~0ull, (unsigned)n);
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

/* 0..8 bytes: 2, 4 and 8 stay single accesses (two identical ones for 4
 * and 2), as the ISA-neutral ladder keeps them. */
static inline void copy_0_to_8(unsigned char *d, const unsigned char *s, size_t n)
{
    if (__builtin_expect(n < 4, 1)) {
        if (__builtin_expect(n >= 2, 1)) {
            uint16_t head = vmmem_load16(s), tail = vmmem_load16(s + n - 2);
            vmmem_store16(d, head);
            vmmem_store16(d + n - 2, tail);
        } else if (n) {
            *d = *s;
        }
        return;
    }
    if (n == 8) {
        vmmem_store64(d, vmmem_load64(s));
        return;
    }
    uint32_t head = vmmem_load32(s), tail = vmmem_load32(s + n - 4);
    vmmem_store32(d, head);
    vmmem_store32(d + n - 4, tail);
}

/* Sizes in the order of their branches: 9..64 (one masked pair) and 0..8
 * first, then 65..128 and 129..256 (overlapping head/tail). */
static inline void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n <= 64) {
        if (n > SCALAR_MAX)
            copy_9_to_64(d, s, n);
        else
            copy_0_to_8(d, s, n);
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
