/* simd_memory_comparison.c - vmmem-bench: compares libvmmem's copies with
 * glibc, rep movsb, a byte loop and DPDK rte_memcpy on hot, cold, misaligned
 * and random-size workloads, next to the store-only and load-only limits
 * measured in the same run. This file drives the suite; the pieces live in
 * bench_*.c (options, distributions, runner, results, output, plot). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/vmmem.h>

#include "bench_build_info.h"
#include "bench_dist.h"
#include "bench_impls.h"
#include "bench_machine.h"
#include "bench_options.h"
#include "bench_output.h"
#include "bench_plot.h"
#include "bench_results.h"
#include "bench_rng.h"
#include "bench_runner.h"
#include "bench_stats.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)
#define GiB ((size_t)1 << 30)

/* Buffers start one page into their mapping, so dst - 1 is valid memory. */
#define LEAD_PAD 4096u
/* Page offset of dst in the "aligned" case: 64-byte aligned but not
 * 4 KiB-aliased with src (which sits at offset 0). */
#define DST_BASE_OFF 2048u
/* Copies larger than this are not checked byte for byte. */
#define VERIFY_MAX (16 * MiB)
/* Calls in a random-size sequence. Long on purpose: with a few thousand
 * calls repeating, the branch predictor learns the sequence and small-size
 * timings come out up to 2x too fast for whichever copy it happens to fit. */
#define OPS_COUNT 1048576u

struct align_case {
    const char *name;
    unsigned src_off, dst_off;
};

static const struct align_case ALIGNED = {"aligned", 0, DST_BASE_OFF};
static const struct align_case ALIGN_CASES[] = {
    {"aligned", 0, DST_BASE_OFF},
    {"src+1", 1, DST_BASE_OFF},
    {"dst+1", 0, DST_BASE_OFF + 1},
    {"src+1,dst+3", 1, DST_BASE_OFF + 3},
    {"4k-alias", 0, 0},
};

/* Starts vmmem_memcpy_parallel()'s worker threads before this thread pins
 * itself to one CPU: threads inherit the creator's CPU mask, and workers
 * confined to the benchmark's CPU could not run in parallel. */
static void start_parallel_pool(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n = (size_t)(cpus > 1 ? cpus : 1) * 2 * MiB;
    unsigned char *src = calloc(1, n), *dst = calloc(1, n);
    if (src && dst)
        vmmem_memcpy_parallel(dst, src, n, cpus > 0 ? (unsigned)cpus : 1);
    free(src);
    free(dst);
}

struct bench_ctx {
    struct bench_options opt;
    struct bench_registry reg;
    struct bench_machine machine;
    struct bench_results results;
    struct bench_dist dists[BENCH_MAX_DISTS];
    size_t n_dists;
    unsigned char *map_src, *map_dst;
    size_t map_bytes;
    size_t l2, l3;
    size_t arena;
    unsigned rounds;
    double batch_ns;
    int wrong;
    int tty;
    double t_start;
    /* progress */
    const char *sec;
    const char *point;
    size_t idx, total;
};

static unsigned char *src_at(struct bench_ctx *c, unsigned off) { return c->map_src + LEAD_PAD + off; }
static unsigned char *dst_at(struct bench_ctx *c, unsigned off) { return c->map_dst + LEAD_PAD + off; }

static void progress(void *arg, unsigned round, unsigned rounds)
{
    struct bench_ctx *c = arg;
    if (!c->tty)
        return;
    fprintf(stderr, "\r\033[K[%s %zu/%zu] %s  round %u/%u  %.0f s", c->sec, c->idx, c->total,
            c->point, round, rounds, (bench_now_ns() - c->t_start) / 1e9);
    fflush(stderr);
}

static void progress_clear(struct bench_ctx *c)
{
    if (c->tty) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static size_t sort_unique(size_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_size);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    return k;
}

static size_t default_hot_sizes(size_t *v, int quick)
{
    size_t n = 0;
    if (quick) {
        static const size_t q[] = {1, 7, 16, 63, 256, 1000, 4096, 65536, 1 * MiB, 8 * MiB};
        for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
            v[n++] = q[i];
        return n;
    }
    for (size_t s = 1; s <= GiB; s <<= 1)
        v[n++] = s;
    static const size_t extra[] = {3, 7, 15, 31, 63, 96, 192, 384, 1000, 1500, 3000, 6000, 9000,
                                   100000, 1000000};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
        v[n++] = extra[i];
    return sort_unique(v, n);
}

static size_t default_align_sizes(size_t *v, int quick)
{
    static const size_t full[] = {8, 31, 64, 256, 1000, 4096, 16384, 65536, 1 * MiB};
    static const size_t q[] = {64, 4096};
    const size_t *src = quick ? q : full;
    size_t n = quick ? sizeof q / sizeof q[0] : sizeof full / sizeof full[0];
    memcpy(v, src, n * sizeof *v);
    return n;
}

static unsigned rounds_for(const struct bench_ctx *c, size_t size)
{
    unsigned r = c->rounds;
    if (size >= 256 * MiB && r > 3)
        r = 3;
    else if (size >= 16 * MiB && r > 5)
        r = 5;
    return r;
}

/* The implementations that run on this workload. */
static size_t pick_impls(struct bench_ctx *c, size_t size, int random_sizes,
                         struct bench_impl **out, size_t *ref)
{
    size_t n = 0;
    *ref = 0;
    for (size_t i = 0; i < c->reg.n; i++) {
        struct bench_impl *m = &c->reg.impl[i];
        if (!m->selected)
            continue;
        if (random_sizes ? m->min_size > 0 : (size < m->min_size || size > m->max_size))
            continue;
        if (m->role == BENCH_ROLE_REFERENCE)
            *ref = n;
        out[n++] = m;
    }
    return n;
}

/* Checks that a copy of n bytes at dst is right and writes nothing
 * outside [dst, dst + n). */
static int verify(bench_copy_fn fn, unsigned char *dst, const unsigned char *src, size_t n)
{
    memset(dst - 1, 0xEE, n + 2);
    fn(dst, src, n);
    return memcmp(dst, src, n) == 0 && dst[-1] == 0xEE && dst[n] == 0xEE;
}

static int record(struct bench_ctx *c, struct bench_workload *w, struct bench_impl **impls,
                  size_t n, size_t ref, const char *section, const char *variant, size_t size,
                  unsigned src_off, unsigned dst_off, const int *wrong)
{
    struct bench_measurement *ms = calloc(n, sizeof *ms);
    if (!ms)
        return -1;
    struct bench_measure_cfg cfg = {rounds_for(c, size ? size : 1), c->batch_ns};
    if (bench_measure(w, impls, n, ref, &cfg, ms, progress, c)) {
        free(ms);
        return -1;
    }
    size_t first = c->results.n;
    for (size_t i = 0; i < n; i++) {
        struct bench_result x;
        memset(&x, 0, sizeof x);
        snprintf(x.section, sizeof x.section, "%s", section);
        snprintf(x.variant, sizeof x.variant, "%s", variant);
        x.size = size;
        x.mean_bytes = w->bytes_per_call;
        x.src_off = src_off;
        x.dst_off = dst_off;
        snprintf(x.impl, sizeof x.impl, "%s", impls[i]->name);
        x.role = impls[i]->role;
        x.ns_per_call = ms[i].ns_median;
        x.ns_best = ms[i].ns_best;
        x.gbps = ms[i].ns_median > 0 ? w->bytes_per_call / ms[i].ns_median : NAN;
        x.speedup = ms[i].speedup;
        x.rounds = ms[i].rounds;
        x.iters = ms[i].iters;
        x.wrong = wrong ? wrong[i] : 0;
        if (bench_results_push(&c->results, &x)) {
            free(ms);
            return -1;
        }
    }
    bench_results_fill_limits(&c->results, first);
    free(ms);
    return 0;
}

/* A fixed-size point (hot or align): check each copy, then measure. */
static int run_fixed(struct bench_ctx *c, const char *section, const struct align_case *ac,
                     size_t size)
{
    struct bench_impl *impls[BENCH_MAX_IMPLS];
    int wrong[BENCH_MAX_IMPLS] = {0};
    size_t ref;
    size_t n = pick_impls(c, size, 0, impls, &ref);
    unsigned char *src = src_at(c, ac->src_off), *dst = dst_at(c, ac->dst_off);
    if (size <= VERIFY_MAX) {
        for (size_t i = 0; i < n; i++) {
            if (!bench_role_is_copy(impls[i]->role))
                continue;
            if (!verify(impls[i]->fn, dst, src, size)) {
                wrong[i] = 1;
                c->wrong = 1;
                progress_clear(c);
                fprintf(stderr, "vmmem-bench: WRONG RESULT: %s copying %zu bytes (%s, %s)\n",
                        impls[i]->name, size, section, ac->name);
            }
        }
    }
    struct bench_workload w;
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_FIXED;
    w.src = src;
    w.dst = dst;
    w.size = size;
    w.bytes_per_call = (double)size;
    return record(c, &w, impls, n, ref, section, ac->name, size, ac->src_off, ac->dst_off, wrong);
}

static void section_start(struct bench_ctx *c, const char *sec, size_t total, const char *title)
{
    c->sec = sec;
    c->total = total;
    c->idx = 0;
    printf("\n== %s ==\n", title);
    fflush(stdout);
    if (!c->tty)
        fprintf(stderr, "vmmem-bench: %s section: %zu points (%.0f s so far)\n", sec, total,
                (bench_now_ns() - c->t_start) / 1e9);
}

static int run_hot(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    section_start(c, "hot", ns,
                  "hot: fixed sizes, the same buffers every call (src at page offset 0, dst at 2048)");
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        char label[32];
        c->idx = i + 1;
        c->point = bench_format_size(sizes[i], label, sizeof label);
        if (run_fixed(c, "hot", &ALIGNED, sizes[i]))
            return -1;
    }
    progress_clear(c);
    bench_print_table(stdout, &c->results, first, c->results.n);
    return 0;
}

static int run_align(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    size_t ncases = sizeof ALIGN_CASES / sizeof ALIGN_CASES[0];
    section_start(c, "align", ns * ncases,
                  "align: misaligned and 4 KiB-aliased buffers (offsets within the page; "
                  "aligned = src 0, dst 2048; 4k-alias = both 0)");
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        for (size_t k = 0; k < ncases; k++) {
            char label[64], sz[24];
            snprintf(label, sizeof label, "%s %s", bench_format_size(sizes[i], sz, sizeof sz),
                     ALIGN_CASES[k].name);
            c->idx = i * ncases + k + 1;
            c->point = label;
            if (run_fixed(c, "align", &ALIGN_CASES[k], sizes[i]))
                return -1;
        }
    }
    progress_clear(c);
    bench_print_table(stdout, &c->results, first, c->results.n);
    return 0;
}

static int run_cold(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    char title[200], a[24];
    snprintf(title, sizeof title,
             "cold: fixed sizes, each call at a pseudo-random slot of two %s arenas "
             "(4x L3), so src and dst are not in cache",
             bench_format_size(c->arena, a, sizeof a));
    section_start(c, "cold", ns, title);
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        char label[32];
        c->idx = i + 1;
        c->point = bench_format_size(sizes[i], label, sizeof label);
        struct bench_impl *impls[BENCH_MAX_IMPLS];
        size_t ref;
        size_t n = pick_impls(c, sizes[i], 0, impls, &ref);
        struct bench_workload w;
        bench_workload_cold(&w, src_at(c, 0), dst_at(c, DST_BASE_OFF), c->arena, sizes[i]);
        if (record(c, &w, impls, n, ref, "cold", "aligned", sizes[i], 0, DST_BASE_OFF, NULL))
            return -1;
    }
    progress_clear(c);
    bench_print_table(stdout, &c->results, first, c->results.n);
    return 0;
}

static size_t dist_working_set(const struct bench_dist *d)
{
    size_t ws = 256 * KiB;
    while (ws < 4 * (d->max_size + 1))
        ws <<= 1;
    return ws;
}

static int run_dists(struct bench_ctx *c)
{
    section_start(c, "dist", c->n_dists,
                  "dist: random sizes from distribution files, random src/dst offsets in "
                  "256 KiB working sets (GB/s from the mean size)");
    size_t first = c->results.n;
    struct bench_op *ops = malloc(OPS_COUNT * sizeof *ops);
    if (!ops)
        return -1;
    for (size_t i = 0; i < c->n_dists; i++) {
        const struct bench_dist *d = &c->dists[i];
        size_t ws = dist_working_set(d);
        uint64_t rng = c->opt.seed ^ (0x1234567ull * (i + 1));
        double total = 0;
        for (size_t k = 0; k < OPS_COUNT; k++) {
            size_t sz = bench_dist_sample(d, &rng);
            ops[k].size = (uint32_t)sz;
            ops[k].src_off = (uint32_t)bench_rng_below(&rng, ws - sz + 1);
            ops[k].dst_off = (uint32_t)bench_rng_below(&rng, ws - sz + 1);
            total += (double)sz;
        }
        printf("   %s: mean %.1f B, P(size <= 64 B) = %.0f%%, largest %zu B, working set 2 x %zu KiB\n",
               d->name, d->mean, 100.0 * d->frac_le_64, d->max_size, ws / 1024);
        c->idx = i + 1;
        c->point = d->name;
        struct bench_impl *impls[BENCH_MAX_IMPLS];
        size_t ref;
        size_t n = pick_impls(c, 0, 1, impls, &ref);
        struct bench_workload w;
        memset(&w, 0, sizeof w);
        w.kind = BENCH_WL_OPS;
        w.src = src_at(c, 0);
        w.dst = dst_at(c, DST_BASE_OFF);
        w.ops = ops;
        w.ops_mask = OPS_COUNT - 1;
        w.bytes_per_call = total / OPS_COUNT;
        if (record(c, &w, impls, n, ref, "dist", d->name, 0, 0, 0, NULL)) {
            free(ops);
            return -1;
        }
    }
    free(ops);
    progress_clear(c);
    bench_print_table(stdout, &c->results, first, c->results.n);
    return 0;
}

/* The shipped distributions: $VMMEM_BENCH_DISTS, the source tree, or the
 * installed copy. */
static int load_default_dists(struct bench_ctx *c, char *err, size_t errlen)
{
    static const char *const files[] = {"small-heavy.txt", "network-virtio.txt",
                                        "uniform-0-4096.txt"};
    const char *dirs[] = {getenv("VMMEM_BENCH_DISTS"), VMMEM_BENCH_DIST_DIR,
                          VMMEM_BENCH_DIST_INSTALL_DIR};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        if (!dirs[d] || !*dirs[d])
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dirs[d], files[0]);
        if (access(path, R_OK) != 0)
            continue;
        for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
            snprintf(path, sizeof path, "%s/%s", dirs[d], files[f]);
            if (bench_dist_load(path, &c->dists[c->n_dists], err, errlen))
                return -1;
            c->n_dists++;
        }
        return 0;
    }
    return 1;
}

static unsigned char *map_buffer(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* A pattern whose period (a prime) is no power of two, so a copy from a
 * wrong offset does not match by accident. */
static void fill_pattern(unsigned char *p, size_t n)
{
    const size_t period = 65521;
    size_t first = n < period ? n : period;
    for (size_t i = 0; i < first; i++)
        p[i] = (unsigned char)(i * 131u + (i >> 8) + 7u);
    for (size_t done = first; done < n;) {
        size_t chunk = done < n - done ? done : n - done;
        memcpy(p + done, p, chunk);
        done += chunk;
    }
}

static void print_impls(const struct bench_registry *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_impl *m = &r->impl[i];
        printf("  %-20s %-10s %s%s%s\n", m->name, m->available ? "runs" : "skipped", m->desc,
               m->available ? "" : " -- ", m->available ? "" : m->why_not);
    }
}

int main(int argc, char **argv)
{
    static struct bench_ctx ctx;
    struct bench_ctx *c = &ctx;
    char err[2048], note[1024] = "";
    bench_options_init(&c->opt);
    if (bench_options_parse(&c->opt, argc, argv, err, sizeof err)) {
        fprintf(stderr, "vmmem-bench: %s\n", err);
        return 2;
    }
    if (c->opt.help) {
        bench_options_usage(stdout, "vmmem-bench");
        return 0;
    }
    bench_registry_init(&c->reg);
    if (c->opt.n_impls &&
        bench_registry_select(&c->reg, (const char(*)[32])c->opt.impls, c->opt.n_impls, err,
                              sizeof err, note, sizeof note)) {
        fprintf(stderr, "vmmem-bench: %s\n", err);
        return 2;
    }
    if (c->opt.list) {
        printf("Implementations in this build:\n");
        print_impls(&c->reg);
        return 0;
    }

    /* Read every input before measuring anything. */
    if (c->opt.sections & BENCH_SEC_DIST) {
        if (c->opt.n_dists) {
            for (size_t i = 0; i < c->opt.n_dists; i++) {
                if (bench_dist_load(c->opt.dists[i], &c->dists[c->n_dists], err, sizeof err)) {
                    fprintf(stderr, "vmmem-bench: bad distribution file: %s\n", err);
                    return 2;
                }
                c->n_dists++;
            }
        } else {
            int rc = load_default_dists(c, err, sizeof err);
            if (rc < 0) {
                fprintf(stderr, "vmmem-bench: bad distribution file: %s\n", err);
                return 2;
            }
        }
    }

    c->tty = isatty(2);
    c->t_start = bench_now_ns();
    bench_machine_collect(&c->machine);
    start_parallel_pool();
    bench_machine_pin(&c->machine, c->opt.pin, c->opt.cpu);
    c->l2 = c->machine.l2 ? c->machine.l2 : 1 * MiB;
    c->l3 = c->machine.l3 ? c->machine.l3 : 32 * MiB;
    c->arena = 4 * c->l3;
    if (c->arena < 64 * MiB)
        c->arena = 64 * MiB;
    if (c->arena > 1 * GiB)
        c->arena = 1 * GiB;
    c->rounds = c->opt.rounds ? c->opt.rounds : (c->opt.quick ? 3 : 31);
    double batch_us = c->opt.batch_us ? c->opt.batch_us : (c->opt.quick ? 100 : 1000);
    c->batch_ns = batch_us * 1000.0;

    /* Sizes per section. */
    static size_t hot[BENCH_MAX_SIZES], cold[BENCH_MAX_SIZES], align[BENCH_MAX_SIZES];
    size_t n_hot, n_cold = 0, n_align;
    if (c->opt.n_sizes) {
        memcpy(hot, c->opt.sizes, c->opt.n_sizes * sizeof *hot);
        n_hot = sort_unique(hot, c->opt.n_sizes);
        memcpy(align, hot, n_hot * sizeof *hot);
        n_align = n_hot;
    } else {
        n_hot = default_hot_sizes(hot, c->opt.quick);
        n_align = default_align_sizes(align, c->opt.quick);
    }
    size_t cold_max = c->opt.n_sizes ? c->arena / 4 : c->l3;
    if (c->opt.quick && !c->opt.n_sizes) {
        static const size_t q[] = {64, 4096, 1 * MiB};
        memcpy(cold, q, sizeof q);
        n_cold = 3;
    } else {
        for (size_t i = 0; i < n_hot; i++)
            if (hot[i] <= cold_max)
                cold[n_cold++] = hot[i];
    }

    size_t need = c->arena;
    unsigned sec = c->opt.sections;
    if ((sec & BENCH_SEC_HOT) && n_hot && hot[n_hot - 1] > need)
        need = hot[n_hot - 1];
    if ((sec & BENCH_SEC_ALIGN) && n_align && align[n_align - 1] > need)
        need = align[n_align - 1];
    for (size_t i = 0; i < c->n_dists; i++)
        if (2 * dist_working_set(&c->dists[i]) > need)
            need = 2 * dist_working_set(&c->dists[i]);
    c->map_bytes = need + LEAD_PAD + 2 * 4096;
    c->map_src = map_buffer(c->map_bytes);
    c->map_dst = map_buffer(c->map_bytes);
    if (!c->map_src || !c->map_dst) {
        fprintf(stderr, "vmmem-bench: cannot map 2 x %zu MiB: %s\n", c->map_bytes >> 20,
                strerror(errno));
        return 1;
    }
    /* Touch every page now, so no measurement pays for page faults. */
    fill_pattern(c->map_src, c->map_bytes);
    memset(c->map_dst, 0, c->map_bytes);

    printf("vmmem-bench (libvmmem %d.%d.%d) -- memcpy comparison\n", VMMEM_VERSION_MAJOR,
           VMMEM_VERSION_MINOR, VMMEM_VERSION_PATCH);
    bench_machine_print(stdout, &c->machine);
    printf("method     median of %u interleaved rounds (3 from 256 MiB, 5 from 16 MiB), batches "
           ">= %.0f us, ratios = median per-round glibc-memcpy ns / impl ns (> 1 = faster)\n",
           c->rounds, batch_us);
    printf("implementations:\n");
    print_impls(&c->reg);
    if (note[0] && c->opt.n_impls)
        printf("note: %s\n", note);
    if ((sec & BENCH_SEC_DIST) && !c->n_dists)
        printf("note: dist section skipped: shipped distribution files not found "
               "(set VMMEM_BENCH_DISTS or use --dist FILE)\n");
    fflush(stdout);

    int rc = 0;
    if ((sec & BENCH_SEC_HOT) && run_hot(c, hot, n_hot))
        rc = 1;
    if (!rc && (sec & BENCH_SEC_COLD) && run_cold(c, cold, n_cold))
        rc = 1;
    if (!rc && (sec & BENCH_SEC_ALIGN) && run_align(c, align, n_align))
        rc = 1;
    if (!rc && (sec & BENCH_SEC_DIST) && c->n_dists && run_dists(c))
        rc = 1;
    progress_clear(c);
    if (rc) {
        fprintf(stderr, "vmmem-bench: out of memory\n");
        return 1;
    }
    double elapsed = (bench_now_ns() - c->t_start) / 1e9;

    static struct bench_summary_row rows[BENCH_CLASS_COUNT * BENCH_MAX_IMPLS];
    size_t nrows = bench_summarize(&c->results, c->l2, c->l3, rows,
                                   sizeof rows / sizeof rows[0]);
    static const char *const headline[] = {"vmmem-fast", "vmmem-adaptive", "glibc-memcpy"};
    printf("\n== summary: geometric mean per class of the speedup vs glibc memcpy (x glibc) and "
           "of the %% of the store limit ==\n");
    bench_print_headline(stdout, rows, nrows, headline, sizeof headline / sizeof headline[0]);
    printf("\n== summary, every implementation ==\n");
    bench_print_summary(stdout, rows, nrows);
    printf("\nelapsed %.1f s\n", elapsed);

    /* Machine-readable outputs. */
    char command[4096];
    size_t used = 0;
    command[0] = '\0';
    for (int i = 0; i < argc && used < sizeof command; i++)
        used += (size_t)snprintf(command + used, sizeof command - used, "%s%s", i ? " " : "",
                                 argv[i]);
    struct bench_run_info run = {command, c->opt.quick, c->rounds, batch_us, elapsed,
                                 (unsigned long long)c->opt.seed};
    if (c->opt.csv_path) {
        FILE *f = fopen(c->opt.csv_path, "w");
        if (!f || bench_write_csv(f, &c->results) || fclose(f)) {
            fprintf(stderr, "vmmem-bench: cannot write %s\n", c->opt.csv_path);
            rc = 1;
        } else {
            printf("csv: %s\n", c->opt.csv_path);
        }
    }
    if (c->opt.json_path) {
        FILE *f = fopen(c->opt.json_path, "w");
        if (!f || bench_write_json(f, &c->machine, &run, &c->results, rows, nrows) || fclose(f)) {
            fprintf(stderr, "vmmem-bench: cannot write %s\n", c->opt.json_path);
            rc = 1;
        } else {
            printf("json: %s\n", c->opt.json_path);
        }
    }
    if (c->opt.plot_prefix) {
        char msg[4200];
        if (bench_plot_write(c->opt.plot_prefix, &c->results, &c->machine, msg, sizeof msg) < 0) {
            printf("plot: not written: %s\n", msg);
        } else {
            int prc = bench_plot_run(c->opt.plot_prefix, msg, sizeof msg);
            printf("%s%s\n", prc > 0 ? "plot: " : "", msg);
            if (prc < 0)
                rc = 1;
        }
    }
    for (size_t i = 0; i < c->n_dists; i++)
        bench_dist_free(&c->dists[i]);
    bench_results_free(&c->results);
    munmap(c->map_src, c->map_bytes);
    munmap(c->map_dst, c->map_bytes);
    if (c->wrong) {
        fprintf(stderr, "vmmem-bench: at least one implementation copied wrongly (marked '!')\n");
        return 3;
    }
    return rc;
}
