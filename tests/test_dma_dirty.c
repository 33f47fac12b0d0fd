/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_dma_dirty.c - dirty marks of the DMA paths where the region
 * map changes under a transfer or the guest ranges touch 2^64 (live
 * migration integrity, issue 18 defects 5 and 6): every page a transfer
 * wrote must be reported dirty, even when a region adjacent to the one
 * written is removed while the transfer runs, and when a list runs from
 * RAM that ends at 2^64 on into RAM at guest address 0 (buffer, file and
 * guest-to-guest transfers, and a virtio-blk IN request).
 *
 * The removal is made deterministic by an MMIO device in the list: its
 * write callback, which runs inside the transfer's read-side section after
 * the RAM pieces before it were written (or before the RAM pieces after
 * it are), asks a second thread to remove region B and waits until the new
 * map is published; the removal itself completes only after the transfer
 * ends (its grace period). */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/dma.h>
#include <vmmem/virtio_blk.h>

#include "test_support.h"

#define PAGE VMMEM_DIRTY_PAGE_SIZE
/* Removal layout: A and B adjacent, a device elsewhere. */
#define RAM_A 0x0u
#define RAM_A_SIZE 0x100000u
#define RAM_B (RAM_A + RAM_A_SIZE)
#define RAM_B_SIZE 0x10000u
#define TRIGGER 0x300000u /* the device whose write removes B */
#define TRIGGER_SIZE 0x1000u
/* Top layout: T ends at 2^64, Z starts at 0. */
#define TOP_SIZE 0x10000u
#define TOP_BASE (UINT64_MAX - TOP_SIZE + 1)
#define ZERO_SIZE 0x100000u

static vmmem_guest_memory *gm;
static vmmem_dma_device *dev;

/* ---- region removal during a transfer ------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int asked;   /* the callback asked for the removal */
    int removed; /* the remover's vmmem_guest_remove_region() returned */
    int remove_rc;
    int callback_rc; /* VMMEM_OK, or why the callback gave up */
} removal = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0 };

static void *remover(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&removal.lock);
    while (!removal.asked)
        pthread_cond_wait(&removal.cond, &removal.lock);
    pthread_mutex_unlock(&removal.lock);
    int rc = vmmem_guest_remove_region(gm, RAM_B); /* waits for the transfer's section */
    pthread_mutex_lock(&removal.lock);
    removal.remove_rc = rc;
    removal.removed = 1;
    pthread_mutex_unlock(&removal.lock);
    return NULL;
}

static int trigger_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset;
    memset(data, 0, size);
    return VMMEM_OK;
}

/* Asks for B's removal and returns once the map without B is published
 * (the transfer that called it still holds its section, so B stays mapped
 * and the removal cannot complete yet). */
static int trigger_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    pthread_mutex_lock(&removal.lock);
    int first = !removal.asked;
    removal.asked = 1;
    pthread_cond_signal(&removal.cond);
    pthread_mutex_unlock(&removal.lock);
    if (!first)
        return VMMEM_OK;
    vmmem_region_info info;
    for (int i = 0; i < 100000; i++) { /* 10 s at most */
        if (vmmem_guest_region_at(gm, RAM_B, &info) == VMMEM_EFAULT)
            return VMMEM_OK;
        usleep(100);
    }
    removal.callback_rc = VMMEM_EBUSY;
    return VMMEM_OK;
}

static int setup_removal(void **state)
{
    (void)state;
    removal.asked = removal.removed = 0;
    removal.remove_rc = removal.callback_rc = 0;
    vmmem_mmio_ops ops = { trigger_read, trigger_write, 1, 8, NULL };
    vmmem_dma_config cfg = { NULL, 0, 0, 0 };
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_ram(gm, RAM_A, RAM_A_SIZE, NULL) ||
        vmmem_guest_add_ram(gm, RAM_B, RAM_B_SIZE, NULL) || vmmem_guest_add_mmio(gm, TRIGGER, TRIGGER_SIZE, &ops) ||
        vmmem_guest_dirty_enable(gm, RAM_A, 1) || vmmem_guest_dirty_enable(gm, RAM_B, 1))
        return -1;
    cfg.gm = gm;
    return vmmem_dma_device_create(&cfg, &dev);
}

static int teardown(void **state)
{
    (void)state;
    vmmem_dma_device_destroy(dev);
    vmmem_guest_memory_destroy(gm);
    dev = NULL;
    gm = NULL;
    return 0;
}

/* Bit `page` of region_gpa's bitmap (fetched and cleared: one call per
 * region and check). */
static uint64_t dirty_pages(vmmem_gpa region_gpa, size_t words, uint64_t word)
{
    uint64_t bitmap[64];
    assert_true(words <= 64);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, region_gpa, bitmap, words), VMMEM_OK);
    return bitmap[word];
}

/* The transfer `run` with B removed from under it; then A's last page must
 * be reported dirty (the bytes written into A at A_end - 100). */
static void run_with_removal(int (*run)(void))
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, remover, NULL), 0);
    assert_int_equal(run(), VMMEM_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(removal.callback_rc, VMMEM_OK); /* the new map was seen inside the transfer */
    assert_true(removal.removed);
    assert_int_equal(removal.remove_rc, VMMEM_OK);
    const uint64_t last_page = RAM_A_SIZE / PAGE - 1;
    assert_int_equal(dirty_pages(RAM_A, RAM_A_SIZE / PAGE / 64, last_page / 64), UINT64_C(1) << (last_page % 64));
}

/* A|B first, then the device: the RAM bytes are written before the
 * callback removes B. */
static int buffer_transfer(void)
{
    unsigned char data[204];
    fill_pattern(data, sizeof data, 1);
    vmmem_dma_segment sg[2] = { { RAM_B - 100, 200 }, { TRIGGER, 4 } };
    return vmmem_dma_to_guest(dev, sg, 2, data, sizeof data);
}

static void test_buffer_dirty_survives_removal(void **state)
{
    (void)state;
    run_with_removal(buffer_transfer);
}

/* The device first, then A|B: the file is read into A and B after B was
 * removed from the map (and before it is unmapped). */
static int file_transfer(void)
{
    unsigned char content[4096];
    fill_pattern(content, sizeof content, 2);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, sizeof content, f), sizeof content);
    fflush(f);
    vmmem_dma_segment sg[2] = { { TRIGGER, 4 }, { RAM_B - 100, 200 } };
    int rc = vmmem_dma_read_file(dev, sg, 2, fileno(f), 0, NULL);
    fclose(f);
    return rc;
}

static void test_file_dirty_survives_removal(void **state)
{
    (void)state;
    run_with_removal(file_transfer);
}

/* Guest to guest: A|B written from A, then the device from A. */
static int guest_to_guest_transfer(void)
{
    vmmem_dma_segment dst[2] = { { RAM_B - 100, 200 }, { TRIGGER, 4 } };
    vmmem_dma_segment src = { RAM_A + 0x1000, 204 };
    return vmmem_dma_guest_to_guest(dev, dst, 2, &src, 1);
}

static void test_guest_to_guest_dirty_survives_removal(void **state)
{
    (void)state;
    run_with_removal(guest_to_guest_transfer);
}

/* ---- RAM ending at 2^64 followed by RAM at 0 -------------------------------------- */

static int setup_top(void **state)
{
    (void)state;
    vmmem_dma_config cfg = { NULL, 0, 0, 0 };
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_ram(gm, TOP_BASE, TOP_SIZE, NULL) ||
        vmmem_guest_add_ram(gm, 0, ZERO_SIZE, NULL) || vmmem_guest_dirty_enable(gm, TOP_BASE, 1) ||
        vmmem_guest_dirty_enable(gm, 0, 1))
        return -1;
    cfg.gm = gm;
    return vmmem_dma_device_create(&cfg, &dev);
}

/* The last page of T and the first page of Z are dirty, nothing else. */
static void assert_top_and_zero_pages_dirty(void)
{
    assert_int_equal(dirty_pages(TOP_BASE, 1, 0), UINT64_C(1) << (TOP_SIZE / PAGE - 1));
    assert_int_equal(dirty_pages(0, ZERO_SIZE / PAGE / 64, 0), 1);
}

/* 512 bytes ending at 2^64, then 512 at guest address 0. */
static const vmmem_dma_segment across_top[2] = { { UINT64_MAX - 511, 512 }, { 0, 512 } };

static void test_buffer_dirty_across_top(void **state)
{
    (void)state;
    unsigned char data[1024];
    fill_pattern(data, sizeof data, 3);
    assert_int_equal(vmmem_dma_to_guest(dev, across_top, 2, data, sizeof data), VMMEM_OK);
    assert_top_and_zero_pages_dirty();
}

static void test_file_dirty_across_top(void **state)
{
    (void)state;
    unsigned char content[1024];
    fill_pattern(content, sizeof content, 4);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, sizeof content, f), sizeof content);
    fflush(f);
    assert_int_equal(vmmem_dma_read_file(dev, across_top, 2, fileno(f), 0, NULL), VMMEM_OK);
    fclose(f);
    assert_top_and_zero_pages_dirty();
}

static void test_guest_to_guest_dirty_across_top(void **state)
{
    (void)state;
    vmmem_dma_segment src = { 0x8000, 1024 }; /* Z's page 8 is only read */
    assert_int_equal(vmmem_dma_guest_to_guest(dev, across_top, 2, &src, 1), VMMEM_OK);
    assert_top_and_zero_pages_dirty();
}

/* A virtio-blk IN request whose two data descriptors are the list above:
 * the device reads the image into both, and both pages are dirty (besides
 * the status byte's and the used ring's pages, which are Z's). */
#define Q_SIZE 8u
#define Q_DESC 0x10000u
#define Q_AVAIL 0x11000u
#define Q_USED 0x12000u
#define Q_HEADER 0x13000u
#define Q_STATUS 0x14000u

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vmmem_gpa d = Q_DESC + (vmmem_gpa)i * VMMEM_VIRTQ_DESC_SIZE;
    assert_int_equal(vmmem_guest_write_le64(gm, d, addr), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le32(gm, d + 8, len), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le16(gm, d + 12, flags), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le16(gm, d + 14, next), VMMEM_OK);
}

static void test_virtio_blk_in_dirty_across_top(void **state)
{
    (void)state;
    unsigned char content[8 * VMMEM_VIRTIO_BLK_SECTOR_SIZE];
    fill_pattern(content, sizeof content, 5);
    FILE *image = tmpfile();
    assert_non_null(image);
    assert_int_equal(fwrite(content, 1, sizeof content, image), sizeof content);
    fflush(image);
    vmmem_virtio_blk_config cfg = { dev, fileno(image), "top", { Q_SIZE, Q_DESC, Q_AVAIL, Q_USED } };
    vmmem_virtio_blk *blk;
    assert_int_equal(vmmem_virtio_blk_create(&cfg, &blk), VMMEM_OK);
    /* header: IN, sector 2 */
    assert_int_equal(vmmem_guest_write_le32(gm, Q_HEADER, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le32(gm, Q_HEADER + 4, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le64(gm, Q_HEADER + 8, 2), VMMEM_OK);
    const uint16_t next = VMMEM_VIRTQ_DESC_F_NEXT, w = VMMEM_VIRTQ_DESC_F_WRITE;
    put_desc(0, Q_HEADER, 16, next, 1);
    put_desc(1, across_top[0].addr, 512, w | next, 2);
    put_desc(2, across_top[1].addr, 512, w | next, 3);
    put_desc(3, Q_STATUS, 1, w, 0);
    assert_int_equal(vmmem_guest_write_le16(gm, Q_AVAIL + 4, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le16(gm, Q_AVAIL + 2, 1), VMMEM_OK);
    /* only the device's writes count */
    uint64_t scratch[4];
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, 0, scratch, 4), VMMEM_OK);
    unsigned completed = 0;
    assert_int_equal(vmmem_virtio_blk_process(blk, &completed), VMMEM_OK);
    assert_int_equal(completed, 1);
    uint8_t status = 0xEE;
    assert_int_equal(vmmem_guest_read_u8(gm, Q_STATUS, &status), VMMEM_OK);
    assert_int_equal(status, VMMEM_VIRTIO_BLK_S_OK);
    unsigned char got[1024];
    vmmem_dma_segment back[2] = { across_top[0], across_top[1] };
    assert_int_equal(vmmem_dma_from_guest(dev, back, 2, got, sizeof got), VMMEM_OK);
    assert_memory_equal(got, content + 2 * VMMEM_VIRTIO_BLK_SECTOR_SIZE, sizeof got);
    assert_int_equal(dirty_pages(TOP_BASE, 1, 0), UINT64_C(1) << (TOP_SIZE / PAGE - 1));
    const uint64_t zero_pages = dirty_pages(0, ZERO_SIZE / PAGE / 64, 0);
    const uint64_t want = 1 | UINT64_C(1) << (Q_STATUS / PAGE) | UINT64_C(1) << (Q_USED / PAGE);
    assert_int_equal(zero_pages, want);
    vmmem_virtio_blk_destroy(blk);
    fclose(image);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_buffer_dirty_survives_removal, setup_removal, teardown),
        cmocka_unit_test_setup_teardown(test_file_dirty_survives_removal, setup_removal, teardown),
        cmocka_unit_test_setup_teardown(test_guest_to_guest_dirty_survives_removal, setup_removal, teardown),
        cmocka_unit_test_setup_teardown(test_buffer_dirty_across_top, setup_top, teardown),
        cmocka_unit_test_setup_teardown(test_file_dirty_across_top, setup_top, teardown),
        cmocka_unit_test_setup_teardown(test_guest_to_guest_dirty_across_top, setup_top, teardown),
        cmocka_unit_test_setup_teardown(test_virtio_blk_in_dirty_across_top, setup_top, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
