/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/vmmem.h - umbrella header: everything in libvmmem. */
#ifndef VMMEM_VMMEM_H
#define VMMEM_VMMEM_H

#include <vmmem/cpu.h>
#include <vmmem/error.h>
#include <vmmem/init.h>
#include <vmmem/memcpy.h>
#include <vmmem/jit.h>
#include <vmmem/xlate.h>

/** Major version of the library these headers belong to. */
#define VMMEM_VERSION_MAJOR 0
/** Minor version of the library these headers belong to. */
#define VMMEM_VERSION_MINOR 1
/** Patch version of the library these headers belong to. */
#define VMMEM_VERSION_PATCH 0

#endif /* VMMEM_VMMEM_H */
