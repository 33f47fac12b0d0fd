/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_parallel.c - vmmem_memcpy_parallel(): correct bytes for every
 * split (sizes around the chunk limits, odd offsets, thread counts up to and
 * past the maximum), guard pages and canaries, overlap, the pool's life
 * (created on demand, shut down, recreated), concurrent callers, fork,
 * that the plain copy calls never start a thread, that the non-temporal
 * choice follows the whole copy's size, and that the affinity mask caps the
 * threads. Sizes are the smallest
 * that still split into the parts each check needs (1 MiB per thread, the
 * pool's minimum part); only the larger split sizes of test_every_split and
 * the plain-call sizes follow VMMEM_TEST_MAX_SIZE (Valgrind runs lower it). */
#define _GNU_SOURCE /* CPU_SET, pthread_{get,set}affinity_np */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
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
#include "test_support.h"

#define MiB ((size_t)1 << 20)
#define CANARY 0x3C
#define SLACK 128

static unsigned count_threads(void)
{
    DIR *dir = opendir("/proc/self/task");
    unsigned n = 0;
    if (!dir)
        return 0;
    for (struct dirent *e; (e = readdir(dir));)
        n += e->d_name[0] != '.';
    closedir(dir);
    return n;
}

/* Copies n bytes at the given offsets with `threads` threads between
 * guarded buffers and checks the bytes and the canaries around dst. */
static void check_parallel_copy(size_t n, size_t so, size_t dof, unsigned threads)
{
    guarded_buffer src, dst;
    guarded_alloc(&src, n + so);
    guarded_alloc(&dst, n + dof + 2 * SLACK);
    fill_pattern(src.lo, n + so, (uint32_t)(n + threads));
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    unsigned char *d = dst.lo + SLACK + dof;
    assert_ptr_equal(vmmem_memcpy_parallel(d, src.lo + so, n, threads), d);
    if (memcmp(d, src.lo + so, n) != 0)
        fail_msg("n=%zu src+%zu dst+%zu threads=%u: wrong bytes", n, so, dof, threads);
    for (size_t i = 1; i <= SLACK; i++)
        if (d[-(ptrdiff_t)i] != CANARY || d[n + i - 1] != CANARY)
            fail_msg("n=%zu threads=%u: canary overwritten", n, threads);
    guarded_free(&src);
    guarded_free(&dst);
}

static void test_single_thread_cases(void **state)
{
    (void)state;
    /* no workers needed: tiny sizes, one thread, less than 2 MiB */
    const size_t sizes[] = {0, 1, 4096, MiB - 1, MiB, 2 * MiB - 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check_parallel_copy(sizes[i], 3, 5, 8);
        check_parallel_copy(sizes[i], 0, 0, 1);
        check_parallel_copy(sizes[i], 0, 0, 0);
    }
}

static void test_every_split(void **state)
{
    (void)state;
    /* up to 3 MiB + 4095 (2 and 3 parts) always; the larger sizes up to VMMEM_TEST_MAX_SIZE */
    const size_t sizes[] = {2 * MiB, 2 * MiB + 1, 3 * MiB + 4095, 8 * MiB + 17, 33 * MiB + 3};
    const size_t always = 3 * MiB + 4095, max = test_max_size(SIZE_MAX);
    const unsigned thread_counts[] = {2, 3, 4, 7, 8, VMMEM_PARALLEL_MAX_THREADS, VMMEM_PARALLEL_MAX_THREADS + 1,
                                      ~0u};
    const size_t offsets[][2] = {{0, 0}, {1, 0}, {0, 4095}, {63, 2049}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        if (sizes[i] > always && sizes[i] > max)
            continue;
        for (size_t t = 0; t < sizeof thread_counts / sizeof thread_counts[0]; t++)
            for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++)
                check_parallel_copy(sizes[i], offsets[o][0], offsets[o][1], thread_counts[t]);
    }
}

static void test_overlap_is_a_memmove(void **state)
{
    (void)state;
    size_t n = 4 * MiB + 4095, shift = 4096 + 7; /* 4 parts */
    unsigned char *buf = malloc(n + shift), *expect = malloc(n + shift);
    assert_non_null(buf);
    assert_non_null(expect);
    for (int dir = 0; dir < 2; dir++) {
        fill_pattern(buf, n + shift, 77);
        memcpy(expect, buf, n + shift);
        size_t from = dir ? shift : 0, to = dir ? 0 : shift;
        memmove(expect + to, expect + from, n);
        vmmem_memcpy_parallel(buf + to, buf + from, n, 4);
        assert_memory_equal(buf, expect, n + shift);
    }
    free(buf);
    free(expect);
}

static void test_pool_life(void **state)
{
    (void)state;
    vmmem_parallel_shutdown();
    assert_int_equal(vmmem_parallel_pool_size(), 0);
    check_parallel_copy(4 * MiB, 0, 0, 4);
    assert_int_equal(vmmem_parallel_pool_size(), 3);
    assert_int_equal(vmmem_parallel_last_parts(), 4);
    check_parallel_copy(4 * MiB, 0, 0, 2); /* a smaller call reuses the pool... */
    assert_int_equal(vmmem_parallel_pool_size(), 3);
    assert_int_equal(vmmem_parallel_last_parts(), 2); /* ...with only the threads it asked for */
    check_parallel_copy(3 * MiB, 0, 0, 8); /* at least 1 MiB per thread */
    assert_int_equal(vmmem_parallel_last_parts(), 3);
    check_parallel_copy(MiB, 0, 0, 8);
    assert_int_equal(vmmem_parallel_last_parts(), 1);
    vmmem_parallel_shutdown();
    assert_int_equal(vmmem_parallel_pool_size(), 0);
    vmmem_parallel_shutdown(); /* twice is fine */
    check_parallel_copy(4 * MiB, 5, 3, 3); /* and it starts again */
    assert_int_equal(vmmem_parallel_pool_size(), 2);
}

/* Non-temporal stores or not is decided on the whole copy, not on each
 * thread's part: with the threshold at 3 MiB, a 4 MiB copy in two 2 MiB
 * parts streams; a copy below 3 MiB does not. */
static void test_strategy_follows_the_whole_size(void **state)
{
    (void)state;
    vmmem_thresholds before, t;
    assert_int_equal(vmmem_get_thresholds(&before), VMMEM_OK);
    t = before;
    t.nt = 3 * MiB;
    vmmem_init_options opt = {.thresholds = &t};
    assert_int_equal(vmmem_init_with(&opt), VMMEM_OK);
    vmmem_kernel_info k;
    assert_int_equal(vmmem_get_kernel(vmmem_active_isa(), &k), VMMEM_OK);
    vmmem_copy_fn cached = atomic_load(&vmmem_dispatch.fast);

    check_parallel_copy(4 * MiB, 0, 0, 2);
    assert_int_equal(vmmem_parallel_last_parts(), 2);
    assert_ptr_equal(vmmem_parallel_last_part_copy(), k.memcpy_nt ? k.memcpy_nt : cached);
    check_parallel_copy(3 * MiB - 1, 1, 0, 2);
    assert_int_equal(vmmem_parallel_last_parts(), 2);
    assert_ptr_equal(vmmem_parallel_last_part_copy(), cached);

    opt.thresholds = &before;
    assert_int_equal(vmmem_init_with(&opt), VMMEM_OK);
}

/* No more threads than the caller's affinity mask has CPUs. */
static void test_threads_follow_the_affinity_mask(void **state)
{
    (void)state;
    unsigned hook = vmmem_parallel_cpus_hook;
    vmmem_parallel_cpus_hook = 0; /* the real mask */
    cpu_set_t all, one;
    assert_int_equal(pthread_getaffinity_np(pthread_self(), sizeof all, &all), 0);
    unsigned cpus = (unsigned)CPU_COUNT(&all);
    assert_int_equal(vmmem_parallel_cpu_count(), cpus);
    check_parallel_copy(8 * MiB, 0, 0, 8);
    assert_int_equal(vmmem_parallel_last_parts(), cpus < 8 ? cpus : 8);

    CPU_ZERO(&one);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &all)) {
            CPU_SET(cpu, &one);
            break;
        }
    }
    assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof one, &one), 0);
    assert_int_equal(vmmem_parallel_cpu_count(), 1);
    check_parallel_copy(4 * MiB, 0, 0, 4);
    assert_int_equal(vmmem_parallel_last_parts(), 1);
    assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof all, &all), 0);
    vmmem_parallel_cpus_hook = hook;
}

static void *concurrent_caller(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg, n = 3 * MiB + id; /* 3 parts */
    unsigned char *src = malloc(n), *dst = malloc(n);
    if (!src || !dst)
        return (void *)1;
    fill_pattern(src, n, (uint32_t)id);
    uintptr_t wrong = 0;
    for (int round = 0; round < 5; round++) {
        memset(dst, 0, n);
        vmmem_memcpy_parallel(dst, src, n, 3);
        wrong += memcmp(dst, src, n) != 0;
    }
    free(src);
    free(dst);
    return (void *)wrong;
}

static void test_concurrent_callers(void **state)
{
    (void)state;
    pthread_t callers[3];
    for (size_t i = 0; i < 3; i++)
        pthread_create(&callers[i], NULL, concurrent_caller, (void *)(uintptr_t)i);
    for (size_t i = 0; i < 3; i++) {
        void *wrong;
        pthread_join(callers[i], &wrong);
        assert_int_equal((uintptr_t)wrong, 0);
    }
}

static void test_fork_with_a_pool(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip();
    check_parallel_copy(2 * MiB, 0, 0, 2); /* the parent has workers */
    assert_true(vmmem_parallel_pool_size() > 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(30); /* a deadlock would fail the test instead of hanging it */
        size_t n = 2 * MiB;
        unsigned char *src = malloc(n), *dst = malloc(n);
        fill_pattern(src, n, 5);
        vmmem_memcpy_parallel(dst, src, n, 2);
        _exit(memcmp(dst, src, n) == 0 && vmmem_parallel_pool_size() == 1 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_plain_calls_start_no_thread(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip(); /* no fork() under qemu-user (test_support.h) */
    pid_t pid = fork(); /* a fresh pool state: no parallel call made yet */
    assert_true(pid >= 0);
    if (pid == 0) {
        vmmem_parallel_shutdown();
        unsigned before = count_threads();
        size_t n = test_max_size(64 * MiB); /* any size: a plain call never splits */
        unsigned char *src = malloc(n), *dst = malloc(n);
        fill_pattern(src, n, 6);
        vmmem_memcpy_fast(dst, src, n);
        vmmem_memcpy_adaptive(dst, src, n);
        vmmem_memmove(dst, src, n);
        _exit(count_threads() == before && vmmem_parallel_pool_size() == 0 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    /* every split below, whatever this machine's CPU count (the cap itself
     * is test_threads_follow_the_affinity_mask's) */
    vmmem_parallel_cpus_hook = VMMEM_PARALLEL_MAX_THREADS;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_thread_cases),   cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_overlap_is_a_memmove),  cmocka_unit_test(test_pool_life),
        cmocka_unit_test(test_concurrent_callers),    cmocka_unit_test(test_fork_with_a_pool),
        cmocka_unit_test(test_plain_calls_start_no_thread),
        cmocka_unit_test(test_strategy_follows_the_whole_size),
        cmocka_unit_test(test_threads_follow_the_affinity_mask),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    vmmem_parallel_shutdown();
    return failed;
}
