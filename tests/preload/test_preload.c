/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/preload/test_preload.c - an ordinary program, built without any
 * vmmem_ call or header, run by CTest with LD_PRELOAD=libvmmem-preload.so.
 * It checks, each case in a child process of its own (the preload chooses
 * its entries once per process):
 *  - memcpy, memmove, mempcpy and (from a _FORTIFY_SOURCE unit) their
 *    __*_chk forms bind to the preload and copy right at every size, and
 *    the preload's own count (VMMEM_PRELOAD_STATS=1) shows that each call
 *    reached the engine, or with VMMEM_PRELOAD=off the C library (and an
 *    unknown value warns once and keeps the engine);
 *  - a memcpy with overlapping buffers (a bug in a program, but a common
 *    one) still copies as memmove would, on the engine;
 *  - the first call from a constructor, and from 8 racing threads;
 *  - a first call above 256 bytes (memcpy and memmove reach the resolver
 *    through their large-copy pointer on the AVX-512 kernel);
 *  - fork() before the first call, and while another thread copies;
 *  - a dlopen()ed module's references;
 *  - a fortified copy past its buffer aborts with glibc's message.
 * Built twice: as is, and with -fno-plt (calls through the GOT, bound at
 * start-up). Plain C with exit codes. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../test_child.h"
#include "preload_test.h"

#define RACE_THREADS 8
#define RACE_PROCESSES 10
#define LARGE_COPY (4u << 20) /* past the rep movsb and non-temporal thresholds' defaults on most CPUs */
#define FORK_COPIES 2000
#define FIRST_LARGE_COPY 257 /* the smallest copy the AVX-512 entries pass on */
#define COPIES_RUNS 2        /* copy_every_size() calls of the "copies" child */

/* Sizes that reach every rung of the kernels' ladders, then the bands. */
static const size_t sizes[] = {0,   1,   2,   3,    4,    7,    8,    15,    16,    17,    31,         32,
                               33,  63,  64,  65,   100,  127,  128,  129,   255,   256,   257,        511,
                               513, 1000, 1024, 4095, 4096, 8193, 65536, 100000, 1u << 20, LARGE_COPY};
#define SIZE_COUNT (sizeof sizes / sizeof sizes[0])

static void fail(const char *what)
{
    fprintf(stderr, "test_preload: %s\n", what);
    exit(1);
}

static unsigned char *buffer(size_t n)
{
    unsigned char *p = malloc(n);
    if (!p)
        fail("out of memory");
    return p;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 8));
}

/* memcpy, memmove and mempcpy at every size (offset by `shift` bytes),
 * each checked with the canary byte past the end; 0 when all were right. */
static int copy_every_size(unsigned seed, size_t shift)
{
    size_t cap = LARGE_COPY + 64;
    unsigned char *src = buffer(cap), *dst = buffer(cap);
    int bad = 0;
    for (size_t i = 0; i < SIZE_COUNT && !bad; i++) {
        size_t n = sizes[i];
        unsigned char *d = dst + shift, *s = src + (shift * 3 % 16);
        fill(s, n, seed + (unsigned)i);
        d[n] = 0xa5;
        bad |= memcpy(d, s, n) != d;
        bad |= memcmp(d, s, n) != 0;
        memset(d, 0, n);
        bad |= memmove(d, s, n) != d;
        bad |= memcmp(d, s, n) != 0;
        memset(d, 0, n);
        bad |= mempcpy(d, s, n) != d + n;
        bad |= memcmp(d, s, n) != 0;
        bad |= d[n] != 0xa5;
        if (bad)
            fprintf(stderr, "test_preload: a copy of %zu bytes (shift %zu) went wrong\n", n, shift);
    }
    for (size_t n = 0; n <= CHK_BUF_BYTES && !bad; n += 17) {
        fill(src, n + 1, seed + (unsigned)n);
        bad |= chk_copies(src, n);
        if (bad)
            fprintf(stderr, "test_preload: a fortified copy of %zu bytes went wrong\n", n);
    }
    free(src);
    free(dst);
    return bad;
}

/* memcpy on overlapping buffers, both directions: the bytes memmove gives. */
static int overlapping_memcpy(void)
{
    size_t len = 100000;
    unsigned char *p = buffer(len + 4096), *want = buffer(len + 4096);
    int bad = 0;
    for (size_t distance = 1; distance < 4096 && !bad; distance = distance * 3 + 1) {
        for (size_t n = 1; n <= len && !bad; n = n * 5 + 3) {
            fill(p, len + 4096, (unsigned)distance);
            for (size_t i = 0; i < n; i++)
                want[i] = p[i];
            memcpy(p + distance, p, n); /* forward overlap */
            for (size_t i = 0; i < n && !bad; i++)
                bad |= p[distance + i] != want[i];
            fill(p, len + 4096, (unsigned)n);
            for (size_t i = 0; i < n; i++)
                want[i] = p[distance + i];
            memcpy(p, p + distance, n); /* backward overlap */
            for (size_t i = 0; i < n && !bad; i++)
                bad |= p[i] != want[i];
        }
    }
    free(p);
    free(want);
    return bad;
}

/* ---- the cases, each in a child ---- */

static int ctor_ran, ctor_failed;

/* Before every other constructor of the program: the preload's first call. */
__attribute__((constructor(101))) static void copy_in_constructor(void)
{
    const char *flag = getenv("VMMEM_TEST_PRELOAD_CTOR");
    if (!flag || strcmp(flag, "1") != 0)
        return;
    ctor_ran = 1;
    ctor_failed = copy_every_size(3, 0);
}

static int child_ctor(void)
{
    return !ctor_ran || ctor_failed || copy_every_size(4, 5);
}

static pthread_barrier_t race_barrier;

static void *race_thread(void *arg)
{
    pthread_barrier_wait(&race_barrier);
    return (void *)(size_t)copy_every_size((unsigned)(size_t)arg, (size_t)arg % 16);
}

static int child_race(void)
{
    pthread_t threads[RACE_THREADS];
    pthread_barrier_init(&race_barrier, NULL, RACE_THREADS);
    for (size_t i = 0; i < RACE_THREADS; i++)
        if (pthread_create(&threads[i], NULL, race_thread, (void *)i) != 0)
            fail("pthread_create (race)");
    int bad = 0;
    for (size_t i = 0; i < RACE_THREADS; i++) {
        void *r;
        pthread_join(threads[i], &r);
        bad |= r != NULL;
    }
    return bad;
}

static volatile int copier_stop;

static void *copier(void *arg)
{
    (void)arg;
    unsigned char a[512], b[512];
    fill(a, sizeof a, 9);
    while (!copier_stop)
        memcpy(b, a, sizeof a);
    return NULL;
}

/* A child that copies, checks and exits; the status of both. */
static int fork_and_copy(unsigned seed)
{
    pid_t pid = fork();
    if (pid < 0)
        fail("fork");
    if (pid == 0)
        _exit(copy_every_size(seed, 1));
    int status, bad = copy_every_size(seed + 1, 2);
    if (waitpid(pid, &status, 0) != pid)
        fail("waitpid");
    return bad || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
}

static int child_fork(void)
{
    int bad = fork_and_copy(20); /* no copy yet: parent and child each resolve */
    pthread_t t;
    if (pthread_create(&t, NULL, copier, NULL) != 0)
        fail("pthread_create");
    for (int i = 0; i < 3; i++)
        bad |= fork_and_copy(30 + (unsigned)i); /* while another thread copies */
    copier_stop = 1;
    pthread_join(t, NULL);
    return bad;
}

static int child_dlopen(void)
{
    void *module = dlopen(PRELOAD_TEST_MODULE, RTLD_NOW | RTLD_LOCAL);
    if (!module)
        fail(dlerror());
    module_memcpy_address_fn address = (module_memcpy_address_fn)(size_t)dlsym(module, "module_memcpy_address");
    module_copies_fn copies = (module_copies_fn)(size_t)dlsym(module, "module_copies");
    if (!address || !copies)
        fail("module symbols missing");
    void *(*volatile mine)(void *, const void *, size_t) = memcpy;
    return address() != (void *)mine || copies() != 0;
}

/* The process's first copy, through memcpy or memmove, is FIRST_LARGE_COPY
 * bytes: the entries' large-copy pointer still leads to the resolver. */
static int child_first_large(int use_memmove)
{
    unsigned char *src = buffer(FIRST_LARGE_COPY), *dst = buffer(FIRST_LARGE_COPY);
    fill(src, FIRST_LARGE_COPY, 11);
    void *r = use_memmove ? memmove(dst, src, FIRST_LARGE_COPY) : memcpy(dst, src, FIRST_LARGE_COPY);
    int bad = r != dst || memcmp(dst, src, FIRST_LARGE_COPY) != 0;
    free(src);
    free(dst);
    return bad || copy_every_size(12, 3);
}

/* argv[1] of the overflow children: which fortified copy overflows. */
static int child_overflow(int which)
{
    unsigned char src[CHK_BUF_BYTES * 2];
    fill(src, sizeof src, 1);
    volatile size_t n = CHK_BUF_BYTES + 1;
    chk_overflow(src, n, which);
    return 0; /* not reached when the check works */
}

/* ---- the parent: runs the children, checks what they report ---- */

/* The count the preload reported for a function ("vmmem: preload: memcpy
 * calls N bytes M"); -1 when it is not in the text. */
static long long reported_calls(const char *err, const char *function)
{
    char key[64];
    snprintf(key, sizeof key, "vmmem: preload: %s calls ", function);
    const char *at = strstr(err, key);
    return at ? atoll(at + strlen(key)) : -1;
}

/* The byte count the preload reported for a function (the number after
 * " bytes " on its line); -1 when it is not in the text. */
static long long reported_bytes(const char *err, const char *function)
{
    char key[64];
    snprintf(key, sizeof key, "vmmem: preload: %s calls ", function);
    const char *at = strstr(err, key);
    const char *b = at ? strstr(at, " bytes ") : NULL;
    return b ? atoll(b + strlen(" bytes ")) : -1;
}

/* The bytes one copy_every_size() run passes to function f (0..2: memcpy,
 * memmove, mempcpy; 3..5: the __*_chk forms). */
static long long bytes_of_one_run(size_t f)
{
    long long sum = 0;
    if (f < 3) {
        for (size_t i = 0; i < SIZE_COUNT; i++)
            sum += (long long)sizes[i];
    } else {
        for (size_t n = 0; n <= CHK_BUF_BYTES; n += 17)
            sum += (long long)n;
    }
    return sum;
}

static int failures;

static void check(int ok, const char *what, const child_result *r)
{
    if (ok)
        return;
    failures++;
    fprintf(stderr, "FAIL: %s (status %d)\n--- child stderr ---\n%s\n", what, r ? r->status : 0, r ? r->err : "");
}

static void check_counts(const child_result *r, const char *header, const char *what)
{
    static const char *const functions[] = {"memcpy",       "memmove",       "mempcpy",
                                            "__memcpy_chk", "__memmove_chk", "__mempcpy_chk"};
    check(strstr(r->err, header) != NULL, what, r);
    for (size_t f = 0; f < sizeof functions / sizeof functions[0]; f++) {
        /* each of copy_every_size's loops runs at least this often */
        long long least = f < 3 ? (long long)SIZE_COUNT : CHK_BUF_BYTES / 17;
        char text[160];
        snprintf(text, sizeof text, "%s: %s reached the preload at least %lld times", what, functions[f], least);
        check(reported_calls(r->err, functions[f]) >= least, text, r);
        /* and every byte: a large copy that bypassed the counting wrapper
         * would leave the count of calls high enough, not this one */
        long long least_bytes = COPIES_RUNS * bytes_of_one_run(f);
        snprintf(text, sizeof text, "%s: %s counted at least %lld bytes", what, functions[f], least_bytes);
        check(reported_bytes(r->err, functions[f]) >= least_bytes, text, r);
    }
}

static void expect_abort(int which, const char *const *env, const char *what)
{
    child_result r;
    const char *modes[] = {"overflow0", "overflow1", "overflow2"};
    run_child(modes[which], env, &r);
    check(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT, what, &r);
    check(strstr(r.err, "*** buffer overflow detected ***") != NULL, what, &r);
}

static int parent(void)
{
    void *(*volatile mine)(void *, const void *, size_t) = memcpy;
    Dl_info info;
    if (!dladdr((void *)mine, &info) || !info.dli_fname || !strstr(info.dli_fname, "libvmmem-preload"))
        check(0, "memcpy is bound to libvmmem-preload.so (run with LD_PRELOAD)", NULL);

    const char *engine_stats[] = {"VMMEM_PRELOAD_STATS=1", NULL};
    const char *off_stats[] = {"VMMEM_PRELOAD_STATS=1", "VMMEM_PRELOAD=off", NULL};
    const char *off[] = {"VMMEM_PRELOAD=off", NULL};
    child_result r;

    run_child("copies", engine_stats, &r);
    check(child_succeeded(&r), "copies on the engine", &r);
    check_counts(&r, "vmmem: preload: copies went to the engine, kernel ", "engine");
    /* On x86-64 the preload's memcpy and memmove copy up to 256 bytes
     * themselves only on the AVX-512 kernel; any other kernel is reached
     * through the entries at every size. */
    const char *sse2_stats[] = {"VMMEM_PRELOAD_STATS=1", "VMMEM_ISA=sse2", NULL};
    run_child("copies", sse2_stats, &r);
    check(child_succeeded(&r), "copies on the engine, VMMEM_ISA=sse2", &r);
#if defined(__x86_64__)
    check_counts(&r, "vmmem: preload: copies went to the engine, kernel sse2", "engine, VMMEM_ISA=sse2");
#else
    check_counts(&r, "vmmem: preload: copies went to the engine, kernel ", "engine, VMMEM_ISA=sse2");
#endif
    const char *sse2[] = {"VMMEM_ISA=sse2", NULL};
    run_child("copies", sse2, &r);
    check(child_succeeded(&r), "copies on the engine, VMMEM_ISA=sse2, no counting", &r);
    run_child("copies", off_stats, &r);
    check(child_succeeded(&r), "copies with VMMEM_PRELOAD=off", &r);
    check_counts(&r, "vmmem: preload: copies passed to the C library (VMMEM_PRELOAD=off)", "C library");
    run_child("copies", NULL, &r);
    check(child_succeeded(&r) && r.err[0] == '\0', "copies, no counting, nothing printed", &r);

    const char *unknown[] = {"VMMEM_PRELOAD=sometimes", NULL};
    run_child("copies", unknown, &r);
    check(child_succeeded(&r) && count_lines(r.err) == 1 &&
              strstr(r.err, "VMMEM_PRELOAD=\"sometimes\" is neither on nor off; using the engine") != NULL,
          "an unknown VMMEM_PRELOAD value: one warning line, the engine", &r);

    run_child("overlap", NULL, &r);
    check(child_succeeded(&r), "overlapping memcpy copies as memmove on the engine", &r);

    const char *ctor[] = {"VMMEM_TEST_PRELOAD_CTOR=1", "VMMEM_PRELOAD_STATS=1", NULL};
    run_child("ctor", ctor, &r);
    check(child_succeeded(&r), "first call from a constructor", &r);
    check(strstr(r.err, "copies went to the engine") != NULL, "constructor copies on the engine", &r);
    const char *ctor_off[] = {"VMMEM_TEST_PRELOAD_CTOR=1", "VMMEM_PRELOAD=off", NULL};
    run_child("ctor", ctor_off, &r);
    check(child_succeeded(&r), "first call from a constructor, VMMEM_PRELOAD=off", &r);

    const char *const *first_large_env[] = {NULL, engine_stats, off, sse2};
    for (size_t e = 0; e < sizeof first_large_env / sizeof first_large_env[0]; e++) {
        run_child("first_large_memcpy", first_large_env[e], &r);
        check(child_succeeded(&r), "a first call above 256 bytes (memcpy)", &r);
        run_child("first_large_memmove", first_large_env[e], &r);
        check(child_succeeded(&r), "a first call above 256 bytes (memmove)", &r);
    }
    for (int i = 0; i < RACE_PROCESSES; i++) {
        run_child("race", i % 2 ? off : NULL, &r);
        check(child_succeeded(&r), i % 2 ? "8 racing first calls, off" : "8 racing first calls", &r);
    }
    run_child("fork", NULL, &r);
    check(child_succeeded(&r), "fork", &r);
    run_child("fork", off, &r);
    check(child_succeeded(&r), "fork, off", &r);
    run_child("dlopen", NULL, &r);
    check(child_succeeded(&r), "dlopen()ed module", &r);
    run_child("dlopen", off, &r);
    check(child_succeeded(&r), "dlopen()ed module, off", &r);

    for (int which = 0; which < 3; which++) {
        expect_abort(which, NULL, "fortified copy past its buffer aborts");
        expect_abort(which, off, "fortified copy past its buffer aborts, off");
    }
    if (failures)
        fprintf(stderr, "test_preload: %d checks failed\n", failures);
    else
        printf("test_preload: every check passed\n");
    return failures != 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return parent();
    const char *mode = argv[1];
    if (strcmp(mode, "copies") == 0)
        return copy_every_size(1, 0) | copy_every_size(2, 7); /* COPIES_RUNS */
    if (strcmp(mode, "overlap") == 0)
        return overlapping_memcpy();
    if (strcmp(mode, "ctor") == 0)
        return child_ctor();
    if (strcmp(mode, "first_large_memcpy") == 0)
        return child_first_large(0);
    if (strcmp(mode, "first_large_memmove") == 0)
        return child_first_large(1);
    if (strcmp(mode, "race") == 0)
        return child_race();
    if (strcmp(mode, "fork") == 0)
        return child_fork();
    if (strcmp(mode, "dlopen") == 0)
        return child_dlopen();
    if (strncmp(mode, "overflow", 8) == 0)
        return child_overflow(mode[8] - '0');
    fprintf(stderr, "test_preload: unknown mode %s\n", mode);
    return 2;
}
