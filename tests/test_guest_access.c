/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_guest_access.c - vmmem_guest_read / write / copy_block and the
 * typed accessors: boundaries (last byte of a region, first byte after,
 * RAM->RAM, RAM->MMIO, RAM->hole), whole-range validation (an invalid range
 * moves nothing), MMIO splitting into the device's access sizes,
 * copy_block overlap in both directions on every copy kernel of this CPU,
 * a randomized comparison against a byte-array model of the address space,
 * typed values in both byte orders against a reference, atomicity of
 * aligned typed accesses under a concurrent writer, and arrays in a declared
 * byte order (every element size and order, inside one region, across RAM,
 * into MMIO; errors that move nothing; dirty pages). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/guest_memory.h>

#include "test_support.h"

/* ---- a recording MMIO device backed by bytes ------------------------------ */

#define DEV_BYTES 0x800
#define LOG_MAX 64

typedef struct access_record {
    uint64_t offset;
    unsigned size;
    int is_write;
} access_record;

typedef struct test_device {
    unsigned char mem[DEV_BYTES];
    uint64_t size;              /* region size */
    unsigned min, max;
    access_record log[LOG_MAX];
    size_t count;               /* accesses so far (log keeps the first LOG_MAX) */
    size_t bad;                 /* accesses that broke the splitting contract */
    int fail_writes;            /* when set, writes return VMMEM_EIO */
    size_t fail_after;          /* when set, every access after this many (count) returns VMMEM_EIO */
} test_device;

static void record(test_device *d, uint64_t offset, unsigned size, int is_write)
{
    if (size < d->min || size > d->max || (size & (size - 1)) || offset % size || offset + size > d->size)
        d->bad++;
    if (d->count < LOG_MAX)
        d->log[d->count] = (access_record){offset, size, is_write};
    d->count++;
}

static int device_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    test_device *d = opaque;
    record(d, offset, size, 0);
    if (d->fail_after && d->count > d->fail_after)
        return VMMEM_EIO;
    if (offset + size <= d->size)
        memcpy(data, d->mem + offset, size);
    return VMMEM_OK;
}

static int device_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    test_device *d = opaque;
    record(d, offset, size, 1);
    if (d->fail_writes || (d->fail_after && d->count > d->fail_after))
        return VMMEM_EIO;
    if (offset + size <= d->size)
        memcpy(d->mem + offset, data, size);
    return VMMEM_OK;
}

static void device_init(test_device *d, uint64_t size, unsigned min, unsigned max, uint32_t seed)
{
    memset(d, 0, sizeof *d);
    d->size = size;
    d->min = min;
    d->max = max;
    fill_pattern(d->mem, DEV_BYTES, seed);
}

static vmmem_mmio_ops device_ops(test_device *d)
{
    vmmem_mmio_ops ops = {device_read, device_write, d->min, d->max, d};
    return ops;
}

/* ---- the address space under test ----------------------------------------- */

/*   [0x0000, 0x3000) RAM A      [0x3000, 0x4000) RAM B (adjacent)
 *   [0x4000, 0x4800) MMIO dev1 (1..8 bytes)   [0x4800, 0x4900) MMIO dev2 (4..8)
 *   [0x4900, 0x5000) hole       [0x5000, 0x6000) ROM
 *   [0x6000, 0x7000) RAM C      [0x7000, ...)    hole */
#define RAM_A 0x0000u
#define RAM_B 0x3000u
#define DEV1 0x4000u
#define DEV1_SIZE 0x800u
#define DEV2 0x4800u
#define DEV2_SIZE 0x100u
#define HOLE1 0x4900u
#define ROM 0x5000u
#define RAM_C 0x6000u
#define SPACE_END 0x7000u
#define MODEL_BYTES 0x7800u /* the model covers the trailing hole too */

static vmmem_guest_memory *gm;
static test_device dev1, dev2;
static unsigned char *host_a, *host_b, *host_c, *host_rom;

static unsigned char *host_of(vmmem_gpa gpa)
{
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, gpa, &info), VMMEM_OK);
    return info.host;
}

static int setup(void **state)
{
    (void)state;
    unsigned char rom[0x1000];
    fill_pattern(rom, sizeof rom, 99);
    device_init(&dev1, DEV1_SIZE, 1, 8, 11);
    device_init(&dev2, DEV2_SIZE, 4, 8, 12);
    vmmem_mmio_ops ops1 = device_ops(&dev1), ops2 = device_ops(&dev2);
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK || vmmem_guest_add_ram(gm, RAM_A, 0x3000, NULL) ||
        vmmem_guest_add_ram(gm, RAM_B, 0x1000, NULL) || vmmem_guest_add_mmio(gm, DEV1, DEV1_SIZE, &ops1) ||
        vmmem_guest_add_mmio(gm, DEV2, DEV2_SIZE, &ops2) || vmmem_guest_add_rom(gm, ROM, 0x1000, rom, sizeof rom) ||
        vmmem_guest_add_ram(gm, RAM_C, 0x1000, NULL))
        return -1;
    host_a = host_of(RAM_A);
    host_b = host_of(RAM_B);
    host_c = host_of(RAM_C);
    host_rom = host_of(ROM);
    fill_pattern(host_a, 0x3000, 1);
    fill_pattern(host_b, 0x1000, 2);
    fill_pattern(host_c, 0x1000, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
    return 0;
}

/* The current guest bytes [0, MODEL_BYTES) seen from the host side (holes 0). */
static void snapshot(unsigned char *out)
{
    memset(out, 0, MODEL_BYTES);
    memcpy(out + RAM_A, host_a, 0x3000);
    memcpy(out + RAM_B, host_b, 0x1000);
    memcpy(out + DEV1, dev1.mem, DEV1_SIZE);
    memcpy(out + DEV2, dev2.mem, DEV2_SIZE);
    memcpy(out + ROM, host_rom, 0x1000);
    memcpy(out + RAM_C, host_c, 0x1000);
}

static void assert_nothing_changed(const unsigned char *before)
{
    unsigned char *now = malloc(MODEL_BYTES);
    snapshot(now);
    assert_memory_equal(now, before, MODEL_BYTES);
    free(now);
}

/* ---- boundaries and validation ------------------------------------------------ */

static void test_read_write_boundaries(void **state)
{
    (void)state;
    guarded_buffer g;
    guarded_alloc(&g, 64);
    unsigned char *buf = g.hi - 64; /* the caller's buffer ends at a guard page */
    /* last byte of RAM C, then the first byte after it */
    assert_int_equal(vmmem_guest_write(gm, SPACE_END - 1, "z", 1), VMMEM_OK);
    assert_int_equal(host_c[0xfff], 'z');
    assert_int_equal(vmmem_guest_read(gm, SPACE_END - 1, buf + 63, 1), VMMEM_OK);
    assert_int_equal(buf[63], 'z');
    memset(buf, 0x5A, 64);
    assert_int_equal(vmmem_guest_read(gm, SPACE_END, buf, 1), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_read(gm, SPACE_END - 1, buf, 2), VMMEM_EFAULT);
    for (int i = 0; i < 64; i++)
        assert_int_equal(buf[i], 0x5A); /* nothing read into the buffer */
    /* RAM A -> RAM B */
    fill_pattern(buf, 64, 7);
    assert_int_equal(vmmem_guest_write(gm, RAM_B - 32, buf, 64), VMMEM_OK);
    assert_memory_equal(host_a + 0x3000 - 32, buf, 32);
    assert_memory_equal(host_b, buf + 32, 32);
    unsigned char back[64];
    assert_int_equal(vmmem_guest_read(gm, RAM_B - 32, back, 64), VMMEM_OK);
    assert_memory_equal(back, buf, 64);
    /* RAM B -> MMIO dev1 */
    assert_int_equal(vmmem_guest_write(gm, DEV1 - 16, buf, 64), VMMEM_OK);
    assert_memory_equal(host_b + 0x1000 - 16, buf, 16);
    assert_memory_equal(dev1.mem, buf + 16, 48);
    assert_int_equal(dev1.bad, 0);
    assert_int_equal(vmmem_guest_read(gm, DEV1 - 16, back, 64), VMMEM_OK);
    assert_memory_equal(back, buf, 64);
    /* MMIO dev2 -> hole: nothing written, not even the device part */
    unsigned char *before = malloc(MODEL_BYTES);
    snapshot(before);
    size_t accesses = dev2.count;
    assert_int_equal(vmmem_guest_write(gm, HOLE1 - 8, buf, 16), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_write(gm, ROM - 8, buf, 16), VMMEM_EFAULT); /* hole -> ROM */
    assert_int_equal(vmmem_guest_write(gm, RAM_A, buf, 0x7001), VMMEM_EFAULT); /* everything, one too many */
    assert_int_equal(dev2.count, accesses);
    assert_nothing_changed(before);
    /* a write that touches ROM anywhere writes nothing */
    assert_int_equal(vmmem_guest_write(gm, RAM_C - 4, buf, 8), VMMEM_EPERM); /* ROM -> RAM C */
    assert_int_equal(vmmem_guest_write(gm, ROM + 0x10, buf, 8), VMMEM_EPERM);
    assert_nothing_changed(before);
    free(before);
    guarded_free(&g);
}

static void test_argument_errors(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(vmmem_guest_read(gm, 0, NULL, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write(gm, 0, NULL, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_read(NULL, 0, buf, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write(NULL, 0, buf, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_copy_block(NULL, 0, 8, 1), VMMEM_EINVAL);
    /* length 0 is a no-op anywhere, even in a hole or with NULL */
    assert_int_equal(vmmem_guest_read(gm, 0x9000, NULL, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_write(gm, UINT64_MAX, NULL, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_copy_block(gm, 0x9000, UINT64_MAX, 0), VMMEM_OK);
    /* wrapping ranges */
    assert_int_equal(vmmem_guest_read(gm, UINT64_MAX, buf, 2), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_write(gm, UINT64_MAX - 14, buf, 16), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_copy_block(gm, 0, UINT64_MAX - 1, 4), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_copy_block(gm, UINT64_MAX - 1, 0, 4), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_copy_block(gm, 0, 16, UINT64_MAX), VMMEM_ERANGE);
    /* a huge length from a small address does not wrap but is not covered */
    assert_int_equal(vmmem_guest_copy_block(gm, 0, 16, UINT64_MAX - 16), VMMEM_EFAULT);
}

/* ---- MMIO splitting ------------------------------------------------------------- */

static void assert_log(const test_device *d, size_t from, const access_record *want, size_t n)
{
    assert_int_equal(d->count - from, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(d->log[from + i].offset, want[i].offset);
        assert_int_equal(d->log[from + i].size, want[i].size);
        assert_int_equal(d->log[from + i].is_write, want[i].is_write);
    }
}

static void test_mmio_splitting(void **state)
{
    (void)state;
    unsigned char buf[32];
    /* 16 bytes at device offset 3 on a 1..8 device: 1, 4, 8, 2, 1 */
    dev1.count = 0;
    assert_int_equal(vmmem_guest_read(gm, DEV1 + 3, buf, 16), VMMEM_OK);
    static const access_record want1[] = {{3, 1, 0}, {4, 4, 0}, {8, 8, 0}, {16, 2, 0}, {18, 1, 0}};
    assert_log(&dev1, 0, want1, 5);
    assert_memory_equal(buf, dev1.mem + 3, 16);
    /* reads narrower than a 4..8 device's unit are widened */
    dev2.count = 0;
    assert_int_equal(vmmem_guest_read(gm, DEV2 + 5, buf, 1), VMMEM_OK);
    assert_int_equal(buf[0], dev2.mem[5]);
    assert_int_equal(vmmem_guest_read(gm, DEV2 + 6, buf, 12), VMMEM_OK); /* [6, 18) */
    assert_memory_equal(buf, dev2.mem + 6, 12);
    static const access_record want2[] = {{4, 4, 0}, {4, 4, 0}, {8, 8, 0}, {16, 4, 0}};
    assert_log(&dev2, 0, want2, 4);
    /* writes narrower than the unit, or not aligned to it, are refused */
    size_t before = dev2.count, before1 = dev1.count;
    unsigned char mem[DEV2_SIZE];
    memcpy(mem, dev2.mem, DEV2_SIZE);
    assert_int_equal(vmmem_guest_write(gm, DEV2 + 4, buf, 2), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write(gm, DEV2 + 2, buf, 4), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write_u8(gm, DEV2, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write(gm, DEV2 - 2, buf, 4), VMMEM_EINVAL); /* dev1, then 2 bytes of dev2 */
    assert_int_equal(dev2.count, before);
    assert_int_equal(dev1.count, before1); /* dev1's part was not written either */
    assert_memory_equal(mem, dev2.mem, DEV2_SIZE);
    /* aligned whole units are written as the widest pieces */
    assert_int_equal(vmmem_guest_write(gm, DEV2 + 4, buf, 16), VMMEM_OK);
    static const access_record want3[] = {{4, 4, 1}, {8, 8, 1}, {16, 4, 1}};
    assert_log(&dev2, before, want3, 3);
    assert_memory_equal(dev2.mem + 4, buf, 16);
    /* a device error fails the access part-way: VMMEM_EPARTIAL (never a
     * refusal's code), the device's code as the cause */
    dev1.fail_writes = 1;
    assert_int_equal(vmmem_guest_write(gm, DEV1, buf, 8), VMMEM_EPARTIAL);
    vmmem_partial report;
    assert_int_equal(vmmem_guest_last_partial(&report), VMMEM_OK);
    assert_int_equal(report.expected, 8);
    assert_int_equal(report.completed, 0);
    assert_int_equal(report.cause, VMMEM_EIO);
    dev1.fail_writes = 0;
    assert_int_equal(dev1.bad + dev2.bad, 0);
}

/* A device that fails after some accesses: the call returns VMMEM_EPARTIAL
 * (a code no refusal returns) and vmmem_guest_last_partial() reports the
 * bytes moved before the failure, in order, and the device's code; the
 * bytes it reports moved have moved. RAM_B ends where DEV1 (1..8 bytes)
 * begins. */
static void expect_partial(uint64_t expected, uint64_t completed)
{
    vmmem_partial report = { 0, 0, 0 };
    assert_int_equal(vmmem_guest_last_partial(&report), VMMEM_OK);
    assert_int_equal(report.expected, expected);
    assert_int_equal(report.completed, completed);
    assert_int_equal(report.cause, VMMEM_EIO);
}

static void test_partial_failures_report_progress(void **state)
{
    (void)state;
    unsigned char buf[512], back[512];
    fill_pattern(buf, sizeof buf, 71);
    /* write: 8 RAM bytes, then 8@0 of the device (passes), 8@8 (fails) */
    dev1.fail_after = dev1.count + 1;
    assert_int_equal(vmmem_guest_write(gm, DEV1 - 8, buf, 24), VMMEM_EPARTIAL);
    expect_partial(24, 16);
    assert_memory_equal(host_b + 0x1000 - 8, buf, 8);
    assert_memory_equal(dev1.mem, buf + 8, 8);
    /* read: the same pieces */
    memset(back, 0, sizeof back);
    dev1.fail_after = dev1.count + 1;
    assert_int_equal(vmmem_guest_read(gm, DEV1 - 8, back, 24), VMMEM_EPARTIAL);
    expect_partial(24, 16);
    assert_memory_equal(back, buf, 16);
    /* copy_block into the device: a 256-byte chunk (32 writes of 8), then
     * 3 writes of the next chunk before the failure */
    dev1.fail_after = dev1.count + 35;
    assert_int_equal(vmmem_guest_copy_block(gm, DEV1, RAM_A + 0x100, 300), VMMEM_EPARTIAL);
    expect_partial(300, 256 + 24);
    assert_memory_equal(dev1.mem, host_a + 0x100, 256 + 24);
    /* a backward copy_block inside the device (destination above an
     * overlapping source): one chunk read whole (8 reads of 8), then written
     * from its end down; the third write fails: the top 16 bytes moved, the
     * rest of the destination did not */
    unsigned char before[0x60];
    memcpy(before, dev1.mem, sizeof before);
    dev1.fail_after = dev1.count + 8 + 2;
    assert_int_equal(vmmem_guest_copy_block(gm, DEV1 + 0x10, DEV1, 0x40), VMMEM_EPARTIAL);
    expect_partial(0x40, 16);
    assert_memory_equal(dev1.mem, before, 0x40);
    assert_memory_equal(dev1.mem + 0x40, before + 0x30, 16);
    assert_memory_equal(dev1.mem + 0x50, before + 0x50, 0x10);
    /* a typed value split into 1@1, 2@2, 4@4, 1@8: fails at the third */
    dev1.fail_after = dev1.count + 2;
    assert_int_equal(vmmem_guest_write_le64(gm, DEV1 + 1, 0x1122334455667788u), VMMEM_EPARTIAL);
    expect_partial(8, 3);
    /* an array across RAM_B and the device: 4 RAM bytes, 8@0, then 4@8 fails */
    const uint32_t values[4] = { 1, 2, 3, 4 };
    dev1.fail_after = dev1.count + 1;
    assert_int_equal(vmmem_guest_write_array(gm, DEV1 - 4, values, 4, 4, VMMEM_LITTLE_ENDIAN), VMMEM_EPARTIAL);
    expect_partial(16, 12);
    dev1.fail_after = 0;
    assert_int_equal(dev1.bad, 0);
    /* a refusal leaves the report of the last part-way failure alone and is
     * never VMMEM_EPARTIAL */
    assert_int_equal(vmmem_guest_write(gm, HOLE1 - 8, buf, 16), VMMEM_EFAULT);
    expect_partial(16, 12);
    assert_int_equal(vmmem_guest_last_partial(NULL), VMMEM_EINVAL);
}

/* ---- copy_block ------------------------------------------------------------------ */

static void test_copy_block_overlap_every_kernel(void **state)
{
    (void)state;
    /* every rung of the inline copy (17..64 B: two or four chunks) and of
     * the kernels, shifted by less than a chunk, a chunk and more */
    static const int64_t deltas[] = {1, 7, 8, 15, 16, 17, 32, 48, 63, 64, 300, 4095};
    static const uint64_t lengths[] = {1, 2, 15, 16, 17, 31, 32, 33, 48, 49, 63, 64, 65, 100, 257, 1000, 4096, 8000};
    unsigned char *model = malloc(0x4000), *back = malloc(0x4000);
    vmmem_isa chosen = vmmem_active_isa(); /* VMMEM_ISA's, for the later tests */
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++) {
        if (!vmmem_isa_supported((vmmem_isa)isa))
            continue;
        assert_int_equal(vmmem_force_isa((vmmem_isa)isa), VMMEM_OK);
        for (size_t d = 0; d < sizeof deltas / sizeof deltas[0]; d++)
            for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
                for (int dir = -1; dir <= 1; dir += 2)
                    for (int inside = 0; inside <= 1; inside++) {
                        /* copies inside RAM A (the single-region fast path),
                         * and copies that cross into RAM B (the general walk) */
                        uint64_t len = lengths[l];
                        uint64_t src = inside ? 0x800 : RAM_B - len / 2;
                        int64_t to = (int64_t)src + dir * deltas[d];
                        uint64_t dst = (uint64_t)to;
                        if (to < 0 || dst + len > 0x4000 || src + len > 0x4000)
                            continue;
                        fill_pattern(model, 0x4000, (uint32_t)(d * 31 + l));
                        assert_int_equal(vmmem_guest_write(gm, 0, model, 0x4000), VMMEM_OK);
                        memmove(model + dst, model + src, len);
                        assert_int_equal(vmmem_guest_copy_block(gm, dst, src, len), VMMEM_OK);
                        assert_int_equal(vmmem_guest_read(gm, 0, back, 0x4000), VMMEM_OK);
                        assert_memory_equal(back, model, 0x4000);
                    }
    }
    assert_int_equal(vmmem_force_isa(chosen), VMMEM_OK);
    free(model);
    free(back);
}

static void test_copy_block_errors_move_nothing(void **state)
{
    (void)state;
    unsigned char *before = malloc(MODEL_BYTES);
    snapshot(before);
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_A, HOLE1 - 4, 8), VMMEM_EFAULT);   /* src into hole */
    assert_int_equal(vmmem_guest_copy_block(gm, SPACE_END - 4, RAM_A, 8), VMMEM_EFAULT); /* dst past RAM */
    assert_int_equal(vmmem_guest_copy_block(gm, ROM + 8, RAM_A, 8), VMMEM_EPERM);    /* dst ROM */
    assert_int_equal(vmmem_guest_copy_block(gm, DEV2 + 2, RAM_A, 8), VMMEM_EINVAL);   /* dst misaligned in dev2 */
    assert_int_equal(vmmem_guest_copy_block(gm, ROM - 8, RAM_A, 16), VMMEM_EFAULT);   /* dst hole -> ROM */
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_C - 8, RAM_A, 16), VMMEM_EPERM);  /* dst ROM -> RAM */
    /* a source just past the destination's region is looked up, never
     * taken as part of that region: the hole after RAM C */
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_C, SPACE_END, 8), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_C + 0x800, SPACE_END + 0x10, 0x100), VMMEM_EFAULT);
    assert_nothing_changed(before);
    /* ... and the adjacent RAM B after RAM A, whose bytes are copied */
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_A + 0x10, RAM_B + 8, 0x40), VMMEM_OK);
    assert_memory_equal(host_a + 0x10, host_b + 8, 0x40);
    memcpy(host_a + 0x10, before + RAM_A + 0x10, 0x40);
    /* ROM and MMIO are valid sources */
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_C, ROM, 0x1000), VMMEM_OK);
    assert_memory_equal(host_c, host_rom, 0x1000);
    assert_int_equal(vmmem_guest_copy_block(gm, RAM_A + 1, DEV1 + 3, 0x700), VMMEM_OK);
    assert_memory_equal(host_a + 1, dev1.mem + 3, 0x700);
    assert_int_equal(dev1.bad, 0);
    free(before);
}

/* Randomized: every operation on the real address space and on a byte-array
 * model, same result code, same bytes everywhere afterwards. */

typedef enum byte_kind { K_HOLE, K_RAM, K_ROM, K_DEV1, K_DEV2 } byte_kind;

static byte_kind kind_at(uint64_t a)
{
    if (a < DEV1)
        return K_RAM;
    if (a < DEV2)
        return K_DEV1;
    if (a < HOLE1)
        return K_DEV2;
    if (a < ROM)
        return K_HOLE;
    if (a < RAM_C)
        return K_ROM;
    if (a < SPACE_END)
        return K_RAM;
    return K_HOLE;
}

/* The code the library must return for an access to [a, a + len): the
 * first problem in address order (a hole, ROM for a write, or a write to
 * dev2 that is not whole aligned 4-byte units). */
static int model_check(uint64_t a, uint64_t len, int is_write)
{
    for (uint64_t i = 0; i < len; i++) {
        byte_kind k = kind_at(a + i);
        if (k == K_HOLE)
            return VMMEM_EFAULT;
        if (is_write && k == K_ROM)
            return VMMEM_EPERM;
        if (is_write && k == K_DEV2 && (a + i == a || a + i == DEV2)) {
            /* the dev2 piece starts here: it must be whole aligned units */
            uint64_t lo = a + i, hi = a + len < HOLE1 ? a + len : HOLE1;
            if ((lo - DEV2) % 4 || (hi - lo) % 4)
                return VMMEM_EINVAL;
        }
    }
    return VMMEM_OK;
}

static uint64_t rand_below(uint64_t n)
{
    return (uint64_t)rand() % n;
}

static void test_random_against_model(void **state)
{
    (void)state;
    unsigned char *model = malloc(MODEL_BYTES), *now = malloc(MODEL_BYTES), *buf = malloc(0x2000);
    snapshot(model);
    srand(12345);
    int ops = running_under_emulator() ? 1500 : 6000;
    for (int op = 0; op < ops; op++) {
        uint64_t len = rand_below(4) == 0 ? 1 + rand_below(0x1800) : 1 + rand_below(48);
        uint64_t a = rand_below(MODEL_BYTES - len);
        int what = (int)rand_below(3);
        if (what == 0) {
            int want = model_check(a, len, 0);
            assert_int_equal(vmmem_guest_read(gm, a, buf, len), want);
            if (want == VMMEM_OK)
                assert_memory_equal(buf, model + a, len);
        } else if (what == 1) {
            fill_pattern(buf, len, (uint32_t)op);
            int want = model_check(a, len, 1);
            assert_int_equal(vmmem_guest_write(gm, a, buf, len), want);
            if (want == VMMEM_OK)
                memcpy(model + a, buf, len);
        } else {
            /* often overlapping: the source near the destination */
            uint64_t b = rand_below(2) ? rand_below(MODEL_BYTES - len)
                                       : (uint64_t)((int64_t)a + (int64_t)rand_below(129) - 64);
            if (b > MODEL_BYTES - len)
                b = a;
            int want = model_check(b, len, 0);
            if (want == VMMEM_OK)
                want = model_check(a, len, 1);
            assert_int_equal(vmmem_guest_copy_block(gm, a, b, len), want);
            if (want == VMMEM_OK)
                memmove(model + a, model + b, len);
        }
        snapshot(now);
        if (memcmp(now, model, MODEL_BYTES) != 0)
            fail_msg("op %d (%d) at 0x%llx len %llu: memory differs from the model", op, what,
                     (unsigned long long)a, (unsigned long long)len);
    }
    assert_int_equal(dev1.bad + dev2.bad, 0);
    free(model);
    free(now);
    free(buf);
}

/* ---- typed accessors ------------------------------------------------------------------ */

static void test_typed_values_both_orders(void **state)
{
    (void)state;
    /* at every offset 0..15 (aligned and not) of RAM, across RAM A/B and on dev1 */
    static const vmmem_gpa bases[] = {0x100, RAM_B - 8, DEV1 + 0x40};
    for (size_t b = 0; b < 3; b++)
        for (unsigned off = 0; off < 16; off++) {
            vmmem_gpa at = bases[b] + off;
            unsigned char bytes[8];
            const uint64_t v = 0x0123456789abcdefull;
            /* reference images built byte by byte */
            for (int i = 0; i < 8; i++)
                bytes[i] = (unsigned char)(v >> (8 * i));
            assert_int_equal(vmmem_guest_write_le64(gm, at, v), VMMEM_OK);
            unsigned char got[8];
            assert_int_equal(vmmem_guest_read(gm, at, got, 8), VMMEM_OK);
            assert_memory_equal(got, bytes, 8);
            assert_int_equal(vmmem_guest_write_be64(gm, at, v), VMMEM_OK);
            assert_int_equal(vmmem_guest_read(gm, at, got, 8), VMMEM_OK);
            for (int i = 0; i < 8; i++)
                assert_int_equal(got[i], (unsigned char)(v >> (56 - 8 * i)));
            assert_int_equal(vmmem_guest_write_le32(gm, at, 0xa1b2c3d4u), VMMEM_OK);
            assert_int_equal(vmmem_guest_read(gm, at, got, 4), VMMEM_OK);
            assert_memory_equal(got, "\xd4\xc3\xb2\xa1", 4);
            assert_int_equal(vmmem_guest_write_be32(gm, at, 0xa1b2c3d4u), VMMEM_OK);
            assert_int_equal(vmmem_guest_read(gm, at, got, 4), VMMEM_OK);
            assert_memory_equal(got, "\xa1\xb2\xc3\xd4", 4);
            assert_int_equal(vmmem_guest_write_le16(gm, at, 0xbeefu), VMMEM_OK);
            assert_int_equal(vmmem_guest_read(gm, at, got, 2), VMMEM_OK);
            assert_memory_equal(got, "\xef\xbe", 2);
            assert_int_equal(vmmem_guest_write_be16(gm, at, 0xbeefu), VMMEM_OK);
            assert_int_equal(vmmem_guest_read(gm, at, got, 2), VMMEM_OK);
            assert_memory_equal(got, "\xbe\xef", 2);
            assert_int_equal(vmmem_guest_write_u8(gm, at, 0x7f), VMMEM_OK);
            /* reads of a known image in both orders */
            static const unsigned char image[8] = {1, 2, 3, 4, 5, 6, 7, 8};
            assert_int_equal(vmmem_guest_write(gm, at, image, 8), VMMEM_OK);
            uint8_t u8;
            uint16_t u16;
            uint32_t u32;
            uint64_t u64;
            assert_int_equal(vmmem_guest_read_u8(gm, at, &u8), VMMEM_OK);
            assert_int_equal(u8, 1);
            assert_int_equal(vmmem_guest_read_le16(gm, at, &u16), VMMEM_OK);
            assert_int_equal(u16, 0x0201);
            assert_int_equal(vmmem_guest_read_be16(gm, at, &u16), VMMEM_OK);
            assert_int_equal(u16, 0x0102);
            assert_int_equal(vmmem_guest_read_le32(gm, at, &u32), VMMEM_OK);
            assert_int_equal(u32, 0x04030201);
            assert_int_equal(vmmem_guest_read_be32(gm, at, &u32), VMMEM_OK);
            assert_int_equal(u32, 0x01020304);
            assert_int_equal(vmmem_guest_read_le64(gm, at, &u64), VMMEM_OK);
            assert_int_equal(u64, 0x0807060504030201ull);
            assert_int_equal(vmmem_guest_read_be64(gm, at, &u64), VMMEM_OK);
            assert_int_equal(u64, 0x0102030405060708ull);
        }
    assert_int_equal(dev1.bad, 0);
}

static void test_typed_errors(void **state)
{
    (void)state;
    uint32_t v32 = 0x55;
    uint64_t v64;
    assert_int_equal(vmmem_guest_read_le32(gm, 0, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_read_le32(NULL, 0, &v32), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write_le32(NULL, 0, 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_read_le32(gm, HOLE1 - 2, &v32), VMMEM_EFAULT);
    assert_int_equal(v32, 0x55); /* untouched */
    assert_int_equal(vmmem_guest_read_be64(gm, UINT64_MAX - 3, &v64), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_write_be64(gm, UINT64_MAX - 3, 1), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_write_le16(gm, ROM, 1), VMMEM_EPERM);
    assert_int_equal(vmmem_guest_write_le32(gm, SPACE_END - 2, 1), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_read_le32(gm, ROM, &v32), VMMEM_OK);
    assert_int_equal(v32, (uint32_t)host_rom[0] | (uint32_t)host_rom[1] << 8 | (uint32_t)host_rom[2] << 16 |
                              (uint32_t)host_rom[3] << 24);
}

/* Aligned typed stores are single accesses: a reader thread never sees a
 * value other than the two being written. */
typedef struct tear_state {
    vmmem_gpa at;
    unsigned width;
    atomic_int done;
    atomic_size_t reads;
    size_t torn;
} tear_state;

static void *tear_reader(void *arg)
{
    tear_state *t = arg;
    while (!atomic_load_explicit(&t->done, memory_order_acquire)) {
        uint64_t v = 0;
        uint16_t v16;
        uint32_t v32;
        int rc;
        switch (t->width) {
        case 2: rc = vmmem_guest_read_be16(gm, t->at, &v16); v = v16; break;
        case 4: rc = vmmem_guest_read_le32(gm, t->at, &v32); v = v32; break;
        default: rc = vmmem_guest_read_be64(gm, t->at, &v); break;
        }
        uint64_t ones = t->width == 8 ? UINT64_MAX : (UINT64_C(1) << (8 * t->width)) - 1;
        if (rc != VMMEM_OK || (v != 0 && v != ones))
            t->torn++;
        atomic_fetch_add_explicit(&t->reads, 1, memory_order_relaxed);
    }
    return NULL;
}

static void test_aligned_typed_accesses_are_atomic(void **state)
{
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        skip(); /* one CPU: nothing runs concurrently */
    static const unsigned widths[] = {2, 4, 8};
    for (size_t w = 0; w < 3; w++) {
        tear_state t = {.at = 0x2008, .width = widths[w]};
        /* the whole slot starts as one of the two values of every width */
        assert_int_equal(vmmem_guest_write_le64(gm, t.at, 0), VMMEM_OK);
        atomic_init(&t.done, 0);
        atomic_init(&t.reads, 0);
        pthread_t reader;
        assert_int_equal(pthread_create(&reader, NULL, tear_reader, &t), 0);
        /* At least WRITES stores, and on until the reader has overlapped
         * them for READS loads (the machine may be busy), within a cap. */
        enum { WRITES = 200000, READS = 100000, CAP = 50 * WRITES };
        for (int i = 0; i < CAP && (i < WRITES || atomic_load(&t.reads) < READS); i++) {
            int odd = i & 1;
            switch (t.width) {
            case 2: vmmem_guest_write_be16(gm, t.at, odd ? 0xffff : 0); break;
            case 4: vmmem_guest_write_le32(gm, t.at, odd ? 0xffffffffu : 0); break;
            default: vmmem_guest_write_be64(gm, t.at, odd ? UINT64_MAX : 0); break;
            }
        }
        atomic_store_explicit(&t.done, 1, memory_order_release);
        pthread_join(reader, NULL);
        assert_true(atomic_load(&t.reads) >= READS);
        print_message("width %u: %zu reads, %zu torn\n", t.width, atomic_load(&t.reads), t.torn);
        assert_int_equal(t.torn, 0);
    }
}

/* ---- arrays in a declared byte order ------------------------------------------------ */

/* Element i of a test array: distinct bytes in every position. */
static uint64_t array_value(size_t i, unsigned elem_size)
{
    uint64_t v = 0x0102030405060708ull * (i + 1) ^ 0xF0E1D2C3B4A59687ull;
    return elem_size == 8 ? v : v & ((1ull << (8 * elem_size)) - 1);
}

/* Host-order element i of a values buffer of elem_size elements. */
static uint64_t host_get(const void *values, size_t i, unsigned elem_size)
{
    const unsigned char *p = (const unsigned char *)values + i * elem_size;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (elem_size) {
    case 2: memcpy(&v16, p, 2); return v16;
    case 4: memcpy(&v32, p, 4); return v32;
    default: memcpy(&v64, p, 8); return v64;
    }
}

static void host_set(void *values, size_t i, unsigned elem_size, uint64_t v)
{
    unsigned char *p = (unsigned char *)values + i * elem_size;
    uint16_t v16 = (uint16_t)v;
    uint32_t v32 = (uint32_t)v;
    switch (elem_size) {
    case 2: memcpy(p, &v16, 2); break;
    case 4: memcpy(p, &v32, 4); break;
    default: memcpy(p, &v, 8); break;
    }
}

/* The guest image of count elements in `order`, built byte by byte with
 * shifts (independent of the host's byte order). */
static void guest_image(unsigned char *out, size_t count, unsigned elem_size, vmmem_byte_order order)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t v = array_value(i, elem_size);
        for (unsigned b = 0; b < elem_size; b++) {
            unsigned shift = order == VMMEM_LITTLE_ENDIAN ? 8 * b : 8 * (elem_size - 1 - b);
            out[i * elem_size + b] = (unsigned char)(v >> shift);
        }
    }
}

#define ARRAY_MAX_BYTES 0x1800 /* fits RAM A from 0x100 and the spans below */

/* Writes then reads back count elements at gpa and checks the guest bytes
 * (the whole address space: the image in place, nothing else changed) and
 * the values read. */
static void check_array_at(vmmem_gpa gpa, size_t count, unsigned elem_size, vmmem_byte_order order)
{
    size_t len = count * elem_size;
    unsigned char *values = malloc(len + 1), *image = malloc(len + 1), *back = malloc(len + 1);
    unsigned char *model = malloc(MODEL_BYTES), *now = malloc(MODEL_BYTES);
    assert_non_null(values);
    assert_non_null(image);
    assert_non_null(back);
    for (size_t i = 0; i < count; i++)
        host_set(values, i, elem_size, array_value(i, elem_size));
    guest_image(image, count, elem_size, order);
    snapshot(model);
    memcpy(model + gpa, image, len);
    assert_int_equal(vmmem_guest_write_array(gm, gpa, values, count, elem_size, order), VMMEM_OK);
    snapshot(now);
    if (memcmp(now, model, MODEL_BYTES) != 0)
        fail_msg("write_array gpa=%#lx count=%zu size=%u order=%d: wrong guest bytes", (unsigned long)gpa, count,
                 elem_size, (int)order);
    memset(back, 0x5A, len + 1);
    assert_int_equal(vmmem_guest_read_array(gm, gpa, back, count, elem_size, order), VMMEM_OK);
    for (size_t i = 0; i < count; i++)
        if (host_get(back, i, elem_size) != array_value(i, elem_size))
            fail_msg("read_array gpa=%#lx count=%zu size=%u order=%d: element %zu", (unsigned long)gpa, count,
                     elem_size, (int)order, i);
    assert_int_equal(back[len], 0x5A); /* nothing past the last element */
    free(values);
    free(image);
    free(back);
    free(model);
    free(now);
}

static void test_arrays_every_size_and_order(void **state)
{
    (void)state;
    static const size_t counts[] = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 300};
    static const unsigned sizes[] = {2, 4, 8};
    for (size_t s = 0; s < 3; s++)
        for (int order = VMMEM_LITTLE_ENDIAN; order <= VMMEM_BIG_ENDIAN; order++)
            for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
                size_t count = counts[c], len = count * sizes[s];
                for (unsigned off = 0; off < 8; off++) {
                    check_array_at(RAM_A + 0x100 + off, count, sizes[s], (vmmem_byte_order)order); /* one region */
                    check_array_at(RAM_B - len / 2 - off, count, sizes[s], (vmmem_byte_order)order); /* RAM A|B */
                }
                if (len <= 0x200) {
                    check_array_at(DEV1 - len / 2, count, sizes[s], (vmmem_byte_order)order); /* RAM B|MMIO */
                    check_array_at(DEV1 + 0x40, count, sizes[s], (vmmem_byte_order)order);    /* MMIO only */
                }
            }
    /* larger than the bounce buffer of the general path, across RAM A|B */
    check_array_at(RAM_B - 0xA00, 0x1400 / 8, 8, VMMEM_BIG_ENDIAN);
    check_array_at(RAM_B - 0x7FF, 0x1000 / 2, 2, VMMEM_BIG_ENDIAN);
    /* over 1 KiB from dev1 into dev2 (4-8-byte accesses only), its first
     * byte 0x3FE bytes after gpa: written as vmmem_guest_write writes it,
     * whatever the length, never in pieces a device would refuse */
    check_array_at(DEV2 - 0x3FE, 515, 2, VMMEM_BIG_ENDIAN);
    check_array_at(DEV2 - 0x3FC, 260, 4, VMMEM_LITTLE_ENDIAN);
    assert_int_equal(dev1.bad, 0);
    assert_int_equal(dev2.bad, 0);
}

/* Arrays agree with the single-value accessors of the same order. */
static void test_arrays_match_typed_accessors(void **state)
{
    (void)state;
    uint32_t v32[5] = {0x01020304u, 0xA1B2C3D4u, 0, 0xFFFFFFFFu, 0x80000001u};
    uint64_t v64[3] = {0x0102030405060708ull, 0x8000000000000001ull, 42};
    uint16_t v16[4] = {0x0102, 0xBEEF, 0, 0x8001};
    assert_int_equal(vmmem_guest_write_array(gm, 0x201, v32, 5, 4, VMMEM_BIG_ENDIAN), VMMEM_OK);
    for (size_t i = 0; i < 5; i++) {
        uint32_t got;
        assert_int_equal(vmmem_guest_read_be32(gm, 0x201 + 4 * i, &got), VMMEM_OK);
        assert_int_equal(got, v32[i]);
    }
    assert_int_equal(vmmem_guest_write_array(gm, 0x300, v64, 3, 8, VMMEM_LITTLE_ENDIAN), VMMEM_OK);
    for (size_t i = 0; i < 3; i++) {
        uint64_t got;
        assert_int_equal(vmmem_guest_read_le64(gm, 0x300 + 8 * i, &got), VMMEM_OK);
        assert_int_equal(got, v64[i]);
    }
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(vmmem_guest_write_be16(gm, 0x403 + 2 * i, v16[i]), VMMEM_OK);
    uint16_t back[4];
    assert_int_equal(vmmem_guest_read_array(gm, 0x403, back, 4, 2, VMMEM_BIG_ENDIAN), VMMEM_OK);
    assert_memory_equal(back, v16, sizeof v16);
    /* ROM reads */
    uint32_t rom_words[2];
    assert_int_equal(vmmem_guest_read_array(gm, ROM + 4, rom_words, 2, 4, VMMEM_LITTLE_ENDIAN), VMMEM_OK);
    for (size_t i = 0; i < 2; i++) {
        const unsigned char *p = host_rom + 4 + 4 * i;
        assert_int_equal(rom_words[i],
                         (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
    }
}

static void test_array_errors_move_nothing(void **state)
{
    (void)state;
    uint64_t values[64];
    for (size_t i = 0; i < 64; i++)
        values[i] = 0x5555555555555555ull;
    uint64_t untouched[64];
    memcpy(untouched, values, sizeof values);
    unsigned char *before = malloc(MODEL_BYTES);
    snapshot(before);
    size_t dev2_accesses = dev2.count;
    const vmmem_byte_order be = VMMEM_BIG_ENDIAN;
    /* arguments */
    assert_int_equal(vmmem_guest_read_array(NULL, 0, values, 1, 4, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write_array(NULL, 0, values, 1, 4, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_read_array(gm, 0, NULL, 1, 4, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write_array(gm, 0, NULL, 1, 4, be), VMMEM_EINVAL);
    static const unsigned bad_sizes[] = {0, 1, 3, 5, 16};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(vmmem_guest_read_array(gm, 0, values, 1, bad_sizes[i], be), VMMEM_EINVAL);
        assert_int_equal(vmmem_guest_write_array(gm, 0, values, 1, bad_sizes[i], be), VMMEM_EINVAL);
    }
    assert_int_equal(vmmem_guest_read_array(gm, 0, values, 1, 4, (vmmem_byte_order)2), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_write_array(gm, 0, values, 1, 4, (vmmem_byte_order)-1), VMMEM_EINVAL);
    /* count 0 is a no-op anywhere, even with NULL */
    assert_int_equal(vmmem_guest_read_array(gm, 0x9000, NULL, 0, 8, be), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_array(gm, UINT64_MAX, NULL, 0, 2, be), VMMEM_OK);
    /* byte counts that overflow, ranges that wrap */
    assert_int_equal(vmmem_guest_read_array(gm, 0, values, SIZE_MAX / 4 + 1, 4, be), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_write_array(gm, 0, values, SIZE_MAX / 2, 8, be), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_read_array(gm, UINT64_MAX - 6, values, 1, 8, be), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_write_array(gm, UINT64_MAX - 2, values, 2, 2, be), VMMEM_ERANGE);
    /* holes: MMIO dev2 -> hole, RAM C -> past the end */
    assert_int_equal(vmmem_guest_read_array(gm, HOLE1 - 8, values, 4, 4, be), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_write_array(gm, HOLE1 - 8, values, 4, 4, be), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_read_array(gm, SPACE_END - 8, values, 2, 8, be), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_write_array(gm, SPACE_END - 8, values, 2, 8, be), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_write_array(gm, RAM_A, values, 0x7001 / 8 + 1, 8, be), VMMEM_EFAULT);
    /* ROM anywhere in a write */
    assert_int_equal(vmmem_guest_write_array(gm, RAM_C - 8, values, 4, 4, be), VMMEM_EPERM); /* ROM -> RAM C */
    assert_int_equal(vmmem_guest_write_array(gm, ROM + 0x10, values, 1, 2, be), VMMEM_EPERM);
    /* a host buffer that is the guest RAM being read, when bytes must be swapped */
    const vmmem_byte_order other = VMMEM_HOST_ORDER == VMMEM_LITTLE_ENDIAN ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
    assert_int_equal(vmmem_guest_read_array(gm, RAM_A + 8, host_a, 4, 4, other), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_write_array(gm, RAM_A + 8, host_a + 4, 4, 4, other), VMMEM_EOVERLAP);
    /* ... exactly the guest bytes, in either order (ROM too), and across regions */
    assert_int_equal(vmmem_guest_read_array(gm, RAM_A + 8, host_a + 8, 4, 4, other), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_read_array(gm, RAM_A + 8, host_a + 8, 4, 4, VMMEM_HOST_ORDER), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_read_array(gm, ROM, host_rom, 4, 4, other), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_write_array(gm, RAM_A + 8, host_a + 8, 4, 4, other), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_read_array(gm, RAM_B - 8, host_b + 4, 4, 4, other), VMMEM_EOVERLAP);
    assert_int_equal(vmmem_guest_write_array(gm, RAM_B - 8, host_a + 0x3000 - 12, 4, 4, other), VMMEM_EOVERLAP);
    assert_memory_equal(values, untouched, sizeof values);
    assert_int_equal(dev2.count, dev2_accesses);
    assert_nothing_changed(before);
    free(before);
}

static void test_array_writes_mark_dirty(void **state)
{
    (void)state;
    uint64_t bitmap[1];
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_A, 1), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, RAM_B, 1), VMMEM_OK);
    uint32_t values[4] = {1, 2, 3, 4};
    /* one region, across its pages 0 and 1 */
    assert_int_equal(vmmem_guest_write_array(gm, 0x1000 - 8, values, 4, 4, VMMEM_BIG_ENDIAN), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_A, bitmap, 1), VMMEM_OK);
    assert_int_equal(bitmap[0], 0x3);
    /* reads mark nothing */
    assert_int_equal(vmmem_guest_read_array(gm, 0x1000 - 8, values, 4, 4, VMMEM_BIG_ENDIAN), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_A, bitmap, 1), VMMEM_OK);
    assert_int_equal(bitmap[0], 0);
    /* across RAM A (its page 2) and RAM B (its page 0), the general path */
    assert_int_equal(vmmem_guest_write_array(gm, RAM_B - 8, values, 4, 4, VMMEM_LITTLE_ENDIAN), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_A, bitmap, 1), VMMEM_OK);
    assert_int_equal(bitmap[0], 0x4);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_B, bitmap, 1), VMMEM_OK);
    assert_int_equal(bitmap[0], 0x1);
    /* a failed write marks nothing */
    assert_int_equal(vmmem_guest_write_array(gm, RAM_C - 8, values, 4, 4, VMMEM_LITTLE_ENDIAN), VMMEM_EPERM);
    assert_int_equal(vmmem_guest_write_array(gm, 0x2FF8, values, 4, 4, VMMEM_LITTLE_ENDIAN), VMMEM_OK);
    /* (the values pointer covers 4 elements: the range check comes before any read of it) */
    assert_int_equal(vmmem_guest_write_array(gm, RAM_A, values, 0x7001 / 4 + 1, 4, VMMEM_LITTLE_ENDIAN),
                     VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, RAM_A, bitmap, 1), VMMEM_OK);
    assert_int_equal(bitmap[0], 0x4);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_write_boundaries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_argument_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mmio_splitting, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_failures_report_progress, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_block_overlap_every_kernel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_block_errors_move_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_against_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_values_both_orders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aligned_typed_accesses_are_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrays_every_size_and_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arrays_match_typed_accessors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_errors_move_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_writes_mark_dirty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
