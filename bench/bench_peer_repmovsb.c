/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_peer_repmovsb.c - plain forward `rep movsb` as a peer, in a
 * function of its own: what a caller that inlines `rep movsb` gets (glibc
 * uses it for mid sizes on Intel; with ERMS/FSRM it is one instruction for
 * any size). x86_64 only. */
#include "bench_impls.h"

#if defined(__x86_64__)
void *bench_rep_movsb(void *dst, const void *src, size_t n)
{
    void *d = dst;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
    return dst;
}
#endif
