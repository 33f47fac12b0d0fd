/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/consumer/consumer_vm.c - a program outside the tree that uses the
 * installed libvmmem-vm (guest memory), as a user's would. */
#include <stdio.h>
#include <string.h>
#include <vmmem/guest_memory.h>

int main(void)
{
    vmmem_guest_memory *gm;
    char out[16] = {0};
    int bad = vmmem_guest_memory_create(&gm) != VMMEM_OK;
    bad = bad || vmmem_guest_add_ram(gm, 0, 1u << 16, NULL) != VMMEM_OK;
    bad = bad || vmmem_guest_write(gm, 0x100, "guest memory", 13) != VMMEM_OK;
    bad = bad || vmmem_guest_copy_block(gm, 0x200, 0x100, 13) != VMMEM_OK;
    bad = bad || vmmem_guest_read(gm, 0x200, out, 13) != VMMEM_OK || strcmp(out, "guest memory") != 0;
    bad = bad || vmmem_guest_read(gm, 0xfff8, out, 16) != VMMEM_EFAULT;
    vmmem_guest_memory_destroy(gm);
    printf("%s (guest memory)\n", bad ? "FAILED" : "ok");
    return bad;
}
