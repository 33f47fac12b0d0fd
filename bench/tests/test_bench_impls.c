/* test_bench_impls.c - the implementation registry: names, selection,
 * unknown names, and that every runnable copy really copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_impls.h"

static void test_references_present(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    struct bench_impl *g = bench_registry_find(&r, "glibc-memcpy");
    assert_non_null(g);
    assert_int_equal(g->role, BENCH_ROLE_REFERENCE);
    assert_true(g->available && g->selected);
    assert_non_null(bench_registry_find(&r, "store-only"));
    assert_non_null(bench_registry_find(&r, "load-only"));
    assert_non_null(bench_registry_find(&r, "vmmem-fast"));
    assert_non_null(bench_registry_find(&r, "vmmem-adaptive"));
    assert_non_null(bench_registry_find(&r, "kernel-generic"));
    assert_non_null(bench_registry_find(&r, "rte_memcpy-avx2"));
    assert_null(bench_registry_find(&r, "no-such-copy"));
    /* names are unique */
    for (size_t i = 0; i < r.n; i++)
        for (size_t k = i + 1; k < r.n; k++)
            assert_string_not_equal(r.impl[i].name, r.impl[k].name);
    /* a skipped entry says why */
    for (size_t i = 0; i < r.n; i++)
        if (!r.impl[i].available)
            assert_true(r.impl[i].why_not[0] != '\0');
}

static void test_unknown_name_is_an_error(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    char names[2][32] = {"vmmem-fast", "nope"};
    char err[2048] = "", note[256];
    assert_int_equal(bench_registry_select(&r, (const char(*)[32])names, 2, err, sizeof err, note,
                                           sizeof note),
                     -1);
    assert_non_null(strstr(err, "unknown implementation 'nope'"));
    assert_non_null(strstr(err, "glibc-memcpy"));
}

static void test_select_subset(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    char names[1][32] = {"vmmem-fast"};
    char err[256], note[256];
    assert_int_equal(bench_registry_select(&r, (const char(*)[32])names, 1, err, sizeof err, note,
                                           sizeof note),
                     0);
    for (size_t i = 0; i < r.n; i++) {
        const struct bench_impl *m = &r.impl[i];
        if (!strcmp(m->name, "vmmem-fast") || m->role != BENCH_ROLE_COPY)
            assert_int_equal(m->selected, m->available);
        else
            assert_false(m->selected);
    }
}

static void test_unavailable_name_is_skipped_with_note(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    struct bench_impl *skipped = NULL;
    for (size_t i = 0; i < r.n && !skipped; i++)
        if (!r.impl[i].available)
            skipped = &r.impl[i];
    if (!skipped) {
        skip();
        return;
    }
    char names[1][32];
    snprintf(names[0], sizeof names[0], "%s", skipped->name);
    char err[256], note[256];
    assert_int_equal(bench_registry_select(&r, (const char(*)[32])names, 1, err, sizeof err, note,
                                           sizeof note),
                     0);
    assert_non_null(strstr(note, skipped->name));
    assert_non_null(strstr(note, "skipped"));
    assert_false(skipped->selected);
}

static void test_every_copy_copies(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    static const size_t sizes[] = {0, 1, 2, 3, 7, 8, 15, 16, 31, 33, 63, 64, 65, 127, 255, 256,
                                   1000, 4095, 4096, 65537, 300000};
    size_t cap = 300000 + 256;
    unsigned char *src = malloc(cap), *dst = malloc(cap);
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t i = 0; i < cap; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (size_t i = 0; i < r.n; i++) {
        const struct bench_impl *m = &r.impl[i];
        if (!m->available || !bench_role_is_copy(m->role))
            continue;
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t n = sizes[k];
            for (unsigned off = 0; off < 3; off++) {
                memset(dst, 0xEE, n + 64);
                void *ret = m->fn(dst + 1 + off, src + off, n);
                assert_ptr_equal(ret, dst + 1 + off);
                if (memcmp(dst + 1 + off, src + off, n))
                    fail_msg("%s: wrong copy of %zu bytes (offset %u)", m->name, n, off);
                assert_int_equal(dst[off], 0xEE);
                assert_int_equal(dst[1 + off + n], 0xEE);
            }
        }
    }
    free(src);
    free(dst);
}

static void test_limits_touch_only_their_side(void **state)
{
    (void)state;
    struct bench_registry r;
    bench_registry_init(&r);
    unsigned char src[1100], dst[1100];
    memset(src, 1, sizeof src);
    for (size_t i = 0; i < r.n; i++) {
        const struct bench_impl *m = &r.impl[i];
        if (!m->available || bench_role_is_copy(m->role))
            continue;
        for (size_t n = 0; n <= 1024; n = n ? n * 2 + 1 : 1) {
            memset(dst, 0, sizeof dst);
            m->fn(dst + 1, src, n);
            assert_int_equal(dst[0], 0);
            assert_int_equal(dst[1 + n], 0);
            for (size_t k = 0; k < sizeof src; k++)
                assert_int_equal(src[k], 1);
            if (m->role == BENCH_ROLE_STORE_LIMIT)
                for (size_t k = 0; k < n; k++)
                    assert_int_equal(dst[1 + k], 0x5a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references_present),
        cmocka_unit_test(test_unknown_name_is_an_error),
        cmocka_unit_test(test_select_subset),
        cmocka_unit_test(test_unavailable_name_is_skipped_with_note),
        cmocka_unit_test(test_every_copy_copies),
        cmocka_unit_test(test_limits_touch_only_their_side),
    };
    return cmocka_run_group_tests_name("bench_impls", tests, NULL, NULL);
}
