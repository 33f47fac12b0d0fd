/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* test_bench_smoke_check.c - reads what `vmmem-bench --quick` wrote (the
 * points CSV, the summary CSV, JSON, Markdown and the plot data) and checks
 * their structure and that every figure follows from the others: each
 * point has one baseline (ratio 1) and one A/A row per mode, GB/s and the
 * limit percentages follow from the printed medians, the limits are the
 * fastest of their methods, the '~' mark is set exactly where the ratio
 * cannot be recomputed from the medians, the summary is the geometric mean
 * of the points, and the Markdown and the plot show the same numbers.
 * Never a timing. Usage: test_bench_smoke_check CSV SUMMARY_CSV JSON MD DAT */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_impls.h"
#include "bench_results.h"

static int failures;

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "smoke check: " __VA_ARGS__);                                         \
            fputc('\n', stderr);                                                                  \
            if (++failures > 40)                                                                  \
                exit(1);                                                                          \
        }                                                                                         \
    } while (0)

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "smoke check: cannot open %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n)
        exit(1);
    s[n] = '\0';
    fclose(f);
    return s;
}

#define MAX_FIELDS 32

/* Splits one CSV line (quoted fields allowed) in place. Returns the count. */
static int split_csv(char *line, char **fields)
{
    int n = 0;
    char *p = line;
    for (;;) {
        char *out = p;
        fields[n++] = out;
        if (*p == '"') {
            p++;
            for (;;) {
                if (*p == '"' && p[1] == '"') {
                    *out++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *out++ = *p++;
                }
            }
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        char end = *p;
        *out = '\0';
        if (end != ',' || n == MAX_FIELDS)
            break;
        p++;
    }
    return n;
}

static double num(const char *s) { return *s ? strtod(s, NULL) : NAN; }

static int mode_of(const char *s)
{
    for (int m = 0; m < BENCH_MODE_COUNT; m++)
        if (!strcmp(s, bench_mode_name(m)))
            return m;
    return -1;
}

static enum bench_role role_of(const char *s)
{
    static const char *const names[] = {"copy",         "baseline",  "aa-control",
                                        "store-method", "load-only", "overhead"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, names[i]))
            return (enum bench_role)i;
    return (enum bench_role)-1;
}

static int near(double a, double b, double rel)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return fabs(a - b) <= rel * fmax(fabs(a), fabs(b)) + 1e-9;
}

/* A percentage printed with 2 decimals. */
static int near_pct(double printed, double exact)
{
    if (isnan(printed) || isnan(exact))
        return isnan(printed) && isnan(exact);
    return fabs(printed - exact) <= 0.006 + 1e-4 * fabs(exact);
}

static const char *const CSV_HEADER =
    "mode,section,variant,size,ws_bytes,mean_bytes,src_off,dst_off,impl,role,copy_method,"
    "ns_per_call,ns_best,gbps,ratio_vs_glibc,ratio_q1,ratio_q3,unsteady,store_limit_ns,"
    "store_limit_by,pct_store_limit,best_copy_ns,best_copy_by,pct_best_copy,rounds,reruns,iters,"
    "wrong";

static void read_points(const char *path, struct bench_results *r)
{
    char *text = slurp(path);
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    CHECK(line && !strcmp(line, CSV_HEADER), "%s: unexpected header", path);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[MAX_FIELDS];
        int n = split_csv(line, f);
        CHECK(n == 28, "%s: a row with %d fields", path, n);
        if (n != 28)
            continue;
        struct bench_result x;
        memset(&x, 0, sizeof x);
        x.mode = mode_of(f[0]);
        CHECK(x.mode >= 0, "unknown mode '%s'", f[0]);
        snprintf(x.section, sizeof x.section, "%s", f[1]);
        snprintf(x.variant, sizeof x.variant, "%s", f[2]);
        x.size = strtoull(f[3], NULL, 10);
        x.ws_bytes = strtoull(f[4], NULL, 10);
        x.mean_bytes = num(f[5]);
        snprintf(x.impl, sizeof x.impl, "%s", f[8]);
        x.role = role_of(f[9]);
        CHECK((int)x.role >= 0, "unknown role '%s'", f[9]);
        x.flags = atoi(f[10]) ? BENCH_F_COPY_METHOD : 0;
        x.ns_per_call = num(f[11]);
        x.ns_best = num(f[12]);
        x.gbps = num(f[13]);
        x.ratio = num(f[14]);
        x.ratio_q1 = num(f[15]);
        x.ratio_q3 = num(f[16]);
        x.unsteady = atoi(f[17]);
        x.store_limit_ns = num(f[18]);
        snprintf(x.store_limit_by, sizeof x.store_limit_by, "%s", f[19]);
        x.pct_store = num(f[20]);
        x.best_copy_ns = num(f[21]);
        snprintf(x.best_copy_by, sizeof x.best_copy_by, "%s", f[22]);
        x.pct_best_copy = num(f[23]);
        x.rounds = (unsigned)atoi(f[24]);
        x.reruns = (unsigned)atoi(f[25]);
        x.wrong = atoi(f[27]);
        bench_results_push(r, &x);
    }
    free(text);
}

/* Every point: one baseline at ratio 1 and one A/A row; GB/s, limits and
 * the unsteady mark follow from the printed medians. */
static void check_points(const struct bench_results *r, unsigned *modes_seen)
{
    CHECK(r->n > 100, "only %zu point rows", r->n);
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        *modes_seen |= 1u << x->mode;
        CHECK(!x->wrong, "%s copied wrongly", x->impl);
        CHECK(x->ns_per_call > 0 && x->ns_best > 0 && x->ns_best <= x->ns_per_call * 1.0001,
              "%s: ns %g, best %g", x->impl, x->ns_per_call, x->ns_best);
        CHECK(x->rounds >= 1, "%s: no rounds", x->impl);
        CHECK(near(x->gbps, x->mean_bytes / x->ns_per_call, 2e-3) || x->mean_bytes == 0,
              "%s %s %zu: GB/s %g is not mean bytes / ns", x->impl, x->section, x->size, x->gbps);
        CHECK(x->ratio_q1 <= x->ratio + 1e-4 && x->ratio <= x->ratio_q3 + 1e-4,
              "%s: ratio %g outside its quartiles", x->impl, x->ratio);
        size_t baselines = 0, aa = 0;
        double ref_ns = NAN, store = INFINITY, copy = INFINITY;
        for (size_t k = 0; k < r->n; k++) {
            const struct bench_result *y = &r->v[k];
            if (!bench_same_point(x, y))
                continue;
            if (y->role == BENCH_ROLE_REFERENCE) {
                baselines++;
                ref_ns = y->ns_per_call;
            }
            aa += y->role == BENCH_ROLE_AA;
            if (y->role == BENCH_ROLE_STORE_LIMIT && y->ns_per_call < store)
                store = y->ns_per_call;
            if ((y->flags & BENCH_F_COPY_METHOD) && x->size >= BENCH_BEST_COPY_FROM &&
                (!strcmp(x->section, "hot") || !strcmp(x->section, "cold")) &&
                y->ns_per_call < copy)
                copy = y->ns_per_call;
        }
        CHECK(baselines == 1 && aa == 1, "%s %s %zu (%s): %zu baselines, %zu A/A rows",
              x->section, x->variant, x->size, bench_mode_name(x->mode), baselines, aa);
        if (x->role == BENCH_ROLE_REFERENCE)
            CHECK(x->ratio == 1.0, "the baseline's ratio is %g", x->ratio);
        CHECK(isfinite(store), "%s %zu: no store-only method measured", x->section, x->size);
        CHECK(near(x->store_limit_ns, store, 1e-4), "%s %zu: store limit %g, fastest method %g",
              x->section, x->size, x->store_limit_ns, store);
        if (x->role != BENCH_ROLE_OVERHEAD && x->role != BENCH_ROLE_LOAD_LIMIT)
            CHECK(near_pct(x->pct_store, 100.0 * x->store_limit_ns / x->ns_per_call),
                  "%s %zu %s: %% of store limit %g", x->section, x->size, x->impl, x->pct_store);
        CHECK(isfinite(copy) == isfinite(x->best_copy_ns), "%s %zu: best copy method", x->section,
              x->size);
        if (isfinite(copy) && x->role != BENCH_ROLE_OVERHEAD && x->role != BENCH_ROLE_LOAD_LIMIT)
            CHECK(near_pct(x->pct_best_copy, 100.0 * copy / x->ns_per_call),
                  "%s %zu %s: %% of best copy %g", x->section, x->size, x->impl, x->pct_best_copy);
        if (!strcmp(x->section, "hot") && x->size >= ((size_t)1 << 20))
            CHECK(isfinite(copy), "hot %zu: no copy method measured", x->size);
        /* '~' exactly where the medians do not give the ratio (away from
         * the threshold, where the printed rounding decides) */
        double dev = fabs(x->ratio / (x->ns_per_call / ref_ns) - 1.0);
        if (fabs(dev - BENCH_UNSTEADY_TOL) > 2e-3)
            CHECK(x->unsteady == (dev > BENCH_UNSTEADY_TOL),
                  "%s %zu %s: unsteady mark %d, but the medians give %g against %g", x->section,
                  x->size, x->impl, x->unsteady, x->ns_per_call / ref_ns, x->ratio);
    }
}

struct summary_line {
    int mode;
    char label[96], impl[32];
    size_t points;
    double geo, lo, hi, pct_store, pct_best;
};

static size_t read_summary(const char *path, struct summary_line **out)
{
    char *text = slurp(path);
    char *save = NULL;
    char *line = strtok_r(text, "\n", &save);
    CHECK(line && !strcmp(line, "mode,class,impl,role,points,geomean_ratio_vs_glibc,min_ratio,"
                                "min_at,max_ratio,max_at,geomean_pct_store_limit,"
                                "geomean_pct_best_copy"),
          "%s: unexpected header", path);
    size_t n = 0, cap = 256;
    struct summary_line *v = malloc(cap * sizeof *v);
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *f[MAX_FIELDS];
        int nf = split_csv(line, f);
        CHECK(nf == 12, "%s: a row with %d fields", path, nf);
        if (nf != 12)
            continue;
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        struct summary_line *s = &v[n++];
        s->mode = mode_of(f[0]);
        snprintf(s->label, sizeof s->label, "%s", f[1]);
        snprintf(s->impl, sizeof s->impl, "%s", f[2]);
        s->points = strtoull(f[4], NULL, 10);
        s->geo = num(f[5]);
        s->lo = num(f[6]);
        s->hi = num(f[8]);
        s->pct_store = num(f[10]);
        s->pct_best = num(f[11]);
    }
    free(text);
    *out = v;
    return n;
}

/* The summary file is the summary of the points file, and has every class
 * the quick run measures, with its A/A row, in every mode. */
/* Half a unit of the points' printed percentages (2 decimals). */
#define PCT_ROUNDING 0.005

/* The points with each limit percentage moved by `shift` rounding units:
 * -1 gives the least each true value can have been, +1 the most (a true
 * value is positive, so the least is clamped above 0). */
static struct bench_results shifted_points(const struct bench_results *r, int shift)
{
    struct bench_results out = { 0 };
    for (size_t i = 0; i < r->n; i++) {
        struct bench_result x = r->v[i];
        if (isfinite(x.pct_store))
            x.pct_store = fmax(x.pct_store + shift * PCT_ROUNDING, DBL_MIN);
        if (isfinite(x.pct_best_copy))
            x.pct_best_copy = fmax(x.pct_best_copy + shift * PCT_ROUNDING, DBL_MIN);
        CHECK(bench_results_push(&out, &x) == 0, "out of memory");
    }
    return out;
}

/* The summary's geometric mean of a limit percentage, taken from the
 * unrounded points and printed with 2 decimals, against the bounds the
 * rounded points give: the geometric mean grows with each value, so it
 * lies between the means of the points each moved down and up by the
 * rounding (exact, however small a point is), and printing moves it by at
 * most PCT_ROUNDING more. */
static int pct_mean_within(double printed, double lo, double hi)
{
    if (isnan(printed) || isnan(lo) || isnan(hi))
        return isnan(printed) && isnan(lo) && isnan(hi);
    double slack = PCT_ROUNDING + 1e-9 * fabs(hi); /* the printing, and floating point */
    return printed >= lo - slack && printed <= hi + slack;
}

static void check_summary(const struct bench_results *r, const struct summary_line *s, size_t n,
                          unsigned modes)
{
    struct bench_summary_row *rows, *rows_lo, *rows_hi;
    size_t nrows = bench_summarize(r, &rows);
    struct bench_results down = shifted_points(r, -1), up = shifted_points(r, +1);
    size_t nrows_lo = bench_summarize(&down, &rows_lo), nrows_hi = bench_summarize(&up, &rows_hi);
    CHECK(nrows_lo == nrows && nrows_hi == nrows, "the shifted points give other summary rows");
    CHECK(nrows == n, "the summary has %zu rows; the points give %zu", n, nrows);
    for (size_t i = 0; i < n && i < nrows; i++) {
        const struct bench_summary_row *w = &rows[i];
        CHECK(s[i].mode == w->mode && !strcmp(s[i].label, w->label) && !strcmp(s[i].impl, w->impl),
              "summary row %zu: %s/%s, the points give %s/%s", i, s[i].label, s[i].impl, w->label,
              w->impl);
        CHECK(s[i].points == w->count && near(s[i].geo, w->geo_ratio, 2e-3) &&
                  near(s[i].lo, w->min_ratio, 1e-3) && near(s[i].hi, w->max_ratio, 1e-3),
              "summary %s/%s: %g [%g-%g] over %zu, the points give %g [%g-%g] over %zu", s[i].label,
              s[i].impl, s[i].geo, s[i].lo, s[i].hi, s[i].points, w->geo_ratio, w->min_ratio,
              w->max_ratio, w->count);
        CHECK(s[i].lo <= s[i].geo + 1e-3 && s[i].geo <= s[i].hi + 1e-3, "summary %s/%s: range",
              s[i].label, s[i].impl);
        if (i >= nrows_lo || i >= nrows_hi)
            continue;
        const struct bench_summary_row *dn = &rows_lo[i], *upr = &rows_hi[i];
        CHECK(pct_mean_within(s[i].pct_store, dn->geo_pct_store, upr->geo_pct_store) &&
                  pct_mean_within(s[i].pct_best, dn->geo_pct_best_copy, upr->geo_pct_best_copy),
              "summary %s/%s: limits %g %g, the rounded points allow [%g, %g] and [%g, %g]", s[i].label,
              s[i].impl, s[i].pct_store, s[i].pct_best, dn->geo_pct_store, upr->geo_pct_store,
              dn->geo_pct_best_copy, upr->geo_pct_best_copy);
    }
    free(rows);
    free(rows_lo);
    free(rows_hi);
    bench_results_free(&down);
    bench_results_free(&up);
    static const char *const classes[] = {
        "mix small-heavy, 1 MiB ws",     "mix small-heavy, 16 KiB ws",  "mix network-virtio, 1 MiB ws",
        "mix storage-512-64k, 1 MiB ws", "mix uniform-0-4096, 16 KiB ws", "hot 1-15 B",
        "hot 16-128 B",                  "hot 129-256 B",                "hot 257 B-16 KiB",
        "hot 16 KiB",                    "hot 1-4 MiB",                  "hot 64 MiB",
        "cold 64 MiB",                   "misaligned src/dst",           "4 KiB aliasing"};
    for (int m = 0; m < BENCH_MODE_COUNT; m++) {
        CHECK(modes & (1u << m), "no results in mode %s", bench_mode_name(m));
        for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
            int aa = 0, base = 0, fast = 0;
            for (size_t i = 0; i < n; i++) {
                if (s[i].mode != m || strcmp(s[i].label, classes[c]))
                    continue;
                aa |= !strcmp(s[i].impl, "glibc-memcpy-aa");
                base |= !strcmp(s[i].impl, "glibc-memcpy") && s[i].geo == 1.0;
                fast |= !strcmp(s[i].impl, "vmmem-fast");
            }
            CHECK(aa && base && fast, "mode %s, class '%s': A/A %d, baseline %d, fast %d",
                  bench_mode_name(m), classes[c], aa, base, fast);
        }
    }
}

static void check_json(const char *path)
{
    char *s = slurp(path);
    int depth = 0, in_str = 0;
    for (const char *p = s; *p; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '"')
            in_str = 1;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']')
            depth--;
        CHECK(depth >= 0, "%s: unbalanced", path);
    }
    CHECK(depth == 0 && !in_str, "%s: unbalanced at the end", path);
    CHECK(!strstr(s, ": nan") && !strstr(s, ": -nan") && !strstr(s, ": inf") && !strstr(s, ": -inf"),
          "%s: a NaN or infinity leaked", path);
    static const char *const keys[] = {"\"machine\": {", "\"commit\": \"smoke-test\"",
                                       "\"statistic\": ", "\"resolved\": [",
                                       "\"implementations\": [", "\"results\": [",
                                       "\"summary\": [", "\"checks\": [",
                                       "{\"mode\": \"call-noplt\", \"aa_points\": ",
                                       "\"cpus_allowed\": "};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(strstr(s, keys[i]), "%s lacks %s", path, keys[i]);
    free(s);
}

/* The Markdown tables show the summary's numbers. */
/* Whether `printed` (2 decimals) can be the printing of a value that the
 * summary file gives as `summary` (5 significant digits). */
static int printed_2dp_of(double printed, double summary)
{
    if (isnan(printed) || isnan(summary))
        return isnan(printed) && isnan(summary);
    double digit5 = 0.5e-4 * fmax(1.0, fabs(summary)); /* half a unit of the 5th digit (values near 1) */
    return fabs(printed - summary) <= 0.005 + digit5 + 1e-9;
}

static void check_markdown(const char *path, const struct summary_line *s, size_t n)
{
    char *md = slurp(path);
    for (int m = 0; m < BENCH_MODE_COUNT; m++) {
        char head[64];
        snprintf(head, sizeof head, "**Calling mode: %s**", bench_mode_name(m));
        CHECK(strstr(md, head), "%s lacks %s", path, head);
    }
    CHECK(strstr(md, "| class | points | A/A | fast | adaptive |"), "%s: no headline table", path);
    /* the pointer mode's hot 16 KiB row: A/A and fast as in the summary */
    const char *start = strstr(md, "**Calling mode: pointer**");
    const char *row = start ? strstr(start, "| hot 16 KiB | 1 |") : NULL;
    CHECK(row, "%s: no pointer-mode 16 KiB row", path);
    if (row) {
        double aa = NAN, fast = NAN;
        for (size_t i = 0; i < n; i++) {
            if (s[i].mode != BENCH_MODE_POINTER || strcmp(s[i].label, "hot 16 KiB"))
                continue;
            if (!strcmp(s[i].impl, "glibc-memcpy-aa"))
                aa = s[i].geo;
            if (!strcmp(s[i].impl, "vmmem-fast"))
                fast = s[i].geo;
        }
        /* The table prints the exact geomean with 2 decimals; the summary
         * file has it with 5 significant digits. A value within half a unit
         * of the 5th digit of a rounding edge (1.005) prints as either
         * neighbour, so compare the numbers, to what the two roundings allow. */
        double md_aa = NAN, md_fast = NAN;
        int got = sscanf(row, "| hot 16 KiB | 1 | %lf | %lf |", &md_aa, &md_fast);
        CHECK(got == 2 && printed_2dp_of(md_aa, aa) && printed_2dp_of(md_fast, fast),
              "%s: '%.40s' is not | hot 16 KiB | 1 | %.2f | %.2f | (within rounding)", path, row, aa, fast);
    }
    CHECK(strstr(md, "% of store limit |") && strstr(md, "% of best copy method |"),
          "%s: no limits table", path);
    free(md);
}

/* The plot's data is the hot section's ratios, one block per mode. */
static void check_plot(const char *path, const struct bench_results *r)
{
    char *text = slurp(path);
    int blocks = 0, col_fast = -1;
    char *save = NULL;
    int mode = -1;
    size_t rows = 0, hot_sizes = 0;
    for (size_t i = 0; i < r->n; i++)
        hot_sizes += r->v[i].mode == 0 && !strcmp(r->v[i].section, "hot") &&
                     r->v[i].role == BENCH_ROLE_REFERENCE;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "# mode ", 7)) {
            mode = mode_of(line + 7);
            blocks++;
            continue;
        }
        if (line[0] == '#')
            continue;
        if (line[0] == '"') {
            CHECK(strstr(line, "\"glibc-memcpy-aa\"") && strstr(line, "\"store limit\""),
                  "%s: header lacks the A/A or the store limit", path);
            char *f = line;
            int col = 0;
            for (char *t = strtok(f, " "); t; t = strtok(NULL, " "), col++)
                if (!strcmp(t, "\"vmmem-fast\""))
                    col_fast = col;
            continue;
        }
        rows++;
        size_t size = strtoull(line, NULL, 10);
        char *p = line;
        for (int col = 0; col < col_fast && p; col++) {
            p = strchr(p, ' ');
            if (p)
                p++;
        }
        if (!p || col_fast < 0)
            continue;
        double v = *p == '?' ? NAN : strtod(p, NULL);
        for (size_t i = 0; i < r->n; i++) {
            const struct bench_result *x = &r->v[i];
            if (x->mode == mode && !strcmp(x->section, "hot") && x->size == size &&
                !strcmp(x->impl, "vmmem-fast"))
                CHECK(near(v, x->ratio, 1e-3), "%s: fast at %zu B is %g, the CSV says %g", path,
                      size, v, x->ratio);
        }
    }
    CHECK(blocks == BENCH_MODE_COUNT, "%s: %d blocks", path, blocks);
    CHECK(rows == (size_t)BENCH_MODE_COUNT * hot_sizes, "%s: %zu rows for %zu sizes", path, rows,
          hot_sizes);
    free(text);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s POINTS.csv SUMMARY.csv RUN.json SUMMARY.md PLOT.dat\n", argv[0]);
        return 2;
    }
    struct bench_results r;
    memset(&r, 0, sizeof r);
    read_points(argv[1], &r);
    unsigned modes = 0;
    check_points(&r, &modes);
    struct summary_line *s;
    size_t n = read_summary(argv[2], &s);
    check_summary(&r, s, n, modes);
    check_json(argv[3]);
    check_markdown(argv[4], s, n);
    check_plot(argv[5], &r);
    size_t points = r.n;
    free(s);
    bench_results_free(&r);
    if (failures) {
        fprintf(stderr, "smoke check: %d failures\n", failures);
        return 1;
    }
    printf("smoke check: %zu point rows, %zu summary rows: consistent\n", points, n);
    return 0;
}
