/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/generic/cpu_generic.c - CPU detection for architectures without a
 * SIMD kernel: no features, cache sizes from sysfs or defaults. */
#include "engine.h"

void vmmem_detect_cpu(vmmem_cpu_info *info, const vmmem_detect_sources *sources)
{
    __builtin_memset(info, 0, sizeof *info);
    __builtin_memcpy(info->vendor, "generic", sizeof "generic");
    if (sources->sysfs_cpu_dir)
        vmmem_read_sysfs_caches(sources->sysfs_cpu_dir, info);
    vmmem_finish_cache_info(info);
}
