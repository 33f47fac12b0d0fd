/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <tmmintrin.h>
int main(void) { __m128i v = _mm_shuffle_epi8(_mm_set1_epi8(1), _mm_setzero_si128()); return _mm_cvtsi128_si32(v) == 0; }
