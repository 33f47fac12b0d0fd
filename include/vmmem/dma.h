/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/dma.h - device DMA on guest memory: scatter-gather lists of guest
 * (address, length) segments, copies between them and host buffers, guest
 * to guest, and file I/O straight into and out of guest RAM (preadv /
 * pwritev, no bounce copy), with a re-entrancy guard per device.
 *
 * Part of libvmmem-vm (see vmmem/guest_memory.h).
 *
 * Rules every transfer follows:
 *  - the whole list is validated before a byte moves (vmmem_dma_check()):
 *    an invalid list returns its code and nothing in the guest or in the
 *    host buffer is read or written;
 *  - RAM segments are copied through translated host pointers on the fast
 *    copy engine (file I/O: the kernel copies straight into guest RAM) and
 *    the pages written are marked dirty; MMIO segments (of other devices)
 *    go through the region's callbacks, file I/O through a bounded bounce
 *    buffer of VMMEM_DMA_BOUNCE_SIZE bytes;
 *  - a list may span several adjacent regions; it is split at their edges.
 *
 * Errors: a code of vmmem_dma_check() (or another refusal) means nothing
 * moved; VMMEM_EPARTIAL means the list was accepted and moving had begun
 * when an MMIO callback or a file read or write failed: the first
 * vmmem_partial.completed bytes, in list order, have moved (see
 * vmmem_guest_last_partial() in vmmem/guest_memory.h).
 *
 * Threads: a vmmem_dma_device's configuration is immutable after creation
 * (it counts the threads inside its MMIO handlers); transfers through it may
 * run concurrently (the guard state is per thread). A transfer checks and
 * moves its list against the region map as it was when it started: if the
 * map changes meanwhile, the transfer completes in the regions it checked
 * (which stay mapped until it ends) and marks the pages it wrote dirty in
 * them. It never touches host memory outside guest RAM. */
#ifndef VMMEM_DMA_H
#define VMMEM_DMA_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/error.h>
#include <vmmem/export.h>
#include <vmmem/guest_memory.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most segments in one list: Linux's IOV_MAX, the most iovecs one preadv()
 *  accepts, so that an all-RAM list is one system call; also QEMU's and
 *  Linux's largest virtqueue, so that any legal descriptor chain fits. */
#define VMMEM_DMA_MAX_SEGMENTS 1024u

/** Default cap on a list's total length: 1 GiB, far above any real request
 *  (Linux's virtio-blk sends at most a few MiB) yet small enough that a
 *  hostile list cannot make one transfer run for seconds. A device may set
 *  a lower or higher cap (vmmem_dma_config.max_total). */
#define VMMEM_DMA_DEFAULT_MAX_TOTAL (UINT64_C(1) << 30)

/** Size of the bounce buffer that file I/O uses for MMIO segments (on the
 *  stack of the calling thread): QEMU's default bounce budget, and MMIO
 *  targets of DMA are rare and slow anyway. */
#define VMMEM_DMA_BOUNCE_SIZE 4096u

/** Deepest nesting of guarded MMIO handlers on one thread (a handler that
 *  accesses another device's MMIO, and so on); deeper nesting is a loop. */
#define VMMEM_DMA_MAX_MMIO_NESTING 8u

/** One scatter-gather segment: guest physical [addr, addr + len). A segment
 *  of length 0 is allowed and moves nothing. */
typedef struct vmmem_dma_segment {
    vmmem_gpa addr; /**< first guest address */
    uint64_t len;   /**< bytes */
} vmmem_dma_segment;

/** Direction of a transfer, seen from guest memory. */
typedef enum vmmem_dma_direction {
    VMMEM_DMA_TO_GUEST = 1,  /**< the device writes guest memory (ROM is refused) */
    VMMEM_DMA_FROM_GUEST = 2 /**< the device reads guest memory */
} vmmem_dma_direction;

/** A device's DMA context (opaque). */
typedef struct vmmem_dma_device vmmem_dma_device;

/** How a device's DMA context is set up. */
typedef struct vmmem_dma_config {
    vmmem_guest_memory *gm; /**< the guest memory the device accesses */
    vmmem_gpa mmio_base;    /**< the device's own MMIO window: DMA into it is refused */
    uint64_t mmio_size;     /**< bytes of that window; 0 when the device has none */
    uint64_t max_total;     /**< largest total length of one list; 0 for VMMEM_DMA_DEFAULT_MAX_TOTAL */
} vmmem_dma_config;

/** Creates a device's DMA context in *out from *config (copied).
 *  @param config the device's guest memory, MMIO window and length cap
 *  @param out    receives the DMA context
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL argument or gm); VMMEM_ERANGE (the
 *          MMIO window wraps past 2^64, or max_total exceeds SIZE_MAX);
 *          VMMEM_ENOMEM. */
VMMEM_API int vmmem_dma_device_create(const vmmem_dma_config *config, vmmem_dma_device **out);

/** Frees a DMA context. No transfer through it may be running.
 *  @param dev the DMA context; NULL is ignored */
VMMEM_API void vmmem_dma_device_destroy(vmmem_dma_device *dev);

/** The guest memory a DMA context was created for.
 *  @param dev the DMA context
 *  @return vmmem_dma_config.gm of its creation, or NULL when dev is NULL */
VMMEM_API vmmem_guest_memory *vmmem_dma_device_memory(const vmmem_dma_device *dev);

/* ---- re-entrancy guard ------------------------------------------------------ */

/** Marks the calling thread as handling an MMIO access of dev: call first
 *  in the device's MMIO callbacks, and vmmem_dma_mmio_exit() before they
 *  return. Until then any DMA through dev on this thread is refused with
 *  VMMEM_EBUSY, so a device cannot be re-entered through its own DMA (the
 *  CVE-2023-0330 class); a device whose register write starts work (a
 *  queue notification) records it and runs it after the access returns.
 *  @param dev the device whose MMIO access this thread starts handling
 *  @return VMMEM_OK; VMMEM_EBUSY (this thread is already handling an access
 *          of dev: the callback must refuse the re-entrant access, returning
 *          this code, and must not call vmmem_dma_mmio_exit()); VMMEM_EINVAL
 *          (dev NULL, or more than VMMEM_DMA_MAX_MMIO_NESTING nested
 *          handlers). */
VMMEM_API int vmmem_dma_mmio_enter(vmmem_dma_device *dev);

/** Ends the MMIO access started by the matching successful
 *  vmmem_dma_mmio_enter() on this thread (handlers nest like a stack).
 *  @param dev the device passed to that vmmem_dma_mmio_enter(); a device
 *             that is not the innermost one this thread handles is ignored */
VMMEM_API void vmmem_dma_mmio_exit(vmmem_dma_device *dev);

/* ---- validation --------------------------------------------------------------- */

/** Validates a list for a transfer in direction dir without moving a byte,
 *  and stores its total length in *total (when not NULL).
 *  @param dev   the DMA context
 *  @param sg    the segments
 *  @param count number of segments, 1..VMMEM_DMA_MAX_SEGMENTS
 *  @param dir   direction of the transfer
 *  @param total receives the list's total length in bytes; may be NULL
 *  @return VMMEM_OK or the first rule broken:
 *  @retval VMMEM_EINVAL dev or sg NULL, count 0, dir invalid, the total is
 *                       0, count > VMMEM_DMA_MAX_SEGMENTS, or (for
 *                       VMMEM_DMA_TO_GUEST) the part of a segment in an
 *                       MMIO region is narrower than the device's
 *                       min_access or not aligned to it
 *  @retval VMMEM_EBUSY  this thread is handling an MMIO access of dev
 *  @retval VMMEM_ERANGE a segment wraps past 2^64, or the total exceeds the
 *                       device's max_total
 *  @retval VMMEM_EPERM  a segment touches the device's own MMIO window, or
 *                       (for VMMEM_DMA_TO_GUEST) ROM
 *  @retval VMMEM_EFAULT a byte of a segment is not backed by a guest region */
VMMEM_API int vmmem_dma_check(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                              vmmem_dma_direction dir, uint64_t *total);

/* ---- transfers ------------------------------------------------------------------ */

/** Copies buf[0..len) into the guest segments in list order. len must equal
 *  the list's total (else VMMEM_ERANGE). The list is the caller's and must
 *  not change during the call (if it does, the move stops where it no
 *  longer fits: VMMEM_EPARTIAL, cause VMMEM_ERANGE).
 *  @param dev   the DMA context
 *  @param sg    the destination segments
 *  @param count number of segments
 *  @param buf   the bytes to write
 *  @param len   bytes in buf: the list's total
 *  @return VMMEM_OK, a code of vmmem_dma_check() (nothing written),
 *          VMMEM_EINVAL (buf NULL), or VMMEM_EPARTIAL (an MMIO callback
 *          failed; the bytes before it are written). */
VMMEM_API int vmmem_dma_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                                 const void *buf, size_t len);

/** Copies the guest segments, in list order, into buf[0..len). len must
 *  equal the list's total (else VMMEM_ERANGE).
 *  @param dev   the DMA context
 *  @param sg    the source segments
 *  @param count number of segments
 *  @param buf   receives the bytes
 *  @param len   bytes of buf: the list's total
 *  @return codes as for vmmem_dma_to_guest(). */
VMMEM_API int vmmem_dma_from_guest(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                                   void *buf, size_t len);

/** Copies the bytes of the source list into the destination list (equal
 *  totals, else VMMEM_ERANGE), both validated first. Pieces are copied in
 *  list order with memmove semantics each; lists that overlap each other
 *  give an order-dependent result, as on real hardware.
 *  @param dev       the DMA context
 *  @param dst       the destination segments (validated as VMMEM_DMA_TO_GUEST)
 *  @param dst_count number of destination segments
 *  @param src       the source segments (validated as VMMEM_DMA_FROM_GUEST)
 *  @param src_count number of source segments
 *  @return codes as for vmmem_dma_to_guest(). */
VMMEM_API int vmmem_dma_guest_to_guest(vmmem_dma_device *dev, const vmmem_dma_segment *dst, size_t dst_count,
                                       const vmmem_dma_segment *src, size_t src_count);

/** Reads the file fd from offset into the guest segments (list order). RAM
 *  segments are filled by preadv() directly (no bounce copy, one call per
 *  VMMEM_DMA_MAX_SEGMENTS pieces, short reads and EINTR resumed); MMIO
 *  segments through a VMMEM_DMA_BOUNCE_SIZE bounce buffer. Bytes past the
 *  end of the file are written as zeros; *file_bytes (when not NULL)
 *  receives how many came from the file. The host-side call may block:
 *  while it runs, a vmmem_guest_remove_region() waits.
 *  @param dev        the DMA context
 *  @param sg         the destination segments
 *  @param count      number of segments
 *  @param fd         the file, open for reading
 *  @param offset     file offset of the first byte
 *  @param file_bytes receives the number of bytes read from the file; may
 *                    be NULL
 *  @return VMMEM_OK, a code of vmmem_dma_check() (nothing written),
 *          VMMEM_EINVAL (fd < 0, offset + total past INT64_MAX), or
 *          VMMEM_EPARTIAL (a read failed, cause VMMEM_EIO with errno set,
 *          or an MMIO callback failed; the bytes before it are written). */
VMMEM_API int vmmem_dma_read_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                                  int fd, uint64_t offset, uint64_t *file_bytes);

/** Writes the guest segments (list order) to the file fd from offset, with
 *  pwritev() straight from guest RAM (short writes and EINTR resumed) and a
 *  bounce buffer for MMIO segments.
 *  @param dev    the DMA context
 *  @param sg     the source segments
 *  @param count  number of segments
 *  @param fd     the file, open for writing
 *  @param offset file offset of the first byte
 *  @return VMMEM_OK, a code of vmmem_dma_check() (nothing read or written),
 *          VMMEM_EINVAL (fd < 0, offset + total past INT64_MAX), or
 *          VMMEM_EPARTIAL (a write failed or wrote nothing, cause VMMEM_EIO
 *          with errno set, ENOSPC for the latter; or an MMIO callback
 *          failed; the file holds the bytes before it). */
VMMEM_API int vmmem_dma_write_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                                   int fd, uint64_t offset);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_DMA_H */
