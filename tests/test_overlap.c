/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_overlap.c - memmove semantics: every copy function with the
 * destination shifted -65..+65 bytes from the source, and at large
 * distances, both directions; the whole buffer is compared, so a write
 * outside the destination range is caught too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define NEAR_DELTA 65
#define SMALL_MAX 300

static copy_under_test functions[32];
static size_t function_count;

/* Copies n bytes from buf+src_off to buf+dst_off with fn and checks the whole
 * buffer against the expected result, computed through a separate copy. */
static void check_move(const copy_under_test *f, unsigned char *buf, unsigned char *expect,
                       unsigned char *tmp, size_t len, size_t src_off, size_t dst_off, size_t n)
{
    fill_pattern(buf, len, (uint32_t)(n * 131 + src_off * 7 + dst_off));
    memcpy(expect, buf, len);
    memcpy(tmp, buf + src_off, n);
    memcpy(expect + dst_off, tmp, n);
    void *ret = f->fn(buf + dst_off, buf + src_off, n);
    assert_ptr_equal(ret, buf + dst_off);
    if (memcmp(buf, expect, len) != 0) {
        size_t i = 0;
        while (buf[i] == expect[i])
            i++;
        fail_msg("%s: n=%zu dst-src=%td: byte %zu (dst+%td) wrong", f->name, n,
                 (ptrdiff_t)dst_off - (ptrdiff_t)src_off, i, (ptrdiff_t)i - (ptrdiff_t)dst_off);
    }
}

/* Every delta in -65..+65 for sizes 0..300 and a ladder of larger sizes. */
static void test_near_overlap(void **state)
{
    (void)state;
    static const size_t larger[] = {383, 384, 511, 512, 513, 1000, 1024, 2047, 4096, 4097, 65536 + 3};
    size_t max_n = larger[sizeof larger / sizeof larger[0] - 1];
    size_t len = max_n + 2 * NEAR_DELTA + 64;
    unsigned char *buf = malloc(len), *expect = malloc(len), *tmp = malloc(len);
    assert_non_null(buf);
    assert_non_null(expect);
    assert_non_null(tmp);
    for (size_t f = 0; f < function_count; f++) {
        for (size_t i = 0; i <= SMALL_MAX + sizeof larger / sizeof larger[0]; i++) {
            size_t n = i <= SMALL_MAX ? i : larger[i - SMALL_MAX - 1];
            for (int delta = -NEAR_DELTA; delta <= NEAR_DELTA; delta++) {
                size_t src_off = NEAR_DELTA + 3; /* odd start: misaligned both ways */
                check_move(&functions[f], buf, expect, tmp, n + 2 * NEAR_DELTA + 8, src_off,
                           (size_t)((ptrdiff_t)src_off + delta), n);
            }
        }
    }
    free(buf);
    free(expect);
    free(tmp);
}

/* Large copies overlapping by a little, by half, and at page distances. */
static void test_far_overlap(void **state)
{
    (void)state;
    size_t n = test_max_size((size_t)1 << 20);
    if (n > ((size_t)1 << 20))
        n = (size_t)1 << 20;
    const size_t distances[] = {1, 63, 64, 4095, 4096, 4097, n / 2 + 1, n - 1, n, n + 1};
    size_t len = 2 * n + 2;
    unsigned char *buf = malloc(len), *expect = malloc(len), *tmp = malloc(len);
    assert_non_null(buf);
    assert_non_null(expect);
    assert_non_null(tmp);
    for (size_t f = 0; f < function_count; f++) {
        for (size_t k = 0; k < sizeof distances / sizeof distances[0]; k++) {
            size_t dist = distances[k];
            check_move(&functions[f], buf, expect, tmp, n + dist, 0, dist, n); /* dst above src */
            check_move(&functions[f], buf, expect, tmp, n + dist, dist, 0, n); /* dst below src */
        }
        check_move(&functions[f], buf, expect, tmp, n, 0, 0, n); /* dst == src */
    }
    free(buf);
    free(expect);
    free(tmp);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    function_count = copy_functions_under_test(functions, sizeof functions / sizeof functions[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_near_overlap),
        cmocka_unit_test(test_far_overlap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
