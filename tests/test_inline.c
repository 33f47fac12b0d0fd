/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_inline.c - the header-inline path for constant sizes 0..16:
 * every size through each of the three macros, at every offset pair 0..7,
 * with overlap in both directions, against a plain byte-by-byte reference.
 * (tests/inline_probe.c checks that no call is left behind.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define BUF 64

/* Runs one constant-size copy through `MACRO` at dst/src offsets and checks
 * the whole buffer against a reference computed through a separate copy. */
#define CHECK_CONST(MACRO, N)                                                                      \
    do {                                                                                           \
        for (size_t so = 0; so < 8; so++)                                                          \
            for (size_t dof = 0; dof < 24; dof++) {                                                \
                unsigned char buf[BUF], expect[BUF], tmp[32];                                      \
                fill_pattern(buf, BUF, (uint32_t)(N * 100 + so * 10 + dof));                       \
                memcpy(expect, buf, BUF);                                                          \
                memcpy(tmp, buf + 8 + so, N);                                                      \
                memcpy(expect + dof, tmp, N);                                                      \
                assert_ptr_equal(MACRO(buf + dof, buf + 8 + so, N), buf + dof);                    \
                assert_memory_equal(buf, expect, BUF);                                             \
            }                                                                                      \
    } while (0)

#define CHECK_ALL_SIZES(MACRO)                                                                     \
    do {                                                                                           \
        CHECK_CONST(MACRO, 0);                                                                     \
        CHECK_CONST(MACRO, 1);                                                                     \
        CHECK_CONST(MACRO, 2);                                                                     \
        CHECK_CONST(MACRO, 3);                                                                     \
        CHECK_CONST(MACRO, 4);                                                                     \
        CHECK_CONST(MACRO, 5);                                                                     \
        CHECK_CONST(MACRO, 6);                                                                     \
        CHECK_CONST(MACRO, 7);                                                                     \
        CHECK_CONST(MACRO, 8);                                                                     \
        CHECK_CONST(MACRO, 9);                                                                     \
        CHECK_CONST(MACRO, 12);                                                                    \
        CHECK_CONST(MACRO, 15);                                                                    \
        CHECK_CONST(MACRO, 16);                                                                    \
        CHECK_CONST(MACRO, 17); /* above the inline limit: the real call */                       \
    } while (0)

static void test_fast(void **state)
{
    (void)state;
    CHECK_ALL_SIZES(vmmem_memcpy_fast);
}

static void test_memmove(void **state)
{
    (void)state;
    CHECK_ALL_SIZES(vmmem_memmove);
}

static void test_adaptive(void **state)
{
    (void)state;
    CHECK_ALL_SIZES(vmmem_memcpy_adaptive);
}

static void test_function_addresses_still_work(void **state)
{
    (void)state;
    vmmem_copy_fn fns[] = {vmmem_memcpy_fast, vmmem_memmove, vmmem_memcpy_adaptive};
    for (size_t i = 0; i < 3; i++) {
        unsigned char src[8] = "abcdefg", dst[8] = {0};
        assert_ptr_equal(fns[i](dst, src, 8), dst);
        assert_memory_equal(dst, src, 8);
    }
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fast),
        cmocka_unit_test(test_memmove),
        cmocka_unit_test(test_adaptive),
        cmocka_unit_test(test_function_addresses_still_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
