/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/bswap_ssse3.c - byte-swapping copies with SSSE3's pshufb
 * (-mssse3): one shuffle per 16 bytes, for any element size or record
 * pattern. Used for the engine's sse2 ISA when the CPU has SSSE3. */
#include <tmmintrin.h>

#define VEC_T __m128i
#define VEC_SIZE 16
#define VEC_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm_store_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_ZERO() _mm_setzero_si128()
#define VEC_PATTERN(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define VEC_SHUFFLE(v, m) _mm_shuffle_epi8((v), (m))
#define VEC_BSWAP16(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap16_pattern))
#define VEC_BSWAP32(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap32_pattern))
#define VEC_BSWAP64(v) VEC_SHUFFLE(v, VEC_PATTERN(vmmem_bswap64_pattern))
#define Q_T __m128i
#define Q_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define Q_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define Q_SHUFFLE(v, m) _mm_shuffle_epi8((v), (m))
#define Q_PATTERN(p) Q_LOADU(p)
#define KERNEL_FN(name) vmmem_ssse3_##name

#include "bswap_vec.h"
