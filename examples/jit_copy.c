/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* examples/jit_copy.c - a JIT's view of libvmmem: build functions
 * that copy a fixed size (inline machine code when small, a call to the
 * engine when large), and append a copy to a code stream of one's own with
 * the addresses in registers the JIT chose. Exits non-zero if a copy is
 * wrong, 77 where the emitter does not exist (non-x86_64 hosts). */
#include <stdio.h>
#include <string.h>

#include <vmmem/vmmem.h>

#define EXIT_UNSUPPORTED 77

static int check(const char *what, const unsigned char *dst, const unsigned char *src, size_t n)
{
    int ok = memcmp(dst, src, n) == 0;
    printf("%-44s %s\n", what, ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}

int main(void)
{
    vmmem_jit_options opt;
    int rc = vmmem_jit_default_options(&opt);
    if (rc == VMMEM_EUNSUPPORTED) {
        printf("the JIT copy emitter is x86_64-only: %s\n", vmmem_strerror(rc));
        return EXIT_UNSUPPORTED;
    }
    printf("ISA %s: copies up to %zu bytes are inlined\n", vmmem_isa_name(opt.isa), opt.inline_max);

    vmmem_jit_buffer *buf;
    if (vmmem_jit_buffer_create(4096, &buf) != VMMEM_OK)
        return 1;
    static unsigned char src[8192], dst[8192];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (unsigned char)(i * 7 + 1);

    /* 1. whole functions: void copy_n(void *dst, const void *src) */
    int failures = 0;
    const size_t sizes[] = {24, 300, 8192};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        vmmem_jit_copy_n_fn copy;
        rc = vmmem_jit_build_copy_fn(buf, sizes[i], &opt, &copy);
        if (rc != VMMEM_OK) {
            printf("build: %s\n", vmmem_strerror(rc));
            return 1;
        }
        memset(dst, 0, sizeof dst);
        copy(dst, src);
        char what[64];
        snprintf(what, sizeof what, "copy_%zu (%s)", sizes[i], sizes[i] <= opt.inline_max ? "inline" : "call");
        failures += check(what, dst, src, sizes[i]);
    }

    /* 2. a copy inside one's own code: dst in rbx, src in r12 (as a JIT's
     * register allocator might have them), wrapped here in a tiny function
     * that moves the C arguments there first. Raw bytes stand for the
     * JIT's own instructions. */
    vmmem_jit_code code;
    if (vmmem_jit_buffer_open(buf, &code) != VMMEM_OK)
        return 1;
    code.length = 0;
    static const unsigned char prologue[] = {
        0x53,             /* push rbx            (callee-saved: keep the caller's) */
        0x41, 0x54,       /* push r12 */
        0x48, 0x89, 0xFB, /* mov rbx, rdi */
        0x49, 0x89, 0xF4, /* mov r12, rsi */
    };
    static const unsigned char epilogue[] = {0x41, 0x5C, 0x5B, 0xC3}; /* pop r12; pop rbx; ret */
    memcpy(code.start, prologue, sizeof prologue);
    code.length = sizeof prologue;
    rc = vmmem_jit_emit_copy(&code, VMMEM_JIT_RBX, VMMEM_JIT_R12, 100, &opt);
    if (rc != VMMEM_OK || code.capacity - code.length < sizeof epilogue) {
        printf("emit: %s\n", vmmem_strerror(rc));
        return 1;
    }
    memcpy(code.start + code.length, epilogue, sizeof epilogue);
    code.length += sizeof epilogue;
    if (vmmem_jit_buffer_seal(buf, &code) != VMMEM_OK)
        return 1;
    void (*block)(void *, const void *);
    const void *entry = vmmem_jit_buffer_code(buf, 0);
    memcpy(&block, &entry, sizeof entry); /* object pointer to function pointer */
    memset(dst, 0, sizeof dst);
    block(dst, src);
    failures += check("100 bytes from r12 to rbx inside a block", dst, src, 100);

    vmmem_jit_buffer_destroy(buf);
    return failures ? 1 : 0;
}
