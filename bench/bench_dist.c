/* bench_dist.c - loading, validating and sampling copy-size distributions. */
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

/* Finds the single data line. Returns its start and length and its 1-based
 * line number, or -1 with a message. */
static int find_data_line(const char *text, const char *origin, const char **start, size_t *len,
                          unsigned *lineno, char *err, size_t errlen)
{
    const char *p = text;
    unsigned line = 0;
    int found = 0;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t l = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        if (!is_blank_or_comment(p, l)) {
            if (found) {
                set_err(err, errlen, origin,
                        "line %u: a second data line (the file must hold exactly one line "
                        "of comma-separated probabilities; the first is line %u)",
                        line, *lineno);
                return -1;
            }
            found = 1;
            *start = p;
            *len = l;
            *lineno = line;
        }
        p += l + (eol ? 1 : 0);
    }
    if (!found) {
        set_err(err, errlen, origin,
                "no data line (expected one line of comma-separated probabilities for sizes 0..N)");
        return -1;
    }
    return 0;
}

int bench_dist_parse(const char *text, const char *name, const char *origin,
                     struct bench_dist *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (!text) {
        set_err(err, errlen, origin, "no text");
        return -1;
    }
    const char *line = NULL;
    size_t len = 0;
    unsigned lineno = 0;
    if (find_data_line(text, origin, &line, &len, &lineno, err, errlen))
        return -1;

    size_t fields = 1;
    for (size_t i = 0; i < len; i++)
        fields += line[i] == ',';
    if (fields > (size_t)BENCH_DIST_MAX_SIZE + 1) {
        set_err(err, errlen, origin, "line %u: %zu fields; at most %u (sizes 0..%u) are allowed",
                lineno, fields, BENCH_DIST_MAX_SIZE + 1, BENCH_DIST_MAX_SIZE);
        return -1;
    }

    double *p = malloc(fields * sizeof *p);
    char *buf = malloc(len + 1);
    if (!p || !buf) {
        free(p);
        free(buf);
        set_err(err, errlen, origin, "out of memory");
        return -1;
    }
    memcpy(buf, line, len);
    buf[len] = '\0';

    double total = 0.0;
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
            set_err(err, errlen, origin, "line %u, field %zu (size %zu): empty field", lineno,
                    idx + 1, idx);
            goto fail;
        }
        char *end;
        errno = 0;
        double v = strtod(b, &end);
        if (*end != '\0' || errno == ERANGE || !isfinite(v)) {
            set_err(err, errlen, origin, "line %u, field %zu (size %zu): '%.32s' is not a finite number",
                    lineno, idx + 1, idx, b);
            goto fail;
        }
        if (v < 0.0) {
            set_err(err, errlen, origin, "line %u, field %zu (size %zu): negative probability %g",
                    lineno, idx + 1, idx, v);
            goto fail;
        }
        p[idx++] = v;
        total += v;
        if (!comma)
            break;
        field = comma + 1;
    }
    if (!(total > 0.0) || !isfinite(total)) {
        set_err(err, errlen, origin, "line %u: the probabilities sum to %g; they must sum to more than 0",
                lineno, total);
        goto fail;
    }

    /* Build the CDF in place; normalise. */
    double acc = 0.0, mean = 0.0;
    d->max_size = 0;
    for (size_t i = 0; i < idx; i++) {
        double q = p[i] / total;
        if (q > 0.0)
            d->max_size = i;
        mean += q * (double)i;
        acc += q;
        if (i <= 64)
            d->frac_le_64 = acc;
        p[i] = acc;
    }
    /* Rounding must not give sizes after the last non-zero one a chance. */
    for (size_t i = d->max_size; i < idx; i++)
        p[i] = 1.0;
    if (d->max_size <= 64)
        d->frac_le_64 = 1.0;
    d->cdf = p;
    d->n = idx;
    d->mean = mean;
    snprintf(d->name, sizeof d->name, "%s", name ? name : "dist");
    free(buf);
    return 0;
fail:
    free(p);
    free(buf);
    return -1;
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

void bench_dist_free(struct bench_dist *d)
{
    free(d->cdf);
    d->cdf = NULL;
    d->n = 0;
}
