/* bench_output.h - writing results: the terminal table and summary, CSV
 * and JSON. */
#ifndef VMMEM_BENCH_OUTPUT_H
#define VMMEM_BENCH_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include "bench_machine.h"
#include "bench_results.h"

/* How the run was made, for the JSON header. */
struct bench_run_info {
    const char *command; /* the command line */
    int quick;
    unsigned rounds;     /* rounds for small sizes */
    double batch_us;
    double elapsed_s;
    unsigned long long seed;
};

/* CSV: a header line, then one line per result. Returns 0 or -1 on a write error. */
int bench_write_csv(FILE *f, const struct bench_results *r);

/* JSON object {"machine", "run", "results", "summary"}. Returns 0 or -1. */
int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                     const struct bench_results *r, const struct bench_summary_row *rows,
                     size_t nrows);

/* Writes s as a JSON string literal (quotes included). */
void bench_json_string(FILE *f, const char *s);

/* Writes s as one CSV field (quoted when needed). */
void bench_csv_field(FILE *f, const char *s);

/* Terminal table of v[first..last): a block per measured point. */
void bench_print_table(FILE *f, const struct bench_results *r, size_t first, size_t last);

/* Terminal summary: every row. */
void bench_print_summary(FILE *f, const struct bench_summary_row *rows, size_t nrows);

/* One line per class: speedup and % of the store limit of the named
 * implementations side by side (names missing from rows print '-'). */
void bench_print_headline(FILE *f, const struct bench_summary_row *rows, size_t nrows,
                          const char *const *impls, size_t nimpls);

#endif /* VMMEM_BENCH_OUTPUT_H */
