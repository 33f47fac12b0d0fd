/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/rep_movsb.h - one forward `rep movsb`. Only for copies where a
 * forward copy is safe (dst below src, or no overlap): with DF=1 (backward)
 * it is microcoded byte by byte. */
#ifndef VMMEM_ARCH_X86_REP_MOVSB_H
#define VMMEM_ARCH_X86_REP_MOVSB_H

#include <stddef.h>

static inline void vmmem_rep_movsb(void *dst, const void *src, size_t n)
{
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

#endif /* VMMEM_ARCH_X86_REP_MOVSB_H */
