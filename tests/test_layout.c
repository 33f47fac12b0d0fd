/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_layout.c - record layouts: what the parser accepts (and the
 * layout it builds) and rejects (leaving *out alone); the converter against
 * a field-by-field reference written here, in both directions, same order,
 * in place, round trip, flush against guard pages with canaries; every
 * variant's shuffle kernel with mixed-record patterns; the converter's
 * errors (nothing written); VMMEM_HOST_ORDER against the running machine. */
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

#define CANARY 0xC3
#define SLACK 32
#define OFFSETS 16

/* ---- reference ---- */

/* Field by field, element by element; swap reverses each element. */
static void reference(unsigned char *d, const unsigned char *s, size_t nrecords, const vmmem_layout *l, int swap)
{
    size_t at = 0;
    for (size_t r = 0; r < nrecords; r++)
        for (uint32_t f = 0; f < l->nfields; f++)
            for (uint32_t e = 0; e < l->fields[f].count; e++, at += l->fields[f].size)
                for (uint32_t b = 0; b < l->fields[f].size; b++)
                    d[at + b] = swap ? s[at + l->fields[f].size - 1 - b] : s[at + b];
}

/* ---- parser ---- */

static void expect_layout(const char *text, uint32_t record_size, uint32_t nfields, const uint32_t *counts,
                          const uint32_t *sizes)
{
    vmmem_layout l;
    if (vmmem_layout_parse(text, &l) != VMMEM_OK)
        fail_msg("\"%s\" rejected", text);
    assert_int_equal(l.record_size, record_size);
    assert_int_equal(l.nfields, nfields);
    for (uint32_t i = 0; i < nfields; i++) {
        assert_int_equal(l.fields[i].count, counts[i]);
        assert_int_equal(l.fields[i].size, sizes[i]);
    }
}

static void test_parse_accepts(void **state)
{
    (void)state;
    expect_layout("u8", 1, 1, (uint32_t[]){1}, (uint32_t[]){1});
    expect_layout("u16", 2, 1, (uint32_t[]){1}, (uint32_t[]){2});
    expect_layout("u32 u16 2*u8", 8, 3, (uint32_t[]){1, 1, 2}, (uint32_t[]){4, 2, 1});
    expect_layout("  u64\t4096*u8  ", 4104, 2, (uint32_t[]){1, 4096}, (uint32_t[]){8, 1});
    expect_layout("3*u32", 12, 1, (uint32_t[]){3}, (uint32_t[]){4});
    expect_layout("u16  \t  10*u64", 82, 2, (uint32_t[]){1, 10}, (uint32_t[]){2, 8});
    /* the limits themselves */
    expect_layout("4096*u64 4096*u64", VMMEM_LAYOUT_MAX_RECORD, 2, (uint32_t[]){4096, 4096},
                  (uint32_t[]){8, 8});
    char text[512] = "";
    uint32_t counts[VMMEM_LAYOUT_MAX_FIELDS], sizes[VMMEM_LAYOUT_MAX_FIELDS];
    for (int i = 0; i < VMMEM_LAYOUT_MAX_FIELDS; i++) {
        strcat(text, i % 2 ? "u16 " : "7*u8 ");
        counts[i] = i % 2 ? 1 : 7;
        sizes[i] = i % 2 ? 2 : 1;
    }
    expect_layout(text, VMMEM_LAYOUT_MAX_FIELDS / 2 * 9, VMMEM_LAYOUT_MAX_FIELDS, counts, sizes);
}

static void test_parse_rejects(void **state)
{
    (void)state;
    char too_many[512] = "";
    for (int i = 0; i <= VMMEM_LAYOUT_MAX_FIELDS; i++)
        strcat(too_many, "u8 ");
    static const char *const bad[] = {
        "",          "   ",        "\t",          "u",           "u7",        "u128",
        "U32",       "i32",        "u32x",        "u016",        "0*u8",      "01*u8",
        "4097*u8",   "99999999999999999999*u8",   "2*",          "*u8",       "2x u8",
        "2 * u8",    "2*u8*u8",    "u8*2",        "u32,u16",     "u32, u16",  "u32 u16 x",
        "u32u16",    "u8\n",       "\nu8",        "-1*u8",       "+1*u8",     "4096*u64 4096*u64 u8",
        "u32 2*",
    };
    vmmem_layout l, before;
    memset(&before, 0xAB, sizeof before);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        l = before;
        if (vmmem_layout_parse(bad[i], &l) != VMMEM_EINVAL)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_memory_equal(&l, &before, sizeof l);
    }
    l = before;
    assert_int_equal(vmmem_layout_parse(too_many, &l), VMMEM_EINVAL);
    assert_memory_equal(&l, &before, sizeof l);
    assert_int_equal(vmmem_layout_parse(NULL, &l), VMMEM_EINVAL);
    assert_int_equal(vmmem_layout_parse("u8", NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_layout_parse("u8 ", &l), VMMEM_OK);
}

/* ---- conversion ---- */

static const char *const layouts[] = {
    "u16", "u32", "u64", "3*u32", "u8", "5*u8",                       /* one element size */
    "u32 u16 2*u8", "u16 u8 u8", "u8 u16 u8", "u64 u32 u16 u8 u8", /* records of 4, 8, 16 bytes */
    "u16 u32 u16 u64",                                               /* 16 bytes, fields off alignment */
    "u16 u8", "u8 u16 u16", "u32 u16", "u8 u64", "u64 u16", "u32 u64 u16", "u32 u16 u8 u64", /* groups */
    "u8 u64 u64", "u8 3*u16 u64 5*u8", "u64 u32 u16 2*u8 u32", "u64 3*u32 u16 u16 u64 u8", /* 17..64 bytes */
    "u16 5*u64 u8 u32", "7*u64 u32 u16 u16",
    "100*u32 u8", "u8 40*u16 3*u64 u32", /* field by field */
};

/* Converts nrecords records at every (src, dst) offset pair 0..OFFSETS-1
 * in both orders, same order, and in place, against the reference. */
static void check_layout(const vmmem_layout *l, const char *text, size_t nrecords, guarded_buffer *src,
                         guarded_buffer *dst, unsigned char *expect, unsigned char *tmp)
{
    size_t n = nrecords * l->record_size;
    for (size_t so = 0; so < OFFSETS; so += (nrecords > 8 ? 5 : 1)) {
        for (size_t dof = 0; dof < OFFSETS; dof += (nrecords > 8 ? 3 : 1)) {
            for (int dir = 0; dir < 4; dir++) {
                vmmem_byte_order from = dir & 1 ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
                vmmem_byte_order to = dir & 2 ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
                unsigned char *d = dst->lo + SLACK + dof;
                assert_int_equal(vmmem_convert_records(d, src->lo + so, nrecords, l, from, to), VMMEM_OK);
                reference(expect, src->lo + so, nrecords, l, from != to);
                if (memcmp(d, expect, n) != 0)
                    fail_msg("\"%s\" x %zu, src+%zu dst+%zu, order %d->%d: wrong bytes", text, nrecords, so, dof,
                             from, to);
                for (size_t i = 1; i <= SLACK; i++)
                    if (d[-(ptrdiff_t)i] != CANARY || d[n + i - 1] != CANARY)
                        fail_msg("\"%s\" x %zu: canary overwritten", text, nrecords);
                memset(d, CANARY, n);
            }
        }
        /* in place, and the round trip back */
        memcpy(tmp, src->lo + so, n);
        assert_int_equal(vmmem_convert_records(tmp, tmp, nrecords, l, VMMEM_BIG_ENDIAN, VMMEM_HOST_ORDER),
                         VMMEM_OK);
        reference(expect, src->lo + so, nrecords, l, VMMEM_HOST_ORDER != VMMEM_BIG_ENDIAN);
        if (memcmp(tmp, expect, n) != 0)
            fail_msg("\"%s\" x %zu in place: wrong bytes", text, nrecords);
        assert_int_equal(vmmem_convert_records(tmp, tmp, nrecords, l, VMMEM_HOST_ORDER, VMMEM_BIG_ENDIAN),
                         VMMEM_OK);
        if (memcmp(tmp, src->lo + so, n) != 0)
            fail_msg("\"%s\" x %zu: round trip does not give the original", text, nrecords);
    }
    /* flush against the guard pages */
    unsigned char *d = dst->hi - n;
    const unsigned char *s = src->hi - n;
    assert_int_equal(vmmem_convert_records(d, s, nrecords, l, VMMEM_LITTLE_ENDIAN, VMMEM_BIG_ENDIAN), VMMEM_OK);
    reference(expect, s, nrecords, l, 1);
    if (memcmp(d, expect, n) != 0)
        fail_msg("\"%s\" x %zu at the page edge: wrong bytes", text, nrecords);
    memset(dst->lo, CANARY, (size_t)(dst->hi - dst->lo));
}

static void test_convert_against_reference(void **state)
{
    (void)state;
    static const size_t big_counts[] = {100, 257, 1000, 5000};
    size_t max = 5000 * (size_t)401 + OFFSETS; /* the largest record: "100*u32 u8" */
    guarded_buffer src, dst;
    guarded_alloc(&src, max);
    guarded_alloc(&dst, max + 2 * SLACK);
    unsigned char *expect = malloc(max), *tmp = malloc(max);
    assert_non_null(expect);
    assert_non_null(tmp);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 21);
    memset(dst.lo, CANARY, (size_t)(dst.hi - dst.lo));
    for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
        vmmem_layout l;
        assert_int_equal(vmmem_layout_parse(layouts[i], &l), VMMEM_OK);
        for (size_t nrecords = 0; nrecords <= 40; nrecords++)
            check_layout(&l, layouts[i], nrecords, &src, &dst, expect, tmp);
        for (size_t k = 0; k < sizeof big_counts / sizeof big_counts[0]; k++)
            check_layout(&l, layouts[i], big_counts[k], &src, &dst, expect, tmp);
    }
    free(expect);
    free(tmp);
    guarded_free(&src);
    guarded_free(&dst);
}

/* The shuffle pattern (`size` bytes: 16 or 64) of a record of at most that
 * many bytes, built here independently of the library: as many whole
 * records as fit, the rest in place. Returns the bytes of those records
 * (the step). */
static size_t pattern_of(const vmmem_layout *l, uint8_t *pattern, size_t size)
{
    uint8_t identity[VMMEM_WIDE_PATTERN_BYTES];
    for (size_t i = 0; i < size; i++)
        identity[i] = pattern[i] = (uint8_t)i;
    size_t records = size / l->record_size;
    reference(pattern, identity, records, l, 1);
    return records * l->record_size;
}

enum group_kernel { SHUFFLE, GROUPS16, GROUPS64 };

/* Runs one of a variant's record kernels on n bytes. */
static void run_group_kernel(const vmmem_swap_kernels *v, enum group_kernel which, void *d, const void *s, size_t n,
                             const vmmem_layout *l)
{
    uint8_t pattern[VMMEM_WIDE_PATTERN_BYTES];
    if (which == GROUPS64) {
        size_t step = pattern_of(l, pattern, VMMEM_WIDE_PATTERN_BYTES);
        v->shuffle_groups64(d, s, n, pattern, step);
        return;
    }
    size_t step = pattern_of(l, pattern, VMMEM_PATTERN_BYTES);
    if (which == SHUFFLE)
        v->shuffle(d, s, n, pattern, l->record_size);
    else
        v->shuffle_groups(d, s, n, pattern, step);
}

/* Each variant's record kernels directly: shuffle (records dividing 16
 * bytes), shuffle_groups (records up to 16 bytes), shuffle_groups64
 * (records up to 64 bytes), at the end flush against the guard page, out
 * of place and in place. */
static void test_every_variant_shuffle(void **state)
{
    (void)state;
    const vmmem_swap_kernels *variants[16];
    size_t count = vmmem_swap_variants(variants, 16);
    enum { MAX_RECORDS = 700, MAX_BYTES = MAX_RECORDS * 64 };
    static const char *const names[] = {"shuffle", "shuffle_groups", "shuffle_groups64"};
    guarded_buffer src, dst;
    guarded_alloc(&src, MAX_BYTES + OFFSETS);
    guarded_alloc(&dst, MAX_BYTES + OFFSETS);
    unsigned char *expect = malloc(MAX_BYTES);
    assert_non_null(expect);
    fill_pattern(src.lo, (size_t)(src.hi - src.lo), 22);
    for (size_t v = 0; v < count; v++) {
        for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
            vmmem_layout l;
            assert_int_equal(vmmem_layout_parse(layouts[i], &l), VMMEM_OK);
            for (int which = SHUFFLE; which <= GROUPS64; which++) {
                if ((which == SHUFFLE && (!variants[v]->shuffle || VMMEM_PATTERN_BYTES % l.record_size)) ||
                    (which == GROUPS16 && (!variants[v]->shuffle_groups || l.record_size > VMMEM_PATTERN_BYTES)) ||
                    (which == GROUPS64 &&
                     (!variants[v]->shuffle_groups64 || l.record_size > VMMEM_WIDE_PATTERN_BYTES)))
                    continue;
                for (size_t nrecords = 0; nrecords <= MAX_RECORDS; nrecords += (nrecords < 80 ? 1 : 37)) {
                    size_t n = nrecords * l.record_size;
                    for (size_t off = 0; off < OFFSETS; off += 3) {
                        unsigned char *d = dst.hi - n - off; /* the end flush against the guard page */
                        reference(expect, src.lo + off, nrecords, &l, 1);
                        for (int in_place = 0; in_place < 2; in_place++) {
                            const unsigned char *s = src.lo + off;
                            if (in_place) {
                                memcpy(d, s, n);
                                s = d;
                            }
                            run_group_kernel(variants[v], (enum group_kernel)which, d, s, n, &l);
                            if (memcmp(d, expect, n) != 0)
                                fail_msg("%s.%s \"%s\" x %zu +%zu%s: wrong bytes", variants[v]->name, names[which],
                                         layouts[i], nrecords, off, in_place ? " in place" : "");
                        }
                    }
                }
            }
        }
    }
    free(expect);
    guarded_free(&src);
    guarded_free(&dst);
}

static void test_convert_errors(void **state)
{
    (void)state;
    unsigned char buf[256], before[256];
    fill_pattern(before, sizeof before, 23);
    memcpy(buf, before, sizeof buf);
    vmmem_layout good;
    assert_int_equal(vmmem_layout_parse("u32 u16 2*u8", &good), VMMEM_OK);
    vmmem_byte_order le = VMMEM_LITTLE_ENDIAN, be = VMMEM_BIG_ENDIAN;

    assert_int_equal(vmmem_convert_records(buf, buf + 128, 4, NULL, le, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_convert_records(buf, buf + 128, 4, &good, (vmmem_byte_order)2, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_convert_records(buf, buf + 128, 4, &good, le, (vmmem_byte_order)-1), VMMEM_EINVAL);
    assert_int_equal(vmmem_convert_records(NULL, buf, 4, &good, le, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_convert_records(buf, NULL, 4, &good, le, be), VMMEM_EINVAL);
    assert_int_equal(vmmem_convert_records(NULL, NULL, 0, &good, le, be), VMMEM_OK);
    assert_int_equal(vmmem_convert_records(buf, buf + 128, SIZE_MAX / 8 + 1, &good, le, be), VMMEM_ERANGE);
    void *top = (void *)(UINTPTR_MAX - 15);
    assert_int_equal(vmmem_convert_records(buf, top, 2, &good, le, be), VMMEM_ERANGE);
    assert_int_equal(vmmem_convert_records(top, buf, 2, &good, le, be), VMMEM_ERANGE);
    for (int delta = -31; delta < 32; delta++)
        if (delta != 0)
            assert_int_equal(vmmem_convert_records(buf + 64 + delta, buf + 64, 4, &good, le, be), VMMEM_EOVERLAP);

    /* malformed hand-built layouts */
    vmmem_layout bad[8];
    for (int i = 0; i < 8; i++)
        bad[i] = good;
    bad[0].nfields = 0;
    bad[1].nfields = VMMEM_LAYOUT_MAX_FIELDS + 1;
    bad[2].fields[0].size = 3;
    bad[3].fields[2].count = 0;
    bad[4].fields[2].count = VMMEM_LAYOUT_MAX_REPEAT + 1;
    bad[5].record_size = 9;
    bad[6].record_size = 0;
    bad[7].fields[1].size = 16;
    for (int i = 0; i < 8; i++)
        if (vmmem_convert_records(buf, buf + 128, 4, &bad[i], le, be) != VMMEM_EINVAL)
            fail_msg("malformed layout %d accepted", i);
    assert_memory_equal(buf, before, sizeof buf);
}

static void test_host_order(void **state)
{
    (void)state;
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    assert_int_equal(VMMEM_HOST_ORDER, first == 1 ? VMMEM_LITTLE_ENDIAN : VMMEM_BIG_ENDIAN);
    /* a big-endian 0x11223344 read as a host value */
    const unsigned char be[4] = {0x11, 0x22, 0x33, 0x44};
    vmmem_layout l;
    assert_int_equal(vmmem_layout_parse("u32", &l), VMMEM_OK);
    uint32_t v = 0;
    assert_int_equal(vmmem_convert_records(&v, be, 1, &l, VMMEM_BIG_ENDIAN, VMMEM_HOST_ORDER), VMMEM_OK);
    assert_int_equal(v, 0x11223344u);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    printf("# active variant: %s\n", vmmem_swap_active()->name);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_accepts),         cmocka_unit_test(test_parse_rejects),
        cmocka_unit_test(test_convert_against_reference), cmocka_unit_test(test_every_variant_shuffle),
        cmocka_unit_test(test_convert_errors),        cmocka_unit_test(test_host_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
