/* bench_runner.h - timing the implementations on one workload: batch
 * calibration, warm-up, and rounds in which every implementation runs once,
 * in rotating order, so slow drifts of the machine hit all of them alike. */
#ifndef VMMEM_BENCH_RUNNER_H
#define VMMEM_BENCH_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "bench_impls.h"

/* One call of a random-size workload. */
struct bench_op {
    uint32_t size;
    uint32_t src_off;
    uint32_t dst_off;
};

enum bench_wl_kind {
    BENCH_WL_FIXED, /* the same src, dst and size every call */
    BENCH_WL_COLD,  /* the same size, a pseudo-random slot of two large arenas each call */
    BENCH_WL_OPS    /* a precomputed sequence of (size, src offset, dst offset) */
};

struct bench_workload {
    enum bench_wl_kind kind;
    unsigned char *src, *dst; /* FIXED: the buffers; COLD/OPS: the bases */
    size_t size;              /* FIXED, COLD */
    size_t slot_bytes;        /* COLD: distance between slots (a power of two) */
    size_t slot_mask;         /* COLD: number of slots - 1 (a power of two minus 1) */
    size_t slot;              /* COLD: current slot, carried from batch to batch */
    const struct bench_op *ops; /* OPS */
    size_t ops_mask;          /* OPS: number of ops - 1 (a power of two minus 1) */
    size_t op_pos;            /* OPS: next op, carried from batch to batch */
    double bytes_per_call;    /* size, or the mean size of the ops */
};

struct bench_measure_cfg {
    unsigned rounds;      /* timed rounds */
    double batch_ns;      /* a batch runs at least this long (when one call is shorter) */
};

struct bench_measurement {
    double ns_median;     /* median over rounds of ns per call */
    double ns_best;       /* fastest round */
    double speedup;       /* median over rounds of ref_ns / this_ns (same round) */
    unsigned long iters;  /* calls per batch */
    unsigned rounds;
};

typedef void (*bench_progress_fn)(void *ctx, unsigned round, unsigned rounds);

/* Sets up a COLD workload: slots of the size rounded up to a power of two
 * (at least size + 64) in arenas of arena_bytes at src and dst. */
void bench_workload_cold(struct bench_workload *w, unsigned char *src, unsigned char *dst,
                         size_t arena_bytes, size_t size);

/* Runs iters calls of fn on w and returns the elapsed nanoseconds. */
double bench_run_batch(struct bench_workload *w, bench_copy_fn fn, unsigned long iters);

/* Measures impls[0..n) on w. ref is the index of the baseline (glibc
 * memcpy). out[i] receives impls[i]'s figures. Returns 0 or -1 (out of
 * memory). */
int bench_measure(struct bench_workload *w, struct bench_impl *const *impls, size_t n, size_t ref,
                  const struct bench_measure_cfg *cfg, struct bench_measurement *out,
                  bench_progress_fn progress, void *ctx);

#endif /* VMMEM_BENCH_RUNNER_H */
