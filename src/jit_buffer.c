/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/jit_buffer.c - the W^X code buffer (portable POSIX): anonymous pages
 * that are PROT_READ|PROT_WRITE while open and PROT_READ|PROT_EXEC once
 * sealed, switched with mprotect() so that no page is ever writable and
 * executable at once.
 *
 * Invariant: `sealed` is true exactly when the pages are read+execute, and
 * then [map, map + used) is the code handed out by vmmem_jit_buffer_code(). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/jit.h>

struct vmmem_jit_buffer {
    unsigned char *map; /* page-aligned start of the mapping */
    size_t capacity;    /* mapped bytes, a whole number of pages */
    size_t used;        /* bytes of code recorded by the last seal */
    int sealed;         /* 1: read+execute; 0: read+write */
};

int vmmem_jit_buffer_create(size_t capacity, vmmem_jit_buffer **out)
{
    if (!out || capacity == 0)
        return VMMEM_EINVAL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (capacity > SIZE_MAX - page)
        return VMMEM_EINVAL;
    size_t rounded = (capacity + page - 1) / page * page;
    vmmem_jit_buffer *buf = malloc(sizeof *buf);
    if (!buf)
        return VMMEM_ENOMEM;
    void *map = mmap(NULL, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
        free(buf);
        return VMMEM_ENOMEM;
    }
    *buf = (vmmem_jit_buffer){.map = map, .capacity = rounded, .used = 0, .sealed = 0};
    *out = buf;
    return VMMEM_OK;
}

void vmmem_jit_buffer_destroy(vmmem_jit_buffer *buf)
{
    if (!buf)
        return;
    munmap(buf->map, buf->capacity);
    free(buf);
}

int vmmem_jit_buffer_open(vmmem_jit_buffer *buf, vmmem_jit_code *code)
{
    if (!buf || !code)
        return VMMEM_EINVAL;
    /* execute permission goes in the same call that grants write permission */
    if (buf->sealed && mprotect(buf->map, buf->capacity, PROT_READ | PROT_WRITE) != 0)
        return VMMEM_EIO;
    buf->sealed = 0;
    *code = (vmmem_jit_code){.start = buf->map, .capacity = buf->capacity, .length = buf->used};
    return VMMEM_OK;
}

int vmmem_jit_buffer_seal(vmmem_jit_buffer *buf, const vmmem_jit_code *code)
{
    if (!buf || !code || code->start != buf->map || code->capacity != buf->capacity)
        return VMMEM_EINVAL;
    if (code->length > buf->capacity)
        return VMMEM_ERANGE;
    if (buf->sealed)
        return VMMEM_EBUSY;
    /* a no-op on x86; on AArch64 it cleans the data cache and invalidates the
     * instruction cache for the new code before it can be fetched */
    __builtin___clear_cache((char *)buf->map, (char *)buf->map + code->length);
    if (mprotect(buf->map, buf->capacity, PROT_READ | PROT_EXEC) != 0)
        return VMMEM_EIO;
    buf->used = code->length;
    buf->sealed = 1;
    return VMMEM_OK;
}

const void *vmmem_jit_buffer_code(const vmmem_jit_buffer *buf, size_t offset)
{
    if (!buf || !buf->sealed || offset >= buf->used)
        return NULL;
    return buf->map + offset;
}

size_t vmmem_jit_buffer_capacity(const vmmem_jit_buffer *buf)
{
    return buf ? buf->capacity : 0;
}
