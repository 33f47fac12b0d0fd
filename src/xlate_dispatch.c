/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/xlate_dispatch.c - choosing the byte-swapping kernels: which variant
 * serves each of the copy engine's ISAs on this CPU.
 *
 * The translation calls follow the engine's active ISA (VMMEM_ISA,
 * vmmem_force_isa()), so forcing an ISA switches both. Which variants serve
 * an ISA is the ISA registry's data (src/isa_registry.c): the first of its
 * list the CPU runs (sse2: ssse3 when the CPU has pshufb, else sse2;
 * avx512: avx512vbmi when it has vpermb, else avx512), or those of the best
 * ISA for an ISA that has none of its own (erms).
 *
 * The mapping depends only on the CPU, so it is computed once, lock-free:
 * every first caller computes the same values, stores them, then sets
 * `ready` with release. This state lives apart from the copy engine's
 * dispatch line, which is only read here. */
#include <stdint.h>

#include "dispatch.h"
#include "isa_registry.h"
#include "xlate_dispatch.h"

vmmem_xlate_state vmmem_xlate = {.nt_fallback = SIZE_MAX};

/* pshufb/tbl patterns: output byte i takes input byte pattern[i]. */
const uint8_t vmmem_bswap16_pattern[VMMEM_PATTERN_BYTES] = {1, 0, 3, 2, 5, 4, 7, 6,
                                                            9, 8, 11, 10, 13, 12, 15, 14};
const uint8_t vmmem_bswap32_pattern[VMMEM_PATTERN_BYTES] = {3, 2, 1, 0, 7, 6, 5, 4,
                                                            11, 10, 9, 8, 15, 14, 13, 12};
const uint8_t vmmem_bswap64_pattern[VMMEM_PATTERN_BYTES] = {7, 6, 5, 4, 3, 2, 1, 0,
                                                            15, 14, 13, 12, 11, 10, 9, 8};

/* The first of an ISA's byte-swap variants (isa_registry.c) this CPU runs;
 * the portable one when none does. */
static const vmmem_swap_kernels *first_runnable(const vmmem_isa_desc *d, unsigned features)
{
    for (size_t i = 0; i < VMMEM_ISA_MAX_SWAP_VARIANTS && d->swaps[i]; i++)
        if ((features & d->swaps[i]->required_features) == d->swaps[i]->required_features)
            return d->swaps[i];
    return vmmem_swap_variant_list[vmmem_swap_variant_count - 1];
}

/* The variant for one engine ISA (which runs here, or it is never active). */
static const vmmem_swap_kernels *variant_for_isa(vmmem_isa isa, const vmmem_cpu_info *cpu)
{
    const vmmem_isa_desc *d = vmmem_isa_registry(isa);
    if (d->swap_follows_best_isa)
        d = vmmem_isa_registry(vmmem_best_isa_on(cpu));
    return first_runnable(d, cpu->features);
}

/* Non-temporal stores pay once the copy alone is as large as the whole L3
 * (the engine's rule, src/threshold_policy.c). The kernels use the engine's
 * own threshold, read at each call, when it has one (it honours
 * VMMEM_NT_THRESHOLD, the config file and vmmem_init_with()); on CPUs where
 * the engine streams with rep movsb instead (AMD Zen 5, where its threshold
 * is off) a byte swap has no rep movsb, so they use this: the L3 size. */
static size_t swap_nt_fallback(const vmmem_cpu_info *cpu)
{
    return cpu->l3_bytes ? cpu->l3_bytes : SIZE_MAX;
}

static void resolve(void)
{
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++)
        atomic_store_explicit(&vmmem_xlate.by_isa[isa], variant_for_isa((vmmem_isa)isa, &cpu),
                              memory_order_relaxed);
    atomic_store_explicit(&vmmem_xlate.nt_fallback, swap_nt_fallback(&cpu), memory_order_relaxed);
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
    for (size_t i = 0; i < vmmem_swap_variant_count && count < max; i++) {
        const vmmem_swap_kernels *v = vmmem_swap_variant_list[i];
        if ((cpu.features & v->required_features) == v->required_features)
            list[count++] = v;
    }
    return count;
}
