/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_config.c - the threshold config file (the format vmmem-tune
 * writes): values, comments, "off", malformed lines and a missing file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "test_support.h"

/* Writes text to a new temporary file; returns its path in `path`. */
static void write_temp(char *path, const char *text)
{
    strcpy(path, "/tmp/vmmem_config_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Reads the file; returns the number of warning lines it logged. */
static unsigned read_with_warnings(const char *path, vmmem_thresholds *t, int *ret)
{
    vmmem_log log;
    vmmem_log_clear(&log);
    *ret = vmmem_read_config_file(path, t, &log);
    if (log.len)
        printf("# %.*s", (int)log.len, log.text);
    return vmmem_log_lines(&log);
}

static void test_reads_every_key(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, "# written by vmmem-tune\n"
                     "simd_threshold = 0\n"
                     "\n"
                     "  erms_threshold=24K   # L1d / 2\n"
                     "nt_threshold = off\n");
    vmmem_thresholds t = {1, 2, 3};
    int ret;
    assert_int_equal(read_with_warnings(path, &t, &ret), 0);
    assert_int_equal(ret, 0);
    assert_int_equal(t.simd, 0);
    assert_int_equal(t.erms, 24 << 10);
    assert_int_equal(t.nt, SIZE_MAX);
    unlink(path);
}

static void test_malformed_lines_warn_and_are_skipped(void **state)
{
    (void)state;
    char path[64];
    write_temp(path, "erms_threshold = 64K\n"
                     "nt_threshold = lots\n"  /* bad value */
                     "prefetch = 1\n"         /* unknown key */
                     "simd_threshold\n"       /* no '=' */
                     "simd_threshold = 100\n");
    vmmem_thresholds t = {1, 2, 3};
    int ret;
    assert_int_equal(read_with_warnings(path, &t, &ret), 3);
    assert_int_equal(ret, 0);
    assert_int_equal(t.erms, 64 << 10);
    assert_int_equal(t.nt, 3); /* untouched by the bad line */
    assert_int_equal(t.simd, 100);
    unlink(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    vmmem_thresholds t = {1, 2, 3};
    vmmem_log log;
    vmmem_log_clear(&log);
    assert_int_equal(vmmem_read_config_file("/nonexistent/vmmem.conf", &t, &log), -1);
    assert_int_equal(log.len, 0);
    assert_int_equal(t.simd, 1);
    assert_int_equal(t.erms, 2);
    assert_int_equal(t.nt, 3);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_every_key),
        cmocka_unit_test(test_malformed_lines_warn_and_are_skipped),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
