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

#include "isa_registry.h"

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
    assert_int_equal(vmmem_force_isa(before), VMMEM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_describe_their_isa),
        cmocka_unit_test(test_swap_lists_come_from_the_variant_list),
        cmocka_unit_test(test_best_isa_is_self_contained),
        cmocka_unit_test(test_deferring_rows_follow_the_best_isa),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
