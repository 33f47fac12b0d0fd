/* test_bench_output.c - the CSV and JSON writers and the terminal table. */
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

static void add(struct bench_results *r, const char *section, const char *variant, size_t size,
                const char *impl, enum bench_role role, double ns, double speedup)
{
    struct bench_result x;
    memset(&x, 0, sizeof x);
    snprintf(x.section, sizeof x.section, "%s", section);
    snprintf(x.variant, sizeof x.variant, "%s", variant);
    x.size = size;
    x.mean_bytes = (double)size;
    snprintf(x.impl, sizeof x.impl, "%s", impl);
    x.role = role;
    x.ns_per_call = ns;
    x.ns_best = ns;
    x.gbps = (double)size / ns;
    x.speedup = speedup;
    x.rounds = 3;
    x.iters = 1000;
    assert_int_equal(bench_results_push(r, &x), 0);
}

static void fixture(struct bench_results *r)
{
    memset(r, 0, sizeof *r);
    add(r, "hot", "aligned", 4096, "glibc-memcpy", BENCH_ROLE_REFERENCE, 50.0, 1.0);
    add(r, "hot", "aligned", 4096, "vmmem-fast", BENCH_ROLE_COPY, 40.0, 1.25);
    add(r, "hot", "aligned", 4096, "store-only", BENCH_ROLE_STORE_LIMIT, 32.0, 1.5625);
    add(r, "align", "src+1,dst+3", 64, "vmmem-fast", BENCH_ROLE_COPY, 4.0, 1.0);
    bench_results_fill_limits(r, 0);
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
    const char *hdr = "section,variant,size,mean_bytes,src_off,dst_off,impl,role,ns_per_call,"
                      "ns_best,gbps,speedup_vs_glibc,pct_store_limit,rounds,iters,wrong\n";
    assert_true(!strncmp(out, hdr, strlen(hdr)));
    /* one line per result plus the header */
    size_t lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 5);
    assert_non_null(strstr(out, "\nhot,aligned,4096,4096.000,0,0,vmmem-fast,copy,40.000,40.000,"
                                "102.4000,1.2500,80.00,3,1000,0\n"));
    /* a field with a comma is quoted; a missing store limit is an empty field */
    assert_non_null(strstr(out, "\nalign,\"src+1,dst+3\",64,"));
    assert_non_null(strstr(out, ",1.0000,,3,1000,0\n"));
    free(out);
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

static void test_json(void **state)
{
    (void)state;
    struct bench_results r;
    fixture(&r);
    struct bench_machine mach;
    memset(&mach, 0, sizeof mach);
    snprintf(mach.cpu_model, sizeof mach.cpu_model, "Test \"CPU\"");
    mach.thr_erms = SIZE_MAX;
    mach.l2 = 1 << 20;
    mach.l3 = 32 << 20;
    struct bench_run_info run = {"vmmem-bench --quick", 1, 3, 100.0, 1.5, 7};
    struct bench_summary_row rows[16];
    size_t nrows = bench_summarize(&r, mach.l2, mach.l3, rows, 16);
    assert_true(nrows >= 2);
    struct mem m;
    mem_open(&m);
    assert_int_equal(bench_write_json(m.f, &mach, &run, &r, rows, nrows), 0);
    char *out = mem_close(&m);
    check_json_shape(out);
    assert_int_equal(out[0], '{');
    assert_non_null(strstr(out, "\"cpu_model\": \"Test \\\"CPU\\\"\""));
    assert_non_null(strstr(out, "\"threshold_erms\": null"));
    assert_non_null(strstr(out, "\"command\": \"vmmem-bench --quick\""));
    assert_non_null(strstr(out, "\"impl\": \"vmmem-fast\""));
    assert_non_null(strstr(out, "\"speedup_vs_glibc\": 1.2500"));
    assert_non_null(strstr(out, "\"pct_store_limit\": null"));
    assert_non_null(strstr(out, "\"geomean_speedup_vs_glibc\": 1.2500"));
    free(out);
    bench_results_free(&r);
}

static void test_json_empty(void **state)
{
    (void)state;
    struct bench_results r;
    memset(&r, 0, sizeof r);
    struct bench_machine mach;
    memset(&mach, 0, sizeof mach);
    struct bench_run_info run = {NULL, 0, 11, 500.0, NAN, 1};
    struct mem m;
    mem_open(&m);
    assert_int_equal(bench_write_json(m.f, &mach, &run, &r, NULL, 0), 0);
    char *out = mem_close(&m);
    check_json_shape(out);
    assert_non_null(strstr(out, "\"results\": []"));
    assert_non_null(strstr(out, "\"elapsed_s\": null"));
    free(out);
}

static void test_table_and_summary(void **state)
{
    (void)state;
    struct bench_results r;
    fixture(&r);
    struct mem m;
    mem_open(&m);
    bench_print_table(m.f, &r, 0, r.n);
    struct bench_summary_row rows[16];
    size_t nrows = bench_summarize(&r, 1 << 20, 32 << 20, rows, 16);
    bench_print_summary(m.f, rows, nrows);
    static const char *const names[] = {"vmmem-fast", "no-such"};
    bench_print_headline(m.f, rows, nrows, names, 2);
    char *out = mem_close(&m);
    assert_non_null(strstr(out, "4 KiB"));
    assert_non_null(strstr(out, "vmmem-fast"));
    assert_non_null(strstr(out, "(limit)"));
    assert_non_null(strstr(out, "257 B-16 KiB"));
    assert_non_null(strstr(out, "misaligned src/dst"));
    free(out);
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
        cmocka_unit_test(test_table_and_summary),
    };
    return cmocka_run_group_tests_name("bench_output", tests, NULL, NULL);
}
