/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* examples/simd_memcpy_example.c - the three copy calls, and a quick timing
 * against the C library's memcpy (a sanity check, not the benchmark: run
 * `make bench` for that). Exits non-zero if any copy is wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmmem/vmmem.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* ns per copy of n bytes with fn, best of a few batches. */
static double time_copy(void *(*fn)(void *, const void *, size_t), void *dst, const void *src, size_t n)
{
    double best = 1e30;
    size_t reps = n < 4096 ? 100000 : (size_t)(400u << 20) / n + 1;
    for (int batch = 0; batch < 5; batch++) {
        double t0 = now_ns();
        for (size_t i = 0; i < reps; i++) {
            fn(dst, src, n);
            __asm__ volatile("" : : "r"(dst) : "memory"); /* keep every copy */
        }
        double per = (now_ns() - t0) / reps;
        if (per < best)
            best = per;
    }
    return best;
}

static void *libc_memcpy(void *dst, const void *src, size_t n)
{
    return memcpy(dst, src, n);
}

int main(void)
{
    enum { N = 1 << 20 };
    unsigned char *src = malloc(N), *dst = malloc(N);
    if (!src || !dst)
        return 1;
    for (size_t i = 0; i < N; i++)
        src[i] = (unsigned char)(i * 7 + 3);

    /* 1. General use: the best SIMD kernel for this CPU. */
    vmmem_memcpy_fast(dst, src, 4096);
    int ok = memcmp(dst, src, 4096) == 0;

    /* 2. Let the library pick the strategy by size (SIMD, rep movsb, non-temporal). */
    vmmem_memcpy_adaptive(dst, src, N);
    ok &= memcmp(dst, src, N) == 0;

    /* 3. Your own threshold: below 256 bytes use the C library, above it the engine. */
    vmmem_memcpy_adaptive_with_threshold(dst, src, 100, 256);
    ok &= memcmp(dst, src, 100) == 0;

    printf("vmmem picked the %s kernel; copies %s\n", vmmem_isa_name(vmmem_active_isa()),
           ok ? "correct" : "WRONG");

    printf("%10s %14s %14s %8s\n", "bytes", "memcpy ns", "vmmem ns", "ratio");
    const size_t sizes[] = {64, 1024, 4096, 65536, N};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double libc = time_copy(libc_memcpy, dst, src, sizes[i]);
        double ours = time_copy(vmmem_memcpy_fast, dst, src, sizes[i]);
        printf("%10zu %14.1f %14.1f %7.2fx\n", sizes[i], libc, ours, libc / ours);
    }
    free(src);
    free(dst);
    return ok ? 0 : 1;
}
