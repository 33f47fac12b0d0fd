/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_options.h - the command line of vmmem-bench: parsing and --help. */
#ifndef VMMEM_BENCH_OPTIONS_H
#define VMMEM_BENCH_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_SIZES 256
#define BENCH_MAX_NAMES 64
#define BENCH_MAX_DISTS 16
#define BENCH_NAME_LEN 32

/* Parts of the suite (bits of bench_options.sections). */
enum bench_section {
    BENCH_SEC_HOT = 1u << 0,   /* fixed sizes, same buffers every call */
    BENCH_SEC_COLD = 1u << 1,  /* fixed sizes, src and dst not in any cache */
    BENCH_SEC_ALIGN = 1u << 2, /* misalignment and 4 KiB aliasing cases */
    BENCH_SEC_MIX = 1u << 3,   /* random sizes from distribution files, random offsets */
    BENCH_SEC_ALL = 0xfu
};

struct bench_options {
    int help;                /* --help: print usage and exit 0 */
    int list;                /* --list: print the implementations and exit 0 */
    int quick;               /* --quick: smoke-test scale */
    unsigned sections;       /* bits of enum bench_section */
    size_t sizes[BENCH_MAX_SIZES]; /* --sizes; n_sizes == 0: the default list */
    size_t n_sizes;
    char impls[BENCH_MAX_NAMES][BENCH_NAME_LEN]; /* --impl; n_impls == 0: all */
    size_t n_impls;
    const char *dists[BENCH_MAX_DISTS]; /* --dist (repeatable); none: the shipped ones */
    size_t n_dists;
    unsigned modes;          /* --mode: bits 1 << enum bench_mode */
    unsigned rounds;         /* --rounds; 0: default */
    double batch_us;         /* --batch-us; 0: default */
    size_t mix_ops;          /* --mix-ops: calls in a pre-generated mix (a power of two); 0: default */
    double aa_tol;           /* --aa-tolerance, as a fraction (default 0.03) */
    const char *csv_path;    /* --csv: every point */
    const char *summary_csv_path; /* --summary-csv */
    const char *json_path;   /* --json */
    const char *md_path;     /* --markdown: the summary tables */
    const char *plot_prefix; /* --plot */
    const char *commit;      /* --commit: the commit measured, for titles and headers */
    int pin;                 /* 1 unless --no-pin */
    int cpu;                 /* --cpu; -1: the CPU the program starts on */
    uint64_t seed;           /* --seed */
};

/* Fills o with the defaults. */
void bench_options_init(struct bench_options *o);

/* Parses argv[1..argc). Returns 0, or -1 with a one-line message in err.
 * String options point into argv. */
int bench_options_parse(struct bench_options *o, int argc, char **argv, char *err, size_t errlen);

/* Parses a byte count: digits with an optional K, M or G suffix (powers of
 * 1024; "KiB", "MiB", "GiB" and lower case accepted). Returns 0 or -1. */
int bench_parse_size(const char *s, size_t *out);

/* Parses a comma-separated list of byte counts (each 1 B .. 64 GiB) into
 * out[0..max). Returns the count, or -1 with a message in err. */
int bench_parse_size_list(const char *s, size_t *out, size_t max, char *err, size_t errlen);

void bench_options_usage(FILE *f, const char *prog);

#endif /* VMMEM_BENCH_OPTIONS_H */
