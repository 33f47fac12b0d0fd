/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <immintrin.h>
int main(void) {
    __m512i v = _mm512_maskz_loadu_epi8((__mmask64)_bzhi_u64(~0ull, 1), "x");
    __m256i y = _mm256_maskz_loadu_epi8((__mmask32)1, "x");
    return _mm512_reduce_add_epi32(v) + _mm256_extract_epi8(y, 0) == 0;
}
