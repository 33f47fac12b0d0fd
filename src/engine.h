/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/engine.h - internal interfaces between the dispatcher, the kernels and
 * CPU detection. Nothing here is exported from the shared library. */
#ifndef VMMEM_SRC_ENGINE_H
#define VMMEM_SRC_ENGINE_H

#include <stddef.h>
#include <vmmem/cpu.h>

#include "log.h"

/* ---- kernels (arch/<arch>/memcpy_<isa>.c) ---- */
void *vmmem_generic_memmove(void *dst, const void *src, size_t n);
#if VMMEM_HAVE_SSE2
void *vmmem_sse2_memmove(void *dst, const void *src, size_t n);
void *vmmem_sse2_memmove_banded(void *dst, const void *src, size_t n);
void *vmmem_sse2_memmove_adaptive(void *dst, const void *src, size_t n);
void *vmmem_sse2_memmove_banded_floor(void *dst, const void *src, size_t n);
void *vmmem_sse2_memmove_adaptive_floor(void *dst, const void *src, size_t n);
void *vmmem_sse2_memcpy_nt(void *dst, const void *src, size_t n);
#endif
#if VMMEM_HAVE_AVX2
void *vmmem_avx2_memmove(void *dst, const void *src, size_t n);
void *vmmem_avx2_memmove_banded(void *dst, const void *src, size_t n);
void *vmmem_avx2_memmove_adaptive(void *dst, const void *src, size_t n);
void *vmmem_avx2_memmove_banded_floor(void *dst, const void *src, size_t n);
void *vmmem_avx2_memmove_adaptive_floor(void *dst, const void *src, size_t n);
void *vmmem_avx2_memcpy_nt(void *dst, const void *src, size_t n);
#endif
#if VMMEM_HAVE_AVX512
void *vmmem_avx512_memmove(void *dst, const void *src, size_t n);
void *vmmem_avx512_memmove_banded(void *dst, const void *src, size_t n);
void *vmmem_avx512_memmove_adaptive(void *dst, const void *src, size_t n);
void *vmmem_avx512_memmove_banded_floor(void *dst, const void *src, size_t n);
void *vmmem_avx512_memmove_adaptive_floor(void *dst, const void *src, size_t n);
void *vmmem_avx512_memcpy_nt(void *dst, const void *src, size_t n);
/* Dispatching entries that copy 0..256 bytes themselves while an AVX-512
 * kernel is published (src/copy_api.c, arch/x86/memcpy_avx512.c). */
void *vmmem_avx512_dispatch_fast_entry(void *dst, const void *src, size_t n);
void *vmmem_avx512_dispatch_adaptive_entry(void *dst, const void *src, size_t n);
/* The C body that AVX-512 kernel entry `entry` jumps to above 256 bytes
 * (arch/x86/avx512_entry.h), or NULL when `entry` is not one of the five
 * memmove entries; libvmmem-preload.so's memcpy jumps to it. */
vmmem_copy_fn vmmem_avx512_body_of(vmmem_copy_fn entry);
#endif
#if VMMEM_HAVE_ERMS
void *vmmem_erms_memmove(void *dst, const void *src, size_t n);
#endif
#if VMMEM_HAVE_NEON
void *vmmem_neon_memmove(void *dst, const void *src, size_t n);
#endif

/* ---- CPU detection (arch/<arch>/cpu_<arch>.c) ---- */
/* Where detection may look for cache sizes. */
typedef struct vmmem_detect_sources {
    const char *sysfs_cpu_dir; /* e.g. VMMEM_SYSFS_CPU_DIR; NULL: no sysfs */
    int cpuid_caches;          /* x86: read CPUID's cache leaves */
} vmmem_detect_sources;

#define VMMEM_SYSFS_CPU_DIR "/sys/devices/system/cpu/cpu0"

/* Fills vendor, features (only those the OS has enabled) and cache sizes
 * from the sources; cache sizes fall back to the defaults
 * (vmmem_finish_cache_info). */
void vmmem_detect_cpu(vmmem_cpu_info *info, const vmmem_detect_sources *sources);

/* Test hook: when set (by a test linked with the static library, before
 * the engine starts up), the start-up detects from these sources instead
 * of its own. */
extern const vmmem_detect_sources *vmmem_detect_sources_hook;

/* ---- caches from sysfs (src/cache_sysfs.c) ----
 * Reads <cpu_dir>/cache/indexN/{level,type,size,shared_cpu_list} (cpu_dir is
 * e.g. "/sys/devices/system/cpu/cpu0") into the cache fields of *info.
 * Returns 0 when at least the L1 data cache was found, -1 otherwise (then
 * *info is unchanged). */
int vmmem_read_sysfs_caches(const char *cpu_dir, vmmem_cpu_info *info);

/* Fills the L1d and L2 sizes that are still 0 with conservative defaults,
 * computes l3_share_bytes (0 without an L3: none, or none found), and sets
 * cache_source to DEFAULT if no cache at all was found. */
void vmmem_finish_cache_info(vmmem_cpu_info *info);

/* ---- environment (src/env_config.c) ----
 * These run on the first-call path: no stdio, no malloc; warnings go to a
 * vmmem_log (src/log.h), delivered after the function table is published. */
/* Parses a byte count: decimal digits with an optional K, M or G suffix
 * (powers of 1024). Returns 0, or -1 for an empty, malformed or overflowing
 * string (then *out is unchanged). */
int vmmem_parse_size(const char *text, size_t *out);

/* Reads the size in environment variable `name` into *value when it is set
 * ("off" means SIZE_MAX: the band never starts); a malformed value logs one
 * warning line and leaves *value. */
void vmmem_env_size(const char *name, size_t *value, vmmem_log *log);

/* The config file read when VMMEM_CONFIG is not set. */
#define VMMEM_SYSTEM_CONFIG "/etc/vmmem.conf"
/* Bytes of a config file that are read (vmmem-tune writes about 400). */
#define VMMEM_CONFIG_MAX_BYTES 4096

/* Reads `key = value` lines (simd_threshold, erms_threshold, nt_threshold;
 * values as for the environment variables; '#' starts a comment) into *t,
 * with open(2)/read(2) into a static buffer: one caller at a time. A
 * malformed line logs one warning and is skipped. Returns 0, or -1 when the
 * file cannot be opened or read (then *t is unchanged). */
int vmmem_read_config_file(const char *path, vmmem_thresholds *t, vmmem_log *log);

/* Applies the config file (when config_file: VMMEM_CONFIG when environment
 * is set and it is, else VMMEM_SYSTEM_CONFIG when it exists), then (when
 * environment) the VMMEM_*_THRESHOLD environment variables, to *t. */
void vmmem_apply_overrides(vmmem_thresholds *t, int environment, int config_file, vmmem_log *log);

/* ---- parallel copy (src/parallel.c) ---- */
/* For tests: how many threads (the caller included) the last
 * vmmem_memcpy_parallel() call used, and what its parts were copied with
 * (NULL when it was one plain copy). */
unsigned vmmem_parallel_last_parts(void);
vmmem_copy_fn vmmem_parallel_last_part_copy(void);

/* Test hook: when non-zero, vmmem_parallel_cpu_count() returns it instead
 * of the affinity mask's count, so tests can split into more parts than
 * the machine has CPUs. */
extern unsigned vmmem_parallel_cpus_hook;

#endif /* VMMEM_SRC_ENGINE_H */
