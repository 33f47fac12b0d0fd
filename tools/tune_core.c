/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/tune_core.c - crossover selection, size ladders and text for
 * vmmem-tune (no timing here; see tune_core.h). */

#include "tune_core.h"
#include "engine.h" /* vmmem_parse_size(), the library's own reader of sizes */

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tune_wins(double cand_ns, double base_ns, double tolerance)
{
    if (!(cand_ns > 0.0) || !isfinite(cand_ns))
        return 0;
    if (!(base_ns > 0.0) || !isfinite(base_ns))
        return 1; /* a broken incumbent measurement cannot beat anything */
    return cand_ns <= base_ns * (1.0 + tolerance);
}

int tune_point_wins(const struct tune_point *p, double tolerance)
{
    if (p->variants == 0 || p->variants > TUNE_MAX_VARIANTS)
        return 0;
    for (unsigned v = 0; v < p->variants; v++)
        if (!tune_wins(p->cand_ns[v], p->base_ns[v], tolerance))
            return 0;
    return 1;
}

struct tune_crossover tune_find_crossover(const struct tune_point *points, size_t count,
                                          double tolerance)
{
    struct tune_crossover r = {TUNE_NEVER, 0};
    /* Walk down from the largest size while the candidate keeps winning. */
    size_t first = count;
    while (first > 0 && tune_point_wins(&points[first - 1], tolerance))
        first--;
    if (first == count)
        return r;
    r.verdict = first == 0 ? TUNE_ALWAYS : TUNE_FROM;
    r.size = points[first].size;
    return r;
}

static size_t round_ladder_size(double x)
{
    size_t step = 64;
    while ((double)step * 2.0 <= x / 16.0)
        step *= 2;
    double units = floor(x / (double)step + 0.5);
    return (size_t)units * step;
}

size_t tune_log_ladder(size_t lo, size_t hi, unsigned per_octave, size_t *out, size_t cap)
{
    if (cap == 0 || lo == 0 || hi < lo || per_octave == 0)
        return 0;
    size_t n = 0;
    out[n++] = lo;
    for (unsigned k = 1; n < cap; k++) {
        double x = (double)lo * pow(2.0, (double)k / per_octave);
        if (x >= (double)hi)
            break;
        size_t s = round_ladder_size(x);
        if (s > out[n - 1] && s < hi)
            out[n++] = s;
    }
    if (hi > out[n - 1] && n < cap)
        out[n++] = hi;
    return n;
}

/* snprintf with the "length or -1" convention used here. */
static int put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
    if (*len >= cap)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *len, cap - *len, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= cap - *len)
        return -1;
    *len += (size_t)w;
    return 0;
}

int tune_format_size(size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    if (n == SIZE_MAX)
        return put(buf, cap, &len, "off") ? -1 : (int)len;
    static const struct {
        unsigned shift;
        char suffix;
    } units[] = {{30, 'G'}, {20, 'M'}, {10, 'K'}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t unit = (size_t)1 << units[i].shift;
        if (n != 0 && n % unit == 0)
            return put(buf, cap, &len, "%zu%c", n / unit, units[i].suffix) ? -1 : (int)len;
    }
    return put(buf, cap, &len, "%zu", n) ? -1 : (int)len;
}

int tune_parse_size(const char *text, size_t *out)
{
    if (text && strcmp(text, "off") == 0) {
        *out = SIZE_MAX;
        return 0;
    }
    return vmmem_parse_size(text, out); /* the library's own reader of these values */
}

/* Appends "# <text>\n" with line breaks in text turned into spaces. */
static int put_comment(char *buf, size_t cap, size_t *len, const char *label, const char *text)
{
    if (put(buf, cap, len, "# %s", label))
        return -1;
    for (const char *c = text; *c; c++)
        if (put(buf, cap, len, "%c", (*c == '\n' || *c == '\r') ? ' ' : *c))
            return -1;
    return put(buf, cap, len, "\n");
}

/* The three thresholds as text (K/M/G or off), 32 bytes each. */
static int format_settings(const struct tune_settings *s, char simd[32], char erms[32], char nt[32])
{
    return tune_format_size(s->simd, simd, 32) < 0 || tune_format_size(s->erms, erms, 32) < 0 ||
                   tune_format_size(s->nt, nt, 32) < 0
               ? -1
               : 0;
}

int tune_config_text(char *buf, size_t cap, const struct tune_settings *s, const char *machine,
                     const char *date)
{
    char simd[32], erms[32], nt[32];
    if (format_settings(s, simd, erms, nt) != 0)
        return -1;
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    if (put(buf, cap, &len, "# libvmmem thresholds, measured by vmmem-tune\n"))
        return -1;
    if (machine && put_comment(buf, cap, &len, "machine: ", machine))
        return -1;
    if (date && put_comment(buf, cap, &len, "date: ", date))
        return -1;
    if (put(buf, cap, &len,
            "# Read at start-up from $VMMEM_CONFIG, else /etc/vmmem.conf;\n"
            "# VMMEM_SIMD_THRESHOLD, VMMEM_ERMS_THRESHOLD and VMMEM_NT_THRESHOLD win over it.\n"
            "# Values: bytes with an optional K, M or G suffix, or off.\n"
            "simd_threshold = %s\n"
            "erms_threshold = %s\n"
            "nt_threshold = %s\n",
            simd, erms, nt))
        return -1;
    return (int)len;
}

int tune_shell_text(char *buf, size_t cap, const struct tune_settings *s)
{
    char simd[32], erms[32], nt[32];
    if (format_settings(s, simd, erms, nt) != 0)
        return -1;
    size_t len = 0;
    if (cap)
        buf[0] = '\0';
    if (put(buf, cap, &len,
            "export VMMEM_SIMD_THRESHOLD=%s\n"
            "export VMMEM_ERMS_THRESHOLD=%s\n"
            "export VMMEM_NT_THRESHOLD=%s\n",
            simd, erms, nt))
        return -1;
    return (int)len;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tune_median(double *v, size_t n)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}
