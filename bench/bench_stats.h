/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_stats.h - the statistics the benchmark reports: medians and
 * quartiles of rounds, per-round time ratios against a baseline measured in
 * the same round, geometric means, the shuffled round order, and the
 * monotonic clock used for timing. */
#ifndef VMMEM_BENCH_STATS_H
#define VMMEM_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Median of v[0..n); sorts v in place. Returns NaN when n == 0. */
double bench_median(double *v, size_t n);

/* Quantile q (0..1) of v[0..n) by linear interpolation between the sorted
 * values (q = 0.5 is the median); sorts v in place. NaN when n == 0. */
double bench_quantile(double *v, size_t n, double q);

/* Geometric mean of the positive, finite values of v[0..n) (others are
 * ignored). Returns NaN when none is usable. */
double bench_geomean(const double *v, size_t n);

/* Fills perm[0..n) with a uniformly random permutation of 0..n-1 drawn from
 * *rng (Fisher-Yates; *rng advances). */
void bench_shuffle(size_t *perm, size_t n, uint64_t *rng);

/* What one implementation measured at one point, over the rounds. */
struct bench_measurement {
    double ns_median;     /* median over rounds of ns per call */
    double ns_best;       /* fastest round */
    double ratio;         /* median over rounds of (this ns / baseline ns), both from the same
                             round: the time ratio, < 1 is faster than the baseline */
    double ratio_q1;      /* first and third quartiles of those per-round ratios */
    double ratio_q3;
    double speedup;       /* median over rounds of (baseline ns / this ns): 1 / ratio */
    unsigned long iters;  /* calls per batch */
    unsigned rounds;
    unsigned reruns;      /* extra batches run because the thread was switched out */
};

/* The figures of n implementations from their per-round times:
 * ns[i * rounds + r] is implementation i's ns per call in round r, and
 * ref[i] the index of the baseline i is compared with (ref[i] == i for a
 * baseline). Fills out[i] (not iters). Returns 0, or -1 when out of memory
 * or rounds == 0. */
int bench_round_stats(const double *ns, size_t n, unsigned rounds, const size_t *ref,
                      struct bench_measurement *out);

/* Whether a median of per-round ratios agrees with the ratio of the two
 * medians (ns / ref_ns) within the relative tolerance tol. When they
 * disagree, the rounds were unsteady and the printed ratio cannot be
 * recomputed from the printed medians; the output marks it. */
int bench_ratio_agrees(double ratio, double ns, double ref_ns, double tol);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
double bench_now_ns(void);

/* Median cost of one bench_now_ns() call, in nanoseconds (measured). */
double bench_timer_overhead_ns(void);

#endif /* VMMEM_BENCH_STATS_H */
