/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/jit_copy.c - the copy sequences of the JIT emitter on x86_64:
 * inline straight-line copies (all loads, then all stores) up to the inline
 * threshold, a register-preserving call to vmmem_memcpy_fast() above it,
 * the run-time-size call, and whole `copy_n` functions. Encodings live in
 * jit_encode.c; this file decides which instructions, in what order. */
#include <stdint.h>

#include <vmmem/jit.h>
#include <vmmem/memcpy.h>

#include "dispatch.h"
#include "isa_registry.h"
#include "x86/jit_encode.h"

/* Default inline thresholds: up to these sizes the inline copy was faster
 * per call than both vmmem_memcpy_fast() and glibc memcpy at (nearly) every
 * size in five runs of `vmmem-jit-bench --rounds 21 --calls 2000` on the
 * reference machine (AMD EPYC Zen 5 KVM guest; docs/performance.md, "JIT
 * copy emitter"). Largest size up to which it won at every size, per run:
 *   ZMM 1024 1024 1024 1024 1024 (the register limit, 16 x 64 B; 1024 B
 *       in 4.00 ns against 4.28 for vmmem_memcpy_fast and 4.75 for glibc).
 *       Beyond it inlining stops paying: a trial build that also used
 *       zmm16-31 (up to 2048 B) lost at 219 of the sizes 1025-2048, in
 *       bands such as 1281-1344 B, worst 0.85x the better library call,
 *       mean 1.05x, against a mean of 1.28x and no loss at 513-1024 B.
 *   YMM  447  447  383  383  383 -> 384 (12 vectors)
 *   XMM  192  192  192  192  127 -> 176 (11 vectors; the fifth run lost
 *       one size, 128 B, to a 1.66 ns glibc point and won again to 176 B)
 *   GPR   56    0   56   56   56 (the register limit, 7 default scratch
 *       registers x 8 B; the 0 was one noisy 1-byte point)
 * Each is at most what VMMEM_JIT_MAX_VECTOR_LOADS registers hold. */
#define INLINE_DEFAULT_ZMM 1024
#define INLINE_DEFAULT_YMM 384
#define INLINE_DEFAULT_XMM 176
#define INLINE_DEFAULT_GPR 56
_Static_assert(INLINE_DEFAULT_ZMM <= JIT_ZMM * VMMEM_JIT_MAX_VECTOR_LOADS &&
                   INLINE_DEFAULT_YMM <= JIT_YMM * VMMEM_JIT_MAX_VECTOR_LOADS &&
                   INLINE_DEFAULT_XMM <= JIT_XMM * VMMEM_JIT_MAX_VECTOR_LOADS,
               "each default inline threshold fits in the vector registers an inline copy may load");

/* Bytes per general-purpose register. */
#define GPR_BYTES 8
/* Copies below this size use general-purpose registers even with vectors:
 * one XMM is the narrowest vector. */
#define SMALLEST_VECTOR JIT_XMM

/* The System V red zone: leaf code may keep data in the 128 bytes below rsp,
 * so the call sequence moves rsp below it before pushing anything. */
#define RED_ZONE_BYTES 128
/* The System V ABI wants rsp 16-byte aligned at a call instruction. */
#define CALL_STACK_ALIGN_MASK (-16)
/* Code alignment of functions built by vmmem_jit_build_copy_fn(). */
#define FUNCTION_ALIGN 16

/* Caller-saved registers the call sequence saves and restores, in push order. */
static const vmmem_jit_reg saved_regs[] = {VMMEM_JIT_RAX, VMMEM_JIT_RCX, VMMEM_JIT_RDX,
                                           VMMEM_JIT_RSI, VMMEM_JIT_RDI, VMMEM_JIT_R8,
                                           VMMEM_JIT_R9,  VMMEM_JIT_R10, VMMEM_JIT_R11};
#define SAVED_COUNT (sizeof saved_regs / sizeof saved_regs[0])

/* Registers the callee preserves (System V): read directly as arguments. */
static int callee_saved(vmmem_jit_reg r)
{
    return r == VMMEM_JIT_RBX || r == VMMEM_JIT_RBP || (r >= VMMEM_JIT_R12 && r <= VMMEM_JIT_R15);
}

/* How an ISA's inline copies are built. */
typedef struct inline_style {
    unsigned vector;                /* widest vector in bytes; 0: general-purpose registers only */
    enum jit_vec_encoding wide_enc; /* encoding of the widest vector */
    size_t default_max;             /* default inline threshold */
} inline_style;

/* Each JIT style of the ISA registry (src/isa_registry.h), as built here. */
static const inline_style styles[VMMEM_JIT_STYLE_COUNT] = {
    [VMMEM_JIT_STYLE_GPR] = {0, JIT_ENC_SSE, INLINE_DEFAULT_GPR},
    [VMMEM_JIT_STYLE_XMM] = {JIT_XMM, JIT_ENC_SSE, INLINE_DEFAULT_XMM},
    [VMMEM_JIT_STYLE_YMM] = {JIT_YMM, JIT_ENC_VEX, INLINE_DEFAULT_YMM},
    [VMMEM_JIT_STYLE_ZMM] = {JIT_ZMM, JIT_ENC_EVEX, INLINE_DEFAULT_ZMM},
};

/* The style of an ISA (below VMMEM_ISA_COUNT), as its registry row says;
 * a row that defers to the best ISA takes that one's. Returns 0 or
 * VMMEM_EINVAL for an ISA the emitter does not handle. */
static int style_of(vmmem_isa isa, inline_style *s)
{
    vmmem_jit_style style = vmmem_isa_registry(isa)->jit_style;
    if (style == VMMEM_JIT_STYLE_OF_BEST_ISA)
        style = vmmem_isa_registry(vmmem_best_isa())->jit_style;
    if (style == VMMEM_JIT_STYLE_NONE || style == VMMEM_JIT_STYLE_OF_BEST_ISA)
        return VMMEM_EINVAL;
    *s = styles[style];
    return VMMEM_OK;
}

static unsigned popcount(unsigned v)
{
    return (unsigned)__builtin_popcount(v);
}

size_t vmmem_jit_inline_limit(vmmem_isa isa)
{
    inline_style s;
    if ((unsigned)isa >= VMMEM_ISA_COUNT || style_of(isa, &s) != VMMEM_OK)
        return 0;
    return s.vector ? (size_t)s.vector * VMMEM_JIT_MAX_VECTOR_LOADS
                    : (size_t)GPR_BYTES * popcount(VMMEM_JIT_DEFAULT_GPR_SCRATCH);
}

int vmmem_jit_isa_options(vmmem_isa isa, vmmem_jit_options *opt)
{
    inline_style s;
    if (!opt || (unsigned)isa >= VMMEM_ISA_COUNT || style_of(isa, &s) != VMMEM_OK)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(isa))
        return VMMEM_EUNSUPPORTED;
    *opt = (vmmem_jit_options){.isa = isa, .inline_max = s.default_max,
                               .gpr_scratch = VMMEM_JIT_DEFAULT_GPR_SCRATCH};
    return VMMEM_OK;
}

int vmmem_jit_default_options(vmmem_jit_options *opt)
{
    if (!opt)
        return VMMEM_EINVAL;
    return vmmem_jit_isa_options(vmmem_active_isa(), opt);
}

static int valid_operand(vmmem_jit_reg r)
{
    return (unsigned)r < VMMEM_JIT_REG_COUNT && r != VMMEM_JIT_RSP;
}

/* Checks options and resolves NULL to the defaults. */
static int resolve_options(const vmmem_jit_options *in, vmmem_jit_options *out, inline_style *style)
{
    if (!in) {
        int rc = vmmem_jit_default_options(out);
        if (rc != VMMEM_OK)
            return rc;
        in = out;
    }
    if ((unsigned)in->isa >= VMMEM_ISA_COUNT || style_of(in->isa, style) != VMMEM_OK)
        return VMMEM_EINVAL;
    if (!vmmem_isa_supported(in->isa))
        return VMMEM_EUNSUPPORTED;
    if (in->inline_max > vmmem_jit_inline_limit(in->isa) ||
        (in->gpr_scratch & ~((1u << VMMEM_JIT_REG_COUNT) - 1)) ||
        (in->gpr_scratch & VMMEM_JIT_REG_BIT(VMMEM_JIT_RSP)))
        return VMMEM_EINVAL;
    *out = *in;
    return VMMEM_OK;
}

/* ---- inline copy ---- */

/* The access width for an inline copy of n bytes (n > 0): the widest vector
 * not above n (down to one XMM), else the widest general-purpose move. */
static unsigned chunk_for(size_t n, const inline_style *s)
{
    if (s->vector && n >= SMALLEST_VECTOR) {
        unsigned w = s->vector;
        while (w > n)
            w /= 2;
        return w;
    }
    unsigned w = GPR_BYTES;
    while (w > n)
        w /= 2;
    return w;
}

/* Emits the inline copy: count = ceil(n / chunk) accesses at offsets
 * 0, chunk, 2*chunk, ... and the last one at n - chunk (overlapping its
 * neighbour unless chunk divides n). Every load precedes every store, so
 * overlapping buffers are copied as memmove does. */
static int emit_inline(jit_asm *a, vmmem_jit_reg dst, vmmem_jit_reg src, size_t n, const inline_style *s,
                       unsigned scratch_mask)
{
    if (n == 0)
        return VMMEM_OK;
    unsigned chunk = chunk_for(n, s);
    size_t count = (n + chunk - 1) / chunk;
    int32_t offset[VMMEM_JIT_MAX_VECTOR_LOADS];
    vmmem_jit_reg gpr[VMMEM_JIT_REG_COUNT];
    int vector = chunk >= SMALLEST_VECTOR;
    if (vector) {
        if (count > VMMEM_JIT_MAX_VECTOR_LOADS)
            return VMMEM_EINVAL;
    } else {
        size_t have = 0;
        for (unsigned r = 0; r < VMMEM_JIT_REG_COUNT; r++)
            if ((scratch_mask & VMMEM_JIT_REG_BIT(r)) && r != (unsigned)dst && r != (unsigned)src &&
                r != VMMEM_JIT_RSP)
                gpr[have++] = (vmmem_jit_reg)r;
        if (count > have)
            return VMMEM_EINVAL; /* too few scratch registers for this size */
    }
    for (size_t i = 0; i < count; i++)
        offset[i] = (int32_t)(i + 1 < count ? i * chunk : n - chunk);
    /* xmm/ymm pieces under AVX-512 stay VEX-encoded (shorter, no EVEX needed) */
    enum jit_vec_encoding enc = chunk == s->vector ? s->wide_enc : JIT_ENC_VEX;
    if (s->wide_enc == JIT_ENC_SSE)
        enc = JIT_ENC_SSE;
    for (size_t i = 0; i < count; i++) {
        if (vector)
            vmmem_x86_vec_load(a, enc, (enum jit_vec_width)chunk, (unsigned)i, src, offset[i]);
        else
            vmmem_x86_mov_load(a, chunk, gpr[i], src, offset[i]);
    }
    for (size_t i = 0; i < count; i++) {
        if (vector)
            vmmem_x86_vec_store(a, enc, (enum jit_vec_width)chunk, dst, offset[i], (unsigned)i);
        else
            vmmem_x86_mov_store(a, chunk, dst, offset[i], gpr[i]);
    }
    if (chunk >= JIT_YMM)
        vmmem_x86_vzeroupper(a); /* no dirty upper state left for SSE code after us */
    return VMMEM_OK;
}

/* ---- call to the engine ---- */

/* Offset from rbp (after `push rbp; mov rbp, rsp`) of register r's saved value. */
static int32_t saved_slot(vmmem_jit_reg r)
{
    if (r == VMMEM_JIT_RBP)
        return 0;
    for (size_t i = 0; i < SAVED_COUNT; i++)
        if (saved_regs[i] == r)
            return (int32_t)(GPR_BYTES * (SAVED_COUNT - i));
    return -1; /* not saved: a callee-saved register, still live */
}

/* Loads argument register `to` with the caller's value of `from`: from its
 * stack slot (its register may already hold another argument) or, for a
 * callee-saved register, which the sequence never writes, directly. */
static void load_argument(jit_asm *a, vmmem_jit_reg to, vmmem_jit_reg from)
{
    if (callee_saved(from) && from != VMMEM_JIT_RBP)
        vmmem_x86_mov_reg(a, to, from);
    else
        vmmem_x86_mov_load(a, GPR_BYTES, to, VMMEM_JIT_RBP, saved_slot(from));
}

/* The call sequence; size_reg < 0 means the constant n. */
static void emit_call(jit_asm *a, vmmem_jit_reg dst, vmmem_jit_reg src, int size_reg, size_t n)
{
    vmmem_x86_lea_rsp(a, -RED_ZONE_BYTES);
    for (size_t i = 0; i < SAVED_COUNT; i++)
        vmmem_x86_push(a, saved_regs[i]);
    vmmem_x86_push(a, VMMEM_JIT_RBP);
    vmmem_x86_mov_reg(a, VMMEM_JIT_RBP, VMMEM_JIT_RSP);
    vmmem_x86_and_rsp(a, CALL_STACK_ALIGN_MASK);
    load_argument(a, VMMEM_JIT_RDI, dst);
    load_argument(a, VMMEM_JIT_RSI, src);
    if (size_reg >= 0)
        load_argument(a, VMMEM_JIT_RDX, (vmmem_jit_reg)size_reg);
    else
        vmmem_x86_mov_imm(a, VMMEM_JIT_RDX, (uint64_t)n);
    vmmem_x86_mov_imm(a, VMMEM_JIT_RAX, (uint64_t)(uintptr_t)vmmem_dispatching_fast_entry());
    vmmem_x86_call_reg(a, VMMEM_JIT_RAX);
    vmmem_x86_mov_reg(a, VMMEM_JIT_RSP, VMMEM_JIT_RBP);
    vmmem_x86_pop(a, VMMEM_JIT_RBP);
    for (size_t i = SAVED_COUNT; i-- > 0;)
        vmmem_x86_pop(a, saved_regs[i]);
    vmmem_x86_lea_rsp(a, RED_ZONE_BYTES);
}

/* ---- appending to the caller's code ---- */

static int check_code(const vmmem_jit_code *code)
{
    if (!code || (!code->start && code->capacity))
        return VMMEM_EINVAL;
    if (code->length > code->capacity)
        return VMMEM_ERANGE;
    return VMMEM_OK;
}

/* Copies the assembled sequence into code, or reports VMMEM_ENOSPC. */
static int append(vmmem_jit_code *code, const jit_asm *a)
{
    if (a->len > code->capacity - code->length)
        return VMMEM_ENOSPC;
    if (a->len == 0)
        return VMMEM_OK; /* n = 0: nothing to write, and start may be NULL (an empty span) */
    vmmem_memcpy_fast(code->start + code->length, a->bytes, a->len);
    code->length += a->len;
    return VMMEM_OK;
}

/* Emits the constant-size copy into a; the shared part of the public calls. */
static int assemble_copy(jit_asm *a, vmmem_jit_reg dst, vmmem_jit_reg src, size_t n, const vmmem_jit_options *opt)
{
    inline_style style;
    vmmem_jit_options o;
    int rc = resolve_options(opt, &o, &style);
    if (rc != VMMEM_OK)
        return rc;
    if (!valid_operand(dst) || !valid_operand(src))
        return VMMEM_EINVAL;
    if (n <= o.inline_max)
        return emit_inline(a, dst, src, n, &style, o.gpr_scratch);
    emit_call(a, dst, src, -1, n);
    return VMMEM_OK;
}

int vmmem_jit_emit_copy(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, size_t n,
                        const vmmem_jit_options *opt)
{
    int rc = check_code(code);
    if (rc != VMMEM_OK)
        return rc;
    jit_asm a;
    a.len = 0;
    rc = assemble_copy(&a, dst, src, n, opt);
    return rc != VMMEM_OK ? rc : append(code, &a);
}

int vmmem_jit_emit_copy_dynamic(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, vmmem_jit_reg size)
{
    int rc = check_code(code);
    if (rc != VMMEM_OK)
        return rc;
    if (!valid_operand(dst) || !valid_operand(src) || !valid_operand(size))
        return VMMEM_EINVAL;
    jit_asm a;
    a.len = 0;
    emit_call(&a, dst, src, (int)size, 0);
    return append(code, &a);
}

/* ---- whole functions ---- */

/* `void copy_n(void *dst, const void *src)`: the inline sequence and ret, or
 * a tail call of vmmem_memcpy_fast(dst, src, n) (rdi and rsi are already the
 * first two arguments). Scratch registers are the default caller-saved ones
 * whatever opt says: the function must keep callee-saved registers. */
static int assemble_function(jit_asm *a, size_t n, const vmmem_jit_options *opt)
{
    inline_style style;
    vmmem_jit_options o;
    int rc = resolve_options(opt, &o, &style);
    if (rc != VMMEM_OK)
        return rc;
    if (n <= o.inline_max) {
        rc = emit_inline(a, VMMEM_JIT_RDI, VMMEM_JIT_RSI, n, &style, VMMEM_JIT_DEFAULT_GPR_SCRATCH);
        if (rc != VMMEM_OK)
            return rc;
        vmmem_x86_ret(a);
        return VMMEM_OK;
    }
    vmmem_x86_mov_imm(a, VMMEM_JIT_RDX, (uint64_t)n);
    vmmem_x86_mov_imm(a, VMMEM_JIT_RAX, (uint64_t)(uintptr_t)vmmem_dispatching_fast_entry());
    vmmem_x86_jmp_reg(a, VMMEM_JIT_RAX);
    return VMMEM_OK;
}

int vmmem_jit_build_copy_fn(vmmem_jit_buffer *buf, size_t n, const vmmem_jit_options *opt,
                            vmmem_jit_copy_n_fn *out)
{
    if (!buf || !out)
        return VMMEM_EINVAL;
    jit_asm a;
    a.len = 0;
    int rc = assemble_function(&a, n, opt);
    if (rc != VMMEM_OK)
        return rc;
    vmmem_jit_code code;
    rc = vmmem_jit_buffer_open(buf, &code);
    if (rc != VMMEM_OK)
        return rc;
    size_t sealed = code.length;
    size_t pad = (FUNCTION_ALIGN - code.length % FUNCTION_ALIGN) % FUNCTION_ALIGN;
    jit_asm padding;
    padding.len = 0;
    for (size_t i = 0; i < pad; i++)
        vmmem_x86_int3(&padding);
    rc = append(&code, &padding);
    size_t entry = code.length;
    if (rc == VMMEM_OK)
        rc = append(&code, &a);
    if (rc != VMMEM_OK)
        code.length = sealed; /* leave the earlier code as it was */
    int seal_rc = vmmem_jit_buffer_seal(buf, &code);
    if (seal_rc != VMMEM_OK)
        return seal_rc; /* left open, also when it was full: VMMEM_ENOSPC would say sealed */
    if (rc != VMMEM_OK)
        return rc;
    const void *fn = vmmem_jit_buffer_code(buf, entry);
    __builtin_memcpy(out, &fn, sizeof fn); /* object pointer to function pointer, as dlsym() does */
    return VMMEM_OK;
}
