/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_dispatch.c - the dispatcher: ISA names, support, the force API
 * and its errors, VMMEM_ISA and the threshold variables (each checked in a
 * fresh child process, since the choice is made once per process), and many
 * threads making their first call at the same time. */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dispatch.h"
#include "engine.h"
#include "isa_registry.h"
#include "test_child.h"
#include "test_support.h"

#define RACE_THREADS 8
#define RACE_ROUNDS 20
#define RACE_COPY 4096

/* ---- child process modes ---- */

/* The kernels with size bands: each one's entries with and without the
 * floor; a NULL row ends the list (and is all of it where none has bands). */
static const struct {
    vmmem_copy_fn floor, banded;
} banded_kernels[] = {
#if VMMEM_HAVE_SSE2
    { vmmem_sse2_memmove_banded_floor, vmmem_sse2_memmove_banded },
#endif
#if VMMEM_HAVE_AVX2
    { vmmem_avx2_memmove_banded_floor, vmmem_avx2_memmove_banded },
#endif
#if VMMEM_HAVE_AVX512
    { vmmem_avx512_memmove_banded_floor, vmmem_avx512_memmove_banded },
#endif
    { NULL, NULL },
};

/* Which kind of kernel entry vmmem_memcpy_fast() jumps to: "floor" (reads
 * the band thresholds only from VMMEM_BAND_FLOOR up), "banded" (from the
 * loop rung up), or "plain" (a kernel without bands). */
static const char *fast_entry_kind(void)
{
    vmmem_copy_fn f = atomic_load(&vmmem_dispatch.fast);
    for (size_t i = 0; banded_kernels[i].floor; i++) {
        if (f == banded_kernels[i].floor)
            return "floor";
        if (f == banded_kernels[i].banded)
            return "banded";
    }
    return "plain";
}

/* Prints what the dispatcher chose, as "isa=NAME simd=N erms=N nt=N
 * fast=KIND". */
static int child_report(void)
{
    vmmem_thresholds t;
    vmmem_get_thresholds(&t);
    printf("isa=%s simd=%zu erms=%zu nt=%zu fast=%s\n", vmmem_isa_name(vmmem_active_isa()), t.simd, t.erms, t.nt,
           fast_entry_kind());
    return 0;
}

static pthread_barrier_t race_barrier;
static vmmem_isa race_seen[RACE_THREADS];

static void *race_thread(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg;
    unsigned char src[RACE_COPY], dst[RACE_COPY];
    fill_pattern(src, sizeof src, (uint32_t)id);
    memset(dst, 0, sizeof dst);
    pthread_barrier_wait(&race_barrier);
    vmmem_memcpy_fast(dst, src, sizeof src); /* the first call of this process */
    race_seen[id] = memcmp(dst, src, sizeof src) == 0 ? vmmem_active_isa() : VMMEM_ISA_COUNT;
    return NULL;
}

/* Threads make the process's first copy call at once; prints "race ok" when
 * every copy was right and every thread saw the same ISA. */
static int child_race(void)
{
    pthread_t threads[RACE_THREADS];
    pthread_barrier_init(&race_barrier, NULL, RACE_THREADS);
    for (size_t i = 0; i < RACE_THREADS; i++)
        pthread_create(&threads[i], NULL, race_thread, (void *)(uintptr_t)i);
    for (size_t i = 0; i < RACE_THREADS; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < RACE_THREADS; i++)
        if (race_seen[i] == VMMEM_ISA_COUNT || race_seen[i] != race_seen[0])
            return 1;
    printf("race ok isa=%s\n", vmmem_isa_name(race_seen[0]));
    return 0;
}

/* ---- tests ---- */

static void test_isa_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        const char *name = vmmem_isa_name((vmmem_isa)i);
        assert_non_null(name);
        vmmem_isa back;
        assert_int_equal(vmmem_isa_from_name(name, &back), VMMEM_OK);
        assert_int_equal(back, i);
    }
    vmmem_isa untouched = VMMEM_ISA_SSE2;
    assert_int_equal(vmmem_isa_from_name("avx1024", &untouched), VMMEM_EINVAL);
    assert_int_equal(vmmem_isa_from_name("", &untouched), VMMEM_EINVAL);
    assert_int_equal(vmmem_isa_from_name(NULL, &untouched), VMMEM_EINVAL);
    assert_int_equal(vmmem_isa_from_name("sse2", NULL), VMMEM_EINVAL);
    assert_int_equal(untouched, VMMEM_ISA_SSE2);
    assert_null(vmmem_isa_name(VMMEM_ISA_COUNT));
    assert_null(vmmem_isa_name((vmmem_isa)-1));
}

#if defined(__x86_64__)
/* The CPU has the features of `isa`, and its kernel was built (a compiler
 * without AVX-512 support leaves that kernel out). */
static int runs(const vmmem_cpu_info *cpu, vmmem_isa isa, unsigned feature)
{
    return vmmem_isa_registry(isa)->compiled_in && (cpu->features & feature) != 0;
}
#endif

static void test_support_follows_cpu_features(void **state)
{
    (void)state;
    vmmem_cpu_info cpu;
    assert_int_equal(vmmem_get_cpu_info(&cpu), VMMEM_OK);
    assert_true(vmmem_isa_supported(VMMEM_ISA_GENERIC));
#if defined(__x86_64__)
    assert_true(vmmem_isa_supported(VMMEM_ISA_SSE2));
    assert_int_equal(vmmem_isa_supported(VMMEM_ISA_AVX2), runs(&cpu, VMMEM_ISA_AVX2, VMMEM_CPU_AVX2));
    assert_int_equal(vmmem_isa_supported(VMMEM_ISA_AVX512), runs(&cpu, VMMEM_ISA_AVX512, VMMEM_CPU_AVX512));
    assert_int_equal(vmmem_isa_supported(VMMEM_ISA_ERMS), runs(&cpu, VMMEM_ISA_ERMS, VMMEM_CPU_ERMS));
    assert_false(vmmem_isa_supported(VMMEM_ISA_NEON));
    vmmem_isa expected_best = runs(&cpu, VMMEM_ISA_AVX512, VMMEM_CPU_AVX512) ? VMMEM_ISA_AVX512
                              : runs(&cpu, VMMEM_ISA_AVX2, VMMEM_CPU_AVX2)   ? VMMEM_ISA_AVX2
                                                                             : VMMEM_ISA_SSE2;
    assert_int_equal(vmmem_best_isa(), expected_best);
#elif defined(__aarch64__)
    assert_true(vmmem_isa_supported(VMMEM_ISA_NEON));
    assert_false(vmmem_isa_supported(VMMEM_ISA_SSE2));
    assert_int_equal(vmmem_best_isa(), VMMEM_ISA_NEON);
#else
    assert_int_equal(vmmem_best_isa(), VMMEM_ISA_GENERIC);
#endif
    assert_false(vmmem_isa_supported(VMMEM_ISA_COUNT));
}

/* What vmmem_force_isa() publishes for the dispatching entries' large
 * copies: the body behind an AVX-512 kernel entry, else the entry. With a
 * scalar band (VMMEM_SIMD_THRESHOLD, which may reach above 256 bytes) the
 * adaptive entry is the band's wrapper, and large adaptive copies go
 * through it too. */
static void check_above256_entries(vmmem_isa isa)
{
    vmmem_copy_fn fast = atomic_load(&vmmem_dispatch.fast), adaptive = atomic_load(&vmmem_dispatch.adaptive);
    vmmem_copy_fn fast_above256 = atomic_load(&vmmem_dispatch.fast_above256);
    vmmem_copy_fn adaptive_above256 = atomic_load(&vmmem_dispatch.adaptive_above256);
    vmmem_thresholds t;
    assert_int_equal(vmmem_get_thresholds(&t), VMMEM_OK);
    int scalar_band = t.simd > 0;
    if (scalar_band) { /* the wrapper, none of the kernel's entries */
        const vmmem_kernel_entry *k = &vmmem_isa_registry(isa)->kernel;
        assert_true(adaptive != k->fast && adaptive != k->adaptive && adaptive != k->fast_floor &&
                    adaptive != k->adaptive_floor);
    }
#if VMMEM_HAVE_AVX512
    if (isa == VMMEM_ISA_AVX512) {
        assert_true(vmmem_avx512_body_of(fast) != NULL && fast_above256 == vmmem_avx512_body_of(fast));
        if (scalar_band)
            assert_true(vmmem_avx512_body_of(adaptive) == NULL && adaptive_above256 == adaptive);
        else
            assert_true(vmmem_avx512_body_of(adaptive) != NULL &&
                        adaptive_above256 == vmmem_avx512_body_of(adaptive));
        return;
    }
#endif
    assert_true(fast_above256 == fast);
    assert_true(adaptive_above256 == adaptive);
}

static void test_force_every_supported_isa(void **state)
{
    (void)state;
    vmmem_isa before = vmmem_active_isa();
    unsigned char src[300], dst[300];
    fill_pattern(src, sizeof src, 5);
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        vmmem_isa isa = (vmmem_isa)i;
        vmmem_kernel_info k;
        if (!vmmem_isa_supported(isa)) {
            vmmem_isa active = vmmem_active_isa();
            assert_int_equal(vmmem_force_isa(isa), VMMEM_EUNSUPPORTED);
            assert_int_equal(vmmem_get_kernel(isa, &k), VMMEM_EUNSUPPORTED);
            assert_int_equal(vmmem_active_isa(), active);
            continue;
        }
        assert_int_equal(vmmem_force_isa(isa), VMMEM_OK);
        assert_int_equal(vmmem_active_isa(), isa);
        check_above256_entries(isa);
        assert_int_equal(vmmem_get_kernel(isa, &k), VMMEM_OK);
        assert_int_equal(k.isa, isa);
        assert_string_equal(k.name, vmmem_isa_name(isa));
        memset(dst, 0, sizeof dst);
        vmmem_memcpy_fast(dst, src, sizeof dst);
        assert_memory_equal(dst, src, sizeof dst);
    }
    assert_int_equal(vmmem_force_isa(VMMEM_ISA_COUNT), VMMEM_EINVAL);
    assert_int_equal(vmmem_force_isa((vmmem_isa)-1), VMMEM_EINVAL);
    assert_int_equal(vmmem_get_kernel(VMMEM_ISA_GENERIC, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_get_cpu_info(NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_get_thresholds(NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_force_isa(before), VMMEM_OK);
}

/* The same with a scalar band above 256 bytes (vmmem_init_with(), then the
 * environment's settings again): copies below it, large ones included,
 * must reach the band's wrapper under every kernel. */
#define SCALAR_BAND_ABOVE_256 1000

static void test_force_with_scalar_band_above_256(void **state)
{
    (void)state;
    vmmem_thresholds t;
    assert_int_equal(vmmem_get_thresholds(&t), VMMEM_OK);
    t.simd = SCALAR_BAND_ABOVE_256;
    vmmem_init_options o = {.flags = VMMEM_INIT_NO_ENVIRONMENT | VMMEM_INIT_NO_CONFIG_FILE, .thresholds = &t};
    assert_int_equal(vmmem_init_with(&o), VMMEM_OK);
    unsigned char src[SCALAR_BAND_ABOVE_256 + 300], dst[sizeof src];
    fill_pattern(src, sizeof src, 9);
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        vmmem_isa isa = (vmmem_isa)i;
        if (!vmmem_isa_supported(isa))
            continue;
        assert_int_equal(vmmem_force_isa(isa), VMMEM_OK);
        check_above256_entries(isa);
        memset(dst, 0, sizeof dst);
        vmmem_memcpy_adaptive(dst, src, sizeof dst);
        assert_memory_equal(dst, src, sizeof dst);
    }
    assert_int_equal(vmmem_init_with(NULL), VMMEM_OK); /* the environment's settings again */
}

static void test_env_isa_selects_each_supported_isa(void **state)
{
    (void)state;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (!vmmem_isa_supported((vmmem_isa)i))
            continue;
        char assignment[64], expected[64];
        snprintf(assignment, sizeof assignment, "VMMEM_ISA=%s", vmmem_isa_name((vmmem_isa)i));
        snprintf(expected, sizeof expected, "isa=%s ", vmmem_isa_name((vmmem_isa)i));
        const char *env[] = {assignment, NULL};
        child_result r;
        run_child("--report", env, &r);
        assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
        assert_non_null(strstr(r.out, expected));
        assert_string_equal(r.err, ""); /* a valid choice prints nothing */
    }
}

static void test_env_isa_errors_warn_once_and_use_best(void **state)
{
    (void)state;
    char expected[64];
    snprintf(expected, sizeof expected, "isa=%s ", vmmem_isa_name(vmmem_best_isa()));
    const char *unknown[] = {"VMMEM_ISA=avx1024", NULL};
    child_result r;
    run_child("--report", unknown, &r);
    assert_non_null(strstr(r.out, expected));
    assert_non_null(strstr(r.err, "not an ISA name"));
    assert_int_equal(count_lines(r.err), 1);

    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (vmmem_isa_supported((vmmem_isa)i))
            continue;
        char assignment[64];
        snprintf(assignment, sizeof assignment, "VMMEM_ISA=%s", vmmem_isa_name((vmmem_isa)i));
        const char *env[] = {assignment, NULL};
        run_child("--report", env, &r);
        assert_non_null(strstr(r.out, expected));
        assert_non_null(strstr(r.err, "not supported"));
        assert_int_equal(count_lines(r.err), 1);
    }
}

static void test_env_thresholds(void **state)
{
    (void)state;
    const char *set[] = {"VMMEM_NT_THRESHOLD=64K", "VMMEM_SIMD_THRESHOLD=100", NULL};
    child_result r;
    run_child("--report", set, &r);
    assert_non_null(strstr(r.out, "simd=100 "));
    assert_non_null(strstr(r.out, "nt=65536"));
    assert_string_equal(r.err, "");

    const char *off[] = {"VMMEM_ERMS_THRESHOLD=off", NULL};
    run_child("--report", off, &r);
    char expected_off[64];
    snprintf(expected_off, sizeof expected_off, "erms=%zu ", (size_t)SIZE_MAX);
    assert_non_null(strstr(r.out, expected_off));
    assert_string_equal(r.err, "");

    /* the config file (as vmmem-tune writes it), and the environment over it */
    char conf[] = "/tmp/vmmem_dispatch_conf_XXXXXX";
    int fd = mkstemp(conf);
    assert_true(fd >= 0);
    const char *text = "erms_threshold = 48K\nnt_threshold = 2M\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char conf_env[64];
    snprintf(conf_env, sizeof conf_env, "VMMEM_CONFIG=%s", conf);
    const char *from_file[] = {conf_env, NULL};
    run_child("--report", from_file, &r);
    assert_non_null(strstr(r.out, "nt=2097152"));
    assert_string_equal(r.err, "");
    const char *file_and_env[] = {conf_env, "VMMEM_NT_THRESHOLD=1M", NULL};
    run_child("--report", file_and_env, &r);
    assert_non_null(strstr(r.out, "nt=1048576"));
    unlink(conf);
    const char *missing[] = {"VMMEM_CONFIG=/nonexistent/vmmem.conf", NULL};
    run_child("--report", missing, &r);
    assert_non_null(strstr(r.err, "cannot read VMMEM_CONFIG"));
    assert_int_equal(count_lines(r.err), 1);

    vmmem_thresholds defaults;
    vmmem_get_thresholds(&defaults);
    char expected[64];
    snprintf(expected, sizeof expected, "nt=%zu", defaults.nt);
    const char *bad[] = {"VMMEM_NT_THRESHOLD=12Q", NULL};
    run_child("--report", bad, &r);
    assert_non_null(strstr(r.out, expected));
    assert_non_null(strstr(r.err, "VMMEM_NT_THRESHOLD"));
    assert_int_equal(count_lines(r.err), 1);
}

/* The fast entry reads the thresholds only from VMMEM_BAND_FLOOR up while
 * the rep movsb band starts there or later, and from the loop rung up when
 * it is set lower; kernels without bands are used as they are. */
static void test_fast_entry_follows_band_floor(void **state)
{
    (void)state;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (!vmmem_isa_supported((vmmem_isa)i))
            continue;
        int banded = i == VMMEM_ISA_SSE2 || i == VMMEM_ISA_AVX2 || i == VMMEM_ISA_AVX512;
        char isa[64], erms_low[64], erms_floor[64];
        snprintf(isa, sizeof isa, "VMMEM_ISA=%s", vmmem_isa_name((vmmem_isa)i));
        snprintf(erms_low, sizeof erms_low, "VMMEM_ERMS_THRESHOLD=%d", VMMEM_BAND_FLOOR - 1);
        snprintf(erms_floor, sizeof erms_floor, "VMMEM_ERMS_THRESHOLD=%d", VMMEM_BAND_FLOOR);
        const char *low[] = {isa, erms_low, NULL};
        const char *at_floor[] = {isa, erms_floor, NULL};
        child_result r;
        run_child("--report", low, &r);
        assert_non_null(strstr(r.out, banded ? "fast=banded" : "fast=plain"));
        run_child("--report", at_floor, &r);
        assert_non_null(strstr(r.out, banded ? "fast=floor" : "fast=plain"));
    }
}

/* The dispatching fast entry handed out to call sites bound at load time
 * (vmmem_dispatching_fast_entry()): on a CPU that runs the AVX-512 kernel
 * it sends copies above 256 bytes through vmmem_dispatch.fast_above256,
 * copies 0..256 bytes itself while vmmem_dispatch.fast_isa says AVX-512,
 * and otherwise goes through the published fast pointer; the portable one
 * always goes through that pointer. The pointers are swapped for counting
 * copies here: the bytes alone could not tell which way a copy went. */
static unsigned published_calls, above256_calls;

static void *counting_copy(void *dst, const void *src, size_t n)
{
    published_calls++;
    return vmmem_generic_memmove(dst, src, n);
}

static void *counting_above256_copy(void *dst, const void *src, size_t n)
{
    above256_calls++;
    return vmmem_generic_memmove(dst, src, n);
}

static void expect_entry_path(vmmem_copy_fn entry, size_t n, unsigned want_published, unsigned want_above256)
{
    static unsigned char src[6000], dst[6000];
    fill_pattern(src, sizeof src, (unsigned)n);
    memset(dst, 0, sizeof dst);
    published_calls = above256_calls = 0;
    assert_ptr_equal(entry(dst + 3, src, n), dst + 3);
    assert_memory_equal(dst + 3, src, n);
    if (published_calls != want_published || above256_calls != want_above256)
        fail_msg("%zu bytes: %u calls of the published entry and %u of the large-copy one, expected %u and %u", n,
                 published_calls, above256_calls, want_published, want_above256);
}

static void test_dispatching_entry_follows_the_isa_byte(void **state)
{
    (void)state;
    (void)vmmem_active_isa(); /* started up, so nothing republishes below */
    vmmem_copy_fn entry = vmmem_dispatching_fast_entry();
    int avx512_entry = entry != vmmem_dispatch_fast_entry;
    vmmem_copy_fn saved = atomic_load(&vmmem_dispatch.fast);
    vmmem_copy_fn saved_above256 = atomic_load(&vmmem_dispatch.fast_above256);
    unsigned char saved_isa = atomic_load(&vmmem_dispatch.fast_isa);
    static const size_t sizes[] = {0, 1, 2, 8, 63, 64, 65, 128, 129, 256, 257, 5000};
    atomic_store(&vmmem_dispatch.fast, counting_copy);
    atomic_store(&vmmem_dispatch.fast_above256, counting_above256_copy);
    for (unsigned char isa = 0; isa < VMMEM_ISA_COUNT; isa++) {
        atomic_store(&vmmem_dispatch.fast_isa, isa);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            size_t n = sizes[i];
            if (!avx512_entry)
                expect_entry_path(entry, n, 1, 0);
            else if (n > 256)
                expect_entry_path(entry, n, 0, 1);
            else
                expect_entry_path(entry, n, isa == VMMEM_ISA_AVX512 ? 0 : 1, 0);
        }
    }
    atomic_store(&vmmem_dispatch.fast_isa, saved_isa);
    atomic_store(&vmmem_dispatch.fast_above256, saved_above256);
    atomic_store(&vmmem_dispatch.fast, saved);
}

static void test_default_thresholds_follow_caches(void **state)
{
    (void)state;
    vmmem_cpu_info cpu;
    vmmem_thresholds t;
    vmmem_get_cpu_info(&cpu);
    vmmem_get_thresholds(&t);
    if (getenv("VMMEM_NT_THRESHOLD") || getenv("VMMEM_ERMS_THRESHOLD"))
        skip();
    int intel = strcmp(cpu.vendor, "GenuineIntel") == 0;
    int zen5_or_later = strcmp(cpu.vendor, "AuthenticAMD") == 0 && cpu.family >= 0x1A &&
                        (cpu.features & VMMEM_CPU_FSRM) && (cpu.features & VMMEM_CPU_ERMS);
    if (zen5_or_later)
        assert_int_equal(t.nt, SIZE_MAX); /* rep movsb streams there */
    else
        assert_int_equal(t.nt, cpu.l3_bytes ? cpu.l3_bytes : SIZE_MAX);
    if ((cpu.features & VMMEM_CPU_ERMS) && (intel || zen5_or_later))
        assert_int_equal(t.erms, cpu.l1d_bytes / 2 + 1); /* n > L1d / 2: src and dst overflow L1d */
    else
        assert_int_equal(t.erms, SIZE_MAX);
}

static void test_first_calls_race(void **state)
{
    (void)state;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        child_result r;
        run_child("--race", NULL, &r);
        assert_true(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0);
        assert_non_null(strstr(r.out, "race ok"));
    }
}

/* ---- copies stay correct while another thread forces kernels ---- */

#define SWITCH_THREADS 3
#define SWITCH_ROUNDS 2000

static atomic_int switching_done;

static void *copy_while_switching(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg, wrong = 0;
    unsigned char src[3000], dst[3000];
    fill_pattern(src, sizeof src, (uint32_t)id + 100);
    for (size_t i = 0; !atomic_load(&switching_done); i++) {
        size_t n = (i * 37) % sizeof src;
        memset(dst, 0, sizeof dst);
        (i & 1 ? vmmem_memcpy_adaptive : vmmem_memcpy_fast)(dst, src, n);
        wrong += memcmp(dst, src, n) != 0;
    }
    return (void *)(uintptr_t)wrong;
}

static void test_copies_while_forcing(void **state)
{
    (void)state;
    vmmem_isa before = vmmem_active_isa();
    pthread_t threads[SWITCH_THREADS];
    atomic_store(&switching_done, 0);
    for (size_t i = 0; i < SWITCH_THREADS; i++)
        pthread_create(&threads[i], NULL, copy_while_switching, (void *)(uintptr_t)i);
    for (int round = 0; round < SWITCH_ROUNDS; round++)
        for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++)
            if (vmmem_isa_supported((vmmem_isa)isa))
                assert_int_equal(vmmem_force_isa((vmmem_isa)isa), VMMEM_OK);
    atomic_store(&switching_done, 1);
    for (size_t i = 0; i < SWITCH_THREADS; i++) {
        void *wrong;
        pthread_join(threads[i], &wrong);
        assert_int_equal((uintptr_t)wrong, 0);
    }
    assert_int_equal(vmmem_force_isa(before), VMMEM_OK);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--report") == 0)
        return child_report();
    if (argc == 2 && strcmp(argv[1], "--race") == 0)
        return child_race();
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_names_round_trip),
        cmocka_unit_test(test_support_follows_cpu_features),
        cmocka_unit_test(test_force_every_supported_isa),
        cmocka_unit_test(test_force_with_scalar_band_above_256),
        cmocka_unit_test(test_env_isa_selects_each_supported_isa),
        cmocka_unit_test(test_env_isa_errors_warn_once_and_use_best),
        cmocka_unit_test(test_env_thresholds),
        cmocka_unit_test(test_fast_entry_follows_band_floor),
        cmocka_unit_test(test_dispatching_entry_follows_the_isa_byte),
        cmocka_unit_test(test_default_thresholds_follow_caches),
        cmocka_unit_test(test_first_calls_race),
        cmocka_unit_test(test_copies_while_forcing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
