/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/isa_registry.h - the one table that says, per engine ISA (enum
 * vmmem_isa): its name, the CPU features it needs, whether it was compiled
 * in, its copy kernels, the byte-swap kernels that serve it, and how the JIT
 * emitter builds inline copies for it. The dispatcher (dispatch.c), the
 * byte-swap dispatcher (xlate_dispatch.c) and the JIT (arch/x86/jit_copy.c)
 * read it; none of them names an ISA itself. Data lives in isa_registry.c. */
#ifndef VMMEM_SRC_ISA_REGISTRY_H
#define VMMEM_SRC_ISA_REGISTRY_H

#include <stddef.h>
#include <vmmem/cpu.h>

#include "dispatch.h"
#include "xlate_dispatch.h"

/* How the JIT emitter copies inline for an ISA (arch/x86/jit_copy.c maps
 * each to its registers, encoding and default inline threshold). */
typedef enum vmmem_jit_style {
    VMMEM_JIT_STYLE_NONE = 0,     /* the emitter does not generate code for this ISA */
    VMMEM_JIT_STYLE_GPR,          /* general-purpose registers only */
    VMMEM_JIT_STYLE_XMM,          /* 16-byte vectors, legacy SSE encoding */
    VMMEM_JIT_STYLE_YMM,          /* 32-byte vectors, VEX */
    VMMEM_JIT_STYLE_ZMM,          /* 64-byte vectors, EVEX */
    VMMEM_JIT_STYLE_OF_BEST_ISA,  /* no register width of its own: that of vmmem_best_isa() */
    VMMEM_JIT_STYLE_COUNT
} vmmem_jit_style;

/* Most byte-swap variants one ISA may list (in preference order). */
#define VMMEM_ISA_MAX_SWAP_VARIANTS 2

/* One engine ISA. A row whose compiled_in is 0 keeps its name (for
 * vmmem_isa_name() and VMMEM_ISA) and nothing else. */
typedef struct vmmem_isa_desc {
    const char *name;            /* as vmmem_isa_name() returns it */
    unsigned required_features;  /* VMMEM_CPU_* bits the CPU must have (0: none) */
    int compiled_in;             /* the kernel was built (its VMMEM_HAVE_* probe passed) */
    /* Rank when nothing is forced: the runnable ISA with the highest one is
     * the best; 0: never chosen on its own (a strategy, not a register width). */
    unsigned preference;
    vmmem_kernel_entry kernel;   /* the copy kernels (zero when not compiled in) */
    /* Byte-swap variants, best first; the first the CPU runs serves this
     * ISA. Empty (swap_follows_best_isa): those of vmmem_best_isa_on(). */
    const vmmem_swap_kernels *swaps[VMMEM_ISA_MAX_SWAP_VARIANTS];
    int swap_follows_best_isa;
    vmmem_jit_style jit_style;
} vmmem_isa_desc;

/* The row of `isa` (which must be below VMMEM_ISA_COUNT). */
const vmmem_isa_desc *vmmem_isa_registry(vmmem_isa isa);

/* Every byte-swap variant compiled in, best first, the portable one last
 * (tests and the benchmark list them; an ISA whose own variants do not run
 * here is served by the last). */
extern const vmmem_swap_kernels *const vmmem_swap_variant_list[];
extern const size_t vmmem_swap_variant_count;

#endif /* VMMEM_SRC_ISA_REGISTRY_H */
