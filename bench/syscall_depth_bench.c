/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/syscall_depth_bench.c - vmmem-syscall-depth-bench: what a call
 * frame left open across a system call costs. The same pread() is made
 * from the caller directly and from the bottom of a chain of 12 nested
 * (not inlined) functions; the difference, per frame, is what each level of
 * a device's call chain down to its file read adds. On kernels that refill
 * the return stack buffer on the way back to user space (a Spectre-v2 /
 * SRSO mitigation), every return still pending after the call mispredicts.
 * This is why src/vm/dma_file.c and src/vm/virtio_blk.c inline their
 * helpers on the way to the read.
 *
 * Method: interleaved rounds of 4096 reads each (the order alternates), of
 * 512 B and of 64 KiB from a warm 64 MiB file; median ns per read over the
 * rounds for each depth, and the difference divided by 12.
 *
 * Usage: vmmem-syscall-depth-bench [--rounds N] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_machine.h"
#include "bench_stats.h"

#define NESTED_FRAMES 12
#define FILE_BYTES (64u << 20)
#define READS_PER_ROUND 4096u
#define DEFAULT_ROUNDS 31

static int fd;
static unsigned char *buf;
static size_t read_bytes;

__attribute__((noinline)) static long read_at(long offset)
{
    return pread(fd, buf, read_bytes, offset);
}

/* One level of the chain: calls the level below, then does something after
 * the call (so the compiler cannot turn it into a jump). */
#define LEVEL(k, below)                                      \
    __attribute__((noinline)) static long level##k(long o)   \
    {                                                        \
        long r = below(o);                                   \
        __asm__ volatile("" ::: "memory");                   \
        return r + 1;                                        \
    }
LEVEL(1, read_at)
LEVEL(2, level1)
LEVEL(3, level2)
LEVEL(4, level3)
LEVEL(5, level4)
LEVEL(6, level5)
LEVEL(7, level6)
LEVEL(8, level7)
LEVEL(9, level8)
LEVEL(10, level9)
LEVEL(11, level10)
LEVEL(12, level11)

/* ns per read of one round, through the chain or not. */
static double round_ns(int nested, long *offset)
{
    double t0 = bench_now_ns();
    for (unsigned i = 0; i < READS_PER_ROUND; i++) {
        *offset = (long)((*offset + (long)read_bytes) % (FILE_BYTES - read_bytes));
        long got = nested ? level12(*offset) - NESTED_FRAMES : read_at(*offset);
        if (got != (long)read_bytes) {
            fprintf(stderr, "vmmem-syscall-depth-bench: pread: %s\n", strerror(errno));
            exit(1);
        }
    }
    return (bench_now_ns() - t0) / READS_PER_ROUND;
}

int main(int argc, char **argv)
{
    int rounds = DEFAULT_ROUNDS;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--rounds") && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            rounds = atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: vmmem-syscall-depth-bench [--rounds N]\n");
            return 2;
        }
    }
    char path[] = "/tmp/vmmem-syscall-depth-XXXXXX";
    fd = mkstemp(path);
    buf = aligned_alloc(4096, 1u << 20);
    if (fd < 0 || !buf) {
        fprintf(stderr, "vmmem-syscall-depth-bench: setup: %s\n", strerror(errno));
        return 1;
    }
    unlink(path);
    memset(buf, 0x5A, 1u << 20);
    for (size_t off = 0; off < FILE_BYTES; off += 1u << 20)
        if (pwrite(fd, buf, 1u << 20, (off_t)off) != (ssize_t)(1u << 20)) {
            fprintf(stderr, "vmmem-syscall-depth-bench: writing the file: %s\n", strerror(errno));
            return 1;
        }

    struct bench_machine m;
    bench_machine_collect(&m);
    bench_machine_pin(&m, 1, -1);
    bench_machine_print(stdout, &m);
    printf("\nvmmem-syscall-depth-bench: %d rounds of %u reads; median ns per pread()\n\n", rounds,
           READS_PER_ROUND);
    printf("%-8s %12s %14s %14s\n", "bytes", "direct", "12 frames deep", "ns per frame");
    static const size_t sizes[] = { 512, 65536 };
    double *ns[2] = { calloc((size_t)rounds, sizeof(double)), calloc((size_t)rounds, sizeof(double)) };
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        read_bytes = sizes[k];
        long offset = 0;
        round_ns(0, &offset); /* warm-up */
        round_ns(1, &offset);
        for (int r = 0; r < rounds; r++)
            for (int j = 0; j < 2; j++) {
                int nested = (j + r) % 2;
                ns[nested][r] = round_ns(nested, &offset);
            }
        double direct = bench_median(ns[0], (size_t)rounds), deep = bench_median(ns[1], (size_t)rounds);
        printf("%-8zu %12.0f %14.0f %14.1f\n", sizes[k], direct, deep, (deep - direct) / NESTED_FRAMES);
    }
    free(ns[0]);
    free(ns[1]);
    free(buf);
    close(fd);
    return 0;
}
