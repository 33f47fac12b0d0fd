/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_jit_buffer.c - the W^X code buffer: no page of it (and no page
 * of the process) is ever writable and executable at once, checked through
 * /proc/self/maps after creation, while code is being written, after
 * sealing and after reopening; sealed code runs; buffers are reused and
 * freed; bad calls and a refused mprotect (a seccomp policy in a child
 * process, as SELinux's execmem denial would do) give error codes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cmocka.h>

#include "test_support.h"

/* A function that only returns, for the host architecture. */
#if defined(__x86_64__)
static const unsigned char ret_only[] = {0xC3}; /* ret */
#define HOST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
static const unsigned char ret_only[] = {0xC0, 0x03, 0x5F, 0xD6}; /* ret (x30) */
#define HOST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__s390x__)
static const unsigned char ret_only[] = {0x07, 0xFE}; /* br %r14 */
#define HOST_AUDIT_ARCH AUDIT_ARCH_S390X
#endif

/* Permissions ("rwxp") of the mapping holding addr, from /proc/self/maps;
 * also counts every mapping of the process that is writable and executable. */
static void maps_perms(const void *addr, char perms[5], unsigned *wx_mappings)
{
    FILE *f = fopen("/proc/self/maps", "r");
    assert_non_null(f);
    char line[512];
    strcpy(perms, "----");
    *wx_mappings = 0;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) != 3)
            continue;
        if (p[1] == 'w' && p[2] == 'x')
            (*wx_mappings)++;
        if (a >= lo && a < hi)
            memcpy(perms, p, 5);
    }
    fclose(f);
}

/* The buffer's pages are exactly `want` (e.g. "rw-p"), and no mapping in
 * the process is writable and executable (under Valgrind, whose own code
 * cache is, only the buffer's pages are checked). */
static void expect_perms(const void *addr, const char *want)
{
    char perms[5];
    unsigned wx;
    maps_perms(addr, perms, &wx);
    assert_string_equal(perms, want);
    if (!running_under_valgrind())
        assert_int_equal(wx, 0);
}

static void test_wx_through_its_life(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(3 * 4096 + 1, &buf), VMMEM_OK);
    assert_int_equal(vmmem_jit_buffer_capacity(buf) % (size_t)sysconf(_SC_PAGESIZE), 0);
    assert_true(vmmem_jit_buffer_capacity(buf) >= 3 * 4096 + 1);
    vmmem_jit_code code;
    assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
    assert_int_equal(code.length, 0);
    assert_int_equal(code.capacity, vmmem_jit_buffer_capacity(buf));
    expect_perms(code.start, "rw-p");
    expect_perms(code.start + code.capacity - 1, "rw-p");
    /* while writing: byte by byte, the pages stay writable and not executable */
    for (size_t i = 0; i < sizeof ret_only; i++) {
        code.start[code.length++] = ret_only[i];
        expect_perms(code.start, "rw-p");
    }
    assert_null(vmmem_jit_buffer_code(buf, 0)); /* open: nothing to run */
    assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
    expect_perms(code.start, "r-xp");
    expect_perms(code.start + code.capacity - 1, "r-xp");
    const void *entry = vmmem_jit_buffer_code(buf, 0);
    assert_ptr_equal(entry, code.start);
    void (*fn)(void);
    memcpy(&fn, &entry, sizeof entry);
    fn();
    /* reopen to append: writable again, not executable, the code kept */
    assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
    assert_int_equal(code.length, sizeof ret_only);
    expect_perms(code.start, "rw-p");
    assert_null(vmmem_jit_buffer_code(buf, 0));
    assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK); /* open twice: fine */
    code.start[code.length++] = ret_only[0];
    assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
    expect_perms(code.start, "r-xp");
    vmmem_jit_buffer_destroy(buf);
    vmmem_jit_buffer_destroy(NULL);
}

static void test_reuse_from_the_start(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(64, &buf), VMMEM_OK);
    vmmem_jit_code code;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
        code.length = 0;
        memcpy(code.start, ret_only, sizeof ret_only);
        code.length = sizeof ret_only;
        assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
        const void *entry = vmmem_jit_buffer_code(buf, 0);
        assert_non_null(entry);
        assert_null(vmmem_jit_buffer_code(buf, sizeof ret_only)); /* past the sealed code */
        void (*fn)(void);
        memcpy(&fn, &entry, sizeof entry);
        fn();
    }
#if defined(__x86_64__)
    /* functions built by the library in a reused buffer */
    for (size_t n = 1; n <= 3000; n += 999) {
        assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
        code.length = 0;
        assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
        vmmem_jit_copy_n_fn copy;
        assert_int_equal(vmmem_jit_build_copy_fn(buf, n, NULL, &copy), VMMEM_OK);
        expect_perms(vmmem_jit_buffer_code(buf, 0), "r-xp");
        unsigned char src[3000], dst[3000];
        fill_pattern(src, n, (uint32_t)n);
        memset(dst, 0, sizeof dst);
        copy(dst, src);
        assert_memory_equal(dst, src, n);
        if (n < sizeof dst)
            assert_int_equal(dst[n], 0);
    }
#endif
    vmmem_jit_buffer_destroy(buf);
}

static void test_bad_calls(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf = NULL;
    assert_int_equal(vmmem_jit_buffer_create(0, &buf), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_create(64, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_create(SIZE_MAX, &buf), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_create(SIZE_MAX / 2, &buf), VMMEM_ENOMEM);
    assert_null(buf);
    assert_int_equal(vmmem_jit_buffer_capacity(NULL), 0);
    assert_null(vmmem_jit_buffer_code(NULL, 0));

    assert_int_equal(vmmem_jit_buffer_create(64, &buf), VMMEM_OK);
    vmmem_jit_code code, other;
    assert_int_equal(vmmem_jit_buffer_open(NULL, &code), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_open(buf, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
    assert_int_equal(vmmem_jit_buffer_seal(NULL, &code), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_buffer_seal(buf, NULL), VMMEM_EINVAL);
    other = code;
    other.start++;
    assert_int_equal(vmmem_jit_buffer_seal(buf, &other), VMMEM_EINVAL);
    other = code;
    other.capacity--;
    assert_int_equal(vmmem_jit_buffer_seal(buf, &other), VMMEM_EINVAL);
    other = code;
    other.length = code.capacity + 1;
    assert_int_equal(vmmem_jit_buffer_seal(buf, &other), VMMEM_ERANGE);
    expect_perms(code.start, "rw-p"); /* failed seals changed nothing */
    memcpy(code.start, ret_only, sizeof ret_only);
    code.length = sizeof ret_only;
    assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
    assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_EBUSY); /* already sealed */
    expect_perms(code.start, "r-xp");
    vmmem_jit_buffer_destroy(buf);
}

/* In a child: a seccomp filter makes mprotect(..., PROT_EXEC) fail with
 * EACCES. Sealing must then return VMMEM_EIO and leave the buffer open and
 * writable with nothing to run. Exit status 0 when it all holds, else the
 * number of the failed check. */
static int child_with_exec_refused(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, HOST_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof filter / sizeof filter[0], .filter = filter};
    vmmem_jit_buffer *buf;
    if (vmmem_jit_buffer_create(4096, &buf) != VMMEM_OK)
        return 1;
#if defined(__x86_64__)
    /* a buffer sealed nearly full before the policy: no room for another function */
    vmmem_jit_buffer *full;
    vmmem_jit_code full_code;
    if (vmmem_jit_buffer_create(4096, &full) != VMMEM_OK || vmmem_jit_buffer_open(full, &full_code) != VMMEM_OK)
        return 8;
    full_code.length = full_code.capacity - 8;
    memset(full_code.start, 0xCC, full_code.length);
    if (vmmem_jit_buffer_seal(full, &full_code) != VMMEM_OK)
        return 8;
#endif
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        return 2;
    vmmem_jit_code code;
    if (vmmem_jit_buffer_open(buf, &code) != VMMEM_OK)
        return 3;
    memcpy(code.start, ret_only, sizeof ret_only);
    code.length = sizeof ret_only;
    if (vmmem_jit_buffer_seal(buf, &code) != VMMEM_EIO)
        return 4;
    if (vmmem_jit_buffer_code(buf, 0) != NULL)
        return 5;
    code.start[0] = ret_only[0]; /* still writable: no crash */
    vmmem_jit_code again;
    if (vmmem_jit_buffer_open(buf, &again) != VMMEM_OK || again.length != 0)
        return 6;
#if defined(__x86_64__)
    vmmem_jit_copy_n_fn fn;
    if (vmmem_jit_build_copy_fn(buf, 8, NULL, &fn) != VMMEM_EIO)
        return 7;
    /* full, and the seal that would restore it refused: VMMEM_EIO (left
     * open, nothing runs), not VMMEM_ENOSPC (which says it is sealed) */
    if (vmmem_jit_build_copy_fn(full, 5000, NULL, &fn) != VMMEM_EIO || vmmem_jit_buffer_code(full, 0) != NULL)
        return 9;
    vmmem_jit_buffer_destroy(full);
#endif
    vmmem_jit_buffer_destroy(buf);
    return 0;
}

static void test_exec_refused_is_an_error(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip(); /* qemu-user cannot fork here (test_support.h) */
    if (running_under_valgrind())
        skip(); /* Valgrind cannot run the seccomp filter that refuses PROT_EXEC */
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_with_exec_refused());
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wx_through_its_life),
        cmocka_unit_test(test_reuse_from_the_start),
        cmocka_unit_test(test_bad_calls),
        cmocka_unit_test(test_exec_refused_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
