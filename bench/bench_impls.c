/* bench_impls.c - which copy implementations exist in this build, which run
 * on this CPU, and selection by name. */
#include "bench_impls.h"
#include "bench_build_info.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <vmmem/cpu.h>
#include <vmmem/memcpy.h>

#if VMMEM_BENCH_HAVE_DPDK_AVX2
void *bench_peer_rte_memcpy_avx2(void *dst, const void *src, size_t n);
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX512
void *bench_peer_rte_memcpy_avx512(void *dst, const void *src, size_t n);
#endif

/* Sizes from which the non-temporal paths are measured, and up to which the
 * byte loop is (beyond, it only adds minutes). */
#define BENCH_NT_MIN_SIZE ((size_t)256 << 10)
#define BENCH_NAIVE_MAX_SIZE ((size_t)64 << 20)
/* Sizes from which the parallel copy is measured: below 2 MiB it is a plain
 * adaptive copy (each thread gets at least 1 MiB). */
#define BENCH_PARALLEL_MIN_SIZE ((size_t)2 << 20)

/* vmmem_memcpy_parallel() with every online CPU (2 here). */
__attribute__((noinline)) static void *vmmem_parallel_all_cpus(void *dst, const void *src, size_t n)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return vmmem_memcpy_parallel(dst, src, n, cpus > 0 ? (unsigned)cpus : 1);
}

/* glibc through wrappers that the compiler cannot inline into the timing
 * loop (they are only ever called through a pointer). */
__attribute__((noinline)) static void *glibc_memcpy(void *dst, const void *src, size_t n)
{
    return memcpy(dst, src, n);
}

__attribute__((noinline)) static void *glibc_memmove(void *dst, const void *src, size_t n)
{
    return memmove(dst, src, n);
}

__attribute__((noinline)) static void *empty_call(void *dst, const void *src, size_t n)
{
    (void)src;
    (void)n;
    __asm__ volatile("" ::: "memory");
    return dst;
}

#if defined(__x86_64__)
#include "x86/rep_movsb.h"

/* The library's forward rep movsb, behind a call the timing loop cannot inline. */
__attribute__((noinline)) static void *rep_movsb(void *dst, const void *src, size_t n)
{
    vmmem_rep_movsb(dst, src, n);
    return dst;
}
#endif

static struct bench_impl *add(struct bench_registry *r, const char *name, enum bench_role role,
                              bench_copy_fn fn, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static struct bench_impl *add(struct bench_registry *r, const char *name, enum bench_role role,
                              bench_copy_fn fn, const char *fmt, ...)
{
    if (r->n == BENCH_MAX_IMPLS)
        return NULL;
    struct bench_impl *m = &r->impl[r->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->desc, sizeof m->desc, fmt, ap);
    va_end(ap);
    m->fn = fn;
    m->role = role;
    m->max_size = (size_t)-1;
    m->available = fn != NULL;
    m->selected = m->available;
    return m;
}

static void unavailable(struct bench_impl *m, const char *why)
{
    if (!m)
        return;
    m->available = 0;
    m->selected = 0;
    snprintf(m->why_not, sizeof m->why_not, "%s", why);
}

void bench_registry_init(struct bench_registry *r)
{
    memset(r, 0, sizeof *r);
    vmmem_cpu_info cpu;
    if (vmmem_get_cpu_info(&cpu))
        memset(&cpu, 0, sizeof cpu);

    add(r, "glibc-memcpy", BENCH_ROLE_REFERENCE, glibc_memcpy, "C library memcpy (baseline)");
    add(r, "glibc-memmove", BENCH_ROLE_COPY, glibc_memmove, "C library memmove");
    struct bench_impl *m;
#if defined(__x86_64__)
    m = add(r, "rep-movsb", BENCH_ROLE_COPY, rep_movsb, "inline rep movsb (forward)");
    if (m && !(cpu.features & VMMEM_CPU_ERMS))
        snprintf(m->desc, sizeof m->desc, "inline rep movsb (forward; no ERMS on this CPU)");
#else
    unavailable(add(r, "rep-movsb", BENCH_ROLE_COPY, NULL, "inline rep movsb"), "x86_64 only");
#endif
    m = add(r, "naive-loop", BENCH_ROLE_COPY, bench_naive_copy, "byte loop, not vectorised");
    if (m)
        m->max_size = BENCH_NAIVE_MAX_SIZE;
    add(r, "vmmem-fast", BENCH_ROLE_COPY, vmmem_memcpy_fast, "vmmem_memcpy_fast (active ISA)");
    add(r, "vmmem-adaptive", BENCH_ROLE_COPY, vmmem_memcpy_adaptive, "vmmem_memcpy_adaptive");
    m = add(r, "vmmem-parallel", BENCH_ROLE_COPY, vmmem_parallel_all_cpus,
            "vmmem_memcpy_parallel, one thread per online CPU (not pinned)");
    if (m)
        m->min_size = BENCH_PARALLEL_MIN_SIZE;

    for (int i = 0; i < (int)VMMEM_ISA_COUNT; i++) {
        vmmem_isa isa = (vmmem_isa)i;
        const char *iname = vmmem_isa_name(isa);
        if (!iname)
            continue;
        char name[32];
        vmmem_kernel_info k;
        memset(&k, 0, sizeof k);
        int ok = vmmem_isa_supported(isa) && vmmem_get_kernel(isa, &k) == 0 && k.memmove;
        snprintf(name, sizeof name, "kernel-%s", iname);
        m = add(r, name, BENCH_ROLE_COPY, ok ? k.memmove : NULL, "vmmem %s kernel, memmove", iname);
        if (!ok) {
            unavailable(m, "not compiled in or not supported by this CPU");
            continue;
        }
        if (k.memcpy_nt) {
            snprintf(name, sizeof name, "nt-%s", iname);
            m = add(r, name, BENCH_ROLE_COPY, k.memcpy_nt, "vmmem %s kernel, non-temporal stores",
                    iname);
            if (m)
                m->min_size = BENCH_NT_MIN_SIZE;
        }
    }

#if VMMEM_BENCH_HAVE_DPDK_AVX2
    m = add(r, "rte_memcpy-avx2", BENCH_ROLE_COPY, bench_peer_rte_memcpy_avx2,
            "DPDK rte_memcpy built with -mavx2");
    if (!(cpu.features & VMMEM_CPU_AVX2))
        unavailable(m, "this CPU has no AVX2");
#else
    unavailable(add(r, "rte_memcpy-avx2", BENCH_ROLE_COPY, NULL, "DPDK rte_memcpy (-mavx2)"),
                VMMEM_BENCH_DPDK_STATUS);
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX512
    m = add(r, "rte_memcpy-avx512", BENCH_ROLE_COPY, bench_peer_rte_memcpy_avx512,
            "DPDK rte_memcpy built with AVX-512 (RTE_MEMCPY_AVX512)");
    if (!(cpu.features & VMMEM_CPU_AVX512))
        unavailable(m, "this CPU has no AVX-512");
#else
    unavailable(add(r, "rte_memcpy-avx512", BENCH_ROLE_COPY, NULL, "DPDK rte_memcpy (AVX-512)"),
                VMMEM_BENCH_DPDK_STATUS);
#endif

    bench_copy_fn store, store_nt, load;
    const char *flavour;
    bench_limits_pick(cpu.features, &store, &store_nt, &load, &flavour);
    add(r, "store-only", BENCH_ROLE_STORE_LIMIT, store, "limit: %s stores only", flavour);
    m = add(r, "store-nt", BENCH_ROLE_STORE_NT_LIMIT, store_nt, "limit: %s non-temporal stores only",
            flavour);
    if (m && !store_nt)
        unavailable(m, "no non-temporal store loop for this CPU");
    else if (m)
        m->min_size = BENCH_NT_MIN_SIZE;
    add(r, "load-only", BENCH_ROLE_LOAD_LIMIT, load, "limit: %s loads only", flavour);
    add(r, "call-overhead", BENCH_ROLE_OVERHEAD, empty_call, "empty call: loop + call cost");
}

struct bench_impl *bench_registry_find(struct bench_registry *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->impl[i].name, name))
            return &r->impl[i];
    return NULL;
}

int bench_role_is_copy(enum bench_role role)
{
    return role == BENCH_ROLE_COPY || role == BENCH_ROLE_REFERENCE;
}

int bench_registry_select(struct bench_registry *r, const char (*names)[32], size_t n,
                          char *err, size_t errlen, char *note, size_t notelen)
{
    if (note && notelen)
        note[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!bench_registry_find(r, names[i])) {
            if (err && errlen) {
                size_t used = (size_t)snprintf(err, errlen,
                                               "unknown implementation '%s'; known:", names[i]);
                for (size_t k = 0; k < r->n && used < errlen; k++)
                    used += (size_t)snprintf(err + used, errlen - used, " %s", r->impl[k].name);
            }
            return -1;
        }
    }
    for (size_t k = 0; k < r->n; k++) {
        struct bench_impl *m = &r->impl[k];
        m->selected = m->available && m->role != BENCH_ROLE_COPY;
    }
    for (size_t i = 0; i < n; i++) {
        struct bench_impl *m = bench_registry_find(r, names[i]);
        if (m->available) {
            m->selected = 1;
        } else if (note && notelen) {
            size_t used = strlen(note);
            if (used < notelen)
                snprintf(note + used, notelen - used, "%s%s skipped: %s", used ? "; " : "", m->name,
                         m->why_not);
        }
    }
    return 0;
}
