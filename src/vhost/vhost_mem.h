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

typedef struct vhost_mem {
    vmmem_guest_memory *gm;
    unsigned count;
    vhost_mem_map maps[VHOST_USER_MAX_REGIONS];
} vhost_mem;

/* Replaces the table with `table` (regions backed by fds[i], which the
 * call closes whatever happens): every region is checked (page-aligned
 * guest address, size and offset; no wrap; no overlap with another region
 * in guest or user addresses; the file long enough) and mapped before the
 * old regions are removed (each removal waits for an RCU grace period)
 * and unmapped. Returns 0, or -1 with a message in err (the old table is
 * then gone too if the failure came after it was removed). */
int vhost_mem_set_table(vhost_mem *m, const vhost_memory *table, const int *fds, char *err, size_t err_len);

/* Removes and unmaps every region. */
void vhost_mem_clear(vhost_mem *m);

/* The guest physical address of user address ua with at least len bytes
 * after it in the same region. Returns 0, or -1 when no region holds them. */
int vhost_mem_user_to_gpa(const vhost_mem *m, uint64_t ua, uint64_t len, vmmem_gpa *gpa);

#endif /* VMMEM_VHOST_MEM_H */
