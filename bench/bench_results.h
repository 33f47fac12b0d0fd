/* bench_results.h - result records of a run, their store-limit percentages,
 * and the per-size-class summary (geometric means). */
#ifndef VMMEM_BENCH_RESULTS_H
#define VMMEM_BENCH_RESULTS_H

#include <stddef.h>

#include "bench_impls.h"

struct bench_result {
    char section[8];     /* "hot", "cold", "align", "dist" */
    char variant[40];    /* alignment case ("aligned", "src+1", ...) or distribution name */
    size_t size;         /* bytes per call; 0 for a distribution */
    double mean_bytes;   /* bytes per call (the mean for a distribution) */
    unsigned src_off;    /* offsets of src and dst within their pages (fixed sizes) */
    unsigned dst_off;
    char impl[32];
    enum bench_role role;
    double ns_per_call;  /* median over rounds */
    double ns_best;      /* fastest round */
    double gbps;         /* mean_bytes / ns_per_call (10^9 bytes per second) */
    double speedup;      /* median per-round (glibc memcpy ns / this ns); > 1 is faster */
    double pct_store;    /* gbps as % of the best store-only rate at this point; NaN if none */
    unsigned rounds;
    unsigned long iters; /* calls per timed batch */
    int wrong;           /* the copy's result was checked and was wrong */
};

struct bench_results {
    struct bench_result *v;
    size_t n, cap;
};

/* Appends a copy of x. Returns 0 or -1 (out of memory). */
int bench_results_push(struct bench_results *r, const struct bench_result *x);
void bench_results_free(struct bench_results *r);

/* Fills pct_store of v[first..n) from the store limits among them (the
 * faster of store-only and store-nt at the same section/variant/size). */
void bench_results_fill_limits(struct bench_results *r, size_t first);

/* Summary classes. */
enum bench_class {
    BENCH_CLASS_TINY = 0, /* hot aligned, 0-256 B */
    BENCH_CLASS_SMALL,    /* hot aligned, 257 B - 16 KiB */
    BENCH_CLASS_L2,       /* hot aligned, 16 KiB - L2 */
    BENCH_CLASS_L3,       /* hot aligned, L2 - L3 */
    BENCH_CLASS_DRAM,     /* hot aligned, beyond L3 */
    BENCH_CLASS_DIST,     /* random sizes from the distributions */
    BENCH_CLASS_COLD,     /* cold-cache fixed sizes */
    BENCH_CLASS_MISALIGN, /* src+1, dst+1, src+1/dst+3 */
    BENCH_CLASS_ALIAS,    /* 4 KiB aliasing */
    BENCH_CLASS_COUNT
};

/* Which class a result belongs to, or -1. l2 and l3 are cache sizes in bytes. */
int bench_result_class(const struct bench_result *x, size_t l2, size_t l3);

/* Label of a class, e.g. "16 KiB-1 MiB (L2)". */
const char *bench_class_label(int cls, size_t l2, size_t l3, char *buf, size_t len);

/* Formats a byte count compactly: "64 B", "4 KiB", "1000 B", "1.5 MiB". */
const char *bench_format_size(size_t bytes, char *buf, size_t len);

struct bench_summary_row {
    int cls;
    char label[48];
    char impl[32];
    size_t count;        /* results that went into the means */
    double geo_speedup;  /* geometric mean of speedups vs glibc memcpy */
    double min_speedup, max_speedup;
    double geo_pct_store; /* geometric mean of % of the store limit */
};

/* One row per (class, copy implementation) that has results, in class
 * order, implementations in first-seen order. Returns the number of rows
 * written (at most max). */
size_t bench_summarize(const struct bench_results *r, size_t l2, size_t l3,
                       struct bench_summary_row *rows, size_t max);

#endif /* VMMEM_BENCH_RESULTS_H */
