/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_atomicity.c - naturally aligned 2, 4 and 8-byte copies are one
 * access of that width: while one thread keeps copying either of two values
 * into an aligned slot with each copy function, another thread reads the
 * slot and must only ever see one of the two values, never a mix. A kernel
 * that copied byte by byte would show torn values here within a few
 * thousand iterations on a multi-core machine. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_support.h"

#define ITERATIONS 200000

static copy_under_test functions[32];
static size_t function_count;

typedef struct tear_check {
    _Alignas(8) unsigned char slot[8];
    _Alignas(8) unsigned char values[2][8];
    size_t width;
    atomic_int done;
    size_t torn;
} tear_check;

static uint64_t read_slot(const tear_check *t)
{
    switch (t->width) {
    case 2: return atomic_load_explicit((const _Atomic uint16_t *)(const void *)t->slot, memory_order_relaxed);
    case 4: return atomic_load_explicit((const _Atomic uint32_t *)(const void *)t->slot, memory_order_relaxed);
    default: return atomic_load_explicit((const _Atomic uint64_t *)(const void *)t->slot, memory_order_relaxed);
    }
}

/* The value read_slot() returns when the slot holds values[which]: read
 * through an integer of the same width, so that it is right in either host
 * byte order. */
static uint64_t value_as_int(const tear_check *t, int which)
{
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    switch (t->width) {
    case 2: memcpy(&v16, t->values[which], 2); return v16;
    case 4: memcpy(&v32, t->values[which], 4); return v32;
    default: memcpy(&v64, t->values[which], 8); return v64;
    }
}

static void *reader(void *arg)
{
    tear_check *t = arg;
    uint64_t a = value_as_int(t, 0), b = value_as_int(t, 1);
    while (!atomic_load_explicit(&t->done, memory_order_acquire)) {
        uint64_t v = read_slot(t);
        if (v != a && v != b)
            t->torn++;
    }
    return NULL;
}

static void test_aligned_small_copies_are_single_accesses(void **state)
{
    (void)state;
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        skip(); /* one CPU: no true concurrency to observe a torn access */
    static const size_t widths[] = {2, 4, 8};
    for (size_t f = 0; f < function_count; f++) {
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
            tear_check t;
            memset(&t, 0, sizeof t);
            t.width = widths[w];
            memset(t.values[0], 0x00, 8);
            memset(t.values[1], 0xFF, 8);
            memcpy(t.slot, t.values[0], 8);
            pthread_t thread;
            pthread_create(&thread, NULL, reader, &t);
            for (int i = 0; i < ITERATIONS; i++)
                functions[f].fn(t.slot, t.values[i & 1], t.width);
            atomic_store_explicit(&t.done, 1, memory_order_release);
            pthread_join(thread, NULL);
            if (t.torn)
                fail_msg("%s: %zu torn reads of an aligned %zu-byte copy", functions[f].name, t.torn,
                         t.width);
        }
    }
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    function_count = copy_functions_under_test(functions, sizeof functions / sizeof functions[0]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aligned_small_copies_are_single_accesses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
