/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/virtqueue.c - the device side of a split virtqueue: bounded,
 * validated chain walking and used-ring publication. */
#include <vmmem/virtqueue.h>

#include <endian.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "dma_internal.h"
#include "guest_internal.h"
#include "guest_once.h"

/* Ring layout (virtio 1.x 2.7.6 and 2.7.8): a 4-byte header {flags, idx}
 * then the entries. The optional event-index fields are not used. */
#define RING_HEADER 4u
#define RING_IDX_OFFSET 2u
#define AVAIL_ENTRY 2u
#define USED_ENTRY 8u

/* Alignment the spec requires of each part. */
#define DESC_ALIGN 16u
#define AVAIL_ALIGN 2u
#define USED_ALIGN 4u

struct vmmem_virtq {
    vmmem_dma_device *dma;
    vmmem_guest_memory *gm;
    vmmem_virtq_config cfg;
    uint16_t last_avail; /* next available ring slot the device reads */
    uint16_t used_idx;   /* the used index last published */
    int broken;
    vmmem_virtq_error reason; /* the first rule broken (VMMEM_VIRTQ_ERR_NONE while working) */
    /* The rings' host addresses, translated under map generation
     * rings_generation (0: not translated; no map has generation 0): a
     * batch (vmmem_virtq_begin() to vmmem_virtq_end()) that sees the same
     * generation uses them without translating again. */
    int in_batch;
    uint64_t rings_generation;
    unsigned char *desc_host, *avail_host, *used_host;
    /* Notification suppression (vmmem_virtq_set_event_idx() and the
     * functions after it): event indices on, the used index at the last
     * vmmem_virtq_need_notify(), and whether that value is known. */
    int event_idx;
    uint16_t signalled_used;
    int signalled_valid;
};

/* A descriptor as read, once, from guest memory (guest_once.h). */
typedef struct desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} desc;

static uint64_t desc_table_bytes(uint16_t size) { return (uint64_t)size * VMMEM_VIRTQ_DESC_SIZE; }
static uint64_t avail_bytes(uint16_t size) { return RING_HEADER + (uint64_t)size * AVAIL_ENTRY; }
static uint64_t used_bytes(uint16_t size) { return RING_HEADER + (uint64_t)size * USED_ENTRY; }

static int wraps(vmmem_gpa gpa, uint64_t len)
{
    return gpa + (len - 1) < gpa;
}

/* Translates a ring inside the caller's vmmem_guest_enter() section. */
static int map_ring(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len, unsigned access, unsigned char **host)
{
    void *p;
    int rc = vmmem_guest_translate(gm, gpa, len, access, &p);
    *host = p;
    return rc;
}

int vmmem_virtq_create(vmmem_dma_device *dma, const vmmem_virtq_config *config, vmmem_virtq **out)
{
    if (!dma || !config || !out)
        return VMMEM_EINVAL;
    uint16_t size = config->size;
    if (size == 0 || size > VMMEM_VIRTQ_MAX_SIZE || (size & (size - 1)) != 0)
        return VMMEM_EINVAL;
    if (config->desc_addr % DESC_ALIGN || config->avail_addr % AVAIL_ALIGN || config->used_addr % USED_ALIGN)
        return VMMEM_EINVAL;
    if (wraps(config->desc_addr, desc_table_bytes(size)) || wraps(config->avail_addr, avail_bytes(size)) ||
        wraps(config->used_addr, used_bytes(size)))
        return VMMEM_ERANGE;
    vmmem_guest_memory *gm = vmmem_dma_device_memory(dma);
    unsigned char *host;
    vmmem_guest_enter(gm);
    int rc = map_ring(gm, config->desc_addr, desc_table_bytes(size), VMMEM_ACCESS_READ, &host);
    if (rc == VMMEM_OK)
        rc = map_ring(gm, config->avail_addr, avail_bytes(size), VMMEM_ACCESS_READ, &host);
    if (rc == VMMEM_OK)
        rc = map_ring(gm, config->used_addr, used_bytes(size), VMMEM_ACCESS_WRITE, &host);
    vmmem_guest_exit(gm);
    if (rc != VMMEM_OK)
        return rc;
    vmmem_virtq *vq = calloc(1, sizeof *vq);
    if (!vq)
        return VMMEM_ENOMEM;
    vq->dma = dma;
    vq->gm = gm;
    vq->cfg = *config;
    *out = vq;
    return VMMEM_OK;
}

void vmmem_virtq_destroy(vmmem_virtq *vq)
{
    free(vq);
}

/* Marks the queue broken for `reason`, keeping an earlier one. */
static void break_for(vmmem_virtq *vq, vmmem_virtq_error reason)
{
    vq->broken = 1;
    if (vq->reason == VMMEM_VIRTQ_ERR_NONE)
        vq->reason = reason;
}

void vmmem_virtq_mark_broken(vmmem_virtq *vq)
{
    if (vq)
        break_for(vq, VMMEM_VIRTQ_ERR_DEVICE);
}

void vmmem_virtq_mark_broken_for(vmmem_virtq *vq, vmmem_virtq_error reason)
{
    if (vq)
        break_for(vq, reason == VMMEM_VIRTQ_ERR_NONE ? VMMEM_VIRTQ_ERR_DEVICE : reason);
}

vmmem_virtq_error vmmem_virtq_error_reason(const vmmem_virtq *vq)
{
    return vq ? vq->reason : VMMEM_VIRTQ_ERR_DEVICE;
}

const char *vmmem_virtq_reason_str(int reason)
{
    switch (reason) {
    case VMMEM_VIRTQ_ERR_NONE: return "queue not broken";
    case VMMEM_VIRTQ_ERR_AVAIL_IDX_JUMP: return "available index moved more than the queue size ahead";
    case VMMEM_VIRTQ_ERR_HEAD_RANGE: return "chain head index outside the descriptor table";
    case VMMEM_VIRTQ_ERR_NEXT_RANGE: return "next index outside the descriptor table";
    case VMMEM_VIRTQ_ERR_CHAIN_LOOP: return "descriptor chain loops (longer than its table)";
    case VMMEM_VIRTQ_ERR_INDIRECT_NOT_HEAD: return "indirect descriptor is not the head of its chain";
    case VMMEM_VIRTQ_ERR_INDIRECT_NESTED: return "indirect descriptor inside an indirect table";
    case VMMEM_VIRTQ_ERR_INDIRECT_NEXT: return "indirect descriptor has the NEXT flag";
    case VMMEM_VIRTQ_ERR_INDIRECT_SIZE: return "indirect table length is 0, not whole entries, or too large";
    case VMMEM_VIRTQ_ERR_INDIRECT_MEMORY: return "indirect table is not in guest RAM or ROM";
    case VMMEM_VIRTQ_ERR_READABLE_AFTER_WRITABLE: return "device-readable descriptor after a device-writable one";
    case VMMEM_VIRTQ_ERR_RING_MEMORY: return "ring is not in guest RAM (or ROM, for a ring the device only reads)";
    case VMMEM_VIRTQ_ERR_NO_STATUS: return "request has no device-writable byte for its status";
    case VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE: return "request status byte is not writable guest memory";
    case VMMEM_VIRTQ_ERR_DEVICE: return "device found a request it cannot answer";
    default: return "unknown reason";
    }
}

int vmmem_virtq_reset(vmmem_virtq *vq)
{
    if (!vq)
        return VMMEM_EINVAL;
    if (vq->in_batch)
        return VMMEM_EBUSY;
    vq->last_avail = 0;
    vq->used_idx = 0;
    /* The notification state too: a used index compared with the one
     * signalled before the reset would suppress the first interrupt after
     * it, and event indices are negotiated again (vmmem_virtq_set_event_idx()). */
    vq->signalled_used = 0;
    vq->signalled_valid = 0;
    vq->event_idx = 0;
    vq->broken = 0;
    vq->reason = VMMEM_VIRTQ_ERR_NONE;
    vq->rings_generation = 0; /* translated again by the next batch */
    return VMMEM_OK;
}

int vmmem_virtq_is_broken(const vmmem_virtq *vq)
{
    return vq ? vq->broken : 1;
}

uint16_t vmmem_virtq_size(const vmmem_virtq *vq)
{
    return vq ? vq->cfg.size : 0;
}

vmmem_dma_device *vmmem_virtq_dma(const vmmem_virtq *vq)
{
    return vq ? vq->dma : NULL;
}

/* Marks the queue broken and returns rc (a negative code); the reason is
 * the one recorded where the fault was found (reject()), else a ring that
 * could not be translated. */
static int fail(vmmem_virtq *vq, int rc)
{
    break_for(vq, VMMEM_VIRTQ_ERR_RING_MEMORY);
    return rc;
}

/* Records why the queue is about to break and returns VMMEM_EINVAL, or rc
 * when given a code of its own (a translation's). */
static int reject_rc(vmmem_virtq *vq, vmmem_virtq_error reason, int rc)
{
    break_for(vq, reason);
    return rc;
}

static int reject(vmmem_virtq *vq, vmmem_virtq_error reason)
{
    return reject_rc(vq, reason, VMMEM_EINVAL);
}

static desc read_desc(const unsigned char *table, uint16_t index)
{
    struct {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    } raw;
    guest_once_copy(&raw, table + (size_t)index * VMMEM_VIRTQ_DESC_SIZE, sizeof raw);
    return (desc){ le64toh(raw.addr), le32toh(raw.len), le16toh(raw.flags), le16toh(raw.next) };
}

/* Walks the chain that starts at head in the descriptor table (size
 * entries) into *chain; a descriptor that continues the previous segment in
 * guest memory, in the same direction, extends it. Invariants: at most
 * `limit` descriptors are visited per table (the table's size), so a loop
 * ends as "too long"; at most one indirect table, only as the head; every
 * index is checked before use. */
static int walk_chain(vmmem_virtq *vq, const unsigned char *table, uint16_t head, vmmem_virtq_chain *chain)
{
    uint32_t limit = vq->cfg.size;
    uint32_t count = 0;
    int indirect = 0;
    GUEST_READ_KIND(GUEST_READ_DESC);
    desc d = read_desc(table, head);
    chain->head = head;
    chain->readable = 0;
    chain->writable = 0;
    for (;;) {
        if (d.flags & VMMEM_VIRTQ_DESC_F_INDIRECT) {
            if (indirect)
                return reject(vq, VMMEM_VIRTQ_ERR_INDIRECT_NESTED);
            if (count > 0)
                return reject(vq, VMMEM_VIRTQ_ERR_INDIRECT_NOT_HEAD);
            if (d.flags & VMMEM_VIRTQ_DESC_F_NEXT)
                return reject(vq, VMMEM_VIRTQ_ERR_INDIRECT_NEXT);
            if (d.len == 0 || d.len % VMMEM_VIRTQ_DESC_SIZE ||
                d.len / VMMEM_VIRTQ_DESC_SIZE > VMMEM_VIRTQ_MAX_SIZE)
                return reject(vq, VMMEM_VIRTQ_ERR_INDIRECT_SIZE);
            unsigned char *itable;
            int rc = map_ring(vq->gm, d.addr, d.len, VMMEM_ACCESS_READ, &itable);
            if (rc != VMMEM_OK)
                return reject_rc(vq, VMMEM_VIRTQ_ERR_INDIRECT_MEMORY, rc);
            table = itable;
            limit = d.len / VMMEM_VIRTQ_DESC_SIZE;
            indirect = 1;
            GUEST_READ_KIND(GUEST_READ_INDIRECT);
            d = read_desc(table, 0);
            continue;
        }
        if (++count > limit)
            return reject(vq, VMMEM_VIRTQ_ERR_CHAIN_LOOP); /* longer than the table: a loop */
        uint32_t n = chain->readable + chain->writable;
        int writable = (d.flags & VMMEM_VIRTQ_DESC_F_WRITE) != 0;
        if (!writable && chain->writable)
            return reject(vq, VMMEM_VIRTQ_ERR_READABLE_AFTER_WRITABLE); /* 2.7.4.2 */
        /* The previous segment has this direction when this one would not
         * start the writable part. */
        vmmem_dma_segment *prev = n && (writable == (chain->writable != 0)) ? &chain->seg[n - 1] : NULL;
        if (prev && prev->len <= UINT64_MAX - prev->addr && prev->addr + prev->len == d.addr) {
            prev->len += d.len; /* at most VMMEM_VIRTQ_MAX_SIZE 32-bit lengths: no overflow */
        } else {
            chain->seg[n] = (vmmem_dma_segment){ d.addr, d.len };
            if (writable)
                chain->writable++;
            else
                chain->readable++;
        }
        if (!(d.flags & VMMEM_VIRTQ_DESC_F_NEXT))
            return VMMEM_OK;
        if (d.next >= limit)
            return reject(vq, VMMEM_VIRTQ_ERR_NEXT_RANGE);
        d = read_desc(table, d.next);
    }
}

/* The rings' host addresses asked for (non-NULL arguments): the batch's,
 * or translated now (the caller is inside a read-side section). */
static int map_rings(vmmem_virtq *vq, unsigned char **desc, unsigned char **avail, unsigned char **used)
{
    if (vq->in_batch) {
        if (desc)
            *desc = vq->desc_host;
        if (avail)
            *avail = vq->avail_host;
        if (used)
            *used = vq->used_host;
        return VMMEM_OK;
    }
    uint16_t size = vq->cfg.size;
    int rc = VMMEM_OK;
    if (desc)
        rc = map_ring(vq->gm, vq->cfg.desc_addr, desc_table_bytes(size), VMMEM_ACCESS_READ, desc);
    if (rc == VMMEM_OK && avail)
        rc = map_ring(vq->gm, vq->cfg.avail_addr, avail_bytes(size), VMMEM_ACCESS_READ, avail);
    if (rc == VMMEM_OK && used)
        rc = map_ring(vq->gm, vq->cfg.used_addr, used_bytes(size), VMMEM_ACCESS_WRITE, used);
    return rc;
}

int vmmem_virtq_begin(vmmem_virtq *vq)
{
    if (!vq || vq->broken)
        return VMMEM_EINVAL;
    if (vq->in_batch || dma_thread_in_mmio(vq->dma))
        return VMMEM_EBUSY;
    vmmem_guest_enter(vq->gm);
    uint64_t generation = guest_map_generation(vq->gm);
    if (vq->rings_generation != generation) {
        vq->rings_generation = 0;
        int rc = map_rings(vq, &vq->desc_host, &vq->avail_host, &vq->used_host);
        if (rc != VMMEM_OK) {
            vmmem_guest_exit(vq->gm);
            return fail(vq, rc);
        }
        vq->rings_generation = generation;
    }
    vq->in_batch = 1;
    return VMMEM_OK;
}

void vmmem_virtq_end(vmmem_virtq *vq)
{
    if (vq && vq->in_batch) {
        vq->in_batch = 0;
        vmmem_guest_exit(vq->gm);
    }
}

int vmmem_virtq_pop(vmmem_virtq *vq, vmmem_virtq_chain *chain)
{
    if (!vq || !chain || vq->broken)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(vq->dma))
        return VMMEM_EBUSY;
    GUEST_REQUEST_START();
    uint16_t size = vq->cfg.size;
    int own_section = !vq->in_batch; /* a batch is inside its own section already */
    if (own_section)
        vmmem_guest_enter(vq->gm);
    unsigned char *avail, *table;
    int rc = map_rings(vq, &table, &avail, NULL);
    if (rc != VMMEM_OK)
        goto out;
    /* Acquire: the ring entry and descriptors the driver wrote before it
     * published this index are visible after the load. Each ring field is
     * read once (guest_once.h). */
    GUEST_READ_KIND(GUEST_READ_AVAIL_IDX);
    uint16_t avail_idx = guest_once_le16_acquire(avail + RING_IDX_OFFSET);
    uint16_t pending = (uint16_t)(avail_idx - vq->last_avail);
    if (pending == 0) {
        rc = 0;
        goto out;
    }
    if (pending > size) {
        rc = reject(vq, VMMEM_VIRTQ_ERR_AVAIL_IDX_JUMP); /* the driver cannot have more than size chains out */
        goto out;
    }
    uint16_t slot = vq->last_avail & (uint16_t)(size - 1);
    GUEST_READ_KIND(GUEST_READ_AVAIL_RING);
    uint16_t head = guest_once_le16(avail + RING_HEADER + (size_t)slot * AVAIL_ENTRY);
    if (head >= size) {
        rc = reject(vq, VMMEM_VIRTQ_ERR_HEAD_RANGE);
        goto out;
    }
    rc = walk_chain(vq, table, head, chain);
    if (rc == VMMEM_OK) {
        vq->last_avail++;
        rc = 1;
    }
out:
    if (own_section)
        vmmem_guest_exit(vq->gm);
    return rc < 0 ? fail(vq, rc) : rc;
}

int vmmem_virtq_push(vmmem_virtq *vq, uint16_t head, uint32_t written)
{
    if (!vq || vq->broken || head >= vq->cfg.size)
        return VMMEM_EINVAL;
    if (dma_thread_in_mmio(vq->dma))
        return VMMEM_EBUSY;
    uint16_t size = vq->cfg.size;
    int own_section = !vq->in_batch;
    if (own_section)
        vmmem_guest_enter(vq->gm);
    unsigned char *used;
    int rc = map_rings(vq, NULL, NULL, &used);
    if (rc == VMMEM_OK) {
        uint16_t slot = vq->used_idx & (uint16_t)(size - 1);
        uint64_t elem_offset = RING_HEADER + (uint64_t)slot * USED_ENTRY;
        guest_once_store_le32(used + elem_offset, head); /* single stores (guest_once.h) */
        guest_once_store_le32(used + elem_offset + 4, written);
        vq->used_idx++;
        /* Release: the element and the data written before it are visible
         * to a driver that sees the new index; one aligned 16-bit store
         * (the ring is 4-byte aligned), so the index is never seen torn. */
        __atomic_store_n((uint16_t *)(used + RING_IDX_OFFSET), htole16(vq->used_idx), __ATOMIC_RELEASE);
        /* One call for the index and the element (and the entries between
         * them, which is harmless: dirty marking may over-report). */
        guest_note_dirty_range(vq->gm, vq->cfg.used_addr + RING_IDX_OFFSET,
                               elem_offset + USED_ENTRY - RING_IDX_OFFSET);
    }
    if (own_section)
        vmmem_guest_exit(vq->gm);
    return rc < 0 ? fail(vq, rc) : rc;
}

/* ---- resuming a queue, notification suppression ------------------------- */

/* The event-index fields (virtio 1.x 2.7.10): used_event after the
 * available ring's entries, avail_event after the used ring's. */
#define EVENT_FIELD 2u

static int check_callable(const vmmem_virtq *vq)
{
    if (!vq || vq->broken)
        return VMMEM_EINVAL;
    if (vq->in_batch || dma_thread_in_mmio(vq->dma))
        return VMMEM_EBUSY;
    return VMMEM_OK;
}

/* An event field: `offset` bytes after the start of the ring at `ring`. */
typedef struct event_field {
    vmmem_gpa ring;
    uint64_t offset;
} event_field;

/* Translates the 16-bit event field (inside the caller's section). The
 * field's address is checked from its ring's, not computed first: after a
 * ring that ends exactly at 2^64 it would wrap to guest address 0. */
static int map_field(vmmem_virtq *vq, event_field f, unsigned access, uint16_t **field)
{
    void *p;
    if (wraps(f.ring, f.offset + EVENT_FIELD))
        return VMMEM_ERANGE;
    int rc = vmmem_guest_translate(vq->gm, f.ring + f.offset, EVENT_FIELD, access, &p);
    *field = p;
    return rc;
}

static event_field used_event_field(const vmmem_virtq *vq)
{
    return (event_field){ vq->cfg.avail_addr, avail_bytes(vq->cfg.size) };
}

static event_field avail_event_field(const vmmem_virtq *vq)
{
    return (event_field){ vq->cfg.used_addr, used_bytes(vq->cfg.size) };
}

int vmmem_virtq_resume(vmmem_virtq *vq, uint16_t last_avail)
{
    int rc = check_callable(vq);
    if (rc != VMMEM_OK)
        return rc;
    vmmem_guest_enter(vq->gm);
    unsigned char *used;
    rc = map_rings(vq, NULL, NULL, &used);
    if (rc == VMMEM_OK) {
        GUEST_REQUEST_START();
        GUEST_READ_KIND(GUEST_READ_NOTIFY);
        vq->used_idx = guest_once_le16_acquire(used + RING_IDX_OFFSET); /* read once (guest_once.h) */
        vq->last_avail = last_avail;
        vq->signalled_used = vq->used_idx;
        vq->signalled_valid = 0;
    }
    vmmem_guest_exit(vq->gm);
    return rc < 0 ? fail(vq, rc) : rc;
}

uint16_t vmmem_virtq_last_avail(const vmmem_virtq *vq)
{
    return vq ? vq->last_avail : 0;
}

int vmmem_virtq_set_event_idx(vmmem_virtq *vq, int enable)
{
    int rc = check_callable(vq);
    if (rc != VMMEM_OK)
        return rc;
    if (enable) {
        uint16_t *field;
        vmmem_guest_enter(vq->gm);
        rc = map_field(vq, used_event_field(vq), VMMEM_ACCESS_READ, &field);
        if (rc == VMMEM_OK)
            rc = map_field(vq, avail_event_field(vq), VMMEM_ACCESS_WRITE, &field);
        vmmem_guest_exit(vq->gm);
        if (rc != VMMEM_OK)
            return rc;
    }
    vq->event_idx = enable != 0;
    return VMMEM_OK;
}

int vmmem_virtq_arm_notify(vmmem_virtq *vq)
{
    int rc = check_callable(vq);
    if (rc != VMMEM_OK)
        return rc;
    vmmem_guest_enter(vq->gm);
    unsigned char *avail;
    rc = map_rings(vq, NULL, &avail, NULL);
    if (rc == VMMEM_OK && vq->event_idx) {
        uint16_t *avail_event;
        rc = map_field(vq, avail_event_field(vq), VMMEM_ACCESS_WRITE, &avail_event);
        if (rc == VMMEM_OK) {
            __atomic_store_n(avail_event, htole16(vq->last_avail), __ATOMIC_RELAXED);
            guest_note_dirty_range(vq->gm, vq->cfg.used_addr + used_bytes(vq->cfg.size), EVENT_FIELD);
        }
    }
    if (rc == VMMEM_OK) {
        /* The driver writes its index, then reads avail_event; the device
         * writes avail_event, then reads the index: with a full barrier on
         * both sides, one of them sees the other's write. */
        atomic_thread_fence(memory_order_seq_cst);
        GUEST_REQUEST_START();
        GUEST_READ_KIND(GUEST_READ_NOTIFY);
        uint16_t avail_idx = guest_once_le16_acquire(avail + RING_IDX_OFFSET);
        rc = avail_idx != vq->last_avail;
    }
    vmmem_guest_exit(vq->gm);
    return rc < 0 ? fail(vq, rc) : rc;
}

int vmmem_virtq_need_notify(vmmem_virtq *vq)
{
    int rc = check_callable(vq);
    if (rc != VMMEM_OK)
        return rc;
    uint16_t now = vq->used_idx, before = vq->signalled_used;
    if (now == before)
        return 0; /* nothing published since the last answer (or the resume) */
    /* The used index was published before the driver's field is read (the
     * driver writes the field, then reads the used index). */
    atomic_thread_fence(memory_order_seq_cst);
    vmmem_guest_enter(vq->gm);
    GUEST_REQUEST_START();
    GUEST_READ_KIND(GUEST_READ_NOTIFY);
    uint16_t *field;
    if (vq->event_idx) {
        rc = map_field(vq, used_event_field(vq), VMMEM_ACCESS_READ, &field);
        if (rc == VMMEM_OK) {
            uint16_t used_event = guest_once_le16(field);
            /* The index crossed used_event in (before, now] (2.7.10). */
            rc = !vq->signalled_valid || (uint16_t)(now - used_event - 1) < (uint16_t)(now - before);
        }
    } else {
        unsigned char *avail;
        rc = map_rings(vq, NULL, &avail, NULL);
        if (rc == VMMEM_OK) {
            uint16_t flags = guest_once_le16(avail);
            rc = !vq->signalled_valid || !(flags & VMMEM_VIRTQ_AVAIL_F_NO_INTERRUPT);
        }
    }
    vmmem_guest_exit(vq->gm);
    if (rc < 0)
        return fail(vq, rc);
    vq->signalled_used = now;
    vq->signalled_valid = 1;
    return rc;
}
