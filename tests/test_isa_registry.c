/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_isa_registry.c - the ISA registry (src/isa_registry.c) is
 * consistent with itself and with the public API: each row describes its
 * own ISA, is built exactly when its kernel is, has byte-swap kernels and a
 * JIT style (its own or the best ISA's), and the dispatchers that read it
 * give what it says. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <vmmem/jit.h>

#include "dispatch.h"
#include "engine.h"
#include "isa_registry.h"

/* Each compiled-in row's kernels, written out here independently of the
 * registry: a row that pointed at another ISA's kernel would hand out code
 * this CPU may not run (an AVX-512 kernel in the AVX2 row: SIGILL on an
 * AVX2-only CPU), which no test on an AVX-512 machine would notice. */
typedef struct expected_row {
    vmmem_isa isa;
    vmmem_copy_fn memmove, memcpy_nt, fast, adaptive, fast_floor, adaptive_floor;
} expected_row;

static const expected_row expected_rows[] = {
    {VMMEM_ISA_GENERIC, vmmem_generic_memmove, NULL, vmmem_generic_memmove, vmmem_generic_memmove,
     vmmem_generic_memmove, vmmem_generic_memmove},
#if VMMEM_HAVE_SSE2
    {VMMEM_ISA_SSE2, vmmem_sse2_memmove, vmmem_sse2_memcpy_nt, vmmem_sse2_memmove_banded,
     vmmem_sse2_memmove_adaptive, vmmem_sse2_memmove_banded_floor, vmmem_sse2_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_AVX2
    {VMMEM_ISA_AVX2, vmmem_avx2_memmove, vmmem_avx2_memcpy_nt, vmmem_avx2_memmove_banded,
     vmmem_avx2_memmove_adaptive, vmmem_avx2_memmove_banded_floor, vmmem_avx2_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_AVX512
    {VMMEM_ISA_AVX512, vmmem_avx512_memmove, vmmem_avx512_memcpy_nt, vmmem_avx512_memmove_banded,
     vmmem_avx512_memmove_adaptive, vmmem_avx512_memmove_banded_floor, vmmem_avx512_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_ERMS
    {VMMEM_ISA_ERMS, vmmem_erms_memmove, NULL, vmmem_erms_memmove, vmmem_erms_memmove, vmmem_erms_memmove,
     vmmem_erms_memmove},
#endif
#if VMMEM_HAVE_NEON
    {VMMEM_ISA_NEON, vmmem_neon_memmove, NULL, vmmem_neon_memmove, vmmem_neon_memmove, vmmem_neon_memmove,
     vmmem_neon_memmove},
#endif
};

static void test_rows_hold_their_own_kernels(void **state)
{
    (void)state;
    size_t compiled = 0;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++)
        compiled += vmmem_isa_registry((vmmem_isa)i)->compiled_in != 0;
    assert_int_equal(compiled, sizeof expected_rows / sizeof expected_rows[0]);
    for (size_t k = 0; k < sizeof expected_rows / sizeof expected_rows[0]; k++) {
        const expected_row *e = &expected_rows[k];
        const vmmem_kernel_entry *got = &vmmem_isa_registry(e->isa)->kernel;
        assert_ptr_equal(got->info.memmove, e->memmove);
        assert_ptr_equal(got->info.memcpy_nt, e->memcpy_nt);
        assert_ptr_equal(got->fast, e->fast);
        assert_ptr_equal(got->adaptive, e->adaptive);
        assert_ptr_equal(got->fast_floor, e->fast_floor);
        assert_ptr_equal(got->adaptive_floor, e->adaptive_floor);
    }
}

/* The choice when nothing is forced, on made-up CPUs: the widest vectors
 * the CPU has, never `erms` on its own. */
static void test_best_isa_on_made_up_cpus(void **state)
{
    (void)state;
    static const struct {
        unsigned features;
        vmmem_isa want;
    } cases[] = {
#if VMMEM_HAVE_AVX512
        {VMMEM_CPU_SSE2 | VMMEM_CPU_AVX2 | VMMEM_CPU_AVX512 | VMMEM_CPU_ERMS, VMMEM_ISA_AVX512},
#endif
#if VMMEM_HAVE_AVX2
        {VMMEM_CPU_SSE2 | VMMEM_CPU_AVX2 | VMMEM_CPU_ERMS, VMMEM_ISA_AVX2},
#endif
#if VMMEM_HAVE_SSE2
        {VMMEM_CPU_SSE2, VMMEM_ISA_SSE2},
#endif
        {VMMEM_CPU_ERMS, VMMEM_ISA_GENERIC},
        {0, VMMEM_ISA_GENERIC},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        vmmem_cpu_info cpu;
        memset(&cpu, 0, sizeof cpu);
        cpu.features = cases[k].features;
        assert_int_equal(vmmem_best_isa_on(&cpu), cases[k].want);
    }
}

static void test_rows_describe_their_isa(void **state)
{
    (void)state;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        const vmmem_isa_desc *d = vmmem_isa_registry((vmmem_isa)i);
        assert_non_null(d->name);
        assert_string_equal(vmmem_isa_name((vmmem_isa)i), d->name);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(vmmem_isa_registry((vmmem_isa)j)->name, d->name);
        /* built exactly when its kernel is there, and the kernel is its own */
        assert_int_equal(d->compiled_in != 0, d->kernel.info.memmove != NULL);
        if (!d->compiled_in)
            continue;
        assert_int_equal(d->kernel.info.isa, i);
        assert_string_equal(d->kernel.info.name, d->name);
        assert_non_null(d->kernel.fast);
        assert_non_null(d->kernel.adaptive);
        assert_non_null(d->kernel.fast_floor);
        assert_non_null(d->kernel.adaptive_floor);
        /* byte swaps of its own, or the best ISA's: never neither */
        assert_true(d->swap_follows_best_isa != (d->swaps[0] != NULL));
    }
}

static void test_swap_lists_come_from_the_variant_list(void **state)
{
    (void)state;
    assert_string_equal(vmmem_swap_variant_list[vmmem_swap_variant_count - 1]->name, "generic");
    assert_int_equal(vmmem_swap_variant_list[vmmem_swap_variant_count - 1]->required_features, 0);
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        const vmmem_isa_desc *d = vmmem_isa_registry((vmmem_isa)i);
        for (size_t k = 0; k < VMMEM_ISA_MAX_SWAP_VARIANTS && d->swaps[k]; k++) {
            size_t found = 0;
            for (size_t v = 0; v < vmmem_swap_variant_count; v++)
                found += vmmem_swap_variant_list[v] == d->swaps[k];
            assert_int_equal(found, 1);
        }
    }
}

/* The ISA chosen when nothing is forced stands on its own: a preference, its
 * own byte swaps and its own JIT style. */
static void test_best_isa_is_self_contained(void **state)
{
    (void)state;
    const vmmem_isa_desc *best = vmmem_isa_registry(vmmem_best_isa());
    assert_true(best->preference > 0);
    assert_false(best->swap_follows_best_isa);
    assert_int_not_equal(best->jit_style, VMMEM_JIT_STYLE_OF_BEST_ISA);
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        const vmmem_isa_desc *d = vmmem_isa_registry((vmmem_isa)i);
        if (vmmem_isa_supported((vmmem_isa)i))
            assert_true(d->preference <= best->preference);
    }
}

/* An ISA that defers to the best one gets exactly the best one's byte swaps
 * and inline copies. */
static void test_deferring_rows_follow_the_best_isa(void **state)
{
    (void)state;
    vmmem_isa before = vmmem_active_isa(), best = vmmem_best_isa();
    assert_int_equal(vmmem_force_isa(best), VMMEM_OK);
    const vmmem_swap_kernels *best_swaps = vmmem_swap_active();
    vmmem_cpu_info cpu;
    assert_int_equal(vmmem_get_cpu_info(&cpu), VMMEM_OK);
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        const vmmem_isa_desc *d = vmmem_isa_registry((vmmem_isa)i);
        if (!vmmem_isa_supported((vmmem_isa)i))
            continue;
        assert_int_equal(vmmem_force_isa((vmmem_isa)i), VMMEM_OK);
        if (d->swap_follows_best_isa) {
            assert_ptr_equal(vmmem_swap_active(), best_swaps);
        } else { /* the first of its own list this CPU runs, else the portable one */
            const vmmem_swap_kernels *own = vmmem_swap_variant_list[vmmem_swap_variant_count - 1];
            for (size_t k = VMMEM_ISA_MAX_SWAP_VARIANTS; k-- > 0;)
                if (d->swaps[k] && (cpu.features & d->swaps[k]->required_features) == d->swaps[k]->required_features)
                    own = d->swaps[k];
            assert_ptr_equal(vmmem_swap_active(), own);
        }
        if (d->jit_style == VMMEM_JIT_STYLE_OF_BEST_ISA)
            assert_int_equal(vmmem_jit_inline_limit((vmmem_isa)i), vmmem_jit_inline_limit(best));
    }
#if VMMEM_HAVE_ERMS
    /* erms, forced, copies with rep movsb but emits and swaps as the best
     * ISA does (docs/jit.md), whatever its row says */
    if (vmmem_isa_supported(VMMEM_ISA_ERMS)) {
        assert_int_equal(vmmem_jit_inline_limit(VMMEM_ISA_ERMS), vmmem_jit_inline_limit(best));
        assert_int_equal(vmmem_force_isa(VMMEM_ISA_ERMS), VMMEM_OK);
        assert_ptr_equal(vmmem_swap_active(), best_swaps);
    }
#endif
    assert_int_equal(vmmem_force_isa(before), VMMEM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_describe_their_isa),
        cmocka_unit_test(test_rows_hold_their_own_kernels),
        cmocka_unit_test(test_best_isa_on_made_up_cpus),
        cmocka_unit_test(test_swap_lists_come_from_the_variant_list),
        cmocka_unit_test(test_best_isa_is_self_contained),
        cmocka_unit_test(test_deferring_rows_follow_the_best_isa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
