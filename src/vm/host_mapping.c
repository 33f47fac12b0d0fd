/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/host_mapping.c - host memory behind RAM and ROM regions: anonymous,
 * file/memfd-backed or huge-page mmaps placed between guard pages, and the
 * check that memory the caller mapped is mapped readable and writable. */
#include "guest_internal.h"

#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

size_t host_page_size(void)
{
    long page = sysconf(_SC_PAGESIZE);
    return page > 0 ? (size_t)page : 4096;
}

int host_huge_page_size(size_t *out)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return VMMEM_EUNSUPPORTED;
    char line[128];
    unsigned long kib = 0;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Hugepagesize: %lu kB", &kib) == 1)
            break;
    fclose(f);
    if (kib == 0)
        return VMMEM_EUNSUPPORTED;
    *out = (size_t)kib * 1024;
    return VMMEM_OK;
}

static int errno_code(int err)
{
    return err == ENOMEM ? VMMEM_ENOMEM : VMMEM_EIO;
}

/* Reserves size bytes between guard areas of at least `guard` bytes each,
 * the data start aligned to `align` (powers of two, align >= guard: a
 * page; a huge page, so that a MAP_HUGETLB mapping can be placed there or
 * transparent huge pages can back it from its first byte). */
static int reserve(host_mapping *hm, size_t size, size_t guard, size_t align)
{
    if (size > SIZE_MAX - 2 * guard - align)
        return VMMEM_ENOMEM;
    /* align's worth of slack lets the data start be aligned. */
    hm->reserve_len = size + 2 * guard + align;
    hm->reserve = mmap(NULL, hm->reserve_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (hm->reserve == MAP_FAILED) {
        hm->reserve = NULL;
        return errno_code(errno);
    }
    uintptr_t start = ((uintptr_t)hm->reserve + guard + align - 1) & ~(uintptr_t)(align - 1);
    hm->data = (unsigned char *)start;
    return VMMEM_OK;
}

/* The transparent huge page size (PMD size), or 0 when the kernel has no
 * transparent huge pages. */
static size_t thp_size(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    if (!f)
        return 0;
    unsigned long bytes = 0;
    if (fscanf(f, "%lu", &bytes) != 1 || (bytes & (bytes - 1)) != 0)
        bytes = 0;
    fclose(f);
    return (size_t)bytes;
}

static int file_covers(int fd, uint64_t offset, uint64_t size)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return VMMEM_EIO;
    /* Only regular files (memfd, tmpfs, hugetlbfs included) have a length
     * to check; devices are taken as they are. */
    if (S_ISREG(st.st_mode) && (st.st_size < 0 || (uint64_t)st.st_size < offset ||
                                (uint64_t)st.st_size - offset < size))
        return VMMEM_EINVAL;
    return VMMEM_OK;
}

/* The page size of a hugetlbfs file (a file there or an MFD_HUGETLB memfd,
 * which can only be mapped at multiples of it), or 0 for any other file. */
static size_t file_huge_page(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0 || (unsigned long)fs.f_type != HUGETLBFS_MAGIC || fs.f_bsize <= 0)
        return 0;
    return (size_t)fs.f_bsize;
}

int host_map_ram(host_mapping *hm, uint64_t size, const vmmem_ram_options *options)
{
    int fd = options ? options->fd : -1;
    unsigned flags = options ? options->flags : 0;
    if (size > SIZE_MAX)
        return VMMEM_ENOMEM;
    if (fd >= 0) {
        int rc = file_covers(fd, options->fd_offset, size);
        if (rc != VMMEM_OK)
            return rc;
    }
    size_t guard = host_page_size(), align = guard, thp = 0, file_page = fd >= 0 ? file_huge_page(fd) : 0;
    int map_flags = MAP_FIXED;
    if (file_page) {
        /* huge by itself: placed, sized and offset in its own pages */
        if (size % file_page != 0 || options->fd_offset % file_page != 0)
            return VMMEM_EINVAL;
        guard = align = file_page;
    } else if (flags & VMMEM_RAM_HUGEPAGES) {
        int rc = host_huge_page_size(&guard);
        if (rc != VMMEM_OK)
            return rc;
        align = guard;
        map_flags |= MAP_HUGETLB;
    } else if (!(flags & VMMEM_RAM_NO_THP)) {
        thp = thp_size();
        if (thp > align && size >= thp)
            align = thp; /* a huge page can start at the first byte */
    }
    map_flags |= (fd >= 0 || (flags & VMMEM_RAM_SHARED)) ? MAP_SHARED : MAP_PRIVATE;
    if (fd < 0)
        map_flags |= MAP_ANONYMOUS;
    int rc = reserve(hm, (size_t)size, guard, align);
    if (rc != VMMEM_OK)
        return rc;
    void *p = mmap(hm->data, (size_t)size, PROT_READ | PROT_WRITE, map_flags, fd,
                   fd >= 0 ? (off_t)options->fd_offset : 0);
    if (p == MAP_FAILED) {
        rc = errno_code(errno);
        host_unmap(hm);
        return rc;
    }
    /* Transparent huge pages, as QEMU asks for guest RAM: fewer TLB misses
     * for a guest's scattered accesses. Advice only: where the kernel has
     * none (or refuses it for this mapping) nothing changes. */
    if (thp)
        (void)madvise(hm->data, (size_t)size, MADV_HUGEPAGE);
    return VMMEM_OK;
}

int host_map_rom(host_mapping *hm, uint64_t size, const void *content, size_t content_len)
{
    if (size > SIZE_MAX)
        return VMMEM_ENOMEM;
    int rc = reserve(hm, (size_t)size, host_page_size(), host_page_size());
    if (rc != VMMEM_OK)
        return rc;
    void *p = mmap(hm->data, (size_t)size, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        rc = errno_code(errno);
        host_unmap(hm);
        return rc;
    }
    if (content_len > 0)
        memcpy(hm->data, content, content_len);
    if (mprotect(hm->data, (size_t)size, PROT_READ) != 0) {
        rc = errno_code(errno);
        host_unmap(hm);
        return rc;
    }
    return VMMEM_OK;
}

void host_unmap(host_mapping *hm)
{
    if (hm->reserve)
        munmap(hm->reserve, hm->reserve_len);
    hm->reserve = NULL;
    hm->data = NULL;
}

/* Whether /proc/self/maps shows [at, last] mapped readable and writable:
 * 1 yes, 0 no, -1 the file cannot be read (a sandbox without /proc). */
static int maps_say_read_write(uintptr_t at, uintptr_t last)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return -1;
    int verdict = 0;
    char line[256];
    bool line_start = true;
    while (fgets(line, sizeof line, f)) {
        bool starts_line = line_start;
        line_start = strchr(line, '\n') != NULL; /* a long path continues the line */
        unsigned long start, end;
        char perms[5];
        if (!starts_line || sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3 || end <= at)
            continue;
        if (start > at || perms[0] != 'r' || perms[1] != 'w')
            break; /* a hole, or a page the library could not read or write */
        if (end - 1 >= last) {
            verdict = 1;
            break;
        }
        at = end; /* the next mapping must continue the range */
    }
    fclose(f);
    return verdict;
}

bool host_range_read_write(const void *p, uint64_t size)
{
    if (size == 0 || size > SIZE_MAX || size - 1 > UINTPTR_MAX - (uintptr_t)p)
        return false;
    uintptr_t at = (uintptr_t)p, last = at + (uintptr_t)(size - 1);
    int verdict = maps_say_read_write(at, last);
    if (verdict >= 0)
        return verdict == 1;
    /* Without /proc: mapped at least. msync() validates the range (ENOMEM
     * for an unmapped page) and, with MS_ASYNC, writes nothing back. */
    return msync((void *)at, (size_t)size, MS_ASYNC) == 0;
}
