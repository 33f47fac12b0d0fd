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

/* Below this, rep movsb's start-up costs more than the SSE2 ladder. Measured
 * on the reference Zen 5 guest (FSRM), hot, time x glibc memcpy, median of
 * 21 interleaved rounds, two runs each (docs/performance.md, "Constants
 * measured for the dispatcher"):
 *   vmmem-bench --only hot --mode pointer --impl kernel-sse2,rep-movsb --rounds 21
 *     --sizes 16,32,63,64,128,256,512,1K,2K,4K     and
 *     --sizes 768,1K,1152,1280,1536,1792,2K
 *            64 B  128 B  512 B  768 B  1 KiB  1152 B  1536 B  2 KiB  4 KiB
 * rep movsb  1.43  4.21   3.6    3.15   2.71   2.32    2.18    1.91   0.99
 * SSE2       1.13  1.38   2.2    2.53   2.62   2.42    2.67    2.73   1.53
 * rep movsb first wins at 1152 B (the value was 64, unmeasured: the kernel
 * was then 3.5-4.3x glibc at 128-512 B instead of the SSE2 ladder's
 * 1.4-2.2x). This kernel runs only when `erms` is forced. Other CPUs:
 * assumed the same. */
#define ERMS_MIN_BYTES 1152

void *vmmem_erms_memmove(void *dst, const void *src, size_t n)
{
    if (n < ERMS_MIN_BYTES || (uintptr_t)dst - (uintptr_t)src < n)
        return vmmem_sse2_memmove(dst, src, n);
    vmmem_rep_movsb(dst, src, n);
    return dst;
}
