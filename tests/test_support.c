/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_support.c - see test_support.h. */
#include "test_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define VMMEM_TEST_HAVE_VALGRIND_H 1
#endif
#endif

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

void guarded_alloc(guarded_buffer *b, size_t len)
{
    size_t page = page_size();
    size_t usable = (len + page - 1) / page * page;
    if (usable == 0)
        usable = page;
    b->map_len = usable + 2 * page;
    b->map = mmap(NULL, b->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b->map == MAP_FAILED) {
        perror("mmap");
        abort();
    }
    b->lo = (unsigned char *)b->map + page;
    b->hi = b->lo + usable;
    if (mprotect(b->lo, usable, PROT_READ | PROT_WRITE) != 0) {
        perror("mprotect");
        abort();
    }
}

void guarded_free(guarded_buffer *b)
{
    munmap(b->map, b->map_len);
    memset(b, 0, sizeof *b);
}

void fill_pattern(unsigned char *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = (unsigned char)(x >> 24);
    }
}

static void *adaptive_threshold_512(void *dst, const void *src, size_t n)
{
    return vmmem_memcpy_adaptive_with_threshold(dst, src, n, 512);
}

static void add(copy_under_test *list, size_t max, size_t *count, const char *name,
                void *(*fn)(void *, const void *, size_t))
{
    if (*count < max) {
        snprintf(list[*count].name, sizeof list[*count].name, "%s", name);
        list[*count].fn = fn;
        (*count)++;
    }
}

size_t copy_functions_under_test(copy_under_test *list, size_t max)
{
    size_t count = 0;
    for (int isa = 0; isa < VMMEM_ISA_COUNT; isa++) {
        vmmem_kernel_info k;
        if (vmmem_get_kernel((vmmem_isa)isa, &k) != VMMEM_OK)
            continue;
        char name[48];
        snprintf(name, sizeof name, "%s.memmove", k.name);
        add(list, max, &count, name, k.memmove);
        if (k.memcpy_nt) {
            snprintf(name, sizeof name, "%s.memcpy_nt", k.name);
            add(list, max, &count, name, k.memcpy_nt);
        }
    }
    add(list, max, &count, "vmmem_memcpy_fast", vmmem_memcpy_fast);
    add(list, max, &count, "vmmem_memcpy_adaptive", vmmem_memcpy_adaptive);
    add(list, max, &count, "vmmem_memmove", vmmem_memmove);
    add(list, max, &count, "vmmem_memcpy_adaptive_with_threshold(512)", adaptive_threshold_512);
    return count;
}

void skip_if_forced_isa_unsupported(void)
{
    const char *name = getenv("VMMEM_ISA");
    vmmem_isa isa;
    if (name && vmmem_isa_from_name(name, &isa) == VMMEM_OK && !vmmem_isa_supported(isa)) {
        printf("skipped: VMMEM_ISA=%s is not supported on this CPU\n", name);
        exit(TEST_SKIP_EXIT);
    }
}

size_t test_max_size(size_t dflt)
{
    const char *text = getenv("VMMEM_TEST_MAX_SIZE");
    if (!text)
        return dflt;
    char *end;
    unsigned long long v = strtoull(text, &end, 0);
    return (*end == '\0' && v > 0) ? (size_t)v : dflt;
}

int running_under_valgrind(void)
{
#if VMMEM_TEST_HAVE_VALGRIND_H
    return RUNNING_ON_VALGRIND != 0;
#else
    return 0;
#endif
}

int running_under_emulator(void)
{
    const char *emu = getenv("VMMEM_TEST_EMULATOR");
    return emu && *emu;
}
