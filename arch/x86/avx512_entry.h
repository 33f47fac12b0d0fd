/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/avx512_entry.h - the assembly that copies 0..256 bytes at the
 * top of every AVX-512 entry: the kernels' own (memcpy_avx512.c), the
 * dispatching entries (same file) and libvmmem-preload.so's memcpy and
 * memmove (src/preload/preload.c). Top-level assembly text only, so a file
 * compiled without AVX-512 flags can include it; the code runs only where
 * the caller has checked that the CPU runs the AVX-512 kernel. */
#ifndef VMMEM_ARCH_X86_AVX512_ENTRY_H
#define VMMEM_ARCH_X86_AVX512_ENTRY_H

#include <stdint.h>

#define MASKED_COPY_MAX 64 /* one masked zmm load and store: 64 bytes */
#define ENTRY_COPY_MAX 256 /* what the entries copy themselves (memmove_vec.h) */
/* The entries' size checks, as assembler text. */
#define MASKED_COPY_MAX_TEXT "64"
#define ENTRY_COPY_MAX_TEXT "256"

/* For each n in 0..64, the bits of (dst | src | n) that must be clear for
 * the copy to stay scalar: n - 1 for n = 2, 4 and 8 (n itself has none of
 * those bits, so this tests both pointers for multiples of n); 0 for n = 0
 * (nothing to copy, and no masked pair whose window might sit in an
 * unmapped page); and for every other n all eight low bits, of which n has
 * at least one. Looked up because on this path instructions count where
 * copies miss the cache: cold 16-64 B copies, whose speed is how many calls
 * the core keeps in flight, took 1.09x glibc's time with the 0..8 B ladder
 * before lever 20, 1.41x with the test computed, and 1.15-1.29x with it
 * looked up. Defined in memcpy_avx512.c; read by the entries (hence
 * external; hidden, as every symbol of the library that is not VMMEM_API;
 * used, since only assembly refers to it, which link-time optimisation
 * does not see). */
extern const uint8_t vmmem_avx512_scalar_copy_bits[MASKED_COPY_MAX + 1];

#if defined(__CET__) && (__CET__ & 1)
#define AVX512_ENDBR "endbr64\n\t" /* an indirect-branch target under -fcf-protection */
#else
#define AVX512_ENDBR ""
#endif

/* AVX512_COPY_0_TO_256(larger): the assembly every entry shares, for
 * rdi = dst (clobbered), rax = dst (the return value), rsi = src, rdx = n.
 * Above 256 bytes it jumps to `larger` with rsi and rdx untouched; 0..256
 * bytes it copies and returns, each path with one taken branch at most.
 * 0..64: the test (dst | src | n) & vmmem_avx512_scalar_copy_bits[n] is
 * zero for the aligned 2/4/8-byte copies and n = 0, which go to the
 * shared scalar tail vmmem_avx512_aligned_atomic_width (memcpy_avx512.c);
 * otherwise the mask of the low n bits and one masked pair. 65..128 and 129..256: one or two vectors from
 * each end, overlapping in the middle; these rungs sit in each entry, right
 * after the 0..64 path (shared by the five entries, hot 65-128 B copies
 * took 1.15x glibc's time instead of 1.01x). Local labels 1 and 2.
 * AVX512_ABOVE_256 and AVX512_COPY_UP_TO_256 are its two parts, for an
 * entry that puts something between them. */
#define AVX512_COPY_0_TO_256(larger) AVX512_ABOVE_256(larger) AVX512_COPY_UP_TO_256
/* The size check alone: above 256 bytes, to `larger`. */
#define AVX512_ABOVE_256(larger)                                                                        \
    "cmp $" ENTRY_COPY_MAX_TEXT ", %rdx\n\t"                                                            \
    "ja " larger "\n\t"
/* The rest, for n <= 256. */
#define AVX512_COPY_UP_TO_256                                                                           \
    "cmp $" MASKED_COPY_MAX_TEXT ", %rdx\n\t"                                                           \
    "ja 1f\n\t"                                                                                         \
    "lea vmmem_avx512_scalar_copy_bits(%rip), %rcx\n\t"                                                 \
    "or %rsi, %rdi\n\t"                                                                                 \
    "or %rdx, %rdi\n\t"                                                                                 \
    "test %dil, (%rcx, %rdx)\n\t"                                                                       \
    "je vmmem_avx512_aligned_atomic_width\n\t"                                                          \
    "mov $-1, %rcx\n\t"                                                                                 \
    "bzhi %rdx, %rcx, %rcx\n\t"                                                                         \
    "kmovq %rcx, %k1\n\t"                                                                               \
    "vmovdqu8 (%rsi), %zmm16{%k1}{z}\n\t"                                                               \
    "vmovdqu8 %zmm16, (%rax){%k1}\n\t"                                                                  \
    "ret\n"                                                                                             \
    "1:\n\t"                                                                                            \
    "cmp $128, %rdx\n\t"                                                                                \
    "ja 2f\n\t"                                                                                         \
    "vmovdqu64 (%rsi), %zmm16\n\t"                                                                      \
    "vmovdqu64 -64(%rsi, %rdx), %zmm17\n\t"                                                             \
    "vmovdqu64 %zmm16, (%rax)\n\t"                                                                      \
    "vmovdqu64 %zmm17, -64(%rax, %rdx)\n\t"                                                             \
    "ret\n"                                                                                             \
    "2:\n\t"                                                                                            \
    "vmovdqu64 (%rsi), %zmm16\n\t"                                                                      \
    "vmovdqu64 64(%rsi), %zmm17\n\t"                                                                    \
    "vmovdqu64 -128(%rsi, %rdx), %zmm18\n\t"                                                            \
    "vmovdqu64 -64(%rsi, %rdx), %zmm19\n\t"                                                             \
    "vmovdqu64 %zmm16, (%rax)\n\t"                                                                      \
    "vmovdqu64 %zmm17, 64(%rax)\n\t"                                                                    \
    "vmovdqu64 %zmm18, -128(%rax, %rdx)\n\t"                                                            \
    "vmovdqu64 %zmm19, -64(%rax, %rdx)\n\t"                                                             \
    "ret\n\t"

/* The start and end of a function `name` in assembly, each at the start
 * of a 64-byte line: AVX512_FUNCTION_START_AS takes the binding directive
 * (a hidden symbol of the library, or "" for one a version script
 * exports), AVX512_FUNCTION_START is the hidden one. */
#define AVX512_FUNCTION_START_AS(name, binding)                                                         \
    ".text\n\t"                                                                                         \
    ".p2align 6\n\t"                                                                                    \
    ".globl " #name "\n\t" binding ".type " #name ", @function\n" #name ":\n\t"                         \
    ".cfi_startproc\n\t" AVX512_ENDBR
#define AVX512_FUNCTION_START(name) AVX512_FUNCTION_START_AS(name, ".hidden " #name "\n\t")
#define AVX512_FUNCTION_END(name)                                                                       \
    ".cfi_endproc\n\t"                                                                                  \
    ".size " #name ", . - " #name "\n"

#endif
