/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_limits.c - the store-only and load-only methods (see
 * bench_methods.h) and the table of method flavours. A copy moves every
 * byte through the stores, so the fastest store-only method measured at a
 * point bounds every copy there; which method is fastest depends on the
 * size (overlapping stores for fixed small sizes, masked stores for random
 * ones, the loop in L1/L2, `rep stosb` or non-temporal stores beyond), so
 * all of them are measured and the limit is the fastest. */
#include "bench_methods.h"

#include <stdint.h>
#include <string.h>
#include <vmmem/cpu.h>

/* Keeps load results alive. */
static volatile uint64_t bench_load_sink;

#define FILL_BYTE 0x5a

/* Stores of 1..15 bytes as two overlapping accesses of the largest width
 * that fits (one byte for n == 1). */
static inline void small_stores(unsigned char *d, size_t n)
{
    uint64_t v8 = 0x5a5a5a5a5a5a5a5aull;
    uint32_t v4 = 0x5a5a5a5au;
    uint16_t v2 = 0x5a5a;
    if (n >= 8) {
        memcpy(d, &v8, 8);
        memcpy(d + n - 8, &v8, 8);
    } else if (n >= 4) {
        memcpy(d, &v4, 4);
        memcpy(d + n - 4, &v4, 4);
    } else if (n >= 2) {
        memcpy(d, &v2, 2);
        memcpy(d + n - 2, &v2, 2);
    } else if (n == 1) {
        d[0] = FILL_BYTE;
    }
}

static inline uint64_t small_loads(const unsigned char *s, size_t n)
{
    uint64_t a = 0, b = 0;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, s, 4);
        memcpy(&y, s + n - 4, 4);
        a = x;
        b = y;
    } else if (n >= 2) {
        uint16_t x, y;
        memcpy(&x, s, 2);
        memcpy(&y, s + n - 2, 2);
        a = x;
        b = y;
    } else if (n == 1) {
        a = s[0];
    }
    return a ^ b;
}

void *bench_store_vec_generic(void *dst, const void *src, size_t n)
{
    (void)src;
    return memset(dst, FILL_BYTE, n);
}

void *bench_load_generic(void *dst, const void *src, size_t n)
{
    const unsigned char *s = src;
    uint64_t acc0 = 0, acc1 = 0;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t x, y;
        memcpy(&x, s + i, 8);
        memcpy(&y, s + i + 8, 8);
        acc0 ^= x;
        acc1 ^= y;
    }
    bench_load_sink = acc0 ^ acc1 ^ small_loads(s + i, n - i);
    return dst;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T_AVX2 __attribute__((target("avx2")))
#define T_AVX512BW __attribute__((target("avx512f,avx512bw")))

/* Hides the stored value from the compiler, so it cannot turn a store loop
 * into a call to memset (clang does), which would measure memset instead. */
T_AVX2 static inline __m256i opaque256(__m256i v)
{
    __asm__("" : "+x"(v));
    return v;
}

T_AVX512BW static inline __m512i opaque512(__m512i v)
{
    __asm__("" : "+v"(v));
    return v;
}

/* Stores of 16..63 bytes as two overlapping 16- or 32-byte vectors. */
T_AVX2 static inline void mid_stores256(unsigned char *d, size_t n, __m256i v)
{
    if (n >= 32) {
        _mm256_storeu_si256((__m256i *)d, v);
        _mm256_storeu_si256((__m256i *)(d + n - 32), v);
    } else {
        __m128i h = _mm256_castsi256_si128(v);
        _mm_storeu_si128((__m128i *)d, h);
        _mm_storeu_si128((__m128i *)(d + n - 16), h);
    }
}

/* n >= 32: the first vector unaligned, aligned 128-byte steps, then aligned
 * vectors up to the last one, stored unaligned at the end. */
T_AVX2 static inline void loop_stores256(unsigned char *d, size_t n, __m256i v, int nt)
{
    unsigned char *end = d + n - 32;
    _mm256_storeu_si256((__m256i *)d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 32) & ~(uintptr_t)31);
    if (nt) {
        for (; p + 128 <= end; p += 128) {
            _mm256_stream_si256((__m256i *)p, v);
            _mm256_stream_si256((__m256i *)(p + 32), v);
            _mm256_stream_si256((__m256i *)(p + 64), v);
            _mm256_stream_si256((__m256i *)(p + 96), v);
        }
        for (; p < end; p += 32)
            _mm256_stream_si256((__m256i *)p, v);
        _mm_sfence();
    } else {
        for (; p + 128 <= end; p += 128) {
            _mm256_store_si256((__m256i *)p, v);
            _mm256_store_si256((__m256i *)(p + 32), v);
            _mm256_store_si256((__m256i *)(p + 64), v);
            _mm256_store_si256((__m256i *)(p + 96), v);
        }
        for (; p < end; p += 32)
            _mm256_store_si256((__m256i *)p, v);
    }
    _mm256_storeu_si256((__m256i *)end, v);
}

T_AVX2 void *bench_store_vec_avx2(void *dst, const void *src, size_t n)
{
    (void)src;
    unsigned char *d = dst;
    __m256i v = opaque256(_mm256_set1_epi8(FILL_BYTE));
    if (n < 16) {
        small_stores(d, n);
    } else if (n < 64) {
        mid_stores256(d, n, v);
    } else if (n <= 128) {
        _mm256_storeu_si256((__m256i *)d, v);
        _mm256_storeu_si256((__m256i *)(d + 32), v);
        _mm256_storeu_si256((__m256i *)(d + n - 64), v);
        _mm256_storeu_si256((__m256i *)(d + n - 32), v);
    } else if (n <= 256) {
        for (size_t k = 0; k < 128; k += 32) {
            _mm256_storeu_si256((__m256i *)(d + k), v);
            _mm256_storeu_si256((__m256i *)(d + n - 128 + k), v);
        }
    } else {
        loop_stores256(d, n, v, 0);
    }
    return dst;
}

T_AVX2 void *bench_store_nt_avx2(void *dst, const void *src, size_t n)
{
    if (n < 512)
        return bench_store_vec_avx2(dst, src, n);
    loop_stores256(dst, n, opaque256(_mm256_set1_epi8(FILL_BYTE)), 1);
    return dst;
}

T_AVX2 void *bench_load_avx2(void *dst, const void *src, size_t n)
{
    const unsigned char *s = src;
    if (n >= 32) {
        const unsigned char *end = s + n - 32;
        __m256i a0 = _mm256_loadu_si256((const __m256i *)s);
        __m256i a1 = _mm256_loadu_si256((const __m256i *)end);
        __m256i a2 = _mm256_setzero_si256(), a3 = _mm256_setzero_si256();
        const unsigned char *p = (const unsigned char *)(((uintptr_t)s + 32) & ~(uintptr_t)31);
        for (; p + 128 <= end; p += 128) {
            a0 = _mm256_xor_si256(a0, _mm256_load_si256((const __m256i *)p));
            a1 = _mm256_xor_si256(a1, _mm256_load_si256((const __m256i *)(p + 32)));
            a2 = _mm256_xor_si256(a2, _mm256_load_si256((const __m256i *)(p + 64)));
            a3 = _mm256_xor_si256(a3, _mm256_load_si256((const __m256i *)(p + 96)));
        }
        for (; p < end; p += 32)
            a0 = _mm256_xor_si256(a0, _mm256_load_si256((const __m256i *)p));
        __m256i a = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
        __m128i h = _mm_xor_si128(_mm256_castsi256_si128(a), _mm256_extracti128_si256(a, 1));
        bench_load_sink = (uint64_t)_mm_cvtsi128_si64(h);
    } else if (n >= 16) {
        __m128i h = _mm_xor_si128(_mm_loadu_si128((const __m128i *)s),
                                  _mm_loadu_si128((const __m128i *)(s + n - 16)));
        bench_load_sink = (uint64_t)_mm_cvtsi128_si64(h);
    } else {
        bench_load_sink = small_loads(s, n);
    }
    return dst;
}

/* The mask of the first n bytes of 64-byte block `block` of a short
 * buffer: no branch depends on n. */
static inline uint64_t block_mask(size_t n, size_t block)
{
    size_t start = block * 64;
    size_t k = n > start ? n - start : 0;
    k = k > 64 ? 64 : k;
    return k == 64 ? ~0ull : (1ull << k) - 1;
}

/* n >= 64: like loop_stores256 with 64-byte vectors and 256-byte steps. */
T_AVX512BW static inline void loop_stores512(unsigned char *d, size_t n, __m512i v, int nt)
{
    unsigned char *end = d + n - 64;
    _mm512_storeu_si512(d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    if (nt) {
        for (; p + 256 <= end; p += 256) {
            _mm512_stream_si512((__m512i *)p, v);
            _mm512_stream_si512((__m512i *)(p + 64), v);
            _mm512_stream_si512((__m512i *)(p + 128), v);
            _mm512_stream_si512((__m512i *)(p + 192), v);
        }
        for (; p < end; p += 64)
            _mm512_stream_si512((__m512i *)p, v);
        _mm_sfence();
    } else {
        for (; p + 256 <= end; p += 256) {
            _mm512_store_si512(p, v);
            _mm512_store_si512(p + 64, v);
            _mm512_store_si512(p + 128, v);
            _mm512_store_si512(p + 192, v);
        }
        for (; p < end; p += 64)
            _mm512_store_si512(p, v);
    }
    _mm512_storeu_si512(end, v);
}

T_AVX512BW void *bench_store_vec_avx512(void *dst, const void *src, size_t n)
{
    (void)src;
    unsigned char *d = dst;
    __m512i v = opaque512(_mm512_set1_epi8(FILL_BYTE));
    if (n < 16) {
        small_stores(d, n);
    } else if (n < 64) {
        mid_stores256(d, n, _mm512_castsi512_si256(v));
    } else if (n <= 128) {
        _mm512_storeu_si512(d, v);
        _mm512_storeu_si512(d + n - 64, v);
    } else if (n <= 192) {
        _mm512_storeu_si512(d, v);
        _mm512_storeu_si512(d + 64, v);
        _mm512_storeu_si512(d + n - 64, v);
    } else if (n <= 256) {
        _mm512_storeu_si512(d, v);
        _mm512_storeu_si512(d + 64, v);
        _mm512_storeu_si512(d + 128, v);
        _mm512_storeu_si512(d + n - 64, v);
    } else if (n <= 512) {
        for (size_t k = 0; k < 256; k += 64) {
            _mm512_storeu_si512(d + k, v);
            _mm512_storeu_si512(d + n - 256 + k, v);
        }
    } else {
        loop_stores512(d, n, v, 0);
    }
    return dst;
}

T_AVX512BW void *bench_store_masked_avx512(void *dst, const void *src, size_t n)
{
    (void)src;
    unsigned char *d = dst;
    __m512i v = opaque512(_mm512_set1_epi8(FILL_BYTE));
    if (n <= 256) {
        _mm512_mask_storeu_epi8(d, block_mask(n, 0), v);
        _mm512_mask_storeu_epi8(d + 64, block_mask(n, 1), v);
        _mm512_mask_storeu_epi8(d + 128, block_mask(n, 2), v);
        _mm512_mask_storeu_epi8(d + 192, block_mask(n, 3), v);
    } else {
        loop_stores512(d, n, v, 0);
    }
    return dst;
}

T_AVX512BW void *bench_store_nt_avx512(void *dst, const void *src, size_t n)
{
    if (n < 512)
        return bench_store_vec_avx512(dst, src, n);
    loop_stores512(dst, n, opaque512(_mm512_set1_epi8(FILL_BYTE)), 1);
    return dst;
}

T_AVX512BW void *bench_load_avx512(void *dst, const void *src, size_t n)
{
    const unsigned char *s = src;
    __m512i a0, a1, a2, a3;
    if (n <= 256) {
        a0 = _mm512_maskz_loadu_epi8(block_mask(n, 0), s);
        a1 = _mm512_maskz_loadu_epi8(block_mask(n, 1), s + 64);
        a2 = _mm512_maskz_loadu_epi8(block_mask(n, 2), s + 128);
        a3 = _mm512_maskz_loadu_epi8(block_mask(n, 3), s + 192);
    } else {
        const unsigned char *end = s + n - 64;
        a0 = _mm512_loadu_si512(s);
        a1 = _mm512_loadu_si512(end);
        a2 = _mm512_setzero_si512();
        a3 = _mm512_setzero_si512();
        const unsigned char *p = (const unsigned char *)(((uintptr_t)s + 64) & ~(uintptr_t)63);
        for (; p + 256 <= end; p += 256) {
            a0 = _mm512_xor_si512(a0, _mm512_load_si512(p));
            a1 = _mm512_xor_si512(a1, _mm512_load_si512(p + 64));
            a2 = _mm512_xor_si512(a2, _mm512_load_si512(p + 128));
            a3 = _mm512_xor_si512(a3, _mm512_load_si512(p + 192));
        }
        for (; p < end; p += 64)
            a0 = _mm512_xor_si512(a0, _mm512_load_si512(p));
    }
    __m512i a = _mm512_xor_si512(_mm512_xor_si512(a0, a1), _mm512_xor_si512(a2, a3));
    __m256i q = _mm256_xor_si256(_mm512_castsi512_si256(a), _mm512_extracti64x4_epi64(a, 1));
    __m128i h = _mm_xor_si128(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    bench_load_sink = (uint64_t)_mm_cvtsi128_si64(h);
    return dst;
}

void *bench_store_stosb(void *dst, const void *src, size_t n)
{
    (void)src;
    void *d = dst;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(FILL_BYTE) : "memory");
    return dst;
}
#endif /* x86_64 */

const struct bench_method_set bench_method_sets[] = {
#if defined(__x86_64__)
    {"avx512", VMMEM_CPU_AVX512, bench_store_vec_avx512, bench_store_vec_avx2,
     bench_store_masked_avx512, bench_store_nt_avx512, bench_load_avx512, bench_copy_vec_avx512, bench_copy_nt_avx512,
     bench_copy_nt_prefetch_avx512},
    {"avx2", VMMEM_CPU_AVX2, bench_store_vec_avx2, NULL, NULL, bench_store_nt_avx2,
     bench_load_avx2,
     bench_copy_vec_avx2, bench_copy_nt_avx2, bench_copy_nt_prefetch_avx2},
#endif
    {"generic", 0, bench_store_vec_generic, NULL, NULL, NULL, bench_load_generic,
     bench_copy_vec_generic, NULL, NULL},
};
const size_t bench_method_set_count = sizeof bench_method_sets / sizeof bench_method_sets[0];
