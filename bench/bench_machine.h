/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_machine.h - describing the machine a run was made on (CPU model,
 * what libvmmem detected and chose, compiler and flags, the CPUs the
 * process may run on) and pinning the benchmark to one CPU. */
#ifndef VMMEM_BENCH_MACHINE_H
#define VMMEM_BENCH_MACHINE_H

#include <stddef.h>
#include <stdio.h>

struct bench_machine {
    char cpu_model[128];   /* /proc/cpuinfo "model name" */
    char cpu_family[48];   /* family/model/stepping as numbers */
    char vendor[16];       /* from libvmmem */
    char features[160];    /* libvmmem feature bits, as names */
    char isa_active[16];   /* ISA the copy calls use */
    char isa_best[16];     /* best ISA for this CPU */
    char isa_env[32];      /* VMMEM_ISA, if set */
    size_t l1d, l2, l3, l3_share;
    unsigned l3_sharing;
    char cache_source[16];
    size_t thr_simd, thr_erms, thr_nt; /* vmmem_memcpy_adaptive thresholds */
    char compiler[128];    /* __VERSION__ */
    char cflags[512];      /* build type and flags of the benchmark */
    char libc[32];
    char kernel[208];
    char thp[32];          /* transparent huge pages setting */
    unsigned allowed_cpus; /* CPUs in the affinity mask at start (sched_getaffinity) */
    int pinned_cpu;        /* -1 if not pinned */
    char pin_note[96];
    char date[40];         /* UTC, ISO 8601 */
    double timer_ns;       /* cost of one clock read */
};

void bench_machine_collect(struct bench_machine *m);

/* Pins the calling thread to cpu (or, if cpu < 0, to the CPU it runs on)
 * when want_pin; records the outcome in m. */
void bench_machine_pin(struct bench_machine *m, int want_pin, int cpu);

void bench_machine_print(FILE *f, const struct bench_machine *m);

#endif /* VMMEM_BENCH_MACHINE_H */
