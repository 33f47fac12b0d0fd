/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_results.c - result storage, the limits at each point, the summary
 * classes, the per-class summary and the output's checks. */
#include "bench_results.h"
#include "bench_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

int bench_results_push(struct bench_results *r, const struct bench_result *x)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 256;
        struct bench_result *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n++] = *x;
    return 0;
}

void bench_results_free(struct bench_results *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}

int bench_has_best_copy(const struct bench_result *x)
{
    return x->size >= BENCH_BEST_COPY_FROM &&
           (!strcmp(x->section, "hot") || !strcmp(x->section, "cold"));
}

int bench_same_point(const struct bench_result *a, const struct bench_result *b)
{
    return a->mode == b->mode && !strcmp(a->section, b->section) &&
           !strcmp(a->variant, b->variant) && a->size == b->size && a->ws_bytes == b->ws_bytes;
}

void bench_results_fill_limits(struct bench_results *r, size_t first)
{
    for (size_t i = first; i < r->n; i++) {
        struct bench_result *x = &r->v[i];
        double store = INFINITY, copy = INFINITY, ref = NAN;
        const char *store_by = "", *copy_by = "";
        for (size_t k = first; k < r->n; k++) {
            const struct bench_result *y = &r->v[k];
            if (!bench_same_point(x, y) || !(y->ns_per_call > 0))
                continue;
            if (y->role == BENCH_ROLE_STORE_LIMIT && y->ns_per_call < store) {
                store = y->ns_per_call;
                store_by = y->impl;
            }
            if ((y->flags & BENCH_F_COPY_METHOD) && bench_has_best_copy(x) &&
                y->ns_per_call < copy) {
                copy = y->ns_per_call;
                copy_by = y->impl;
            }
            if (y->role == BENCH_ROLE_REFERENCE)
                ref = y->ns_per_call;
        }
        int limited = x->role != BENCH_ROLE_OVERHEAD && x->role != BENCH_ROLE_LOAD_LIMIT;
        x->store_limit_ns = isfinite(store) ? store : NAN;
        snprintf(x->store_limit_by, sizeof x->store_limit_by, "%s", store_by);
        x->pct_store = limited && isfinite(store) ? 100.0 * store / x->ns_per_call : NAN;
        x->best_copy_ns = isfinite(copy) ? copy : NAN;
        snprintf(x->best_copy_by, sizeof x->best_copy_by, "%s", copy_by);
        x->pct_best_copy = limited && isfinite(copy) ? 100.0 * copy / x->ns_per_call : NAN;
        x->unsteady = isfinite(ref) && !bench_ratio_agrees(x->ratio, x->ns_per_call, ref,
                                                           BENCH_UNSTEADY_TOL);
    }
}

static int is_hot(const struct bench_result *x)
{
    return !strcmp(x->section, "hot") && !strcmp(x->variant, "aligned");
}

int bench_result_in_class(const struct bench_result *x, int cls)
{
    size_t s = x->size;
    switch (cls) {
    case BENCH_CLASS_HOT_1_15: return is_hot(x) && s >= 1 && s <= 15;
    case BENCH_CLASS_HOT_16_128: return is_hot(x) && s >= 16 && s <= 128;
    case BENCH_CLASS_HOT_129_256: return is_hot(x) && s >= 129 && s <= 256;
    case BENCH_CLASS_HOT_257_16K: return is_hot(x) && s >= 257 && s <= 16 * KiB;
    case BENCH_CLASS_HOT_16K: return is_hot(x) && s == 16 * KiB;
    case BENCH_CLASS_HOT_L2: return is_hot(x) && s > 16 * KiB && s < MiB;
    case BENCH_CLASS_HOT_1M_4M: return is_hot(x) && s >= MiB && s <= 4 * MiB;
    case BENCH_CLASS_HOT_L3: return is_hot(x) && s > 4 * MiB && s < 64 * MiB;
    case BENCH_CLASS_HOT_64M: return is_hot(x) && s == 64 * MiB;
    case BENCH_CLASS_HOT_256M: return is_hot(x) && s == 256 * MiB;
    case BENCH_CLASS_COLD_SMALL: return !strcmp(x->section, "cold") && s <= 4 * MiB;
    case BENCH_CLASS_COLD_64M: return !strcmp(x->section, "cold") && s == 64 * MiB;
    case BENCH_CLASS_COLD_256M: return !strcmp(x->section, "cold") && s == 256 * MiB;
    case BENCH_CLASS_MISALIGN:
        return !strcmp(x->section, "align") && strcmp(x->variant, "aligned") &&
               strcmp(x->variant, "4k-alias");
    case BENCH_CLASS_ALIAS:
        return !strcmp(x->section, "align") && !strcmp(x->variant, "4k-alias");
    default: return 0;
    }
}

const char *bench_class_label(int cls)
{
    static const char *const labels[BENCH_CLASS_FIXED_COUNT] = {
        "hot 1-15 B",           "hot 16-128 B",       "hot 129-256 B",  "hot 257 B-16 KiB",
        "hot 16 KiB",           "hot 32-512 KiB",     "hot 1-4 MiB",    "hot 8-32 MiB",
        "hot 64 MiB",           "hot 256 MiB",        "cold 64 B-4 MiB", "cold 64 MiB",
        "cold 256 MiB",         "misaligned src/dst", "4 KiB aliasing"};
    return cls >= 0 && cls < BENCH_CLASS_FIXED_COUNT ? labels[cls] : "?";
}

const char *bench_format_size(size_t b, char *buf, size_t len)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    size_t v = b;
    while (v >= 1024 && v % 1024 == 0 && u < 4) {
        v /= 1024;
        u++;
    }
    if (u > 0 || b < 10000) {
        snprintf(buf, len, "%zu %s", v, unit[u]);
    } else {
        double d = (double)b;
        u = 0;
        while (d >= 1024.0 && u < 4) {
            d /= 1024.0;
            u++;
        }
        snprintf(buf, len, "%.3g %s", d, unit[u]);
    }
    return buf;
}

static void mix_label(const struct bench_result *x, char *buf, size_t len)
{
    char ws[24];
    snprintf(buf, len, "mix %s, %s ws", x->variant, bench_format_size(x->ws_bytes, ws, sizeof ws));
}

const char *bench_point_label(const struct bench_result *x, char *buf, size_t len)
{
    char sz[24];
    if (!strcmp(x->section, "mix"))
        mix_label(x, buf, len);
    else if (!strcmp(x->variant, "aligned"))
        snprintf(buf, len, "%s", bench_format_size(x->size, sz, sizeof sz));
    else
        snprintf(buf, len, "%s %s", bench_format_size(x->size, sz, sizeof sz), x->variant);
    return buf;
}

/* Distinct strings in first-seen order. */
struct name_list {
    char (*v)[96];
    size_t n;
};

static size_t name_index(struct name_list *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return i;
    snprintf(l->v[l->n], sizeof l->v[0], "%s", s);
    return l->n++;
}

static int is_summarised(const struct bench_result *x)
{
    return bench_role_is_copy(x->role) && x->ns_per_call > 0;
}

/* Fills row from the results of (mode, impl) in class key (mix name mixl
 * when key < BENCH_CLASS_KEY_BASE). Returns 0 when there were none. */
static int summarise_one(const struct bench_results *r, int mode, int key, const char *mixl,
                         const char *impl, double *sp, double *pc, double *pb,
                         struct bench_summary_row *row)
{
    size_t cnt = 0, npc = 0, npb = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t k = 0; k < r->n; k++) {
        const struct bench_result *y = &r->v[k];
        if (y->mode != mode || !is_summarised(y) || strcmp(y->impl, impl))
            continue;
        if (key < BENCH_CLASS_KEY_BASE) {
            char l[96];
            if (strcmp(y->section, "mix"))
                continue;
            mix_label(y, l, sizeof l);
            if (strcmp(l, mixl))
                continue;
        } else if (!bench_result_in_class(y, key - BENCH_CLASS_KEY_BASE)) {
            continue;
        }
        if (cnt == 0) {
            row->role = y->role;
            row->flags = y->flags;
        }
        sp[cnt++] = y->ratio;
        if (isfinite(y->pct_store))
            pc[npc++] = y->pct_store;
        if (isfinite(y->pct_best_copy))
            pb[npb++] = y->pct_best_copy;
        if (y->ratio < lo) {
            lo = y->ratio;
            bench_point_label(y, row->min_at, sizeof row->min_at);
        }
        if (y->ratio > hi) {
            hi = y->ratio;
            bench_point_label(y, row->max_at, sizeof row->max_at);
        }
    }
    if (!cnt)
        return 0;
    row->mode = mode;
    row->key = key;
    snprintf(row->label, sizeof row->label, "%s",
             key < BENCH_CLASS_KEY_BASE ? mixl : bench_class_label(key - BENCH_CLASS_KEY_BASE));
    snprintf(row->impl, sizeof row->impl, "%s", impl);
    row->count = cnt;
    row->geo_ratio = bench_geomean(sp, cnt);
    row->min_ratio = lo;
    row->max_ratio = hi;
    row->geo_pct_store = npc ? bench_geomean(pc, npc) : NAN;
    row->geo_pct_best_copy = npb ? bench_geomean(pb, npb) : NAN;
    row->count_pct_store = npc;
    row->count_pct_best_copy = npb;
    return 1;
}

size_t bench_summarize(const struct bench_results *r, struct bench_summary_row **rows_out)
{
    size_t cap = r->n ? r->n : 1;
    struct name_list mixes = {calloc(cap, sizeof *mixes.v), 0};
    struct name_list impls = {calloc(cap, sizeof *impls.v), 0};
    double *sp = malloc(sizeof *sp * cap), *pc = malloc(sizeof *pc * cap),
           *pb = malloc(sizeof *pb * cap);
    struct bench_summary_row *rows = NULL;
    size_t out = 0, rows_cap = 0;
    if (!mixes.v || !impls.v || !sp || !pc || !pb)
        goto oom;
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        if (!is_summarised(x))
            continue;
        name_index(&impls, x->impl);
        if (!strcmp(x->section, "mix")) {
            char l[96];
            mix_label(x, l, sizeof l);
            name_index(&mixes, l);
        }
    }
    size_t nkeys = mixes.n + BENCH_CLASS_FIXED_COUNT;
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        for (size_t k = 0; k < nkeys; k++) {
            int key = k < mixes.n ? (int)k : BENCH_CLASS_KEY_BASE + (int)(k - mixes.n);
            for (size_t m = 0; m < impls.n; m++) {
                if (out == rows_cap) {
                    rows_cap = rows_cap ? rows_cap * 2 : 64;
                    struct bench_summary_row *t = realloc(rows, rows_cap * sizeof *rows);
                    if (!t)
                        goto oom;
                    rows = t;
                }
                memset(&rows[out], 0, sizeof rows[out]);
                if (summarise_one(r, mode, key, k < mixes.n ? mixes.v[k] : "", impls.v[m], sp,
                                  pc, pb, &rows[out]))
                    out++;
            }
        }
    }
    free(mixes.v);
    free(impls.v);
    free(sp);
    free(pc);
    free(pb);
    *rows_out = rows;
    return out;
oom:
    free(mixes.v);
    free(impls.v);
    free(sp);
    free(pc);
    free(pb);
    free(rows);
    *rows_out = NULL;
    return (size_t)-1;
}

const struct bench_summary_row *bench_summary_find(const struct bench_summary_row *rows,
                                                   size_t n, int mode, const char *label,
                                                   const char *impl)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].mode == mode && !strcmp(rows[i].label, label) && !strcmp(rows[i].impl, impl))
            return &rows[i];
    return NULL;
}

void bench_check(const struct bench_results *r, const struct bench_summary_row *rows, size_t nrows,
                 struct bench_checks *c)
{
    double tol = c->aa_tol;
    memset(c, 0, sizeof *c);
    c->aa_tol = tol;
    for (int m = 0; m < BENCH_MODE_COUNT; m++)
        c->aa_worst[m] = NAN;
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        int m = x->mode;
        if (m < 0 || m >= BENCH_MODE_COUNT || !(x->ns_per_call > 0))
            continue;
        c->reruns[m] += x->reruns;
        c->batches[m] += x->rounds;
        if (bench_role_is_copy(x->role)) {
            c->results[m]++;
            c->unsteady[m] += x->unsteady != 0;
        }
        if (x->role == BENCH_ROLE_AA) {
            c->aa_points[m]++;
            double dev = fabs(x->ratio - 1.0);
            if (dev > tol)
                c->aa_outside[m]++;
            if (!isfinite(c->aa_worst[m]) || dev > fabs(c->aa_worst[m] - 1.0)) {
                c->aa_worst[m] = x->ratio;
                bench_point_label(x, c->aa_worst_at[m], sizeof c->aa_worst_at[m]);
            }
        }
        if (bench_role_is_copy(x->role) && x->pct_store > 100.0 * (1.0 + tol)) {
            c->over_limit[m]++;
            if (x->pct_store > c->over_limit_worst[m]) {
                char p[96];
                c->over_limit_worst[m] = x->pct_store;
                snprintf(c->over_limit_at[m], sizeof c->over_limit_at[m], "%s at %s", x->impl,
                         bench_point_label(x, p, sizeof p));
            }
        }
    }
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].role == BENCH_ROLE_AA && fabs(rows[i].geo_ratio - 1.0) > tol)
            c->aa_classes_outside[rows[i].mode]++;
}
