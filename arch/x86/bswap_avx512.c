/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/bswap_avx512.c - byte-swapping copies with AVX-512 BW
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2): vpshufb on 64-byte vectors.
 *
 * Up to 128 bytes: masked loads and stores whose mask covers exactly n
 * bytes (masked-off bytes are neither read nor written, faults on them are
 * suppressed), so there is no scalar rung at all; n is a whole number of
 * elements, so no element is cut by the mask. vpshufb permutes within
 * 16-byte lanes, which is all an element or a pattern period of at most 16
 * bytes needs (vpermb, AVX-512 VBMI, would only matter for longer periods). */
#include <immintrin.h>

#define VEC_T __m512i
#define VEC_SIZE 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_ZERO() _mm512_setzero_si512()
#define VEC_PATTERN(p) _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define VEC_SHUFFLE(v, m) _mm512_shuffle_epi8((v), (m))
#define VEC_BSWAP16(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap16_pattern))
#define VEC_BSWAP32(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap32_pattern))
#define VEC_BSWAP64(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap64_pattern))
#define Q_T __m128i
#define Q_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define Q_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define Q_SHUFFLE(v, m) _mm_shuffle_epi8((v), (m))
#define Q_PATTERN(p) Q_LOADU(p)
#define KERNEL_FN(name) vmmem_avx512_##name
#define SWAP_SMALL_MAX 128

#include "bswap_vec.h"

static inline __attribute__((always_inline)) void swap_small(unsigned char *d, const unsigned char *s, size_t n,
                                                             enum swap_op op, __m512i mask,
                                                             const uint8_t *pattern)
{
    (void)pattern;
    if (n <= 64) {
        __mmask64 m = _bzhi_u64(~0ull, (unsigned)n);
        _mm512_mask_storeu_epi8(d, m, swap_vec(_mm512_maskz_loadu_epi8(m, s), op, mask));
        return;
    }
    /* 65..128: a full vector, then a masked one for the rest */
    __mmask64 m_hi = _bzhi_u64(~0ull, (unsigned)(n - 64));
    __m512i lo = swap_vec(_mm512_loadu_si512(s), op, mask);
    __m512i hi = swap_vec(_mm512_maskz_loadu_epi8(m_hi, s + 64), op, mask);
    _mm512_storeu_si512(d, lo);
    _mm512_mask_storeu_epi8(d + 64, m_hi, hi);
}
