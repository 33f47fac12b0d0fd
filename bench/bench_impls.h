/* bench_impls.h - the registry of copy implementations the benchmark
 * compares, plus the reference "limits" (store-only, load-only) that share
 * their calling convention, and name lookup for --impl. */
#ifndef VMMEM_BENCH_IMPLS_H
#define VMMEM_BENCH_IMPLS_H

#include <stddef.h>

#define BENCH_MAX_IMPLS 40

typedef void *(*bench_copy_fn)(void *dst, const void *src, size_t n);

enum bench_role {
    BENCH_ROLE_COPY = 0,       /* a copy implementation under comparison */
    BENCH_ROLE_REFERENCE,      /* glibc memcpy: the baseline of every ratio */
    BENCH_ROLE_STORE_LIMIT,    /* vector stores only (ordinary stores) */
    BENCH_ROLE_STORE_NT_LIMIT, /* vector stores only (non-temporal), large sizes */
    BENCH_ROLE_LOAD_LIMIT,     /* vector loads only */
    BENCH_ROLE_OVERHEAD        /* an empty call: loop and call cost */
};

struct bench_impl {
    char name[32];
    char desc[96];
    bench_copy_fn fn;
    enum bench_role role;
    size_t min_size;    /* measured only for sizes >= this (non-temporal paths) */
    size_t max_size;    /* measured only for sizes <= this (the byte loop) */
    int available;      /* built in and runnable on this CPU */
    int selected;       /* to be measured in this run */
    char why_not[112];  /* when !available: the reason */
};

struct bench_registry {
    struct bench_impl impl[BENCH_MAX_IMPLS];
    size_t n;
};

/* Fills r with every implementation known to this build (available or
 * not); all available ones are selected. */
void bench_registry_init(struct bench_registry *r);

/* Finds an implementation by name, or NULL. */
struct bench_impl *bench_registry_find(struct bench_registry *r, const char *name);

/* Selects exactly the named implementations plus the references (glibc
 * memcpy and the limits). An unknown name is an error: returns -1 with a
 * message listing the known names in err. A known name that cannot run here
 * is skipped with a line in note (may be NULL). */
int bench_registry_select(struct bench_registry *r, const char (*names)[32], size_t n,
                          char *err, size_t errlen, char *note, size_t notelen);

/* True when the role is a copy (COPY or REFERENCE). */
int bench_role_is_copy(enum bench_role role);

/* Implemented in separate files with their own compile flags. */
void *bench_naive_copy(void *dst, const void *src, size_t n);
void bench_limits_pick(unsigned vmmem_features, bench_copy_fn *store, bench_copy_fn *store_nt,
                       bench_copy_fn *load, const char **flavour);

#endif /* VMMEM_BENCH_IMPLS_H */
