/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <immintrin.h>
int main(void) { __m256i v = _mm256_set1_epi8(1); return _mm256_movemask_epi8(v) == 0; }
