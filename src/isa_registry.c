/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/isa_registry.c - the ISA registry's data (isa_registry.h): one row per
 * engine ISA, and the byte-swap variants those rows point at. Adding an ISA
 * is adding its row here (and its kernel file in CMakeLists.txt); nothing
 * else in the dispatchers names one.
 *
 * `erms` is a strategy rather than a register width, and the table says so
 * as data: copy kernel = one rep movsb (arch/x86/memcpy_erms.c), never
 * chosen as the best ISA (preference 0), byte-swap kernels and JIT inline
 * copies = those of the best vector ISA this CPU runs (there is no rep-movs
 * form of a byte swap, and the JIT inlines below rep movsb's start-up cost). */
#include <stdint.h>

#include "engine.h"
#include "isa_registry.h"

/* The CMake probes define VMMEM_HAVE_<ISA>=1 for what was built; 0 here
 * otherwise, so a row can record it as data. */
#ifndef VMMEM_HAVE_SSE2
#define VMMEM_HAVE_SSE2 0
#endif
#ifndef VMMEM_HAVE_SSSE3
#define VMMEM_HAVE_SSSE3 0
#endif
#ifndef VMMEM_HAVE_AVX2
#define VMMEM_HAVE_AVX2 0
#endif
#ifndef VMMEM_HAVE_AVX512
#define VMMEM_HAVE_AVX512 0
#endif
#ifndef VMMEM_HAVE_AVX512VBMI
#define VMMEM_HAVE_AVX512VBMI 0
#endif
#ifndef VMMEM_HAVE_ERMS
#define VMMEM_HAVE_ERMS 0
#endif
#ifndef VMMEM_HAVE_NEON
#define VMMEM_HAVE_NEON 0
#endif

/* ---- byte-swap variants (arch/<arch>/bswap_<isa>.c) ---- */

#define NO_SWAPS {NULL, NULL, NULL}

#if VMMEM_HAVE_AVX512 && VMMEM_HAVE_AVX512VBMI
static const vmmem_swap_kernels swap_avx512vbmi = {
    "avx512vbmi", VMMEM_CPU_AVX512 | VMMEM_CPU_AVX512VBMI,
    {vmmem_avx512_bswap16, vmmem_avx512_bswap32, vmmem_avx512_bswap64},
    {vmmem_avx512_bswap16_nt, vmmem_avx512_bswap32_nt, vmmem_avx512_bswap64_nt},
    vmmem_avx512_shuffle, vmmem_avx512_shuffle_groups, vmmem_avx512vbmi_shuffle_groups64};
#define SWAP_AVX512VBMI &swap_avx512vbmi,
#else
#define SWAP_AVX512VBMI
#endif
#if VMMEM_HAVE_AVX512
static const vmmem_swap_kernels swap_avx512 = {
    "avx512", VMMEM_CPU_AVX512,
    {vmmem_avx512_bswap16, vmmem_avx512_bswap32, vmmem_avx512_bswap64},
    {vmmem_avx512_bswap16_nt, vmmem_avx512_bswap32_nt, vmmem_avx512_bswap64_nt},
    vmmem_avx512_shuffle, vmmem_avx512_shuffle_groups, NULL};
#define SWAP_AVX512 &swap_avx512,
#else
#define SWAP_AVX512
#endif
#if VMMEM_HAVE_AVX2
static const vmmem_swap_kernels swap_avx2 = {
    "avx2", VMMEM_CPU_AVX2,
    {vmmem_avx2_bswap16, vmmem_avx2_bswap32, vmmem_avx2_bswap64},
    {vmmem_avx2_bswap16_nt, vmmem_avx2_bswap32_nt, vmmem_avx2_bswap64_nt},
    vmmem_avx2_shuffle, vmmem_avx2_shuffle_groups, NULL};
#define SWAP_AVX2 &swap_avx2,
#else
#define SWAP_AVX2
#endif
#if VMMEM_HAVE_SSSE3
static const vmmem_swap_kernels swap_ssse3 = {
    "ssse3", VMMEM_CPU_SSSE3,
    {vmmem_ssse3_bswap16, vmmem_ssse3_bswap32, vmmem_ssse3_bswap64},
    {vmmem_ssse3_bswap16_nt, vmmem_ssse3_bswap32_nt, vmmem_ssse3_bswap64_nt},
    vmmem_ssse3_shuffle, vmmem_ssse3_shuffle_groups, NULL};
#define SWAP_SSSE3 &swap_ssse3,
#else
#define SWAP_SSSE3
#endif
#if VMMEM_HAVE_SSE2
static const vmmem_swap_kernels swap_sse2 = {
    "sse2", VMMEM_CPU_SSE2,
    {vmmem_sse2_bswap16, vmmem_sse2_bswap32, vmmem_sse2_bswap64},
    {vmmem_sse2_bswap16_nt, vmmem_sse2_bswap32_nt, vmmem_sse2_bswap64_nt},
    NULL, NULL, NULL};
#define SWAP_SSE2 &swap_sse2,
#else
#define SWAP_SSE2
#endif
#if VMMEM_HAVE_NEON
static const vmmem_swap_kernels swap_neon = {
    "neon", VMMEM_CPU_NEON,
    {vmmem_neon_bswap16, vmmem_neon_bswap32, vmmem_neon_bswap64},
    NO_SWAPS,
    vmmem_neon_shuffle, vmmem_neon_shuffle_groups, NULL};
#define SWAP_NEON &swap_neon,
#else
#define SWAP_NEON
#endif
static const vmmem_swap_kernels swap_generic = {
    "generic", 0,
    {vmmem_generic_bswap16, vmmem_generic_bswap32, vmmem_generic_bswap64},
    NO_SWAPS,
    NULL, NULL, NULL};

const vmmem_swap_kernels *const vmmem_swap_variant_list[] = {
    SWAP_AVX512VBMI SWAP_AVX512 SWAP_AVX2 SWAP_SSSE3 SWAP_SSE2 SWAP_NEON &swap_generic};
const size_t vmmem_swap_variant_count = sizeof vmmem_swap_variant_list / sizeof vmmem_swap_variant_list[0];

/* ---- copy kernels (arch/<arch>/memcpy_<isa>.c) ---- */

/* A kernel with one function for every entry (no size bands of its own). */
#define SINGLE_KERNEL(isa, name, fn, nt) {{isa, name, fn, nt}, fn, fn, fn, fn}
/* A vector kernel with the rep movsb and non-temporal bands
 * (arch/memmove_vec.h): memmove, memcpy_nt, then its four banded entries. */
#define BANDED_KERNEL(isa, name, memmove, memcpy_nt, banded, adaptive, banded_floor, adaptive_floor) \
    {{isa, name, memmove, memcpy_nt}, banded, adaptive, banded_floor, adaptive_floor}

static const vmmem_isa_desc registry[] = {
    [VMMEM_ISA_GENERIC] = {.name = "generic", .compiled_in = 1, .preference = 1,
                           .kernel = SINGLE_KERNEL(VMMEM_ISA_GENERIC, "generic", vmmem_generic_memmove, NULL),
                           .swaps = {&swap_generic}, .jit_style = VMMEM_JIT_STYLE_GPR},
    [VMMEM_ISA_SSE2] = {.name = "sse2", .required_features = VMMEM_CPU_SSE2, .compiled_in = VMMEM_HAVE_SSE2,
                        .preference = 3,
#if VMMEM_HAVE_SSE2
                        .kernel = BANDED_KERNEL(VMMEM_ISA_SSE2, "sse2", vmmem_sse2_memmove, vmmem_sse2_memcpy_nt,
                                    vmmem_sse2_memmove_banded, vmmem_sse2_memmove_adaptive,
                                    vmmem_sse2_memmove_banded_floor, vmmem_sse2_memmove_adaptive_floor),
                        .swaps = {SWAP_SSSE3 SWAP_SSE2},
#endif
                        .jit_style = VMMEM_JIT_STYLE_XMM},
    [VMMEM_ISA_AVX2] = {.name = "avx2", .required_features = VMMEM_CPU_AVX2, .compiled_in = VMMEM_HAVE_AVX2,
                        .preference = 4,
#if VMMEM_HAVE_AVX2
                        .kernel = BANDED_KERNEL(VMMEM_ISA_AVX2, "avx2", vmmem_avx2_memmove, vmmem_avx2_memcpy_nt,
                                    vmmem_avx2_memmove_banded, vmmem_avx2_memmove_adaptive,
                                    vmmem_avx2_memmove_banded_floor, vmmem_avx2_memmove_adaptive_floor),
                        .swaps = {SWAP_AVX2},
#endif
                        .jit_style = VMMEM_JIT_STYLE_YMM},
    [VMMEM_ISA_AVX512] = {.name = "avx512", .required_features = VMMEM_CPU_AVX512,
                          .compiled_in = VMMEM_HAVE_AVX512, .preference = 5,
#if VMMEM_HAVE_AVX512
                          .kernel = BANDED_KERNEL(VMMEM_ISA_AVX512, "avx512", vmmem_avx512_memmove,
                                    vmmem_avx512_memcpy_nt, vmmem_avx512_memmove_banded, vmmem_avx512_memmove_adaptive,
                                    vmmem_avx512_memmove_banded_floor, vmmem_avx512_memmove_adaptive_floor),
                          .swaps = {SWAP_AVX512VBMI SWAP_AVX512},
#endif
                          .jit_style = VMMEM_JIT_STYLE_ZMM},
    [VMMEM_ISA_ERMS] = {.name = "erms", .required_features = VMMEM_CPU_ERMS, .compiled_in = VMMEM_HAVE_ERMS,
                        .preference = 0,
#if VMMEM_HAVE_ERMS
                        .kernel = SINGLE_KERNEL(VMMEM_ISA_ERMS, "erms", vmmem_erms_memmove, NULL),
#endif
                        .swap_follows_best_isa = 1, .jit_style = VMMEM_JIT_STYLE_OF_BEST_ISA},
    [VMMEM_ISA_NEON] = {.name = "neon", .required_features = VMMEM_CPU_NEON, .compiled_in = VMMEM_HAVE_NEON,
                        .preference = 2,
#if VMMEM_HAVE_NEON
                        .kernel = SINGLE_KERNEL(VMMEM_ISA_NEON, "neon", vmmem_neon_memmove, NULL),
                        .swaps = {SWAP_NEON},
#endif
                        .jit_style = VMMEM_JIT_STYLE_NONE},
};

/* Every ISA has its row, and a row per ISA only. */
_Static_assert(sizeof registry / sizeof registry[0] == VMMEM_ISA_COUNT, "one registry row per vmmem_isa");

const vmmem_isa_desc *vmmem_isa_registry(vmmem_isa isa)
{
    return &registry[isa];
}
