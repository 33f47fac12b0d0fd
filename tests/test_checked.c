/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_checked.c - vmmem_copy_checked(): each error case returns its
 * code and leaves the destination untouched; vmmem_strerror() names them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define BUF 256
#define CANARY 0x5A

static unsigned char src[BUF], dst[BUF];

static int setup(void **state)
{
    (void)state;
    fill_pattern(src, BUF, 9);
    memset(dst, CANARY, BUF);
    return 0;
}

static void assert_dst_untouched(void)
{
    for (size_t i = 0; i < BUF; i++)
        assert_int_equal(dst[i], CANARY);
}

static void test_success_copies_exactly_n(void **state)
{
    (void)state;
    assert_int_equal(vmmem_copy_checked(dst, BUF, src, BUF, 100), VMMEM_OK);
    assert_memory_equal(dst, src, 100);
    for (size_t i = 100; i < BUF; i++)
        assert_int_equal(dst[i], CANARY);
    /* exactly the buffer sizes is allowed */
    assert_int_equal(vmmem_copy_checked(dst, 37, src, 37, 37), VMMEM_OK);
    assert_memory_equal(dst, src, 37);
}

static void test_zero_length_touches_nothing(void **state)
{
    (void)state;
    assert_int_equal(vmmem_copy_checked(dst, BUF, src, BUF, 0), VMMEM_OK);
    assert_int_equal(vmmem_copy_checked(NULL, 0, NULL, 0, 0), VMMEM_OK);
    assert_int_equal(vmmem_copy_checked(dst, BUF, dst, BUF, 0), VMMEM_OK);
    assert_dst_untouched();
}

static void test_null_pointers(void **state)
{
    (void)state;
    assert_int_equal(vmmem_copy_checked(NULL, BUF, src, BUF, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_copy_checked(dst, BUF, NULL, BUF, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_copy_checked(NULL, 0, NULL, 0, 1), VMMEM_EINVAL);
    assert_dst_untouched();
}

static void test_too_long_for_a_buffer(void **state)
{
    (void)state;
    assert_int_equal(vmmem_copy_checked(dst, 10, src, BUF, 11), VMMEM_ERANGE);
    assert_int_equal(vmmem_copy_checked(dst, BUF, src, 10, 11), VMMEM_ERANGE);
    assert_int_equal(vmmem_copy_checked(dst, 0, src, BUF, 1), VMMEM_ERANGE);
    assert_int_equal(vmmem_copy_checked(dst, BUF, src, BUF, SIZE_MAX), VMMEM_ERANGE);
    assert_dst_untouched();
}

static void test_buffer_wrapping_the_address_space(void **state)
{
    (void)state;
    /* never dereferenced: the check must fail first */
    void *top = (void *)(UINTPTR_MAX - 15);
    assert_int_equal(vmmem_copy_checked(top, 32, src, BUF, 8), VMMEM_ERANGE);
    assert_int_equal(vmmem_copy_checked(dst, BUF, top, 32, 8), VMMEM_ERANGE);
    assert_dst_untouched();
}

static void test_overlap_rejected(void **state)
{
    (void)state;
    /* dst above src, dst below src, identical, and one byte of overlap */
    assert_int_equal(vmmem_copy_checked(dst + 10, BUF - 10, dst, BUF, 20), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_copy_checked(dst, BUF, dst + 10, BUF - 10, 20), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_copy_checked(dst, BUF, dst, BUF, 1), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_copy_checked(dst + 19, BUF - 19, dst, BUF, 20), VMMEM_EOVERLAP);
    assert_dst_untouched();
    /* adjacent ranges do not overlap */
    memcpy(dst + 20, src, 20);
    assert_int_equal(vmmem_copy_checked(dst, BUF, dst + 20, BUF - 20, 20), VMMEM_OK);
    assert_memory_equal(dst, src, 20);
}

static void test_strerror_names_every_code(void **state)
{
    (void)state;
    const int codes[] = {VMMEM_OK, VMMEM_EINVAL, VMMEM_ERANGE, VMMEM_EOVERLAP, VMMEM_EUNSUPPORTED,
                         VMMEM_EFAULT, VMMEM_EPERM, VMMEM_EEXIST, VMMEM_ENOMEM, VMMEM_ENOSPC,
                         VMMEM_EBUSY, VMMEM_EIO, VMMEM_ENOENT, VMMEM_EPARTIAL};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *text = vmmem_strerror(codes[i]);
        assert_non_null(text);
        assert_string_not_equal(text, "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(text, vmmem_strerror(codes[j]));
    }
    assert_string_equal(vmmem_strerror(12345), "unknown error");
    assert_string_equal(vmmem_strerror(-99), "unknown error");
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_success_copies_exactly_n, setup),
        cmocka_unit_test_setup(test_zero_length_touches_nothing, setup),
        cmocka_unit_test_setup(test_null_pointers, setup),
        cmocka_unit_test_setup(test_too_long_for_a_buffer, setup),
        cmocka_unit_test_setup(test_buffer_wrapping_the_address_space, setup),
        cmocka_unit_test_setup(test_overlap_rejected, setup),
        cmocka_unit_test(test_strerror_names_every_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
