/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_copy_methods.c - plain copy loops (see bench_methods.h): the
 * candidates, with `rep movsb`, for "the best copy method measured" at
 * sizes from 1 MiB up. Each is the textbook loop of its kind, not tuned:
 * unaligned loads, aligned stores (ordinary, or non-temporal then sfence,
 * optionally with a software prefetch of the source), the first and last
 * vector stored unaligned. Short copies (which these are not measured at)
 * take overlapping head/tail moves so that every size is still correct. */
#include "bench_methods.h"

#include <stdint.h>
#include <string.h>

/* 0..15 bytes as two overlapping moves of the largest width that fits. */
static inline void small_copy(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 8) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &b, 4);
    } else if (n >= 2) {
        uint16_t a, b;
        memcpy(&a, s, 2);
        memcpy(&b, s + n - 2, 2);
        memcpy(d, &a, 2);
        memcpy(d + n - 2, &b, 2);
    } else if (n == 1) {
        d[0] = s[0];
    }
}

void *bench_copy_vec_generic(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 16) {
        small_copy(d, s, n);
        return dst;
    }
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint64_t a, b;
        memcpy(&a, s + i, 8);
        memcpy(&b, s + i + 8, 8);
        memcpy(d + i, &a, 8);
        memcpy(d + i + 8, &b, 8);
    }
    if (i < n) {
        uint64_t a, b;
        memcpy(&a, s + n - 16, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(d + n - 16, &a, 8);
        memcpy(d + n - 8, &b, 8);
    }
    return dst;
}

#if defined(__x86_64__)
#include <immintrin.h>

#define T_AVX2 __attribute__((target("avx2")))
#define T_AVX512 __attribute__((target("avx512f,avx512bw")))

enum store_kind { STORE_PLAIN, STORE_NT, STORE_NT_PREFETCH };

T_AVX2 static inline void copy256(unsigned char *d, const unsigned char *s, size_t n,
                                  enum store_kind kind)
{
    if (n < 16) {
        small_copy(d, s, n);
        return;
    }
    if (n < 64) {
        if (n >= 32) {
            __m256i a = _mm256_loadu_si256((const __m256i *)s);
            __m256i b = _mm256_loadu_si256((const __m256i *)(s + n - 32));
            _mm256_storeu_si256((__m256i *)d, a);
            _mm256_storeu_si256((__m256i *)(d + n - 32), b);
        } else {
            __m128i a = _mm_loadu_si128((const __m128i *)s);
            __m128i b = _mm_loadu_si128((const __m128i *)(s + n - 16));
            _mm_storeu_si128((__m128i *)d, a);
            _mm_storeu_si128((__m128i *)(d + n - 16), b);
        }
        return;
    }
    __m256i head = _mm256_loadu_si256((const __m256i *)s);
    __m256i tail = _mm256_loadu_si256((const __m256i *)(s + n - 32));
    size_t skew = 32 - ((uintptr_t)d & 31);
    unsigned char *p = d + skew;
    const unsigned char *q = s + skew;
    unsigned char *end = d + n - 32;
    for (; p + 128 <= end; p += 128, q += 128) {
        if (kind == STORE_NT_PREFETCH) {
            _mm_prefetch((const char *)q + BENCH_PREFETCH_AHEAD, _MM_HINT_NTA);
            _mm_prefetch((const char *)q + BENCH_PREFETCH_AHEAD + 64, _MM_HINT_NTA);
        }
        __m256i a = _mm256_loadu_si256((const __m256i *)q);
        __m256i b = _mm256_loadu_si256((const __m256i *)(q + 32));
        __m256i c = _mm256_loadu_si256((const __m256i *)(q + 64));
        __m256i e = _mm256_loadu_si256((const __m256i *)(q + 96));
        if (kind == STORE_PLAIN) {
            _mm256_store_si256((__m256i *)p, a);
            _mm256_store_si256((__m256i *)(p + 32), b);
            _mm256_store_si256((__m256i *)(p + 64), c);
            _mm256_store_si256((__m256i *)(p + 96), e);
        } else {
            _mm256_stream_si256((__m256i *)p, a);
            _mm256_stream_si256((__m256i *)(p + 32), b);
            _mm256_stream_si256((__m256i *)(p + 64), c);
            _mm256_stream_si256((__m256i *)(p + 96), e);
        }
    }
    for (; p < end; p += 32, q += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)q);
        if (kind == STORE_PLAIN)
            _mm256_store_si256((__m256i *)p, a);
        else
            _mm256_stream_si256((__m256i *)p, a);
    }
    if (kind != STORE_PLAIN)
        _mm_sfence();
    _mm256_storeu_si256((__m256i *)d, head);
    _mm256_storeu_si256((__m256i *)end, tail);
}

T_AVX2 void *bench_copy_vec_avx2(void *dst, const void *src, size_t n)
{
    copy256(dst, src, n, STORE_PLAIN);
    return dst;
}

T_AVX2 void *bench_copy_nt_avx2(void *dst, const void *src, size_t n)
{
    copy256(dst, src, n, STORE_NT);
    return dst;
}

T_AVX2 void *bench_copy_nt_prefetch_avx2(void *dst, const void *src, size_t n)
{
    copy256(dst, src, n, STORE_NT_PREFETCH);
    return dst;
}

T_AVX512 static inline void copy512(unsigned char *d, const unsigned char *s, size_t n,
                                    enum store_kind kind)
{
    if (n < 128) {
        copy256(d, s, n, STORE_PLAIN);
        return;
    }
    __m512i head = _mm512_loadu_si512(s);
    __m512i tail = _mm512_loadu_si512(s + n - 64);
    size_t skew = 64 - ((uintptr_t)d & 63);
    unsigned char *p = d + skew;
    const unsigned char *q = s + skew;
    unsigned char *end = d + n - 64;
    for (; p + 256 <= end; p += 256, q += 256) {
        if (kind == STORE_NT_PREFETCH) {
            const char *ahead = (const char *)q + BENCH_PREFETCH_AHEAD;
            _mm_prefetch(ahead, _MM_HINT_NTA);
            _mm_prefetch(ahead + 64, _MM_HINT_NTA);
            _mm_prefetch(ahead + 128, _MM_HINT_NTA);
            _mm_prefetch(ahead + 192, _MM_HINT_NTA);
        }
        __m512i a = _mm512_loadu_si512(q);
        __m512i b = _mm512_loadu_si512(q + 64);
        __m512i c = _mm512_loadu_si512(q + 128);
        __m512i e = _mm512_loadu_si512(q + 192);
        if (kind == STORE_PLAIN) {
            _mm512_store_si512(p, a);
            _mm512_store_si512(p + 64, b);
            _mm512_store_si512(p + 128, c);
            _mm512_store_si512(p + 192, e);
        } else {
            _mm512_stream_si512((__m512i *)p, a);
            _mm512_stream_si512((__m512i *)(p + 64), b);
            _mm512_stream_si512((__m512i *)(p + 128), c);
            _mm512_stream_si512((__m512i *)(p + 192), e);
        }
    }
    for (; p < end; p += 64, q += 64) {
        __m512i a = _mm512_loadu_si512(q);
        if (kind == STORE_PLAIN)
            _mm512_store_si512(p, a);
        else
            _mm512_stream_si512((__m512i *)p, a);
    }
    if (kind != STORE_PLAIN)
        _mm_sfence();
    _mm512_storeu_si512(d, head);
    _mm512_storeu_si512(end, tail);
}

T_AVX512 void *bench_copy_vec_avx512(void *dst, const void *src, size_t n)
{
    copy512(dst, src, n, STORE_PLAIN);
    return dst;
}

T_AVX512 void *bench_copy_nt_avx512(void *dst, const void *src, size_t n)
{
    copy512(dst, src, n, STORE_NT);
    return dst;
}

T_AVX512 void *bench_copy_nt_prefetch_avx512(void *dst, const void *src, size_t n)
{
    copy512(dst, src, n, STORE_NT_PREFETCH);
    return dst;
}
#endif /* x86_64 */
