/* bench_stats.c - medians, geometric means and the monotonic clock. */
#include "bench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
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
