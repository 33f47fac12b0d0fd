/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* examples/dma_block_device.c - an emulated virtio block device on guest
 * memory: creates 4 MiB of guest RAM and a 1 MiB disk image, then acts as
 * the guest's driver: it writes 8 KiB to sector 16 with one request (two
 * data descriptors), reads it back into four scattered buffers with a
 * second, asks for the device ID with a third, and checks every byte.
 * Exits non-zero if anything is wrong. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

/* Where the "guest driver" puts things in guest physical memory. */
enum {
    RAM_BYTES = 4 << 20,
    QUEUE_SIZE = 64,
    DESC_TABLE = 0x1000, /* 64 descriptors of 16 bytes */
    AVAIL_RING = 0x2000,
    USED_RING = 0x3000,
    HEADER = 0x4000,
    STATUS = 0x4100,
    OUT_DATA = 0x10000,
    IN_DATA = 0x20000,
    IMAGE_BYTES = 1 << 20,
    REQUEST_BYTES = 8192,
    SECTOR = 16
};

static vmmem_guest_memory *gm;
static uint16_t avail_idx;

#define CHECK(call)                                                                       \
    do {                                                                                  \
        int rc_ = (call);                                                                 \
        if (rc_ != VMMEM_OK) {                                                            \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, vmmem_strerror(rc_)); \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

/* Descriptor i: {le64 addr, le32 len, le16 flags, le16 next}. */
static void descriptor(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vmmem_gpa d = DESC_TABLE + 16u * i;
    CHECK(vmmem_guest_write_le64(gm, d, addr));
    CHECK(vmmem_guest_write_le32(gm, d + 8, len));
    CHECK(vmmem_guest_write_le16(gm, d + 12, flags));
    CHECK(vmmem_guest_write_le16(gm, d + 14, next));
}

static void header(uint32_t type, uint64_t sector)
{
    CHECK(vmmem_guest_write_le32(gm, HEADER, type));
    CHECK(vmmem_guest_write_le32(gm, HEADER + 4, 0));
    CHECK(vmmem_guest_write_le64(gm, HEADER + 8, sector));
}

/* Makes the chain at head available, "notifies" the device, and checks
 * that it answered with status OK. */
static void submit(vmmem_virtio_blk *blk, uint16_t head)
{
    CHECK(vmmem_guest_write_le16(gm, AVAIL_RING + 4 + 2u * (avail_idx % QUEUE_SIZE), head));
    CHECK(vmmem_guest_write_le16(gm, AVAIL_RING + 2, ++avail_idx));
    unsigned done;
    CHECK(vmmem_virtio_blk_process(blk, &done));
    uint16_t used_idx;
    uint8_t status;
    CHECK(vmmem_guest_read_le16(gm, USED_RING + 2, &used_idx));
    CHECK(vmmem_guest_read_u8(gm, STATUS, &status));
    if (done != 1 || used_idx != avail_idx || status != VMMEM_VIRTIO_BLK_S_OK) {
        fprintf(stderr, "request %u: done %u, used index %u, status %u\n", head, done, used_idx, status);
        exit(1);
    }
}

int main(void)
{
    CHECK(vmmem_guest_memory_create(&gm));
    CHECK(vmmem_guest_add_ram(gm, 0, RAM_BYTES, NULL));

    /* The disk image: a memfd here; any file or block device works. */
    int fd = memfd_create("disk.img", 0);
    if (fd < 0 || ftruncate(fd, IMAGE_BYTES) != 0) {
        perror("disk image");
        return 1;
    }

    vmmem_dma_device *dma;
    vmmem_dma_config dma_config = { .gm = gm }; /* no MMIO window in this example */
    CHECK(vmmem_dma_device_create(&dma_config, &dma));
    vmmem_virtio_blk *blk;
    vmmem_virtio_blk_config config = {
        .dma = dma, .fd = fd, .id = "example-disk",
        .queue = { QUEUE_SIZE, DESC_TABLE, AVAIL_RING, USED_RING },
    };
    CHECK(vmmem_virtio_blk_create(&config, &blk));

    /* 1. OUT: header, data in two descriptors, status. */
    unsigned char data[REQUEST_BYTES];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 31 + 7);
    CHECK(vmmem_guest_write(gm, OUT_DATA, data, sizeof data));
    header(VMMEM_VIRTIO_BLK_T_OUT, SECTOR);
    descriptor(0, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    descriptor(1, OUT_DATA, 3000, VMMEM_VIRTQ_DESC_F_NEXT, 2);
    descriptor(2, OUT_DATA + 3000, REQUEST_BYTES - 3000, VMMEM_VIRTQ_DESC_F_NEXT, 3);
    descriptor(3, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    submit(blk, 0);

    /* 2. IN: the same sectors into four 2 KiB buffers 4 KiB apart. */
    header(VMMEM_VIRTIO_BLK_T_IN, SECTOR);
    descriptor(4, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 5);
    for (uint16_t i = 0; i < 4; i++)
        descriptor((uint16_t)(5 + i), IN_DATA + 4096u * i, 2048, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT,
                   (uint16_t)(6 + i));
    descriptor(9, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    submit(blk, 4);
    unsigned char back[REQUEST_BYTES];
    for (unsigned i = 0; i < 4; i++)
        CHECK(vmmem_guest_read(gm, IN_DATA + 4096u * i, back + 2048u * i, 2048));
    if (memcmp(back, data, sizeof data) != 0) {
        fprintf(stderr, "read back differs from what was written\n");
        return 1;
    }

    /* 3. GET_ID: a 20-byte buffer. */
    header(VMMEM_VIRTIO_BLK_T_GET_ID, 0);
    descriptor(10, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 11);
    descriptor(11, IN_DATA, VMMEM_VIRTIO_BLK_ID_BYTES, VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, 12);
    descriptor(12, STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    submit(blk, 10);
    char id[VMMEM_VIRTIO_BLK_ID_BYTES + 1] = { 0 };
    CHECK(vmmem_guest_read(gm, IN_DATA, id, VMMEM_VIRTIO_BLK_ID_BYTES));

    printf("virtio-blk '%s': %llu sectors; wrote and read back %d bytes at sector %d through DMA\n", id,
           (unsigned long long)vmmem_virtio_blk_capacity(blk), REQUEST_BYTES, SECTOR);

    vmmem_virtio_blk_destroy(blk);
    vmmem_dma_device_destroy(dma);
    vmmem_guest_memory_destroy(gm);
    close(fd);
    return strcmp(id, "example-disk") == 0 ? 0 : 1;
}
