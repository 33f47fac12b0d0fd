/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/cache_sysfs.c - cache sizes from Linux sysfs, and the defaults used
 * when neither CPUID nor sysfs says anything. Like the rest of the start-up
 * path it reads with open(2)/read(2) and parses by hand: no stdio, no
 * malloc, nothing that could call back into memcpy. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine.h"

/* Defaults when nothing is detected: small enough to be true of any
 * machine built this century, so thresholds derived from them stay safe.
 * An L3 is never assumed (l3_bytes stays 0). */
#define DEFAULT_L1D_BYTES ((size_t)32 << 10)
#define DEFAULT_L2_BYTES ((size_t)256 << 10)

/* Longest sysfs path built here: the CPU directory plus "/cache/index15/shared_cpu_list". */
#define SYSFS_PATH_MAX 512

/* Appends text to path[*len..cap); returns -1 (and leaves a truncated
 * path) when it does not fit with its terminator. */
static int path_append(char *path, size_t *len, size_t cap, const char *text)
{
    for (; *text; text++) {
        if (*len + 1 >= cap)
            return -1;
        path[(*len)++] = *text;
    }
    path[*len] = '\0';
    return 0;
}

/* Reads the first line of dir/name into buf (newline stripped). */
static int read_line(const char *dir, const char *name, char *buf, size_t len)
{
    char path[SYSFS_PATH_MAX];
    size_t at = 0;
    if (path_append(path, &at, sizeof path, dir) != 0 || path_append(path, &at, sizeof path, "/") != 0 ||
        path_append(path, &at, sizeof path, name) != 0)
        return -1;
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -1;
    ssize_t got;
    do
        got = read(fd, buf, len - 1);
    while (got < 0 && errno == EINTR);
    close(fd);
    if (got <= 0)
        return -1;
    buf[got] = '\0';
    for (ssize_t i = 0; i < got; i++)
        if (buf[i] == '\n')
            buf[i] = '\0';
    return 0;
}

static int same_text(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* Parses a decimal number at *p (at least one digit, at most 9 digits, as
 * CPU numbers are); advances *p. */
static int parse_cpu_number(const char **p, unsigned *out)
{
    unsigned value = 0, digits = 0;
    for (; **p >= '0' && **p <= '9'; (*p)++) {
        if (++digits > 9)
            return -1;
        value = value * 10 + (unsigned)(**p - '0');
    }
    *out = value;
    return digits ? 0 : -1;
}

/* Counts the CPUs in a list such as "0-3,8,10-11"; 0 if malformed. */
static unsigned count_cpu_list(const char *list)
{
    unsigned count = 0;
    const char *p = list;
    while (*p) {
        unsigned lo, hi;
        if (parse_cpu_number(&p, &lo) != 0)
            return 0;
        hi = lo;
        if (*p == '-') {
            p++;
            if (parse_cpu_number(&p, &hi) != 0 || hi < lo)
                return 0;
        }
        count += hi - lo + 1;
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
        char dir[SYSFS_PATH_MAX], level[16], type[32], size[32], shared[256];
        char index_name[] = {'i', 'n', 'd', 'e', 'x', (char)(index < 10 ? '0' + index : '1'),
                             (char)(index < 10 ? '\0' : '0' + index - 10), '\0'};
        size_t at = 0;
        if (path_append(dir, &at, sizeof dir, cpu_dir) != 0 || path_append(dir, &at, sizeof dir, "/cache/") != 0 ||
            path_append(dir, &at, sizeof dir, index_name) != 0)
            return -1;
        if (read_line(dir, "level", level, sizeof level) != 0)
            break;
        size_t bytes;
        if (read_line(dir, "type", type, sizeof type) != 0 ||
            read_line(dir, "size", size, sizeof size) != 0 || vmmem_parse_size(size, &bytes) != 0)
            continue;
        if (same_text(type, "Instruction"))
            continue;
        if (same_text(level, "1")) {
            found.l1d_bytes = bytes;
            have_l1d = 1;
        } else if (same_text(level, "2")) {
            found.l2_bytes = bytes;
        } else if (same_text(level, "3")) {
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
    if (info->l3_bytes == 0) {
        info->l3_sharing_cpus = 0; /* no L3, or none found: nothing to share */
        info->l3_share_bytes = 0;
        return;
    }
    if (info->l3_sharing_cpus == 0)
        info->l3_sharing_cpus = 1;
    info->l3_share_bytes = info->l3_bytes / info->l3_sharing_cpus;
}
