/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/startup.c - the engine's start-up: CPU detection, VMMEM_ISA, the
 * thresholds (this CPU's defaults, the config file, the environment), the
 * kernel's publication, and the warnings; vmmem_init(), vmmem_init_with()
 * and vmmem_version().
 *
 * No constructor is needed and any first call may start the engine up,
 * including a memcpy that an LD_PRELOAD routes here before main() or from
 * inside the C library. The first caller takes the start-up lock and does
 * the work with nothing that can allocate or call memcpy (getenv, open,
 * read; no stdio), publishes the kernel, and only then delivers its
 * warnings. A copy that arrives meanwhile, from another thread or from
 * inside the start-up itself (an interposed getenv or malloc that copies),
 * does not wait: it copies with the portable kernel. Only the
 * introspection and control calls wait for a start-up to finish.
 * The default thresholds are the rules of src/threshold_policy.c. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <vmmem/init.h>
#include <vmmem/vmmem.h>

#include "dispatch.h"
#include "engine.h"
#include "threshold_policy.h"

/* 1 once a start-up has published a kernel (release; an acquire load that
 * sees 1 also sees cpu_info, the thresholds and vmmem_dispatch.kernel). */
static atomic_int started;
/* The start-up lock: 0 when free, else the process ID of its holder. A
 * holder that is not this process is the parent of a fork() that happened
 * during its start-up: the lock is taken over. */
static atomic_int startup_owner;
static vmmem_cpu_info cpu_info; /* detected once, by the first start-up */
static vmmem_log startup_log;   /* the warnings of the start-up holding the lock */

const vmmem_detect_sources *vmmem_detect_sources_hook;

/* The holder's cancellation state and errno from before it took the lock.
 * The start-up reads files, and open() and read() are cancellation points:
 * a thread cancelled there would unwind with the lock held, and since it
 * holds it as this process, nothing would ever take it over. So the holder
 * cannot be cancelled until it unlocks (a pending cancel acts at its next
 * cancellation point), and it leaves errno as it found it: a memcpy never
 * changes errno. Only the holder reads or writes these. */
static int holder_cancel_state, holder_errno;

static int startup_try_lock(void)
{
    int me = (int)getpid(), owner = 0, saved_errno = errno, cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    if (atomic_compare_exchange_strong(&startup_owner, &owner, me) ||
        (owner != me && atomic_compare_exchange_strong(&startup_owner, &owner, me))) {
        holder_cancel_state = cancel_state;
        holder_errno = saved_errno;
        return 1;
    }
    pthread_setcancelstate(cancel_state, NULL);
    errno = saved_errno;
    return 0;
}

void vmmem_startup_lock(void)
{
    while (!startup_try_lock())
        sched_yield();
}

void vmmem_startup_unlock(void)
{
    int cancel_state = holder_cancel_state, saved_errno = holder_errno;
    atomic_store_explicit(&startup_owner, 0, memory_order_release);
    pthread_setcancelstate(cancel_state, NULL);
    errno = saved_errno;
}

/* ---- the settings ---- */

/* The ISA named by VMMEM_ISA if it runs here; else the best one, with one
 * warning line when VMMEM_ISA was set to something unusable. */
static vmmem_isa isa_from_environment(const vmmem_cpu_info *cpu, vmmem_log *log)
{
    vmmem_isa best = vmmem_best_isa_on(cpu);
    const char *name = getenv("VMMEM_ISA");
    if (!name || !*name)
        return best;
    vmmem_isa isa;
    int known = vmmem_isa_from_name(name, &isa) == 0;
    if (known && vmmem_isa_runs_on(isa, cpu))
        return isa;
    vmmem_log_begin(log);
    vmmem_log_text(log, "VMMEM_ISA=");
    if (known) {
        vmmem_log_text(log, name);
        vmmem_log_text(log, " is not supported on this CPU or build; using ");
    } else {
        vmmem_log_text(log, "\"");
        vmmem_log_quote(log, name);
        vmmem_log_text(log, "\" is not an ISA name; using ");
    }
    vmmem_log_text(log, vmmem_isa_name(best));
    vmmem_log_end(log);
    return best;
}

static void say_no_cache_information(vmmem_log *log, const vmmem_cpu_info *cpu)
{
    vmmem_log_begin(log);
    vmmem_log_text(log, "no cache information found (no CPUID cache leaves, no sysfs cache directory): "
                        "assuming L1d ");
    vmmem_log_unsigned(log, cpu->l1d_bytes >> 10);
    vmmem_log_text(log, " KiB, L2 ");
    vmmem_log_unsigned(log, cpu->l2_bytes >> 10);
    vmmem_log_text(log, " KiB, no L3");
    vmmem_log_end(log);
}

/* The start-up proper, with the lock held: detection (the first time
 * only), settings, thresholds, publication. Nothing here allocates, uses
 * stdio or copies memory; warnings go to startup_log. */
/* The thread running start_up_locked(), while it does: a thread id, not a
 * thread-local, since a thread-local of a dlopen()ed library may be
 * allocated on its first use and the start-up allocates nothing. */
static _Atomic(pthread_t) startup_thread;
static atomic_bool startup_running;

bool vmmem_startup_on_this_thread(void)
{
    return atomic_load_explicit(&startup_running, memory_order_acquire) &&
           pthread_equal(atomic_load_explicit(&startup_thread, memory_order_relaxed), pthread_self());
}

static void start_up_locked(unsigned flags, const vmmem_thresholds *base)
{
    atomic_store_explicit(&startup_thread, pthread_self(), memory_order_relaxed);
    atomic_store_explicit(&startup_running, true, memory_order_release);
    vmmem_log_clear(&startup_log);
    if (!atomic_load_explicit(&started, memory_order_relaxed)) {
        vmmem_detect_sources sources = {(flags & VMMEM_INIT_NO_SYSFS) ? NULL : VMMEM_SYSFS_CPU_DIR, 1};
        vmmem_detect_cpu(&cpu_info, vmmem_detect_sources_hook ? vmmem_detect_sources_hook : &sources);
        if (cpu_info.cache_source == VMMEM_CACHE_DEFAULT)
            say_no_cache_information(&startup_log, &cpu_info);
    }
    int use_env = !(flags & VMMEM_INIT_NO_ENVIRONMENT);
    vmmem_isa isa = use_env ? isa_from_environment(&cpu_info, &startup_log) : vmmem_best_isa_on(&cpu_info);
    vmmem_thresholds t;
    if (base)
        t = *base;
    else
        vmmem_default_thresholds(&cpu_info, &t);
    vmmem_apply_overrides(&t, use_env, !(flags & VMMEM_INIT_NO_CONFIG_FILE), &startup_log);
    vmmem_limit_thresholds_to_cpu(&cpu_info, &t);
    vmmem_dispatch_publish(isa, &t);
    atomic_store_explicit(&started, 1, memory_order_release);
    atomic_store_explicit(&startup_running, false, memory_order_release);
}

/* ---- the library's side ---- */

const vmmem_kernel_entry *vmmem_startup_kernel(void)
{
    if (!atomic_load_explicit(&started, memory_order_acquire)) {
        if (!startup_try_lock())
            return NULL; /* another thread, or this very call further up the stack, is starting up */
        if (!atomic_load_explicit(&started, memory_order_relaxed)) {
            start_up_locked(0, NULL);
            vmmem_log_deliver(&startup_log, NULL, NULL); /* stderr, write(2) only: cannot call back */
        }
        vmmem_startup_unlock();
    }
    return atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire);
}

const vmmem_cpu_info *vmmem_startup_wait(void)
{
    while (!vmmem_startup_kernel())
        sched_yield();
    return &cpu_info;
}

/* ---- public API ---- */

int vmmem_init(void)
{
    vmmem_startup_wait();
    return VMMEM_OK;
}

int vmmem_init_with(const vmmem_init_options *opt)
{
    vmmem_init_options o = {0};
    if (opt)
        o = *opt;
    if (o.flags & ~(unsigned)VMMEM_INIT_HERMETIC)
        return VMMEM_EINVAL;
    vmmem_log warnings; /* this call's own: another start-up may reuse startup_log once it is unlocked */
    vmmem_startup_lock();
    start_up_locked(o.flags, o.thresholds);
    vmmem_generic_memmove(&warnings, &startup_log, sizeof warnings);
    vmmem_startup_unlock();
    vmmem_log_deliver(&warnings, o.log, o.log_ctx);
    return VMMEM_OK;
}

#define VERSION_TEXT(major, minor, patch) #major "." #minor "." #patch
#define VERSION_STRING(major, minor, patch) VERSION_TEXT(major, minor, patch)

const char *vmmem_version(void)
{
    return VERSION_STRING(VMMEM_VERSION_MAJOR, VMMEM_VERSION_MINOR, VMMEM_VERSION_PATCH);
}
