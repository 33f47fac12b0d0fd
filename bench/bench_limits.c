/* bench_limits.c - the physical limits every copy is compared with:
 * store-only (what a memset-like vector loop reaches writing n bytes),
 * store-only with non-temporal stores (for sizes beyond the caches), and
 * load-only (reading n bytes). They take the copy signature so the runner
 * times them exactly like the copies. Stores are aligned after the first
 * vector, so the store limit is the best case for n bytes at that dst; with
 * AVX-512, sizes up to 256 B use four masked stores (loads) and no branch on
 * the size. */
#include "bench_impls.h"

#include <stdint.h>
#include <string.h>
#include <vmmem/cpu.h>

/* Keeps load results alive. */
static volatile uint64_t bench_load_sink;

/* Loads and stores of 1..8 bytes at the edges of a short buffer. */
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
        d[0] = 0x5a;
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

/* Portable versions: memset for stores, 8-byte loads. */
static void *store_generic(void *dst, const void *src, size_t n)
{
    (void)src;
    return memset(dst, 0x5a, n);
}

static void *load_generic(void *dst, const void *src, size_t n)
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

#if defined(__x86_64__) || defined(__i386__)
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

T_AVX2 static void *store_avx2(void *dst, const void *src, size_t n)
{
    (void)src;
    unsigned char *d = dst;
    __m256i v = opaque256(_mm256_set1_epi32(0x5a5a5a5a));
    if (n >= 32) {
        unsigned char *end = d + n - 32;
        _mm256_storeu_si256((__m256i *)d, v);
        unsigned char *p = (unsigned char *)(((uintptr_t)d + 32) & ~(uintptr_t)31);
        for (; p + 128 <= end; p += 128) {
            _mm256_store_si256((__m256i *)p, v);
            _mm256_store_si256((__m256i *)(p + 32), v);
            _mm256_store_si256((__m256i *)(p + 64), v);
            _mm256_store_si256((__m256i *)(p + 96), v);
        }
        for (; p < end; p += 32)
            _mm256_store_si256((__m256i *)p, v);
        _mm256_storeu_si256((__m256i *)end, v);
    } else if (n >= 16) {
        __m128i h = _mm256_castsi256_si128(v);
        _mm_storeu_si128((__m128i *)d, h);
        _mm_storeu_si128((__m128i *)(d + n - 16), h);
    } else {
        small_stores(d, n);
    }
    return dst;
}

T_AVX2 static void *store_nt_avx2(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    if (n < 256)
        return store_avx2(dst, src, n);
    __m256i v = opaque256(_mm256_set1_epi32(0x5a5a5a5a));
    unsigned char *end = d + n - 32;
    _mm256_storeu_si256((__m256i *)d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 32) & ~(uintptr_t)31);
    for (; p + 128 <= end; p += 128) {
        _mm256_stream_si256((__m256i *)p, v);
        _mm256_stream_si256((__m256i *)(p + 32), v);
        _mm256_stream_si256((__m256i *)(p + 64), v);
        _mm256_stream_si256((__m256i *)(p + 96), v);
    }
    for (; p < end; p += 32)
        _mm256_stream_si256((__m256i *)p, v);
    _mm_sfence();
    _mm256_storeu_si256((__m256i *)end, v);
    return dst;
}

T_AVX2 static void *load_avx2(void *dst, const void *src, size_t n)
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

/* Masks for the first n bytes of the 64-byte blocks 0..3 of a short buffer:
 * no branch depends on n, so random sizes cost no mispredictions here (a
 * store limit that paid for them would be no limit). */
static inline uint64_t block_mask(size_t n, size_t block)
{
    size_t start = block * 64;
    size_t k = n > start ? n - start : 0;
    k = k > 64 ? 64 : k;
    return k == 64 ? ~0ull : (1ull << k) - 1;
}

T_AVX512BW static void *store_avx512(void *dst, const void *src, size_t n)
{
    (void)src;
    unsigned char *d = dst;
    __m512i v = opaque512(_mm512_set1_epi32(0x5a5a5a5a));
    if (n <= 256) {
        _mm512_mask_storeu_epi8(d, block_mask(n, 0), v);
        _mm512_mask_storeu_epi8(d + 64, block_mask(n, 1), v);
        _mm512_mask_storeu_epi8(d + 128, block_mask(n, 2), v);
        _mm512_mask_storeu_epi8(d + 192, block_mask(n, 3), v);
        return dst;
    }
    unsigned char *end = d + n - 64;
    _mm512_storeu_si512(d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    for (; p + 256 <= end; p += 256) {
        _mm512_store_si512(p, v);
        _mm512_store_si512(p + 64, v);
        _mm512_store_si512(p + 128, v);
        _mm512_store_si512(p + 192, v);
    }
    for (; p < end; p += 64)
        _mm512_store_si512(p, v);
    _mm512_storeu_si512(end, v);
    return dst;
}

T_AVX512BW static void *store_nt_avx512(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    if (n < 512)
        return store_avx512(dst, src, n);
    __m512i v = opaque512(_mm512_set1_epi32(0x5a5a5a5a));
    unsigned char *end = d + n - 64;
    _mm512_storeu_si512(d, v);
    unsigned char *p = (unsigned char *)(((uintptr_t)d + 64) & ~(uintptr_t)63);
    for (; p + 256 <= end; p += 256) {
        _mm512_stream_si512((__m512i *)p, v);
        _mm512_stream_si512((__m512i *)(p + 64), v);
        _mm512_stream_si512((__m512i *)(p + 128), v);
        _mm512_stream_si512((__m512i *)(p + 192), v);
    }
    for (; p < end; p += 64)
        _mm512_stream_si512((__m512i *)p, v);
    _mm_sfence();
    _mm512_storeu_si512(end, v);
    return dst;
}

T_AVX512BW static void *load_avx512(void *dst, const void *src, size_t n)
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
#endif /* x86 */

void bench_limits_pick(unsigned features, bench_copy_fn *store, bench_copy_fn *store_nt,
                       bench_copy_fn *load, const char **flavour)
{
    *store = store_generic;
    *store_nt = NULL;
    *load = load_generic;
    *flavour = "memset / 8-byte loads";
#if defined(__x86_64__) || defined(__i386__)
    if (features & VMMEM_CPU_AVX512) {
        *store = store_avx512;
        *store_nt = store_nt_avx512;
        *load = load_avx512;
        *flavour = "AVX-512";
    } else if (features & VMMEM_CPU_AVX2) {
        *store = store_avx2;
        *store_nt = store_nt_avx2;
        *load = load_avx2;
        *flavour = "AVX2";
    }
#else
    (void)features;
#endif
}
