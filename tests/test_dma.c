/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_dma.c - the DMA layer: every validation rule of a
 * scatter-gather list (with its code, and nothing written: canaries in guest
 * RAM and in the host buffer), copies to, from and between guest segments
 * (across region edges, through another device's MMIO), file I/O with
 * preadv/pwritev (EOF, errors, the MMIO bounce path), dirty marking, and
 * the re-entrancy guard (DMA from inside the device's own MMIO handler,
 * DMA into its own window, nested MMIO re-entry). */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/dma.h>

#include "test_support.h"

/* Guest layout: RAM_A and RAM_B adjacent (a list may span both), a gap,
 * ROM, another device's MMIO, then the device under test's own window. */
#define RAM_A 0x0u
#define RAM_A_SIZE 0x100000u
#define RAM_B (RAM_A + RAM_A_SIZE)
#define RAM_B_SIZE 0x10000u
#define RAM_END (RAM_B + RAM_B_SIZE)
#define GAP RAM_END /* nothing mapped from here to ROM */
#define ROM 0x200000u
#define ROM_SIZE 0x1000u
#define OTHER_MMIO 0x300000u
#define OTHER_MMIO_SIZE 0x3000u /* more than the bounce buffer */
#define OWN_MMIO 0x400000u
#define OWN_MMIO_SIZE 0x1000u
/* Devices with access rules: STRICT[i] at STRICT_BASE + i * STRICT_STRIDE
 * accepts naturally aligned accesses of strict_rules[i] bytes. */
#define STRICT_BASE 0x500000u
#define STRICT_STRIDE 0x10000u
#define STRICT_SIZE 0x1000u
#define STRICT_COUNT 3
#define CANARY 0xA5

static vmmem_guest_memory *gm;
static vmmem_dma_device *dev;   /* owns OWN_MMIO */
static vmmem_dma_device *plain; /* another device, no window */
static unsigned char other_mem[OTHER_MMIO_SIZE]; /* the other device's registers */
static unsigned char ram_image[RAM_END];         /* scratch for whole-RAM checks */

/* A device with a minimum and maximum access size; every callback is
 * checked against them (natural alignment, size in [min, max]). */
typedef struct strict_device {
    unsigned min, max;
    unsigned char mem[STRICT_SIZE];
    unsigned reads, writes;
    unsigned bad;        /* callbacks that broke the device's rules */
    unsigned fail_read;  /* when set, this read (1-based) and later ones return VMMEM_EIO */
    unsigned fail_write; /* the same for writes */
} strict_device;

static const struct { unsigned min, max; } strict_rules[STRICT_COUNT] = { { 2, 8 }, { 4, 4 }, { 8, 8 } };
static strict_device strict[STRICT_COUNT];

static vmmem_gpa strict_gpa(unsigned i)
{
    return STRICT_BASE + (vmmem_gpa)i * STRICT_STRIDE;
}

static void strict_note(strict_device *d, uint64_t offset, unsigned size)
{
    if (size < d->min || size > d->max || (size & (size - 1)) || offset % size || offset + size > STRICT_SIZE)
        d->bad++;
}

static int strict_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    strict_device *d = opaque;
    strict_note(d, offset, size);
    d->reads++;
    if (d->fail_read && d->reads >= d->fail_read)
        return VMMEM_EIO;
    if (offset + size <= STRICT_SIZE)
        memcpy(data, d->mem + offset, size);
    return VMMEM_OK;
}

static int strict_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    strict_device *d = opaque;
    strict_note(d, offset, size);
    d->writes++;
    if (d->fail_write && d->writes >= d->fail_write)
        return VMMEM_EIO;
    if (offset + size <= STRICT_SIZE)
        memcpy(d->mem + offset, data, size);
    return VMMEM_OK;
}

/* What the own device's MMIO handler saw. */
static struct {
    int calls;
    int enter_rc;
    int dma_rc;     /* a DMA attempted from inside the handler */
    int reenter_rc; /* a nested access to its own window from inside the handler */
    int reenter_cause; /* its part-way report's cause */
    int nested;
} own;

static int other_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque;
    memcpy(data, other_mem + offset, size);
    return VMMEM_OK;
}

static int other_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque;
    memcpy(other_mem + offset, data, size);
    return VMMEM_OK;
}

/* The device under test's register handler: brackets itself with the guard
 * and, like a buggy device model, tries DMA and re-entry from inside. */
static int own_access(uint64_t offset)
{
    (void)offset;
    own.calls++;
    int rc = vmmem_dma_mmio_enter(dev);
    if (rc != VMMEM_OK) {
        own.nested++;
        return rc; /* re-entrant access refused */
    }
    own.enter_rc = rc;
    vmmem_dma_segment s = { RAM_A + 0x100, 4 };
    uint32_t v = 0x11223344;
    own.dma_rc = vmmem_dma_to_guest(dev, &s, 1, &v, sizeof v);
    own.reenter_rc = vmmem_guest_write_u8(gm, OWN_MMIO + 8, 1);
    vmmem_partial report = { 0, 0, 0 };
    vmmem_guest_last_partial(&report);
    own.reenter_cause = report.cause;
    vmmem_dma_mmio_exit(dev);
    return VMMEM_OK;
}

static int own_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque;
    memset(data, 0, size);
    return own_access(offset);
}

static int own_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)data, (void)size;
    return own_access(offset);
}

static void fill_ram(unsigned char value)
{
    memset(ram_image, value, sizeof ram_image);
    assert_int_equal(vmmem_guest_write(gm, RAM_A, ram_image, sizeof ram_image), VMMEM_OK);
}

/* Every byte of guest RAM still holds the canary. */
static void assert_ram_untouched(void)
{
    assert_int_equal(vmmem_guest_read(gm, RAM_A, ram_image, sizeof ram_image), VMMEM_OK);
    for (size_t i = 0; i < sizeof ram_image; i++)
        if (ram_image[i] != CANARY)
            fail_msg("guest RAM byte 0x%zx written (0x%02x)", i, ram_image[i]);
}

static int setup(void **state)
{
    (void)state;
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK)
        return -1;
    static const unsigned char rom_content[16] = "ROM CONTENT....";
    vmmem_mmio_ops other = { other_read, other_write, 1, 8, NULL };
    vmmem_mmio_ops own_ops = { own_read, own_write, 1, 8, NULL };
    if (vmmem_guest_add_ram(gm, RAM_A, RAM_A_SIZE, NULL) || vmmem_guest_add_ram(gm, RAM_B, RAM_B_SIZE, NULL) ||
        vmmem_guest_add_rom(gm, ROM, ROM_SIZE, rom_content, sizeof rom_content) ||
        vmmem_guest_add_mmio(gm, OTHER_MMIO, OTHER_MMIO_SIZE, &other) ||
        vmmem_guest_add_mmio(gm, OWN_MMIO, OWN_MMIO_SIZE, &own_ops))
        return -1;
    for (unsigned i = 0; i < STRICT_COUNT; i++) {
        memset(&strict[i], 0, sizeof strict[i]);
        strict[i].min = strict_rules[i].min;
        strict[i].max = strict_rules[i].max;
        vmmem_mmio_ops ops = { strict_read, strict_write, strict[i].min, strict[i].max, &strict[i] };
        if (vmmem_guest_add_mmio(gm, strict_gpa(i), STRICT_SIZE, &ops))
            return -1;
    }
    vmmem_dma_config cfg = { gm, OWN_MMIO, OWN_MMIO_SIZE, 0 };
    if (vmmem_dma_device_create(&cfg, &dev))
        return -1;
    vmmem_dma_config plain_cfg = { gm, 0, 0, 0 };
    if (vmmem_dma_device_create(&plain_cfg, &plain))
        return -1;
    fill_ram(CANARY);
    memset(other_mem, 0, sizeof other_mem);
    memset(&own, 0, sizeof own);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_dma_device_destroy(dev);
    vmmem_dma_device_destroy(plain);
    vmmem_guest_memory_destroy(gm);
    dev = plain = NULL;
    gm = NULL;
    return 0;
}

/* ---- device contexts ------------------------------------------------------- */

static void test_device_create_arguments(void **state)
{
    (void)state;
    vmmem_dma_device *d = NULL;
    vmmem_dma_config cfg = { gm, 0, 0, 0 };
    assert_int_equal(vmmem_dma_device_create(NULL, &d), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_device_create(&cfg, NULL), VMMEM_EINVAL);
    cfg.gm = NULL;
    assert_int_equal(vmmem_dma_device_create(&cfg, &d), VMMEM_EINVAL);
    vmmem_dma_config wraps = { gm, UINT64_MAX - 0xff, 0x200, 0 };
    assert_int_equal(vmmem_dma_device_create(&wraps, &d), VMMEM_ERANGE);
    vmmem_dma_config to_top = { gm, UINT64_MAX - 0xff, 0x100, 0 }; /* ends exactly at 2^64 */
    assert_int_equal(vmmem_dma_device_create(&to_top, &d), VMMEM_OK);
    assert_ptr_equal(vmmem_dma_device_memory(d), gm);
    vmmem_dma_device_destroy(d);
    vmmem_dma_device_destroy(NULL);
    assert_null(vmmem_dma_device_memory(NULL));
}

/* ---- validation: each rule, its code, nothing written --------------------------- */

/* Runs a list through vmmem_dma_check() (both directions where given) and
 * through a real transfer in each direction, expecting `code` and no byte
 * changed in guest RAM or in the host buffer. */
static void expect_refused(vmmem_dma_device *d, const vmmem_dma_segment *sg, size_t count, int code_to,
                           int code_from)
{
    static unsigned char buf[2 * RAM_END];
    uint64_t total = 0xdead;
    assert_int_equal(vmmem_dma_check(d, sg, count, VMMEM_DMA_TO_GUEST, &total), code_to);
    assert_int_equal(total, 0xdead); /* untouched on error */
    assert_int_equal(vmmem_dma_check(d, sg, count, VMMEM_DMA_FROM_GUEST, NULL), code_from);
    /* A transfer of 64 bytes: validation comes first (a valid list of
     * another length is VMMEM_ERANGE, also with nothing moved). */
    memset(buf, 0x3C, sizeof buf);
    assert_int_equal(vmmem_dma_to_guest(d, sg, count, buf, 64), code_to ? code_to : VMMEM_ERANGE);
    assert_ram_untouched();
    assert_int_equal(vmmem_dma_from_guest(d, sg, count, buf, 64), code_from ? code_from : VMMEM_ERANGE);
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i] != 0x3C)
            fail_msg("host buffer byte %zu written", i);
    if (code_to != VMMEM_OK) {
        assert_int_equal(vmmem_dma_read_file(d, sg, count, 0, 0, NULL), code_to);
        assert_ram_untouched();
    }
}

static void test_bad_arguments(void **state)
{
    (void)state;
    vmmem_dma_segment ok = { RAM_A, 64 };
    assert_int_equal(vmmem_dma_check(NULL, &ok, 1, VMMEM_DMA_TO_GUEST, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_check(dev, NULL, 1, VMMEM_DMA_TO_GUEST, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_check(dev, &ok, 1, (vmmem_dma_direction)0, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_check(dev, &ok, 1, (vmmem_dma_direction)3, NULL), VMMEM_EINVAL);
    expect_refused(dev, &ok, 0, VMMEM_EINVAL, VMMEM_EINVAL); /* no segment */
    assert_int_equal(vmmem_dma_to_guest(dev, &ok, 1, NULL, 64), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_from_guest(dev, &ok, 1, NULL, 64), VMMEM_EINVAL);
    assert_ram_untouched();
}

static void test_zero_total_refused(void **state)
{
    (void)state;
    vmmem_dma_segment empty[3] = { { RAM_A, 0 }, { RAM_A + 4096, 0 }, { GAP, 0 } };
    expect_refused(dev, empty, 3, VMMEM_EINVAL, VMMEM_EINVAL);
}

static void test_too_many_segments_refused(void **state)
{
    (void)state;
    static vmmem_dma_segment sg[VMMEM_DMA_MAX_SEGMENTS + 1];
    for (size_t i = 0; i < VMMEM_DMA_MAX_SEGMENTS + 1; i++)
        sg[i] = (vmmem_dma_segment){ RAM_A + i * 64, 64 };
    uint64_t total;
    assert_int_equal(vmmem_dma_check(dev, sg, VMMEM_DMA_MAX_SEGMENTS, VMMEM_DMA_TO_GUEST, &total), VMMEM_OK);
    assert_int_equal(total, VMMEM_DMA_MAX_SEGMENTS * 64u);
    expect_refused(dev, sg, VMMEM_DMA_MAX_SEGMENTS + 1, VMMEM_EINVAL, VMMEM_EINVAL);
}

static void test_wrapping_segment_refused(void **state)
{
    (void)state;
    vmmem_dma_segment sg[2] = { { RAM_A, 64 }, { UINT64_MAX - 15, 32 } };
    expect_refused(dev, sg, 2, VMMEM_ERANGE, VMMEM_ERANGE);
    vmmem_dma_segment huge[2] = { { RAM_A, 64 }, { 0x1000, UINT64_MAX } };
    expect_refused(dev, huge, 2, VMMEM_ERANGE, VMMEM_ERANGE);
}

static void test_over_long_total_refused(void **state)
{
    (void)state;
    /* The default cap, with lengths whose sum would wrap 64 bits. */
    vmmem_dma_segment sums[3] = { { RAM_A, 64 }, { 0, UINT64_C(1) << 63 }, { 0, UINT64_C(1) << 63 } };
    expect_refused(dev, sums, 3, VMMEM_ERANGE, VMMEM_ERANGE);
    vmmem_dma_segment over_default = { RAM_A, VMMEM_DMA_DEFAULT_MAX_TOTAL + 1 };
    expect_refused(dev, &over_default, 1, VMMEM_ERANGE, VMMEM_ERANGE);
    /* A device's own cap: 8 KiB allowed, one byte more refused. */
    vmmem_dma_device *small;
    vmmem_dma_config cfg = { gm, 0, 0, 8192 };
    assert_int_equal(vmmem_dma_device_create(&cfg, &small), VMMEM_OK);
    vmmem_dma_segment sg[3] = { { RAM_A, 4096 }, { RAM_A + 8192, 4096 }, { RAM_A + 65536, 1 } };
    assert_int_equal(vmmem_dma_check(small, sg, 2, VMMEM_DMA_TO_GUEST, NULL), VMMEM_OK);
    expect_refused(small, sg, 3, VMMEM_ERANGE, VMMEM_ERANGE);
    vmmem_dma_device_destroy(small);
}

static void test_out_of_range_refused(void **state)
{
    (void)state;
    /* Valid segments first: the bad one at the end must still stop them. */
    vmmem_dma_segment in_gap[3] = { { RAM_A, 64 }, { RAM_B, 64 }, { GAP + 0x1000, 16 } };
    expect_refused(dev, in_gap, 3, VMMEM_EFAULT, VMMEM_EFAULT);
    vmmem_dma_segment past_end[2] = { { RAM_A, 64 }, { RAM_END - 8, 16 } }; /* last 8 bytes unbacked */
    expect_refused(dev, past_end, 2, VMMEM_EFAULT, VMMEM_EFAULT);
    vmmem_dma_segment far[2] = { { RAM_A, 64 }, { UINT64_C(0x8000000000000000), 1 } };
    expect_refused(dev, far, 2, VMMEM_EFAULT, VMMEM_EFAULT);
}

static void test_rom_is_not_a_write_target(void **state)
{
    (void)state;
    vmmem_dma_segment sg[2] = { { RAM_A, 64 }, { ROM, 16 } };
    expect_refused(dev, sg, 2, VMMEM_EPERM, VMMEM_OK);
    /* reading ROM by DMA is fine */
    unsigned char buf[64 + 16];
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 2, buf, sizeof buf), VMMEM_OK);
    assert_memory_equal(buf + 64, "ROM CONTENT....", 16);
    /* a segment running from ROM into the gap after it */
    vmmem_dma_segment rom_tail = { ROM + ROM_SIZE - 8, 16 };
    expect_refused(dev, &rom_tail, 1, VMMEM_EPERM, VMMEM_EFAULT);
}

static void test_own_window_refused(void **state)
{
    (void)state;
    vmmem_dma_segment inside[2] = { { RAM_A, 64 }, { OWN_MMIO + 0x10, 4 } };
    expect_refused(dev, inside, 2, VMMEM_EPERM, VMMEM_EPERM);
    /* touching only the window's last byte, or starting just before it */
    vmmem_dma_segment last_byte = { OWN_MMIO + OWN_MMIO_SIZE - 1, 1 };
    expect_refused(dev, &last_byte, 1, VMMEM_EPERM, VMMEM_EPERM);
    vmmem_dma_segment straddles = { OWN_MMIO - 4, 8 };
    expect_refused(dev, &straddles, 1, VMMEM_EPERM, VMMEM_EPERM);
    assert_int_equal(own.calls, 0); /* the device's handler never ran */
    /* Another device may target that window (through the MMIO path). */
    uint8_t b = 7;
    vmmem_dma_segment reg = { OWN_MMIO, 1 };
    assert_int_equal(vmmem_dma_to_guest(plain, &reg, 1, &b, 1), VMMEM_OK);
    /* ...and inside that access, the device's own DMA and its nested
     * re-entry are refused */
    assert_int_equal(own.calls, 2);
    assert_int_equal(own.dma_rc, VMMEM_EBUSY);
    assert_int_equal(own.nested, 1);
}

/* A device write narrower than the device's smallest access, or not
 * aligned to it, is refused by the validation, before a byte moves: the RAM
 * segment in front of it stays untouched and the device is never called,
 * in every transfer that writes guest memory (buffer, file, guest to
 * guest). Reads of such ranges are widened, so they are allowed. */
static void test_mmio_write_rules_checked_first(void **state)
{
    (void)state;
    for (unsigned d = 0; d < STRICT_COUNT; d++) {
        const vmmem_gpa base = strict_gpa(d);
        const unsigned min = strict[d].min;
        /* {offset, length} pieces the device cannot be written with */
        const struct { uint64_t off, len; } bad[] = { { 1, 3 }, { 1, min }, { 0, min - 1 }, { min, min + 1 },
                                                        { min / 2, min }, { STRICT_SIZE - min + 1, min - 1 } };
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            if (bad[b].len == 0 || (bad[b].off % min == 0 && bad[b].len % min == 0))
                continue; /* not a bad piece for this device */
            vmmem_dma_segment sg[2] = { { RAM_A + 0x100, 64 }, { base + bad[b].off, bad[b].len } };
            expect_refused(dev, sg, 2, VMMEM_EINVAL, VMMEM_OK);
            vmmem_dma_segment src[2] = { { RAM_A + 0x1000, 64 }, { RAM_A + 0x2000, bad[b].len } };
            assert_int_equal(vmmem_dma_guest_to_guest(dev, sg, 2, src, 2), VMMEM_EINVAL);
            assert_ram_untouched();
            assert_int_equal(strict[d].writes, 0);
        }
        /* Reads of the same ranges are widened to whole units. */
        unsigned char buf[64 + 3];
        vmmem_dma_segment rd[2] = { { RAM_A + 0x100, 64 }, { base + 1, 3 } };
        assert_int_equal(vmmem_dma_from_guest(dev, rd, 2, buf, sizeof buf), VMMEM_OK);
        assert_int_equal(strict[d].bad, 0);
    }
}

/* Accepted device writes keep the device's rules even where the pieces of
 * the other side (a guest-to-guest source, a bounce chunk) do not line up
 * with the device's units. */
static void test_mmio_write_rules_kept_while_moving(void **state)
{
    (void)state;
    static unsigned char content[4096];
    fill_pattern(content, sizeof content, 8);
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, sizeof content, f), sizeof content);
    fflush(f);
    for (unsigned d = 0; d < STRICT_COUNT; d++) {
        const vmmem_gpa base = strict_gpa(d);
        const unsigned min = strict[d].min;
        /* source pieces of 3, 13 and 25 bytes: the device's 32 bytes start
         * 7 bytes before the end of the second */
        unsigned char data[41];
        fill_pattern(data, sizeof data, 30 + d);
        vmmem_dma_segment src[3] = { { RAM_A + 0x3000, 3 }, { RAM_A + 0x5001, 13 }, { RAM_B - 8, 25 } };
        assert_int_equal(vmmem_dma_to_guest(dev, src, 3, data, sizeof data), VMMEM_OK);
        vmmem_dma_segment dst[2] = { { RAM_A + 0x7000, 9 }, { base + 4 * min, 32 } };
        assert_int_equal(vmmem_dma_guest_to_guest(dev, dst, 2, src, 3), VMMEM_OK);
        assert_memory_equal(strict[d].mem + 4 * min, data + 9, 32);
        /* a file read: RAM first, then the device */
        vmmem_dma_segment fsg[2] = { { RAM_A + 0x9001, 5 }, { base + 8 * min, 8 * min } };
        assert_int_equal(vmmem_dma_read_file(dev, fsg, 2, fileno(f), 3, NULL), VMMEM_OK);
        assert_memory_equal(strict[d].mem + 8 * min, content + 3 + 5, 8 * min);
        assert_int_equal(strict[d].bad, 0);
        assert_true(strict[d].writes > 0);
    }
    fclose(f);
}

/* ---- transfers --------------------------------------------------------------------- */

/* A list of many segments of varied sizes, one crossing RAM_A -> RAM_B,
 * with zero-length segments in between; total bytes in *total. */
static size_t make_scattered_list(vmmem_dma_segment *sg, uint64_t *total)
{
    size_t n = 0;
    uint64_t sum = 0;
    vmmem_gpa at = RAM_A + 0x2000;
    for (unsigned i = 0; i < 40; i++) {
        uint64_t len = 1 + (i * 977u) % 5000u;
        sg[n++] = (vmmem_dma_segment){ at, len };
        sg[n++] = (vmmem_dma_segment){ RAM_A + 0x10, 0 };
        sum += len;
        at += len + 100 + i; /* gaps between segments stay canaries */
    }
    sg[n++] = (vmmem_dma_segment){ RAM_B - 3000, 6000 }; /* crosses into RAM_B */
    sum += 6000;
    *total = sum;
    return n;
}

static void check_round_trip(void)
{
    vmmem_dma_segment sg[100];
    uint64_t total;
    size_t n = make_scattered_list(sg, &total);
    unsigned char *src = malloc(total), *back = malloc(total);
    fill_pattern(src, total, 41);
    fill_ram(CANARY);
    assert_int_equal(vmmem_dma_to_guest(dev, sg, n, src, total), VMMEM_OK);
    /* each segment holds its slice; everything else is still the canary */
    assert_int_equal(vmmem_guest_read(gm, RAM_A, ram_image, sizeof ram_image), VMMEM_OK);
    static unsigned char expect[RAM_END];
    memset(expect, CANARY, sizeof expect);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(expect + sg[i].addr, src + off, sg[i].len);
        off += sg[i].len;
    }
    assert_memory_equal(ram_image, expect, sizeof expect);
    memset(back, 0, total);
    assert_int_equal(vmmem_dma_from_guest(dev, sg, n, back, total), VMMEM_OK);
    assert_memory_equal(back, src, total);
    /* the buffer length must match the list */
    assert_int_equal(vmmem_dma_to_guest(dev, sg, n, src, total - 1), VMMEM_ERANGE);
    assert_int_equal(vmmem_dma_from_guest(dev, sg, n, back, total + 1), VMMEM_ERANGE);
    free(src);
    free(back);
}

static void test_round_trip_every_isa(void **state)
{
    (void)state;
    vmmem_isa before = vmmem_active_isa();
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++) {
        if (!vmmem_isa_supported((vmmem_isa)isa))
            continue;
        assert_int_equal(vmmem_force_isa((vmmem_isa)isa), VMMEM_OK);
        check_round_trip();
    }
    assert_int_equal(vmmem_force_isa(before), VMMEM_OK);
}

static void test_mmio_segments(void **state)
{
    (void)state;
    unsigned char data[96];
    fill_pattern(data, sizeof data, 5);
    vmmem_dma_segment sg[3] = { { RAM_A + 0x40, 32 }, { OTHER_MMIO + 0x100, 32 }, { RAM_B, 32 } };
    assert_int_equal(vmmem_dma_to_guest(dev, sg, 3, data, sizeof data), VMMEM_OK);
    assert_memory_equal(other_mem + 0x100, data + 32, 32);
    unsigned char back[96];
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 3, back, sizeof back), VMMEM_OK);
    assert_memory_equal(back, data, sizeof data);
}

static void test_guest_to_guest(void **state)
{
    (void)state;
    unsigned char data[10000];
    fill_pattern(data, sizeof data, 77);
    vmmem_dma_segment src[3] = { { RAM_A + 0x1000, 3000 }, { RAM_B - 500, 1000 }, { RAM_A + 0x9000, 6000 } };
    vmmem_dma_segment dst[4] = { { RAM_A + 0x20000, 7 }, { OTHER_MMIO, 993 }, { RAM_A + 0x30000, 0 },
                                 { RAM_A + 0x40000, 9000 } };
    assert_int_equal(vmmem_dma_to_guest(dev, src, 3, data, sizeof data), VMMEM_OK);
    assert_int_equal(vmmem_dma_guest_to_guest(dev, dst, 4, src, 3), VMMEM_OK);
    unsigned char back[10000];
    assert_int_equal(vmmem_dma_from_guest(dev, dst, 4, back, sizeof back), VMMEM_OK);
    assert_memory_equal(back, data, sizeof data);
    assert_memory_equal(other_mem, data + 7, 993);
    /* Refusals, nothing written. */
    fill_ram(CANARY);
    vmmem_dma_segment rom_dst[2] = { { RAM_A + 0x50000, 9000 }, { ROM, 1000 } };
    assert_int_equal(vmmem_dma_guest_to_guest(dev, rom_dst, 2, src, 3), VMMEM_EPERM);
    vmmem_dma_segment short_dst = { RAM_A + 0x50000, 9999 };
    assert_int_equal(vmmem_dma_guest_to_guest(dev, &short_dst, 1, src, 3), VMMEM_ERANGE);
    vmmem_dma_segment bad_src[2] = { { RAM_A, 5000 }, { GAP, 5000 } };
    assert_int_equal(vmmem_dma_guest_to_guest(dev, &short_dst, 1, bad_src, 2), VMMEM_EFAULT);
    vmmem_dma_segment own_src = { OWN_MMIO, 16 }, some_dst = { RAM_A, 16 };
    assert_int_equal(vmmem_dma_guest_to_guest(dev, &some_dst, 1, &own_src, 1), VMMEM_EPERM);
    assert_ram_untouched();
}

/* ---- dirty tracking ------------------------------------------------------------------- */

static uint64_t fetch_dirty(void)
{
    uint64_t bitmap[RAM_A_SIZE / VMMEM_DIRTY_PAGE_SIZE / 64];
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_A, bitmap, 4), VMMEM_OK);
    for (size_t i = 1; i < 4; i++)
        assert_int_equal(bitmap[i], 0);
    return bitmap[0]; /* pages 0..63 */
}

static void test_dma_writes_mark_pages_dirty(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 1), VMMEM_OK);
    unsigned char data[8192];
    fill_pattern(data, sizeof data, 3);
    /* pages 2 (one byte), 5..6 (a segment across the page edge) */
    vmmem_dma_segment sg[2] = { { 2 * 4096 + 100, 1 }, { 6 * 4096 - 10, 20 } };
    assert_int_equal(vmmem_dma_to_guest(dev, sg, 2, data, 21), VMMEM_OK);
    assert_int_equal(fetch_dirty(), (1u << 2) | (1u << 5) | (1u << 6));
    /* reads mark nothing */
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 2, data, 21), VMMEM_OK);
    assert_int_equal(fetch_dirty(), 0);
    /* guest-to-guest marks the destination only */
    vmmem_dma_segment src = { 10 * 4096, 4096 }, dst = { 20 * 4096 + 2048, 4096 };
    assert_int_equal(vmmem_dma_guest_to_guest(dev, &dst, 1, &src, 1), VMMEM_OK);
    assert_int_equal(fetch_dirty(), (UINT64_C(1) << 20) | (UINT64_C(1) << 21));
    /* file reads mark what they filled */
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, sizeof data, f), sizeof data);
    fflush(f);
    vmmem_dma_segment fsg[2] = { { 30 * 4096, 4096 }, { 40 * 4096 + 1, 100 } };
    assert_int_equal(vmmem_dma_read_file(dev, fsg, 2, fileno(f), 0, NULL), VMMEM_OK);
    assert_int_equal(fetch_dirty(), (UINT64_C(1) << 30) | (UINT64_C(1) << 40));
    /* file writes (guest memory read) mark nothing; a refused list marks nothing */
    assert_int_equal(vmmem_dma_write_file(dev, fsg, 2, fileno(f), 0), VMMEM_OK);
    vmmem_dma_segment bad[2] = { { 50 * 4096, 16 }, { GAP, 16 } };
    assert_int_equal(vmmem_dma_to_guest(dev, bad, 2, data, 32), VMMEM_EFAULT);
    assert_int_equal(fetch_dirty(), 0);
    fclose(f);
}

/* DMA skips dirty marking while no region tracks; the count of tracking
 * regions must follow every enable, disable and removal, or a tracked
 * region would stop being marked. */
static void test_dma_dirty_follows_tracking_changes(void **state)
{
    (void)state;
    unsigned char data[64];
    fill_pattern(data, sizeof data, 5);
    vmmem_dma_segment page3 = { 3 * 4096, sizeof data };
    const vmmem_gpa extra = 0x40000000u;
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 1), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 1), VMMEM_OK); /* again: clears, still one region */
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_B, 0), VMMEM_OK); /* off where it was never on */
    assert_int_equal(vmmem_guest_add_ram(gm, extra, 0x10000, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, extra, 1), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, extra), VMMEM_OK); /* removed while tracking */
    assert_int_equal(vmmem_guest_add_ram(gm, extra, 0x10000, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, extra), VMMEM_OK); /* removed, never tracked */
    assert_int_equal(vmmem_dma_to_guest(dev, &page3, 1, data, sizeof data), VMMEM_OK);
    assert_int_equal(fetch_dirty(), UINT64_C(1) << 3);
    /* off and on again */
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 0), VMMEM_OK);
    assert_int_equal(vmmem_dma_to_guest(dev, &page3, 1, data, sizeof data), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 1), VMMEM_OK);
    assert_int_equal(fetch_dirty(), 0); /* written while off: not reported */
    assert_int_equal(vmmem_dma_to_guest(dev, &page3, 1, data, sizeof data), VMMEM_OK);
    assert_int_equal(fetch_dirty(), UINT64_C(1) << 3);
}

/* ---- file I/O ----------------------------------------------------------------------------- */

#define FILE_BYTES 262144u

static FILE *pattern_file(unsigned char *content)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fill_pattern(content, FILE_BYTES, 99);
    assert_int_equal(fwrite(content, 1, FILE_BYTES, f), FILE_BYTES);
    fflush(f);
    return f;
}

static void test_read_file_scattered(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    vmmem_dma_segment sg[100];
    uint64_t total;
    size_t n = make_scattered_list(sg, &total);
    assert_true(total + 1000 <= FILE_BYTES);
    uint64_t got = 0;
    assert_int_equal(vmmem_dma_read_file(dev, sg, n, fileno(f), 1000, &got), VMMEM_OK);
    assert_int_equal(got, total);
    unsigned char *back = malloc(total);
    assert_int_equal(vmmem_dma_from_guest(dev, sg, n, back, total), VMMEM_OK);
    assert_memory_equal(back, content + 1000, total);
    free(back);
    fclose(f);
}

static void test_read_file_past_eof_zero_fills(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    /* 300 bytes remain in the file; the list wants 3 x 200. The first
     * preadv() is short (ends inside the second segment), the next returns 0. */
    vmmem_dma_segment sg[3] = { { RAM_A + 0x100, 200 }, { RAM_A + 0x1000, 200 }, { RAM_B + 8, 200 } };
    uint64_t got = 0;
    assert_int_equal(vmmem_dma_read_file(dev, sg, 3, fileno(f), FILE_BYTES - 300, &got), VMMEM_OK);
    assert_int_equal(got, 300);
    unsigned char back[600], expect[600] = { 0 };
    memcpy(expect, content + FILE_BYTES - 300, 300);
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 3, back, sizeof back), VMMEM_OK);
    assert_memory_equal(back, expect, sizeof expect);
    /* entirely past the end: all zeros, 0 bytes from the file */
    assert_int_equal(vmmem_dma_read_file(dev, sg, 1, fileno(f), 10 * FILE_BYTES, &got), VMMEM_OK);
    assert_int_equal(got, 0);
    fclose(f);
}

static void test_file_mmio_goes_through_bounce(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    /* RAM, then all of the other device's window (3 bounce chunks), then RAM */
    vmmem_dma_segment sg[3] = { { RAM_A + 0x10, 100 }, { OTHER_MMIO, OTHER_MMIO_SIZE }, { RAM_A + 0x8000, 5000 } };
    uint64_t total = 100 + OTHER_MMIO_SIZE + 5000;
    assert_int_equal(vmmem_dma_read_file(dev, sg, 3, fileno(f), 7, NULL), VMMEM_OK);
    assert_memory_equal(other_mem, content + 7 + 100, OTHER_MMIO_SIZE);
    unsigned char *back = malloc(total);
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 3, back, total), VMMEM_OK);
    assert_memory_equal(back, content + 7, total);
    /* and back out: write the same list at another offset */
    assert_int_equal(vmmem_dma_write_file(dev, sg, 3, fileno(f), 30000), VMMEM_OK);
    assert_int_equal(pread(fileno(f), back, total, 30000), (ssize_t)total);
    assert_memory_equal(back, content + 7, total);
    free(back);
    fclose(f);
}

static void test_write_file_scattered(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    vmmem_dma_segment sg[100];
    uint64_t total;
    size_t n = make_scattered_list(sg, &total);
    unsigned char *data = malloc(total), *back = malloc(total);
    fill_pattern(data, total, 12);
    assert_int_equal(vmmem_dma_to_guest(dev, sg, n, data, total), VMMEM_OK);
    assert_int_equal(vmmem_dma_write_file(dev, sg, n, fileno(f), 512), VMMEM_OK);
    assert_int_equal(pread(fileno(f), back, total, 512), (ssize_t)total);
    assert_memory_equal(back, data, total);
    /* the bytes around it are unchanged */
    assert_int_equal(pread(fileno(f), back, 512, 0), 512);
    assert_memory_equal(back, content, 512);
    free(data);
    free(back);
    fclose(f);
}

/* More pieces than one preadv()/pwritev() batch holds: every segment
 * crosses from RAM_A into RAM_B (two mappings, so no two pieces merge), so
 * VMMEM_DMA_MAX_SEGMENTS segments make twice as many iovecs; the transfer
 * is moved in several calls and still lands in list order. */
static void test_file_more_pieces_than_one_batch(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    static vmmem_dma_segment sg[VMMEM_DMA_MAX_SEGMENTS];
    for (size_t i = 0; i < VMMEM_DMA_MAX_SEGMENTS; i++)
        sg[i] = (vmmem_dma_segment){ RAM_B - 1, 2 };
    const uint64_t total = 2u * VMMEM_DMA_MAX_SEGMENTS;
    assert_true(100 + total <= FILE_BYTES);
    uint64_t got = 0;
    assert_int_equal(vmmem_dma_read_file(dev, sg, VMMEM_DMA_MAX_SEGMENTS, fileno(f), 100, &got), VMMEM_OK);
    assert_int_equal(got, total);
    unsigned char last[2];
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 1, last, 2), VMMEM_OK);
    assert_memory_equal(last, content + 100 + total - 2, 2); /* the last segment's bytes */
    /* back out: the two guest bytes, VMMEM_DMA_MAX_SEGMENTS times */
    assert_int_equal(vmmem_dma_write_file(dev, sg, VMMEM_DMA_MAX_SEGMENTS, fileno(f), 0), VMMEM_OK);
    unsigned char *back = malloc(total);
    assert_int_equal(pread(fileno(f), back, total, 0), (ssize_t)total);
    for (uint64_t i = 0; i < total; i += 2)
        assert_memory_equal(back + i, last, 2);
    free(back);
    fclose(f);
}

static void test_file_errors(void **state)
{
    (void)state;
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    vmmem_dma_segment sg = { RAM_A + 0x100, 256 };
    assert_int_equal(vmmem_dma_read_file(dev, &sg, 1, -1, 0, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_write_file(dev, &sg, 1, -1, 0), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_read_file(dev, &sg, 1, fileno(f), (uint64_t)INT64_MAX - 100, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_dma_write_file(dev, &sg, 1, fileno(f), UINT64_MAX), VMMEM_EINVAL);
    assert_ram_untouched();
    /* a pipe cannot be read at an offset: the system call's error, after
     * the list was accepted: failed part-way (no byte moved), errno kept */
    int p[2];
    vmmem_partial report;
    assert_int_equal(pipe(p), 0);
    errno = 0;
    assert_int_equal(vmmem_dma_read_file(dev, &sg, 1, p[0], 0, NULL), VMMEM_EPARTIAL);
    assert_int_equal(errno, ESPIPE);
    assert_int_equal(vmmem_guest_last_partial(&report), VMMEM_OK);
    assert_int_equal(report.expected, 256);
    assert_int_equal(report.completed, 0);
    assert_int_equal(report.cause, VMMEM_EIO);
    errno = 0;
    assert_int_equal(vmmem_dma_write_file(dev, &sg, 1, p[1], 0), VMMEM_EPARTIAL);
    assert_int_equal(errno, ESPIPE);
    close(p[0]);
    close(p[1]);
    /* a validation failure leaves the file alone */
    vmmem_dma_segment bad[2] = { { RAM_A, 512 }, { GAP, 512 } };
    assert_int_equal(vmmem_dma_write_file(dev, bad, 2, fileno(f), 0), VMMEM_EFAULT);
    unsigned char back[1024];
    assert_int_equal(pread(fileno(f), back, sizeof back, 0), (ssize_t)sizeof back);
    assert_memory_equal(back, content, sizeof back);
    fclose(f);
}

/* ---- part-way failures --------------------------------------------------------------------------- */

static void expect_partial(uint64_t expected, uint64_t completed, int cause)
{
    vmmem_partial report = { 0, 0, 0 };
    assert_int_equal(vmmem_guest_last_partial(&report), VMMEM_OK);
    assert_int_equal(report.expected, expected);
    assert_int_equal(report.completed, completed);
    assert_int_equal(report.cause, cause);
}

/* A device that fails after the list was accepted and bytes moved: every
 * transfer returns VMMEM_EPARTIAL with the bytes moved in list order (the
 * RAM segment, then the device's 4-byte units before the failing one) and
 * the device's code; the bytes reported have moved. */
static void test_partial_failures_report_progress(void **state)
{
    (void)state;
    strict_device *d4 = &strict[1]; /* 4-byte units */
    const vmmem_gpa d4_gpa = strict_gpa(1);
    unsigned char data[116], back[116];
    fill_pattern(data, sizeof data, 61);
    vmmem_dma_segment sg[2] = { { RAM_A + 0x100, 100 }, { d4_gpa, 16 } };
    d4->fail_write = 3;
    assert_int_equal(vmmem_dma_to_guest(dev, sg, 2, data, sizeof data), VMMEM_EPARTIAL);
    expect_partial(116, 108, VMMEM_EIO);
    assert_int_equal(vmmem_dma_from_guest(plain, sg, 1, back, 100), VMMEM_OK);
    assert_memory_equal(back, data, 100);
    assert_memory_equal(d4->mem, data + 100, 8);
    /* reads: the third device read fails */
    d4->fail_write = 0;
    d4->reads = 0;
    d4->fail_read = 3;
    assert_int_equal(vmmem_dma_from_guest(dev, sg, 2, back, sizeof back), VMMEM_EPARTIAL);
    expect_partial(116, 108, VMMEM_EIO);
    d4->fail_read = 0;
    /* guest to guest, into RAM then the device */
    vmmem_dma_segment dst[2] = { { RAM_A + 0x400, 100 }, { d4_gpa + 16, 16 } }, src = { RAM_A + 0x100, 116 };
    d4->writes = 0;
    d4->fail_write = 2;
    assert_int_equal(vmmem_dma_guest_to_guest(dev, dst, 2, &src, 1), VMMEM_EPARTIAL);
    expect_partial(116, 104, VMMEM_EIO);
    /* a file read into the device through the bounce buffer */
    static unsigned char content[FILE_BYTES];
    FILE *f = pattern_file(content);
    d4->writes = 0;
    d4->fail_write = 4;
    assert_int_equal(vmmem_dma_read_file(dev, sg, 2, fileno(f), 0, NULL), VMMEM_EPARTIAL);
    expect_partial(116, 112, VMMEM_EIO);
    d4->fail_write = 0;
    assert_int_equal(strict[1].bad, 0);
    fclose(f);
}

/* A file write that the file size limit cuts short: the first pwritev()
 * writes up to the limit, the next fails with EFBIG: VMMEM_EPARTIAL, the
 * bytes up to the limit reported, errno kept. */
static void test_file_write_fails_part_way(void **state)
{
    (void)state;
    struct rlimit old, limit;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    if (old.rlim_cur != RLIM_INFINITY && old.rlim_cur < 8192)
        skip();
    FILE *f = tmpfile();
    assert_non_null(f);
    void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
    limit = old;
    limit.rlim_cur = 5000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &limit), 0);
    vmmem_dma_segment sg[2] = { { RAM_A, 4096 }, { RAM_A + 0x3000, 4096 } };
    errno = 0;
    int rc = vmmem_dma_write_file(dev, sg, 2, fileno(f), 0);
    int err = errno;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, old_handler);
    assert_int_equal(rc, VMMEM_EPARTIAL);
    assert_int_equal(err, EFBIG);
    expect_partial(8192, 5000, VMMEM_EIO);
    unsigned char back[5000];
    assert_int_equal(pread(fileno(f), back, sizeof back, 0), (ssize_t)sizeof back);
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(back[i], CANARY);
    fclose(f);
}

/* ---- re-entrancy guard ------------------------------------------------------------------------ */

static void test_dma_from_own_mmio_handler_refused(void **state)
{
    (void)state;
    /* The guest (a vCPU) writes a register of the device: inside the
     * handler, DMA through the device and a nested access to its own
     * window are both refused. */
    assert_int_equal(vmmem_guest_write_u8(gm, OWN_MMIO, 1), VMMEM_OK);
    assert_int_equal(own.enter_rc, VMMEM_OK);
    assert_int_equal(own.dma_rc, VMMEM_EBUSY);
    /* the nested access reached the handler, which refused it: the access
     * failed part-way, with the handler's code as the cause */
    assert_int_equal(own.reenter_rc, VMMEM_EPARTIAL);
    assert_int_equal(own.reenter_cause, VMMEM_EBUSY);
    assert_int_equal(own.calls, 2);
    assert_int_equal(own.nested, 1);
    assert_ram_untouched();
    /* After the access, the same DMA is allowed again. */
    vmmem_dma_segment s = { RAM_A + 0x100, 4 };
    uint32_t v = 0x11223344;
    assert_int_equal(vmmem_dma_to_guest(dev, &s, 1, &v, sizeof v), VMMEM_OK);
}

static void test_guard_is_per_device_and_nests(void **state)
{
    (void)state;
    vmmem_dma_segment s = { RAM_A, 4 };
    uint32_t v = 1;
    assert_int_equal(vmmem_dma_mmio_enter(dev), VMMEM_OK);
    assert_int_equal(vmmem_dma_check(dev, &s, 1, VMMEM_DMA_FROM_GUEST, NULL), VMMEM_EBUSY);
    assert_int_equal(vmmem_dma_read_file(dev, &s, 1, 0, 0, NULL), VMMEM_EBUSY);
    assert_int_equal(vmmem_dma_to_guest(plain, &s, 1, &v, 4), VMMEM_OK); /* another device is free */
    assert_int_equal(vmmem_dma_mmio_enter(dev), VMMEM_EBUSY);           /* re-entry refused */
    assert_int_equal(vmmem_dma_mmio_enter(plain), VMMEM_OK);
    vmmem_dma_mmio_exit(plain);
    vmmem_dma_mmio_exit(dev);
    assert_int_equal(vmmem_dma_to_guest(dev, &s, 1, &v, 4), VMMEM_OK);
    assert_int_equal(vmmem_dma_mmio_enter(NULL), VMMEM_EINVAL);
    /* nesting is bounded */
    vmmem_dma_device *chain[VMMEM_DMA_MAX_MMIO_NESTING + 1];
    vmmem_dma_config cfg = { gm, 0, 0, 0 };
    for (unsigned i = 0; i <= VMMEM_DMA_MAX_MMIO_NESTING; i++)
        assert_int_equal(vmmem_dma_device_create(&cfg, &chain[i]), VMMEM_OK);
    for (unsigned i = 0; i < VMMEM_DMA_MAX_MMIO_NESTING; i++)
        assert_int_equal(vmmem_dma_mmio_enter(chain[i]), VMMEM_OK);
    assert_int_equal(vmmem_dma_mmio_enter(chain[VMMEM_DMA_MAX_MMIO_NESTING]), VMMEM_EINVAL);
    for (unsigned i = VMMEM_DMA_MAX_MMIO_NESTING; i-- > 0;)
        vmmem_dma_mmio_exit(chain[i]);
    for (unsigned i = 0; i <= VMMEM_DMA_MAX_MMIO_NESTING; i++) {
        assert_int_equal(vmmem_dma_to_guest(chain[i], &s, 1, &v, 4), VMMEM_OK);
        vmmem_dma_device_destroy(chain[i]);
    }
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_device_create_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_total_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_segments_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrapping_segment_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_over_long_total_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_range_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rom_is_not_a_write_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_window_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_write_rules_checked_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_write_rules_kept_while_moving, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip_every_isa, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guest_to_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_writes_mark_pages_dirty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_dirty_follows_tracking_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_file_scattered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_file_past_eof_zero_fills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_mmio_goes_through_bounce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_file_scattered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_more_pieces_than_one_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_failures_report_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_write_fails_part_way, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dma_from_own_mmio_handler_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_is_per_device_and_nests, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
