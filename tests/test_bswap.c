/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_bswap.c - the byte-swapping copies: every kernel variant this
 * CPU runs (ordinary, non-temporal, and the shuffle kernel with the bswap
 * patterns) and the public calls, against a byte-reversal reference written
 * here, at element counts 0..1024 with src/dst offsets 0..63 (all pairs up
 * to 128 bytes, sampled above), large counts up to 64 MiB, in place, flush
 * against guard pages with canaries around dst; the public calls' errors
 * (nothing written); the dispatch rule (variant per engine ISA); and the
 * non-temporal threshold following the engine's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"
#include "xlate_dispatch.h"

#define CANARY 0x5A
#define COUNT_MAX 1024       /* every element count up to here */
#define ALL_OFFSETS_BYTES 128 /* every (src, dst) offset pair 0..63 up to this many bytes */
#define OFFSETS 64
#define SLACK 64 /* canary bytes on each side of dst */
#define DEFAULT_MAX_SIZE ((size_t)64 << 20)
#define FULL_SWEEP_MAX ((size_t)1 << 20) /* large counts: every shape up to here */
#define MAX_FUNCTIONS 64

/* A function under test: a kernel (bytes in, nothing out) or a public call
 * (count in, error code out), for one element width. */
typedef struct swap_under_test {
    char name[48];
    size_t width; /* 2, 4 or 8 */
    vmmem_swap_fn kernel;
    vmmem_shuffle_fn shuffle; /* run with the bswap pattern of `width` */
    int (*api)(void *dst, const void *src, size_t count);
} swap_under_test;

static swap_under_test functions[MAX_FUNCTIONS];
static size_t function_count;

static const size_t sampled_offsets[][2] = {{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, 6}, {7, 13},
                                             {15, 16}, {31, 33}, {63, 0}, {0, 63}, {17, 49}};

static const uint8_t *pattern_for(size_t width)
{
    return width == 2 ? vmmem_bswap16_pattern : width == 4 ? vmmem_bswap32_pattern : vmmem_bswap64_pattern;
}

static void run(const swap_under_test *f, void *dst, const void *src, size_t nbytes)
{
    if (f->kernel)
        f->kernel(dst, src, nbytes);
    else if (f->shuffle)
        f->shuffle(dst, src, nbytes, pattern_for(f->width), f->width);
    else
        assert_int_equal(f->api(dst, src, nbytes / f->width), VMMEM_OK);
}

/* The reference: byte j of element i comes from byte width-1-j. */
static void reference(unsigned char *dst, const unsigned char *src, size_t nbytes, size_t width)
{
    for (size_t i = 0; i < nbytes; i += width)
        for (size_t j = 0; j < width; j++)
            dst[i + j] = src[i + width - 1 - j];
}

static void add(const char *variant, const char *what, size_t width, vmmem_swap_fn kernel,
                vmmem_shuffle_fn shuffle, int (*api)(void *, const void *, size_t))
{
    assert_true(function_count < MAX_FUNCTIONS);
    swap_under_test *f = &functions[function_count++];
    snprintf(f->name, sizeof f->name, "%s.%s%zu", variant, what, width * 8);
    f->width = width;
    f->kernel = kernel;
    f->shuffle = shuffle;
    f->api = api;
}

static void collect_functions(void)
{
    const vmmem_swap_kernels *variants[16];
    size_t count = vmmem_swap_variants(variants, 16);
    for (size_t v = 0; v < count; v++) {
        for (int w = 0; w < VMMEM_SWAP_WIDTHS; w++) {
            size_t width = (size_t)2 << w;
            add(variants[v]->name, "bswap", width, variants[v]->swap[w], NULL, NULL);
            if (variants[v]->swap_nt[w])
                add(variants[v]->name, "bswap_nt", width, variants[v]->swap_nt[w], NULL, NULL);
            if (variants[v]->shuffle)
                add(variants[v]->name, "shuffle", width, NULL, variants[v]->shuffle, NULL);
        }
    }
    add("vmmem", "copy_bswap", 2, NULL, NULL, vmmem_copy_bswap16);
    add("vmmem", "copy_bswap", 4, NULL, NULL, vmmem_copy_bswap32);
    add("vmmem", "copy_bswap", 8, NULL, NULL, vmmem_copy_bswap64);
}

/* Checks dst[0..n) against `expect` (the reference of the source) and the
 * canaries on each side; then restores the canary over dst. */
static void check_and_reset(const swap_under_test *f, unsigned char *dst, size_t n, size_t so, size_t dof,
                            const unsigned char *expect)
{
    if (memcmp(dst, expect, n) != 0) {
        size_t i = 0;
        while (dst[i] == expect[i])
            i++;
        fail_msg("%s: %zu bytes src+%zu dst+%zu: byte %zu differs", f->name, n, so, dof, i);
    }
    for (size_t i = 1; i <= SLACK; i++)
        if (dst[-(ptrdiff_t)i] != CANARY || dst[n + i - 1] != CANARY)
            fail_msg("%s: %zu bytes src+%zu dst+%zu: canary overwritten", f->name, n, so, dof);
    memset(dst, CANARY, n);
}

static void test_every_count_and_offset(void **state)
{
    (void)state;
    size_t max_bytes = COUNT_MAX * 8;
    guarded_buffer src, dst;
    guarded_alloc(&src, max_bytes + OFFSETS);
    guarded_alloc(&dst, max_bytes + OFFSETS + 2 * SLACK);
    unsigned char *expect = malloc(max_bytes);
    assert_non_null(expect);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 11);
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    for (size_t f = 0; f < function_count; f++) {
        for (size_t count = 0; count <= COUNT_MAX; count++) {
            size_t n = count * functions[f].width;
            int all = n <= ALL_OFFSETS_BYTES;
            size_t pairs = all ? OFFSETS * OFFSETS : sizeof sampled_offsets / sizeof sampled_offsets[0];
            for (size_t p = 0; p < pairs; p++) {
                size_t so = all ? p / OFFSETS : sampled_offsets[p][0];
                size_t dof = all ? p % OFFSETS : sampled_offsets[p][1];
                unsigned char *d = dst.lo + SLACK + dof;
                run(&functions[f], d, src.lo + so, n);
                reference(expect, src.lo + so, n, functions[f].width);
                check_and_reset(&functions[f], d, n, so, dof, expect);
            }
        }
    }
    free(expect);
    guarded_free(&src);
    guarded_free(&dst);
}

/* Source and destination flush against the guard pages (start or end of
 * the mapping, each side), so a byte touched outside the ranges faults.
 * expect[0] and expect[1] are the references of the source at each end. */
static void swap_at_page_edges(const swap_under_test *f, size_t n, guarded_buffer *src, guarded_buffer *dst,
                               unsigned char *const expect[2])
{
    const unsigned char *src_at[2] = {src->lo, src->hi - n};
    unsigned char *dst_at[2] = {dst->lo, dst->hi - n};
    for (int si = 0; si < 2; si++) {
        for (int di = 0; di < 2; di++) {
            run(f, dst_at[di], src_at[si], n);
            if (memcmp(dst_at[di], expect[si], n) != 0)
                fail_msg("%s: %zu bytes at page edges (src %s, dst %s): wrong bytes", f->name, n,
                         si ? "end" : "start", di ? "end" : "start");
        }
    }
}

static void test_small_counts_at_page_edges(void **state)
{
    (void)state;
    guarded_buffer src, dst;
    size_t max_bytes = COUNT_MAX * 8;
    guarded_alloc(&src, max_bytes);
    guarded_alloc(&dst, max_bytes);
    unsigned char *expect[2] = {malloc(max_bytes), malloc(max_bytes)};
    assert_non_null(expect[0]);
    assert_non_null(expect[1]);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 12);
    for (size_t f = 0; f < function_count; f++) {
        for (size_t count = 0; count <= COUNT_MAX; count++) {
            size_t n = count * functions[f].width;
            reference(expect[0], src.lo, n, functions[f].width);
            reference(expect[1], src.hi - n, n, functions[f].width);
            swap_at_page_edges(&functions[f], n, &src, &dst, expect);
        }
    }
    free(expect[0]);
    free(expect[1]);
    guarded_free(&src);
    guarded_free(&dst);
}

/* Powers of two and +-1 element from 2 KiB to the maximum (past the L3, so
 * the non-temporal band of the public calls runs too), a few offsets, and
 * at the page edges. References are computed once per width and shared by
 * every function of that width. */
static void test_large_counts(void **state)
{
    (void)state;
    static const size_t large_offsets[][2] = {{0, 0}, {1, 0}, {0, 1}, {3, 5}};
    size_t max = test_max_size(DEFAULT_MAX_SIZE);
    guarded_buffer src, dst;
    guarded_alloc(&src, max + 8 + OFFSETS);
    guarded_alloc(&dst, max + 8 + OFFSETS + 2 * SLACK);
    unsigned char *expect = malloc(max + 8), *edges[2] = {malloc(max), malloc(max)};
    assert_non_null(expect);
    assert_non_null(edges[0]);
    assert_non_null(edges[1]);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 13);
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    for (size_t base = 2048; base <= max; base *= 2) {
        for (size_t w = 2; w <= 8; w *= 2) {
            /* above FULL_SWEEP_MAX: one size (base + w) and one offset pair, for time */
            int full = base <= FULL_SWEEP_MAX;
            for (size_t n = full ? base - w : base + w; n <= base + w; n += w) {
                for (size_t p = full ? 0 : 1; p < (full ? sizeof large_offsets / sizeof large_offsets[0] : 2); p++) {
                    size_t so = large_offsets[p][0], dof = large_offsets[p][1];
                    reference(expect, src.lo + so, n, w);
                    for (size_t f = 0; f < function_count; f++) {
                        if (functions[f].width != w)
                            continue;
                        unsigned char *d = dst.lo + SLACK + dof;
                        run(&functions[f], d, src.lo + so, n);
                        check_and_reset(&functions[f], d, n, so, dof, expect);
                    }
                }
            }
            reference(edges[0], src.lo, base, w);
            reference(edges[1], src.hi - base, base, w);
            for (size_t f = 0; f < function_count; f++)
                if (functions[f].width == w)
                    swap_at_page_edges(&functions[f], base, &src, &dst, edges);
            memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
        }
    }
    free(expect);
    free(edges[0]);
    free(edges[1]);
    guarded_free(&src);
    guarded_free(&dst);
}

/* dst == src: the result is the reference of the original bytes. */
static void test_in_place(void **state)
{
    (void)state;
    size_t sizes[64], nsizes = 0;
    for (size_t n = 0; n <= 520; n += 8)
        if (nsizes < 40)
            sizes[nsizes++] = n;
    const size_t big[] = {1000, 4096, 4104, 65536 + 8, (size_t)1 << 20};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        sizes[nsizes++] = big[i];
    size_t max = (size_t)1 << 20;
    guarded_buffer buf;
    guarded_alloc(&buf, max + OFFSETS);
    unsigned char *orig = malloc(max + OFFSETS), *expect = malloc(max);
    assert_non_null(orig);
    assert_non_null(expect);
    fill_pattern(orig, max + OFFSETS, 14);
    for (size_t f = 0; f < function_count; f++) {
        for (size_t i = 0; i < nsizes; i++) {
            for (size_t off = 0; off < OFFSETS; off += (sizes[i] > 4096 ? 21 : 1)) {
                size_t n = sizes[i] / functions[f].width * functions[f].width;
                unsigned char *p = buf.lo + off;
                memcpy(p, orig + off, n);
                run(&functions[f], p, p, n);
                reference(expect, orig + off, n, functions[f].width);
                if (memcmp(p, expect, n) != 0)
                    fail_msg("%s: in place, %zu bytes at +%zu: wrong bytes", functions[f].name, n, off);
            }
            /* and flush against the upper guard page */
            size_t n = sizes[i] / functions[f].width * functions[f].width;
            unsigned char *p = buf.hi - n;
            memcpy(p, orig, n);
            run(&functions[f], p, p, n);
            reference(expect, orig, n, functions[f].width);
            if (memcmp(p, expect, n) != 0)
                fail_msg("%s: in place, %zu bytes at the page edge: wrong bytes", functions[f].name, n);
        }
    }
    free(orig);
    free(expect);
    guarded_free(&buf);
}

typedef int (*api_fn)(void *dst, const void *src, size_t count);
static const api_fn apis[] = {vmmem_copy_bswap16, vmmem_copy_bswap32, vmmem_copy_bswap64};

/* Every partial overlap (dst - src from -(n-1) to n-1 bytes, except 0) is
 * rejected and leaves both ranges as they were. */
static void test_overlap_rejected(void **state)
{
    (void)state;
    enum { COUNT = 40, AREA = 3 * COUNT * 8 };
    unsigned char area[AREA], before[AREA];
    fill_pattern(before, AREA, 15);
    for (size_t a = 0; a < 3; a++) {
        size_t n = COUNT * ((size_t)2 << a);
        for (ptrdiff_t delta = -(ptrdiff_t)n + 1; delta < (ptrdiff_t)n; delta++) {
            if (delta == 0)
                continue;
            memcpy(area, before, AREA);
            unsigned char *src = area + n, *dst = src + delta;
            assert_int_equal(apis[a](dst, src, COUNT), VMMEM_EOVERLAP);
            assert_memory_equal(area, before, AREA);
        }
        /* adjacent ranges are not overlapping */
        memcpy(area, before, AREA);
        assert_int_equal(apis[a](area + n, area, COUNT), VMMEM_OK);
        assert_int_equal(apis[a](area, area + 2 * n, COUNT), VMMEM_OK);
    }
}

static void test_errors(void **state)
{
    (void)state;
    unsigned char buf[64], before[64];
    fill_pattern(before, sizeof before, 16);
    for (size_t a = 0; a < 3; a++) {
        size_t width = (size_t)2 << a;
        memcpy(buf, before, sizeof buf);
        assert_int_equal(apis[a](NULL, buf, 1), VMMEM_EINVAL);
        assert_int_equal(apis[a](buf, NULL, 1), VMMEM_EINVAL);
        assert_int_equal(apis[a](NULL, NULL, 0), VMMEM_OK);
        assert_int_equal(apis[a](buf, buf + 32, 0), VMMEM_OK);
        /* count * width overflows size_t */
        assert_int_equal(apis[a](buf, buf + 32, SIZE_MAX / width + 1), VMMEM_ERANGE);
        /* a range that wraps the address space */
        void *top = (void *)(UINTPTR_MAX - 3 * width + 1);
        assert_int_equal(apis[a](buf, top, 4), VMMEM_ERANGE);
        assert_int_equal(apis[a](top, buf, 4), VMMEM_ERANGE);
        assert_memory_equal(buf, before, sizeof buf);
    }
}

/* The variant the public calls use follows the copy engine's ISA. */
static const char *expected_variant(vmmem_isa isa, const vmmem_swap_kernels *best)
{
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    switch (isa) {
    case VMMEM_ISA_SSE2:
        return (cpu.features & VMMEM_CPU_SSSE3) ? "ssse3" : "sse2";
    case VMMEM_ISA_AVX512:
        return (cpu.features & VMMEM_CPU_AVX512VBMI) ? "avx512vbmi" : "avx512";
    case VMMEM_ISA_ERMS:
        return best->name;
    default:
        return vmmem_isa_name(isa);
    }
}

static void test_dispatch_follows_engine(void **state)
{
    (void)state;
    const vmmem_swap_kernels *variants[16];
    assert_true(vmmem_swap_variants(variants, 16) > 0);
    const char *env = getenv("VMMEM_ISA");
    vmmem_isa forced;
    if (env && vmmem_isa_from_name(env, &forced) == VMMEM_OK)
        assert_string_equal(vmmem_swap_active()->name, expected_variant(forced, variants[0]));
    vmmem_isa original = vmmem_active_isa();
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++) {
        if (vmmem_force_isa((vmmem_isa)isa) != VMMEM_OK)
            continue;
        assert_string_equal(vmmem_swap_active()->name, expected_variant((vmmem_isa)isa, variants[0]));
        unsigned char in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8];
        assert_int_equal(vmmem_copy_bswap64(out, in, 1), VMMEM_OK);
        assert_int_equal(out[0], 8);
        assert_int_equal(out[7], 1);
    }
    assert_int_equal(vmmem_force_isa(original), VMMEM_OK);
}

/* The loop's non-temporal threshold is the engine's as it is now: after
 * vmmem_init_with() sets another one, the byte swaps use it too (docs/xlate.md,
 * "Non-temporal stores"); with the engine's turned off, the L3 size. */
static void test_nt_threshold_follows_engine(void **state)
{
    (void)state;
    unsigned char in[64] = {0}, out[64];
    assert_int_equal(vmmem_copy_bswap16(out, in, 32), VMMEM_OK); /* resolved */
    vmmem_thresholds t;
    assert_int_equal(vmmem_get_thresholds(&t), VMMEM_OK);
    static const size_t wanted[] = {(size_t)3 << 20, 123456, SIZE_MAX};
    vmmem_cpu_info cpu;
    vmmem_get_cpu_info(&cpu);
    for (size_t i = 0; i < sizeof wanted / sizeof wanted[0]; i++) {
        t.nt = wanted[i];
        vmmem_init_options o = {.flags = VMMEM_INIT_NO_ENVIRONMENT | VMMEM_INIT_NO_CONFIG_FILE, .thresholds = &t};
        assert_int_equal(vmmem_init_with(&o), VMMEM_OK);
        assert_int_equal(vmmem_copy_bswap16(out, in, 32), VMMEM_OK);
        size_t expect = wanted[i] != SIZE_MAX ? wanted[i] : cpu.l3_bytes ? cpu.l3_bytes : SIZE_MAX;
        size_t got = vmmem_swap_nt_threshold();
        if (got != expect)
            fail_msg("engine threshold %zu: byte swaps stream from %zu, expected %zu", wanted[i], got, expect);
    }
    assert_int_equal(vmmem_init_with(NULL), VMMEM_OK); /* the environment's settings again */
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    collect_functions();
    printf("# testing %zu byte-swapping functions (active variant: %s)\n", function_count,
           vmmem_swap_active()->name);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_count_and_offset), cmocka_unit_test(test_small_counts_at_page_edges),
        cmocka_unit_test(test_large_counts),           cmocka_unit_test(test_in_place),
        cmocka_unit_test(test_overlap_rejected),       cmocka_unit_test(test_errors),
        cmocka_unit_test(test_dispatch_follows_engine),  cmocka_unit_test(test_nt_threshold_follows_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
