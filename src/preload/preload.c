/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/preload/preload.c - libvmmem-preload.so: the C library's memcpy,
 * memmove, mempcpy and their _FORTIFY_SOURCE forms (__memcpy_chk, ...)
 * defined on the engine, for unmodified programs started with
 * LD_PRELOAD=libvmmem-preload.so (docs/preload.md).
 *
 * Each exported function is one load and one indirect jump through
 * vmmem_preload_entries (mempcpy adds the return value's addition), the
 * same cost as vmmem_memcpy_fast(); on x86-64 (AVX-512 built in) memcpy
 * and memmove are the assembly entries below: the AVX-512 kernel's entry
 * on that kernel, and a size and a byte check before the same hop
 * otherwise. Until the first call has chosen the
 * entries they point at a resolver, which reads the environment and picks:
 *  - the engine: the published kernel entry itself (VMMEM_ISA and the
 *    thresholds are honoured by the engine's start-up);
 *  - VMMEM_PRELOAD=off: the C library's own functions, dlsym(RTLD_NEXT);
 *  - VMMEM_PRELOAD_STATS=1: counting wrappers around either, and one line
 *    per function written to stderr at exit. Only this mode counts.
 * The resolver takes a lock that is never waited for: a copy that arrives
 * while it runs (another thread's first call, or one made from inside
 * dlsym or getenv by an interposed malloc) copies with the engine's
 * portable kernel, as the engine's own start-up does. No stdio or malloc
 * is used; everything printed goes out with write(2).
 *
 * memcpy is the engine's memmove: its kernels pick the direction only in
 * the loop rung (above 8 vectors), a cost that does not show next to the
 * copy, so a program that (wrongly) passes overlapping buffers to memcpy
 * still gets the bytes it meant. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dispatch.h"
#include "engine.h"

#if defined(__x86_64__) && VMMEM_HAVE_AVX512
#define PRELOAD_AVX512_ENTRIES 1
#include "x86/avx512_entry.h"
#else
#define PRELOAD_AVX512_ENTRIES 0
#endif

/* Exported, each at the start of a 64-byte line of its own, as the
 * engine's entries are (src/copy_api.c: placement moved the per-call cost
 * by a cycle otherwise). */
#define EXPORT __attribute__((visibility("default"), aligned(64)))

/* glibc's reaction to a failed _FORTIFY_SOURCE check: "*** buffer overflow
 * detected ***: terminated" on stderr, then abort(). */
extern void __chk_fail(void) __attribute__((noreturn));

typedef void *(*copy_fn)(void *dst, const void *src, size_t n);
typedef void *(*chk_copy_fn)(void *dst, const void *src, size_t n, size_t dst_len);

/* The six functions, in the order of the tables below. */
enum preload_function { F_MEMCPY, F_MEMMOVE, F_MEMPCPY, F_MEMCPY_CHK, F_MEMMOVE_CHK, F_MEMPCPY_CHK, F_COUNT };

static const char *const function_names[F_COUNT] = {
    [F_MEMCPY] = "memcpy",           [F_MEMMOVE] = "memmove",           [F_MEMPCPY] = "mempcpy",
    [F_MEMCPY_CHK] = "__memcpy_chk", [F_MEMMOVE_CHK] = "__memmove_chk", [F_MEMPCPY_CHK] = "__mempcpy_chk",
};

/* What the exported functions jump to: one cache line, read-only after
 * the resolver has filled it. */
typedef struct preload_entries {
    _Atomic(copy_fn) memcpy;
    _Atomic(copy_fn) memmove;
    _Atomic(copy_fn) mempcpy;
    _Atomic(chk_copy_fn) memcpy_chk;
    _Atomic(chk_copy_fn) memmove_chk;
    _Atomic(chk_copy_fn) mempcpy_chk;
} preload_entries;
_Static_assert(sizeof(preload_entries) <= 64, "the entries fit in one cache line");

static void *resolve_memcpy(void *dst, const void *src, size_t n);
static void *resolve_memmove(void *dst, const void *src, size_t n);
static void *resolve_mempcpy(void *dst, const void *src, size_t n);
static void *resolve_memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
static void *resolve_memmove_chk(void *dst, const void *src, size_t n, size_t dst_len);
static void *resolve_mempcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);

/* Hidden and used: the assembly entries below read it. */
__attribute__((used)) _Alignas(64) preload_entries vmmem_preload_entries = {
    resolve_memcpy, resolve_memmove, resolve_mempcpy, resolve_memcpy_chk, resolve_memmove_chk, resolve_mempcpy_chk};

/* ---- the exported functions ---- */

#if PRELOAD_AVX512_ENTRIES
/* memcpy and memmove as the engine's AVX-512 entries are, with the
 * hop moved behind the size check: above 256 bytes they jump through
 * their pointer in vmmem_preload_avx512_path, and 0..256 bytes, while
 * small_inline is 1, they copy themselves (the assembly of
 * arch/x86/avx512_entry.h), otherwise they jump through their entry in
 * vmmem_preload_entries as the other four functions always do. The
 * resolver sets the large-copy pointers to the kernel's C body and
 * small_inline to 1 when the entries are the engine's AVX-512 kernel,
 * uncounted; else to what the entries hold. With the hop on every call
 * the preload's memcpy took one to two cycles more than glibc's at 8-128
 * bytes (docs/preload.md). The hop is the fall-through of the byte check,
 * so the other modes pay two compares and no taken branch for it at
 * 0..256 bytes (above, the size check's taken branch and the large-copy
 * pointer, which holds what the entry does): with the inline copy on the
 * fall-through path they took a cycle more at 0..256 bytes than with the
 * hop alone. */
typedef struct preload_avx512_path {
    _Atomic(copy_fn) memcpy_above256;
    _Atomic(copy_fn) memmove_above256;
    atomic_uchar small_inline;
} preload_avx512_path;
__attribute__((used)) _Alignas(64) preload_avx512_path vmmem_preload_avx512_path = {resolve_memcpy, resolve_memmove, 0};
_Static_assert(offsetof(preload_avx512_path, memcpy_above256) == 0 &&
                   offsetof(preload_avx512_path, memmove_above256) == 8 &&
                   offsetof(preload_avx512_path, small_inline) == 16 && offsetof(preload_entries, memcpy) == 0 &&
                   offsetof(preload_entries, memmove) == 8,
               "the offsets the assembly below uses");

#define PRELOAD_AVX512_ENTRY(name, offset)                                                              \
    __asm__(AVX512_FUNCTION_START_AS(name, "") AVX512_ABOVE_256("8f")                                   \
            "cmpb $1, vmmem_preload_avx512_path+16(%rip)\n\t"                                            \
            "je 7f\n\t"                                                                                  \
            "jmp *vmmem_preload_entries+" offset "(%rip)\n"                                               \
            "7:\n\t"                                                                                     \
            "mov %rdi, %rax\n\t" AVX512_COPY_UP_TO_256 "8:\n\t"                                          \
            "jmp *vmmem_preload_avx512_path+" offset "(%rip)\n\t" AVX512_FUNCTION_END(name))
PRELOAD_AVX512_ENTRY(memcpy, "0");
PRELOAD_AVX512_ENTRY(memmove, "8");
#else
EXPORT void *memcpy(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_preload_entries.memcpy, memory_order_acquire)(dst, src, n);
}

EXPORT void *memmove(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_preload_entries.memmove, memory_order_acquire)(dst, src, n);
}
#endif

EXPORT void *mempcpy(void *dst, const void *src, size_t n)
{
    return atomic_load_explicit(&vmmem_preload_entries.mempcpy, memory_order_acquire)(dst, src, n);
}

EXPORT void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    return atomic_load_explicit(&vmmem_preload_entries.memcpy_chk, memory_order_acquire)(dst, src, n, dst_len);
}

EXPORT void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    return atomic_load_explicit(&vmmem_preload_entries.memmove_chk, memory_order_acquire)(dst, src, n, dst_len);
}

EXPORT void *__mempcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    return atomic_load_explicit(&vmmem_preload_entries.mempcpy_chk, memory_order_acquire)(dst, src, n, dst_len);
}

/* ---- on the engine ---- */

/* The engine's kernel entry once resolved (vmmem_dispatch.fast after the
 * start-up); the _chk and mempcpy forms call it. */
static copy_fn engine_copy = vmmem_generic_memmove;

static void *engine_mempcpy(void *dst, const void *src, size_t n)
{
    return (unsigned char *)engine_copy(dst, src, n) + n;
}

static void *engine_memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    if (dst_len < n)
        __chk_fail();
    return engine_copy(dst, src, n);
}

static void *engine_mempcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    if (dst_len < n)
        __chk_fail();
    return engine_mempcpy(dst, src, n);
}

/* ---- what the entries lead to ---- */

/* The functions the copies end in (the engine's or the C library's), in
 * the stats mode behind the counting wrappers; filled by the resolver. */
static preload_entries targets;

static void use_engine(preload_entries *t)
{
    atomic_store_explicit(&t->memcpy, engine_copy, memory_order_relaxed);
    atomic_store_explicit(&t->memmove, engine_copy, memory_order_relaxed);
    atomic_store_explicit(&t->mempcpy, engine_mempcpy, memory_order_relaxed);
    atomic_store_explicit(&t->memcpy_chk, engine_memcpy_chk, memory_order_relaxed);
    atomic_store_explicit(&t->memmove_chk, engine_memcpy_chk, memory_order_relaxed);
    atomic_store_explicit(&t->mempcpy_chk, engine_mempcpy_chk, memory_order_relaxed);
}

/* The C library's function `f` (the next definition after this library),
 * or NULL. */
static void *next_definition(enum preload_function f)
{
    return dlsym(RTLD_NEXT, function_names[f]);
}

/* VMMEM_PRELOAD=off: every function the C library has goes there; one it
 * lacks stays on the engine, with a warning. */
static void use_c_library(preload_entries *t, vmmem_log *log)
{
    void *found[F_COUNT];
    for (int f = 0; f < F_COUNT; f++) {
        found[f] = next_definition((enum preload_function)f);
        if (!found[f]) {
            vmmem_log_begin(log);
            vmmem_log_text(log, "preload: VMMEM_PRELOAD=off but the C library has no ");
            vmmem_log_text(log, function_names[f]);
            vmmem_log_text(log, "; it stays on the engine");
            vmmem_log_end(log);
        }
    }
    /* A function pointer cannot be initialised from dlsym's void * in ISO
     * C; POSIX guarantees the conversion, done here through the integer. */
#define FROM_DLSYM(type, p) ((type)(uintptr_t)(p))
    if (found[F_MEMCPY])
        atomic_store_explicit(&t->memcpy, FROM_DLSYM(copy_fn, found[F_MEMCPY]), memory_order_relaxed);
    if (found[F_MEMMOVE])
        atomic_store_explicit(&t->memmove, FROM_DLSYM(copy_fn, found[F_MEMMOVE]), memory_order_relaxed);
    if (found[F_MEMPCPY])
        atomic_store_explicit(&t->mempcpy, FROM_DLSYM(copy_fn, found[F_MEMPCPY]), memory_order_relaxed);
    if (found[F_MEMCPY_CHK])
        atomic_store_explicit(&t->memcpy_chk, FROM_DLSYM(chk_copy_fn, found[F_MEMCPY_CHK]), memory_order_relaxed);
    if (found[F_MEMMOVE_CHK])
        atomic_store_explicit(&t->memmove_chk, FROM_DLSYM(chk_copy_fn, found[F_MEMMOVE_CHK]), memory_order_relaxed);
    if (found[F_MEMPCPY_CHK])
        atomic_store_explicit(&t->mempcpy_chk, FROM_DLSYM(chk_copy_fn, found[F_MEMPCPY_CHK]), memory_order_relaxed);
#undef FROM_DLSYM
}

/* ---- VMMEM_PRELOAD_STATS=1: counting wrappers ---- */

static _Atomic unsigned long long calls[F_COUNT], bytes[F_COUNT];

static inline void count(enum preload_function f, size_t n)
{
    atomic_fetch_add_explicit(&calls[f], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes[f], n, memory_order_relaxed);
}

#define COUNTING_COPY(name, f, field)                                                  \
    static void *name(void *dst, const void *src, size_t n)                            \
    {                                                                                  \
        count(f, n);                                                                   \
        return atomic_load_explicit(&targets.field, memory_order_relaxed)(dst, src, n); \
    }
#define COUNTING_CHK_COPY(name, f, field)                                                       \
    static void *name(void *dst, const void *src, size_t n, size_t dst_len)                     \
    {                                                                                           \
        count(f, n);                                                                            \
        return atomic_load_explicit(&targets.field, memory_order_relaxed)(dst, src, n, dst_len); \
    }
COUNTING_COPY(counting_memcpy, F_MEMCPY, memcpy)
COUNTING_COPY(counting_memmove, F_MEMMOVE, memmove)
COUNTING_COPY(counting_mempcpy, F_MEMPCPY, mempcpy)
COUNTING_CHK_COPY(counting_memcpy_chk, F_MEMCPY_CHK, memcpy_chk)
COUNTING_CHK_COPY(counting_memmove_chk, F_MEMMOVE_CHK, memmove_chk)
COUNTING_CHK_COPY(counting_mempcpy_chk, F_MEMPCPY_CHK, mempcpy_chk)

static const preload_entries counting_entries = {counting_memcpy,     counting_memmove,     counting_mempcpy,
                                                 counting_memcpy_chk, counting_memmove_chk, counting_mempcpy_chk};

/* ---- the resolver ---- */

enum preload_mode { MODE_ENGINE = 1, MODE_C_LIBRARY };

/* The table the entries were set from (targets, or counting_entries),
 * stored with release once the entries are; NULL until then. */
static _Atomic(const preload_entries *) chosen;
static enum preload_mode mode;  /* written before `chosen` */
static int counting;            /* likewise: VMMEM_PRELOAD_STATS=1 */
/* Where the counts go: a copy of stderr taken at the first call, since
 * many programs close stderr at exit before the destructors run
 * (coreutils' close_stdout). */
static int stats_fd = STDERR_FILENO;
/* The file stats_fd named when it was taken: the counts are written only
 * if it still names that file at exit (a program that closed it and
 * opened a file of its own under the same number must not get them). */
static dev_t stats_dev;
static ino_t stats_ino;
/* The first descriptor number the copy of stderr may take. */
#define STATS_FD_FLOOR 3
/* 0 when free, else the process ID of the resolving thread's process; as
 * in the engine's start-up, a holder that is another process is the
 * parent of a fork() made while it resolved, and the lock is taken over. */
static atomic_int resolver_owner;

static int resolver_try_lock(void)
{
    int me = (int)getpid(), owner = 0;
    if (atomic_compare_exchange_strong(&resolver_owner, &owner, me))
        return 1;
    return owner != me && atomic_compare_exchange_strong(&resolver_owner, &owner, me);
}

static void resolver_unlock(void)
{
    atomic_store_explicit(&resolver_owner, 0, memory_order_release);
}

/* Starts the engine and keeps its kernel entry; 0 while another caller is
 * starting it up. */
static int start_engine(void)
{
    if (!vmmem_startup_kernel())
        return 0;
    engine_copy = atomic_load_explicit(&vmmem_dispatch.fast, memory_order_acquire);
    return 1;
}

#define COPY_ENTRY(to, from, field) \
    atomic_store_explicit(&(to)->field, atomic_load_explicit(&(from)->field, memory_order_relaxed), memory_order_release)

/* With the lock held: reads VMMEM_PRELOAD and VMMEM_PRELOAD_STATS, fills
 * targets and publishes the entries. 0 when it has to be tried again. */
static int resolve_locked(vmmem_log *log)
{
    const char *choice = getenv("VMMEM_PRELOAD");
    int off = choice && strcmp(choice, "off") == 0;
    if (choice && !off && *choice && strcmp(choice, "on") != 0) {
        vmmem_log_begin(log);
        vmmem_log_text(log, "preload: VMMEM_PRELOAD=\"");
        vmmem_log_quote(log, choice);
        vmmem_log_text(log, "\" is neither on nor off; using the engine");
        vmmem_log_end(log);
    }
    /* The engine also covers a function the C library lacks, and the
     * copies made while dlsym runs. */
    if (!start_engine())
        return 0;
    use_engine(&targets);
    if (off)
        use_c_library(&targets, log);
    const char *stats = getenv("VMMEM_PRELOAD_STATS");
    counting = stats && strcmp(stats, "1") == 0;
    if (counting) {
        int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, STATS_FD_FLOOR);
        if (fd >= 0)
            stats_fd = fd;
        struct stat st;
        if (fstat(stats_fd, &st) == 0) {
            stats_dev = st.st_dev;
            stats_ino = st.st_ino;
        } else {
            stats_fd = -1; /* no stderr at the first call: nowhere to report */
        }
    }
    mode = off ? MODE_C_LIBRARY : MODE_ENGINE;
    const preload_entries *e = counting ? &counting_entries : &targets;
    COPY_ENTRY(&vmmem_preload_entries, e, memcpy_chk);
    COPY_ENTRY(&vmmem_preload_entries, e, memmove_chk);
    COPY_ENTRY(&vmmem_preload_entries, e, mempcpy_chk);
    COPY_ENTRY(&vmmem_preload_entries, e, mempcpy);
    COPY_ENTRY(&vmmem_preload_entries, e, memmove);
    COPY_ENTRY(&vmmem_preload_entries, e, memcpy);
#if PRELOAD_AVX512_ENTRIES
    vmmem_copy_fn above256 = off || counting ? NULL : vmmem_avx512_body_of(engine_copy);
    atomic_store_explicit(&vmmem_preload_avx512_path.memcpy_above256,
                          above256 ? above256 : atomic_load_explicit(&e->memcpy, memory_order_relaxed),
                          memory_order_release);
    atomic_store_explicit(&vmmem_preload_avx512_path.memmove_above256,
                          above256 ? above256 : atomic_load_explicit(&e->memmove, memory_order_relaxed),
                          memory_order_release);
    if (above256)
        atomic_store_explicit(&vmmem_preload_avx512_path.small_inline, 1, memory_order_release);
#endif
    atomic_store_explicit(&chosen, e, memory_order_release);
    return 1;
}

/* The final table once the entries are set; NULL (at once, without
 * waiting) while another caller, or this one further up the stack, is
 * setting them. */
static const preload_entries *resolve(void)
{
    const preload_entries *e = atomic_load_explicit(&chosen, memory_order_acquire);
    if (e)
        return e;
    /* As the engine's start-up does: no cancellation while the lock is
     * held (getenv, dlsym and the start-up's file reads can be
     * cancellation points, and a holder unwound there would keep the lock
     * for good), and errno as the caller left it (memcpy never sets it). */
    int saved_errno = errno, cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    if (resolver_try_lock()) {
        vmmem_log log; /* this call's warnings, delivered after the unlock */
        vmmem_log_clear(&log);
        if (!atomic_load_explicit(&chosen, memory_order_relaxed))
            resolve_locked(&log);
        e = atomic_load_explicit(&chosen, memory_order_acquire);
        resolver_unlock();
        vmmem_log_deliver(&log, NULL, NULL); /* write(2) only */
    }
    pthread_setcancelstate(cancel_state, NULL);
    errno = saved_errno;
    return e;
}

static void *resolve_memcpy(void *dst, const void *src, size_t n)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->memcpy, memory_order_relaxed)(dst, src, n)
             : vmmem_generic_memmove(dst, src, n);
}

static void *resolve_memmove(void *dst, const void *src, size_t n)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->memmove, memory_order_relaxed)(dst, src, n)
             : vmmem_generic_memmove(dst, src, n);
}

static void *resolve_mempcpy(void *dst, const void *src, size_t n)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->mempcpy, memory_order_relaxed)(dst, src, n)
             : (unsigned char *)vmmem_generic_memmove(dst, src, n) + n;
}

/* The _chk forms while no table is chosen: the check, then the portable kernel. */
static void *checked_generic_copy(void *dst, const void *src, size_t n, size_t dst_len)
{
    if (dst_len < n)
        __chk_fail();
    return vmmem_generic_memmove(dst, src, n);
}

static void *resolve_memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->memcpy_chk, memory_order_relaxed)(dst, src, n, dst_len)
             : checked_generic_copy(dst, src, n, dst_len);
}

static void *resolve_memmove_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->memmove_chk, memory_order_relaxed)(dst, src, n, dst_len)
             : checked_generic_copy(dst, src, n, dst_len);
}

static void *resolve_mempcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
    const preload_entries *e = resolve();
    return e ? atomic_load_explicit(&e->mempcpy_chk, memory_order_relaxed)(dst, src, n, dst_len)
             : (unsigned char *)checked_generic_copy(dst, src, n, dst_len) + n;
}

/* ---- the counts at exit ---- */

/* vmmem_log_deliver()'s line sink: one line to stats_fd. */
static void write_stats_line(void *ctx, const char *line)
{
    (void)ctx;
    size_t len = strlen(line);
    char text[VMMEM_LOG_CAPACITY];
    if (len >= sizeof text)
        len = sizeof text - 1;
    for (size_t i = 0; i < len; i++)
        text[i] = line[i];
    text[len] = '\n';
    for (size_t done = 0; done <= len;) {
        ssize_t n = write(stats_fd, text + done, len + 1 - done);
        if (n <= 0)
            return;
        done += (size_t)n;
    }
}

__attribute__((destructor)) static void report_counts(void)
{
    static vmmem_log log;
    vmmem_log_clear(&log);
    if (!atomic_load_explicit(&chosen, memory_order_acquire)) {
        const char *stats = getenv("VMMEM_PRELOAD_STATS");
        if (stats && strcmp(stats, "1") == 0) {
            vmmem_log_begin(&log);
            vmmem_log_text(&log, "preload: no copy function was called");
            vmmem_log_end(&log);
            vmmem_log_deliver(&log, NULL, NULL);
        }
        return;
    }
    struct stat st;
    if (!counting || stats_fd < 0 || fstat(stats_fd, &st) != 0 || st.st_dev != stats_dev ||
        st.st_ino != stats_ino)
        return; /* not counting, or the descriptor is no longer the stderr it copied */
    vmmem_log_begin(&log);
    if (mode == MODE_C_LIBRARY) {
        vmmem_log_text(&log, "preload: copies passed to the C library (VMMEM_PRELOAD=off)");
    } else {
        vmmem_log_text(&log, "preload: copies went to the engine, kernel ");
        vmmem_log_text(&log, atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire)->info.name);
    }
    vmmem_log_end(&log);
    for (int f = 0; f < F_COUNT; f++) {
        vmmem_log_begin(&log);
        vmmem_log_text(&log, "preload: ");
        vmmem_log_text(&log, function_names[f]);
        vmmem_log_text(&log, " calls ");
        vmmem_log_unsigned(&log, (size_t)atomic_load_explicit(&calls[f], memory_order_relaxed));
        vmmem_log_text(&log, " bytes ");
        vmmem_log_unsigned(&log, (size_t)atomic_load_explicit(&bytes[f], memory_order_relaxed));
        vmmem_log_end(&log);
    }
    vmmem_log_deliver(&log, write_stats_line, NULL);
}
