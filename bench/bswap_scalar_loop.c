/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/bswap_scalar_loop.c - the baseline of vmmem-bswap-bench: a plain
 * __builtin_bswap loop, what an emulator writes by hand. Compiled twice,
 * at -O2 and at -O3 (SCALAR_LEVEL names the copy: o2 or o3), to report what
 * the compiler makes of it at each level (docs/xlate.md). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "bswap_scalar_loop.h"

#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define SCALAR_FN(bits) CAT(CAT(bench_scalar_bswap, bits), CAT(_, SCALAR_LEVEL))

#define DEFINE_LOOP(bits)                                                          \
    void SCALAR_FN(bits)(void *dst, const void *src, size_t count)                 \
    {                                                                              \
        unsigned char *d = dst;                                                    \
        const unsigned char *s = src;                                              \
        for (size_t i = 0; i < count; i++) {                                       \
            uint##bits##_t v;                                                      \
            memcpy(&v, s + i * sizeof v, sizeof v);                                \
            v = __builtin_bswap##bits(v);                                          \
            memcpy(d + i * sizeof v, &v, sizeof v);                                \
        }                                                                          \
    }
DEFINE_LOOP(16)
DEFINE_LOOP(32)
DEFINE_LOOP(64)
