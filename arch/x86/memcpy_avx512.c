/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2).
 *
 * Its bottom rung covers 9..128 bytes with masked 64-byte loads and stores
 * whose masks cover exactly n bytes: masked-off bytes are neither read nor
 * written (faults on them are suppressed), so this stays inside both ranges
 * with one size branch instead of a head/tail ladder's four. With random
 * sizes that matters more than anything else: the ladder's mispredicted
 * branches made a small-size mix 1.5x slower (8.8 ns against 5.8 ns per
 * call). Sizes up to 8 stay on the scalar ladder so 2, 4 and 8-byte copies
 * remain single accesses (masked vector stores are not architecturally
 * atomic). */
#include <immintrin.h>

#include "copy_small.h"
#include "engine.h"
#include "x86/rep_movsb.h"

#define SMALL_COPY_MAX 128
#define SCALAR_MAX 8

static inline void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n <= SCALAR_MAX) {
        vmmem_copy_0_to_16(d, s, n);
        return;
    }
    if (n <= 64) {
        __mmask64 m = _bzhi_u64(~0ull, (unsigned)n);
        _mm512_mask_storeu_epi8(d, m, _mm512_maskz_loadu_epi8(m, s));
        return;
    }
    /* 65..128: a full vector, then a masked one for the rest. (Doing the
     * 9..64 case with two masked pairs too, the second one empty, saves the
     * branch: 1.51x instead of 1.38x glibc on the small-heavy mix, but costs
     * 25 ns instead of 19.5 ns per cold 16-byte copy: masked stores that
     * miss the cache are slow, so use as few as possible.) */
    __mmask64 m_hi = _bzhi_u64(~0ull, (unsigned)(n - 64));
    __m512i lo = _mm512_loadu_si512(s), hi = _mm512_maskz_loadu_epi8(m_hi, s + 64);
    _mm512_storeu_si512(d, lo);
    _mm512_mask_storeu_epi8(d + 64, m_hi, hi);
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
