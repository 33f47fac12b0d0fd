/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_catalog.c - what vmmem-bench times, in every calling mode.
 * Pointer mode takes each implementation's address the way a caller that
 * resolves symbols gets it: dlsym() for glibc's memcpy/memmove (so its
 * IFUNC-selected kernel) and for libvmmem's exported entries (whatever the
 * shared library exports: an entry that dispatches, or a kernel if the
 * library resolves by IFUNC); vmmem_get_kernel() for each ISA kernel; the
 * peers' and methods' own functions. Call mode takes the loops that call
 * each by name (bench_loops_call.c) and otherwise the pointer entry's
 * description. Adding a peer: declare its function in bench_impls.h, add
 * it in pointer_entries() below and a LOOPS()/table line in
 * bench_loops_call.c. */
#include "bench_build_info.h"
#include "bench_call_table.h"
#include "bench_impls.h"
#include "bench_methods.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <vmmem/cpu.h>
#include <vmmem/memcpy.h>

/* Sizes from which the parallel copy and the copy methods are measured
 * (each parallel thread gets at least 1 MiB; the methods serve the 1 MiB
 * and larger targets), from which non-temporal stores are (below, the
 * cache is faster), and up to which the masked stores are (beyond, they
 * run the store-vec loop); all assumed, not measured. */
#define PARALLEL_MIN_SIZE ((size_t)1 << 20)
#define COPY_METHOD_MIN_SIZE ((size_t)1 << 20)
#define NT_MIN_SIZE ((size_t)256 << 10)
#define MASKED_MAX_SIZE ((size_t)16 << 10)
/* The empty call is measured where a call's cost is a visible part of a
 * copy's (up to 16 KiB, and the mixes). */
#define OVERHEAD_MAX_SIZE ((size_t)16 << 10)

unsigned bench_parallel_threads = 1;

/* vmmem_memcpy_parallel() takes a fourth argument; pointer mode reaches it
 * through this adapter (one direct call, next to copies of >= 1 MiB). */
static void *parallel_adapter(void *dst, const void *src, size_t n)
{
    return vmmem_memcpy_parallel(dst, src, n, bench_parallel_threads);
}

static unsigned affinity_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

/* The address dlsym() gives for sym, and a line saying where it lies. */
static bench_copy_fn resolve(struct bench_registry *r, const char *sym)
{
    void *p = dlsym(RTLD_DEFAULT, sym);
    bench_copy_fn fn = NULL;
    if (p)
        memcpy(&fn, &p, sizeof fn);
    if (r->n_where < sizeof r->where / sizeof r->where[0]) {
        char *line = r->where[r->n_where++];
        size_t len = sizeof r->where[0];
        Dl_info info;
        if (!p)
            snprintf(line, len, "%s: not found by dlsym", sym);
        else if (dladdr(p, &info) && info.dli_fname) {
            const char *base = strrchr(info.dli_fname, '/');
            snprintf(line, len, "%s = %s+0x%lx%s%s", sym, base ? base + 1 : info.dli_fname,
                     (unsigned long)((uintptr_t)p - (uintptr_t)info.dli_fbase),
                     info.dli_sname && strcmp(info.dli_sname, sym) ? ", nearest symbol " : "",
                     info.dli_sname && strcmp(info.dli_sname, sym) ? info.dli_sname : "");
        } else {
            snprintf(line, len, "%s = %p", sym, p);
        }
    }
    return fn;
}

static const struct bench_method_set *pick_methods(unsigned features)
{
    for (size_t i = 0; i < bench_method_set_count; i++)
        if ((bench_method_sets[i].needs & features) == bench_method_sets[i].needs)
            return &bench_method_sets[i];
    return &bench_method_sets[bench_method_set_count - 1];
}

static struct bench_impl *add(struct bench_registry *r, const char *name, enum bench_role role,
                              bench_copy_fn fn, const char *desc)
{
    return bench_registry_add(r, name, BENCH_MODE_POINTER, role, fn, desc);
}

static void sizes(struct bench_impl *m, size_t min, size_t max)
{
    if (m) {
        m->min_size = min;
        m->max_size = max;
    }
}

static void pointer_entries(struct bench_registry *r, const vmmem_cpu_info *cpu,
                            const struct bench_method_set *ms)
{
    char desc[112];
    struct bench_impl *m;
    bench_copy_fn glibc = resolve(r, "memcpy");
    add(r, "glibc-memcpy", BENCH_ROLE_REFERENCE, glibc, "glibc memcpy (the baseline)");
    add(r, "glibc-memcpy-aa", BENCH_ROLE_AA, glibc, "glibc memcpy again: the A/A control");
    add(r, "glibc-memmove", BENCH_ROLE_COPY, resolve(r, "memmove"), "glibc memmove");
    add(r, "vmmem-fast", BENCH_ROLE_COPY, resolve(r, "vmmem_memcpy_fast"),
        "vmmem_memcpy_fast (shared libvmmem)");
    add(r, "vmmem-adaptive", BENCH_ROLE_COPY, resolve(r, "vmmem_memcpy_adaptive"),
        "vmmem_memcpy_adaptive (shared libvmmem)");
    add(r, "vmmem-memmove", BENCH_ROLE_COPY, resolve(r, "vmmem_memmove"),
        "vmmem_memmove (shared libvmmem)");
    snprintf(desc, sizeof desc, "vmmem_memcpy_parallel, %u threads (the CPUs in the affinity mask)",
             bench_parallel_threads);
    sizes(add(r, "vmmem-parallel", BENCH_ROLE_COPY, parallel_adapter, desc), PARALLEL_MIN_SIZE,
          (size_t)-1);

#if defined(__x86_64__)
    m = add(r, "rep-movsb", BENCH_ROLE_COPY, bench_rep_movsb,
            cpu->features & VMMEM_CPU_FSRM   ? "plain forward rep movsb (ERMS, FSRM)"
            : cpu->features & VMMEM_CPU_ERMS ? "plain forward rep movsb (ERMS)"
                                             : "plain forward rep movsb (no ERMS on this CPU)");
    if (m)
        m->flags |= BENCH_F_COPY_METHOD;
#else
    bench_impl_unavailable(add(r, "rep-movsb", BENCH_ROLE_COPY, NULL, "rep movsb"), "x86_64 only");
#endif

#if VMMEM_BENCH_HAVE_DPDK_AVX512
    m = add(r, "rte_memcpy-avx512", BENCH_ROLE_COPY, bench_rte_memcpy_avx512,
            "DPDK rte_memcpy, AVX-512 build, compiled into a non-inline function");
    if (!(cpu->features & VMMEM_CPU_AVX512))
        bench_impl_unavailable(m, "this CPU has no AVX-512");
#else
    bench_impl_unavailable(add(r, "rte_memcpy-avx512", BENCH_ROLE_COPY, NULL, "DPDK rte_memcpy"),
                           VMMEM_BENCH_DPDK_STATUS);
#endif
#if VMMEM_BENCH_HAVE_DPDK_AVX2
    m = add(r, "rte_memcpy-avx2", BENCH_ROLE_COPY, bench_rte_memcpy_avx2,
            "DPDK rte_memcpy, AVX2 build, compiled into a non-inline function");
    if (!(cpu->features & VMMEM_CPU_AVX2))
        bench_impl_unavailable(m, "this CPU has no AVX2");
#else
    bench_impl_unavailable(add(r, "rte_memcpy-avx2", BENCH_ROLE_COPY, NULL, "DPDK rte_memcpy"),
                           VMMEM_BENCH_DPDK_STATUS);
#endif

    /* Each ISA kernel, through the public vmmem_get_kernel(). */
    for (int i = 0; i < (int)VMMEM_ISA_COUNT; i++) {
        vmmem_isa isa = (vmmem_isa)i;
        const char *iname = vmmem_isa_name(isa);
        vmmem_kernel_info k;
        if (!iname || !vmmem_isa_supported(isa) || vmmem_get_kernel(isa, &k) != 0 || !k.memmove)
            continue;
        char name[32];
        snprintf(name, sizeof name, "kernel-%s", iname);
        snprintf(desc, sizeof desc, "vmmem_get_kernel(%s).memmove", iname);
        add(r, name, BENCH_ROLE_COPY, k.memmove, desc);
        if (k.memcpy_nt) {
            snprintf(name, sizeof name, "nt-%s", iname);
            snprintf(desc, sizeof desc, "vmmem_get_kernel(%s).memcpy_nt", iname);
            sizes(add(r, name, BENCH_ROLE_COPY, k.memcpy_nt, desc), NT_MIN_SIZE, (size_t)-1);
        }
    }

    /* The best copy method measured: these and rep movsb. */
    snprintf(desc, sizeof desc, "method: %s copy loop, ordinary stores", ms->flavour);
    m = add(r, "copy-vec", BENCH_ROLE_COPY, ms->copy_vec, desc);
    sizes(m, COPY_METHOD_MIN_SIZE, (size_t)-1);
    if (m)
        m->flags |= BENCH_F_COPY_METHOD;
    if (ms->copy_nt) {
        snprintf(desc, sizeof desc, "method: %s copy loop, non-temporal stores", ms->flavour);
        m = add(r, "copy-nt", BENCH_ROLE_COPY, ms->copy_nt, desc);
        sizes(m, COPY_METHOD_MIN_SIZE, (size_t)-1);
        if (m)
            m->flags |= BENCH_F_COPY_METHOD;
        snprintf(desc, sizeof desc,
                 "method: %s copy loop, non-temporal stores, prefetchnta %d B ahead", ms->flavour,
                 BENCH_PREFETCH_AHEAD);
        m = add(r, "copy-nt-prefetch", BENCH_ROLE_COPY, ms->copy_nt_prefetch, desc);
        sizes(m, COPY_METHOD_MIN_SIZE, (size_t)-1);
        if (m)
            m->flags |= BENCH_F_COPY_METHOD;
    }

    /* The store limit: the fastest of these at each point. */
    snprintf(desc, sizeof desc, "limit: %s stores only, overlapping head/tail then a loop",
             ms->flavour);
    add(r, "store-vec", BENCH_ROLE_STORE_LIMIT, ms->store_vec, desc);
    if (ms->store_vec256)
        add(r, "store-vec256", BENCH_ROLE_STORE_LIMIT, ms->store_vec256,
            "limit: the same with 32-byte vectors");
    if (ms->store_masked) {
        snprintf(desc, sizeof desc, "limit: %s masked stores only, no size branch to 256 B",
                 ms->flavour);
        sizes(add(r, "store-masked", BENCH_ROLE_STORE_LIMIT, ms->store_masked, desc), 0,
              MASKED_MAX_SIZE);
    }
#if defined(__x86_64__)
    add(r, "store-stosb", BENCH_ROLE_STORE_LIMIT, bench_store_stosb, "limit: rep stosb");
#endif
    if (ms->store_nt) {
        snprintf(desc, sizeof desc, "limit: %s non-temporal stores only", ms->flavour);
        sizes(add(r, "store-nt", BENCH_ROLE_STORE_LIMIT, ms->store_nt, desc), NT_MIN_SIZE,
              (size_t)-1);
    }
    snprintf(desc, sizeof desc, "%s loads only (for reference)", ms->flavour);
    add(r, "load-only", BENCH_ROLE_LOAD_LIMIT, ms->load, desc);
    sizes(add(r, "call-overhead", BENCH_ROLE_OVERHEAD, resolve(r, "bench_empty_call"),
              "an empty function in a shared library: loop + call cost"),
          0, OVERHEAD_MAX_SIZE);
}

/* Call mode: the loops of table[] whose pointer-mode twin exists (and, for
 * a method, whose flavour is the one picked). */
static void call_entries(struct bench_registry *r, int mode, const struct bench_call_entry *table,
                         size_t count, const struct bench_method_set *ms)
{
    size_t pointer_n = r->n;
    for (size_t i = 0; i < count; i++) {
        const struct bench_call_entry *e = &table[i];
        if (e->flavour && strcmp(e->flavour, ms->flavour))
            continue;
        struct bench_impl *twin = NULL;
        for (size_t k = 0; k < pointer_n && !twin; k++)
            if (r->impl[k].mode == BENCH_MODE_POINTER && !strcmp(r->impl[k].name, e->name))
                twin = &r->impl[k];
        if (!twin || r->n == BENCH_MAX_IMPLS)
            continue;
        struct bench_impl *m = &r->impl[r->n++];
        *m = *twin;
        m->mode = mode;
        m->loops = &e->loops;
    }
}

void bench_registry_init(struct bench_registry *r)
{
    memset(r, 0, sizeof *r);
    vmmem_cpu_info cpu;
    if (vmmem_get_cpu_info(&cpu))
        memset(&cpu, 0, sizeof cpu);
    bench_parallel_threads = affinity_cpus();
    const struct bench_method_set *ms = pick_methods(cpu.features);
    pointer_entries(r, &cpu, ms);
    call_entries(r, BENCH_MODE_CALL, bench_call_table_plt, bench_call_table_plt_count, ms);
    call_entries(r, BENCH_MODE_CALL_NOPLT, bench_call_table_noplt, bench_call_table_noplt_count,
                 ms);
}
