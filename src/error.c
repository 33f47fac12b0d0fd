/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/error.c - vmmem_strerror() and vmmem_error_to_errno(), and the
 * compile-time proof that no code collides with a negated errno. */
#include <errno.h>

#include <vmmem/error.h>

/* Linux's MAX_ERRNO: -1..-4095 are negated errno values. */
#define NEGATED_ERRNO_MIN (-4095)

_Static_assert(VMMEM_ERROR_BASE < NEGATED_ERRNO_MIN, "vmmem codes must lie below the negated errno range");
_Static_assert(VMMEM_EINVAL == VMMEM_ERROR_BASE - 1 && VMMEM_ERROR_LAST == VMMEM_ERROR_BASE - 13,
               "the codes are consecutive, from VMMEM_ERROR_BASE - 1 down to VMMEM_ERROR_LAST");

const char *vmmem_strerror(int err)
{
    switch (err) {
    case VMMEM_OK: return "success";
    case VMMEM_EINVAL: return "invalid argument (NULL pointer or value out of range)";
    case VMMEM_ERANGE: return "range error (copy longer than a buffer, or a range wraps the address space)";
    case VMMEM_EOVERLAP: return "source and destination overlap";
    case VMMEM_EUNSUPPORTED: return "ISA not supported by this build or CPU";
    case VMMEM_EFAULT: return "guest address range not backed by guest memory";
    case VMMEM_EPERM: return "access not permitted (write to ROM or to a device's own window)";
    case VMMEM_EEXIST: return "region overlaps an existing region";
    case VMMEM_ENOMEM: return "out of memory";
    case VMMEM_ENOSPC: return "buffer full";
    case VMMEM_EBUSY: return "re-entrant or concurrent use rejected";
    case VMMEM_EIO: return "system call failed";
    case VMMEM_ENOENT: return "no such object";
    case VMMEM_EPARTIAL: return "failed part-way (a device or file failed after bytes had moved)";
    default: return "unknown error";
    }
}

int vmmem_error_to_errno(int err)
{
    switch (err) {
    case VMMEM_OK: return 0;
    case VMMEM_EINVAL: return EINVAL;
    case VMMEM_ERANGE: return ERANGE;
    case VMMEM_EOVERLAP: return EINVAL;
    case VMMEM_EUNSUPPORTED: return ENOTSUP;
    case VMMEM_EFAULT: return EFAULT;
    case VMMEM_EPERM: return EPERM;
    case VMMEM_EEXIST: return EEXIST;
    case VMMEM_ENOMEM: return ENOMEM;
    case VMMEM_ENOSPC: return ENOSPC;
    case VMMEM_EBUSY: return EBUSY;
    case VMMEM_EIO: return EIO;
    case VMMEM_ENOENT: return ENOENT;
    case VMMEM_EPARTIAL: return EIO;
    default: return EINVAL;
    }
}
