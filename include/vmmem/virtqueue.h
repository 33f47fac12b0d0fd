/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/virtqueue.h - the device side of a virtio 1.x split virtqueue in
 * guest memory: pops descriptor chains as scatter-gather lists for
 * vmmem/dma.h and publishes used elements. Generic: any virtio device
 * model can build on it (vmmem/virtio_blk.h does).
 *
 * Part of libvmmem-vm.
 *
 * Layout (virtio 1.x, 2.7): descriptor table of 16-byte entries {le64 addr,
 * le32 len, le16 flags, le16 next}, 16-byte aligned; available ring {le16
 * flags, le16 idx, le16 ring[size]}, 2-byte aligned; used ring {le16 flags,
 * le16 idx, {le32 id, le32 len} ring[size]}, 4-byte aligned. The rings are
 * read and written through translated pointers, never MMIO (so a ring access
 * cannot call back into a device): the descriptor table, the available ring
 * and indirect tables in RAM or ROM (the device only reads them), the used
 * ring in RAM.
 *
 * Hostile queues: each guest-controlled field (descriptor, ring index and
 * entry) is read once, with an atomic load, into a private copy, every
 * walk is bounded, and a malformed queue (an index out of range, a loop or
 * a chain longer than the queue, a bad indirect table, a device-readable
 * descriptor after a device-writable one, a ring outside RAM or ROM) marks
 * the queue broken, with the rule that broke (vmmem_virtq_error_reason()):
 * every later call fails until the queue is reset (vmmem_virtq_reset(), or
 * destroyed and created again), as virtio's DEVICE_NEEDS_RESET.
 *
 * Threads: one thread at a time may pop and push on a queue. */
#ifndef VMMEM_VIRTQUEUE_H
#define VMMEM_VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/dma.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Largest queue size accepted: QEMU's and Linux vhost's limit; a chain
 *  (direct or one indirect table) then never has more descriptors than a
 *  DMA list may have segments (VMMEM_DMA_MAX_SEGMENTS). */
#define VMMEM_VIRTQ_MAX_SIZE 1024u

/** Descriptor flag: the chain continues at `next`. */
#define VMMEM_VIRTQ_DESC_F_NEXT 1u
/** Descriptor flag: the buffer is device-writable (else device-readable). */
#define VMMEM_VIRTQ_DESC_F_WRITE 2u
/** Descriptor flag: the buffer is a table of descriptors (indirect). */
#define VMMEM_VIRTQ_DESC_F_INDIRECT 4u

/** Bytes of one descriptor table entry. */
#define VMMEM_VIRTQ_DESC_SIZE 16u

/** Why a queue is broken: the rule of virtio 1.x (2.7) the driver broke,
 *  for the VMM's log (vmmem_virtq_reason_str()). The first fault is kept
 *  until the queue is reset. */
typedef enum vmmem_virtq_error {
    VMMEM_VIRTQ_ERR_NONE = 0,                 /**< not broken */
    VMMEM_VIRTQ_ERR_AVAIL_IDX_JUMP,           /**< the available index moved more than the queue size ahead */
    VMMEM_VIRTQ_ERR_HEAD_RANGE,               /**< an available ring entry (chain head) outside the table */
    VMMEM_VIRTQ_ERR_NEXT_RANGE,               /**< a `next` index outside the table (or the indirect table) */
    VMMEM_VIRTQ_ERR_CHAIN_LOOP,               /**< a chain visits more descriptors than its table holds: it loops
                                                   (a chain longer than its table must revisit a descriptor) */
    VMMEM_VIRTQ_ERR_INDIRECT_NOT_HEAD,        /**< an indirect descriptor after other descriptors of the chain */
    VMMEM_VIRTQ_ERR_INDIRECT_NESTED,          /**< an indirect descriptor inside an indirect table */
    VMMEM_VIRTQ_ERR_INDIRECT_NEXT,            /**< an indirect descriptor with the NEXT flag */
    VMMEM_VIRTQ_ERR_INDIRECT_SIZE,            /**< an indirect table of 0 bytes, not whole entries, or over
                                                   VMMEM_VIRTQ_MAX_SIZE entries */
    VMMEM_VIRTQ_ERR_INDIRECT_MEMORY,          /**< an indirect table not entirely in one RAM or ROM region, or wrapping */
    VMMEM_VIRTQ_ERR_READABLE_AFTER_WRITABLE,  /**< a device-readable descriptor after a device-writable one */
    VMMEM_VIRTQ_ERR_RING_MEMORY,              /**< a ring no longer in RAM or ROM (the used ring: RAM) */
    VMMEM_VIRTQ_ERR_NO_STATUS,                /**< (device) no device-writable byte for the request's status */
    VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE,        /**< (device) the status byte wraps past 2^64 or is not writable
                                                   guest memory */
    VMMEM_VIRTQ_ERR_DEVICE                    /**< marked broken by the device (vmmem_virtq_mark_broken()) */
} vmmem_virtq_error;

/** A split virtqueue (opaque). */
typedef struct vmmem_virtq vmmem_virtq;

/** Where the driver placed a queue. */
typedef struct vmmem_virtq_config {
    uint16_t size;        /**< entries: a power of two, 1..VMMEM_VIRTQ_MAX_SIZE */
    vmmem_gpa desc_addr;  /**< descriptor table (16-byte aligned) */
    vmmem_gpa avail_addr; /**< available ring (2-byte aligned) */
    vmmem_gpa used_addr;  /**< used ring (4-byte aligned) */
} vmmem_virtq_config;

/** One popped descriptor chain: seg[0..readable) are device-readable,
 *  seg[readable..readable + writable) device-writable, in chain order
 *  (an indirect table is expanded in place). Descriptors that continue each
 *  other in guest memory, in the same direction, come as one segment (a
 *  guest's physically contiguous pages are moved as one piece): read a
 *  chain as a byte stream, not descriptor by descriptor, as virtio 1.x
 *  asks of devices. */
typedef struct vmmem_virtq_chain {
    uint16_t head;     /**< index of the chain's first descriptor: the id to push */
    uint32_t readable; /**< device-readable segments */
    uint32_t writable; /**< device-writable segments */
    vmmem_dma_segment seg[VMMEM_VIRTQ_MAX_SIZE]; /**< the buffers */
} vmmem_virtq_chain;

/** Creates a queue in *out whose data moves through dma (the device's DMA
 *  context, which must outlive the queue).
 *  @param dma    the device's DMA context
 *  @param config where the driver placed the queue (copied)
 *  @param out    receives the queue
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL argument, size not a power of two
 *          in range, a ring misaligned); VMMEM_ERANGE (a ring wraps past
 *          2^64); VMMEM_EFAULT (a ring is not entirely in one RAM or ROM region;
 *          the used ring must be writable RAM); VMMEM_EPERM (the used ring
 *          is in ROM); VMMEM_ENOMEM. */
VMMEM_API int vmmem_virtq_create(vmmem_dma_device *dma, const vmmem_virtq_config *config, vmmem_virtq **out);

/** Frees a queue.
 *  @param vq the queue; NULL is ignored */
VMMEM_API void vmmem_virtq_destroy(vmmem_virtq *vq);

/** Pops the next available chain into *chain.
 *  @param vq    the queue
 *  @param chain receives the chain's head and segments
 *  @return 1 (a chain), 0 (the ring is empty), VMMEM_EBUSY (this thread is
 *          handling an MMIO access of the device: nothing read, the queue is
 *          unchanged), VMMEM_EINVAL (NULL argument, or the queue is or has
 *          just become broken: vmmem_virtq_error_reason() says why),
 *          VMMEM_EFAULT or VMMEM_EPERM (a ring or
 *          indirect table is not in RAM or ROM: the queue is now broken). */
VMMEM_API int vmmem_virtq_pop(vmmem_virtq *vq, vmmem_virtq_chain *chain);

/** Publishes a used element {head, written} (written: bytes the device
 *  wrote into the chain's writable buffers): the element first, then a
 *  release barrier and the used index as one aligned 16-bit store, so a
 *  driver that sees the index sees the element and the data.
 *  @param vq      the queue
 *  @param head    the head of a popped chain (vmmem_virtq_chain.head)
 *  @param written bytes the device wrote into the chain's writable buffers
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, head out of range, or the queue is
 *          broken); VMMEM_EBUSY as for vmmem_virtq_pop(); VMMEM_EFAULT or
 *          VMMEM_EPERM (the used ring is no longer RAM: the queue is now
 *          broken). */
VMMEM_API int vmmem_virtq_push(vmmem_virtq *vq, uint16_t head, uint32_t written);

/** Starts a batch of pops and pushes (one notification's work): enters a
 *  read-side section of the guest memory (vmmem_guest_enter()) and
 *  translates the three rings once, so that the calls up to
 *  vmmem_virtq_end() need no lookup. Keep a batch short: region removal
 *  waits for it.
 *  @param vq the queue
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, or the queue is broken);
 *          VMMEM_EBUSY (already in a batch, or this thread is handling an
 *          MMIO access of the device); VMMEM_EFAULT or VMMEM_EPERM (a ring is
 *          not in RAM: the queue is now broken). */
VMMEM_API int vmmem_virtq_begin(vmmem_virtq *vq);

/** Ends the batch started by a successful vmmem_virtq_begin().
 *  @param vq the queue; NULL, or a queue not in a batch, is ignored */
VMMEM_API void vmmem_virtq_end(vmmem_virtq *vq);

/** Marks the queue broken (a device found a request it cannot answer).
 *  @param vq the queue; NULL is ignored */
VMMEM_API void vmmem_virtq_mark_broken(vmmem_virtq *vq);

/** Marks the queue broken for a reason (a device model's own rule, e.g.
 *  VMMEM_VIRTQ_ERR_NO_STATUS); the first reason is kept.
 *  @param vq     the queue; NULL is ignored
 *  @param reason why (not VMMEM_VIRTQ_ERR_NONE, which is taken as
 *                VMMEM_VIRTQ_ERR_DEVICE) */
VMMEM_API void vmmem_virtq_mark_broken_for(vmmem_virtq *vq, vmmem_virtq_error reason);

/** Why the queue is broken: the rule the driver broke first, so that the
 *  VMM can log it (vmmem_virtq_reason_str()) and set DEVICE_NEEDS_RESET
 *  (0x40) in the device status, as virtio 1.x 2.1.2 asks of a device that
 *  cannot go on.
 *  @param vq the queue
 *  @return VMMEM_VIRTQ_ERR_NONE while the queue works; the reason once it is
 *          broken (VMMEM_VIRTQ_ERR_DEVICE for a NULL vq) */
VMMEM_API vmmem_virtq_error vmmem_virtq_error_reason(const vmmem_virtq *vq);

/** A static, one-line description of a reason ("unknown reason" for a value
 *  that is not one); never NULL.
 *  @param reason a value of vmmem_virtq_error, or any int
 *  @return the description, a string constant */
VMMEM_API const char *vmmem_virtq_reason_str(int reason);

/** Resets the queue, as a virtio device reset does: not broken, reason
 *  cleared, available and used positions back to 0, at the addresses it was
 *  created with (the driver initialises the rings again, indices 0); the
 *  notification state is forgotten (the next vmmem_virtq_need_notify()
 *  after a push answers 1) and event indices are off until
 *  vmmem_virtq_set_event_idx() switches them on again.
 *  @param vq the queue (not in a batch)
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL); VMMEM_EBUSY (in a batch) */
VMMEM_API int vmmem_virtq_reset(vmmem_virtq *vq);

/** Non-zero when the queue is broken.
 *  @param vq the queue
 *  @return non-zero when broken (or vq is NULL), 0 otherwise */
VMMEM_API int vmmem_virtq_is_broken(const vmmem_virtq *vq);

/** The queue's size.
 *  @param vq the queue
 *  @return vmmem_virtq_config.size of its creation, or 0 when vq is NULL */
VMMEM_API uint16_t vmmem_virtq_size(const vmmem_virtq *vq);

/** The DMA context the queue moves data through.
 *  @param vq the queue
 *  @return the context given to vmmem_virtq_create(), or NULL when vq is
 *          NULL */
VMMEM_API vmmem_dma_device *vmmem_virtq_dma(const vmmem_virtq *vq);


/* ---- resuming a queue, notification suppression (vhost-user backends) ---- */

/** Available-ring flag (virtio 1.x 2.7.7): the driver asks not to be
 *  notified of used elements (ignored once event indices are on). */
#define VMMEM_VIRTQ_AVAIL_F_NO_INTERRUPT 1u

/** Resumes a queue that a previous device instance served (a vhost-user
 *  back-end gets its place from VHOST_USER_SET_VRING_BASE): the next chain
 *  popped is the one in available-ring slot last_avail (modulo the size),
 *  and used elements continue from the used index the ring holds now (read
 *  once from guest memory). The next vmmem_virtq_need_notify() answers yes
 *  for any element published after this call, whatever the driver asked.
 *  @param vq         the queue
 *  @param last_avail the free-running index of the next available entry
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, or the queue is broken);
 *          VMMEM_EBUSY (in a batch, or this thread handles an MMIO access of
 *          the device); VMMEM_EFAULT or VMMEM_EPERM (the used ring is no
 *          longer RAM: the queue is now broken). */
VMMEM_API int vmmem_virtq_resume(vmmem_virtq *vq, uint16_t last_avail);

/** The free-running index of the next available entry the device will
 *  read (what VHOST_USER_GET_VRING_BASE reports): every chain before it
 *  was popped.
 *  @param vq the queue
 *  @return the index, or 0 when vq is NULL */
VMMEM_API uint16_t vmmem_virtq_last_avail(const vmmem_virtq *vq);

/** Switches VIRTIO_RING_F_EVENT_IDX (virtio 1.x 2.7.10) on or off for the
 *  queue, as the driver negotiated it: with it on, the device reads the
 *  driver's used_event (after the available ring's entries) to decide
 *  whether to notify, and writes avail_event (after the used ring's
 *  entries) in vmmem_virtq_arm_notify(). Switching on checks that both
 *  fields lie in RAM (avail_event in writable RAM).
 *  @param vq     the queue
 *  @param enable non-zero to switch on
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, or broken); VMMEM_EBUSY as for
 *          vmmem_virtq_resume(); VMMEM_ERANGE (a field wraps past 2^64);
 *          VMMEM_EFAULT or VMMEM_EPERM (a field is not in RAM; the setting
 *          is unchanged and the queue is not broken). */
VMMEM_API int vmmem_virtq_set_event_idx(vmmem_virtq *vq, int enable);

/** Ends a round of pops: with event indices, publishes avail_event = the
 *  next entry the device will read (the driver notifies again once it
 *  adds that entry); then, after a full barrier, reads the available index
 *  again. A driver that added a chain before it saw avail_event may not
 *  notify, so a return of 1 means: pop again before waiting.
 *  @param vq the queue
 *  @return 0 (the ring is empty: wait for a notification), 1 (chains are
 *          available), VMMEM_EINVAL (NULL, or broken), VMMEM_EBUSY as for
 *          vmmem_virtq_resume(), VMMEM_EFAULT or VMMEM_EPERM (a ring is no
 *          longer RAM: the queue is now broken). */
VMMEM_API int vmmem_virtq_arm_notify(vmmem_virtq *vq);

/** Whether the driver wants a notification (an interrupt, a vhost-user call
 *  eventfd) for the used elements published since the previous call: with
 *  event indices, when the used index passed the driver's used_event since
 *  then; without, unless the driver set VMMEM_VIRTQ_AVAIL_F_NO_INTERRUPT.
 *  Never when nothing was published since the previous call. A full
 *  barrier orders the used index before the driver's field is read.
 *  @param vq the queue
 *  @return 1 (notify), 0 (do not), VMMEM_EINVAL (NULL, or broken),
 *          VMMEM_EBUSY as for vmmem_virtq_resume(), VMMEM_EFAULT or
 *          VMMEM_EPERM (the available ring is no longer RAM: the queue is
 *          now broken). */
VMMEM_API int vmmem_virtq_need_notify(vmmem_virtq *vq);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_VIRTQUEUE_H */
