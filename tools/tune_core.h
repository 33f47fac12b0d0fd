/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/tune_core.h - the pure logic of vmmem-tune, kept apart from timing
 * so it can be tested on synthetic data: picking a crossover from a table of
 * measurements, size ladders, size text (K/M/G, "off") both ways, and the
 * text of the config file and of the shell lines. */
#ifndef VMMEM_TUNE_CORE_H
#define VMMEM_TUNE_CORE_H

#include <stddef.h>

/* Measurements of one size: the time of the incumbent (base) and of the
 * candidate that might take over from this size up, for one or more
 * variants (e.g. aligned and misaligned dst). The candidate wins at this
 * size only when it wins on every variant. */
#define TUNE_MAX_VARIANTS 2

struct tune_point {
    size_t size;
    unsigned variants;                  /* 1..TUNE_MAX_VARIANTS */
    double base_ns[TUNE_MAX_VARIANTS];  /* incumbent, ns per call */
    double cand_ns[TUNE_MAX_VARIANTS];  /* candidate, ns per call */
};

enum tune_verdict {
    TUNE_ALWAYS, /* the candidate wins at every size tested */
    TUNE_FROM,   /* it wins from `size` up (and loses just below) */
    TUNE_NEVER   /* it loses at the largest size tested (or no data) */
};

struct tune_crossover {
    enum tune_verdict verdict;
    size_t size; /* TUNE_ALWAYS: the smallest size tested; TUNE_FROM: the
                    crossover; TUNE_NEVER: 0 */
};

/* Non-zero when cand is at most base * (1 + tolerance). A time that is not
 * a positive finite number counts as a loss for the candidate. */
int tune_wins(double cand_ns, double base_ns, double tolerance);

/* Non-zero when the candidate wins on every variant of *p. */
int tune_point_wins(const struct tune_point *p, double tolerance);

/* The smallest tested size from which the candidate wins at that size and
 * at every larger size tested. Points must be in ascending order of size;
 * one loss at a large size moves the crossover above it (never below), so
 * noise can only make the answer more conservative. */
struct tune_crossover tune_find_crossover(const struct tune_point *points, size_t count,
                                          double tolerance);

/* Fills out[] with an ascending ladder from lo to hi (both included),
 * `per_octave` points per doubling, each rounded to a multiple of the
 * largest power of two not above a sixteenth of it (at least 64 bytes), so
 * the sizes read well and fall on cache-line multiples. Duplicates are
 * dropped. Returns the number of sizes written (at most cap). */
size_t tune_log_ladder(size_t lo, size_t hi, unsigned per_octave, size_t *out, size_t cap);

/* Writes n as the library reads it: "off" for SIZE_MAX, else the largest
 * of G, M, K (powers of 1024) that divides n exactly, else plain bytes
 * ("0", "24K", "32M", "1536"). Returns the length, or -1 if cap is too
 * small (then buf holds a truncated, terminated string when cap > 0). */
int tune_format_size(size_t n, char *buf, size_t cap);

/* Parses what tune_format_size() writes and the library accepts: "off", or
 * decimal digits with an optional K/M/G (or k/m/g) suffix. Returns 0, or -1
 * for anything else or an overflow (then *out is unchanged). */
int tune_parse_size(const char *text, size_t *out);

/* The three settings the tuner produces (SIZE_MAX: off). */
struct tune_settings {
    size_t simd;
    size_t erms;
    size_t nt;
};

/* The config file text: a header of comment lines (the machine description
 * and date, which may be NULL; line breaks in them are replaced by spaces)
 * and one `key = value` line per threshold. Returns the length, or -1 if it
 * does not fit in cap bytes. */
int tune_config_text(char *buf, size_t cap, const struct tune_settings *s, const char *machine,
                     const char *date);

/* The three `export VMMEM_..._THRESHOLD=...` lines. Returns the length, or
 * -1 if it does not fit. */
int tune_shell_text(char *buf, size_t cap, const struct tune_settings *s);

/* Median of v[0..n-1] (sorts v in place); 0 for n == 0. */
double tune_median(double *v, size_t n);

#endif /* VMMEM_TUNE_CORE_H */
