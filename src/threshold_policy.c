/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/threshold_policy.c - the default thresholds' rules (threshold_policy.h):
 * which CPU gets which rep movsb and non-temporal band, and why.
 *
 * The measurements cited were made on the reference machine, an AMD EPYC
 * Zen 5 KVM guest (family 0x1A, L1d 48 KiB, L3 32 MiB): docs/performance.md,
 * "Before and after", levers 2 (rep movsb from L1d/2), 4 (NT at the L3 size)
 * and 8 (NT off on Zen 5). No other CPU was available: a rule for another
 * one says what it assumes. vmmem-tune measures the machine at hand and
 * writes a config file that overrides any of them (docs/tuning.md). */
#include <stdint.h>
#include <string.h>

#include "threshold_policy.h"

/* AMD's family 0x1A is Zen 5. */
#define AMD_ZEN5_FAMILY 0x1A

/* The rep movsb threshold's evidence: hot copies, GB/s, dst at page offset
 * 2048 (and the same with dst+1, dst+15, src+7, src+1/dst+3, 4 KiB aliasing):
 *            16 KiB  24 KiB  32 KiB  128 KiB  1 MiB  4 MiB
 * AVX-512     272     272      97     102      61     66
 * rep movsb   167     171     171     136      75     69
 * at exactly L1d / 2 (24 KiB) the vector loop still wins, so the band starts
 * at L1d / 2 + 1 (1c0770e). vmmem-tune's finer ladder agrees: loop 271 vs
 * 171 GB/s at 23 KiB, 93 vs 159 at 27 KiB (docs/tuning.md). */
#define ERMS_MEASURED "measured on Zen 5: docs/performance.md, Before and after, lever 2 (cbac936, 1c0770e)"

/* The non-temporal threshold's evidence: one copy at a time on Zen 5, GB/s,
 * ordinary stores (rep movsb) against non-temporal ones: 12 MiB 66.5/42.1,
 * 24 MiB 41.0/32.9, 32 MiB 34.3/34.0, 256 MiB 29.3/28.3: level from the L3
 * size on, and non-temporal stores then leave the cache to the program. */
#define NT_MEASURED "measured on Zen 5: docs/performance.md, Before and after, lever 4 (cbac936)"

const vmmem_threshold_rule vmmem_threshold_rules[] = {
    /* Zen 5 and later: rep movsb is fast with a misaligned dst too, and
     * beyond the L3 it is as fast as non-temporal stores and spares the
     * cache as well (a 64 MiB copy, then reading 512 KiB that was in L2:
     * 7.4 us after rep movsb, 10.7 after NT stores, 10.9-11.5 after a
     * vector loop), so the NT band adds nothing there. */
    {"AuthenticAMD", AMD_ZEN5_FAMILY, VMMEM_CPU_ERMS | VMMEM_CPU_FSRM, VMMEM_ERMS_ABOVE_HALF_L1D, ERMS_MEASURED,
     VMMEM_NT_OFF, "measured on Zen 5: docs/performance.md, Before and after, lever 8 (f79bf6e)"},
    /* Intel with ERMS: the Zen 5 rule (the band from where src and dst
     * overflow L1d) is taken over, not measured. */
    {"GenuineIntel", 0, VMMEM_CPU_ERMS, VMMEM_ERMS_ABOVE_HALF_L1D,
     "assumed: ERMS taken at its word on Intel; the L1d/2 rule was measured on Zen 5 only",
     VMMEM_NT_AT_L3, "assumed: the Zen 5 measurement (lever 4) taken over; no Intel machine measured"},
    /* Everything else (AMD before Zen 5, x86 without ERMS, AArch64, s390x):
     * no rep movsb band, NT stores from the L3 size. */
    {NULL, 0, 0, VMMEM_ERMS_OFF,
     "assumed: rep movsb not known to be fast (AMD Zen 3/4: reported up to 20x slower with a misaligned dst; "
     "no such machine was available), and non-x86 CPUs have none",
     VMMEM_NT_AT_L3, NT_MEASURED "; without an L3 there is nothing to measure against: off (assumed)"},
};
const size_t vmmem_threshold_rule_count = sizeof vmmem_threshold_rules / sizeof vmmem_threshold_rules[0];

static int rule_matches(const vmmem_threshold_rule *r, const vmmem_cpu_info *cpu)
{
    return (!r->vendor || strcmp(r->vendor, cpu->vendor) == 0) && cpu->family >= r->min_family &&
           (cpu->features & r->required_features) == r->required_features;
}

const vmmem_threshold_rule *vmmem_threshold_rule_for(const vmmem_cpu_info *cpu)
{
    for (size_t i = 0; i + 1 < vmmem_threshold_rule_count; i++)
        if (rule_matches(&vmmem_threshold_rules[i], cpu))
            return &vmmem_threshold_rules[i];
    return &vmmem_threshold_rules[vmmem_threshold_rule_count - 1]; /* matches every CPU */
}

void vmmem_default_thresholds(const vmmem_cpu_info *cpu, vmmem_thresholds *t)
{
    const vmmem_threshold_rule *r = vmmem_threshold_rule_for(cpu);
    t->simd = 0;
    t->erms = r->erms == VMMEM_ERMS_ABOVE_HALF_L1D ? cpu->l1d_bytes / 2 + 1 : SIZE_MAX;
    t->nt = r->nt == VMMEM_NT_AT_L3 && cpu->l3_bytes ? cpu->l3_bytes : SIZE_MAX;
}

void vmmem_limit_thresholds_to_cpu(const vmmem_cpu_info *cpu, vmmem_thresholds *t)
{
    if (!(cpu->features & VMMEM_CPU_ERMS))
        t->erms = SIZE_MAX;
}
