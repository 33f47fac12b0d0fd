/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/preload/preload_chk_calls.c - copies into a buffer of known size
 * with a size known only at run time, compiled with _FORTIFY_SOURCE=2 and
 * the compiler's builtins, so that each one is a call to __memcpy_chk,
 * __memmove_chk or __mempcpy_chk with the buffer's size (the form every
 * fortified Debian binary calls). The test counts those calls through
 * VMMEM_PRELOAD_STATS, which shows they were emitted and interposed. */
#define _GNU_SOURCE /* mempcpy */
#include "preload_test.h"

#include <string.h>

/* A whole object of its own (_FORTIFY_SOURCE=2 checks memcpy against the
 * size of the enclosing object), one per thread (the test's threads race). */
static _Thread_local struct {
    unsigned char buf[CHK_BUF_BYTES];
} target;

int chk_copies(const unsigned char *src, size_t n)
{
    if (memcpy(target.buf, src, n) != target.buf || memcmp(target.buf, src, n) != 0)
        return 1;
    if (memmove(target.buf, src + 1, n) != target.buf || memcmp(target.buf, src + 1, n) != 0)
        return 1;
    if (mempcpy(target.buf, src, n) != target.buf + n || memcmp(target.buf, src, n) != 0)
        return 1;
    return 0;
}

void chk_overflow(const unsigned char *src, size_t n, int which)
{
    if (which == 0)
        memcpy(target.buf, src, n);
    else if (which == 1)
        memmove(target.buf, src, n);
    else
        mempcpy(target.buf, src, n);
}
