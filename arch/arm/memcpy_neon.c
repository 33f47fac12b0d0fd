/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/arm/memcpy_neon.c - 128-bit AArch64 ASIMD kernel.
 * The 4-vector loop body compiles to ldp/stp pairs of q registers. */
#include <arm_neon.h>

#include "engine.h"

#define VEC_T uint8x16_t
#define VEC_SIZE 16
#define VEC_LOADU(p) vld1q_u8((const uint8_t *)(p))
#define VEC_STOREU(p, v) vst1q_u8((uint8_t *)(p), (v))
#define VEC_STOREA(p, v) vst1q_u8((uint8_t *)(p), (v))
#define KERNEL_FN(name) vmmem_neon_##name

#include "memmove_vec.h"
