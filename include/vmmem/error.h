/* vmmem/error.h - error codes shared by every vmmem API.
 *
 * Calls that can fail return 0 on success or one of these negative codes.
 * A call that fails has written nothing to its destination. */
#ifndef VMMEM_ERROR_H
#define VMMEM_ERROR_H

#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

enum vmmem_error {
    VMMEM_OK = 0,
    VMMEM_EINVAL = -1,      /**< NULL pointer with a non-zero size, or an argument out of its domain */
    VMMEM_ERANGE = -2,      /**< the copy is longer than the source or destination buffer, or a range wraps the address space */
    VMMEM_EOVERLAP = -3,    /**< source and destination ranges overlap where the call forbids it */
    VMMEM_EUNSUPPORTED = -4 /**< the requested ISA is not compiled in or this CPU cannot run it */
};

/** Returns a static, human-readable description of a vmmem error code
 *  ("unknown error" for a value that is not one). Never returns NULL. */
VMMEM_API const char *vmmem_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_ERROR_H */
