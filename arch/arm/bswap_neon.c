/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/arm/bswap_neon.c - byte-swapping copies with AArch64 ASIMD: rev16,
 * rev32 and rev64 on 16-byte vectors, tbl for record patterns. */
#include <arm_neon.h>

#define VEC_T uint8x16_t
#define VEC_SIZE 16
#define VEC_LOADU(p) vld1q_u8((const uint8_t *)(p))
#define VEC_STOREU(p, v) vst1q_u8((uint8_t *)(p), (v))
#define VEC_STOREA(p, v) vst1q_u8((uint8_t *)(p), (v))
#define VEC_ZERO() vdupq_n_u8(0)
#define VEC_PATTERN(p) vld1q_u8(p)
#define VEC_SHUFFLE(v, m) vqtbl1q_u8((v), (m))
#define VEC_BSWAP16(v) vrev16q_u8(v)
#define VEC_BSWAP32(v) vrev32q_u8(v)
#define VEC_BSWAP64(v) vrev64q_u8(v)
#define Q_T uint8x16_t
#define Q_LOADU(p) VEC_LOADU(p)
#define Q_STOREU(p, v) VEC_STOREU(p, v)
#define Q_SHUFFLE(v, m) VEC_SHUFFLE(v, m)
#define Q_PATTERN(p) VEC_PATTERN(p)
#define KERNEL_FN(name) vmmem_neon_##name

#include "bswap_vec.h"
