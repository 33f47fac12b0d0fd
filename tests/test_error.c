/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_error.c - the error codes: consecutive, all below the negated
 * errno range (so none can be read as -errno), each with its own
 * description, and vmmem_error_to_errno() giving the errno closest in
 * meaning. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

/* Every code with the errno it maps to, in the header's order. */
static const struct {
    int code, errno_value;
} codes[] = {
    {VMMEM_EINVAL, EINVAL}, {VMMEM_ERANGE, ERANGE}, {VMMEM_EOVERLAP, EINVAL}, {VMMEM_EUNSUPPORTED, ENOTSUP},
    {VMMEM_EFAULT, EFAULT}, {VMMEM_EPERM, EPERM},   {VMMEM_EEXIST, EEXIST},   {VMMEM_ENOMEM, ENOMEM},
    {VMMEM_ENOSPC, ENOSPC}, {VMMEM_EBUSY, EBUSY},   {VMMEM_EIO, EIO},         {VMMEM_ENOENT, ENOENT}, {VMMEM_EPARTIAL, EIO},
};
#define CODE_COUNT (sizeof codes / sizeof codes[0])

static void test_codes_lie_below_every_negated_errno(void **state)
{
    (void)state;
    assert_int_equal(CODE_COUNT, VMMEM_ERROR_BASE - VMMEM_ERROR_LAST);
    for (size_t i = 0; i < CODE_COUNT; i++) {
        assert_int_equal(codes[i].code, VMMEM_ERROR_BASE - 1 - (int)i); /* consecutive, none skipped */
        assert_true(codes[i].code < -4095);                              /* Linux's MAX_ERRNO */
    }
}

static void test_each_code_has_its_own_description(void **state)
{
    (void)state;
    assert_string_equal(vmmem_strerror(VMMEM_OK), "success");
    for (size_t i = 0; i < CODE_COUNT; i++) {
        const char *text = vmmem_strerror(codes[i].code);
        assert_string_not_equal(text, "unknown error");
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(text, vmmem_strerror(codes[j].code));
    }
    /* the old values (-1..-12) are negated errnos now, not vmmem codes */
    for (int old = -1; old >= -12; old--)
        assert_string_equal(vmmem_strerror(old), "unknown error");
    assert_string_equal(vmmem_strerror(VMMEM_ERROR_BASE), "unknown error");
    assert_string_equal(vmmem_strerror(VMMEM_ERROR_LAST - 1), "unknown error");
}

static void test_error_to_errno(void **state)
{
    (void)state;
    assert_int_equal(vmmem_error_to_errno(VMMEM_OK), 0);
    for (size_t i = 0; i < CODE_COUNT; i++)
        assert_int_equal(vmmem_error_to_errno(codes[i].code), codes[i].errno_value);
    assert_int_equal(vmmem_error_to_errno(-EPERM), EINVAL); /* not a vmmem code */
    assert_int_equal(vmmem_error_to_errno(12345), EINVAL);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_lie_below_every_negated_errno),
        cmocka_unit_test(test_each_code_has_its_own_description),
        cmocka_unit_test(test_error_to_errno),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
