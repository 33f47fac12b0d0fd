/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_init.c - vmmem_init() and vmmem_init_with(), each case in a
 * child process of its own (the start-up happens once per process):
 *  - after vmmem_init(), every call of the library runs under a seccomp
 *    filter that kills the process on open(); without vmmem_init() the
 *    same program is killed (the filter works, and the start-up does open
 *    files); with VMMEM_INIT_HERMETIC even the start-up runs under it;
 *  - the log callback gets every warning, stderr none, and may copy memory
 *    and call the library;
 *  - VMMEM_INIT_NO_ENVIRONMENT / NO_CONFIG_FILE, explicit thresholds, a
 *    second vmmem_init_with() replacing the first, unknown flags;
 *  - no cache information at all (the detection test hook): said once,
 *    L3 fields 0, non-temporal stores off;
 *  - vmmem_version(). */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "test_child.h"
#include "test_support.h"

#if defined(__linux__)
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#if defined(__x86_64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_AARCH64
#elif defined(__s390x__)
#define TEST_AUDIT_ARCH AUDIT_ARCH_S390X
#endif
#endif

#define MiB ((size_t)1 << 20)

/* ---- a seccomp filter that kills the process on open() ---- */

#ifdef TEST_AUDIT_ARCH
#define KILL_ON(nr) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS)

static int forbid_open(void)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __NR_open
        KILL_ON(__NR_open),
#endif
#ifdef __NR_openat2
        KILL_ON(__NR_openat2),
#endif
#ifdef __NR_creat
        KILL_ON(__NR_creat),
#endif
        KILL_ON(__NR_openat),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}
#endif

/* Every kind of call of libvmmem once, each checked: copies at sizes that
 * reach every band (with the thresholds set low by the parent), the
 * parallel pool, byte swaps, record conversion, the JIT, the introspection
 * and force calls. Returns 0 when all were right. */
static int exercise_the_library(void)
{
    size_t n = 4 * MiB + 123;
    unsigned char *src = malloc(n), *dst = malloc(n);
    if (!src || !dst)
        return 10;
    fill_pattern(src, n, 3);
    const size_t sizes[] = {0, 1, 8, 17, 100, 1000, 5000, 70000, 600000, n};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t len = sizes[i];
        vmmem_memcpy_fast(dst, src, len);
        vmmem_memcpy_adaptive(dst + 1, src, len - (len > 0));
        vmmem_memmove(dst, dst + 1, len - (len > 0));
        if (len > 1 && memcmp(dst, src, len - 1) != 0)
            return 11;
        vmmem_memcpy_adaptive_with_threshold(dst, src, len, 4096);
        if (memcmp(dst, src, len) != 0)
            return 12;
    }
    memset(dst, 0, n);
    vmmem_memcpy_parallel(dst, src, n, 2);
    if (memcmp(dst, src, n) != 0)
        return 13;
    if (vmmem_copy_checked(dst, n, src, n, n) != VMMEM_OK || vmmem_copy_bswap32(dst, src, n / 4) != VMMEM_OK)
        return 14;
    vmmem_layout layout;
    if (vmmem_layout_parse("u16 u32 2*u8", &layout) != VMMEM_OK ||
        vmmem_convert_records(dst, src, 1000, &layout, VMMEM_LITTLE_ENDIAN, VMMEM_BIG_ENDIAN) != VMMEM_OK)
        return 15;
    vmmem_jit_buffer *buf;
    if (vmmem_jit_buffer_create(4096, &buf) != VMMEM_OK)
        return 16;
    vmmem_jit_copy_n_fn fn;
    int rc = vmmem_jit_build_copy_fn(buf, 100, NULL, &fn); /* VMMEM_EUNSUPPORTED off x86_64 */
    if (rc == VMMEM_OK) {
        fn(dst, src);
        if (memcmp(dst, src, 100) != 0)
            return 17;
    } else if (rc != VMMEM_EUNSUPPORTED) {
        return 18;
    }
    vmmem_jit_buffer_destroy(buf);
    vmmem_cpu_info cpu;
    vmmem_thresholds t;
    vmmem_kernel_info k;
    if (vmmem_get_cpu_info(&cpu) != VMMEM_OK || vmmem_get_thresholds(&t) != VMMEM_OK ||
        vmmem_get_kernel(vmmem_best_isa(), &k) != VMMEM_OK)
        return 19;
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++)
        if (vmmem_isa_supported((vmmem_isa)isa) && vmmem_force_isa((vmmem_isa)isa) != VMMEM_OK)
            return 20;
    vmmem_memcpy_fast(dst, src, 5000);
    if (memcmp(dst, src, 5000) != 0 || vmmem_init() != VMMEM_OK || !vmmem_version())
        return 21;
    vmmem_parallel_shutdown();
    free(src);
    free(dst);
    return 0;
}

static int child_sandbox(int init_first, unsigned hermetic)
{
#ifdef TEST_AUDIT_ARCH
    if (init_first && vmmem_init() != VMMEM_OK)
        return 2;
    if (forbid_open() != 0)
        return 3;
    if (hermetic) {
        vmmem_init_options opt = {.flags = VMMEM_INIT_HERMETIC};
        if (vmmem_init_with(&opt) != VMMEM_OK)
            return 4;
    }
    int rc = exercise_the_library();
    printf("sandbox ok\n");
    fflush(stdout);
    _exit(rc); /* no exit handlers: a leak checker would open /proc */
#else
    (void)init_first, (void)hermetic;
    return 77;
#endif
}

/* ---- the log callback ---- */

static unsigned callback_lines;
static int callback_failed;

static void count_line(void *ctx, const char *line)
{
    if (ctx != &callback_lines || strncmp(line, "vmmem: ", 7) != 0 || strchr(line, '\n'))
        callback_failed = 1;
    printf("line: %s\n", line);
    callback_lines++;
    /* called after publication, outside the library's locks: anything goes */
    unsigned char a[300], b[300];
    fill_pattern(a, sizeof a, callback_lines);
    vmmem_memcpy_fast(b, a, sizeof a);
    vmmem_thresholds t;
    if (memcmp(a, b, sizeof a) != 0 || vmmem_get_thresholds(&t) != VMMEM_OK ||
        !vmmem_isa_supported(vmmem_active_isa()))
        callback_failed = 1;
}

static int child_log(void)
{
    vmmem_init_options opt = {.log = count_line, .log_ctx = &callback_lines};
    if (vmmem_init_with(&opt) != VMMEM_OK || callback_failed)
        return 1;
    printf("lines=%u\n", callback_lines);
    return 0;
}

/* ---- settings ---- */

/* Prints "isa=NAME simd=N erms=N nt=N". */
static void report(void)
{
    vmmem_thresholds t;
    vmmem_get_thresholds(&t);
    printf("isa=%s simd=%zu erms=%zu nt=%zu\n", vmmem_isa_name(vmmem_active_isa()), t.simd, t.erms, t.nt);
}

static int child_flags(const char *which)
{
    vmmem_init_options opt = {0};
    vmmem_thresholds explicit_t = {0, 3 * MiB, 7 * MiB};
    if (strcmp(which, "no-env") == 0)
        opt.flags = VMMEM_INIT_NO_ENVIRONMENT;
    else if (strcmp(which, "no-file") == 0)
        opt.flags = VMMEM_INIT_NO_CONFIG_FILE;
    else if (strcmp(which, "explicit") == 0)
        opt.thresholds = &explicit_t;
    else if (strcmp(which, "explicit-hermetic") == 0)
        opt = (vmmem_init_options){.flags = VMMEM_INIT_HERMETIC, .thresholds = &explicit_t};
    if (vmmem_init_with(&opt) != VMMEM_OK)
        return 1;
    report();
    return 0;
}

/* Two start-ups: the second one's settings replace the first one's, and a
 * later vmmem_init() changes nothing. Unknown flags are refused. */
static int child_reinit(void)
{
    vmmem_thresholds first = {0, SIZE_MAX, 5 * MiB}, second = {100, SIZE_MAX, 9 * MiB};
    vmmem_init_options a = {.flags = VMMEM_INIT_HERMETIC, .thresholds = &first};
    vmmem_init_options b = {.flags = VMMEM_INIT_HERMETIC, .thresholds = &second};
    vmmem_init_options bad = {.flags = 1u << 30};
    if (vmmem_init_with(&a) != VMMEM_OK || vmmem_force_isa(VMMEM_ISA_GENERIC) != VMMEM_OK)
        return 1;
    report();
    if (vmmem_init_with(&bad) != VMMEM_EINVAL)
        return 2;
    report(); /* unchanged by the refused call */
    if (vmmem_init_with(&b) != VMMEM_OK || vmmem_init() != VMMEM_OK)
        return 3;
    report(); /* the second start-up: its thresholds, the best ISA again */
    return 0;
}

/* ---- no cache information ---- */

static int child_no_caches(void)
{
    static const vmmem_detect_sources nothing = {NULL, 0};
    vmmem_detect_sources_hook = &nothing;
    vmmem_init_options opt = {.flags = VMMEM_INIT_NO_ENVIRONMENT | VMMEM_INIT_NO_CONFIG_FILE,
                              .log = count_line, .log_ctx = &callback_lines};
    if (vmmem_init_with(&opt) != VMMEM_OK || vmmem_init_with(&opt) != VMMEM_OK || callback_failed)
        return 1;
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    printf("lines=%u source=%d l3=%zu sharing=%u share=%zu l1d=%zu l2=%zu\n", callback_lines, (int)cpu.cache_source,
           cpu.l3_bytes, cpu.l3_sharing_cpus, cpu.l3_share_bytes, cpu.l1d_bytes, cpu.l2_bytes);
    report();
    return 0;
}

/* ---- tests ---- */

static void expect_success(const char *mode, const char *const *env, child_result *r)
{
    run_child(mode, env, r);
    if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 77)
        skip();
    if (!child_succeeded(r))
        fail_msg("%s: status %d, out \"%s\", err \"%s\"", mode, r->status, r->out, r->err);
}

/* Thresholds low enough that the test copies reach every band. */
static const char *const low_bands[] = {"VMMEM_ERMS_THRESHOLD=2K", "VMMEM_NT_THRESHOLD=64K", NULL};

static void test_no_file_opened_after_init(void **state)
{
    (void)state;
    if (running_under_emulator() || running_under_valgrind())
        skip(); /* the filter would apply to the emulator itself */
    child_result r;
    expect_success("--sandbox-after-init", low_bands, &r);
    assert_non_null(strstr(r.out, "sandbox ok"));
    expect_success("--sandbox-hermetic", low_bands, &r);
    assert_non_null(strstr(r.out, "sandbox ok"));
    /* the negative control: without vmmem_init() the first copy opens files */
    run_child("--sandbox-without-init", low_bands, &r);
    if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGSYS)
        fail_msg("expected the child to be killed by SIGSYS, status %d, out \"%s\"", r.status, r.out);
}

static void test_log_callback(void **state)
{
    (void)state;
    const char *env[] = {"VMMEM_ISA=avx1024", "VMMEM_NT_THRESHOLD=12Q", NULL};
    child_result r;
    expect_success("--log", env, &r);
    assert_non_null(strstr(r.out, "lines=2"));
    assert_non_null(strstr(r.out, "line: vmmem: VMMEM_ISA=\"avx1024\""));
    assert_non_null(strstr(r.out, "line: vmmem: ignoring VMMEM_NT_THRESHOLD"));
    assert_string_equal(r.err, ""); /* nothing on stderr */
}

static void test_environment_and_file_switches(void **state)
{
    (void)state;
    char conf[] = "/tmp/vmmem_init_conf_XXXXXX";
    int fd = mkstemp(conf);
    assert_true(fd >= 0);
    const char *text = "nt_threshold = 2M\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char conf_env[64];
    snprintf(conf_env, sizeof conf_env, "VMMEM_CONFIG=%s", conf);
    const char *env[] = {conf_env, "VMMEM_SIMD_THRESHOLD=100", "VMMEM_ISA=generic", NULL};
    child_result r;
    char best[64];
    snprintf(best, sizeof best, "isa=%s ", vmmem_isa_name(vmmem_best_isa()));

    expect_success("--flags=none", env, &r); /* everything applies */
    assert_non_null(strstr(r.out, "isa=generic simd=100 "));
    assert_non_null(strstr(r.out, "nt=2097152"));

    expect_success("--flags=no-env", env, &r); /* neither the variables nor VMMEM_CONFIG */
    assert_non_null(strstr(r.out, best));
    assert_non_null(strstr(r.out, "simd=0 "));
    assert_null(strstr(r.out, "nt=2097152"));

    expect_success("--flags=no-file", env, &r); /* the variables, not the file */
    assert_non_null(strstr(r.out, "isa=generic simd=100 "));
    assert_null(strstr(r.out, "nt=2097152"));

    expect_success("--flags=explicit", env, &r); /* the file and variables on top */
    assert_non_null(strstr(r.out, "simd=100 "));
    assert_non_null(strstr(r.out, "nt=2097152"));

    expect_success("--flags=explicit-hermetic", env, &r); /* exactly what the program says */
    char expected[160];
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    snprintf(expected, sizeof expected, "%ssimd=0 erms=%zu nt=%zu", best,
             (cpu.features & VMMEM_CPU_ERMS) ? 3 * MiB : SIZE_MAX, 7 * MiB);
    assert_non_null(strstr(r.out, expected));
#if defined(__x86_64__) || defined(__i386__)
    assert_string_equal(r.err, ""); /* CPUID gives the caches: nothing to say */
#else
    /* no CPUID cache leaves here and, hermetic, no sysfs: the one warning
     * that says so (and nothing about the file or the variables) */
    if (count_lines(r.err) != 1 || !strstr(r.err, "no cache information found"))
        fail_msg("expected only the no-cache warning, got \"%s\"", r.err);
#endif
    unlink(conf);
}

static void test_second_init_replaces_the_first(void **state)
{
    (void)state;
    child_result r;
    expect_success("--reinit", NULL, &r);
    char first[96], second[96];
    snprintf(first, sizeof first, "isa=generic simd=0 erms=%zu nt=%zu\n", (size_t)SIZE_MAX, 5 * MiB);
    snprintf(second, sizeof second, "isa=%s simd=100 erms=%zu nt=%zu\n", vmmem_isa_name(vmmem_best_isa()),
             (size_t)SIZE_MAX, 9 * MiB);
    char expected[320];
    snprintf(expected, sizeof expected, "%s%s%s", first, first, second);
    assert_string_equal(r.out, expected);
}

static void test_no_cache_information(void **state)
{
    (void)state;
    child_result r;
    expect_success("--no-caches", NULL, &r);
    /* one message although the engine started up twice */
    assert_non_null(strstr(r.out, "line: vmmem: no cache information found"));
    assert_non_null(strstr(r.out, "lines=1 "));
    char expected[128];
    snprintf(expected, sizeof expected, "source=%d l3=0 sharing=0 share=0 l1d=32768 l2=262144", VMMEM_CACHE_DEFAULT);
    assert_non_null(strstr(r.out, expected));
    snprintf(expected, sizeof expected, " nt=%zu\n", (size_t)SIZE_MAX);
    assert_non_null(strstr(r.out, expected)); /* no L3 known: no non-temporal band */
}

static void test_version(void **state)
{
    (void)state;
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", VMMEM_VERSION_MAJOR, VMMEM_VERSION_MINOR, VMMEM_VERSION_PATCH);
    assert_string_equal(vmmem_version(), expected);
}

int main(int argc, char **argv)
{
    if (argc == 2) {
        const char *mode = argv[1];
        if (strcmp(mode, "--sandbox-after-init") == 0)
            return child_sandbox(1, 0);
        if (strcmp(mode, "--sandbox-hermetic") == 0)
            return child_sandbox(0, 1);
        if (strcmp(mode, "--sandbox-without-init") == 0)
            return child_sandbox(0, 0);
        if (strcmp(mode, "--log") == 0)
            return child_log();
        if (strncmp(mode, "--flags=", 8) == 0)
            return child_flags(mode + 8);
        if (strcmp(mode, "--reinit") == 0)
            return child_reinit();
        if (strcmp(mode, "--no-caches") == 0)
            return child_no_caches();
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_file_opened_after_init),
        cmocka_unit_test(test_log_callback),
        cmocka_unit_test(test_environment_and_file_switches),
        cmocka_unit_test(test_second_init_replaces_the_first),
        cmocka_unit_test(test_no_cache_information),
        cmocka_unit_test(test_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
