/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/x86/memcpy_avx512.c - 512-bit AVX-512 kernel
 * (-mavx512f -mavx512bw -mavx512vl -mbmi2).
 *
 * Each exported memmove kernel (plain, banded and adaptive, and their
 * _floor forms) is an entry written in assembly (AVX512_ENTRY below) that
 * copies 0..256 bytes itself and jumps to the kernel's C body, named
 * <kernel>_above256, for anything larger; memcpy_nt stays C and calls the
 * plain entry below 4 KiB (memmove_vec.h's ladder from its
 * 4 + 4 vector rung up). Written in assembly because the compiler's version
 * of the 0..64 byte path took 19 instructions where 16 do (two register
 * copies, a longer test), which cost one to three cycles a call against
 * glibc's 8-12 instruction paths (docs/performance.md, lever 22).
 *
 * 1..64 bytes take one masked 64-byte load and store whose mask covers
 * exactly n bytes (masked-off bytes are neither read nor written, faults on
 * them are suppressed), with no further size branch, except a copy of 2, 4
 * or 8 bytes between pointers aligned to that size: it stays one scalar
 * load and store of that width (masked vector stores are not
 * architecturally atomic). One branch-free test picks that case out, and
 * n = 0, which touches nothing. On random sizes the scalar ladder that
 * 0..8 bytes used to take (four size branches) mispredicted often enough to
 * leave plain `rep movsb` ahead on small-size mixes; with one branch on the
 * whole 0..64 range the kernel passed it (lever 20). What the masked pair
 * costs elsewhere (measured, lever 20): when its 64-byte window reaches
 * past the copy into an inaccessible page, the CPU's fault suppression
 * takes 200-450 ns (a mapped page: about 10 ns); and a load of the
 * destination right after the copy waits for the masked store instead of
 * taking its data forwarded. 65..128 and 129..256 take overlapping head and
 * tail vectors, which hot fixed sizes copy faster than a masked tail. Sizes
 * are checked largest band first (> 256, then > 64), as before lever 22:
 * checking > 64 first saved an instruction on small copies but put a second
 * taken branch on every copy above 256, and the network and uniform mixes
 * took 3-5 % longer. Every path loads all it copies before it stores (so
 * overlap is safe) and uses only zmm16-zmm19 (EVEX-only registers, no dirty
 * upper state), so none needs vzeroupper. */
#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "engine.h"
#include "x86/avx512_entry.h"
#include "x86/rep_movsb.h"

_Static_assert(MASKED_COPY_MAX == sizeof(__m512i), "one masked pair covers 0..MASKED_COPY_MAX");

/* vmmem_avx512_scalar_copy_bits (avx512_entry.h says what it holds). */
#define X 0xff
extern const uint8_t vmmem_avx512_scalar_copy_bits[MASKED_COPY_MAX + 1];
__attribute__((used)) const uint8_t vmmem_avx512_scalar_copy_bits[] = {
    0, X, 1, X, 3, X, X, X, 7, /* 0..8 */
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, /* 9..64 */
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X
_Static_assert(sizeof vmmem_avx512_scalar_copy_bits == MASKED_COPY_MAX + 1, "every size 0..64 written out");

/* AVX512_ENTRY(kernel, body): the exported kernel `kernel` (rdi dst, rsi
 * src, rdx n; returns dst): 0..256 bytes itself, larger copies in `body`,
 * its C function, reached by a conditional jump with its arguments
 * untouched. */
#define AVX512_ENTRY(kernel, body)                                                                      \
    __asm__(AVX512_FUNCTION_START(kernel) "mov %rdi, %rax\n\t" AVX512_COPY_0_TO_256(#body)              \
                AVX512_FUNCTION_END(kernel))

/* AVX512_DISPATCH_ENTRY(name, isa_field, pointer_field, above256_field): a
 * dispatching entry (src/copy_api.c hands it out where a call site is bound
 * before the start-up, on a CPU that runs this kernel). Above 256 bytes it
 * jumps through above256_field: the published AVX-512 kernel's C body, or
 * the published entry when that is not an AVX-512 one. 0..256 bytes: while
 * vmmem_dispatch's isa_field says the published kernel is an AVX-512 one,
 * it copies them as every AVX-512 entry does; otherwise it jumps through
 * the published pointer_field, as the portable dispatching entry does on
 * every call. So vmmem_force_isa() and VMMEM_ISA are followed at every
 * size. The byte test replaces that jump's load and indirect branch on
 * small copies; the size check first and the jump to the body spare large
 * copies the entry's own check (three taken branches before the body,
 * 2-3 cycles at 600 B-1 KiB, when the byte was checked first and the jump
 * went to the kernel entry). The fields are offsets into vmmem_dispatch,
 * checked below. */
#define AVX512_DISPATCH_ENTRY(name, isa_field_offset, pointer_field_offset, above256_field_offset)       \
    __asm__(AVX512_FUNCTION_START(name) AVX512_ABOVE_256("8f")                                          \
            "cmpb $" AVX512_ISA_TEXT ", vmmem_dispatch+" isa_field_offset "(%rip)\n\t"                   \
            "jne 9f\n\t"                                                                                 \
            "mov %rdi, %rax\n\t" AVX512_COPY_UP_TO_256 "8:\n\t"                                          \
            "jmp *vmmem_dispatch+" above256_field_offset "(%rip)\n"                                       \
            "9:\n\t"                                                                                     \
            "jmp *vmmem_dispatch+" pointer_field_offset "(%rip)\n\t" AVX512_FUNCTION_END(name))
#define AVX512_ISA_TEXT "3"
_Static_assert(VMMEM_ISA_AVX512 == 3, "AVX512_ISA_TEXT is VMMEM_ISA_AVX512");
#define DISPATCH_FAST_OFFSET "0"
#define DISPATCH_ADAPTIVE_OFFSET "8"
#define DISPATCH_FAST_ABOVE256_OFFSET "16"
#define DISPATCH_ADAPTIVE_ABOVE256_OFFSET "24"
#define DISPATCH_FAST_ISA_OFFSET "56"
#define DISPATCH_ADAPTIVE_ISA_OFFSET "57"
_Static_assert(offsetof(vmmem_dispatch_state, fast) == 0 && offsetof(vmmem_dispatch_state, adaptive) == 8 &&
                   offsetof(vmmem_dispatch_state, fast_above256) == 16 &&
                   offsetof(vmmem_dispatch_state, adaptive_above256) == 24 &&
                   offsetof(vmmem_dispatch_state, fast_isa) == 56 &&
                   offsetof(vmmem_dispatch_state, adaptive_isa) == 57,
               "the DISPATCH_*_OFFSET texts are vmmem_dispatch's layout");

AVX512_DISPATCH_ENTRY(vmmem_avx512_dispatch_fast_entry, DISPATCH_FAST_ISA_OFFSET, DISPATCH_FAST_OFFSET,
                      DISPATCH_FAST_ABOVE256_OFFSET);
AVX512_DISPATCH_ENTRY(vmmem_avx512_dispatch_adaptive_entry, DISPATCH_ADAPTIVE_ISA_OFFSET, DISPATCH_ADAPTIVE_OFFSET,
                      DISPATCH_ADAPTIVE_ABOVE256_OFFSET);

/* The scalar tail the entries share (rax = dst, rsi = src, rdx = n): n is
 * 0, 2, 4 or 8 and, unless 0, both pointers are multiples of n. One load
 * and one store of exactly n bytes, so an aligned ring index or descriptor
 * field is never torn. */
__asm__(AVX512_FUNCTION_START(vmmem_avx512_aligned_atomic_width)
        "cmp $4, %edx\n\t"
        "je 1f\n\t"
        "ja 2f\n\t"
        "test %edx, %edx\n\t"
        "je 3f\n\t"
        "movzwl (%rsi), %ecx\n\t"
        "mov %cx, (%rax)\n"
        "3:\n\t"
        "ret\n"
        "1:\n\t"
        "mov (%rsi), %ecx\n\t"
        "mov %ecx, (%rax)\n\t"
        "ret\n"
        "2:\n\t"
        "mov (%rsi), %rcx\n\t"
        "mov %rcx, (%rax)\n\t"
        "ret\n\t" AVX512_FUNCTION_END(vmmem_avx512_aligned_atomic_width));

#define VEC_T __m512i
#define VEC_SIZE 64
#define VEC_LOADU(p) _mm512_loadu_si512((const void *)(p))
#define VEC_STOREU(p, v) _mm512_storeu_si512((void *)(p), (v))
#define VEC_STOREA(p, v) _mm512_store_si512((void *)(p), (v))
#define VEC_STREAM(p, v) _mm512_stream_si512((void *)(p), (v))
#define VEC_STREAM_FENCE() _mm_sfence()
#define VEC_REP_MOVSB(d, s, n) vmmem_rep_movsb(d, s, n)
#define VEC_MEMMOVE vmmem_avx512_memmove
#define VEC_MEMCPY_NT vmmem_avx512_memcpy_nt

#include "memmove_vec.h"

/* The exported kernels (declared in src/engine.h, listed in src/isa_registry.c):
 * each an assembly entry above and its C body for n > 256 (used: only the
 * entry's assembly calls it, which link-time optimisation does not see;
 * a -flto build dropped them). */
__attribute__((used)) void *vmmem_avx512_memmove_above256(void *dst, const void *src, size_t n);
__attribute__((used)) void *vmmem_avx512_memmove_banded_above256(void *dst, const void *src, size_t n);
__attribute__((used)) void *vmmem_avx512_memmove_banded_floor_above256(void *dst, const void *src, size_t n);
__attribute__((used)) void *vmmem_avx512_memmove_adaptive_above256(void *dst, const void *src, size_t n);
__attribute__((used)) void *vmmem_avx512_memmove_adaptive_floor_above256(void *dst, const void *src, size_t n);

AVX512_ENTRY(vmmem_avx512_memmove, vmmem_avx512_memmove_above256);
void *vmmem_avx512_memmove_above256(void *dst, const void *src, size_t n)
{
    return vec_memmove(dst, src, n);
}

AVX512_ENTRY(vmmem_avx512_memmove_banded, vmmem_avx512_memmove_banded_above256);
void *vmmem_avx512_memmove_banded_above256(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded(dst, src, n);
}

AVX512_ENTRY(vmmem_avx512_memmove_banded_floor, vmmem_avx512_memmove_banded_floor_above256);
void *vmmem_avx512_memmove_banded_floor_above256(void *dst, const void *src, size_t n)
{
    return vec_memmove_banded_floor(dst, src, n);
}

AVX512_ENTRY(vmmem_avx512_memmove_adaptive, vmmem_avx512_memmove_adaptive_above256);
void *vmmem_avx512_memmove_adaptive_above256(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive(dst, src, n);
}

AVX512_ENTRY(vmmem_avx512_memmove_adaptive_floor, vmmem_avx512_memmove_adaptive_floor_above256);
void *vmmem_avx512_memmove_adaptive_floor_above256(void *dst, const void *src, size_t n)
{
    return vec_memmove_adaptive_floor(dst, src, n);
}

vmmem_copy_fn vmmem_avx512_body_of(vmmem_copy_fn entry)
{
    if (entry == vmmem_avx512_memmove)
        return vmmem_avx512_memmove_above256;
    if (entry == vmmem_avx512_memmove_banded)
        return vmmem_avx512_memmove_banded_above256;
    if (entry == vmmem_avx512_memmove_banded_floor)
        return vmmem_avx512_memmove_banded_floor_above256;
    if (entry == vmmem_avx512_memmove_adaptive)
        return vmmem_avx512_memmove_adaptive_above256;
    if (entry == vmmem_avx512_memmove_adaptive_floor)
        return vmmem_avx512_memmove_adaptive_floor_above256;
    return NULL;
}

void *vmmem_avx512_memcpy_nt(void *dst, const void *src, size_t n)
{
    return vec_memcpy_nt(dst, src, n);
}
