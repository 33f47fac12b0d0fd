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
#define KERNEL_FN(name) vmmem_sse2_##name

#include "memmove_vec.h"
