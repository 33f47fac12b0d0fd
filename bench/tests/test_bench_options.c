/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_options.c - command-line parsing of vmmem-bench. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bench_impls.h"
#include "bench_options.h"

static char err[512];

static int parse(struct bench_options *o, char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    bench_options_init(o);
    err[0] = '\0';
    return bench_options_parse(o, argc, argv, err, sizeof err);
}

#define ARGS(...) ((char *[]){"vmmem-bench", __VA_ARGS__, NULL})

static void expect_error(char **argv, const char *fragment)
{
    struct bench_options o;
    assert_int_equal(parse(&o, argv), -1);
    if (!strstr(err, fragment))
        fail_msg("error '%s' lacks '%s'", err, fragment);
}

static void test_defaults(void **state)
{
    (void)state;
    struct bench_options o;
    char *argv[] = {"vmmem-bench", NULL};
    assert_int_equal(parse(&o, argv), 0);
    assert_int_equal(o.sections, BENCH_SEC_ALL);
    assert_int_equal(o.n_sizes, 0);
    assert_int_equal(o.n_impls, 0);
    assert_int_equal(o.rounds, 0);
    assert_int_equal(o.pin, 1);
    assert_int_equal(o.cpu, -1);
    assert_null(o.csv_path);
    assert_null(o.commit);
    assert_false(o.quick);
    assert_int_equal(o.modes, BENCH_MODES_ALL);
    assert_int_equal(o.mix_ops, 0);
    assert_true(o.aa_tol == 0.03);
}

static void test_all_options(void **state)
{
    (void)state;
    struct bench_options o;
    assert_int_equal(parse(&o, ARGS("--quick", "--sizes", "1,4K,1MiB,3000", "--impl",
                                    "vmmem-fast,glibc-memcpy", "--rounds", "5", "--csv", "a.csv",
                                    "--json=b.json", "--plot", "p", "--dist", "x.txt",
                                    "--dist=y.txt", "--only", "hot,mix", "--batch-us", "250",
                                    "--cpu", "1", "--seed", "9", "--no-pin", "--list", "--mode",
                                    "call,pointer", "--summary-csv", "s.csv", "--markdown",
                                    "s.md", "--commit", "abc", "--mix-ops", "4096",
                                    "--aa-tolerance", "5")),
                     0);
    assert_true(o.quick);
    assert_int_equal(o.n_sizes, 4);
    assert_int_equal(o.sizes[0], 1);
    assert_int_equal(o.sizes[1], 4096);
    assert_int_equal(o.sizes[2], 1 << 20);
    assert_int_equal(o.sizes[3], 3000);
    assert_int_equal(o.n_impls, 2);
    assert_string_equal(o.impls[0], "vmmem-fast");
    assert_string_equal(o.impls[1], "glibc-memcpy");
    assert_int_equal(o.rounds, 5);
    assert_string_equal(o.csv_path, "a.csv");
    assert_string_equal(o.json_path, "b.json");
    assert_string_equal(o.plot_prefix, "p");
    assert_int_equal(o.n_dists, 2);
    assert_string_equal(o.dists[1], "y.txt");
    assert_int_equal(o.sections, BENCH_SEC_HOT | BENCH_SEC_MIX);
    assert_int_equal(o.modes, (1u << BENCH_MODE_CALL) | (1u << BENCH_MODE_POINTER));
    assert_string_equal(o.summary_csv_path, "s.csv");
    assert_string_equal(o.md_path, "s.md");
    assert_string_equal(o.commit, "abc");
    assert_int_equal(o.mix_ops, 4096);
    assert_true(o.aa_tol == 0.05);
    assert_true(o.batch_us == 250.0);
    assert_int_equal(o.cpu, 1);
    assert_int_equal(o.seed, 9);
    assert_int_equal(o.pin, 0);
    assert_true(o.list);
}

static void test_cold_and_help(void **state)
{
    (void)state;
    struct bench_options o;
    assert_int_equal(parse(&o, ARGS("--cold")), 0);
    assert_int_equal(o.sections, BENCH_SEC_COLD);
    assert_int_equal(parse(&o, ARGS("--help")), 0);
    assert_true(o.help);
    assert_int_equal(parse(&o, ARGS("-h")), 0);
    assert_true(o.help);
    /* the old section name still works */
    assert_int_equal(parse(&o, ARGS("--only", "dist")), 0);
    assert_int_equal(o.sections, BENCH_SEC_MIX);
    assert_int_equal(parse(&o, ARGS("--mode", "call-noplt")), 0);
    assert_int_equal(o.modes, 1u << BENCH_MODE_CALL_NOPLT);
    assert_int_equal(parse(&o, ARGS("--mode", "all")), 0);
    assert_int_equal(o.modes, BENCH_MODES_ALL);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(ARGS("--bogus"), "unknown option '--bogus'");
    expect_error(ARGS("--sizes"), "--sizes needs a value");
    expect_error(ARGS("--sizes", "4X"), "bad size '4X'");
    expect_error(ARGS("--sizes", "0"), "bad size '0'");
    expect_error(ARGS("--sizes", "1,,2"), "bad item");
    expect_error(ARGS("--sizes", "65G"), "bad size '65G'");
    expect_error(ARGS("--rounds", "0"), "--rounds");
    expect_error(ARGS("--rounds", "abc"), "--rounds");
    expect_error(ARGS("--impl", ""), "--impl: empty list");
    expect_error(ARGS("--impl", "a,,b"), "--impl: bad name");
    expect_error(ARGS("--only", "hot,warm"), "unknown section 'warm'");
    expect_error(ARGS("--quick=1"), "--quick takes no value");
    expect_error(ARGS("--csv", ""), "--csv needs a file name");
    expect_error(ARGS("--batch-us", "5"), "--batch-us");
    expect_error(ARGS("--mode", "pointer,plt"), "unknown mode 'plt'");
    expect_error(ARGS("--mix-ops", "1000"), "not a power of two");
    expect_error(ARGS("--mix-ops", "512"), "not a power of two");
    expect_error(ARGS("--aa-tolerance", "0"), "--aa-tolerance");
    expect_error(ARGS("--aa-tolerance", "51"), "--aa-tolerance");
    expect_error(ARGS("--markdown", ""), "--markdown needs a file name");
}

static void test_parse_size(void **state)
{
    (void)state;
    size_t v;
    assert_int_equal(bench_parse_size("1", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(bench_parse_size("1K", &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(bench_parse_size("1kb", &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(bench_parse_size("2MiB", &v), 0);
    assert_int_equal(v, 2u << 20);
    assert_int_equal(bench_parse_size("1G", &v), 0);
    assert_int_equal(v, 1u << 30);
    assert_int_equal(bench_parse_size("K", &v), -1);
    assert_int_equal(bench_parse_size("-1", &v), -1);
    assert_int_equal(bench_parse_size("1.5K", &v), -1);
    assert_int_equal(bench_parse_size("1Ki", &v), -1);
    assert_int_equal(bench_parse_size("1T", &v), -1);
    assert_int_equal(bench_parse_size("99999999999999999999999", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_all_options),
        cmocka_unit_test(test_cold_and_help),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests_name("bench_options", tests, NULL, NULL);
}
