/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/jit_encode.c - every x86_64 encoding the JIT copy emitter uses
 * (Intel SDM vol. 2, chapter 2: REX, ModRM/SIB, VEX and EVEX prefixes). */
#include "x86/jit_encode.h"

/* REX prefix bits. */
#define REX_BASE 0x40
#define REX_W 0x08 /* 64-bit operand */
#define REX_R 0x04 /* extends ModRM.reg */
#define REX_B 0x01 /* extends ModRM.rm (or the opcode register) */

/* ModRM.mod values. */
#define MOD_DISP0 0x00
#define MOD_DISP8 0x40
#define MOD_DISP32 0x80
#define MOD_REG 0xC0
#define RM_SIB 4        /* rm = 100b: a SIB byte follows */
#define RM_RIP_OR_BP 5  /* rm = 101b with mod 00 means RIP-relative, so rbp/r13 need a disp */
#define SIB_BASE_ONLY 0x24 /* scale 1, no index (100b), base = rsp/r12 */

/* Opcodes. */
#define OP_OPSIZE16 0x66
#define OP_REP_F3 0xF3
#define OP_ESCAPE 0x0F
#define OP_MOV_LOAD8 0x8A
#define OP_MOV_LOAD 0x8B
#define OP_MOV_STORE8 0x88
#define OP_MOV_STORE 0x89
#define OP_MOVDQU_LOAD 0x6F  /* 0F 6F with F3: movdqu / vmovdqu / vmovdqu64 load */
#define OP_MOVDQU_STORE 0x7F /* 0F 7F with F3: the store */
#define OP_PUSH 0x50
#define OP_POP 0x58
#define OP_MOV_IMM 0xB8
#define OP_LEA 0x8D
#define OP_GRP1_IMM8 0x83
#define OP_GRP1_AND 4
#define OP_GRP5 0xFF
#define OP_GRP5_CALL 2
#define OP_GRP5_JMP 4
#define OP_RET 0xC3
#define OP_INT3 0xCC

/* VEX/EVEX fields. */
#define VEX2 0xC5
#define VEX3 0xC4
#define EVEX 0x62
#define VEX_MAP_0F 0x01
#define VEX_PP_F3 0x02
#define VEX_L256 0x04
#define VEX_VVVV_UNUSED 0x78 /* vvvv = 1111b (inverted: no register), bits 6..3 */
#define EVEX_P1_FIXED 0x04   /* bit 2 of P1 is always 1 */
#define EVEX_W1 0x80
#define EVEX_LL512 0x40      /* P2 bits 6..5 = 10b */
#define EVEX_V_PRIME 0x08    /* P2 bit 3: inverted V' = 1 (no high register) */
#define EVEX_R_PRIME 0x10    /* P0 bit 4: inverted R' = 1 (register 0..15) */
#define EVEX_DISP8_SCALE 64  /* disp8 * N with N = 64 for a full 512-bit memory operand */

static void put(jit_asm *a, unsigned char b)
{
    a->bytes[a->len++] = b;
}

static void put32(jit_asm *a, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(a, (unsigned char)(v >> (8 * i)));
}

static unsigned low3(unsigned r)
{
    return r & 7;
}

static unsigned high(unsigned r)
{
    return (r >> 3) & 1;
}

/* ModRM (+ SIB + displacement) for [base + disp] with reg in ModRM.reg.
 * disp8_scale is 1, or the EVEX compressed-displacement factor. */
static void put_mem(jit_asm *a, unsigned reg, vmmem_jit_reg base, int32_t disp, int32_t disp8_scale)
{
    unsigned rm = low3((unsigned)base);
    int32_t disp8 = disp / disp8_scale;
    unsigned char mod;
    if (disp == 0 && rm != RM_RIP_OR_BP)
        mod = MOD_DISP0;
    else if (disp % disp8_scale == 0 && disp8 >= INT8_MIN && disp8 <= INT8_MAX)
        mod = MOD_DISP8;
    else
        mod = MOD_DISP32;
    put(a, (unsigned char)(mod | (low3(reg) << 3) | rm));
    if (rm == RM_SIB)
        put(a, SIB_BASE_ONLY);
    if (mod == MOD_DISP8)
        put(a, (unsigned char)(int8_t)disp8);
    else if (mod == MOD_DISP32)
        put32(a, (uint32_t)disp);
}

/* REX for a GPR operation; emitted when any bit is set, or when a byte
 * operation names spl/bpl/sil/dil (which need a REX prefix to exist). */
static void put_rex(jit_asm *a, unsigned w, unsigned reg, unsigned rm, int byte_op)
{
    unsigned char rex = (unsigned char)(REX_BASE | (w ? REX_W : 0) | (high(reg) ? REX_R : 0) |
                                        (high(rm) ? REX_B : 0));
    if (rex != REX_BASE || (byte_op && reg >= 4 && reg < 8))
        put(a, rex);
}

static void mov_mem(jit_asm *a, unsigned width, int store, vmmem_jit_reg reg, vmmem_jit_reg base, int32_t disp)
{
    if (width == 2)
        put(a, OP_OPSIZE16);
    put_rex(a, width == 8, (unsigned)reg, (unsigned)base, width == 1);
    if (width == 1)
        put(a, store ? OP_MOV_STORE8 : OP_MOV_LOAD8);
    else
        put(a, store ? OP_MOV_STORE : OP_MOV_LOAD);
    put_mem(a, (unsigned)reg, base, disp, 1);
}

void vmmem_x86_mov_load(jit_asm *a, unsigned width, vmmem_jit_reg reg, vmmem_jit_reg base, int32_t disp)
{
    mov_mem(a, width, 0, reg, base, disp);
}

void vmmem_x86_mov_store(jit_asm *a, unsigned width, vmmem_jit_reg base, int32_t disp, vmmem_jit_reg reg)
{
    mov_mem(a, width, 1, reg, base, disp);
}

static void vec_mem(jit_asm *a, enum jit_vec_encoding enc, enum jit_vec_width width, unsigned char opcode,
                    unsigned vreg, vmmem_jit_reg base, int32_t disp)
{
    unsigned b = high((unsigned)base), r = high(vreg);
    switch (enc) {
    case JIT_ENC_SSE: /* F3 [REX] 0F op */
        put(a, OP_REP_F3);
        put_rex(a, 0, vreg, (unsigned)base, 0);
        put(a, OP_ESCAPE);
        put(a, opcode);
        put_mem(a, vreg, base, disp, 1);
        return;
    case JIT_ENC_VEX: {
        unsigned char lpp = (unsigned char)(VEX_VVVV_UNUSED | (width == JIT_YMM ? VEX_L256 : 0) | VEX_PP_F3);
        if (!b) { /* two-byte form: ~R vvvv L pp */
            put(a, VEX2);
            put(a, (unsigned char)((r ? 0 : 0x80) | lpp));
        } else { /* three-byte form: ~R ~X ~B mmmmm, then W vvvv L pp */
            put(a, VEX3);
            put(a, (unsigned char)((r ? 0 : 0x80) | 0x40 | (b ? 0 : 0x20) | VEX_MAP_0F));
            put(a, lpp);
        }
        put(a, opcode);
        put_mem(a, vreg, base, disp, 1);
        return;
    }
    case JIT_ENC_EVEX:
        put(a, EVEX);
        /* P0: ~R ~X ~B ~R' 0 0 m m */
        put(a, (unsigned char)((r ? 0 : 0x80) | 0x40 | (b ? 0 : 0x20) | EVEX_R_PRIME | VEX_MAP_0F));
        /* P1: W ~vvvv 1 pp */
        put(a, (unsigned char)(EVEX_W1 | VEX_VVVV_UNUSED | EVEX_P1_FIXED | VEX_PP_F3));
        /* P2: z L'L b ~V' aaa: no masking, 512-bit, no broadcast */
        put(a, (unsigned char)(EVEX_LL512 | EVEX_V_PRIME));
        put(a, opcode);
        put_mem(a, vreg, base, disp, EVEX_DISP8_SCALE);
        return;
    }
}

void vmmem_x86_vec_load(jit_asm *a, enum jit_vec_encoding enc, enum jit_vec_width width, unsigned vreg,
                  vmmem_jit_reg base, int32_t disp)
{
    vec_mem(a, enc, width, OP_MOVDQU_LOAD, vreg, base, disp);
}

void vmmem_x86_vec_store(jit_asm *a, enum jit_vec_encoding enc, enum jit_vec_width width, vmmem_jit_reg base,
                   int32_t disp, unsigned vreg)
{
    vec_mem(a, enc, width, OP_MOVDQU_STORE, vreg, base, disp);
}

void vmmem_x86_vzeroupper(jit_asm *a)
{
    put(a, VEX2);
    put(a, 0xF8); /* ~R=1, vvvv=1111, L=0, pp=00 */
    put(a, 0x77);
}

static void op_plus_reg(jit_asm *a, unsigned char op, vmmem_jit_reg r)
{
    if (high((unsigned)r))
        put(a, REX_BASE | REX_B);
    put(a, (unsigned char)(op + low3((unsigned)r)));
}

void vmmem_x86_push(jit_asm *a, vmmem_jit_reg reg)
{
    op_plus_reg(a, OP_PUSH, reg);
}

void vmmem_x86_pop(jit_asm *a, vmmem_jit_reg reg)
{
    op_plus_reg(a, OP_POP, reg);
}

void vmmem_x86_mov_reg(jit_asm *a, vmmem_jit_reg dst, vmmem_jit_reg src)
{
    put_rex(a, 1, (unsigned)src, (unsigned)dst, 0);
    put(a, OP_MOV_STORE); /* 89 /r: rm = dst, reg = src */
    put(a, (unsigned char)(MOD_REG | (low3((unsigned)src) << 3) | low3((unsigned)dst)));
}

void vmmem_x86_mov_imm(jit_asm *a, vmmem_jit_reg dst, uint64_t imm)
{
    if (imm <= UINT32_MAX) {
        op_plus_reg(a, OP_MOV_IMM, dst);
        put32(a, (uint32_t)imm);
        return;
    }
    put(a, (unsigned char)(REX_BASE | REX_W | (high((unsigned)dst) ? REX_B : 0)));
    put(a, (unsigned char)(OP_MOV_IMM + low3((unsigned)dst)));
    put32(a, (uint32_t)imm);
    put32(a, (uint32_t)(imm >> 32));
}

void vmmem_x86_lea_rsp(jit_asm *a, int32_t delta)
{
    put(a, REX_BASE | REX_W);
    put(a, OP_LEA);
    put_mem(a, VMMEM_JIT_RSP, VMMEM_JIT_RSP, delta, 1);
}

void vmmem_x86_and_rsp(jit_asm *a, int8_t mask)
{
    put(a, REX_BASE | REX_W);
    put(a, OP_GRP1_IMM8);
    put(a, (unsigned char)(MOD_REG | (OP_GRP1_AND << 3) | VMMEM_JIT_RSP));
    put(a, (unsigned char)mask);
}

static void grp5_reg(jit_asm *a, unsigned ext, vmmem_jit_reg r)
{
    if (high((unsigned)r))
        put(a, REX_BASE | REX_B);
    put(a, OP_GRP5);
    put(a, (unsigned char)(MOD_REG | (ext << 3) | low3((unsigned)r)));
}

void vmmem_x86_call_reg(jit_asm *a, vmmem_jit_reg r)
{
    grp5_reg(a, OP_GRP5_CALL, r);
}

void vmmem_x86_jmp_reg(jit_asm *a, vmmem_jit_reg r)
{
    grp5_reg(a, OP_GRP5_JMP, r);
}

void vmmem_x86_ret(jit_asm *a)
{
    put(a, OP_RET);
}

void vmmem_x86_int3(jit_asm *a)
{
    put(a, OP_INT3);
}
