/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/copy_api.c - the public copy calls: fast, adaptive, with a caller's
 * threshold, memmove, and the checked copy. Nothing here calls the C
 * library's memcpy or memmove (the library may itself be serving them). */
#include <sched.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include <stdint.h>

#include <vmmem/memcpy.h>

#include "dispatch.h"
#include "engine.h"

/* Each one-jump entry starts a 64-byte line of its own, so its cost does
 * not depend on where the linker happens to put it: with 32-byte placement,
 * fast and adaptive (which jump to the same kernel here) differed by one
 * cycle per call, 2.1 against 1.9 ns (11 %) at 12-128 B. */
#define ENTRY __attribute__((aligned(64)))

/* The portable dispatching entries: one load of the published kernel and
 * a jump (on a CPU that runs the AVX-512 kernel,
 * vmmem_dispatching_fast_entry() below hands out the AVX-512 one instead).
 * The fast one is what JIT-emitted code calls there (dispatch.h), so that
 * it follows every later vmmem_force_isa() whatever the program's own
 * references to vmmem_memcpy_fast were bound to; the adaptive one is
 * below, where only the resolver needs it. */
ENTRY void *vmmem_dispatch_fast_entry(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_dispatch.fast, memory_order_acquire)(dst, src, n);
}

/* The dispatching fast entry for this CPU after start-up (dispatch.h;
 * JIT-emitted code calls it), from the CPU the start-up detected; the
 * resolvers below make the same choice with CPUID. */
vmmem_copy_fn vmmem_dispatching_fast_entry(void)
{
#if VMMEM_HAVE_AVX512
    if (vmmem_isa_runs_on(VMMEM_ISA_AVX512, vmmem_startup_wait()))
        return vmmem_avx512_dispatch_fast_entry;
#endif
    return vmmem_dispatch_fast_entry;
}

#if VMMEM_IFUNC
static ENTRY void *dispatch_adaptive(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_dispatch.adaptive, memory_order_acquire)(dst, src, n);
}

/* A resolver may run while the dynamic linker relocates, before a
 * sanitizer's runtime has started: no instrumentation in it. Used is for
 * compilers that do not count ifunc() as a use. */
#if defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation) /* clang: no_sanitize still calls __tsan_func_entry */
#define RESOLVER_NO_SANITIZER __attribute__((disable_sanitizer_instrumentation))
#endif
#if __has_attribute(no_stack_protector) /* the guard is read through TLS, not yet set up in a static link */
#define RESOLVER_NO_STACK_PROTECTOR __attribute__((no_stack_protector))
#endif
#endif
#ifndef RESOLVER_NO_SANITIZER
#define RESOLVER_NO_SANITIZER __attribute__((no_sanitize("thread", "address", "undefined")))
#endif
#ifndef RESOLVER_NO_STACK_PROTECTOR
#define RESOLVER_NO_STACK_PROTECTOR
#endif
#define RESOLVER __attribute__((used)) RESOLVER_NO_SANITIZER RESOLVER_NO_STACK_PROTECTOR

/* Whether the CPU runs the AVX-512 kernel (AVX-512 F, BW and VL, BMI2, and
 * the OS saving the opmask and zmm state, as arch/x86/cpu_x86.c decides),
 * asked the way a resolver may before the C library and a sanitizer's
 * runtime are set up: CPUID and XGETBV in inline assembly, their results
 * in registers, no memory access and no call. (libgcc's
 * __builtin_cpu_supports reads __cpu_model, a load that clang's
 * AddressSanitizer instruments even here: the fuzz build crashed in the
 * dynamic linker.) */
#if VMMEM_HAVE_AVX512
#define XCR0_SSE_AVX_OPMASK_ZMM 0xe6u /* XCR0 bits 1, 2, 5, 6, 7 */
#endif
RESOLVER static int avx512_kernel_runs_here(void)
{
#if VMMEM_HAVE_AVX512
    unsigned max_leaf, a, b, c, d;
    __cpuid(0, max_leaf, b, c, d);
    if (max_leaf < 7)
        return 0;
    __cpuid(1, a, b, c, d);
    if (!(c & bit_OSXSAVE) || !(c & bit_AVX))
        return 0;
    unsigned xcr0, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0), "=d"(xcr0_high) : "c"(0));
    if ((xcr0 & XCR0_SSE_AVX_OPMASK_ZMM) != XCR0_SSE_AVX_OPMASK_ZMM)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b & bit_AVX512F) && (b & bit_AVX512BW) && (b & bit_AVX512VL) && (b & bit_BMI2);
#else
    return 0;
#endif
}

/* The dispatching fast entry for this CPU, as a resolver asks for it
 * (CPUID: about 4 us per instruction in this VM, so only where the entry
 * is handed out). */
RESOLVER static vmmem_copy_fn early_dispatching_fast_entry(void)
{
#if VMMEM_HAVE_AVX512
    if (avx512_kernel_runs_here())
        return vmmem_avx512_dispatch_fast_entry;
#endif
    return vmmem_dispatch_fast_entry;
}

/* GNU indirect functions (glibc): the dynamic linker asks resolve_*() for
 * the address of each public entry when it binds a call site (lazily, at
 * the site's first call) or when dlsym() looks the name up, and the site
 * then calls what it got with no hop of ours, as glibc's memcpy is
 * reached. Late enough (this library's constructor has run, so the C
 * library is initialised and the environment readable), the resolver
 * starts the engine up as a first copy would and hands out the published
 * kernel entry. Earlier (relocation with BIND_NOW or -fno-plt, static
 * linking, dlopen before constructors), or when a copy made by the
 * start-up itself is bound, it hands out a dispatching entry, which
 * follows every later vmmem_force_isa() and vmmem_init_with(): on a CPU
 * that runs the AVX-512 kernel the one that copies 0..256 bytes itself
 * while an AVX-512 kernel is published (a byte compared where the portable
 * one loads the kernel's address and jumps; docs/performance.md, lever
 * 24), else the portable one. A site bound to a kernel keeps it
 * (docs/usage_guide.md, "Choosing the kernel"). The hop measured about
 * one cycle per call, 1.12x the kernel's time at 1-9 B (lever 17). */
static atomic_int constructors_ran;

__attribute__((constructor)) static void note_constructors_ran(void)
{
    atomic_store_explicit(&constructors_ran, 1, memory_order_release);
}

/* The published entry of `which` (fast or adaptive) if the engine can be
 * started now, else the dispatching entry that `fallback` picks. */
RESOLVER static vmmem_copy_fn resolve_entry(_Atomic(vmmem_copy_fn) *which, vmmem_copy_fn (*fallback)(void))
{
    if (!atomic_load_explicit(&constructors_ran, memory_order_acquire))
        return fallback();
    while (!vmmem_startup_kernel()) {
        if (vmmem_startup_on_this_thread())
            return fallback(); /* a copy made by the start-up itself */
        sched_yield();       /* another thread's start-up: its kernel, when published */
    }
    return atomic_load_explicit(which, memory_order_acquire);
}

RESOLVER static vmmem_copy_fn early_dispatching_adaptive_entry(void)
{
#if VMMEM_HAVE_AVX512
    if (avx512_kernel_runs_here())
        return vmmem_avx512_dispatch_adaptive_entry;
#endif
    return dispatch_adaptive;
}

RESOLVER static vmmem_copy_fn resolve_fast(void)
{
    return resolve_entry(&vmmem_dispatch.fast, early_dispatching_fast_entry);
}

RESOLVER static vmmem_copy_fn resolve_adaptive(void)
{
    return resolve_entry(&vmmem_dispatch.adaptive, early_dispatching_adaptive_entry);
}

void *vmmem_memcpy_fast(void *dst, const void *src, size_t n) __attribute__((ifunc("resolve_fast")));
void *vmmem_memmove(void *dst, const void *src, size_t n) __attribute__((ifunc("resolve_fast")));
void *vmmem_memcpy_adaptive(void *dst, const void *src, size_t n) __attribute__((ifunc("resolve_adaptive")));
#else
ENTRY void *vmmem_memcpy_fast(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_dispatch.fast, memory_order_acquire)(dst, src, n);
}

ENTRY void *vmmem_memmove(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_dispatch.fast, memory_order_acquire)(dst, src, n);
}

ENTRY void *vmmem_memcpy_adaptive(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_dispatch.adaptive, memory_order_acquire)(dst, src, n);
}
#endif

void *vmmem_memcpy_adaptive_with_threshold(void *dst, const void *src, size_t n, size_t simd_threshold)
{
    if (n < simd_threshold)
        return vmmem_generic_memmove(dst, src, n); /* below the SIMD threshold: no vector code */
    return vmmem_memcpy_adaptive(dst, src, n);
}

int vmmem_copy_checked(void *dst, size_t dst_size, const void *src, size_t src_size, size_t n)
{
    if (n == 0)
        return VMMEM_OK;
    if (!dst || !src)
        return VMMEM_EINVAL;
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (n > dst_size || n > src_size || dst_size > UINTPTR_MAX - d || src_size > UINTPTR_MAX - s)
        return VMMEM_ERANGE;
    if (d - s < n || s - d < n)
        return VMMEM_EOVERLAP;
    vmmem_memcpy_fast(dst, src, n);
    return VMMEM_OK;
}
