/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_output.h - writing results: the terminal tables (a ratio matrix
 * per section and mode, the limits from 1 MiB, the per-class summary, the
 * checks), CSV of every point and of the summary, JSON, and the Markdown
 * summary that docs embed. */
#ifndef VMMEM_BENCH_OUTPUT_H
#define VMMEM_BENCH_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "bench_impls.h"
#include "bench_machine.h"
#include "bench_results.h"

/* How the run was made. */
struct bench_run_info {
    const char *command;  /* the command line */
    const char *commit;   /* the commit measured ("unknown" when not known) */
    int quick;
    unsigned modes;       /* bits 1 << enum bench_mode */
    double batch_us;
    double elapsed_s;
    unsigned long long seed;
    size_t mix_ops;
    const char *rounds;   /* how many rounds, by size, in words */
};

/* The implementations the headline tables and the plot show in colour,
 * A/A first. */
extern const char *const bench_headline_impls[];
extern const size_t bench_headline_count;

/* A short column name: "fast" for vmmem-fast, "A/A" for glibc-memcpy-aa... */
const char *bench_short_name(const char *impl, char *buf, size_t len);

/* CSV: a header line, then one line per point result. Returns 0 or -1. */
int bench_write_csv(FILE *f, const struct bench_results *r);

/* CSV of the summary rows. Returns 0 or -1. */
int bench_write_summary_csv(FILE *f, const struct bench_summary_row *rows, size_t nrows);

/* JSON object {"machine", "run", "modes", "implementations", "results",
 * "summary", "checks"}. Returns 0 or -1 on a write error. */
int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                     const struct bench_registry *reg, const struct bench_results *r,
                     const struct bench_summary_row *rows, size_t nrows,
                     const struct bench_checks *c);

/* Markdown: the run's description, then per mode the headline table and
 * the limits table. Returns 0 or -1. */
int bench_write_markdown(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                         const struct bench_summary_row *rows, size_t nrows,
                         const struct bench_checks *c);

/* Writes s as a JSON string literal (quotes included). */
void bench_json_string(FILE *f, const char *s);

/* Writes s as one CSV field (quoted when needed). */
void bench_csv_field(FILE *f, const char *s);

/* The ratio matrix of v[first..last) in one mode: a row per point, glibc's
 * median ns and the store limit's, then each implementation's time ratio. */
void bench_print_matrix(FILE *f, const struct bench_results *r, size_t first, size_t last,
                        int mode);

/* The limits table of the points of v[first..last) from 1 MiB, in one mode. */
void bench_print_limits(FILE *f, const struct bench_results *r, size_t first, size_t last,
                        int mode);

/* The per-class summary of one mode: the headline implementations, then
 * the limits. */
void bench_print_summary(FILE *f, const struct bench_summary_row *rows, size_t nrows, int mode);

/* Every implementation's geometric mean per class, one mode. */
void bench_print_summary_all(FILE *f, const struct bench_summary_row *rows, size_t nrows,
                             int mode);

/* The A/A, limit and steadiness checks, one paragraph per mode in modes. */
void bench_print_checks(FILE *f, const struct bench_checks *c, unsigned modes);

#endif /* VMMEM_BENCH_OUTPUT_H */
