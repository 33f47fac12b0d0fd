/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/preload/preload_test.h - what the preload test program's parts
 * share: the fortified copies (preload_chk_calls.c) and the module it
 * dlopen()s (preload_module.c). None of them calls a vmmem_ function. */
#ifndef VMMEM_TEST_PRELOAD_TEST_H
#define VMMEM_TEST_PRELOAD_TEST_H

#include <stddef.h>

/* The size of the fortified copies' destination. */
#define CHK_BUF_BYTES 256

/* memcpy, memmove and mempcpy of n <= CHK_BUF_BYTES bytes from src (which
 * has n + 1) into a buffer of CHK_BUF_BYTES, each a __*_chk call; 0 when
 * every byte and return value is right. */
int chk_copies(const unsigned char *src, size_t n);

/* A fortified copy of n > CHK_BUF_BYTES bytes into that buffer (which: 0
 * memcpy, 1 memmove, 2 mempcpy): must abort the program. */
void chk_overflow(const unsigned char *src, size_t n, int which);

/* In the dlopen()ed module: the address of memcpy as the module binds it,
 * and copies made from the module; 0 when they are right. */
typedef void *(*module_memcpy_address_fn)(void);
typedef int (*module_copies_fn)(void);

#endif /* VMMEM_TEST_PRELOAD_TEST_H */
