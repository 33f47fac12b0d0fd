/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_virtio_blk.c - the virtio block device driven by a test that
 * plays the guest driver: it builds descriptor chains in guest memory
 * (direct and indirect, 512 B to 1 MiB over many segments, any layout),
 * posts them on the available ring, kicks the device and checks the data
 * against the image file, the status bytes and the used ring. Then hostile
 * queues: each gets an error status or a broken queue, never a crash, a
 * hang, or a write outside the buffers the chain names. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/virtio_blk.h>

#include "test_support.h"

/* Guest layout. */
#define RAM_SIZE (16u << 20)
#define QSIZE 512u
#define DESC 0x1000u                            /* QSIZE * 16 = 8 KiB */
#define AVAIL 0x4000u
#define USED 0x5000u
#define HEADERS 0x10000u                        /* 16 bytes per request */
#define STATUS 0x11000u                         /* 1 byte per request */
#define INDIRECT 0x20000u                       /* indirect tables, 16 KiB each */
#define DATA 0x100000u                          /* data buffers from here */
#define ROM 0x2000000u
#define ROM_SIZE 0x1000u
#define DEV_MMIO 0x3000000u                     /* the device's own registers */
#define DEV_MMIO_SIZE 0x1000u
#define IMAGE_BYTES (2u << 20)
#define SECTOR VMMEM_VIRTIO_BLK_SECTOR_SIZE
#define FILL 0x5A                               /* guest RAM canary */
#define STATUS_UNSET 0xEE

static vmmem_guest_memory *gm;
static vmmem_dma_device *dma;
static vmmem_virtio_blk *blk;
static FILE *image;
static unsigned char *image_copy; /* what the image holds */

/* The driver's state. */
static uint16_t avail_idx, used_seen, next_desc, next_indirect;
static int mmio_kick_rc;

static void wr16(vmmem_gpa a, uint16_t v) { assert_int_equal(vmmem_guest_write_le16(gm, a, v), VMMEM_OK); }
static void wr32(vmmem_gpa a, uint32_t v) { assert_int_equal(vmmem_guest_write_le32(gm, a, v), VMMEM_OK); }
static void wr64(vmmem_gpa a, uint64_t v) { assert_int_equal(vmmem_guest_write_le64(gm, a, v), VMMEM_OK); }

static uint16_t rd16(vmmem_gpa a)
{
    uint16_t v;
    assert_int_equal(vmmem_guest_read_le16(gm, a, &v), VMMEM_OK);
    return v;
}

static uint32_t rd32(vmmem_gpa a)
{
    uint32_t v;
    assert_int_equal(vmmem_guest_read_le32(gm, a, &v), VMMEM_OK);
    return v;
}

static uint8_t rd8(vmmem_gpa a)
{
    uint8_t v;
    assert_int_equal(vmmem_guest_read_u8(gm, a, &v), VMMEM_OK);
    return v;
}

/* Writes descriptor i of the table at `table`. */
static void put_desc(vmmem_gpa table, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vmmem_gpa d = table + (vmmem_gpa)i * 16;
    wr64(d, addr);
    wr32(d + 8, len);
    wr16(d + 12, flags);
    wr16(d + 14, next);
}

/* Makes chain head available and publishes the new index. */
static void post(uint16_t head)
{
    wr16(AVAIL + 4 + (avail_idx % QSIZE) * 2, head);
    avail_idx++;
    wr16(AVAIL + 2, avail_idx);
}

/* The device's register handler: a queue notification. Processing inside
 * the access is what the guard forbids. */
static int dev_mmio_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    int rc = vmmem_dma_mmio_enter(dma);
    if (rc != VMMEM_OK)
        return rc;
    mmio_kick_rc = vmmem_virtio_blk_process(blk, NULL);
    vmmem_dma_mmio_exit(dma);
    return VMMEM_OK;
}

static int dev_mmio_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset;
    memset(data, 0, size);
    return VMMEM_OK;
}

static int setup(void **state)
{
    (void)state;
    avail_idx = used_seen = next_desc = next_indirect = 0;
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_ram(gm, 0, RAM_SIZE, NULL) ||
        vmmem_guest_add_rom(gm, ROM, ROM_SIZE, NULL, 0))
        return -1;
    vmmem_mmio_ops ops = { dev_mmio_read, dev_mmio_write, 1, 8, NULL };
    if (vmmem_guest_add_mmio(gm, DEV_MMIO, DEV_MMIO_SIZE, &ops))
        return -1;
    unsigned char *fill = malloc(RAM_SIZE);
    memset(fill, FILL, RAM_SIZE);
    vmmem_guest_write(gm, 0, fill, RAM_SIZE);
    free(fill);
    /* empty rings */
    unsigned char zero[0x2000] = { 0 };
    vmmem_guest_write(gm, AVAIL, zero, sizeof zero);
    image_copy = malloc(IMAGE_BYTES);
    fill_pattern(image_copy, IMAGE_BYTES, 2024);
    image = tmpfile();
    if (!image || fwrite(image_copy, 1, IMAGE_BYTES, image) != IMAGE_BYTES || fflush(image))
        return -1;
    vmmem_dma_config dcfg = { gm, DEV_MMIO, DEV_MMIO_SIZE, 0 };
    if (vmmem_dma_device_create(&dcfg, &dma))
        return -1;
    vmmem_virtio_blk_config cfg = { dma, fileno(image), "vmmem-test-disk", { QSIZE, DESC, AVAIL, USED } };
    return vmmem_virtio_blk_create(&cfg, &blk) == VMMEM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_virtio_blk_destroy(blk);
    vmmem_dma_device_destroy(dma);
    vmmem_guest_memory_destroy(gm);
    fclose(image);
    free(image_copy);
    blk = NULL;
    dma = NULL;
    gm = NULL;
    return 0;
}

/* ---- a request builder ---------------------------------------------------------- */

/* One request: header at HEADERS + 16 * slot, status at STATUS + slot,
 * data `bytes` long at `data`, cut into `seg` byte segments spread with a
 * 64-byte gap between them (so a wrong offset shows); as direct descriptors
 * or one indirect table. Returns the head. */
typedef struct request {
    uint32_t type;
    uint64_t sector;
    vmmem_gpa data;
    uint32_t bytes;
    uint32_t seg;
    int indirect;
    uint16_t slot;
} request;

#define GAP_BYTES 64u

static vmmem_gpa seg_addr(const request *r, uint32_t i)
{
    return r->data + (vmmem_gpa)i * (r->seg + GAP_BYTES);
}

static uint32_t seg_count(const request *r)
{
    return r->bytes ? (r->bytes + r->seg - 1) / r->seg : 0;
}

static uint16_t build(const request *r)
{
    vmmem_gpa header = HEADERS + 16u * r->slot;
    wr32(header, r->type);
    wr32(header + 4, 0);
    wr64(header + 8, r->sector);
    assert_int_equal(vmmem_guest_write_u8(gm, STATUS + r->slot, STATUS_UNSET), VMMEM_OK);
    uint16_t data_flags = r->type == VMMEM_VIRTIO_BLK_T_OUT ? 0 : VMMEM_VIRTQ_DESC_F_WRITE;
    uint32_t n = seg_count(r);
    vmmem_gpa table = DESC;
    uint16_t base = next_desc;
    uint16_t head = next_desc;
    if (r->indirect) {
        table = INDIRECT + (vmmem_gpa)next_indirect * 0x4000;
        base = 0;
        put_desc(DESC, head, table, (n + 2) * 16, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
        next_desc++;
        next_indirect++;
    } else {
        next_desc += (uint16_t)(n + 2);
    }
    put_desc(table, base, header, 16, VMMEM_VIRTQ_DESC_F_NEXT, (uint16_t)(base + 1));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t len = i + 1 < n ? r->seg : r->bytes - i * r->seg;
        put_desc(table, (uint16_t)(base + 1 + i), seg_addr(r, i), len, data_flags | VMMEM_VIRTQ_DESC_F_NEXT,
                 (uint16_t)(base + 2 + i));
    }
    put_desc(table, (uint16_t)(base + 1 + n), STATUS + r->slot, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    return head;
}

static void kick_expect(unsigned completed)
{
    unsigned done = 12345;
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_OK);
    assert_int_equal(done, completed);
}

/* Checks the next used element: id, length, and the index moved by one. */
static void expect_used(uint16_t head, uint32_t len)
{
    assert_true((uint16_t)(rd16(USED + 2) - used_seen) >= 1);
    vmmem_gpa e = USED + 4 + (used_seen % QSIZE) * 8u;
    assert_int_equal(rd32(e), head);
    assert_int_equal(rd32(e + 4), len);
    used_seen++;
}

static void expect_used_idx_unchanged(void)
{
    assert_int_equal(rd16(USED + 2), used_seen);
}

static void read_data(const request *r, unsigned char *out)
{
    for (uint32_t i = 0, n = seg_count(r); i < n; i++) {
        uint32_t len = i + 1 < n ? r->seg : r->bytes - i * r->seg;
        assert_int_equal(vmmem_guest_read(gm, seg_addr(r, i), out + (size_t)i * r->seg, len), VMMEM_OK);
    }
}

static void write_data(const request *r, const unsigned char *in)
{
    for (uint32_t i = 0, n = seg_count(r); i < n; i++) {
        uint32_t len = i + 1 < n ? r->seg : r->bytes - i * r->seg;
        assert_int_equal(vmmem_guest_write(gm, seg_addr(r, i), in + (size_t)i * r->seg, len), VMMEM_OK);
    }
}

/* The gap after each segment still holds the canary. */
static void expect_gaps_untouched(const request *r)
{
    for (uint32_t i = 0, n = seg_count(r); i < n; i++) {
        uint32_t len = i + 1 < n ? r->seg : r->bytes - i * r->seg;
        assert_int_equal(rd8(seg_addr(r, i) + len), FILL);
    }
}

/* ---- reads and writes ------------------------------------------------------------- */

static const struct {
    uint32_t bytes, seg;
} shapes[] = {
    { 512, 512 }, { 4096, 512 }, { 4096, 4096 }, { 65536, 4096 }, { 65536, 1536 },
    { 1u << 20, 4096 }, { 1u << 20, 1u << 20 }, { 1u << 20, 2560 },
};

/* Refills the data area with the canary. */
static void refill_data_area(void)
{
    size_t n = 4u << 20;
    unsigned char *fill = malloc(n);
    memset(fill, FILL, n);
    assert_int_equal(vmmem_guest_write(gm, DATA, fill, n), VMMEM_OK);
    free(fill);
}

static void run_reads(int indirect)
{
    unsigned char *got = malloc(1u << 20);
    uint64_t sector = 3;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        next_desc = 0; /* one request in flight at a time: reuse the table */
        next_indirect = 0;
        request r = { VMMEM_VIRTIO_BLK_T_IN, sector, DATA, shapes[k].bytes, shapes[k].seg, indirect, 0 };
        refill_data_area();
        uint16_t head = build(&r);
        post(head);
        kick_expect(1);
        expect_used(head, r.bytes + 1);
        assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
        read_data(&r, got);
        assert_memory_equal(got, image_copy + sector * SECTOR, r.bytes);
        expect_gaps_untouched(&r);
        sector = (sector * 7 + 1) % (IMAGE_BYTES / SECTOR - 2048);
    }
    free(got);
}

static void test_reads_direct(void **state)
{
    (void)state;
    run_reads(0);
}

static void test_reads_indirect(void **state)
{
    (void)state;
    run_reads(1);
}

static void run_writes(int indirect)
{
    unsigned char *data = malloc(1u << 20), *back = malloc(1u << 20);
    uint64_t sector = 5;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        next_desc = 0;
        next_indirect = 0;
        request r = { VMMEM_VIRTIO_BLK_T_OUT, sector, DATA, shapes[k].bytes, shapes[k].seg, indirect, 0 };
        fill_pattern(data, r.bytes, (uint32_t)k + 100);
        write_data(&r, data);
        uint16_t head = build(&r);
        post(head);
        kick_expect(1);
        expect_used(head, 1);
        assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
        assert_int_equal(pread(fileno(image), back, r.bytes, (off_t)(sector * SECTOR)), (ssize_t)r.bytes);
        assert_memory_equal(back, data, r.bytes);
        memcpy(image_copy + sector * SECTOR, data, r.bytes);
        sector = (sector * 5 + 3) % (IMAGE_BYTES / SECTOR - 2048);
    }
    /* nothing else in the image changed */
    assert_int_equal(pread(fileno(image), back, 1u << 20, 0), 1 << 20);
    assert_memory_equal(back, image_copy, 1u << 20);
    free(data);
    free(back);
}

static void test_writes_direct(void **state)
{
    (void)state;
    run_writes(0);
}

static void test_writes_indirect(void **state)
{
    (void)state;
    run_writes(1);
}

static void test_batch_of_requests_in_one_kick(void **state)
{
    (void)state;
    uint16_t heads[8];
    request r[8];
    for (uint16_t i = 0; i < 8; i++) {
        r[i] = (request){ VMMEM_VIRTIO_BLK_T_IN, 100u + i * 9u, DATA + i * 0x20000u, 8192, 1024, i % 2, i };
        heads[i] = build(&r[i]);
        post(heads[i]);
    }
    kick_expect(8);
    unsigned char got[8192];
    for (uint16_t i = 0; i < 8; i++) {
        expect_used(heads[i], 8193);
        assert_int_equal(rd8(STATUS + i), VMMEM_VIRTIO_BLK_S_OK);
        read_data(&r[i], got);
        assert_memory_equal(got, image_copy + r[i].sector * SECTOR, sizeof got);
    }
    kick_expect(0); /* nothing left */
}

/* The device keeps what it looked up (the rings' host addresses, the last
 * region) from one kick to the next while the region map is unchanged.
 * Here the RAM holding rings and buffers is replaced, with the same
 * contents, by RAM at another host address between two kicks: the second
 * request must be served from and into the new RAM, and the old mapping is
 * gone (a device still using it would fault or write nowhere visible). */
static void test_ram_replaced_between_kicks(void **state)
{
    (void)state;
    unsigned char got[16384];
    request r = { VMMEM_VIRTIO_BLK_T_IN, 40, DATA, sizeof got, 4096, 0, 0 };
    uint16_t head = build(&r);
    post(head);
    kick_expect(1);
    expect_used(head, sizeof got + 1);

    void *old_host;
    vmmem_guest_enter(gm);
    assert_int_equal(vmmem_guest_translate(gm, 0, 1, VMMEM_ACCESS_READ, &old_host), VMMEM_OK);
    vmmem_guest_exit(gm);
    unsigned char *saved = malloc(RAM_SIZE);
    assert_non_null(saved);
    assert_int_equal(vmmem_guest_read(gm, 0, saved, RAM_SIZE), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    /* Holds the old range, so that the new RAM cannot be mapped there. */
    void *hold = mmap(old_host, RAM_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_ptr_equal(hold, old_host);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, RAM_SIZE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_write(gm, 0, saved, RAM_SIZE), VMMEM_OK);
    void *new_host;
    vmmem_guest_enter(gm);
    assert_int_equal(vmmem_guest_translate(gm, 0, 1, VMMEM_ACCESS_READ, &new_host), VMMEM_OK);
    vmmem_guest_exit(gm);
    assert_ptr_not_equal(new_host, old_host);
    munmap(hold, RAM_SIZE); /* the old host range is unmapped again */

    request r2 = { VMMEM_VIRTIO_BLK_T_IN, 90, DATA + 0x40000u, sizeof got, 4096, 0, 1 };
    head = build(&r2);
    post(head);
    kick_expect(1);
    expect_used(head, sizeof got + 1);
    assert_int_equal(rd8(STATUS + 1), VMMEM_VIRTIO_BLK_S_OK);
    read_data(&r2, got);
    assert_memory_equal(got, image_copy + r2.sector * SECTOR, sizeof got);
    free(saved);
}

/* VIRTIO_F_ANY_LAYOUT: header and data in one readable descriptor; data
 * and status in one writable descriptor. */
static void test_any_layout(void **state)
{
    (void)state;
    unsigned char data[1024];
    fill_pattern(data, sizeof data, 8);
    /* OUT: [header + data] [status] */
    wr32(DATA, VMMEM_VIRTIO_BLK_T_OUT);
    wr32(DATA + 4, 0);
    wr64(DATA + 8, 40);
    vmmem_guest_write(gm, DATA + 16, data, sizeof data);
    put_desc(DESC, 0, DATA, 16 + sizeof data, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 1);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
    unsigned char back[1024];
    assert_int_equal(pread(fileno(image), back, sizeof back, 40 * SECTOR), (ssize_t)sizeof back);
    assert_memory_equal(back, data, sizeof back);
    /* IN: [header in two pieces] [data + status in one] */
    wr32(HEADERS, VMMEM_VIRTIO_BLK_T_IN);
    wr32(HEADERS + 4, 0);
    wr64(HEADERS + 8, 40);
    put_desc(DESC, 2, HEADERS, 5, VMMEM_VIRTQ_DESC_F_NEXT, 3);
    put_desc(DESC, 3, HEADERS + 5, 11, VMMEM_VIRTQ_DESC_F_NEXT, 4);
    put_desc(DESC, 4, DATA + 0x10000, 1025, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(2);
    kick_expect(1);
    expect_used(2, 1025);
    assert_int_equal(rd8(DATA + 0x10000 + 1024), VMMEM_VIRTIO_BLK_S_OK);
    assert_int_equal(vmmem_guest_read(gm, DATA + 0x10000, back, sizeof back), VMMEM_OK);
    assert_memory_equal(back, data, sizeof back);
}

/* vmmem_virtq_pop() merges descriptors that continue each other in guest
 * memory in the same direction, never across the readable/writable
 * boundary or past 2^64. */
static void test_pop_merges_contiguous_descriptors(void **state)
{
    (void)state;
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    vmmem_virtq_chain *c = malloc(sizeof *c);
    assert_non_null(c);
    const uint16_t R = VMMEM_VIRTQ_DESC_F_NEXT, W = VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT;
    put_desc(DESC, 0, HEADERS, 5, R, 1);
    put_desc(DESC, 1, HEADERS + 5, 11, R, 2);    /* continues 0 */
    put_desc(DESC, 2, HEADERS + 16, 100, W, 3);  /* contiguous, but writable */
    put_desc(DESC, 3, HEADERS + 116, 0, W, 4);   /* empty, continues 2 */
    put_desc(DESC, 4, HEADERS + 116, 12, W, 5);  /* continues 2 */
    put_desc(DESC, 5, DATA, 8, W, 6);            /* elsewhere */
    put_desc(DESC, 6, UINT64_MAX - 15, 16, W, 7); /* ends at 2^64 */
    put_desc(DESC, 7, 0, 16, VMMEM_VIRTQ_DESC_F_WRITE, 0); /* "continues" only by wrapping */
    post(0);
    assert_int_equal(vmmem_virtq_pop(vq, c), 1);
    assert_int_equal(c->head, 0);
    assert_int_equal(c->readable, 1);
    assert_int_equal(c->writable, 4);
    const vmmem_dma_segment want[] = {
        { HEADERS, 16 }, { HEADERS + 16, 112 }, { DATA, 8 }, { UINT64_MAX - 15, 16 }, { 0, 16 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_true(c->seg[i].addr == want[i].addr);
        assert_true(c->seg[i].len == want[i].len);
    }
    free(c);
}

static void test_flush_and_get_id(void **state)
{
    (void)state;
    request flush = { VMMEM_VIRTIO_BLK_T_FLUSH, 0, DATA, 0, 512, 0, 0 };
    uint16_t head = build(&flush);
    post(head);
    kick_expect(1);
    expect_used(head, 1);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
    request id = { VMMEM_VIRTIO_BLK_T_GET_ID, 0, DATA, VMMEM_VIRTIO_BLK_ID_BYTES, 7, 0, 1 };
    head = build(&id);
    post(head);
    kick_expect(1);
    expect_used(head, VMMEM_VIRTIO_BLK_ID_BYTES + 1);
    assert_int_equal(rd8(STATUS + 1), VMMEM_VIRTIO_BLK_S_OK);
    unsigned char got[VMMEM_VIRTIO_BLK_ID_BYTES];
    read_data(&id, got);
    unsigned char want[VMMEM_VIRTIO_BLK_ID_BYTES] = "vmmem-test-disk";
    assert_memory_equal(got, want, sizeof want);
    /* a shorter buffer gets the start of the ID */
    request short_id = { VMMEM_VIRTIO_BLK_T_GET_ID, 0, DATA + 0x1000, 6, 6, 0, 2 };
    head = build(&short_id);
    post(head);
    kick_expect(1);
    expect_used(head, 7);
    read_data(&short_id, got);
    assert_memory_equal(got, "vmmem-", 6);
    assert_int_equal(rd8(DATA + 0x1000 + 6), FILL);
    assert_int_equal(vmmem_virtio_blk_capacity(blk), IMAGE_BYTES / SECTOR);
}

/* The device only reads the descriptor table, the available ring and
 * indirect tables, so they may lie in ROM (guest_once.h): an indirect table
 * placed in ROM serves a read. */
static void test_indirect_table_in_rom(void **state)
{
    (void)state;
    const vmmem_gpa rom_table = ROM + 0x100000u;
    unsigned char table[48];
    const struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    } d[3] = {
        { HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1 },
        { DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 2 },
        { STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0 },
    };
    for (int i = 0; i < 3; i++) { /* little-endian, as the guest lays it out */
        for (int b = 0; b < 8; b++)
            table[16 * i + b] = (unsigned char)(d[i].addr >> (8 * b));
        for (int b = 0; b < 4; b++)
            table[16 * i + 8 + b] = (unsigned char)(d[i].len >> (8 * b));
        table[16 * i + 12] = (unsigned char)d[i].flags;
        table[16 * i + 13] = 0;
        table[16 * i + 14] = (unsigned char)d[i].next;
        table[16 * i + 15] = 0;
    }
    assert_int_equal(vmmem_guest_add_rom(gm, rom_table, 0x1000u, table, sizeof table), VMMEM_OK);
    wr32(HEADERS, VMMEM_VIRTIO_BLK_T_IN);
    wr32(HEADERS + 4, 0);
    wr64(HEADERS + 8, 11);
    put_desc(DESC, 0, rom_table, sizeof table, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 513);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
    unsigned char got[512];
    assert_int_equal(vmmem_guest_read(gm, DATA, got, sizeof got), VMMEM_OK);
    assert_memory_equal(got, image_copy + 11 * SECTOR, sizeof got);
}

/* ---- requests answered with an error status ----------------------------------------- */

/* Posts r, kicks, and expects `status` with nothing written to its data
 * buffers (and the image unchanged). */
static void expect_status(const request *r, uint8_t status)
{
    uint16_t head = build(r);
    post(head);
    kick_expect(1);
    expect_used(head, 1);
    assert_int_equal(rd8(STATUS + r->slot), status);
    assert_false(vmmem_virtq_is_broken(vmmem_virtio_blk_queue(blk)));
    unsigned char *back = malloc(IMAGE_BYTES);
    assert_int_equal(pread(fileno(image), back, IMAGE_BYTES, 0), (ssize_t)IMAGE_BYTES);
    assert_memory_equal(back, image_copy, IMAGE_BYTES);
    free(back);
}

static void expect_data_untouched(const request *r)
{
    for (uint32_t i = 0; i < seg_count(r); i++)
        if (seg_addr(r, i) < RAM_SIZE)
            assert_int_equal(rd8(seg_addr(r, i)), FILL);
}

static void test_bad_requests_get_ioerr(void **state)
{
    (void)state;
    uint64_t cap = IMAGE_BYTES / SECTOR;
    const request bad[] = {
        { VMMEM_VIRTIO_BLK_T_IN, cap, DATA, 512, 512, 0, 0 },              /* past the end */
        { VMMEM_VIRTIO_BLK_T_IN, cap - 1, DATA, 1024, 512, 0, 1 },         /* straddles the end */
        { VMMEM_VIRTIO_BLK_T_IN, UINT64_MAX / 256, DATA, 512, 512, 0, 2 }, /* sector * 512 overflows */
        { VMMEM_VIRTIO_BLK_T_IN, 0, DATA, 100, 100, 0, 3 },                /* not whole sectors */
        { VMMEM_VIRTIO_BLK_T_IN, 0, DATA, 0, 512, 0, 4 },                  /* no data */
        { VMMEM_VIRTIO_BLK_T_IN, 0, RAM_SIZE - 1024, 4096, 2048, 0, 5 },   /* data runs out of RAM */
        { VMMEM_VIRTIO_BLK_T_IN, 0, ROM, 512, 512, 0, 6 },                 /* data into ROM */
        { VMMEM_VIRTIO_BLK_T_IN, 0, DEV_MMIO, 512, 512, 0, 7 },            /* into its own window */
        { VMMEM_VIRTIO_BLK_T_OUT, cap, DATA, 512, 512, 0, 8 },             /* write past the end */
        { VMMEM_VIRTIO_BLK_T_OUT, 0, 0x7000000u, 4096, 4096, 0, 9 },       /* from outside RAM */
        { VMMEM_VIRTIO_BLK_T_OUT, 0, DATA, 513, 513, 0, 10 },              /* not whole sectors */
        { VMMEM_VIRTIO_BLK_T_GET_ID, 0, DATA, 0, 512, 0, 11 },             /* no room for the ID */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        next_desc = 0;
        expect_status(&bad[i], VMMEM_VIRTIO_BLK_S_IOERR);
        expect_data_untouched(&bad[i]);
    }
    request unknown = { 99, 0, DATA, 512, 512, 0, 12 };
    next_desc = 0;
    expect_status(&unknown, VMMEM_VIRTIO_BLK_S_UNSUPP);
    expect_data_untouched(&unknown);
}

static void test_bad_header_gets_ioerr(void **state)
{
    (void)state;
    /* header of 8 bytes (the next 8 bytes, in the data buffer, would make
     * a valid read of sector 0 if the device read past the readable part) */
    wr32(HEADERS, VMMEM_VIRTIO_BLK_T_IN);
    wr64(DATA, 0);
    put_desc(DESC, 0, HEADERS, 8, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 2);
    put_desc(DESC, 2, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 1);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_IOERR);
    assert_int_equal(rd8(DATA + 8), FILL);
    wr64(DATA, UINT64_C(0x5A5A5A5A5A5A5A5A));
    /* header device-writable (wrong direction): no readable bytes at all */
    put_desc(DESC, 3, HEADERS, 16, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 4);
    put_desc(DESC, 4, DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 5);
    put_desc(DESC, 5, STATUS + 1, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(3);
    kick_expect(1);
    expect_used(3, 1);
    assert_int_equal(rd8(STATUS + 1), VMMEM_VIRTIO_BLK_S_IOERR);
    assert_int_equal(rd8(DATA), FILL);
    /* header outside RAM */
    put_desc(DESC, 6, 0x7000000u, 16, VMMEM_VIRTQ_DESC_F_NEXT, 7);
    put_desc(DESC, 7, STATUS + 2, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(6);
    kick_expect(1);
    expect_used(6, 1);
    assert_int_equal(rd8(STATUS + 2), VMMEM_VIRTIO_BLK_S_IOERR);
}

/* A device-readable descriptor that wraps past 2^64 is refused as a whole
 * (IOERR, nothing written to the image), although the header lies below
 * 2^64 and dropping it would leave data that starts at guest address 0
 * (issue 18 defect 7: {2^64 - 16, 528} was served as header + {0, 512}).
 * RAM ends at 2^64 here, and RAM at 0 holds the canary the device would
 * have written to the image. */
static void test_out_data_wrapping_past_2_64_refused(void **state)
{
    (void)state;
    const vmmem_gpa top = UINT64_MAX - 0xFFFFu;
    assert_int_equal(vmmem_guest_add_ram(gm, top, 0x10000u, NULL), VMMEM_OK);
    const vmmem_gpa header = UINT64_MAX - 15u;
    wr32(header, VMMEM_VIRTIO_BLK_T_OUT);
    wr32(header + 4, 0);
    wr64(header + 8, 7);
    assert_int_equal(vmmem_guest_write_u8(gm, STATUS, STATUS_UNSET), VMMEM_OK);
    put_desc(DESC, 0, header, 16 + 512, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 1);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_IOERR);
    unsigned char *back = malloc(IMAGE_BYTES);
    assert_non_null(back);
    assert_int_equal(pread(fileno(image), back, IMAGE_BYTES, 0), (ssize_t)IMAGE_BYTES);
    assert_memory_equal(back, image_copy, IMAGE_BYTES);
    free(back);
    /* the same wrap in a device-writable data descriptor of an IN request
     * (the status in a descriptor of its own): IOERR, RAM at 0 untouched */
    wr32(header, VMMEM_VIRTIO_BLK_T_IN);
    put_desc(DESC, 2, HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, 3);
    wr32(HEADERS, VMMEM_VIRTIO_BLK_T_IN);
    wr32(HEADERS + 4, 0);
    wr64(HEADERS + 8, 7);
    put_desc(DESC, 3, UINT64_MAX - 511u, 1024, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 4);
    put_desc(DESC, 4, STATUS + 1, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    assert_int_equal(vmmem_guest_write_u8(gm, STATUS + 1, STATUS_UNSET), VMMEM_OK);
    post(2);
    kick_expect(1);
    expect_used(2, 1);
    assert_int_equal(rd8(STATUS + 1), VMMEM_VIRTIO_BLK_S_IOERR);
    assert_int_equal(rd8(0), FILL);
    assert_int_equal(rd8(511), FILL);
}

/* ---- hostile queues: the queue is marked broken ------------------------------------------ */

/* Kicks and expects the queue broken for `reason`, no used element
 * published, and every later kick refused too (the reason kept). */
static void expect_broken(vmmem_virtq_error reason)
{
    unsigned done = 99;
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    assert_int_equal(vmmem_virtq_error_reason(vq), VMMEM_VIRTQ_ERR_NONE);
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_EINVAL);
    assert_int_equal(done, 0);
    assert_true(vmmem_virtq_is_broken(vq));
    if (vmmem_virtq_error_reason(vq) != reason)
        fail_msg("broken for \"%s\", expected \"%s\"", vmmem_virtq_reason_str(vmmem_virtq_error_reason(vq)),
                 vmmem_virtq_reason_str(reason));
    expect_used_idx_unchanged();
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_EINVAL);
    assert_int_equal(vmmem_virtq_error_reason(vq), reason);
    expect_used_idx_unchanged();
}

static void valid_read_at(uint16_t first, vmmem_gpa table)
{
    wr32(HEADERS, VMMEM_VIRTIO_BLK_T_IN);
    wr64(HEADERS + 8, 0);
    put_desc(table, first, HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, (uint16_t)(first + 1));
    put_desc(table, (uint16_t)(first + 1), DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT,
             (uint16_t)(first + 2));
    put_desc(table, (uint16_t)(first + 2), STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
}

static void test_descriptor_loop(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    put_desc(DESC, 2, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 1); /* 2 -> 1 -> 2 */
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_CHAIN_LOOP);
    assert_int_equal(rd8(DATA), FILL);
}

static void test_self_loop_and_long_chain(void **state)
{
    (void)state;
    /* every descriptor points to the next, the last back to the first: a
     * chain of all QSIZE descriptors and then a loop */
    put_desc(DESC, 0, HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    for (uint16_t i = 1; i < QSIZE; i++)
        put_desc(DESC, i, DATA + i * 512u, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT,
                 (uint16_t)((i + 1) % QSIZE));
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_CHAIN_LOOP);
}

static void test_index_out_of_range(void **state)
{
    (void)state;
    /* head >= queue size, where a valid indirect request lies just past
     * the table's end */
    valid_read_at(0, INDIRECT);
    put_desc(DESC, QSIZE, INDIRECT, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(QSIZE);
    expect_broken(VMMEM_VIRTQ_ERR_HEAD_RANGE);
}

static void test_next_out_of_range(void **state)
{
    (void)state;
    /* next = QSIZE: just past the table, where a valid status descriptor lies */
    valid_read_at(0, DESC);
    put_desc(DESC, 1, DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, QSIZE);
    put_desc(DESC, QSIZE, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_NEXT_RANGE);
}

static void test_avail_index_jump(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    wr16(AVAIL + 4, 0);
    wr16(AVAIL + 2, QSIZE + 1); /* more chains than the queue holds */
    expect_broken(VMMEM_VIRTQ_ERR_AVAIL_IDX_JUMP);
}

static void test_readable_after_writable(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    put_desc(DESC, 2, STATUS, 1, VMMEM_VIRTQ_DESC_F_NEXT, 3); /* status readable, then... */
    put_desc(DESC, 3, STATUS + 1, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_READABLE_AFTER_WRITABLE);
}

static void test_no_status_byte(void **state)
{
    (void)state;
    /* status descriptor device-readable: no writable byte at all */
    put_desc(DESC, 0, HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, STATUS, 1, 0, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_NO_STATUS);
}

static void test_status_outside_ram(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    put_desc(DESC, 2, 0x7000000u, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
}

static void test_status_in_rom(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    put_desc(DESC, 2, ROM, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
}

static void test_status_wraps(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    put_desc(DESC, 2, UINT64_MAX - 1, 4, VMMEM_VIRTQ_DESC_F_WRITE, 0); /* last byte at 1 */
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
    assert_int_equal(rd8(1), FILL);
}

static void test_bad_indirect_tables(void **state)
{
    (void)state;
    static const struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
        vmmem_virtq_error reason;
    } cases[] = {
        { INDIRECT, 0, VMMEM_VIRTQ_DESC_F_INDIRECT, VMMEM_VIRTQ_ERR_INDIRECT_SIZE },        /* empty */
        { INDIRECT, 40, VMMEM_VIRTQ_DESC_F_INDIRECT, VMMEM_VIRTQ_ERR_INDIRECT_SIZE },       /* not whole entries */
        { INDIRECT, (VMMEM_VIRTQ_MAX_SIZE + 1) * 16, VMMEM_VIRTQ_DESC_F_INDIRECT,
          VMMEM_VIRTQ_ERR_INDIRECT_SIZE },                                                  /* too big */
        { 0x7000000u, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, VMMEM_VIRTQ_ERR_INDIRECT_MEMORY },   /* outside RAM */
        { DEV_MMIO, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, VMMEM_VIRTQ_ERR_INDIRECT_MEMORY },     /* in MMIO */
        { UINT64_MAX - 15, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, VMMEM_VIRTQ_ERR_INDIRECT_MEMORY }, /* wraps */
        { INDIRECT, 48, VMMEM_VIRTQ_DESC_F_INDIRECT | VMMEM_VIRTQ_DESC_F_NEXT,
          VMMEM_VIRTQ_ERR_INDIRECT_NEXT },                                                  /* with NEXT */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        teardown(state);
        assert_int_equal(setup(state), 0);
        valid_read_at(0, INDIRECT);
        put_desc(DESC, 0, cases[i].addr, cases[i].len, cases[i].flags, 1);
        post(0);
        expect_broken(cases[i].reason);
        assert_int_equal(rd8(DATA), FILL);
    }
    /* nested: the indirect table's first entry is itself indirect */
    teardown(state);
    assert_int_equal(setup(state), 0);
    put_desc(INDIRECT, 0, INDIRECT + 0x4000, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    valid_read_at(0, INDIRECT + 0x4000);
    put_desc(DESC, 0, INDIRECT, 16, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_INDIRECT_NESTED);
    /* a loop inside an indirect table */
    teardown(state);
    assert_int_equal(setup(state), 0);
    valid_read_at(0, INDIRECT);
    put_desc(INDIRECT, 2, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 0, INDIRECT, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_CHAIN_LOOP);
    /* next past the indirect table's end (the table has 3 entries) */
    teardown(state);
    assert_int_equal(setup(state), 0);
    valid_read_at(0, INDIRECT);
    put_desc(INDIRECT, 1, DATA, 512, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 3);
    put_desc(DESC, 0, INDIRECT, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_NEXT_RANGE);
    /* an indirect descriptor that is not the head */
    teardown(state);
    assert_int_equal(setup(state), 0);
    valid_read_at(0, INDIRECT);
    put_desc(DESC, 0, HEADERS, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    put_desc(DESC, 1, INDIRECT, 48, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
    post(0);
    expect_broken(VMMEM_VIRTQ_ERR_INDIRECT_NOT_HEAD);
}

static void test_requests_before_the_fault_are_answered(void **state)
{
    (void)state;
    request good = { VMMEM_VIRTIO_BLK_T_IN, 9, DATA, 4096, 4096, 0, 0 };
    uint16_t head = build(&good);
    post(head);
    post(QSIZE + 3); /* then a bad head */
    unsigned done = 0;
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_EINVAL);
    assert_int_equal(done, 1);
    expect_used(head, 4097);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
    expect_used_idx_unchanged();
    assert_int_equal(vmmem_virtq_error_reason(vmmem_virtio_blk_queue(blk)), VMMEM_VIRTQ_ERR_HEAD_RANGE);
}

/* The RAM under the rings removed between two kicks: the ring is no
 * longer RAM, the queue breaks and says so. */
static void test_ring_no_longer_ram(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    unsigned done = 99;
    assert_int_equal(vmmem_virtio_blk_process(blk, &done), VMMEM_EINVAL);
    assert_int_equal(done, 0);
    assert_int_equal(vmmem_virtq_error_reason(vmmem_virtio_blk_queue(blk)), VMMEM_VIRTQ_ERR_RING_MEMORY);
}

/* A broken queue answers nothing until the device is reset; after the
 * reset (the driver re-initialising its rings from index 0) it serves
 * again, and the reason is cleared. */
static void test_reset_after_broken(void **state)
{
    (void)state;
    valid_read_at(0, DESC);
    wr16(AVAIL + 2, QSIZE + 1);
    expect_broken(VMMEM_VIRTQ_ERR_AVAIL_IDX_JUMP);
    assert_int_equal(vmmem_virtio_blk_reset(NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_virtio_blk_reset(blk), VMMEM_OK);
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    assert_false(vmmem_virtq_is_broken(vq));
    assert_int_equal(vmmem_virtq_error_reason(vq), VMMEM_VIRTQ_ERR_NONE);
    avail_idx = used_seen = 0; /* the driver's re-initialised rings */
    wr16(AVAIL + 2, 0);
    wr16(USED + 2, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 513);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
}

/* A reset forgets the notification state: the first request answered
 * after it is notified, whatever the used index was before, and event
 * indices are off until switched on again (before the fix, the used index
 * after the reset equalled the one signalled before it, so need_notify
 * answered 0 and the interrupt was lost; a stale event index suppressed
 * the next one). */
static void test_reset_forgets_notification_state(void **state)
{
    (void)state;
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    assert_int_equal(vmmem_virtq_set_event_idx(vq, 1), VMMEM_OK);
    wr16(AVAIL + 4 + 2u * QSIZE, 0xFFFF); /* used_event: never crossed */
    valid_read_at(0, DESC);
    post(0);
    kick_expect(1);
    expect_used(0, 513);
    assert_int_equal(vmmem_virtq_need_notify(vq), 1); /* the first answer is always notified */
    assert_int_equal(vmmem_virtio_blk_reset(blk), VMMEM_OK);
    avail_idx = used_seen = 0; /* the driver's re-initialised rings */
    wr16(AVAIL + 2, 0);
    wr16(USED + 2, 0);
    post(0);
    kick_expect(1);
    expect_used(0, 513);
    assert_int_equal(vmmem_virtq_need_notify(vq), 1); /* used index 1 again: still a new answer */
    post(0);
    kick_expect(1);
    expect_used(0, 513);
    assert_int_equal(vmmem_virtq_need_notify(vq), 1); /* no event index now: flags 0 ask for it */
}

/* Every reason has its own description; a value that is none has one too. */
static void test_reason_strings(void **state)
{
    (void)state;
    const char *unknown = vmmem_virtq_reason_str(-1);
    assert_non_null(unknown);
    assert_ptr_equal(vmmem_virtq_reason_str(VMMEM_VIRTQ_ERR_DEVICE + 1), unknown);
    for (int a = VMMEM_VIRTQ_ERR_NONE; a <= VMMEM_VIRTQ_ERR_DEVICE; a++) {
        assert_true(vmmem_virtq_reason_str(a) != unknown);
        for (int b = VMMEM_VIRTQ_ERR_NONE; b < a; b++)
            assert_string_not_equal(vmmem_virtq_reason_str(a), vmmem_virtq_reason_str(b));
    }
    /* a device's own reason is kept; NONE is taken as DEVICE */
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    vmmem_virtq_mark_broken_for(vq, VMMEM_VIRTQ_ERR_NONE);
    assert_int_equal(vmmem_virtq_error_reason(vq), VMMEM_VIRTQ_ERR_DEVICE);
    vmmem_virtq_mark_broken_for(vq, VMMEM_VIRTQ_ERR_NO_STATUS);
    assert_int_equal(vmmem_virtq_error_reason(vq), VMMEM_VIRTQ_ERR_DEVICE); /* the first reason stays */
    assert_int_equal(vmmem_virtq_error_reason(NULL), VMMEM_VIRTQ_ERR_DEVICE);
    assert_int_equal(vmmem_virtq_reset(NULL), VMMEM_EINVAL);
}

/* ---- setup errors and the re-entrancy guard ---------------------------------------------------- */

static void test_create_arguments(void **state)
{
    (void)state;
    vmmem_virtio_blk *b;
    vmmem_virtio_blk_config cfg = { dma, fileno(image), NULL, { QSIZE, DESC, AVAIL, USED } };
    assert_int_equal(vmmem_virtio_blk_create(NULL, &b), VMMEM_EINVAL);
    assert_int_equal(vmmem_virtio_blk_create(&cfg, NULL), VMMEM_EINVAL);
    cfg.fd = -1;
    assert_int_equal(vmmem_virtio_blk_create(&cfg, &b), VMMEM_EINVAL);
    cfg.fd = fileno(image);
    const struct {
        vmmem_virtq_config q;
        int rc;
    } queues[] = {
        { { 0, DESC, AVAIL, USED }, VMMEM_EINVAL },                /* size 0 */
        { { 100, DESC, AVAIL, USED }, VMMEM_EINVAL },              /* not a power of two */
        { { 2048, DESC, AVAIL, USED }, VMMEM_EINVAL },             /* too big */
        { { QSIZE, DESC + 8, AVAIL, USED }, VMMEM_EINVAL },        /* misaligned */
        { { QSIZE, DESC, AVAIL + 1, USED }, VMMEM_EINVAL },
        { { QSIZE, DESC, AVAIL, USED + 2 }, VMMEM_EINVAL },
        { { QSIZE, UINT64_MAX - 15, AVAIL, USED }, VMMEM_ERANGE }, /* wraps */
        { { QSIZE, 0x7000000u, AVAIL, USED }, VMMEM_EFAULT },      /* outside RAM */
        { { QSIZE, DESC, AVAIL, RAM_SIZE - 8 }, VMMEM_EFAULT },    /* runs out of RAM */
        { { QSIZE, DESC, AVAIL, DEV_MMIO }, VMMEM_EFAULT },        /* in MMIO */
        { { 16, DESC, AVAIL, ROM }, VMMEM_EPERM },                 /* used ring in ROM */
        { { 16, ROM, AVAIL, USED }, VMMEM_OK },                    /* a read-only table in ROM is fine */
    };
    for (size_t i = 0; i < sizeof queues / sizeof queues[0]; i++) {
        cfg.queue = queues[i].q;
        b = NULL;
        assert_int_equal(vmmem_virtio_blk_create(&cfg, &b), queues[i].rc);
        vmmem_virtio_blk_destroy(b);
    }
    vmmem_virtio_blk_destroy(NULL);
    assert_int_equal(vmmem_virtio_blk_process(NULL, NULL), VMMEM_EINVAL);
    int p[2];
    assert_int_equal(pipe(p), 0);
    cfg.fd = p[0];
    cfg.queue = queues[0].q;
    cfg.queue.size = QSIZE;
    assert_int_equal(vmmem_virtio_blk_create(&cfg, &b), VMMEM_EIO); /* a pipe has no size */
    close(p[0]);
    close(p[1]);
}

static void test_processing_inside_mmio_handler_refused(void **state)
{
    (void)state;
    request r = { VMMEM_VIRTIO_BLK_T_IN, 0, DATA, 512, 512, 0, 0 };
    uint16_t head = build(&r);
    post(head);
    /* The guest writes the notify register; the handler tries to process
     * the queue inside the access: refused, queue intact. */
    assert_int_equal(vmmem_guest_write_le32(gm, DEV_MMIO + 0x50, 0), VMMEM_OK);
    assert_int_equal(mmio_kick_rc, VMMEM_EBUSY);
    expect_used_idx_unchanged();
    assert_false(vmmem_virtq_is_broken(vmmem_virtio_blk_queue(blk)));
    /* after the access returns, the same request is served */
    kick_expect(1);
    expect_used(head, 513);
    assert_int_equal(rd8(STATUS), VMMEM_VIRTIO_BLK_S_OK);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_reads_direct),
        T(test_reads_indirect),
        T(test_writes_direct),
        T(test_writes_indirect),
        T(test_batch_of_requests_in_one_kick),
        T(test_ram_replaced_between_kicks),
        T(test_any_layout),
        T(test_pop_merges_contiguous_descriptors),
        T(test_flush_and_get_id),
        T(test_indirect_table_in_rom),
        T(test_bad_requests_get_ioerr),
        T(test_bad_header_gets_ioerr),
        T(test_out_data_wrapping_past_2_64_refused),
        T(test_descriptor_loop),
        T(test_self_loop_and_long_chain),
        T(test_index_out_of_range),
        T(test_next_out_of_range),
        T(test_avail_index_jump),
        T(test_readable_after_writable),
        T(test_no_status_byte),
        T(test_status_outside_ram),
        T(test_status_in_rom),
        T(test_status_wraps),
        T(test_bad_indirect_tables),
        T(test_requests_before_the_fault_are_answered),
        T(test_ring_no_longer_ram),
        T(test_reset_after_broken),
        T(test_reset_forgets_notification_state),
        T(test_reason_strings),
        T(test_create_arguments),
        T(test_processing_inside_mmio_handler_refused),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
