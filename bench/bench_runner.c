/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_runner.c - the pointer-mode loops, cache eviction, batch
 * calibration and the shuffled interleaved rounds. */
#include "bench_runner.h"
#include "bench_loop_template.h"
#include "bench_rng.h"
#include "bench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

/* The pointer is read through a volatile, so the compiler cannot see which
 * function a pointer-mode loop calls. */
static bench_copy_fn opaque(bench_copy_fn fn)
{
    bench_copy_fn volatile v = fn;
    return v;
}

#define POINTER_SETUP bench_copy_fn f = opaque(fn)
#define POINTER_CALL(d, s, n) f((d), (s), (n))
BENCH_DEFINE_LOOPS(pointer, POINTER_SETUP, POINTER_CALL);
const struct bench_loops bench_pointer_loops = BENCH_LOOPS_INIT(pointer);

static volatile uint64_t evict_sink;

void bench_evict_caches(const struct bench_workload *w)
{
    const unsigned char *p = w->evict;
    uint64_t acc = 0;
    for (size_t i = 0; i + 64 <= w->evict_bytes; i += 64)
        acc += p[i];
    evict_sink = acc;
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

double bench_run_batch(struct bench_workload *w, const struct bench_impl *impl, unsigned long iters)
{
    const struct bench_loops *l = impl->loops ? impl->loops : &bench_pointer_loops;
    switch (w->kind) {
    case BENCH_WL_COLD:
        return l->cold(w, impl->fn, iters);
    case BENCH_WL_EVICT:
        return l->evict(w, impl->fn, iters);
    case BENCH_WL_OPS:
        return l->ops(w, impl->fn, iters);
    case BENCH_WL_FIXED:
    default:
        return l->fixed(w, impl->fn, iters);
    }
}

/* Grows the call count until one batch lasts batch_ns; a mix runs whole
 * passes over its sequence, so that every batch of every implementation
 * makes the same calls. The calibration batches are also the warm-up. */
static unsigned long calibrate(struct bench_workload *w, const struct bench_impl *impl,
                               double batch_ns)
{
    /* A swept-cache call is one per batch: the sweep, untimed, costs far
     * more than most calls, and a batch sized on timed time alone would
     * sweep for minutes around a short call. */
    if (w->kind == BENCH_WL_EVICT) {
        (void)bench_run_batch(w, impl, 1);
        return 1;
    }
    unsigned long pass = w->kind == BENCH_WL_OPS ? (unsigned long)w->ops_mask + 1 : 1;
    unsigned long iters = pass;
    for (int step = 0; step < 40; step++) {
        double t = bench_run_batch(w, impl, iters);
        if (t >= batch_ns)
            break;
        double grow = t > 0 ? batch_ns / t * 1.15 : 16.0;
        if (grow > 64.0)
            grow = 64.0;
        if (grow < 2.0)
            grow = 2.0;
        unsigned long next = (unsigned long)ceil((double)iters * grow);
        next = (next + pass - 1) / pass * pass;
        if (next > (1ul << 30))
            break;
        iters = next;
    }
    /* One more untimed batch at the final count: steady state. */
    if (iters > 1)
        (void)bench_run_batch(w, impl, iters);
    return iters;
}

/* Context switches of this thread so far (involuntary and voluntary). */
static long context_switches(void)
{
#ifdef RUSAGE_THREAD
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0)
        return ru.ru_nivcsw + ru.ru_nvcsw;
#endif
    return 0;
}

/* One timed batch, rerun (up to BENCH_MAX_RERUNS times) when the thread was
 * switched out during it and it is short enough to be rerun cheaply: the
 * time would be the other process's, not the copy's. After a switch out
 * between two batches, whatever ran meanwhile has taken the caches and the
 * branch predictors, so the batch is first run once untimed (not for a
 * swept-cache workload, which wants cold caches anyway). *last holds the
 * count of switches seen after the previous batch. */
static double timed_batch(struct bench_workload *w, const struct bench_impl *impl,
                          unsigned long iters, long *last, unsigned *reruns)
{
    for (unsigned attempt = 0;; attempt++) {
        long before = context_switches();
        if (before != *last && w->kind != BENCH_WL_EVICT) {
            (void)bench_run_batch(w, impl, iters);
            ++*reruns;
            before = context_switches();
        }
        double t = bench_run_batch(w, impl, iters);
        *last = context_switches();
        if (*last == before || attempt == BENCH_MAX_RERUNS || t > BENCH_RERUN_MAX_NS)
            return t;
        ++*reruns;
    }
}

int bench_measure_refs(struct bench_workload *w, struct bench_impl *const *impls, size_t n,
                       const size_t *ref, const struct bench_measure_cfg *cfg, uint64_t seed,
                       struct bench_measurement *out, bench_progress_fn progress, void *ctx)
{
    unsigned rounds = cfg->rounds ? cfg->rounds : 1;
    double *ns = malloc(sizeof *ns * n * rounds);
    unsigned long *iters = malloc(sizeof *iters * n);
    size_t *order = malloc(sizeof *order * n);
    unsigned *reruns = calloc(n ? n : 1, sizeof *reruns);
    if (!ns || !iters || !order || !reruns || n == 0) {
        free(ns);
        free(iters);
        free(order);
        free(reruns);
        return -1;
    }
    uint64_t rng = seed ^ 0x243F6A8885A308D3ull;
    for (size_t i = 0; i < n; i++)
        iters[i] = calibrate(w, impls[i], cfg->batch_ns);
    long last = context_switches();

    for (unsigned r = 0; r < rounds; r++) {
        bench_shuffle(order, n, &rng);
        for (size_t k = 0; k < n; k++) {
            size_t i = order[k];
            /* A mix starts each batch at a random call of its sequence; an
             * arena walk goes on where the last batch stopped, so no batch
             * finds another's slots in the cache. */
            if (w->kind == BENCH_WL_OPS)
                w->op_pos = (size_t)bench_rng_next(&rng) & w->ops_mask;
            double t = timed_batch(w, impls[i], iters[i], &last, &reruns[i]);
            ns[i * rounds + r] = t / (double)iters[i];
        }
        if (progress)
            progress(ctx, r + 1, rounds);
    }

    int rc = bench_round_stats(ns, n, rounds, ref, out);
    for (size_t i = 0; i < n; i++) {
        out[i].iters = iters[i];
        out[i].reruns = reruns[i];
    }
    free(ns);
    free(iters);
    free(order);
    free(reruns);
    return rc;
}

int bench_measure(struct bench_workload *w, struct bench_impl *const *impls, size_t n, size_t ref,
                  const struct bench_measure_cfg *cfg, struct bench_measurement *out,
                  bench_progress_fn progress, void *ctx)
{
    size_t *refs = malloc(sizeof *refs * (n ? n : 1));
    if (!refs)
        return -1;
    for (size_t i = 0; i < n; i++)
        refs[i] = ref;
    int rc = bench_measure_refs(w, impls, n, refs, cfg, 0, out, progress, ctx);
    free(refs);
    return rc;
}
