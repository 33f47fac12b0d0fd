/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench_impls.c - the registry's bookkeeping: calling modes, adding
 * entries, lookup, and selection by name and mode. What goes into the
 * registry is bench_catalog.c's business. */
#include "bench_impls.h"

#include <stdio.h>
#include <string.h>

static const char *const mode_names[BENCH_MODE_COUNT] = {"pointer", "call", "call-noplt"};
static const char *const mode_descs[BENCH_MODE_COUNT] = {
    "one compiled loop for all, each implementation called through its resolved address "
    "(dlsym: glibc's IFUNC-selected kernel, libvmmem's exported entries)",
    "a loop per implementation calling it by name, linked as programs link: glibc and the "
    "shared libvmmem through the PLT, -fno-builtin",
    "the same loops built with -fno-plt: glibc and libvmmem called through the GOT",
};

const char *bench_mode_name(int mode)
{
    return mode >= 0 && mode < BENCH_MODE_COUNT ? mode_names[mode] : "?";
}

const char *bench_mode_desc(int mode)
{
    return mode >= 0 && mode < BENCH_MODE_COUNT ? mode_descs[mode] : "?";
}

struct bench_impl *bench_registry_add(struct bench_registry *r, const char *name, int mode,
                                      enum bench_role role, bench_copy_fn fn, const char *desc)
{
    if (r->n == BENCH_MAX_IMPLS)
        return NULL;
    struct bench_impl *m = &r->impl[r->n++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->desc, sizeof m->desc, "%s", desc);
    m->fn = fn;
    m->role = role;
    m->mode = mode;
    m->max_size = (size_t)-1;
    m->available = fn != NULL;
    m->selected = m->available;
    if (!fn)
        snprintf(m->why_not, sizeof m->why_not, "not in this build");
    return m;
}

void bench_impl_unavailable(struct bench_impl *m, const char *why)
{
    if (!m)
        return;
    m->available = 0;
    m->selected = 0;
    snprintf(m->why_not, sizeof m->why_not, "%s", why);
}

struct bench_impl *bench_registry_find(struct bench_registry *r, const char *name, int mode)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->impl[i].mode == mode && !strcmp(r->impl[i].name, name))
            return &r->impl[i];
    return NULL;
}

static struct bench_impl *find_any_mode(struct bench_registry *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->impl[i].name, name))
            return &r->impl[i];
    return NULL;
}

int bench_role_is_copy(enum bench_role role)
{
    return role == BENCH_ROLE_COPY || role == BENCH_ROLE_REFERENCE || role == BENCH_ROLE_AA;
}

/* Measured in every run: what the ratios and limits are made of. */
static int is_reference(const struct bench_impl *m)
{
    return m->role != BENCH_ROLE_COPY || (m->flags & BENCH_F_COPY_METHOD);
}

int bench_registry_select(struct bench_registry *r, const char (*names)[32], size_t n,
                          unsigned modes, char *err, size_t errlen, char *note, size_t notelen)
{
    if (note && notelen)
        note[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!find_any_mode(r, names[i])) {
            if (err && errlen) {
                size_t used = (size_t)snprintf(err, errlen,
                                               "unknown implementation '%s'; known:", names[i]);
                for (size_t k = 0; k < r->n && used < errlen; k++)
                    if (r->impl[k].mode == BENCH_MODE_POINTER)
                        used += (size_t)snprintf(err + used, errlen - used, " %s",
                                                 r->impl[k].name);
            }
            return -1;
        }
    }
    for (size_t k = 0; k < r->n; k++) {
        struct bench_impl *m = &r->impl[k];
        int wanted = n == 0 || is_reference(m);
        for (size_t i = 0; i < n && !wanted; i++)
            wanted = !strcmp(m->name, names[i]);
        m->selected = m->available && wanted && (modes & (1u << m->mode));
    }
    for (size_t i = 0; i < n; i++) {
        struct bench_impl *m = find_any_mode(r, names[i]);
        if (!m->available && note && notelen) {
            size_t used = strlen(note);
            if (used < notelen)
                snprintf(note + used, notelen - used, "%s%s skipped: %s", used ? "; " : "",
                         m->name, m->why_not);
        }
    }
    return 0;
}
