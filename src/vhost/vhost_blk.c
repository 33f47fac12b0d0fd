/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vhost/vhost_blk.c - the vhost-user-blk back-end: connection state,
 * the handler of each front-end request, ring start and stop, the config
 * space, and the event loop step that serves kicked queues on
 * vmmem/virtio_blk.h and signals their call eventfds. */
#include <vmmem/vhost_user_blk.h>

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <vmmem/dma.h>
#include <vmmem/virtio_blk.h>
#include <vmmem/virtqueue.h>

#include "vhost_mem.h"
#include "vhost_user.h"

/* Rounds (of at most a ring's size each) one wake-up serves on a ring
 * before the loop turns to the other rings and the socket; a ring with more
 * work kicks itself and is served again on the next wait, so a guest that
 * keeps one ring full cannot starve the rest. */
#define ROUNDS_PER_WAKEUP 4
/* Events taken from epoll per wait. */
#define EVENTS_PER_WAIT 16
/* epoll tags of the socket and the set-up timer; queues are tagged with
 * their index. */
#define SOCKET_TAG UINT64_MAX
#define SETUP_TIMER_TAG (UINT64_MAX - 1)
/* Ring sizes (virtio 1.x 2.7): descriptors 16 bytes; rings a 4-byte
 * header, 2- or 8-byte entries, and the 2-byte event field. */
#define DESC_BYTES 16u
#define RING_HEADER 4u
#define AVAIL_ENTRY 2u
#define USED_ENTRY 8u
#define EVENT_FIELD 2u
/* Alignment virtio 1.x 2.7 requires of each ring part (vmmem_virtq_create()
 * refuses others; checked here too, so that the error says why). */
#define DESC_ALIGN 16u
#define AVAIL_ALIGN 2u
#define USED_ALIGN 4u
/* Byte offsets in the virtio-blk config space (virtio 1.x 5.2.4). */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_NUM_QUEUES 34
#define ERROR_BYTES 256

typedef struct vhost_queue {
    uint16_t num;             /* ring size, 0 before SET_VRING_NUM */
    int addr_set;             /* SET_VRING_ADDR seen */
    vmmem_virtq_config ring;  /* guest physical placement */
    uint16_t base;            /* SET_VRING_BASE: where the ring resumes */
    int kick_fd, call_fd, err_fd;
    int enabled;              /* SET_VRING_ENABLE (or no protocol features) */
    int broken;               /* the guest broke it: not served until restarted */
    vmmem_virtio_blk *blk;    /* the device while the ring runs (started) */
    vmmem_vhost_blk_queue_stats stats;
} vhost_queue;

struct vmmem_vhost_blk {
    int image_fd;
    int read_only;
    int no_mem_slots;
    unsigned queues;
    unsigned block_size;
    uint64_t image_bytes;
    char id[VMMEM_VIRTIO_BLK_ID_BYTES + 1];
    int epoll_fd;
    int setup_timer_fd;       /* timerfd: fires setup_timeout_ms after an attach without SET_OWNER */
    unsigned message_timeout_ms, setup_timeout_ms;
    int sock;                 /* -1 when no connection */
    vmmem_guest_memory *gm;
    vmmem_dma_device *dma;
    vhost_mem mem;
    uint64_t features;        /* acked by SET_FEATURES */
    uint64_t protocol_features;
    int owner;
    vhost_queue q[VMMEM_VHOST_BLK_MAX_QUEUES];
    char error[ERROR_BYTES];
};

static int failf(vmmem_vhost_blk *be, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(be->error, sizeof be->error, fmt, ap);
    va_end(ap);
    return -1;
}

static uint64_t offered_features(const vmmem_vhost_blk *be)
{
    uint64_t f = BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_RING_F_EVENT_IDX) |
                 BIT(VHOST_USER_F_PROTOCOL_FEATURES) | BIT(VIRTIO_BLK_F_SEG_MAX) | BIT(VIRTIO_BLK_F_BLK_SIZE) |
                 BIT(VIRTIO_BLK_F_FLUSH);
    if (be->queues > 1)
        f |= BIT(VIRTIO_BLK_F_MQ);
    if (be->read_only)
        f |= BIT(VIRTIO_BLK_F_RO);
    return f;
}

static uint64_t offered_protocol_features(const vmmem_vhost_blk *be)
{
    uint64_t f = BIT(VHOST_USER_PROTOCOL_F_MQ) | BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | BIT(VHOST_USER_PROTOCOL_F_CONFIG);
    if (!be->no_mem_slots)
        f |= BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS);
    return f;
}

static void reset_queue(vhost_queue *q)
{
    *q = (vhost_queue){ .kick_fd = -1, .call_fd = -1, .err_fd = -1 };
}

int vmmem_vhost_blk_create(const vmmem_vhost_blk_config *config, vmmem_vhost_blk **out)
{
    if (!config || !out || config->fd < 0 || config->queues == 0 || config->queues > VMMEM_VHOST_BLK_MAX_QUEUES)
        return VMMEM_EINVAL;
    unsigned block = config->block_size ? config->block_size : VMMEM_VIRTIO_BLK_SECTOR_SIZE;
    if (block != 512 && block != 4096)
        return VMMEM_EINVAL;
    off_t size = lseek(config->fd, 0, SEEK_END);
    if (size < 0)
        return VMMEM_EIO;
    if ((uint64_t)size < block || (uint64_t)size % block)
        return VMMEM_EINVAL;
    vmmem_vhost_blk *be = calloc(1, sizeof *be);
    if (!be)
        return VMMEM_ENOMEM;
    be->image_fd = config->fd;
    be->read_only = config->read_only != 0;
    be->no_mem_slots = config->no_mem_slots != 0;
    be->queues = config->queues;
    be->block_size = block;
    be->image_bytes = (uint64_t)size;
    if (config->id)
        snprintf(be->id, sizeof be->id, "%s", config->id);
    be->sock = -1;
    be->setup_timer_fd = -1;
    be->message_timeout_ms = config->message_timeout_ms ? config->message_timeout_ms
                                                        : VMMEM_VHOST_BLK_MESSAGE_TIMEOUT_MS;
    be->setup_timeout_ms = config->setup_timeout_ms ? config->setup_timeout_ms : VMMEM_VHOST_BLK_SETUP_TIMEOUT_MS;
    for (unsigned i = 0; i < VMMEM_VHOST_BLK_MAX_QUEUES; i++)
        reset_queue(&be->q[i]);
    int rc = vmmem_guest_memory_create(&be->gm);
    if (rc == VMMEM_OK) {
        vmmem_dma_config dc = { .gm = be->gm };
        rc = vmmem_dma_device_create(&dc, &be->dma);
    }
    be->epoll_fd = -1;
    if (rc == VMMEM_OK) {
        be->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
        be->setup_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SETUP_TIMER_TAG };
        if (be->epoll_fd < 0 || be->setup_timer_fd < 0 ||
            epoll_ctl(be->epoll_fd, EPOLL_CTL_ADD, be->setup_timer_fd, &ev) != 0)
            rc = VMMEM_EIO;
    }
    if (rc != VMMEM_OK) {
        if (be->epoll_fd >= 0)
            close(be->epoll_fd);
        if (be->setup_timer_fd >= 0)
            close(be->setup_timer_fd);
        vmmem_dma_device_destroy(be->dma);
        vmmem_guest_memory_destroy(be->gm);
        free(be);
        return rc;
    }
    be->mem.gm = be->gm;
    be->mem.trust_files = config->trust_front_end_files != 0;
    *out = be;
    return VMMEM_OK;
}

/* ---- queues ------------------------------------------------------------- */

static void close_fd(vmmem_vhost_blk *be, int *fd, int polled)
{
    if (*fd >= 0) {
        if (polled)
            epoll_ctl(be->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
        close(*fd);
        *fd = -1;
    }
}

/* Stops a running ring (GET_VRING_BASE, a disconnect): keeps where it
 * stopped in base, stops polling and closes its kick descriptor. It is
 * disabled: with protocol features a ring starts disabled, so a restart
 * serves it only after a new SET_VRING_ENABLE (without them start_queue()
 * enables it). */
static void stop_queue(vmmem_vhost_blk *be, vhost_queue *q)
{
    if (q->blk) {
        q->base = vmmem_virtq_last_avail(vmmem_virtio_blk_queue(q->blk));
        vmmem_virtio_blk_destroy(q->blk);
        q->blk = NULL;
    }
    q->broken = 0;
    q->enabled = 0;
    close_fd(be, &q->kick_fd, 1);
}

static void signal_fd(int fd)
{
    uint64_t one = 1;
    if (fd >= 0 && write(fd, &one, sizeof one) < 0) {
        /* EAGAIN: the counter is saturated, the peer is notified anyway */
    }
}

/* Answers the notification of the requests published since the last one,
 * if the driver asked for it. */
static int notify(vhost_queue *q)
{
    int rc = vmmem_virtq_need_notify(vmmem_virtio_blk_queue(q->blk));
    if (rc == 1 && q->call_fd >= 0) {
        signal_fd(q->call_fd);
        q->stats.calls++;
    }
    return rc < 0 ? rc : VMMEM_OK;
}

/* The guest broke the queue: it stops (its kick is no longer polled) and
 * the front-end hears of it on the error eventfd. */
static void queue_broken(vmmem_vhost_blk *be, unsigned index, int rc)
{
    vhost_queue *q = &be->q[index];
    q->broken = 1;
    if (q->kick_fd >= 0)
        epoll_ctl(be->epoll_fd, EPOLL_CTL_DEL, q->kick_fd, NULL);
    signal_fd(q->err_fd);
    failf(be, "ring %u: the guest broke the queue (%s); it stays stopped until the front-end restarts it", index,
          vmmem_strerror(rc));
}

/* Serves the available requests of a running, enabled ring until it is
 * empty and armed (with event indices: avail_event written, then checked
 * again), or for ROUNDS_PER_WAKEUP rounds; notifies after each round that
 * answered requests. */
static void serve_queue(vmmem_vhost_blk *be, unsigned index)
{
    vhost_queue *q = &be->q[index];
    if (!q->blk || !q->enabled || q->broken)
        return;
    vmmem_virtq *vq = vmmem_virtio_blk_queue(q->blk);
    for (unsigned round = 0;; round++) {
        if (round == ROUNDS_PER_WAKEUP) {
            signal_fd(q->kick_fd); /* the rest on the next wait */
            return;
        }
        unsigned done = 0;
        int rc = vmmem_virtio_blk_process(q->blk, &done);
        q->stats.requests += done;
        if (done) {
            int nrc = notify(q);
            if (rc == VMMEM_OK)
                rc = nrc;
        }
        if (rc != VMMEM_OK) {
            queue_broken(be, index, rc);
            return;
        }
        if (done == vmmem_virtq_size(vq))
            continue; /* the bound per call, not an empty ring */
        rc = vmmem_virtq_arm_notify(vq);
        if (rc == 1)
            continue;
        if (rc < 0)
            queue_broken(be, index, rc);
        return;
    }
}

/* Starts ring `index` on its kick (SET_VRING_KICK): the device on the
 * ring's guest placement, resumed at base, with event indices as
 * negotiated. */
static int start_queue(vmmem_vhost_blk *be, unsigned index)
{
    vhost_queue *q = &be->q[index];
    if (!q->num || !q->addr_set)
        return failf(be, "SET_VRING_KICK: ring %u started before its %s", index,
                     q->num ? "addresses (SET_VRING_ADDR)" : "size (SET_VRING_NUM)");
    vmmem_virtio_blk_config cfg = { be->dma, be->image_fd, be->id, q->ring };
    int rc = vmmem_virtio_blk_create(&cfg, &q->blk);
    if (rc != VMMEM_OK) {
        q->blk = NULL;
        return failf(be, "SET_VRING_KICK: ring %u cannot start: its rings are not in guest RAM (%s)", index,
                     vmmem_strerror(rc));
    }
    vmmem_virtq *vq = vmmem_virtio_blk_queue(q->blk);
    vmmem_virtio_blk_set_read_only(q->blk, be->read_only);
    rc = vmmem_virtq_resume(vq, q->base);
    if (rc == VMMEM_OK)
        rc = vmmem_virtq_set_event_idx(vq, (be->features & BIT(VIRTIO_RING_F_EVENT_IDX)) != 0);
    if (rc != VMMEM_OK)
        return failf(be, "SET_VRING_KICK: ring %u cannot start: its event index fields are not in guest RAM (%s)",
                     index, vmmem_strerror(rc));
    if (!(be->features & BIT(VHOST_USER_F_PROTOCOL_FEATURES)))
        q->enabled = 1; /* without protocol features a ring starts enabled */
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = index };
    if (epoll_ctl(be->epoll_fd, EPOLL_CTL_ADD, q->kick_fd, &ev) != 0)
        return failf(be, "SET_VRING_KICK: ring %u: the kick descriptor cannot be polled", index);
    serve_queue(be, index); /* requests the driver posted before the start */
    return 0;
}

/* ---- the connection ------------------------------------------------------ */

/* Arms (ms > 0) or disarms (0) the set-up deadline; either clears an
 * expiry not yet read. */
static void set_setup_deadline(vmmem_vhost_blk *be, unsigned ms)
{
    struct itimerspec t = { .it_value = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L } };
    timerfd_settime(be->setup_timer_fd, 0, &t, NULL);
}

static void end_connection(vmmem_vhost_blk *be)
{
    for (unsigned i = 0; i < be->queues; i++) {
        stop_queue(be, &be->q[i]);
        close_fd(be, &be->q[i].call_fd, 0);
        close_fd(be, &be->q[i].err_fd, 0);
    }
    if (vhost_mem_clear(&be->mem) != 0)
        failf(be, "a memory region cannot be removed from guest memory: it stays mapped");
    close_fd(be, &be->sock, 1);
    set_setup_deadline(be, 0);
    be->features = 0;
    be->protocol_features = 0;
    be->owner = 0;
}

void vmmem_vhost_blk_destroy(vmmem_vhost_blk *be)
{
    if (!be)
        return;
    end_connection(be);
    close(be->epoll_fd);
    close(be->setup_timer_fd);
    vmmem_dma_device_destroy(be->dma);
    vmmem_guest_memory_destroy(be->gm);
    vhost_mem_release(&be->mem); /* regions guest memory could not remove */
    free(be);
}

int vmmem_vhost_blk_attach(vmmem_vhost_blk *be, int sock)
{
    if (!be || sock < 0)
        return VMMEM_EINVAL;
    if (be->sock >= 0)
        return VMMEM_EBUSY;
    /* A reply is one send: the peer must take it within the message timeout
     * (reads have their own deadline, vhost_msg_recv()). */
    struct timeval tv = { be->message_timeout_ms / 1000, (be->message_timeout_ms % 1000) * 1000 };
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = SOCKET_TAG };
    if (setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0 ||
        epoll_ctl(be->epoll_fd, EPOLL_CTL_ADD, sock, &ev) != 0) {
        close(sock);
        return VMMEM_EIO;
    }
    for (unsigned i = 0; i < VMMEM_VHOST_BLK_MAX_QUEUES; i++)
        reset_queue(&be->q[i]);
    be->sock = sock;
    be->error[0] = '\0';
    set_setup_deadline(be, be->setup_timeout_ms);
    return VMMEM_OK;
}

int vmmem_vhost_blk_poll_fd(const vmmem_vhost_blk *be)
{
    return be ? be->epoll_fd : -1;
}

int vmmem_vhost_blk_connected(const vmmem_vhost_blk *be)
{
    return be && be->sock >= 0;
}

const char *vmmem_vhost_blk_last_error(const vmmem_vhost_blk *be)
{
    return be ? be->error : "";
}

int vmmem_vhost_blk_queue_stats_get(const vmmem_vhost_blk *be, unsigned queue, vmmem_vhost_blk_queue_stats *out)
{
    if (!be || !out || queue >= be->queues)
        return VMMEM_EINVAL;
    *out = be->q[queue].stats;
    return VMMEM_OK;
}

/* ---- requests ------------------------------------------------------------- */

static void build_config(const vmmem_vhost_blk *be, uint8_t *cfg)
{
    uint64_t capacity = htole64(be->image_bytes / VMMEM_VIRTIO_BLK_SECTOR_SIZE);
    uint32_t seg_max = htole32(VMMEM_VHOST_BLK_SEG_MAX), blk_size = htole32(be->block_size);
    uint16_t num_queues = htole16((uint16_t)be->queues);
    memset(cfg, 0, VHOST_USER_MAX_CONFIG);
    memcpy(cfg + CFG_CAPACITY, &capacity, sizeof capacity);
    memcpy(cfg + CFG_SEG_MAX, &seg_max, sizeof seg_max);
    memcpy(cfg + CFG_BLK_SIZE, &blk_size, sizeof blk_size);
    memcpy(cfg + CFG_NUM_QUEUES, &num_queues, sizeof num_queues);
}

static int is_eventfd(int fd)
{
    char path[64], target[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = '\0';
    return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* Takes the descriptor of SET_VRING_KICK/CALL/ERR (an eventfd, made
 * non-blocking so that a saturated or empty counter never stalls the
 * loop). Returns the descriptor, -1 for none, or -2 (error set). */
static int take_eventfd(vmmem_vhost_blk *be, const char *name, unsigned index, const int *fds, unsigned nfds)
{
    if (nfds == 0)
        return -1;
    int fd = fds[0];
    if (!is_eventfd(fd)) {
        close(fd);
        failf(be, "%s: ring %u: the descriptor is not an eventfd", name, index);
        return -2;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        close(fd);
        failf(be, "%s: ring %u: the eventfd cannot be made non-blocking", name, index);
        return -2;
    }
    return fd;
}

/* Translates ring part `what` of `bytes` bytes at user address ua, which
 * must come out `align`-byte aligned in guest memory. */
static int ring_gpa(vmmem_vhost_blk *be, unsigned index, const char *what, uint64_t ua, uint64_t bytes,
                    unsigned align, vmmem_gpa *gpa)
{
    if (vhost_mem_user_to_gpa(&be->mem, ua, bytes, gpa) != 0)
        return failf(be, "SET_VRING_ADDR: ring %u %s (0x%llx bytes at user address 0x%llx) is outside every memory region",
                     index, what, (unsigned long long)bytes, (unsigned long long)ua);
    if (*gpa % align)
        return failf(be, "SET_VRING_ADDR: ring %u %s at guest address 0x%llx is not %u-byte aligned", index, what,
                     (unsigned long long)*gpa, align);
    return 0;
}

static int set_vring_addr(vmmem_vhost_blk *be, const vhost_vring_addr *a)
{
    vhost_queue *q = &be->q[a->index];
    if (a->flags)
        return failf(be, "SET_VRING_ADDR: ring %u: flags 0x%x (dirty logging is not offered)", a->index, a->flags);
    if (!q->num)
        return failf(be, "SET_VRING_ADDR: ring %u before its size (SET_VRING_NUM)", a->index);
    if (be->mem.count == 0)
        return failf(be, "SET_VRING_ADDR: ring %u before the memory table (SET_MEM_TABLE)", a->index);
    uint64_t event = (be->features & BIT(VIRTIO_RING_F_EVENT_IDX)) ? EVENT_FIELD : 0;
    vmmem_virtq_config ring = { .size = q->num };
    if (ring_gpa(be, a->index, "descriptor table", a->desc_user_addr, (uint64_t)q->num * DESC_BYTES, DESC_ALIGN,
                 &ring.desc_addr) ||
        ring_gpa(be, a->index, "available ring", a->avail_user_addr,
                 RING_HEADER + (uint64_t)q->num * AVAIL_ENTRY + event, AVAIL_ALIGN, &ring.avail_addr) ||
        ring_gpa(be, a->index, "used ring", a->used_user_addr, RING_HEADER + (uint64_t)q->num * USED_ENTRY + event,
                 USED_ALIGN, &ring.used_addr))
        return -1;
    q->ring = ring;
    q->addr_set = 1;
    return 0;
}

/* Requests that need SET_OWNER first, and those that need a stopped ring. */
static int needs_owner(uint32_t request)
{
    switch (request) {
    case VHOST_USER_SET_MEM_TABLE:
    case VHOST_USER_ADD_MEM_REG:
    case VHOST_USER_REM_MEM_REG:
    case VHOST_USER_SET_VRING_NUM:
    case VHOST_USER_SET_VRING_ADDR:
    case VHOST_USER_SET_VRING_BASE:
    case VHOST_USER_SET_VRING_KICK:
    case VHOST_USER_SET_VRING_ENABLE:
        return 1;
    default:
        return 0;
    }
}

static int needs_stopped_ring(uint32_t request)
{
    return request == VHOST_USER_SET_VRING_NUM || request == VHOST_USER_SET_VRING_ADDR ||
           request == VHOST_USER_SET_VRING_BASE;
}

/* Acts on a checked message. Returns 0 (done), 1 (refused, the connection
 * stays: a REPLY_ACK says so), or -1 (the connection must end; error set).
 * Takes every descriptor in fds. */
static int handle(vmmem_vhost_blk *be, const vhost_msg *msg, int *fds, unsigned nfds)
{
    uint32_t req = msg->hdr.request;
    const vhost_payload *p = &msg->payload;
    const char *name = vhost_request_name(req);
    if (needs_owner(req) && !be->owner) {
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
        return failf(be, "%s before SET_OWNER", name);
    }
    if ((req == VHOST_USER_GET_MAX_MEM_SLOTS || req == VHOST_USER_ADD_MEM_REG || req == VHOST_USER_REM_MEM_REG) &&
        !(be->protocol_features & BIT(VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS))) {
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
        return failf(be, "%s without the CONFIGURE_MEM_SLOTS protocol feature", name);
    }
    if (needs_stopped_ring(req) && be->q[p->state.index].blk)
        return failf(be, "%s: ring %u is running (stop it with GET_VRING_BASE first)", name, p->state.index);
    uint64_t u64;
    switch (req) {
    case VHOST_USER_GET_FEATURES:
        u64 = offered_features(be);
        return vhost_msg_reply(be->sock, req, &u64, sizeof u64) ? failf(be, "%s: reply not sent", name) : 0;
    case VHOST_USER_SET_FEATURES:
        if (p->u64 & ~offered_features(be))
            return failf(be, "SET_FEATURES: bits 0x%llx were not offered",
                         (unsigned long long)(p->u64 & ~offered_features(be)));
        for (unsigned i = 0; i < be->queues; i++)
            if (be->q[i].blk && p->u64 != be->features) /* a running ring keeps what it started with */
                return failf(be, "SET_FEATURES: ring %u is running (stop it with GET_VRING_BASE first)", i);
        be->features = p->u64;
        return 0;
    case VHOST_USER_GET_PROTOCOL_FEATURES:
        u64 = offered_protocol_features(be);
        return vhost_msg_reply(be->sock, req, &u64, sizeof u64) ? failf(be, "%s: reply not sent", name) : 0;
    case VHOST_USER_SET_PROTOCOL_FEATURES:
        if (p->u64 & ~offered_protocol_features(be))
            return failf(be, "SET_PROTOCOL_FEATURES: bits 0x%llx were not offered",
                         (unsigned long long)(p->u64 & ~offered_protocol_features(be)));
        be->protocol_features = p->u64;
        return 0;
    case VHOST_USER_GET_QUEUE_NUM:
        u64 = be->queues;
        return vhost_msg_reply(be->sock, req, &u64, sizeof u64) ? failf(be, "%s: reply not sent", name) : 0;
    case VHOST_USER_SET_OWNER:
        be->owner = 1;
        set_setup_deadline(be, 0);
        return 0;
    case VHOST_USER_RESET_OWNER:
        for (unsigned i = 0; i < be->queues; i++) {
            stop_queue(be, &be->q[i]);
            close_fd(be, &be->q[i].call_fd, 0);
            close_fd(be, &be->q[i].err_fd, 0);
            reset_queue(&be->q[i]);
        }
        if (vhost_mem_clear(&be->mem) != 0)
            return failf(be, "RESET_OWNER: a memory region cannot be removed from guest memory");
        be->features = 0;
        be->protocol_features = 0;
        be->owner = 0;
        set_setup_deadline(be, be->setup_timeout_ms);
        return 0;
    case VHOST_USER_SET_MEM_TABLE:
        return vhost_mem_set_table(&be->mem, &p->memory, fds, be->error, sizeof be->error);
    case VHOST_USER_GET_MAX_MEM_SLOTS:
        u64 = VHOST_MEM_MAX_SLOTS;
        return vhost_msg_reply(be->sock, req, &u64, sizeof u64) ? failf(be, "%s: reply not sent", name) : 0;
    case VHOST_USER_ADD_MEM_REG:
        return vhost_mem_add(&be->mem, &p->mem_reg.region, fds[0], be->error, sizeof be->error);
    case VHOST_USER_REM_MEM_REG:
        if (nfds)
            close(fds[0]);
        return vhost_mem_remove(&be->mem, &p->mem_reg.region, be->error, sizeof be->error);
    case VHOST_USER_SET_VRING_NUM: {
        uint32_t num = p->state.num;
        if (num == 0 || num > VMMEM_VIRTQ_MAX_SIZE || (num & (num - 1)))
            return failf(be, "SET_VRING_NUM: ring %u size %u (a power of two up to %u)", p->state.index, num,
                         VMMEM_VIRTQ_MAX_SIZE);
        be->q[p->state.index].num = (uint16_t)num;
        be->q[p->state.index].addr_set = 0; /* the placement was checked against the old size */
        return 0;
    }
    case VHOST_USER_SET_VRING_ADDR:
        return set_vring_addr(be, &p->addr);
    case VHOST_USER_SET_VRING_BASE:
        if (p->state.num > UINT16_MAX)
            return failf(be, "SET_VRING_BASE: ring %u base %u (16 bits)", p->state.index, p->state.num);
        be->q[p->state.index].base = (uint16_t)p->state.num;
        return 0;
    case VHOST_USER_GET_VRING_BASE: {
        vhost_queue *q = &be->q[p->state.index];
        stop_queue(be, q);
        vhost_vring_state st = { p->state.index, q->base };
        return vhost_msg_reply(be->sock, req, &st, sizeof st) ? failf(be, "%s: reply not sent", name) : 0;
    }
    case VHOST_USER_SET_VRING_KICK: {
        unsigned index = (unsigned)(p->u64 & VHOST_USER_VRING_IDX_MASK);
        int fd = take_eventfd(be, name, index, fds, nfds);
        if (fd == -2)
            return -1;
        if (fd == -1)
            return failf(be, "SET_VRING_KICK: ring %u without a kick descriptor (polling is not supported)", index);
        vhost_queue *q = &be->q[index];
        if (q->blk) { /* a new kick for a running ring */
            close_fd(be, &q->kick_fd, !q->broken);
            q->kick_fd = fd;
            struct epoll_event ev = { .events = EPOLLIN, .data.u64 = index };
            if (!q->broken && epoll_ctl(be->epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
                return failf(be, "SET_VRING_KICK: ring %u: the kick descriptor cannot be polled", index);
            return 0;
        }
        close_fd(be, &q->kick_fd, 0);
        q->kick_fd = fd;
        return start_queue(be, index);
    }
    case VHOST_USER_SET_VRING_CALL:
    case VHOST_USER_SET_VRING_ERR: {
        unsigned index = (unsigned)(p->u64 & VHOST_USER_VRING_IDX_MASK);
        int fd = take_eventfd(be, name, index, fds, nfds);
        if (fd == -2)
            return -1;
        vhost_queue *q = &be->q[index];
        int *slot = req == VHOST_USER_SET_VRING_CALL ? &q->call_fd : &q->err_fd;
        close_fd(be, slot, 0);
        *slot = fd;
        /* Used elements published while the ring had no call descriptor (or
         * a replaced one) may never have been signalled: signal once, a
         * spurious interrupt is harmless, a lost one hangs the driver. */
        if (req == VHOST_USER_SET_VRING_CALL && fd >= 0 && q->blk && !q->broken) {
            signal_fd(fd);
            q->stats.calls++;
        }
        /* Likewise a queue broken while it had no error descriptor: the
         * front-end hears of it now, or never. */
        if (req == VHOST_USER_SET_VRING_ERR && fd >= 0 && q->blk && q->broken)
            signal_fd(fd);
        return 0;
    }
    case VHOST_USER_SET_VRING_ENABLE:
        if (p->state.num > 1)
            return failf(be, "SET_VRING_ENABLE: ring %u: %u is neither 0 nor 1", p->state.index, p->state.num);
        be->q[p->state.index].enabled = (int)p->state.num;
        serve_queue(be, p->state.index);
        return 0;
    case VHOST_USER_GET_CONFIG: {
        vhost_config reply = msg->payload.config;
        uint8_t space[VHOST_USER_MAX_CONFIG];
        build_config(be, space);
        memcpy(reply.region, space + reply.offset, reply.size);
        return vhost_msg_reply(be->sock, req, &reply, (uint32_t)(VHOST_CONFIG_HEADER + reply.size))
                   ? failf(be, "%s: reply not sent", name)
                   : 0;
    }
    case VHOST_USER_SET_CONFIG:
        return 1; /* the config space is read-only */
    default:
        return failf(be, "%s (%u): not handled", name, req); /* vhost_msg_check() lets no other through */
    }
}

/* Requests whose answer is a reply of their own (no REPLY_ACK). */
static int has_reply(uint32_t request)
{
    return request == VHOST_USER_GET_FEATURES || request == VHOST_USER_GET_PROTOCOL_FEATURES ||
           request == VHOST_USER_GET_QUEUE_NUM || request == VHOST_USER_GET_VRING_BASE ||
           request == VHOST_USER_GET_CONFIG || request == VHOST_USER_GET_MAX_MEM_SLOTS;
}

/* Reads and acts on one message. Returns VMMEM_OK, or the code that ends
 * the connection. */
static int serve_socket(vmmem_vhost_blk *be)
{
    vhost_msg msg;
    int fds[VHOST_USER_MAX_FDS];
    unsigned nfds;
    int rc = vhost_msg_recv(be->sock, &msg, fds, &nfds, be->message_timeout_ms, be->error, sizeof be->error);
    if (rc == 0)
        return VMMEM_ENOENT;
    if (rc < 0)
        return VMMEM_EINVAL;
    if (vhost_msg_check(&msg, nfds, be->queues, be->error, sizeof be->error) != 0) {
        for (unsigned i = 0; i < nfds; i++)
            close(fds[i]);
        return VMMEM_EINVAL;
    }
    rc = handle(be, &msg, fds, nfds);
    if (rc < 0)
        return VMMEM_EINVAL;
    if ((be->protocol_features & BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK)) &&
        (msg.hdr.flags & VHOST_USER_NEED_REPLY_MASK) && !has_reply(msg.hdr.request)) {
        uint64_t status = rc != 0;
        if (vhost_msg_reply(be->sock, msg.hdr.request, &status, sizeof status) != 0) {
            failf(be, "%s: acknowledgement not sent", vhost_request_name(msg.hdr.request));
            return VMMEM_EIO;
        }
    }
    return VMMEM_OK;
}

static int serve_kick(vmmem_vhost_blk *be, unsigned index, uint32_t events)
{
    vhost_queue *q = &be->q[index];
    uint64_t count;
    if (q->kick_fd < 0)
        return VMMEM_OK; /* stopped by an earlier event of this wait */
    ssize_t n = read(q->kick_fd, &count, sizeof count);
    if ((n < 0 && errno != EAGAIN && errno != EINTR) || (events & (EPOLLERR | EPOLLHUP))) {
        failf(be, "ring %u: the kick eventfd failed", index);
        return VMMEM_EINVAL;
    }
    q->stats.kicks++;
    serve_queue(be, index);
    return VMMEM_OK;
}

/* The set-up timer fired: a connection still without SET_OWNER ends. */
static int setup_deadline_passed(vmmem_vhost_blk *be)
{
    uint64_t expiries;
    if (read(be->setup_timer_fd, &expiries, sizeof expiries) != (ssize_t)sizeof expiries || be->owner)
        return VMMEM_OK; /* disarmed (SET_OWNER) since it fired */
    failf(be, "no SET_OWNER within %u ms of connecting", be->setup_timeout_ms);
    return VMMEM_EINVAL;
}

int vmmem_vhost_blk_dispatch(vmmem_vhost_blk *be, int timeout_ms)
{
    if (!be)
        return VMMEM_EINVAL;
    if (be->sock < 0)
        return VMMEM_ENOENT;
    struct epoll_event events[EVENTS_PER_WAIT];
    int n = epoll_wait(be->epoll_fd, events, EVENTS_PER_WAIT, timeout_ms);
    if (n < 0 && errno == EINTR)
        return VMMEM_OK;
    if (n < 0) {
        failf(be, "epoll_wait: %s", strerror(errno));
        end_connection(be);
        return VMMEM_EIO;
    }
    int rc = VMMEM_OK;
    for (int i = 0; i < n && rc == VMMEM_OK; i++) {
        if (events[i].data.u64 == SOCKET_TAG)
            rc = serve_socket(be);
        else if (events[i].data.u64 == SETUP_TIMER_TAG)
            rc = setup_deadline_passed(be);
        else if (events[i].data.u64 < be->queues)
            rc = serve_kick(be, (unsigned)events[i].data.u64, events[i].events);
    }
    if (rc != VMMEM_OK)
        end_connection(be);
    return rc;
}
