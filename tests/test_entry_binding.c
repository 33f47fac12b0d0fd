/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_entry_binding.c - how the public copy entries of the shared
 * library are bound (src/copy_api.c). With GNU indirect functions
 * (VMMEM_IFUNC), a lookup after start-up (dlsym, or a call site's first
 * call) gets the published kernel entry itself, and a later lookup follows
 * vmmem_force_isa(); a reference the dynamic linker filled when the
 * program loaded (this program's own &vmmem_memcpy_fast, through its GOT)
 * is the dispatching entry, which follows every later force. Without
 * indirect functions every lookup is the dispatching entry. Every pointer
 * handed out copies right at every size, before and after a force. */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <vmmem/vmmem.h>

typedef void *(*copy_fn)(void *, const void *, size_t);

#define GUARD 64
#define COPY_MAX 1100

static copy_fn lookup(const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    assert_non_null(p);
    copy_fn fn;
    memcpy(&fn, &p, sizeof fn);
    return fn;
}

/* Copies every size 0..COPY_MAX at two alignments and checks the bytes
 * and the guards around the destination. */
static void check_copies(copy_fn fn)
{
    static unsigned char src[COPY_MAX + 2 * GUARD], dst[COPY_MAX + 2 * GUARD], want[COPY_MAX + 2 * GUARD];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 131u + 7u);
    for (size_t align = 0; align < 2; align++) {
        for (size_t n = 0; n <= COPY_MAX; n += n < 300 ? 1 : 97) {
            memset(dst, 0xA5, sizeof dst);
            memset(want, 0xA5, sizeof want);
            for (size_t i = 0; i < n; i++)
                want[GUARD + align + i] = src[GUARD + i];
            assert_ptr_equal(fn(dst + GUARD + align, src + GUARD, n), dst + GUARD + align);
            assert_memory_equal(dst, want, sizeof dst);
        }
    }
}

/* On glibc the build probe must find indirect functions: a probe that
 * failed for another reason (a warning turned error) would turn them off
 * without a word, and the checks below would then test the other contract. */
static void test_probe_found_indirect_functions(void **state)
{
    (void)state;
#if defined(__GLIBC__) && (defined(__GNUC__) || defined(__clang__))
    assert_true(VMMEM_TOOLCHAIN_HAS_IFUNC);
#else
    skip();
#endif
}

static void test_every_entry_copies(void **state)
{
    (void)state;
    check_copies(lookup("vmmem_memcpy_fast"));
    check_copies(lookup("vmmem_memmove"));
    check_copies(lookup("vmmem_memcpy_adaptive"));
    check_copies(vmmem_memcpy_fast);
}

/* A second ISA to force: the portable one when the best is something else. */
static int other_isa(vmmem_isa active, vmmem_isa *out)
{
    if (active != VMMEM_ISA_GENERIC) {
        *out = VMMEM_ISA_GENERIC;
        return 1;
    }
    for (int i = 0; i < VMMEM_ISA_COUNT; i++) {
        if (i != VMMEM_ISA_GENERIC && vmmem_isa_supported((vmmem_isa)i)) {
            *out = (vmmem_isa)i;
            return 1;
        }
    }
    return 0;
}

static void test_lookups_follow_the_published_kernel(void **state)
{
    (void)state;
    vmmem_isa first = vmmem_active_isa(), second = VMMEM_ISA_GENERIC;
    if (!other_isa(first, &second))
        skip(); /* one ISA only: nothing to switch to */
    copy_fn before = lookup("vmmem_memcpy_fast"), before_memmove = lookup("vmmem_memmove");
    copy_fn loaded = vmmem_memcpy_fast; /* filled when this program loaded */
    assert_int_equal(vmmem_force_isa(second), VMMEM_OK);
    copy_fn after = lookup("vmmem_memcpy_fast");
#if VMMEM_IFUNC
    /* Looked up late, both names of the fast copy are the same kernel
     * entry, not the entry this program got when it loaded. */
    assert_ptr_equal(before, before_memmove);
    assert_true(before != loaded);
    assert_true(after != before); /* the lookup follows the force */
    assert_ptr_equal(after, lookup("vmmem_memmove"));
    if (second == VMMEM_ISA_GENERIC) {
        vmmem_kernel_info generic;
        assert_int_equal(vmmem_get_kernel(VMMEM_ISA_GENERIC, &generic), VMMEM_OK);
        assert_ptr_equal(after, generic.memmove);
    }
#else
    assert_ptr_equal(before, after);
    assert_ptr_equal(before, loaded);
    assert_true(before != before_memmove); /* two entries, one hop each */
#endif
    check_copies(before); /* a site bound to the first kernel stays right */
    check_copies(after);
    check_copies(loaded);
    assert_int_equal(vmmem_force_isa(first), VMMEM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_found_indirect_functions),
        cmocka_unit_test(test_every_entry_copies),
        cmocka_unit_test(test_lookups_follow_the_published_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
