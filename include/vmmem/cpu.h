/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/cpu.h - what the engine detected and chose, and how to change it.
 *
 * The kernel is chosen on first use: the best ISA this CPU and OS support,
 * unless the environment variable VMMEM_ISA names another
 * (generic|sse2|avx2|avx512|erms|neon). A VMMEM_ISA this CPU cannot run
 * prints one warning line on stderr and the best ISA is used instead.
 *
 * The first call of any kind starts the engine up, once per process: it
 * detects the CPU, reads VMMEM_ISA, the config file and the threshold
 * variables (with getenv, open and read: no stdio, no malloc), publishes
 * the kernel, then writes its warnings. A copy call made while that runs
 * (from another thread, or from a function the start-up calls, such as an
 * interposed getenv) does not wait: it copies with the portable kernel.
 * The calls below wait for the start-up to finish, so they must not be
 * made from inside it; copy calls may. */
#ifndef VMMEM_CPU_H
#define VMMEM_CPU_H

#include <stddef.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The copy kernels. Which ones exist depends on the architecture the
 *  library was built for; vmmem_isa_supported() says which run here. */
typedef enum vmmem_isa {
    VMMEM_ISA_GENERIC = 0, /**< portable C, every architecture */
    VMMEM_ISA_SSE2,        /**< x86_64, 128-bit vectors */
    VMMEM_ISA_AVX2,        /**< x86_64, 256-bit vectors */
    VMMEM_ISA_AVX512,      /**< x86_64, 512-bit vectors (AVX-512 F+BW+VL, BMI2) */
    VMMEM_ISA_ERMS,        /**< x86_64, `rep movsb` (Enhanced REP MOVSB) */
    VMMEM_ISA_NEON,        /**< AArch64, 128-bit ASIMD */
    VMMEM_ISA_COUNT        /**< number of ISA values (not an ISA) */
} vmmem_isa;

/** A copy function with memmove() semantics. */
typedef void *(*vmmem_copy_fn)(void *dst, const void *src, size_t n);

/** One ISA's kernel, as returned by vmmem_get_kernel(). */
typedef struct vmmem_kernel_info {
    vmmem_isa isa;           /**< the ISA this kernel is for */
    const char *name;        /**< the ISA's name, as vmmem_isa_name() returns it */
    vmmem_copy_fn memmove;   /**< cache-allocating stores, any size, overlap-safe */
    vmmem_copy_fn memcpy_nt; /**< non-temporal stores for large copies; falls back to
                                  memmove when small or overlapping; NULL if the ISA has none */
} vmmem_kernel_info;

/** CPU features the engine uses (bits of vmmem_cpu_info.features). */
enum vmmem_cpu_feature {
    VMMEM_CPU_SSE2 = 1u << 0,      /**< SSE2 (always set on x86_64) */
    VMMEM_CPU_AVX2 = 1u << 1,      /**< AVX2, with YMM state enabled by the OS */
    VMMEM_CPU_AVX512 = 1u << 2,    /**< AVX-512 F+BW+VL (and BMI2), with ZMM state enabled by the OS */
    VMMEM_CPU_ERMS = 1u << 3,      /**< Enhanced REP MOVSB */
    VMMEM_CPU_FSRM = 1u << 4,      /**< Fast Short REP MOV */
    VMMEM_CPU_AVX512VBMI = 1u << 5, /**< AVX-512 VBMI (only set together with VMMEM_CPU_AVX512) */
    VMMEM_CPU_SSSE3 = 1u << 6,     /**< Supplemental SSE3 (pshufb) */
    VMMEM_CPU_NEON = 1u << 7       /**< AArch64 ASIMD */
};

/** Where cache sizes came from. */
typedef enum vmmem_cache_source {
    VMMEM_CACHE_DEFAULT = 0, /**< nothing detected: conservative defaults */
    VMMEM_CACHE_CPUID,       /**< x86 CPUID leaf 4 (Intel) or 0x8000001D (AMD); where that is
                                  hidden, AMD's legacy leaves 0x80000005/6 (L1d and L2 only) */
    VMMEM_CACHE_SYSFS        /**< /sys/devices/system/cpu/cpu0/cache */
} vmmem_cache_source;

/** What the engine detected about this machine. */
typedef struct vmmem_cpu_info {
    char vendor[16];          /**< e.g.\ "AuthenticAMD", "GenuineIntel", "arm64" */
    unsigned family;          /**< x86 display family (e.g.\ 0x1A for AMD Zen 5); 0 elsewhere */
    unsigned model;           /**< x86 display model; 0 elsewhere */
    unsigned features;        /**< bits of enum vmmem_cpu_feature */
    size_t l1d_bytes;         /**< level-1 data cache per core (32 KiB when not found) */
    size_t l2_bytes;          /**< level-2 cache per core (256 KiB when not found) */
    size_t l3_bytes;          /**< whole level-3 cache; 0 when there is none or none was found */
    unsigned l3_sharing_cpus; /**< logical CPUs sharing that L3 (0 when l3_bytes is 0) */
    size_t l3_share_bytes;    /**< l3_bytes / l3_sharing_cpus: one core's share (0 when l3_bytes is 0) */
    /** where the cache sizes above came from; VMMEM_CACHE_DEFAULT when no
     *  cache information was found at all (the start-up then says so once) */
    vmmem_cache_source cache_source;
} vmmem_cpu_info;

/** The size thresholds vmmem_memcpy_adaptive() uses. SIZE_MAX disables a band. */
typedef struct vmmem_thresholds {
    size_t simd; /**< below: the portable scalar kernel (vmmem_memcpy_adaptive() only; 0: never) */
    size_t erms; /**< from here up: `rep movsb` for forward copies (below nt in the
                      adaptive call; all the way up in vmmem_memcpy_fast); SIZE_MAX: never */
    size_t nt;   /**< from here up: non-temporal stores when buffers do not overlap */
} vmmem_thresholds;

/** Name of an ISA ("generic", "sse2", ...), or NULL for an invalid value.
 *  @param isa the ISA (any value)
 *  @return a string constant, or NULL when isa is not below VMMEM_ISA_COUNT */
VMMEM_API const char *vmmem_isa_name(vmmem_isa isa);

/** Parses an ISA name.
 *  @param name the name, as vmmem_isa_name() returns it (exact, case-sensitive)
 *  @param isa  receives the ISA
 *  @return 0, or VMMEM_EINVAL for an unknown name or a NULL argument (then
 *          *isa is left alone). */
VMMEM_API int vmmem_isa_from_name(const char *name, vmmem_isa *isa);

/** Non-zero when the kernel is compiled in and this CPU and OS can run it.
 *  @param isa the ISA (any value)
 *  @return non-zero if supported; 0 if not, or isa is out of range */
VMMEM_API int vmmem_isa_supported(vmmem_isa isa);

/** The best ISA for this CPU: what is used when nothing is forced.
 *  @return the ISA (VMMEM_ISA_GENERIC when no other can run) */
VMMEM_API vmmem_isa vmmem_best_isa(void);

/** The ISA the copy calls use now.
 *  @return the active ISA (the kernel is chosen first if no copy ran yet) */
VMMEM_API vmmem_isa vmmem_active_isa(void);

/** Makes every copy call use this ISA from now on (thread-safe; calls
 *  already running finish on the old kernel). On glibc, a call site that
 *  the dynamic linker has already bound straight to a kernel (the public
 *  copy entries are GNU indirect functions: a call by name, lazily bound,
 *  or a dlsym() lookup, made earlier) keeps that kernel; see "Choosing the
 *  kernel" in docs/usage_guide.md. Force before the first copy, or set
 *  VMMEM_ISA, to cover every call.
 *  @param isa the ISA to use
 *  @return 0, VMMEM_EINVAL for a value out of range, or VMMEM_EUNSUPPORTED
 *          when the ISA is not compiled in or this CPU cannot run it (then
 *          nothing changes). */
VMMEM_API int vmmem_force_isa(vmmem_isa isa);

/** Fills *out with one ISA's kernel, to call it directly (tests, benchmarks).
 *  @param isa the ISA
 *  @param out receives the kernel's description
 *  @return 0, VMMEM_EINVAL (out NULL or isa out of range) or
 *          VMMEM_EUNSUPPORTED (not compiled in, or this CPU cannot run it). */
VMMEM_API int vmmem_get_kernel(vmmem_isa isa, vmmem_kernel_info *out);

/** Fills *out with what was detected.
 *  @param out receives the CPU information
 *  @return 0, or VMMEM_EINVAL if out is NULL */
VMMEM_API int vmmem_get_cpu_info(vmmem_cpu_info *out);

/** Fills *out with the thresholds in force.
 *  @param out receives the thresholds
 *  @return 0, or VMMEM_EINVAL if out is NULL */
VMMEM_API int vmmem_get_thresholds(vmmem_thresholds *out);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_CPU_H */
