/* bench_peer_dpdk.c - DPDK's rte_memcpy as an outside peer. rte_memcpy is
 * header-only and picks its vector width at compile time, so this file is
 * compiled once per variant (BENCH_PEER_VARIANT = avx2 or avx512) with the
 * matching -m flags; the registry only calls a variant the CPU can run. */
#include <stddef.h>

#include <rte_memcpy.h>

#ifndef BENCH_PEER_VARIANT
#error "BENCH_PEER_VARIANT must be defined (avx2 or avx512)"
#endif

#define BENCH_PEER_CAT2(a, b) a##b
#define BENCH_PEER_CAT(a, b) BENCH_PEER_CAT2(a, b)
#define BENCH_PEER_FN BENCH_PEER_CAT(bench_peer_rte_memcpy_, BENCH_PEER_VARIANT)

void *BENCH_PEER_FN(void *dst, const void *src, size_t n);

__attribute__((noinline)) void *BENCH_PEER_FN(void *dst, const void *src, size_t n)
{
    return rte_memcpy(dst, src, n);
}
