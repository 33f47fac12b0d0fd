/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_guest_dirty.c - dirty-page tracking: switching it on and off,
 * the error codes, and exactness: every write path (write, copy_block,
 * typed stores, mark_dirty) sets exactly the pages it touched, in exactly
 * the regions that track, and nothing else does (reads, copy sources,
 * failed writes). Plus a concurrent test: bits set while another thread
 * fetches are reported once, never lost. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/guest_memory.h>

#include "test_support.h"

#define PG VMMEM_DIRTY_PAGE_SIZE
/* Region A: 300 pages (5 bitmap words, the last one partial), tracked.
 * Region B: 70 pages right after it, tracked. Region C after a hole: not
 * tracked. A ROM and an MMIO device for the error paths. */
#define A_BASE 0x100000ull
#define A_PAGES 300u
#define B_BASE (A_BASE + A_PAGES * PG)
#define B_PAGES 70u
#define C_BASE 0x400000ull
#define C_PAGES 16u
#define ROM_BASE 0x500000ull
#define DEV_BASE 0x600000ull
#define WORDS(pages) (((pages) + 63) / 64)
#define TOTAL_PAGES (A_PAGES + B_PAGES) /* the model covers A and B as one run */

static vmmem_guest_memory *gm;
static unsigned char expected[TOTAL_PAGES]; /* pages of A then B that must be dirty */

static int dev_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset;
    memset(data, 0, size);
    return VMMEM_OK;
}

static int dev_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    return VMMEM_OK;
}

static int setup(void **state)
{
    (void)state;
    vmmem_mmio_ops ops = {dev_read, dev_write, 1, 8, NULL};
    memset(expected, 0, sizeof expected);
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_ram(gm, A_BASE, A_PAGES * PG, NULL) ||
        vmmem_guest_add_ram(gm, B_BASE, B_PAGES * PG, NULL) || vmmem_guest_add_ram(gm, C_BASE, C_PAGES * PG, NULL) ||
        vmmem_guest_add_rom(gm, ROM_BASE, PG, NULL, 0) || vmmem_guest_add_mmio(gm, DEV_BASE, PG, &ops) ||
        vmmem_guest_dirty_enable(gm, A_BASE, 1) || vmmem_guest_dirty_enable(gm, B_BASE, 1))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
    return 0;
}

/* What a successful write of [gpa, gpa + len) must mark (A and B only). */
static void expect_written(uint64_t gpa, uint64_t len)
{
    for (uint64_t a = gpa; a < gpa + len; a++)
        if (a >= A_BASE && a < A_BASE + (uint64_t)TOTAL_PAGES * PG)
            expected[(a - A_BASE) / PG] = 1;
}

/* Set while a test runs its accesses inside vmmem_guest_enter(): the
 * calls then take the path that takes no read lock of its own. */
static int in_section;

/* Fetches A and B and compares with `expected`, then clears the model
 * (outside any section of the test's, as a dirty-log reader would). */
static void check_dirty(const char *what)
{
    if (in_section)
        vmmem_guest_exit(gm);
    uint64_t a[WORDS(A_PAGES) + 2], b[WORDS(B_PAGES)];
    memset(a, 0xEE, sizeof a); /* the extra words must come back zeroed */
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE, a, WORDS(A_PAGES) + 2), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, B_BASE, b, WORDS(B_PAGES)), VMMEM_OK);
    assert_int_equal(a[WORDS(A_PAGES)], 0);
    assert_int_equal(a[WORDS(A_PAGES) + 1], 0);
    for (unsigned p = 0; p < 64 * WORDS(A_PAGES); p++) {
        int got = (int)(a[p / 64] >> (p % 64) & 1), want = p < A_PAGES ? expected[p] : 0;
        if (got != want)
            fail_msg("%s: region A page %u is %s", what, p, got ? "dirty" : "clean");
    }
    for (unsigned p = 0; p < 64 * WORDS(B_PAGES); p++) {
        int got = (int)(b[p / 64] >> (p % 64) & 1), want = p < B_PAGES ? expected[A_PAGES + p] : 0;
        if (got != want)
            fail_msg("%s: region B page %u is %s", what, p, got ? "dirty" : "clean");
    }
    memset(expected, 0, sizeof expected);
    if (in_section)
        vmmem_guest_enter(gm);
}

static void test_enable_and_fetch_errors(void **state)
{
    (void)state;
    uint64_t words[8];
    assert_int_equal(vmmem_guest_dirty_enable(NULL, A_BASE, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_enable(gm, A_BASE + PG, 1), VMMEM_ENOENT); /* not a region start */
    assert_int_equal(vmmem_guest_dirty_enable(gm, 0x900000, 1), VMMEM_ENOENT);
    assert_int_equal(vmmem_guest_dirty_enable(gm, ROM_BASE, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_enable(gm, DEV_BASE, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(NULL, A_BASE, words, 8), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE, NULL, 8), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE, words, WORDS(A_PAGES) - 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, C_BASE, words, 8), VMMEM_EINVAL); /* off */
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, ROM_BASE, words, 8), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE + 1, words, 8), VMMEM_ENOENT);
    assert_int_equal(vmmem_guest_mark_dirty(NULL, A_BASE, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_mark_dirty(gm, A_BASE, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_mark_dirty(gm, UINT64_MAX, 2), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_mark_dirty(gm, C_BASE - 1, 2), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_mark_dirty(gm, ROM_BASE, 1), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_mark_dirty(gm, DEV_BASE, 1), VMMEM_EFAULT);
    check_dirty("after errors only"); /* none of them marked anything */
}

static void each_write_path_marks_exactly(void)
{
    unsigned char *buf = malloc(64 * PG);
    fill_pattern(buf, 64 * PG, 5);
    check_dirty("fresh");
    /* write: one byte, the last byte of a page, a page-crossing range */
    assert_int_equal(vmmem_guest_write(gm, A_BASE + 3 * PG + 17, buf, 1), VMMEM_OK);
    expect_written(A_BASE + 3 * PG + 17, 1);
    assert_int_equal(vmmem_guest_write(gm, A_BASE + 10 * PG - 1, buf, 1), VMMEM_OK);
    expect_written(A_BASE + 10 * PG - 1, 1);
    assert_int_equal(vmmem_guest_write(gm, A_BASE + 62 * PG + 5, buf, 3 * PG), VMMEM_OK); /* word edge */
    expect_written(A_BASE + 62 * PG + 5, 3 * PG);
    check_dirty("write");
    /* write spanning A -> B, and B -> hole (fails, marks nothing) */
    assert_int_equal(vmmem_guest_write(gm, B_BASE - PG - 1, buf, 2 * PG + 2), VMMEM_OK);
    expect_written(B_BASE - PG - 1, 2 * PG + 2);
    assert_int_equal(vmmem_guest_write(gm, B_BASE + B_PAGES * PG - 8, buf, 16), VMMEM_EFAULT);
    check_dirty("write across regions");
    /* reads and copy sources do not dirty; the copy destination does */
    assert_int_equal(vmmem_guest_read(gm, A_BASE, buf, 40 * PG), VMMEM_OK);
    assert_int_equal(vmmem_guest_copy_block(gm, A_BASE + 200 * PG + 9, A_BASE + 2 * PG, 5 * PG), VMMEM_OK);
    expect_written(A_BASE + 200 * PG + 9, 5 * PG);
    assert_int_equal(vmmem_guest_copy_block(gm, B_BASE - 3 * PG, A_BASE + PG, 7 * PG), VMMEM_OK); /* A -> B */
    expect_written(B_BASE - 3 * PG, 7 * PG);
    assert_int_equal(vmmem_guest_copy_block(gm, A_BASE + 7, C_BASE, 2 * PG), VMMEM_OK); /* from untracked C */
    expect_written(A_BASE + 7, 2 * PG);
    assert_int_equal(vmmem_guest_copy_block(gm, C_BASE, A_BASE + 50 * PG, 2 * PG), VMMEM_OK); /* into C */
    assert_int_equal(vmmem_guest_copy_block(gm, A_BASE + 90 * PG, ROM_BASE, PG), VMMEM_OK);
    expect_written(A_BASE + 90 * PG, PG);
    assert_int_equal(vmmem_guest_copy_block(gm, A_BASE + 95 * PG + 3, DEV_BASE + 1, 100), VMMEM_OK);
    expect_written(A_BASE + 95 * PG + 3, 100);
    assert_int_equal(vmmem_guest_copy_block(gm, ROM_BASE, A_BASE, 8), VMMEM_EPERM);
    /* overlapping, backward */
    assert_int_equal(vmmem_guest_copy_block(gm, A_BASE + 120 * PG + 100, A_BASE + 120 * PG, 3 * PG), VMMEM_OK);
    expect_written(A_BASE + 120 * PG + 100, 3 * PG);
    check_dirty("copy_block");
    /* typed stores of every width, aligned and page-crossing */
    assert_int_equal(vmmem_guest_write_u8(gm, A_BASE + 130 * PG, 1), VMMEM_OK);
    expect_written(A_BASE + 130 * PG, 1);
    assert_int_equal(vmmem_guest_write_le16(gm, A_BASE + 131 * PG - 1, 1), VMMEM_OK);
    expect_written(A_BASE + 131 * PG - 1, 2);
    assert_int_equal(vmmem_guest_write_be32(gm, A_BASE + 140 * PG + 8, 1), VMMEM_OK);
    expect_written(A_BASE + 140 * PG + 8, 4);
    assert_int_equal(vmmem_guest_write_le64(gm, A_BASE + 150 * PG - 4, 1), VMMEM_OK);
    expect_written(A_BASE + 150 * PG - 4, 8);
    assert_int_equal(vmmem_guest_write_be64(gm, B_BASE - 4, 1), VMMEM_OK); /* A -> B */
    expect_written(B_BASE - 4, 8);
    assert_int_equal(vmmem_guest_write_le32(gm, A_BASE + A_PAGES * PG + B_PAGES * PG - 2, 1), VMMEM_EFAULT);
    check_dirty("typed stores");
    /* mark_dirty, as after writes through a translated pointer */
    assert_int_equal(vmmem_guest_mark_dirty(gm, A_BASE + 299 * PG, PG + 1), VMMEM_OK); /* A -> B */
    expect_written(A_BASE + 299 * PG, PG + 1);
    assert_int_equal(vmmem_guest_mark_dirty(gm, C_BASE, PG), VMMEM_OK); /* untracked: ignored */
    check_dirty("mark_dirty");
    check_dirty("second fetch is empty");
    free(buf);
}

static void test_each_write_path_marks_exactly(void **state)
{
    (void)state;
    each_write_path_marks_exactly();
}

/* The same calls made inside a section the caller holds. */
static void test_each_write_path_marks_exactly_in_section(void **state)
{
    (void)state;
    in_section = 1;
    vmmem_guest_enter(gm);
    each_write_path_marks_exactly();
    vmmem_guest_exit(gm);
    in_section = 0;
}

static void test_switching_off_and_on(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_write_u8(gm, A_BASE, 1), VMMEM_OK);
    /* enabling again starts clean */
    assert_int_equal(vmmem_guest_dirty_enable(gm, A_BASE, 1), VMMEM_OK);
    check_dirty("re-enabled");
    assert_int_equal(vmmem_guest_dirty_enable(gm, A_BASE, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, A_BASE, 0), VMMEM_OK); /* off twice is fine */
    assert_int_equal(vmmem_guest_write_u8(gm, A_BASE + PG, 1), VMMEM_OK);
    uint64_t words[WORDS(A_PAGES)];
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE, words, WORDS(A_PAGES)), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_dirty_enable(gm, A_BASE, 1), VMMEM_OK);
    check_dirty("off then on: writes while off are not reported");
    /* region removal frees its bitmap (ASan checks), a new region is untracked */
    assert_int_equal(vmmem_guest_remove_region(gm, B_BASE), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, B_BASE, PG, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, B_BASE, words, 1), VMMEM_EINVAL);
}

/* Writers dirty random pages while the main thread keeps fetching: the
 * union of all fetches is exactly the set of pages written. */
enum { DIRTY_WRITERS = 2, WRITES_PER_THREAD = 200000 };

typedef struct writer_arg {
    unsigned seed;
    unsigned char written[A_PAGES];
} writer_arg;

static atomic_int writers_left;

static void *dirty_writer(void *p)
{
    writer_arg *w = p;
    for (int i = 0; i < WRITES_PER_THREAD; i++) {
        unsigned page = (unsigned)rand_r(&w->seed) % A_PAGES;
        /* every other page only, so some stay clean */
        page &= ~1u;
        vmmem_guest_write_le32(gm, A_BASE + (uint64_t)page * PG + 4 * (unsigned)(i % 64), (uint32_t)i);
        w->written[page] = 1;
    }
    atomic_fetch_sub(&writers_left, 1);
    return NULL;
}

static void test_concurrent_fetch_loses_nothing(void **state)
{
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        skip(); /* one CPU: nothing runs concurrently */
    static writer_arg args[DIRTY_WRITERS];
    pthread_t threads[DIRTY_WRITERS];
    atomic_store(&writers_left, DIRTY_WRITERS);
    for (int t = 0; t < DIRTY_WRITERS; t++) {
        memset(&args[t], 0, sizeof args[t]);
        args[t].seed = 1000u + (unsigned)t;
        assert_int_equal(pthread_create(&threads[t], NULL, dirty_writer, &args[t]), 0);
    }
    unsigned char seen[A_PAGES] = {0};
    uint64_t words[WORDS(A_PAGES)];
    size_t fetches = 0;
    int done;
    do {
        done = atomic_load(&writers_left) == 0; /* one more fetch after the last write */
        assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, A_BASE, words, WORDS(A_PAGES)), VMMEM_OK);
        for (unsigned p = 0; p < A_PAGES; p++)
            seen[p] |= (unsigned char)(words[p / 64] >> (p % 64) & 1);
        fetches++;
    } while (!done);
    for (int t = 0; t < DIRTY_WRITERS; t++)
        pthread_join(threads[t], NULL);
    for (unsigned p = 0; p < A_PAGES; p++) {
        int written = 0;
        for (int t = 0; t < DIRTY_WRITERS; t++)
            written |= args[t].written[p];
        if (written != seen[p])
            fail_msg("page %u: written %d, reported %d (after %zu fetches)", p, written, seen[p], fetches);
    }
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_enable_and_fetch_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_write_path_marks_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_write_path_marks_exactly_in_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_switching_off_and_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_fetch_loses_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
