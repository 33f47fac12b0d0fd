/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/bswap_avx512vbmi.c - record conversion with AVX-512 VBMI's
 * vpermb (-mavx512f -mavx512bw -mavx512vbmi -mbmi2): a byte permutation
 * across a whole 64-byte vector, so groups of records up to 64 bytes long
 * (whole records, any size up to 64) take one permute each, where pshufb
 * is limited to 16-byte groups. Element swaps stay on vpshufb
 * (bswap_avx512.c): for them vpermb measured no faster. */
#include <immintrin.h>

#include "xlate_dispatch.h"

/* Groups of `step` bytes (whole records, step <= 64) at offsets 0, step,
 * 2 step...: each is loaded as 64 bytes, permuted (the pattern is the
 * identity past step) and stored as 64 bytes; the bytes past the group are
 * rewritten with their source values, harmless as in the 16-byte kernel
 * (bswap_vec.h): in place they are unchanged, otherwise the next group's
 * store, which comes later, overwrites them. The last groups, whose 64
 * bytes would pass the end, use masked loads and stores of exactly their
 * bytes (masked-off bytes are neither read nor written). */
void vmmem_avx512vbmi_shuffle_groups64(void *dst, const void *src, size_t nbytes,
                                       const uint8_t pattern[VMMEM_WIDE_PATTERN_BYTES], size_t step)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    __m512i m = _mm512_loadu_si512(pattern);
    size_t i = 0;
    for (; i + 3 * step + 64 <= nbytes; i += 4 * step) {
        __m512i a0 = _mm512_permutexvar_epi8(m, _mm512_loadu_si512(s + i));
        __m512i a1 = _mm512_permutexvar_epi8(m, _mm512_loadu_si512(s + i + step));
        __m512i a2 = _mm512_permutexvar_epi8(m, _mm512_loadu_si512(s + i + 2 * step));
        __m512i a3 = _mm512_permutexvar_epi8(m, _mm512_loadu_si512(s + i + 3 * step));
        _mm512_storeu_si512(d + i, a0);
        _mm512_storeu_si512(d + i + step, a1);
        _mm512_storeu_si512(d + i + 2 * step, a2);
        _mm512_storeu_si512(d + i + 3 * step, a3);
    }
    for (; i + 64 <= nbytes; i += step)
        _mm512_storeu_si512(d + i, _mm512_permutexvar_epi8(m, _mm512_loadu_si512(s + i)));
    for (; i < nbytes; i += step) {
        size_t len = nbytes - i < step ? nbytes - i : step; /* whole records */
        __mmask64 k = _bzhi_u64(~0ull, (unsigned)len);
        _mm512_mask_storeu_epi8(d + i, k, _mm512_permutexvar_epi8(m, _mm512_maskz_loadu_epi8(k, s + i)));
    }
}
