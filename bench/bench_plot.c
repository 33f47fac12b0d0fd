/* bench_plot.c - gnuplot data file and script for GB/s versus size. */
#include "bench_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PLOT_MAX_COLS 40
#define PLOT_MAX_ROWS 256

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

int bench_plot_write(const char *prefix, const struct bench_results *r,
                     const struct bench_machine *m, char *msg, size_t msglen)
{
    if (strpbrk(prefix, "'\"\n")) {
        snprintf(msg, msglen, "plot prefix must not contain quotes or newlines");
        return -1;
    }
    /* Columns: copies in first-seen order, then "store limit", "load-only". */
    char cols[PLOT_MAX_COLS][32];
    int ncols = 0;
    size_t sizes[PLOT_MAX_ROWS];
    int nrows = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        if (!is_hot_aligned(x))
            continue;
        if (bench_role_is_copy(x->role) && col_index(cols, ncols, x->impl) < 0 &&
            ncols < PLOT_MAX_COLS - 2)
            snprintf(cols[ncols++], sizeof cols[0], "%s", x->impl);
        int seen = 0;
        for (int k = 0; k < nrows && !seen; k++)
            seen = sizes[k] == x->size;
        if (!seen && nrows < PLOT_MAX_ROWS)
            sizes[nrows++] = x->size;
    }
    if (!nrows || !ncols) {
        snprintf(msg, msglen, "no hot-section results to plot");
        return -1;
    }
    int c_store = ncols, c_load = ncols + 1;
    snprintf(cols[ncols++], sizeof cols[0], "store limit");
    snprintf(cols[ncols++], sizeof cols[0], "load-only");

    /* Sort sizes ascending. */
    for (int a = 1; a < nrows; a++)
        for (int b = a; b > 0 && sizes[b - 1] > sizes[b]; b--) {
            size_t t = sizes[b];
            sizes[b] = sizes[b - 1];
            sizes[b - 1] = t;
        }

    char path[4096];
    snprintf(path, sizeof path, "%s.dat", prefix);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    fprintf(f, "# GB/s (10^9 bytes/s) per copy size, hot section, aligned buffers; ? = not measured\n");
    fprintf(f, "\"size\"");
    for (int c = 0; c < ncols; c++)
        fprintf(f, " \"%s\"", cols[c]);
    fputc('\n', f);
    for (int k = 0; k < nrows; k++) {
        double val[PLOT_MAX_COLS];
        for (int c = 0; c < ncols; c++)
            val[c] = NAN;
        for (size_t i = 0; i < r->n; i++) {
            const struct bench_result *x = &r->v[i];
            if (!is_hot_aligned(x) || x->size != sizes[k])
                continue;
            int c = -1;
            if (bench_role_is_copy(x->role))
                c = col_index(cols, ncols, x->impl);
            else if (x->role == BENCH_ROLE_STORE_LIMIT || x->role == BENCH_ROLE_STORE_NT_LIMIT)
                c = c_store;
            else if (x->role == BENCH_ROLE_LOAD_LIMIT)
                c = c_load;
            if (c >= 0 && (!isfinite(val[c]) || x->gbps > val[c]))
                val[c] = x->gbps;
        }
        fprintf(f, "%zu", sizes[k]);
        for (int c = 0; c < ncols; c++) {
            if (isfinite(val[c]))
                fprintf(f, " %.4f", val[c]);
            else
                fputs(" ?", f);
        }
        fputc('\n', f);
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
    char title[256];
    snprintf(title, sizeof title, "vmmem-bench: %s, %s, ISA %s", m->cpu_model, m->date,
             m->isa_active);
    for (char *p = title; *p; p++)
        if (*p == '"' || *p == '\\')
            *p = ' ';
    fprintf(f,
            "# gnuplot script written by vmmem-bench; run: gnuplot '%s.gp'\n"
            "set datafile missing '?'\n"
            "set logscale x 2\n"
            "set logscale y 10\n"
            "set xtics ('1 B' 1, '16 B' 16, '256 B' 256, '4 KiB' 4096, '64 KiB' 65536, "
            "'1 MiB' 1048576, '16 MiB' 16777216, '256 MiB' 268435456, '1 GiB' 1073741824)\n"
            "set mxtics 4\n"
            "set xlabel 'copy size (bytes, log scale)'\n"
            "set ylabel 'GB/s (10^9 bytes/s, log scale)'\n"
            "set title \"%s\" noenhanced\n"
            "set key outside right top noenhanced\n"
            "set grid xtics ytics mytics\n"
            "set terminal pngcairo size 1500,900 font ',10'\n"
            "set output '%s.png'\n"
            "plot \\\n",
            prefix, title, prefix);
    static const struct { const char *impl, *color; } main_lines[] = {
        {"glibc-memcpy", "#d62728"}, {"vmmem-fast", "#1f77b4"}, {"vmmem-adaptive", "#2ca02c"}};
    static const char *const palette[] = {"#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                          "#bcbd22", "#17becf", "#ff9896", "#aec7e8", "#98df8a",
                                          "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5",
                                          "#393b79", "#637939", "#8c6d31"};
    int next_color = 0;
    for (int c = 0; c < ncols; c++) {
        char style[160];
        if (c == c_store) {
            snprintf(style, sizeof style, "with lines dt 2 lw 3 lc rgb 'black'");
        } else if (c == c_load) {
            snprintf(style, sizeof style, "with lines dt 3 lw 2 lc rgb 'gray40'");
        } else {
            const char *color = NULL;
            for (size_t k = 0; k < sizeof main_lines / sizeof main_lines[0]; k++)
                if (!strcmp(cols[c], main_lines[k].impl))
                    color = main_lines[k].color;
            int main_line = color != NULL;
            if (!color)
                color = palette[next_color++ % (int)(sizeof palette / sizeof palette[0])];
            snprintf(style, sizeof style, "with linespoints lw %s pt %d ps %s lc rgb '%s'",
                     main_line ? "3" : "1.2", (c % 12) + 1, main_line ? "0.8" : "0.5", color);
        }
        fprintf(f, "  '%s.dat' using 1:%d %s title '%s'%s\n", prefix, c + 2, style, cols[c],
                c + 1 < ncols ? ", \\" : "");
    }
    fprintf(f,
            "set terminal svg size 1500,900 dynamic font 'sans,10'\n"
            "set output '%s.svg'\n"
            "replot\n"
            "unset output\n",
            prefix);
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
