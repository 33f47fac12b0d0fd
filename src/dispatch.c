/* src/dispatch.c - choosing the kernel: the table of compiled-in kernels,
 * the start-up (CPU detection, VMMEM_ISA, the thresholds and their
 * overrides) done once, and the force/introspection API.
 *
 * Start-up needs no constructor and is safe from any first call, including
 * a memcpy that an LD_PRELOAD routes here before main() or from inside the
 * C library: the first caller takes the start-up lock, does the work with
 * nothing that can allocate or call memcpy (no stdio; open/read, getenv),
 * publishes the kernel and only then writes its warnings. A copy that
 * arrives meanwhile, from another thread or from inside the start-up
 * itself (an interposed getenv or malloc that copies), does not wait: it
 * copies with the portable kernel. Only the introspection calls wait for
 * the start-up to finish. Kernels are immutable static entries, so
 * vmmem_force_isa() is a few atomic stores (a copy running meanwhile uses
 * either kernel, both correct). */
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "engine.h"

static vmmem_copy_fn fast_entry(const vmmem_kernel_entry *k);

static vmmem_copy_fn adaptive_entry(const vmmem_kernel_entry *k);

/* The entries until the start-up has published the kernel: start up (or
 * find it started), then copy; the portable kernel while another caller is
 * starting up. */
static void *start_then_copy(void *dst, const void *src, size_t n)
{
    const vmmem_kernel_entry *k = vmmem_resolve_kernel();
    return k ? fast_entry(k)(dst, src, n) : vmmem_generic_memmove(dst, src, n);
}

static void *start_then_copy_adaptive(void *dst, const void *src, size_t n)
{
    const vmmem_kernel_entry *k = vmmem_resolve_kernel();
    return k ? adaptive_entry(k)(dst, src, n) : vmmem_generic_memmove(dst, src, n);
}

_Alignas(64) vmmem_dispatch_state vmmem_dispatch = {.fast = start_then_copy, .adaptive = start_then_copy_adaptive};

static const char *const isa_names[VMMEM_ISA_COUNT] = {
    [VMMEM_ISA_GENERIC] = "generic", [VMMEM_ISA_SSE2] = "sse2", [VMMEM_ISA_AVX2] = "avx2",
    [VMMEM_ISA_AVX512] = "avx512",   [VMMEM_ISA_ERMS] = "erms", [VMMEM_ISA_NEON] = "neon",
};

/* Compiled-in kernels; a row whose memmove is NULL was not built. */
static const vmmem_kernel_entry kernel_table[VMMEM_ISA_COUNT] = {
    [VMMEM_ISA_GENERIC] = {{VMMEM_ISA_GENERIC, "generic", vmmem_generic_memmove, NULL}, vmmem_generic_memmove,
                           vmmem_generic_memmove, vmmem_generic_memmove, vmmem_generic_memmove},
#if VMMEM_HAVE_SSE2
    [VMMEM_ISA_SSE2] = {{VMMEM_ISA_SSE2, "sse2", vmmem_sse2_memmove, vmmem_sse2_memcpy_nt},
                        vmmem_sse2_memmove_banded, vmmem_sse2_memmove_adaptive, vmmem_sse2_memmove_banded_floor,
                        vmmem_sse2_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_AVX2
    [VMMEM_ISA_AVX2] = {{VMMEM_ISA_AVX2, "avx2", vmmem_avx2_memmove, vmmem_avx2_memcpy_nt},
                        vmmem_avx2_memmove_banded, vmmem_avx2_memmove_adaptive, vmmem_avx2_memmove_banded_floor,
                        vmmem_avx2_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_AVX512
    [VMMEM_ISA_AVX512] = {{VMMEM_ISA_AVX512, "avx512", vmmem_avx512_memmove, vmmem_avx512_memcpy_nt},
                          vmmem_avx512_memmove_banded, vmmem_avx512_memmove_adaptive,
                          vmmem_avx512_memmove_banded_floor, vmmem_avx512_memmove_adaptive_floor},
#endif
#if VMMEM_HAVE_ERMS
    [VMMEM_ISA_ERMS] = {{VMMEM_ISA_ERMS, "erms", vmmem_erms_memmove, NULL}, vmmem_erms_memmove,
                        vmmem_erms_memmove, vmmem_erms_memmove, vmmem_erms_memmove},
#endif
#if VMMEM_HAVE_NEON
    [VMMEM_ISA_NEON] = {{VMMEM_ISA_NEON, "neon", vmmem_neon_memmove, NULL}, vmmem_neon_memmove,
                        vmmem_neon_memmove, vmmem_neon_memmove, vmmem_neon_memmove},
#endif
};

/* The CPU feature each ISA needs (0: none). */
static const unsigned isa_required_feature[VMMEM_ISA_COUNT] = {
    [VMMEM_ISA_SSE2] = VMMEM_CPU_SSE2,     [VMMEM_ISA_AVX2] = VMMEM_CPU_AVX2,
    [VMMEM_ISA_AVX512] = VMMEM_CPU_AVX512, [VMMEM_ISA_ERMS] = VMMEM_CPU_ERMS,
    [VMMEM_ISA_NEON] = VMMEM_CPU_NEON,
};

/* Preference order when nothing is forced: widest vectors first. `erms` is
 * never chosen as the whole kernel; vmmem_memcpy_adaptive() uses it for a
 * size band where it wins. */
static const vmmem_isa isa_preference[] = {VMMEM_ISA_AVX512, VMMEM_ISA_AVX2, VMMEM_ISA_SSE2,
                                           VMMEM_ISA_NEON, VMMEM_ISA_GENERIC};

/* ---- start-up state ---- */

/* 1 once the start-up has published a kernel (release; an acquire load that
 * sees 1 also sees cpu_info, the thresholds and vmmem_dispatch.kernel). */
static atomic_int started;
/* The start-up lock: 0 when free, else the process ID of its holder. A
 * holder that is not this process is the parent of a fork() that happened
 * during its start-up: the lock is taken over. */
static atomic_int startup_owner;
static vmmem_cpu_info cpu_info;  /* detected once, by the first start-up */
static vmmem_log startup_log;    /* the start-up's warnings (under the lock) */

static int startup_try_lock(void)
{
    int me = (int)getpid(), owner = 0;
    if (atomic_compare_exchange_strong(&startup_owner, &owner, me))
        return 1;
    return owner != me && atomic_compare_exchange_strong(&startup_owner, &owner, me);
}

static void startup_unlock(void)
{
    atomic_store_explicit(&startup_owner, 0, memory_order_release);
}

static int isa_runs_here(vmmem_isa isa, const vmmem_cpu_info *cpu)
{
    return (unsigned)isa < VMMEM_ISA_COUNT && kernel_table[isa].info.memmove != NULL &&
           (cpu->features & isa_required_feature[isa]) == isa_required_feature[isa];
}

static vmmem_isa best_isa_for(const vmmem_cpu_info *cpu)
{
    for (size_t i = 0; i < sizeof isa_preference / sizeof isa_preference[0]; i++)
        if (isa_runs_here(isa_preference[i], cpu))
            return isa_preference[i];
    return VMMEM_ISA_GENERIC;
}

/* ---- thresholds ---- */

/* rep movsb wins once source and destination no longer fit in L1 together
 * (n > L1d / 2). Measured on AMD Zen 5 (family 0x1A), hot buffers, GB/s:
 *            16 KiB  24 KiB  32 KiB  128 KiB  1 MiB  4 MiB
 * AVX-512     272     272      97     102      61     66
 * rep movsb   167     171     171     136      75     69
 * and the same at dst+1, dst+15, src+7, src+1/dst+3 and dst-src = 0 mod 4096.
 * Enabled where rep movsb is fast: Intel with ERMS, and AMD from Zen 5 on.
 * Not on Zen 3/4: there rep movsb is up to 20x slower with a misaligned dst
 * (field notes), and no such machine was available to measure. */
#define AMD_ZEN5_FAMILY 0x1A

static int amd_zen5_or_later(const vmmem_cpu_info *cpu)
{
    return strcmp(cpu->vendor, "AuthenticAMD") == 0 && cpu->family >= AMD_ZEN5_FAMILY &&
           (cpu->features & VMMEM_CPU_ERMS) && (cpu->features & VMMEM_CPU_FSRM);
}

static int rep_movsb_is_fast(const vmmem_cpu_info *cpu)
{
    return ((cpu->features & VMMEM_CPU_ERMS) && strcmp(cpu->vendor, "GenuineIntel") == 0) ||
           amd_zen5_or_later(cpu);
}

/* On Zen 5, rep movsb beyond the L3 is as fast as non-temporal stores and
 * spares the cache as well, so the non-temporal band adds nothing there.
 * Measured: 64 MiB copy, then reading an 8 MiB buffer that was in L3 before:
 * 85 us after AVX-512 non-temporal stores, 92 us after rep movsb, 135 us
 * after an ordinary vector loop or glibc (67 us when nothing ran between);
 * for a 512 KiB buffer that was in L2: 10.7, 7.4 and 10.9-11.5 us.
 * Copy speed at 256 MiB: rep movsb 29.3 GB/s, non-temporal 28.3 GB/s. */
static int rep_movsb_streams(const vmmem_cpu_info *cpu)
{
    return amd_zen5_or_later(cpu);
}

/* Non-temporal stores pay off once the copy alone is as large as the whole
 * L3 (src + dst then twice that). Measured on Zen 5 (32 MiB L3), GB/s, one
 * copy at a time: at 12-24 MiB ordinary stores (rep movsb) still run at
 * 41-66 against 33-42 for non-temporal ones; from 32 MiB on the two are
 * level (34/34, 30/28 at 48 MiB, 29/28 at 256 MiB), and non-temporal stores
 * leave the cache to the rest of the program. glibc's rule (3/4 of the L3
 * share per thread, 12 MiB here) switched too early. */
static size_t default_nt_threshold(const vmmem_cpu_info *cpu)
{
    return cpu->l3_bytes ? cpu->l3_bytes : cpu->l3_share_bytes;
}

static void compute_thresholds(const vmmem_cpu_info *cpu, vmmem_thresholds *t, vmmem_log *log)
{
    t->simd = 0;
    t->erms = rep_movsb_is_fast(cpu) ? cpu->l1d_bytes / 2 : SIZE_MAX;
    t->nt = rep_movsb_streams(cpu) ? SIZE_MAX : default_nt_threshold(cpu);
    vmmem_apply_overrides(t, log);
    if (!(cpu->features & VMMEM_CPU_ERMS))
        t->erms = SIZE_MAX; /* no rep movsb band without ERMS, whatever the environment says */
}

/* The ISA named by VMMEM_ISA if it runs here; else the best one, with one
 * warning line when VMMEM_ISA was set to something unusable. */
static vmmem_isa isa_from_environment(const vmmem_cpu_info *cpu, vmmem_log *log)
{
    vmmem_isa best = best_isa_for(cpu);
    const char *name = getenv("VMMEM_ISA");
    if (!name || !*name)
        return best;
    vmmem_isa isa;
    int known = vmmem_isa_from_name(name, &isa) == 0;
    if (known && isa_runs_here(isa, cpu))
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
    vmmem_log_text(log, isa_names[best]);
    vmmem_log_end(log);
    return best;
}

/* The kernel's fast entry for the thresholds in force: the one that reads
 * them only from VMMEM_BAND_FLOOR up when the rep movsb band starts there
 * or later. */
static vmmem_copy_fn fast_entry(const vmmem_kernel_entry *k)
{
    size_t erms = atomic_load_explicit(&vmmem_dispatch.erms_threshold, memory_order_relaxed);
    return erms >= VMMEM_BAND_FLOOR ? k->fast_floor : k->fast;
}

/* The kernel's adaptive entry, likewise (both bands from the floor up). */
static vmmem_copy_fn kernel_adaptive_entry(const vmmem_kernel_entry *k)
{
    size_t erms = atomic_load_explicit(&vmmem_dispatch.erms_threshold, memory_order_relaxed);
    size_t nt = atomic_load_explicit(&vmmem_dispatch.nt_threshold, memory_order_relaxed);
    return erms >= VMMEM_BAND_FLOOR && nt >= VMMEM_BAND_FLOOR ? k->adaptive_floor : k->adaptive;
}

/* vmmem_memcpy_adaptive() when VMMEM_SIMD_THRESHOLD asks for the portable
 * scalar kernel below some size: that band first, then the kernel's own entry. */
static void *adaptive_with_scalar_band(void *dst, const void *src, size_t n)
{
    if (n < atomic_load_explicit(&vmmem_dispatch.simd_threshold, memory_order_relaxed))
        return vmmem_generic_memmove(dst, src, n);
    return kernel_adaptive_entry(atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire))(dst, src, n);
}

/* The adaptive call's entry: with no scalar band and no non-temporal band
 * in force it is the fast entry itself (one hop less per call). */
static vmmem_copy_fn adaptive_entry(const vmmem_kernel_entry *k)
{
    size_t simd = atomic_load_explicit(&vmmem_dispatch.simd_threshold, memory_order_relaxed);
    size_t nt = atomic_load_explicit(&vmmem_dispatch.nt_threshold, memory_order_relaxed);
    if (simd > 0) /* some size goes to the scalar kernel */
        return adaptive_with_scalar_band;
    return nt == SIZE_MAX ? fast_entry(k) : kernel_adaptive_entry(k);
}

/* Publishes a kernel's entries, with release, so that a reader who sees
 * one also sees the thresholds stored before. */
static void publish(const vmmem_kernel_entry *k)
{
    atomic_store_explicit(&vmmem_dispatch.adaptive, adaptive_entry(k), memory_order_release);
    atomic_store_explicit(&vmmem_dispatch.fast, fast_entry(k), memory_order_release);
}

/* The start-up proper, with the lock held: detection (the first time),
 * settings, thresholds, publication. Nothing here allocates, uses stdio or
 * copies memory; warnings go to startup_log. */
static void start_up_locked(void)
{
    vmmem_log_clear(&startup_log);
    if (!atomic_load_explicit(&started, memory_order_relaxed))
        vmmem_detect_cpu(&cpu_info);
    vmmem_isa isa = isa_from_environment(&cpu_info, &startup_log);
    vmmem_thresholds t;
    compute_thresholds(&cpu_info, &t, &startup_log);
    atomic_store_explicit(&vmmem_dispatch.simd_threshold, t.simd, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.erms_threshold, t.erms, memory_order_relaxed);
    atomic_store_explicit(&vmmem_dispatch.nt_threshold, t.nt, memory_order_relaxed);
    const vmmem_kernel_entry *k = &kernel_table[isa];
    atomic_store_explicit(&vmmem_dispatch.kernel, k, memory_order_relaxed);
    publish(k);
    atomic_store_explicit(&started, 1, memory_order_release);
}

const vmmem_kernel_entry *vmmem_resolve_kernel(void)
{
    if (!atomic_load_explicit(&started, memory_order_acquire)) {
        if (!startup_try_lock())
            return NULL; /* another thread, or this very call further up the stack, is starting up */
        if (!atomic_load_explicit(&started, memory_order_relaxed)) {
            start_up_locked();
            vmmem_log_deliver(&startup_log); /* write(2) only: cannot call back */
        }
        startup_unlock();
    }
    return atomic_load_explicit(&vmmem_dispatch.kernel, memory_order_acquire);
}

/* Returns the published kernel, starting up first and waiting (only here,
 * never on a copy path) for a start-up in another thread. */
static const vmmem_kernel_entry *published_kernel(void)
{
    const vmmem_kernel_entry *k;
    while (!(k = vmmem_resolve_kernel()))
        sched_yield();
    return k;
}

/* ---- public API ---- */

const char *vmmem_isa_name(vmmem_isa isa)
{
    return (unsigned)isa < VMMEM_ISA_COUNT ? isa_names[isa] : NULL;
}

int vmmem_isa_from_name(const char *name, vmmem_isa *isa)
{
    if (!name || !isa)
        return VMMEM_EINVAL;
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (strcmp(name, isa_names[i]) == 0) {
            *isa = (vmmem_isa)i;
            return VMMEM_OK;
        }
    }
    return VMMEM_EINVAL;
}

int vmmem_isa_supported(vmmem_isa isa)
{
    published_kernel();
    return isa_runs_here(isa, &cpu_info);
}

vmmem_isa vmmem_best_isa(void)
{
    published_kernel();
    return best_isa_for(&cpu_info);
}

vmmem_isa vmmem_active_isa(void)
{
    return published_kernel()->info.isa;
}

int vmmem_force_isa(vmmem_isa isa)
{
    if ((unsigned)isa >= VMMEM_ISA_COUNT)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(isa))
        return VMMEM_EUNSUPPORTED;
    published_kernel(); /* the start-up is done: its thresholds are in place */
    atomic_store_explicit(&vmmem_dispatch.kernel, &kernel_table[isa], memory_order_relaxed);
    publish(&kernel_table[isa]);
    return VMMEM_OK;
}

int vmmem_get_kernel(vmmem_isa isa, vmmem_kernel_info *out)
{
    if (!out || (unsigned)isa >= VMMEM_ISA_COUNT)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(isa))
        return VMMEM_EUNSUPPORTED;
    *out = kernel_table[isa].info;
    return VMMEM_OK;
}

int vmmem_get_cpu_info(vmmem_cpu_info *out)
{
    if (!out)
        return VMMEM_EINVAL;
    published_kernel();
    *out = cpu_info;
    return VMMEM_OK;
}

int vmmem_get_thresholds(vmmem_thresholds *out)
{
    if (!out)
        return VMMEM_EINVAL;
    published_kernel();
    out->simd = vmmem_threshold(&vmmem_dispatch.simd_threshold);
    out->erms = vmmem_threshold(&vmmem_dispatch.erms_threshold);
    out->nt = vmmem_threshold(&vmmem_dispatch.nt_threshold);
    return VMMEM_OK;
}
