/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/dispatch.h - the hot-path view of the dispatcher: the active kernel's
 * functions and the adaptive thresholds, published once by the start-up
 * (dispatch.c), all that an entry reads in one cache line so that a copy
 * whose caller has just walked through a large buffer takes at most one
 * miss to find its kernel. */
#ifndef VMMEM_SRC_DISPATCH_H
#define VMMEM_SRC_DISPATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <vmmem/cpu.h>

/* The kernels' _floor entries read the band thresholds only from this size
 * up; the dispatcher uses them while no band starts below it. No default
 * does: the rep movsb band starts above L1d / 2 (16 KiB or more wherever it is
 * on), the non-temporal one at the L3 size. A lower threshold from the
 * environment or a config file selects the entries without the floor. */
#define VMMEM_BAND_FLOOR (16 * 1024)

/* One ISA's copy kernels (its row of the ISA registry, src/isa_registry.c). */
typedef struct vmmem_kernel_entry {
    vmmem_kernel_info info;       /* what vmmem_get_kernel() hands out */
    vmmem_copy_fn fast;           /* info.memmove, with the rep movsb band on x86 SIMD kernels */
    vmmem_copy_fn adaptive;       /* fast, with the non-temporal band where the kernel has one */
    vmmem_copy_fn fast_floor;     /* fast, reading the thresholds only from VMMEM_BAND_FLOOR up */
    vmmem_copy_fn adaptive_floor; /* adaptive, likewise */
} vmmem_kernel_entry;

typedef struct vmmem_dispatch_state {
    /* The active kernel's fast entry; until the first call it is a stub that
     * resolves and then copies. An acquire load of it sees the thresholds. */
    _Atomic(vmmem_copy_fn) fast;
    _Atomic(vmmem_copy_fn) adaptive; /* the same, for vmmem_memcpy_adaptive() */
    /* Where the AVX-512 dispatching entries (arch/x86/memcpy_avx512.c) send
     * a copy above 256 bytes: the C body behind an AVX-512 kernel entry
     * (vmmem_avx512_body_of(), past the entry's own size check), else the
     * entry itself. Published with fast and adaptive. */
    _Atomic(vmmem_copy_fn) fast_above256;
    _Atomic(vmmem_copy_fn) adaptive_above256;
    _Atomic size_t erms_threshold; /* rep movsb from here (SIZE_MAX: never) */
    _Atomic size_t nt_threshold;   /* non-temporal stores from here (adaptive) */
    /* The active kernel's table row: read by introspection, the parallel
     * copy, the adaptive scalar band and the byte swaps' dispatch
     * (xlate_dispatch.h, on every call). */
    _Atomic(const vmmem_kernel_entry *) kernel;
    /* The ISA of the kernel entry `fast` and `adaptive` point at, or
     * VMMEM_ISA_COUNT (before the first publication, and for the adaptive
     * scalar-band wrapper). The AVX-512 dispatching entries copy 0..256
     * bytes themselves while it is AVX-512, as every AVX-512 entry does the
     * same there; they read it relaxed, as nothing a copy of that size does
     * depends on the rest. */
    _Atomic unsigned char fast_isa;
    _Atomic unsigned char adaptive_isa;
    /* The portable scalar kernel below here (adaptive), in the next cache
     * line: read only by the adaptive scalar-band wrapper, which exists
     * when it is not 0 (VMMEM_SIMD_THRESHOLD), and when publishing. */
    _Alignas(64) _Atomic size_t simd_threshold;
} vmmem_dispatch_state;

/* hidden: kernels reach it RIP-relative, not through the GOT */
extern __attribute__((visibility("hidden"))) _Alignas(64) vmmem_dispatch_state vmmem_dispatch;

/* ---- dispatch.c ---- */
/* Whether the ISA is compiled in and runs on that CPU; the best one that does. */
int vmmem_isa_runs_on(vmmem_isa isa, const vmmem_cpu_info *cpu);
vmmem_isa vmmem_best_isa_on(const vmmem_cpu_info *cpu);

/* Publishes the kernel of `isa` (which runs here) with thresholds *t: the
 * thresholds first, then the entries with release. With the start-up lock. */
void vmmem_dispatch_publish(vmmem_isa isa, const vmmem_thresholds *t);

/* ---- startup.c ---- */
/* Slow path of the copy entries: the published kernel, after starting up
 * if no one has. Returns NULL, without waiting, while another thread (or a
 * caller further up this thread's stack) is starting up: the caller then
 * copies with the portable kernel. */
const vmmem_kernel_entry *vmmem_startup_kernel(void);

/* Whether this thread is running the start-up now (a copy it makes is
 * then one made by the start-up itself). */
bool vmmem_startup_on_this_thread(void);

/* The dispatching fast entry (src/copy_api.c): a load of the published
 * kernel and a jump, on every call. */
void *vmmem_dispatch_fast_entry(void *dst, const void *src, size_t n);

/* The dispatching fast entry for this CPU (src/copy_api.c): on one that
 * runs the AVX-512 kernel, an entry that copies 0..256 bytes itself while
 * an AVX-512 kernel is published (vmmem_avx512_dispatch_fast_entry), else
 * vmmem_dispatch_fast_entry. Starts the engine up if needed (the resolvers
 * make the same choice with CPUID); JIT-emitted code calls what it returns. */
vmmem_copy_fn vmmem_dispatching_fast_entry(void);

/* For the calls that are not copies: starts up if needed, waits for a
 * start-up in another thread, returns the detected CPU. */
const vmmem_cpu_info *vmmem_startup_wait(void);

/* The start-up lock (waits), for calls that publish (vmmem_force_isa()). */
void vmmem_startup_lock(void);
void vmmem_startup_unlock(void);

static inline size_t vmmem_threshold(_Atomic size_t *t)
{
    return atomic_load_explicit(t, memory_order_relaxed);
}

#endif /* VMMEM_SRC_DISPATCH_H */
