/* arch/generic/cpu_generic.c - CPU detection for architectures without a
 * SIMD kernel: no features, cache sizes from sysfs or defaults. */
#include <string.h>

#include "engine.h"

void vmmem_detect_cpu(vmmem_cpu_info *info)
{
    memset(info, 0, sizeof *info);
    strcpy(info->vendor, "generic");
    vmmem_read_sysfs_caches("/sys/devices/system/cpu/cpu0", info);
    vmmem_finish_cache_info(info);
}
