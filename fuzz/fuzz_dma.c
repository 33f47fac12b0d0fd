/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_dma.c - libFuzzer target for device DMA on scatter-gather
 * lists: random lists (segments anywhere in and around a small map, empty,
 * overlapping, wrapping past 2^64, longer than the device allows) moved
 * into, out of and inside guest memory, against a flat model. A transfer
 * succeeds exactly when the model says every byte is allowed (RAM, another
 * device's MMIO, ROM for reads; never a hole or the device's own window;
 * a write into a device with access rules only in whole, aligned units of
 * its smallest access; totals non-zero and within the limit); a refused one
 * changes nothing, guest memory or caller buffer; a successful one moves
 * exactly the model's bytes in list order (file reads: the file's bytes,
 * zeros past its end; file writes: the file holds the model's bytes after).
 * A buffer whose length is not the list's total is refused. The device's
 * own MMIO callbacks abort if reached; the devices with access rules abort
 * on a callback that breaks them. Every RAM region tracks dirty pages: after
 * each call, the pages reported dirty are exactly the RAM pages the call
 * wrote (none for a refusal or a read), including a page of RAM that ends
 * at 2^64 and one at guest address 0, which a list may join.
 *
 * Input: a header byte (transfer kind, segment count), then segments of 5
 * bytes (address 2 bytes, length 2 bytes, a flag byte); guest-to-guest
 * lists split the segments between destination and source. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/dma.h>

#define PAGE 4096u
#define BASE 0x20000u           /* the window starts one page below */
#define PAGES 11u               /* [BASE - PAGE, BASE + 10 pages) */
#define WINDOW (PAGES * PAGE)
#define AREA_PAGES (PAGES + 2u) /* the window, then the page at 0, then the page below 2^64 */
#define LOW_PAGE PAGES          /* model page of guest [0, PAGE) */
#define TOP_PAGE (PAGES + 1u)   /* model page of guest [2^64 - PAGE, 2^64) */
#define MAX_TOTAL (6u * PAGE)   /* the device's max_total */
#define MAX_SEGMENTS 12u
#define SEGMENT_BYTES 5u
#define FILE_BYTES (3u * PAGE) /* the file read from; reads may run past its end */

/* Page kinds of the model, page by page: the window from BASE - PAGE, then
 * the low and the top page. STRICTn: a device whose accesses are naturally
 * aligned units of n..8 bytes (n..n for STRICT4). */
enum kind { HOLE, RAM, ROM, OTHER_MMIO, OWN_MMIO, STRICT2, STRICT4, STRICT8 };
static const enum kind page_kind[AREA_PAGES] = {HOLE, RAM, RAM, ROM, OTHER_MMIO, OWN_MMIO, RAM,
                                                STRICT2, STRICT4, STRICT8, HOLE, RAM, RAM};

typedef struct strict_device {
    unsigned min, max;
    unsigned char mem[PAGE];
} strict_device;

static vmmem_guest_memory *gm;
static vmmem_dma_device *dev;
static unsigned char *host[AREA_PAGES]; /* RAM and ROM pages */
static unsigned char other[PAGE];       /* the other device's bytes */
static strict_device strict[3] = {{2, 8, {0}}, {4, 4, {0}}, {8, 8, {0}}};
static unsigned char model[AREA_PAGES * PAGE];
static uint8_t written[AREA_PAGES]; /* model pages a successful call wrote */
static int in_fd, out_fd; /* memfds: the file read from, the file written to */

static unsigned char file_byte(uint64_t at) { return (unsigned char)(at * 13 + 7); }

static uint64_t window_start(void) { return BASE - PAGE; }

/* Guest address of model page p. */
static uint64_t page_gpa(unsigned p)
{
    if (p == LOW_PAGE)
        return 0;
    if (p == TOP_PAGE)
        return UINT64_MAX - PAGE + 1;
    return window_start() + (uint64_t)p * PAGE;
}

/* Model index of guest address a, or -1 outside every modelled page. */
static int64_t model_index(uint64_t a)
{
    if (a < PAGE)
        return (int64_t)(LOW_PAGE * PAGE + a);
    if (a >= UINT64_MAX - PAGE + 1)
        return (int64_t)(TOP_PAGE * PAGE + (a - (UINT64_MAX - PAGE + 1)));
    if (a >= window_start() && a - window_start() < WINDOW)
        return (int64_t)(a - window_start());
    return -1;
}

static strict_device *strict_of(enum kind k)
{
    return k == STRICT2 ? &strict[0] : k == STRICT4 ? &strict[1] : k == STRICT8 ? &strict[2] : NULL;
}

static void strict_check(const strict_device *d, uint64_t offset, unsigned size)
{
    if (size < d->min || size > d->max || (size & (size - 1)) || offset % size || offset + size > PAGE)
        abort(); /* a callback outside the device's rules */
}

static int strict_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    strict_device *d = opaque;
    strict_check(d, offset, size);
    memcpy(data, d->mem + offset, size);
    return VMMEM_OK;
}

static int strict_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    strict_device *d = opaque;
    strict_check(d, offset, size);
    memcpy(d->mem + offset, data, size);
    return VMMEM_OK;
}

static int other_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque;
    memcpy(data, other + offset, size);
    return VMMEM_OK;
}

static int other_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque;
    memcpy(other + offset, data, size);
    return VMMEM_OK;
}

static int own_access(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    abort(); /* DMA into the device's own window must be refused before this */
}

static int own_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    return own_access(opaque, offset, (void *)(uintptr_t)data, size);
}

static void setup(void)
{
    unsigned char rom[PAGE];
    for (unsigned i = 0; i < PAGE; i++)
        rom[i] = (unsigned char)(i * 5 + 1);
    const vmmem_mmio_ops other_ops = {other_read, other_write, 1, 8, NULL};
    const vmmem_mmio_ops own_ops = {own_access, own_write, 1, 8, NULL};
    const uint64_t own = page_gpa(5);
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK || vmmem_guest_add_ram(gm, BASE, 2 * PAGE, NULL) != VMMEM_OK ||
        vmmem_guest_add_rom(gm, BASE + 2 * PAGE, PAGE, rom, PAGE) != VMMEM_OK ||
        vmmem_guest_add_mmio(gm, BASE + 3 * PAGE, PAGE, &other_ops) != VMMEM_OK ||
        vmmem_guest_add_mmio(gm, own, PAGE, &own_ops) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, BASE + 5 * PAGE, PAGE, NULL) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, page_gpa(LOW_PAGE), PAGE, NULL) != VMMEM_OK ||
        vmmem_guest_add_ram(gm, page_gpa(TOP_PAGE), PAGE, NULL) != VMMEM_OK)
        abort();
    for (unsigned p = 0; p < AREA_PAGES; p++) {
        strict_device *d = strict_of(page_kind[p]);
        if (d) {
            const vmmem_mmio_ops ops = {strict_read, strict_write, d->min, d->max, d};
            if (vmmem_guest_add_mmio(gm, page_gpa(p), PAGE, &ops) != VMMEM_OK)
                abort();
        }
    }
    const vmmem_dma_config cfg = {gm, own, PAGE, MAX_TOTAL};
    if (vmmem_dma_device_create(&cfg, &dev) != VMMEM_OK)
        abort();
    static unsigned char content[FILE_BYTES];
    for (unsigned i = 0; i < FILE_BYTES; i++)
        content[i] = file_byte(i);
    in_fd = memfd_create("fuzz_dma_in", 0);
    out_fd = memfd_create("fuzz_dma_out", 0);
    if (in_fd < 0 || out_fd < 0 || pwrite(in_fd, content, FILE_BYTES, 0) != (ssize_t)FILE_BYTES)
        abort();
    for (unsigned p = 0; p < AREA_PAGES; p++)
        if (page_kind[p] == RAM || page_kind[p] == ROM) {
            vmmem_region_info info;
            if (vmmem_guest_region_at(gm, page_gpa(p), &info) != VMMEM_OK)
                abort();
            host[p] = (unsigned char *)info.host + (page_gpa(p) - info.base);
            if (page_kind[p] == RAM && info.base == page_gpa(p) && vmmem_guest_dirty_enable(gm, info.base, 1) != VMMEM_OK)
                abort();
        }
}

/* Guest memory as it is now, into out (holes and the own window 0). */
static void snapshot(unsigned char *out)
{
    memset(out, 0, sizeof model);
    for (unsigned p = 0; p < AREA_PAGES; p++) {
        const strict_device *d = strict_of(page_kind[p]);
        if (host[p])
            memcpy(out + p * PAGE, host[p], PAGE);
        else if (page_kind[p] == OTHER_MMIO)
            memcpy(out + p * PAGE, other, PAGE);
        else if (d)
            memcpy(out + p * PAGE, d->mem, PAGE);
    }
}

/* The dirty bits of every RAM region, fetched and cleared, against the
 * pages a successful call wrote (written[]). */
static void check_dirty(void)
{
    for (unsigned p = 0; p < AREA_PAGES; p++) {
        if (page_kind[p] != RAM)
            continue;
        vmmem_region_info info;
        if (vmmem_guest_region_at(gm, page_gpa(p), &info) != VMMEM_OK)
            abort();
        if (info.base != page_gpa(p))
            continue; /* a region's later page: checked with its first */
        uint64_t bits = 0;
        if (vmmem_guest_dirty_fetch_and_clear(gm, info.base, &bits, 1) != VMMEM_OK)
            abort();
        for (unsigned i = 0; i < info.size / PAGE; i++)
            if (((bits >> i) & 1) != written[p + i])
                abort(); /* a written page reported clean, or a page reported that was not written */
    }
}

/* Fresh contents for every input: RAM and the devices patterned, no page
 * dirty. */
static void reset(void)
{
    for (unsigned p = 0; p < AREA_PAGES; p++)
        if (page_kind[p] == RAM)
            for (unsigned i = 0; i < PAGE; i++)
                host[p][i] = (unsigned char)(p * 31 + i);
    for (unsigned i = 0; i < PAGE; i++) {
        other[i] = (unsigned char)(i ^ 0x5A);
        for (unsigned d = 0; d < 3; d++)
            strict[d].mem[i] = (unsigned char)(i * (d + 3));
    }
    snapshot(model);
    memset(written, 0, sizeof written);
    check_dirty(); /* clears what the last input left (nothing, when it passed) */
}

static void check_all(void)
{
    static unsigned char now[sizeof model];
    snapshot(now);
    if (memcmp(now, model, sizeof model) != 0)
        abort();
    check_dirty();
}

/* Records a successful write of model bytes at guest [addr, addr + len):
 * RAM pages dirty. */
static void note_written(uint64_t addr, uint64_t len)
{
    for (uint64_t b = 0; b < len; b++) {
        unsigned p = (unsigned)(model_index(addr + b) / PAGE);
        if (page_kind[p] == RAM)
            written[p] = 1;
    }
}

/* A segment from 5 input bytes: addresses mostly in and around the window,
 * sometimes near 2^64 or 0; lengths up to two pages, sometimes huge. */
static vmmem_dma_segment segment(const uint8_t *p)
{
    uint16_t a = (uint16_t)(p[0] | p[1] << 8), l = (uint16_t)(p[2] | p[3] << 8);
    vmmem_dma_segment s;
    if (a >= 0xF000u)
        s.addr = UINT64_MAX - (a & 0xFFFu);
    else if (a >= 0xE000u)
        s.addr = a & 0xFFFu;
    else
        s.addr = window_start() - 64 + a % (WINDOW + 128);
    s.len = l % (2 * PAGE + 1);
    if (p[4] % 16 == 15)
        s.len = UINT64_MAX - l; /* wraps, or exceeds every limit */
    return s;
}

/* Whether the model allows the part of a segment that lies in one device
 * page p, [first, first + len) of the page, for dir. */
static int device_piece_allowed(unsigned p, uint64_t first, uint64_t len, vmmem_dma_direction dir)
{
    const strict_device *d = strict_of(page_kind[p]);
    return !d || dir != VMMEM_DMA_TO_GUEST || (first % d->min == 0 && len % d->min == 0);
}

/* The model's verdict on a list for a direction: 1 when the transfer must
 * succeed. *total receives the list's total whenever its lengths are valid
 * (no wrap, within the limit), else 0: a refused list of valid lengths is
 * then moved with a buffer of that length, so that only the region rules
 * can refuse it. */
static int allowed(const vmmem_dma_segment *sg, size_t count, vmmem_dma_direction dir, uint64_t *total)
{
    uint64_t sum = 0;
    *total = 0;
    for (size_t i = 0; i < count; i++) {
        if (sg[i].len == 0)
            continue;
        if (sg[i].len - 1 > UINT64_MAX - sg[i].addr || sg[i].len > MAX_TOTAL - sum)
            return 0;
        sum += sg[i].len;
    }
    *total = sum;
    if (sum == 0)
        return 0;
    for (size_t i = 0; i < count; i++) {
        for (uint64_t b = 0; b < sg[i].len;) {
            int64_t at = model_index(sg[i].addr + b);
            if (at < 0)
                return 0;
            unsigned p = (unsigned)(at / PAGE);
            uint64_t first = (uint64_t)at % PAGE, run = PAGE - first < sg[i].len - b ? PAGE - first : sg[i].len - b;
            enum kind k = page_kind[p];
            if (k == HOLE || k == OWN_MMIO || (k == ROM && dir == VMMEM_DMA_TO_GUEST) ||
                !device_piece_allowed(p, first, run, dir))
                return 0;
            b += run;
        }
    }
    return 1;
}

/* Model bytes of guest [addr, addr + len) to or from buf. */
static void model_store(uint64_t addr, const unsigned char *buf, uint64_t len)
{
    for (uint64_t b = 0; b < len; b++)
        model[model_index(addr + b)] = buf[b];
    note_written(addr, len);
}

static void model_load(uint64_t addr, unsigned char *buf, uint64_t len)
{
    for (uint64_t b = 0; b < len; b++)
        buf[b] = model[model_index(addr + b)];
}

static int refused_code(int rc)
{
    return rc == VMMEM_EINVAL || rc == VMMEM_ERANGE || rc == VMMEM_EPERM || rc == VMMEM_EFAULT;
}

/* Any byte of list a within any byte of list b. */
static int lists_overlap(const vmmem_dma_segment *a, size_t na, const vmmem_dma_segment *b, size_t nb)
{
    for (size_t i = 0; i < na; i++)
        for (size_t j = 0; j < nb; j++)
            if (a[i].len && b[j].len && a[i].addr <= b[j].addr + (b[j].len - 1) &&
                b[j].addr <= a[i].addr + (a[i].len - 1))
                return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dev)
        setup();
    if (size < 1)
        return 0;
    reset();
    vmmem_dma_segment sg[MAX_SEGMENTS];
    size_t count = (size - 1) / SEGMENT_BYTES;
    if (count > MAX_SEGMENTS)
        count = MAX_SEGMENTS;
    for (size_t i = 0; i < count; i++)
        sg[i] = segment(data + 1 + i * SEGMENT_BYTES);
    static unsigned char buf[MAX_TOTAL + 64], expect[MAX_TOTAL + 64];
    uint64_t total = 0;
    int rc, ok;
    const int wrong_length = data[0] >= 0xF0; /* a valid list, a buffer one byte off */
    switch (data[0] % 6) {
    case 0: { /* into guest memory from a buffer */
        ok = allowed(sg, count, VMMEM_DMA_TO_GUEST, &total);
        size_t len = total ? (size_t)total : data[0] % 64;
        if (ok && wrong_length) {
            len = (data[0] >> 1) & 1 ? len + 1 : len - 1;
            ok = 0;
        }
        for (size_t i = 0; i < len; i++)
            buf[i] = (unsigned char)(data[0] + i * 3);
        rc = vmmem_dma_to_guest(dev, sg, count, buf, len);
        if (ok && rc == VMMEM_OK)
            for (size_t i = 0, at = 0; i < count; at += sg[i].len, i++)
                model_store(sg[i].addr, buf + at, sg[i].len);
        break;
    }
    case 1: /* out of guest memory into a buffer */
        ok = allowed(sg, count, VMMEM_DMA_FROM_GUEST, &total);
        memset(buf, 0xEE, sizeof buf);
        memcpy(expect, buf, sizeof buf);
        size_t want = total ? (size_t)total : 16;
        if (ok && wrong_length) {
            want = (data[0] >> 1) & 1 ? want + 1 : want - 1;
            ok = 0;
        }
        rc = vmmem_dma_from_guest(dev, sg, count, buf, want);
        if (ok)
            for (size_t i = 0, at = 0; i < count; at += sg[i].len, i++)
                model_load(sg[i].addr, expect + at, sg[i].len);
        if (memcmp(buf, expect, sizeof buf) != 0) /* exact bytes, nothing past them, nothing on refusal */
            abort();
        break;
    case 2: { /* guest to guest: the first half of the segments is the destination */
        size_t nd = count / 2, ns = count - nd;
        uint64_t dtotal = 0, stotal = 0;
        ok = allowed(sg, nd, VMMEM_DMA_TO_GUEST, &dtotal) && allowed(sg + nd, ns, VMMEM_DMA_FROM_GUEST, &stotal) &&
             dtotal == stotal;
        rc = vmmem_dma_guest_to_guest(dev, sg, nd, sg + nd, ns);
        if (ok && rc == VMMEM_OK) {
            if (lists_overlap(sg, nd, sg + nd, ns)) {
                snapshot(model); /* order-dependent by contract: only success is checked */
                for (size_t i = 0; i < nd; i++)
                    note_written(sg[i].addr, sg[i].len);
            } else {
                for (size_t i = 0, at = 0; i < ns; at += sg[nd + i].len, i++)
                    model_load(sg[nd + i].addr, buf + at, sg[nd + i].len);
                for (size_t i = 0, at = 0; i < nd; at += sg[i].len, i++)
                    model_store(sg[i].addr, buf + at, sg[i].len);
            }
        }
        break;
    }
    case 3: { /* a file into guest memory, from an offset that may run past its end */
        ok = allowed(sg, count, VMMEM_DMA_TO_GUEST, &total);
        uint64_t offset = (uint64_t)data[0] * 97 % (2 * FILE_BYTES), got = 0;
        rc = vmmem_dma_read_file(dev, sg, count, in_fd, offset, &got);
        if (ok && rc == VMMEM_OK) {
            uint64_t expect_got = offset >= FILE_BYTES ? 0 : FILE_BYTES - offset;
            if (got != (expect_got < total ? expect_got : total))
                abort();
            for (size_t i = 0, at = 0; i < count; at += sg[i].len, i++) {
                for (uint64_t b = 0; b < sg[i].len; b++)
                    model[model_index(sg[i].addr + b)] = offset + at + b < FILE_BYTES ? file_byte(offset + at + b) : 0;
                note_written(sg[i].addr, sg[i].len);
            }
        }
        break;
    }
    case 4: { /* guest memory into a file: the file holds the listed bytes after */
        ok = allowed(sg, count, VMMEM_DMA_FROM_GUEST, &total);
        uint64_t offset = (uint64_t)data[0] * 31 % FILE_BYTES;
        if (ftruncate(out_fd, 0) != 0)
            abort();
        rc = vmmem_dma_write_file(dev, sg, count, out_fd, offset);
        if (ok && rc == VMMEM_OK) {
            for (size_t i = 0, at = 0; i < count; at += sg[i].len, i++)
                model_load(sg[i].addr, expect + at, sg[i].len);
            if (pread(out_fd, buf, (size_t)total, (off_t)offset) != (ssize_t)total ||
                memcmp(buf, expect, (size_t)total) != 0)
                abort();
        } else if (lseek(out_fd, 0, SEEK_END) != 0) {
            abort(); /* a refused list wrote nothing */
        }
        break;
    }
    default: /* validation alone */
        ok = allowed(sg, count, (data[0] >> 2) & 1 ? VMMEM_DMA_TO_GUEST : VMMEM_DMA_FROM_GUEST, &total);
        uint64_t reported = 0;
        rc = vmmem_dma_check(dev, sg, count, (data[0] >> 2) & 1 ? VMMEM_DMA_TO_GUEST : VMMEM_DMA_FROM_GUEST, &reported);
        if (rc == VMMEM_OK && reported != total)
            abort();
        break;
    }
    if ((rc == VMMEM_OK) != (ok != 0) || (rc != VMMEM_OK && !refused_code(rc)))
        abort();
    check_all();
    return 0;
}
