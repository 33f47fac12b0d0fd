/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/peers/vm-memory/vm_memory_peer.h - the C view of the rust-vmm
 * vm-memory peer (src/lib.rs): a GuestMemoryMmap over host mappings the
 * caller owns, without dirty tracking (vmpeer_*) or with vm-memory's
 * AtomicBitmap (vmpeer_tracked_*). Each call is one vm-memory call
 * (read_slice, write_slice, get_slice + copy_to_volatile_slice, read_obj,
 * write_obj) and returns 0, or -1 when vm-memory reports an error. */
#ifndef VMMEM_BENCH_VM_MEMORY_PEER_H
#define VMMEM_BENCH_VM_MEMORY_PEER_H

#include <stddef.h>
#include <stdint.h>

/* `size` bytes of host memory at `host` (page aligned, mapped read-write),
 * seen by the guest at `gpa`. */
struct vmpeer_region {
    uint64_t gpa;
    void *host;
    uint64_t size;
};

typedef struct vmpeer_mem vmpeer_mem;                 /* GuestMemoryMmap<()> */
typedef struct vmpeer_tracked_mem vmpeer_tracked_mem; /* GuestMemoryMmap<AtomicBitmap> */

/* Builds an address space over n regions sorted by gpa, not overlapping
 * (shared: the mappings are MAP_SHARED). NULL when vm-memory refuses. The
 * mappings must outlive it; destroy never unmaps them. */
vmpeer_mem *vmpeer_create(const struct vmpeer_region *regions, size_t n, int shared);
void vmpeer_destroy(vmpeer_mem *mem);
int vmpeer_read(const vmpeer_mem *mem, uint64_t gpa, void *buf, size_t len);
int vmpeer_write(const vmpeer_mem *mem, uint64_t gpa, const void *buf, size_t len);
int vmpeer_copy_block(const vmpeer_mem *mem, uint64_t dst, uint64_t src, size_t len);
int vmpeer_read_u16(const vmpeer_mem *mem, uint64_t gpa, uint16_t *out);
int vmpeer_read_u32(const vmpeer_mem *mem, uint64_t gpa, uint32_t *out);
int vmpeer_read_u64(const vmpeer_mem *mem, uint64_t gpa, uint64_t *out);
int vmpeer_write_u16(const vmpeer_mem *mem, uint64_t gpa, uint16_t value);
int vmpeer_write_u32(const vmpeer_mem *mem, uint64_t gpa, uint32_t value);
int vmpeer_write_u64(const vmpeer_mem *mem, uint64_t gpa, uint64_t value);

vmpeer_tracked_mem *vmpeer_tracked_create(const struct vmpeer_region *regions, size_t n, int shared);
void vmpeer_tracked_destroy(vmpeer_tracked_mem *mem);
int vmpeer_tracked_read(const vmpeer_tracked_mem *mem, uint64_t gpa, void *buf, size_t len);
int vmpeer_tracked_write(const vmpeer_tracked_mem *mem, uint64_t gpa, const void *buf, size_t len);
int vmpeer_tracked_copy_block(const vmpeer_tracked_mem *mem, uint64_t dst, uint64_t src, size_t len);
int vmpeer_tracked_read_u16(const vmpeer_tracked_mem *mem, uint64_t gpa, uint16_t *out);
int vmpeer_tracked_read_u32(const vmpeer_tracked_mem *mem, uint64_t gpa, uint32_t *out);
int vmpeer_tracked_read_u64(const vmpeer_tracked_mem *mem, uint64_t gpa, uint64_t *out);
int vmpeer_tracked_write_u16(const vmpeer_tracked_mem *mem, uint64_t gpa, uint16_t value);
int vmpeer_tracked_write_u32(const vmpeer_tracked_mem *mem, uint64_t gpa, uint32_t value);
int vmpeer_tracked_write_u64(const vmpeer_tracked_mem *mem, uint64_t gpa, uint64_t value);
/* The same calls through vm-memory's GuestMemoryAtomic: each takes one
 * .memory() guard (arc-swap) and calls on the snapshot it holds, which is
 * what makes a call safe against a concurrent change of the regions. Built
 * on a clone of a plain address space: the same regions and bitmaps. */
typedef struct vmpeer_atomic_mem vmpeer_atomic_mem;                 /* GuestMemoryAtomic<GuestMemoryMmap<()>> */
typedef struct vmpeer_tracked_atomic_mem vmpeer_tracked_atomic_mem; /* ..<GuestMemoryMmap<AtomicBitmap>> */
vmpeer_atomic_mem *vmpeer_atomic_create(const vmpeer_mem *mem);
void vmpeer_atomic_destroy(vmpeer_atomic_mem *mem);
int vmpeer_atomic_read(const vmpeer_atomic_mem *mem, uint64_t gpa, void *buf, size_t len);
int vmpeer_atomic_write(const vmpeer_atomic_mem *mem, uint64_t gpa, const void *buf, size_t len);
int vmpeer_atomic_copy_block(const vmpeer_atomic_mem *mem, uint64_t dst, uint64_t src, size_t len);
int vmpeer_atomic_read_u16(const vmpeer_atomic_mem *mem, uint64_t gpa, uint16_t *out);
int vmpeer_atomic_read_u32(const vmpeer_atomic_mem *mem, uint64_t gpa, uint32_t *out);
int vmpeer_atomic_read_u64(const vmpeer_atomic_mem *mem, uint64_t gpa, uint64_t *out);
int vmpeer_atomic_write_u16(const vmpeer_atomic_mem *mem, uint64_t gpa, uint16_t value);
int vmpeer_atomic_write_u32(const vmpeer_atomic_mem *mem, uint64_t gpa, uint32_t value);
int vmpeer_atomic_write_u64(const vmpeer_atomic_mem *mem, uint64_t gpa, uint64_t value);
vmpeer_tracked_atomic_mem *vmpeer_tracked_atomic_create(const vmpeer_tracked_mem *mem);
void vmpeer_tracked_atomic_destroy(vmpeer_tracked_atomic_mem *mem);
int vmpeer_tracked_atomic_read(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, void *buf, size_t len);
int vmpeer_tracked_atomic_write(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, const void *buf, size_t len);
int vmpeer_tracked_atomic_copy_block(const vmpeer_tracked_atomic_mem *mem, uint64_t dst, uint64_t src, size_t len);
int vmpeer_tracked_atomic_read_u16(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint16_t *out);
int vmpeer_tracked_atomic_read_u32(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint32_t *out);
int vmpeer_tracked_atomic_read_u64(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint64_t *out);
int vmpeer_tracked_atomic_write_u16(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint16_t value);
int vmpeer_tracked_atomic_write_u32(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint32_t value);
int vmpeer_tracked_atomic_write_u64(const vmpeer_tracked_atomic_mem *mem, uint64_t gpa, uint64_t value);

/* Dirty pages in the bitmap of the region containing gpa (-1: none). */
int64_t vmpeer_tracked_dirty_pages(const vmpeer_tracked_mem *mem, uint64_t gpa);
/* Clears the dirty bitmap of every region. */
void vmpeer_tracked_clear_dirty(const vmpeer_tracked_mem *mem);

#endif /* VMMEM_BENCH_VM_MEMORY_PEER_H */
