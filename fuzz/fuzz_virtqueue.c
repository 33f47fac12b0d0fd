/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_virtqueue.c - libFuzzer target: hostile descriptor tables and
 * rings for the virtio block device.
 *
 * Input: byte 0 picks the queue size (1 << (byte % 9): 1..256); the rest is
 * copied into guest RAM from address 0 (at most INPUT_WINDOW bytes): the
 * descriptor table at 0, the available ring at AVAIL, and whatever headers,
 * indirect tables and data the input places there; the rest of RAM is
 * zero. The device then processes the queue a few times.
 *
 * Checked on every input, besides what ASan and UBSan catch (any host
 * access outside guest RAM hits the guard pages around it or a poisoned
 * heap byte):
 *  - the device's own MMIO window is never accessed (its DMA there is refused);
 *  - a call answers at most queue-size requests; a broken queue stays broken
 *    and answers none;
 *  - after a call that answered requests without breaking the queue, the
 *    used index equals the number of requests answered so far (mod 2^16):
 *    it is published last, after the data and the status. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

/* Guest layout: two adjacent RAM regions (a buffer may span both), ROM, the
 * device's own registers, another device's registers, then nothing. */
#define RAM0 0x0u
#define RAM0_SIZE 0x10000u
#define RAM1 0x10000u
#define RAM1_SIZE 0x10000u
#define RAM_BYTES (RAM0_SIZE + RAM1_SIZE)
#define ROM 0x20000u
#define ROM_SIZE 0x1000u
#define OWN_MMIO 0x21000u
#define OTHER_MMIO 0x22000u
#define MMIO_SIZE 0x1000u

#define AVAIL 0x1000u        /* after a 256-entry descriptor table */
#define USED 0x2000u
#define INPUT_WINDOW 0x2000u /* input bytes land in [0, INPUT_WINDOW) */
#define IMAGE_BYTES 0x10000u /* 128 sectors */
#define KICKS 3              /* process calls per input */

static vmmem_guest_memory *gm;
static vmmem_dma_device *dma;
static int image_fd = -1;
static unsigned char image_content[IMAGE_BYTES];
static unsigned char other_regs[MMIO_SIZE];

static int own_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    abort(); /* the device must never reach its own window by DMA */
}

static int own_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    abort();
}

static int other_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque;
    memcpy(data, other_regs + offset, size);
    return VMMEM_OK;
}

static int other_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque;
    memcpy(other_regs + offset, data, size);
    return VMMEM_OK;
}

static void must(int rc, const char *what)
{
    if (rc != VMMEM_OK) {
        fprintf(stderr, "fuzz_virtqueue setup: %s: %s\n", what, vmmem_strerror(rc));
        abort();
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    static const unsigned char rom[16] = "fuzz rom";
    vmmem_mmio_ops own = { own_read, own_write, 1, 8, NULL };
    vmmem_mmio_ops other = { other_read, other_write, 1, 8, NULL };
    must(vmmem_guest_memory_create(&gm), "create");
    must(vmmem_guest_add_ram(gm, RAM0, RAM0_SIZE, NULL), "ram0");
    must(vmmem_guest_add_ram(gm, RAM1, RAM1_SIZE, NULL), "ram1");
    must(vmmem_guest_add_rom(gm, ROM, ROM_SIZE, rom, sizeof rom), "rom");
    must(vmmem_guest_add_mmio(gm, OWN_MMIO, MMIO_SIZE, &own), "own mmio");
    must(vmmem_guest_add_mmio(gm, OTHER_MMIO, MMIO_SIZE, &other), "other mmio");
    vmmem_dma_config cfg = { gm, OWN_MMIO, MMIO_SIZE, 0 };
    must(vmmem_dma_device_create(&cfg, &dma), "dma");
    image_fd = memfd_create("fuzz-disk", 0);
    if (image_fd < 0)
        abort();
    for (size_t i = 0; i < IMAGE_BYTES; i++)
        image_content[i] = (unsigned char)(i * 131 + 17);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
    data++;
    size--;
    /* Fresh guest RAM and disk image for every input (deterministic). */
    static unsigned char ram[RAM_BYTES];
    memset(ram, 0, sizeof ram);
    memcpy(ram, data, size < INPUT_WINDOW ? size : INPUT_WINDOW);
    must(vmmem_guest_write(gm, RAM0, ram, sizeof ram), "reset ram");
    if (pwrite(image_fd, image_content, IMAGE_BYTES, 0) != IMAGE_BYTES || ftruncate(image_fd, IMAGE_BYTES))
        abort();

    vmmem_virtio_blk *blk;
    vmmem_virtio_blk_config cfg = { dma, image_fd, "fuzz", { qsize, 0, AVAIL, USED } };
    must(vmmem_virtio_blk_create(&cfg, &blk), "virtio-blk");
    unsigned total = 0;
    int broken = 0;
    for (int kick = 0; kick < KICKS; kick++) {
        unsigned done = 0;
        int rc = vmmem_virtio_blk_process(blk, &done);
        if (done > qsize || (broken && (rc != VMMEM_EINVAL || done != 0)))
            abort();
        total += done;
        if (rc != VMMEM_OK) {
            if (rc != VMMEM_EINVAL || !vmmem_virtq_is_broken(vmmem_virtio_blk_queue(blk)))
                abort(); /* the only failure here is a broken queue */
            broken = 1;
            continue;
        }
        if (done > 0) {
            uint16_t used_idx;
            must(vmmem_guest_read_le16(gm, USED + 2, &used_idx), "used idx");
            if (used_idx != (uint16_t)total)
                abort();
        }
    }
    vmmem_virtio_blk_destroy(blk);
    return 0;
}
