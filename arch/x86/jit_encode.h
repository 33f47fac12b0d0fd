/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/jit_encode.h - the x86_64 instruction encoder of the JIT copy
 * emitter: exactly the instructions its sequences need, every encoding in
 * jit_encode.c. Instructions are appended to a jit_asm scratch array that
 * is large enough for any sequence, so encoders never fail; the caller
 * copies the result into the user's code stream when it fits. */
#ifndef VMMEM_ARCH_X86_JIT_ENCODE_H
#define VMMEM_ARCH_X86_JIT_ENCODE_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/jit.h>

/* Scratch space for one sequence. The longest instruction is 11 bytes
 * (EVEX prefix 4 + opcode + ModRM + SIB + disp32; movabs is 10), and the
 * longest sequence an inline ZMM copy of 1024 bytes: 32 such moves, a 3-byte
 * vzeroupper (at most 355 bytes; 225 in practice, with compressed
 * displacements), then the function's ret; the call sequence takes 76 bytes. So VMMEM_JIT_MAX_SEQUENCE_BYTES (512) holds every
 * sequence, which is what the public constant promises (test_jit_disasm
 * emits every size into a buffer of exactly that size). Only bytes[0, len)
 * are ever read, so a new jit_asm needs len = 0, not a cleared buffer. */
typedef struct jit_asm {
    unsigned char bytes[VMMEM_JIT_MAX_SEQUENCE_BYTES];
    size_t len;
} jit_asm;

/* Vector register widths in bytes. */
enum jit_vec_width { JIT_XMM = 16, JIT_YMM = 32, JIT_ZMM = 64 };

/* How vector moves are encoded: legacy SSE (xmm only), VEX (xmm/ymm), or
 * EVEX (zmm, vmovdqu64). */
enum jit_vec_encoding { JIT_ENC_SSE, JIT_ENC_VEX, JIT_ENC_EVEX };

/* mov reg, [base + disp] / mov [base + disp], reg with an operand of
 * `width` bytes (1, 2, 4 or 8). base may be any register: rsp and r12 take
 * a SIB byte, rbp and r13 always a displacement (ModRM rules). */
void vmmem_x86_mov_load(jit_asm *a, unsigned width, vmmem_jit_reg reg, vmmem_jit_reg base, int32_t disp);
void vmmem_x86_mov_store(jit_asm *a, unsigned width, vmmem_jit_reg base, int32_t disp, vmmem_jit_reg reg);

/* Unaligned vector load/store of vector register vreg (0..15):
 * JIT_ENC_SSE  movdqu     xmm        (F3 0F 6F/7F)
 * JIT_ENC_VEX  vmovdqu    xmm or ymm (VEX.128/256.F3.0F 6F/7F)
 * JIT_ENC_EVEX vmovdqu64  zmm        (EVEX.512.F3.0F.W1 6F/7F, disp8*64) */
void vmmem_x86_vec_load(jit_asm *a, enum jit_vec_encoding enc, enum jit_vec_width width, unsigned vreg,
                  vmmem_jit_reg base, int32_t disp);
void vmmem_x86_vec_store(jit_asm *a, enum jit_vec_encoding enc, enum jit_vec_width width, vmmem_jit_reg base,
                   int32_t disp, unsigned vreg);

void vmmem_x86_vzeroupper(jit_asm *a);                                   /* C5 F8 77 */
void vmmem_x86_push(jit_asm *a, vmmem_jit_reg reg);                      /* [41] 50+r */
void vmmem_x86_pop(jit_asm *a, vmmem_jit_reg reg);                       /* [41] 58+r */
void vmmem_x86_mov_reg(jit_asm *a, vmmem_jit_reg dst, vmmem_jit_reg src); /* mov dst, src (64-bit) */
/* dst = imm: mov r32, imm32 (zero-extends) when it fits, else movabs. */
void vmmem_x86_mov_imm(jit_asm *a, vmmem_jit_reg dst, uint64_t imm);
void vmmem_x86_lea_rsp(jit_asm *a, int32_t delta);    /* lea rsp, [rsp + delta] (flags untouched) */
void vmmem_x86_and_rsp(jit_asm *a, int8_t mask);      /* and rsp, mask (sign-extended imm8) */
void vmmem_x86_call_reg(jit_asm *a, vmmem_jit_reg r); /* call r */
void vmmem_x86_jmp_reg(jit_asm *a, vmmem_jit_reg r);  /* jmp r */
void vmmem_x86_ret(jit_asm *a);                       /* C3 */
/* int3 (CC), used as padding between functions: never executed. */
void vmmem_x86_int3(jit_asm *a);

#endif /* VMMEM_ARCH_X86_JIT_ENCODE_H */
