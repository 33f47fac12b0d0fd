/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/jit_harness_x86.S - runs an emitted code sequence with every
 * general-purpose register set from a table, and records every register
 * afterwards, plus the 128-byte red zone below the sequence's entry stack
 * pointer, to check what the sequence preserves; and (jit_vector_harness_run,
 * below) runs an inline copy with vector registers 0..15 set from a table
 * and records them afterwards.
 *
 * The sequence ends in an absolute jump to jit_harness_resume (see
 * JIT_HARNESS_TRAILER in test_jit.c) rather than a ret, so the stack
 * pointer never rises above the red zone between the sequence and the
 * harness reading the red zone back: Valgrind treats memory more than 128
 * bytes below the stack pointer as gone, and would otherwise report (and
 * lose) the lowest red-zone slot.
 *
 * void jit_harness_run(const void *code, struct jit_regs *regs, uint64_t misalign);
 *   regs->gpr[16]:      in and out, indexed by vmmem_jit_reg (the rsp slot is ignored)
 *   regs->red_zone[16]: written below the entry rsp before the sequence, read back after
 *   misalign:           0 or 8: extra bytes taken off the stack before the sequence, so
 *                       it runs at both rsp mod 16 values */
    .text
    .globl jit_harness_run
    .type jit_harness_run, @function
jit_harness_run:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    push %rsi               /* regs */
    push %rdi               /* code */
    sub %rdx, %rsp
    push %rdx               /* misalign, found again after the call */
    push %rdi               /* code, jumped to through 8(%rsp) */
    lea jit_harness_resume(%rip), %rcx
    push %rcx               /* where a call would leave its return address */
    mov %rsi, %rax
    /* rsp is the sequence's entry rsp: its red zone is [rsp - 128, rsp) */
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    mov 128+8*\i(%rax), %rcx
    mov %rcx, -128+8*\i(%rsp)
    .endr
    mov 8*1(%rax), %rcx
    mov 8*2(%rax), %rdx
    mov 8*3(%rax), %rbx
    mov 8*5(%rax), %rbp
    mov 8*6(%rax), %rsi
    mov 8*7(%rax), %rdi
    mov 8*8(%rax), %r8
    mov 8*9(%rax), %r9
    mov 8*10(%rax), %r10
    mov 8*11(%rax), %r11
    mov 8*12(%rax), %r12
    mov 8*13(%rax), %r13
    mov 8*14(%rax), %r14
    mov 8*15(%rax), %r15
    mov 8*0(%rax), %rax
    jmp *8(%rsp)
    .globl jit_harness_resume
jit_harness_resume:         /* the sequence's trailer jumps here, rsp as on entry */
    mov %rax, (%rsp)        /* [rsp] rax, +8 code, +16 misalign, +24+m code, +32+m regs */
    mov 16(%rsp), %rax
    mov 32(%rsp,%rax), %rax
    mov %rcx, 8*1(%rax)
    mov %rdx, 8*2(%rax)
    mov %rbx, 8*3(%rax)
    mov %rbp, 8*5(%rax)
    mov %rsi, 8*6(%rax)
    mov %rdi, 8*7(%rax)
    mov %r8, 8*8(%rax)
    mov %r9, 8*9(%rax)
    mov %r10, 8*10(%rax)
    mov %r11, 8*11(%rax)
    mov %r12, 8*12(%rax)
    mov %r13, 8*13(%rax)
    mov %r14, 8*14(%rax)
    mov %r15, 8*15(%rax)
    /* rsp is still the entry rsp: the red zone is [rsp - 128, rsp) */
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    mov -128+8*\i(%rsp), %rcx
    mov %rcx, 128+8*\i(%rax)
    .endr
    pop %rcx
    mov %rcx, 8*0(%rax)
    add $8, %rsp            /* code */
    pop %rcx                /* misalign */
    add %rcx, %rsp
    add $16, %rsp           /* code, regs */
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret
    .size jit_harness_run, .-jit_harness_run

/* void jit_vector_harness_run(const void *code, void *dst, const void *src,
 *                             unsigned char vregs[16][64], uint64_t zmm);
 * runs an inline copy sequence (dst in rdi, src in rsi) with vector
 * registers 0..15 loaded from vregs (zmm: all 64 bytes of each; else the
 * 32 bytes of ymm) and stores them back afterwards, to check which vector
 * state the sequence keeps. Inline sequences only (no call: the stack is
 * not aligned for one); the trailer jumps to jit_vector_harness_resume. */
    .globl jit_vector_harness_run
    .type jit_vector_harness_run, @function
jit_vector_harness_run:
    push %rcx               /* vregs */
    push %r8                /* zmm */
    test %r8, %r8
    jz 1f
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vmovdqu64 64*\i(%rcx), %zmm\i
    .endr
    jmp 2f
1:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vmovdqu 64*\i(%rcx), %ymm\i
    .endr
2:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    jmp *%rax
    .globl jit_vector_harness_resume
jit_vector_harness_resume:  /* rsp as on entry to the sequence */
    pop %r8
    pop %rcx
    test %r8, %r8
    jz 3f
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vmovdqu64 %zmm\i, 64*\i(%rcx)
    .endr
    vzeroupper
    ret
3:
    .irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    vmovdqu %ymm\i, 64*\i(%rcx)
    .endr
    vzeroupper
    ret
    .size jit_vector_harness_run, .-jit_vector_harness_run
    .section .note.GNU-stack,"",@progbits
