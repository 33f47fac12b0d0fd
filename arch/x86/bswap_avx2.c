/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/bswap_avx2.c - byte-swapping copies with AVX2 (-mavx2): vpshufb
 * on 32-byte vectors (the shuffle stays within each 16-byte lane, so the
 * same 16-byte pattern serves both lanes). 16..31 bytes take two
 * overlapping 16-byte shuffles instead of the scalar rung. */
#include <immintrin.h>

#define VEC_T __m256i
#define VEC_SIZE 32
#define VEC_LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm256_store_si256((__m256i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_ZERO() _mm256_setzero_si256()
#define VEC_PATTERN(p) _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define VEC_SHUFFLE(v, m) _mm256_shuffle_epi8((v), (m))
#define VEC_BSWAP16(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap16_pattern))
#define VEC_BSWAP32(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap32_pattern))
#define VEC_BSWAP64(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap64_pattern))
#define Q_T __m128i
#define Q_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define Q_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define Q_SHUFFLE(v, m) _mm_shuffle_epi8((v), (m))
#define Q_PATTERN(p) Q_LOADU(p)
#define KERNEL_FN(name) vmmem_avx2_##name
#define SWAP_SMALL_MAX 31

#include "bswap_vec.h"

/* The pattern of each op in one 16-byte lane. */
static inline __attribute__((always_inline)) __m128i lane_mask(enum swap_op op, __m256i mask)
{
    switch (op) {
    case SWAP16:
        return _mm_loadu_si128((const __m128i *)(const void *)vmmem_bswap16_pattern);
    case SWAP32:
        return _mm_loadu_si128((const __m128i *)(const void *)vmmem_bswap32_pattern);
    case SWAP64:
        return _mm_loadu_si128((const __m128i *)(const void *)vmmem_bswap64_pattern);
    default:
        return _mm256_castsi256_si128(mask);
    }
}

static inline __attribute__((always_inline)) void swap_small(unsigned char *d, const unsigned char *s, size_t n,
                                                             enum swap_op op, __m256i mask,
                                                             const uint8_t *pattern)
{
    if (n < 16) {
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
        return;
    }
    /* 16..31: both 16-byte vectors start at a multiple of the period */
    __m128i m = lane_mask(op, mask);
    __m128i a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)s), m);
    __m128i b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(s + n - 16)), m);
    _mm_storeu_si128((__m128i *)(void *)d, a);
    _mm_storeu_si128((__m128i *)(void *)(d + n - 16), b);
}
