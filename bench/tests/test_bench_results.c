/* test_bench_results.c - statistics, size classes, store-limit percentages,
 * summaries, and the runner on a tiny workload. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_results.h"
#include "bench_runner.h"
#include "bench_stats.h"

#define L2 ((size_t)1 << 20)
#define L3 ((size_t)32 << 20)

static void test_median_and_geomean(void **state)
{
    (void)state;
    double a[] = {5, 1, 3};
    assert_true(bench_median(a, 3) == 3.0);
    double b[] = {4, 1, 3, 2};
    assert_true(bench_median(b, 4) == 2.5);
    assert_true(isnan(bench_median(b, 0)));
    double g[] = {1, 4, NAN, -1, 0};
    assert_true(fabs(bench_geomean(g, 5) - 2.0) < 1e-12);
    assert_true(isnan(bench_geomean(g + 2, 3)));
}

static void add(struct bench_results *r, const char *section, const char *variant, size_t size,
                const char *impl, enum bench_role role, double gbps, double speedup)
{
    struct bench_result x;
    memset(&x, 0, sizeof x);
    snprintf(x.section, sizeof x.section, "%s", section);
    snprintf(x.variant, sizeof x.variant, "%s", variant);
    snprintf(x.impl, sizeof x.impl, "%s", impl);
    x.size = size;
    x.mean_bytes = (double)size;
    x.role = role;
    x.gbps = gbps;
    x.ns_per_call = (double)size / gbps;
    x.speedup = speedup;
    assert_int_equal(bench_results_push(r, &x), 0);
}

static void test_classes(void **state)
{
    (void)state;
    struct bench_result x;
    memset(&x, 0, sizeof x);
    strcpy(x.section, "hot");
    strcpy(x.variant, "aligned");
    static const struct { size_t size; int cls; } want[] = {
        {1, BENCH_CLASS_TINY},       {256, BENCH_CLASS_TINY},     {257, BENCH_CLASS_SMALL},
        {16384, BENCH_CLASS_SMALL},  {16385, BENCH_CLASS_L2},     {L2, BENCH_CLASS_L2},
        {L2 + 1, BENCH_CLASS_L3},    {L3, BENCH_CLASS_L3},        {L3 + 1, BENCH_CLASS_DRAM},
        {(size_t)1 << 30, BENCH_CLASS_DRAM}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        x.size = want[i].size;
        assert_int_equal(bench_result_class(&x, L2, L3), want[i].cls);
    }
    strcpy(x.section, "dist");
    assert_int_equal(bench_result_class(&x, L2, L3), BENCH_CLASS_DIST);
    strcpy(x.section, "cold");
    assert_int_equal(bench_result_class(&x, L2, L3), BENCH_CLASS_COLD);
    strcpy(x.section, "align");
    assert_int_equal(bench_result_class(&x, L2, L3), -1);
    strcpy(x.variant, "dst+1");
    assert_int_equal(bench_result_class(&x, L2, L3), BENCH_CLASS_MISALIGN);
    strcpy(x.variant, "4k-alias");
    assert_int_equal(bench_result_class(&x, L2, L3), BENCH_CLASS_ALIAS);
    char buf[64];
    assert_string_equal(bench_class_label(BENCH_CLASS_L2, L2, L3, buf, sizeof buf),
                        "16 KiB-1 MiB (L2)");
    assert_string_equal(bench_class_label(BENCH_CLASS_DRAM, L2, L3, buf, sizeof buf),
                        "> 32 MiB (beyond L3)");
}

static void test_format_size(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(bench_format_size(1, buf, sizeof buf), "1 B");
    assert_string_equal(bench_format_size(1000, buf, sizeof buf), "1000 B");
    assert_string_equal(bench_format_size(4096, buf, sizeof buf), "4 KiB");
    assert_string_equal(bench_format_size(3 << 20, buf, sizeof buf), "3 MiB");
    assert_string_equal(bench_format_size(1 << 30, buf, sizeof buf), "1 GiB");
    assert_string_equal(bench_format_size(1000000, buf, sizeof buf), "977 KiB");
}

static void test_limits_and_summary(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    /* two sizes in the same class; the store limit is the faster store */
    add(&r, "hot", "aligned", 64, "glibc-memcpy", BENCH_ROLE_REFERENCE, 10, 1.0);
    add(&r, "hot", "aligned", 64, "vmmem-fast", BENCH_ROLE_COPY, 20, 2.0);
    add(&r, "hot", "aligned", 64, "store-only", BENCH_ROLE_STORE_LIMIT, 40, 4.0);
    bench_results_fill_limits(&r, 0);
    size_t mark = r.n;
    add(&r, "hot", "aligned", 128, "glibc-memcpy", BENCH_ROLE_REFERENCE, 10, 1.0);
    add(&r, "hot", "aligned", 128, "vmmem-fast", BENCH_ROLE_COPY, 80, 8.0);
    add(&r, "hot", "aligned", 128, "store-only", BENCH_ROLE_STORE_LIMIT, 50, 5.0);
    add(&r, "hot", "aligned", 128, "store-nt", BENCH_ROLE_STORE_NT_LIMIT, 100, 10.0);
    add(&r, "hot", "aligned", 128, "load-only", BENCH_ROLE_LOAD_LIMIT, 500, 50.0);
    bench_results_fill_limits(&r, mark);
    assert_true(fabs(r.v[1].pct_store - 50.0) < 1e-9);
    assert_true(fabs(r.v[mark + 1].pct_store - 80.0) < 1e-9);
    assert_true(fabs(r.v[mark + 4].pct_store - 500.0) < 1e-9);

    struct bench_summary_row rows[8];
    size_t n = bench_summarize(&r, L2, L3, rows, 8);
    assert_int_equal(n, 2); /* glibc-memcpy and vmmem-fast; limits are not summarised */
    assert_string_equal(rows[0].impl, "glibc-memcpy");
    assert_string_equal(rows[1].impl, "vmmem-fast");
    assert_int_equal(rows[1].cls, BENCH_CLASS_TINY);
    assert_int_equal(rows[1].count, 2);
    assert_true(fabs(rows[1].geo_speedup - 4.0) < 1e-9); /* sqrt(2 * 8) */
    assert_true(fabs(rows[1].min_speedup - 2.0) < 1e-9);
    assert_true(fabs(rows[1].max_speedup - 8.0) < 1e-9);
    assert_true(fabs(rows[1].geo_pct_store - sqrt(50.0 * 80.0)) < 1e-9);
    assert_int_equal(bench_summarize(&r, L2, L3, rows, 1), 1);
    bench_results_free(&r);
}

static void *copy_a(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
static void *copy_b(void *d, const void *s, size_t n) { return memmove(d, s, n); }

static void test_runner_measures(void **state)
{
    (void)state;
    static unsigned char src[1 << 16], dst[1 << 16];
    struct bench_impl a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.fn = copy_a;
    b.fn = copy_b;
    struct bench_impl *impls[] = {&a, &b};
    struct bench_measurement out[2];
    struct bench_measure_cfg cfg = {3, 20000.0};

    struct bench_workload w;
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_FIXED;
    w.src = src;
    w.dst = dst;
    w.size = 1024;
    w.bytes_per_call = 1024;
    assert_int_equal(bench_measure(&w, impls, 2, 0, &cfg, out, NULL, NULL), 0);
    for (int i = 0; i < 2; i++) {
        assert_true(out[i].ns_median > 0 && isfinite(out[i].ns_median));
        assert_true(out[i].ns_best <= out[i].ns_median);
        assert_true(out[i].iters >= 1);
        assert_int_equal(out[i].rounds, 3);
    }
    assert_true(fabs(out[0].speedup - 1.0) < 1e-12); /* the reference against itself */

    /* cold walk stays inside the arenas */
    bench_workload_cold(&w, src, dst, sizeof src, 100);
    assert_int_equal(w.slot_bytes, 256);
    assert_int_equal(w.slot_mask, sizeof src / 256 - 1);
    assert_true(bench_run_batch(&w, copy_a, 5000) > 0);

    /* random ops */
    struct bench_op ops[4] = {{1, 0, 0}, {100, 5, 9}, {0, 3, 3}, {4000, 100, 200}};
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_OPS;
    w.src = src;
    w.dst = dst;
    w.ops = ops;
    w.ops_mask = 3;
    w.bytes_per_call = (1 + 100 + 0 + 4000) / 4.0;
    assert_true(bench_run_batch(&w, copy_b, 6) > 0);
    assert_int_equal(w.op_pos, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_and_geomean),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_limits_and_summary),
        cmocka_unit_test(test_runner_measures),
    };
    return cmocka_run_group_tests_name("bench_results", tests, NULL, NULL);
}
