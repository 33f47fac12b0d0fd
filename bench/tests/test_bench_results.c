/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_results.c - the limits at each point (store limit, best copy
 * method, the unsteady mark), the summary classes, the per-class summary,
 * the output's checks, and the runner's loops and batches. */
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

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)
#define MiB ((size_t)1 << 20)

static struct bench_result *add(struct bench_results *r, int mode, const char *section,
                                const char *variant, size_t size, const char *impl,
                                enum bench_role role, double ns, double ratio)
{
    struct bench_result x;
    memset(&x, 0, sizeof x);
    x.mode = mode;
    snprintf(x.section, sizeof x.section, "%s", section);
    snprintf(x.variant, sizeof x.variant, "%s", variant);
    x.size = size;
    x.mean_bytes = (double)size;
    snprintf(x.impl, sizeof x.impl, "%s", impl);
    x.role = role;
    x.ns_per_call = ns;
    x.ratio = ratio;
    assert_int_equal(bench_results_push(r, &x), 0);
    return &r->v[r->n - 1];
}

static void test_store_limit_is_the_fastest_store_method(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    add(&r, 0, "hot", "aligned", 64, "glibc-memcpy", BENCH_ROLE_REFERENCE, 10, 1.0);
    add(&r, 0, "hot", "aligned", 64, "vmmem-fast", BENCH_ROLE_COPY, 8, 0.8);
    add(&r, 0, "hot", "aligned", 64, "store-vec", BENCH_ROLE_STORE_LIMIT, 6, 0.6);
    add(&r, 0, "hot", "aligned", 64, "store-stosb", BENCH_ROLE_STORE_LIMIT, 4, 0.4);
    add(&r, 0, "hot", "aligned", 64, "load-only", BENCH_ROLE_LOAD_LIMIT, 2, 0.2);
    /* another mode at the same point has its own limit */
    add(&r, 1, "hot", "aligned", 64, "glibc-memcpy", BENCH_ROLE_REFERENCE, 12, 1.0);
    add(&r, 1, "hot", "aligned", 64, "store-vec", BENCH_ROLE_STORE_LIMIT, 9, 0.75);
    bench_results_fill_limits(&r, 0);
    assert_true(NEAR(r.v[1].store_limit_ns, 4.0));
    assert_string_equal(r.v[1].store_limit_by, "store-stosb");
    assert_true(NEAR(r.v[1].pct_store, 50.0));  /* 4 / 8 */
    assert_true(NEAR(r.v[0].pct_store, 40.0));  /* 4 / 10 */
    assert_true(NEAR(r.v[3].pct_store, 100.0)); /* the limit itself */
    assert_true(isnan(r.v[4].pct_store));       /* loads are no copy */
    assert_true(NEAR(r.v[5].store_limit_ns, 9.0));
    assert_true(NEAR(r.v[5].pct_store, 75.0));
    assert_true(isnan(r.v[1].best_copy_ns)); /* no copy method measured here */
    bench_results_free(&r);
}

static void test_best_copy_method_and_unsteady_mark(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    add(&r, 0, "hot", "aligned", 64 * MiB, "glibc-memcpy", BENCH_ROLE_REFERENCE, 4000, 1.0);
    add(&r, 0, "hot", "aligned", 64 * MiB, "vmmem-fast", BENCH_ROLE_COPY, 3000, 0.75);
    add(&r, 0, "hot", "aligned", 64 * MiB, "rep-movsb", BENCH_ROLE_COPY, 3200, 0.8)->flags =
        BENCH_F_COPY_METHOD;
    add(&r, 0, "hot", "aligned", 64 * MiB, "copy-nt", BENCH_ROLE_COPY, 2400, 0.6)->flags =
        BENCH_F_COPY_METHOD;
    /* a median per-round ratio that the medians do not give: 0.9 vs 2000/4000 */
    add(&r, 0, "hot", "aligned", 64 * MiB, "rte_memcpy-avx512", BENCH_ROLE_COPY, 2000, 0.9);
    bench_results_fill_limits(&r, 0);
    assert_true(NEAR(r.v[1].best_copy_ns, 2400.0));
    assert_string_equal(r.v[1].best_copy_by, "copy-nt");
    assert_true(NEAR(r.v[1].pct_best_copy, 80.0));
    assert_true(NEAR(r.v[3].pct_best_copy, 100.0));
    assert_false(r.v[1].unsteady);
    assert_true(r.v[4].unsteady);
    assert_true(NEAR(r.v[4].pct_best_copy, 120.0)); /* faster than every method: > 100 */
    bench_results_free(&r);
    /* misaligned and small points have no best copy method */
    memset(&r, 0, sizeof r);
    add(&r, 0, "align", "dst+1", 64 * MiB, "rep-movsb", BENCH_ROLE_COPY, 3200, 0.8)->flags =
        BENCH_F_COPY_METHOD;
    add(&r, 0, "hot", "aligned", MiB - 1, "rep-movsb", BENCH_ROLE_COPY, 3200, 0.8)->flags =
        BENCH_F_COPY_METHOD;
    add(&r, 0, "cold", "aligned", MiB, "rep-movsb", BENCH_ROLE_COPY, 3200, 0.8)->flags =
        BENCH_F_COPY_METHOD;
    bench_results_fill_limits(&r, 0);
    assert_true(isnan(r.v[0].best_copy_ns));
    assert_true(isnan(r.v[1].best_copy_ns));
    assert_true(NEAR(r.v[2].pct_best_copy, 100.0));
    bench_results_free(&r);
}

static void test_classes(void **state)
{
    (void)state;
    struct bench_result x;
    memset(&x, 0, sizeof x);
    snprintf(x.section, sizeof x.section, "hot");
    snprintf(x.variant, sizeof x.variant, "aligned");
    static const struct { size_t size; int cls, also; } hot[] = {
        {1, BENCH_CLASS_HOT_1_15, -1},        {15, BENCH_CLASS_HOT_1_15, -1},
        {16, BENCH_CLASS_HOT_16_128, -1},     {128, BENCH_CLASS_HOT_16_128, -1},
        {129, BENCH_CLASS_HOT_129_256, -1},   {256, BENCH_CLASS_HOT_129_256, -1},
        {257, BENCH_CLASS_HOT_257_16K, -1},   {16384, BENCH_CLASS_HOT_257_16K, BENCH_CLASS_HOT_16K},
        {16385, BENCH_CLASS_HOT_L2, -1},      {MiB - 1, BENCH_CLASS_HOT_L2, -1},
        {MiB, BENCH_CLASS_HOT_1M_4M, -1},     {4 * MiB, BENCH_CLASS_HOT_1M_4M, -1},
        {8 * MiB, BENCH_CLASS_HOT_L3, -1},    {64 * MiB, BENCH_CLASS_HOT_64M, -1},
        {256 * MiB, BENCH_CLASS_HOT_256M, -1}};
    for (size_t i = 0; i < sizeof hot / sizeof hot[0]; i++) {
        x.size = hot[i].size;
        for (int c = 0; c < BENCH_CLASS_FIXED_COUNT; c++)
            if (bench_result_in_class(&x, c) != (c == hot[i].cls || c == hot[i].also))
                fail_msg("size %zu: class %d (%s)", hot[i].size, c, bench_class_label(c));
    }
    x.size = 128 * MiB; /* between the named big sizes: no class */
    for (int c = 0; c < BENCH_CLASS_FIXED_COUNT; c++)
        assert_false(bench_result_in_class(&x, c));
    snprintf(x.section, sizeof x.section, "cold");
    x.size = 4096;
    assert_true(bench_result_in_class(&x, BENCH_CLASS_COLD_SMALL));
    assert_false(bench_result_in_class(&x, BENCH_CLASS_HOT_257_16K));
    x.size = 256 * MiB;
    assert_true(bench_result_in_class(&x, BENCH_CLASS_COLD_256M));
    snprintf(x.section, sizeof x.section, "align");
    snprintf(x.variant, sizeof x.variant, "dst+1");
    x.size = 64;
    assert_true(bench_result_in_class(&x, BENCH_CLASS_MISALIGN));
    assert_false(bench_result_in_class(&x, BENCH_CLASS_HOT_16_128));
    snprintf(x.variant, sizeof x.variant, "4k-alias");
    assert_true(bench_result_in_class(&x, BENCH_CLASS_ALIAS));
    assert_false(bench_result_in_class(&x, BENCH_CLASS_MISALIGN));
    snprintf(x.section, sizeof x.section, "mix");
    for (int c = 0; c < BENCH_CLASS_FIXED_COUNT; c++)
        assert_false(bench_result_in_class(&x, c));
}

static void test_format_size(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(bench_format_size(0, buf, sizeof buf), "0 B");
    assert_string_equal(bench_format_size(1000, buf, sizeof buf), "1000 B");
    assert_string_equal(bench_format_size(4096, buf, sizeof buf), "4 KiB");
    assert_string_equal(bench_format_size(3 << 20, buf, sizeof buf), "3 MiB");
    assert_string_equal(bench_format_size(1000000, buf, sizeof buf), "977 KiB");
}

static void test_summary_per_mode_and_class(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    for (int mode = 0; mode < 2; mode++) {
        add(&r, mode, "hot", "aligned", 16, "glibc-memcpy", BENCH_ROLE_REFERENCE, 2, 1.0);
        add(&r, mode, "hot", "aligned", 16, "glibc-memcpy-aa", BENCH_ROLE_AA, 2, 1.0);
        add(&r, mode, "hot", "aligned", 16, "vmmem-fast", BENCH_ROLE_COPY, 4, mode ? 1.5 : 2.0);
        add(&r, mode, "hot", "aligned", 16, "store-vec", BENCH_ROLE_STORE_LIMIT, 1, 0.5);
        add(&r, mode, "hot", "aligned", 96, "glibc-memcpy", BENCH_ROLE_REFERENCE, 2, 1.0);
        add(&r, mode, "hot", "aligned", 96, "glibc-memcpy-aa", BENCH_ROLE_AA, 2, 1.0);
        add(&r, mode, "hot", "aligned", 96, "vmmem-fast", BENCH_ROLE_COPY, 16, 8.0);
        struct bench_result *m = add(&r, mode, "mix", "small-heavy", 0, "vmmem-fast",
                                     BENCH_ROLE_COPY, 3, 0.6);
        m->ws_bytes = MiB;
    }
    bench_results_fill_limits(&r, 0);
    struct bench_summary_row *rows;
    size_t n = bench_summarize(&r, &rows);
    assert_int_not_equal(n, (size_t)-1);
    /* per mode: mix (fast), 16-128 B (glibc, aa, fast); store methods are not summarised */
    assert_int_equal(n, 8);
    const struct bench_summary_row *f0 = bench_summary_find(rows, n, 0, "hot 16-128 B", "vmmem-fast");
    const struct bench_summary_row *f1 = bench_summary_find(rows, n, 1, "hot 16-128 B", "vmmem-fast");
    assert_non_null(f0);
    assert_non_null(f1);
    assert_int_equal(f0->count, 2);
    assert_true(NEAR(f0->geo_ratio, 4.0)); /* sqrt(2 * 8) */
    assert_true(NEAR(f0->min_ratio, 2.0));
    assert_true(NEAR(f0->max_ratio, 8.0));
    assert_string_equal(f0->min_at, "16 B");
    assert_string_equal(f0->max_at, "96 B");
    assert_true(NEAR(f1->geo_ratio, sqrt(1.5 * 8.0)));
    assert_true(NEAR(f0->geo_pct_store, 25.0)); /* only 16 B has a limit: 1 / 4 */
    assert_int_equal(f0->count_pct_store, 1);
    assert_int_equal(f0->count_pct_best_copy, 0);
    const struct bench_summary_row *mix =
        bench_summary_find(rows, n, 0, "mix small-heavy, 1 MiB ws", "vmmem-fast");
    assert_non_null(mix);
    assert_true(NEAR(mix->geo_ratio, 0.6));
    assert_true(mix->key < rows[1].key); /* mixes come first */
    assert_null(bench_summary_find(rows, n, 0, "hot 16-128 B", "store-vec"));
    for (size_t i = 1; i < n; i++)
        assert_true(rows[i - 1].mode < rows[i].mode ||
                    (rows[i - 1].mode == rows[i].mode && rows[i - 1].key <= rows[i].key));
    free(rows);
    bench_results_free(&r);
}

static void test_checks(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    static const double aa[] = {1.00, 1.02, 0.96, 1.05, 0.99};
    for (size_t i = 0; i < 5; i++) {
        add(&r, 0, "hot", "aligned", i + 1, "glibc-memcpy", BENCH_ROLE_REFERENCE, 10, 1.0);
        add(&r, 0, "hot", "aligned", i + 1, "glibc-memcpy-aa", BENCH_ROLE_AA, 10 * aa[i], aa[i]);
        add(&r, 0, "hot", "aligned", i + 1, "vmmem-fast", BENCH_ROLE_COPY, i == 2 ? 4 : 10,
            i == 2 ? 0.4 : 1.0);
        add(&r, 0, "hot", "aligned", i + 1, "store-vec", BENCH_ROLE_STORE_LIMIT, 5, 0.5);
    }
    bench_results_fill_limits(&r, 0);
    struct bench_summary_row *rows;
    size_t n = bench_summarize(&r, &rows);
    struct bench_checks c;
    memset(&c, 0, sizeof c);
    c.aa_tol = 0.03;
    bench_check(&r, rows, n, &c);
    assert_int_equal(c.aa_points[0], 5);
    assert_int_equal(c.aa_outside[0], 2); /* 0.96 and 1.05 */
    assert_true(NEAR(c.aa_worst[0], 1.05));
    assert_string_equal(c.aa_worst_at[0], "4 B");
    assert_int_equal(c.aa_classes_outside[0], 0); /* the class mean is within 3 % */
    assert_int_equal(c.over_limit[0], 1);        /* vmmem-fast at 3 B: 125 % of the store limit */
    assert_true(NEAR(c.over_limit_worst[0], 125.0));
    assert_non_null(strstr(c.over_limit_at[0], "vmmem-fast at 3 B"));
    assert_int_equal(c.aa_points[1], 0);
    free(rows);
    bench_results_free(&r);
}

static void *copy_a(void *d, const void *s, size_t n) { return memcpy(d, s, n); }
static void *copy_b(void *d, const void *s, size_t n) { return memmove(d, s, n); }

static size_t calls;
static void *count_calls(void *d, const void *s, size_t n)
{
    (void)s;
    (void)n;
    calls++;
    return d;
}

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
    assert_true(NEAR(out[0].ratio, 1.0)); /* the baseline against itself */
    assert_true(out[1].ratio > 0 && isfinite(out[1].ratio));

    /* the cold walk stays inside the arenas and carries on from batch to batch */
    bench_workload_cold(&w, src, dst, sizeof src, 100);
    assert_int_equal(w.slot_bytes, 256);
    assert_int_equal(w.slot_mask, sizeof src / 256 - 1);
    assert_true(bench_run_batch(&w, &a, 5000) > 0);
    size_t slot = w.slot;
    assert_true(bench_run_batch(&w, &a, 1) > 0);
    assert_int_not_equal(w.slot, slot);

    /* a mix: each call its own size and offsets; the position advances */
    bench_op ops[4] = {bench_op_pack(1, 0, 0), bench_op_pack(100, 5, 9), bench_op_pack(0, 3, 3),
                       bench_op_pack(4000, 100, 200)};
    assert_int_equal(bench_op_size(ops[3]), 4000);
    assert_int_equal(bench_op_src(ops[3]), 100);
    assert_int_equal(bench_op_dst(ops[3]), 200);
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_OPS;
    w.src = src;
    w.dst = dst;
    w.ops = ops;
    w.ops_mask = 3;
    w.bytes_per_call = (1 + 100 + 0 + 4000) / 4.0;
    memset(dst, 0, 300);
    assert_true(bench_run_batch(&w, &b, 6) > 0);
    assert_int_equal(w.op_pos, 2);
    assert_int_equal(memcmp(dst + 200, src + 100, 4000), 0);
    assert_int_equal(memcmp(dst + 9, src + 5, 100), 0);

    /* a mix batch is whole passes over the sequence */
    struct bench_impl counter;
    memset(&counter, 0, sizeof counter);
    counter.fn = count_calls;
    struct bench_impl *one[] = {&counter};
    calls = 0;
    assert_int_equal(bench_measure(&w, one, 1, 0, &cfg, out, NULL, NULL), 0);
    assert_int_equal(out[0].iters % 4, 0);
    assert_int_equal(calls % 4, 0);
}

/* The cache sweep reads the whole buffer and nothing beyond. */
static void test_evict_workload(void **state)
{
    (void)state;
    static unsigned char src[4096], dst[4096];
    unsigned char *sweep = malloc(1 << 20);
    assert_non_null(sweep);
    memset(sweep, 1, 1 << 20);
    struct bench_workload w;
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_EVICT;
    w.src = src;
    w.dst = dst;
    w.size = 4096;
    w.evict = sweep;
    w.evict_bytes = 1 << 20;
    struct bench_impl a;
    memset(&a, 0, sizeof a);
    a.fn = copy_a;
    memset(src, 7, sizeof src);
    assert_true(bench_run_batch(&w, &a, 2) > 0);
    assert_int_equal(dst[4095], 7);
    free(sweep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_limit_is_the_fastest_store_method),
        cmocka_unit_test(test_best_copy_method_and_unsteady_mark),
        cmocka_unit_test(test_classes),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_summary_per_mode_and_class),
        cmocka_unit_test(test_checks),
        cmocka_unit_test(test_runner_measures),
        cmocka_unit_test(test_evict_workload),
    };
    return cmocka_run_group_tests_name("bench_results", tests, NULL, NULL);
}
