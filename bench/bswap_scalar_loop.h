/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/bswap_scalar_loop.h - the scalar baselines (bswap_scalar_loop.c,
 * built at -O2 and -O3): copy count elements, reversing each one's bytes. */
#ifndef VMMEM_BENCH_BSWAP_SCALAR_LOOP_H
#define VMMEM_BENCH_BSWAP_SCALAR_LOOP_H

#include <stddef.h>

void bench_scalar_bswap16_o2(void *dst, const void *src, size_t count);
void bench_scalar_bswap32_o2(void *dst, const void *src, size_t count);
void bench_scalar_bswap64_o2(void *dst, const void *src, size_t count);
void bench_scalar_bswap16_o3(void *dst, const void *src, size_t count);
void bench_scalar_bswap32_o3(void *dst, const void *src, size_t count);
void bench_scalar_bswap64_o3(void *dst, const void *src, size_t count);

#endif /* VMMEM_BENCH_BSWAP_SCALAR_LOOP_H */
