/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/xlate_dispatch.h - internal interface between the byte-swapping copy
 * kernels (arch/<arch>/bswap_<isa>.c), their dispatcher (xlate_dispatch.c)
 * and the translation API (xlate.c). Tests include it to call every kernel
 * variant directly. Nothing here is exported from the shared library.
 *
 * Kernel contract, for every function below: nbytes is a multiple of the
 * element size (2, 4, 8) or of the pattern's period; dst and src are either
 * equal (in place) or the two ranges do not overlap at all (the public calls
 * check that); any alignment; no byte outside the ranges is touched. */
#ifndef VMMEM_SRC_XLATE_DISPATCH_H
#define VMMEM_SRC_XLATE_DISPATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <vmmem/cpu.h>

#include "dispatch.h"

/* Bytes of a shuffle pattern: one 128-bit lane, the unit every byte shuffle
 * instruction used here (pshufb, vpshufb, tbl) permutes within. */
#define VMMEM_PATTERN_BYTES 16

/* Reverses the bytes of every element of nbytes bytes. */
typedef void (*vmmem_swap_fn)(void *dst, const void *src, size_t nbytes);

/* Copies nbytes with dst[i] = src[i - i % 16 + pattern[i % 16]]: a byte
 * permutation repeated every `period` bytes (period divides 16, and every
 * pattern entry stays inside its own period: a record never takes bytes
 * from another one). nbytes is a multiple of period. */
typedef void (*vmmem_shuffle_fn)(void *dst, const void *src, size_t nbytes,
                                 const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t period);

/* Applies pattern[0..step) to each group of `step` bytes (whole records,
 * step <= 16; pattern entries stay inside their record, and
 * pattern[j] == j for j >= step). nbytes is a multiple of the record size. */
typedef void (*vmmem_shuffle_groups_fn)(void *dst, const void *src, size_t nbytes,
                                        const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t step);

/* Bytes of a whole-vector pattern (vpermb, AVX-512 VBMI). */
#define VMMEM_WIDE_PATTERN_BYTES 64

/* The same for groups of up to 64 bytes and a 64-byte pattern. */
typedef void (*vmmem_shuffle_groups64_fn)(void *dst, const void *src, size_t nbytes,
                                          const uint8_t pattern[VMMEM_WIDE_PATTERN_BYTES], size_t step);

/* Index into vmmem_swap_kernels.swap by element size. */
enum vmmem_swap_width { VMMEM_SWAP16, VMMEM_SWAP32, VMMEM_SWAP64, VMMEM_SWAP_WIDTHS };

/* One variant's kernels. */
typedef struct vmmem_swap_kernels {
    const char *name;
    unsigned required_features;           /* VMMEM_CPU_* bits the CPU must have */
    vmmem_swap_fn swap[VMMEM_SWAP_WIDTHS]; /* non-temporal stores from the threshold up */
    /* The same, always with non-temporal stores in the loop rung (n > 8
     * vectors, dst != src); NULL where the ISA has none. For tests. */
    vmmem_swap_fn swap_nt[VMMEM_SWAP_WIDTHS];
    vmmem_shuffle_fn shuffle; /* NULL where the ISA has no byte shuffle */
    vmmem_shuffle_groups_fn shuffle_groups; /* the same */
    vmmem_shuffle_groups64_fn shuffle_groups64; /* NULL where the ISA has no 64-byte permute */
} vmmem_swap_kernels;

/* State of the translation dispatcher, apart from the copy engine's hot
 * cache line. The swap kernels read nt_fallback. */
typedef struct vmmem_xlate_state {
    _Atomic int ready; /* by_isa and nt_fallback are set (release/acquire) */
    /* non-temporal stores from here where the engine has no threshold of its
     * own (it streams with rep movsb instead): the L3 size (SIZE_MAX: never) */
    _Atomic size_t nt_fallback;
    /* the variant each engine ISA maps to on this CPU */
    _Atomic(const vmmem_swap_kernels *) by_isa[VMMEM_ISA_COUNT];
} vmmem_xlate_state;

extern __attribute__((visibility("hidden"))) vmmem_xlate_state vmmem_xlate;

/* The size from which the swap kernels' loop uses non-temporal stores: the
 * copy engine's threshold as it is now (vmmem_init_with() may set another
 * one), or nt_fallback where the engine has none. */
static inline size_t vmmem_swap_nt_threshold(void)
{
    size_t nt = vmmem_threshold(&vmmem_dispatch.nt_threshold);
    return nt != SIZE_MAX ? nt : atomic_load_explicit(&vmmem_xlate.nt_fallback, memory_order_relaxed);
}

/* Slow path of vmmem_swap_active(): computes the mapping (once), resolves
 * the copy engine if needed, returns the variant for its ISA. */
const vmmem_swap_kernels *vmmem_swap_resolve(void);

/* The variant for the ISA the copy engine uses now (resolving on first
 * use): two loads and an indexed one once both dispatchers are resolved. */
static inline const vmmem_swap_kernels *vmmem_swap_active(void)
{
    const vmmem_kernel_entry *k = atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire);
    if (__builtin_expect(!k || !atomic_load_explicit(&vmmem_xlate.ready, memory_order_acquire), 0))
        return vmmem_swap_resolve();
    return atomic_load_explicit(&vmmem_xlate.by_isa[k->info.isa], memory_order_relaxed);
}

/* Every variant compiled in and runnable on this CPU: fills list[0..max),
 * returns how many. For tests and the benchmark. */
size_t vmmem_swap_variants(const vmmem_swap_kernels **list, size_t max);

/* The shuffle patterns that reverse 2, 4 and 8-byte elements. */
extern const uint8_t vmmem_bswap16_pattern[VMMEM_PATTERN_BYTES];
extern const uint8_t vmmem_bswap32_pattern[VMMEM_PATTERN_BYTES];
extern const uint8_t vmmem_bswap64_pattern[VMMEM_PATTERN_BYTES];

/* ---- kernels, one set per ISA file ---- */
#define VMMEM_DECLARE_SWAPS(isa, suffix)                                       \
    void vmmem_##isa##_bswap16##suffix(void *dst, const void *src, size_t nbytes); \
    void vmmem_##isa##_bswap32##suffix(void *dst, const void *src, size_t nbytes); \
    void vmmem_##isa##_bswap64##suffix(void *dst, const void *src, size_t nbytes);
#define VMMEM_DECLARE_SHUFFLE(isa)                                                  \
    void vmmem_##isa##_shuffle(void *dst, const void *src, size_t nbytes,          \
                               const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t period); \
    void vmmem_##isa##_shuffle_groups(void *dst, const void *src, size_t nbytes,         \
                                      const uint8_t pattern[VMMEM_PATTERN_BYTES], size_t step);

VMMEM_DECLARE_SWAPS(generic, )
#if VMMEM_HAVE_SSE2
VMMEM_DECLARE_SWAPS(sse2, )
VMMEM_DECLARE_SWAPS(sse2, _nt)
#endif
#if VMMEM_HAVE_SSSE3
VMMEM_DECLARE_SWAPS(ssse3, )
VMMEM_DECLARE_SWAPS(ssse3, _nt)
VMMEM_DECLARE_SHUFFLE(ssse3)
#endif
#if VMMEM_HAVE_AVX2
VMMEM_DECLARE_SWAPS(avx2, )
VMMEM_DECLARE_SWAPS(avx2, _nt)
VMMEM_DECLARE_SHUFFLE(avx2)
#endif
#if VMMEM_HAVE_AVX512
VMMEM_DECLARE_SWAPS(avx512, )
VMMEM_DECLARE_SWAPS(avx512, _nt)
VMMEM_DECLARE_SHUFFLE(avx512)
#endif
#if VMMEM_HAVE_AVX512VBMI
void vmmem_avx512vbmi_shuffle_groups64(void *dst, const void *src, size_t nbytes,
                                       const uint8_t pattern[VMMEM_WIDE_PATTERN_BYTES], size_t step);
#endif
#if VMMEM_HAVE_NEON
VMMEM_DECLARE_SWAPS(neon, )
VMMEM_DECLARE_SHUFFLE(neon)
#endif
#undef VMMEM_DECLARE_SWAPS
#undef VMMEM_DECLARE_SHUFFLE

#endif /* VMMEM_SRC_XLATE_DISPATCH_H */
