/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vhost/vhost_mem.c - the vhost-user memory table: checks, maps and
 * adds the front-end's regions to guest memory, removes them, translates
 * user addresses. */
#include "vhost_mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* Filesystem magics (linux/magic.h) of the files a trusting back-end maps. */
#define TMPFS_MAGIC_NUMBER 0x01021994
#define HUGETLBFS_MAGIC_NUMBER 0x958458f6

/* [a, a + alen) and [b, b + blen) share a byte (lengths non-zero; a range
 * may end exactly at 2^64, so compare inclusive last bytes). */
static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Whether the region's file may be mapped (docs/vhost_user_blk.md, "Guest
 * memory"): a memfd sealed against shrinking, which nobody can shrink under
 * the mapping, unless it is a hugetlb memfd; or, only when the front-end is
 * trusted, a file on tmpfs or hugetlbfs. Anything else (ext4, NFS, FUSE: a
 * file the front-end can truncate, or whose page faults a remote server
 * answers) could raise SIGBUS in the back-end or block its only thread. The
 * seals are read first: F_GET_SEALS never calls into the file's filesystem
 * (and a sealed file is a memfd, on shmem or hugetlbfs, so its fstatfs()
 * is local). A hugetlb memfd's seal does not protect the mapping: the
 * front-end can still punch a hole (fallocate), which returns the huge
 * pages and their reservation to the pool, and the back-end's next access
 * raises SIGBUS when the pool has none left. */
static int check_file(const char *label, int fd, int trust_files, char *err, size_t err_len)
{
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals >= 0 && (seals & F_SEAL_SHRINK)) {
        struct statfs fs;
        if (fstatfs(fd, &fs) != 0)
            return vhost_failf(err, err_len, "%s: the file's filesystem cannot be read", label);
        if (fs.f_type != HUGETLBFS_MAGIC_NUMBER || trust_files)
            return 0;
        return vhost_failf(err, err_len,
                     "%s: the file is a hugetlbfs memfd, whose huge pages the front-end can punch out under "
                     "the mapping (SIGBUS) despite its seals; it needs --trust-front-end-files",
                     label);
    }
    if (!trust_files)
        return vhost_failf(err, err_len,
                     "%s: the file is not a memfd sealed against shrinking (F_SEAL_SHRINK; QEMU: "
                     "memory-backend-memfd, seal=on by default); tmpfs and hugetlbfs files need "
                     "--trust-front-end-files",
                     label);
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0 || (fs.f_type != TMPFS_MAGIC_NUMBER && fs.f_type != HUGETLBFS_MAGIC_NUMBER))
        return vhost_failf(err, err_len, "%s: the file is neither a sealed memfd nor on tmpfs or hugetlbfs", label);
    return 0;
}

/* Checks one region (label names it in errors: "SET_MEM_TABLE: region 2"). */
static int check_region(const vhost_mem *m, const vhost_mem_region *r, const char *label, int fd, char *err,
                        size_t err_len)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    if (r->memory_size == 0)
        return vhost_failf(err, err_len, "%s is empty", label);
    if (r->guest_phys_addr % page || r->memory_size % page || r->mmap_offset % page)
        return vhost_failf(err, err_len, "%s (guest 0x%llx, 0x%llx bytes, offset 0x%llx) is not page aligned", label,
                     (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
                     (unsigned long long)r->mmap_offset);
    if (r->guest_phys_addr + r->memory_size - 1 < r->guest_phys_addr ||
        r->userspace_addr + r->memory_size - 1 < r->userspace_addr ||
        r->mmap_offset + r->memory_size < r->mmap_offset || r->mmap_offset + r->memory_size > INT64_MAX ||
        r->memory_size > SIZE_MAX)
        return vhost_failf(err, err_len, "%s wraps past 2^64", label);
    if (check_file(label, fd, m->trust_files, err, err_len) != 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return vhost_failf(err, err_len, "%s: descriptor is not a memory file", label);
    /* A mapping past the end of the file would raise SIGBUS on access. */
    if ((uint64_t)st.st_size < r->mmap_offset + r->memory_size)
        return vhost_failf(err, err_len, "%s ends at file offset 0x%llx, past the file's 0x%llx bytes", label,
                     (unsigned long long)(r->mmap_offset + r->memory_size), (unsigned long long)st.st_size);
    return 0;
}

/* Which of a and b overlap, as an error ("... overlap in guest memory"),
 * or NULL. */
static const char *overlap_kind(const vhost_mem_region *a, const vhost_mem_region *b)
{
    if (overlaps(a->guest_phys_addr, a->memory_size, b->guest_phys_addr, b->memory_size))
        return "guest memory";
    if (overlaps(a->userspace_addr, a->memory_size, b->userspace_addr, b->memory_size))
        return "user addresses";
    return NULL;
}

/* Removes map i from guest memory (after a grace period: no access reaches
 * its memory then), unmaps it and drops it from the table. A region guest
 * memory still holds stays mapped and listed. Returns 0 or -1. */
static int remove_map(vhost_mem *m, unsigned i)
{
    vhost_mem_map *map = &m->maps[i];
    if (vmmem_guest_remove_region(m->gm, map->region.guest_phys_addr) != VMMEM_OK)
        return -1;
    munmap(map->host, (size_t)map->region.memory_size);
    m->maps[i] = m->maps[--m->count];
    return 0;
}

int vhost_mem_clear(vhost_mem *m)
{
    int rc = 0;
    for (unsigned i = m->count; i-- > 0;)
        if (remove_map(m, i) != 0)
            rc = -1;
    return rc;
}

void vhost_mem_release(vhost_mem *m)
{
    for (unsigned i = 0; i < m->count; i++)
        munmap(m->maps[i].host, (size_t)m->maps[i].region.memory_size);
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
        char label[48]; /* "SET_MEM_TABLE: region " and 10 digits */
        snprintf(label, sizeof label, "SET_MEM_TABLE: region %u", i);
        rc = check_region(m, r, label, fds[i], err, err_len);
        for (unsigned j = 0; j < i && rc == 0; j++) {
            const char *kind = overlap_kind(r, &table->regions[j]);
            if (kind)
                rc = vhost_failf(err, err_len, "SET_MEM_TABLE: regions %u and %u overlap in %s", j, i, kind);
        }
    }
    for (unsigned i = 0; i < n && rc == 0; i++) {
        const vhost_mem_region *r = &table->regions[i];
        void *host = mmap(NULL, (size_t)r->memory_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                          fds[i], (off_t)r->mmap_offset);
        if (host == MAP_FAILED) {
            rc = vhost_failf(err, err_len, "SET_MEM_TABLE: region %u: mmap of 0x%llx bytes failed", i,
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
    if (vhost_mem_clear(m) != 0) {
        for (unsigned i = 0; i < n; i++)
            munmap(maps[i].host, (size_t)maps[i].region.memory_size);
        return vhost_failf(err, err_len, "SET_MEM_TABLE: an old region cannot be removed from guest memory");
    }
    for (unsigned i = 0; i < n; i++) {
        vmmem_host_ram ram = { maps[i].host, -1, 0 };
        int add = vmmem_guest_add_host_ram(m->gm, maps[i].region.guest_phys_addr, maps[i].region.memory_size, &ram);
        if (add != VMMEM_OK) {
            rc = vhost_failf(err, err_len, "SET_MEM_TABLE: region %u cannot be added to guest memory (%s)", i,
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

int vhost_mem_add(vhost_mem *m, const vhost_mem_region *r, int fd, char *err, size_t err_len)
{
    int rc = 0;
    if (m->count == VHOST_MEM_MAX_SLOTS)
        rc = vhost_failf(err, err_len, "ADD_MEM_REG: all %u memory slots are in use", VHOST_MEM_MAX_SLOTS);
    else
        rc = check_region(m, r, "ADD_MEM_REG: the region", fd, err, err_len);
    for (unsigned i = 0; i < m->count && rc == 0; i++) {
        const char *kind = overlap_kind(r, &m->maps[i].region);
        if (kind)
            rc = vhost_failf(err, err_len, "ADD_MEM_REG: the region overlaps region %u in %s", i, kind);
    }
    void *host = MAP_FAILED;
    if (rc == 0) {
        host = mmap(NULL, (size_t)r->memory_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                    (off_t)r->mmap_offset);
        if (host == MAP_FAILED)
            rc = vhost_failf(err, err_len, "ADD_MEM_REG: mmap of 0x%llx bytes failed", (unsigned long long)r->memory_size);
    }
    close(fd);
    if (rc != 0)
        return rc;
    vmmem_host_ram ram = { host, -1, 0 };
    int add = vmmem_guest_add_host_ram(m->gm, r->guest_phys_addr, r->memory_size, &ram);
    if (add != VMMEM_OK) {
        munmap(host, (size_t)r->memory_size);
        return vhost_failf(err, err_len, "ADD_MEM_REG: the region cannot be added to guest memory (%s)", vmmem_strerror(add));
    }
    m->maps[m->count++] = (vhost_mem_map){ *r, host };
    return 0;
}

int vhost_mem_remove(vhost_mem *m, const vhost_mem_region *r, char *err, size_t err_len)
{
    for (unsigned i = 0; i < m->count; i++) {
        vhost_mem_map *map = &m->maps[i];
        if (map->region.guest_phys_addr != r->guest_phys_addr || map->region.memory_size != r->memory_size ||
            map->region.userspace_addr != r->userspace_addr)
            continue;
        if (remove_map(m, i) != 0)
            return vhost_failf(err, err_len, "REM_MEM_REG: the region at guest 0x%llx cannot be removed from guest memory",
                         (unsigned long long)r->guest_phys_addr);
        return 0;
    }
    return vhost_failf(err, err_len, "REM_MEM_REG: no region at guest 0x%llx of 0x%llx bytes, user address 0x%llx",
                 (unsigned long long)r->guest_phys_addr, (unsigned long long)r->memory_size,
                 (unsigned long long)r->userspace_addr);
}
