/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_empty.c - an empty function with the copy signature, built as a
 * shared library of its own (libvmmem-bench-empty.so) so that the
 * benchmark reaches it exactly as it reaches glibc and libvmmem: through
 * the PLT in call mode, through the GOT with -fno-plt, through the dlsym'd
 * address in pointer mode. Its row is the cost of the loop and the call. */
#include <stddef.h>

__attribute__((visibility("default"))) void *bench_empty_call(void *dst, const void *src, size_t n);

void *bench_empty_call(void *dst, const void *src, size_t n)
{
    (void)src;
    (void)n;
    return dst;
}
