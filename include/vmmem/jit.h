/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/jit.h - machine code for copies, for JITs and binary translators.
 *
 * A JIT that knows a copy's size when it compiles can emit the copy itself:
 * small copies become straight-line loads and stores in the widest registers
 * the CPU has, larger ones a call to vmmem_memcpy_fast(). This header gives
 *  - a code buffer with W^X discipline (its pages are writable or
 *    executable, never both);
 *  - emitters that append a copy sequence to any code stream the caller
 *    names (a vmmem_jit_code span), with dst and src in registers of the
 *    caller's choice, for a size known at compile time or held in a register;
 *  - a convenience that builds a whole function `void copy_n(dst, src)`.
 *
 * Emitting code is implemented for x86_64 hosts; elsewhere the emitters
 * return VMMEM_EUNSUPPORTED (the code buffer works everywhere).
 * docs/jit.md describes the sequences, register conventions and threshold. */
#ifndef VMMEM_JIT_H
#define VMMEM_JIT_H

#include <stddef.h>
#include <vmmem/cpu.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- code buffer ---------------------------------------------------------- */

/** A W^X code buffer: page-granular memory that is either writable (while
 *  code is added) or executable (after vmmem_jit_buffer_seal()), never both.
 *  One thread at a time may open, write and seal a buffer; sealed code may
 *  run on any number of threads. */
typedef struct vmmem_jit_buffer vmmem_jit_buffer;

/** A span of writable memory that emitters append machine code to: bytes
 *  [start, start + length) hold code, [start + length, start + capacity)
 *  are free. It can describe an open vmmem_jit_buffer or any memory of the
 *  caller's own JIT. */
typedef struct vmmem_jit_code {
    unsigned char *start; /**< first byte of the span */
    size_t capacity;      /**< bytes available from start */
    size_t length;        /**< bytes of code written so far (the next one goes at start + length) */
} vmmem_jit_code;

/** Creates a code buffer of at least `capacity` bytes (rounded up to whole
 *  pages), writable and empty.
 *  @param capacity bytes of code the buffer must hold; not 0
 *  @param out      receives the buffer
 *  @return 0, VMMEM_EINVAL (out NULL or capacity 0 or too large), or
 *          VMMEM_ENOMEM (the mapping could not be made; *out untouched). */
VMMEM_API int vmmem_jit_buffer_create(size_t capacity, vmmem_jit_buffer **out);

/** Unmaps the buffer. Functions built in it must not be called afterwards.
 *  @param buf the buffer; NULL does nothing. */
VMMEM_API void vmmem_jit_buffer_destroy(vmmem_jit_buffer *buf);

/** Makes the buffer writable (and not executable) so that code can be added,
 *  and describes it in *code: its whole capacity, with `length` the bytes
 *  already sealed in it. Append after them, or set code->length to 0 to
 *  reuse the buffer from the start. While the buffer is open no function in
 *  it may run. Opening an open buffer is allowed (and changes nothing).
 *  @param buf  the buffer
 *  @param code receives the writable span
 *  @return 0, VMMEM_EINVAL (a NULL argument), or VMMEM_EIO when the system
 *          refused to change the protection (errno says why; nothing changed). */
VMMEM_API int vmmem_jit_buffer_open(vmmem_jit_buffer *buf, vmmem_jit_code *code);

/** Ends writing: records code->length as the buffer's code and makes the
 *  pages executable (and read-only), after making the new instructions
 *  visible to instruction fetch.
 *  @param buf  an open buffer
 *  @param code the span vmmem_jit_buffer_open() returned, with the emitters'
 *              length
 *  @return 0; VMMEM_EINVAL (a NULL argument, or a span that is not this
 *          buffer's); VMMEM_ERANGE (length beyond the capacity); VMMEM_EBUSY
 *          (the buffer is not open); VMMEM_EIO when the system refused
 *          executable memory (e.g. an SELinux or seccomp policy; errno says
 *          why): the buffer then stays open and writable, nothing runs. */
VMMEM_API int vmmem_jit_buffer_seal(vmmem_jit_buffer *buf, const vmmem_jit_code *code);

/** The executable address of byte `offset` of a sealed buffer's code.
 *  @param buf    the buffer
 *  @param offset offset of an instruction in the sealed code
 *  @return the address, or NULL when buf is NULL, the buffer is open, or
 *          offset is not below the sealed length. */
VMMEM_API const void *vmmem_jit_buffer_code(const vmmem_jit_buffer *buf, size_t offset);

/** Usable size of the buffer in bytes (the requested capacity rounded up to
 *  whole pages).
 *  @param buf the buffer
 *  @return the capacity in bytes, or 0 when buf is NULL */
VMMEM_API size_t vmmem_jit_buffer_capacity(const vmmem_jit_buffer *buf);

/* ---- copy emitters ------------------------------------------------------- */

/** x86_64 general-purpose registers, numbered as in the instruction encoding. */
typedef enum vmmem_jit_reg {
    VMMEM_JIT_RAX = 0, /**< rax */
    VMMEM_JIT_RCX,     /**< rcx */
    VMMEM_JIT_RDX,     /**< rdx */
    VMMEM_JIT_RBX,     /**< rbx */
    VMMEM_JIT_RSP,     /**< rsp: never accepted as an operand register */
    VMMEM_JIT_RBP,     /**< rbp */
    VMMEM_JIT_RSI,     /**< rsi */
    VMMEM_JIT_RDI,     /**< rdi */
    VMMEM_JIT_R8,      /**< r8 */
    VMMEM_JIT_R9,      /**< r9 */
    VMMEM_JIT_R10,     /**< r10 */
    VMMEM_JIT_R11,     /**< r11 */
    VMMEM_JIT_R12,     /**< r12 */
    VMMEM_JIT_R13,     /**< r13 */
    VMMEM_JIT_R14,     /**< r14 */
    VMMEM_JIT_R15,     /**< r15 */
    VMMEM_JIT_REG_COUNT /**< number of registers (not a register) */
} vmmem_jit_reg;

/** Bit of register r (a vmmem_jit_reg) in vmmem_jit_options.gpr_scratch. */
#define VMMEM_JIT_REG_BIT(r) (1u << (r))

/** The general-purpose registers an inline copy may clobber by default: the
 *  System V caller-saved ones that are not argument registers of the copy
 *  call (rax, rcx, rdx, r8-r11). The emitter never uses dst or src. */
#define VMMEM_JIT_DEFAULT_GPR_SCRATCH                                                            \
    (VMMEM_JIT_REG_BIT(VMMEM_JIT_RAX) | VMMEM_JIT_REG_BIT(VMMEM_JIT_RCX) |                       \
     VMMEM_JIT_REG_BIT(VMMEM_JIT_RDX) | VMMEM_JIT_REG_BIT(VMMEM_JIT_R8) |                        \
     VMMEM_JIT_REG_BIT(VMMEM_JIT_R9) | VMMEM_JIT_REG_BIT(VMMEM_JIT_R10) |                        \
     VMMEM_JIT_REG_BIT(VMMEM_JIT_R11))

/** Most vector registers an inline copy loads (xmm/ymm/zmm 0..15): every
 *  load comes before the first store, so this bounds an inline copy to 16
 *  vectors (1 KiB with ZMM, 512 B with YMM, 256 B with XMM). */
#define VMMEM_JIT_MAX_VECTOR_LOADS 16

/** Most bytes one emitted copy sequence takes, whatever the options: a
 *  caller that has this much room never gets VMMEM_ENOSPC. */
#define VMMEM_JIT_MAX_SEQUENCE_BYTES 512

/** How copies are emitted. Fill with vmmem_jit_default_options() or
 *  vmmem_jit_isa_options(), then adjust. */
typedef struct vmmem_jit_options {
    /** Registers of inline copies: VMMEM_ISA_AVX512 ZMM (EVEX vmovdqu64),
     *  VMMEM_ISA_AVX2 YMM (VEX vmovdqu), VMMEM_ISA_SSE2 XMM (movdqu),
     *  VMMEM_ISA_GENERIC general-purpose registers only. Sizes below the
     *  vector width use narrower registers (down to 1-byte moves). */
    vmmem_isa isa;
    /** Copies of up to this many bytes are inlined, larger ones call the
     *  engine. At most vmmem_jit_inline_limit(isa); the defaults are the
     *  measured crossovers (docs/jit.md). */
    size_t inline_max;
    /** General-purpose registers inline copies may clobber
     *  (VMMEM_JIT_REG_BIT() of each); dst and src are never used. Copies of
     *  1-15 bytes use up to two of them, and with VMMEM_ISA_GENERIC a copy of
     *  n bytes uses ceil(n / 8) (up to two below 16 bytes). */
    unsigned gpr_scratch;
} vmmem_jit_options;

/** Options for the ISA the copy calls use now (vmmem_active_isa(); `erms`
 *  maps to the best vector ISA of this CPU, `neon` to generic), its
 *  measured inline threshold, and VMMEM_JIT_DEFAULT_GPR_SCRATCH.
 *  @param opt receives the options
 *  @return 0, VMMEM_EINVAL (opt NULL) or VMMEM_EUNSUPPORTED (not an x86_64
 *          build; *opt untouched). */
VMMEM_API int vmmem_jit_default_options(vmmem_jit_options *opt);

/** Options for one ISA chosen by the caller (tests iterate over them).
 *  @param isa VMMEM_ISA_GENERIC, SSE2, AVX2 or AVX512 (ERMS: as for
 *             vmmem_jit_default_options())
 *  @param opt receives the options
 *  @return 0, VMMEM_EINVAL (opt NULL, isa out of range or NEON), or
 *          VMMEM_EUNSUPPORTED (this CPU or build cannot run that ISA, or
 *          not an x86_64 build). */
VMMEM_API int vmmem_jit_isa_options(vmmem_isa isa, vmmem_jit_options *opt);

/** Largest inline_max accepted for an ISA: VMMEM_JIT_MAX_VECTOR_LOADS
 *  vectors, or for VMMEM_ISA_GENERIC 8 bytes per default scratch register.
 *  @param isa the ISA
 *  @return the limit in bytes, or 0 for an ISA the emitter does not know. */
VMMEM_API size_t vmmem_jit_inline_limit(vmmem_isa isa);

/** Appends a copy of exactly n bytes from the address in `src` to the
 *  address in `dst` (memmove semantics: the buffers may overlap).
 *
 *  n <= opt->inline_max: every load, then every store, nothing else
 *  (overlapping head and tail accesses, no loop, no branch), then
 *  vzeroupper when YMM or ZMM registers were used. Clobbers
 *  vector registers 0..k-1 (k <= 16 loads), after a YMM or ZMM copy the
 *  upper bits (128 and up) of every vector register 0..15 (vzeroupper),
 *  and up to 2 (generic: ceil(n/8)) registers of opt->gpr_scratch; dst,
 *  src, flags and the stack are untouched.
 *  A copy of 1, 2, 4 or 8 bytes is one load and one store.
 *
 *  n > opt->inline_max: a call to vmmem_memcpy_fast() that preserves every
 *  general-purpose register (rax, rcx, rdx, rsi, rdi, r8-r11 are saved and
 *  restored; the others are callee-saved) and works at any 8-byte-aligned
 *  stack pointer: it steps over the 128-byte red zone, then aligns the stack
 *  to 16 bytes itself. Clobbers flags, every vector register (with upper
 *  halves; the engine leaves them clean with vzeroupper) and the AVX-512
 *  mask registers, as any System V call does. The sequence itself uses up
 *  to 216 bytes below the stack pointer (red zone 128, saved registers 80,
 *  alignment 8), and vmmem_memcpy_fast() its own frame below that.
 *
 *  @param code appended to; on error nothing is written and length is kept
 *  @param dst  register holding the destination address (not rsp)
 *  @param src  register holding the source address (not rsp)
 *  @param n    bytes to copy
 *  @param opt  options; NULL means vmmem_jit_default_options()
 *  @return 0; VMMEM_EINVAL (NULL code, rsp or an out-of-range register,
 *          inline_max above vmmem_jit_inline_limit(), too few scratch
 *          registers, an unknown ISA); VMMEM_ENOSPC (not enough room left in
 *          code; VMMEM_JIT_MAX_SEQUENCE_BYTES always suffice); VMMEM_ERANGE
 *          (code->length beyond its capacity); VMMEM_EUNSUPPORTED (not an
 *          x86_64 build, or an ISA this CPU cannot run). */
VMMEM_API int vmmem_jit_emit_copy(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, size_t n,
                                  const vmmem_jit_options *opt);

/** Appends a copy whose size is known only at run time, in register `size`:
 *  always the call sequence of vmmem_jit_emit_copy() (same registers
 *  preserved, same stack rules), so the engine's own small-size ladder
 *  handles small sizes. dst, src and size may be any registers but rsp
 *  (the same one twice, too).
 *  @param code appended to; on error nothing is written
 *  @param dst  register holding the destination address
 *  @param src  register holding the source address
 *  @param size register holding the byte count
 *  @return 0, VMMEM_EINVAL, VMMEM_ENOSPC, VMMEM_ERANGE or VMMEM_EUNSUPPORTED
 *          as for vmmem_jit_emit_copy(). */
VMMEM_API int vmmem_jit_emit_copy_dynamic(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src,
                                          vmmem_jit_reg size);

/** A function built by vmmem_jit_build_copy_fn(): copies its fixed size. */
typedef void (*vmmem_jit_copy_n_fn)(void *dst, const void *src);

/** Builds `void copy_n(void *dst, const void *src)` for a fixed n at the end
 *  of a buffer's code (16-byte aligned) and seals the buffer. Inline copies
 *  are the sequence of vmmem_jit_emit_copy() (dst in rdi, src in rsi) and a
 *  `ret`; larger ones load n and jump to vmmem_memcpy_fast() (a tail call:
 *  the function is an ordinary System V function).
 *  @param buf the buffer, open or sealed; sealed on success. The function
 *             goes after the code of the last seal: code written into an
 *             open buffer since then and not sealed is overwritten (seal
 *             it first to keep it).
 *  @param n   bytes the function copies
 *  @param opt options; NULL means vmmem_jit_default_options()
 *  @param out receives the function
 *  @return 0; VMMEM_EINVAL (NULL buf or out, bad options) or
 *          VMMEM_EUNSUPPORTED (not an x86_64 build, or an ISA this CPU
 *          cannot run): the buffer is untouched; VMMEM_ENOSPC (the buffer
 *          is full): its code is unchanged and it is sealed; VMMEM_EIO (the
 *          system refused a protection change): the buffer keeps its code
 *          and is left open if making it executable was refused (also
 *          when it was full: VMMEM_EIO then takes precedence). */
VMMEM_API int vmmem_jit_build_copy_fn(vmmem_jit_buffer *buf, size_t n, const vmmem_jit_options *opt,
                                      vmmem_jit_copy_n_fn *out);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_JIT_H */
