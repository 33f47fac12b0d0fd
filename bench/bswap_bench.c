/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/bswap_bench.c - vmmem-bswap-bench: the byte-swapping copies and the
 * record converter against a scalar __builtin_bswap loop built at -O2 and
 * at -O3, and against plain copies (vmmem_memcpy_fast, glibc memcpy), at a
 * few sizes, all in the same run.
 *
 * Method (the project's): for each size, every implementation is timed once
 * per round, rounds interleaved, and the median over rounds is reported;
 * ratios are taken between medians of the same run. Each sample repeats the
 * call enough times to last tens of microseconds (buffers stay hot when they
 * fit in the cache: the steady state of a translation loop). Source and
 * destination are 64-byte aligned (plus --offset for dst) and SRC_SKEW
 * apart modulo 4 KiB, so loads never falsely alias the stores just made
 * (4 KiB aliasing: page-aligned buffers made the scalar loops up to 10x
 * slower at 64 B).
 *
 * usage: vmmem-bswap-bench [--quick] [--rounds N] [--sizes 64,4K,1M,64M]
 *                          [--offset BYTES] [--csv FILE] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vmmem/vmmem.h>

#include "bench_machine.h"
#include "bench_stats.h"
#include "bswap_scalar_loop.h"
#include "xlate_dispatch.h"

#define DEFAULT_ROUNDS 15
#define QUICK_ROUNDS 3
#define MAX_SIZES 16
#define MAX_IMPLS 48
/* Bytes moved per sample: enough for the clock (tens of ns per read) to be
 * noise, little enough for 15 rounds of everything to take seconds. */
#define BYTES_PER_SAMPLE ((size_t)8 << 20)
#define MAX_OFFSET 4096
#define SRC_SKEW 2048

enum impl_kind { SCALAR, API, KERNEL, MEMCPY_FAST, GLIBC_MEMCPY, COPY_LOOP, CONVERT };

typedef struct impl {
    char name[40];
    size_t width; /* element bytes (2, 4, 8); 0 for plain copies; record bytes for CONVERT */
    enum impl_kind kind;
    void (*scalar)(void *, const void *, size_t);
    int (*api)(void *, const void *, size_t);
    vmmem_swap_fn kernel;
    vmmem_copy_fn copy_loop;
    vmmem_layout layout;
    double samples[64];
    double median_ns;
} impl;

static impl impls[MAX_IMPLS];
static size_t nimpls;
static volatile int sink; /* keeps error codes live */

static impl *add(const char *name, size_t width, enum impl_kind kind)
{
    if (nimpls == MAX_IMPLS) {
        fprintf(stderr, "vmmem-bswap-bench: too many implementations\n");
        exit(1);
    }
    impl *p = &impls[nimpls++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->width = width;
    p->kind = kind;
    return p;
}

static void add_width(size_t width, void (*o2)(void *, const void *, size_t),
                      void (*o3)(void *, const void *, size_t), int (*api)(void *, const void *, size_t))
{
    char name[40];
    add("scalar-O2", width, SCALAR)->scalar = o2;
    add("scalar-O3", width, SCALAR)->scalar = o3;
    add("vmmem_copy_bswap", width, API)->api = api;
    const vmmem_swap_kernels *variants[16];
    size_t count = vmmem_swap_variants(variants, 16);
    int w = width == 2 ? VMMEM_SWAP16 : width == 4 ? VMMEM_SWAP32 : VMMEM_SWAP64;
    for (size_t v = 0; v < count; v++) {
        snprintf(name, sizeof name, "kernel-%s", variants[v]->name);
        add(name, width, KERNEL)->kernel = variants[v]->swap[w];
    }
}

static void add_convert(const char *text)
{
    char name[40];
    snprintf(name, sizeof name, "convert(%s)", text);
    vmmem_layout l;
    if (vmmem_layout_parse(text, &l) != VMMEM_OK) {
        fprintf(stderr, "vmmem-bswap-bench: bad layout %s\n", text);
        exit(1);
    }
    impl *p = add(name, l.record_size, CONVERT);
    p->layout = l;
}

static void build_impls(void)
{
    add("vmmem_memcpy_fast", 0, MEMCPY_FAST);
    add("glibc memcpy", 0, GLIBC_MEMCPY);
    /* the active ISA's plain vector copy loop: what a byte swap can hope
     * for, as it has no rep movsb form */
    vmmem_kernel_info k;
    if (vmmem_get_kernel(vmmem_active_isa(), &k) == VMMEM_OK) {
        char name[40];
        snprintf(name, sizeof name, "%s copy loop", k.name);
        add(name, 0, COPY_LOOP)->copy_loop = k.memmove;
    }
    add_width(2, bench_scalar_bswap16_o2, bench_scalar_bswap16_o3, vmmem_copy_bswap16);
    add_width(4, bench_scalar_bswap32_o2, bench_scalar_bswap32_o3, vmmem_copy_bswap32);
    add_width(8, bench_scalar_bswap64_o2, bench_scalar_bswap64_o3, vmmem_copy_bswap64);
    add_convert("u32 u16 2*u8"); /* 8-byte records: one shuffle per vector */
    add_convert("u32 u16");      /* 6-byte records: 16-byte groups */
    add_convert("u64 u32 u16 2*u8 u32"); /* 20-byte records: 64-byte groups (VBMI), else field by field */
}

/* Bytes an implementation moves for a buffer of `size` bytes: whole
 * elements or records only. */
static size_t bytes_for(const impl *p, size_t size)
{
    return p->width ? size / p->width * p->width : size;
}

static void call(const impl *p, void *dst, const void *src, size_t nbytes)
{
    switch (p->kind) {
    case SCALAR:
        p->scalar(dst, src, nbytes / p->width);
        break;
    case API:
        sink = p->api(dst, src, nbytes / p->width);
        break;
    case KERNEL:
        p->kernel(dst, src, nbytes);
        break;
    case MEMCPY_FAST:
        vmmem_memcpy_fast(dst, src, nbytes);
        break;
    case GLIBC_MEMCPY:
        memcpy(dst, src, nbytes);
        break;
    case COPY_LOOP:
        p->copy_loop(dst, src, nbytes);
        break;
    case CONVERT:
        sink = vmmem_convert_records(dst, src, nbytes / p->width, &p->layout, VMMEM_BIG_ENDIAN,
                                     VMMEM_LITTLE_ENDIAN);
        break;
    }
}

static double time_sample(const impl *p, void *dst, const void *src, size_t size, size_t reps)
{
    size_t n = bytes_for(p, size);
    double t0 = bench_now_ns();
    for (size_t r = 0; r < reps; r++) {
        call(p, dst, src, n);
        __asm__ volatile("" ::: "memory");
    }
    return (bench_now_ns() - t0) / (double)reps;
}

static const impl *find(const char *name, size_t width)
{
    for (size_t i = 0; i < nimpls; i++)
        if (strcmp(impls[i].name, name) == 0 && impls[i].width == width)
            return &impls[i];
    return NULL;
}

static int parse_sizes(const char *text, size_t *sizes, size_t *count)
{
    *count = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *end;
        unsigned long long v = strtoull(tok, &end, 10);
        if (*end == 'K')
            v <<= 10, end++;
        else if (*end == 'M')
            v <<= 20, end++;
        else if (*end == 'G')
            v <<= 30, end++;
        if (*end != '\0' || v == 0 || *count == MAX_SIZES)
            return -1;
        sizes[(*count)++] = (size_t)v;
    }
    return *count ? 0 : -1;
}

static void *map_buffer(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("vmmem-bswap-bench: mmap");
        exit(1);
    }
    memset(p, 0x5A, size); /* fault every page in before timing */
    return p;
}

int main(int argc, char **argv)
{
    size_t sizes[MAX_SIZES] = {64, 4096, (size_t)1 << 20, (size_t)64 << 20}, nsizes = 4;
    size_t rounds = DEFAULT_ROUNDS, offset = 0;
    const char *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            rounds = QUICK_ROUNDS;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc) {
            if (parse_sizes(argv[++i], sizes, &nsizes) != 0) {
                fprintf(stderr, "vmmem-bswap-bench: bad --sizes '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc) {
            offset = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_path = argv[++i];
        } else {
            fprintf(stderr, "usage: vmmem-bswap-bench [--quick] [--rounds N] [--sizes 64,4K,1M,64M] "
                            "[--offset BYTES] [--csv FILE]\n");
            return 2;
        }
    }
    if (rounds < 1 || rounds > 64 || offset > MAX_OFFSET) {
        fprintf(stderr, "vmmem-bswap-bench: --rounds must be 1..64 and --offset at most %d\n", MAX_OFFSET);
        return 2;
    }
    size_t max = 0;
    for (size_t i = 0; i < nsizes; i++)
        max = sizes[i] > max ? sizes[i] : max;

    struct bench_machine m;
    bench_machine_collect(&m);
    bench_machine_pin(&m, 1, -1);
    bench_machine_print(stdout, &m);
    build_impls();
    printf("byte-swap variant in use: %s; dst offset %zu; %zu rounds, median per size\n\n",
           vmmem_swap_active()->name, offset, rounds);

    unsigned char *src_map = map_buffer(max + SRC_SKEW), *dst = map_buffer(max + offset);
    unsigned char *src = src_map + SRC_SKEW;
    FILE *csv = csv_path ? fopen(csv_path, "w") : NULL;
    if (csv_path && !csv) {
        perror(csv_path);
        return 1;
    }
    if (csv)
        fprintf(csv, "size,width,impl,median_ns,gb_per_s,x_scalar_o2,x_memcpy_fast\n");

    for (size_t si = 0; si < nsizes; si++) {
        size_t size = sizes[si];
        size_t reps = BYTES_PER_SAMPLE / size ? BYTES_PER_SAMPLE / size : 1;
        for (size_t i = 0; i < nimpls; i++) /* warm-up: caches, pages, first-call resolution */
            time_sample(&impls[i], dst + offset, src, size, 1);
        for (size_t r = 0; r < rounds; r++)
            for (size_t i = 0; i < nimpls; i++)
                impls[i].samples[r] = time_sample(&impls[i], dst + offset, src, size, reps);
        for (size_t i = 0; i < nimpls; i++)
            impls[i].median_ns = bench_median(impls[i].samples, rounds);

        const impl *fast = find("vmmem_memcpy_fast", 0);
        printf("size %zu bytes\n%-32s %5s %12s %9s %12s %14s\n", size, "implementation", "width", "ns", "GB/s",
               "x scalar-O2", "x memcpy_fast");
        for (size_t i = 0; i < nimpls; i++) {
            const impl *p = &impls[i];
            double gbps = (double)bytes_for(p, size) / p->median_ns;
            const impl *o2 = p->kind == CONVERT || p->width == 0 ? NULL : find("scalar-O2", p->width);
            double x_o2 = o2 ? o2->median_ns / p->median_ns : 0; /* same width: same bytes */
            /* a throughput ratio: a record size may leave a few bytes of the buffer out */
            double x_fast = gbps / ((double)bytes_for(fast, size) / fast->median_ns);
            char o2_text[16] = "-";
            if (o2)
                snprintf(o2_text, sizeof o2_text, "%.2f", x_o2);
            printf("%-32s %5zu %12.1f %9.2f %12s %14.2f\n", p->name, p->width, p->median_ns, gbps, o2_text, x_fast);
            if (csv)
                fprintf(csv, "%zu,%zu,\"%s\",%.2f,%.3f,%s,%.3f\n", size, p->width,
                        p->name, p->median_ns, gbps, o2 ? o2_text : "", x_fast);
        }
        printf("\n");
    }
    if (csv)
        fclose(csv);
    munmap(src_map, max + SRC_SKEW);
    munmap(dst, max + offset);
    return 0;
}
