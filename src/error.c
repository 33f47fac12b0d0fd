/* src/error.c - vmmem_strerror(). */
#include <vmmem/error.h>

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
    default: return "unknown error";
    }
}
