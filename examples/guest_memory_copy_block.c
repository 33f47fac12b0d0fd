/* examples/guest_memory_copy_block.c - a small guest physical address space
 * (two adjacent RAM regions and a ROM), block copies inside it, and the
 * error a copy gets when its range runs into a hole. Build: link with
 * `pkg-config --cflags --libs vmmem-vm`. */
#include <stdio.h>
#include <string.h>
#include <vmmem/guest_memory.h>

#define RAM_LOW 0x00000000u   /* 64 KiB of RAM ... */
#define RAM_HIGH 0x00010000u  /* ... and 64 KiB more right after it */
#define RAM_SIZE 0x00010000u
#define ROM_BASE 0x000f0000u  /* 4 KiB "firmware"; [0x20000, 0xf0000) is a hole */
#define ROM_SIZE 0x00001000u

static int check(const char *what, int rc, int expected)
{
    printf("%-44s -> %s\n", what, vmmem_strerror(rc));
    return rc != expected;
}

int main(void)
{
    vmmem_guest_memory *gm;
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK)
        return 1;
    static const char firmware[] = "firmware v1";
    int failed = vmmem_guest_add_ram(gm, RAM_LOW, RAM_SIZE, NULL) != VMMEM_OK ||
                 vmmem_guest_add_ram(gm, RAM_HIGH, RAM_SIZE, NULL) != VMMEM_OK ||
                 vmmem_guest_add_rom(gm, ROM_BASE, ROM_SIZE, firmware, sizeof firmware) != VMMEM_OK;

    /* A block across the boundary of the two RAM regions. */
    char text[64] = "a block that straddles two RAM regions";
    failed |= check("write 64 B at 0xffe0 (RAM -> RAM)", vmmem_guest_write(gm, 0xffe0, text, sizeof text), VMMEM_OK);
    /* Copy it down, then overlapping by 8 bytes (memmove semantics). */
    failed |= check("copy_block 0x100 <- 0xffe0, 64 B", vmmem_guest_copy_block(gm, 0x100, 0xffe0, sizeof text), VMMEM_OK);
    failed |= check("copy_block 0x108 <- 0x100, 64 B (overlap)", vmmem_guest_copy_block(gm, 0x108, 0x100, sizeof text), VMMEM_OK);
    char back[64];
    failed |= vmmem_guest_read(gm, 0x108, back, sizeof back) != VMMEM_OK || memcmp(back, text, sizeof text) != 0;
    /* The firmware is readable, copyable, not writable. */
    failed |= check("copy_block 0x200 <- ROM", vmmem_guest_copy_block(gm, 0x200, ROM_BASE, sizeof firmware), VMMEM_OK);
    failed |= check("copy_block ROM <- 0x200", vmmem_guest_copy_block(gm, ROM_BASE, 0x200, 16), VMMEM_EPERM);
    /* A copy whose destination runs past the end of RAM into the hole is
     * refused before a single byte moves. */
    memset(text, 'x', sizeof text);
    failed |= vmmem_guest_write(gm, 0x1ffc0, text, sizeof text) != VMMEM_OK;
    failed |= check("copy_block 0x1ffe0 <- 0x100, 64 B (into hole)", vmmem_guest_copy_block(gm, 0x1ffe0, 0x100, 64), VMMEM_EFAULT);
    failed |= vmmem_guest_read(gm, 0x1ffc0, back, sizeof back) != VMMEM_OK || back[sizeof back - 1] != 'x';
    failed |= check("read 16 B at 2^64 - 8 (wraps)", vmmem_guest_read(gm, UINT64_MAX - 7, back, 16), VMMEM_ERANGE);

    vmmem_guest_memory_destroy(gm);
    printf("%s\n", failed ? "FAILED" : "ok");
    return failed;
}
