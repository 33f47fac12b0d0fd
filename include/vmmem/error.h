/** @file
 * vmmem/error.h - error codes shared by every vmmem API.
 *
 * Calls that can fail return 0 on success or one of these negative codes.
 * A call that fails has written nothing to its destination. */
#ifndef VMMEM_ERROR_H
#define VMMEM_ERROR_H

#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes: 0 for success, negative for failure. */
enum vmmem_error {
    VMMEM_OK = 0,           /**< success */
    VMMEM_EINVAL = -1,      /**< NULL pointer with a non-zero size, or an argument out of its domain */
    VMMEM_ERANGE = -2,      /**< the copy is longer than the source or destination buffer, or a range wraps the address space */
    VMMEM_EOVERLAP = -3,    /**< source and destination ranges overlap where the call forbids it */
    VMMEM_EUNSUPPORTED = -4, /**< the requested ISA is not compiled in or this CPU cannot run it */
    VMMEM_EFAULT = -5,      /**< a guest address range is not (entirely) backed by guest memory */
    VMMEM_EPERM = -6,       /**< the access is not allowed there (a write to ROM, DMA into a device's own window) */
    VMMEM_EEXIST = -7,      /**< a new region overlaps one that is already mapped */
    VMMEM_ENOMEM = -8,      /**< memory or a mapping could not be allocated */
    VMMEM_ENOSPC = -9,      /**< a fixed-size buffer (e.g.\ a JIT code buffer) is full */
    VMMEM_EBUSY = -10,      /**< re-entrant or concurrent use that the call rejects */
    VMMEM_EIO = -11,        /**< a system call on a file or mapping failed (see errno) */
    VMMEM_ENOENT = -12      /**< no such object (e.g.\ removing a region that is not mapped) */
};

/** Returns a static, human-readable description of a vmmem error code
 *  ("unknown error" for a value that is not one). Never returns NULL.
 *  @param err a value of enum vmmem_error (VMMEM_OK included), or any int
 *  @return the description, a string constant: not to be freed or modified */
VMMEM_API const char *vmmem_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_ERROR_H */
