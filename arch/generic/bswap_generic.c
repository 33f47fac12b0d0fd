/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/generic/bswap_generic.c - the portable byte-swapping copy: one
 * element at a time with __builtin_bswap, every architecture. */
#include "bswap_scalar.h"

void vmmem_generic_bswap16(void *dst, const void *src, size_t nbytes)
{
    vmmem_swap16_elements(dst, src, nbytes);
}

void vmmem_generic_bswap32(void *dst, const void *src, size_t nbytes)
{
    vmmem_swap32_elements(dst, src, nbytes);
}

void vmmem_generic_bswap64(void *dst, const void *src, size_t nbytes)
{
    vmmem_swap64_elements(dst, src, nbytes);
}
