/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_jit.c - the JIT copy emitter executes correctly: functions
 * built for every size 0..2048 and some large ones, for every register width
 * this CPU runs, copy exactly n bytes between guarded buffers (guard pages
 * and canaries around the destination) at all src/dst offsets 0..63 for
 * small sizes, at page edges, and with overlap in both directions; emitted
 * sequences with dst, src and size in other registers copy correctly and
 * preserve what they promise (registers, red zone) at both stack
 * alignments; bad arguments get their error code and write nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_support.h"

#if defined(__x86_64__)
#include "dispatch.h"
#include "engine.h"

#define MAX_N 2048             /* every size 0..MAX_N is built and run */
#define ALL_OFFSETS_MAX_N 128  /* up to here, every src/dst offset pair 0..63 */
#define OFFSETS 64
#define MARGIN 64              /* canary bytes checked on each side of the destination */
#define WORK_BYTES (MAX_N + 2 * OFFSETS + 2 * MARGIN)
#define CODE_BYTES (8u << 20)  /* every function of one table: 2049 x <= 512 B, aligned */

/* A register width to test: its options, and whether it inlines up to the
 * ISA's limit or calls the engine for every size. */
typedef struct variant {
    char name[32];
    vmmem_jit_options opt;
} variant;

static size_t collect_variants(variant *v, size_t max)
{
    static const vmmem_isa isas[] = {VMMEM_ISA_GENERIC, VMMEM_ISA_SSE2, VMMEM_ISA_AVX2, VMMEM_ISA_AVX512};
    size_t count = 0;
    for (size_t i = 0; i < sizeof isas / sizeof isas[0] && count < max; i++) {
        vmmem_jit_options opt;
        if (vmmem_jit_isa_options(isas[i], &opt) != VMMEM_OK)
            continue;
        opt.inline_max = vmmem_jit_inline_limit(isas[i]); /* every inline size of this width */
        snprintf(v[count].name, sizeof v[count].name, "inline-%s", vmmem_isa_name(isas[i]));
        v[count++].opt = opt;
    }
    vmmem_jit_options call;
    assert_int_equal(vmmem_jit_default_options(&call), VMMEM_OK);
    call.inline_max = 0;
    snprintf(v[count].name, sizeof v[count].name, "call-only");
    v[count++].opt = call;
    return count;
}

/* Functions for sizes 0..MAX_N in one buffer. */
typedef struct fn_table {
    vmmem_jit_buffer *buf;
    vmmem_jit_copy_n_fn fn[MAX_N + 1];
} fn_table;

static void build_table(fn_table *t, const vmmem_jit_options *opt)
{
    assert_int_equal(vmmem_jit_buffer_create(CODE_BYTES, &t->buf), VMMEM_OK);
    for (size_t n = 0; n <= MAX_N; n++)
        assert_int_equal(vmmem_jit_build_copy_fn(t->buf, n, opt, &t->fn[n]), VMMEM_OK);
}

/* Copies n bytes with fn from src_buf + so to dst_buf + dof and checks the
 * destination window and its MARGIN-byte canaries on both sides. dst_buf
 * holds `canary` on entry and again on return. */
static void check_copy(vmmem_jit_copy_n_fn fn, size_t n, unsigned char *dst_buf, const unsigned char *canary,
                       const unsigned char *src_buf, size_t so, size_t dof, const char *what)
{
    unsigned char *d = dst_buf + MARGIN + dof;
    const unsigned char *s = src_buf + MARGIN + so;
    fn(d, s);
    if (memcmp(d, s, n) != 0 || memcmp(dst_buf, canary, MARGIN + dof) != 0 ||
        memcmp(d + n, canary + MARGIN + dof + n, MARGIN) != 0) {
        print_error("%s: n=%zu src+%zu dst+%zu: wrong bytes\n", what, n, so, dof);
        fail();
    }
    memcpy(dst_buf, canary, MARGIN + dof + n + MARGIN);
}

static void check_table(const fn_table *t, const char *what)
{
    unsigned char *src = malloc(WORK_BYTES), *dst = malloc(WORK_BYTES), *canary = malloc(WORK_BYTES);
    assert_non_null(src);
    assert_non_null(dst);
    assert_non_null(canary);
    fill_pattern(src, WORK_BYTES, 1);
    fill_pattern(canary, WORK_BYTES, 2);
    memcpy(dst, canary, WORK_BYTES);
    static const size_t some_offsets[] = {0, 1, 7, 31, 63};
    for (size_t n = 0; n <= MAX_N; n++) {
        if (n <= ALL_OFFSETS_MAX_N) {
            for (size_t so = 0; so < OFFSETS; so++)
                for (size_t dof = 0; dof < OFFSETS; dof++)
                    check_copy(t->fn[n], n, dst, canary, src, so, dof, what);
        } else {
            for (size_t i = 0; i < 5; i++)
                for (size_t j = 0; j < 5; j++)
                    check_copy(t->fn[n], n, dst, canary, src, some_offsets[i], some_offsets[j], what);
        }
    }
    free(src);
    free(dst);
    free(canary);
}

/* Page edges: source and destination end right before a guard page, then
 * start right after one; a byte read or written outside crashes. */
static void check_page_edges(const fn_table *t)
{
    guarded_buffer s, d;
    guarded_alloc(&s, MAX_N);
    guarded_alloc(&d, MAX_N);
    fill_pattern(s.lo, (size_t)(s.hi - s.lo), 3);
    size_t span = (size_t)(d.hi - d.lo);
    unsigned char *zero = calloc(1, span);
    assert_non_null(zero);
    for (size_t n = 0; n <= MAX_N; n++) {
        memset(d.lo, 0, span);
        t->fn[n](d.hi - n, s.hi - n);
        assert_memory_equal(d.hi - n, s.hi - n, n);
        assert_memory_equal(d.lo, zero, span - n);
        t->fn[n](d.lo, s.lo);
        assert_memory_equal(d.lo, s.lo, n);
    }
    free(zero);
    guarded_free(&s);
    guarded_free(&d);
}

/* Overlap in both directions at several distances: like memmove. */
static void check_overlap(const fn_table *t)
{
    enum { SPAN = 2 * MAX_N + 64 };
    unsigned char *buf = malloc(SPAN), *ref = malloc(SPAN);
    assert_non_null(buf);
    assert_non_null(ref);
    for (size_t n = 1; n <= MAX_N; n += (n < 160 ? 1 : 37)) {
        size_t dist[] = {1, 7, 16, 63, 64, n / 2, n - 1};
        for (size_t i = 0; i < sizeof dist / sizeof dist[0]; i++) {
            if (dist[i] == 0 || dist[i] >= n)
                continue;
            for (int dir = 0; dir < 2; dir++) {
                size_t so = dir ? 32 + dist[i] : 32, dof = dir ? 32 : 32 + dist[i];
                fill_pattern(buf, SPAN, (uint32_t)(n * 7 + i));
                memcpy(ref, buf, SPAN);
                memmove(ref + dof, ref + so, n);
                t->fn[n](buf + dof, buf + so);
                if (memcmp(buf, ref, SPAN) != 0) {
                    print_error("overlap n=%zu distance %zu %s\n", n, dist[i], dir ? "down" : "up");
                    fail();
                }
            }
        }
    }
    free(buf);
    free(ref);
}

static void test_every_size_every_width(void **state)
{
    (void)state;
    variant v[8];
    size_t nv = collect_variants(v, 8);
    assert_true(nv >= 2);
    fn_table *t = malloc(sizeof *t);
    assert_non_null(t);
    for (size_t i = 0; i < nv; i++) {
        build_table(t, &v[i].opt);
        check_table(t, v[i].name);
        check_page_edges(t);
        check_overlap(t);
        vmmem_jit_buffer_destroy(t->buf);
    }
    free(t);
}

/* The defaults follow the engine's active ISA (VMMEM_ISA in the per-ISA runs). */
static void test_defaults_follow_active_isa(void **state)
{
    (void)state;
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);
    assert_int_equal(opt.isa, vmmem_active_isa());
    assert_int_equal(opt.gpr_scratch, VMMEM_JIT_DEFAULT_GPR_SCRATCH);
    assert_true(opt.inline_max <= vmmem_jit_inline_limit(opt.isa));
    assert_true(opt.inline_max > 0);
    /* and a function built with them copies */
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    unsigned char src[3000], dst[3000];
    fill_pattern(src, sizeof src, 9);
    static const size_t sizes[] = {0, 1, 17, 100, 255, 256, 511, 512, 1024, 1025, 2999};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        vmmem_jit_copy_n_fn fn;
        assert_int_equal(vmmem_jit_build_copy_fn(buf, sizes[i], NULL, &fn), VMMEM_OK);
        memset(dst, 0, sizeof dst);
        fn(dst, src);
        assert_memory_equal(dst, src, sizes[i]);
        if (sizes[i] < sizeof dst)
            assert_int_equal(dst[sizes[i]], 0);
    }
    vmmem_jit_buffer_destroy(buf);
}

/* Large sizes (call path) between guarded buffers. */
static void test_large_sizes(void **state)
{
    (void)state;
    size_t max = test_max_size((size_t)4 << 20);
    const size_t sizes[] = {4096, 65536 + 3, (1u << 20) + 7, max};
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        guarded_buffer s, d;
        guarded_alloc(&s, n);
        guarded_alloc(&d, n + 2);
        fill_pattern(s.lo, n, (uint32_t)i);
        memset(d.lo, 0xEE, (size_t)(d.hi - d.lo));
        vmmem_jit_copy_n_fn fn;
        assert_int_equal(vmmem_jit_build_copy_fn(buf, n, NULL, &fn), VMMEM_OK);
        unsigned char *dst = d.hi - n - 1;
        fn(dst, s.hi - n);
        assert_memory_equal(dst, s.hi - n, n);
        assert_int_equal(dst[-1], 0xEE);
        assert_int_equal(dst[n], 0xEE);
        guarded_free(&s);
        guarded_free(&d);
    }
    vmmem_jit_buffer_destroy(buf);
}

/* ---- emitted sequences with other registers, run through the harness ---- */

struct jit_regs {
    uint64_t gpr[VMMEM_JIT_REG_COUNT];
    uint64_t red_zone[16];
};
void jit_harness_run(const void *code, struct jit_regs *regs, uint64_t misalign);
extern const char jit_harness_resume[];

/* What ends a sequence run by the harness: jmp qword ptr [rip + 0] and the
 * 8-byte address it reads, jit_harness_resume (jit_harness_x86.S says why
 * not a ret). */
#define JIT_HARNESS_TRAILER_LEN 14
static void append_jump_to(vmmem_jit_code *code, const void *resume)
{
    static const unsigned char jmp_rip_indirect[6] = {0xFF, 0x25, 0, 0, 0, 0};
    uint64_t target = (uint64_t)(uintptr_t)resume;
    memcpy(code->start + code->length, jmp_rip_indirect, sizeof jmp_rip_indirect);
    memcpy(code->start + code->length + sizeof jmp_rip_indirect, &target, sizeof target);
    code->length += JIT_HARNESS_TRAILER_LEN;
}

static void append_harness_trailer(vmmem_jit_code *code)
{
    append_jump_to(code, jit_harness_resume);
}

/* Runs `emit`'s sequence + the harness trailer with dst, src (and size) in the given
 * registers, every other register holding a distinct sentinel, and checks
 * the copy, the preserved registers (all but `clobber`) and the red zone. */
static void run_sequence(vmmem_jit_buffer *buf, size_t n, unsigned misalign,
                         vmmem_jit_reg dst_reg, vmmem_jit_reg src_reg, int size_reg, unsigned clobber,
                         int red_zone_untouched)
{
    unsigned char src[4200], dst[4200];
    assert_true(n + 64 <= sizeof src);
    fill_pattern(src, sizeof src, (uint32_t)n);
    memset(dst, 0xA5, sizeof dst);
    struct jit_regs in, out;
    for (unsigned r = 0; r < VMMEM_JIT_REG_COUNT; r++)
        in.gpr[r] = 0x1111111111111111ull * (r + 1) ^ 0x0F0F0F0F00000000ull;
    for (unsigned i = 0; i < 16; i++)
        in.red_zone[i] = 0x5EED000000000000ull + i;
    in.gpr[dst_reg] = (uint64_t)(uintptr_t)(dst + 32);
    in.gpr[src_reg] = (uint64_t)(uintptr_t)(src + 32);
    if (size_reg >= 0)
        in.gpr[size_reg] = n;
    out = in;
    jit_harness_run(vmmem_jit_buffer_code(buf, 0), &out, misalign);
    assert_memory_equal(dst + 32, src + 32, n);
    assert_int_equal(dst[31], 0xA5);
    assert_int_equal(dst[32 + n], 0xA5);
    for (unsigned r = 0; r < VMMEM_JIT_REG_COUNT; r++) {
        if (r == VMMEM_JIT_RSP || (clobber & VMMEM_JIT_REG_BIT(r)))
            continue;
        if (out.gpr[r] != in.gpr[r]) {
            print_error("n=%zu dst=r%d src=r%d: register %u changed\n", n, dst_reg, src_reg, r);
            fail();
        }
    }
    if (red_zone_untouched)
        assert_memory_equal(out.red_zone, in.red_zone, sizeof in.red_zone);
}

/* Emits one sequence + the harness trailer into buf (reset), seals it. */
static int emit_into(vmmem_jit_buffer *buf, vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, int size_reg,
                     size_t n, const vmmem_jit_options *opt)
{
    assert_int_equal(vmmem_jit_buffer_open(buf, code), VMMEM_OK);
    code->length = 0;
    int rc = size_reg >= 0 ? vmmem_jit_emit_copy_dynamic(code, dst, src, (vmmem_jit_reg)size_reg)
                           : vmmem_jit_emit_copy(code, dst, src, n, opt);
    if (rc == VMMEM_OK) {
        assert_true(code->length + JIT_HARNESS_TRAILER_LEN <= code->capacity);
        append_harness_trailer(code);
    }
    assert_int_equal(vmmem_jit_buffer_seal(buf, code), VMMEM_OK);
    return rc;
}

static const vmmem_jit_reg reg_pairs[][2] = {
    {VMMEM_JIT_RDI, VMMEM_JIT_RSI}, {VMMEM_JIT_RSI, VMMEM_JIT_RDI}, {VMMEM_JIT_RBP, VMMEM_JIT_R13},
    {VMMEM_JIT_R12, VMMEM_JIT_RBX}, {VMMEM_JIT_RAX, VMMEM_JIT_RDX}, {VMMEM_JIT_R15, VMMEM_JIT_R11},
    {VMMEM_JIT_RDX, VMMEM_JIT_RCX},
};

static void test_registers_constant_size(void **state)
{
    (void)state;
    variant v[8];
    size_t nv = collect_variants(v, 8);
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    static const size_t sizes[] = {0, 1, 2, 3, 5, 8, 13, 16, 31, 33, 56, 64, 100, 255, 256, 512, 1000, 1024, 4000};
    for (size_t vi = 0; vi < nv; vi++) {
        for (size_t p = 0; p < sizeof reg_pairs / sizeof reg_pairs[0]; p++) {
            vmmem_jit_reg dr = reg_pairs[p][0], sr = reg_pairs[p][1];
            for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
                size_t n = sizes[i];
                vmmem_jit_code code;
                int rc = emit_into(buf, &code, dr, sr, -1, n, &v[vi].opt);
                int inlined = n <= v[vi].opt.inline_max;
                if (rc == VMMEM_EINVAL) {
                    /* only a generic copy with dst/src among its scratch registers may run short */
                    assert_int_equal(v[vi].opt.isa, VMMEM_ISA_GENERIC);
                    assert_true(inlined);
                    continue;
                }
                assert_int_equal(rc, VMMEM_OK);
                /* dst and src are never clobbered, even when named in the scratch mask */
                unsigned clobber = inlined ? v[vi].opt.gpr_scratch & ~(VMMEM_JIT_REG_BIT(dr) | VMMEM_JIT_REG_BIT(sr)) : 0;
                for (unsigned m = 0; m <= 8; m += 8)
                    run_sequence(buf, n, m, dr, sr, -1, clobber, 1);
            }
        }
    }
    vmmem_jit_buffer_destroy(buf);
}

static void test_registers_runtime_size(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    static const vmmem_jit_reg triples[][3] = {
        {VMMEM_JIT_RDI, VMMEM_JIT_RSI, VMMEM_JIT_RDX}, {VMMEM_JIT_RDX, VMMEM_JIT_RDI, VMMEM_JIT_RSI},
        {VMMEM_JIT_RSI, VMMEM_JIT_RDX, VMMEM_JIT_RDI}, {VMMEM_JIT_RBX, VMMEM_JIT_RBP, VMMEM_JIT_R12},
        {VMMEM_JIT_RAX, VMMEM_JIT_R11, VMMEM_JIT_RCX}, {VMMEM_JIT_R15, VMMEM_JIT_R8, VMMEM_JIT_RBP},
    };
    static const size_t sizes[] = {0, 1, 7, 64, 300, 4000};
    for (size_t t = 0; t < sizeof triples / sizeof triples[0]; t++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            vmmem_jit_code code;
            assert_int_equal(emit_into(buf, &code, triples[t][0], triples[t][1], (int)triples[t][2], 0, NULL),
                             VMMEM_OK);
            for (unsigned m = 0; m <= 8; m += 8)
                run_sequence(buf, sizes[i], m, triples[t][0], triples[t][1], (int)triples[t][2], 0, 1);
        }
    /* a copy whose size register is also its destination register: size = the address */
    vmmem_jit_code code;
    unsigned char area[64];
    assert_int_equal(emit_into(buf, &code, VMMEM_JIT_RBX, VMMEM_JIT_RBX, (int)VMMEM_JIT_R12, 0, NULL), VMMEM_OK);
    struct jit_regs r;
    memset(&r, 0, sizeof r);
    r.gpr[VMMEM_JIT_RBX] = (uint64_t)(uintptr_t)area;
    r.gpr[VMMEM_JIT_R12] = sizeof area;
    fill_pattern(area, sizeof area, 4);
    jit_harness_run(vmmem_jit_buffer_code(buf, 0), &r, 0);
    assert_int_equal(r.gpr[VMMEM_JIT_RBX], (uint64_t)(uintptr_t)area);
    vmmem_jit_buffer_destroy(buf);
}

/* ---- calls reach the kernel published when they run ---- */

static unsigned published_calls;

static void *counting_copy(void *dst, const void *src, size_t n)
{
    published_calls++;
    return vmmem_generic_memmove(dst, src, n);
}

/* docs/jit.md, "copy_n functions": emitted calls embed the library's
 * dispatching entry, so they follow the kernel published when they run
 * (vmmem_force_isa() after the code was built), not the one of when it was
 * built. The published pointers (the entry, and the one the AVX-512
 * dispatching entry takes above 256 bytes) are swapped for a counting copy,
 * and the ISA byte for SSE2 (that entry copies up to 256 bytes itself while
 * an AVX-512 kernel is published): a function and an emitted call
 * sequence, built before, must go through them. */
static void test_calls_follow_published_kernel(void **state)
{
    (void)state;
    (void)vmmem_active_isa(); /* started up, so nothing republishes below */
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);
    opt.inline_max = 0;
    vmmem_jit_buffer *fn_buf, *seq_buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &fn_buf), VMMEM_OK);
    assert_int_equal(vmmem_jit_buffer_create(4096, &seq_buf), VMMEM_OK);
    static const size_t sizes[] = {100, 1000};
    vmmem_jit_copy_n_fn fn[2];
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(vmmem_jit_build_copy_fn(fn_buf, sizes[i], &opt, &fn[i]), VMMEM_OK);
    vmmem_jit_code code;
    assert_int_equal(emit_into(seq_buf, &code, VMMEM_JIT_RBX, VMMEM_JIT_R12, -1, 1000, &opt), VMMEM_OK);
    vmmem_copy_fn saved = atomic_load(&vmmem_dispatch.fast);
    vmmem_copy_fn saved_above256 = atomic_load(&vmmem_dispatch.fast_above256);
    unsigned char saved_isa = atomic_load(&vmmem_dispatch.fast_isa);
    atomic_store(&vmmem_dispatch.fast, counting_copy);
    atomic_store(&vmmem_dispatch.fast_above256, counting_copy);
    atomic_store(&vmmem_dispatch.fast_isa, (unsigned char)VMMEM_ISA_SSE2);
    unsigned char src[1000], dst[1000];
    fill_pattern(src, sizeof src, 8);
    unsigned calls[3];
    for (size_t i = 0; i < 2; i++) {
        memset(dst, 0, sizeof dst);
        published_calls = 0;
        fn[i](dst, src);
        calls[i] = published_calls;
        assert_memory_equal(dst, src, sizes[i]);
    }
    published_calls = 0;
    run_sequence(seq_buf, 1000, 0, VMMEM_JIT_RBX, VMMEM_JIT_R12, -1, 0, 1);
    calls[2] = published_calls;
    atomic_store(&vmmem_dispatch.fast_isa, saved_isa);
    atomic_store(&vmmem_dispatch.fast_above256, saved_above256);
    atomic_store(&vmmem_dispatch.fast, saved);
    for (size_t i = 0; i < 3; i++)
        if (calls[i] != 1)
            fail_msg("call %zu: %u calls of the published kernel, expected 1", i, calls[i]);
    vmmem_jit_buffer_destroy(fn_buf);
    vmmem_jit_buffer_destroy(seq_buf);
}

/* ---- vector registers an inline copy keeps ---- */

#define VREG_BYTES 64 /* one zmm */
void jit_vector_harness_run(const void *code, void *dst, const void *src, unsigned char vregs[16][VREG_BYTES],
                            uint64_t zmm);
extern const char jit_vector_harness_resume[];

/* docs/jit.md, "Registers used": an inline copy of k vector moves writes
 * vector registers 0..k-1; the others keep their low 128 bits, and their
 * upper bits too unless YMM or ZMM registers were used, after which
 * vzeroupper clears bits 128 and up of every register 0..15. Checked with
 * all 16 registers holding known values (all 512 bits with AVX-512, else
 * 256) before each sequence, for every vector width this CPU runs. */
static void test_vector_registers_kept(void **state)
{
    (void)state;
    vmmem_jit_options probe;
    uint64_t zmm = vmmem_jit_isa_options(VMMEM_ISA_AVX512, &probe) == VMMEM_OK;
    if (!zmm && vmmem_jit_isa_options(VMMEM_ISA_AVX2, &probe) != VMMEM_OK)
        skip(); /* no YMM state to look at */
    size_t state_bytes = zmm ? 64 : 32;
    static const vmmem_isa isas[] = {VMMEM_ISA_SSE2, VMMEM_ISA_AVX2, VMMEM_ISA_AVX512};
    static const size_t sizes[] = {8, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 200, 256, 300, 512, 700, 1024};
    static const unsigned char zeros[VREG_BYTES];
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        vmmem_jit_options opt;
        if (vmmem_jit_isa_options(isas[k], &opt) != VMMEM_OK)
            continue;
        opt.inline_max = vmmem_jit_inline_limit(isas[k]);
        size_t widest = isas[k] == VMMEM_ISA_AVX512 ? 64 : isas[k] == VMMEM_ISA_AVX2 ? 32 : 16;
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && sizes[i] <= opt.inline_max; i++) {
            size_t n = sizes[i], chunk = 0, loaded = 0;
            if (n >= 16) { /* the widest vector not above n, ceil(n / chunk) of them */
                for (chunk = widest; chunk > n; chunk /= 2)
                    ;
                loaded = (n + chunk - 1) / chunk;
            }
            vmmem_jit_code code;
            assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
            code.length = 0;
            assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, n, &opt), VMMEM_OK);
            append_jump_to(&code, jit_vector_harness_resume);
            assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
            unsigned char src[1024], dst[1024], vregs[16][VREG_BYTES], before[16][VREG_BYTES];
            fill_pattern(src, sizeof src, (uint32_t)n);
            memset(dst, 0, sizeof dst);
            fill_pattern(&before[0][0], sizeof before, 77);
            memcpy(vregs, before, sizeof vregs);
            jit_vector_harness_run(vmmem_jit_buffer_code(buf, 0), dst, src, vregs, zmm);
            assert_memory_equal(dst, src, n);
            for (unsigned r = (unsigned)loaded; r < 16; r++) {
                if (memcmp(vregs[r], before[r], 16) != 0)
                    fail_msg("%s n=%zu: xmm%u changed", vmmem_isa_name(isas[k]), n, r);
                const unsigned char *upper = chunk >= 32 ? zeros : before[r] + 16;
                if (memcmp(vregs[r] + 16, upper, state_bytes - 16) != 0)
                    fail_msg("%s n=%zu: upper bits of register %u %s", vmmem_isa_name(isas[k]), n, r,
                             chunk >= 32 ? "not cleared by vzeroupper" : "changed");
            }
        }
    }
    vmmem_jit_buffer_destroy(buf);
}

/* ---- errors: a code, and nothing written ---- */

static void test_emit_errors(void **state)
{
    (void)state;
    unsigned char bytes[VMMEM_JIT_MAX_SEQUENCE_BYTES], before[sizeof bytes];
    memset(bytes, 0xCC, sizeof bytes);
    memcpy(before, bytes, sizeof bytes);
    vmmem_jit_code code = {bytes, sizeof bytes, 0};
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);

    assert_int_equal(vmmem_jit_emit_copy(NULL, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RSP, VMMEM_JIT_RSI, 8, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSP, 8, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_REG_COUNT, VMMEM_JIT_RSI, 8, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy(&code, (vmmem_jit_reg)-1, VMMEM_JIT_RSI, 8, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy_dynamic(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, VMMEM_JIT_RSP), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_emit_copy_dynamic(NULL, VMMEM_JIT_RDI, VMMEM_JIT_RSI, VMMEM_JIT_RDX), VMMEM_EINVAL);

    vmmem_jit_options bad = opt;
    bad.inline_max = vmmem_jit_inline_limit(opt.isa) + 1;
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, &bad), VMMEM_EINVAL);
    bad = opt;
    bad.gpr_scratch |= VMMEM_JIT_REG_BIT(VMMEM_JIT_RSP);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, &bad), VMMEM_EINVAL);
    bad = opt;
    bad.gpr_scratch = VMMEM_JIT_REG_BIT(VMMEM_JIT_RAX); /* 13 bytes need two */
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 13, &bad), VMMEM_EINVAL);
    bad = opt;
    bad.gpr_scratch = VMMEM_JIT_REG_BIT(VMMEM_JIT_RAX) | VMMEM_JIT_REG_BIT(VMMEM_JIT_RDI);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 13, &bad), VMMEM_EINVAL);
    bad = opt;
    bad.isa = VMMEM_ISA_NEON;
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, &bad), VMMEM_EINVAL);
    bad.isa = VMMEM_ISA_COUNT;
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, &bad), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_isa_options(VMMEM_ISA_NEON, &bad), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_isa_options(VMMEM_ISA_SSE2, NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_default_options(NULL), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_inline_limit(VMMEM_ISA_NEON), 0);
    assert_int_equal(vmmem_jit_inline_limit(VMMEM_ISA_COUNT), 0);

    /* length beyond capacity; NULL start with room */
    code.length = sizeof bytes + 1;
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, NULL), VMMEM_ERANGE);
    vmmem_jit_code null_code = {NULL, 16, 0};
    assert_int_equal(vmmem_jit_emit_copy(&null_code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, NULL), VMMEM_EINVAL);
    /* an empty span with no memory takes only an empty sequence (n = 0) */
    vmmem_jit_code empty = {NULL, 0, 0};
    assert_int_equal(vmmem_jit_emit_copy(&empty, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 0, NULL), VMMEM_OK);
    assert_int_equal(vmmem_jit_emit_copy(&empty, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 1, NULL), VMMEM_ENOSPC);
    assert_int_equal(empty.length, 0);
    assert_memory_equal(bytes, before, sizeof bytes);

    /* not enough room: nothing written, length kept; exactly enough works */
    vmmem_jit_code probe = {bytes, sizeof bytes, 0};
    assert_int_equal(vmmem_jit_emit_copy(&probe, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 5000, NULL), VMMEM_OK);
    size_t need = probe.length;
    memcpy(before, bytes, sizeof bytes);
    vmmem_jit_code tight = {bytes, 10 + need - 1, 10};
    assert_int_equal(vmmem_jit_emit_copy(&tight, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 5000, NULL), VMMEM_ENOSPC);
    assert_int_equal(tight.length, 10);
    assert_memory_equal(bytes, before, sizeof bytes);
    probe.length = 0;
    assert_int_equal(vmmem_jit_emit_copy_dynamic(&probe, VMMEM_JIT_RDI, VMMEM_JIT_RSI, VMMEM_JIT_RDX), VMMEM_OK);
    memcpy(before, bytes, sizeof bytes);
    vmmem_jit_code tight_dynamic = {bytes, 10 + probe.length - 1, 10};
    assert_int_equal(vmmem_jit_emit_copy_dynamic(&tight_dynamic, VMMEM_JIT_RDI, VMMEM_JIT_RSI, VMMEM_JIT_RDX),
                     VMMEM_ENOSPC);
    assert_int_equal(tight_dynamic.length, 10);
    assert_memory_equal(bytes, before, sizeof bytes);
    tight.capacity++;
    assert_int_equal(vmmem_jit_emit_copy(&tight, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 5000, NULL), VMMEM_OK);
    assert_int_equal(tight.length, 10 + need);

    /* build: NULL arguments, bad options */
    vmmem_jit_buffer *buf;
    vmmem_jit_copy_n_fn fn;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    assert_int_equal(vmmem_jit_build_copy_fn(NULL, 8, NULL, &fn), VMMEM_EINVAL);
    assert_int_equal(vmmem_jit_build_copy_fn(buf, 8, NULL, NULL), VMMEM_EINVAL);
    bad = opt;
    bad.inline_max = vmmem_jit_inline_limit(opt.isa) + 1;
    assert_int_equal(vmmem_jit_build_copy_fn(buf, 8, &bad, &fn), VMMEM_EINVAL);
    vmmem_jit_buffer_destroy(buf);
}

/* A full buffer: VMMEM_ENOSPC, the functions already in it still work. */
static void test_build_until_full(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(1, &buf), VMMEM_OK);
    size_t cap = vmmem_jit_buffer_capacity(buf);
    vmmem_jit_copy_n_fn first, fn;
    assert_int_equal(vmmem_jit_build_copy_fn(buf, 24, NULL, &first), VMMEM_OK);
    size_t built = 1;
    int rc;
    while ((rc = vmmem_jit_build_copy_fn(buf, 5000, NULL, &fn)) == VMMEM_OK)
        built++;
    assert_int_equal(rc, VMMEM_ENOSPC);
    assert_true(built > 1 && built <= cap / 16);
    assert_non_null(vmmem_jit_buffer_code(buf, 0)); /* sealed again */
    unsigned char src[24], dst[24] = {0};
    fill_pattern(src, sizeof src, 5);
    first(dst, src);
    assert_memory_equal(dst, src, sizeof src);
    vmmem_jit_buffer_destroy(buf);
}

/* A function built into an open buffer goes after the sealed code, over
 * anything emitted since (vmmem/jit.h): what was sealed stays. */
static void test_build_in_open_buffer(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(4096, &buf), VMMEM_OK);
    vmmem_jit_copy_n_fn first, second;
    assert_int_equal(vmmem_jit_build_copy_fn(buf, 24, NULL, &first), VMMEM_OK);
    vmmem_jit_code code;
    assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
    size_t sealed = code.length;
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 100, NULL), VMMEM_OK); /* not sealed */
    assert_int_equal(vmmem_jit_build_copy_fn(buf, 40, NULL, &second), VMMEM_OK);
    const unsigned char *entry;
    memcpy(&entry, &second, sizeof entry);
    assert_ptr_equal(entry, (const unsigned char *)vmmem_jit_buffer_code(buf, 0) + (sealed + 15) / 16 * 16);
    assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_EBUSY); /* the stale span: the buffer is sealed */
    unsigned char src[40], dst[40] = {0};
    fill_pattern(src, sizeof src, 6);
    first(dst, src);
    assert_memory_equal(dst, src, 24);
    second(dst, src);
    assert_memory_equal(dst, src, 40);
    vmmem_jit_buffer_destroy(buf);
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_follow_active_isa),
        cmocka_unit_test(test_every_size_every_width),
        cmocka_unit_test(test_large_sizes),
        cmocka_unit_test(test_registers_constant_size),
        cmocka_unit_test(test_registers_runtime_size),
        cmocka_unit_test(test_vector_registers_kept),
        cmocka_unit_test(test_calls_follow_published_kernel),
        cmocka_unit_test(test_emit_errors),
        cmocka_unit_test(test_build_until_full),
        cmocka_unit_test(test_build_in_open_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* not x86_64: the emitters exist and say so */

static void test_emitters_unsupported(void **state)
{
    (void)state;
    unsigned char bytes[64];
    vmmem_jit_code code = {bytes, sizeof bytes, 0};
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_EUNSUPPORTED);
    assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, 8, NULL), VMMEM_EUNSUPPORTED);
    assert_int_equal(code.length, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_emitters_unsupported)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
