/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_call_table.h - the call-mode loops: bench_loops_call.c is compiled
 * twice (with -fno-builtin, and with -fno-builtin -fno-plt), and each build
 * publishes one table of every implementation it calls by name, with the
 * loops generated for it from bench_loop_template.h. */
#ifndef VMMEM_BENCH_CALL_TABLE_H
#define VMMEM_BENCH_CALL_TABLE_H

#include <stddef.h>

#include "bench_runner.h"

struct bench_call_entry {
    const char *name;    /* the registry name (as in pointer mode) */
    const char *flavour; /* for a method: the flavour it calls ("avx512", ...); else NULL */
    struct bench_loops loops;
};

extern const struct bench_call_entry bench_call_table_plt[];
extern const size_t bench_call_table_plt_count;
extern const struct bench_call_entry bench_call_table_noplt[];
extern const size_t bench_call_table_noplt_count;

/* The thread count vmmem_memcpy_parallel() is called with in every mode:
 * the CPUs in the process's affinity mask (bench_catalog.c). */
extern unsigned bench_parallel_threads;

#endif /* VMMEM_BENCH_CALL_TABLE_H */
