/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/generic/memcpy_generic.c - the portable kernel and the tests' reference.
 *
 * Plain C, 8-byte words: small copies use the shared head/tail ladder, larger
 * ones a word loop in the direction that is safe for overlap, with the last
 * (or first) word loaded before the loop and stored after it. Compiled with
 * -fno-builtin so the compiler cannot turn the loops into a libc call. */
#include <stdint.h>

#include "copy_small.h"
#include "engine.h"

void *vmmem_generic_memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n <= 16) {
        vmmem_copy_0_to_16(d, s, n);
    } else if ((uintptr_t)d - (uintptr_t)s >= n) {
        /* forward: dst below src, or no overlap */
        uint64_t last = vmmem_load64(s + n - 8);
        for (size_t i = 0; i + 8 < n; i += 8)
            vmmem_store64(d + i, vmmem_load64(s + i));
        vmmem_store64(d + n - 8, last);
    } else {
        /* backward: dst above an overlapping src */
        uint64_t first = vmmem_load64(s);
        for (size_t i = n; i > 8; i -= 8)
            vmmem_store64(d + i - 8, vmmem_load64(s + i - 8));
        vmmem_store64(d, first);
    }
    return dst;
}
