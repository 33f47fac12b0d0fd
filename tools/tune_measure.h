/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/tune_measure.h - the timing engine of vmmem-tune: interleaved,
 * calibrated batches for hot copies, single timed copies for large ones,
 * and pinning to one CPU. */
#ifndef VMMEM_TUNE_MEASURE_H
#define VMMEM_TUNE_MEASURE_H

#include <stddef.h>

typedef void *(*tune_copy_fn)(void *dst, const void *src, size_t n);

/* One thing to time: an implementation on one pair of buffers and a size.
 * `ns` receives the median time per call. */
struct tune_series {
    tune_copy_fn fn;
    void *dst;
    const void *src;
    size_t n;
    unsigned long iters; /* calls per batch, set by calibration */
    double ns;           /* result: median ns per call */
};

/* Times every series the same way, interleaved: each is calibrated to a
 * batch of at least min_batch_ns and warmed up, its copy is checked, then
 * `rounds` rounds time one batch of each, in an order that rotates by one
 * each round. A compiler barrier follows every call. Returns 0, or -1 when
 * a copy was wrong (then the series' ns is 0). */
int tune_run_batches(struct tune_series *s, unsigned count, unsigned rounds, double min_batch_ns);

/* Same for copies too large to repeat: after one warm-up call (and check)
 * per series, each round times one call of each, in rotating order. */
int tune_run_single(struct tune_series *s, unsigned count, unsigned rounds);

/* CLOCK_MONOTONIC in ns. */
double tune_now_ns(void);

/* Pins the calling thread to `cpu` (cpu < 0: the CPU it is running on).
 * Returns the CPU it is pinned to, or -1 (then `note` says why). */
int tune_pin(int cpu, char *note, size_t note_cap);

#endif /* VMMEM_TUNE_MEASURE_H */
