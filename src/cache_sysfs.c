/* src/cache_sysfs.c - cache sizes from Linux sysfs, and the defaults used
 * when neither CPUID nor sysfs says anything. */
#include <stdio.h>
#include <string.h>

#include "engine.h"

/* Defaults when nothing is detected: small enough to be true of any
 * machine built this century, so thresholds derived from them stay safe. */
#define DEFAULT_L1D_BYTES ((size_t)32 << 10)
#define DEFAULT_L2_BYTES ((size_t)256 << 10)
#define DEFAULT_L3_SHARE_BYTES ((size_t)1 << 20)

/* Reads the first line of dir/name into buf (newline stripped). */
static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
    char path[512];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
        return -1;
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* Counts the CPUs in a list such as "0-3,8,10-11"; 0 if malformed. */
static unsigned count_cpu_list(const char *list)
{
    unsigned count = 0;
    const char *p = list;
    while (*p) {
        unsigned lo, hi;
        int used = 0;
        if (sscanf(p, "%u-%u%n", &lo, &hi, &used) == 2 && used > 0) {
            if (hi < lo)
                return 0;
            count += hi - lo + 1;
        } else if (sscanf(p, "%u%n", &lo, &used) == 1 && used > 0) {
            count += 1;
        } else {
            return 0;
        }
        p += used;
        if (*p == ',')
            p++;
        else if (*p)
            return 0;
    }
    return count;
}

int vmmem_read_sysfs_caches(const char *cpu_dir, vmmem_cpu_info *info)
{
    vmmem_cpu_info found = *info;
    int have_l1d = 0;
    for (int index = 0; index < 16; index++) {
        char dir[512], level[16], type[32], size[32], shared[256];
        if (snprintf(dir, sizeof dir, "%s/cache/index%d", cpu_dir, index) >= (int)sizeof dir)
            return -1;
        if (read_line(dir, "level", level, sizeof level) != 0)
            break;
        size_t bytes;
        if (read_line(dir, "type", type, sizeof type) != 0 ||
            read_line(dir, "size", size, sizeof size) != 0 || vmmem_parse_size(size, &bytes) != 0)
            continue;
        if (strcmp(type, "Instruction") == 0)
            continue;
        if (strcmp(level, "1") == 0) {
            found.l1d_bytes = bytes;
            have_l1d = 1;
        } else if (strcmp(level, "2") == 0) {
            found.l2_bytes = bytes;
        } else if (strcmp(level, "3") == 0) {
            found.l3_bytes = bytes;
            found.l3_sharing_cpus = read_line(dir, "shared_cpu_list", shared, sizeof shared) == 0
                                        ? count_cpu_list(shared)
                                        : 0;
        }
    }
    if (!have_l1d)
        return -1;
    found.cache_source = VMMEM_CACHE_SYSFS;
    *info = found;
    return 0;
}

void vmmem_finish_cache_info(vmmem_cpu_info *info)
{
    if (info->l1d_bytes == 0 && info->l2_bytes == 0 && info->l3_bytes == 0)
        info->cache_source = VMMEM_CACHE_DEFAULT;
    if (info->l1d_bytes == 0)
        info->l1d_bytes = DEFAULT_L1D_BYTES;
    if (info->l2_bytes == 0)
        info->l2_bytes = DEFAULT_L2_BYTES;
    if (info->l3_sharing_cpus == 0)
        info->l3_sharing_cpus = 1;
    info->l3_share_bytes = info->l3_bytes ? info->l3_bytes / info->l3_sharing_cpus : 0;
    if (info->l3_share_bytes == 0) /* no L3: the L2 is the last level */
        info->l3_share_bytes = info->l2_bytes > DEFAULT_L3_SHARE_BYTES ? info->l2_bytes
                                                                       : DEFAULT_L3_SHARE_BYTES;
}
