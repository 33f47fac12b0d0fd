/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/tests/test_tune_core.c - vmmem-tune's pure logic on synthetic data:
 * crossover selection (always, never, a clean crossing, noise, two
 * alignments, tolerance), size ladders, size text both ways, the config and
 * shell text, and that the library itself reads the config text back. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/vmmem.h>

#include "tune_core.h"

/* A one-variant table from parallel arrays. */
static size_t table(struct tune_point *pts, const size_t *sizes, const double *base, const double *cand,
                    size_t n)
{
    for (size_t i = 0; i < n; i++)
        pts[i] = (struct tune_point){.size = sizes[i], .variants = 1, .base_ns = {base[i]}, .cand_ns = {cand[i]}};
    return n;
}

static const size_t sizes6[] = {17, 32, 64, 128, 256, 512};

/* ---- tune_wins ---- */

static void test_wins_basic(void **state)
{
    (void)state;
    assert_true(tune_wins(1.0, 2.0, 0.0));
    assert_true(tune_wins(2.0, 2.0, 0.0)); /* level counts as a win */
    assert_false(tune_wins(2.01, 2.0, 0.0));
    assert_true(tune_wins(2.03, 2.0, 0.02));  /* within 2 % */
    assert_false(tune_wins(2.05, 2.0, 0.02)); /* 2.5 % slower */
}

static void test_wins_bad_numbers(void **state)
{
    (void)state;
    assert_false(tune_wins(NAN, 2.0, 0.0));
    assert_false(tune_wins(0.0, 2.0, 0.0));
    assert_false(tune_wins(-1.0, 2.0, 0.0));
    assert_false(tune_wins(INFINITY, 2.0, 0.0));
    assert_true(tune_wins(1.0, NAN, 0.0)); /* a broken incumbent does not block */
    assert_true(tune_wins(1.0, 0.0, 0.0));
}

/* ---- tune_find_crossover ---- */

static void test_crossover_always(void **state)
{
    (void)state;
    struct tune_point p[6];
    const double base[] = {3, 3, 4, 6, 9, 15}, cand[] = {2, 2, 3, 5, 8, 12};
    struct tune_crossover c = tune_find_crossover(p, table(p, sizes6, base, cand, 6), 0.0);
    assert_int_equal(c.verdict, TUNE_ALWAYS);
    assert_int_equal(c.size, 17);
}

static void test_crossover_never(void **state)
{
    (void)state;
    struct tune_point p[6];
    const double base[] = {3, 3, 4, 6, 9, 15}, cand[] = {4, 4, 5, 7, 10, 16};
    struct tune_crossover c = tune_find_crossover(p, table(p, sizes6, base, cand, 6), 0.0);
    assert_int_equal(c.verdict, TUNE_NEVER);
    assert_int_equal(c.size, 0);
}

static void test_crossover_never_when_last_loses(void **state)
{
    (void)state;
    /* Wins everywhere except the largest size: no size from which it wins at
     * every larger one. */
    struct tune_point p[6];
    const double base[] = {3, 3, 4, 6, 9, 15}, cand[] = {2, 2, 3, 5, 8, 16};
    struct tune_crossover c = tune_find_crossover(p, table(p, sizes6, base, cand, 6), 0.0);
    assert_int_equal(c.verdict, TUNE_NEVER);
}

static void test_crossover_clean(void **state)
{
    (void)state;
    struct tune_point p[6];
    const double base[] = {2, 2, 3, 5, 8, 14}, cand[] = {3, 3, 4, 5, 7, 12};
    struct tune_crossover c = tune_find_crossover(p, table(p, sizes6, base, cand, 6), 0.0);
    assert_int_equal(c.verdict, TUNE_FROM);
    assert_int_equal(c.size, 128); /* level at 128 counts */
}

static void test_crossover_noisy(void **state)
{
    (void)state;
    /* Wins at 32, loses at 64 (noise or a real dip), wins again from 128:
     * the crossover is above the last loss, never below it. */
    struct tune_point p[6];
    const double base[] = {2, 3, 3, 6, 9, 15}, cand[] = {3, 2, 3.5, 5, 8, 12};
    struct tune_crossover c = tune_find_crossover(p, table(p, sizes6, base, cand, 6), 0.0);
    assert_int_equal(c.verdict, TUNE_FROM);
    assert_int_equal(c.size, 128);
    /* A loss at the second-largest point alone moves it to the largest. */
    p[4].cand_ns[0] = 9.5;
    c = tune_find_crossover(p, 6, 0.0);
    assert_int_equal(c.verdict, TUNE_FROM);
    assert_int_equal(c.size, 512);
    /* The same loss within the tolerance is not a loss. */
    c = tune_find_crossover(p, 6, 0.06);
    assert_int_equal(c.verdict, TUNE_FROM);
    assert_int_equal(c.size, 128);
}

static void test_crossover_two_variants(void **state)
{
    (void)state;
    /* rep movsb against the loop at dst 2048 and at 2049: it wins aligned
     * from 4K but misaligned only from 16K. */
    static const size_t sizes[] = {2048, 4096, 8192, 16384, 32768};
    const double aligned_base[] = {10, 20, 40, 80, 160}, aligned_cand[] = {12, 20, 39, 70, 150};
    const double mis_base[] = {10, 20, 40, 80, 160}, mis_cand[] = {15, 30, 45, 80, 150};
    struct tune_point p[5];
    for (size_t i = 0; i < 5; i++)
        p[i] = (struct tune_point){.size = sizes[i],
                                   .variants = 2,
                                   .base_ns = {aligned_base[i], mis_base[i]},
                                   .cand_ns = {aligned_cand[i], mis_cand[i]}};
    struct tune_crossover c = tune_find_crossover(p, 5, 0.0);
    assert_int_equal(c.verdict, TUNE_FROM);
    assert_int_equal(c.size, 16384);
    /* One variant alone would have said 4K. */
    for (size_t i = 0; i < 5; i++)
        p[i].variants = 1;
    c = tune_find_crossover(p, 5, 0.0);
    assert_int_equal(c.size, 4096);
}

static void test_crossover_degenerate(void **state)
{
    (void)state;
    struct tune_point p[2] = {{.size = 64, .variants = 1, .base_ns = {2}, .cand_ns = {1}},
                              {.size = 128, .variants = 0, .base_ns = {2}, .cand_ns = {1}}};
    assert_int_equal(tune_find_crossover(p, 0, 0.0).verdict, TUNE_NEVER); /* no data */
    assert_int_equal(tune_find_crossover(p, 1, 0.0).verdict, TUNE_ALWAYS);
    assert_int_equal(tune_find_crossover(p, 2, 0.0).verdict, TUNE_NEVER); /* no variants: a loss */
    p[1].variants = TUNE_MAX_VARIANTS + 1;
    assert_int_equal(tune_find_crossover(p, 2, 0.0).verdict, TUNE_NEVER);
    /* A failed (zero) candidate measurement is a loss, not a win. */
    p[1] = (struct tune_point){.size = 128, .variants = 1, .base_ns = {2}, .cand_ns = {0}};
    assert_int_equal(tune_find_crossover(p, 2, 0.0).verdict, TUNE_NEVER);
}

/* ---- tune_log_ladder ---- */

static void test_ladder_erms_range(void **state)
{
    (void)state;
    size_t s[64];
    size_t n = tune_log_ladder(2048, (size_t)4 << 20, 4, s, 64);
    assert_int_equal(n, 45); /* 11 octaves x 4 + 1 */
    assert_int_equal(s[0], 2048);
    assert_int_equal(s[n - 1], (size_t)4 << 20);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(s[i] % 64, 0);
        if (i)
            assert_true(s[i] > s[i - 1]);
    }
    /* Every power of two in range is on the ladder. */
    for (size_t p = 2048, i = 0; p <= ((size_t)4 << 20); p *= 2, i += 4)
        assert_int_equal(s[i], p);
    /* Points read well: 19K, 23K, 27K between 16K and 32K. */
    assert_int_equal(s[12], 16384);
    assert_int_equal(s[13], 19 * 1024);
    assert_int_equal(s[14], 23 * 1024);
    assert_int_equal(s[15], 27 * 1024);
}

static void test_ladder_edges(void **state)
{
    (void)state;
    size_t s[8];
    assert_int_equal(tune_log_ladder(4096, 4096, 4, s, 8), 1);
    assert_int_equal(s[0], 4096);
    assert_int_equal(tune_log_ladder(0, 4096, 4, s, 8), 0);
    assert_int_equal(tune_log_ladder(8192, 4096, 4, s, 8), 0);
    assert_int_equal(tune_log_ladder(1024, 4096, 0, s, 8), 0);
    assert_int_equal(tune_log_ladder(1024, 4096, 4, s, 0), 0);
    /* cap respected */
    assert_int_equal(tune_log_ladder(1024, (size_t)1 << 30, 4, s, 8), 8);
    /* one point per octave: powers of two only, up to a hi that is not one */
    size_t n = tune_log_ladder((size_t)8 << 20, (size_t)100 << 20, 1, s, 8);
    assert_int_equal(n, 5);
    assert_int_equal(s[3], (size_t)64 << 20);
    assert_int_equal(s[4], (size_t)100 << 20);
}

/* ---- sizes as text ---- */

static void check_format(size_t n, const char *want)
{
    char buf[32];
    assert_int_equal(tune_format_size(n, buf, sizeof buf), (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_format(void **state)
{
    (void)state;
    check_format(0, "0");
    check_format(17, "17");
    check_format(1023, "1023");
    check_format(1024, "1K");
    check_format(1536, "1536");
    check_format(24576, "24K");
    check_format((size_t)1 << 20, "1M");
    check_format((size_t)11776 << 10, "11776K");
    check_format((size_t)32 << 20, "32M");
    check_format((size_t)3 << 30, "3G");
    check_format((size_t)1025 << 20, "1025M");
    check_format(SIZE_MAX, "off");
#if SIZE_MAX == UINT64_MAX
    check_format(SIZE_MAX - 1, "18446744073709551614");
#endif
    char small[3];
    assert_int_equal(tune_format_size(24576, small, sizeof small), -1);
    assert_int_equal(tune_format_size(SIZE_MAX, small, sizeof small), -1);
    assert_string_equal(small, "of"); /* truncated but terminated */
}

static void test_parse_valid(void **state)
{
    (void)state;
    size_t v = 1;
    assert_int_equal(tune_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(tune_parse_size("24K", &v), 0);
    assert_int_equal(v, 24576);
    assert_int_equal(tune_parse_size("24k", &v), 0);
    assert_int_equal(v, 24576);
    assert_int_equal(tune_parse_size("32M", &v), 0);
    assert_int_equal(v, (size_t)32 << 20);
    assert_int_equal(tune_parse_size("2g", &v), 0);
    assert_int_equal(v, (size_t)2 << 30);
    assert_int_equal(tune_parse_size("off", &v), 0);
    assert_int_equal(v, SIZE_MAX);
#if SIZE_MAX == UINT64_MAX
    assert_int_equal(tune_parse_size("18446744073709551615", &v), 0);
    assert_int_equal(v, SIZE_MAX);
#endif
}

static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *bad[] = {"", "K", "-1", "+1", " 24", "24 ", "1.5K", "24KB", "24KK", "off ", "OFF",
                                "0x10", "18446744073709551616", "17179869184G", "17592186044416M"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t v = 12345;
        assert_int_equal(tune_parse_size(bad[i], &v), -1);
        assert_int_equal(v, 12345);
    }
    size_t v = 1;
    assert_int_equal(tune_parse_size(NULL, &v), -1);
}

static void test_size_round_trips(void **state)
{
    (void)state;
    char buf[32];
    /* size -> text -> size */
    for (unsigned shift = 0; shift < sizeof(size_t) * 8 - 1; shift++)
        for (int delta = -1; delta <= 1; delta++) {
            size_t n = ((size_t)1 << shift) + (size_t)(ptrdiff_t)delta;
            size_t back = 0;
            assert_true(tune_format_size(n, buf, sizeof buf) > 0);
            assert_int_equal(tune_parse_size(buf, &back), 0);
            assert_int_equal(back, n);
        }
    size_t ladder[64];
    size_t count = tune_log_ladder(2048, (size_t)512 << 20, 4, ladder, 64);
    for (size_t i = 0; i < count; i++) {
        size_t back = 0;
        assert_true(tune_format_size(ladder[i], buf, sizeof buf) > 0);
        assert_int_equal(tune_parse_size(buf, &back), 0);
        assert_int_equal(back, ladder[i]);
    }
    /* canonical text -> size -> the same text */
    static const char *canon[] = {"0", "17", "1000", "24K", "1025K", "32M", "3G", "off"};
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        size_t v = 0;
        assert_int_equal(tune_parse_size(canon[i], &v), 0);
        assert_true(tune_format_size(v, buf, sizeof buf) > 0);
        assert_string_equal(buf, canon[i]);
    }
    /* non-canonical text still round-trips by value */
    size_t a = 0, b = 0;
    assert_int_equal(tune_parse_size("2048", &a), 0);
    assert_true(tune_format_size(a, buf, sizeof buf) > 0);
    assert_string_equal(buf, "2K");
    assert_int_equal(tune_parse_size(buf, &b), 0);
    assert_int_equal(a, b);
}

/* ---- config and shell text ---- */

/* A minimal reader of the config format, independent of the library's:
 * returns the number of keys found, -1 on a line that is neither. */
static int read_config_text(const char *text, struct tune_settings *s)
{
    int found = 0;
    char line[256];
    while (*text) {
        size_t len = strcspn(text, "\n");
        assert_true(len < sizeof line);
        memcpy(line, text, len);
        line[len] = '\0';
        text += len + (text[len] == '\n');
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char key[64], value[64];
        if (sscanf(line, "%63s = %63s", key, value) != 2)
            return -1;
        size_t *field = strcmp(key, "simd_threshold") == 0   ? &s->simd
                        : strcmp(key, "erms_threshold") == 0 ? &s->erms
                        : strcmp(key, "nt_threshold") == 0   ? &s->nt
                                                             : NULL;
        if (!field || tune_parse_size(value, field) != 0)
            return -1;
        found++;
    }
    return found;
}

static void test_config_text(void **state)
{
    (void)state;
    const struct tune_settings s = {0, 24576, SIZE_MAX};
    char buf[1024];
    int len = tune_config_text(buf, sizeof buf, &s, "AuthenticAMD family 0x1A model 0x2, ISA avx512",
                               "2026-11-24 07:00:00 +0000");
    assert_true(len > 0);
    assert_int_equal((size_t)len, strlen(buf));
    assert_non_null(strstr(buf, "\n# machine: AuthenticAMD family 0x1A model 0x2, ISA avx512\n"));
    assert_non_null(strstr(buf, "\n# date: 2026-11-24 07:00:00 +0000\n"));
    assert_non_null(strstr(buf, "\nsimd_threshold = 0\nerms_threshold = 24K\nnt_threshold = off\n"));
    assert_int_equal(buf[len - 1], '\n');
    struct tune_settings back = {1, 1, 1};
    assert_int_equal(read_config_text(buf, &back), 3);
    assert_int_equal(back.simd, s.simd);
    assert_int_equal(back.erms, s.erms);
    assert_int_equal(back.nt, s.nt);
}

static void test_config_text_header_safety(void **state)
{
    (void)state;
    /* A line break in the machine name must not start a non-comment line. */
    const struct tune_settings s = {128, SIZE_MAX, (size_t)48 << 20};
    char buf[1024];
    assert_true(tune_config_text(buf, sizeof buf, &s, "evil\nsimd_threshold = 1\r\n", NULL) > 0);
    assert_null(strstr(buf, "\nsimd_threshold = 1\n"));
    assert_null(strstr(buf, "# date:"));
    struct tune_settings back = {0, 0, 0};
    assert_int_equal(read_config_text(buf, &back), 3);
    assert_int_equal(back.simd, 128);
    assert_int_equal(back.erms, SIZE_MAX);
    assert_int_equal(back.nt, (size_t)48 << 20);
    /* no header fields at all */
    assert_true(tune_config_text(buf, sizeof buf, &s, NULL, NULL) > 0);
    assert_null(strstr(buf, "# machine:"));
}

static void test_config_text_too_small(void **state)
{
    (void)state;
    const struct tune_settings s = {0, 24576, SIZE_MAX};
    char big[1024];
    int len = tune_config_text(big, sizeof big, &s, "m", "d");
    assert_true(len > 0);
    char *small = malloc((size_t)len + 1);
    assert_non_null(small);
    assert_int_equal(tune_config_text(small, (size_t)len + 1, &s, "m", "d"), len); /* exact fit */
    assert_int_equal(tune_config_text(small, (size_t)len, &s, "m", "d"), -1);     /* one short */
    assert_int_equal(tune_config_text(small, 0, &s, "m", "d"), -1);
    free(small);
}

static void test_shell_text(void **state)
{
    (void)state;
    const struct tune_settings s = {0, 24576, SIZE_MAX};
    char buf[256];
    int len = tune_shell_text(buf, sizeof buf, &s);
    assert_string_equal(buf, "export VMMEM_SIMD_THRESHOLD=0\n"
                             "export VMMEM_ERMS_THRESHOLD=24K\n"
                             "export VMMEM_NT_THRESHOLD=off\n");
    assert_int_equal(len, (int)strlen(buf));
    assert_int_equal(tune_shell_text(buf, 20, &s), -1);
}

static void test_median(void **state)
{
    (void)state;
    double odd[] = {5, 1, 9, 3, 7};
    assert_true(tune_median(odd, 5) == 5.0);
    double even[] = {4, 1, 3, 2};
    assert_true(tune_median(even, 4) == 2.5);
    double one[] = {42};
    assert_true(tune_median(one, 1) == 42.0);
    assert_true(tune_median(NULL, 0) == 0.0);
    /* one outlier does not move it */
    double noisy[] = {10, 10.1, 9.9, 1000, 10};
    assert_true(tune_median(noisy, 5) == 10.0);
}

/* ---- the library reads what the tuner writes ---- */

static void test_library_reads_config_text(void **state)
{
    (void)state;
    /* Values unlike any default, so a silently ignored line would show. */
    const struct tune_settings s = {200, (size_t)48 << 10, (size_t)7 << 20};
    char text[1024];
    assert_true(tune_config_text(text, sizeof text, &s, "test machine", "today") > 0);
    char path[] = "/tmp/vmmem-tune-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    /* This must be the process's first library call: the thresholds are
     * read once, at start-up of the engine. */
    unsetenv("VMMEM_SIMD_THRESHOLD");
    unsetenv("VMMEM_ERMS_THRESHOLD");
    unsetenv("VMMEM_NT_THRESHOLD");
    setenv("VMMEM_CONFIG", path, 1);
    vmmem_thresholds t;
    assert_int_equal(vmmem_get_thresholds(&t), 0);
    unlink(path);
    assert_int_equal(t.simd, s.simd);
    assert_int_equal(t.nt, s.nt);
    /* Without ERMS (every non-x86 CPU) the library keeps the band off. */
    vmmem_cpu_info ci;
    assert_int_equal(vmmem_get_cpu_info(&ci), 0);
    assert_int_equal(t.erms, (ci.features & VMMEM_CPU_ERMS) ? s.erms : SIZE_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wins_basic),
        cmocka_unit_test(test_wins_bad_numbers),
        cmocka_unit_test(test_crossover_always),
        cmocka_unit_test(test_crossover_never),
        cmocka_unit_test(test_crossover_never_when_last_loses),
        cmocka_unit_test(test_crossover_clean),
        cmocka_unit_test(test_crossover_noisy),
        cmocka_unit_test(test_crossover_two_variants),
        cmocka_unit_test(test_crossover_degenerate),
        cmocka_unit_test(test_ladder_erms_range),
        cmocka_unit_test(test_ladder_edges),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_size_round_trips),
        cmocka_unit_test(test_config_text),
        cmocka_unit_test(test_config_text_header_safety),
        cmocka_unit_test(test_config_text_too_small),
        cmocka_unit_test(test_shell_text),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_library_reads_config_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
