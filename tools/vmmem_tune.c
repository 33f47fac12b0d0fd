/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/vmmem_tune.c - vmmem-tune: measures this machine's crossover points
 * for vmmem_memcpy_adaptive()/vmmem_memcpy_fast() (SIMD, rep movsb and
 * non-temporal thresholds), prints them as shell lines and can write the
 * config file the library reads at start-up. Uses the public API only. */
#include "tune_core.h"
#include "tune_measure.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <vmmem/vmmem.h>

/* Exit codes. */
enum {
    EXIT_OK = 0,
    EXIT_MEASURE = 1, /* buffers could not be allocated, or a copy was wrong */
    EXIT_USAGE = 2,
    EXIT_EXISTS = 3, /* --write target exists and --force was not given */
    EXIT_IO = 4      /* the config file could not be written */
};

/* Tolerances of the crossover rules (relative, on the median time). */
#define TUNE_SIMD_TOLERANCE 0.01 /* the kernel may be 1 % slower and still win: level is noise */
#define TUNE_ERMS_TOLERANCE 0.02 /* rep movsb within 2 % of the kernel loop counts as a win */
#define TUNE_NT_TOLERANCE 0.0    /* non-temporal stores must be at least as fast */

#define TUNE_MAX_POINTS 64
#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

struct plan {
    unsigned simd_rounds, erms_rounds, nt_rounds;
    unsigned erms_per_octave, nt_per_octave;
    double batch_ns;
};

static const struct plan default_plan = {31, 21, 25, 4, 4, 1e6};
static const struct plan quick_plan = {7, 5, 3, 2, 1, 2e5};

struct options {
    int quick;
    int print_config;
    int force;
    int cpu; /* -1: the CPU it starts on */
    const char *write_path;
};

/* Where the report goes: stdout, or stderr when stdout carries the config. */
static FILE *out;

#if defined(__x86_64__)
#include "x86/rep_movsb.h"

/* The library's forward rep movsb, behind a call the timing loop cannot inline. */
__attribute__((noinline)) static void *rep_movsb(void *dst, const void *src, size_t n)
{
    vmmem_rep_movsb(dst, src, n);
    return dst;
}
#endif

#define USAGE_LINE "usage: vmmem-tune [--quick] [--write PATH [--force]] [--print-config] [--cpu N]\n"

static void usage(FILE *f)
{
    fprintf(f,
            USAGE_LINE
            "\n"
            "Measures where this machine's copy paths cross over (the scalar kernel vs the\n"
            "SIMD kernel, rep movsb vs the kernel loop, non-temporal vs temporal stores) and\n"
            "prints the libvmmem thresholds as shell lines. About 10-20 s; --quick about 1 s.\n"
            "\n"
            "  --quick         fewer sizes and rounds (coarse; for tests and smoke checks)\n"
            "  --write PATH    write the config file (e.g. /etc/vmmem.conf) to PATH\n"
            "  --force         let --write replace an existing file\n"
            "  --print-config  print the config file text on stdout (the report goes to stderr)\n"
            "  --cpu N         pin to CPU N (default: the CPU it starts on)\n"
            "  --help          this text\n"
            "\n"
            "Exit status: 0 done, 1 measurement failed, 2 usage error,\n"
            "3 --write target exists (no --force), 4 config file could not be written.\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    o->cpu = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--quick") == 0) {
            o->quick = 1;
        } else if (strcmp(a, "--print-config") == 0) {
            o->print_config = 1;
        } else if (strcmp(a, "--force") == 0) {
            o->force = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(EXIT_OK);
        } else if (strcmp(a, "--write") == 0 || strncmp(a, "--write=", 8) == 0) {
            o->write_path = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!o->write_path || !*o->write_path) {
                fprintf(stderr, "vmmem-tune: --write needs a file name\n");
                return -1;
            }
        } else if (strcmp(a, "--cpu") == 0 || strncmp(a, "--cpu=", 6) == 0) {
            const char *v = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            long cpu = v ? strtol(v, &end, 10) : -1;
            if (!v || !*v || *end || cpu < 0 || cpu > 65535) {
                fprintf(stderr, "vmmem-tune: --cpu needs a CPU number\n");
                return -1;
            }
            o->cpu = (int)cpu;
        } else {
            fprintf(stderr, "vmmem-tune: unknown option '%s'\n", a);
            return -1;
        }
    }
    if (o->force && !o->write_path) {
        fprintf(stderr, "vmmem-tune: --force only goes with --write\n");
        return -1;
    }
    return 0;
}

/* ---- buffers ---------------------------------------------------------------- */

struct region {
    unsigned char *base;
    size_t len;
};

static int region_map(struct region *r, size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        r->base = NULL;
        return -1;
    }
    r->base = p;
    r->len = len;
    for (size_t i = 0; i < len; i++) /* touch every page, and a pattern for the sources */
        r->base[i] = (unsigned char)(i * 131u + (i >> 12));
    return 0;
}

static void region_unmap(struct region *r)
{
    if (r->base)
        munmap(r->base, r->len);
    r->base = NULL;
}

/* ---- machine description ------------------------------------------------------ */

static void model_name(char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            break;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(buf, cap, "%s", v);
        buf[strcspn(buf, "\n")] = '\0';
        break;
    }
    fclose(f);
}

static const char *size_text(size_t n, char *buf, size_t cap)
{
    if (tune_format_size(n, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

/* One line naming the machine, for the report and the config header. */
static void describe_machine(const vmmem_cpu_info *ci, char *buf, size_t cap)
{
    char name[256], l1[32], l2[32], l3[32];
    model_name(name, sizeof name);
    snprintf(buf, cap, "%s family 0x%X model 0x%X%s%s%s, ISA %s, L1d %s, L2 %s, L3 %s", ci->vendor,
             ci->family, ci->model, name[0] ? " (" : "", name, name[0] ? ")" : "",
             vmmem_isa_name(vmmem_active_isa()), size_text(ci->l1d_bytes, l1, sizeof l1),
             size_text(ci->l2_bytes, l2, sizeof l2), size_text(ci->l3_bytes, l3, sizeof l3));
}

static void print_machine(const vmmem_cpu_info *ci, const char *pin_note)
{
    static const struct {
        unsigned bit;
        const char *name;
    } feats[] = {{VMMEM_CPU_SSE2, "sse2"},     {VMMEM_CPU_SSSE3, "ssse3"}, {VMMEM_CPU_AVX2, "avx2"},
                 {VMMEM_CPU_AVX512, "avx512"}, {VMMEM_CPU_AVX512VBMI, "avx512vbmi"},
                 {VMMEM_CPU_ERMS, "erms"},     {VMMEM_CPU_FSRM, "fsrm"},   {VMMEM_CPU_NEON, "neon"}};
    static const char *sources[] = {"defaults", "CPUID", "sysfs"};
    char name[256], l1[32], l2[32], l3[32], l3s[32];
    model_name(name, sizeof name);
    fprintf(out, "machine: %s family 0x%X (%u) model 0x%X (%u)%s%s%s\n", ci->vendor, ci->family,
            ci->family, ci->model, ci->model, name[0] ? ", \"" : "", name, name[0] ? "\"" : "");
    fprintf(out, "features:");
    for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++)
        if (ci->features & feats[i].bit)
            fprintf(out, " %s", feats[i].name);
    fprintf(out, "\ncaches (%s): L1d %s, L2 %s, L3 %s shared by %u CPUs (%s each)\n",
            ci->cache_source <= VMMEM_CACHE_SYSFS ? sources[ci->cache_source] : "?",
            size_text(ci->l1d_bytes, l1, sizeof l1), size_text(ci->l2_bytes, l2, sizeof l2),
            size_text(ci->l3_bytes, l3, sizeof l3), ci->l3_sharing_cpus,
            size_text(ci->l3_share_bytes, l3s, sizeof l3s));
    fprintf(out, "active ISA: %s; %s\n", vmmem_isa_name(vmmem_active_isa()), pin_note);
}

static double gbps(size_t n, double ns)
{
    return ns > 0.0 ? (double)n / ns : 0.0;
}

/* The verdict line of one experiment, ending with the setting it gives. */
static void print_crossover(const char *what, struct tune_crossover c, const char *never, const char *key,
                            size_t value)
{
    char s[32], v[32];
    switch (c.verdict) {
    case TUNE_ALWAYS:
        fprintf(out, "=> %s at every size tested (from %s)", what, size_text(c.size, s, sizeof s));
        break;
    case TUNE_FROM:
        fprintf(out, "=> %s from %s up", what, size_text(c.size, s, sizeof s));
        break;
    case TUNE_NEVER:
        fprintf(out, "=> %s", never);
        break;
    }
    fprintf(out, ": %s = %s\n\n", key, size_text(value, v, sizeof v));
    fflush(out);
}

/* ---- 1. SIMD threshold: the kernel against the scalar kernel, small sizes ---- */

/* What vmmem_memcpy_adaptive() runs below the SIMD threshold: the portable
 * scalar kernel (8-byte words, no vector instructions). */
static int measure_simd(const struct plan *p, const vmmem_kernel_info *k, size_t *result)
{
    static const size_t base_sizes[] = {17, 32, 64, 128, 256, 512};
    const size_t max_extra = 64 * KiB; /* if the scalar kernel still wins at 512 B, look further up */
    vmmem_kernel_info generic;
    if (vmmem_get_kernel(VMMEM_ISA_GENERIC, &generic) != 0)
        return -2;
    struct region r;
    if (region_map(&r, 2 * max_extra + 8192) != 0)
        return -1;
    unsigned char *src = r.base, *dst = r.base + max_extra + 4096 + 2048;
    tune_copy_fn scalar = generic.memmove;

    struct tune_point pts[TUNE_MAX_POINTS];
    size_t count = 0;
    fprintf(out, "1. SIMD threshold: %s kernel vs the scalar kernel; hot, src page offset 0, dst 2048;\n"
                 "   median ns per call over %u interleaved rounds (the kernel wins within %.0f %%)\n",
            k->name, p->simd_rounds, TUNE_SIMD_TOLERANCE * 100);
    fprintf(out, "%10s %12s %12s %10s %6s\n", "size", "kernel ns", "scalar ns", "scal/kern", "wins");
    struct tune_crossover c = {TUNE_NEVER, 0};
    for (size_t i = 0;; i++) {
        size_t n = i < sizeof base_sizes / sizeof base_sizes[0] ? base_sizes[i] : pts[count - 1].size * 2;
        if (n > max_extra || count == TUNE_MAX_POINTS)
            break;
        if (i >= sizeof base_sizes / sizeof base_sizes[0] && c.verdict != TUNE_NEVER)
            break;
        struct tune_series s[2] = {{k->memmove, dst, src, n, 0, 0}, {scalar, dst, src, n, 0, 0}};
        if (tune_run_batches(s, 2, p->simd_rounds, p->batch_ns) != 0) {
            region_unmap(&r);
            return -2;
        }
        struct tune_point *pt = &pts[count++];
        *pt = (struct tune_point){.size = n, .variants = 1, .base_ns = {s[1].ns}, .cand_ns = {s[0].ns}};
        fprintf(out, "%10zu %12.2f %12.2f %10.2f %6s\n", n, s[0].ns, s[1].ns, s[1].ns / s[0].ns,
                tune_point_wins(pt, TUNE_SIMD_TOLERANCE) ? "yes" : "no");
        fflush(out);
        c = tune_find_crossover(pts, count, TUNE_SIMD_TOLERANCE);
    }
    region_unmap(&r);
    *result = c.verdict == TUNE_ALWAYS ? 0 : c.verdict == TUNE_FROM ? c.size : SIZE_MAX;
    print_crossover("the kernel wins", c, "the scalar kernel still wins at 64K", "simd_threshold", *result);
    return 0;
}

/* ---- 2. ERMS threshold: rep movsb against the kernel loop, 2 KiB..4 MiB ------- */

static int measure_erms(const struct plan *p, const vmmem_kernel_info *k, const vmmem_cpu_info *ci,
                        size_t *result)
{
    *result = SIZE_MAX;
#if defined(__x86_64__)
    if (!(ci->features & VMMEM_CPU_ERMS)) {
        fprintf(out, "2. ERMS threshold: this CPU has no ERMS => off\n\n");
        return 0;
    }
    const size_t lo = 2 * KiB, hi = 4 * MiB;
    size_t sizes[TUNE_MAX_POINTS];
    size_t count = tune_log_ladder(lo, hi, p->erms_per_octave, sizes, TUNE_MAX_POINTS);
    struct region rs, rd;
    if (region_map(&rs, hi + 4096) != 0)
        return -1;
    if (region_map(&rd, hi + 8192) != 0) {
        region_unmap(&rs);
        return -1;
    }
    unsigned char *src = rs.base, *dst0 = rd.base + 2048, *dst1 = rd.base + 2049;
    struct tune_point pts[TUNE_MAX_POINTS];
    fprintf(out, "2. ERMS threshold: rep movsb vs the %s kernel loop; hot, src page offset 0,\n"
                 "   dst 2048 and 2049; GB/s from the median of %u interleaved rounds\n"
                 "   (rep movsb wins within %.0f %%, on both alignments)\n",
            k->name, p->erms_rounds, TUNE_ERMS_TOLERANCE * 100);
    fprintf(out, "%10s %12s %12s %12s %12s %6s\n", "size", "kernel", "rep movsb", "kernel+1", "movsb+1",
            "wins");
    for (size_t i = 0; i < count; i++) {
        size_t n = sizes[i];
        struct tune_series s[4] = {{k->memmove, dst0, src, n, 0, 0},
                                   {rep_movsb, dst0, src, n, 0, 0},
                                   {k->memmove, dst1, src, n, 0, 0},
                                   {rep_movsb, dst1, src, n, 0, 0}};
        if (tune_run_batches(s, 4, p->erms_rounds, p->batch_ns) != 0) {
            region_unmap(&rs);
            region_unmap(&rd);
            return -2;
        }
        pts[i] = (struct tune_point){
            .size = n, .variants = 2, .base_ns = {s[0].ns, s[2].ns}, .cand_ns = {s[1].ns, s[3].ns}};
        char t[32];
        fprintf(out, "%10s %12.1f %12.1f %12.1f %12.1f %6s\n", size_text(n, t, sizeof t), gbps(n, s[0].ns),
                gbps(n, s[1].ns), gbps(n, s[2].ns), gbps(n, s[3].ns),
                tune_point_wins(&pts[i], TUNE_ERMS_TOLERANCE) ? "yes" : "no");
        fflush(out);
    }
    region_unmap(&rs);
    region_unmap(&rd);
    struct tune_crossover c = tune_find_crossover(pts, count, TUNE_ERMS_TOLERANCE);
    *result = c.verdict == TUNE_NEVER ? SIZE_MAX : c.size;
    print_crossover("rep movsb wins", c, "rep movsb loses at 4M", "erms_threshold", *result);
#else
    (void)p;
    (void)k;
    (void)ci;
    fprintf(out, "2. ERMS threshold: not x86 => off\n\n");
#endif
    return 0;
}

/* ---- 3. NT threshold: non-temporal against the best temporal copy ------------- */

static int measure_nt(const struct plan *p, const vmmem_kernel_info *k, const vmmem_cpu_info *ci,
                      size_t erms, size_t *result)
{
    *result = SIZE_MAX;
    if (!k->memcpy_nt) {
        fprintf(out, "3. NT threshold: the %s kernel has no non-temporal copy => off\n\n", k->name);
        return 0;
    }
    size_t cache = ci->l3_bytes ? ci->l3_bytes : ci->l2_bytes;
    size_t lo = cache / 4, hi = cache * 4;
    /* Two buffers of hi bytes: keep them under a quarter of the memory. */
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    size_t phys = pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
    while (phys && hi > lo && 2 * hi > phys / 4)
        hi /= 2;
    struct region rs = {0}, rd = {0};
    while (region_map(&rs, hi + 4096) != 0 || region_map(&rd, hi + 8192) != 0) {
        region_unmap(&rs);
        if (hi / 2 < lo)
            return -1;
        hi /= 2;
    }
    size_t sizes[TUNE_MAX_POINTS];
    size_t count = tune_log_ladder(lo, hi, p->nt_per_octave, sizes, TUNE_MAX_POINTS);
    unsigned char *src = rs.base, *dst = rd.base + 2048;
#if defined(__x86_64__)
    int with_movsb = erms != SIZE_MAX;
#else
    int with_movsb = 0;
    (void)erms;
#endif
    char a[32], b[32];
    fprintf(out, "3. NT threshold: %s non-temporal copy vs the best temporal copy (kernel loop%s);\n"
                 "   %s/4 = %s to 4x%s = %s, single copies, same buffers; GB/s from the median\n"
                 "   of %u interleaved rounds; best/NT = best temporal ns / NT ns (NT wins when >= 1)\n",
            k->name, with_movsb ? " or rep movsb" : "", ci->l3_bytes ? "L3" : "L2", size_text(lo, a, sizeof a),
            ci->l3_bytes ? "L3" : "L2", size_text(hi, b, sizeof b), p->nt_rounds);
    if (hi < cache * 4)
        fprintf(out, "   (range capped at %s by the memory available)\n", b);
    fprintf(out, "%10s %12s %12s %12s %10s %6s\n", "size", "kernel", "rep movsb", "NT", "best/NT", "wins");
    struct tune_point pts[TUNE_MAX_POINTS];
    for (size_t i = 0; i < count; i++) {
        size_t n = sizes[i];
        struct tune_series s[3] = {{k->memcpy_nt, dst, src, n, 0, 0}, {k->memmove, dst, src, n, 0, 0}};
        unsigned m = 2;
#if defined(__x86_64__)
        if (with_movsb)
            s[m++] = (struct tune_series){rep_movsb, dst, src, n, 0, 0};
#endif
        if (tune_run_single(s, m, p->nt_rounds) != 0) {
            region_unmap(&rs);
            region_unmap(&rd);
            return -2;
        }
        double best = s[1].ns;
        if (m == 3 && s[2].ns < best)
            best = s[2].ns;
        pts[i] = (struct tune_point){.size = n, .variants = 1, .base_ns = {best}, .cand_ns = {s[0].ns}};
        char t[32], mv[32];
        if (m == 3)
            snprintf(mv, sizeof mv, "%.1f", gbps(n, s[2].ns));
        else
            snprintf(mv, sizeof mv, "-");
        fprintf(out, "%10s %12.1f %12s %12.1f %10.3f %6s\n", size_text(n, t, sizeof t), gbps(n, s[1].ns), mv,
                gbps(n, s[0].ns), s[0].ns > 0 ? best / s[0].ns : 0.0,
                tune_point_wins(&pts[i], TUNE_NT_TOLERANCE) ? "yes" : "no");
        fflush(out);
    }
    region_unmap(&rs);
    region_unmap(&rd);
    struct tune_crossover c = tune_find_crossover(pts, count, TUNE_NT_TOLERANCE);
    *result = c.verdict == TUNE_NEVER ? SIZE_MAX : c.size;
    char never[64];
    snprintf(never, sizeof never, "non-temporal stores lose at %s", b);
    print_crossover("non-temporal stores win", c, never, "nt_threshold", *result);
    return 0;
}

/* ---- config file ---------------------------------------------------------------- */

static int write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, text, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        text += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Checks before measuring that --write can succeed, so a mistake does not
 * cost the whole run. */
static int precheck_write(const struct options *o)
{
    struct stat st;
    if (stat(o->write_path, &st) == 0) {
        if (!o->force) {
            fprintf(stderr, "vmmem-tune: %s exists; not overwriting it without --force\n", o->write_path);
            return EXIT_EXISTS;
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "vmmem-tune: cannot write %s: not a regular file\n", o->write_path);
            return EXIT_IO;
        }
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o->write_path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "vmmem-tune: cannot write %s: directory %s: %s\n", o->write_path, dir, strerror(errno));
        return EXIT_IO;
    }
    return EXIT_OK;
}

/* Writes text to path: a new file (O_EXCL) without force; with force a
 * temporary file renamed over path, so a reader never sees half a file. */
static int write_config(const char *path, const char *text, int force)
{
    size_t len = strlen(text);
    if (!force) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            int e = errno;
            fprintf(stderr, "vmmem-tune: cannot create %s: %s%s\n", path, strerror(e),
                    e == EEXIST ? " (use --force to replace it)" : "");
            return e == EEXIST ? EXIT_EXISTS : EXIT_IO;
        }
        if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
            fprintf(stderr, "vmmem-tune: cannot write %s: %s\n", path, strerror(errno));
            close(fd);
            unlink(path);
            return EXIT_IO;
        }
        if (close(fd) != 0) {
            fprintf(stderr, "vmmem-tune: cannot write %s: %s\n", path, strerror(errno));
            unlink(path);
            return EXIT_IO;
        }
        return EXIT_OK;
    }
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        fprintf(stderr, "vmmem-tune: cannot write %s: name too long\n", path);
        return EXIT_IO;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "vmmem-tune: cannot write %s: temporary file: %s\n", path, strerror(errno));
        return EXIT_IO;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0644 & ~mask) != 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "vmmem-tune: cannot write %s: %s\n", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return EXIT_IO;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "vmmem-tune: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return EXIT_IO;
    }
    return EXIT_OK;
}

/* ---- main ------------------------------------------------------------------------- */

static void print_results(const struct tune_settings *m)
{
    vmmem_thresholds now;
    vmmem_get_thresholds(&now);
    char a[32], b[32];
    fprintf(out, "result for ISA %s:\n", vmmem_isa_name(vmmem_active_isa()));
    fprintf(out, "%16s %12s %12s\n", "threshold", "measured", "in force now");
    fprintf(out, "%16s %12s %12s\n", "simd", size_text(m->simd, a, sizeof a), size_text(now.simd, b, sizeof b));
    fprintf(out, "%16s %12s %12s\n", "erms", size_text(m->erms, a, sizeof a), size_text(now.erms, b, sizeof b));
    fprintf(out, "%16s %12s %12s\n", "nt", size_text(m->nt, a, sizeof a), size_text(now.nt, b, sizeof b));
    const char *cfg = getenv("VMMEM_CONFIG");
    struct stat st;
    if (cfg && *cfg)
        fprintf(out, "(\"in force now\" includes the config file VMMEM_CONFIG=%s)\n", cfg);
    else if (stat("/etc/vmmem.conf", &st) == 0)
        fprintf(out, "(\"in force now\" includes /etc/vmmem.conf)\n");
    static const char *vars[] = {"VMMEM_SIMD_THRESHOLD", "VMMEM_ERMS_THRESHOLD", "VMMEM_NT_THRESHOLD"};
    for (size_t i = 0; i < 3; i++)
        if (getenv(vars[i]))
            fprintf(out, "(\"in force now\" includes %s=%s from the environment)\n", vars[i], getenv(vars[i]));
    char shell[512];
    if (tune_shell_text(shell, sizeof shell, m) > 0)
        fprintf(out, "\n%s", shell);
    fflush(out);
}

int main(int argc, char **argv)
{
    struct options o;
    if (parse_options(argc, argv, &o) != 0) {
        fprintf(stderr, USAGE_LINE "(vmmem-tune --help for more)\n");
        return EXIT_USAGE;
    }
    out = o.print_config ? stderr : stdout;
    if (o.write_path) {
        int rc = precheck_write(&o);
        if (rc != EXIT_OK)
            return rc;
    }
    const struct plan *p = o.quick ? &quick_plan : &default_plan;
    double t0 = tune_now_ns();

    vmmem_cpu_info ci;
    vmmem_kernel_info k;
    if (vmmem_get_cpu_info(&ci) != 0 || vmmem_get_kernel(vmmem_active_isa(), &k) != 0) {
        fprintf(stderr, "vmmem-tune: cannot query the library\n");
        return EXIT_MEASURE;
    }
    char pin_note[128];
    tune_pin(o.cpu, pin_note, sizeof pin_note);
    print_machine(&ci, pin_note);
    fprintf(out, "mode: %s; GB/s = 10^9 bytes/s\n\n", o.quick ? "--quick" : "default");
    fflush(out);

    struct tune_settings m = {0, SIZE_MAX, SIZE_MAX};
    int rc = measure_simd(p, &k, &m.simd);
    if (rc == 0)
        rc = measure_erms(p, &k, &ci, &m.erms);
    if (rc == 0)
        rc = measure_nt(p, &k, &ci, m.erms, &m.nt);
    if (rc != 0) {
        fprintf(stderr, "vmmem-tune: %s\n",
                rc == -1 ? "cannot allocate the measurement buffers" : "a copy under test was wrong; no result");
        return EXIT_MEASURE;
    }
    print_results(&m);
    fprintf(out, "\nmeasured in %.1f s\n", (tune_now_ns() - t0) / 1e9);
    fflush(out);

    char machine[512], date[64], text[2048];
    describe_machine(&ci, machine, sizeof machine);
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(date, sizeof date, "unknown");
    if (tune_config_text(text, sizeof text, &m, machine, date) < 0) {
        fprintf(stderr, "vmmem-tune: config text too long\n");
        return EXIT_MEASURE;
    }
    if (o.print_config) {
        fputs(text, stdout);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "vmmem-tune: cannot write the config to stdout: %s\n", strerror(errno));
            return EXIT_IO;
        }
    }
    if (o.write_path) {
        rc = write_config(o.write_path, text, o.force);
        if (rc != EXIT_OK)
            return rc;
        fprintf(out, "wrote %s\n", o.write_path);
    }
    return EXIT_OK;
}
