/* bench_runner.c - batch timing loops, calibration and interleaved rounds. */
#include "bench_runner.h"
#include "bench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Full-period LCG modulo any power of two: walks every slot once per cycle
 * in an order the hardware prefetchers cannot follow. */
#define COLD_MUL 0x5851F42D4C957F2Dull
#define COLD_ADD 0x14057B7EF767814Full

/* The pointer is read through a volatile so the compiler cannot see which
 * function a loop calls; the empty asm after each call tells it the copied
 * memory is used, so no call can be dropped or merged. */
static bench_copy_fn opaque(bench_copy_fn fn)
{
    bench_copy_fn volatile v = fn;
    return v;
}

__attribute__((noinline)) static double batch_fixed(bench_copy_fn fn, unsigned char *dst,
                                                    const unsigned char *src, size_t n,
                                                    unsigned long iters)
{
    bench_copy_fn f = opaque(fn);
    double t0 = bench_now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        f(dst, src, n);
        __asm__ volatile("" ::: "memory");
    }
    return bench_now_ns() - t0;
}

__attribute__((noinline)) static double batch_cold(bench_copy_fn fn, struct bench_workload *w,
                                                   unsigned long iters)
{
    bench_copy_fn f = opaque(fn);
    unsigned char *dst = w->dst, *src = w->src;
    size_t n = w->size, slot = w->slot, mask = w->slot_mask, stride = w->slot_bytes;
    double t0 = bench_now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        slot = (size_t)(((uint64_t)slot * COLD_MUL + COLD_ADD) & mask);
        f(dst + slot * stride, src + slot * stride, n);
        __asm__ volatile("" ::: "memory");
    }
    double t = bench_now_ns() - t0;
    w->slot = slot;
    return t;
}

__attribute__((noinline)) static double batch_ops(bench_copy_fn fn, struct bench_workload *w,
                                                  unsigned long iters)
{
    bench_copy_fn f = opaque(fn);
    unsigned char *dst = w->dst, *src = w->src;
    const struct bench_op *ops = w->ops;
    size_t pos = w->op_pos, mask = w->ops_mask;
    double t0 = bench_now_ns();
    for (unsigned long i = 0; i < iters; i++) {
        const struct bench_op *op = &ops[pos];
        f(dst + op->dst_off, src + op->src_off, op->size);
        __asm__ volatile("" ::: "memory");
        pos = (pos + 1) & mask;
    }
    double t = bench_now_ns() - t0;
    w->op_pos = pos;
    return t;
}

void bench_workload_cold(struct bench_workload *w, unsigned char *src, unsigned char *dst,
                         size_t arena_bytes, size_t size)
{
    memset(w, 0, sizeof *w);
    w->kind = BENCH_WL_COLD;
    w->src = src;
    w->dst = dst;
    w->size = size;
    size_t slot = 64;
    while (slot < size + 64)
        slot <<= 1;
    size_t slots = 1;
    while (slots * 2 * slot <= arena_bytes)
        slots <<= 1;
    w->slot_bytes = slot;
    w->slot_mask = slots - 1;
    w->bytes_per_call = (double)size;
}

double bench_run_batch(struct bench_workload *w, bench_copy_fn fn, unsigned long iters)
{
    switch (w->kind) {
    case BENCH_WL_COLD:
        return batch_cold(fn, w, iters);
    case BENCH_WL_OPS:
        return batch_ops(fn, w, iters);
    case BENCH_WL_FIXED:
    default:
        return batch_fixed(fn, w->dst, w->src, w->size, iters);
    }
}

/* Doubles (or extrapolates) the call count until one batch lasts batch_ns.
 * The calibration batches are also the warm-up. */
static unsigned long calibrate(struct bench_workload *w, bench_copy_fn fn, double batch_ns)
{
    unsigned long iters = 1;
    for (int step = 0; step < 40; step++) {
        double t = bench_run_batch(w, fn, iters);
        if (t >= batch_ns)
            break;
        double grow = t > 0 ? batch_ns / t * 1.15 : 16.0;
        if (grow > 64.0)
            grow = 64.0;
        if (grow < 2.0)
            grow = 2.0;
        unsigned long next = (unsigned long)ceil((double)iters * grow);
        if (next > (1ul << 30))
            break;
        iters = next;
    }
    /* One more untimed batch at the final count: steady state. */
    if (iters > 1)
        (void)bench_run_batch(w, fn, iters);
    return iters;
}

int bench_measure(struct bench_workload *w, struct bench_impl *const *impls, size_t n, size_t ref,
                  const struct bench_measure_cfg *cfg, struct bench_measurement *out,
                  bench_progress_fn progress, void *ctx)
{
    unsigned rounds = cfg->rounds ? cfg->rounds : 1;
    double *ns = malloc(sizeof *ns * n * rounds);
    double *tmp = malloc(sizeof *tmp * rounds);
    unsigned long *iters = malloc(sizeof *iters * n);
    if (!ns || !tmp || !iters) {
        free(ns);
        free(tmp);
        free(iters);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        iters[i] = calibrate(w, impls[i]->fn, cfg->batch_ns);

    for (unsigned r = 0; r < rounds; r++) {
        for (size_t k = 0; k < n; k++) {
            size_t i = (k + r) % n;
            double t = bench_run_batch(w, impls[i]->fn, iters[i]);
            ns[i * rounds + r] = t / (double)iters[i];
        }
        if (progress)
            progress(ctx, r + 1, rounds);
    }

    for (size_t i = 0; i < n; i++) {
        double *row = &ns[i * rounds];
        double best = row[0];
        for (unsigned r = 0; r < rounds; r++) {
            if (row[r] < best)
                best = row[r];
            tmp[r] = ns[ref * rounds + r] / row[r];
        }
        out[i].speedup = bench_median(tmp, rounds);
        memcpy(tmp, row, sizeof *tmp * rounds);
        out[i].ns_median = bench_median(tmp, rounds);
        out[i].ns_best = best;
        out[i].iters = iters[i];
        out[i].rounds = rounds;
    }
    free(ns);
    free(tmp);
    free(iters);
    return 0;
}
