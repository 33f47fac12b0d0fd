/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/partial.c - what the last call of this thread that failed
 * part-way (VMMEM_EPARTIAL) had done: a per-thread report, as errno is,
 * written only on that failure path (so in the default TLS model: a
 * library loaded late by dlopen() may get dynamic TLS). */
#include "guest_walk.h"

static _Thread_local struct {
    int valid;
    vmmem_partial report;
} last;

void guest_report_partial(uint64_t expected, const guest_progress *progress)
{
    last.report = (vmmem_partial){ expected, progress->done, progress->cause };
    last.valid = 1;
}

int vmmem_guest_last_partial(vmmem_partial *out)
{
    if (!out)
        return VMMEM_EINVAL;
    if (!last.valid)
        return VMMEM_ENOENT;
    *out = last.report;
    return VMMEM_OK;
}
