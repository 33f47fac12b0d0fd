/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_stats.c - the statistics: medians and quartiles, geometric
 * means, the round shuffle, per-round ratios against the baseline of the
 * same round, and the steadiness check that says when a median of ratios
 * cannot be recomputed from the medians. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_median_and_quantiles(void **state)
{
    (void)state;
    double a[] = {5, 1, 4, 2, 3};
    assert_true(NEAR(bench_median(a, 5), 3.0));
    double b[] = {4, 1, 3, 2};
    assert_true(NEAR(bench_median(b, 4), 2.5));
    double c[] = {10, 20, 30, 40, 50};
    assert_true(NEAR(bench_quantile(c, 5, 0.25), 20.0));
    assert_true(NEAR(bench_quantile(c, 5, 0.75), 40.0));
    assert_true(NEAR(bench_quantile(c, 5, 0.0), 10.0));
    assert_true(NEAR(bench_quantile(c, 5, 1.0), 50.0));
    double d[] = {0, 10};
    assert_true(NEAR(bench_quantile(d, 2, 0.3), 3.0));
    double one[] = {7};
    assert_true(NEAR(bench_quantile(one, 1, 0.25), 7.0));
    assert_true(isnan(bench_median(NULL, 0)));
}

static void test_geomean(void **state)
{
    (void)state;
    double v[] = {2, 8};
    assert_true(NEAR(bench_geomean(v, 2), 4.0));
    double w[] = {0.5, 2, NAN, -1, 0, INFINITY};
    assert_true(NEAR(bench_geomean(w, 6), 1.0)); /* only 0.5 and 2 count */
    double none[] = {NAN, 0};
    assert_true(isnan(bench_geomean(none, 2)));
}

static void test_shuffle_is_a_permutation_that_varies(void **state)
{
    (void)state;
    enum { N = 17 };
    size_t p[N], first[N];
    uint64_t rng = 3;
    int differs = 0, moved = 0;
    for (int round = 0; round < 50; round++) {
        bench_shuffle(p, N, &rng);
        int seen[N] = {0};
        for (size_t i = 0; i < N; i++) {
            assert_true(p[i] < N);
            assert_false(seen[p[i]]);
            seen[p[i]] = 1;
            moved |= p[i] != i;
        }
        if (round == 0)
            memcpy(first, p, sizeof p);
        else
            differs |= memcmp(first, p, sizeof p) != 0;
    }
    assert_true(moved);
    assert_true(differs);
    /* every position is taken by every element sometimes: no fixed order */
    size_t count[N][N];
    memset(count, 0, sizeof count);
    for (int round = 0; round < 4000; round++) {
        bench_shuffle(p, N, &rng);
        for (size_t i = 0; i < N; i++)
            count[i][p[i]]++;
    }
    for (size_t i = 0; i < N; i++)
        for (size_t k = 0; k < N; k++)
            assert_true(count[i][k] > 100 && count[i][k] < 400); /* 4000/17 = 235 */
    size_t one;
    bench_shuffle(&one, 1, &rng);
    assert_int_equal(one, 0);
}

/* The ratio pairs each round's time with the baseline's in that round:
 * a drift that slows everything in round 2 cancels. */
static void test_round_stats_pair_rounds(void **state)
{
    (void)state;
    enum { R = 3 };
    /* impl 0 = baseline, 1 = half its time, 2 = an A/A twin, 3 = compared with impl 2 */
    const double ns[4 * R] = {10, 40, 20, 5, 20, 10, 10, 40, 20, 30, 120, 60};
    const size_t ref[4] = {0, 0, 0, 2};
    struct bench_measurement m[4];
    assert_int_equal(bench_round_stats(ns, 4, R, ref, m), 0);
    assert_true(NEAR(m[0].ratio, 1.0));
    assert_true(NEAR(m[0].speedup, 1.0));
    assert_true(NEAR(m[1].ratio, 0.5));
    assert_true(NEAR(m[1].speedup, 2.0));
    assert_true(NEAR(m[1].ratio_q1, 0.5) && NEAR(m[1].ratio_q3, 0.5));
    assert_true(NEAR(m[2].ratio, 1.0));
    assert_true(NEAR(m[3].ratio, 3.0));
    assert_true(NEAR(m[0].ns_median, 20.0));
    assert_true(NEAR(m[1].ns_median, 10.0));
    assert_true(NEAR(m[1].ns_best, 5.0));
    assert_int_equal(m[1].rounds, R);
    assert_int_equal(bench_round_stats(ns, 4, 0, ref, m), -1);
}

/* A median of per-round ratios can differ from the ratio of the medians;
 * bench_ratio_agrees() is what marks such a row. */
static void test_median_of_ratios_vs_ratio_of_medians(void **state)
{
    (void)state;
    enum { R = 3 };
    const double ns[2 * R] = {10, 10, 40, /* baseline */ 10, 20, 20};
    const size_t ref[2] = {0, 0};
    struct bench_measurement m[2];
    assert_int_equal(bench_round_stats(ns, 2, R, ref, m), 0);
    /* per-round ratios 1, 2, 0.5: median 1; medians 10 and 20: ratio 2 */
    assert_true(NEAR(m[1].ratio, 1.0));
    assert_true(NEAR(m[1].ratio_q1, 0.75));
    assert_true(NEAR(m[1].ratio_q3, 1.5));
    assert_true(NEAR(m[1].ns_median / m[0].ns_median, 2.0));
    assert_false(bench_ratio_agrees(m[1].ratio, m[1].ns_median, m[0].ns_median, 0.05));
    assert_true(bench_ratio_agrees(1.02, 10.0, 10.0, 0.05));
    assert_true(bench_ratio_agrees(0.5, 5.0, 10.2, 0.05));
    assert_false(bench_ratio_agrees(1.06, 10.0, 10.0, 0.05));
    assert_false(bench_ratio_agrees(NAN, 10.0, 10.0, 0.05));
    assert_false(bench_ratio_agrees(1.0, 0.0, 10.0, 0.05));
}

static void test_clock_moves(void **state)
{
    (void)state;
    double a = bench_now_ns(), b = bench_now_ns();
    assert_true(b >= a);
    assert_true(bench_timer_overhead_ns() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_and_quantiles),
        cmocka_unit_test(test_geomean),
        cmocka_unit_test(test_shuffle_is_a_permutation_that_varies),
        cmocka_unit_test(test_round_stats_pair_rounds),
        cmocka_unit_test(test_median_of_ratios_vs_ratio_of_medians),
        cmocka_unit_test(test_clock_moves),
    };
    return cmocka_run_group_tests_name("bench_stats", tests, NULL, NULL);
}
