/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_erms.c - `rep movsb` kernel (Enhanced REP MOVSB).
 *
 * rep movsb copies forward only at full speed (backward, with DF=1, it is
 * microcoded byte by byte), and its start-up cost dominates tiny copies.
 * So: copies below ERMS_MIN_BYTES, and a dst above an overlapping src, go
 * to the SSE2 kernel; everything else is one rep movsb. */
#include <stdint.h>

#include "engine.h"
#include "x86/rep_movsb.h"

/* Below this, rep movsb's start-up (tens of cycles without FSRM) costs more
 * than a few vector moves; 64 is also where the SSE2 ladder is branch-cheap. */
#define ERMS_MIN_BYTES 64

void *vmmem_erms_memmove(void *dst, const void *src, size_t n)
{
    if (n < ERMS_MIN_BYTES || (uintptr_t)dst - (uintptr_t)src < n)
        return vmmem_sse2_memmove(dst, src, n);
    vmmem_rep_movsb(dst, src, n);
    return dst;
}
