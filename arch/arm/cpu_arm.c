/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/arm/cpu_arm.c - AArch64 CPU detection: ASIMD from getauxval(AT_HWCAP)
 * on Linux, cache sizes from sysfs. */
#include "engine.h"

#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif
#endif

void vmmem_detect_cpu(vmmem_cpu_info *info, const vmmem_detect_sources *sources)
{
    __builtin_memset(info, 0, sizeof *info);
    __builtin_memcpy(info->vendor, "arm64", sizeof "arm64");
#if defined(__linux__)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD)
        info->features |= VMMEM_CPU_NEON;
#else
    info->features |= VMMEM_CPU_NEON; /* ASIMD is mandatory in ARMv8-A */
#endif
    if (sources->sysfs_cpu_dir)
        vmmem_read_sysfs_caches(sources->sysfs_cpu_dir, info);
    vmmem_finish_cache_info(info);
}
