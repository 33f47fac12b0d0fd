/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_jit_disasm.c - every emitted sequence, decoded with Capstone,
 * is exactly the intended instructions: for every size 0..2048 and every
 * register width this CPU runs, with several dst/src registers (including
 * rbp, r12 and r13, which take special ModRM forms), the inline copy is the
 * expected loads then stores, with the mnemonic, register and operand width
 * of that ISA at the expected offsets, then vzeroupper where YMM/ZMM were
 * used; the call sequences are the documented save/align/call/restore; and
 * the decoded instructions cover every emitted byte (no stray bytes).
 * The expectations are written from the specification in docs/jit.md,
 * independently of the emitter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <capstone/capstone.h>
#include <cmocka.h>

#include "dispatch.h"
#include "test_support.h"

#define MAX_N 2048
#define MAX_EXPECTED 64
#define TEXT 192 /* Capstone's mnemonic (32) + operands (160) */

static const char *const reg64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const reg32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
                                    "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
static const char *const reg16[] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
                                    "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
static const char *const reg8[] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
                                   "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};

/* The expected instructions, as Capstone prints them (Intel syntax). */
typedef struct expected {
    char text[MAX_EXPECTED][TEXT];
    size_t count;
} expected;

static void add(expected *e, const char *fmt, ...)
{
    assert_true(e->count < MAX_EXPECTED);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->text[e->count++], TEXT, fmt, ap);
    va_end(ap);
}

/* The engine's address into rax: the library's dispatching entry behind
 * vmmem_memcpy_fast (docs/jit.md, "copy_n functions"; in this statically
 * linked test &vmmem_memcpy_fast, resolved before any constructor, is the
 * same address, so it alone would not tell them apart); a 32-bit move
 * (zero-extending) when the address fits, as in a non-PIE program or under
 * Valgrind, else movabs. */
static void add_load_engine_address(expected *e)
{
    uint64_t addr = (uint64_t)(uintptr_t)vmmem_dispatching_fast_entry();
    if (addr <= UINT32_MAX)
        add(e, "mov eax, 0x%lx", (unsigned long)addr);
    else
        add(e, "movabs rax, 0x%lx", (unsigned long)addr);
}

/* "[base]" or "[base + d]" with Capstone's number style (decimal below 10). */
static void mem(char *out, size_t len, const char *size, int base, long disp)
{
    if (disp == 0)
        snprintf(out, len, "%s ptr [%s]", size, reg64[base]);
    else if (disp < 0)
        snprintf(out, len, "%s ptr [%s - %s%lx]", size, reg64[base], -disp < 10 ? "" : "0x", -disp);
    else if (disp < 10)
        snprintf(out, len, "%s ptr [%s + %ld]", size, reg64[base], disp);
    else
        snprintf(out, len, "%s ptr [%s + 0x%lx]", size, reg64[base], disp);
}

/* The intended inline copy (docs/jit.md, "Inline copies"). */
static void expect_inline(expected *e, vmmem_isa isa, size_t n, int dst, int src, unsigned scratch)
{
    if (n == 0)
        return;
    unsigned vector = isa == VMMEM_ISA_AVX512 ? 64 : isa == VMMEM_ISA_AVX2 ? 32 : isa == VMMEM_ISA_SSE2 ? 16 : 0;
    unsigned chunk;
    if (vector && n >= 16)
        for (chunk = vector; chunk > n; chunk /= 2)
            ;
    else
        for (chunk = 8; chunk > n; chunk /= 2)
            ;
    size_t count = (n + chunk - 1) / chunk;
    int gpr[16], have = 0;
    for (int r = 0; r < 16; r++)
        if ((scratch & (1u << r)) && r != dst && r != src && r != 4)
            gpr[have++] = r;
    const char *mnemonic, *size, *const *names = NULL, *vname = NULL;
    switch (chunk) {
    case 64: mnemonic = "vmovdqu64"; size = "zmmword"; vname = "zmm"; break;
    case 32: mnemonic = "vmovdqu"; size = "ymmword"; vname = "ymm"; break;
    case 16: mnemonic = isa == VMMEM_ISA_SSE2 ? "movdqu" : "vmovdqu"; size = "xmmword"; vname = "xmm"; break;
    case 8: mnemonic = "mov"; size = "qword"; names = reg64; break;
    case 4: mnemonic = "mov"; size = "dword"; names = reg32; break;
    case 2: mnemonic = "mov"; size = "word"; names = reg16; break;
    default: mnemonic = "mov"; size = "byte"; names = reg8; break;
    }
    for (int store = 0; store < 2; store++)
        for (size_t i = 0; i < count; i++) {
            long off = (long)(i + 1 < count ? i * chunk : n - chunk);
            char m[64], r[24];
            mem(m, sizeof m, size, store ? dst : src, off);
            if (vname)
                snprintf(r, sizeof r, "%s%zu", vname, i);
            else
                snprintf(r, sizeof r, "%s", names[gpr[i]]);
            if (store)
                add(e, "%s %s, %s", mnemonic, m, r);
            else
                add(e, "%s %s, %s", mnemonic, r, m);
        }
    if (chunk >= 32)
        add(e, "vzeroupper");
}

/* The intended call sequence (docs/jit.md, "Calls"); size < 0: constant n. */
static void expect_call(expected *e, int dst, int src, int size, size_t n)
{
    static const int saved[] = {0, 1, 2, 6, 7, 8, 9, 10, 11};
    add(e, "lea rsp, [rsp - 0x80]");
    for (int i = 0; i < 9; i++)
        add(e, "push %s", reg64[saved[i]]);
    add(e, "push rbp");
    add(e, "mov rbp, rsp");
    add(e, "and rsp, 0xfffffffffffffff0");
    const int args[3] = {dst, src, size}, to[3] = {7, 6, 2};
    for (int a = 0; a < 3; a++) {
        int from = args[a];
        if (from < 0) {
            if (n <= UINT32_MAX)
                add(e, "mov edx, %s%zx", n < 10 ? "" : "0x", n);
            else
                add(e, "movabs rdx, 0x%zx", n);
            continue;
        }
        if (from == 3 || from >= 12) {
            add(e, "mov %s, %s", reg64[to[a]], reg64[from]);
            continue;
        }
        long slot = 0;
        for (int i = 0; i < 9; i++)
            if (saved[i] == from)
                slot = 8L * (9 - i);
        char m[64];
        mem(m, sizeof m, "qword", 5, slot);
        add(e, "mov %s, %s", reg64[to[a]], m);
    }
    add_load_engine_address(e);
    add(e, "call rax");
    add(e, "mov rsp, rbp");
    add(e, "pop rbp");
    for (int i = 8; i >= 0; i--)
        add(e, "pop %s", reg64[saved[i]]);
    add(e, "lea rsp, [rsp + 0x80]");
}

static csh cs;

/* Decodes code[0..len) and compares it with e, instruction by instruction;
 * every byte must belong to a decoded instruction. */
static void check(const unsigned char *code, size_t len, const expected *e, const char *what, size_t n)
{
    cs_insn *insn;
    size_t count = cs_disasm(cs, code, len, 0x1000, 0, &insn);
    size_t covered = 0;
    for (size_t i = 0; i < count; i++)
        covered += insn[i].size;
    int ok = count == e->count && covered == len;
    for (size_t i = 0; ok && i < count; i++) {
        char got[TEXT];
        snprintf(got, sizeof got, "%s%s%s", insn[i].mnemonic, insn[i].op_str[0] ? " " : "", insn[i].op_str);
        if (strcmp(got, e->text[i]) != 0) {
            print_error("%s n=%zu insn %zu: got '%s', expected '%s'\n", what, n, i, got, e->text[i]);
            ok = 0;
        }
    }
    if (!ok) {
        print_error("%s n=%zu: %zu instructions over %zu of %zu bytes, expected %zu:\n", what, n, count, covered,
                    len, e->count);
        for (size_t i = 0; i < count; i++)
            print_error("  %s %s\n", insn[i].mnemonic, insn[i].op_str);
    }
    cs_free(insn, count);
    assert_true(ok);
}

static const int reg_pairs[][2] = {{7, 6}, {6, 7}, {5, 13}, {12, 3}, {0, 2}, {15, 8}};

static void test_every_sequence(void **state)
{
    (void)state;
    static const vmmem_isa isas[] = {VMMEM_ISA_GENERIC, VMMEM_ISA_SSE2, VMMEM_ISA_AVX2, VMMEM_ISA_AVX512};
    unsigned char code_bytes[VMMEM_JIT_MAX_SEQUENCE_BYTES];
    size_t tested_isas = 0;
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        vmmem_jit_options opt;
        if (vmmem_jit_isa_options(isas[k], &opt) != VMMEM_OK)
            continue;
        tested_isas++;
        opt.inline_max = vmmem_jit_inline_limit(isas[k]);
        for (size_t p = 0; p < sizeof reg_pairs / sizeof reg_pairs[0]; p++) {
            int d = reg_pairs[p][0], s = reg_pairs[p][1];
            /* all sizes for the first pair, every 7th for the others */
            for (size_t n = 0; n <= MAX_N; n += p == 0 ? 1 : 7) {
                vmmem_jit_code code = {code_bytes, sizeof code_bytes, 0};
                int rc = vmmem_jit_emit_copy(&code, (vmmem_jit_reg)d, (vmmem_jit_reg)s, n, &opt);
                if (rc == VMMEM_EINVAL && isas[k] == VMMEM_ISA_GENERIC && n <= opt.inline_max)
                    continue; /* dst/src among the scratch registers: too few left (test_jit) */
                assert_int_equal(rc, VMMEM_OK);
                expected e = {.count = 0};
                if (n <= opt.inline_max)
                    expect_inline(&e, isas[k], n, d, s, opt.gpr_scratch);
                else
                    expect_call(&e, d, s, -1, n);
                check(code.start, code.length, &e, vmmem_isa_name(isas[k]), n);
            }
        }
    }
    assert_true(tested_isas >= 2); /* generic and SSE2 exist on every x86_64 */
}

/* The defaults follow the active ISA: VMMEM_ISA=sse2 gives xmm, and so on. */
static void test_default_width_follows_active_isa(void **state)
{
    (void)state;
    unsigned char code_bytes[VMMEM_JIT_MAX_SEQUENCE_BYTES];
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);
    vmmem_isa isa = vmmem_active_isa() == VMMEM_ISA_ERMS ? vmmem_best_isa() : vmmem_active_isa();
    for (size_t n = 0; n <= opt.inline_max + 64; n++) {
        vmmem_jit_code code = {code_bytes, sizeof code_bytes, 0};
        assert_int_equal(vmmem_jit_emit_copy(&code, VMMEM_JIT_RDI, VMMEM_JIT_RSI, n, NULL), VMMEM_OK);
        expected e = {.count = 0};
        if (n <= opt.inline_max)
            expect_inline(&e, isa, n, 7, 6, VMMEM_JIT_DEFAULT_GPR_SCRATCH);
        else
            expect_call(&e, 7, 6, -1, n);
        check(code.start, code.length, &e, "default", n);
    }
}

static void test_call_sequences(void **state)
{
    (void)state;
    unsigned char code_bytes[VMMEM_JIT_MAX_SEQUENCE_BYTES];
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);
    opt.inline_max = 0;
    static const size_t sizes[] = {1, 9, 10, 4096, 0xFFFFFFFFu, 0x100000000u, SIZE_MAX};
    for (size_t p = 0; p < sizeof reg_pairs / sizeof reg_pairs[0]; p++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            vmmem_jit_code code = {code_bytes, sizeof code_bytes, 0};
            int d = reg_pairs[p][0], s = reg_pairs[p][1];
            assert_int_equal(vmmem_jit_emit_copy(&code, (vmmem_jit_reg)d, (vmmem_jit_reg)s, sizes[i], &opt),
                             VMMEM_OK);
            expected e = {.count = 0};
            expect_call(&e, d, s, -1, sizes[i]);
            check(code.start, code.length, &e, "call", sizes[i]);
        }
    /* run-time size: every register but rsp in each role */
    for (int d = 0; d < 16; d++)
        for (int s = 0; s < 16; s++)
            for (int z = 0; z < 16; z += 5) {
                if (d == 4 || s == 4 || z == 4)
                    continue;
                vmmem_jit_code code = {code_bytes, sizeof code_bytes, 0};
                assert_int_equal(vmmem_jit_emit_copy_dynamic(&code, (vmmem_jit_reg)d, (vmmem_jit_reg)s,
                                                             (vmmem_jit_reg)z), VMMEM_OK);
                expected e = {.count = 0};
                expect_call(&e, d, s, z, 0);
                check(code.start, code.length, &e, "dynamic", 0);
            }
}

/* Whole functions: the inline sequence then ret; or load n and tail-jump. */
static void test_function_shapes(void **state)
{
    (void)state;
    vmmem_jit_buffer *buf;
    assert_int_equal(vmmem_jit_buffer_create(1 << 16, &buf), VMMEM_OK);
    vmmem_jit_options opt;
    assert_int_equal(vmmem_jit_default_options(&opt), VMMEM_OK);
    vmmem_isa isa = opt.isa == VMMEM_ISA_ERMS ? vmmem_best_isa() : opt.isa;
    const size_t sizes[] = {0, 7, 64, opt.inline_max, opt.inline_max + 1, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        vmmem_jit_copy_n_fn fn;
        assert_int_equal(vmmem_jit_build_copy_fn(buf, sizes[i], NULL, &fn), VMMEM_OK);
        const unsigned char *start;
        memcpy(&start, &fn, sizeof start);
        assert_int_equal((uintptr_t)start % 16, 0);
        expected e = {.count = 0};
        if (sizes[i] <= opt.inline_max) {
            expect_inline(&e, isa, sizes[i], 7, 6, VMMEM_JIT_DEFAULT_GPR_SCRATCH);
            add(&e, "ret");
        } else {
            add(&e, "mov edx, 0x%zx", sizes[i]);
            add_load_engine_address(&e);
            add(&e, "jmp rax");
        }
        /* the function's length: up to the next function or the end of the code */
        vmmem_jit_code code;
        assert_int_equal(vmmem_jit_buffer_open(buf, &code), VMMEM_OK);
        size_t len = code.length - (size_t)(start - code.start);
        unsigned char copy[VMMEM_JIT_MAX_SEQUENCE_BYTES];
        assert_true(len <= sizeof copy);
        memcpy(copy, start, len);
        assert_int_equal(vmmem_jit_buffer_seal(buf, &code), VMMEM_OK);
        check(copy, len, &e, "function", sizes[i]);
    }
    vmmem_jit_buffer_destroy(buf);
}

static int open_capstone(void **state)
{
    (void)state;
    return cs_open(CS_ARCH_X86, CS_MODE_64, &cs) == CS_ERR_OK ? 0 : -1;
}

static int close_capstone(void **state)
{
    (void)state;
    cs_close(&cs);
    return 0;
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_sequence),
        cmocka_unit_test(test_default_width_follows_active_isa),
        cmocka_unit_test(test_call_sequences),
        cmocka_unit_test(test_function_shapes),
    };
    return cmocka_run_group_tests(tests, open_capstone, close_capstone);
}
