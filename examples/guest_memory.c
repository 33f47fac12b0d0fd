/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* examples/guest_memory.c - a small guest physical address space: two
 * adjacent RAM regions, a ROM and an MMIO device with 4-byte registers.
 * Copies blocks inside it (across the RAM boundary, overlapping, out of the
 * ROM, into the device), shows the errors of a copy into a hole and of a
 * write to ROM, then collects the pages the guest dirtied, as live
 * migration would. Exits non-zero if anything is not as expected. Build:
 * link with `pkg-config --cflags --libs vmmem-vm`. */
#include <stdio.h>
#include <string.h>
#include <vmmem/guest_memory.h>

#define RAM_LOW 0x00000000u  /* 64 KiB of RAM ... */
#define RAM_HIGH 0x00010000u /* ... and 64 KiB more right after it */
#define RAM_SIZE 0x00010000u
#define DEVICE 0x000e0000u   /* 16 registers of 4 bytes */
#define DEVICE_SIZE 0x40u
#define ROM_BASE 0x000f0000u /* 4 KiB "firmware"; everything else is a hole */
#define ROM_SIZE 0x00001000u

/* The device: a register file that accepts only 4-byte accesses and
 * counts them. */
typedef struct registers {
    unsigned char bytes[DEVICE_SIZE];
    unsigned accesses;
} registers;

static int device_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    registers *r = opaque;
    r->accesses++;
    memcpy(data, r->bytes + offset, size);
    return VMMEM_OK;
}

static int device_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    registers *r = opaque;
    r->accesses++;
    memcpy(r->bytes + offset, data, size);
    return VMMEM_OK;
}

static int check(const char *what, int rc, int expected)
{
    printf("%-48s -> %s\n", what, vmmem_strerror(rc));
    return rc != expected;
}

int main(void)
{
    vmmem_guest_memory *gm;
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK)
        return 1;
    static const char firmware[] = "firmware v1";
    static registers regs;
    const vmmem_mmio_ops ops = {device_read, device_write, 4, 4, &regs};
    int failed = vmmem_guest_add_ram(gm, RAM_LOW, RAM_SIZE, NULL) != VMMEM_OK ||
                 vmmem_guest_add_ram(gm, RAM_HIGH, RAM_SIZE, NULL) != VMMEM_OK ||
                 vmmem_guest_add_mmio(gm, DEVICE, DEVICE_SIZE, &ops) != VMMEM_OK ||
                 vmmem_guest_add_rom(gm, ROM_BASE, ROM_SIZE, firmware, sizeof firmware) != VMMEM_OK;
    /* Track dirty pages of both RAM regions from now on. */
    failed |= vmmem_guest_dirty_enable(gm, RAM_LOW, 1) != VMMEM_OK || vmmem_guest_dirty_enable(gm, RAM_HIGH, 1) != VMMEM_OK;

    /* A block across the boundary of the two RAM regions. */
    char text[64] = "a block that straddles two RAM regions";
    failed |= check("write 64 B at 0xffe0 (RAM -> RAM)", vmmem_guest_write(gm, 0xffe0, text, sizeof text), VMMEM_OK);
    /* Copy it down, then overlapping by 8 bytes (memmove semantics). */
    failed |= check("copy_block 0x100 <- 0xffe0, 64 B", vmmem_guest_copy_block(gm, 0x100, 0xffe0, sizeof text), VMMEM_OK);
    failed |= check("copy_block 0x108 <- 0x100, 64 B (overlap)", vmmem_guest_copy_block(gm, 0x108, 0x100, sizeof text), VMMEM_OK);
    char back[64];
    failed |= vmmem_guest_read(gm, 0x108, back, sizeof back) != VMMEM_OK || memcmp(back, text, sizeof text) != 0;
    /* The firmware is readable and copyable, not writable. */
    failed |= check("copy_block 0x3000 <- ROM", vmmem_guest_copy_block(gm, 0x3000, ROM_BASE, sizeof firmware), VMMEM_OK);
    failed |= check("copy_block ROM <- 0x3000", vmmem_guest_copy_block(gm, ROM_BASE, 0x3000, 16), VMMEM_EPERM);
    /* 16 bytes into the device: four 4-byte register writes. */
    unsigned before = regs.accesses;
    failed |= check("copy_block device <- 0x108, 16 B (MMIO)", vmmem_guest_copy_block(gm, DEVICE, 0x108, 16), VMMEM_OK);
    printf("%-48s    %u register writes, registers hold \"%.16s\"\n", "", regs.accesses - before, regs.bytes);
    failed |= regs.accesses - before != 4 || memcmp(regs.bytes, text, 16) != 0;
    /* A copy whose destination runs past the end of RAM into the hole is
     * refused before a single byte moves. */
    failed |= check("copy_block 0x1ffe0 <- 0x100, 64 B (into hole)", vmmem_guest_copy_block(gm, 0x1ffe0, 0x100, 64), VMMEM_EFAULT);
    failed |= check("read 16 B at 2^64 - 8 (wraps)", vmmem_guest_read(gm, UINT64_MAX - 7, back, 16), VMMEM_ERANGE);

    /* The pages written since tracking began: 0xffe0 (page 15 of the low
     * region, page 0 of the high one), 0x100 and 0x108 (page 0), 0x3000
     * (page 3). Refused copies dirtied nothing. */
    uint64_t low = 0, high = 0;
    failed |= vmmem_guest_dirty_fetch_and_clear(gm, RAM_LOW, &low, 1) != VMMEM_OK ||
              vmmem_guest_dirty_fetch_and_clear(gm, RAM_HIGH, &high, 1) != VMMEM_OK;
    printf("dirty pages (4 KiB):");
    for (unsigned page = 0; page < 16; page++)
        if (low >> page & 1)
            printf(" 0x%05x", RAM_LOW + page * VMMEM_DIRTY_PAGE_SIZE);
    for (unsigned page = 0; page < 16; page++)
        if (high >> page & 1)
            printf(" 0x%05x", RAM_HIGH + page * VMMEM_DIRTY_PAGE_SIZE);
    printf("\n");
    failed |= low != ((1u << 15) | (1u << 3) | 1u) || high != 1u;
    /* Fetching cleared them. */
    failed |= vmmem_guest_dirty_fetch_and_clear(gm, RAM_LOW, &low, 1) != VMMEM_OK || low != 0;

    vmmem_guest_memory_destroy(gm);
    printf("%s\n", failed ? "FAILED" : "ok");
    return failed;
}
