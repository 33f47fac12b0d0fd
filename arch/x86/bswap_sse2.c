/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/bswap_sse2.c - byte-swapping copies with SSE2 only (baseline
 * x86_64, for CPUs without SSSE3's pshufb): 16-bit word shuffles, then a
 * shift/or that swaps the two bytes of every word. */
#include <emmintrin.h>

/* 0xB1 = _MM_SHUFFLE(2, 3, 0, 1): swap adjacent 16-bit words;
 * 0x1B = _MM_SHUFFLE(0, 1, 2, 3): reverse four 16-bit words. */
#define SWAP_WORD_PAIRS 0xB1
#define REVERSE_WORDS 0x1B

static inline __m128i swap_bytes_in_words(__m128i v)
{
    return _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
}

static inline __m128i swap_bytes_in_dwords(__m128i v)
{
    v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, SWAP_WORD_PAIRS), SWAP_WORD_PAIRS);
    return swap_bytes_in_words(v);
}

static inline __m128i swap_bytes_in_qwords(__m128i v)
{
    v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, REVERSE_WORDS), REVERSE_WORDS);
    return swap_bytes_in_words(v);
}

#define VEC_T __m128i
#define VEC_SIZE 16
#define VEC_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm_store_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_ZERO() _mm_setzero_si128()
#define VEC_BSWAP16(v) swap_bytes_in_words(v)
#define VEC_BSWAP32(v) swap_bytes_in_dwords(v)
#define VEC_BSWAP64(v) swap_bytes_in_qwords(v)
#define KERNEL_FN(name) vmmem_sse2_##name

#include "bswap_vec.h"
