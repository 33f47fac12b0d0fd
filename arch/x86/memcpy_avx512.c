/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel (-mavx512f -mavx512bw -mavx512vl).
 *
 * 17..64 bytes use one masked 64-byte load and store: the masked-off bytes
 * are neither read nor written (faults on them are suppressed), so this
 * stays inside both ranges without a head/tail branch. */
#include <immintrin.h>

#include "engine.h"

static inline void copy_17_to_vec(unsigned char *d, const unsigned char *s, size_t n)
{
    __mmask64 mask = ~(__mmask64)0 >> (64 - n); /* n in 17..64: the low n bits */
    __m512i v = _mm512_maskz_loadu_epi8(mask, s);
    _mm512_mask_storeu_epi8(d, mask, v);
}

#define VEC_T __m512i
#define VEC_SIZE 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define KERNEL_FN(name) vmmem_avx512_##name

#include "memmove_vec.h"
