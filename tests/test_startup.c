/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_startup.c - the engine's first call, in a process of its own
 * each time (the choice is made once per process), against the shared
 * library as programs and an LD_PRELOAD use it:
 *  - a first call from a constructor that runs before anything else, which
 *    reads a config file and allocates nothing;
 *  - eight threads racing on the first call, with a config file line and an
 *    environment variable that are both malformed: every copy is right and
 *    each warning is printed once, not once per racing thread;
 *  - a first call that copies memory again while the engine is choosing
 *    its kernel: this program's own getenv() (which the library calls
 *    while it reads its settings) copies with the engine, as an interposed
 *    malloc or getenv would under an LD_PRELOAD; those nested copies must be
 *    right, and neither recurse nor deadlock. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/vmmem.h>

#include "test_child.h"

#define RACE_THREADS 8
#define RACE_ROUNDS 20
#define COPY_MAX 8192

extern char **environ;

/* Sizes that reach every rung of every kernel's ladder. */
static const size_t sizes[] = {0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 33, 64, 100, 255, 513, 1024, 4095, COPY_MAX};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

/* Copies every size with `copy` and checks the bytes; 0 when all were right. */
static int copy_and_check(void *(*copy)(void *, const void *, size_t), unsigned seed)
{
    unsigned char src[COPY_MAX], dst[COPY_MAX]; /* not static: nested calls have their own */
    for (size_t i = 0; i < SIZE_COUNT; i++) {
        size_t n = sizes[i];
        fill(src, n, seed + (unsigned)i);
        for (size_t j = 0; j < n; j++)
            dst[j] = (unsigned char)~src[j];
        if (copy(dst, src, n) != dst)
            return 1;
        for (size_t j = 0; j < n; j++)
            if (dst[j] != src[j])
                return 1;
    }
    return 0;
}

static void *adaptive_512(void *dst, const void *src, size_t n)
{
    return vmmem_memcpy_adaptive_with_threshold(dst, src, n, 512);
}

/* Every public copy call, one after the other. */
static int copy_with_every_call(unsigned seed)
{
    return copy_and_check(vmmem_memcpy_fast, seed) | copy_and_check(vmmem_memcpy_adaptive, seed + 1) |
           copy_and_check(vmmem_memmove, seed + 2) | copy_and_check(adaptive_512, seed + 3);
}

/* ---- no malloc on the first call ---- */

/* This program's malloc() counts the calls made while `counting` is set
 * (stdio would make some: fopen allocates). Not where a sanitizer or
 * Valgrind supplies its own allocator. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_ALLOCATOR 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_ALLOCATOR 1
#endif

static int counting;
#ifndef SANITIZER_ALLOCATOR
static unsigned mallocs;
extern void *__libc_malloc(size_t n);
void *malloc(size_t n)
{
    mallocs += counting != 0;
    return __libc_malloc(n);
}
#endif

/* ---- a first call from a constructor ---- */

static int ctor_ran, ctor_failed;

/* Priority 101: before every other constructor of this program. */
__attribute__((constructor(101))) static void copy_in_constructor(void)
{
    const char *mode = getenv("VMMEM_TEST_CTOR_COPY");
    if (!mode || strcmp(mode, "1") != 0)
        return;
    ctor_ran = 1;
    counting = 1;
    ctor_failed = copy_and_check(vmmem_memcpy_fast, 10); /* the first call: the engine starts up */
    counting = 0;
    ctor_failed |= copy_with_every_call(11);
}

static int child_ctor(void)
{
    if (!ctor_ran)
        return 2;
    if (ctor_failed)
        return 1;
#ifdef SANITIZER_ALLOCATOR
    printf("ctor ok mallocs=unchecked isa=%s\n", vmmem_isa_name(vmmem_active_isa()));
#else
    printf("ctor ok mallocs=%u isa=%s\n", mallocs, vmmem_isa_name(vmmem_active_isa()));
#endif
    return copy_with_every_call(12);
}

/* ---- racing first calls ---- */

static pthread_barrier_t race_barrier;
static int race_failed[RACE_THREADS];
static vmmem_isa race_isa[RACE_THREADS];

static void *race_thread(void *arg)
{
    size_t id = (size_t)(uintptr_t)arg;
    static void *(*const calls[])(void *, const void *, size_t) = {vmmem_memcpy_fast, vmmem_memcpy_adaptive,
                                                                   vmmem_memmove, adaptive_512};
    pthread_barrier_wait(&race_barrier);
    race_failed[id] = copy_and_check(calls[id % 4], (unsigned)id); /* the first calls of this process */
    race_isa[id] = vmmem_active_isa();
    return NULL;
}

static int child_race(void)
{
    pthread_t threads[RACE_THREADS];
    pthread_barrier_init(&race_barrier, NULL, RACE_THREADS);
    for (size_t i = 0; i < RACE_THREADS; i++)
        if (pthread_create(&threads[i], NULL, race_thread, (void *)(uintptr_t)i) != 0)
            return 3;
    for (size_t i = 0; i < RACE_THREADS; i++)
        pthread_join(threads[i], NULL);
    for (size_t i = 0; i < RACE_THREADS; i++)
        if (race_failed[i] || race_isa[i] != race_isa[0])
            return 1;
    printf("race ok isa=%s\n", vmmem_isa_name(race_isa[0]));
    return 0;
}

/* ---- copies made while the engine chooses its kernel ---- */

static int copy_in_getenv;        /* set by --recursive before the first call */
static unsigned nested_copies, nested_failures;

/* This program's getenv(): the library's calls land here (the executable's
 * definition comes first in symbol lookup). While armed, each call first
 * copies memory with the engine, like an interposed function would. */
char *getenv(const char *name)
{
    if (copy_in_getenv) {
        copy_in_getenv = 0; /* the copies below may call getenv themselves */
        nested_copies++;
        nested_failures += (unsigned)copy_with_every_call(nested_copies);
        copy_in_getenv = 1;
    }
    size_t len = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
            return *e + len + 1;
    return NULL;
}

static int child_recursive(void)
{
    alarm(60); /* a deadlock fails the test instead of hanging it */
    copy_in_getenv = 1;
    int failed = copy_with_every_call(21); /* the first call: getenv runs inside it */
    copy_in_getenv = 0;
    if (failed || nested_failures)
        return 1;
    if (nested_copies == 0)
        return 2; /* the library read no setting: the test did not test anything */
    printf("recursive ok nested=%u isa=%s\n", nested_copies, vmmem_isa_name(vmmem_active_isa()));
    return copy_with_every_call(22);
}

/* The first call keeps errno: it reads files that are missing here (a
 * config file named by VMMEM_CONFIG that does not exist), and a memcpy
 * never changes errno. */
static int child_errno(void)
{
    unsigned char src[64], dst[64];
    fill(src, sizeof src, 3);
    errno = EACCES;
    vmmem_memcpy_fast(dst, src, sizeof dst);
    if (errno != EACCES)
        return 1;
    if (memcmp(dst, src, sizeof dst) != 0)
        return 2;
    printf("errno ok\n");
    return 0;
}

/* A thread with a cancel pending makes the process's first copy: the
 * start-up's file reads are cancellation points, and the copy must finish
 * (cancellation acts at the thread's next point after it), or the start-up
 * lock would stay held and every later start-up wait forever. */
static atomic_int cancel_pending, worker_copied;

static void *cancelled_worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&cancel_pending))
        ; /* no cancellation point until the first copy */
    unsigned char src[256], dst[256];
    fill(src, sizeof src, 9);
    vmmem_memcpy_fast(dst, src, sizeof dst);
    if (memcmp(dst, src, sizeof dst) == 0)
        atomic_store(&worker_copied, 1);
    pthread_testcancel();
    return NULL;
}

static int child_cancel(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, cancelled_worker, NULL) != 0)
        return 1;
    pthread_cancel(t);
    atomic_store(&cancel_pending, 1);
    void *ret;
    pthread_join(t, &ret);
    if (ret != PTHREAD_CANCELED || !atomic_load(&worker_copied))
        return 2; /* cancelled inside the first copy */
    alarm(20);    /* a start-up lock left held would make this wait for good */
    if (vmmem_init() != VMMEM_OK)
        return 3;
    printf("cancel ok isa=%s\n", vmmem_isa_name(vmmem_active_isa()));
    return copy_with_every_call(31);
}

/* ---- tests ---- */

/* Writes text to a new temporary file; returns its path in `path`. */
static void write_temp(char *path, size_t cap, const char *text)
{
    snprintf(path, cap, "/tmp/vmmem_startup_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* The constructor's first call reads a config file (with a line to warn
 * about) and allocates nothing. */
static void test_first_call_from_a_constructor(void **state)
{
    (void)state;
    char conf[64], conf_env[96];
    write_temp(conf, sizeof conf, "nt_threshold = 64K\nerms_threshold = lots\n");
    snprintf(conf_env, sizeof conf_env, "VMMEM_CONFIG=%s", conf);
    const char *env[] = {"VMMEM_TEST_CTOR_COPY=1", conf_env, NULL};
    child_result r;
    run_child("--ctor", env, &r);
    unlink(conf);
    if (!child_succeeded(&r))
        fail_msg("child: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
    assert_non_null(strstr(r.out, "ctor ok"));
    if (!strstr(r.out, "mallocs=0 ") && !strstr(r.out, "mallocs=unchecked"))
        fail_msg("the first call allocated: %s", r.out);
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, conf));
}

static void test_racing_first_calls_warn_once(void **state)
{
    (void)state;
    char conf[64], conf_env[96];
    write_temp(conf, sizeof conf, "erms_threshold = 48K\nnt_threshold = lots\n");
    snprintf(conf_env, sizeof conf_env, "VMMEM_CONFIG=%s", conf);
    const char *env[] = {conf_env, "VMMEM_SIMD_THRESHOLD=12Q", NULL};
    for (int round = 0; round < RACE_ROUNDS; round++) {
        child_result r;
        run_child("--race", env, &r);
        if (!child_succeeded(&r))
            fail_msg("round %d: status %d, err \"%s\"", round, r.status, r.err);
        assert_non_null(strstr(r.out, "race ok"));
        /* one line for the config file, one for the variable: once each */
        if (count_lines(r.err) != 2 || !strstr(r.err, conf) || !strstr(r.err, "VMMEM_SIMD_THRESHOLD"))
            fail_msg("round %d: expected 2 warning lines, got:\n%s", round, r.err);
    }
    unlink(conf);
}

static void test_copies_during_the_first_call(void **state)
{
    (void)state;
    const char *env[] = {"VMMEM_ISA=avx1024", NULL}; /* a warning to print, too */
    child_result r;
    run_child("--recursive", env, &r);
    if (!child_succeeded(&r))
        fail_msg("child: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
    assert_non_null(strstr(r.out, "recursive ok"));
    assert_int_equal(count_lines(r.err), 1);
    assert_non_null(strstr(r.err, "VMMEM_ISA"));
}

static void test_first_call_keeps_errno(void **state)
{
    (void)state;
    const char *env[] = {"VMMEM_CONFIG=/nonexistent/vmmem.conf", NULL};
    child_result r;
    run_child("--errno", env, &r);
    if (!child_succeeded(&r))
        fail_msg("child: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
    assert_non_null(strstr(r.out, "errno ok"));
}

static void test_first_call_with_a_cancel_pending(void **state)
{
    (void)state;
    char conf[64], conf_env[96];
    write_temp(conf, sizeof conf, "nt_threshold = 64K\n"); /* a file to read: open() and read() */
    snprintf(conf_env, sizeof conf_env, "VMMEM_CONFIG=%s", conf);
    const char *env[] = {conf_env, NULL};
    child_result r;
    run_child("--cancel", env, &r);
    unlink(conf);
    if (!child_succeeded(&r))
        fail_msg("child: status %d, out \"%s\", err \"%s\"", r.status, r.out, r.err);
    assert_non_null(strstr(r.out, "cancel ok"));
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--errno") == 0)
        return child_errno();
    if (argc == 2 && strcmp(argv[1], "--cancel") == 0)
        return child_cancel();
    if (argc == 2 && strcmp(argv[1], "--ctor") == 0)
        return child_ctor();
    if (argc == 2 && strcmp(argv[1], "--race") == 0)
        return child_race();
    if (argc == 2 && strcmp(argv[1], "--recursive") == 0)
        return child_recursive();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_call_from_a_constructor),
        cmocka_unit_test(test_racing_first_calls_warn_once),
        cmocka_unit_test(test_copies_during_the_first_call),
        cmocka_unit_test(test_first_call_keeps_errno),
        cmocka_unit_test(test_first_call_with_a_cancel_pending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
