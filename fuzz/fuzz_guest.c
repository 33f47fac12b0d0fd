/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_guest.c - libFuzzer target for the guest memory manager:
 * random sequences of reads, writes, copy_block, typed stores and arrays in
 * either byte order on a fixed
 * map (two adjacent RAM regions, ROM, a hole, more RAM) against a flat
 * reference model. An access succeeds exactly when the model says every
 * byte is allowed (RAM for writes, RAM or ROM for reads); a refused access
 * changes nothing; after every operation all of guest memory equals the
 * model. Addresses reach past the map on both sides and up to 2^64 - 1.
 *
 * Input: operations of 8 bytes each (kind, gpa offset 2 bytes, length 2
 * bytes, source offset 2 bytes, a fill byte). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmmem/guest_memory.h>

#define PAGE 4096u
#define BASE 0x10000u      /* the window the model covers starts here */
#define WINDOW (8u * PAGE) /* [BASE - PAGE, BASE + 7 pages): one page of hole each side */
#define OP_SIZE 8u

/* Page kinds of the window, page by page from BASE - PAGE. */
enum kind { HOLE, RAM, ROM };
static const enum kind page_kind[WINDOW / PAGE] = {HOLE, RAM, RAM, RAM, ROM, HOLE, RAM, HOLE};

static vmmem_guest_memory *gm;
static unsigned char model[WINDOW];

static uint64_t window_start(void) { return BASE - PAGE; }

/* Element i (size bytes, host order) of a buffer of host integers. */
static uint64_t host_element(const unsigned char *buf, size_t i, unsigned size)
{
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (size) {
    case 2: memcpy(&v16, buf + i * size, 2); return v16;
    case 4: memcpy(&v32, buf + i * size, 4); return v32;
    default: memcpy(&v64, buf + i * size, 8); return v64;
    }
}

static void set_host_element(unsigned char *buf, size_t i, unsigned size, uint64_t v)
{
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    switch (size) {
    case 2: memcpy(buf + i * size, &v16, 2); break;
    case 4: memcpy(buf + i * size, &v32, 4); break;
    default: memcpy(buf + i * size, &v, 8); break;
    }
}

/* Byte b of an element of `size` bytes stored in `order`: its shift. */
static unsigned byte_shift(unsigned b, unsigned size, vmmem_byte_order order)
{
    return order == VMMEM_LITTLE_ENDIAN ? 8 * b : 8 * (size - 1 - b);
}

static void rom_content(unsigned char *rom)
{
    for (unsigned i = 0; i < PAGE; i++)
        rom[i] = (unsigned char)(i * 7 + 3);
}

static void setup(void)
{
    unsigned char rom[PAGE];
    rom_content(rom);
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, BASE, 2 * PAGE, NULL) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, BASE + 2 * PAGE, PAGE, NULL) != VMMEM_OK ||
        vmmem_guest_add_rom(gm, BASE + 3 * PAGE, PAGE, rom, PAGE) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, BASE + 5 * PAGE, PAGE, NULL) != VMMEM_OK)
        abort();
}

/* Every byte of [gpa, gpa + len) inside the window and of an allowed kind. */
static int allowed(uint64_t gpa, uint64_t len, int write)
{
    if (len == 0)
        return 1;
    if (gpa < window_start() || gpa - window_start() > WINDOW || len > WINDOW - (gpa - window_start()))
        return 0;
    for (uint64_t a = gpa - window_start(); a < gpa - window_start() + len; a++) {
        enum kind k = page_kind[a / PAGE];
        if (k == HOLE || (write && k == ROM))
            return 0;
    }
    return 1;
}

/* Guest memory equals the model, read page by page (holes skipped). */
static void check_all(void)
{
    unsigned char page[PAGE];
    for (unsigned p = 0; p < WINDOW / PAGE; p++) {
        if (page_kind[p] == HOLE)
            continue;
        if (vmmem_guest_read(gm, window_start() + (uint64_t)p * PAGE, page, PAGE) != VMMEM_OK ||
            memcmp(page, model + p * PAGE, PAGE) != 0)
            abort();
    }
}

/* Fresh contents for each input: RAM 0, ROM its content. */
static void reset(void)
{
    static const unsigned char zero[PAGE];
    memset(model, 0, sizeof model);
    for (unsigned p = 0; p < WINDOW / PAGE; p++) {
        if (page_kind[p] == RAM && vmmem_guest_write(gm, window_start() + (uint64_t)p * PAGE, zero, PAGE) != VMMEM_OK)
            abort();
        if (page_kind[p] == ROM)
            rom_content(model + p * PAGE);
    }
}

/* An address mostly in and around the window, sometimes near 2^64. */
static uint64_t address(const uint8_t *p)
{
    uint16_t v = (uint16_t)(p[0] | p[1] << 8);
    if (v >= 0xF000u)
        return UINT64_MAX - (v & 0xFFFu);
    return window_start() - 64 + v % (WINDOW + 128);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!gm)
        setup();
    reset();
    unsigned char buf[WINDOW + 128], expect[WINDOW + 128];
    for (size_t at = 0; at + OP_SIZE <= size; at += OP_SIZE) {
        const uint8_t *op = data + at;
        uint64_t gpa = address(op + 1), src = address(op + 5);
        size_t len = (size_t)(op[3] | op[4] << 8) % (WINDOW + 64);
        unsigned char fill = op[7];
        int rc, ok;
        const unsigned esize = fill % 3 == 0 ? 2 : fill % 3 == 1 ? 4 : 8; /* arrays */
        const vmmem_byte_order order = (fill >> 2) & 1 ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
        const size_t count = len / esize;
        switch (op[0] % 7) {
        case 0: /* write */
            for (size_t i = 0; i < len; i++)
                buf[i] = (unsigned char)(fill + i);
            ok = allowed(gpa, len, 1);
            rc = vmmem_guest_write(gm, gpa, buf, len);
            if (ok && len)
                memcpy(model + (gpa - window_start()), buf, len);
            break;
        case 1: /* read: the buffer outside the copy stays as it was */
            memset(buf, fill, sizeof buf);
            memcpy(expect, buf, sizeof buf);
            ok = allowed(gpa, len, 0);
            rc = vmmem_guest_read(gm, gpa, buf, len);
            if (ok && len)
                memcpy(expect, model + (gpa - window_start()), len);
            if (!ok || rc == VMMEM_OK)
                if (memcmp(buf, expect, sizeof buf) != 0)
                    abort();
            break;
        case 2: /* copy_block, memmove semantics */
            ok = allowed(gpa, len, 1) && allowed(src, len, 0);
            rc = vmmem_guest_copy_block(gm, gpa, src, len);
            if (ok && len)
                memmove(model + (gpa - window_start()), model + (src - window_start()), len);
            break;
        case 3: { /* 32-bit little-endian store */
            uint32_t v = 0x01020304u * fill;
            ok = allowed(gpa, 4, 1);
            rc = vmmem_guest_write_le32(gm, gpa, v);
            if (ok)
                for (int i = 0; i < 4; i++)
                    model[gpa - window_start() + i] = (unsigned char)(v >> (8 * i));
            break;
        }
        case 5: /* array write in `order` */
            for (size_t i = 0; i < count * esize; i++)
                buf[i] = (unsigned char)(fill * 7 + i);
            ok = allowed(gpa, count * esize, 1);
            rc = vmmem_guest_write_array(gm, gpa, buf, count, esize, order);
            if (ok)
                for (size_t i = 0; i < count; i++)
                    for (unsigned b = 0; b < esize; b++)
                        model[gpa - window_start() + i * esize + b] =
                            (unsigned char)(host_element(buf, i, esize) >> byte_shift(b, esize, order));
            break;
        case 6: /* array read in `order`: the buffer past the elements stays as it was */
            memset(buf, fill, sizeof buf);
            memcpy(expect, buf, sizeof buf);
            ok = allowed(gpa, count * esize, 0);
            rc = vmmem_guest_read_array(gm, gpa, buf, count, esize, order);
            if (ok)
                for (size_t i = 0; i < count; i++) {
                    uint64_t v = 0;
                    for (unsigned b = 0; b < esize; b++)
                        v |= (uint64_t)model[gpa - window_start() + i * esize + b] << byte_shift(b, esize, order);
                    set_host_element(expect, i, esize, v);
                }
            if (!ok || rc == VMMEM_OK)
                if (memcmp(buf, expect, sizeof buf) != 0)
                    abort();
            break;
        default: { /* 64-bit big-endian store, then load it back */
            uint64_t v = 0x0102030405060708ull * fill, back = 0;
            ok = allowed(gpa, 8, 1);
            rc = vmmem_guest_write_be64(gm, gpa, v);
            if (ok) {
                for (int i = 0; i < 8; i++)
                    model[gpa - window_start() + i] = (unsigned char)(v >> (56 - 8 * i));
                if (rc != VMMEM_OK || vmmem_guest_read_be64(gm, gpa, &back) != VMMEM_OK || back != v)
                    abort();
            }
            break;
        }
        }
        if ((rc == VMMEM_OK) != (ok != 0))
            abort();
        check_all();
    }
    return 0;
}
