/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/inline_probe.c - constant-size copies of 0..16 bytes only: compiled
 * to an object file whose undefined symbols check_inline.cmake inspects;
 * none of the copy functions may be referenced. */
#include <vmmem/memcpy.h>

void *probe_fast8(void *d, const void *s);
void *probe_move2(void *d, const void *s);
void *probe_adaptive16(void *d, const void *s);
void *probe_fast0(void *d, const void *s);

void *probe_fast8(void *d, const void *s) { return vmmem_memcpy_fast(d, s, 8); }
void *probe_move2(void *d, const void *s) { return vmmem_memmove(d, s, 2); }
void *probe_adaptive16(void *d, const void *s) { return vmmem_memcpy_adaptive(d, s, 16); }
void *probe_fast0(void *d, const void *s) { return vmmem_memcpy_fast(d, s, 0); }
