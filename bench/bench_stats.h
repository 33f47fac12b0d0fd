/* bench_stats.h - the statistics the benchmark reports: medians of rounds,
 * geometric means of ratios, and the monotonic clock used for timing. */
#ifndef VMMEM_BENCH_STATS_H
#define VMMEM_BENCH_STATS_H

#include <stddef.h>

/* Median of v[0..n); sorts v in place. Returns NaN when n == 0. */
double bench_median(double *v, size_t n);

/* Geometric mean of the positive, finite values of v[0..n) (others are
 * ignored). Returns NaN when none is usable. */
double bench_geomean(const double *v, size_t n);

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC). */
double bench_now_ns(void);

/* Median cost of one bench_now_ns() call, in nanoseconds (measured). */
double bench_timer_overhead_ns(void);

#endif /* VMMEM_BENCH_STATS_H */
