/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_copy_sizes.c - every copy function (every kernel this CPU runs,
 * and every public copy call) at every size 0..1024, powers of two and +-1
 * up to 64 MiB, all src/dst offsets 0..63 for small sizes, with canaries
 * around dst and buffers flush against PROT_NONE guard pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#define CANARY 0xA5
#define SMALL_MAX 1024         /* every size up to here */
#define ALL_OFFSETS_MAX 128    /* every (src, dst) offset pair 0..63 up to here */
#define OFFSETS 64
#define SLACK 256              /* canary bytes on each side of dst */
#define DEFAULT_MAX_SIZE ((size_t)64 << 20)

static copy_under_test functions[32];
static size_t function_count;

/* Offset pairs used above ALL_OFFSETS_MAX: aligned, each side off by one,
 * both odd, and vector-width-straddling mixes. */
static const size_t sampled_offsets[][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {7, 13}, {15, 16},
                                             {31, 33}, {63, 0}, {0, 63}, {32, 0}, {17, 49}};

/* Checks dst[0..n) == src[0..n) and that the SLACK bytes on each side of
 * dst still hold the canary; then restores the canary over dst. */
static void check_and_reset(const char *fn, const unsigned char *src, unsigned char *dst, size_t n,
                            size_t so, size_t dof)
{
    if (memcmp(dst, src, n) != 0) {
        size_t i = 0;
        while (dst[i] == src[i])
            i++;
        fail_msg("%s: n=%zu src+%zu dst+%zu: byte %zu differs", fn, n, so, dof, i);
    }
    for (size_t i = 1; i <= SLACK; i++)
        if (dst[-(ptrdiff_t)i] != CANARY || dst[n + i - 1] != CANARY)
            fail_msg("%s: n=%zu src+%zu dst+%zu: canary overwritten", fn, n, so, dof);
    memset(dst, CANARY, n);
}

static void test_every_small_size_and_offset(void **state)
{
    (void)state;
    guarded_buffer src, dst;
    guarded_alloc(&src, SMALL_MAX + OFFSETS);
    guarded_alloc(&dst, SMALL_MAX + OFFSETS + 2 * SLACK);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 1);
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    for (size_t f = 0; f < function_count; f++) {
        for (size_t n = 0; n <= SMALL_MAX; n++) {
            size_t pairs = n <= ALL_OFFSETS_MAX ? OFFSETS * OFFSETS
                                                : sizeof sampled_offsets / sizeof sampled_offsets[0];
            for (size_t p = 0; p < pairs; p++) {
                size_t so = n <= ALL_OFFSETS_MAX ? p / OFFSETS : sampled_offsets[p][0];
                size_t dof = n <= ALL_OFFSETS_MAX ? p % OFFSETS : sampled_offsets[p][1];
                unsigned char *d = dst.lo + SLACK + dof;
                const unsigned char *s = src.lo + so;
                void *ret = functions[f].fn(d, s, n);
                assert_ptr_equal(ret, d);
                check_and_reset(functions[f].name, s, d, n, so, dof);
            }
        }
    }
    guarded_free(&src);
    guarded_free(&dst);
}

/* Both buffers flush against a guard page: the copied ranges end exactly at
 * the upper guard, or start exactly at the lower one (and the mixes), so any
 * byte read or written outside the ranges faults. */
static void copy_at_page_edges(size_t n, guarded_buffer *src, guarded_buffer *dst)
{
    const unsigned char *src_at[2] = {src->lo, src->hi - n};
    unsigned char *dst_at[2] = {dst->lo, dst->hi - n};
    for (size_t f = 0; f < function_count; f++) {
        for (int si = 0; si < 2; si++) {
            for (int di = 0; di < 2; di++) {
                functions[f].fn(dst_at[di], src_at[si], n);
                if (memcmp(dst_at[di], src_at[si], n) != 0)
                    fail_msg("%s: n=%zu at page edges (src %s, dst %s): wrong bytes", functions[f].name, n,
                             si ? "end" : "start", di ? "end" : "start");
            }
        }
    }
}

static void test_small_sizes_at_page_edges(void **state)
{
    (void)state;
    guarded_buffer src, dst;
    guarded_alloc(&src, SMALL_MAX);
    guarded_alloc(&dst, SMALL_MAX);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 2);
    for (size_t n = 0; n <= SMALL_MAX; n++)
        copy_at_page_edges(n, &src, &dst);
    guarded_free(&src);
    guarded_free(&dst);
}

/* Powers of two and +-1 from 2 KiB up to the maximum, with sampled offsets
 * (canaries) and at the page edges (guard pages). */
static void test_large_sizes(void **state)
{
    (void)state;
    size_t max = test_max_size(DEFAULT_MAX_SIZE);
    guarded_buffer src, dst;
    guarded_alloc(&src, max + 1 + OFFSETS);
    guarded_alloc(&dst, max + 1 + OFFSETS + 2 * SLACK);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 3);
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    for (size_t base = 2048; base <= max; base *= 2) {
        for (size_t n = base - 1; n <= base + 1 && n <= max + 1; n++) {
            for (size_t p = 0; p < sizeof sampled_offsets / sizeof sampled_offsets[0]; p++) {
                size_t so = sampled_offsets[p][0], dof = sampled_offsets[p][1];
                for (size_t f = 0; f < function_count; f++) {
                    unsigned char *d = dst.lo + SLACK + dof;
                    functions[f].fn(d, src.lo + so, n);
                    check_and_reset(functions[f].name, src.lo + so, d, n, so, dof);
                }
            }
            copy_at_page_edges(n, &src, &dst);
            memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
        }
    }
    guarded_free(&src);
    guarded_free(&dst);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    function_count = copy_functions_under_test(functions, sizeof functions / sizeof functions[0]);
    printf("# testing %zu copy functions (active ISA: %s)\n", function_count,
           vmmem_isa_name(vmmem_active_isa()));
    for (size_t f = 0; f < function_count; f++)
        printf("#   %s\n", functions[f].name);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_small_size_and_offset),
        cmocka_unit_test(test_small_sizes_at_page_edges),
        cmocka_unit_test(test_large_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
