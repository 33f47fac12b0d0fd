/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_peer_dpdk.c - DPDK's rte_memcpy as an outside peer. rte_memcpy is
 * header-only and always inline, with its vector width fixed at compile
 * time; to be called like every other implementation (through a pointer,
 * or by name from a loop of its own) it is compiled here into one
 * non-inline function, once per variant (BENCH_PEER_VARIANT = avx2 or
 * avx512, with the matching -m flags and, for avx512, RTE_MEMCPY_AVX512).
 * A program that inlines it saves the call; no row here measures that. The
 * registry only calls a variant the CPU can run. */
#include <stddef.h>

#include <rte_memcpy.h>

#include "bench_impls.h"

#ifndef BENCH_PEER_VARIANT
#error "BENCH_PEER_VARIANT must be defined (avx2 or avx512)"
#endif

#define BENCH_PEER_CAT2(a, b) a##b
#define BENCH_PEER_CAT(a, b) BENCH_PEER_CAT2(a, b)
#define BENCH_PEER_FN BENCH_PEER_CAT(bench_rte_memcpy_, BENCH_PEER_VARIANT)

__attribute__((noinline)) void *BENCH_PEER_FN(void *dst, const void *src, size_t n)
{
    return rte_memcpy(dst, src, n);
}
