/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_options.c - command-line parsing for vmmem-bench. */
#include "bench_options.h"
#include "bench_impls.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BENCH_SIZE ((size_t)64 << 30)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void bench_options_init(struct bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->sections = BENCH_SEC_ALL;
    o->modes = BENCH_MODES_ALL;
    o->aa_tol = 0.03;
    o->pin = 1;
    o->cpu = -1;
    o->seed = 0x5eed5eedull;
}

int bench_parse_size(const char *s, size_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        default: return -1;
        }
        end++;
        if (*end == 'i' || *end == 'I') {
            end++;
            if (*end != 'b' && *end != 'B')
                return -1;
            end++;
        } else if (*end == 'b' || *end == 'B') {
            end++;
        }
        if (*end)
            return -1;
    }
    if (v > (MAX_BENCH_SIZE >> shift))
        return -1;
    *out = (size_t)(v << shift);
    return 0;
}

int bench_parse_size_list(const char *s, size_t *out, size_t max, char *err, size_t errlen)
{
    size_t n = 0;
    const char *p = s;
    if (!s || !*s) {
        set_err(err, errlen, "--sizes: empty list");
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char item[40];
        if (len == 0 || len >= sizeof item) {
            set_err(err, errlen, "--sizes: bad item '%.*s' (expected e.g. 64,4K,1M)", (int)(len > 39 ? 39 : len), p);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        size_t v;
        if (bench_parse_size(item, &v) || v == 0) {
            set_err(err, errlen,
                    "--sizes: bad size '%s' (a number of bytes from 1 to 64G, optional K/M/G suffix)",
                    item);
            return -1;
        }
        if (n == max) {
            set_err(err, errlen, "--sizes: more than %zu sizes", max);
            return -1;
        }
        out[n++] = v;
        if (!comma)
            break;
        p = comma + 1;
    }
    return (int)n;
}

static int parse_names(struct bench_options *o, const char *s, char *err, size_t errlen)
{
    const char *p = s;
    if (!*s) {
        set_err(err, errlen, "--impl: empty list");
        return -1;
    }
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len >= BENCH_NAME_LEN) {
            set_err(err, errlen, "--impl: bad name '%.*s'", (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        if (o->n_impls == BENCH_MAX_NAMES) {
            set_err(err, errlen, "--impl: more than %d names", BENCH_MAX_NAMES);
            return -1;
        }
        memcpy(o->impls[o->n_impls], p, len);
        o->impls[o->n_impls][len] = '\0';
        o->n_impls++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return 0;
}

static int parse_sections(struct bench_options *o, const char *s, char *err, size_t errlen)
{
    static const struct { const char *name; unsigned bit; } tab[] = {
        {"hot", BENCH_SEC_HOT}, {"cold", BENCH_SEC_COLD}, {"align", BENCH_SEC_ALIGN},
        {"mix", BENCH_SEC_MIX}, {"dist", BENCH_SEC_MIX}, {"all", BENCH_SEC_ALL}};
    unsigned bits = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        size_t i;
        for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
            if (strlen(tab[i].name) == len && !strncmp(tab[i].name, p, len))
                break;
        if (i == sizeof tab / sizeof tab[0]) {
            set_err(err, errlen, "--only: unknown section '%.*s' (hot, cold, align, mix, all)",
                    (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        bits |= tab[i].bit;
        if (!comma)
            break;
        p = comma + 1;
    }
    o->sections = bits;
    return 0;
}

static int parse_modes(struct bench_options *o, const char *s, char *err, size_t errlen)
{
    unsigned bits = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        int found = 0;
        if (len == 3 && !strncmp(p, "all", 3)) {
            bits |= BENCH_MODES_ALL;
            found = 1;
        }
        for (int m = 0; m < BENCH_MODE_COUNT && !found; m++)
            if (strlen(bench_mode_name(m)) == len && !strncmp(bench_mode_name(m), p, len)) {
                bits |= 1u << m;
                found = 1;
            }
        if (!found) {
            set_err(err, errlen, "--mode: unknown mode '%.*s' (pointer, call, call-noplt, all)",
                    (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    o->modes = bits;
    return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Options that take a value. */
static const char *const valued[] = {"--sizes",  "--impl",         "--dist",   "--rounds",
                                     "--csv",    "--summary-csv",  "--json",   "--markdown",
                                     "--plot",   "--only",         "--mode",   "--batch-us",
                                     "--cpu",    "--seed",         "--commit", "--mix-ops",
                                     "--aa-tolerance"};

int bench_options_parse(struct bench_options *o, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        char name[32];
        const char *val = NULL;
        const char *eq = strchr(arg, '=');
        if (strncmp(arg, "--", 2) == 0 && eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = '\0';
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
        }
        int takes_value = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if (!strcmp(name, valued[k]))
                takes_value = 1;
        if (takes_value && !val) {
            if (i + 1 >= argc) {
                set_err(err, errlen, "%s needs a value", name);
                return -1;
            }
            val = argv[++i];
        } else if (!takes_value && val) {
            set_err(err, errlen, "%s takes no value", name);
            return -1;
        }

        unsigned long long u;
        if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
            o->help = 1;
        } else if (!strcmp(name, "--list")) {
            o->list = 1;
        } else if (!strcmp(name, "--quick")) {
            o->quick = 1;
        } else if (!strcmp(name, "--cold")) {
            o->sections = BENCH_SEC_COLD;
        } else if (!strcmp(name, "--no-pin")) {
            o->pin = 0;
        } else if (!strcmp(name, "--only")) {
            if (parse_sections(o, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "--mode")) {
            if (parse_modes(o, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "--mix-ops")) {
            if (parse_uint(val, 1u << 24, &u) || u < 1024 || (u & (u - 1))) {
                set_err(err, errlen, "--mix-ops: '%s' is not a power of two from 1024 to 16777216",
                        val);
                return -1;
            }
            o->mix_ops = (size_t)u;
        } else if (!strcmp(name, "--aa-tolerance")) {
            if (parse_uint(val, 50, &u) || u == 0) {
                set_err(err, errlen, "--aa-tolerance: '%s' is not a whole percentage from 1 to 50",
                        val);
                return -1;
            }
            o->aa_tol = (double)u / 100.0;
        } else if (!strcmp(name, "--commit")) {
            o->commit = val;
        } else if (!strcmp(name, "--sizes")) {
            int n = bench_parse_size_list(val, o->sizes, BENCH_MAX_SIZES, err, errlen);
            if (n < 0)
                return -1;
            o->n_sizes = (size_t)n;
        } else if (!strcmp(name, "--impl")) {
            if (parse_names(o, val, err, errlen))
                return -1;
        } else if (!strcmp(name, "--dist")) {
            if (!*val) {
                set_err(err, errlen, "--dist needs a file name");
                return -1;
            }
            if (o->n_dists == BENCH_MAX_DISTS) {
                set_err(err, errlen, "--dist given more than %d times", BENCH_MAX_DISTS);
                return -1;
            }
            o->dists[o->n_dists++] = val;
        } else if (!strcmp(name, "--rounds")) {
            if (parse_uint(val, 1000, &u) || u == 0) {
                set_err(err, errlen, "--rounds: '%s' is not a whole number from 1 to 1000", val);
                return -1;
            }
            o->rounds = (unsigned)u;
        } else if (!strcmp(name, "--batch-us")) {
            if (parse_uint(val, 10000000, &u) || u < 10) {
                set_err(err, errlen, "--batch-us: '%s' is not a whole number from 10 to 10000000", val);
                return -1;
            }
            o->batch_us = (double)u;
        } else if (!strcmp(name, "--cpu")) {
            if (parse_uint(val, 4095, &u)) {
                set_err(err, errlen, "--cpu: '%s' is not a CPU number", val);
                return -1;
            }
            o->cpu = (int)u;
        } else if (!strcmp(name, "--seed")) {
            if (parse_uint(val, ~0ull, &u)) {
                set_err(err, errlen, "--seed: '%s' is not a whole number", val);
                return -1;
            }
            o->seed = u;
        } else if (!strcmp(name, "--csv") || !strcmp(name, "--summary-csv") ||
                   !strcmp(name, "--json") || !strcmp(name, "--markdown") ||
                   !strcmp(name, "--plot")) {
            if (!*val) {
                set_err(err, errlen, "%s needs a file name", name);
                return -1;
            }
            if (!strcmp(name, "--csv"))
                o->csv_path = val;
            else if (!strcmp(name, "--summary-csv"))
                o->summary_csv_path = val;
            else if (!strcmp(name, "--json"))
                o->json_path = val;
            else if (!strcmp(name, "--markdown"))
                o->md_path = val;
            else
                o->plot_prefix = val;
        } else {
            set_err(err, errlen, "unknown option '%s' (see --help)", arg);
            return -1;
        }
    }
    return 0;
}

void bench_options_usage(FILE *f, const char *prog)
{
    fprintf(f,
            "Usage: %s [OPTIONS]\n"
            "The neutral memcpy benchmark: glibc memcpy/memmove, libvmmem's exported entries\n"
            "and ISA kernels, plain rep movsb and DPDK rte_memcpy (when built in), each called\n"
            "the same way as its rivals, in shuffled interleaved rounds, with an A/A control\n"
            "(glibc twice) and the store-only and best-copy-method limits measured alongside.\n"
            "Ratios are time ratios against glibc memcpy in the same round (< 1 = faster).\n"
            "\n"
            "Calling modes (default: all three, interleaved at every point):\n"
            "  pointer     one loop; each called through its resolved address (dlsym)\n"
            "  call        a loop per implementation calling it by name (PLT)\n"
            "  call-noplt  the same loops built with -fno-plt (GOT)\n"
            "\n"
            "Sections (default: all, about 3 minutes):\n"
            "  hot    fixed sizes: every size 1-256 B, 257 B-16 KiB, up to 256 MiB; same buffers\n"
            "  cold   fixed sizes, src and dst not in any cache (arena walk; swept caches from 16 MiB)\n"
            "  align  src+1, dst+1, src+1/dst+3 and 4 KiB-aliased buffers\n"
            "  mix    random sizes from distribution files at random offsets in 1 MiB and\n"
            "         16 KiB working sets\n"
            "\n"
            "Options:\n"
            "  --quick             smoke-test scale (seconds)\n"
            "  --mode LIST         calling modes: pointer,call,call-noplt,all\n"
            "  --only LIST         sections: hot,cold,align,mix,all\n"
            "  --sizes LIST        sizes for hot/cold/align, e.g. 64,1000,4K,1M (K/M/G = 1024^n)\n"
            "  --impl LIST         implementations to run (see --list); the baseline, its A/A\n"
            "                      twin, the store and copy methods are always measured\n"
            "  --cold              the cold section only (same as --only cold)\n"
            "  --dist FILE         size distribution file (repeatable); replaces the shipped\n"
            "                      mixes. Format: see bench/dists/README.md\n"
            "  --mix-ops N         calls in each pre-generated mix (a power of two; default\n"
            "                      65536, --quick 16384)\n"
            "  --rounds N          interleaved rounds per point (default by size; --quick 3)\n"
            "  --batch-us N        minimum time of one timed batch in microseconds\n"
            "  --aa-tolerance PCT  warn when the A/A control is off by more than PCT %% (3)\n"
            "  --csv FILE          every point as CSV\n"
            "  --summary-csv FILE  the per-class summary as CSV\n"
            "  --json FILE         machine, run, implementations, points, summary, checks\n"
            "  --markdown FILE     the per-class summary tables as Markdown\n"
            "  --plot PREFIX       PREFIX.dat, PREFIX.gp and (with gnuplot) PREFIX.png/.svg:\n"
            "                      time ratio to glibc vs size, one panel per mode\n"
            "  --commit TEXT       the commit measured (titles and headers)\n"
            "  --cpu N             pin to CPU N (default: the CPU the program starts on)\n"
            "  --no-pin            do not pin\n"
            "  --seed N            seed for sizes, offsets and round order\n"
            "  --list              list the implementations and whether they run here\n"
            "  -h, --help          this text\n"
            "\n"
            "Exit status: 0 ok (warnings included), 2 bad usage or input file, 3 an\n"
            "implementation copied wrongly.\n",
            prog);
}
