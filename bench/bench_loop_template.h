/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_loop_template.h - the one template every timed loop is generated
 * from. BENCH_DEFINE_LOOPS(ID, SETUP, CALL) defines the four loops of
 * struct bench_loops (fixed, cold, evict, ops) as static functions ID_fixed,
 * ID_cold, ID_evict and ID_ops; BENCH_LOOPS_INIT(ID) is the struct's
 * initializer. SETUP is a statement run once before
 * timing; CALL(d, s, n) makes one copy. Pointer mode instantiates it once,
 * with CALL a call through a pointer the compiler cannot see through
 * (bench_runner.c); call mode instantiates it once per implementation, with
 * CALL the implementation's name (bench_loops_call.c), so that every loop is
 * the same code but for the call. Each loop starts a 64-byte line of its own
 * so that its placement does not differ from one implementation to the
 * next. The empty asm after each call tells the compiler that the copied
 * memory is used. */
#ifndef VMMEM_BENCH_LOOP_TEMPLATE_H
#define VMMEM_BENCH_LOOP_TEMPLATE_H

#include "bench_runner.h"
#include "bench_stats.h"

/* Full-period LCG modulo any power of two: walks every arena slot once per
 * cycle in an order the hardware prefetchers cannot follow. */
#define BENCH_COLD_MUL 0x5851F42D4C957F2Dull
#define BENCH_COLD_ADD 0x14057B7EF767814Full

#define BENCH_LOOP_ATTR __attribute__((noinline, aligned(64)))

#define BENCH_DEFINE_LOOPS(ID, SETUP, CALL)                                                      \
    BENCH_LOOP_ATTR static double ID##_fixed(struct bench_workload *w, bench_copy_fn fn,         \
                                             unsigned long iters)                                \
    {                                                                                            \
        SETUP;                                                                                   \
        unsigned char *dst = w->dst;                                                             \
        const unsigned char *src = w->src;                                                       \
        size_t n = w->size;                                                                      \
        double t0 = bench_now_ns();                                                              \
        for (unsigned long i = 0; i < iters; i++) {                                              \
            CALL(dst, src, n);                                                                   \
            __asm__ volatile("" ::: "memory");                                                   \
        }                                                                                        \
        return bench_now_ns() - t0;                                                              \
    }                                                                                            \
                                                                                                 \
    BENCH_LOOP_ATTR static double ID##_cold(struct bench_workload *w, bench_copy_fn fn,          \
                                            unsigned long iters)                                 \
    {                                                                                            \
        SETUP;                                                                                   \
        unsigned char *dst = w->dst;                                                             \
        const unsigned char *src = w->src;                                                       \
        size_t n = w->size, slot = w->slot, mask = w->slot_mask, stride = w->slot_bytes;         \
        double t0 = bench_now_ns();                                                              \
        for (unsigned long i = 0; i < iters; i++) {                                              \
            slot = (size_t)(((uint64_t)slot * BENCH_COLD_MUL + BENCH_COLD_ADD) & mask);          \
            CALL(dst + slot * stride, src + slot * stride, n);                                   \
            __asm__ volatile("" ::: "memory");                                                   \
        }                                                                                        \
        double t = bench_now_ns() - t0;                                                          \
        w->slot = slot;                                                                          \
        return t;                                                                                \
    }                                                                                            \
                                                                                                 \
    BENCH_LOOP_ATTR static double ID##_evict(struct bench_workload *w, bench_copy_fn fn,         \
                                             unsigned long iters)                                \
    {                                                                                            \
        SETUP;                                                                                   \
        double t = 0.0;                                                                          \
        for (unsigned long i = 0; i < iters; i++) {                                              \
            bench_evict_caches(w);                                                               \
            double t0 = bench_now_ns();                                                          \
            CALL(w->dst, w->src, w->size);                                                       \
            __asm__ volatile("" ::: "memory");                                                   \
            t += bench_now_ns() - t0;                                                            \
        }                                                                                        \
        return t;                                                                                \
    }                                                                                            \
                                                                                                 \
    BENCH_LOOP_ATTR static double ID##_ops(struct bench_workload *w, bench_copy_fn fn,           \
                                           unsigned long iters)                                  \
    {                                                                                            \
        SETUP;                                                                                   \
        unsigned char *dst = w->dst;                                                             \
        const unsigned char *src = w->src;                                                       \
        const bench_op *ops = w->ops;                                                            \
        size_t pos = w->op_pos, mask = w->ops_mask;                                              \
        double t0 = bench_now_ns();                                                              \
        for (unsigned long i = 0; i < iters; i++) {                                              \
            bench_op op = ops[pos];                                                              \
            CALL(dst + bench_op_dst(op), src + bench_op_src(op), bench_op_size(op));             \
            __asm__ volatile("" ::: "memory");                                                   \
            pos = (pos + 1) & mask;                                                              \
        }                                                                                        \
        double t = bench_now_ns() - t0;                                                          \
        w->op_pos = pos;                                                                         \
        return t;                                                                                \
    }

/* The struct bench_loops initializer of the loops BENCH_DEFINE_LOOPS(ID, ...) made. */
#define BENCH_LOOPS_INIT(ID) {ID##_fixed, ID##_cold, ID##_evict, ID##_ops}

#endif /* VMMEM_BENCH_LOOP_TEMPLATE_H */
