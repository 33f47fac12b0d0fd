/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_output.c - the CSV, JSON and Markdown writers and the
 * terminal tables. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_output.h"

struct mem {
    char *buf;
    size_t len;
    FILE *f;
};

static void mem_open(struct mem *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    assert_non_null(m->f);
}

static char *mem_close(struct mem *m)
{
    fclose(m->f);
    return m->buf;
}

static void add(struct bench_results *r, int mode, const char *section, const char *variant,
                size_t size, const char *impl, enum bench_role role, double ns, double ratio)
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
    x.ns_best = ns;
    x.gbps = (double)size / ns;
    x.ratio = ratio;
    x.ratio_q1 = ratio;
    x.ratio_q3 = ratio;
    x.rounds = 3;
    x.iters = 1000;
    assert_int_equal(bench_results_push(r, &x), 0);
}

static void fixture(struct bench_results *r)
{
    memset(r, 0, sizeof *r);
    for (int mode = 0; mode < 2; mode++) {
        add(r, mode, "hot", "aligned", 4096, "glibc-memcpy", BENCH_ROLE_REFERENCE, 50.0, 1.0);
        add(r, mode, "hot", "aligned", 4096, "glibc-memcpy-aa", BENCH_ROLE_AA, 50.0, 1.0);
        add(r, mode, "hot", "aligned", 4096, "vmmem-fast", BENCH_ROLE_COPY, 40.0, 0.8);
        add(r, mode, "hot", "aligned", 4096, "store-vec", BENCH_ROLE_STORE_LIMIT, 32.0, 0.64);
    }
    add(r, 0, "align", "src+1,dst+3", 64, "glibc-memcpy", BENCH_ROLE_REFERENCE, 4.0, 1.0);
    add(r, 0, "align", "src+1,dst+3", 64, "vmmem-fast", BENCH_ROLE_COPY, 4.0, 1.0);
    bench_results_fill_limits(r, 0);
}

static size_t count_lines(const char *s)
{
    size_t lines = 0;
    for (; *s; s++)
        lines += *s == '\n';
    return lines;
}

static void test_csv(void **state)
{
    (void)state;
    struct bench_results r;
    fixture(&r);
    struct mem m;
    mem_open(&m);
    assert_int_equal(bench_write_csv(m.f, &r), 0);
    char *out = mem_close(&m);
    const char *hdr = "mode,section,variant,size,ws_bytes,mean_bytes,src_off,dst_off,impl,role,"
                      "copy_method,ns_per_call,ns_best,gbps,ratio_vs_glibc,ratio_q1,ratio_q3,"
                      "unsteady,store_limit_ns,store_limit_by,pct_store_limit,best_copy_ns,"
                      "best_copy_by,pct_best_copy,rounds,reruns,iters,wrong\n";
    assert_true(!strncmp(out, hdr, strlen(hdr)));
    assert_int_equal(count_lines(out), r.n + 1);
    assert_non_null(strstr(out, "\npointer,hot,aligned,4096,0,4096.000,0,0,vmmem-fast,copy,0,"
                                "40,40,102.4000,0.8,0.8,0.8,0,32,store-vec,"
                                "80.00,,,,3,0,1000,0\n"));
    assert_non_null(strstr(out, "\ncall,hot,aligned,4096,"));
    assert_non_null(strstr(out, ",\"src+1,dst+3\","));
    free(out);

    struct bench_summary_row *rows;
    size_t n = bench_summarize(&r, &rows);
    mem_open(&m);
    assert_int_equal(bench_write_summary_csv(m.f, rows, n), 0);
    out = mem_close(&m);
    assert_int_equal(count_lines(out), n + 1);
    assert_non_null(strstr(out, "\npointer,hot 257 B-16 KiB,vmmem-fast,copy,1,0.8,0.8,4 KiB,0.8,4 KiB,"
                                "80.00,\n"));
    free(out);
    free(rows);
    bench_results_free(&r);
}

static void test_csv_field_quoting(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    bench_csv_field(m.f, "plain");
    fputc('|', m.f);
    bench_csv_field(m.f, "a\"b,c");
    char *out = mem_close(&m);
    assert_string_equal(out, "plain|\"a\"\"b,c\"");
    free(out);
}

static void test_json_string_escaping(void **state)
{
    (void)state;
    struct mem m;
    mem_open(&m);
    bench_json_string(m.f, "a\"b\\c\nd\te\x01");
    char *out = mem_close(&m);
    assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
    free(out);
}

/* Structural check: brackets balance outside strings, no NaN/inf leaks. */
static void check_json_shape(const char *s)
{
    int depth = 0, in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '"')
            in_str = 1;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            depth--;
        assert_true(depth >= 0);
    }
    assert_int_equal(depth, 0);
    assert_false(in_str);
    assert_null(strstr(s, "nan"));
    assert_null(strstr(s, "inf"));
}

static struct bench_run_info run_info(void)
{
    struct bench_run_info run = {"vmmem-bench --quick", "abc1234", 1, 3u, 20.0, 1.5, 7, 1024, "3"};
    return run;
}

static void test_json(void **state)
{
    (void)state;
    struct bench_results r;
    fixture(&r);
    struct bench_machine mach;
    memset(&mach, 0, sizeof mach);
    snprintf(mach.cpu_model, sizeof mach.cpu_model, "Test \"CPU\"");
    mach.thr_erms = SIZE_MAX;
    struct bench_run_info run = run_info();
    struct bench_registry reg;
    memset(&reg, 0, sizeof reg);
    bench_registry_add(&reg, "glibc-memcpy", BENCH_MODE_POINTER, BENCH_ROLE_REFERENCE, NULL,
                       "the baseline");
    snprintf(reg.where[0], sizeof reg.where[0], "memcpy = libc.so.6+0x10");
    reg.n_where = 1;
    struct bench_summary_row *rows;
    size_t nrows = bench_summarize(&r, &rows);
    struct bench_checks c;
    memset(&c, 0, sizeof c);
    c.aa_tol = 0.03;
    bench_check(&r, rows, nrows, &c);
    struct mem m;
    mem_open(&m);
    assert_int_equal(bench_write_json(m.f, &mach, &run, &reg, &r, rows, nrows, &c), 0);
    char *out = mem_close(&m);
    check_json_shape(out);
    assert_int_equal(out[0], '{');
    assert_non_null(strstr(out, "\"cpu_model\": \"Test \\\"CPU\\\"\""));
    assert_non_null(strstr(out, "\"threshold_erms\": null"));
    assert_non_null(strstr(out, "\"command\": \"vmmem-bench --quick\""));
    assert_non_null(strstr(out, "\"commit\": \"abc1234\""));
    assert_non_null(strstr(out, "\"resolved\": [\"memcpy = libc.so.6+0x10\"]"));
    assert_non_null(strstr(out, "\"why_not\": \"not in this build\""));
    assert_non_null(strstr(out, "\"impl\": \"vmmem-fast\""));
    assert_non_null(strstr(out, "\"ratio_vs_glibc\": 0.8,"));
    assert_non_null(strstr(out, "\"pct_store_limit\": 80.00"));
    assert_non_null(strstr(out, "\"pct_best_copy\": null"));
    assert_non_null(strstr(out, "\"geomean_ratio_vs_glibc\": 0.8,"));
    assert_non_null(strstr(out, "{\"mode\": \"call\", \"aa_points\": 1"));
    assert_non_null(strstr(out, "\"name\": \"call\""));
    assert_null(strstr(out, "\"name\": \"call-noplt\"")); /* not in run.modes */
    free(out);
    free(rows);
    bench_results_free(&r);
}

static void test_json_empty(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    struct bench_machine mach;
    memset(&mach, 0, sizeof mach);
    struct bench_run_info run = run_info();
    run.command = NULL;
    run.elapsed_s = NAN;
    run.modes = 0;
    struct bench_registry reg;
    memset(&reg, 0, sizeof reg);
    struct bench_checks c;
    memset(&c, 0, sizeof c);
    struct mem m;
    mem_open(&m);
    assert_int_equal(bench_write_json(m.f, &mach, &run, &reg, &r, NULL, 0, &c), 0);
    char *out = mem_close(&m);
    check_json_shape(out);
    assert_non_null(strstr(out, "\"results\": []"));
    assert_non_null(strstr(out, "\"elapsed_s\": null"));
    free(out);
}

static void test_tables_and_markdown(void **state)
{
    (void)state;
    struct bench_results r;
    fixture(&r);
    struct bench_summary_row *rows;
    size_t nrows = bench_summarize(&r, &rows);
    struct bench_checks c;
    memset(&c, 0, sizeof c);
    c.aa_tol = 0.03;
    bench_check(&r, rows, nrows, &c);
    struct mem m;
    mem_open(&m);
    bench_print_matrix(m.f, &r, 0, r.n, BENCH_MODE_POINTER);
    bench_print_summary(m.f, rows, nrows, BENCH_MODE_POINTER);
    bench_print_summary_all(m.f, rows, nrows, BENCH_MODE_CALL);
    bench_print_checks(m.f, &c, BENCH_MODES_ALL);
    char *out = mem_close(&m);
    /* the matrix: glibc ns, limit ns and method, then ratios by short name */
    assert_non_null(strstr(out, "A/A"));
    assert_non_null(strstr(out, "fast"));
    assert_non_null(strstr(out, "4 KiB                           50.0      32.0 s-vec      1.00     0.80"));
    assert_non_null(strstr(out, "64 B src+1,dst+3"));
    assert_non_null(strstr(out, "hot 257 B-16 KiB"));
    assert_non_null(strstr(out, "misaligned src/dst"));
    assert_non_null(strstr(out, "pointer mode: A/A control (glibc memcpy against itself) within +-3 % at 1 of 1 points"));
    assert_null(strstr(out, "WARNING"));
    free(out);

    struct bench_machine mach;
    memset(&mach, 0, sizeof mach);
    struct bench_run_info run = run_info();
    mem_open(&m);
    assert_int_equal(bench_write_markdown(m.f, &mach, &run, rows, nrows, &c), 0);
    out = mem_close(&m);
    assert_non_null(strstr(out, "**Calling mode: pointer**"));
    assert_non_null(strstr(out, "**Calling mode: call**"));
    assert_non_null(strstr(out, "| class | points | A/A | fast | adaptive |"));
    assert_non_null(strstr(out, "| hot 257 B-16 KiB | 1 | 1.00 | 0.80 | - |"));
    assert_non_null(strstr(out, "| hot 257 B-16 KiB | % of store limit | 80 | - |"));
    assert_non_null(strstr(out, "Commit `abc1234`"));
    free(out);
    free(rows);
    bench_results_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_csv_field_quoting),
        cmocka_unit_test(test_json_string_escaping),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_empty),
        cmocka_unit_test(test_tables_and_markdown),
    };
    return cmocka_run_group_tests_name("bench_output", tests, NULL, NULL);
}
