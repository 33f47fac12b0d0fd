/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_sse2.c - 128-bit SSE2 kernel (baseline on every x86_64). */
#include <emmintrin.h>

#include "engine.h"
#include "x86/rep_movsb.h"

#define VEC_T __m128i
#define VEC_SIZE 16
#define VEC_LOADU(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define VEC_STOREU(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define VEC_STOREA(p, v) _mm_store_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM(p, v) _mm_stream_si128((__m128i *)(void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_REP_MOVSB(d, s, n) vmmem_rep_movsb(d, s, n)
#define VEC_MEMMOVE vmmem_sse2_memmove
#define VEC_MEMCPY_NT vmmem_sse2_memcpy_nt

#include "memmove_vec.h"

/* The exported kernels (declared in src/engine.h, listed in src/isa_registry.c). */
void *vmmem_sse2_memmove(void *dst, const void *src, size_t n)
{
    return vec_memmove(dst, src, n);
}

void *vmmem_sse2_memmove_banded(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded(dst, src, n);
}

void *vmmem_sse2_memmove_banded_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded_floor(dst, src, n);
}

void *vmmem_sse2_memmove_adaptive(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive(dst, src, n);
}

void *vmmem_sse2_memmove_adaptive_floor(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive_floor(dst, src, n);
}

void *vmmem_sse2_memcpy_nt(void *dst, const void *src, size_t n)
{
    return vec_memcpy_nt(dst, src, n);
}
