/* src/dispatch.h - the hot-path view of the dispatcher: the active kernel
 * and the adaptive thresholds, published once on first use (dispatch.c). */
#ifndef VMMEM_SRC_DISPATCH_H
#define VMMEM_SRC_DISPATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <vmmem/cpu.h>

/* The active kernel: NULL until the first call resolves it. An acquire load
 * that sees it non-NULL also sees the thresholds below. */
extern _Atomic(const vmmem_kernel_info *) vmmem_active_kernel;

/* Adaptive thresholds; written (with identical values by every thread that
 * resolves) before vmmem_active_kernel is published. */
extern _Atomic size_t vmmem_simd_threshold;
extern _Atomic size_t vmmem_erms_threshold;
extern _Atomic size_t vmmem_nt_threshold;

/* Slow path of vmmem_kernel(): detect, choose, publish. Lock-free and
 * idempotent: concurrent first callers all return a valid kernel. */
const vmmem_kernel_info *vmmem_resolve_kernel(void);

static inline const vmmem_kernel_info *vmmem_kernel(void)
{
    const vmmem_kernel_info *k = atomic_load_explicit(&vmmem_active_kernel, memory_order_acquire);
    return k ? k : vmmem_resolve_kernel();
}

static inline size_t vmmem_threshold(_Atomic size_t *t)
{
    return atomic_load_explicit(t, memory_order_relaxed);
}

#endif /* VMMEM_SRC_DISPATCH_H */
