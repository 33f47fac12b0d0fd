/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/threshold_policy.h - the default size thresholds as data: one table
 * of rules keyed by CPU vendor, family and features (threshold_policy.c),
 * each rule citing the measurement behind it or saying `assumed`. The
 * start-up takes the first rule that matches the CPU, then applies the
 * config file and the environment (env_config.c), then the CPU's limits. */
#ifndef VMMEM_SRC_THRESHOLD_POLICY_H
#define VMMEM_SRC_THRESHOLD_POLICY_H

#include <vmmem/cpu.h>

/* Where the rep movsb band starts. */
typedef enum vmmem_erms_rule {
    VMMEM_ERMS_OFF,            /* never */
    VMMEM_ERMS_ABOVE_HALF_L1D  /* n > L1d / 2: src and dst no longer fit in L1d together */
} vmmem_erms_rule;

/* Where the non-temporal band (vmmem_memcpy_adaptive) starts. */
typedef enum vmmem_nt_rule {
    VMMEM_NT_OFF,     /* never */
    VMMEM_NT_AT_L3    /* the whole L3's size; never without an L3 */
} vmmem_nt_rule;

/* One row: a CPU it matches and the thresholds it gives, with evidence. */
typedef struct vmmem_threshold_rule {
    const char *vendor;         /* CPUID vendor string; NULL: any */
    unsigned min_family;        /* x86 display family from which it matches (0: any) */
    unsigned required_features; /* VMMEM_CPU_* bits the CPU must have */
    vmmem_erms_rule erms;
    const char *erms_evidence;  /* a doc section / commit, or "assumed: why" */
    vmmem_nt_rule nt;
    const char *nt_evidence;
    /* simd is 0 (no scalar band) by every rule: the vector kernels are never
     * slower than the scalar one on any size measured (docs/performance.md). */
} vmmem_threshold_rule;

/* The rules, first match wins; the last matches every CPU. */
extern const vmmem_threshold_rule vmmem_threshold_rules[];
extern const size_t vmmem_threshold_rule_count;

/* The rule that applies to `cpu`. */
const vmmem_threshold_rule *vmmem_threshold_rule_for(const vmmem_cpu_info *cpu);

/* This CPU's default thresholds, by its rule. */
void vmmem_default_thresholds(const vmmem_cpu_info *cpu, vmmem_thresholds *t);

/* What the CPU cannot do, whatever the settings say: no rep movsb band
 * without ERMS. Applied after the overrides. */
void vmmem_limit_thresholds_to_cpu(const vmmem_cpu_info *cpu, vmmem_thresholds *t);

#endif /* VMMEM_SRC_THRESHOLD_POLICY_H */
