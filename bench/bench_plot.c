/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_plot.c - gnuplot data file and script: the time ratio to glibc
 * versus size, one panel per calling mode, a few implementations in colour
 * and the rest grey; and running gnuplot. */
#include "bench_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLOT_MAX_COLS (BENCH_MAX_IMPLS + 1)
#define PLOT_MAX_ROWS 512

/* Drawn in colour; every other implementation is grey. adaptive is dashed:
 * where it runs fast's code, fast shows through. */
static const struct { const char *impl, *color, *dash; } highlighted[] = {
    {"glibc-memcpy-aa", "#000000", "1"}, {"vmmem-fast", "#1f77b4", "1"},
    {"vmmem-adaptive", "#2ca02c", "2"},  {"rep-movsb", "#ff7f0e", "1"},
    {"rte_memcpy-avx512", "#9467bd", "1"}};
#define N_HIGHLIGHTED (sizeof highlighted / sizeof highlighted[0])
#define STORE_LIMIT_COL "store limit"

static int is_hot_aligned(const struct bench_result *x)
{
    return !strcmp(x->section, "hot") && !strcmp(x->variant, "aligned");
}

static int col_index(char (*cols)[32], int ncols, const char *name)
{
    for (int i = 0; i < ncols; i++)
        if (!strcmp(cols[i], name))
            return i;
    return -1;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Keeps a title free of the characters that end a gnuplot string. */
static void clean(char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || *s == '\'')
            *s = ' ';
}

int bench_plot_write(const char *prefix, const struct bench_results *r,
                     const struct bench_machine *m, const char *commit, unsigned modes, char *msg,
                     size_t msglen)
{
    if (strpbrk(prefix, "'\"\n")) {
        snprintf(msg, msglen, "plot prefix must not contain quotes or newlines");
        return -1;
    }
    /* Columns: the highlighted ones first, then every other copy, then the store limit. */
    static char cols[PLOT_MAX_COLS][32];
    static size_t sizes[PLOT_MAX_ROWS];
    int ncols = 0, nrows = 0;
    for (size_t k = 0; k < N_HIGHLIGHTED; k++)
        snprintf(cols[ncols++], sizeof cols[0], "%s", highlighted[k].impl);
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        if (!is_hot_aligned(x) || !(modes & (1u << x->mode)))
            continue;
        if ((x->role == BENCH_ROLE_COPY || x->role == BENCH_ROLE_AA) &&
            col_index(cols, ncols, x->impl) < 0 && ncols < PLOT_MAX_COLS - 1)
            snprintf(cols[ncols++], sizeof cols[0], "%s", x->impl);
        int seen = 0;
        for (int k = 0; k < nrows && !seen; k++)
            seen = sizes[k] == x->size;
        if (!seen && nrows < PLOT_MAX_ROWS)
            sizes[nrows++] = x->size;
    }
    if (!nrows) {
        snprintf(msg, msglen, "no hot-section results to plot");
        return -1;
    }
    int c_store = ncols;
    snprintf(cols[ncols++], sizeof cols[0], STORE_LIMIT_COL);
    qsort(sizes, (size_t)nrows, sizeof sizes[0], cmp_size);

    char path[4096];
    snprintf(path, sizeof path, "%s.dat", prefix);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# vmmem-bench: time ratio to glibc memcpy (median of per-round ratios, same "
               "mode; < 1 = faster), hot section, aligned buffers; one block per calling mode; "
               "? = not measured\n");
    int nblocks = 0;
    const char *block_mode[BENCH_MODE_COUNT];
    static char has[BENCH_MODE_COUNT][PLOT_MAX_COLS]; /* a column has data in a block */
    memset(has, 0, sizeof has);
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        if (!(modes & (1u << mode)))
            continue;
        fprintf(f, "%s# mode %s\n\"size\"", nblocks ? "\n\n" : "", bench_mode_name(mode));
        block_mode[nblocks++] = bench_mode_name(mode);
        for (int c = 0; c < ncols; c++)
            fprintf(f, " \"%s\"", cols[c]);
        fputc('\n', f);
        for (int k = 0; k < nrows; k++) {
            double val[PLOT_MAX_COLS];
            for (int c = 0; c < ncols; c++)
                val[c] = NAN;
            for (size_t i = 0; i < r->n; i++) {
                const struct bench_result *x = &r->v[i];
                if (x->mode != mode || !is_hot_aligned(x) || x->size != sizes[k])
                    continue;
                int c = col_index(cols, c_store, x->impl);
                if (c >= 0 && (x->role == BENCH_ROLE_COPY || x->role == BENCH_ROLE_AA))
                    val[c] = x->ratio;
                if (x->role == BENCH_ROLE_REFERENCE && x->ns_per_call > 0)
                    val[c_store] = x->store_limit_ns / x->ns_per_call;
            }
            fprintf(f, "%zu", sizes[k]);
            for (int c = 0; c < ncols; c++) {
                if (isfinite(val[c]) && val[c] > 0) {
                    fprintf(f, " %.5g", val[c]);
                    has[nblocks - 1][c] = 1;
                } else {
                    fputs(" ?", f);
                }
            }
            fputc('\n', f);
        }
    }
    if (fclose(f)) {
        snprintf(msg, msglen, "write error on %s", path);
        return -1;
    }

    snprintf(path, sizeof path, "%s.gp", prefix);
    f = fopen(path, "w");
    if (!f) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    char title[400];
    snprintf(title, sizeof title,
             "vmmem-bench %s, commit %s, %s: time ratio to glibc memcpy (< 1 = faster), hot "
             "fixed sizes",
             m->date, commit ? commit : "unknown", m->cpu_model);
    clean(title);
    int height = 420 * nblocks + 60;
    for (int term = 0; term < 2; term++) {
        if (term == 0)
            fprintf(f, "# gnuplot script written by vmmem-bench; run: gnuplot '%s.gp'\n"
                       "set terminal pngcairo size 1500,%d font ',10'\nset output '%s.png'\n",
                    prefix, height, prefix);
        else
            fprintf(f, "set terminal svg size 1500,%d dynamic font 'sans,10'\n"
                       "set output '%s.svg'\n",
                    height, prefix);
        fprintf(f,
                "set datafile missing '?'\n"
                "set logscale x 2\nset logscale y 2\nset yrange [0.25:4]\n"
                "set ytics ('0.25' 0.25, '0.5' 0.5, '0.67' 0.667, '0.8' 0.8, '1' 1, '1.25' 1.25, "
                "'1.5' 1.5, '2' 2, '4' 4)\n"
                "set xtics ('1 B' 1, '16 B' 16, '256 B' 256, '4 KiB' 4096, '64 KiB' 65536, "
                "'1 MiB' 1048576, '16 MiB' 16777216, '256 MiB' 268435456)\n"
                "set grid xtics ytics\nset key outside right top noenhanced\n"
                "set xlabel 'copy size (bytes, log scale)'\n"
                "set ylabel 'time / glibc memcpy time (log scale)'\n"
                "set multiplot layout %d,1 title \"%s\" noenhanced\n",
                nblocks, title);
        for (int b = 0; b < nblocks; b++) {
            fprintf(f, "set title 'calling mode: %s' noenhanced\nplot \\\n", block_mode[b]);
            /* grey first, then the store limit, then the highlighted on top */
            int grey_titled = 0, drawn = 0, to_draw = 0;
            for (int c = 0; c < ncols; c++)
                to_draw += has[b][c];
            for (int pass = 0; pass < 3; pass++) {
                for (int c = 0; c < ncols; c++) {
                    int kind = c == c_store ? 1 : c < (int)N_HIGHLIGHTED ? 2 : 0;
                    if (kind != pass || !has[b][c])
                        continue;
                    char style[200], name[64];
                    snprintf(name, sizeof name, "%.31s", cols[c]);
                    if (kind == 1) {
                        snprintf(style, sizeof style, "with lines dt 2 lw 2 lc rgb '#444444'");
                        snprintf(name, sizeof name, "store limit (fastest store-only method)");
                    } else if (kind == 2) {
                        snprintf(style, sizeof style, "with lines lw %s dt %s lc rgb '%s'",
                                 c == 0 ? "1.5" : "2.5", highlighted[c].dash, highlighted[c].color);
                        if (c == 0)
                            snprintf(name, sizeof name, "A/A: glibc memcpy again");
                    } else {
                        snprintf(style, sizeof style, "with lines lw 1 lc rgb '#c0c0c0'");
                        if (grey_titled)
                            name[0] = '\0';
                        else
                            snprintf(name, sizeof name, "others (grey; see the tables)");
                        grey_titled = 1;
                    }
                    drawn++;
                    fprintf(f, "  '%s.dat' index %d using 1:%d %s %s%s%s%s\n", prefix, b, c + 2,
                            style, name[0] ? "title '" : "notitle", name, name[0] ? "'" : "",
                            drawn < to_draw ? ", \\" : "");
                }
            }
        }
        fputs("unset multiplot\n", f);
    }
    fputs("unset output\n", f);
    if (fclose(f)) {
        snprintf(msg, msglen, "write error on %s", path);
        return -1;
    }
    snprintf(msg, msglen, "wrote %s.dat and %s.gp", prefix, prefix);
    return nrows;
}

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[4096];
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? path : ".", prog);
        if (access(buf, X_OK) == 0)
            return 1;
        if (!colon)
            break;
        path = colon + 1;
    }
    return 0;
}

int bench_plot_run(const char *prefix, char *msg, size_t msglen)
{
    if (!on_path("gnuplot")) {
        snprintf(msg, msglen,
                 "gnuplot not found: no PNG/SVG made (install gnuplot-nox, then run: gnuplot '%s.gp')",
                 prefix);
        return 1;
    }
    char script[4096];
    snprintf(script, sizeof script, "%s.gp", prefix);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, msglen, "fork failed: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        char *argv[] = {"gnuplot", script, NULL};
        execvp("gnuplot", argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(msg, msglen, "waitpid failed: %s", strerror(errno));
            return -1;
        }
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        snprintf(msg, msglen, "gnuplot failed on %s (status %d)", script,
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return -1;
    }
    snprintf(msg, msglen, "plot: %s.png and %s.svg", prefix, prefix);
    return 0;
}
