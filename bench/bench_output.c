/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_output.c - terminal tables, CSV, JSON and Markdown writers. Every
 * ratio printed is the median over rounds of the per-round time ratio
 * (implementation ns / glibc memcpy ns, same round, same mode), or a
 * geometric mean of those over a class; headers say which. A ratio marked
 * '~' could not be recomputed from the printed medians within 5 % (the
 * rounds disagreed). */
#include "bench_output.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

const char *const bench_headline_impls[] = {"glibc-memcpy-aa", "vmmem-fast",    "vmmem-adaptive",
                                            "vmmem-memmove",   "glibc-memmove", "rep-movsb",
                                            "rte_memcpy-avx512"};
const size_t bench_headline_count = sizeof bench_headline_impls / sizeof bench_headline_impls[0];

/* The implementations whose limits the limits tables show. */
static const char *const limit_impls[] = {"vmmem-fast", "vmmem-adaptive", "vmmem-parallel",
                                          "glibc-memcpy", "rep-movsb", "rte_memcpy-avx512"};
#define N_LIMIT_IMPLS (sizeof limit_impls / sizeof limit_impls[0])

const char *bench_short_name(const char *impl, char *buf, size_t len)
{
    static const struct { const char *name, *shortn; } tab[] = {
        {"glibc-memcpy", "glibc"},       {"glibc-memcpy-aa", "A/A"},
        {"glibc-memmove", "g-mmove"},    {"vmmem-fast", "fast"},
        {"vmmem-adaptive", "adaptive"},  {"vmmem-memmove", "v-mmove"},
        {"vmmem-parallel", "parallel"},  {"rep-movsb", "repmovsb"},
        {"rte_memcpy-avx512", "rte512"}, {"rte_memcpy-avx2", "rte256"},
        {"copy-vec", "c-vec"},           {"copy-nt", "c-nt"},
        {"copy-nt-prefetch", "c-ntpf"},  {"store-vec", "s-vec"},
        {"store-vec256", "s-vec256"},
        {"store-masked", "s-mask"},      {"store-stosb", "stosb"},
        {"store-nt", "s-nt"},            {"load-only", "load"},
        {"call-overhead", "empty"}};
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        if (!strcmp(impl, tab[i].name)) {
            snprintf(buf, len, "%s", tab[i].shortn);
            return buf;
        }
    if (!strncmp(impl, "kernel-", 7))
        snprintf(buf, len, "k-%s", impl + 7);
    else
        snprintf(buf, len, "%s", impl);
    return buf;
}

static const char *role_name(enum bench_role role)
{
    switch (role) {
    case BENCH_ROLE_COPY: return "copy";
    case BENCH_ROLE_REFERENCE: return "baseline";
    case BENCH_ROLE_AA: return "aa-control";
    case BENCH_ROLE_STORE_LIMIT: return "store-method";
    case BENCH_ROLE_LOAD_LIMIT: return "load-only";
    case BENCH_ROLE_OVERHEAD: return "overhead";
    }
    return "?";
}

/* ------------------------------------------------------------------ CSV */

void bench_csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v, int prec)
{
    if (isfinite(v))
        fprintf(f, ",%.*f", prec, v);
    else
        fputs(",", f);
}

/* Ratios: 5 significant digits, so that a tiny one (the empty call's)
 * keeps its value. */
static void csv_sig(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.5g", v);
    else
        fputs(",", f);
}

/* Times: 6 significant digits, from 1 ns to 100 ms alike. */
static void csv_ns(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.6g", v);
    else
        fputs(",", f);
}

static void csv_str(FILE *f, const char *s)
{
    fputc(',', f);
    bench_csv_field(f, s);
}

int bench_write_csv(FILE *f, const struct bench_results *r)
{
    fputs("mode,section,variant,size,ws_bytes,mean_bytes,src_off,dst_off,impl,role,copy_method,"
          "ns_per_call,ns_best,gbps,ratio_vs_glibc,ratio_q1,ratio_q3,unsteady,store_limit_ns,"
          "store_limit_by,pct_store_limit,best_copy_ns,best_copy_by,pct_best_copy,rounds,reruns,"
          "iters,wrong\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        fputs(bench_mode_name(x->mode), f);
        csv_str(f, x->section);
        csv_str(f, x->variant);
        fprintf(f, ",%zu,%zu,%.3f,%u,%u", x->size, x->ws_bytes, x->mean_bytes, x->src_off,
                x->dst_off);
        csv_str(f, x->impl);
        fprintf(f, ",%s,%d", role_name(x->role), (x->flags & BENCH_F_COPY_METHOD) != 0);
        csv_ns(f, x->ns_per_call);
        csv_ns(f, x->ns_best);
        csv_num(f, x->gbps, 4);
        csv_sig(f, x->ratio);
        csv_sig(f, x->ratio_q1);
        csv_sig(f, x->ratio_q3);
        fprintf(f, ",%d", x->unsteady);
        csv_ns(f, x->store_limit_ns);
        csv_str(f, x->store_limit_by);
        csv_num(f, x->pct_store, 2);
        csv_ns(f, x->best_copy_ns);
        csv_str(f, x->best_copy_by);
        csv_num(f, x->pct_best_copy, 2);
        fprintf(f, ",%u,%u,%lu,%d\n", x->rounds, x->reruns, x->iters, x->wrong);
    }
    return ferror(f) ? -1 : 0;
}

int bench_write_summary_csv(FILE *f, const struct bench_summary_row *rows, size_t nrows)
{
    fputs("mode,class,impl,role,points,geomean_ratio_vs_glibc,min_ratio,min_at,max_ratio,max_at,"
          "geomean_pct_store_limit,geomean_pct_best_copy\n",
          f);
    for (size_t i = 0; i < nrows; i++) {
        const struct bench_summary_row *s = &rows[i];
        fputs(bench_mode_name(s->mode), f);
        csv_str(f, s->label);
        csv_str(f, s->impl);
        fprintf(f, ",%s,%zu", role_name(s->role), s->count);
        csv_sig(f, s->geo_ratio);
        csv_sig(f, s->min_ratio);
        csv_str(f, s->min_at);
        csv_sig(f, s->max_ratio);
        csv_str(f, s->max_at);
        csv_num(f, s->geo_pct_store, 2);
        csv_num(f, s->geo_pct_best_copy, 2);
        fputc('\n', f);
    }
    return ferror(f) ? -1 : 0;
}

/* ----------------------------------------------------------------- JSON */

void bench_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

static void json_num(FILE *f, double v, int prec)
{
    if (isfinite(v))
        fprintf(f, "%.*f", prec, v);
    else
        fputs("null", f);
}

static void json_kv_str(FILE *f, const char *k, const char *v, int comma)
{
    fprintf(f, "%s\"%s\": ", comma ? ", " : "", k);
    bench_json_string(f, v ? v : "");
}

static void json_kv_num(FILE *f, const char *k, double v, int prec)
{
    fprintf(f, ", \"%s\": ", k);
    json_num(f, v, prec);
}

static void json_kv_sig(FILE *f, const char *k, double v)
{
    if (isfinite(v))
        fprintf(f, ", \"%s\": %.5g", k, v);
    else
        fprintf(f, ", \"%s\": null", k);
}

static void json_kv_ns(FILE *f, const char *k, double v)
{
    if (isfinite(v))
        fprintf(f, ", \"%s\": %.6g", k, v);
    else
        fprintf(f, ", \"%s\": null", k);
}

static void json_kv_size(FILE *f, const char *k, size_t v)
{
    if (v == SIZE_MAX)
        fprintf(f, ", \"%s\": null", k);
    else
        fprintf(f, ", \"%s\": %zu", k, v);
}

static void json_machine(FILE *f, const struct bench_machine *m)
{
    fputs("{", f);
    json_kv_str(f, "cpu_model", m->cpu_model, 0);
    json_kv_str(f, "cpu_family", m->cpu_family, 1);
    json_kv_str(f, "vendor", m->vendor, 1);
    json_kv_str(f, "features", m->features, 1);
    json_kv_str(f, "isa_active", m->isa_active, 1);
    json_kv_str(f, "isa_best", m->isa_best, 1);
    json_kv_str(f, "vmmem_isa_env", m->isa_env, 1);
    json_kv_size(f, "l1d_bytes", m->l1d);
    json_kv_size(f, "l2_bytes", m->l2);
    json_kv_size(f, "l3_bytes", m->l3);
    json_kv_size(f, "l3_share_bytes", m->l3_share);
    fprintf(f, ", \"l3_sharing_cpus\": %u", m->l3_sharing);
    json_kv_str(f, "cache_source", m->cache_source, 1);
    json_kv_size(f, "threshold_simd", m->thr_simd);
    json_kv_size(f, "threshold_erms", m->thr_erms);
    json_kv_size(f, "threshold_nt", m->thr_nt);
    json_kv_str(f, "compiler", m->compiler, 1);
    json_kv_str(f, "flags", m->cflags, 1);
    json_kv_str(f, "libc", m->libc, 1);
    json_kv_str(f, "kernel", m->kernel, 1);
    json_kv_str(f, "thp", m->thp, 1);
    fprintf(f, ", \"cpus_allowed\": %u, \"pinned_cpu\": %d", m->allowed_cpus, m->pinned_cpu);
    json_kv_str(f, "date", m->date, 1);
    json_kv_num(f, "timer_ns", m->timer_ns, 2);
    fputs("}", f);
}

static void json_result(FILE *f, const struct bench_result *x)
{
    fputs("{", f);
    json_kv_str(f, "mode", bench_mode_name(x->mode), 0);
    json_kv_str(f, "section", x->section, 1);
    json_kv_str(f, "variant", x->variant, 1);
    fprintf(f, ", \"size\": %zu, \"ws_bytes\": %zu", x->size, x->ws_bytes);
    json_kv_num(f, "mean_bytes", x->mean_bytes, 3);
    fprintf(f, ", \"src_off\": %u, \"dst_off\": %u", x->src_off, x->dst_off);
    json_kv_str(f, "impl", x->impl, 1);
    json_kv_str(f, "role", role_name(x->role), 1);
    fprintf(f, ", \"copy_method\": %s", x->flags & BENCH_F_COPY_METHOD ? "true" : "false");
    json_kv_ns(f, "ns_per_call", x->ns_per_call);
    json_kv_ns(f, "ns_best", x->ns_best);
    json_kv_num(f, "gbps", x->gbps, 4);
    json_kv_sig(f, "ratio_vs_glibc", x->ratio);
    json_kv_sig(f, "ratio_q1", x->ratio_q1);
    json_kv_sig(f, "ratio_q3", x->ratio_q3);
    fprintf(f, ", \"unsteady\": %s", x->unsteady ? "true" : "false");
    json_kv_ns(f, "store_limit_ns", x->store_limit_ns);
    json_kv_str(f, "store_limit_by", x->store_limit_by, 1);
    json_kv_num(f, "pct_store_limit", x->pct_store, 2);
    json_kv_ns(f, "best_copy_ns", x->best_copy_ns);
    json_kv_str(f, "best_copy_by", x->best_copy_by, 1);
    json_kv_num(f, "pct_best_copy", x->pct_best_copy, 2);
    fprintf(f, ", \"rounds\": %u, \"reruns\": %u, \"iters\": %lu, \"wrong\": %s}", x->rounds,
            x->reruns, x->iters, x->wrong ? "true" : "false");
}

static void json_row(FILE *f, const struct bench_summary_row *s)
{
    fputs("{", f);
    json_kv_str(f, "mode", bench_mode_name(s->mode), 0);
    json_kv_str(f, "class", s->label, 1);
    json_kv_str(f, "impl", s->impl, 1);
    json_kv_str(f, "role", role_name(s->role), 1);
    fprintf(f, ", \"points\": %zu", s->count);
    json_kv_sig(f, "geomean_ratio_vs_glibc", s->geo_ratio);
    json_kv_sig(f, "min_ratio", s->min_ratio);
    json_kv_str(f, "min_at", s->min_at, 1);
    json_kv_sig(f, "max_ratio", s->max_ratio);
    json_kv_str(f, "max_at", s->max_at, 1);
    json_kv_num(f, "geomean_pct_store_limit", s->geo_pct_store, 2);
    json_kv_num(f, "geomean_pct_best_copy", s->geo_pct_best_copy, 2);
    fputs("}", f);
}

int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                     const struct bench_registry *reg, const struct bench_results *r,
                     const struct bench_summary_row *rows, size_t nrows,
                     const struct bench_checks *c)
{
    fputs("{\n  \"machine\": ", f);
    json_machine(f, m);
    fputs(",\n  \"run\": {", f);
    json_kv_str(f, "command", run->command, 0);
    json_kv_str(f, "commit", run->commit, 1);
    fprintf(f, ", \"quick\": %s", run->quick ? "true" : "false");
    json_kv_str(f, "rounds", run->rounds, 1);
    json_kv_num(f, "batch_us", run->batch_us, 1);
    json_kv_num(f, "elapsed_s", run->elapsed_s, 1);
    fprintf(f, ", \"seed\": %llu, \"mix_ops\": %zu", run->seed, run->mix_ops);
    json_kv_str(f, "statistic",
                "ratio_vs_glibc: median over rounds of (impl ns / glibc memcpy ns) in the same "
                "round and mode; < 1 is faster",
                1);
    json_kv_num(f, "aa_tolerance", c->aa_tol, 3);
    fputs("},\n  \"modes\": [", f);
    int first = 1;
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        if (!(run->modes & (1u << mode)))
            continue;
        fputs(first ? "\n    {" : ",\n    {", f);
        first = 0;
        json_kv_str(f, "name", bench_mode_name(mode), 0);
        json_kv_str(f, "how", bench_mode_desc(mode), 1);
        fputs("}", f);
    }
    fputs("\n  ],\n  \"resolved\": [", f);
    for (size_t i = 0; i < reg->n_where; i++) {
        fputs(i ? ", " : "", f);
        bench_json_string(f, reg->where[i]);
    }
    fputs("],\n  \"implementations\": [", f);
    first = 1;
    for (size_t i = 0; i < reg->n; i++) {
        const struct bench_impl *im = &reg->impl[i];
        fputs(first ? "\n    {" : ",\n    {", f);
        first = 0;
        json_kv_str(f, "name", im->name, 0);
        json_kv_str(f, "mode", bench_mode_name(im->mode), 1);
        json_kv_str(f, "role", role_name(im->role), 1);
        json_kv_str(f, "description", im->desc, 1);
        fprintf(f, ", \"available\": %s, \"selected\": %s", im->available ? "true" : "false",
                im->selected ? "true" : "false");
        if (!im->available)
            json_kv_str(f, "why_not", im->why_not, 1);
        fputs("}", f);
    }
    fputs("\n  ],\n  \"results\": [", f);
    for (size_t i = 0; i < r->n; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_result(f, &r->v[i]);
    }
    fputs(r->n ? "\n  ],\n  \"summary\": [" : "],\n  \"summary\": [", f);
    for (size_t i = 0; i < nrows; i++) {
        fputs(i ? ",\n    " : "\n    ", f);
        json_row(f, &rows[i]);
    }
    fputs(nrows ? "\n  ],\n  \"checks\": [" : "],\n  \"checks\": [", f);
    first = 1;
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        if (!(run->modes & (1u << mode)))
            continue;
        fputs(first ? "\n    {" : ",\n    {", f);
        first = 0;
        json_kv_str(f, "mode", bench_mode_name(mode), 0);
        fprintf(f, ", \"aa_points\": %zu, \"aa_outside_tolerance\": %zu", c->aa_points[mode],
                c->aa_outside[mode]);
        json_kv_sig(f, "aa_worst", c->aa_worst[mode]);
        json_kv_str(f, "aa_worst_at", c->aa_worst_at[mode], 1);
        fprintf(f, ", \"aa_classes_outside_tolerance\": %zu, \"over_store_limit\": %zu",
                c->aa_classes_outside[mode], c->over_limit[mode]);
        json_kv_str(f, "over_store_limit_worst", c->over_limit_at[mode], 1);
        fprintf(f, ", \"unsteady\": %zu, \"copy_results\": %zu, \"batches\": %zu, \"reruns\": %zu}",
                c->unsteady[mode], c->results[mode], c->batches[mode], c->reruns[mode]);
    }
    fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------- terminal */

static void fmt_num(char *buf, size_t len, double v, int prec)
{
    if (isfinite(v))
        snprintf(buf, len, "%.*f", prec, v);
    else
        snprintf(buf, len, "-");
}

/* 3 significant digits, at most 2 decimals. */
static void fmt_sig(char *buf, size_t len, double v)
{
    if (!isfinite(v))
        snprintf(buf, len, "-");
    else if (v < 10)
        snprintf(buf, len, "%.2f", v);
    else if (v < 100)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.0f", v);
}

/* Same point, whatever the mode. */
static int same_measurement(const struct bench_result *a, const struct bench_result *b)
{
    return !strcmp(a->section, b->section) && !strcmp(a->variant, b->variant) &&
           a->size == b->size && a->ws_bytes == b->ws_bytes;
}

/* The end of the run of results that belong to the point of v[i]. */
static size_t point_end(const struct bench_results *r, size_t i, size_t last)
{
    size_t k = i;
    while (k < last && same_measurement(&r->v[k], &r->v[i]))
        k++;
    return k;
}

static const struct bench_result *find_in(const struct bench_results *r, size_t a, size_t b,
                                          int mode, const char *impl, enum bench_role role)
{
    for (size_t k = a; k < b; k++) {
        const struct bench_result *y = &r->v[k];
        if (y->mode == mode && (impl ? !strcmp(y->impl, impl) : y->role == role))
            return y;
    }
    return NULL;
}

static int is_column(const struct bench_result *x)
{
    return x->role == BENCH_ROLE_COPY || x->role == BENCH_ROLE_AA;
}

/* Copy implementations of mode in v[first..last), first seen first. */
static size_t columns(const struct bench_results *r, size_t first, size_t last, int mode,
                      const char *cols[], size_t max)
{
    size_t n = 0;
    for (size_t i = first; i < last; i++) {
        const struct bench_result *x = &r->v[i];
        if (x->mode != mode || !is_column(x))
            continue;
        size_t k = 0;
        while (k < n && strcmp(cols[k], x->impl))
            k++;
        if (k == n && n < max)
            cols[n++] = x->impl;
    }
    return n;
}

static void ratio_cell(char *buf, size_t len, const struct bench_result *x)
{
    if (!x || !isfinite(x->ratio)) {
        snprintf(buf, len, "-");
        return;
    }
    snprintf(buf, len, "%.2f%s%s", x->ratio, x->unsteady ? "~" : "", x->wrong ? "!" : "");
}

void bench_print_matrix(FILE *f, const struct bench_results *r, size_t first, size_t last, int mode)
{
    const char *cols[BENCH_MAX_IMPLS];
    size_t nc = columns(r, first, last, mode, cols, BENCH_MAX_IMPLS);
    if (!nc)
        return;
    char sn[32];
    fprintf(f, "%-26s %9s %9s %-6s", "point", "glibc ns", "limit ns", "by");
    for (size_t c = 0; c < nc; c++)
        fprintf(f, " %8.8s", bench_short_name(cols[c], sn, sizeof sn));
    fputc('\n', f);
    for (size_t i = first; i < last;) {
        size_t end = point_end(r, i, last);
        const struct bench_result *ref = find_in(r, i, end, mode, NULL, BENCH_ROLE_REFERENCE);
        if (ref) {
            char label[64], g[24], l[24], by[32] = "-";
            bench_point_label(ref, label, sizeof label);
            fmt_sig(g, sizeof g, ref->ns_per_call);
            fmt_sig(l, sizeof l, ref->store_limit_ns);
            if (ref->store_limit_by[0])
                bench_short_name(ref->store_limit_by, by, sizeof by);
            fprintf(f, "%-26.26s %9s %9s %-6.6s", label, g, l, by);
            for (size_t c = 0; c < nc; c++) {
                char cell[24];
                ratio_cell(cell, sizeof cell, find_in(r, i, end, mode, cols[c], 0));
                fprintf(f, " %8s", cell);
            }
            fputc('\n', f);
        }
        i = end;
    }
}

void bench_print_limits(FILE *f, const struct bench_results *r, size_t first, size_t last, int mode)
{
    int header = 0;
    char sn[32];
    for (size_t i = first; i < last;) {
        size_t end = point_end(r, i, last);
        const struct bench_result *ref = find_in(r, i, end, mode, NULL, BENCH_ROLE_REFERENCE);
        i = end;
        if (!ref || ref->size < ((size_t)1 << 20))
            continue;
        if (!header) {
            fprintf(f, "%-18s %15s %17s", "point", "store limit", "best copy");
            for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
                fprintf(f, " %9.9s", bench_short_name(limit_impls[k], sn, sizeof sn));
            fprintf(f, "\n%-18s %15s %17s", "", "GB/s by", "GB/s by");
            for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
                fprintf(f, " %9s", "%best");
            fputc('\n', f);
            header = 1;
        }
        char label[64], a[24], b[24], ab[32] = "-", bb[32] = "-";
        snprintf(label, sizeof label, "%s %s", ref->section,
                 bench_format_size(ref->size, a, sizeof a));
        fmt_sig(a, sizeof a, ref->mean_bytes / ref->store_limit_ns);
        fmt_sig(b, sizeof b, ref->mean_bytes / ref->best_copy_ns);
        if (ref->store_limit_by[0])
            bench_short_name(ref->store_limit_by, ab, sizeof ab);
        if (ref->best_copy_by[0])
            bench_short_name(ref->best_copy_by, bb, sizeof bb);
        fprintf(f, "%-18.18s %6s %-8.8s %6s %-10.10s", label, a, ab, b, bb);
        for (size_t k = 0; k < N_LIMIT_IMPLS; k++) {
            const struct bench_result *x = find_in(r, ref - r->v, end, mode, limit_impls[k], 0);
            char cell[24];
            fmt_num(cell, sizeof cell, x ? x->pct_best_copy : NAN, 0);
            fprintf(f, " %9s", cell);
        }
        fputc('\n', f);
    }
}

/* The classes of one mode, in order, as indices of their first rows. */
static size_t class_rows(const struct bench_summary_row *rows, size_t nrows, int mode,
                         size_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < nrows && n < max; i++)
        if (rows[i].mode == mode && (n == 0 || strcmp(rows[out[n - 1]].label, rows[i].label)))
            out[n++] = i;
    return n;
}

static void range_cell(char *buf, size_t len, const struct bench_summary_row *s)
{
    if (!s)
        snprintf(buf, len, "-");
    else if (s->count > 1)
        snprintf(buf, len, "%.2f [%.2f-%.2f]", s->geo_ratio, s->min_ratio, s->max_ratio);
    else
        snprintf(buf, len, "%.2f", s->geo_ratio);
}

#define MAX_CLASSES 64

void bench_print_summary(FILE *f, const struct bench_summary_row *rows, size_t nrows, int mode)
{
    size_t cls[MAX_CLASSES];
    size_t ncls = class_rows(rows, nrows, mode, cls, MAX_CLASSES);
    if (!ncls)
        return;
    char sn[32];
    fprintf(f, "%-32s %4s", "class", "n");
    for (size_t k = 0; k < bench_headline_count; k++)
        fprintf(f, " %-18.18s", bench_short_name(bench_headline_impls[k], sn, sizeof sn));
    fputc('\n', f);
    for (size_t c = 0; c < ncls; c++) {
        const struct bench_summary_row *first = &rows[cls[c]];
        fprintf(f, "%-32.32s %4zu", first->label, first->count);
        for (size_t k = 0; k < bench_headline_count; k++) {
            char cell[48];
            range_cell(cell, sizeof cell,
                       bench_summary_find(rows, nrows, mode, first->label, bench_headline_impls[k]));
            fprintf(f, " %-18s", cell);
        }
        fputc('\n', f);
    }
    fprintf(f, "\n%-32s", "limits: geomean % of");
    for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
        fprintf(f, " %15.15s", bench_short_name(limit_impls[k], sn, sizeof sn));
    fprintf(f, "\n%-32s", "store limit | best copy method");
    for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
        fprintf(f, " %15s", "store | best");
    fputc('\n', f);
    for (size_t c = 0; c < ncls; c++) {
        const char *label = rows[cls[c]].label;
        fprintf(f, "%-32.32s", label);
        for (size_t k = 0; k < N_LIMIT_IMPLS; k++) {
            const struct bench_summary_row *s =
                bench_summary_find(rows, nrows, mode, label, limit_impls[k]);
            char a[16] = "-", b[16] = "-", cell[40];
            if (s) {
                fmt_num(a, sizeof a, s->geo_pct_store, 0);
                fmt_num(b, sizeof b, s->geo_pct_best_copy, 0);
            }
            snprintf(cell, sizeof cell, "%s | %s", a, b);
            fprintf(f, " %15s", cell);
        }
        fputc('\n', f);
    }
}

void bench_print_summary_all(FILE *f, const struct bench_summary_row *rows, size_t nrows, int mode)
{
    size_t cls[MAX_CLASSES];
    size_t ncls = class_rows(rows, nrows, mode, cls, MAX_CLASSES);
    const char *cols[BENCH_MAX_IMPLS];
    size_t nc = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].mode != mode || rows[i].role == BENCH_ROLE_REFERENCE)
            continue;
        size_t k = 0;
        while (k < nc && strcmp(cols[k], rows[i].impl))
            k++;
        if (k == nc && nc < BENCH_MAX_IMPLS)
            cols[nc++] = rows[i].impl;
    }
    if (!ncls || !nc)
        return;
    char sn[32];
    fprintf(f, "%-32s", "class");
    for (size_t c = 0; c < nc; c++)
        fprintf(f, " %8.8s", bench_short_name(cols[c], sn, sizeof sn));
    fputc('\n', f);
    for (size_t c = 0; c < ncls; c++) {
        const char *label = rows[cls[c]].label;
        fprintf(f, "%-32.32s", label);
        for (size_t k = 0; k < nc; k++) {
            const struct bench_summary_row *s = bench_summary_find(rows, nrows, mode, label, cols[k]);
            char cell[24];
            fmt_num(cell, sizeof cell, s ? s->geo_ratio : NAN, 2);
            fprintf(f, " %8s", cell);
        }
        fputc('\n', f);
    }
}

void bench_print_checks(FILE *f, const struct bench_checks *c, unsigned modes)
{
    for (int m = 0; m < BENCH_MODE_COUNT; m++) {
        if (!(modes & (1u << m)) || !c->aa_points[m])
            continue;
        fprintf(f, "%s mode: A/A control (glibc memcpy against itself) within +-%.0f %% at %zu of "
                   "%zu points, worst %.3f at %s",
                bench_mode_name(m), 100.0 * c->aa_tol, c->aa_points[m] - c->aa_outside[m],
                c->aa_points[m], c->aa_worst[m], c->aa_worst_at[m]);
        if (c->aa_outside[m] || c->aa_classes_outside[m])
            fprintf(f, "\n  WARNING: the A/A control is outside +-%.0f %% at %zu points and in %zu "
                       "class means: differences of that size are noise in this run",
                    100.0 * c->aa_tol, c->aa_outside[m], c->aa_classes_outside[m]);
        fputc('\n', f);
        if (c->over_limit[m])
            fprintf(f, "  WARNING: %zu copy results are faster than the store limit by more than "
                       "%.0f %% (highest %.0f %%: %s): the store-only methods are not a bound "
                       "there, or the run was noisy\n",
                    c->over_limit[m], 100.0 * c->aa_tol, c->over_limit_worst[m],
                    c->over_limit_at[m]);
        if (c->unsteady[m])
            fprintf(f, "  note: %zu of %zu ratios are marked '~': the median of per-round ratios "
                       "differs by more than %.0f %% from the ratio of the printed medians\n",
                    c->unsteady[m], c->results[m], 100.0 * BENCH_UNSTEADY_TOL);
        if (c->reruns[m])
            fprintf(f, "  note: %zu extra batches (for %zu timed ones) were run because the "
                       "scheduler switched the benchmark out during or before a batch (a busy "
                       "machine)\n",
                    c->reruns[m], c->batches[m]);
    }
}

/* ------------------------------------------------------------- Markdown */

static void md_row_cells(FILE *f, const struct bench_summary_row *rows, size_t nrows, int mode,
                         const char *label)
{
    for (size_t k = 0; k < bench_headline_count; k++) {
        char cell[48];
        range_cell(cell, sizeof cell,
                   bench_summary_find(rows, nrows, mode, label, bench_headline_impls[k]));
        fprintf(f, " %s |", cell);
    }
}

int bench_write_markdown(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                         const struct bench_summary_row *rows, size_t nrows,
                         const struct bench_checks *c)
{
    fprintf(f, "<!-- written by vmmem-bench; do not edit: rerun `make bench` -->\n");
    fprintf(f, "Machine: %s (%s), %u CPUs in the affinity mask, %s; %s, %s. Compiler: %s; "
               "flags: %s. Commit `%s`, %s. Command: `%s`.\n\n",
            m->cpu_model, m->cpu_family, m->allowed_cpus, m->pin_note, m->libc, m->kernel,
            m->compiler, m->cflags, run->commit, m->date, run->command);
    fprintf(f, "Time ratio to glibc `memcpy` in the same run and calling mode (< 1 is faster): "
               "per point the median over %s interleaved, shuffled rounds of (implementation ns / "
               "glibc ns in the same round); per class the geometric mean over its points, "
               "[lowest-highest point]. A/A is glibc `memcpy` timed against itself.\n",
            run->rounds);
    char sn[32];
    for (int mode = 0; mode < BENCH_MODE_COUNT; mode++) {
        size_t cls[MAX_CLASSES];
        size_t ncls = class_rows(rows, nrows, mode, cls, MAX_CLASSES);
        if (!ncls)
            continue;
        fprintf(f, "\n**Calling mode: %s** - %s. A/A within +-%.0f %% at %zu of %zu points "
                   "(worst %.3f at %s).\n\n",
                bench_mode_name(mode), bench_mode_desc(mode), 100.0 * c->aa_tol,
                c->aa_points[mode] - c->aa_outside[mode], c->aa_points[mode], c->aa_worst[mode],
                c->aa_worst_at[mode]);
        fputs("| class | points |", f);
        for (size_t k = 0; k < bench_headline_count; k++)
            fprintf(f, " %s |", bench_short_name(bench_headline_impls[k], sn, sizeof sn));
        fputs("\n|---|---|", f);
        for (size_t k = 0; k < bench_headline_count; k++)
            fputs("---|", f);
        fputc('\n', f);
        for (size_t i = 0; i < ncls; i++) {
            const struct bench_summary_row *first = &rows[cls[i]];
            fprintf(f, "| %s | %zu |", first->label, first->count);
            md_row_cells(f, rows, nrows, mode, first->label);
            fputc('\n', f);
        }
        fputs("\n| class | limit |", f);
        for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
            fprintf(f, " %s |", bench_short_name(limit_impls[k], sn, sizeof sn));
        fputs("\n|---|---|", f);
        for (size_t k = 0; k < N_LIMIT_IMPLS; k++)
            fputs("---|", f);
        fputc('\n', f);
        for (size_t i = 0; i < ncls; i++) {
            /* The limit the targets use: the best copy method where every
             * point of the class has it (from 1 MiB), the store limit elsewhere. */
            const char *label = rows[cls[i]].label;
            int best = 0;
            for (size_t k = 0; k < N_LIMIT_IMPLS && !best; k++) {
                const struct bench_summary_row *s =
                    bench_summary_find(rows, nrows, mode, label, limit_impls[k]);
                best = s && s->count_pct_best_copy == s->count;
            }
            fprintf(f, "| %s | %% of %s |", label, best ? "best copy method" : "store limit");
            for (size_t k = 0; k < N_LIMIT_IMPLS; k++) {
                const struct bench_summary_row *s =
                    bench_summary_find(rows, nrows, mode, label, limit_impls[k]);
                char cell[16];
                fmt_num(cell, sizeof cell,
                        s ? (best ? s->geo_pct_best_copy : s->geo_pct_store) : NAN, 0);
                fprintf(f, " %s |", cell);
            }
            fputc('\n', f);
        }
    }
    return ferror(f) ? -1 : 0;
}
