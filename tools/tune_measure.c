/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/tune_measure.c - timing for vmmem-tune (see tune_measure.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity, CPU_SET */
#endif
#include "tune_measure.h"
#include "tune_core.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TUNE_MAX_ROUNDS 255

/* Keeps the compiler from merging, hoisting or dropping the copies. */
#define TUNE_BARRIER() __asm__ volatile("" ::: "memory")

double tune_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Small copies take a few cycles, and the place of this loop in the cache
 * lines can move the result by one: the loop lives in its own function,
 * 64-byte aligned, so edits elsewhere do not move it. */
__attribute__((noinline, aligned(64))) static double time_batch(const struct tune_series *s,
                                                                 unsigned long iters)
{
    tune_copy_fn fn = s->fn;
    void *dst = s->dst;
    const void *src = s->src;
    size_t n = s->n;
    double t0 = tune_now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        fn(dst, src, n);
        TUNE_BARRIER();
    }
    return tune_now_ns() - t0;
}

static int check_copy(const struct tune_series *s)
{
    return memcmp(s->dst, s->src, s->n) == 0 ? 0 : -1;
}

static unsigned clamp_rounds(unsigned rounds)
{
    if (rounds == 0)
        return 1;
    return rounds > TUNE_MAX_ROUNDS ? TUNE_MAX_ROUNDS : rounds;
}

/* Times every series `rounds` times, round-robin with a rotating start so
 * that no series always runs first, and keeps each one's median ns per copy
 * (batches of s[i].iters copies). */
static int median_of_rounds(struct tune_series *s, unsigned count, unsigned rounds)
{
    double *t = malloc(sizeof *t * (size_t)count * rounds);
    if (!t)
        return -1;
    for (unsigned r = 0; r < rounds; r++)
        for (unsigned k = 0; k < count; k++) {
            unsigned i = (r + k) % count;
            t[(size_t)i * rounds + r] = time_batch(&s[i], s[i].iters) / (double)s[i].iters;
        }
    for (unsigned i = 0; i < count; i++)
        s[i].ns = tune_median(&t[(size_t)i * rounds], rounds);
    free(t);
    return 0;
}

int tune_run_batches(struct tune_series *s, unsigned count, unsigned rounds, double min_batch_ns)
{
    rounds = clamp_rounds(rounds);
    int status = 0;
    for (unsigned i = 0; i < count; i++) {
        memset(s[i].dst, 0x5a, s[i].n);
        unsigned long iters = 1;
        while (iters < (1ul << 30) && time_batch(&s[i], iters) < min_batch_ns)
            iters *= 2;
        s[i].iters = iters;
        time_batch(&s[i], iters); /* warm-up at the final count */
        s[i].ns = 0.0;
        if (check_copy(&s[i]) != 0)
            status = -1;
    }
    return status ? status : median_of_rounds(s, count, rounds);
}

int tune_run_single(struct tune_series *s, unsigned count, unsigned rounds)
{
    rounds = clamp_rounds(rounds);
    int status = 0;
    for (unsigned i = 0; i < count; i++) {
        memset(s[i].dst, 0x5a, s[i].n);
        s[i].iters = 1;
        time_batch(&s[i], 1);
        s[i].ns = 0.0;
        if (check_copy(&s[i]) != 0)
            status = -1;
    }
    return status ? status : median_of_rounds(s, count, rounds);
}

int tune_pin(int cpu, char *note, size_t note_cap)
{
#if defined(__linux__)
    if (cpu < 0)
        cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        snprintf(note, note_cap, "not pinned (no CPU number: %s)", strerror(errno));
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        snprintf(note, note_cap, "not pinned (sched_setaffinity CPU %d: %s)", cpu, strerror(errno));
        return -1;
    }
    snprintf(note, note_cap, "pinned to CPU %d", cpu);
    return cpu;
#else
    (void)cpu;
    snprintf(note, note_cap, "not pinned (no sched_setaffinity on this system)");
    return -1;
#endif
}
