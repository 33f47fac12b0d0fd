/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_guest_memory.c - the guest address space itself: every
 * validation rule of adding RAM, ROM and MMIO regions (and its error code),
 * removal, region_at, read-side sections and translation, guard pages around
 * host mappings, RAM backed by a memfd, a huge-page attempt that skips
 * when none are configured, and RAM the caller mapped (validation, hand-off
 * of its pointer, file and offset, never unmapped, dirty tracking). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/guest_memory.h>

#include "test_support.h"

#define PAGE ((uint64_t)sysconf(_SC_PAGESIZE))
#define TOP UINT64_MAX /* the last guest physical address */

static vmmem_guest_memory *gm;

static int setup(void **state)
{
    (void)state;
    return vmmem_guest_memory_create(&gm) == VMMEM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
    return 0;
}

static int dev_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque;
    memset(data, (int)(offset & 0xff), size);
    return VMMEM_OK;
}

static int dev_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    return VMMEM_OK;
}

static vmmem_mmio_ops device(unsigned min, unsigned max)
{
    vmmem_mmio_ops ops = {dev_read, dev_write, min, max, NULL};
    return ops;
}

static void test_create_and_destroy_arguments(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_memory_create(NULL), VMMEM_EINVAL);
    vmmem_guest_memory_destroy(NULL); /* ignored */
    assert_int_equal(vmmem_guest_add_ram(NULL, 0, PAGE, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_remove_region(NULL, 0), VMMEM_EINVAL);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(NULL, 0, &info), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_region_at(gm, 0, NULL), VMMEM_EINVAL);
}

static void test_add_ram_validation(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_add_ram(gm, 0, 0, NULL), VMMEM_EINVAL);            /* empty */
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE + 1, NULL), VMMEM_EINVAL);     /* size not pages */
    assert_int_equal(vmmem_guest_add_ram(gm, 1, PAGE, NULL), VMMEM_EINVAL);         /* base not aligned */
    assert_int_equal(vmmem_guest_add_ram(gm, TOP - PAGE + 1, 2 * PAGE, NULL), VMMEM_ERANGE); /* wraps */
    assert_int_equal(vmmem_guest_add_ram(gm, TOP - PAGE + 1, UINT64_MAX - PAGE + 1, NULL), VMMEM_ERANGE);
    vmmem_ram_options bad_fd = {-2, 0, 0};
    vmmem_ram_options bad_flags = {-1, 0, 1u << 7};
    vmmem_ram_options huge_with_fd = {0, 0, VMMEM_RAM_HUGEPAGES};
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &bad_fd), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &bad_flags), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &huge_with_fd), VMMEM_EINVAL);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, 0, &info), VMMEM_EFAULT); /* nothing was added */
    /* The very last page of the address space is fine: [2^64 - page, 2^64). */
    assert_int_equal(vmmem_guest_add_ram(gm, TOP - PAGE + 1, PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_u8(gm, TOP, 0xAB), VMMEM_OK);
    uint8_t v = 0;
    assert_int_equal(vmmem_guest_read_u8(gm, TOP, &v), VMMEM_OK);
    assert_int_equal(v, 0xAB);
}

static void test_overlap_is_rejected(void **state)
{
    (void)state;
    uint64_t base = 16 * PAGE;
    assert_int_equal(vmmem_guest_add_ram(gm, base, 4 * PAGE, NULL), VMMEM_OK);
    /* identical, starting inside, ending inside, inside, around */
    assert_int_equal(vmmem_guest_add_ram(gm, base, 4 * PAGE, NULL), VMMEM_EEXIST);
    assert_int_equal(vmmem_guest_add_ram(gm, base + 3 * PAGE, 2 * PAGE, NULL), VMMEM_EEXIST);
    assert_int_equal(vmmem_guest_add_ram(gm, base - PAGE, 2 * PAGE, NULL), VMMEM_EEXIST);
    assert_int_equal(vmmem_guest_add_rom(gm, base + PAGE, PAGE, NULL, 0), VMMEM_EEXIST);
    vmmem_mmio_ops ops = device(1, 8);
    assert_int_equal(vmmem_guest_add_mmio(gm, base - 1, 4 * PAGE + 2, &ops), VMMEM_EEXIST);
    assert_int_equal(vmmem_guest_add_mmio(gm, base + 4 * PAGE - 1, 1, &ops), VMMEM_EEXIST);
    /* touching on both sides is fine */
    assert_int_equal(vmmem_guest_add_mmio(gm, base - 1, 1, &ops), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, base + 4 * PAGE, PAGE, NULL), VMMEM_OK);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, base - 1, &info), VMMEM_OK);
    assert_int_equal(info.kind, VMMEM_REGION_MMIO);
    assert_int_equal(vmmem_guest_region_at(gm, base + 4 * PAGE, &info), VMMEM_OK);
    assert_int_equal(info.base, base + 4 * PAGE);
}

static void test_add_rom_validation_and_content(void **state)
{
    (void)state;
    static const char content[] = "boot firmware";
    assert_int_equal(vmmem_guest_add_rom(gm, 0, PAGE, NULL, 4), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_rom(gm, 0, PAGE, content, PAGE + 1), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_rom(gm, 0, 0, content, 0), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_rom(gm, 3, PAGE, content, 0), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_rom(gm, TOP - PAGE + 1, 2 * PAGE, content, 0), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_add_rom(gm, PAGE, 2 * PAGE, content, sizeof content), VMMEM_OK);
    char buf[sizeof content + 8];
    assert_int_equal(vmmem_guest_read(gm, PAGE, buf, sizeof buf), VMMEM_OK);
    assert_memory_equal(buf, content, sizeof content);
    for (size_t i = sizeof content; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0); /* zero after the content */
    assert_int_equal(vmmem_guest_write_u8(gm, PAGE, 'X'), VMMEM_EPERM);
    assert_int_equal(vmmem_guest_write(gm, PAGE + 5, "abc", 3), VMMEM_EPERM);
    assert_int_equal(vmmem_guest_read(gm, PAGE, buf, sizeof buf), VMMEM_OK);
    assert_memory_equal(buf, content, sizeof content);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, 3 * PAGE - 1, &info), VMMEM_OK);
    assert_int_equal(info.kind, VMMEM_REGION_ROM);
    assert_int_equal(info.size, 2 * PAGE);
    assert_non_null(info.host);
    assert_null(info.mmio.read);
    assert_null(info.mmio.write);
}

static void test_add_mmio_validation(void **state)
{
    (void)state;
    vmmem_mmio_ops ops = device(1, 8);
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, NULL), VMMEM_EINVAL);
    ops.read = NULL;
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, &ops), VMMEM_EINVAL);
    ops = device(1, 8);
    ops.write = NULL;
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, &ops), VMMEM_EINVAL);
    static const unsigned bad[][2] = {{0, 8}, {3, 8}, {1, 16}, {1, 6}, {8, 4}, {16, 16}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ops = device(bad[i][0], bad[i][1]);
        assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, &ops), VMMEM_EINVAL);
    }
    ops = device(4, 8);
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 18, &ops), VMMEM_EINVAL); /* not whole units */
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 0, &ops), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_mmio(gm, TOP - 3, 8, &ops), VMMEM_ERANGE);
    /* any alignment, and the top of the address space */
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1003, 12, &ops), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_mmio(gm, TOP - 7, 8, &ops), VMMEM_OK);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, 0x100e, &info), VMMEM_OK);
    assert_int_equal(info.kind, VMMEM_REGION_MMIO);
    assert_int_equal(info.base, 0x1003);
    assert_int_equal(info.size, 12);
    assert_null(info.host);
    assert_non_null(info.mmio.read);
    assert_int_equal(info.mmio.min_access, 4);
    assert_int_equal(vmmem_guest_region_at(gm, 0x100f, &info), VMMEM_EFAULT); /* first byte after */
    assert_int_equal(vmmem_guest_region_at(gm, 0x1002, &info), VMMEM_EFAULT); /* last byte before */
}

static void test_remove_region(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_add_ram(gm, 0, 2 * PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_u8(gm, PAGE, 7), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, PAGE), VMMEM_ENOENT); /* not its start */
    assert_int_equal(vmmem_guest_remove_region(gm, 8 * PAGE), VMMEM_ENOENT);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_ENOENT);
    uint8_t v;
    assert_int_equal(vmmem_guest_read_u8(gm, PAGE, &v), VMMEM_EFAULT);
    /* the space can be reused; new RAM reads as zero */
    assert_int_equal(vmmem_guest_add_ram(gm, PAGE, PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_read_u8(gm, PAGE, &v), VMMEM_OK);
    assert_int_equal(v, 0);
}

static void test_writers_refuse_inside_a_section(void **state)
{
    (void)state;
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, NULL), VMMEM_OK);
    vmmem_guest_enter(gm);
    /* Each of these would wait for this thread's own section to end. */
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_EBUSY);
    assert_int_equal(vmmem_guest_add_ram(gm, PAGE, PAGE, NULL), VMMEM_EBUSY);
    assert_int_equal(vmmem_guest_dirty_enable(gm, 0, 1), VMMEM_EBUSY);
    vmmem_guest_exit(gm);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, PAGE, &info), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
}

static void test_translate(void **state)
{
    (void)state;
    vmmem_mmio_ops ops = device(1, 8);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, 2 * PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, 2 * PAGE, PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_rom(gm, 3 * PAGE, PAGE, "rom", 3), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_mmio(gm, 4 * PAGE, PAGE, &ops), VMMEM_OK);
    void *host = NULL;
    /* outside a section: refused, since the pointer could die at once */
    assert_int_equal(vmmem_guest_translate(gm, 0, 8, VMMEM_ACCESS_READ, &host), VMMEM_EINVAL);
    vmmem_guest_enter(gm);
    vmmem_guest_enter(gm); /* sections nest */
    assert_int_equal(vmmem_guest_translate(gm, 16, 8, VMMEM_ACCESS_WRITE, &host), VMMEM_OK);
    memcpy(host, "12345678", 8);
    vmmem_guest_exit(gm);
    /* the whole region, up to its last byte */
    assert_int_equal(vmmem_guest_translate(gm, 0, 2 * PAGE, VMMEM_ACCESS_READ, &host), VMMEM_OK);
    assert_int_equal(vmmem_guest_translate(gm, 2 * PAGE - 1, 1, VMMEM_ACCESS_WRITE, &host), VMMEM_OK);
    /* RAM -> RAM is two regions: no single pointer */
    assert_int_equal(vmmem_guest_translate(gm, 2 * PAGE - 1, 2, VMMEM_ACCESS_READ, &host), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_translate(gm, 3 * PAGE, 3, VMMEM_ACCESS_READ, &host), VMMEM_OK);
    assert_memory_equal(host, "rom", 3);
    assert_int_equal(vmmem_guest_translate(gm, 3 * PAGE, 3, VMMEM_ACCESS_WRITE, &host), VMMEM_EPERM);
    assert_int_equal(vmmem_guest_translate(gm, 4 * PAGE, 4, VMMEM_ACCESS_READ, &host), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_translate(gm, 5 * PAGE, 1, VMMEM_ACCESS_READ, &host), VMMEM_EFAULT);
    assert_int_equal(vmmem_guest_translate(gm, 0, 0, VMMEM_ACCESS_READ, &host), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_translate(gm, 0, 8, 0, &host), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_translate(gm, 0, 8, VMMEM_ACCESS_READ | VMMEM_ACCESS_WRITE, &host), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_translate(gm, 0, 8, VMMEM_ACCESS_READ, NULL), VMMEM_EINVAL);
    /* gpa + len wrapping is an error, not a short range that passes */
    assert_int_equal(vmmem_guest_translate(gm, 16, UINT64_MAX, VMMEM_ACCESS_READ, &host), VMMEM_ERANGE);
    assert_int_equal(vmmem_guest_translate(gm, TOP, 2, VMMEM_ACCESS_READ, &host), VMMEM_ERANGE);
    vmmem_guest_exit(gm);
    char buf[8];
    assert_int_equal(vmmem_guest_read(gm, 16, buf, 8), VMMEM_OK);
    assert_memory_equal(buf, "12345678", 8);
}

static void test_memfd_backed_ram(void **state)
{
    (void)state;
    int fd = memfd_create("vmmem-test", 0);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)(4 * PAGE)), 0);
    vmmem_ram_options opts = {fd, PAGE, 0};
    assert_int_equal(vmmem_guest_add_ram(gm, 0, 4 * PAGE, &opts), VMMEM_EINVAL); /* past the file's end */
    vmmem_ram_options odd_offset = {fd, 1, 0};
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &odd_offset), VMMEM_EINVAL);
    vmmem_ram_options not_a_file = {1000000, 0, 0};
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &not_a_file), VMMEM_EIO);
    assert_int_equal(vmmem_guest_add_ram(gm, 0x100000, 3 * PAGE, &opts), VMMEM_OK);
    static const char msg[] = "written by the guest";
    assert_int_equal(vmmem_guest_write(gm, 0x100000 + 10, msg, sizeof msg), VMMEM_OK);
    char back[sizeof msg];
    /* shared with the file: region offset 10 is file offset PAGE + 10 */
    assert_int_equal(pread(fd, back, sizeof back, (off_t)(PAGE + 10)), (ssize_t)sizeof back);
    assert_memory_equal(back, msg, sizeof msg);
    assert_int_equal(pwrite(fd, "from host", 9, (off_t)(2 * PAGE)), 9);
    assert_int_equal(vmmem_guest_read(gm, 0x100000 + PAGE, back, 9), VMMEM_OK);
    assert_memory_equal(back, "from host", 9);
    assert_int_equal(vmmem_guest_remove_region(gm, 0x100000), VMMEM_OK);
    close(fd);
}

static void test_shared_anonymous_ram(void **state)
{
    (void)state;
    vmmem_ram_options opts = {-1, 0, VMMEM_RAM_SHARED};
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &opts), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le32(gm, 8, 0x01020304), VMMEM_OK);
    uint32_t v;
    assert_int_equal(vmmem_guest_read_le32(gm, 8, &v), VMMEM_OK);
    assert_int_equal(v, 0x01020304);
}

static void test_huge_page_ram(void **state)
{
    (void)state;
    vmmem_ram_options opts = {-1, 0, VMMEM_RAM_HUGEPAGES};
    /* 4 KiB cannot be a whole number of huge pages (or huge pages are absent) */
    int rc = vmmem_guest_add_ram(gm, 0, PAGE, &opts);
    assert_true(rc == VMMEM_EINVAL || rc == VMMEM_EUNSUPPORTED);
    uint64_t huge = 2u << 20; /* the usual x86_64 and arm64 (4 KiB granule) default */
    rc = vmmem_guest_add_ram(gm, 0, huge, &opts);
    if (rc == VMMEM_ENOMEM || rc == VMMEM_EUNSUPPORTED || rc == VMMEM_EINVAL || rc == VMMEM_EIO) {
        print_message("skipped: no %llu-byte huge pages available (%s)\n", (unsigned long long)huge,
                      vmmem_strerror(rc));
        skip();
    }
    assert_int_equal(rc, VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le64(gm, huge - 8, 42), VMMEM_OK);
    uint64_t v;
    assert_int_equal(vmmem_guest_read_le64(gm, huge - 8, &v), VMMEM_OK);
    assert_int_equal(v, 42);
}

/* A hugetlbfs memfd is mapped at its own page size: a size or an offset
 * that is not a multiple of it is refused before anything is mapped (no
 * huge page needs to be free for that). */
static void test_hugetlb_file_ram(void **state)
{
    (void)state;
    int fd = memfd_create("vmmem-hugetlb", MFD_HUGETLB);
    if (fd < 0) {
        print_message("skipped: no MFD_HUGETLB memfd (%s)\n", strerror(errno));
        skip();
    }
    uint64_t huge = 2u << 20; /* the default hugetlbfs page on x86_64 and arm64 (4 KiB granule) */
    if (ftruncate(fd, (off_t)(2 * huge)) != 0) {
        close(fd);
        print_message("skipped: cannot size a hugetlbfs file (%s)\n", strerror(errno));
        skip();
    }
    vmmem_ram_options opts = { fd, 0, 0 };
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &opts), VMMEM_EINVAL);
    opts.fd_offset = PAGE;
    assert_int_equal(vmmem_guest_add_ram(gm, 0, huge, &opts), VMMEM_EINVAL);
    opts.fd_offset = 0;
    opts.flags = VMMEM_RAM_NO_THP;
    int rc = vmmem_guest_add_ram(gm, 0, huge, &opts);
    if (rc == VMMEM_OK) {
        assert_int_equal(vmmem_guest_write_le64(gm, huge - 8, 7), VMMEM_OK);
        assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    } else {
        /* mapping a huge page needs one free: none configured here */
        assert_int_equal(rc, VMMEM_ENOMEM);
    }
    close(fd);
}

/* Exit code of a child whose probe faulted, as the guard pages promise. */
#define FAULTED 42

static void on_fault(int sig)
{
    (void)sig;
    _exit(FAULTED);
}

/* Runs `touch(p)` in a child process; true when it faulted. */
static int faults(void (*touch)(volatile unsigned char *), volatile unsigned char *p)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fault;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        touch(p);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return (WIFEXITED(status) && WEXITSTATUS(status) == FAULTED) ||
           (WIFSIGNALED(status) && (WTERMSIG(status) == SIGSEGV || WTERMSIG(status) == SIGBUS));
}

static void read_byte(volatile unsigned char *p)
{
    (void)*p;
}

static void write_byte(volatile unsigned char *p)
{
    *p = 1;
}

/* The smaps entry of the mapping holding p: its VmFlags line into flags
 * and its THPeligible value (-1 when the kernel does not report it).
 * Returns 0 when p is in no mapping. */
static int smaps_of(const void *p, char *flags, size_t flags_len, int *thp_eligible)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return 0;
    char line[512];
    int in = 0, found = 0;
    *thp_eligible = -1;
    flags[0] = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            if (in)
                break;
            in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            found |= in;
            continue;
        }
        if (!in)
            continue;
        if (strncmp(line, "VmFlags:", 8) == 0)
            snprintf(flags, flags_len, "%.*s", (int)(flags_len - 1), line + 8);
        sscanf(line, "THPeligible: %d", thp_eligible);
    }
    fclose(f);
    return found;
}

/* Whether the VmFlags line holds the two-letter flag. */
static int has_vm_flag(const char *flags, const char *flag)
{
    for (const char *at = flags; (at = strstr(at, flag)) != NULL; at += 2)
        if ((at == flags || at[-1] == ' ') && (at[2] == ' ' || at[2] == '\n' || at[2] == 0))
            return 1;
    return 0;
}

/* RAM asks for transparent huge pages by default (MADV_HUGEPAGE: "hg" in
 * the mapping's VmFlags, THPeligible where the kernel's policy allows
 * them), starts on a huge page boundary, and VMMEM_RAM_NO_THP turns both
 * off. Skips where the kernel has no transparent huge pages or they are
 * off, and under qemu-user (which ignores madvise). */
static void test_ram_asks_for_transparent_huge_pages(void **state)
{
    (void)state;
    char policy[128] = "";
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f) {
        if (!fgets(policy, sizeof policy, f))
            policy[0] = 0;
        fclose(f);
    }
    if (!f || strstr(policy, "[never]") || running_under_emulator()) {
        print_message("skipped: no transparent huge pages here (%s)\n", f ? policy : "no sysfs entry");
        skip();
    }
    const uint64_t size = 8u << 20;
    vmmem_ram_options off = { -1, 0, VMMEM_RAM_NO_THP };
    assert_int_equal(vmmem_guest_add_ram(gm, 0, size, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, size, size, &off), VMMEM_OK);
    vmmem_region_info on_info, off_info;
    assert_int_equal(vmmem_guest_region_at(gm, 0, &on_info), VMMEM_OK);
    assert_int_equal(vmmem_guest_region_at(gm, size, &off_info), VMMEM_OK);
    assert_int_equal((uintptr_t)on_info.host % (2u << 20), 0);
    char flags[512];
    int eligible;
    assert_true(smaps_of(on_info.host, flags, sizeof flags, &eligible));
    print_message("default RAM: VmFlags%s", flags);
    assert_true(has_vm_flag(flags, "hg"));
    if (eligible >= 0)
        assert_int_equal(eligible, 1);
    assert_true(smaps_of(off_info.host, flags, sizeof flags, &eligible));
    assert_false(has_vm_flag(flags, "hg"));
    if (eligible >= 0 && strstr(policy, "[madvise]"))
        assert_int_equal(eligible, 0);
    /* the guest's bytes are the same either way */
    assert_int_equal(vmmem_guest_write_le64(gm, size - 8, 42), VMMEM_OK);
    uint64_t v;
    assert_int_equal(vmmem_guest_read_le64(gm, size - 8, &v), VMMEM_OK);
    assert_int_equal(v, 42);
}

static void test_host_mappings_have_guard_pages(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip(); /* fork hangs under qemu-user */
    assert_int_equal(vmmem_guest_add_ram(gm, 0x10000, 2 * PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_rom(gm, 0x10000 + 2 * PAGE, PAGE, "rom", 3), VMMEM_OK);
    vmmem_region_info ram, rom;
    assert_int_equal(vmmem_guest_region_at(gm, 0x10000, &ram), VMMEM_OK);
    assert_int_equal(vmmem_guest_region_at(gm, 0x10000 + 2 * PAGE, &rom), VMMEM_OK);
    volatile unsigned char *r = ram.host, *o = rom.host;
    /* the region's own bytes are fine, in a child as here */
    assert_false(faults(write_byte, r));
    assert_false(faults(write_byte, r + 2 * PAGE - 1));
    assert_false(faults(read_byte, o + PAGE - 1));
    /* one byte before or after a RAM or ROM mapping faults */
    assert_true(faults(read_byte, r - 1));
    assert_true(faults(read_byte, r + 2 * PAGE));
    assert_true(faults(read_byte, o - 1));
    assert_true(faults(read_byte, o + PAGE));
    /* and ROM is read-only on the host as well */
    assert_true(faults(write_byte, o));
}

/* ---- RAM the caller mapped ------------------------------------------------------ */

/* Whether [p, p + len) is mapped (msync() fails with ENOMEM otherwise). */
static int host_range_is_mapped(void *p, size_t len)
{
    return msync(p, len, MS_ASYNC) == 0;
}

/* n pages mapped by the test (the caller), private anonymous or of fd. */
static unsigned char *caller_map(size_t pages, int fd, off_t offset)
{
    void *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, fd >= 0 ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS,
                   fd, fd >= 0 ? offset : 0);
    assert_true(p != MAP_FAILED);
    return p;
}

static void test_host_ram_validation(void **state)
{
    (void)state;
    unsigned char *mem = caller_map(4, -1, 0);
    vmmem_host_ram ram = { mem, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(NULL, 0, PAGE, &ram), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, NULL), VMMEM_EINVAL);
    vmmem_host_ram null_host = { NULL, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, &null_host), VMMEM_EINVAL);
    vmmem_host_ram misaligned = { mem + 8, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, &misaligned), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE + 1, &ram), VMMEM_EINVAL); /* size */
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 0, &ram), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 8, PAGE, &ram), VMMEM_EINVAL);    /* gpa */
    assert_int_equal(vmmem_guest_add_host_ram(gm, TOP - PAGE + 2, PAGE, &ram), VMMEM_ERANGE);
    vmmem_host_ram bad_fd = { mem, -2, 0 }, offset_without_fd = { mem, -1, PAGE }, odd_offset = { mem, 3, 5 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, &bad_fd), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, &offset_without_fd), VMMEM_EINVAL);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PAGE, &odd_offset), VMMEM_EINVAL);
    /* more than the caller mapped: the page after the mapping is not mapped */
    assert_int_equal(munmap(mem + 3 * PAGE, PAGE), 0);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 4 * PAGE, &ram), VMMEM_EINVAL);
    /* mapped, but not readable and writable: a guest write would fault */
    assert_int_equal(mprotect(mem + 2 * PAGE, PAGE, PROT_READ), 0);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 3 * PAGE, &ram), VMMEM_EINVAL);
    assert_int_equal(mprotect(mem + 2 * PAGE, PAGE, PROT_NONE), 0);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 3 * PAGE, &ram), VMMEM_EINVAL);
    assert_int_equal(mprotect(mem + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE), 0);
    /* a host range that wraps the address space */
    vmmem_host_ram top = { (void *)(uintptr_t)(UINTPTR_MAX - PAGE + 1), -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 2 * PAGE, &top), VMMEM_EINVAL);
    /* overlapping guest regions, whoever mapped them */
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 3 * PAGE, &ram), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, 2 * PAGE, PAGE, NULL), VMMEM_EEXIST);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 2 * PAGE, PAGE, &ram), VMMEM_EEXIST);
    /* inside a section: it would wait for itself */
    vmmem_guest_enter(gm);
    assert_int_equal(vmmem_guest_add_host_ram(gm, 16 * PAGE, PAGE, &ram), VMMEM_EBUSY);
    vmmem_guest_exit(gm);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(munmap(mem, 3 * PAGE), 0);
}

/* Accesses land in the caller's memory; region_at hands out its pointer,
 * file and offset; the file sees what the guest wrote. */
static void test_host_ram_access_and_hand_off(void **state)
{
    (void)state;
    int fd = memfd_create("vmmem-caller-ram", 0);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)(8 * PAGE)), 0);
    unsigned char *mem = caller_map(4, fd, (off_t)(2 * PAGE));
    vmmem_host_ram ram = { mem, fd, 2 * PAGE };
    const vmmem_gpa base = 0x40000000u;
    assert_int_equal(vmmem_guest_add_host_ram(gm, base, 4 * PAGE, &ram), VMMEM_OK);
    static const char msg[] = "guest bytes";
    assert_int_equal(vmmem_guest_write(gm, base + PAGE + 3, msg, sizeof msg), VMMEM_OK);
    assert_memory_equal(mem + PAGE + 3, msg, sizeof msg);
    char back[sizeof msg];
    assert_int_equal(pread(fd, back, sizeof back, (off_t)(3 * PAGE + 3)), (ssize_t)sizeof back);
    assert_memory_equal(back, msg, sizeof msg);
    memcpy(mem + 2 * PAGE, "caller", 6); /* the caller writes its own memory */
    assert_int_equal(vmmem_guest_read(gm, base + 2 * PAGE, back, 6), VMMEM_OK);
    assert_memory_equal(back, "caller", 6);
    vmmem_region_info info;
    assert_int_equal(vmmem_guest_region_at(gm, base + 5, &info), VMMEM_OK);
    assert_int_equal(info.kind, VMMEM_REGION_RAM);
    assert_ptr_equal(info.host, mem);
    assert_int_equal(info.fd, fd);
    assert_int_equal(info.fd_offset, 2 * PAGE);
    assert_true(info.caller_owned);
    vmmem_guest_enter(gm);
    void *p;
    assert_int_equal(vmmem_guest_translate(gm, base + PAGE, 16, VMMEM_ACCESS_WRITE, &p), VMMEM_OK);
    assert_ptr_equal(p, mem + PAGE);
    vmmem_guest_exit(gm);
    /* the library's own RAM reports its file too, and is not caller-owned */
    vmmem_ram_options opts = { fd, 4 * PAGE, 0 };
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PAGE, &opts), VMMEM_OK);
    assert_int_equal(vmmem_guest_region_at(gm, 0, &info), VMMEM_OK);
    assert_int_equal(info.fd, fd);
    assert_int_equal(info.fd_offset, 4 * PAGE);
    assert_false(info.caller_owned);
    assert_int_equal(vmmem_guest_add_ram(gm, PAGE, PAGE, NULL), VMMEM_OK);
    assert_int_equal(vmmem_guest_region_at(gm, PAGE, &info), VMMEM_OK);
    assert_int_equal(info.fd, -1);
    assert_int_equal(vmmem_guest_remove_region(gm, base), VMMEM_OK);
    assert_int_equal(munmap(mem, 4 * PAGE), 0);
    close(fd);
}

/* Neither removal nor destruction unmaps the caller's memory: it stays
 * mapped with the guest's bytes in it. */
static void test_host_ram_never_unmapped(void **state)
{
    (void)state;
    unsigned char *mem = caller_map(2, -1, 0);
    vmmem_host_ram ram = { mem, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 2 * PAGE, &ram), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_le64(gm, 8, 0x1122334455667788u), VMMEM_OK);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    static const unsigned char le[8] = { 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
    assert_memory_equal(mem + 8, le, sizeof le); /* little-endian in guest memory; would fault if unmapped */
    /* added again, and the address space destroyed with it in the map */
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0x10000, 2 * PAGE, &ram), VMMEM_OK);
    assert_int_equal(vmmem_guest_write_u8(gm, 0x10000 + PAGE, 0x5A), VMMEM_OK);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
    assert_int_equal(mem[PAGE], 0x5A);
    mem[PAGE + 1] = 1; /* still writable: still the caller's mapping */
    assert_true(host_range_is_mapped(mem, 2 * PAGE));
    assert_int_equal(munmap(mem, 2 * PAGE), 0);
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK); /* for teardown */
}

/* Dirty tracking covers the library's writes into caller RAM. */
static void test_host_ram_dirty_tracking(void **state)
{
    (void)state;
    unsigned char *mem = caller_map(4, -1, 0);
    vmmem_host_ram ram = { mem, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, 4 * PAGE, &ram), VMMEM_OK);
    assert_int_equal(vmmem_guest_dirty_enable(gm, 0, 1), VMMEM_OK);
    unsigned char buf[16] = { 1 };
    assert_int_equal(vmmem_guest_write(gm, 2 * PAGE + 5, buf, sizeof buf), VMMEM_OK);
    mem[3 * PAGE] = 7;                                  /* the caller's own write: its to mark */
    assert_int_equal(vmmem_guest_mark_dirty(gm, 3 * PAGE, 1), VMMEM_OK);
    uint64_t bits = 0;
    assert_int_equal(vmmem_guest_dirty_fetch_and_clear(gm, 0, &bits, 1), VMMEM_OK);
    assert_int_equal(bits, (UINT64_C(1) << (2 * PAGE / VMMEM_DIRTY_PAGE_SIZE)) |
                               (UINT64_C(1) << (3 * PAGE / VMMEM_DIRTY_PAGE_SIZE)));
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(munmap(mem, 4 * PAGE), 0);
}

static void test_lookup_many_regions(void **state)
{
    (void)state;
    /* 200 one-page regions with one-page holes between: each byte of a
     * region is found in it, each hole is a fault. */
    enum { REGIONS = 200 };
    for (uint64_t i = 0; i < REGIONS; i++)
        assert_int_equal(vmmem_guest_add_ram(gm, (REGIONS - 1 - i) * 2 * PAGE, PAGE, NULL), VMMEM_OK);
    for (uint64_t i = 0; i < REGIONS; i++) {
        vmmem_region_info info;
        assert_int_equal(vmmem_guest_region_at(gm, i * 2 * PAGE + PAGE - 1, &info), VMMEM_OK);
        assert_int_equal(info.base, i * 2 * PAGE);
        assert_int_equal(vmmem_guest_region_at(gm, i * 2 * PAGE + PAGE, &info), VMMEM_EFAULT);
        assert_int_equal(vmmem_guest_write_le16(gm, i * 2 * PAGE + 2, (uint16_t)i), VMMEM_OK);
    }
    for (uint64_t i = 0; i < REGIONS; i++) {
        uint16_t v;
        assert_int_equal(vmmem_guest_read_le16(gm, i * 2 * PAGE + 2, &v), VMMEM_OK);
        assert_int_equal(v, i);
    }
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_destroy_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_ram_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_rom_validation_and_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_mmio_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_writers_refuse_inside_a_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memfd_backed_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_anonymous_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_huge_page_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hugetlb_file_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ram_asks_for_transparent_huge_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_mappings_have_guard_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lookup_many_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_ram_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_ram_access_and_hand_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_ram_never_unmapped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_ram_dirty_tracking, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
