/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_impls.c - the registry: names, roles and modes (every
 * implementation reached the same way as its rivals in each mode, the A/A
 * twin in every mode), selection by name and mode, and that every runnable
 * copy copies and every method touches only its side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench_impls.h"
#include "bench_runner.h"

static struct bench_registry reg;

static void test_baseline_twin_and_limits_in_every_mode(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        struct bench_impl *g = bench_registry_find(&reg, "glibc-memcpy", mode);
        struct bench_impl *aa = bench_registry_find(&reg, "glibc-memcpy-aa", mode);
        assert_non_null(g);
        assert_non_null(aa);
        assert_int_equal(g->role, BENCH_ROLE_REFERENCE);
        assert_int_equal(aa->role, BENCH_ROLE_AA);
        assert_true(g->available && g->selected && aa->available);
        assert_ptr_equal(g->fn, aa->fn); /* the same function, timed twice */
        if (mode == BENCH_MODE_POINTER) {
            assert_null(g->loops); /* the one shared loop */
        } else {
            assert_non_null(g->loops);
            assert_non_null(aa->loops);
            assert_ptr_not_equal(g->loops, aa->loops); /* two distinct loops */
            assert_ptr_not_equal(g->loops->fixed, aa->loops->fixed);
        }
        assert_non_null(bench_registry_find(&reg, "store-vec", mode));
        assert_non_null(bench_registry_find(&reg, "vmmem-fast", mode));
        assert_non_null(bench_registry_find(&reg, "vmmem-adaptive", mode));
        assert_non_null(bench_registry_find(&reg, "vmmem-memmove", mode));
        assert_non_null(bench_registry_find(&reg, "call-overhead", mode));
        assert_non_null(bench_registry_find(&reg, "copy-vec", mode));
    }
    /* the ISA kernels have no name to call: pointer mode only */
    assert_non_null(bench_registry_find(&reg, "kernel-generic", BENCH_MODE_POINTER));
    assert_null(bench_registry_find(&reg, "kernel-generic", BENCH_MODE_CALL));
    assert_null(bench_registry_find(&reg, "no-such-copy", BENCH_MODE_POINTER));
    /* the pointer mode calls what dlsym resolved, and says where it lies */
    assert_true(reg.n_where >= 5);
    assert_non_null(strstr(reg.where[0], "memcpy = "));
    assert_non_null(strstr(reg.where[2], "vmmem_memcpy_fast = libvmmem"));
}

static void test_modes_mirror_pointer_mode(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    for (size_t i = 0; i < reg.n; i++) {
        const struct bench_impl *m = &reg.impl[i];
        /* (name, mode) is unique */
        for (size_t k = i + 1; k < reg.n; k++)
            assert_false(m->mode == reg.impl[k].mode && !strcmp(m->name, reg.impl[k].name));
        if (!m->available)
            assert_true(m->why_not[0] != '\0');
        if (m->mode == BENCH_MODE_POINTER)
            continue;
        /* a call-mode entry is its pointer twin with loops of its own */
        struct bench_impl *twin = bench_registry_find(&reg, m->name, BENCH_MODE_POINTER);
        assert_non_null(twin);
        assert_int_equal(m->role, twin->role);
        assert_int_equal(m->flags, twin->flags);
        assert_int_equal(m->min_size, twin->min_size);
        assert_int_equal(m->available, twin->available);
        assert_non_null(m->loops);
        assert_non_null(m->loops->fixed);
        assert_non_null(m->loops->cold);
        assert_non_null(m->loops->evict);
        assert_non_null(m->loops->ops);
        if (m->fn != twin->fn)
            fail_msg("%s in mode %s checks another function than it times", m->name,
                     bench_mode_name(m->mode));
    }
}

static void test_unknown_name_is_an_error(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    char names[2][32] = {"vmmem-fast", "nope"};
    char err[4096] = "", note[256];
    assert_int_equal(bench_registry_select(&reg, (const char(*)[32])names, 2, BENCH_MODES_ALL, err,
                                           sizeof err, note, sizeof note),
                     -1);
    assert_non_null(strstr(err, "unknown implementation 'nope'"));
    assert_non_null(strstr(err, "glibc-memcpy"));
}

static void test_select_subset_and_modes(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    char names[1][32] = {"vmmem-fast"};
    char err[256], note[256];
    unsigned modes = 1u << BENCH_MODE_CALL;
    assert_int_equal(bench_registry_select(&reg, (const char(*)[32])names, 1, modes, err,
                                           sizeof err, note, sizeof note),
                     0);
    size_t selected = 0;
    for (size_t i = 0; i < reg.n; i++) {
        const struct bench_impl *m = &reg.impl[i];
        int reference = m->role != BENCH_ROLE_COPY || (m->flags & BENCH_F_COPY_METHOD);
        int want = m->available && m->mode == BENCH_MODE_CALL &&
                   (reference || !strcmp(m->name, "vmmem-fast"));
        if (m->selected != want)
            fail_msg("%s (%s): selected %d", m->name, bench_mode_name(m->mode), m->selected);
        selected += m->selected;
    }
    assert_true(selected >= 4);
    /* no names: everything available in the modes */
    assert_int_equal(bench_registry_select(&reg, NULL, 0, BENCH_MODES_ALL, err, sizeof err, note,
                                           sizeof note),
                     0);
    for (size_t i = 0; i < reg.n; i++)
        assert_int_equal(reg.impl[i].selected, reg.impl[i].available);
}

static void test_unavailable_name_is_skipped_with_note(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    struct bench_impl *m = &reg.impl[reg.n];
    memset(m, 0, sizeof *m);
    reg.n++;
    snprintf(m->name, sizeof m->name, "missing-peer");
    bench_impl_unavailable(m, "not built: no headers");
    char names[1][32] = {"missing-peer"};
    char err[256], note[256];
    assert_int_equal(bench_registry_select(&reg, (const char(*)[32])names, 1, BENCH_MODES_ALL, err,
                                           sizeof err, note, sizeof note),
                     0);
    assert_non_null(strstr(note, "missing-peer skipped: not built: no headers"));
    assert_false(m->selected);
}

static void test_every_copy_copies(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    static const size_t sizes[] = {0,   1,   2,   3,    7,    8,    15,    16,    31,    33,
                                   63,  64,  65,  127,  128,  129,  255,   256,   257,   511,
                                   512, 513, 1000, 4095, 4096, 65537, 300000, 2100000};
    size_t cap = 2100000 + 256;
    unsigned char *src = malloc(cap), *dst = malloc(cap);
    assert_non_null(src);
    assert_non_null(dst);
    for (size_t i = 0; i < cap; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    for (size_t i = 0; i < reg.n; i++) {
        const struct bench_impl *m = &reg.impl[i];
        if (!m->available || !bench_role_is_copy(m->role) || m->mode != BENCH_MODE_POINTER)
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

/* Store methods write the pattern to dst[0..n) and read nothing; loads
 * and the empty call write nothing. */
static void test_methods_touch_only_their_side(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    enum { CAP = 70000 };
    static unsigned char src[CAP], dst[CAP];
    memset(src, 1, sizeof src);
    for (size_t i = 0; i < reg.n; i++) {
        const struct bench_impl *m = &reg.impl[i];
        if (!m->available || bench_role_is_copy(m->role) || m->mode != BENCH_MODE_POINTER)
            continue;
        for (size_t n = 0; n + 2 <= CAP; n = n ? n * 2 + 1 : 1) {
            memset(dst, 0, sizeof dst);
            m->fn(dst + 1, src, n);
            assert_int_equal(dst[0], 0);
            assert_int_equal(dst[1 + n], 0);
            for (size_t k = 0; k < sizeof src; k++)
                assert_int_equal(src[k], 1);
            for (size_t k = 0; k < n; k++)
                assert_int_equal(dst[1 + k], m->role == BENCH_ROLE_STORE_LIMIT ? 0x5a : 0);
        }
    }
}

/* A call-mode loop really calls its implementation: the copy happens. */
static void test_call_loops_copy(void **state)
{
    (void)state;
    bench_registry_init(&reg);
    static unsigned char src[4096], dst[4096];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 13 + 1);
    size_t checked = 0;
    for (size_t i = 0; i < reg.n; i++) {
        const struct bench_impl *m = &reg.impl[i];
        if (!m->available || m->mode == BENCH_MODE_POINTER || !bench_role_is_copy(m->role) ||
            m->min_size > 1000)
            continue;
        struct bench_workload w;
        memset(&w, 0, sizeof w);
        w.kind = BENCH_WL_FIXED;
        w.src = src;
        w.dst = dst;
        w.size = 1000;
        memset(dst, 0, sizeof dst);
        assert_true(bench_run_batch(&w, m, 3) > 0);
        if (memcmp(dst, src, 1000) || dst[1000])
            fail_msg("%s (%s): its loop did not copy", m->name, bench_mode_name(m->mode));
        checked++;
    }
    assert_true(checked >= 2 * 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baseline_twin_and_limits_in_every_mode),
        cmocka_unit_test(test_modes_mirror_pointer_mode),
        cmocka_unit_test(test_unknown_name_is_an_error),
        cmocka_unit_test(test_select_subset_and_modes),
        cmocka_unit_test(test_unavailable_name_is_skipped_with_note),
        cmocka_unit_test(test_every_copy_copies),
        cmocka_unit_test(test_methods_touch_only_their_side),
        cmocka_unit_test(test_call_loops_copy),
    };
    return cmocka_run_group_tests_name("bench_impls", tests, NULL, NULL);
}
