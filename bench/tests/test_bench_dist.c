/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_dist.c - distribution files: both forms, validation errors,
 * normalisation, sampling, and the shapes of the shipped mixes. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_dist.h"

static char err[512];

static int parse(const char *text, struct bench_dist *d)
{
    err[0] = '\0';
    return bench_dist_parse(text, "t", "t.txt", d, err, sizeof err);
}

static void expect_error(const char *text, const char *fragment)
{
    struct bench_dist d;
    assert_int_equal(parse(text, &d), -1);
    if (!strstr(err, fragment))
        fail_msg("error '%s' lacks '%s'", err, fragment);
    assert_non_null(strstr(err, "t.txt"));
}

static void test_parse_simple(void **state)
{
    (void)state;
    struct bench_dist d;
    assert_int_equal(parse("0.5,0.5\n", &d), 0);
    assert_int_equal(d.n, 2);
    assert_true(d.mean > 0.499 && d.mean < 0.501);
    assert_int_equal(d.max_size, 1);
    assert_string_equal(d.name, "t");
    bench_dist_free(&d);
}

static void test_comments_blank_lines_and_spaces(void **state)
{
    (void)state;
    struct bench_dist d;
    assert_int_equal(parse("# header\n\n  # indented comment\n 0 , 1 , 0 \n\n# tail\n", &d), 0);
    assert_int_equal(d.n, 3);
    assert_true(bench_dist_prob(&d, 1) > 0.999);
    assert_true(bench_dist_prob(&d, 0) == 0.0);
    assert_true(bench_dist_prob(&d, 2) == 0.0);
    assert_true(bench_dist_prob(&d, 99) == 0.0);
    bench_dist_free(&d);
}

static void test_weights_are_normalised(void **state)
{
    (void)state;
    struct bench_dist d;
    assert_int_equal(parse("1,3", &d), 0);
    assert_true(bench_dist_prob(&d, 1) > 0.7499 && bench_dist_prob(&d, 1) < 0.7501);
    assert_true(bench_dist_cdf_at(&d, 0) > 0.2499 && bench_dist_cdf_at(&d, 0) < 0.2501);
    assert_true(bench_dist_cdf_at(&d, 64) == 1.0);
    bench_dist_free(&d);
}

static void test_malformed_files(void **state)
{
    (void)state;
    expect_error("", "no data line");
    expect_error("# only a comment\n\n", "no data line");
    expect_error("0.5,0.5\n0.5,0.5\n", "second data line");
    expect_error("0.5,,0.5", "field 2 (size 1): empty field");
    expect_error("0.5,0.5,", "field 3 (size 2): empty field");
    expect_error("0.5,abc", "'abc' is not a finite number");
    expect_error("0.5,1e999", "is not a finite number");
    expect_error("nan,1", "is not a finite number");
    expect_error("inf,1", "is not a finite number");
    expect_error("0.5,0.2x", "'0.2x' is not a finite number");
    expect_error("0.5;0.5", "is not a finite number");
    expect_error("0.5,-0.1,0.6", "field 2 (size 1): negative probability");
    expect_error("0,0,0", "sum to 0");
}

static void test_sparse_form(void **state)
{
    (void)state;
    struct bench_dist d;
    /* sizes and ranges with weights; a range shares its weight; K suffix; comments */
    assert_int_equal(parse("# a mix\n8 50  # half the calls\n 16-19 40\n1K 10\n8 0\n", &d), 0);
    assert_int_equal(d.n, 1025);
    assert_int_equal(d.max_size, 1024);
    assert_true(fabs(bench_dist_prob(&d, 8) - 0.5) < 1e-12);
    for (size_t s = 16; s <= 19; s++)
        assert_true(fabs(bench_dist_prob(&d, s) - 0.1) < 1e-12);
    assert_true(fabs(bench_dist_prob(&d, 1024) - 0.1) < 1e-12);
    assert_true(bench_dist_prob(&d, 9) == 0.0);
    assert_true(fabs(bench_dist_cdf_at(&d, 19) - 0.9) < 1e-12);
    assert_true(fabs(d.mean - (0.5 * 8 + 0.1 * (16 + 17 + 18 + 19) + 0.1 * 1024)) < 1e-9);
    bench_dist_free(&d);
    /* entries for one size add up; a single lone number is the dense form */
    assert_int_equal(parse("3 1\n3 1\n0 2\n", &d), 0);
    assert_true(fabs(bench_dist_prob(&d, 3) - 0.5) < 1e-12);
    bench_dist_free(&d);
    assert_int_equal(parse("1\n", &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.max_size, 0);
    bench_dist_free(&d);
    assert_int_equal(parse("0-4096 1\n", &d), 0);
    assert_true(fabs(d.mean - 2048.0) < 1e-6);
    bench_dist_free(&d);
}

static void test_sparse_errors(void **state)
{
    (void)state;
    expect_error("8 1\n9\n", "line 2: expected \"SIZE WEIGHT\"");
    expect_error("8 1 2\n", "got 3");
    expect_error("x 1\n", "line 1: 'x' is not a size or a range LO-HI");
    expect_error("8- 1\n", "is not a size or a range");
    expect_error("4K5 1\n", "is not a size or a range");
    expect_error("9-3 1\n", "line 1: empty range 9-3");
    expect_error("2M 1\n", "size above the largest allowed");
    expect_error("99999999999999999999 1\n", "size above the largest allowed");
    expect_error("8 abc\n", "weight 'abc' is not a finite number");
    expect_error("8 nan\n", "is not a finite number");
    expect_error("# c\n8 1\n16 -1\n", "line 3: negative weight");
    expect_error("8 0\n16 0\n", "sum to 0");
    expect_error("0.5,0.5\n8 1\n", "second data line");
}

static void test_line_numbers_in_errors(void **state)
{
    (void)state;
    expect_error("# c\n# c\n1,x\n", "line 3, field 2");
}

static void test_sampling_frequencies(void **state)
{
    (void)state;
    struct bench_dist d;
    /* sizes 0..4 with probabilities 0.1 0 0.2 0 0.7 */
    assert_int_equal(parse("0.1,0,0.2,0,0.7", &d), 0);
    uint64_t rng = 42;
    size_t count[5] = {0};
    const size_t draws = 200000;
    for (size_t i = 0; i < draws; i++) {
        size_t s = bench_dist_sample(&d, &rng);
        assert_true(s < 5);
        count[s]++;
    }
    assert_int_equal(count[1], 0);
    assert_int_equal(count[3], 0);
    double f0 = (double)count[0] / draws, f2 = (double)count[2] / draws,
           f4 = (double)count[4] / draws;
    assert_true(f0 > 0.095 && f0 < 0.105);
    assert_true(f2 > 0.19 && f2 < 0.21);
    assert_true(f4 > 0.69 && f4 < 0.71);
    bench_dist_free(&d);
}

static void test_sampling_is_deterministic(void **state)
{
    (void)state;
    struct bench_dist d;
    assert_int_equal(parse("1,1,1,1,1,1,1,1", &d), 0);
    uint64_t a = 7, b = 7;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(bench_dist_sample(&d, &a), bench_dist_sample(&d, &b));
    bench_dist_free(&d);
}

static void test_trailing_zero_sizes_never_drawn(void **state)
{
    (void)state;
    struct bench_dist d;
    /* 0.1 * 10 does not sum to exactly 1.0 in binary; the zeros after it must stay out. */
    assert_int_equal(parse("0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0,0,0", &d), 0);
    assert_int_equal(d.max_size, 9);
    uint64_t rng = 1;
    for (int i = 0; i < 100000; i++)
        assert_true(bench_dist_sample(&d, &rng) <= 9);
    bench_dist_free(&d);
}

static void test_load_missing_file(void **state)
{
    (void)state;
    struct bench_dist d;
    assert_int_equal(bench_dist_load("/nonexistent/dir/x.txt", &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/dir/x.txt"));
    assert_non_null(strstr(err, "cannot open"));
}

static void test_load_bad_file(void **state)
{
    (void)state;
    const char *dir = getenv("VMMEM_BENCH_TEST_DATA");
    if (!dir) {
        skip();
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/bad-negative.txt", dir);
    struct bench_dist d;
    assert_int_equal(bench_dist_load(path, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2, field 3 (size 2): negative probability"));
}

static void test_shipped_distributions(void **state)
{
    (void)state;
    const char *dir = getenv("VMMEM_BENCH_DISTS");
    if (!dir) {
        skip();
        return;
    }
    /* the shapes the files' headers and bench/dists/README.md state */
    static const struct {
        const char *file;
        double le32_lo, le32_hi;
        size_t min_size, max_size;
        double mean_lo, mean_hi;
    } want[] = {
        {"small-heavy.txt", 0.74, 0.76, 0, 4096, 60, 80},
        {"network-virtio.txt", 0.56, 0.58, 2, 1518, 300, 315},
        {"storage-512-64k.txt", 0.0, 0.0, 512, 65536, 12000, 16000},
        {"uniform-0-4096.txt", 0.007, 0.009, 0, 4096, 2047.9, 2048.1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, want[i].file);
        struct bench_dist d;
        if (bench_dist_load(path, &d, err, sizeof err))
            fail_msg("%s", err);
        double le32 = bench_dist_cdf_at(&d, 32);
        if (le32 < want[i].le32_lo || le32 > want[i].le32_hi)
            fail_msg("%s: P(<= 32 B) = %g", want[i].file, le32);
        if (d.mean < want[i].mean_lo || d.mean > want[i].mean_hi)
            fail_msg("%s: mean %g", want[i].file, d.mean);
        assert_int_equal(d.max_size, want[i].max_size);
        assert_true(want[i].min_size == 0 || bench_dist_cdf_at(&d, want[i].min_size - 1) == 0.0);
        bench_dist_free(&d);
    }
    /* storage: only multiples of 512 B, the 4 KiB page the most common */
    char path[1024];
    snprintf(path, sizeof path, "%s/storage-512-64k.txt", dir);
    struct bench_dist d;
    assert_int_equal(bench_dist_load(path, &d, err, sizeof err), 0);
    for (size_t s = 0; s < d.n; s++)
        if (s % 512)
            assert_true(bench_dist_prob(&d, s) == 0.0);
    assert_true(fabs(bench_dist_prob(&d, 4096) - 0.35) < 1e-6);
    assert_string_equal(d.name, "storage-512-64k");
    bench_dist_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_simple),
        cmocka_unit_test(test_comments_blank_lines_and_spaces),
        cmocka_unit_test(test_weights_are_normalised),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_sparse_form),
        cmocka_unit_test(test_sparse_errors),
        cmocka_unit_test(test_line_numbers_in_errors),
        cmocka_unit_test(test_sampling_frequencies),
        cmocka_unit_test(test_sampling_is_deterministic),
        cmocka_unit_test(test_trailing_zero_sizes_never_drawn),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_bad_file),
        cmocka_unit_test(test_shipped_distributions),
    };
    return cmocka_run_group_tests_name("bench_dist", tests, NULL, NULL);
}
