/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_avx2.c - 256-bit AVX2 kernel (compiled with -mavx2).
 * The compiler ends each function with vzeroupper, so SSE code that runs
 * after a copy pays no transition penalty. */
#include <immintrin.h>

#include "engine.h"
#include "x86/rep_movsb.h"

/* 17..32 bytes: two overlapping 16-byte vectors. */
static inline void copy_17_to_vec(unsigned char *d, const unsigned char *s, size_t n)
{
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));
    _mm_storeu_si128((__m128i *)(void *)d, a);
    _mm_storeu_si128((__m128i *)(void *)(d + n - 16), b);
}

#define VEC_T __m256i
#define VEC_SIZE 32
#define VEC_LOADU(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm256_store_si256((__m256i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm256_stream_si256((__m256i *)(void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_REP_MOVSB(d, s, n) vmmem_rep_movsb(d, s, n)
#define VEC_MEMMOVE vmmem_avx2_memmove
#define VEC_MEMCPY_NT vmmem_avx2_memcpy_nt

#include "memmove_vec.h"

/* The exported kernels (declared in src/engine.h, listed in src/isa_registry.c). */
void *vmmem_avx2_memmove(void *dst, const void *src, size_t n)
{
    return vec_memmove(dst, src, n);
}

void *vmmem_avx2_memmove_banded(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded(dst, src, n);
}

void *vmmem_avx2_memmove_banded_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded_floor(dst, src, n);
}

void *vmmem_avx2_memmove_adaptive(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive(dst, src, n);
}

void *vmmem_avx2_memmove_adaptive_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive_floor(dst, src, n);
}

void *vmmem_avx2_memcpy_nt(void *dst, const void *src, size_t n)
{
    return vec_memcpy_nt(dst, src, n);
}
