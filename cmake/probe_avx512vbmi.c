/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <immintrin.h>
int main(void) {
    __m512i v = _mm512_permutexvar_epi8(_mm512_set1_epi8(1), _mm512_set1_epi8(2));
    return _mm512_reduce_add_epi32(v) + (int)_bzhi_u64(~0ull, 3) == 0;
}
