/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_loops_call.c - call mode: one loop set per implementation, each
 * calling it by name, all generated from bench_loop_template.h so that they
 * are the same code but for the call. Built twice (bench/CMakeLists.txt):
 * BENCH_CALL_VARIANT=plt with -fno-builtin, so that calls into glibc and
 * libvmmem go through the PLT as in an ordinary program, and
 * BENCH_CALL_VARIANT=noplt with -fno-builtin -fno-plt, through the GOT.
 * -fno-builtin keeps the compiler from expanding memcpy/memmove inline.
 * The peers and methods compiled into the program itself (rep movsb,
 * rte_memcpy, the store and copy methods) are direct calls in both builds;
 * the empty call lives in a shared library of its own, like glibc. */
#define VMMEM_NO_INLINE /* no header-inline expansion of vmmem calls */

#include <string.h>

#include <vmmem/memcpy.h>

#include "bench_build_info.h"
#include "bench_call_table.h"
#include "bench_loop_template.h"
#include "bench_methods.h"

#ifndef BENCH_CALL_VARIANT
#error "BENCH_CALL_VARIANT must be defined (plt or noplt)"
#endif

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define CALL_TABLE CAT(bench_call_table_, BENCH_CALL_VARIANT)
#define CALL_TABLE_COUNT CAT(CALL_TABLE, _count)

#define NO_SETUP (void)fn
#define LOOPS(ID, FN) BENCH_DEFINE_LOOPS(ID, NO_SETUP, FN)

#define PARALLEL_CALL(d, s, n) vmmem_memcpy_parallel((d), (s), (n), bench_parallel_threads)

LOOPS(glibc_memcpy, memcpy);
LOOPS(glibc_memcpy_aa, memcpy);
LOOPS(glibc_memmove, memmove);
LOOPS(vmmem_fast, vmmem_memcpy_fast);
LOOPS(vmmem_adaptive, vmmem_memcpy_adaptive);
LOOPS(vmmem_memmove_, vmmem_memmove);
LOOPS(vmmem_parallel, PARALLEL_CALL);
LOOPS(empty_call, bench_empty_call);
LOOPS(store_vec_generic, bench_store_vec_generic);
LOOPS(copy_vec_generic, bench_copy_vec_generic);
#if defined(__x86_64__)
LOOPS(rep_movsb, bench_rep_movsb);
LOOPS(store_stosb, bench_store_stosb);
LOOPS(store_vec_avx512, bench_store_vec_avx512);
LOOPS(store_masked_avx512, bench_store_masked_avx512);
LOOPS(store_nt_avx512, bench_store_nt_avx512);
LOOPS(copy_vec_avx512, bench_copy_vec_avx512);
LOOPS(copy_nt_avx512, bench_copy_nt_avx512);
LOOPS(copy_nt_prefetch_avx512, bench_copy_nt_prefetch_avx512);
LOOPS(store_vec_avx2, bench_store_vec_avx2);
LOOPS(store_nt_avx2, bench_store_nt_avx2);
LOOPS(copy_vec_avx2, bench_copy_vec_avx2);
LOOPS(copy_nt_avx2, bench_copy_nt_avx2);
LOOPS(copy_nt_prefetch_avx2, bench_copy_nt_prefetch_avx2);
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX512
LOOPS(rte_avx512, bench_rte_memcpy_avx512);
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX2
LOOPS(rte_avx2, bench_rte_memcpy_avx2);
#endif

const struct bench_call_entry CALL_TABLE[] = {
    {"glibc-memcpy", NULL, BENCH_LOOPS_INIT(glibc_memcpy)},
    {"glibc-memcpy-aa", NULL, BENCH_LOOPS_INIT(glibc_memcpy_aa)},
    {"glibc-memmove", NULL, BENCH_LOOPS_INIT(glibc_memmove)},
    {"vmmem-fast", NULL, BENCH_LOOPS_INIT(vmmem_fast)},
    {"vmmem-adaptive", NULL, BENCH_LOOPS_INIT(vmmem_adaptive)},
    {"vmmem-memmove", NULL, BENCH_LOOPS_INIT(vmmem_memmove_)},
    {"vmmem-parallel", NULL, BENCH_LOOPS_INIT(vmmem_parallel)},
    {"call-overhead", NULL, BENCH_LOOPS_INIT(empty_call)},
    {"store-vec", "generic", BENCH_LOOPS_INIT(store_vec_generic)},
    {"copy-vec", "generic", BENCH_LOOPS_INIT(copy_vec_generic)},
#if defined(__x86_64__)
    {"rep-movsb", NULL, BENCH_LOOPS_INIT(rep_movsb)},
    {"store-stosb", NULL, BENCH_LOOPS_INIT(store_stosb)},
    {"store-vec", "avx512", BENCH_LOOPS_INIT(store_vec_avx512)},
    {"store-vec256", "avx512", BENCH_LOOPS_INIT(store_vec_avx2)},
    {"store-masked", "avx512", BENCH_LOOPS_INIT(store_masked_avx512)},
    {"store-nt", "avx512", BENCH_LOOPS_INIT(store_nt_avx512)},
    {"copy-vec", "avx512", BENCH_LOOPS_INIT(copy_vec_avx512)},
    {"copy-nt", "avx512", BENCH_LOOPS_INIT(copy_nt_avx512)},
    {"copy-nt-prefetch", "avx512", BENCH_LOOPS_INIT(copy_nt_prefetch_avx512)},
    {"store-vec", "avx2", BENCH_LOOPS_INIT(store_vec_avx2)},
    {"store-nt", "avx2", BENCH_LOOPS_INIT(store_nt_avx2)},
    {"copy-vec", "avx2", BENCH_LOOPS_INIT(copy_vec_avx2)},
    {"copy-nt", "avx2", BENCH_LOOPS_INIT(copy_nt_avx2)},
    {"copy-nt-prefetch", "avx2", BENCH_LOOPS_INIT(copy_nt_prefetch_avx2)},
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX512
    {"rte_memcpy-avx512", NULL, BENCH_LOOPS_INIT(rte_avx512)},
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX2
    {"rte_memcpy-avx2", NULL, BENCH_LOOPS_INIT(rte_avx2)},
#endif
};
const size_t CALL_TABLE_COUNT = sizeof CALL_TABLE / sizeof CALL_TABLE[0];
