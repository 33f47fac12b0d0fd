/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/error.h - error codes shared by every vmmem API.
 *
 * Calls that can fail return 0 on success or one of these negative codes.
 * A call that returns any code but VMMEM_EPARTIAL has refused: it has read
 * and written nothing (no byte of its destination, no device callback).
 * VMMEM_EPARTIAL, which no refusal returns, means the call had begun
 * moving bytes when a device callback or a file read or write failed: the
 * bytes before the failure have moved (libvmmem-vm reports how many, see
 * vmmem_guest_last_partial() in vmmem/guest_memory.h).
 *
 * Every code lies below -4095, outside the range of negated errno values
 * (-1..-4095, Linux's MAX_ERRNO), so a vmmem code passed up a QEMU- or
 * crosvm-style path that returns -errno can never be read as a different
 * errno (as VMMEM_EINVAL = -1 = -EPERM once could). To hand one to such a
 * path, convert it: `return -vmmem_error_to_errno(rc);`. */
#ifndef VMMEM_ERROR_H
#define VMMEM_ERROR_H

#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The codes count down from here: VMMEM_EINVAL is VMMEM_ERROR_BASE - 1.
 *  -4096 is the first value below the negated errno range. */
#define VMMEM_ERROR_BASE (-4096)

/** Error codes: 0 for success, below VMMEM_ERROR_BASE for failure. */
enum vmmem_error {
    VMMEM_OK = 0,                            /**< success */
    VMMEM_EINVAL = VMMEM_ERROR_BASE - 1,     /**< NULL pointer with a non-zero size, or an argument out of its domain */
    VMMEM_ERANGE = VMMEM_ERROR_BASE - 2,     /**< the copy is longer than the source or destination buffer, or a range wraps the address space */
    VMMEM_EOVERLAP = VMMEM_ERROR_BASE - 3,   /**< source and destination ranges overlap where the call forbids it */
    VMMEM_EUNSUPPORTED = VMMEM_ERROR_BASE - 4, /**< the requested ISA is not compiled in or this CPU cannot run it */
    VMMEM_EFAULT = VMMEM_ERROR_BASE - 5,     /**< a guest address range is not (entirely) backed by guest memory */
    VMMEM_EPERM = VMMEM_ERROR_BASE - 6,      /**< the access is not allowed there (a write to ROM, DMA into a device's own window) */
    VMMEM_EEXIST = VMMEM_ERROR_BASE - 7,     /**< a new region overlaps one that is already mapped */
    VMMEM_ENOMEM = VMMEM_ERROR_BASE - 8,     /**< memory or a mapping could not be allocated */
    VMMEM_ENOSPC = VMMEM_ERROR_BASE - 9,     /**< a fixed-size buffer (e.g.\ a JIT code buffer) is full */
    VMMEM_EBUSY = VMMEM_ERROR_BASE - 10,     /**< re-entrant or concurrent use that the call rejects */
    VMMEM_EIO = VMMEM_ERROR_BASE - 11,       /**< a system call on a file or mapping failed (see errno) */
    VMMEM_ENOENT = VMMEM_ERROR_BASE - 12,    /**< no such object (e.g.\ removing a region that is not mapped) */
    VMMEM_EPARTIAL = VMMEM_ERROR_BASE - 13   /**< failed part-way: a device callback or a file read or write failed after the
                                                  call had begun moving bytes (never a refusal; see above) */
};

/** The last (lowest) code: every code is in [VMMEM_ERROR_LAST, VMMEM_ERROR_BASE). */
#define VMMEM_ERROR_LAST VMMEM_EPARTIAL

/** Returns a static, human-readable description of a vmmem error code
 *  ("unknown error" for a value that is not one). Never returns NULL.
 *  @param err a value of enum vmmem_error (VMMEM_OK included), or any int
 *  @return the description, a string constant: not to be freed or modified */
VMMEM_API const char *vmmem_strerror(int err);

/** The errno value closest in meaning to a vmmem error code, for callers
 *  whose own convention is -errno: EINVAL, ERANGE, EINVAL (overlap),
 *  ENOTSUP, EFAULT, EPERM, EEXIST, ENOMEM, ENOSPC, EBUSY, EIO, ENOENT, EIO (part-way);
 *  0 for VMMEM_OK; EINVAL for a value that is not a vmmem code.
 *  @param err a value of enum vmmem_error, or any int
 *  @return a positive errno value, or 0 */
VMMEM_API int vmmem_error_to_errno(int err);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_ERROR_H */
