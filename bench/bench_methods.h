/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_methods.h - the benchmark's own methods, against which copies are
 * judged: store-only loops (the store limit is the fastest store-only
 * method measured at a point), a load-only loop, and plain copy loops (the
 * best copy method measured is the fastest of them and `rep movsb`). Each
 * comes in one flavour per vector width; every function has the copy
 * signature, so the runner times it exactly like a copy. Store methods
 * write 0x5a bytes to dst[0..n) and read nothing; the load method reads
 * src[0..n) and writes nothing; copy methods copy like memcpy (no overlap). */
#ifndef VMMEM_BENCH_METHODS_H
#define VMMEM_BENCH_METHODS_H

#include <stddef.h>

#include "bench_impls.h"

/* store_vec: up to 512 bytes (256 with AVX2) straight-line overlapping
 * stores, the fewest that cover n up to 256 (a branch per size step, which
 * fixed sizes predict), then an aligned loop; store_vec256 (the AVX-512
 * flavour's, the AVX2 store_vec): the same with 32-byte vectors, faster
 * than 64-byte ones at some sizes on Zen 5 (64 B: 1.4 against 2.0 ns); store_masked
 * (AVX-512 only): four masked stores and no size branch up to 256 bytes
 * (what random sizes favour), then the same loop; store_nt: non-temporal
 * stores from 512 bytes (64 bytes' vectors; 256 with AVX2).
 * generic: memset stores and 8-byte loads/copies; no masked or non-temporal
 * methods (those are not defined). */
void *bench_store_vec_generic(void *dst, const void *src, size_t n);
void *bench_load_generic(void *dst, const void *src, size_t n);
void *bench_copy_vec_generic(void *dst, const void *src, size_t n);

#if defined(__x86_64__)
void *bench_store_vec_avx2(void *dst, const void *src, size_t n);
void *bench_store_nt_avx2(void *dst, const void *src, size_t n);
void *bench_load_avx2(void *dst, const void *src, size_t n);
void *bench_copy_vec_avx2(void *dst, const void *src, size_t n);
void *bench_copy_nt_avx2(void *dst, const void *src, size_t n);
void *bench_copy_nt_prefetch_avx2(void *dst, const void *src, size_t n);

void *bench_store_vec_avx512(void *dst, const void *src, size_t n);
void *bench_store_masked_avx512(void *dst, const void *src, size_t n);
void *bench_store_nt_avx512(void *dst, const void *src, size_t n);
void *bench_load_avx512(void *dst, const void *src, size_t n);
void *bench_copy_vec_avx512(void *dst, const void *src, size_t n);
void *bench_copy_nt_avx512(void *dst, const void *src, size_t n);
void *bench_copy_nt_prefetch_avx512(void *dst, const void *src, size_t n);

/* `rep stosb` of n bytes. */
void *bench_store_stosb(void *dst, const void *src, size_t n);
#endif

/* The software prefetch distance of the copy_nt_prefetch methods
 * (prefetchnta of the source this many bytes ahead). Assumed, not tuned: a
 * DRAM latency of ~100 ns at ~20 GB/s is ~2 KiB in flight. */
#define BENCH_PREFETCH_AHEAD 2048

/* One flavour's methods; a member is NULL when the flavour has none. */
struct bench_method_set {
    const char *flavour; /* "avx512", "avx2", "generic" */
    unsigned needs;      /* the vmmem_cpu_info features it needs (VMMEM_CPU_*) */
    bench_copy_fn store_vec, store_vec256, store_masked, store_nt, load, copy_vec, copy_nt,
        copy_nt_prefetch;
};

/* The flavours this build has, best first; the last one runs everywhere. */
extern const struct bench_method_set bench_method_sets[];
extern const size_t bench_method_set_count;

#endif /* VMMEM_BENCH_METHODS_H */
