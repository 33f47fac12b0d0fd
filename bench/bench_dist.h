/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_dist.h - copy-size distributions (the mixes): loading a
 * distribution file, validating it, and drawing sizes from it.
 *
 * File format: lines starting with '#' and blank lines are comments. The
 * data is in one of two forms:
 *  - dense: exactly one line of comma-separated probabilities for the sizes
 *    0, 1, 2, ... N (N + 1 fields);
 *  - sparse: one entry per line, "SIZE WEIGHT" or "LO-HI WEIGHT" (sizes in
 *    bytes, optionally with a K or M suffix = 1024 or 1048576; a range's
 *    weight is shared equally by its sizes LO..HI; a '#' starts a comment;
 *    entries for the same size add up).
 * Every weight must be a finite number >= 0 and at least one must be > 0;
 * weights are normalised, so probabilities, percentages or counts work. */
#ifndef VMMEM_BENCH_DIST_H
#define VMMEM_BENCH_DIST_H

#include <stddef.h>
#include <stdint.h>

/* Largest size a distribution may describe (sizes 0 .. BENCH_DIST_MAX_SIZE). */
#define BENCH_DIST_MAX_SIZE (1u << 20)

struct bench_dist {
    char name[64];     /* file name without directory and extension */
    size_t n;          /* number of sizes described: 0 .. n-1 */
    double *cdf;       /* cdf[i] = P(size <= i); cdf[n-1] == 1 */
    double mean;       /* mean size in bytes */
    size_t max_size;   /* largest size with a non-zero probability */
};

/* Parses the text of a distribution file. name labels the distribution;
 * origin (a path, or NULL) prefixes error messages. Returns 0, or -1 with a
 * one-line message in err. On success d must be released with
 * bench_dist_free(). */
int bench_dist_parse(const char *text, const char *name, const char *origin,
                     struct bench_dist *d, char *err, size_t errlen);

/* Reads and parses the file at path; the name is the file's base name
 * without extension. Returns 0, or -1 with a message in err. */
int bench_dist_load(const char *path, struct bench_dist *d, char *err, size_t errlen);

/* Draws one size. */
size_t bench_dist_sample(const struct bench_dist *d, uint64_t *rng_state);

/* Probability of exactly this size. */
double bench_dist_prob(const struct bench_dist *d, size_t size);

/* P(size <= s). */
double bench_dist_cdf_at(const struct bench_dist *d, size_t s);

void bench_dist_free(struct bench_dist *d);

#endif /* VMMEM_BENCH_DIST_H */
