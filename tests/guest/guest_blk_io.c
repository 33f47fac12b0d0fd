/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/guest/guest_blk_io.c - the workload of `make test-guest` and
 * `make bench-vhost`, built twice from this one file:
 *
 *   guest_blk_io guest DEV MIB PASSES   (static, in the guest's initramfs)
 *     One worker per CPU (2 with -smp 2), each pinned to its CPU, so that
 *     blk-mq sends each worker's requests on its own queue. Worker w owns
 *     MIB MiB of DEV from w * MIB MiB; each pass writes it in chunks of
 *     512 B to 1 MiB (O_DIRECT, sizes below the device's logical block
 *     size are left out), reads every chunk back (O_DIRECT) and compares,
 *     then fsync()s (a virtio-blk FLUSH). Prints one result line:
 *     "guest-blk-io: PASS workers=2 queues=2 written=... read=... io_ms=... MBps=... boot_ms=..."
 *     or "guest-blk-io: FAIL <what>".
 *
 *   guest_blk_io check IMAGE MIB PASSES WORKERS BLOCK  (on the host)
 *     Checks that the image holds what the last pass wrote. Exit 0 when it
 *     does, 1 (with the first differing offset) when not.
 *
 * The data: the 8-byte word at disk offset o in pass p is mix(o, p), so
 * a chunk written to the wrong place, a stale pass or a torn request
 * shows up. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024u * 1024u)
#define MAX_WORKERS 8
#define ALIGN 4096u /* O_DIRECT buffers: a page */
#define RESULT "guest-blk-io:"

/* Request sizes, in the order each worker writes them; sum 1.75 MiB + 13.5 KiB. */
static const uint32_t chunk_sizes[] = { 512, 1024, 4096, 8192, 65536, 131072, 524288, 1048576 };
#define NCHUNKS (sizeof chunk_sizes / sizeof chunk_sizes[0])

static uint64_t mix(uint64_t offset, uint64_t pass)
{
    uint64_t z = offset + pass * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void fill(unsigned char *buf, uint64_t offset, uint32_t len, uint64_t pass)
{
    for (uint32_t i = 0; i < len; i += 8) {
        uint64_t w = mix(offset + i, pass);
        memcpy(buf + i, &w, 8);
    }
}

/* The next chunk at `offset` of a worker area ending at `end`: the size
 * that comes next in the cycle, skipping sizes below the block size and
 * shrinking to what is left. Returns 0 at the end. */
static uint32_t next_chunk(unsigned *cursor, uint64_t offset, uint64_t end, uint32_t block)
{
    if (offset >= end)
        return 0;
    uint32_t size;
    do
        size = chunk_sizes[(*cursor)++ % NCHUNKS];
    while (size < block);
    if (size > end - offset)
        size = (uint32_t)(end - offset);
    return size;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One worker's passes; returns 0 or prints why it failed and returns 1. */
static int worker(const char *dev, unsigned w, uint64_t area, unsigned passes, uint32_t block, uint64_t *moved)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(w, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        printf(RESULT " FAIL worker %u: sched_setaffinity: %s\n", w, strerror(errno));
        return 1;
    }
    int fd = open(dev, O_RDWR | O_DIRECT);
    unsigned char *buf = aligned_alloc(ALIGN, MIB), *back = aligned_alloc(ALIGN, MIB);
    if (fd < 0 || !buf || !back) {
        printf(RESULT " FAIL worker %u: open %s: %s\n", w, dev, strerror(errno));
        return 1;
    }
    uint64_t start = w * area, end = start + area;
    for (unsigned p = 0; p < passes; p++) {
        unsigned cursor = 0;
        uint32_t n;
        for (uint64_t off = start; (n = next_chunk(&cursor, off, end, block)) != 0; off += n) {
            fill(buf, off, n, p);
            if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n) {
                printf(RESULT " FAIL worker %u: write of %u at %" PRIu64 ": %s\n", w, n, off, strerror(errno));
                return 1;
            }
            moved[0] += n;
        }
        cursor = 0;
        for (uint64_t off = start; (n = next_chunk(&cursor, off, end, block)) != 0; off += n) {
            if (pread(fd, back, n, (off_t)off) != (ssize_t)n) {
                printf(RESULT " FAIL worker %u: read of %u at %" PRIu64 ": %s\n", w, n, off, strerror(errno));
                return 1;
            }
            fill(buf, off, n, p);
            if (memcmp(buf, back, n) != 0) {
                printf(RESULT " FAIL worker %u: pass %u: %u bytes read at %" PRIu64 " differ from those written\n", w,
                       p, n, off);
                return 1;
            }
            moved[1] += n;
        }
        if (fsync(fd) != 0) {
            printf(RESULT " FAIL worker %u: fsync (flush): %s\n", w, strerror(errno));
            return 1;
        }
    }
    close(fd);
    return 0;
}

/* Hardware queues of the block device (blk-mq's /sys/block/NAME/mq/N). */
static int count_queues(const char *dev)
{
    char path[128];
    const char *name = strrchr(dev, '/');
    snprintf(path, sizeof path, "/sys/block/%s/mq", name ? name + 1 : dev);
    DIR *d = opendir(path);
    int n = 0;
    if (!d)
        return -1;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static double uptime_ms(void)
{
    double up = -1;
    FILE *f = fopen("/proc/uptime", "r");
    if (f) {
        if (fscanf(f, "%lf", &up) != 1)
            up = -1;
        fclose(f);
    }
    return up * 1e3;
}

static int run_guest(const char *dev, uint64_t mib, unsigned passes)
{
    double boot_ms = uptime_ms();
    int fd = open(dev, O_RDONLY);
    int block = 512;
    uint64_t bytes = 0;
    if (fd < 0 || ioctl(fd, BLKSSZGET, &block) != 0 || ioctl(fd, BLKGETSIZE64, &bytes) != 0) {
        printf(RESULT " FAIL %s: %s\n", dev, strerror(errno));
        return 1;
    }
    close(fd);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned workers = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : (unsigned)cpus;
    uint64_t area = mib * MIB;
    if (area * workers > bytes) {
        printf(RESULT " FAIL %s holds %" PRIu64 " bytes, fewer than %u workers x %" PRIu64 " MiB\n", dev, bytes,
               workers, mib);
        return 1;
    }
    /* Each worker reports the bytes it wrote and read here. */
    uint64_t *moved = mmap(NULL, sizeof(uint64_t) * 2 * MAX_WORKERS, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (moved == MAP_FAILED)
        return 1;
    printf(RESULT " start workers=%u MiB=%" PRIu64 " passes=%u\n", workers, mib, passes);
    double t0 = now_ms();
    for (unsigned w = 0; w < workers; w++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(worker(dev, w, area, passes, (uint32_t)block, moved + 2 * w));
    }
    int failed = 0, status;
    while (wait(&status) > 0)
        failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
    double ms = now_ms() - t0;
    if (failed)
        return 1; /* the worker printed why */
    uint64_t written = 0, read = 0;
    for (unsigned w = 0; w < workers; w++) {
        written += moved[2 * w];
        read += moved[2 * w + 1];
    }
    printf(RESULT " PASS workers=%u queues=%d block=%d written=%" PRIu64 " read=%" PRIu64
                  " io_ms=%.0f MBps=%.1f boot_ms=%.0f\n",
           workers, count_queues(dev), block, written, read, ms, (written + read) / 1e3 / ms, boot_ms);
    return 0;
}

static int run_check(const char *image, uint64_t mib, unsigned passes, unsigned workers, uint32_t block)
{
    FILE *f = fopen(image, "rb");
    unsigned char *buf = malloc(MIB), *want = malloc(MIB);
    if (!f || !buf || !want) {
        fprintf(stderr, "check: cannot open %s\n", image);
        return 1;
    }
    uint64_t area = mib * MIB;
    for (unsigned w = 0; w < workers; w++) {
        unsigned cursor = 0;
        uint32_t n;
        for (uint64_t off = w * area; (n = next_chunk(&cursor, off, (w + 1) * area, block)) != 0; off += n) {
            if (fseeko(f, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, n, f) != n) {
                fprintf(stderr, "check: %s: short read at %" PRIu64 "\n", image, off);
                return 1;
            }
            fill(want, off, n, passes - 1);
            if (memcmp(buf, want, n) != 0) {
                uint32_t i = 0;
                while (buf[i] == want[i])
                    i++;
                fprintf(stderr, "check: %s differs at byte %" PRIu64 " (chunk of %u at %" PRIu64 ")\n", image,
                        off + i, n, off);
                return 1;
            }
        }
    }
    printf("check: %s holds the guest's last pass (%u workers x %" PRIu64 " MiB)\n", image, workers, mib);
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 5 && strcmp(argv[1], "guest") == 0)
        return run_guest(argv[2], strtoull(argv[3], NULL, 10), (unsigned)strtoul(argv[4], NULL, 10));
    if (argc == 7 && strcmp(argv[1], "check") == 0)
        return run_check(argv[2], strtoull(argv[3], NULL, 10), (unsigned)strtoul(argv[4], NULL, 10),
                         (unsigned)strtoul(argv[5], NULL, 10), (uint32_t)strtoul(argv[6], NULL, 10));
    fprintf(stderr, "usage: guest_blk_io guest DEV MIB PASSES | check IMAGE MIB PASSES WORKERS BLOCK\n");
    return 2;
}
