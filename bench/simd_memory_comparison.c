/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* simd_memory_comparison.c - vmmem-bench, the neutral memcpy benchmark:
 * glibc, libvmmem's exported entries and kernels, plain rep movsb and DPDK
 * rte_memcpy, each reached the same way as its rivals in three calling
 * modes (pointer, call through the PLT, call with -fno-plt), interleaved
 * in shuffled rounds with an A/A control, on fixed sizes (hot, cold,
 * misaligned) and on pre-generated size mixes at random offsets, next to
 * the store-only and copy-method limits measured at the same points. This
 * file drives the suite; the pieces live in bench_*.c. */
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
#include "bench_call_table.h"
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

/* Buffers start one page into their mapping, so dst - 1 is valid memory. */
#define LEAD_PAD 4096u
/* Page offset of dst for aligned fixed sizes: 64-byte aligned but not
 * 4 KiB-aliased with src (which sits at offset 0). */
#define DST_BASE_OFF 2048u
/* Copies larger than this are not checked byte for byte. */
#define VERIFY_MAX (16 * MiB)
/* Cold fixed sizes from this one up sweep the caches before each call;
 * smaller ones walk an arena. */
#define EVICT_FROM (16 * MiB)
/* The eviction sweep reads at least this much (4x the 32 MiB L3 of the
 * reference machine), or 4x the L3 libvmmem detects if larger. */
#define EVICT_MIN_BYTES (128 * MiB)
#define EVICT_MAX_BYTES (1024 * MiB)
/* The mixes' working sets: 1 MiB each for src and dst (together twice
 * the L2 of the reference machine: the data lives in L2 and L3), and an
 * L1-sized variant of 16 KiB each (32 KiB together fit any L1d of 32 KiB
 * and more). A mix runs in a working set at least twice its largest size. */
#define MIX_WS_LARGE (1 * MiB)
#define MIX_WS_L1 (16 * KiB)
/* Calls in a pre-generated mix: far more than a branch predictor can
 * learn (8192 were learned: timings came out up to 2x too fast); 8 bytes
 * each, so 512 KiB of sequence by default. */
#define MIX_OPS_DEFAULT ((size_t)1 << 16)
#define MIX_OPS_QUICK ((size_t)1 << 14)

struct align_case {
    const char *name;
    unsigned src_off, dst_off;
};

static const struct align_case ALIGNED = {"aligned", 0, DST_BASE_OFF};
static const struct align_case MISALIGNED[] = {
    {"src+1", 1, DST_BASE_OFF},
    {"dst+1", 0, DST_BASE_OFF + 1},
    {"src+1,dst+3", 1, DST_BASE_OFF + 3},
    {"4k-alias", 0, 0},
};
#define N_MISALIGNED (sizeof MISALIGNED / sizeof MISALIGNED[0])

struct bench_ctx {
    struct bench_options opt;
    struct bench_registry reg;
    struct bench_machine machine;
    struct bench_results results;
    struct bench_dist dists[BENCH_MAX_DISTS];
    size_t n_dists;
    unsigned char *map_src, *map_dst, *evict;
    size_t map_bytes, evict_bytes;
    size_t arena;       /* the cold arena walk's arena, per side */
    int wrong;
    int tty;
    double t_start, t_last_note;
    uint64_t points;    /* points measured so far: seeds each point's round order */
    const char *sec;    /* progress */
    const char *point;
    size_t idx, total;
};

static unsigned char *src_at(struct bench_ctx *c, unsigned off) { return c->map_src + LEAD_PAD + off; }
static unsigned char *dst_at(struct bench_ctx *c, unsigned off) { return c->map_dst + LEAD_PAD + off; }

static double elapsed(const struct bench_ctx *c) { return (bench_now_ns() - c->t_start) / 1e9; }

static void progress(void *arg, unsigned round, unsigned rounds)
{
    struct bench_ctx *c = arg;
    if (c->tty) {
        fprintf(stderr, "\r\033[K[%s %zu/%zu] %s  round %u/%u  %.0f s", c->sec, c->idx, c->total,
                c->point, round, rounds, elapsed(c));
        fflush(stderr);
    } else if (round == rounds && elapsed(c) - c->t_last_note >= 15.0) {
        c->t_last_note = elapsed(c);
        fprintf(stderr, "vmmem-bench: %s %zu/%zu (%s), %.0f s\n", c->sec, c->idx, c->total,
                c->point, elapsed(c));
    }
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

static size_t copy_sizes(size_t *v, const size_t *src, size_t n)
{
    memcpy(v, src, n * sizeof *v);
    return n;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Hot: every size 1-256 B, then 257 B-16 KiB, the L2 range, 1-4 MiB, the
 * L3 range, and 64 and 256 MiB (beyond the L3). */
static size_t default_hot_sizes(size_t *v, int quick)
{
    static const size_t q[] = {1,     7,     15,    16,      64,      128,     129,
                               256,   1000,  4096,  16384,   65536,   1 * MiB, 4 * MiB,
                               64 * MiB};
    static const size_t mid[] = {257,  288,  320,  384,  448,   512,   640,
                                 768,  896,  1000, 1024, 1500,  2048,  3000,
                                 4096, 6000, 8192, 12288, 16384};
    static const size_t big[] = {32 * KiB, 64 * KiB, 128 * KiB, 256 * KiB, 512 * KiB,
                                 1 * MiB,  2 * MiB,  3 * MiB,   4 * MiB,   8 * MiB,
                                 16 * MiB, 32 * MiB, 64 * MiB,  256 * MiB};
    if (quick)
        return copy_sizes(v, q, COUNT(q));
    size_t n = 0;
    for (size_t s = 1; s <= 256; s++)
        v[n++] = s;
    n += copy_sizes(v + n, mid, COUNT(mid));
    n += copy_sizes(v + n, big, COUNT(big));
    return n;
}

static size_t default_cold_sizes(size_t *v, int quick)
{
    static const size_t full[] = {64, 4096, 16 * KiB, 1 * MiB, 4 * MiB, 64 * MiB, 256 * MiB};
    static const size_t q[] = {4096, 64 * MiB};
    return quick ? copy_sizes(v, q, COUNT(q)) : copy_sizes(v, full, COUNT(full));
}

static size_t default_align_sizes(size_t *v, int quick)
{
    static const size_t full[] = {8, 31, 64, 256, 1000, 4096, 16384, 65536, 1 * MiB};
    static const size_t q[] = {64, 4096};
    return quick ? copy_sizes(v, q, COUNT(q)) : copy_sizes(v, full, COUNT(full));
}

/* Rounds per point: many where a round is short, fewer where one call
 * takes milliseconds. --rounds overrides all. */
static unsigned rounds_for(const struct bench_ctx *c, size_t size, int mix)
{
    if (c->opt.rounds)
        return c->opt.rounds;
    if (c->opt.quick)
        return 3;
    if (mix)
        return 21;
    if (size <= 16 * KiB)
        return 15;
    if (size <= 4 * MiB)
        return 11;
    if (size <= 64 * MiB)
        return 7;
    return 5;
}

static const char *rounds_words(const struct bench_ctx *c)
{
    if (c->opt.rounds) {
        static char buf[32];
        snprintf(buf, sizeof buf, "%u", c->opt.rounds);
        return buf;
    }
    return c->opt.quick ? "3" : "21 (mixes), 15 (to 16 KiB), 11 (to 4 MiB), 7 (to 64 MiB), 5";
}

static double batch_ns_for(const struct bench_ctx *c, size_t size)
{
    if (c->opt.batch_us)
        return c->opt.batch_us * 1000.0;
    if (c->opt.quick)
        return 20e3;
    return size <= 16 * KiB ? 100e3 : 1000e3;
}

/* The implementations that run on this workload, and each one's baseline. */
static size_t pick_impls(struct bench_ctx *c, size_t size, int mix, struct bench_impl **out,
                         size_t *ref)
{
    size_t n = 0;
    for (size_t i = 0; i < c->reg.n; i++) {
        struct bench_impl *m = &c->reg.impl[i];
        if (!m->selected)
            continue;
        if (mix ? m->min_size > 0 : (size < m->min_size || size > m->max_size))
            continue;
        out[n++] = m;
    }
    for (size_t i = 0; i < n; i++) {
        ref[i] = i;
        for (size_t k = 0; k < n; k++)
            if (out[k]->role == BENCH_ROLE_REFERENCE && out[k]->mode == out[i]->mode)
                ref[i] = k;
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

/* Checks every copy function once (the modes share them); marks wrong[]. */
static void verify_all(struct bench_ctx *c, struct bench_impl **impls, size_t n, int *wrong,
                       unsigned char *dst, const unsigned char *src, size_t size, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (!bench_role_is_copy(impls[i]->role))
            continue;
        size_t k = 0;
        while (k < i && impls[k]->fn != impls[i]->fn)
            k++;
        if (k < i) {
            wrong[i] = wrong[k];
            continue;
        }
        if (!verify(impls[i]->fn, dst, src, size)) {
            wrong[i] = 1;
            c->wrong = 1;
            progress_clear(c);
            fprintf(stderr, "vmmem-bench: WRONG RESULT: %s copying %zu bytes (%s)\n",
                    impls[i]->name, size, what);
        }
    }
}

struct point_desc {
    const char *section, *variant;
    size_t size, ws;
    unsigned src_off, dst_off;
    int mix;
};

static int record(struct bench_ctx *c, struct bench_workload *w, const struct point_desc *p,
                  const int *wrong)
{
    struct bench_impl *impls[BENCH_MAX_IMPLS];
    size_t ref[BENCH_MAX_IMPLS];
    size_t n = pick_impls(c, p->size, p->mix, impls, ref);
    if (!n)
        return 0;
    struct bench_measurement ms[BENCH_MAX_IMPLS];
    struct bench_measure_cfg cfg = {rounds_for(c, p->size, p->mix), batch_ns_for(c, p->size)};
    uint64_t seed = c->opt.seed + 0x9E3779B9ull * ++c->points;
    if (bench_measure_refs(w, impls, n, ref, &cfg, seed, ms, progress, c))
        return -1;
    size_t first = c->results.n;
    for (size_t i = 0; i < n; i++) {
        struct bench_result x;
        memset(&x, 0, sizeof x);
        x.mode = impls[i]->mode;
        snprintf(x.section, sizeof x.section, "%s", p->section);
        snprintf(x.variant, sizeof x.variant, "%s", p->variant);
        x.size = p->size;
        x.ws_bytes = p->ws;
        x.mean_bytes = w->bytes_per_call;
        x.src_off = p->src_off;
        x.dst_off = p->dst_off;
        snprintf(x.impl, sizeof x.impl, "%s", impls[i]->name);
        x.role = impls[i]->role;
        x.flags = impls[i]->flags;
        x.ns_per_call = ms[i].ns_median;
        x.ns_best = ms[i].ns_best;
        x.gbps = ms[i].ns_median > 0 ? w->bytes_per_call / ms[i].ns_median : NAN;
        x.ratio = ms[i].ratio;
        x.ratio_q1 = ms[i].ratio_q1;
        x.ratio_q3 = ms[i].ratio_q3;
        x.rounds = ms[i].rounds;
        x.reruns = ms[i].reruns;
        x.iters = ms[i].iters;
        x.wrong = wrong ? wrong[i] : 0;
        if (bench_results_push(&c->results, &x))
            return -1;
    }
    bench_results_fill_limits(&c->results, first);
    return 0;
}

/* A fixed-size point: check each copy, then measure. */
static int run_fixed(struct bench_ctx *c, const char *section, const struct align_case *ac,
                     size_t size)
{
    struct bench_impl *impls[BENCH_MAX_IMPLS];
    size_t ref[BENCH_MAX_IMPLS];
    int wrong[BENCH_MAX_IMPLS] = {0};
    size_t n = pick_impls(c, size, 0, impls, ref);
    unsigned char *src = src_at(c, ac->src_off), *dst = dst_at(c, ac->dst_off);
    if (size <= VERIFY_MAX)
        verify_all(c, impls, n, wrong, dst, src, size, ac->name);
    struct bench_workload w;
    memset(&w, 0, sizeof w);
    w.kind = BENCH_WL_FIXED;
    w.src = src;
    w.dst = dst;
    w.size = size;
    w.bytes_per_call = (double)size;
    struct point_desc p = {section, ac->name, size, 0, ac->src_off, ac->dst_off, 0};
    return record(c, &w, &p, wrong);
}

static void section_start(struct bench_ctx *c, const char *sec, size_t total)
{
    c->sec = sec;
    c->total = total;
    c->idx = 0;
    if (!c->tty)
        fprintf(stderr, "vmmem-bench: %s section: %zu points (%.0f s so far)\n", sec, total,
                elapsed(c));
}

static void print_section(struct bench_ctx *c, const char *title, size_t first, int limits)
{
    progress_clear(c);
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        if (!(c->opt.modes & (1u << mode)))
            continue;
        printf("\n== %s -- calling mode %s ==\n", title, bench_mode_name(mode));
        printf("   time ratio to glibc memcpy, each the median over rounds of (ns / glibc ns) "
               "in the same round; < 1 = faster;\n   '~' = the rounds disagreed (the ratio of "
               "the medians differs by > 5 %%); limit = the fastest store-only method\n");
        bench_print_matrix(stdout, &c->results, first, c->results.n, mode);
        if (limits) {
            printf("\n   from 1 MiB: GB/s of the store limit and of the best copy method "
                   "measured, and each copy as %% of the best copy method\n");
            bench_print_limits(stdout, &c->results, first, c->results.n, mode);
        }
    }
    fflush(stdout);
}

static int run_hot(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    section_start(c, "hot", ns);
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        char label[32];
        c->idx = i + 1;
        c->point = bench_format_size(sizes[i], label, sizeof label);
        if (run_fixed(c, "hot", &ALIGNED, sizes[i]))
            return -1;
    }
    print_section(c, "hot: fixed sizes, the same buffers every call (src at page offset 0, dst "
                     "at 2048)",
                  first, 1);
    return 0;
}

static int run_align(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    section_start(c, "align", ns * N_MISALIGNED);
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        for (size_t k = 0; k < N_MISALIGNED; k++) {
            char label[64], sz[24];
            snprintf(label, sizeof label, "%s %s", bench_format_size(sizes[i], sz, sizeof sz),
                     MISALIGNED[k].name);
            c->idx = i * N_MISALIGNED + k + 1;
            c->point = label;
            if (run_fixed(c, "align", &MISALIGNED[k], sizes[i]))
                return -1;
        }
    }
    print_section(c, "align: misaligned and 4 KiB-aliased buffers (offsets within the page; "
                     "aligned = src 0, dst 2048, in the hot section; 4k-alias = both 0)",
                  first, 0);
    return 0;
}

static int run_cold(struct bench_ctx *c, const size_t *sizes, size_t ns)
{
    section_start(c, "cold", ns);
    size_t first = c->results.n;
    for (size_t i = 0; i < ns; i++) {
        char label[32];
        c->idx = i + 1;
        c->point = bench_format_size(sizes[i], label, sizeof label);
        struct bench_workload w;
        if (sizes[i] >= EVICT_FROM) {
            memset(&w, 0, sizeof w);
            w.kind = BENCH_WL_EVICT;
            w.src = src_at(c, 0);
            w.dst = dst_at(c, DST_BASE_OFF);
            w.size = sizes[i];
            w.evict = c->evict;
            w.evict_bytes = c->evict_bytes;
            w.bytes_per_call = (double)sizes[i];
        } else {
            bench_workload_cold(&w, src_at(c, 0), dst_at(c, DST_BASE_OFF), c->arena, sizes[i]);
        }
        struct point_desc p = {"cold", "aligned", sizes[i], 0, 0, DST_BASE_OFF, 0};
        if (record(c, &w, &p, NULL))
            return -1;
    }
    char title[300], from[24], arena[24], sweep[24];
    bench_format_size(EVICT_FROM, from, sizeof from);
    bench_format_size(c->arena, arena, sizeof arena);
    bench_format_size(c->evict_bytes, sweep, sizeof sweep);
    snprintf(title, sizeof title,
             "cold: fixed sizes, src and dst in no cache (below %s each call at a pseudo-random "
             "slot of two %s arenas; from %s the caches are swept, untimed, by reading %s "
             "before each call)",
             from, arena, from, sweep);
    print_section(c, title, first, 1);
    return 0;
}

/* The sizes and offsets of a mix: ops[k] for k < count. Returns the mean size. */
static double make_mix(const struct bench_dist *d, size_t ws, uint64_t seed, bench_op *ops,
                       size_t count)
{
    uint64_t rng = seed;
    double total = 0;
    for (size_t k = 0; k < count; k++) {
        size_t sz = bench_dist_sample(d, &rng);
        size_t so = (size_t)bench_rng_below(&rng, ws - sz + 1);
        size_t dof = (size_t)bench_rng_below(&rng, ws - sz + 1);
        ops[k] = bench_op_pack(sz, so, dof);
        total += (double)sz;
    }
    return total / (double)count;
}

static int run_mixes(struct bench_ctx *c)
{
    static const size_t ws_list[] = {MIX_WS_LARGE, MIX_WS_L1};
    section_start(c, "mix", c->n_dists * COUNT(ws_list));
    size_t first = c->results.n;
    bench_op *ops = malloc(c->opt.mix_ops * sizeof *ops);
    if (!ops)
        return -1;
    printf("\n== mixes: sizes drawn from each distribution (%zu calls pre-generated), random "
           "src and dst byte offsets in two working sets ==\n",
           c->opt.mix_ops);
    for (size_t i = 0; i < c->n_dists; i++) {
        const struct bench_dist *d = &c->dists[i];
        for (size_t k = 0; k < COUNT(ws_list); k++) {
            size_t ws = ws_list[k];
            char wsl[24], label[96];
            c->idx = i * COUNT(ws_list) + k + 1;
            if (ws < 2 * d->max_size) {
                printf("   %s: no %s working set (its largest size, %zu B, needs twice that)\n",
                       d->name, bench_format_size(ws, wsl, sizeof wsl), d->max_size);
                continue;
            }
            double mean = make_mix(d, ws, c->opt.seed ^ (0x1234567ull * (i + 1)), ops,
                                   c->opt.mix_ops);
            printf("   %s, 2 x %s: mean %.1f B (drawn %.1f B), P(<= 32 B) = %.0f %%, P(<= 128 B) "
                   "= %.0f %%, largest %zu B\n",
                   d->name, bench_format_size(ws, wsl, sizeof wsl), d->mean, mean,
                   100.0 * bench_dist_cdf_at(d, 32), 100.0 * bench_dist_cdf_at(d, 128),
                   d->max_size);
            snprintf(label, sizeof label, "%s %s", d->name, wsl);
            c->point = label;
            struct bench_workload w;
            memset(&w, 0, sizeof w);
            w.kind = BENCH_WL_OPS;
            w.src = src_at(c, 0);
            w.dst = dst_at(c, 0);
            w.ops = ops;
            w.ops_mask = c->opt.mix_ops - 1;
            w.bytes_per_call = mean;
            struct point_desc p = {"mix", d->name, 0, ws, 0, 0, 1};
            if (record(c, &w, &p, NULL)) {
                free(ops);
                return -1;
            }
        }
    }
    free(ops);
    print_section(c, "mixes: random sizes at random offsets (ratio per mix; limit = the "
                     "fastest store-only method on the same sequence)",
                  first, 0);
    return 0;
}

/* The shipped mixes: $VMMEM_BENCH_DISTS, the source tree, or the
 * installed copy. */
static int load_default_dists(struct bench_ctx *c, char *err, size_t errlen)
{
    static const char *const files[] = {"small-heavy.txt", "network-virtio.txt",
                                        "storage-512-64k.txt", "uniform-0-4096.txt"};
    const char *dirs[] = {getenv("VMMEM_BENCH_DISTS"), VMMEM_BENCH_DIST_DIR,
                          VMMEM_BENCH_DIST_INSTALL_DIR};
    for (size_t d = 0; d < COUNT(dirs); d++) {
        if (!dirs[d] || !*dirs[d])
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dirs[d], files[0]);
        if (access(path, R_OK) != 0)
            continue;
        for (size_t f = 0; f < COUNT(files); f++) {
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

/* Starts vmmem_memcpy_parallel()'s worker threads before this thread pins
 * itself to one CPU: threads inherit the creator's CPU mask, and workers
 * confined to the benchmark's CPU could not run in parallel. */
static void start_parallel_pool(void)
{
    size_t n = (size_t)bench_parallel_threads * 2 * MiB;
    unsigned char *src = calloc(1, n), *dst = calloc(1, n);
    if (src && dst)
        vmmem_memcpy_parallel(dst, src, n, bench_parallel_threads);
    free(src);
    free(dst);
}

static void print_impls(const struct bench_registry *r, unsigned modes)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_impl *m = &r->impl[i];
        if (m->mode != BENCH_MODE_POINTER)
            continue;
        char in[64] = "";
        size_t used = 0;
        for (size_t k = 0; k < r->n; k++)
            if (!strcmp(r->impl[k].name, m->name) && (modes & (1u << r->impl[k].mode)) &&
                used < sizeof in)
                used += (size_t)snprintf(in + used, sizeof in - used, "%s%s", used ? "," : "",
                                         bench_mode_name(r->impl[k].mode));
        printf("  %-18s %-8s %-24s %s%s%s\n", m->name, m->available ? "runs" : "skipped", in,
               m->desc, m->available ? "" : " -- ", m->available ? "" : m->why_not);
    }
}

static int write_file(const char *path, const char *what, int (*fn)(FILE *, void *), void *arg)
{
    FILE *f = fopen(path, "w");
    if (!f || fn(f, arg) || fclose(f)) {
        fprintf(stderr, "vmmem-bench: cannot write %s\n", path);
        return -1;
    }
    printf("%s: %s\n", what, path);
    return 0;
}

struct outputs {
    struct bench_ctx *c;
    struct bench_run_info *run;
    struct bench_summary_row *rows;
    size_t nrows;
    struct bench_checks *checks;
};

static int out_csv(FILE *f, void *a) { return bench_write_csv(f, &((struct outputs *)a)->c->results); }
static int out_summary_csv(FILE *f, void *a)
{
    struct outputs *o = a;
    return bench_write_summary_csv(f, o->rows, o->nrows);
}
static int out_json(FILE *f, void *a)
{
    struct outputs *o = a;
    return bench_write_json(f, &o->c->machine, o->run, &o->c->reg, &o->c->results, o->rows,
                            o->nrows, o->checks);
}
static int out_md(FILE *f, void *a)
{
    struct outputs *o = a;
    return bench_write_markdown(f, &o->c->machine, o->run, o->rows, o->nrows, o->checks);
}

/* Reads the distribution files (before anything is measured). */
static int load_dists(struct bench_ctx *c)
{
    char err[2048];
    if (!(c->opt.sections & BENCH_SEC_MIX))
        return 0;
    for (size_t i = 0; i < c->opt.n_dists; i++) {
        if (bench_dist_load(c->opt.dists[i], &c->dists[c->n_dists], err, sizeof err)) {
            fprintf(stderr, "vmmem-bench: bad distribution file: %s\n", err);
            return -1;
        }
        c->n_dists++;
    }
    if (!c->opt.n_dists && load_default_dists(c, err, sizeof err) < 0) {
        fprintf(stderr, "vmmem-bench: bad distribution file: %s\n", err);
        return -1;
    }
    return 0;
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
    if (bench_registry_select(&c->reg, (const char(*)[32])c->opt.impls, c->opt.n_impls,
                              c->opt.modes, err, sizeof err, note, sizeof note)) {
        fprintf(stderr, "vmmem-bench: %s\n", err);
        return 2;
    }
    if (c->opt.list) {
        printf("Implementations in this build (and the calling modes each runs in):\n");
        print_impls(&c->reg, BENCH_MODES_ALL);
        return 0;
    }
    if (load_dists(c))
        return 2;
    if (!c->opt.mix_ops)
        c->opt.mix_ops = c->opt.quick ? MIX_OPS_QUICK : MIX_OPS_DEFAULT;

    c->tty = isatty(2);
    c->t_start = bench_now_ns();
    bench_machine_collect(&c->machine);
    start_parallel_pool();
    bench_machine_pin(&c->machine, c->opt.pin, c->opt.cpu);

    /* Sizes per section. */
    static size_t hot[BENCH_MAX_SIZES + 1024], cold[BENCH_MAX_SIZES], align[BENCH_MAX_SIZES];
    size_t n_hot, n_cold, n_align;
    if (c->opt.n_sizes) {
        n_hot = sort_unique(memcpy(hot, c->opt.sizes, c->opt.n_sizes * sizeof *hot),
                            c->opt.n_sizes);
        n_cold = copy_sizes(cold, hot, n_hot);
        n_align = copy_sizes(align, hot, n_hot);
    } else {
        n_hot = default_hot_sizes(hot, c->opt.quick);
        n_cold = default_cold_sizes(cold, c->opt.quick);
        n_align = default_align_sizes(align, c->opt.quick);
    }
    unsigned sec = c->opt.sections;
    if (!(sec & BENCH_SEC_HOT))
        n_hot = 0;
    if (!(sec & BENCH_SEC_COLD))
        n_cold = 0;
    if (!(sec & BENCH_SEC_ALIGN))
        n_align = 0;

    /* One pair of buffers for everything: the largest fixed size, the cold
     * arena, the mixes' working sets. */
    size_t need = 2 * MIX_WS_LARGE;
    for (size_t i = 0; i < n_hot; i++)
        need = hot[i] > need ? hot[i] : need;
    for (size_t i = 0; i < n_align; i++)
        need = align[i] > need ? align[i] : need;
    int any_evict = 0;
    for (size_t i = 0; i < n_cold; i++) {
        need = cold[i] > need ? cold[i] : need;
        any_evict |= cold[i] >= EVICT_FROM;
    }
    c->arena = 64 * MiB;
    while (c->arena < need)
        c->arena <<= 1;
    need = c->arena;
    c->map_bytes = need + LEAD_PAD + 2 * 4096;
    c->map_src = map_buffer(c->map_bytes);
    c->map_dst = map_buffer(c->map_bytes);
    c->evict_bytes = 4 * c->machine.l3 > EVICT_MIN_BYTES ? 4 * c->machine.l3 : EVICT_MIN_BYTES;
    if (c->evict_bytes > EVICT_MAX_BYTES)
        c->evict_bytes = EVICT_MAX_BYTES;
    if (any_evict)
        c->evict = map_buffer(c->evict_bytes);
    if (!c->map_src || !c->map_dst || (any_evict && !c->evict)) {
        fprintf(stderr, "vmmem-bench: cannot map 2 x %zu MiB (+ %zu MiB): %s\n",
                c->map_bytes >> 20, c->evict_bytes >> 20, strerror(errno));
        return 1;
    }
    /* Touch every page now, so no measurement pays for page faults. */
    fill_pattern(c->map_src, c->map_bytes);
    memset(c->map_dst, 0, c->map_bytes);
    if (c->evict)
        fill_pattern(c->evict, c->evict_bytes);

    const char *commit = c->opt.commit ? c->opt.commit : VMMEM_BENCH_CONFIGURE_COMMIT;
    printf("vmmem-bench (libvmmem %d.%d.%d) -- the neutral memcpy benchmark, commit %s\n",
           VMMEM_VERSION_MAJOR, VMMEM_VERSION_MINOR, VMMEM_VERSION_PATCH, commit);
    bench_machine_print(stdout, &c->machine);
    printf("call loops -fno-builtin (call), -fno-builtin -fno-plt (call-noplt); DPDK %s\n",
           VMMEM_BENCH_DPDK_STATUS);
    printf("method     every point: all implementations of all modes interleaved, a batch each "
           "per round (>= %.0f us to 16 KiB, %.0f us beyond),\n"
           "           in an order shuffled afresh every round; rounds: %s.\n"
           "           ratio = median over rounds of (implementation ns / glibc memcpy ns in "
           "the same round and mode): a time ratio, < 1 = faster.\n"
           "           A/A = glibc memcpy timed against itself (tolerance +-%.0f %%). Limits at "
           "each point: the fastest store-only method, and from\n"
           "           1 MiB the fastest copy method (copy loops, rep movsb); throughput: "
           "calls back to back\n",
           batch_ns_for(c, 1) / 1000.0, batch_ns_for(c, MiB) / 1000.0, rounds_words(c),
           100.0 * c->opt.aa_tol);
    printf("modes:\n");
    for (int m = 0; m < BENCH_MODE_COUNT; m++)
        if (c->opt.modes & (1u << m))
            printf("  %-10s %s\n", bench_mode_name(m), bench_mode_desc(m));
    printf("resolved (pointer mode):\n");
    for (size_t i = 0; i < c->reg.n_where; i++)
        printf("  %s\n", c->reg.where[i]);
    printf("implementations (modes they run in):\n");
    print_impls(&c->reg, c->opt.modes);
    if (note[0])
        printf("note: %s\n", note);
    if ((sec & BENCH_SEC_MIX) && !c->n_dists)
        printf("note: mix section skipped: shipped distribution files not found "
               "(set VMMEM_BENCH_DISTS or use --dist FILE)\n");
    fflush(stdout);

    int rc = 0;
    if (n_hot && run_hot(c, hot, n_hot))
        rc = 1;
    if (!rc && (sec & BENCH_SEC_MIX) && c->n_dists && run_mixes(c))
        rc = 1;
    if (!rc && n_align && run_align(c, align, n_align))
        rc = 1;
    if (!rc && n_cold && run_cold(c, cold, n_cold))
        rc = 1;
    progress_clear(c);
    if (rc) {
        fprintf(stderr, "vmmem-bench: out of memory\n");
        return 1;
    }

    struct bench_summary_row *rows = NULL;
    size_t nrows = bench_summarize(&c->results, &rows);
    if (nrows == (size_t)-1) {
        fprintf(stderr, "vmmem-bench: out of memory\n");
        return 1;
    }
    struct bench_checks checks;
    memset(&checks, 0, sizeof checks);
    checks.aa_tol = c->opt.aa_tol;
    bench_check(&c->results, rows, nrows, &checks);
    for (int m = 0; m < BENCH_MODE_COUNT; m++) {
        if (!(c->opt.modes & (1u << m)))
            continue;
        printf("\n== summary, calling mode %s: time ratio to glibc memcpy per class ==\n"
               "   geometric mean over the class's points of each point's median per-round "
               "ratio [lowest-highest point]; < 1 = faster\n",
               bench_mode_name(m));
        bench_print_summary(stdout, rows, nrows, m);
    }
    for (int m = 0; m < BENCH_MODE_COUNT; m++) {
        if (!(c->opt.modes & (1u << m)))
            continue;
        printf("\n== every implementation, calling mode %s: geometric mean per class of the "
               "time ratio to glibc memcpy ==\n",
               bench_mode_name(m));
        bench_print_summary_all(stdout, rows, nrows, m);
    }
    printf("\n== checks ==\n");
    bench_print_checks(stdout, &checks, c->opt.modes);
    double secs = elapsed(c);
    printf("\nelapsed %.1f s\n", secs);

    char command[4096];
    size_t used = 0;
    command[0] = '\0';
    for (int i = 0; i < argc && used < sizeof command; i++)
        used += (size_t)snprintf(command + used, sizeof command - used, "%s%s", i ? " " : "",
                                 argv[i]);
    struct bench_run_info run = {command,          commit,        c->opt.quick,
                                 c->opt.modes,     batch_ns_for(c, 1) / 1000.0,
                                 secs,             (unsigned long long)c->opt.seed,
                                 c->opt.mix_ops,   rounds_words(c)};
    struct outputs o = {c, &run, rows, nrows, &checks};
    if (c->opt.csv_path && write_file(c->opt.csv_path, "csv", out_csv, &o))
        rc = 1;
    if (c->opt.summary_csv_path &&
        write_file(c->opt.summary_csv_path, "summary csv", out_summary_csv, &o))
        rc = 1;
    if (c->opt.json_path && write_file(c->opt.json_path, "json", out_json, &o))
        rc = 1;
    if (c->opt.md_path && write_file(c->opt.md_path, "markdown", out_md, &o))
        rc = 1;
    if (c->opt.plot_prefix) {
        char msg[4200];
        if (bench_plot_write(c->opt.plot_prefix, &c->results, &c->machine, commit, c->opt.modes,
                             msg, sizeof msg) < 0) {
            printf("plot: not written: %s\n", msg);
        } else {
            int prc = bench_plot_run(c->opt.plot_prefix, msg, sizeof msg);
            printf("%s%s\n", prc > 0 ? "plot: " : "", msg);
            if (prc < 0)
                rc = 1;
        }
    }
    free(rows);
    for (size_t i = 0; i < c->n_dists; i++)
        bench_dist_free(&c->dists[i]);
    bench_results_free(&c->results);
    munmap(c->map_src, c->map_bytes);
    munmap(c->map_dst, c->map_bytes);
    if (c->evict)
        munmap(c->evict, c->evict_bytes);
    if (c->wrong) {
        fprintf(stderr, "vmmem-bench: at least one implementation copied wrongly (marked '!')\n");
        return 3;
    }
    return rc;
}
