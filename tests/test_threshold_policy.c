/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_threshold_policy.c - the default thresholds' rule table
 * (src/threshold_policy.c) on made-up CPUs: which vendor, family and
 * features get which band, that the last rule catches every CPU, that every
 * rule cites a measurement or says it is assumed, and that no setting gives
 * a rep movsb band to a CPU without ERMS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "threshold_policy.h"

#define L1D_48K (48u * 1024)
#define L3_32M ((size_t)32 << 20)
#define ZEN4_FAMILY 0x19
#define ZEN5_FAMILY 0x1A
#define INTEL_FAMILY 6

static vmmem_cpu_info cpu(const char *vendor, unsigned family, unsigned features, size_t l3)
{
    vmmem_cpu_info c = {.family = family, .features = features, .l1d_bytes = L1D_48K, .l3_bytes = l3};
    strncpy(c.vendor, vendor, sizeof c.vendor - 1);
    return c;
}

static vmmem_thresholds defaults_of(vmmem_cpu_info c)
{
    vmmem_thresholds t = {1, 2, 3};
    vmmem_default_thresholds(&c, &t);
    return t;
}

static void test_zen5_gets_rep_movsb_and_no_nt_band(void **state)
{
    (void)state;
    vmmem_thresholds t = defaults_of(cpu("AuthenticAMD", ZEN5_FAMILY, VMMEM_CPU_ERMS | VMMEM_CPU_FSRM, L3_32M));
    assert_int_equal(t.simd, 0);
    assert_int_equal(t.erms, L1D_48K / 2 + 1);
    assert_int_equal(t.nt, SIZE_MAX);
}

static void test_amd_before_zen5_or_without_fsrm_gets_no_rep_movsb(void **state)
{
    (void)state;
    vmmem_thresholds zen4 = defaults_of(cpu("AuthenticAMD", ZEN4_FAMILY, VMMEM_CPU_ERMS | VMMEM_CPU_FSRM, L3_32M));
    assert_int_equal(zen4.erms, SIZE_MAX);
    assert_int_equal(zen4.nt, L3_32M);
    vmmem_thresholds no_fsrm = defaults_of(cpu("AuthenticAMD", ZEN5_FAMILY, VMMEM_CPU_ERMS, L3_32M));
    assert_int_equal(no_fsrm.erms, SIZE_MAX);
    assert_int_equal(no_fsrm.nt, L3_32M);
}

static void test_intel_gets_rep_movsb_with_erms_only(void **state)
{
    (void)state;
    vmmem_thresholds erms = defaults_of(cpu("GenuineIntel", INTEL_FAMILY, VMMEM_CPU_ERMS, L3_32M));
    assert_int_equal(erms.erms, L1D_48K / 2 + 1);
    assert_int_equal(erms.nt, L3_32M);
    vmmem_thresholds plain = defaults_of(cpu("GenuineIntel", INTEL_FAMILY, 0, L3_32M));
    assert_int_equal(plain.erms, SIZE_MAX);
    assert_int_equal(plain.nt, L3_32M);
}

static void test_no_l3_means_no_nt_band(void **state)
{
    (void)state;
    vmmem_thresholds t = defaults_of(cpu("arm64", 0, VMMEM_CPU_NEON, 0));
    assert_int_equal(t.erms, SIZE_MAX);
    assert_int_equal(t.nt, SIZE_MAX);
}

static void test_last_rule_catches_every_cpu(void **state)
{
    (void)state;
    const vmmem_threshold_rule *last = &vmmem_threshold_rules[vmmem_threshold_rule_count - 1];
    assert_null(last->vendor);
    assert_int_equal(last->min_family, 0);
    assert_int_equal(last->required_features, 0);
    vmmem_cpu_info odd = cpu("SomeOtherCPU", 0, 0, 0);
    assert_ptr_equal(vmmem_threshold_rule_for(&odd), last);
}

static int cites_or_assumes(const char *evidence)
{
    return evidence && (strncmp(evidence, "measured", strlen("measured")) == 0 ||
                        strncmp(evidence, "assumed", strlen("assumed")) == 0);
}

static void test_every_rule_cites_its_evidence(void **state)
{
    (void)state;
    for (size_t i = 0; i < vmmem_threshold_rule_count; i++) {
        assert_true(cites_or_assumes(vmmem_threshold_rules[i].erms_evidence));
        assert_true(cites_or_assumes(vmmem_threshold_rules[i].nt_evidence));
    }
}

static void test_no_rep_movsb_band_without_erms(void **state)
{
    (void)state;
    vmmem_cpu_info no_erms = cpu("GenuineIntel", INTEL_FAMILY, 0, L3_32M);
    vmmem_thresholds t = {0, 4096, L3_32M};
    vmmem_limit_thresholds_to_cpu(&no_erms, &t);
    assert_int_equal(t.erms, SIZE_MAX);
    assert_int_equal(t.nt, L3_32M);
    vmmem_cpu_info erms = cpu("GenuineIntel", INTEL_FAMILY, VMMEM_CPU_ERMS, L3_32M);
    t.erms = 4096;
    vmmem_limit_thresholds_to_cpu(&erms, &t);
    assert_int_equal(t.erms, 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zen5_gets_rep_movsb_and_no_nt_band),
        cmocka_unit_test(test_amd_before_zen5_or_without_fsrm_gets_no_rep_movsb),
        cmocka_unit_test(test_intel_gets_rep_movsb_with_erms_only),
        cmocka_unit_test(test_no_l3_means_no_nt_band),
        cmocka_unit_test(test_last_rule_catches_every_cpu),
        cmocka_unit_test(test_every_rule_cites_its_evidence),
        cmocka_unit_test(test_no_rep_movsb_band_without_erms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
