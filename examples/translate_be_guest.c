/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* examples/translate_be_guest.c - a big-endian guest's data on this host.
 *
 * An emulated PowerPC guest keeps a ring of DMA descriptors in its memory,
 * in its own (big-endian) byte order:
 *     struct guest_desc { u64 addr; u32 len; u16 flags; u16 next; };
 * The device model converts the ring to host order in one call, works on
 * plain host structures, and converts the ring back for the guest. A block
 * of 32-bit big-endian device registers goes through vmmem_copy_bswap32.
 * Nothing assumes a little-endian host: the converter takes the two byte
 * orders (VMMEM_HOST_ORDER is this machine's), and the plain swap is only
 * used when the host is little-endian.
 *
 * The guest memory here is a plain buffer. Exits non-zero if any value or
 * byte comes out wrong. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vmmem/vmmem.h>

struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
_Static_assert(sizeof(struct desc) == 16, "no padding: the host structure matches the guest layout");

#define RING_SIZE 8
#define DESC_F_NEXT 1
#define DESC_F_WRITE 2

/* Stores v in big-endian order at p, one byte at a time (as the guest would
 * have written it). */
static void put_be(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
}

int main(void)
{
    /* The guest fills its ring. */
    unsigned char guest_ring[RING_SIZE * sizeof(struct desc)];
    for (int i = 0; i < RING_SIZE; i++) {
        unsigned char *d = guest_ring + i * sizeof(struct desc);
        put_be(d, 0x100000000ull + 0x1000u * (unsigned)i, 8);
        put_be(d + 8, 1500, 4);
        put_be(d + 12, i + 1 < RING_SIZE ? DESC_F_NEXT : 0, 2);
        put_be(d + 14, (uint64_t)(i + 1) % RING_SIZE, 2);
    }

    /* Guest to host: one pass over the ring. */
    vmmem_layout layout;
    if (vmmem_layout_parse("u64 u32 u16 u16", &layout) != VMMEM_OK)
        return 1;
    struct desc ring[RING_SIZE];
    int err = vmmem_convert_records(ring, guest_ring, RING_SIZE, &layout, VMMEM_BIG_ENDIAN, VMMEM_HOST_ORDER);
    if (err != VMMEM_OK) {
        fprintf(stderr, "convert: %s\n", vmmem_strerror(err));
        return 1;
    }
    for (int i = 0; i < RING_SIZE; i++) {
        if (ring[i].addr != 0x100000000ull + 0x1000u * (unsigned)i || ring[i].len != 1500 ||
            ring[i].next != (i + 1) % RING_SIZE) {
            fprintf(stderr, "descriptor %d: wrong values after conversion\n", i);
            return 1;
        }
    }
    printf("descriptor 0: addr 0x%llx len %u flags %u next %u\n", (unsigned long long)ring[0].addr,
           (unsigned)ring[0].len, (unsigned)ring[0].flags, (unsigned)ring[0].next);

    /* The device uses the buffers: it marks each one written, and halves the length. */
    for (int i = 0; i < RING_SIZE; i++) {
        ring[i].flags |= DESC_F_WRITE;
        ring[i].len /= 2;
    }

    /* Host to guest: in place on the host ring, then copied into guest memory. */
    err = vmmem_convert_records(ring, ring, RING_SIZE, &layout, VMMEM_HOST_ORDER, VMMEM_BIG_ENDIAN);
    if (err == VMMEM_OK)
        err = vmmem_copy_checked(guest_ring, sizeof guest_ring, ring, sizeof ring, sizeof ring);
    if (err != VMMEM_OK) {
        fprintf(stderr, "convert back: %s\n", vmmem_strerror(err));
        return 1;
    }
    for (int i = 0; i < RING_SIZE; i++) {
        unsigned char want[sizeof(struct desc)];
        put_be(want, 0x100000000ull + 0x1000u * (unsigned)i, 8);
        put_be(want + 8, 750, 4);
        put_be(want + 12, (i + 1 < RING_SIZE ? DESC_F_NEXT : 0) | DESC_F_WRITE, 2);
        put_be(want + 14, (uint64_t)(i + 1) % RING_SIZE, 2);
        if (memcmp(guest_ring + i * sizeof(struct desc), want, sizeof want) != 0) {
            fprintf(stderr, "descriptor %d: wrong guest bytes after the round trip\n", i);
            return 1;
        }
    }

    /* A block of big-endian 32-bit device registers, read into host values. */
    unsigned char regs_be[4 * 4];
    const uint32_t values[4] = {0xDEADBEEF, 0x00000001, 0x12345678, 0x80000000};
    for (int i = 0; i < 4; i++)
        put_be(regs_be + 4 * i, values[i], 4);
    uint32_t regs[4];
    if (VMMEM_HOST_ORDER == VMMEM_BIG_ENDIAN)
        memcpy(regs, regs_be, sizeof regs);
    else if (vmmem_copy_bswap32(regs, regs_be, 4) != VMMEM_OK)
        return 1;
    if (memcmp(regs, values, sizeof regs) != 0) {
        fprintf(stderr, "registers: wrong values\n");
        return 1;
    }
    printf("registers: 0x%08x 0x%08x 0x%08x 0x%08x (byte-swap kernel of ISA %s)\n", regs[0], regs[1], regs[2],
           regs[3], vmmem_isa_name(vmmem_active_isa()));
    printf("ok\n");
    return 0;
}
