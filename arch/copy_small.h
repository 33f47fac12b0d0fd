/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/copy_small.h - the scalar rung shared by every kernel's size ladder.
 *
 * Copies 0..16 bytes with at most two loads and two stores, overlapping in
 * the middle (head/tail), never touching a byte outside the two ranges.
 * All loads happen before any store, so overlapping buffers are fine.
 * Sizes 2, 4 and 8 are loads and stores of exactly that width only (head
 * and tail coincide: two of each at the same address), so a naturally
 * aligned ring index is never torn. */
#ifndef VMMEM_ARCH_COPY_SMALL_H
#define VMMEM_ARCH_COPY_SMALL_H

#include <stddef.h>
#include <stdint.h>

/* Unaligned scalar accesses; each compiles to one load or store. */
#define VMMEM_DEFINE_SCALAR_ACCESS(bits)                                               \
    static inline uint##bits##_t vmmem_load##bits(const unsigned char *p)              \
    {                                                                                  \
        uint##bits##_t v;                                                              \
        __builtin_memcpy(&v, p, sizeof v);                                             \
        return v;                                                                      \
    }                                                                                  \
    static inline void vmmem_store##bits(unsigned char *p, uint##bits##_t v)           \
    {                                                                                  \
        __builtin_memcpy(p, &v, sizeof v);                                             \
    }
VMMEM_DEFINE_SCALAR_ACCESS(16)
VMMEM_DEFINE_SCALAR_ACCESS(32)
VMMEM_DEFINE_SCALAR_ACCESS(64)
#undef VMMEM_DEFINE_SCALAR_ACCESS

static inline void vmmem_copy_0_to_16(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 8) {
        uint64_t head = vmmem_load64(s), tail = vmmem_load64(s + n - 8);
        vmmem_store64(d, head);
        vmmem_store64(d + n - 8, tail);
    } else if (n >= 4) {
        uint32_t head = vmmem_load32(s), tail = vmmem_load32(s + n - 4);
        vmmem_store32(d, head);
        vmmem_store32(d + n - 4, tail);
    } else if (n >= 2) {
        uint16_t head = vmmem_load16(s), tail = vmmem_load16(s + n - 2);
        vmmem_store16(d, head);
        vmmem_store16(d + n - 2, tail);
    } else if (n == 1) {
        *d = *s;
    }
}

#endif /* VMMEM_ARCH_COPY_SMALL_H */
