/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/preload_call_bench.c - vmmem-preload-bench: what a call to memcpy
 * costs when libvmmem-preload.so serves it, against the C library's memcpy
 * and vmmem_memcpy_fast() from libvmmem.so, in one process. Run it with
 * LD_PRELOAD=libvmmem-preload.so (scripts/preload-ab.sh does).
 *
 * Each is reached the same way, through one function pointer the compiler
 * cannot see through: `memcpy` as this program binds it (the preload's),
 * the C library's own (dlsym on libc.so.6), and vmmem_memcpy_fast's
 * address (through libvmmem.so's PLT-free export). Hot buffers, sizes
 * where the entry's cost shows (8 B-4 KiB); rounds interleave the three
 * and each result is the median over rounds of the time per call.
 * Usage: vmmem-preload-bench [rounds] */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmmem/vmmem.h>

#define DEFAULT_ROUNDS 31
#define MAX_ROUNDS 1001
#define CALLS_PER_BATCH 20000
#define BUFFER_BYTES 8192

typedef void *(*copy_fn)(void *, const void *, size_t);

static const size_t sizes[] = {8, 16, 32, 64, 128, 256, 1024, 4096};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of a batch of copies of n bytes. */
static double time_batch(copy_fn volatile *fn, unsigned char *dst, const unsigned char *src, size_t n)
{
    double start = now_ns();
    for (int i = 0; i < CALLS_PER_BATCH; i++)
        (*fn)(dst, src, n);
    return (now_ns() - start) / CALLS_PER_BATCH;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : DEFAULT_ROUNDS;
    if (rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: %s [rounds 1..%d]\n", argv[0], MAX_ROUNDS);
        return 2;
    }
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    copy_fn libc_memcpy = libc ? (copy_fn)(size_t)dlsym(libc, "memcpy") : NULL;
    if (!libc_memcpy) {
        fprintf(stderr, "vmmem-preload-bench: cannot find the C library's memcpy\n");
        return 1;
    }
    Dl_info where;
    copy_fn bound = memcpy;
    const char *bound_to = dladdr((void *)(size_t)bound, &where) && where.dli_fname ? where.dli_fname : "?";
    struct {
        const char *name;
        copy_fn fn;
    } impls[] = {{"memcpy (as bound)", bound}, {"glibc memcpy", libc_memcpy}, {"vmmem_memcpy_fast", vmmem_memcpy_fast}};
    enum { IMPLS = sizeof impls / sizeof impls[0] };

    unsigned char *src = malloc(BUFFER_BYTES), *dst = malloc(BUFFER_BYTES);
    if (!src || !dst)
        return 1;
    for (size_t i = 0; i < BUFFER_BYTES; i++)
        src[i] = (unsigned char)i;
    static double samples[SIZE_COUNT][IMPLS][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++)
        for (size_t s = 0; s < SIZE_COUNT; s++)
            for (int k = 0; k < IMPLS; k++) {
                int i = (k + r) % IMPLS; /* rotate who goes first */
                copy_fn volatile fn = impls[i].fn;
                samples[s][i][r] = time_batch(&fn, dst, src, sizes[s]);
            }

    printf("memcpy is bound to %s; engine kernel %s; %d rounds x %d calls, median ns per call\n", bound_to,
           vmmem_isa_name(vmmem_active_isa()), rounds, CALLS_PER_BATCH);
    printf("%8s", "bytes");
    for (int i = 0; i < IMPLS; i++)
        printf("  %18s", impls[i].name);
    printf("\n");
    for (size_t s = 0; s < SIZE_COUNT; s++) {
        printf("%8zu", sizes[s]);
        for (int i = 0; i < IMPLS; i++) {
            qsort(samples[s][i], (size_t)rounds, sizeof(double), compare_double);
            printf("  %18.2f", samples[s][i][rounds / 2]);
        }
        printf("\n");
    }
    free(src);
    free(dst);
    return 0;
}
