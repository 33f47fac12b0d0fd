/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/parallel.c - vmmem_memcpy_parallel(): one huge copy split over the
 * caller and a persistent pool of worker threads.
 *
 * The strategy is decided once, on the whole copy's size: from the
 * non-temporal threshold up every part streams (the active kernel's
 * memcpy_nt), below it every part is an ordinary copy (the fast entry, with
 * its rep movsb band). Judging each part on its own size would keep a copy
 * larger than the L3 in the cache whenever its parts are smaller than it.
 * The number of threads is at most the number of CPUs the caller may run
 * on (its affinity mask): more threads than CPUs only take turns.
 *
 * The pool is created on the first parallel call that needs it, grows to the
 * largest thread count asked for, and lives until vmmem_parallel_shutdown()
 * (or the end of the process). Plain copy calls never start or use threads.
 * Parallel calls are serialised by one mutex: each already uses the cores,
 * and a VMM issues them from a control thread (snapshot, migration). After
 * fork() the child starts with no pool (pthread_atfork). */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>

#include <vmmem/memcpy.h>

#include "dispatch.h"
#include "engine.h"

/* Each thread copies at least this much: below it, waking a worker costs
 * more than the copy it would take over (a wake-up is several microseconds;
 * 1 MiB copies in about 40 us from DRAM here). Assumed: the minimum was not
 * varied. What was measured on the reference 2-vCPU guest (shared with other
 * work), `vmmem-bench --only hot,cold --mode pointer --sizes 1M,2M,3M,4M,8M
 * --impl vmmem-parallel,vmmem-fast --rounds 9`, two runs, x glibc: at
 * 2-4 MiB (two 1 MiB+ chunks) the second thread did not pay, parallel
 * 0.84-0.95 hot against fast's 0.80-0.88; at 8 MiB hot it paid a little,
 * 0.75-0.78 against 0.80-0.84; cold it was level or behind, 0.78-0.88
 * against 0.75-0.88 (docs/performance.md, "Constants measured for the
 * dispatcher" and "Parallel copy on this 2-vCPU VM"). Chunks start on page
 * boundaries of dst so no two threads write the same cache line. */
#define PARALLEL_MIN_CHUNK ((size_t)1 << 20)
#define PARALLEL_CHUNK_ALIGN ((size_t)4096)
_Static_assert(PARALLEL_MIN_CHUNK % PARALLEL_CHUNK_ALIGN == 0, "a minimum chunk is whole pages");
_Static_assert((PARALLEL_CHUNK_ALIGN & (PARALLEL_CHUNK_ALIGN - 1)) == 0, "chunk alignment is a power of two");

typedef struct copy_job {
    unsigned char *dst;
    const unsigned char *src;
    size_t n;
    vmmem_copy_fn copy; /* the same for every part of a call */
} copy_job;

static pthread_mutex_t call_lock = PTHREAD_MUTEX_INITIALIZER; /* one parallel call at a time */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER; /* the fields below */
static pthread_cond_t work_ready = PTHREAD_COND_INITIALIZER;
static pthread_cond_t work_done = PTHREAD_COND_INITIALIZER;
static pthread_t workers[VMMEM_PARALLEL_MAX_THREADS];
static copy_job jobs[VMMEM_PARALLEL_MAX_THREADS]; /* jobs[i] is worker i's */
static unsigned worker_started_at[VMMEM_PARALLEL_MAX_THREADS]; /* generation when created */
static unsigned worker_count;
static unsigned generation; /* bumped for every round of jobs */
static unsigned pending;    /* workers still copying in this round */
static int stopping;
static unsigned last_parts; /* threads the last parallel call used (tests) */
static vmmem_copy_fn last_part_copy; /* what its parts were copied with (tests) */
unsigned vmmem_parallel_cpus_hook;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void *worker_main(void *arg)
{
    unsigned id = (unsigned)(uintptr_t)arg;
    pthread_mutex_lock(&pool_lock);
    /* not `generation`: a round may have been posted before this thread ran */
    unsigned seen = worker_started_at[id];
    for (;;) {
        while (!stopping && seen == generation)
            pthread_cond_wait(&work_ready, &pool_lock);
        if (stopping)
            break;
        seen = generation;
        copy_job job = jobs[id];
        pthread_mutex_unlock(&pool_lock);
        if (job.n)
            job.copy(job.dst, job.src, job.n);
        pthread_mutex_lock(&pool_lock);
        if (--pending == 0)
            pthread_cond_signal(&work_done);
    }
    pthread_mutex_unlock(&pool_lock);
    return NULL;
}

/* In a forked child the workers do not exist: start again from nothing. */
static void reset_in_child(void)
{
    pthread_mutex_init(&call_lock, NULL);
    pthread_mutex_init(&pool_lock, NULL);
    pthread_cond_init(&work_ready, NULL);
    pthread_cond_init(&work_done, NULL);
    worker_count = 0;
    pending = 0;
    stopping = 0;
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, reset_in_child);
}

/* Grows the pool to `wanted` workers, as far as thread creation allows;
 * returns how many there are. Called with call_lock held. */
static unsigned grow_pool(unsigned wanted)
{
    pthread_once(&atfork_once, register_atfork);
    pthread_mutex_lock(&pool_lock);
    while (worker_count < wanted) {
        worker_started_at[worker_count] = generation;
        if (pthread_create(&workers[worker_count], NULL, worker_main, (void *)(uintptr_t)worker_count) != 0)
            break;
        worker_count++;
    }
    unsigned have = worker_count;
    pthread_mutex_unlock(&pool_lock);
    return have;
}

unsigned vmmem_parallel_cpu_count(void)
{
    if (vmmem_parallel_cpus_hook)
        return vmmem_parallel_cpus_hook;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return VMMEM_PARALLEL_MAX_THREADS; /* unknown (e.g. more CPUs than cpu_set_t holds): no limit */
    int count = CPU_COUNT(&set);
    return count > 0 ? (unsigned)count : 1;
}

/* What every part of an n-byte copy is copied with: decided on n. */
static vmmem_copy_fn part_copy_for(size_t n)
{
    vmmem_startup_wait();
    const vmmem_kernel_entry *k = atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire);
    if (k->info.memcpy_nt && n >= vmmem_threshold(&vmmem_dispatch.nt_threshold))
        return k->info.memcpy_nt; /* falls back itself for a part too small to stream */
    return atomic_load_explicit(&vmmem_dispatch.fast, memory_order_acquire);
}

void *vmmem_memcpy_parallel(void *dst, const void *src, size_t n, unsigned threads)
{
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    int overlap = d - s < n || s - d < n;
    if (threads > VMMEM_PARALLEL_MAX_THREADS)
        threads = VMMEM_PARALLEL_MAX_THREADS;
    if (threads > n / PARALLEL_MIN_CHUNK)
        threads = (unsigned)(n / PARALLEL_MIN_CHUNK);
    if (threads > 1 && !overlap) {
        unsigned cpus = vmmem_parallel_cpu_count();
        if (threads > cpus)
            threads = cpus;
    }
    if (threads <= 1 || overlap) { /* overlapping: only a single directed pass is correct */
        pthread_mutex_lock(&call_lock);
        last_parts = 1;
        last_part_copy = NULL;
        pthread_mutex_unlock(&call_lock);
        return vmmem_memcpy_adaptive(dst, src, n);
    }

    vmmem_copy_fn copy = part_copy_for(n);
    pthread_mutex_lock(&call_lock);
    unsigned workers_have = grow_pool(threads - 1); /* may be more, from an earlier call */
    unsigned workers_used = workers_have < threads - 1 ? workers_have : threads - 1;
    unsigned parts = workers_used + 1;
    last_parts = parts;
    last_part_copy = copy;
    /* chunk boundaries fall on page boundaries of dst */
    size_t chunk = (n / parts + PARALLEL_CHUNK_ALIGN - 1) & ~(PARALLEL_CHUNK_ALIGN - 1);
    size_t head = chunk - (d & (PARALLEL_CHUNK_ALIGN - 1));
    if (head > n)
        head = n;
    pthread_mutex_lock(&pool_lock);
    size_t offset = head;
    for (unsigned i = 0; i < worker_count; i++) {
        size_t len = i < workers_used && offset < n ? (n - offset < chunk ? n - offset : chunk) : 0;
        jobs[i] = (copy_job){(unsigned char *)dst + offset, (const unsigned char *)src + offset, len, copy};
        offset += len;
    }
    size_t tail_start = offset; /* whatever the workers do not cover, the caller does */
    pending = worker_count;
    generation++;
    pthread_cond_broadcast(&work_ready);
    pthread_mutex_unlock(&pool_lock);

    copy(dst, src, head);
    if (tail_start < n)
        copy((unsigned char *)dst + tail_start, (const unsigned char *)src + tail_start, n - tail_start);

    pthread_mutex_lock(&pool_lock);
    while (pending)
        pthread_cond_wait(&work_done, &pool_lock);
    pthread_mutex_unlock(&pool_lock);
    pthread_mutex_unlock(&call_lock);
    return dst;
}

unsigned vmmem_parallel_last_parts(void)
{
    pthread_mutex_lock(&call_lock);
    unsigned parts = last_parts;
    pthread_mutex_unlock(&call_lock);
    return parts;
}

vmmem_copy_fn vmmem_parallel_last_part_copy(void)
{
    pthread_mutex_lock(&call_lock);
    vmmem_copy_fn copy = last_part_copy;
    pthread_mutex_unlock(&call_lock);
    return copy;
}

unsigned vmmem_parallel_pool_size(void)
{
    pthread_mutex_lock(&pool_lock);
    unsigned count = worker_count;
    pthread_mutex_unlock(&pool_lock);
    return count;
}

void vmmem_parallel_shutdown(void)
{
    pthread_mutex_lock(&call_lock);
    pthread_mutex_lock(&pool_lock);
    stopping = 1;
    pthread_cond_broadcast(&work_ready);
    unsigned count = worker_count;
    pthread_mutex_unlock(&pool_lock);
    for (unsigned i = 0; i < count; i++)
        pthread_join(workers[i], NULL);
    pthread_mutex_lock(&pool_lock);
    worker_count = 0;
    stopping = 0;
    pthread_mutex_unlock(&pool_lock);
    pthread_mutex_unlock(&call_lock);
}
