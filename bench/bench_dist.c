/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_dist.c - loading, validating and sampling copy-size distributions
 * (dense and sparse file forms, see bench_dist.h). */
#include "bench_dist.h"
#include "bench_rng.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BENCH_DIST_MAX_FILE (64u << 20)

static void set_err(char *err, size_t errlen, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set_err(char *err, size_t errlen, const char *origin, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    int used = snprintf(err, errlen, "%s: ", origin ? origin : "distribution");
    if (used < 0 || (size_t)used >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
    va_end(ap);
}

static int is_blank_or_comment(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    return i == len || line[i] == '#';
}

/* One data line: where it starts, its length and its 1-based number. */
struct data_line {
    const char *p;
    size_t len;
    unsigned no;
};

/* Finds the data lines (at most max). Returns their number, or -1 with a
 * message when there are none. */
static long find_data_lines(const char *text, const char *origin, struct data_line *out,
                            size_t max, size_t *total, char *err, size_t errlen)
{
    const char *p = text;
    unsigned line = 0;
    size_t found = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        if (!is_blank_or_comment(p, l)) {
            if (found < max)
                out[found] = (struct data_line){p, l, line};
            found++;
        }
        p += l + (eol ? 1 : 0);
    }
    *total = found;
    if (!found) {
        set_err(err, errlen, origin,
                "no data line (expected one line of comma-separated probabilities for sizes "
                "0..N, or lines of \"SIZE WEIGHT\" / \"LO-HI WEIGHT\")");
        return -1;
    }
    return (long)(found < max ? found : max);
}

/* A weight: a finite number >= 0. */
static int parse_weight(const char *b, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(b, &end);
    if (end == b || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Dense form: the probabilities of sizes 0..N on one line. Returns the
 * number of fields (p[] holds them), or -1. */
static long parse_dense(const struct data_line *dl, const char *origin, double **pp, char *err,
                        size_t errlen)
{
    size_t fields = 1;
    for (size_t i = 0; i < dl->len; i++)
        fields += dl->p[i] == ',';
    if (fields > (size_t)BENCH_DIST_MAX_SIZE + 1) {
        set_err(err, errlen, origin, "line %u: %zu fields; at most %u (sizes 0..%u) are allowed",
                dl->no, fields, BENCH_DIST_MAX_SIZE + 1, BENCH_DIST_MAX_SIZE);
        return -1;
    }
    double *p = malloc(fields * sizeof *p);
    char *buf = malloc(dl->len + 1);
    if (!p || !buf) {
        free(p);
        free(buf);
        set_err(err, errlen, origin, "out of memory");
        return -1;
    }
    memcpy(buf, dl->p, dl->len);
    buf[dl->len] = '\0';
    size_t idx = 0;
    char *field = buf;
    for (;;) {
        char *comma = strchr(field, ',');
        if (comma)
            *comma = '\0';
        char *b = field;
        while (isspace((unsigned char)*b))
            b++;
        char *e = b + strlen(b);
        while (e > b && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (*b == '\0') {
            set_err(err, errlen, origin, "line %u, field %zu (size %zu): empty field", dl->no,
                    idx + 1, idx);
            goto fail;
        }
        double v;
        if (parse_weight(b, &v)) {
            set_err(err, errlen, origin,
                    "line %u, field %zu (size %zu): '%.32s' is not a finite number", dl->no,
                    idx + 1, idx, b);
            goto fail;
        }
        if (v < 0.0) {
            set_err(err, errlen, origin, "line %u, field %zu (size %zu): negative probability %g",
                    dl->no, idx + 1, idx, v);
            goto fail;
        }
        p[idx++] = v;
        if (!comma)
            break;
        field = comma + 1;
    }
    free(buf);
    *pp = p;
    return (long)idx;
fail:
    free(p);
    free(buf);
    return -1;
}

/* A size: digits with an optional K (1024) or M (1048576) suffix. */
static int parse_size_token(const char *s, size_t len, size_t *out)
{
    if (len == 0 || !isdigit((unsigned char)s[0]))
        return -1;
    unsigned long long v = 0;
    size_t i = 0;
    for (; i < len && isdigit((unsigned char)s[i]); i++) {
        v = v * 10 + (unsigned long long)(s[i] - '0');
        if (v > BENCH_DIST_MAX_SIZE)
            v = BENCH_DIST_MAX_SIZE + 1ull; /* saturate: reported as too large */
    }
    if (i < len) {
        if (i + 1 != len)
            return -1;
        if (s[i] == 'K' || s[i] == 'k')
            v <<= 10;
        else if (s[i] == 'M' || s[i] == 'm')
            v <<= 20;
        else
            return -1;
    }
    *out = v > BENCH_DIST_MAX_SIZE ? (size_t)BENCH_DIST_MAX_SIZE + 1 : (size_t)v;
    return 0;
}

struct sparse_entry {
    size_t lo, hi;
    double w;
};

/* Sparse form: "SIZE WEIGHT" or "LO-HI WEIGHT" per line. Returns the number
 * of sizes described (p[] holds their weights), or -1. */
static long parse_sparse(const struct data_line *lines, size_t n, const char *origin, double **pp,
                         char *err, size_t errlen)
{
    struct sparse_entry *ent = malloc(n * sizeof *ent);
    if (!ent) {
        set_err(err, errlen, origin, "out of memory");
        return -1;
    }
    size_t top = 0;
    for (size_t k = 0; k < n; k++) {
        const struct data_line *dl = &lines[k];
        char buf[128];
        size_t len = dl->len;
        const char *hash = memchr(dl->p, '#', len);
        if (hash)
            len = (size_t)(hash - dl->p);
        if (len >= sizeof buf) {
            set_err(err, errlen, origin, "line %u: too long for a \"SIZE WEIGHT\" entry", dl->no);
            goto fail;
        }
        memcpy(buf, dl->p, len);
        buf[len] = '\0';
        char *tok[2] = {NULL, NULL}, *save = NULL;
        int nt = 0;
        for (char *t = strtok_r(buf, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
            if (nt < 2)
                tok[nt] = t;
            nt++;
        }
        if (nt != 2) {
            set_err(err, errlen, origin,
                    "line %u: expected \"SIZE WEIGHT\" or \"LO-HI WEIGHT\" (two fields), got %d",
                    dl->no, nt);
            goto fail;
        }
        const char *dash = strchr(tok[0], '-');
        size_t lo, hi;
        int bad = dash ? parse_size_token(tok[0], (size_t)(dash - tok[0]), &lo) ||
                             parse_size_token(dash + 1, strlen(dash + 1), &hi)
                       : parse_size_token(tok[0], strlen(tok[0]), &lo);
        if (!dash)
            hi = lo;
        if (bad) {
            set_err(err, errlen, origin, "line %u: '%.32s' is not a size or a range LO-HI", dl->no,
                    tok[0]);
            goto fail;
        }
        if (hi > BENCH_DIST_MAX_SIZE) {
            set_err(err, errlen, origin, "line %u: size above the largest allowed (%u)", dl->no,
                    BENCH_DIST_MAX_SIZE);
            goto fail;
        }
        if (lo > hi) {
            set_err(err, errlen, origin, "line %u: empty range %zu-%zu", dl->no, lo, hi);
            goto fail;
        }
        double w;
        if (parse_weight(tok[1], &w)) {
            set_err(err, errlen, origin, "line %u: weight '%.32s' is not a finite number", dl->no,
                    tok[1]);
            goto fail;
        }
        if (w < 0.0) {
            set_err(err, errlen, origin, "line %u: negative weight %g", dl->no, w);
            goto fail;
        }
        ent[k] = (struct sparse_entry){lo, hi, w};
        if (hi + 1 > top)
            top = hi + 1;
    }
    double *p = calloc(top, sizeof *p);
    if (!p) {
        set_err(err, errlen, origin, "out of memory");
        goto fail;
    }
    for (size_t k = 0; k < n; k++) {
        double share = ent[k].w / (double)(ent[k].hi - ent[k].lo + 1);
        for (size_t s = ent[k].lo; s <= ent[k].hi; s++)
            p[s] += share;
    }
    free(ent);
    *pp = p;
    return (long)top;
fail:
    free(ent);
    return -1;
}

/* The dense form is one line with a comma, or one lone number. */
static int is_dense(const struct data_line *dl)
{
    if (memchr(dl->p, ',', dl->len))
        return 1;
    size_t i = 0;
    while (i < dl->len && isspace((unsigned char)dl->p[i]))
        i++;
    while (i < dl->len && !isspace((unsigned char)dl->p[i]) && dl->p[i] != '#')
        i++;
    while (i < dl->len && isspace((unsigned char)dl->p[i]))
        i++;
    return i == dl->len || dl->p[i] == '#';
}

int bench_dist_parse(const char *text, const char *name, const char *origin,
                     struct bench_dist *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!text) {
        set_err(err, errlen, origin, "no text");
        return -1;
    }
    size_t total = 0;
    struct data_line first;
    if (find_data_lines(text, origin, &first, 1, &total, err, errlen) < 0)
        return -1;
    double *p = NULL;
    long idx;
    if (is_dense(&first)) {
        if (total > 1) {
            struct data_line two[2];
            find_data_lines(text, origin, two, 2, &total, NULL, 0);
            set_err(err, errlen, origin,
                    "line %u: a second data line (a dense file holds exactly one line of "
                    "comma-separated probabilities; the first is line %u)",
                    two[1].no, first.no);
            return -1;
        }
        idx = parse_dense(&first, origin, &p, err, errlen);
    } else {
        struct data_line *lines = malloc(total * sizeof *lines);
        if (!lines) {
            set_err(err, errlen, origin, "out of memory");
            return -1;
        }
        find_data_lines(text, origin, lines, total, &total, NULL, 0);
        idx = parse_sparse(lines, total, origin, &p, err, errlen);
        free(lines);
    }
    if (idx < 0)
        return -1;

    double sum = 0.0;
    for (long i = 0; i < idx; i++)
        sum += p[i];
    if (!(sum > 0.0) || !isfinite(sum)) {
        set_err(err, errlen, origin, "line %u: the probabilities sum to %g; they must sum to more than 0",
                first.no, sum);
        free(p);
        return -1;
    }

    /* Build the CDF in place; normalise. */
    double acc = 0.0, mean = 0.0;
    d->max_size = 0;
    for (long i = 0; i < idx; i++) {
        double q = p[i] / sum;
        if (q > 0.0)
            d->max_size = (size_t)i;
        mean += q * (double)i;
        acc += q;
        p[i] = acc;
    }
    /* Rounding must not give sizes after the last non-zero one a chance. */
    for (size_t i = d->max_size; i < (size_t)idx; i++)
        p[i] = 1.0;
    d->cdf = p;
    d->n = (size_t)idx;
    d->mean = mean;
    snprintf(d->name, sizeof d->name, "%s", name ? name : "dist");
    return 0;
}

static void base_name(const char *path, char *out, size_t outlen)
{
    const char *slash = strrchr(path, '/');
    const char *b = slash ? slash + 1 : path;
    snprintf(out, outlen, "%s", b);
    char *dot = strrchr(out, '.');
    if (dot && dot != out)
        *dot = '\0';
}

int bench_dist_load(const char *path, struct bench_dist *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    FILE *f = fopen(path, "rb");
    if (!f) {
        set_err(err, errlen, path, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    int rc = -1;
    if (!text) {
        set_err(err, errlen, path, "out of memory");
        goto out;
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap >= BENCH_DIST_MAX_FILE) {
                set_err(err, errlen, path, "file larger than %u MiB", BENCH_DIST_MAX_FILE >> 20);
                goto out;
            }
            char *t = realloc(text, cap * 2);
            if (!t) {
                set_err(err, errlen, path, "out of memory");
                goto out;
            }
            text = t;
            cap *= 2;
        }
        size_t got = fread(text + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        set_err(err, errlen, path, "read error");
        goto out;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        set_err(err, errlen, path, "contains a NUL byte (not a text file)");
        goto out;
    }
    char name[64];
    base_name(path, name, sizeof name);
    rc = bench_dist_parse(text, name, path, d, err, errlen);
out:
    free(text);
    fclose(f);
    return rc;
}

size_t bench_dist_sample(const struct bench_dist *d, uint64_t *rng_state)
{
    double u = bench_rng_unit(rng_state);
    /* First index whose cdf exceeds u: sizes with probability 0 have
     * cdf equal to their predecessor and are never chosen. */
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

double bench_dist_prob(const struct bench_dist *d, size_t size)
{
    if (size >= d->n)
        return 0.0;
    return size == 0 ? d->cdf[0] : d->cdf[size] - d->cdf[size - 1];
}

double bench_dist_cdf_at(const struct bench_dist *d, size_t s)
{
    return s + 1 >= d->n ? 1.0 : d->cdf[s];
}

void bench_dist_free(struct bench_dist *d)
{
    free(d->cdf);
    d->cdf = NULL;
    d->n = 0;
}
