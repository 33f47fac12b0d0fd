/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/xlate.c - the translation API: checked byte-swapping copies, the
 * record-layout parser, and the record converter. */
#include <stdint.h>

#include <vmmem/memcpy.h>
#include <vmmem/xlate.h>

#include "bswap_scalar.h"
#include "xlate_dispatch.h"

/* Validates a copy of count elements of `width` bytes; on success stores the
 * byte count in *nbytes. dst == src is allowed; any other overlap is not. */
static int check_copy(const void *dst, const void *src, size_t count, size_t width, size_t *nbytes)
{
    *nbytes = 0;
    if (count == 0)
        return VMMEM_OK;
    if (!dst || !src)
        return VMMEM_EINVAL;
    if (count > SIZE_MAX / width)
        return VMMEM_ERANGE;
    size_t n = count * width;
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (n > UINTPTR_MAX - d || n > UINTPTR_MAX - s)
        return VMMEM_ERANGE;
    if (d != s && (d - s < n || s - d < n))
        return VMMEM_EOVERLAP;
    *nbytes = n;
    return VMMEM_OK;
}

static int copy_bswap(void *dst, const void *src, size_t count, enum vmmem_swap_width w)
{
    size_t n;
    int err = check_copy(dst, src, count, (size_t)2 << w, &n);
    if (err == VMMEM_OK && n > 0)
        vmmem_swap_active()->swap[w](dst, src, n);
    return err;
}

int vmmem_copy_bswap16(void *dst, const void *src, size_t count)
{
    return copy_bswap(dst, src, count, VMMEM_SWAP16);
}

int vmmem_copy_bswap32(void *dst, const void *src, size_t count)
{
    return copy_bswap(dst, src, count, VMMEM_SWAP32);
}

int vmmem_copy_bswap64(void *dst, const void *src, size_t count)
{
    return copy_bswap(dst, src, count, VMMEM_SWAP64);
}

/* ---- layout text ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

static const char *skip_spaces(const char *p)
{
    while (is_space(*p))
        p++;
    return p;
}

/* Parses `[repeat "*"] type` at *p, followed by a space or the end. */
static int parse_field(const char **p, vmmem_layout_field *f)
{
    const char *q = *p;
    uint32_t count = 1;
    if (*q >= '0' && *q <= '9') {
        if (*q == '0')
            return VMMEM_EINVAL; /* a zero repeat, or a leading zero */
        count = 0;
        while (*q >= '0' && *q <= '9') {
            count = count * 10 + (uint32_t)(*q++ - '0');
            if (count > VMMEM_LAYOUT_MAX_REPEAT) /* checked per digit: never overflows */
                return VMMEM_EINVAL;
        }
        if (*q++ != '*')
            return VMMEM_EINVAL;
    }
    static const struct {
        char text[4];
        uint32_t size;
    } types[] = {{"u8", 1}, {"u16", 2}, {"u32", 4}, {"u64", 8}};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t len = __builtin_strlen(types[i].text);
        if (__builtin_strncmp(q, types[i].text, len) == 0 && (q[len] == '\0' || is_space(q[len]))) {
            f->count = count;
            f->size = types[i].size;
            *p = q + len;
            return VMMEM_OK;
        }
    }
    return VMMEM_EINVAL;
}

int vmmem_layout_parse(const char *text, vmmem_layout *out)
{
    if (!text || !out)
        return VMMEM_EINVAL;
    vmmem_layout layout = {0};
    const char *p = skip_spaces(text);
    if (*p == '\0')
        return VMMEM_EINVAL;
    while (*p != '\0') {
        if (layout.nfields == VMMEM_LAYOUT_MAX_FIELDS)
            return VMMEM_EINVAL;
        vmmem_layout_field *f = &layout.fields[layout.nfields];
        if (parse_field(&p, f) != VMMEM_OK)
            return VMMEM_EINVAL;
        layout.record_size += f->count * f->size; /* at most 4096 * 8 per field: no overflow */
        if (layout.record_size > VMMEM_LAYOUT_MAX_RECORD)
            return VMMEM_EINVAL;
        layout.nfields++;
        p = skip_spaces(p);
    }
    vmmem_memcpy_fast(out, &layout, sizeof layout); /* not `*out = layout`: clang makes that a memcpy call */
    return VMMEM_OK;
}

/* ---- record conversion ---- */

static int layout_is_valid(const vmmem_layout *l)
{
    if (l->nfields < 1 || l->nfields > VMMEM_LAYOUT_MAX_FIELDS)
        return 0;
    uint32_t total = 0;
    for (uint32_t i = 0; i < l->nfields; i++) {
        const vmmem_layout_field *f = &l->fields[i];
        if (f->count < 1 || f->count > VMMEM_LAYOUT_MAX_REPEAT ||
            (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8))
            return 0;
        total += f->count * f->size; /* 32 fields of at most 32 KiB: no overflow */
    }
    return total == l->record_size && total <= VMMEM_LAYOUT_MAX_RECORD;
}

/* The size of every field when they all have the same (1, 2, 4 or 8), else 0. */
static uint32_t common_element_size(const vmmem_layout *l)
{
    for (uint32_t i = 1; i < l->nfields; i++)
        if (l->fields[i].size != l->fields[0].size)
            return 0;
    return l->fields[0].size;
}

/* Builds the shuffle pattern of `size` bytes (16 or 64) for a record of at
 * most that many bytes: as many whole records as fit (step = that many
 * record sizes), each field element reversed, u8 fields in place; the bytes
 * past step map to themselves. Returns step. */
static size_t build_pattern(const vmmem_layout *l, uint8_t *pattern, size_t size)
{
    uint32_t rs = l->record_size;
    size_t step = size / rs * rs;
    for (uint32_t j = 0; j < size; j++)
        pattern[j] = (uint8_t)j;
    for (uint32_t at = 0; at < step;)
        for (uint32_t i = 0; i < l->nfields; i++)
            for (uint32_t e = 0; e < l->fields[i].count; e++, at += l->fields[i].size)
                for (uint32_t b = 0; b < l->fields[i].size; b++)
                    pattern[at + b] = (uint8_t)(at + l->fields[i].size - 1 - b);
    return step;
}

/* A field at least this long goes to the vector kernel; shorter ones are
 * swapped inline (a kernel call costs more than a few scalar swaps).
 * Assumed: the benchmark has no case for one field swapped inline against
 * the kernel call. What it does measure (docs/performance.md, "Constants
 * measured for the dispatcher"; `vmmem-bswap-bench --sizes 16,32,64,128
 * --rounds 15`) is the kernel call against an out-of-line scalar loop:
 * 1.9-2.1 ns against 2.3-3.3 ns at 16 B and 2.6-5.3 ns at 32 B, the kernel
 * ahead at every width from 16 B up, so the right value may be lower. */
#define FIELD_KERNEL_MIN_BYTES 64
_Static_assert(FIELD_KERNEL_MIN_BYTES % 8 == 0, "a whole number of elements of every width");

/* Any layout: record by record, field by field. */
static void convert_fieldwise(unsigned char *d, const unsigned char *s, size_t nrecords, const vmmem_layout *l,
                              const vmmem_swap_kernels *k)
{
    for (size_t r = 0; r < nrecords; r++) {
        for (uint32_t i = 0; i < l->nfields; i++) {
            size_t bytes = (size_t)l->fields[i].count * l->fields[i].size;
            switch (l->fields[i].size) {
            case 1:
                if (d != s)
                    vmmem_memcpy_fast(d, s, bytes);
                break;
            case 2:
                if (bytes >= FIELD_KERNEL_MIN_BYTES)
                    k->swap[VMMEM_SWAP16](d, s, bytes);
                else
                    vmmem_swap16_elements(d, s, bytes);
                break;
            case 4:
                if (bytes >= FIELD_KERNEL_MIN_BYTES)
                    k->swap[VMMEM_SWAP32](d, s, bytes);
                else
                    vmmem_swap32_elements(d, s, bytes);
                break;
            default:
                if (bytes >= FIELD_KERNEL_MIN_BYTES)
                    k->swap[VMMEM_SWAP64](d, s, bytes);
                else
                    vmmem_swap64_elements(d, s, bytes);
            }
            d += bytes;
            s += bytes;
        }
    }
}

int vmmem_convert_records(void *dst, const void *src, size_t nrecords, const vmmem_layout *layout,
                          vmmem_byte_order from, vmmem_byte_order to)
{
    if (!layout || !layout_is_valid(layout))
        return VMMEM_EINVAL;
    if ((from != VMMEM_LITTLE_ENDIAN && from != VMMEM_BIG_ENDIAN) ||
        (to != VMMEM_LITTLE_ENDIAN && to != VMMEM_BIG_ENDIAN))
        return VMMEM_EINVAL;
    size_t n;
    int err = check_copy(dst, src, nrecords, layout->record_size, &n);
    if (err != VMMEM_OK || n == 0)
        return err;
    uint32_t element = common_element_size(layout);
    if (from == to || element == 1) {
        if (dst != src)
            vmmem_memcpy_fast(dst, src, n);
        return VMMEM_OK;
    }
    const vmmem_swap_kernels *k = vmmem_swap_active();
    if (element != 0) { /* one element size: one kernel call over the whole buffer */
        k->swap[element == 2 ? VMMEM_SWAP16 : element == 4 ? VMMEM_SWAP32 : VMMEM_SWAP64](dst, src, n);
        return VMMEM_OK;
    }
    uint32_t rs = layout->record_size;
    if (k->shuffle && VMMEM_PATTERN_BYTES % rs == 0) {
        /* records of 2, 4, 8 or 16 bytes fill whole vectors: one byte
         * shuffle per vector, on the element swaps' ladder */
        uint8_t pattern[VMMEM_PATTERN_BYTES];
        build_pattern(layout, pattern, VMMEM_PATTERN_BYTES);
        k->shuffle(dst, src, n, pattern, rs);
        return VMMEM_OK;
    }
    if (k->shuffle_groups && rs <= VMMEM_PATTERN_BYTES) {
        /* other records up to 16 bytes: one 16-byte shuffle per group (the
         * 64-byte permute measured only 8 % faster at 4 KiB and 1 MiB for
         * 6-byte records, and twice as slow at 64 B) */
        uint8_t pattern[VMMEM_PATTERN_BYTES];
        size_t step = build_pattern(layout, pattern, VMMEM_PATTERN_BYTES);
        k->shuffle_groups(dst, src, n, pattern, step);
        return VMMEM_OK;
    }
    if (k->shuffle_groups64 && rs <= VMMEM_WIDE_PATTERN_BYTES) {
        /* records of 17..64 bytes: one 64-byte permute per group */
        uint8_t pattern[VMMEM_WIDE_PATTERN_BYTES];
        size_t step = build_pattern(layout, pattern, VMMEM_WIDE_PATTERN_BYTES);
        k->shuffle_groups64(dst, src, n, pattern, step);
        return VMMEM_OK;
    }
    convert_fieldwise(dst, src, nrecords, layout, k);
    return VMMEM_OK;
}
