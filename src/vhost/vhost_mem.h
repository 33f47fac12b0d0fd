/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vhost/vhost_mem.h - the front-end's memory table in a vhost-user
 * back-end: regions received as file descriptors, mapped and added to a
 * vmmem_guest_memory as caller-owned RAM, and the translation of the
 * front-end's own (user) addresses, in which ring addresses arrive, to
 * guest physical addresses. Internal to libvmmem-vm. */
#ifndef VMMEM_VHOST_MEM_H
#define VMMEM_VHOST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/guest_memory.h>

#include "vhost_user.h"

typedef struct vhost_mem_map {
    vhost_mem_region region; /* as the front-end described it */
    void *host;              /* our mapping of its memory_size bytes */
} vhost_mem_map;

/* Most regions at once: SET_MEM_TABLE brings at most VHOST_USER_MAX_REGIONS,
 * ADD_MEM_REG (CONFIGURE_MEM_SLOTS) up to this many (what GET_MAX_MEM_SLOTS
 * answers): room for memory hot-plug. */
#define VHOST_MEM_MAX_SLOTS 32u
_Static_assert(VHOST_MEM_MAX_SLOTS >= VHOST_USER_MAX_REGIONS, "a whole table fits the slots");

typedef struct vhost_mem {
    vmmem_guest_memory *gm;
    int trust_files;         /* also map tmpfs and hugetlbfs files (vhost_mem.c, check_file) */
    unsigned count;
    vhost_mem_map maps[VHOST_MEM_MAX_SLOTS];
} vhost_mem;

/* Replaces the table with `table` (regions backed by fds[i], which the
 * call closes whatever happens): every region is checked (a sealed memfd
 * not on hugetlbfs, or with trust_files a tmpfs or hugetlbfs file; page-aligned
 * guest address, size and offset; no wrap; no overlap with another region
 * in guest or user addresses; the file long enough) and mapped before the
 * old regions are removed (each removal waits for an RCU grace period)
 * and unmapped. Returns 0, or -1 with a message in err (the old table is
 * then gone too if the failure came after it was removed). */
int vhost_mem_set_table(vhost_mem *m, const vhost_memory *table, const int *fds, char *err, size_t err_len);

/* ADD_MEM_REG: checks one region as SET_MEM_TABLE does, and against every
 * region held, maps and adds it; closes fd. Returns 0 or -1 (err). */
int vhost_mem_add(vhost_mem *m, const vhost_mem_region *r, int fd, char *err, size_t err_len);

/* REM_MEM_REG: removes (after a grace period) and unmaps the region with
 * r's guest address, size and user address. Returns 0, or -1 (err) when
 * no region matches or guest memory cannot remove it (it stays mapped). */
int vhost_mem_remove(vhost_mem *m, const vhost_mem_region *r, char *err, size_t err_len);

/* Removes and unmaps every region. A region guest memory cannot remove
 * (vmmem_guest_remove_region() failed) stays mapped and in the table, since
 * guest memory may still reach it. Returns 0, or -1 when one stayed. */
int vhost_mem_clear(vhost_mem *m);

/* Unmaps what vhost_mem_clear() left, once guest memory is destroyed. */
void vhost_mem_release(vhost_mem *m);

/* The guest physical address of user address ua with at least len bytes
 * after it in the same region. Returns 0, or -1 when no region holds them. */
int vhost_mem_user_to_gpa(const vhost_mem *m, uint64_t ua, uint64_t len, vmmem_gpa *gpa);

#endif /* VMMEM_VHOST_MEM_H */
