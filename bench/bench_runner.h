/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_runner.h - timing implementations on one workload: the workloads
 * (fixed buffers, a cold arena walk, evicted caches, a pre-generated size
 * mix), the timed loops, batch calibration, and rounds in which every
 * implementation runs once, in a freshly shuffled order each round, so that
 * the machine's drifts hit all of them alike. */
#ifndef VMMEM_BENCH_RUNNER_H
#define VMMEM_BENCH_RUNNER_H

#include <stddef.h>
#include <stdint.h>

#include "bench_impls.h"
#include "bench_stats.h"

/* One call of a mix: the size and the source and destination offsets, each
 * below 2^21, packed in 64 bits so that the pre-generated sequence is small
 * (8 bytes a call) next to the working sets it addresses. */
typedef uint64_t bench_op;
#define BENCH_OP_FIELD_BITS 21
#define BENCH_OP_FIELD_MAX (((uint64_t)1 << BENCH_OP_FIELD_BITS) - 1)

static inline bench_op bench_op_pack(uint64_t size, uint64_t src_off, uint64_t dst_off)
{
    return size | src_off << BENCH_OP_FIELD_BITS | dst_off << (2 * BENCH_OP_FIELD_BITS);
}
static inline size_t bench_op_size(bench_op op) { return (size_t)(op & BENCH_OP_FIELD_MAX); }
static inline size_t bench_op_src(bench_op op)
{
    return (size_t)(op >> BENCH_OP_FIELD_BITS & BENCH_OP_FIELD_MAX);
}
static inline size_t bench_op_dst(bench_op op) { return (size_t)(op >> (2 * BENCH_OP_FIELD_BITS)); }

enum bench_wl_kind {
    BENCH_WL_FIXED, /* the same src, dst and size every call */
    BENCH_WL_COLD,  /* the same size, a pseudo-random slot of two large arenas each call */
    BENCH_WL_EVICT, /* the same buffers, the caches swept (untimed) before each call */
    BENCH_WL_OPS    /* a pre-generated sequence of (size, src offset, dst offset) */
};

struct bench_workload {
    enum bench_wl_kind kind;
    unsigned char *src, *dst; /* FIXED, EVICT: the buffers; COLD, OPS: the bases */
    size_t size;              /* FIXED, COLD, EVICT */
    size_t slot_bytes;        /* COLD: distance between slots (a power of two) */
    size_t slot_mask;         /* COLD: number of slots - 1 (a power of two minus 1) */
    size_t slot;              /* COLD: current slot */
    const unsigned char *evict; /* EVICT: the buffer read between calls */
    size_t evict_bytes;
    const bench_op *ops;      /* OPS */
    size_t ops_mask;          /* OPS: number of ops - 1 (a power of two minus 1) */
    size_t op_pos;            /* OPS: next op */
    double bytes_per_call;    /* size, or the mean size of the ops */
};

/* The timed loops of one implementation: each runs iters calls on w and
 * returns the nanoseconds they took. Pointer mode uses one set of loops for
 * every implementation and calls fn through a pointer; call mode gives each
 * implementation its own loops that call it by name (fn is unused). */
typedef double (*bench_loop_fn)(struct bench_workload *w, bench_copy_fn fn, unsigned long iters);
struct bench_loops {
    bench_loop_fn fixed, cold, evict, ops;
};

/* The pointer-mode loops (bench_runner.c). */
extern const struct bench_loops bench_pointer_loops;

/* Reads w->evict[0..evict_bytes) (one load a cache line) so that neither
 * w->src nor w->dst stays in any cache level. */
void bench_evict_caches(const struct bench_workload *w);

/* A timed batch during which the thread was switched out is rerun, up to
 * this many times, when it lasted at most BENCH_RERUN_MAX_NS (longer ones
 * would be switched out again; their medians absorb it); one that follows
 * a switch out is preceded by an untimed warm-up batch. */
#define BENCH_MAX_RERUNS 3
#define BENCH_RERUN_MAX_NS 5e6

struct bench_measure_cfg {
    unsigned rounds;      /* timed rounds */
    double batch_ns;      /* a batch runs at least this long (when one call is shorter) */
};

typedef void (*bench_progress_fn)(void *ctx, unsigned round, unsigned rounds);

/* Sets up a COLD workload: slots of the size rounded up to a power of two
 * (at least size + 64) in arenas of arena_bytes at src and dst. */
void bench_workload_cold(struct bench_workload *w, unsigned char *src, unsigned char *dst,
                         size_t arena_bytes, size_t size);

/* Runs iters calls of impl on w and returns the elapsed nanoseconds (the
 * time of the calls only, for EVICT). */
double bench_run_batch(struct bench_workload *w, const struct bench_impl *impl,
                       unsigned long iters);

/* Measures impls[0..n) on w, in cfg->rounds rounds; in each, every
 * implementation runs one batch, in an order shuffled afresh (a batch the
 * scheduler interrupted is rerun; see BENCH_MAX_RERUNS). A batch of a
 * mix is whole passes over its sequence from a random call; an arena walk
 * carries on from batch to batch; seed (any value) drives the shuffles and
 * the mix's starting calls. ref[i] is the index of the baseline implementation i is
 * compared with in each round (ref[i] == i for a baseline). out[i] receives
 * impls[i]'s figures. Returns 0 or -1 (out of memory). */
int bench_measure_refs(struct bench_workload *w, struct bench_impl *const *impls, size_t n,
                       const size_t *ref, const struct bench_measure_cfg *cfg, uint64_t seed,
                       struct bench_measurement *out, bench_progress_fn progress, void *ctx);

/* bench_measure_refs() with one baseline, impls[ref], for every
 * implementation, and a fixed seed. */
int bench_measure(struct bench_workload *w, struct bench_impl *const *impls, size_t n, size_t ref,
                  const struct bench_measure_cfg *cfg, struct bench_measurement *out,
                  bench_progress_fn progress, void *ctx);

#endif /* VMMEM_BENCH_RUNNER_H */
