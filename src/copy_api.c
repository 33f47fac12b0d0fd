/* src/copy_api.c - the public copy calls: fast, adaptive, with a caller's
 * threshold, memmove, and the checked copy. */
#include <stdint.h>
#include <string.h>

#include <vmmem/memcpy.h>

#include "copy_small.h"
#include "dispatch.h"
#include "engine.h"

/* At or below this size every call uses the scalar head/tail ladder, whatever
 * the thresholds say: it is the fastest path there and keeps the guarantee
 * that aligned 2, 4 and 8-byte copies are single accesses (the platform
 * memmove does not promise that; musl's once tore virtio ring indexes). */
#define SMALL_COPY_MAX 16

void *vmmem_memcpy_fast(void *dst, const void *src, size_t n)
{
    return vmmem_kernel()->memmove(dst, src, n);
}

void *vmmem_memmove(void *dst, const void *src, size_t n)
{
    return vmmem_kernel()->memmove(dst, src, n);
}

void *vmmem_memcpy_adaptive(void *dst, const void *src, size_t n)
{
    if (n <= SMALL_COPY_MAX) {
        vmmem_copy_0_to_16(dst, src, n);
        return dst;
    }
    const vmmem_kernel_info *k = vmmem_kernel();
    if (n < vmmem_threshold(&vmmem_simd_threshold))
        return memmove(dst, src, n);
    if (n >= vmmem_threshold(&vmmem_nt_threshold) && k->memcpy_nt)
        return k->memcpy_nt(dst, src, n); /* itself falls back to memmove on overlap */
#if VMMEM_HAVE_ERMS
    if (n >= vmmem_threshold(&vmmem_erms_threshold))
        return vmmem_erms_memmove(dst, src, n); /* falls back to SSE2 when backward */
#endif
    return k->memmove(dst, src, n);
}

void *vmmem_memcpy_adaptive_with_threshold(void *dst, const void *src, size_t n, size_t simd_threshold)
{
    if (n <= SMALL_COPY_MAX) {
        vmmem_copy_0_to_16(dst, src, n);
        return dst;
    }
    if (n < simd_threshold)
        return memmove(dst, src, n);
    return vmmem_memcpy_adaptive(dst, src, n);
}

int vmmem_copy_checked(void *dst, size_t dst_size, const void *src, size_t src_size, size_t n)
{
    if (n == 0)
        return VMMEM_OK;
    if (!dst || !src)
        return VMMEM_EINVAL;
    uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (n > dst_size || n > src_size || dst_size > UINTPTR_MAX - d || src_size > UINTPTR_MAX - s)
        return VMMEM_ERANGE;
    if (d - s < n || s - d < n)
        return VMMEM_EOVERLAP;
    vmmem_kernel()->memmove(dst, src, n);
    return VMMEM_OK;
}
