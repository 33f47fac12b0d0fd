/* src/dispatch.h - the hot-path view of the dispatcher: the active kernel's
 * functions and the adaptive thresholds, published once on first use
 * (dispatch.c), all in one cache line so that a copy whose caller has just
 * walked through a large buffer takes at most one miss to find its kernel. */
#ifndef VMMEM_SRC_DISPATCH_H
#define VMMEM_SRC_DISPATCH_H

#include <stdatomic.h>
#include <stddef.h>
#include <vmmem/cpu.h>

typedef struct vmmem_dispatch_state {
    /* The active kernel's memmove: NULL until the first call resolves it.
     * An acquire load that sees it non-NULL also sees every field below. */
    _Atomic(vmmem_copy_fn) memmove;
    _Atomic(vmmem_copy_fn) memcpy_nt; /* the active kernel's, or NULL if it has none */
    _Atomic size_t erms_threshold;    /* rep movsb from here (SIZE_MAX: never) */
    _Atomic size_t nt_threshold;      /* non-temporal stores from here (adaptive) */
    _Atomic size_t simd_threshold;    /* platform memmove below here (adaptive, n > 16) */
    _Atomic size_t adaptive_low;      /* below this the adaptive call is just memmove() */
    _Atomic(const vmmem_kernel_info *) kernel; /* the active kernel's table entry */
} vmmem_dispatch_state;

extern _Alignas(64) vmmem_dispatch_state vmmem_dispatch;

/* Slow path: detect, choose, publish. Lock-free and idempotent: every
 * concurrent first caller gets a valid kernel (its own choice, for that call,
 * if another thread is still publishing). */
const vmmem_kernel_info *vmmem_resolve_kernel(void);

/* The active kernel's functions, resolving them on first use. */
static inline void vmmem_active_functions(vmmem_copy_fn *memmove_fn, vmmem_copy_fn *memcpy_nt_fn)
{
    vmmem_copy_fn mv = atomic_load_explicit(&vmmem_dispatch.memmove, memory_order_acquire);
    if (__builtin_expect(mv == NULL, 0)) {
        const vmmem_kernel_info *k = vmmem_resolve_kernel();
        *memmove_fn = k->memmove;
        *memcpy_nt_fn = k->memcpy_nt;
        return;
    }
    *memmove_fn = mv;
    *memcpy_nt_fn = atomic_load_explicit(&vmmem_dispatch.memcpy_nt, memory_order_relaxed);
}

static inline vmmem_copy_fn vmmem_active_memmove(void)
{
    vmmem_copy_fn mv = atomic_load_explicit(&vmmem_dispatch.memmove, memory_order_acquire);
    return __builtin_expect(mv != NULL, 1) ? mv : vmmem_resolve_kernel()->memmove;
}

static inline size_t vmmem_threshold(_Atomic size_t *t)
{
    return atomic_load_explicit(t, memory_order_relaxed);
}

#endif /* VMMEM_SRC_DISPATCH_H */
