/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_impls.h - the registry of what the benchmark times: the copy
 * implementations, the glibc baseline and its A/A twin, the store-only
 * methods the store limit is made of, the copy methods the best copy method
 * is made of, and an empty call; each once per calling mode. Name lookup and
 * selection for --impl and --mode. */
#ifndef VMMEM_BENCH_IMPLS_H
#define VMMEM_BENCH_IMPLS_H

#include <stddef.h>

#define BENCH_MAX_IMPLS 96

typedef void *(*bench_copy_fn)(void *dst, const void *src, size_t n);

/* How the timed loop reaches an implementation. */
enum bench_mode {
    BENCH_MODE_POINTER = 0, /* one loop for all, calling the resolved address through a pointer */
    BENCH_MODE_CALL,        /* a loop per implementation calling it by name (PLT for libraries) */
    BENCH_MODE_CALL_NOPLT,  /* the same loops built with -fno-plt (through the GOT) */
    BENCH_MODE_COUNT
};
#define BENCH_MODES_ALL ((1u << BENCH_MODE_COUNT) - 1)

/* "pointer", "call", "call-noplt" (the --mode names). */
const char *bench_mode_name(int mode);
/* A one-line description of how that mode calls. */
const char *bench_mode_desc(int mode);

enum bench_role {
    BENCH_ROLE_COPY = 0,    /* a copy implementation under comparison */
    BENCH_ROLE_REFERENCE,   /* glibc memcpy: the baseline of every ratio in its mode */
    BENCH_ROLE_AA,          /* glibc memcpy again, timed as a rival: the A/A control */
    BENCH_ROLE_STORE_LIMIT, /* a store-only method; the store limit is the fastest of them */
    BENCH_ROLE_LOAD_LIMIT,  /* loads only, for reference */
    BENCH_ROLE_OVERHEAD     /* an empty call: the loop and call cost */
};

/* bench_impl.flags */
#define BENCH_F_COPY_METHOD 1u /* counts toward "the best copy method measured" */

struct bench_loops;

struct bench_impl {
    char name[32];       /* the same name in every mode */
    char desc[112];
    bench_copy_fn fn;    /* the function itself: pointer mode calls it, checks use it */
    const struct bench_loops *loops; /* call mode: its own loops; NULL: the pointer loops */
    enum bench_role role;
    unsigned flags;      /* BENCH_F_* */
    int mode;            /* enum bench_mode */
    size_t min_size;     /* measured only for sizes >= this (0: always, mixes included) */
    size_t max_size;     /* measured only for sizes <= this */
    int available;       /* built in and runnable on this CPU */
    int selected;        /* to be measured in this run */
    char why_not[112];   /* when !available: the reason */
};

struct bench_registry {
    struct bench_impl impl[BENCH_MAX_IMPLS];
    size_t n;
    char where[8][160];  /* where dlsym found each resolved entry (pointer mode) */
    size_t n_where;
};

/* Fills r with every implementation of this build in every mode (available
 * or not); every available one is selected. (bench_catalog.c) */
void bench_registry_init(struct bench_registry *r);

/* Appends an entry (NULL when the registry is full). fn NULL: unavailable. */
struct bench_impl *bench_registry_add(struct bench_registry *r, const char *name, int mode,
                                      enum bench_role role, bench_copy_fn fn, const char *desc);

/* Marks m unavailable (and not selected) with a reason. m may be NULL. */
void bench_impl_unavailable(struct bench_impl *m, const char *why);

/* Finds an implementation by name and mode, or NULL. */
struct bench_impl *bench_registry_find(struct bench_registry *r, const char *name, int mode);

/* Selects exactly the named implementations plus the references (glibc
 * memcpy, its A/A twin, the store methods, the copy methods, the empty
 * call), in the modes of the mask modes (bits 1 << enum bench_mode). An
 * unknown name is an error: returns -1 with a message listing the known
 * names in err. A known name that cannot run here is skipped with a line in
 * note (may be NULL). n == 0 selects every available implementation. */
int bench_registry_select(struct bench_registry *r, const char (*names)[32], size_t n,
                          unsigned modes, char *err, size_t errlen, char *note, size_t notelen);

/* True when the role is a copy timed against the baseline (COPY, REFERENCE, AA). */
int bench_role_is_copy(enum bench_role role);

/* The peers and the empty call, each in a file of its own. rte_memcpy is
 * header-only and always inline in DPDK; here each build of it is compiled
 * into one non-inline function in a file of its own, so that it is called
 * like every other implementation. */
void *bench_rep_movsb(void *dst, const void *src, size_t n);
void *bench_rte_memcpy_avx2(void *dst, const void *src, size_t n);
void *bench_rte_memcpy_avx512(void *dst, const void *src, size_t n);
void *bench_empty_call(void *dst, const void *src, size_t n);

#endif /* VMMEM_BENCH_IMPLS_H */
