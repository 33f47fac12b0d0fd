/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/blk_bench.c - vmmem-blk-bench: reads through the emulated virtio
 * block device (descriptor chain in guest memory, DMA with preadv straight
 * into guest RAM, status, used ring) against pread() into a plain host
 * buffer of the same size, from the same warm file, for 4 KiB, 64 KiB and
 * 1 MiB requests. The device runs with the data in one segment, in 4 KiB
 * descriptors on contiguous guest pages, and in 4 KiB descriptors on
 * scattered guest pages (every other page: one iovec each for the kernel).
 * Two control rows separate what the destination costs from what the
 * device adds: pread() straight into the guest's data buffer, and preadv()
 * straight into the scattered guest pages.
 *
 * Method: rounds interleave the paths (the order rotates); each round times a batch of
 * requests per path; the report gives the median ns per request over the
 * rounds and the ratio to pread measured in the same run (throughput ratio:
 * pread ns / device ns; >= 1 means the device path is as fast). The device
 * time includes the guest driver's part (writing the header's sector and
 * publishing the available index, plain stores to its ring memory) and
 * checking status and used index.
 *
 * Usage: vmmem-blk-bench [--quick] [--rounds N] [--size BYTES] [--file PATH]
 *   --size  one request size only (a multiple of 512, at most 1 MiB)
 *   --file  where to create the 128 MiB image (it must not exist; it is
 *           removed at once); default: a temporary file in $TMPDIR or /tmp */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

#include "bench_machine.h"
#include "bench_stats.h"

/* Guest layout and sizes. */
#define IMAGE_BYTES (128u << 20) /* larger than L3, within the page cache */
#define RAM_BYTES (8u << 20)
#define QSIZE 512u               /* 1 MiB in 4 KiB pages + header + status fits */
#define DESC 0x1000u
#define AVAIL 0x4000u
#define USED 0x5000u
#define HEADER 0x8000u
#define STATUS 0x8100u
#define RING_PAGES 0x10000u      /* the rings, header and status lie below this */
#define DATA 0x100000u           /* the guest's data buffers: 2 MiB from here, page aligned */
#define PAGE 4096u
#define SCATTER_STRIDE (2 * PAGE) /* scattered pages: every other guest page */
#define MAX_REQUEST (1u << 20)

/* Bytes moved per path per round: enough requests that the clock reads are
 * noise, few enough that a round takes milliseconds. */
#define ROUND_BYTES (16u << 20)
#define QUICK_ROUND_BYTES (1u << 20)
#define DEFAULT_ROUNDS 31
#define QUICK_ROUNDS 3

static vmmem_guest_memory *gm;
static vmmem_virtio_blk *blk;
static uint16_t avail_idx;

static void fail(const char *what, int rc)
{
    fprintf(stderr, "vmmem-blk-bench: %s: %s\n", what, rc ? vmmem_strerror(rc) : strerror(errno));
    exit(1);
}

static void check(int rc, const char *what)
{
    if (rc != VMMEM_OK)
        fail(what, rc);
}

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    vmmem_gpa d = DESC + 16u * i;
    check(vmmem_guest_write_le64(gm, d, addr), "descriptor");
    check(vmmem_guest_write_le32(gm, d + 8, len), "descriptor");
    check(vmmem_guest_write_le16(gm, d + 12, flags), "descriptor");
    check(vmmem_guest_write_le16(gm, d + 14, next), "descriptor");
}

/* The guest driver's chain for an IN of `bytes` into DATA, in descriptors
 * of `seg` bytes placed `stride` bytes apart: header, data, status. It
 * stays in place for every request of that shape; only the header's sector
 * changes. */
static void build_chain(uint32_t bytes, uint32_t seg, uint32_t stride)
{
    uint16_t n = (uint16_t)((bytes + seg - 1) / seg);
    put_desc(0, HEADER, 16, VMMEM_VIRTQ_DESC_F_NEXT, 1);
    for (uint16_t i = 0; i < n; i++)
        put_desc((uint16_t)(1 + i), DATA + (uint64_t)i * stride, seg,
                 VMMEM_VIRTQ_DESC_F_WRITE | VMMEM_VIRTQ_DESC_F_NEXT, (uint16_t)(2 + i));
    put_desc((uint16_t)(1 + n), STATUS, 1, VMMEM_VIRTQ_DESC_F_WRITE, 0);
    check(vmmem_guest_write_le32(gm, HEADER, VMMEM_VIRTIO_BLK_T_IN), "header");
    check(vmmem_guest_write_le32(gm, HEADER + 4, 0), "header");
}

/* One request through the device, as the guest and the VMM see it. The
 * guest's part is what a guest CPU does: plain stores and loads on its
 * rings (here through a translated pointer to the ring page). */
static void device_read(uint64_t offset)
{
    void *p;
    vmmem_guest_enter(gm); /* the guest's view of its ring page, across the request */
    check(vmmem_guest_translate(gm, 0, RING_PAGES, VMMEM_ACCESS_WRITE, &p), "rings");
    unsigned char *g = p;
    uint64_t sector = htole64(offset / VMMEM_VIRTIO_BLK_SECTOR_SIZE);
    uint16_t head = 0;
    memcpy(g + HEADER + 8, &sector, sizeof sector);
    memcpy(g + AVAIL + 4 + 2u * (avail_idx % QSIZE), &head, sizeof head);
    __atomic_store_n((uint16_t *)(g + AVAIL + 2), htole16(++avail_idx), __ATOMIC_RELEASE);

    unsigned done;
    check(vmmem_virtio_blk_process(blk, &done), "process");

    uint16_t used = le16toh(__atomic_load_n((uint16_t *)(g + USED + 2), __ATOMIC_ACQUIRE));
    uint8_t status = g[STATUS];
    vmmem_guest_exit(gm);
    if (done != 1 || used != avail_idx || status != VMMEM_VIRTIO_BLK_S_OK) {
        fprintf(stderr, "vmmem-blk-bench: request failed (done %u, status %u)\n", done, status);
        exit(1);
    }
}

static void host_read(int fd, void *buf, size_t bytes, uint64_t offset)
{
    size_t got = 0;
    while (got < bytes) {
        ssize_t n = pread(fd, (unsigned char *)buf + got, bytes - got, (off_t)(offset + got));
        if (n <= 0)
            fail("pread", 0);
        got += (size_t)n;
    }
}

/* Fills the control's iovecs: the scattered guest pages of a request of
 * `bytes` (inside a read-side section, like the device's). */
static int scattered_iov(struct iovec *iov, uint32_t bytes)
{
    int n = 0;
    for (uint32_t done = 0; done < bytes; done += PAGE, n++) {
        void *p;
        uint32_t len = bytes - done < PAGE ? bytes - done : PAGE;
        check(vmmem_guest_translate(gm, DATA + (uint64_t)n * SCATTER_STRIDE, len, VMMEM_ACCESS_WRITE, &p), "data");
        iov[n] = (struct iovec){ p, len };
    }
    return n;
}

static void host_readv(int fd, const struct iovec *iov, int count, size_t bytes, uint64_t offset)
{
    ssize_t n = preadv(fd, iov, count, (off_t)offset);
    if (n != (ssize_t)bytes) /* a warm regular file: no short reads */
        fail("preadv", 0);
}

enum { PATH_PREAD, PATH_PREAD_GUEST, PATH_PREADV_SCATTERED, PATH_DEV_ONE, PATH_DEV_PAGES, PATH_DEV_SCATTERED, PATHS };
static const char *const path_names[PATHS] = { "pread", "pread into guest RAM", "preadv, scattered pages",
                                               "device, 1 segment", "device, 4 KiB pages", "device, scattered pages" };

/* ns per request of one batch on one path. */
static double run_batch(int path, int fd, unsigned char *host, uint32_t bytes, unsigned count, uint64_t *cursor)
{
    uint32_t page = bytes < PAGE ? bytes : PAGE;
    if (path == PATH_DEV_ONE) /* the driver's chain is set up once, not timed */
        build_chain(bytes, bytes, bytes);
    else if (path == PATH_DEV_PAGES)
        build_chain(bytes, page, page);
    else if (path == PATH_DEV_SCATTERED)
        build_chain(bytes, page, SCATTER_STRIDE);
    void *guest_data = NULL;
    static struct iovec iov[MAX_REQUEST / PAGE];
    int iov_count = 0;
    if (path == PATH_PREAD_GUEST || path == PATH_PREADV_SCATTERED) { /* the controls */
        vmmem_guest_enter(gm);
        if (path == PATH_PREAD_GUEST)
            check(vmmem_guest_translate(gm, DATA, MAX_REQUEST, VMMEM_ACCESS_WRITE, &guest_data), "data");
        else
            iov_count = scattered_iov(iov, bytes);
    }
    double t0 = bench_now_ns();
    for (unsigned i = 0; i < count; i++) {
        uint64_t offset = *cursor;
        *cursor = (*cursor + bytes) % (IMAGE_BYTES - MAX_REQUEST + bytes);
        if (path == PATH_PREAD)
            host_read(fd, host, bytes, offset);
        else if (path == PATH_PREAD_GUEST)
            host_read(fd, guest_data, bytes, offset);
        else if (path == PATH_PREADV_SCATTERED)
            host_readv(fd, iov, iov_count, bytes, offset);
        else
            device_read(offset);
    }
    double ns = (bench_now_ns() - t0) / count;
    if (path == PATH_PREAD_GUEST || path == PATH_PREADV_SCATTERED)
        vmmem_guest_exit(gm);
    return ns;
}

int main(int argc, char **argv)
{
    int rounds = DEFAULT_ROUNDS;
    size_t round_bytes = ROUND_BYTES;
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/vmmem-blk-bench-XXXXXX", dir);
    int file_given = 0;
    uint32_t only_size = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            rounds = QUICK_ROUNDS;
            round_bytes = QUICK_ROUND_BYTES;
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            only_size = (uint32_t)strtoul(argv[++i], NULL, 0);
            if (only_size == 0 || only_size % VMMEM_VIRTIO_BLK_SECTOR_SIZE || only_size > MAX_REQUEST) {
                fprintf(stderr, "vmmem-blk-bench: --size must be a multiple of 512 up to 1 MiB\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
            snprintf(path, sizeof path, "%s", argv[++i]);
            file_given = 1;
        } else {
            fprintf(stderr, "usage: vmmem-blk-bench [--quick] [--rounds N] [--size BYTES] [--file PATH]\n");
            return 2;
        }
    }
    if (rounds < 1) {
        fprintf(stderr, "vmmem-blk-bench: --rounds must be at least 1\n");
        return 2;
    }
    int fd = file_given ? open(path, O_RDWR | O_CREAT | O_EXCL, 0600) : mkstemp(path);
    if (fd < 0)
        fail(path, 0);
    unlink(path);

    /* The image, written and read once so the page cache is warm. */
    unsigned char *host = aligned_alloc(PAGE, MAX_REQUEST);
    if (!host)
        fail("memory", 0);
    for (size_t i = 0; i < MAX_REQUEST; i++)
        host[i] = (unsigned char)(i * 7 + 1);
    for (uint64_t off = 0; off < IMAGE_BYTES; off += MAX_REQUEST)
        if (pwrite(fd, host, MAX_REQUEST, (off_t)off) != (ssize_t)MAX_REQUEST)
            fail("writing the image", 0);
    for (uint64_t off = 0; off < IMAGE_BYTES; off += MAX_REQUEST)
        host_read(fd, host, MAX_REQUEST, off);

    check(vmmem_guest_memory_create(&gm), "guest memory");
    check(vmmem_guest_add_ram(gm, 0, RAM_BYTES, NULL), "guest RAM");
    vmmem_dma_device *dma;
    vmmem_dma_config dcfg = { .gm = gm };
    check(vmmem_dma_device_create(&dcfg, &dma), "DMA context");
    vmmem_virtio_blk_config cfg = { dma, fd, "bench", { QSIZE, DESC, AVAIL, USED } };
    check(vmmem_virtio_blk_create(&cfg, &blk), "virtio-blk");

    struct bench_machine m;
    bench_machine_collect(&m);
    bench_machine_pin(&m, 1, -1); /* one CPU: no migration between the paths' batches */
    bench_machine_print(stdout, &m);
    printf("\nvmmem-blk-bench: %d rounds, %zu MiB per path per round, image %u MiB (page cache warm)\n"
           "ns per request: median over rounds; ratio = pread ns / path ns (throughput ratio)\n\n",
           rounds, round_bytes >> 20, IMAGE_BYTES >> 20);
    printf("%-8s %-24s %12s %10s %8s\n", "bytes", "path", "ns/request", "GB/s", "ratio");

    static const uint32_t default_sizes[] = { 4096, 65536, 1u << 20 };
    const uint32_t *sizes = only_size ? &only_size : default_sizes;
    size_t size_count = only_size ? 1 : sizeof default_sizes / sizeof default_sizes[0];
    for (size_t s = 0; s < size_count; s++) {
        uint32_t bytes = sizes[s];
        unsigned count = (unsigned)(round_bytes / bytes);
        if (count == 0)
            count = 1;
        double *ns[PATHS];
        for (int p = 0; p < PATHS; p++)
            ns[p] = calloc((size_t)rounds, sizeof(double));
        /* Each path starts a sixth of the image further: within a round the
         * paths read different parts of the file, so none finds its source
         * left in the cache by the path before it (a batch is 16 MiB, a sixth
         * of the image over 21 MiB, the L3 32 MiB). */
        uint64_t cursor[PATHS];
        for (int p = 0; p < PATHS; p++)
            cursor[p] = (uint64_t)p * (IMAGE_BYTES / PATHS) / bytes * bytes;
        for (int p = 0; p < PATHS; p++) /* warm-up batch */
            run_batch(p, fd, host, bytes, count, &cursor[p]);
        for (int r = 0; r < rounds; r++)
            for (int k = 0; k < PATHS; k++) {
                int p = (k + r) % PATHS; /* rotate the order */
                ns[p][r] = run_batch(p, fd, host, bytes, count, &cursor[p]);
            }
        double med[PATHS];
        for (int p = 0; p < PATHS; p++) {
            med[p] = bench_median(ns[p], (size_t)rounds);
            free(ns[p]);
        }
        for (int p = 0; p < PATHS; p++)
            printf("%-8u %-24s %12.0f %10.2f %8.3f\n", bytes, path_names[p], med[p], bytes / med[p],
                   med[PATH_PREAD] / med[p]);
    }
    vmmem_virtio_blk_destroy(blk);
    vmmem_dma_device_destroy(dma);
    vmmem_guest_memory_destroy(gm);
    free(host);
    close(fd);
    return 0;
}
