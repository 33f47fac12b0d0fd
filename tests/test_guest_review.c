/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_guest_review.c - defects found by an adversarial review of the
 * guest-facing device code (virtqueue, virtio-blk), one test each: the
 * event-index fields of a ring that ends exactly at 2^64, and a request
 * whose status byte cannot be written, which must be refused before its
 * data moves (nothing written to the guest or the disk image), also when
 * another thread changes the map while the request is served. The test
 * plays the guest driver, as tests/test_virtio_blk.c does. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>
#include <semaphore.h>
#include <vmmem/virtio_blk.h>

#include "test_support.h"

/* Guest layout: RAM at the bottom, a ROM and the device's own window above
 * it, and RAM ending exactly at 2^64. */
#define RAM_SIZE (1u << 20)
#define TOP_RAM_SIZE 0x10000u
#define TOP_RAM (UINT64_MAX - TOP_RAM_SIZE + 1)
#define QSIZE 4u
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define HEADER 0x4000u
#define STATUS 0x5000u
#define DATA 0x10000u
#define ROM 0x200000u
#define ROM_SIZE 0x1000u
#define HOLE 0x400000u                /* no region */
#define DEV_MMIO 0x300000u            /* the device's own registers */
#define DEV_MMIO_SIZE 0x1000u
#define IMAGE_BYTES (64u << 10)
#define SECTOR VMMEM_VIRTIO_BLK_SECTOR_SIZE
#define FILL 0x5A                     /* guest RAM canary */
#define EVENT_CANARY 0xA55Au          /* what guest address 0 holds */

static vmmem_guest_memory *gm;
static vmmem_dma_device *dma;
static FILE *image;
static unsigned char image_copy[IMAGE_BYTES];
static unsigned device_calls;

static int dev_mmio_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset;
    device_calls++;
    memset(data, 0, size);
    return VMMEM_OK;
}

static int dev_mmio_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    device_calls++;
    return VMMEM_OK;
}

static int setup(void **state)
{
    (void)state;
    device_calls = 0;
    vmmem_mmio_ops ops = { dev_mmio_read, dev_mmio_write, 1, 8, NULL };
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_ram(gm, 0, RAM_SIZE, NULL) ||
        vmmem_guest_add_ram(gm, TOP_RAM, TOP_RAM_SIZE, NULL) || vmmem_guest_add_rom(gm, ROM, ROM_SIZE, NULL, 0) ||
        vmmem_guest_add_mmio(gm, DEV_MMIO, DEV_MMIO_SIZE, &ops))
        return -1;
    unsigned char *fill = malloc(RAM_SIZE);
    if (!fill)
        return -1;
    memset(fill, FILL, RAM_SIZE);
    int rc = vmmem_guest_write(gm, 0, fill, RAM_SIZE) || vmmem_guest_write(gm, TOP_RAM, fill, TOP_RAM_SIZE);
    free(fill);
    if (rc)
        return -1;
    fill_pattern(image_copy, IMAGE_BYTES, 77);
    image = tmpfile();
    if (!image || fwrite(image_copy, 1, IMAGE_BYTES, image) != IMAGE_BYTES || fflush(image))
        return -1;
    vmmem_dma_config dcfg = { gm, DEV_MMIO, DEV_MMIO_SIZE, 0 };
    return vmmem_dma_device_create(&dcfg, &dma) == VMMEM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_dma_device_destroy(dma);
    vmmem_guest_memory_destroy(gm);
    fclose(image);
    dma = NULL;
    gm = NULL;
    return 0;
}

static void wr16(vmmem_gpa a, uint16_t v) { assert_int_equal(vmmem_guest_write_le16(gm, a, v), VMMEM_OK); }

static uint16_t rd16(vmmem_gpa a)
{
    uint16_t v;
    assert_int_equal(vmmem_guest_read_le16(gm, a, &v), VMMEM_OK);
    return v;
}

/* ---- event-index fields of a ring that ends exactly at 2^64 ------------ */

/* used_event follows the available ring and avail_event the used ring
 * (virtio 1.x 2.7.10). When that ring ends exactly at 2^64 the field lies
 * at 2^64, past the end of the address space: vmmem_virtq_set_event_idx()
 * promises VMMEM_ERANGE for a field that wraps, and the field must never be
 * taken from guest address 0. Before the fix the field's address wrapped
 * to 0, the call answered VMMEM_OK, and vmmem_virtq_arm_notify() wrote the
 * available index into guest address 0. */
static vmmem_virtq *queue_at(vmmem_gpa avail, vmmem_gpa used)
{
    vmmem_virtq_config cfg = { QSIZE, DESC, avail, used };
    vmmem_virtq *vq;
    assert_int_equal(vmmem_virtq_create(dma, &cfg, &vq), VMMEM_OK);
    wr16(avail, 0);
    wr16(avail + 2, 0);
    wr16(used, 0);
    wr16(used + 2, 0);
    return vq;
}

static void expect_event_fields_refused(vmmem_virtq *vq)
{
    wr16(0, EVENT_CANARY);
    assert_int_equal(vmmem_virtq_set_event_idx(vq, 1), VMMEM_ERANGE);
    assert_false(vmmem_virtq_is_broken(vq)); /* the setting is refused, the queue goes on */
    assert_int_equal(vmmem_virtq_arm_notify(vq), 0);
    assert_int_equal(rd16(0), EVENT_CANARY); /* nothing written at guest address 0 */
    vmmem_virtq_destroy(vq);
}

static void test_used_event_past_2_64_refused(void **state)
{
    (void)state;
    const uint64_t avail_bytes = 4 + 2u * QSIZE; /* the ring ends at 2^64: used_event would be at 2^64 */
    expect_event_fields_refused(queue_at(UINT64_MAX - avail_bytes + 1, USED));
}

static void test_avail_event_past_2_64_refused(void **state)
{
    (void)state;
    const uint64_t used_bytes = 4 + 8u * QSIZE; /* avail_event would be at 2^64 */
    expect_event_fields_refused(queue_at(AVAIL, UINT64_MAX - used_bytes + 1));
}

/* Event fields that fit below 2^64 are taken (the check is not too
 * strict): avail_event at 2^64 - 4 is written there. */
static void test_event_fields_below_2_64_accepted(void **state)
{
    (void)state;
    const uint64_t used_bytes = 4 + 8u * QSIZE;
    vmmem_gpa used = UINT64_MAX - used_bytes - 3; /* 2^64 - 40, 4-aligned; avail_event at 2^64 - 4 */
    vmmem_virtq *vq = queue_at(AVAIL, used);
    assert_int_equal(vmmem_virtq_set_event_idx(vq, 1), VMMEM_OK);
    wr16(used + used_bytes, EVENT_CANARY);
    assert_int_equal(vmmem_virtq_arm_notify(vq), 0);
    assert_int_equal(rd16(used + used_bytes), 0); /* avail_event = the next slot the device reads */
    vmmem_virtq_destroy(vq);
}

/* ---- a status byte that cannot be written: refused before data moves ---- */

/* A request whose status byte is outside RAM, in ROM or in the device's own
 * window cannot be answered: the queue breaks (VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE)
 * and that is a refusal, so nothing may have moved. Before the fix the
 * device served the request first and only then found the status
 * unwritable: an OUT request had already written the disk image, an IN
 * request the guest's buffer, and the driver was never told. */
static void wr32(vmmem_gpa a, uint32_t v) { assert_int_equal(vmmem_guest_write_le32(gm, a, v), VMMEM_OK); }
static void wr64(vmmem_gpa a, uint64_t v) { assert_int_equal(vmmem_guest_write_le64(gm, a, v), VMMEM_OK); }

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vmmem_gpa d = DESC + (vmmem_gpa)i * 16;
    wr64(d, addr);
    wr32(d + 8, len);
    wr16(d + 12, flags);
    wr16(d + 14, next);
}

static vmmem_virtio_blk *device(void)
{
    vmmem_virtio_blk_config cfg = { dma, fileno(image), "review", { QSIZE, DESC, AVAIL, USED } };
    vmmem_virtio_blk *blk;
    assert_int_equal(vmmem_virtio_blk_create(&cfg, &blk), VMMEM_OK);
    wr16(AVAIL, 0);
    wr16(USED, 0);
    wr16(USED + 2, 0);
    return blk;
}

/* Posts {header, one data descriptor of SECTOR bytes at DATA, status} as
 * chain 0. */
static void post_request(uint32_t type, vmmem_gpa status)
{
    wr32(HEADER, type);
    wr32(HEADER + 4, 0);
    wr64(HEADER + 8, 1); /* sector 1 */
    uint16_t data_flags = type == VMMEM_VIRTIO_BLK_T_OUT ? 0 : VMMEM_VIRTQ_DESC_F_WRITE;
    put_desc(0, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(1, DATA, SECTOR, data_flags | VMMEM_VIRTQ_DESC_F_NEXT, 2);
    put_desc(2, status, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    wr16(AVAIL + 4, 0);
    wr16(AVAIL + 2, 1);
}

static void expect_image_unchanged(void)
{
    unsigned char now[IMAGE_BYTES];
    assert_int_equal(pread(fileno(image), now, sizeof now, 0), (ssize_t)sizeof now);
    assert_memory_equal(now, image_copy, sizeof now);
}

static void expect_guest_data(unsigned char byte)
{
    unsigned char now[SECTOR];
    assert_int_equal(vmmem_guest_read(gm, DATA, now, sizeof now), VMMEM_OK);
    for (size_t i = 0; i < sizeof now; i++)
        if (now[i] != byte)
            fail_msg("guest data byte %zu is 0x%02x, expected 0x%02x", i, now[i], byte);
}

static void expect_refused_untouched(uint32_t type, vmmem_gpa status)
{
    vmmem_virtio_blk *blk = device();
    unsigned char out[SECTOR];
    memset(out, 0xC3, sizeof out); /* OUT data that differs from the image */
    assert_int_equal(vmmem_guest_write(gm, DATA, out, sizeof out), VMMEM_OK);
    post_request(type, status);
    unsigned done = 99;
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_EINVAL);
    assert_int_equal(done, 0);
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    assert_int_equal(vmmem_virtq_error_reason(vq), VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
    assert_int_equal(rd16(USED + 2), 0);
    expect_image_unchanged();        /* OUT: the image was not written */
    expect_guest_data(0xC3);         /* IN: the buffer was not filled */
    assert_int_equal(device_calls, 0);
    vmmem_virtio_blk_destroy(blk);
}

static void test_out_with_status_in_rom_writes_nothing(void **state)
{
    (void)state;
    expect_refused_untouched(VMMEM_VIRTIO_BLK_T_OUT, ROM);
}

static void test_out_with_status_in_hole_writes_nothing(void **state)
{
    (void)state;
    expect_refused_untouched(VMMEM_VIRTIO_BLK_T_OUT, HOLE);
}

static void test_out_with_status_in_own_window_writes_nothing(void **state)
{
    (void)state;
    expect_refused_untouched(VMMEM_VIRTIO_BLK_T_OUT, DEV_MMIO);
}

static void test_in_with_status_in_rom_reads_nothing(void **state)
{
    (void)state;
    expect_refused_untouched(VMMEM_VIRTIO_BLK_T_IN, ROM);
}

static void test_in_with_status_in_hole_reads_nothing(void **state)
{
    (void)state;
    expect_refused_untouched(VMMEM_VIRTIO_BLK_T_IN, HOLE);
}

/* The same request with a writable status is served (the check is not too
 * strict): the image sector lands in the guest, status OK. */
static void test_in_with_writable_status_served(void **state)
{
    (void)state;
    vmmem_virtio_blk *blk = device();
    post_request(VMMEM_VIRTIO_BLK_T_IN, STATUS);
    unsigned done = 0;
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_OK);
    assert_int_equal(done, 1);
    unsigned char now[SECTOR];
    assert_int_equal(vmmem_guest_read(gm, DATA, now, sizeof now), VMMEM_OK);
    assert_memory_equal(now, image_copy + SECTOR, SECTOR);
    uint8_t status;
    assert_int_equal(vmmem_guest_read_u8(gm, STATUS, &status), VMMEM_OK);
    assert_int_equal(status, VMMEM_VIRTIO_BLK_S_OK);
    assert_int_equal(rd16(USED + 2), 1);
    vmmem_virtio_blk_destroy(blk);
}

/* ---- the map changing while a request is served ------------------------ */

/* The status byte is checked before the data moves and written after: both
 * must see one map. The data of an OUT request comes from a peer device's
 * MMIO window whose read callback, run while the device moves the data,
 * lets another thread remove the RAM region that holds the status byte and
 * waits until the new map is published (vmmem_guest_remove_region()
 * publishes at once and waits only before it frees). Found by a second
 * review: the check and the status write each read the current map, so the
 * sector was written to the image and the request then refused. Now a
 * device's session keeps the map it began with, which stays valid until
 * the session ends, and the request is served. */
#define PEER_MMIO 0x500000u
#define STATUS_RAM 0x600000u
#define NEW_MAP_WAIT_MS 2000

static sem_t remove_now;
static int removed_mid_request, remove_rc;

static int peer_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset;
    if (!removed_mid_request) {
        removed_mid_request = -1; /* once */
        sem_post(&remove_now);
        vmmem_region_info info;
        for (int ms = 0; ms < NEW_MAP_WAIT_MS; ms++) {
            if (vmmem_guest_region_at(gm, STATUS_RAM, &info) == VMMEM_EFAULT) {
                removed_mid_request = 1;
                break;
            }
            usleep(1000);
        }
    }
    memset(data, 0xC3, size);
    return VMMEM_OK;
}

static int peer_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    return VMMEM_OK;
}

static void *remove_status_region(void *arg)
{
    (void)arg;
    sem_wait(&remove_now);
    remove_rc = vmmem_guest_remove_region(gm, STATUS_RAM); /* checked by the test's thread */
    return NULL;
}

static void test_map_change_mid_request_keeps_check_and_write_together(void **state)
{
    (void)state;
    vmmem_mmio_ops peer = { peer_read, peer_write, 1, 8, NULL };
    assert_int_equal(vmmem_guest_add_ram(gm, STATUS_RAM, 0x1000, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_mmio(gm, PEER_MMIO, 0x1000, &peer), VMMEM_OK);
    removed_mid_request = 0;
    assert_int_equal(sem_init(&remove_now, 0, 0), 0);
    vmmem_virtio_blk *blk = device();
    wr32(HEADER, VMMEM_VIRTIO_BLK_T_OUT);
    wr32(HEADER + 4, 0);
    wr64(HEADER + 8, 1);
    put_desc(0, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(1, PEER_MMIO, SECTOR, VMMEM_VIRTQ_DESC_F_NEXT, 2);
    put_desc(2, STATUS_RAM, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    wr16(AVAIL + 4, 0);
    wr16(AVAIL + 2, 1);
    pthread_t remover;
    assert_int_equal(pthread_create(&remover, NULL, remove_status_region, NULL), 0);
    unsigned done = 0;
    int rc = vmmem_virtio_blk_process(blk, &done);
    assert_int_equal(pthread_join(remover, NULL), 0);
    assert_int_equal(remove_rc, VMMEM_OK);
    assert_int_equal(removed_mid_request, 1); /* the new map was published while the data moved */
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    if (vmmem_virtq_is_broken(vq))
        fail_msg("the request was refused (reason %d) after its data moved", vmmem_virtq_error_reason(vq));
    assert_int_equal(rc, VMMEM_OK);
    assert_int_equal(done, 1);
    unsigned char sector[SECTOR];
    assert_int_equal(pread(fileno(image), sector, SECTOR, SECTOR), (ssize_t)SECTOR);
    for (size_t i = 0; i < SECTOR; i++)
        if (sector[i] != 0xC3)
            fail_msg("image byte %zu of sector 1 is 0x%02x, expected the written 0xc3", i, sector[i]);
    assert_int_equal(rd16(USED + 2), 1);
    vmmem_virtio_blk_destroy(blk);
    sem_destroy(&remove_now);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_used_event_past_2_64_refused),
        T(test_avail_event_past_2_64_refused),
        T(test_event_fields_below_2_64_accepted),
        T(test_out_with_status_in_rom_writes_nothing),
        T(test_out_with_status_in_hole_writes_nothing),
        T(test_out_with_status_in_own_window_writes_nothing),
        T(test_in_with_status_in_rom_reads_nothing),
        T(test_in_with_status_in_hole_reads_nothing),
        T(test_in_with_writable_status_served),
        T(test_map_change_mid_request_keeps_check_and_write_together),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
