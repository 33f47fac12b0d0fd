/* src/vhost/vhost_mem.c - the vhost-user memory table: checks, maps and
 * adds the front-end's regions to guest memory, removes them, translates
 * user addresses. */
#include "vhost_mem.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int failf(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* [a, a + alen) and [b, b + blen) share a byte (neither wraps). */
static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int check_region(const vhost_mem_region *r, unsigned i, int fd, char *err, size_t err_len)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (r->memory_size == 0)
        return failf(err, err_len, "SET_MEM_TABLE: region %u is empty", i);
    if (r->guest_phys_addr % page || r->memory_size % page || r->mmap_offset % page)
        return failf(err, err_len,
                     "SET_MEM_TABLE: region %u (guest 0x%llx, 0x%llx bytes, offset 0x%llx) is not page aligned", i,
                     (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
                     (unsigned long long)r->mmap_offset);
    if (r->guest_phys_addr + r->memory_size - 1 < r->guest_phys_addr ||
        r->userspace_addr + r->memory_size - 1 < r->userspace_addr ||
        r->mmap_offset + r->memory_size < r->mmap_offset || r->mmap_offset + r->memory_size > INT64_MAX ||
        r->memory_size > SIZE_MAX)
        return failf(err, err_len, "SET_MEM_TABLE: region %u wraps past 2^64", i);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return failf(err, err_len, "SET_MEM_TABLE: region %u: descriptor is not a memory file", i);
    /* A memfd must be sealed against shrinking (QEMU's memfd backend seals
     * by default): one that shrank under the mapping would raise SIGBUS on
     * access. Files that cannot be sealed are trusted to keep their size. */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && !(seals & F_SEAL_SHRINK))
        return failf(err, err_len,
                     "SET_MEM_TABLE: region %u: its memfd is not sealed against shrinking (F_SEAL_SHRINK; QEMU: "
                     "memory-backend-memfd,seal=on)", i);
    /* A mapping past the end of the file would raise SIGBUS on access. */
    if ((uint64_t)st.st_size < r->mmap_offset + r->memory_size)
        return failf(err, err_len, "SET_MEM_TABLE: region %u ends at file offset 0x%llx, past the file's 0x%llx bytes",
                     i, (unsigned long long)(r->mmap_offset + r->memory_size), (unsigned long long)st.st_size);
    return 0;
}

void vhost_mem_clear(vhost_mem *m)
{
    for (unsigned i = 0; i < m->count; i++) {
        vhost_mem_map *map = &m->maps[i];
        /* Returns after a grace period: no access reaches the memory now. */
        vmmem_guest_remove_region(m->gm, map->region.guest_phys_addr);
        munmap(map->host, (size_t)map->region.memory_size);
    }
    m->count = 0;
}

int vhost_mem_set_table(vhost_mem *m, const vhost_memory *table, const int *fds, char *err, size_t err_len)
{
    unsigned n = table->nregions;
    vhost_mem_map maps[VHOST_USER_MAX_REGIONS];
    unsigned mapped = 0;
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        const vhost_mem_region *r = &table->regions[i];
        rc = check_region(r, i, fds[i], err, err_len);
        for (unsigned j = 0; j < i && rc == 0; j++) {
            const vhost_mem_region *o = &table->regions[j];
            if (overlaps(r->guest_phys_addr, r->memory_size, o->guest_phys_addr, o->memory_size))
                rc = failf(err, err_len, "SET_MEM_TABLE: regions %u and %u overlap in guest memory", j, i);
            else if (overlaps(r->userspace_addr, r->memory_size, o->userspace_addr, o->memory_size))
                rc = failf(err, err_len, "SET_MEM_TABLE: regions %u and %u overlap in user addresses", j, i);
        }
    }
    for (unsigned i = 0; i < n && rc == 0; i++) {
        const vhost_mem_region *r = &table->regions[i];
        void *host = mmap(NULL, (size_t)r->memory_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                          fds[i], (off_t)r->mmap_offset);
        if (host == MAP_FAILED) {
            rc = failf(err, err_len, "SET_MEM_TABLE: region %u: mmap of 0x%llx bytes failed", i,
                       (unsigned long long)r->memory_size);
            break;
        }
        maps[mapped++] = (vhost_mem_map){ *r, host };
    }
    for (unsigned i = 0; i < n; i++)
        close(fds[i]); /* the mappings keep the memory */
    if (rc != 0) {
        for (unsigned i = 0; i < mapped; i++)
            munmap(maps[i].host, (size_t)maps[i].region.memory_size);
        return rc;
    }
    vhost_mem_clear(m);
    for (unsigned i = 0; i < n; i++) {
        vmmem_host_ram ram = { maps[i].host, -1, 0 };
        int add = vmmem_guest_add_host_ram(m->gm, maps[i].region.guest_phys_addr, maps[i].region.memory_size, &ram);
        if (add != VMMEM_OK) {
            rc = failf(err, err_len, "SET_MEM_TABLE: region %u cannot be added to guest memory (%s)", i,
                       vmmem_strerror(add));
            for (unsigned j = i; j < n; j++)
                munmap(maps[j].host, (size_t)maps[j].region.memory_size);
            break;
        }
        m->maps[m->count++] = maps[i];
    }
    return rc;
}

int vhost_mem_user_to_gpa(const vhost_mem *m, uint64_t ua, uint64_t len, vmmem_gpa *gpa)
{
    for (unsigned i = 0; i < m->count; i++) {
        const vhost_mem_region *r = &m->maps[i].region;
        if (ua >= r->userspace_addr && ua - r->userspace_addr < r->memory_size &&
            len <= r->memory_size - (ua - r->userspace_addr)) {
            *gpa = r->guest_phys_addr + (ua - r->userspace_addr);
            return 0;
        }
    }
    return -1;
}
