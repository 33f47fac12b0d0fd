/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/bswap_scalar.h - scalar byte-swapping copies: the whole generic
 * kernel, and the bottom rung of the vector kernels.
 *
 * Each element (or, for a pattern, each 16-byte group) is loaded whole
 * before it is stored, so dst == src works; other overlap is excluded by
 * the callers. Unaligned accesses go through __builtin_memcpy of a constant
 * size, which compiles to one load or store, never to a call. */
#ifndef VMMEM_ARCH_BSWAP_SCALAR_H
#define VMMEM_ARCH_BSWAP_SCALAR_H

#include <stddef.h>
#include <stdint.h>

#include "copy_small.h"
#include "xlate_dispatch.h"

static inline void vmmem_swap16_elements(unsigned char *d, const unsigned char *s, size_t nbytes)
{
    for (size_t i = 0; i < nbytes; i += 2)
        vmmem_store16(d + i, __builtin_bswap16(vmmem_load16(s + i)));
}

static inline void vmmem_swap32_elements(unsigned char *d, const unsigned char *s, size_t nbytes)
{
    for (size_t i = 0; i < nbytes; i += 4)
        vmmem_store32(d + i, __builtin_bswap32(vmmem_load32(s + i)));
}

static inline void vmmem_swap64_elements(unsigned char *d, const unsigned char *s, size_t nbytes)
{
    for (size_t i = 0; i < nbytes; i += 8)
        vmmem_store64(d + i, __builtin_bswap64(vmmem_load64(s + i)));
}

/* Applies a byte pattern to each `group` bytes (group <= 16) through a
 * local copy: d[i + j] = s[i + pattern[j]]. The last group may be shorter;
 * it is a whole number of records, and pattern entries never leave their
 * record, so it reads only its own bytes. */
static inline void vmmem_shuffle_bytes(unsigned char *d, const unsigned char *s, size_t nbytes,
                                       const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t group)
{
    for (size_t i = 0; i < nbytes; i += group) {
        size_t len = nbytes - i < group ? nbytes - i : group;
        unsigned char copy[VMMEM_PATTERN_BYTES];
        for (size_t j = 0; j < len; j++) /* a loop: a variable-size memcpy would call the C library */
            copy[j] = s[i + j];
        for (size_t j = 0; j < len; j++)
            d[i + j] = copy[pattern[j]];
    }
}

#endif /* VMMEM_ARCH_BSWAP_SCALAR_H */
