/* arch/bswap_scalar.h - scalar byte-swapping copies: the whole generic
 * kernel, and the bottom rung of the vector kernels.
 *
 * Each element (or, for a pattern, each 16-byte group) is loaded whole
 * before it is stored, so dst == src works; other overlap is excluded by
 * the callers. Unaligned accesses go through __builtin_memcpy. */
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

/* The shuffle of vmmem_shuffle_fn, 16 bytes (one pattern) at a time through
 * a local copy; the last group may be shorter (a whole number of periods). */
static inline void vmmem_shuffle_bytes(unsigned char *d, const unsigned char *s, size_t nbytes,
                                       const uint8_t pattern[VMMEM_PATTERN_BYTES])
{
    for (size_t i = 0; i < nbytes; i += VMMEM_PATTERN_BYTES) {
        size_t len = nbytes - i < VMMEM_PATTERN_BYTES ? nbytes - i : VMMEM_PATTERN_BYTES;
        unsigned char group[VMMEM_PATTERN_BYTES];
        __builtin_memcpy(group, s + i, len);
        for (size_t j = 0; j < len; j++)
            d[i + j] = group[pattern[j]];
    }
}

#endif /* VMMEM_ARCH_BSWAP_SCALAR_H */
