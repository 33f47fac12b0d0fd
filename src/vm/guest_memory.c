/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_memory.c - the guest physical address space: creating and
 * destroying it, adding and removing regions (copy, modify, publish, wait for
 * a grace period), lookup, read-side sections and translation. */
#include "guest_rcu.h"
#include "guest_walk.h"

#include <stdlib.h>
#include <string.h>

#ifdef GUEST_RCU_TSAN
char guest_rcu_tsan_token;
#endif

/* The last map generation handed out, by any guest memory of the process
 * (the first is 1: 0 is free to mean "none"). */
static _Atomic uint64_t last_generation;

/* A map of `count` regions (to be filled in) with a new generation. */
static guest_map *map_alloc(size_t count)
{
    guest_map *m = malloc(sizeof *m + count * sizeof m->regions[0]);
    if (m) {
        m->generation = atomic_fetch_add_explicit(&last_generation, 1, memory_order_relaxed) + 1;
        m->count = count;
    }
    return m;
}

atomic_bool guest_rep_movsb_ok;

int vmmem_guest_memory_create(vmmem_guest_memory **out)
{
    if (!out)
        return VMMEM_EINVAL;
    vmmem_cpu_info cpu;
    if (vmmem_get_cpu_info(&cpu) == VMMEM_OK && (cpu.features & VMMEM_CPU_ERMS))
        atomic_store_explicit(&guest_rep_movsb_ok, true, memory_order_relaxed);
    vmmem_guest_memory *gm = calloc(1, sizeof *gm);
    guest_map *empty = map_alloc(0);
    if (!gm || !empty || pthread_mutex_init(&gm->writer_lock, NULL) != 0) {
        free(gm);
        free(empty);
        return VMMEM_ENOMEM;
    }
    atomic_init(&gm->map, empty);
    atomic_init(&gm->tracked_regions, 0);
    *out = gm;
    return VMMEM_OK;
}

static void region_free(guest_region *r)
{
    host_unmap(&r->mapping);
    dirty_free(r);
    free(r);
}

void vmmem_guest_memory_destroy(vmmem_guest_memory *gm)
{
    if (!gm)
        return;
    guest_map *m = atomic_load_explicit(&gm->map, memory_order_relaxed);
    for (size_t i = 0; i < m->count; i++)
        region_free(m->regions[i]);
    free(m);
    pthread_mutex_destroy(&gm->writer_lock);
    free(gm);
}

/* Publishes `next` in place of the current map and frees the old one after
 * a grace period. Called with writer_lock held; releases it. */
static void publish_and_unlock(vmmem_guest_memory *gm, guest_map *next)
{
    guest_map *old = atomic_load_explicit(&gm->map, memory_order_relaxed);
    atomic_store_explicit(&gm->map, next, memory_order_release);
    pthread_mutex_unlock(&gm->writer_lock);
    guest_rcu_synchronize(); /* no reader can still hold `old` */
    free(old);
}

/* Inserts r (fully built) into the map. VMMEM_OK, VMMEM_EEXIST, VMMEM_ENOMEM,
 * VMMEM_EBUSY (inside a read-side section: the grace period would never end). */
static int map_insert(vmmem_guest_memory *gm, guest_region *r)
{
    if (guest_rcu_reading())
        return VMMEM_EBUSY;
    pthread_mutex_lock(&gm->writer_lock);
    const guest_map *cur = atomic_load_explicit(&gm->map, memory_order_relaxed);
    size_t at = 0; /* first region starting after r->base */
    while (at < cur->count && cur->regions[at]->base <= r->base)
        at++;
    if ((at > 0 && cur->regions[at - 1]->last >= r->base) ||
        (at < cur->count && cur->regions[at]->base <= r->last)) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_EEXIST;
    }
    guest_map *next = map_alloc(cur->count + 1);
    if (!next) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_ENOMEM;
    }
    memcpy(next->regions, cur->regions, at * sizeof cur->regions[0]);
    next->regions[at] = r;
    memcpy(next->regions + at + 1, cur->regions + at, (cur->count - at) * sizeof cur->regions[0]);
    publish_and_unlock(gm, next);
    return VMMEM_OK;
}

/* Checks what every region shares: gm set, non-zero size, no wrap. */
static int check_region_range(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size, vmmem_gpa *last)
{
    if (!gm || size == 0)
        return VMMEM_EINVAL;
    return guest_range_last(gpa, size, last);
}

/* Validates a RAM or ROM region's size and alignment against `unit`. */
static int check_host_region(vmmem_gpa gpa, uint64_t size, size_t unit)
{
    return (gpa % unit != 0 || size % unit != 0) ? VMMEM_EINVAL : VMMEM_OK;
}

static guest_region *region_new(vmmem_region_kind kind, vmmem_gpa gpa, vmmem_gpa last, uint64_t size)
{
    guest_region *r = calloc(1, sizeof *r);
    if (r) {
        r->kind = kind;
        r->base = gpa;
        r->last = last;
        r->size = size;
        r->fd = -1;
        atomic_init(&r->dirty, NULL);
    }
    return r;
}

/* Maps nothing until the cheap checks pass; then inserts or undoes. */
static int insert_or_free(vmmem_guest_memory *gm, guest_region *r)
{
    int rc = map_insert(gm, r);
    if (rc != VMMEM_OK)
        region_free(r);
    return rc;
}

#define KNOWN_RAM_FLAGS (VMMEM_RAM_HUGEPAGES | VMMEM_RAM_SHARED | VMMEM_RAM_NO_THP)

int vmmem_guest_add_ram(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size, const vmmem_ram_options *options)
{
    vmmem_gpa last;
    int rc = check_region_range(gm, gpa, size, &last);
    if (rc != VMMEM_OK)
        return rc;
    size_t unit = host_page_size();
    if (options) {
        if (options->fd < -1 || (options->flags & ~(unsigned)KNOWN_RAM_FLAGS) ||
            (options->fd >= 0 && (options->flags & VMMEM_RAM_HUGEPAGES)) ||
            (options->fd >= 0 && options->fd_offset % unit != 0))
            return VMMEM_EINVAL;
        if ((options->flags & VMMEM_RAM_HUGEPAGES) && (rc = host_huge_page_size(&unit)) != VMMEM_OK)
            return rc;
    }
    if ((rc = check_host_region(gpa, size, unit)) != VMMEM_OK)
        return rc;
    guest_region *r = region_new(VMMEM_REGION_RAM, gpa, last, size);
    if (!r)
        return VMMEM_ENOMEM;
    if ((rc = host_map_ram(&r->mapping, size, options)) != VMMEM_OK) {
        free(r);
        return rc;
    }
    r->host = r->mapping.data;
    if (options && options->fd >= 0) {
        r->fd = options->fd;
        r->fd_offset = options->fd_offset;
    }
    return insert_or_free(gm, r);
}

int vmmem_guest_add_host_ram(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size, const vmmem_host_ram *ram)
{
    vmmem_gpa last;
    int rc = check_region_range(gm, gpa, size, &last);
    if (rc != VMMEM_OK)
        return rc;
    const size_t page = host_page_size();
    if (!ram || !ram->host || (uintptr_t)ram->host % page != 0 || ram->fd < -1 ||
        ram->fd_offset % page != 0 || (ram->fd < 0 && ram->fd_offset != 0))
        return VMMEM_EINVAL;
    if ((rc = check_host_region(gpa, size, page)) != VMMEM_OK)
        return rc;
    if (!host_range_read_write(ram->host, size))
        return VMMEM_EINVAL;
    guest_region *r = region_new(VMMEM_REGION_RAM, gpa, last, size);
    if (!r)
        return VMMEM_ENOMEM;
    r->host = ram->host;
    r->fd = ram->fd;
    r->fd_offset = ram->fd_offset;
    r->caller_owned = true; /* r->mapping stays empty: nothing of ours to unmap */
    return insert_or_free(gm, r);
}

int vmmem_guest_add_rom(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size, const void *content,
                        size_t content_len)
{
    vmmem_gpa last;
    int rc = check_region_range(gm, gpa, size, &last);
    if (rc != VMMEM_OK)
        return rc;
    if ((content_len > 0 && !content) || content_len > size)
        return VMMEM_EINVAL;
    if ((rc = check_host_region(gpa, size, host_page_size())) != VMMEM_OK)
        return rc;
    guest_region *r = region_new(VMMEM_REGION_ROM, gpa, last, size);
    if (!r)
        return VMMEM_ENOMEM;
    if ((rc = host_map_rom(&r->mapping, size, content, content_len)) != VMMEM_OK) {
        free(r);
        return rc;
    }
    r->host = r->mapping.data;
    return insert_or_free(gm, r);
}

int vmmem_guest_add_mmio(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size, const vmmem_mmio_ops *ops)
{
    vmmem_gpa last;
    int rc = check_region_range(gm, gpa, size, &last);
    if (rc != VMMEM_OK)
        return rc;
    if (!ops || !mmio_ops_valid(ops, size))
        return VMMEM_EINVAL;
    guest_region *r = region_new(VMMEM_REGION_MMIO, gpa, last, size);
    if (!r)
        return VMMEM_ENOMEM;
    r->mmio = *ops;
    return insert_or_free(gm, r);
}

int vmmem_guest_remove_region(vmmem_guest_memory *gm, vmmem_gpa gpa)
{
    if (!gm)
        return VMMEM_EINVAL;
    if (guest_rcu_reading())
        return VMMEM_EBUSY;
    pthread_mutex_lock(&gm->writer_lock);
    const guest_map *cur = atomic_load_explicit(&gm->map, memory_order_relaxed);
    ptrdiff_t at = guest_map_find(cur, gpa);
    if (at < 0 || cur->regions[at]->base != gpa) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_ENOENT;
    }
    guest_map *next = map_alloc(cur->count - 1);
    if (!next) {
        pthread_mutex_unlock(&gm->writer_lock);
        return VMMEM_ENOMEM;
    }
    guest_region *gone = cur->regions[at];
    if (atomic_load_explicit(&gone->dirty, memory_order_relaxed))
        atomic_fetch_sub_explicit(&gm->tracked_regions, 1, memory_order_relaxed);
    memcpy(next->regions, cur->regions, (size_t)at * sizeof cur->regions[0]);
    memcpy(next->regions + at, cur->regions + at + 1, (cur->count - (size_t)at - 1) * sizeof cur->regions[0]);
    publish_and_unlock(gm, next);
    /* The grace period in publish_and_unlock() has ended: no access that
     * could see `gone` is still running, and no later map holds it. */
    region_free(gone);
    return VMMEM_OK;
}

int vmmem_guest_region_at(vmmem_guest_memory *gm, vmmem_gpa gpa, vmmem_region_info *out)
{
    if (!gm || !out)
        return VMMEM_EINVAL;
    bool locked = guest_call_enter();
    const guest_map *m = guest_map_current(gm);
    ptrdiff_t at = guest_map_find(m, gpa);
    if (at >= 0) {
        const guest_region *r = m->regions[at];
        out->kind = r->kind;
        out->base = r->base;
        out->size = r->size;
        out->host = r->host;
        out->mmio = r->kind == VMMEM_REGION_MMIO ? r->mmio : (vmmem_mmio_ops){ 0 };
        out->fd = r->fd;
        out->fd_offset = r->fd_offset;
        out->caller_owned = r->caller_owned;
    }
    guest_call_exit(locked);
    return at >= 0 ? VMMEM_OK : VMMEM_EFAULT;
}

_Thread_local unsigned guest_section_depth;

void vmmem_guest_enter(vmmem_guest_memory *gm)
{
    (void)gm; /* sections are per thread, shared by every address space */
    if (guest_section_depth == 0) {
        guest_rcu_read_lock();
        atomic_signal_fence(memory_order_seq_cst); /* the lock is held before the depth says so */
    }
    guest_section_depth++;
}

void vmmem_guest_exit(vmmem_guest_memory *gm)
{
    (void)gm;
    if (guest_section_depth == 0)
        return; /* no section to end */
    if (--guest_section_depth == 0) {
        atomic_signal_fence(memory_order_seq_cst); /* the depth says 0 before the lock goes */
        guest_rcu_read_unlock();
    }
}

int vmmem_guest_translate(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len, unsigned access, void **host)
{
    if (!gm || !host || len == 0 || (access != VMMEM_ACCESS_READ && access != VMMEM_ACCESS_WRITE))
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, len, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    /* Outside a section the pointer could be unmapped at once. */
    if (!guest_rcu_reading())
        return VMMEM_EINVAL;
    const guest_map *m = guest_map_current(gm);
    const guest_region *hint = NULL;
    guest_piece p;
    int rc = guest_piece_at(m, &hint, gpa, len, access == VMMEM_ACCESS_WRITE ? GUEST_RULE_WRITE : GUEST_RULE_READ,
                            &p);
    /* one RAM (or, to read, ROM) region: a pointer cannot reach a device
     * or cross into another mapping */
    if (rc == VMMEM_EFAULT || p.len != len || !p.region->host)
        return VMMEM_EFAULT;
    if (rc != VMMEM_OK)
        return rc; /* VMMEM_EPERM: write intent on ROM */
    *host = guest_piece_host(&p);
    return VMMEM_OK;
}
