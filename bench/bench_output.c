/* bench_output.c - terminal table and summary, CSV and JSON writers. */
#include "bench_output.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

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

static const char *role_name(enum bench_role role)
{
    switch (role) {
    case BENCH_ROLE_COPY: return "copy";
    case BENCH_ROLE_REFERENCE: return "baseline";
    case BENCH_ROLE_STORE_LIMIT: return "store-limit";
    case BENCH_ROLE_STORE_NT_LIMIT: return "store-nt-limit";
    case BENCH_ROLE_LOAD_LIMIT: return "load-limit";
    case BENCH_ROLE_OVERHEAD: return "overhead";
    }
    return "?";
}

int bench_write_csv(FILE *f, const struct bench_results *r)
{
    fputs("section,variant,size,mean_bytes,src_off,dst_off,impl,role,ns_per_call,ns_best,gbps,"
          "speedup_vs_glibc,pct_store_limit,rounds,iters,wrong\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        bench_csv_field(f, x->section);
        fputc(',', f);
        bench_csv_field(f, x->variant);
        fprintf(f, ",%zu,%.3f,%u,%u,", x->size, x->mean_bytes, x->src_off, x->dst_off);
        bench_csv_field(f, x->impl);
        fprintf(f, ",%s", role_name(x->role));
        csv_num(f, x->ns_per_call, 3);
        csv_num(f, x->ns_best, 3);
        csv_num(f, x->gbps, 4);
        csv_num(f, x->speedup, 4);
        csv_num(f, x->pct_store, 2);
        fprintf(f, ",%u,%lu,%d\n", x->rounds, x->iters, x->wrong);
    }
    return ferror(f) ? -1 : 0;
}

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
    bench_json_string(f, v);
}

static void json_kv_size(FILE *f, const char *k, size_t v)
{
    if (v == SIZE_MAX)
        fprintf(f, ", \"%s\": null", k);
    else
        fprintf(f, ", \"%s\": %zu", k, v);
}

int bench_write_json(FILE *f, const struct bench_machine *m, const struct bench_run_info *run,
                     const struct bench_results *r, const struct bench_summary_row *rows,
                     size_t nrows)
{
    fputs("{\n  \"machine\": {", f);
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
    fprintf(f, ", \"online_cpus\": %u, \"pinned_cpu\": %d", m->online_cpus, m->pinned_cpu);
    json_kv_str(f, "date", m->date, 1);
    fputs(", \"timer_ns\": ", f);
    json_num(f, m->timer_ns, 2);
    fputs("},\n  \"run\": {", f);
    json_kv_str(f, "command", run->command ? run->command : "", 0);
    fprintf(f, ", \"quick\": %s, \"rounds\": %u, \"batch_us\": ", run->quick ? "true" : "false",
            run->rounds);
    json_num(f, run->batch_us, 1);
    fputs(", \"elapsed_s\": ", f);
    json_num(f, run->elapsed_s, 1);
    fprintf(f, ", \"seed\": %llu},\n  \"results\": [", run->seed);
    for (size_t i = 0; i < r->n; i++) {
        const struct bench_result *x = &r->v[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        json_kv_str(f, "section", x->section, 0);
        json_kv_str(f, "variant", x->variant, 1);
        fprintf(f, ", \"size\": %zu, \"mean_bytes\": ", x->size);
        json_num(f, x->mean_bytes, 3);
        fprintf(f, ", \"src_off\": %u, \"dst_off\": %u", x->src_off, x->dst_off);
        json_kv_str(f, "impl", x->impl, 1);
        json_kv_str(f, "role", role_name(x->role), 1);
        fputs(", \"ns_per_call\": ", f);
        json_num(f, x->ns_per_call, 3);
        fputs(", \"ns_best\": ", f);
        json_num(f, x->ns_best, 3);
        fputs(", \"gbps\": ", f);
        json_num(f, x->gbps, 4);
        fputs(", \"speedup_vs_glibc\": ", f);
        json_num(f, x->speedup, 4);
        fputs(", \"pct_store_limit\": ", f);
        json_num(f, x->pct_store, 2);
        fprintf(f, ", \"rounds\": %u, \"iters\": %lu, \"wrong\": %s}", x->rounds, x->iters,
                x->wrong ? "true" : "false");
    }
    fputs(r->n ? "\n  ],\n  \"summary\": [" : "],\n  \"summary\": [", f);
    for (size_t i = 0; i < nrows; i++) {
        const struct bench_summary_row *s = &rows[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        json_kv_str(f, "class", s->label, 0);
        json_kv_str(f, "impl", s->impl, 1);
        fprintf(f, ", \"count\": %zu, \"geomean_speedup_vs_glibc\": ", s->count);
        json_num(f, s->geo_speedup, 4);
        fputs(", \"min_speedup\": ", f);
        json_num(f, s->min_speedup, 4);
        fputs(", \"max_speedup\": ", f);
        json_num(f, s->max_speedup, 4);
        fputs(", \"geomean_pct_store_limit\": ", f);
        json_num(f, s->geo_pct_store, 2);
        fputc('}', f);
    }
    fputs(nrows ? "\n  ]\n}\n" : "]\n}\n", f);
    return ferror(f) ? -1 : 0;
}

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

void bench_print_table(FILE *f, const struct bench_results *r, size_t first, size_t last)
{
    for (size_t i = first; i < last; i++) {
        const struct bench_result *x = &r->v[i];
        int new_point = i == first || strcmp(x->variant, r->v[i - 1].variant) ||
                        x->size != r->v[i - 1].size || strcmp(x->section, r->v[i - 1].section);
        char point[64], sz[24];
        if (new_point) {
            if (x->size)
                snprintf(point, sizeof point, "%s", bench_format_size(x->size, sz, sizeof sz));
            else
                snprintf(point, sizeof point, "%s (mean %.0f B)", x->variant, x->mean_bytes);
            fprintf(f, "%s %-22s %-18s %10s %9s %8s %7s\n", i == first ? "" : "\n", point,
                    x->size ? x->variant : "", "ns/call", "GB/s", "x glibc", "%store");
        }
        char ns[24], gb[24], spd[24], pct[24];
        fmt_sig(ns, sizeof ns, x->ns_per_call);
        if (x->role == BENCH_ROLE_OVERHEAD)
            snprintf(gb, sizeof gb, "-");
        else
            fmt_sig(gb, sizeof gb, x->gbps);
        if (bench_role_is_copy(x->role))
            fmt_num(spd, sizeof spd, x->speedup, 2);
        else
            snprintf(spd, sizeof spd, "(%s)", x->role == BENCH_ROLE_OVERHEAD ? "ovh" : "limit");
        fmt_num(pct, sizeof pct, x->pct_store, 0);
        fprintf(f, "   %-20s%s %-18s %10s %9s %8s %7s\n", x->impl, x->wrong ? "!" : " ", "", ns,
                gb, spd, pct);
    }
}

void bench_print_summary(FILE *f, const struct bench_summary_row *rows, size_t nrows)
{
    fprintf(f, "%-28s %-20s %5s %9s %9s %9s %8s\n", "class", "implementation", "n", "geo x",
            "min x", "max x", "%store");
    int last = -1;
    for (size_t i = 0; i < nrows; i++) {
        const struct bench_summary_row *s = &rows[i];
        char g[24], lo[24], hi[24], pc[24];
        fmt_num(g, sizeof g, s->geo_speedup, 2);
        fmt_num(lo, sizeof lo, s->min_speedup, 2);
        fmt_num(hi, sizeof hi, s->max_speedup, 2);
        fmt_num(pc, sizeof pc, s->geo_pct_store, 0);
        fprintf(f, "%-28s %-20s %5zu %9s %9s %9s %8s\n", s->cls != last ? s->label : "", s->impl,
                s->count, g, lo, hi, pc);
        last = s->cls;
    }
}

static const struct bench_summary_row *find_row(const struct bench_summary_row *rows, size_t nrows,
                                                int cls, const char *impl)
{
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].cls == cls && !strcmp(rows[i].impl, impl))
            return &rows[i];
    return NULL;
}

void bench_print_headline(FILE *f, const struct bench_summary_row *rows, size_t nrows,
                          const char *const *impls, size_t nimpls)
{
    fprintf(f, "%-28s", "class");
    for (size_t k = 0; k < nimpls; k++)
        fprintf(f, " %18.18s", impls[k]);
    fprintf(f, "\n%-28s", "");
    for (size_t k = 0; k < nimpls; k++)
        fprintf(f, " %18s", "x glibc  %store");
    fputc('\n', f);
    int last = -1;
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].cls == last)
            continue;
        last = rows[i].cls;
        fprintf(f, "%-28s", rows[i].label);
        for (size_t k = 0; k < nimpls; k++) {
            const struct bench_summary_row *s = find_row(rows, nrows, last, impls[k]);
            char g[24] = "-", pc[24] = "-";
            if (s) {
                fmt_num(g, sizeof g, s->geo_speedup, 2);
                fmt_num(pc, sizeof pc, s->geo_pct_store, 0);
            }
            fprintf(f, " %10s %7s", g, pc);
        }
        fputc('\n', f);
    }
}
