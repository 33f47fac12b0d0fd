/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_stats.c - medians, quartiles, per-round ratios, geometric means,
 * the round shuffle and the monotonic clock. */
#include "bench_stats.h"
#include "bench_rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    if (q <= 0.0)
        return v[0];
    if (q >= 1.0)
        return v[n - 1];
    double pos = q * (double)(n - 1);
    size_t lo = (size_t)pos;
    double frac = pos - (double)lo;
    return lo + 1 < n ? v[lo] + frac * (v[lo + 1] - v[lo]) : v[lo];
}

double bench_median(double *v, size_t n)
{
    return bench_quantile(v, n, 0.5);
}

double bench_geomean(const double *v, size_t n)
{
    double log_sum = 0.0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] > 0.0 && isfinite(v[i])) {
            log_sum += log(v[i]);
            used++;
        }
    }
    return used ? exp(log_sum / (double)used) : NAN;
}

void bench_shuffle(size_t *perm, size_t n, uint64_t *rng)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)bench_rng_below(rng, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

int bench_round_stats(const double *ns, size_t n, unsigned rounds, const size_t *ref,
                      struct bench_measurement *out)
{
    if (rounds == 0)
        return -1;
    double *tmp = malloc(sizeof *tmp * rounds);
    if (!tmp)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const double *row = &ns[i * rounds];
        const double *base = &ns[ref[i] * rounds];
        double best = row[0];
        for (unsigned r = 0; r < rounds; r++) {
            if (row[r] < best)
                best = row[r];
            tmp[r] = base[r] / row[r];
        }
        out[i].speedup = bench_median(tmp, rounds);
        for (unsigned r = 0; r < rounds; r++)
            tmp[r] = row[r] / base[r];
        out[i].ratio = bench_quantile(tmp, rounds, 0.5);
        out[i].ratio_q1 = bench_quantile(tmp, rounds, 0.25);
        out[i].ratio_q3 = bench_quantile(tmp, rounds, 0.75);
        memcpy(tmp, row, sizeof *tmp * rounds);
        out[i].ns_median = bench_median(tmp, rounds);
        out[i].ns_best = best;
        out[i].rounds = rounds;
    }
    free(tmp);
    return 0;
}

int bench_ratio_agrees(double ratio, double ns, double ref_ns, double tol)
{
    if (!(ratio > 0) || !(ns > 0) || !(ref_ns > 0))
        return 0;
    return fabs(ratio / (ns / ref_ns) - 1.0) <= tol;
}

double bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double bench_timer_overhead_ns(void)
{
    double samples[31];
    for (size_t i = 0; i < 31; i++) {
        double t0 = bench_now_ns();
        for (int k = 0; k < 100; k++)
            (void)bench_now_ns();
        samples[i] = (bench_now_ns() - t0) / 101.0;
    }
    return bench_median(samples, 31);
}
