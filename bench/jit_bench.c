/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/jit_bench.c - vmmem-jit-bench: per-call cost of a JIT-emitted copy
 * of a constant size against calling vmmem_memcpy_fast() and glibc memcpy,
 * for every size 1..max (default 1024), to find where inlining stops paying.
 *
 * Every path is one call through a function pointer with the size fixed for
 * the run: `jit-<isa>` is a vmmem_jit_build_copy_fn() function forced to
 * inline (threshold = the ISA's limit), `jit-call` the register-preserving
 * call sequence of vmmem_jit_emit_copy() (what a JIT pays above the
 * threshold) wrapped in a function, `vmmem-fast` and `glibc-memcpy` the
 * library calls with n in a register. Rounds are interleaved (every size and
 * path once per round, paths in rotating order); each figure is the median
 * over rounds of the ns per call in one batch. Output: a table of selected
 * sizes, the crossover per ISA, CSV (--csv) and a gnuplot plot (--plot). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmmem/vmmem.h>

#include "bench_machine.h"
#include "bench_plot.h"
#include "bench_stats.h"

#define DEFAULT_MAX_SIZE 1024
#define DEFAULT_ROUNDS 15
#define DEFAULT_CALLS 1000   /* calls per timed batch: ~1-50 us, far above the timer cost */
#define QUICK_ROUNDS 3
#define QUICK_CALLS 50
#define MAX_PATHS 8
#define BUFFER_BYTES 8192    /* src and dst, hot in L1 */
#define CODE_BYTES (1u << 22) /* room for every function: 1024 sizes x 4 ISAs x <= 512 B */

typedef void *(*libcall_fn)(void *, const void *, size_t);

typedef struct path {
    char name[24];
    vmmem_jit_copy_n_fn *jit; /* per size (index n), or NULL for a library call */
    libcall_fn lib;
    size_t inline_limit; /* jit-<isa> paths: sizes above it tail-call the engine */
} path;

typedef struct config {
    size_t max_size;
    unsigned rounds, calls;
    const char *csv, *plot;
} config;

static void usage(FILE *f)
{
    fprintf(f, "usage: vmmem-jit-bench [--quick] [--max-size N] [--rounds R] [--calls C]\n"
               "                       [--csv FILE] [--plot PREFIX]\n");
}

static int parse_args(int argc, char **argv, config *c)
{
    *c = (config){DEFAULT_MAX_SIZE, DEFAULT_ROUNDS, DEFAULT_CALLS, NULL, NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            c->rounds = QUICK_ROUNDS;
            c->calls = QUICK_CALLS;
        } else if (strcmp(a, "--max-size") == 0 && v) {
            c->max_size = strtoul(v, NULL, 0), i++;
        } else if (strcmp(a, "--rounds") == 0 && v) {
            c->rounds = (unsigned)strtoul(v, NULL, 0), i++;
        } else if (strcmp(a, "--calls") == 0 && v) {
            c->calls = (unsigned)strtoul(v, NULL, 0), i++;
        } else if (strcmp(a, "--csv") == 0 && v) {
            c->csv = v, i++;
        } else if (strcmp(a, "--plot") == 0 && v) {
            c->plot = v, i++;
        } else if (strcmp(a, "--help") == 0) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "vmmem-jit-bench: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return -1;
        }
    }
    if (c->max_size == 0 || c->max_size > BUFFER_BYTES / 2 || c->rounds == 0 || c->calls == 0) {
        fprintf(stderr, "vmmem-jit-bench: max size must be 1..%d, rounds and calls > 0\n", BUFFER_BYTES / 2);
        return -1;
    }
    return 0;
}

/* glibc memcpy through a pointer the compiler cannot see through. */
static libcall_fn volatile glibc_memcpy = memcpy;

/* Builds one function per size 1..max for options opt; returns the table or NULL. */
static vmmem_jit_copy_n_fn *build_all(vmmem_jit_buffer *buf, size_t max, const vmmem_jit_options *opt,
                                      int call_sequence)
{
    vmmem_jit_copy_n_fn *fns = calloc(max + 1, sizeof *fns);
    if (!fns)
        return NULL;
    for (size_t n = 1; n <= max; n++) {
        int rc;
        if (call_sequence) { /* emitted call sequence + ret, as a JIT would place it in a block */
            vmmem_jit_code code;
            rc = vmmem_jit_buffer_open(buf, &code);
            size_t entry = code.length;
            if (rc == VMMEM_OK)
                rc = vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, n, opt);
            if (rc == VMMEM_OK && code.length < code.capacity)
                code.start[code.length++] = 0xC3; /* ret */
            if (rc == VMMEM_OK)
                rc = vmmem_jit_buffer_seal(buf, &code);
            const void *p = vmmem_jit_buffer_code(buf, entry);
            memcpy(&fns[n], &p, sizeof p);
        } else {
            rc = vmmem_jit_build_copy_fn(buf, n, opt, &fns[n]);
        }
        if (rc != VMMEM_OK) {
            fprintf(stderr, "vmmem-jit-bench: building the copy of %zu bytes: %s\n", n, vmmem_strerror(rc));
            free(fns);
            return NULL;
        }
    }
    return fns;
}

/* ns per call of one batch. */
static double time_batch(const path *p, size_t n, unsigned calls, unsigned char *dst, const unsigned char *src)
{
    double t0 = bench_now_ns();
    if (p->jit) {
        vmmem_jit_copy_n_fn f = p->jit[n];
        for (unsigned i = 0; i < calls; i++) {
            f(dst, src);
            __asm__ volatile("" ::: "memory");
        }
    } else {
        libcall_fn f = p->lib;
        for (unsigned i = 0; i < calls; i++) {
            f(dst, src, n);
            __asm__ volatile("" ::: "memory");
        }
    }
    return (bench_now_ns() - t0) / calls;
}

static void write_csv(const char *file, const path *paths, size_t np, const double *med, size_t max)
{
    FILE *f = fopen(file, "w");
    if (!f) {
        perror(file);
        return;
    }
    fprintf(f, "size");
    for (size_t p = 0; p < np; p++)
        fprintf(f, ",%s_ns", paths[p].name);
    fprintf(f, "\n");
    for (size_t n = 1; n <= max; n++) {
        fprintf(f, "%zu", n);
        for (size_t p = 0; p < np; p++)
            fprintf(f, ",%.3f", med[n * MAX_PATHS + p]);
        fprintf(f, "\n");
    }
    fclose(f);
    printf("csv: %s\n", file);
}

static void write_plot(const char *prefix, const char *csv, const path *paths, size_t np, size_t max)
{
    char gp[4096];
    snprintf(gp, sizeof gp, "%s.gp", prefix);
    FILE *f = fopen(gp, "w");
    if (!f) {
        perror(gp);
        return;
    }
    fprintf(f, "set datafile separator ','\nset key top left\nset grid\nset xrange [0:%zu]\n"
               "set xlabel 'copy size (bytes, constant per run)'\nset ylabel 'ns per call (median)'\n"
               "set title 'JIT-emitted copy vs vmmem_memcpy_fast vs glibc memcpy (vmmem-jit-bench)'\n",
            max);
    for (int svg = 0; svg < 2; svg++) {
        fprintf(f, svg ? "set terminal svg size 1400,800 dynamic noenhanced font 'sans,10'\nset output '%s.svg'\n"
                       : "set terminal pngcairo size 1400,800 noenhanced font ',10'\nset output '%s.png'\n",
                prefix);
        fprintf(f, "plot ");
        for (size_t p = 0; p < np; p++)
            fprintf(f, "%s'%s' using 1:%zu with lines title '%s'", p ? ", " : "", csv, p + 2, paths[p].name);
        fprintf(f, "\n");
    }
    fprintf(f, "unset output\n");
    fclose(f);
    char msg[512];
    bench_plot_run(prefix, msg, sizeof msg);
    printf("%s\n", msg);
}

/* Largest n such that the jit path beat both library calls at every size
 * 1..n; 0 if it lost at 1 B already. */
static size_t crossover(const double *med, size_t jit, size_t fast, size_t glibc, size_t max)
{
    for (size_t n = 1; n <= max; n++) {
        double j = med[n * MAX_PATHS + jit];
        if (!(j < med[n * MAX_PATHS + fast] && j < med[n * MAX_PATHS + glibc]))
            return n - 1;
    }
    return max;
}

int main(int argc, char **argv)
{
    config cfg;
    if (parse_args(argc, argv, &cfg) != 0)
        return 2;
    struct bench_machine m;
    bench_machine_collect(&m);
    bench_machine_pin(&m, 1, -1);
    bench_machine_print(stdout, &m);

    vmmem_jit_buffer *buf;
    if (vmmem_jit_buffer_create(CODE_BYTES, &buf) != VMMEM_OK) {
        fprintf(stderr, "vmmem-jit-bench: no code buffer\n");
        return 1;
    }
    path paths[MAX_PATHS];
    size_t np = 0;
    const vmmem_isa isas[] = {VMMEM_ISA_GENERIC, VMMEM_ISA_SSE2, VMMEM_ISA_AVX2, VMMEM_ISA_AVX512};
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        vmmem_jit_options opt;
        if (vmmem_jit_isa_options(isas[i], &opt) != VMMEM_OK)
            continue;
        opt.inline_max = vmmem_jit_inline_limit(isas[i]);
        path *p = &paths[np++];
        snprintf(p->name, sizeof p->name, "jit-%s", vmmem_isa_name(isas[i]));
        p->lib = NULL;
        p->inline_limit = opt.inline_max;
        if (!(p->jit = build_all(buf, cfg.max_size, &opt, 0)))
            return 1;
    }
    vmmem_jit_options call_opt;
    if (vmmem_jit_default_options(&call_opt) != VMMEM_OK)
        return 1;
    call_opt.inline_max = 0; /* every size through the call sequence */
    path *pc = &paths[np++];
    snprintf(pc->name, sizeof pc->name, "jit-call");
    pc->lib = NULL;
    pc->inline_limit = 0;
    if (!(pc->jit = build_all(buf, cfg.max_size, &call_opt, 1)))
        return 1;
    size_t fast = np, glibc = np + 1;
    paths[np++] = (path){"vmmem-fast", NULL, vmmem_memcpy_fast, 0};
    paths[np++] = (path){"glibc-memcpy", NULL, glibc_memcpy, 0};

    unsigned char *src = aligned_alloc(64, BUFFER_BYTES), *dst = aligned_alloc(64, BUFFER_BYTES);
    double *samples = malloc(sizeof(double) * (cfg.max_size + 1) * MAX_PATHS * cfg.rounds);
    double *med = calloc((cfg.max_size + 1) * MAX_PATHS, sizeof(double));
    if (!src || !dst || !samples || !med)
        return 1;
    memset(src, 0x5A, BUFFER_BYTES);
    memset(dst, 0, BUFFER_BYTES);
    for (unsigned r = 0; r < cfg.rounds; r++)
        for (size_t n = 1; n <= cfg.max_size; n++)
            for (size_t k = 0; k < np; k++) {
                size_t p = (k + r + n) % np; /* rotate which path goes first */
                samples[((n * MAX_PATHS + p) * cfg.rounds) + r] = time_batch(&paths[p], n, cfg.calls, dst, src);
            }
    for (size_t n = 1; n <= cfg.max_size; n++)
        for (size_t p = 0; p < np; p++)
            med[n * MAX_PATHS + p] = bench_median(&samples[(n * MAX_PATHS + p) * cfg.rounds], cfg.rounds);

    printf("\nns per call, median of %u interleaved rounds of %u calls (hot buffers, src and dst 64-byte aligned)\n",
           cfg.rounds, cfg.calls);
    printf("%6s", "size");
    for (size_t p = 0; p < np; p++)
        printf(" %13s", paths[p].name);
    printf("\n");
    static const size_t shown[] = {1, 2, 4, 8, 15, 16, 31, 32, 48, 64, 100, 128, 200, 256,
                                   300, 384, 512, 640, 768, 896, 1000, 1024};
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
        size_t n = shown[i];
        if (n > cfg.max_size)
            break;
        printf("%6zu", n);
        for (size_t p = 0; p < np; p++)
            printf(" %13.2f", med[n * MAX_PATHS + p]);
        printf("\n");
    }
    printf("\nper path: sizes 1..N where it beat both vmmem-fast and glibc-memcpy at every size,\n"
           "and how many sizes in 1..%zu it beat both at\n", cfg.max_size);
    for (size_t p = 0; p < fast; p++) {
        size_t wins = 0;
        for (size_t n = 1; n <= cfg.max_size; n++)
            if (med[n * MAX_PATHS + p] < med[n * MAX_PATHS + fast] &&
                med[n * MAX_PATHS + p] < med[n * MAX_PATHS + glibc])
                wins++;
        printf("  %-12s N = %4zu   wins at %4zu of %zu sizes (inline limit %zu)\n", paths[p].name,
               crossover(med, p, fast, glibc, cfg.max_size), wins, cfg.max_size, paths[p].inline_limit);
    }
    if (cfg.csv)
        write_csv(cfg.csv, paths, np, med, cfg.max_size);
    if (cfg.plot && cfg.csv)
        write_plot(cfg.plot, cfg.csv, paths, np, cfg.max_size);
    else if (cfg.plot)
        fprintf(stderr, "vmmem-jit-bench: --plot needs --csv (the plot reads it)\n");
    for (size_t p = 0; p < fast; p++)
        free(paths[p].jit);
    free(samples);
    free(med);
    free(src);
    free(dst);
    vmmem_jit_buffer_destroy(buf);
    return 0;
}
