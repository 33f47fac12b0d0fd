/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/export.h - symbol visibility for the public API.
 *
 * The library is built with -fvisibility=hidden; only declarations marked
 * VMMEM_API are exported from the shared library. */
#ifndef VMMEM_EXPORT_H
#define VMMEM_EXPORT_H

/** Marks a declaration as exported from the shared library (default
 *  visibility with GCC and Clang; empty with other compilers). */
#if defined(__GNUC__) || defined(__clang__)
#define VMMEM_API __attribute__((visibility("default")))
#else
#define VMMEM_API
#endif

#endif /* VMMEM_EXPORT_H */
