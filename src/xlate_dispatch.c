/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/xlate_dispatch.c - choosing the byte-swapping kernels: the table of
 * compiled-in variants, and which one serves each of the copy engine's ISAs.
 *
 * The translation calls follow the engine's active ISA (VMMEM_ISA,
 * vmmem_force_isa()), so forcing an ISA switches both: generic -> generic,
 * sse2 -> ssse3 when the CPU has SSSE3 (pshufb) else sse2, avx2 -> avx2,
 * avx512 -> avx512vbmi when the CPU has VBMI (vpermb for record groups up
 * to 64 bytes) else avx512, neon -> neon, and erms -> the best vector
 * variant (there is no rep-movs form of a byte swap).
 *
 * The mapping depends only on the CPU, so it is computed once, lock-free:
 * every first caller computes the same values, stores them, then sets
 * `ready` with release. This state lives apart from the copy engine's
 * dispatch line, which is only read here. */
#include <stdint.h>

#include "dispatch.h"
#include "xlate_dispatch.h"

vmmem_xlate_state vmmem_xlate = {.nt_threshold = SIZE_MAX};

/* pshufb/tbl patterns: output byte i takes input byte pattern[i]. */
const uint8_t vmmem_bswap16_pattern[VMMEM_PATTERN_BYTES] = {1, 0, 3, 2, 5, 4, 7, 6,
                                                            9, 8, 11, 10, 13, 12, 15, 14};
const uint8_t vmmem_bswap32_pattern[VMMEM_PATTERN_BYTES] = {3, 2, 1, 0, 7, 6, 5, 4,
                                                            11, 10, 9, 8, 15, 14, 13, 12};
const uint8_t vmmem_bswap64_pattern[VMMEM_PATTERN_BYTES] = {7, 6, 5, 4, 3, 2, 1, 0,
                                                            15, 14, 13, 12, 11, 10, 9, 8};

#define SWAPS(isa) {vmmem_##isa##_bswap16, vmmem_##isa##_bswap32, vmmem_##isa##_bswap64}
#define SWAPS_NT(isa) {vmmem_##isa##_bswap16_nt, vmmem_##isa##_bswap32_nt, vmmem_##isa##_bswap64_nt}

/* Compiled-in variants, best first (the order erms falls back in). */
static const vmmem_swap_kernels variants[] = {
#if VMMEM_HAVE_AVX512 && VMMEM_HAVE_AVX512VBMI
    {"avx512vbmi", VMMEM_CPU_AVX512 | VMMEM_CPU_AVX512VBMI, SWAPS(avx512), SWAPS_NT(avx512), vmmem_avx512_shuffle,
     vmmem_avx512_shuffle_groups, vmmem_avx512vbmi_shuffle_groups64},
#endif
#if VMMEM_HAVE_AVX512
    {"avx512", VMMEM_CPU_AVX512, SWAPS(avx512), SWAPS_NT(avx512), vmmem_avx512_shuffle, vmmem_avx512_shuffle_groups, NULL},
#endif
#if VMMEM_HAVE_AVX2
    {"avx2", VMMEM_CPU_AVX2, SWAPS(avx2), SWAPS_NT(avx2), vmmem_avx2_shuffle, vmmem_avx2_shuffle_groups, NULL},
#endif
#if VMMEM_HAVE_SSSE3
    {"ssse3", VMMEM_CPU_SSSE3, SWAPS(ssse3), SWAPS_NT(ssse3), vmmem_ssse3_shuffle, vmmem_ssse3_shuffle_groups, NULL},
#endif
#if VMMEM_HAVE_SSE2
    {"sse2", VMMEM_CPU_SSE2, SWAPS(sse2), SWAPS_NT(sse2), NULL, NULL, NULL},
#endif
#if VMMEM_HAVE_NEON
    {"neon", VMMEM_CPU_NEON, SWAPS(neon), {NULL, NULL, NULL}, vmmem_neon_shuffle, vmmem_neon_shuffle_groups, NULL},
#endif
    {"generic", 0, SWAPS(generic), {NULL, NULL, NULL}, NULL, NULL, NULL},
};
#define VARIANT_COUNT (sizeof variants / sizeof variants[0])

/* The variant named `name` if compiled in and runnable, else NULL. */
static const vmmem_swap_kernels *runnable_variant(const char *name, unsigned features)
{
    for (size_t i = 0; i < VARIANT_COUNT; i++) {
        const vmmem_swap_kernels *v = &variants[i];
        if (__builtin_strcmp(v->name, name) == 0)
            return (features & v->required_features) == v->required_features ? v : NULL;
    }
    return NULL;
}

static const vmmem_swap_kernels *first_runnable(const char *const *names, size_t count, unsigned features)
{
    for (size_t i = 0; i < count; i++) {
        const vmmem_swap_kernels *v = runnable_variant(names[i], features);
        if (v)
            return v;
    }
    return &variants[VARIANT_COUNT - 1]; /* generic */
}

/* The variant for one engine ISA (which runs here, or it is never active). */
static const vmmem_swap_kernels *variant_for_isa(vmmem_isa isa, unsigned features)
{
    static const char *const sse2[] = {"ssse3", "sse2"};
    static const char *const avx2[] = {"avx2"};
    static const char *const avx512[] = {"avx512vbmi", "avx512"};
    static const char *const neon[] = {"neon"};
    static const char *const best[] = {"avx512vbmi", "avx512", "avx2", "ssse3", "sse2", "neon"};
    switch (isa) {
    case VMMEM_ISA_SSE2:
        return first_runnable(sse2, 2, features);
    case VMMEM_ISA_AVX2:
        return first_runnable(avx2, 1, features);
    case VMMEM_ISA_AVX512:
        return first_runnable(avx512, 2, features);
    case VMMEM_ISA_NEON:
        return first_runnable(neon, 1, features);
    case VMMEM_ISA_ERMS:
        return first_runnable(best, sizeof best / sizeof best[0], features);
    default:
        return first_runnable(NULL, 0, features);
    }
}

/* Non-temporal stores pay once the copy alone is as large as the whole L3
 * (the engine's rule, src/dispatch.c). The engine's own threshold is used
 * when it has one (it honours VMMEM_NT_THRESHOLD and the config file); on
 * CPUs where the engine streams with rep movsb instead (AMD Zen 5, where its
 * threshold is off) a byte swap has no rep movsb, so the L3 size is used. */
static size_t swap_nt_threshold(const vmmem_cpu_info *cpu)
{
    vmmem_thresholds t;
    if (vmmem_get_thresholds(&t) == VMMEM_OK && t.nt != SIZE_MAX)
        return t.nt;
    return cpu->l3_bytes ? cpu->l3_bytes : SIZE_MAX;
}

static void resolve(void)
{
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++)
        atomic_store_explicit(&vmmem_xlate.by_isa[isa], variant_for_isa((vmmem_isa)isa, cpu.features),
                              memory_order_relaxed);
    atomic_store_explicit(&vmmem_xlate.nt_threshold, swap_nt_threshold(&cpu), memory_order_relaxed);
    atomic_store_explicit(&vmmem_xlate.ready, 1, memory_order_release);
}

const vmmem_swap_kernels *vmmem_swap_resolve(void)
{
    if (!atomic_load_explicit(&vmmem_xlate.ready, memory_order_acquire))
        resolve();
    vmmem_isa isa = vmmem_active_isa(); /* resolves the engine if needed */
    return atomic_load_explicit(&vmmem_xlate.by_isa[isa], memory_order_relaxed);
}

size_t vmmem_swap_variants(const vmmem_swap_kernels **list, size_t max)
{
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    size_t count = 0;
    for (size_t i = 0; i < VARIANT_COUNT && count < max; i++)
        if ((cpu.features & variants[i].required_features) == variants[i].required_features)
            list[count++] = &variants[i];
    return count;
}
