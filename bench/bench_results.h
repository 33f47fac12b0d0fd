/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_results.h - the result records of a run; the limits measured in
 * the same run at each point (the store limit, the best copy method); the
 * summary classes and the per-class summary; and the checks the output
 * reports (the A/A control, copies faster than a limit, unsteady ratios). */
#ifndef VMMEM_BENCH_RESULTS_H
#define VMMEM_BENCH_RESULTS_H

#include <stddef.h>

#include "bench_impls.h"

struct bench_result {
    int mode;            /* enum bench_mode */
    char section[8];     /* "hot", "cold", "align", "mix" */
    char variant[40];    /* alignment case ("aligned", "src+1", ...), or the mix's name */
    size_t size;         /* bytes per call; 0 for a mix */
    size_t ws_bytes;     /* a mix: the size of each of its two working sets; else 0 */
    double mean_bytes;   /* bytes per call (the mean for a mix) */
    unsigned src_off;    /* offsets of src and dst within their pages (fixed sizes) */
    unsigned dst_off;
    char impl[32];
    enum bench_role role;
    unsigned flags;      /* BENCH_F_* of the implementation */
    double ns_per_call;  /* median over rounds */
    double ns_best;      /* fastest round */
    double gbps;         /* mean_bytes / ns_per_call (10^9 bytes per second) */
    double ratio;        /* median over rounds of (ns / glibc ns) in the same round and mode:
                            the time ratio, < 1 is faster than glibc memcpy */
    double ratio_q1, ratio_q3; /* quartiles of those per-round ratios */
    int unsteady;        /* ratio differs from ns_per_call / glibc's ns_per_call by more
                            than BENCH_UNSTEADY_TOL: the rounds disagreed */
    double store_limit_ns;     /* the fastest store-only method at this point; NaN if none */
    char store_limit_by[32];   /* which method that was */
    double pct_store;          /* 100 * store_limit_ns / ns_per_call */
    double best_copy_ns;       /* the fastest copy method at this point; NaN if none */
    char best_copy_by[32];
    double pct_best_copy;      /* 100 * best_copy_ns / ns_per_call */
    unsigned rounds;
    unsigned reruns;     /* extra batches run because the thread was switched out */
    unsigned long iters; /* calls per timed batch */
    int wrong;           /* the copy's result was checked and was wrong */
};

/* The best copy method measured is a limit for aligned hot and cold fixed
 * sizes from this one up (where the plain copy loops are measured too). */
#define BENCH_BEST_COPY_FROM ((size_t)1 << 20)

/* Whether x's point has a best copy method (see BENCH_BEST_COPY_FROM). */
int bench_has_best_copy(const struct bench_result *x);

/* When a median of per-round ratios and the ratio of the medians differ by
 * more than this (relative), the result is marked unsteady. */
#define BENCH_UNSTEADY_TOL 0.05

struct bench_results {
    struct bench_result *v;
    size_t n, cap;
};

/* Appends a copy of x. Returns 0 or -1 (out of memory). */
int bench_results_push(struct bench_results *r, const struct bench_result *x);
void bench_results_free(struct bench_results *r);

/* Whether two results are of the same point (mode, section, variant, size,
 * working set). */
int bench_same_point(const struct bench_result *a, const struct bench_result *b);

/* For v[first..n): the store limit and the best copy method at each point
 * (the fastest of the STORE_LIMIT results, and where bench_has_best_copy()
 * of the BENCH_F_COPY_METHOD ones, at that point), each result's percentage of them, and the unsteady
 * mark (from the glibc baseline's median at that point). */
void bench_results_fill_limits(struct bench_results *r, size_t first);

/* Summary classes: the mixes first (one class per mix and working set, in
 * the order first seen), then the fixed ones below. */
enum bench_class {
    BENCH_CLASS_HOT_1_15 = 0, /* hot, aligned, 1-15 B */
    BENCH_CLASS_HOT_16_128,   /* 16-128 B */
    BENCH_CLASS_HOT_129_256,  /* 129-256 B */
    BENCH_CLASS_HOT_257_16K,  /* 257 B-16 KiB (16 KiB included) */
    BENCH_CLASS_HOT_16K,      /* exactly 16 KiB */
    BENCH_CLASS_HOT_L2,       /* 16 KiB < size < 1 MiB */
    BENCH_CLASS_HOT_1M_4M,    /* 1-4 MiB */
    BENCH_CLASS_HOT_L3,       /* 4 MiB < size < 64 MiB */
    BENCH_CLASS_HOT_64M,      /* exactly 64 MiB */
    BENCH_CLASS_HOT_256M,     /* exactly 256 MiB */
    BENCH_CLASS_COLD_SMALL,   /* cold, up to 4 MiB (arena walk) */
    BENCH_CLASS_COLD_64M,     /* cold (caches swept), 64 MiB */
    BENCH_CLASS_COLD_256M,    /* cold (caches swept), 256 MiB */
    BENCH_CLASS_MISALIGN,     /* src+1, dst+1, src+1/dst+3 */
    BENCH_CLASS_ALIAS,        /* 4 KiB aliasing */
    BENCH_CLASS_FIXED_COUNT
};

/* The fixed class of a result, or -1 (a mix, or a point in no class). A
 * point may be in two classes: 16 KiB is in 257 B-16 KiB and 16 KiB; see
 * bench_result_in_class(). */
int bench_result_in_class(const struct bench_result *x, int cls);

/* Label of a fixed class, e.g. "hot 16-128 B". */
const char *bench_class_label(int cls);

/* Formats a byte count compactly: "64 B", "4 KiB", "1000 B", "1.5 MiB". */
const char *bench_format_size(size_t bytes, char *buf, size_t len);

/* A point's short label: "64 B", "small-heavy, 1 MiB ws", "1000 B src+1". */
const char *bench_point_label(const struct bench_result *x, char *buf, size_t len);

struct bench_summary_row {
    int mode;
    int key;             /* sort key: mixes 0.., fixed classes BENCH_CLASS_KEY_BASE + class */
    char label[96];
    char impl[32];
    enum bench_role role;
    unsigned flags;
    size_t count;        /* points that went into the means */
    double geo_ratio;    /* geometric mean over the points of the time ratio vs glibc */
    double min_ratio, max_ratio;
    char min_at[96], max_at[96]; /* the points of the min and the max */
    double geo_pct_store;     /* geometric mean of % of the store limit (NaN: none) */
    double geo_pct_best_copy; /* geometric mean of % of the best copy method (NaN: none) */
    size_t count_pct_store, count_pct_best_copy; /* points those means are over */
};
#define BENCH_CLASS_KEY_BASE 1000

/* One row per (mode, class, copy implementation) with results, sorted by
 * mode, class, then the implementation's first appearance. Returns the
 * number of rows, or (size_t)-1 when out of memory. *rows is malloc'ed. */
size_t bench_summarize(const struct bench_results *r, struct bench_summary_row **rows);

/* The row of (mode, label, impl), or NULL. */
const struct bench_summary_row *bench_summary_find(const struct bench_summary_row *rows,
                                                   size_t n, int mode, const char *label,
                                                   const char *impl);

/* What the output must warn about, per mode. */
struct bench_checks {
    double aa_tol;             /* the A/A tolerance: |A/A ratio - 1| <= aa_tol is fine */
    size_t aa_points[BENCH_MODE_COUNT], aa_outside[BENCH_MODE_COUNT];
    double aa_worst[BENCH_MODE_COUNT];        /* the A/A ratio furthest from 1, per mode */
    char aa_worst_at[BENCH_MODE_COUNT][96];
    size_t aa_classes_outside[BENCH_MODE_COUNT]; /* classes whose A/A geomean is outside the tolerance */
    size_t over_limit[BENCH_MODE_COUNT];      /* copies faster than the store limit by more than aa_tol */
    double over_limit_worst[BENCH_MODE_COUNT]; /* the highest % of the store limit among them */
    char over_limit_at[BENCH_MODE_COUNT][160];
    size_t unsteady[BENCH_MODE_COUNT];        /* results marked unsteady */
    size_t reruns[BENCH_MODE_COUNT];          /* extra batches run after context switches */
    size_t batches[BENCH_MODE_COUNT];         /* timed batches (rounds), all results */
    size_t results[BENCH_MODE_COUNT];         /* copy results, per mode */
};

/* Fills c (aa_tol set by the caller) from the results and summary rows. */
void bench_check(const struct bench_results *r, const struct bench_summary_row *rows, size_t nrows,
                 struct bench_checks *c);

#endif /* VMMEM_BENCH_RESULTS_H */
