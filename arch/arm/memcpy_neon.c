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

#include "memmove_vec.h"

/* The exported kernel (declared in src/engine.h, listed in src/isa_registry.c). */
void *vmmem_neon_memmove(void *dst, const void *src, size_t n)
{
    return vec_memmove(dst, src, n);
}
