/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_once.h - how the device models (virtqueue.c, virtio_blk.c)
 * read and write guest-controlled memory.
 *
 * THE RULE (check it in review): a guest controls every byte of its memory
 * and may rewrite it from another vCPU while a device reads it. So every
 * guest-controlled field a device decides on - descriptors, the available
 * index and ring, indirect tables, request headers - is read exactly once,
 * with the loads below, into a local copy; the copy is validated and then
 * used, and the guest memory is never read again for that field. The loads
 * are relaxed atomics (READ_ONCE): the compiler may neither fetch the field
 * a second time (as it may from a plain load, assuming no data race) nor
 * tear an aligned 2/4/8-byte field, whatever the optimisation level. A
 * field read twice (say, once to check it and once to use it) is the
 * double fetch this rule forbids: the guest changes it in between.
 *
 * Fields the device publishes to the guest (the used element, the status
 * byte) are written with single atomic stores, so that a guest rewriting
 * the same bytes (a hostile layout) races with defined stores, never with
 * a multi-instruction copy. Bulk data (request payloads) moves with the DMA
 * engine: the device never decides on its content.
 *
 * The rings, descriptor tables and indirect tables are read through host
 * pointers into RAM or ROM (the device only reads them; ROM is host memory
 * too), never through MMIO callbacks; the used ring must be writable RAM.
 *
 * The fuzz build (VMMEM_GUEST_READ_HOOK, fuzz/fuzz_double_fetch.c) calls a
 * hook before and after each such read, which may rewrite guest memory
 * between the device's reads, marks where each request starts and what
 * kind of field each read is, and reports the decisions the device took;
 * other builds compile all of it away. */
#ifndef VMMEM_SRC_VM_GUEST_ONCE_H
#define VMMEM_SRC_VM_GUEST_ONCE_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>

#ifdef VMMEM_GUEST_READ_HOOK
/* Defined by fuzz/fuzz_double_fetch.c (weak: NULL in the other fuzz
 * targets): called with the host range about to be read (after == 0) and
 * just read (after == 1). */
__attribute__((weak)) void vmmem_fuzz_guest_read_hook(const void *host, size_t len, int after);
static inline void guest_read_hook(const void *host, size_t len, int after)
{
    void (*hook)(const void *, size_t, int) = vmmem_fuzz_guest_read_hook;
    if (hook)
        hook(host, len, after);
}
#define GUEST_READ_HOOK(p, n, after) guest_read_hook((p), (n), (after))

/* What the reads that follow are (GUEST_READ_KIND()), and where a request
 * starts (GUEST_REQUEST_START(): a pop, or a notification call): within
 * one request the fuzz target refuses a second read of a byte already read
 * as the same kind of field, except a descriptor visited again whole (a
 * chain that loops, bounded by the walk). */
enum guest_read_kind {
    GUEST_READ_AVAIL_IDX = 1, /* the available index */
    GUEST_READ_AVAIL_RING,    /* an available ring entry */
    GUEST_READ_DESC,          /* a descriptor of the queue's table */
    GUEST_READ_INDIRECT,      /* a descriptor of an indirect table */
    GUEST_READ_HEADER,        /* a virtio-blk request header */
    GUEST_READ_NOTIFY         /* used index, flags, used_event (notification calls) */
};
__attribute__((weak)) void vmmem_fuzz_guest_read_mark(int kind); /* 0: a request starts */
/* A decision the device took on what it read (what: a GUEST_DECIDED_*). */
enum guest_decision {
    GUEST_DECIDED_TYPE = 1, GUEST_DECIDED_SECTOR, GUEST_DECIDED_OUT_BYTES, GUEST_DECIDED_IN_BYTES,
    GUEST_DECIDED_STATUS, GUEST_DECIDED_WRITTEN, GUEST_DECIDED_HEAD
};
__attribute__((weak)) void vmmem_fuzz_device_decision(int what, uint64_t value);
static inline void guest_read_mark(int kind)
{
    void (*mark)(int) = vmmem_fuzz_guest_read_mark;
    if (mark)
        mark(kind);
}
static inline void guest_decision(int what, uint64_t value)
{
    void (*decided)(int, uint64_t) = vmmem_fuzz_device_decision;
    if (decided)
        decided(what, value);
}
#define GUEST_READ_KIND(kind) guest_read_mark(kind)
#define GUEST_REQUEST_START() guest_read_mark(0)
#define GUEST_DECIDED(what, value) guest_decision((what), (value))
#else
#define GUEST_READ_HOOK(p, n, after) ((void)0)
#define GUEST_READ_KIND(kind) ((void)0)
#define GUEST_REQUEST_START() ((void)0)
#define GUEST_DECIDED(what, value) ((void)0)
#endif

/* A little-endian 16-bit field (2-byte aligned), read once; acquire
 * ordering for an index that publishes what the guest wrote before it. */
static inline uint16_t guest_once_le16(const void *p)
{
    GUEST_READ_HOOK(p, 2, 0);
    uint16_t v = __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
    GUEST_READ_HOOK(p, 2, 1);
    return le16toh(v);
}

static inline uint16_t guest_once_le16_acquire(const void *p)
{
    GUEST_READ_HOOK(p, 2, 0);
    uint16_t v = __atomic_load_n((const uint16_t *)p, __ATOMIC_ACQUIRE);
    GUEST_READ_HOOK(p, 2, 1);
    return le16toh(v);
}

/* Copies n guest bytes at src into dst, each read once: aligned 8-byte
 * relaxed loads where src allows, single bytes otherwise (an indirect
 * table or a header may lie at any address). */
static inline void guest_once_copy(void *dst, const void *src, size_t n)
{
    GUEST_READ_HOOK(src, n, 0);
    const unsigned char *s = src;
    unsigned char *d = dst;
    size_t i = 0;
    if (((uintptr_t)s & 7u) == 0) {
        for (; i + 8 <= n; i += 8) {
            uint64_t w = __atomic_load_n((const uint64_t *)(s + i), __ATOMIC_RELAXED);
            __builtin_memcpy(d + i, &w, 8); /* into the private copy */
        }
    }
    for (; i < n; i++)
        d[i] = __atomic_load_n(s + i, __ATOMIC_RELAXED);
    GUEST_READ_HOOK(src, n, 1);
}

/* Writes n bytes of src to guest memory at dst with single-byte relaxed
 * stores (a status byte, an ID string: a few bytes). */
static inline void guest_once_store(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        __atomic_store_n(d + i, s[i], __ATOMIC_RELAXED);
}

/* A 32-bit field of the used ring (4-byte aligned), stored once. */
static inline void guest_once_store_le32(void *p, uint32_t v)
{
    __atomic_store_n((uint32_t *)p, htole32(v), __ATOMIC_RELAXED);
}

#endif /* VMMEM_SRC_VM_GUEST_ONCE_H */
