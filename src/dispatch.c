/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/dispatch.c - the entries published in the hot cache line
 * (vmmem_dispatch), and the force/introspection API. The kernels and what
 * each ISA needs come from the ISA registry (src/isa_registry.c); the
 * start-up that publishes the first time is src/startup.c.
 *
 * Kernels are immutable static entries, so publishing one (at start-up,
 * vmmem_force_isa()) is a few atomic stores: a copy running meanwhile uses
 * either kernel, both correct. */
#include <stdint.h>
#include <string.h>

#include "dispatch.h"
#include "engine.h"
#include "isa_registry.h"

static vmmem_copy_fn fast_entry(const vmmem_kernel_entry *k);

static vmmem_copy_fn adaptive_entry(const vmmem_kernel_entry *k);

/* The entries until the start-up has published the kernel: start up (or
 * find it started), then copy; the portable kernel while another caller is
 * starting up. */
static void *start_then_copy(void *dst, const void *src, size_t n)
{
    const vmmem_kernel_entry *k = vmmem_startup_kernel();
    return k ? fast_entry(k)(dst, src, n) : vmmem_generic_memmove(dst, src, n);
}

static void *start_then_copy_adaptive(void *dst, const void *src, size_t n)
{
    const vmmem_kernel_entry *k = vmmem_startup_kernel();
    return k ? adaptive_entry(k)(dst, src, n) : vmmem_generic_memmove(dst, src, n);
}

/* The hot path's promise (dispatch.h): everything an entry or a byte swap
 * reads is in one 64-byte cache line. */
_Static_assert(offsetof(vmmem_dispatch_state, simd_threshold) == 64,
               "what the entries and the byte swaps read fits in one cache line");

_Alignas(64) vmmem_dispatch_state vmmem_dispatch = {.fast = start_then_copy,
                                                     .adaptive = start_then_copy_adaptive,
                                                     .fast_above256 = start_then_copy,
                                                     .adaptive_above256 = start_then_copy_adaptive,
                                                     .fast_isa = VMMEM_ISA_COUNT,
                                                     .adaptive_isa = VMMEM_ISA_COUNT};

int vmmem_isa_runs_on(vmmem_isa isa, const vmmem_cpu_info *cpu)
{
    if ((unsigned)isa >= VMMEM_ISA_COUNT)
        return 0;
    const vmmem_isa_desc *d = vmmem_isa_registry(isa);
    return d->compiled_in && (cpu->features & d->required_features) == d->required_features;
}

/* The runnable ISA of highest preference; ISAs of preference 0 are never
 * chosen on their own. */
vmmem_isa vmmem_best_isa_on(const vmmem_cpu_info *cpu)
{
    vmmem_isa best = VMMEM_ISA_GENERIC;
    unsigned best_preference = 0;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        unsigned preference = vmmem_isa_registry((vmmem_isa)i)->preference;
        if (preference > best_preference && vmmem_isa_runs_on((vmmem_isa)i, cpu)) {
            best = (vmmem_isa)i;
            best_preference = preference;
        }
    }
    return best;
}

/* The kernel's fast entry for the thresholds in force: the one that reads
 * them only from VMMEM_BAND_FLOOR up when the rep movsb band starts there
 * or later. */
static vmmem_copy_fn fast_entry(const vmmem_kernel_entry *k)
{
    size_t erms = atomic_load_explicit(&vmmem_dispatch.erms_threshold, memory_order_relaxed);
    return erms >= VMMEM_BAND_FLOOR ? k->fast_floor : k->fast;
}

/* The kernel's adaptive entry, likewise (both bands from the floor up). */
static vmmem_copy_fn kernel_adaptive_entry(const vmmem_kernel_entry *k)
{
    size_t erms = atomic_load_explicit(&vmmem_dispatch.erms_threshold, memory_order_relaxed);
    size_t nt = atomic_load_explicit(&vmmem_dispatch.nt_threshold, memory_order_relaxed);
    return erms >= VMMEM_BAND_FLOOR && nt >= VMMEM_BAND_FLOOR ? k->adaptive_floor : k->adaptive;
}

/* vmmem_memcpy_adaptive() when VMMEM_SIMD_THRESHOLD asks for the portable
 * scalar kernel below some size: that band first, then the kernel's own entry. */
static void *adaptive_with_scalar_band(void *dst, const void *src, size_t n)
{
    if (n < atomic_load_explicit(&vmmem_dispatch.simd_threshold, memory_order_relaxed))
        return vmmem_generic_memmove(dst, src, n);
    return kernel_adaptive_entry(atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire))(dst, src, n);
}

/* The adaptive call's entry: the kernel's adaptive entry, which reads the
 * rep movsb and non-temporal thresholds on every large copy, so that a
 * call site bound to it (src/copy_api.c) follows a later change of them
 * (even from "off", as the non-temporal band is by default on Zen 5); with
 * a scalar band in front of it when one is set. */
static vmmem_copy_fn adaptive_entry(const vmmem_kernel_entry *k)
{
    size_t simd = atomic_load_explicit(&vmmem_dispatch.simd_threshold, memory_order_relaxed);
    if (simd > 0) /* some size goes to the scalar kernel */
        return adaptive_with_scalar_band;
    return kernel_adaptive_entry(k);
}

/* Where a dispatching entry sends a copy above 256 bytes to `entry`: past
 * an AVX-512 kernel entry's own size check, straight to its C body. */
static vmmem_copy_fn above256_entry(vmmem_copy_fn entry)
{
#if VMMEM_HAVE_AVX512
    vmmem_copy_fn body = vmmem_avx512_body_of(entry);
    if (body)
        return body;
#endif
    return entry;
}

/* Publishes a kernel's entries, with release, so that a reader who sees
 * one also sees the thresholds stored before. */
static void publish(const vmmem_kernel_entry *k)
{
    vmmem_copy_fn adaptive = adaptive_entry(k), fast = fast_entry(k);
    unsigned char isa = (unsigned char)k->info.isa;
    atomic_store_explicit(&vmmem_dispatch.adaptive_isa, adaptive == adaptive_with_scalar_band ? VMMEM_ISA_COUNT : isa,
                          memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.fast_isa, isa, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.adaptive_above256, above256_entry(adaptive), memory_order_release);
    atomic_store_explicit(&vmmem_dispatch.fast_above256, above256_entry(fast), memory_order_release);
    atomic_store_explicit(&vmmem_dispatch.adaptive, adaptive, memory_order_release);
    atomic_store_explicit(&vmmem_dispatch.fast, fast, memory_order_release);
}

void vmmem_dispatch_publish(vmmem_isa isa, const vmmem_thresholds *t)
{
    atomic_store_explicit(&vmmem_dispatch.simd_threshold, t->simd, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.erms_threshold, t->erms, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.nt_threshold, t->nt, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.kernel, &vmmem_isa_registry(isa)->kernel, memory_order_relaxed);
    publish(&vmmem_isa_registry(isa)->kernel);
}

/* ---- public API ---- */

const char *vmmem_isa_name(vmmem_isa isa)
{
    return (unsigned)isa < VMMEM_ISA_COUNT ? vmmem_isa_registry(isa)->name : NULL;
}

int vmmem_isa_from_name(const char *name, vmmem_isa *isa)
{
    if (!name || !isa)
        return VMMEM_EINVAL;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (strcmp(name, vmmem_isa_registry((vmmem_isa)i)->name) == 0) {
            *isa = (vmmem_isa)i;
            return VMMEM_OK;
        }
    }
    return VMMEM_EINVAL;
}

int vmmem_isa_supported(vmmem_isa isa)
{
    return vmmem_isa_runs_on(isa, vmmem_startup_wait());
}

vmmem_isa vmmem_best_isa(void)
{
    return vmmem_best_isa_on(vmmem_startup_wait());
}

vmmem_isa vmmem_active_isa(void)
{
    vmmem_startup_wait();
    return atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire)->info.isa;
}

int vmmem_force_isa(vmmem_isa isa)
{
    if ((unsigned)isa >= VMMEM_ISA_COUNT)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(isa))
        return VMMEM_EUNSUPPORTED;
    vmmem_startup_lock(); /* one after the other with vmmem_init_with() */
    atomic_store_explicit(&vmmem_dispatch.kernel, &vmmem_isa_registry(isa)->kernel, memory_order_relaxed);
    publish(&vmmem_isa_registry(isa)->kernel);
    vmmem_startup_unlock();
    return VMMEM_OK;
}

int vmmem_get_kernel(vmmem_isa isa, vmmem_kernel_info *out)
{
    if (!out || (unsigned)isa >= VMMEM_ISA_COUNT)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(isa))
        return VMMEM_EUNSUPPORTED;
    *out = vmmem_isa_registry(isa)->kernel.info;
    return VMMEM_OK;
}

int vmmem_get_cpu_info(vmmem_cpu_info *out)
{
    if (!out)
        return VMMEM_EINVAL;
    *out = *vmmem_startup_wait();
    return VMMEM_OK;
}

int vmmem_get_thresholds(vmmem_thresholds *out)
{
    if (!out)
        return VMMEM_EINVAL;
    vmmem_startup_wait();
    out->simd = vmmem_threshold(&vmmem_dispatch.simd_threshold);
    out->erms = vmmem_threshold(&vmmem_dispatch.erms_threshold);
    out->nt = vmmem_threshold(&vmmem_dispatch.nt_threshold);
    return VMMEM_OK;
}
