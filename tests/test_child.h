/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_child.h - running this test program again as a child process
 * in a given mode, with a clean VMMEM_* environment: the engine chooses its
 * kernel and thresholds once per process, so every start-up case needs a
 * process of its own. */
#ifndef VMMEM_TEST_CHILD_H
#define VMMEM_TEST_CHILD_H

#include <stddef.h>

typedef struct child_result {
    int status;     /* as from waitpid() */
    char out[2048]; /* the child's stdout */
    char err[2048]; /* the child's stderr */
} child_result;

/* Runs this program as `self mode` with the VMMEM_* variables removed from
 * the environment and `assignments` (NULL-terminated "NAME=value") added.
 * Under an emulator (VMMEM_TEST_EMULATOR, e.g. "qemu-aarch64", set by CTest
 * when cross-compiling) the child runs through it too. Aborts the test
 * program when the child cannot be started. */
void run_child(const char *mode, const char *const *assignments, child_result *r);

/* Non-zero when the child exited normally with status 0. */
int child_succeeded(const child_result *r);

/* Number of newline characters in text. */
size_t count_lines(const char *text);

#endif /* VMMEM_TEST_CHILD_H */
