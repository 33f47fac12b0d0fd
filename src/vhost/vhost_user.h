/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vhost/vhost_user.h - the vhost-user protocol as the back-end sees it
 * (QEMU's docs/interop/vhost-user.rst): message codes, header flags,
 * payload layouts, feature bits, and the checks every message passes
 * before it is acted on (vhost_msg_check()). Internal to libvmmem-vm. */
#ifndef VMMEM_VHOST_USER_H
#define VMMEM_VHOST_USER_H

#include <stddef.h>
#include <stdint.h>

/* Front-end requests (the ones this back-end knows). */
enum vhost_request {
    VHOST_USER_GET_FEATURES = 1,
    VHOST_USER_SET_FEATURES = 2,
    VHOST_USER_SET_OWNER = 3,
    VHOST_USER_RESET_OWNER = 4,
    VHOST_USER_SET_MEM_TABLE = 5,
    VHOST_USER_SET_VRING_NUM = 8,
    VHOST_USER_SET_VRING_ADDR = 9,
    VHOST_USER_SET_VRING_BASE = 10,
    VHOST_USER_GET_VRING_BASE = 11,
    VHOST_USER_SET_VRING_KICK = 12,
    VHOST_USER_SET_VRING_CALL = 13,
    VHOST_USER_SET_VRING_ERR = 14,
    VHOST_USER_GET_PROTOCOL_FEATURES = 15,
    VHOST_USER_SET_PROTOCOL_FEATURES = 16,
    VHOST_USER_GET_QUEUE_NUM = 17,
    VHOST_USER_SET_VRING_ENABLE = 18,
    VHOST_USER_GET_CONFIG = 24,
    VHOST_USER_SET_CONFIG = 25,
    VHOST_USER_GET_MAX_MEM_SLOTS = 36,
    VHOST_USER_ADD_MEM_REG = 37,
    VHOST_USER_REM_MEM_REG = 38
};

/* Header flags: version 1 in bits 0-1, reply, need-reply (REPLY_ACK). */
#define VHOST_USER_VERSION_MASK 3u
#define VHOST_USER_VERSION 1u
#define VHOST_USER_REPLY_MASK (1u << 2)
#define VHOST_USER_NEED_REPLY_MASK (1u << 3)
#define VHOST_USER_KNOWN_FLAGS (VHOST_USER_VERSION_MASK | VHOST_USER_REPLY_MASK | VHOST_USER_NEED_REPLY_MASK)

/* Virtio feature bits (virtio 1.x 6 and 5.2.3) and vhost-user's own. */
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_RING_F_EVENT_IDX 29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1 32

/* Protocol feature bits. */
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_CONFIG 9
#define VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS 15

#define BIT(n) (UINT64_C(1) << (n))

/* Most regions in SET_MEM_TABLE (VHOST_MEMORY_BASELINE_NREGIONS) and most
 * file descriptors one message carries. */
#define VHOST_USER_MAX_REGIONS 8u
#define VHOST_USER_MAX_FDS VHOST_USER_MAX_REGIONS
/* Largest config space GET_CONFIG may ask for (VHOST_USER_MAX_CONFIG_SIZE). */
#define VHOST_USER_MAX_CONFIG 256u
/* SET_VRING_KICK/CALL/ERR: ring index in bits 0-7, "no descriptor" bit. */
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD_MASK (1u << 8)

typedef struct vhost_msg_header {
    uint32_t request;
    uint32_t flags;
    uint32_t size; /* payload bytes after the header */
} vhost_msg_header;

typedef struct vhost_vring_state {
    uint32_t index;
    uint32_t num;
} vhost_vring_state;

typedef struct vhost_vring_addr {
    uint32_t index;
    uint32_t flags;
    uint64_t desc_user_addr;
    uint64_t used_user_addr;
    uint64_t avail_user_addr;
    uint64_t log_guest_addr;
} vhost_vring_addr;

typedef struct vhost_mem_region {
    uint64_t guest_phys_addr;
    uint64_t memory_size;
    uint64_t userspace_addr;
    uint64_t mmap_offset;
} vhost_mem_region;

typedef struct vhost_memory {
    uint32_t nregions;
    uint32_t padding;
    vhost_mem_region regions[VHOST_USER_MAX_REGIONS];
} vhost_memory;

/* ADD_MEM_REG and REM_MEM_REG: one region. */
typedef struct vhost_mem_reg {
    uint64_t padding;
    vhost_mem_region region;
} vhost_mem_reg;

typedef struct vhost_config {
    uint32_t offset;
    uint32_t size;
    uint32_t flags;
    uint8_t region[VHOST_USER_MAX_CONFIG];
} vhost_config;

/* Bytes before vhost_config.region. */
#define VHOST_CONFIG_HEADER offsetof(vhost_config, region)

typedef union vhost_payload {
    uint64_t u64;
    vhost_vring_state state;
    vhost_vring_addr addr;
    vhost_memory memory;
    vhost_mem_reg mem_reg;
    vhost_config config;
} vhost_payload;

/* A received message: the wire header and the payload are read separately,
 * so the payload keeps its natural alignment here. */
typedef struct vhost_msg {
    vhost_msg_header hdr;
    vhost_payload payload;
} vhost_msg;

_Static_assert(sizeof(vhost_msg_header) == 12, "the wire header is 12 bytes");
_Static_assert(sizeof(vhost_vring_addr) == 40, "vring address payload is 40 bytes");
_Static_assert(sizeof(vhost_mem_region) == 32, "a memory region is 32 bytes");

/* Formats an error message into err[0..err_len) and returns -1, the
 * failure value of the calls below. */
int vhost_failf(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Message names for error messages ("SET_MEM_TABLE"), "unknown" otherwise. */
const char *vhost_request_name(uint32_t request);

/* Checks a received message before any state changes: known request,
 * version, flags, payload size for the request, file descriptors where
 * the request carries them and nowhere else, and the request's own fields
 * (region count, ring index below `queues`, ...). Returns 0, or -1 with a
 * message in err[0..err_len). */
int vhost_msg_check(const vhost_msg *msg, unsigned nfds, unsigned queues, char *err, size_t err_len);

/* Reads one message from the connected socket: the header, then the
 * payload, with the file descriptors sent alongside (SCM_RIGHTS, at most
 * VHOST_USER_MAX_FDS, close-on-exec) in fds[0..*nfds). Returns 1 (a
 * message), 0 (the peer closed the connection before a header), or -1
 * with a message in err (short or oversized message, too many
 * descriptors, a socket error, the whole message not in within timeout_ms
 * however it trickles in); on -1 and 0 no descriptor is left open. */
int vhost_msg_recv(int sock, vhost_msg *msg, int *fds, unsigned *nfds, unsigned timeout_ms, char *err, size_t err_len);

/* Sends a reply: the request's code, version 1 with the reply flag, and
 * `size` payload bytes. Returns 0 or -1 (errno). */
int vhost_msg_reply(int sock, uint32_t request, const void *payload, uint32_t size);

#endif /* VMMEM_VHOST_USER_H */
