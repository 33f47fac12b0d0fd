/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/virtio_blk.h - an emulated virtio block device (virtio 1.x, 5.2)
 * on one split virtqueue, backed by a disk image file, moving data by DMA
 * (vmmem/dma.h) straight between the file and guest RAM.
 *
 * Part of libvmmem-vm.
 *
 * Requests: a 16-byte header {le32 type, le32 reserved, le64 sector} in the
 * device-readable bytes, then data (OUT: readable; IN and GET_ID: writable),
 * then a 1-byte status as the last device-writable byte. The descriptor
 * layout is free (VIRTIO_F_ANY_LAYOUT, mandatory in 1.x): the header and
 * the status are found by byte position, not by descriptor.
 *
 * Answers: a request the device can parse but not serve (header shorter
 * than 16 bytes or device-writable, data length not a multiple of 512 or
 * zero, sectors past the end of the image, a data buffer outside RAM, in
 * ROM or in the device's own window, a file error) gets VMMEM_VIRTIO_BLK_S_IOERR,
 * an unknown type VMMEM_VIRTIO_BLK_S_UNSUPP; in both cases no data moved
 * unless a file error struck part-way. A request with no place for the
 * status byte (no device-writable byte, or the status byte is not writable
 * RAM/MMIO) and a malformed queue (see vmmem/virtqueue.h) mark the queue
 * broken, with a reason (vmmem_virtq_error_reason()): it stays broken until
 * the device is reset (vmmem_virtio_blk_reset(), or destroyed and created
 * again).
 *
 * Threads: one thread at a time processes the queue (a second concurrent
 * vmmem_virtio_blk_process() returns VMMEM_EBUSY). */
#ifndef VMMEM_VIRTIO_BLK_H
#define VMMEM_VIRTIO_BLK_H

#include <stdint.h>
#include <vmmem/dma.h>
#include <vmmem/export.h>
#include <vmmem/virtqueue.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a virtio-blk sector (the unit of `sector`, whatever the image). */
#define VMMEM_VIRTIO_BLK_SECTOR_SIZE 512u
/** Bytes of the request header {type, reserved, sector}. */
#define VMMEM_VIRTIO_BLK_HEADER_SIZE 16u
/** Bytes of the device ID string GET_ID returns (not NUL-terminated when full). */
#define VMMEM_VIRTIO_BLK_ID_BYTES 20u

/** Request types. */
enum vmmem_virtio_blk_type {
    VMMEM_VIRTIO_BLK_T_IN = 0,    /**< read sectors into the writable data buffers */
    VMMEM_VIRTIO_BLK_T_OUT = 1,   /**< write the readable data buffers to sectors */
    VMMEM_VIRTIO_BLK_T_FLUSH = 4, /**< make earlier writes durable (fdatasync) */
    VMMEM_VIRTIO_BLK_T_GET_ID = 8 /**< the device ID string */
};

/** Request statuses. */
enum vmmem_virtio_blk_status {
    VMMEM_VIRTIO_BLK_S_OK = 0,     /**< done */
    VMMEM_VIRTIO_BLK_S_IOERR = 1,  /**< bad request or I/O error */
    VMMEM_VIRTIO_BLK_S_UNSUPP = 2  /**< unknown request type */
};

/** A virtio block device (opaque). */
typedef struct vmmem_virtio_blk vmmem_virtio_blk;

/** How a block device is set up. */
typedef struct vmmem_virtio_blk_config {
    vmmem_dma_device *dma;    /**< the device's DMA context (must outlive the device) */
    int fd;                   /**< the disk image, open for reading (and writing, for OUT); not closed by the device */
    const char *id;           /**< device ID for GET_ID (at most 20 bytes used), or NULL for none */
    vmmem_virtq_config queue; /**< where the driver placed request queue 0 */
} vmmem_virtio_blk_config;

/** Creates a device in *out. The capacity is the image's size (at creation)
 *  in whole 512-byte sectors.
 *  @param config the DMA context, image, ID and queue placement (copied;
 *                the ID string too)
 *  @param out    receives the device
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL argument, fd < 0); VMMEM_EIO (the
 *          image's size cannot be found; errno); a code of
 *          vmmem_virtq_create(); VMMEM_ENOMEM. */
VMMEM_API int vmmem_virtio_blk_create(const vmmem_virtio_blk_config *config, vmmem_virtio_blk **out);

/** Frees a device (and its queue; the image file stays open).
 *  @param blk the device; NULL is ignored */
VMMEM_API void vmmem_virtio_blk_destroy(vmmem_virtio_blk *blk);

/** The capacity in 512-byte sectors (the config space's `capacity`).
 *  @param blk the device
 *  @return the capacity, or 0 when blk is NULL */
VMMEM_API uint64_t vmmem_virtio_blk_capacity(const vmmem_virtio_blk *blk);

/** The device's request queue (to check whether it is broken).
 *  @param blk the device
 *  @return the queue, owned by the device, or NULL when blk is NULL */
VMMEM_API vmmem_virtq *vmmem_virtio_blk_queue(const vmmem_virtio_blk *blk);

/** Resets the device's queue (the driver reset the device: virtio 1.x
 *  2.1.2, DEVICE_NEEDS_RESET cleared): vmmem_virtq_reset() on its queue.
 *  @param blk the device
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL); VMMEM_EBUSY (a
 *          vmmem_virtio_blk_process() is running) */
VMMEM_API int vmmem_virtio_blk_reset(vmmem_virtio_blk *blk);

/** Serves available requests (what a queue notification triggers), at most
 *  the queue's size per call so that one call's work is bounded: call again
 *  when *completed equals vmmem_virtq_size(). Each request's data moves,
 *  then its status byte is written, then its used element is published.
 *  Each request is served in a read-side section of its own, so a region
 *  change or vmmem_guest_dirty_enable() on another thread waits for at
 *  most the request being served.
 *  Must not be called from the device's MMIO callbacks (the re-entrancy
 *  guard refuses it: VMMEM_EBUSY); record the notification and call it
 *  after the access returns.
 *  @param blk       the device
 *  @param completed receives the number of requests answered; may be NULL
 *  @return VMMEM_OK; VMMEM_EBUSY (another thread is processing, or this
 *          thread is in the device's MMIO handler); VMMEM_EINVAL (blk NULL,
 *          or the queue is broken: requests before the fault were
 *          answered; vmmem_virtq_error_reason() on vmmem_virtio_blk_queue()
 *          names the rule broken; the VMM sets DEVICE_NEEDS_RESET in the
 *          device status until the driver resets the device, then calls
 *          vmmem_virtio_blk_reset()). */
VMMEM_API int vmmem_virtio_blk_process(vmmem_virtio_blk *blk, unsigned *completed);


/** Makes the device read-only (VIRTIO_BLK_F_RO) or writable again: while
 *  read-only, every OUT request gets VMMEM_VIRTIO_BLK_S_IOERR and nothing
 *  is written to the image.
 *  @param blk       the device
 *  @param read_only non-zero for read-only
 *  @return VMMEM_OK; VMMEM_EINVAL (blk NULL) */
VMMEM_API int vmmem_virtio_blk_set_read_only(vmmem_virtio_blk *blk, int read_only);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_VIRTIO_BLK_H */
