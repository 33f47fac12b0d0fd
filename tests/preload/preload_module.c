/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/preload/preload_module.c - a module that the preload test loads
 * with dlopen(): its references to memcpy and memmove are bound when it is
 * loaded, and must go to the preload as the program's own do. */
#include <string.h>

#include "preload_test.h"

#define MODULE_COPY_BYTES 3000

__attribute__((visibility("default"))) void *module_memcpy_address(void)
{
    void *(*volatile copy)(void *, const void *, size_t) = memcpy;
    return (void *)copy;
}

__attribute__((visibility("default"))) int module_copies(void)
{
    static unsigned char src[MODULE_COPY_BYTES], dst[MODULE_COPY_BYTES];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof src; n += 97) {
        if (memcpy(dst, src, n) != dst)
            return 1;
        for (size_t i = 0; i < n; i++)
            if (dst[i] != src[i])
                return 1;
    }
    memmove(src + 1, src, sizeof src - 1); /* overlapping, forward */
    for (size_t i = 1; i < sizeof src; i++)
        if (src[i] != (unsigned char)((i - 1) * 37 + 11))
            return 1;
    return 0;
}
