/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/mmio_split.c - turns a guest access to an MMIO region into the
 * device's callbacks: naturally aligned pieces (relative to the region's
 * start) between the device's min_access and max_access bytes.
 *
 * Narrow accesses: a read narrower than min_access (or not aligned to it) is
 * widened to the aligned min_access unit around it and the needed bytes are
 * kept; such a write is rejected (VMMEM_EINVAL, checked before anything
 * moves) rather than read-modify-written, because reading a device register
 * can have side effects and the bytes the guest did not write are not ours
 * to write back. */
#include "guest_internal.h"

#include <string.h>

/* Widest access a device can declare: a 64-bit register. */
#define MMIO_MAX_ACCESS 8u

static bool power_of_two_upto8(unsigned v)
{
    return v >= 1 && v <= MMIO_MAX_ACCESS && (v & (v - 1)) == 0;
}

bool mmio_ops_valid(const vmmem_mmio_ops *ops, uint64_t size)
{
    return ops->read && ops->write && power_of_two_upto8(ops->min_access) &&
           power_of_two_upto8(ops->max_access) && ops->min_access <= ops->max_access &&
           size % ops->min_access == 0;
}

bool mmio_write_possible(const vmmem_mmio_ops *ops, uint64_t offset, uint64_t len)
{
    return offset % ops->min_access == 0 && len % ops->min_access == 0;
}

/* Largest access for [offset, offset + remaining): a power of two no wider
 * than max_access, dividing offset, not longer than remaining. The caller
 * ensures offset and remaining are multiples of min_access, so the result
 * is at least min_access. */
static unsigned piece_size(const vmmem_mmio_ops *ops, uint64_t offset, uint64_t remaining)
{
    unsigned size = ops->max_access;
    while (size > ops->min_access && (offset % size != 0 || size > remaining))
        size >>= 1;
    return size;
}

int mmio_read_range(const vmmem_mmio_ops *ops, uint64_t offset, unsigned char *out, uint64_t len, uint64_t *done)
{
    const uint64_t min = ops->min_access;
    *done = 0;
    while (len > 0) {
        int rc;
        uint64_t head = offset % min;
        if (head != 0 || len < min) {
            /* Widen: the whole aligned unit, keep the bytes asked for. */
            unsigned char unit[MMIO_MAX_ACCESS];
            uint64_t take = min - head < len ? min - head : len;
            if ((rc = ops->read(ops->opaque, offset - head, unit, (unsigned)min)) != VMMEM_OK)
                return rc;
            memcpy(out, unit + head, (size_t)take);
            out += take;
            offset += take;
            len -= take;
            *done += take;
            continue;
        }
        unsigned size = piece_size(ops, offset, len - len % min);
        if ((rc = ops->read(ops->opaque, offset, out, size)) != VMMEM_OK)
            return rc;
        out += size;
        offset += size;
        len -= size;
        *done += size;
    }
    return VMMEM_OK;
}

int mmio_write_range(const vmmem_mmio_ops *ops, uint64_t offset, const unsigned char *in, uint64_t len,
                     uint64_t *done)
{
    *done = 0;
    while (len > 0) {
        unsigned size = piece_size(ops, offset, len);
        int rc = ops->write(ops->opaque, offset, in, size);
        if (rc != VMMEM_OK)
            return rc;
        in += size;
        offset += size;
        len -= size;
        *done += size;
    }
    return VMMEM_OK;
}

int mmio_write_range_down(const vmmem_mmio_ops *ops, uint64_t offset, const unsigned char *in, uint64_t len,
                          uint64_t *done)
{
    *done = 0;
    while (len > 0) {
        /* the piece that ends at offset + len: a size dividing that end */
        unsigned size = piece_size(ops, offset + len, len);
        int rc = ops->write(ops->opaque, offset + len - size, in + len - size, size);
        if (rc != VMMEM_OK)
            return rc;
        len -= size;
        *done += size;
    }
    return VMMEM_OK;
}
