/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* arch/generic/jit_unsupported.c - the JIT copy emitter on hosts it does not
 * generate code for (everything but x86_64): the API links, and every call
 * that would emit machine code returns VMMEM_EUNSUPPORTED. The code buffer
 * (src/jit_buffer.c) works everywhere. */
#include <vmmem/jit.h>

size_t vmmem_jit_inline_limit(vmmem_isa isa)
{
    (void)isa;
    return 0;
}

int vmmem_jit_isa_options(vmmem_isa isa, vmmem_jit_options *opt)
{
    if (!opt || (unsigned)isa >= VMMEM_ISA_COUNT)
        return VMMEM_EINVAL;
    return VMMEM_EUNSUPPORTED;
}

int vmmem_jit_default_options(vmmem_jit_options *opt)
{
    return opt ? VMMEM_EUNSUPPORTED : VMMEM_EINVAL;
}

int vmmem_jit_emit_copy(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, size_t n,
                        const vmmem_jit_options *opt)
{
    (void)code, (void)dst, (void)src, (void)n, (void)opt;
    return VMMEM_EUNSUPPORTED;
}

int vmmem_jit_emit_copy_dynamic(vmmem_jit_code *code, vmmem_jit_reg dst, vmmem_jit_reg src, vmmem_jit_reg size)
{
    (void)code, (void)dst, (void)src, (void)size;
    return VMMEM_EUNSUPPORTED;
}

int vmmem_jit_build_copy_fn(vmmem_jit_buffer *buf, size_t n, const vmmem_jit_options *opt,
                            vmmem_jit_copy_n_fn *out)
{
    (void)buf, (void)n, (void)opt, (void)out;
    return VMMEM_EUNSUPPORTED;
}
