/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_layout.c - libFuzzer target for the record layouts: the parser
 * on arbitrary text, and the converter on arbitrary data against a simple
 * field-by-field reference, out of place and in place, and round trip.
 *
 * Input: layout text, then '\n', then one flags byte (bit 0: source order,
 * bit 1: destination order, bits 2-7: destination offset), then the data.
 * Without '\n' the whole input is layout text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmmem/vmmem.h>

/* Longest layout text tried (longer input is cut): past the longest valid
 * layout (32 fields of "4096*u64 "), so the field limit is reached too. */
#define MAX_TEXT 400

static void reference(unsigned char *d, const unsigned char *s, size_t nrecords, const vmmem_layout *l, int swap)
{
    size_t at = 0;
    for (size_t r = 0; r < nrecords; r++)
        for (uint32_t f = 0; f < l->nfields; f++)
            for (uint32_t e = 0; e < l->fields[f].count; e++, at += l->fields[f].size)
                for (uint32_t b = 0; b < l->fields[f].size; b++)
                    d[at + b] = swap ? s[at + l->fields[f].size - 1 - b] : s[at + b];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *newline = memchr(data, '\n', size);
    size_t text_len = newline ? (size_t)(newline - data) : size;
    char text[MAX_TEXT + 1];
    if (text_len > MAX_TEXT)
        text_len = MAX_TEXT;
    memcpy(text, data, text_len);
    text[text_len] = '\0';

    vmmem_layout layout, untouched;
    memset(&layout, 0xA5, sizeof layout);
    untouched = layout;
    if (vmmem_layout_parse(text, &layout) != VMMEM_OK) {
        if (memcmp(&layout, &untouched, sizeof layout) != 0)
            abort(); /* a rejected text must leave the output alone */
        return 0;
    }
    if (layout.nfields < 1 || layout.nfields > VMMEM_LAYOUT_MAX_FIELDS || layout.record_size < 1 ||
        layout.record_size > VMMEM_LAYOUT_MAX_RECORD)
        abort();
    if (!newline || (size_t)(newline - data) + 2 > size)
        return 0;
    uint8_t flags = newline[1];
    const unsigned char *payload = newline + 2;
    size_t nrecords = (size - (size_t)(payload - data)) / layout.record_size;
    size_t n = nrecords * layout.record_size;
    vmmem_byte_order from = flags & 1 ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
    vmmem_byte_order to = flags & 2 ? VMMEM_BIG_ENDIAN : VMMEM_LITTLE_ENDIAN;
    size_t offset = flags >> 2;

    /* exact-size heap buffers: ASan reports any byte touched outside */
    unsigned char *src = malloc(n + 1), *dst_area = malloc(offset + n + 1), *expect = malloc(n + 1),
                  *inplace = malloc(n + 1);
    if (!src || !dst_area || !expect || !inplace)
        abort();
    unsigned char *dst = dst_area + offset;
    memcpy(src, payload, n);
    reference(expect, src, nrecords, &layout, from != to);

    if (vmmem_convert_records(dst, src, nrecords, &layout, from, to) != VMMEM_OK || memcmp(dst, expect, n) != 0)
        abort();
    memcpy(inplace, src, n);
    if (vmmem_convert_records(inplace, inplace, nrecords, &layout, from, to) != VMMEM_OK ||
        memcmp(inplace, expect, n) != 0)
        abort();
    if (vmmem_convert_records(inplace, dst, nrecords, &layout, to, from) != VMMEM_OK ||
        memcmp(inplace, src, n) != 0)
        abort(); /* round trip */
    if (n >= 2 && vmmem_convert_records(src + 1, src, nrecords, &layout, from, to) != VMMEM_EOVERLAP)
        abort();
    free(src);
    free(dst_area);
    free(expect);
    free(inplace);
    return 0;
}
