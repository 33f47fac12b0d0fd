/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/memcpy.h - the copy engine: fast, adaptive and checked copies.
 *
 * Guarantees shared by every copy call here (all ISAs):
 *  - memmove semantics: source and destination may overlap;
 *  - no byte outside [src, src+n) is read and none outside [dst, dst+n) is
 *    written, so a copy that ends at a page edge cannot fault;
 *  - a copy of 2, 4 or 8 bytes between naturally aligned pointers (both a
 *    multiple of the size) reads and writes only with single accesses of
 *    exactly that width (one load and one store, or two of each at the
 *    same address), so another thread never sees it torn (virtio ring
 *    indexes rely on this);
 *    other small copies may use masked vector accesses;
 *  - the first call picks the kernel for this CPU (see vmmem/cpu.h); later
 *    calls cost one indirect call. Every call is thread-safe;
 *  - no call here (nor anywhere in libvmmem) calls the C library's memcpy,
 *    memmove or mempcpy, so libvmmem can itself stand in for them. */
#ifndef VMMEM_MEMCPY_H
#define VMMEM_MEMCPY_H

#include <stddef.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Copies n bytes with ordinary (cache-allocating) stores: the best SIMD
 *  kernel for this CPU, and `rep movsb` from the ERMS threshold up on CPUs
 *  where that wins (see vmmem_thresholds). The destination stays in cache,
 *  ready to be read.
 *  @param dst destination, n bytes
 *  @param src source, n bytes (may overlap dst)
 *  @param n   number of bytes to copy
 *  @return dst
 *  @note With GCC or Clang, a call whose size is a compile-time constant of
 *        at most 16 bytes is expanded inline instead (see the end of this
 *        header; VMMEM_NO_INLINE turns that off). */
VMMEM_API void *vmmem_memcpy_fast(void *dst, const void *src, size_t n);

/** Copies n bytes choosing the strategy by size: what vmmem_memcpy_fast()
 *  does, and non-temporal stores (then `sfence`) from the non-temporal
 *  threshold up when the buffers do not overlap, so a copy larger than the
 *  cache does not evict it. Thresholds come from the detected caches and
 *  can be overridden with VMMEM_SIMD_THRESHOLD, VMMEM_ERMS_THRESHOLD and
 *  VMMEM_NT_THRESHOLD (bytes, optional K/M/G suffix, or "off"); see
 *  vmmem_get_thresholds(). The rep movsb and non-temporal bands live in the
 *  kernels' loop rung, so a threshold set below 8 vectors (512 bytes with
 *  AVX-512) takes effect from there. Below the SIMD threshold (0 by default:
 *  no such band) the portable scalar kernel is used, with no vector
 *  instructions.
 *  @param dst destination, n bytes
 *  @param src source, n bytes (may overlap dst)
 *  @param n   number of bytes to copy
 *  @return dst
 *  @note With GCC or Clang, a call whose size is a compile-time constant of
 *        at most 16 bytes is expanded inline instead (see the end of this
 *        header; VMMEM_NO_INLINE turns that off). */
VMMEM_API void *vmmem_memcpy_adaptive(void *dst, const void *src, size_t n);

/** Like vmmem_memcpy_adaptive() with the caller's SIMD threshold: copies
 *  shorter than simd_threshold go to the portable scalar kernel (8-byte
 *  words, no vector instructions; the same guarantees as every other call),
 *  the rest to vmmem_memcpy_adaptive(). Neither is the C library's memmove:
 *  no call of libvmmem ever calls the C library's memcpy or memmove.
 *  @param dst destination, n bytes
 *  @param src source, n bytes (may overlap dst)
 *  @param n   number of bytes to copy
 *  @param simd_threshold copies shorter than this go to the scalar kernel
 *  @return dst */
VMMEM_API void *vmmem_memcpy_adaptive_with_threshold(void *dst, const void *src, size_t n,
                                                     size_t simd_threshold);

/** memmove() on the engine: the same strategy as vmmem_memcpy_fast().
 *  @param dst destination, n bytes
 *  @param src source, n bytes (may overlap dst)
 *  @param n   number of bytes to copy
 *  @return dst
 *  @note With GCC or Clang, a call whose size is a compile-time constant of
 *        at most 16 bytes is expanded inline instead (see the end of this
 *        header; VMMEM_NO_INLINE turns that off). */
VMMEM_API void *vmmem_memmove(void *dst, const void *src, size_t n);

/** Most threads vmmem_memcpy_parallel() uses (the caller included). */
#define VMMEM_PARALLEL_MAX_THREADS 64

/** Copies n bytes with up to `threads` threads: the caller and workers of a
 *  pool that the first such call creates and that stays until
 *  vmmem_parallel_shutdown(). Meant for very large copies (snapshots,
 *  migration, large DMA); each thread gets at least 1 MiB, so smaller copies,
 *  threads <= 1, and overlapping buffers are a plain vmmem_memcpy_adaptive().
 *  The strategy is chosen on the whole copy's size, as
 *  vmmem_memcpy_adaptive() would for n: from the non-temporal threshold up
 *  every thread streams its part. If threads cannot be created, fewer (or
 *  none) are used. Parallel calls from several threads are serialised. The
 *  other copy calls never use threads.
 *  @param dst destination, n bytes
 *  @param src source, n bytes (may overlap dst)
 *  @param n   number of bytes to copy
 *  @param threads most threads to use, the caller included (capped at
 *                 VMMEM_PARALLEL_MAX_THREADS, at one per MiB of n, and at
 *                 vmmem_parallel_cpu_count())
 *  @return dst */
VMMEM_API void *vmmem_memcpy_parallel(void *dst, const void *src, size_t n, unsigned threads);

/** The number of CPUs the calling thread may run on (its affinity mask,
 *  sched_getaffinity(); not the CPUs online): the most threads
 *  vmmem_memcpy_parallel() uses when called from this thread, and the
 *  count to pass for "all of them".
 *  @return at least 1 (VMMEM_PARALLEL_MAX_THREADS when the mask cannot be read) */
VMMEM_API unsigned vmmem_parallel_cpu_count(void);

/** Number of worker threads the parallel pool has now (0 before the first
 *  parallel call that needed one, and after vmmem_parallel_shutdown()).
 *  @return the number of workers (the callers of vmmem_memcpy_parallel()
 *          not counted) */
VMMEM_API unsigned vmmem_parallel_pool_size(void);

/** Stops and joins the parallel pool's workers (waiting for a parallel call
 *  in progress). A later vmmem_memcpy_parallel() starts a new pool. */
VMMEM_API void vmmem_parallel_shutdown(void);

/** The checked copy: copies n bytes from src (a buffer of src_size bytes)
 *  to dst (a buffer of dst_size bytes). n == 0 always succeeds and touches
 *  nothing.
 *  @param dst      destination buffer
 *  @param dst_size size of the destination buffer in bytes
 *  @param src      source buffer
 *  @param src_size size of the source buffer in bytes
 *  @param n        number of bytes to copy
 *  @return 0, or, writing nothing:
 *  @retval VMMEM_EINVAL   dst or src is NULL and n > 0
 *  @retval VMMEM_ERANGE   n > dst_size, n > src_size, or a buffer wraps the
 *                         address space
 *  @retval VMMEM_EOVERLAP the n-byte source and destination ranges overlap */
VMMEM_API int vmmem_copy_checked(void *dst, size_t dst_size, const void *src, size_t src_size,
                                 size_t n);

#ifdef __cplusplus
}
#endif

/* Header-inline fast path: with GCC or Clang, a call to vmmem_memcpy_fast(),
 * vmmem_memmove() or vmmem_memcpy_adaptive() whose size is a compile-time
 * constant of at most 16 bytes becomes a few inline moves, no call at all,
 * with the same guarantees (overlap-safe: everything is loaded before
 * anything is stored; 2, 4 and 8 bytes are one access of that width).
 * Other calls, and taking the functions' addresses, are unaffected. Define
 * VMMEM_NO_INLINE before including this header to turn it off. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(VMMEM_NO_INLINE) && !defined(__cplusplus)
#include <stdint.h>

static inline __attribute__((always_inline)) void *vmmem_inline_copy_upto16(void *dst, const void *src,
                                                                             size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (n >= 8) {
        uint64_t head, tail;
        __builtin_memcpy(&head, s, 8);
        __builtin_memcpy(&tail, s + n - 8, 8);
        __builtin_memcpy(d, &head, 8);
        __builtin_memcpy(d + n - 8, &tail, 8);
    } else if (n >= 4) {
        uint32_t head, tail;
        __builtin_memcpy(&head, s, 4);
        __builtin_memcpy(&tail, s + n - 4, 4);
        __builtin_memcpy(d, &head, 4);
        __builtin_memcpy(d + n - 4, &tail, 4);
    } else if (n >= 2) {
        uint16_t head, tail;
        __builtin_memcpy(&head, s, 2);
        __builtin_memcpy(&tail, s + n - 2, 2);
        __builtin_memcpy(d, &head, 2);
        __builtin_memcpy(d + n - 2, &tail, 2);
    } else if (n == 1) {
        *d = *s;
    }
    return dst;
}

#define VMMEM_INLINE_OR_CALL(fn, dst, src, n)                                                    \
    (__builtin_constant_p(n) && (size_t)(n) <= 16 ? vmmem_inline_copy_upto16((dst), (src), (n)) \
                                                  : (fn)((dst), (src), (n)))
#define vmmem_memcpy_fast(dst, src, n) VMMEM_INLINE_OR_CALL(vmmem_memcpy_fast, dst, src, n)
#define vmmem_memmove(dst, src, n) VMMEM_INLINE_OR_CALL(vmmem_memmove, dst, src, n)
#define vmmem_memcpy_adaptive(dst, src, n) VMMEM_INLINE_OR_CALL(vmmem_memcpy_adaptive, dst, src, n)
#endif

#endif /* VMMEM_MEMCPY_H */
