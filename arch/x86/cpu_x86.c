/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/cpu_x86.c - x86_64 CPU detection: vendor, ISA features the OS has
 * enabled (CPUID + XGETBV), and cache sizes from CPUID's deterministic cache
 * leaves (4 on Intel, 0x8000001D on AMD/Hygon), with sysfs as the fallback.
 *
 * Where 0x8000001D is hidden (Firecracker clears TOPOEXT, and its guests
 * have no sysfs cache directory either), AMD's legacy leaves 0x80000005 and
 * 0x80000006 give the L1d and L2 sizes. They are not used for the L3: some
 * hypervisors fill it with the host's figure (on this project's reference VM
 * it says 384 MiB for a 32 MiB L3; on a Firecracker guest of the same CPU,
 * 508 MiB), which is how glibc ends up with a wrong non-temporal threshold. */
#include <cpuid.h>
#include <stdint.h>
#include <string.h>

#include "engine.h"

/* XCR0 bits: the OS saves these register states on context switch. */
#define XCR0_SSE (1u << 1)
#define XCR0_AVX (1u << 2)
#define XCR0_OPMASK (1u << 5)
#define XCR0_ZMM_HI256 (1u << 6)
#define XCR0_HI16_ZMM (1u << 7)
#define XCR0_YMM_STATE (XCR0_SSE | XCR0_AVX)
#define XCR0_ZMM_STATE (XCR0_YMM_STATE | XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)

/* CPUID bits <cpuid.h> does not name in every compiler version. */
#define LEAF7_EBX_ERMS (1u << 9)
#define LEAF7_EDX_FSRM (1u << 4)
#define EXT1_ECX_TOPOEXT (1u << 22)

static uint32_t read_xcr0(void)
{
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return eax;
}

static unsigned detect_features(unsigned max_leaf, vmmem_cpu_info *info)
{
    unsigned a, b, c, d;
    unsigned features = VMMEM_CPU_SSE2; /* architectural on x86_64 */
    __cpuid(1, a, b, c, d);
    unsigned base_family = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
    info->family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
    info->model = base_family >= 0x6 ? base_model | (((a >> 16) & 0xf) << 4) : base_model;
    if (c & bit_SSSE3)
        features |= VMMEM_CPU_SSSE3;
    int osxsave = (c & bit_OSXSAVE) != 0;
    uint32_t xcr0 = osxsave ? read_xcr0() : 0;
    int ymm_ok = (c & bit_AVX) && (xcr0 & XCR0_YMM_STATE) == XCR0_YMM_STATE;
    int zmm_ok = ymm_ok && (xcr0 & XCR0_ZMM_STATE) == XCR0_ZMM_STATE;
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        if (ymm_ok && (b & bit_AVX2))
            features |= VMMEM_CPU_AVX2;
        if (zmm_ok && (b & bit_AVX512F) && (b & bit_AVX512BW) && (b & bit_AVX512VL) && (b & bit_BMI2)) {
            features |= VMMEM_CPU_AVX512;
            if (c & bit_AVX512VBMI)
                features |= VMMEM_CPU_AVX512VBMI;
        }
        if (b & LEAF7_EBX_ERMS)
            features |= VMMEM_CPU_ERMS;
        if (d & LEAF7_EDX_FSRM)
            features |= VMMEM_CPU_FSRM;
    }
    return features;
}

/* AMD's legacy cache leaves: L1d from 0x80000005 ECX[31:24] and L2 from
 * 0x80000006 ECX[31:16], in KiB (the L3 field is not trusted, see above);
 * nothing when the L1d size is not there. */
static void read_legacy_amd_leaves(unsigned max_ext, vmmem_cpu_info *info)
{
    unsigned a, b, c, d;
    if (max_ext < 0x80000005)
        return;
    __cpuid(0x80000005, a, b, c, d);
    size_t l1d = (size_t)(c >> 24) << 10;
    if (l1d == 0)
        return;
    info->l1d_bytes = l1d;
    if (max_ext >= 0x80000006) {
        __cpuid(0x80000006, a, b, c, d);
        info->l2_bytes = (size_t)(c >> 16) << 10;
    }
    info->cache_source = VMMEM_CACHE_CPUID;
}

/* Walks a deterministic cache-parameters leaf (4 or 0x8000001D share one
 * layout). Returns 0 when an L1 data cache was found. */
static int read_cache_leaf(unsigned leaf, vmmem_cpu_info *info)
{
    vmmem_cpu_info found = *info;
    int have_l1d = 0;
    for (unsigned sub = 0; sub < 16; sub++) {
        unsigned a, b, c, d;
        __cpuid_count(leaf, sub, a, b, c, d);
        unsigned type = a & 0x1f; /* 0 none, 1 data, 2 instruction, 3 unified */
        if (type == 0)
            break;
        if (type == 2)
            continue;
        unsigned level = (a >> 5) & 0x7;
        unsigned sharing = ((a >> 14) & 0xfff) + 1;
        size_t bytes = (size_t)((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) * ((b & 0xfff) + 1) *
                       ((size_t)c + 1);
        if (level == 1) {
            found.l1d_bytes = bytes;
            have_l1d = 1;
        } else if (level == 2) {
            found.l2_bytes = bytes;
        } else if (level == 3) {
            found.l3_bytes = bytes;
            found.l3_sharing_cpus = sharing;
        }
    }
    if (!have_l1d)
        return -1;
    found.cache_source = VMMEM_CACHE_CPUID;
    *info = found;
    return 0;
}

void vmmem_detect_cpu(vmmem_cpu_info *info, const vmmem_detect_sources *sources)
{
    unsigned max_leaf, b, c, d;
    __builtin_memset(info, 0, sizeof *info);
    __cpuid(0, max_leaf, b, c, d);
    __builtin_memcpy(info->vendor, &b, 4);
    __builtin_memcpy(info->vendor + 4, &d, 4);
    __builtin_memcpy(info->vendor + 8, &c, 4);
    info->features = detect_features(max_leaf, info);

    int amd_like = strcmp(info->vendor, "AuthenticAMD") == 0 || strcmp(info->vendor, "HygonGenuine") == 0;
    unsigned max_ext = 0, a;
    int topoext = 0; /* leaf 0x8000001D is there */
    if (amd_like) {
        __cpuid(0x80000000, max_ext, b, c, d);
        if (max_ext >= 0x80000001) {
            __cpuid(0x80000001, a, b, c, d);
            topoext = (c & EXT1_ECX_TOPOEXT) && max_ext >= 0x8000001D;
        }
    }
    int from_cpuid = -1;
    if (sources->cpuid_caches && topoext)
        from_cpuid = read_cache_leaf(0x8000001D, info);
    else if (sources->cpuid_caches && !amd_like && max_leaf >= 4)
        from_cpuid = read_cache_leaf(4, info);
    /* CPUID's "logical processors sharing" is the hardware's maximum, not
     * the CPUs this machine has; sysfs knows the real sharing, so it wins
     * for that field and fills in whatever CPUID did not give. */
    vmmem_cpu_info sysfs = *info;
    if (sources->sysfs_cpu_dir && vmmem_read_sysfs_caches(sources->sysfs_cpu_dir, &sysfs) == 0) {
        if (from_cpuid != 0) {
            *info = sysfs;
        } else if (sysfs.l3_bytes == info->l3_bytes && sysfs.l3_sharing_cpus) {
            info->l3_sharing_cpus = sysfs.l3_sharing_cpus;
        }
    } else if (from_cpuid != 0 && sources->cpuid_caches && amd_like) {
        read_legacy_amd_leaves(max_ext, info); /* the last resort: L1d and L2 only */
    }
    vmmem_finish_cache_info(info);
}
