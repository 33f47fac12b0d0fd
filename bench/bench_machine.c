/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_machine.c - machine description and CPU pinning. */
#include "bench_machine.h"
#include "bench_build_info.h"
#include "bench_results.h"
#include "bench_stats.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <vmmem/cpu.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] == ' ' || s[i] == '\t')
        i++;
    memmove(s, s + i, strlen(s + i) + 1);
}

static void cpuinfo_field(const char *key, char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    if (!f)
        return;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, key, klen) && (line[klen] == ' ' || line[klen] == '\t' || line[klen] == ':')) {
            char *colon = strchr(line, ':');
            if (colon) {
                snprintf(out, len, "%s", colon + 1);
                trim(out);
                break;
            }
        }
    }
    fclose(f);
}

static void read_first_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(out, (int)len, f))
        trim(out);
    fclose(f);
}

void bench_machine_collect(struct bench_machine *m)
{
    memset(m, 0, sizeof *m);
    snprintf(m->cpu_model, sizeof m->cpu_model, "unknown");
    cpuinfo_field("model name", m->cpu_model, sizeof m->cpu_model);
    char fam[16] = "", mod[16] = "", step[16] = "";
    cpuinfo_field("cpu family", fam, sizeof fam);
    cpuinfo_field("model", mod, sizeof mod);
    cpuinfo_field("stepping", step, sizeof step);
    if (fam[0])
        snprintf(m->cpu_family, sizeof m->cpu_family, "family %s model %s stepping %s", fam, mod,
                 step);

    vmmem_cpu_info ci;
    if (vmmem_get_cpu_info(&ci) == 0) {
        snprintf(m->vendor, sizeof m->vendor, "%s", ci.vendor);
        static const struct { unsigned bit; const char *name; } feats[] = {
            {VMMEM_CPU_SSE2, "sse2"},   {VMMEM_CPU_SSSE3, "ssse3"}, {VMMEM_CPU_AVX2, "avx2"},
            {VMMEM_CPU_AVX512, "avx512"}, {VMMEM_CPU_AVX512VBMI, "avx512vbmi"},
            {VMMEM_CPU_ERMS, "erms"},   {VMMEM_CPU_FSRM, "fsrm"},   {VMMEM_CPU_NEON, "neon"}};
        size_t used = 0;
        for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++)
            if ((ci.features & feats[i].bit) && used < sizeof m->features)
                used += (size_t)snprintf(m->features + used, sizeof m->features - used, "%s%s",
                                         used ? " " : "", feats[i].name);
        m->l1d = ci.l1d_bytes;
        m->l2 = ci.l2_bytes;
        m->l3 = ci.l3_bytes;
        m->l3_share = ci.l3_share_bytes;
        m->l3_sharing = ci.l3_sharing_cpus;
        snprintf(m->cache_source, sizeof m->cache_source, "%s",
                 ci.cache_source == VMMEM_CACHE_CPUID   ? "cpuid"
                 : ci.cache_source == VMMEM_CACHE_SYSFS ? "sysfs"
                                                        : "defaults");
    }
    const char *a = vmmem_isa_name(vmmem_active_isa());
    const char *b = vmmem_isa_name(vmmem_best_isa());
    snprintf(m->isa_active, sizeof m->isa_active, "%s", a ? a : "?");
    snprintf(m->isa_best, sizeof m->isa_best, "%s", b ? b : "?");
    const char *env = getenv("VMMEM_ISA");
    if (env)
        snprintf(m->isa_env, sizeof m->isa_env, "%s", env);
    vmmem_thresholds th;
    if (vmmem_get_thresholds(&th) == 0) {
        m->thr_simd = th.simd;
        m->thr_erms = th.erms;
        m->thr_nt = th.nt;
    }
    snprintf(m->compiler, sizeof m->compiler, "%s%s",
#if defined(__clang__)
             "clang ",
#elif defined(__GNUC__)
             "gcc ",
#else
             "",
#endif
             __VERSION__);
    snprintf(m->cflags, sizeof m->cflags, "%s: %s", VMMEM_BENCH_BUILD_TYPE, VMMEM_BENCH_C_FLAGS);
#if defined(__GLIBC__)
    snprintf(m->libc, sizeof m->libc, "glibc %s", gnu_get_libc_version());
#else
    snprintf(m->libc, sizeof m->libc, "unknown");
#endif
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(m->kernel, sizeof m->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    char thp[128] = "";
    read_first_line("/sys/kernel/mm/transparent_hugepage/enabled", thp, sizeof thp);
    char *lb = strchr(thp, '['), *rb = lb ? strchr(lb, ']') : NULL;
    if (lb && rb) {
        *rb = '\0';
        snprintf(m->thp, sizeof m->thp, "%s", lb + 1);
    } else {
        snprintf(m->thp, sizeof m->thp, "unknown");
    }
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    m->allowed_cpus =
        sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? (unsigned)CPU_COUNT(&allowed) : 0;
    m->pinned_cpu = -1;
    snprintf(m->pin_note, sizeof m->pin_note, "not pinned");
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(m->date, sizeof m->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    m->timer_ns = bench_timer_overhead_ns();
}

void bench_machine_pin(struct bench_machine *m, int want_pin, int cpu)
{
    if (!want_pin) {
        snprintf(m->pin_note, sizeof m->pin_note, "not pinned (--no-pin)");
        return;
    }
    if (cpu < 0)
        cpu = sched_getcpu();
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
        snprintf(m->pin_note, sizeof m->pin_note, "not pinned (no CPU number)");
        return;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        snprintf(m->pin_note, sizeof m->pin_note, "not pinned (sched_setaffinity: %s)",
                 strerror(errno));
        return;
    }
    m->pinned_cpu = cpu;
    snprintf(m->pin_note, sizeof m->pin_note, "pinned to CPU %d", cpu);
}

static const char *thr(size_t v, char *buf, size_t len)
{
    if (v == SIZE_MAX)
        return "never";
    return bench_format_size(v, buf, len);
}

void bench_machine_print(FILE *f, const struct bench_machine *m)
{
    char a[24], b[24], c[24], d[24];
    fprintf(f, "CPU        %s (%s, %s), %u CPUs in the affinity mask, %s\n", m->cpu_model,
            m->cpu_family[0] ? m->cpu_family : "?", m->vendor, m->allowed_cpus, m->pin_note);
    fprintf(f, "features   %s\n", m->features);
    fprintf(f, "caches     L1d %s, L2 %s, L3 %s (shared by %u CPUs, %s each), from %s\n",
            bench_format_size(m->l1d, a, sizeof a), bench_format_size(m->l2, b, sizeof b),
            bench_format_size(m->l3, c, sizeof c), m->l3_sharing,
            bench_format_size(m->l3_share, d, sizeof d), m->cache_source);
    fprintf(f, "libvmmem   active ISA %s (best %s%s%s%s)\n", m->isa_active, m->isa_best,
            m->isa_env[0] ? ", VMMEM_ISA=" : "", m->isa_env, "");
    fprintf(f, "thresholds adaptive: simd %s, erms %s, nt %s\n", thr(m->thr_simd, a, sizeof a),
            thr(m->thr_erms, b, sizeof b), thr(m->thr_nt, c, sizeof c));
    fprintf(f, "compiler   %s\n", m->compiler);
    fprintf(f, "flags      %s\n", m->cflags);
    fprintf(f, "system     %s, %s, THP %s, clock read %.1f ns, %s\n", m->kernel, m->libc, m->thp,
            m->timer_ns, m->date);
}
