/* bench_results.c - result storage, store-limit percentages, summaries. */
#include "bench_results.h"
#include "bench_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int same_point(const struct bench_result *a, const struct bench_result *b)
{
    return !strcmp(a->section, b->section) && !strcmp(a->variant, b->variant) &&
           a->size == b->size;
}

void bench_results_fill_limits(struct bench_results *r, size_t first)
{
    for (size_t i = first; i < r->n; i++) {
        struct bench_result *x = &r->v[i];
        double limit = 0.0;
        for (size_t k = first; k < r->n; k++) {
            const struct bench_result *y = &r->v[k];
            if ((y->role == BENCH_ROLE_STORE_LIMIT || y->role == BENCH_ROLE_STORE_NT_LIMIT) &&
                same_point(x, y) && y->gbps > limit)
                limit = y->gbps;
        }
        x->pct_store = limit > 0.0 && x->role != BENCH_ROLE_OVERHEAD ? 100.0 * x->gbps / limit : NAN;
    }
}

int bench_result_class(const struct bench_result *x, size_t l2, size_t l3)
{
    if (!strcmp(x->section, "dist"))
        return BENCH_CLASS_DIST;
    if (!strcmp(x->section, "cold"))
        return BENCH_CLASS_COLD;
    if (!strcmp(x->section, "align")) {
        if (!strcmp(x->variant, "aligned"))
            return -1;
        return !strcmp(x->variant, "4k-alias") ? BENCH_CLASS_ALIAS : BENCH_CLASS_MISALIGN;
    }
    if (strcmp(x->section, "hot"))
        return -1;
    if (x->size <= 256)
        return BENCH_CLASS_TINY;
    if (x->size <= 16384)
        return BENCH_CLASS_SMALL;
    if (x->size <= l2)
        return BENCH_CLASS_L2;
    if (x->size <= l3)
        return BENCH_CLASS_L3;
    return BENCH_CLASS_DRAM;
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

const char *bench_class_label(int cls, size_t l2, size_t l3, char *buf, size_t len)
{
    char a[24], b[24];
    switch (cls) {
    case BENCH_CLASS_TINY: snprintf(buf, len, "0-256 B"); break;
    case BENCH_CLASS_SMALL: snprintf(buf, len, "257 B-16 KiB"); break;
    case BENCH_CLASS_L2:
        snprintf(buf, len, "16 KiB-%s (L2)", bench_format_size(l2, a, sizeof a));
        break;
    case BENCH_CLASS_L3:
        snprintf(buf, len, "%s-%s (L3)", bench_format_size(l2, a, sizeof a),
                 bench_format_size(l3, b, sizeof b));
        break;
    case BENCH_CLASS_DRAM:
        snprintf(buf, len, "> %s (beyond L3)", bench_format_size(l3, a, sizeof a));
        break;
    case BENCH_CLASS_DIST: snprintf(buf, len, "random distributions"); break;
    case BENCH_CLASS_COLD: snprintf(buf, len, "cold cache, fixed sizes"); break;
    case BENCH_CLASS_MISALIGN: snprintf(buf, len, "misaligned src/dst"); break;
    case BENCH_CLASS_ALIAS: snprintf(buf, len, "4 KiB aliasing"); break;
    default: snprintf(buf, len, "?"); break;
    }
    return buf;
}

size_t bench_summarize(const struct bench_results *r, size_t l2, size_t l3,
                       struct bench_summary_row *rows, size_t max)
{
    size_t out = 0;
    double *sp = malloc(sizeof *sp * (r->n ? r->n : 1));
    double *pc = malloc(sizeof *pc * (r->n ? r->n : 1));
    if (!sp || !pc) {
        free(sp);
        free(pc);
        return 0;
    }
    for (int cls = 0; cls < BENCH_CLASS_COUNT; cls++) {
        /* Implementations in first-seen order. */
        for (size_t i = 0; i < r->n; i++) {
            const struct bench_result *x = &r->v[i];
            if (!bench_role_is_copy(x->role) || bench_result_class(x, l2, l3) != cls)
                continue;
            int seen = 0;
            for (size_t k = 0; k < i && !seen; k++)
                seen = bench_role_is_copy(r->v[k].role) &&
                       bench_result_class(&r->v[k], l2, l3) == cls &&
                       !strcmp(r->v[k].impl, x->impl);
            if (seen)
                continue;
            size_t cnt = 0;
            double lo = INFINITY, hi = -INFINITY;
            for (size_t k = i; k < r->n; k++) {
                const struct bench_result *y = &r->v[k];
                if (bench_result_class(y, l2, l3) != cls || strcmp(y->impl, x->impl))
                    continue;
                sp[cnt] = y->speedup;
                pc[cnt] = y->pct_store;
                if (y->speedup < lo)
                    lo = y->speedup;
                if (y->speedup > hi)
                    hi = y->speedup;
                cnt++;
            }
            if (out == max)
                goto done;
            struct bench_summary_row *row = &rows[out++];
            memset(row, 0, sizeof *row);
            row->cls = cls;
            bench_class_label(cls, l2, l3, row->label, sizeof row->label);
            snprintf(row->impl, sizeof row->impl, "%s", x->impl);
            row->count = cnt;
            row->geo_speedup = bench_geomean(sp, cnt);
            row->geo_pct_store = bench_geomean(pc, cnt);
            row->min_speedup = lo;
            row->max_speedup = hi;
        }
    }
done:
    free(sp);
    free(pc);
    return out;
}
