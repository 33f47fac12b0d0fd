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
    default: return "unknown error";
    }
}
