/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/consumer/consumer.c - a program outside the tree that uses the
 * installed library, as a user's would. */
#include <stdio.h>
#include <string.h>
#include <vmmem/vmmem.h>

int main(void)
{
    char src[64] = "copied by libvmmem", dst[64] = {0};
    vmmem_memcpy_fast(dst, src, sizeof src);
    int bad = strcmp(dst, src) != 0 || vmmem_copy_checked(dst, 8, src, 64, 9) != VMMEM_ERANGE;
    printf("%s (%s)\n", bad ? "FAILED" : "ok", vmmem_isa_name(vmmem_active_isa()));
    return bad;
}
