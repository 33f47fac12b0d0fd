/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2).
 *
 * Its bottom rung is branch-free up to 128 bytes: two masked 64-byte loads
 * and stores whose masks cover exactly n bytes. Masked-off bytes are neither
 * read nor written (faults on them are suppressed), so this stays inside
 * both ranges. With random sizes this matters more than anything else: a
 * head/tail ladder mispredicts its size branches, measured at 2x the time
 * per call on a small-size mix. Sizes up to 8 stay on the scalar ladder so
 * 2, 4 and 8-byte copies remain single accesses (masked vector stores are
 * not architecturally atomic). */
#include <immintrin.h>

#include "copy_small.h"
#include "engine.h"
#include "x86/rep_movsb.h"

#define SMALL_COPY_MAX 128
#define SCALAR_MAX 8

static inline void copy_small(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n <= SCALAR_MAX) {
        vmmem_copy_0_to_16(d, s, n);
        return;
    }
    size_t n_lo = n > 64 ? 64 : n, n_hi = n - n_lo; /* n_lo in 9..64, n_hi in 0..64 */
    __mmask64 m_lo = _bzhi_u64(~0ull, (unsigned)n_lo), m_hi = _bzhi_u64(~0ull, (unsigned)n_hi);
    __m512i lo = _mm512_maskz_loadu_epi8(m_lo, s), hi = _mm512_maskz_loadu_epi8(m_hi, s + 64);
    _mm512_mask_storeu_epi8(d, m_lo, lo);
    _mm512_mask_storeu_epi8(d + 64, m_hi, hi);
}

#define VEC_T __m512i
#define VEC_SIZE 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_REP_MOVSB(d, s, n) vmmem_rep_movsb(d, s, n)
#define KERNEL_FN(name) vmmem_avx512_##name

#include "memmove_vec.h"
