/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_support.h - helpers shared by the test programs: guarded
 * buffers, byte patterns, the list of copy functions under test, and the
 * VMMEM_ISA skip rule. */
#ifndef VMMEM_TEST_SUPPORT_H
#define VMMEM_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/vmmem.h>

/* Exit code CTest treats as "skipped" (SKIP_RETURN_CODE). */
#define TEST_SKIP_EXIT 77

/* A buffer with PROT_NONE pages right before `lo` and right after `hi`:
 * touching lo[-1] or hi[0] crashes the test. */
typedef struct guarded_buffer {
    unsigned char *lo, *hi; /* the usable bytes are [lo, hi) */
    void *map;
    size_t map_len;
} guarded_buffer;

/* Maps at least `len` usable bytes between guard pages; aborts on failure. */
void guarded_alloc(guarded_buffer *b, size_t len);
void guarded_free(guarded_buffer *b);

/* Fills p[0..n) with a pattern that depends on `seed` and the position, so
 * that a copy from a wrong offset never matches. */
void fill_pattern(unsigned char *p, size_t n, uint32_t seed);

/* A copy function under test with memmove semantics. */
typedef struct copy_under_test {
    char name[48];
    void *(*fn)(void *dst, const void *src, size_t n);
} copy_under_test;

/* Fills list[] (capacity max) with every kernel this CPU runs (memmove and
 * memcpy_nt of each) and every public copy call; returns how many. */
size_t copy_functions_under_test(copy_under_test *list, size_t max);

/* When VMMEM_ISA names an ISA this CPU cannot run, the whole program is
 * skipped (exit 77): the per-ISA CTest variants only make sense where the
 * ISA exists. Call first in main(). */
void skip_if_forced_isa_unsupported(void);

/* Non-zero when the tests run under a user-mode emulator (CTest sets
 * VMMEM_TEST_EMULATOR when cross-compiling). Threads run there, but
 * Debian 12's qemu-user (7.2) aborts a child forked from a process that has
 * started threads (assertion "cpu == current_cpu"), and fork() in general
 * is unreliable there, so the few tests that fork skip under emulation;
 * they run natively. */
int running_under_emulator(void);

/* Non-zero when the test runs under Valgrind (its client request, when
 * <valgrind/valgrind.h> is installed, as scripts/test-valgrind.sh makes
 * sure). Valgrind keeps its own writable and executable code cache in the
 * process and does not emulate seccomp, which the JIT tests must allow for. */
int running_under_valgrind(void);

/* Largest copy size the big-size tests use: VMMEM_TEST_MAX_SIZE, or `dflt`
 * (emulated and Valgrind runs lower it). */
size_t test_max_size(size_t dflt);

#endif /* VMMEM_TEST_SUPPORT_H */
