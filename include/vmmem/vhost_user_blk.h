/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/vhost_user_blk.h - a vhost-user-blk back-end (QEMU's
 * docs/interop/vhost-user.rst) on libvmmem-vm: a VMM front-end (QEMU,
 * Cloud Hypervisor, crosvm) connects over a Unix socket, shares guest RAM
 * as file descriptors, and the back-end serves the guest's virtio-blk
 * queues with vmmem/virtqueue.h and vmmem/virtio_blk.h, moving data
 * straight between the disk image and guest RAM.
 *
 * Part of libvmmem-vm. The `vmmem-vhost-blk` daemon is this API behind a
 * listening socket; a VMM can embed the same back-end in its own event
 * loop: attach a connected socket, poll vmmem_vhost_blk_poll_fd(), call
 * vmmem_vhost_blk_dispatch() when it is readable.
 *
 * Faults: a message that is malformed (short, oversized, wrong payload or
 * descriptor count, unknown request), out of order (ring or memory set-up
 * before SET_OWNER, a ring address before the memory table, a kick before
 * the ring's size and addresses) or unservable (overlapping or too many
 * regions, a ring outside every region, a region its file cannot back,
 * a region file that is not a sealed memfd: see trust_front_end_files)
 * ends the connection: dispatch returns VMMEM_EINVAL, the reason is in
 * vmmem_vhost_blk_last_error(), every region is unmapped, and the back-end
 * is ready for the next connection. So does a message that does not arrive
 * whole within message_timeout_ms, and a connection without SET_OWNER
 * within setup_timeout_ms. A queue the guest breaks (see
 * vmmem/virtqueue.h) stops, its error eventfd is signalled, and the other
 * queues go on.
 *
 * Threads: one thread at a time calls the functions of one back-end. */
#ifndef VMMEM_VHOST_USER_BLK_H
#define VMMEM_VHOST_USER_BLK_H

#include <stdint.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most request queues a back-end serves (VIRTIO_BLK_F_MQ). */
#define VMMEM_VHOST_BLK_MAX_QUEUES 16u

/** Most segments of one request the back-end advertises (config seg_max):
 *  QEMU's default queue size (128) less the header and status
 *  descriptors, so that a request fits a direct chain of the default queue
 *  even without indirect descriptors. */
#define VMMEM_VHOST_BLK_SEG_MAX 126u

/** Default vmmem_vhost_blk_config.message_timeout_ms: a front-end writes
 *  each message at once, so a peer that dribbles one is dropped. */
#define VMMEM_VHOST_BLK_MESSAGE_TIMEOUT_MS 2000u

/** Default vmmem_vhost_blk_config.setup_timeout_ms: QEMU sends SET_OWNER
 *  right after it connects; a peer that connects and idles is dropped, so
 *  it cannot hold a one-connection daemon. */
#define VMMEM_VHOST_BLK_SETUP_TIMEOUT_MS 10000u

/** A vhost-user-blk back-end (opaque). */
typedef struct vmmem_vhost_blk vmmem_vhost_blk;

/** How a back-end is set up. */
typedef struct vmmem_vhost_blk_config {
    int fd;              /**< the disk image, open for reading (and writing unless read_only); not closed */
    int read_only;       /**< non-zero: offer VIRTIO_BLK_F_RO and refuse writes (status IOERR) */
    unsigned queues;     /**< request queues, 1..VMMEM_VHOST_BLK_MAX_QUEUES */
    unsigned block_size; /**< logical block size the guest sees: 512 or 4096 (0: 512); the image
                              size must be a multiple of it */
    const char *id;      /**< the serial GET_ID answers (at most 20 bytes), or NULL */
    int no_mem_slots;    /**< non-zero: do not offer CONFIGURE_MEM_SLOTS, so the front-end sends whole
                              tables (SET_MEM_TABLE, at most 8 regions) instead of ADD_MEM_REG/REM_MEM_REG */
    int trust_front_end_files; /**< non-zero: besides memfds sealed against shrinking (F_SEAL_SHRINK),
                              also map guest RAM files on tmpfs or hugetlbfs (QEMU's memory-backend-file
                              in /dev/shm or /dev/hugepages) and hugetlb memfds, sealed or not (QEMU's
                              memory-backend-memfd,hugetlb=on). A front-end that shrinks such a file,
                              or punches a hole in a hugetlb one, can crash the back-end (SIGBUS): set
                              only for a trusted front-end */
    unsigned message_timeout_ms; /**< a message (header, payload, descriptors) must arrive whole within
                              this many ms of its first byte, and a reply must be taken as fast;
                              otherwise the connection ends (0: VMMEM_VHOST_BLK_MESSAGE_TIMEOUT_MS) */
    unsigned setup_timeout_ms; /**< a connection must send SET_OWNER within this many ms of its attach
                              (and of a RESET_OWNER); otherwise it ends (0:
                              VMMEM_VHOST_BLK_SETUP_TIMEOUT_MS) */
} vmmem_vhost_blk_config;

/** Per-queue counters since the connection was attached. */
typedef struct vmmem_vhost_blk_queue_stats {
    uint64_t requests; /**< requests answered */
    uint64_t kicks;    /**< kick eventfd wake-ups served */
    uint64_t calls;    /**< call eventfd signals sent */
} vmmem_vhost_blk_queue_stats;

/** Creates a back-end in *out (no connection yet).
 *  @param config the disk image and device options (copied; the id string too)
 *  @param out    receives the back-end
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, fd < 0, queues or block_size out of
 *          range, an image size that is not a multiple of the block size or
 *          holds no block); VMMEM_EIO (the image size cannot be read, or
 *          epoll_create1() failed; errno); VMMEM_ENOMEM. */
VMMEM_API int vmmem_vhost_blk_create(const vmmem_vhost_blk_config *config, vmmem_vhost_blk **out);

/** Ends any connection (unmapping its regions) and frees the back-end.
 *  @param be the back-end; NULL is ignored */
VMMEM_API void vmmem_vhost_blk_destroy(vmmem_vhost_blk *be);

/** Serves the front-end connected on sock (a connected Unix stream socket;
 *  the back-end owns it from now on and closes it when the connection
 *  ends).
 *  @param be   the back-end
 *  @param sock the connected socket
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL or sock < 0); VMMEM_EBUSY (a
 *          connection is attached: sock is not taken); VMMEM_EIO (the
 *          socket cannot be polled; it is closed). */
VMMEM_API int vmmem_vhost_blk_attach(vmmem_vhost_blk *be, int sock);

/** A file descriptor (an epoll instance) that polls readable when
 *  vmmem_vhost_blk_dispatch() has work: a message from the front-end or a
 *  queue kick. Put it in the VMM's own poll or epoll set.
 *  @param be the back-end
 *  @return the descriptor (owned by the back-end), or -1 when be is NULL */
VMMEM_API int vmmem_vhost_blk_poll_fd(const vmmem_vhost_blk *be);

/** Waits up to timeout_ms (0: not at all, -1: forever) for work and does
 *  it: handles the front-end's messages, serves kicked queues and signals
 *  their call eventfds.
 *  @param be         the back-end
 *  @param timeout_ms how long to wait for work
 *  @return VMMEM_OK (still connected); VMMEM_ENOENT (no connection, or the
 *          front-end closed it now); VMMEM_EINVAL (be NULL, or the
 *          connection was dropped for a protocol error:
 *          vmmem_vhost_blk_last_error() says which); VMMEM_EIO (a socket
 *          or epoll error ended the connection; errno). After any code but
 *          VMMEM_OK no connection is attached. */
VMMEM_API int vmmem_vhost_blk_dispatch(vmmem_vhost_blk *be, int timeout_ms);

/** Non-zero while a connection is attached.
 *  @param be the back-end
 *  @return non-zero when connected, 0 otherwise (or be NULL) */
VMMEM_API int vmmem_vhost_blk_connected(const vmmem_vhost_blk *be);

/** Why the last connection ended, or why a queue stopped ("" when nothing
 *  went wrong): e.g. "SET_VRING_ADDR: ring 0 descriptor table at user
 *  address 0x7f... is outside every memory region".
 *  @param be the back-end
 *  @return a string owned by the back-end, valid until the next call on it */
VMMEM_API const char *vmmem_vhost_blk_last_error(const vmmem_vhost_blk *be);

/** The counters of one queue for the current (or last) connection.
 *  @param be    the back-end
 *  @param queue the queue index, below vmmem_vhost_blk_config.queues
 *  @param out   receives the counters
 *  @return VMMEM_OK; VMMEM_EINVAL (NULL, queue out of range) */
VMMEM_API int vmmem_vhost_blk_queue_stats_get(const vmmem_vhost_blk *be, unsigned queue,
                                              vmmem_vhost_blk_queue_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_VHOST_USER_BLK_H */
