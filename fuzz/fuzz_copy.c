/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_copy.c - libFuzzer target for the copy engine: every public
 * copy call, on a kernel forced per input, against a byte-by-byte memmove
 * reference, with random sizes, offsets and overlap inside one heap arena
 * (ASan reports any byte read or written outside [src, src+n) and
 * [dst, dst+n) when the arena is cut to end at the copy), and the checked
 * call's errors (nothing written when it refuses).
 *
 * Input: isa byte, call byte, dst offset (2 bytes), src offset (2 bytes),
 * length (2 bytes), threshold byte, then data that fills the arena. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <vmmem/vmmem.h>

#define ARENA 9000u /* room for the kernels' loop and tail rungs past 8 KiB */
#define HEADER 9u

enum call { CALL_FAST, CALL_ADAPTIVE, CALL_ADAPTIVE_THRESHOLD, CALL_MEMMOVE, CALL_CHECKED, CALL_COUNT };

static void reference_memmove(unsigned char *d, const unsigned char *s, size_t n)
{
    if (d < s)
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    else
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
}

static size_t get16(const uint8_t *p) { return (size_t)p[0] | (size_t)p[1] << 8; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER)
        return 0;
    vmmem_isa isa = (vmmem_isa)(data[0] % VMMEM_ISA_COUNT);
    if (!vmmem_isa_supported(isa))
        isa = VMMEM_ISA_GENERIC;
    if (vmmem_force_isa(isa) != VMMEM_OK)
        abort();
    enum call call = (enum call)(data[1] % CALL_COUNT);
    size_t dst_off = get16(data + 2) % ARENA, src_off = get16(data + 4) % ARENA;
    size_t n = get16(data + 6) % ARENA;
    size_t threshold = (size_t)data[8] * 37u; /* 0..9435: both sides of many sizes */
    /* Cut n so both ranges fit, then size the arena to end exactly at the
     * further range: an overrun past it is an ASan heap-buffer-overflow. */
    size_t far = dst_off > src_off ? dst_off : src_off;
    if (n > ARENA - far)
        n = ARENA - far;
    size_t arena_size = far + n;
    if (arena_size == 0)
        return 0;

    unsigned char *arena = malloc(arena_size), *expect = malloc(arena_size);
    if (!arena || !expect)
        abort();
    for (size_t i = 0; i < arena_size; i++)
        arena[i] = size > HEADER ? data[HEADER + i % (size - HEADER)] ^ (unsigned char)i : (unsigned char)i;
    memcpy(expect, arena, arena_size);

    unsigned char *dst = arena + dst_off;
    const unsigned char *src = arena + src_off;
    int overlap = n > 0 && dst_off < src_off + n && src_off < dst_off + n;
    void *ret = dst;
    switch (call) {
    case CALL_FAST: ret = vmmem_memcpy_fast(dst, src, n); break;
    case CALL_ADAPTIVE: ret = vmmem_memcpy_adaptive(dst, src, n); break;
    case CALL_ADAPTIVE_THRESHOLD: ret = vmmem_memcpy_adaptive_with_threshold(dst, src, n, threshold); break;
    case CALL_MEMMOVE: ret = vmmem_memmove(dst, src, n); break;
    case CALL_CHECKED: {
        /* dst_size and src_size from the threshold byte: sometimes too small. */
        size_t dst_size = (data[8] & 1) ? n - (n > 0) : n, src_size = (data[8] & 2) ? n - (n > 0) : n;
        int rc = vmmem_copy_checked(dst, dst_size, src, src_size, n);
        int want = n == 0                               ? VMMEM_OK
                   : (dst_size < n || src_size < n)     ? VMMEM_ERANGE
                   : overlap                            ? VMMEM_EOVERLAP
                                                        : VMMEM_OK;
        if (rc != want)
            abort();
        if (rc != VMMEM_OK)
            n = 0; /* refused: the arena must be untouched */
        break;
    }
    default: abort();
    }
    if (ret != dst)
        abort();
    reference_memmove(expect + dst_off, expect + src_off, n);
    if (memcmp(arena, expect, arena_size) != 0)
        abort();
    free(arena);
    free(expect);
    return 0;
}
