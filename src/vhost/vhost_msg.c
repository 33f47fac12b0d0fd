/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vhost/vhost_msg.c - vhost-user messages on the wire: reading one
 * message with its file descriptors, checking it against the request's
 * shape before anything acts on it, and sending replies. */
#include "vhost_user.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int vhost_failf(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

const char *vhost_request_name(uint32_t request)
{
    switch (request) {
    case VHOST_USER_GET_FEATURES: return "GET_FEATURES";
    case VHOST_USER_SET_FEATURES: return "SET_FEATURES";
    case VHOST_USER_SET_OWNER: return "SET_OWNER";
    case VHOST_USER_RESET_OWNER: return "RESET_OWNER";
    case VHOST_USER_SET_MEM_TABLE: return "SET_MEM_TABLE";
    case VHOST_USER_SET_VRING_NUM: return "SET_VRING_NUM";
    case VHOST_USER_SET_VRING_ADDR: return "SET_VRING_ADDR";
    case VHOST_USER_SET_VRING_BASE: return "SET_VRING_BASE";
    case VHOST_USER_GET_VRING_BASE: return "GET_VRING_BASE";
    case VHOST_USER_SET_VRING_KICK: return "SET_VRING_KICK";
    case VHOST_USER_SET_VRING_CALL: return "SET_VRING_CALL";
    case VHOST_USER_SET_VRING_ERR: return "SET_VRING_ERR";
    case VHOST_USER_GET_PROTOCOL_FEATURES: return "GET_PROTOCOL_FEATURES";
    case VHOST_USER_SET_PROTOCOL_FEATURES: return "SET_PROTOCOL_FEATURES";
    case VHOST_USER_GET_QUEUE_NUM: return "GET_QUEUE_NUM";
    case VHOST_USER_SET_VRING_ENABLE: return "SET_VRING_ENABLE";
    case VHOST_USER_GET_CONFIG: return "GET_CONFIG";
    case VHOST_USER_SET_CONFIG: return "SET_CONFIG";
    case VHOST_USER_GET_MAX_MEM_SLOTS: return "GET_MAX_MEM_SLOTS";
    case VHOST_USER_ADD_MEM_REG: return "ADD_MEM_REG";
    case VHOST_USER_REM_MEM_REG: return "REM_MEM_REG";
    default: return "unknown";
    }
}

/* The payload size and descriptor count a request must have (sizes that
 * depend on the payload are checked by the caller). */
typedef struct shape {
    uint32_t size;
    int ring_index; /* the payload starts with a ring index (state, address) */
} shape;

static int shape_of(uint32_t request, shape *s)
{
    switch (request) {
    case VHOST_USER_GET_FEATURES:
    case VHOST_USER_SET_OWNER:
    case VHOST_USER_RESET_OWNER:
    case VHOST_USER_GET_PROTOCOL_FEATURES:
    case VHOST_USER_GET_QUEUE_NUM:
    case VHOST_USER_GET_MAX_MEM_SLOTS:
        *s = (shape){ 0, 0 };
        return 1;
    case VHOST_USER_SET_FEATURES:
    case VHOST_USER_SET_PROTOCOL_FEATURES:
        *s = (shape){ sizeof(uint64_t), 0 };
        return 1;
    case VHOST_USER_SET_VRING_NUM:
    case VHOST_USER_SET_VRING_BASE:
    case VHOST_USER_GET_VRING_BASE:
    case VHOST_USER_SET_VRING_ENABLE:
        *s = (shape){ sizeof(vhost_vring_state), 1 };
        return 1;
    case VHOST_USER_SET_VRING_ADDR:
        *s = (shape){ sizeof(vhost_vring_addr), 1 };
        return 1;
    default:
        return 0;
    }
}

int vhost_msg_check(const vhost_msg *msg, unsigned nfds, unsigned queues, char *err, size_t err_len)
{
    const vhost_msg_header *h = &msg->hdr;
    const char *name = vhost_request_name(h->request);
    if ((h->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
        return vhost_failf(err, err_len, "%s (%u): protocol version %u, not 1", name, h->request,
                     h->flags & VHOST_USER_VERSION_MASK);
    if (h->flags & ~VHOST_USER_KNOWN_FLAGS)
        return vhost_failf(err, err_len, "%s: unknown header flags 0x%x", name, h->flags & ~VHOST_USER_KNOWN_FLAGS);
    if (h->flags & VHOST_USER_REPLY_MASK)
        return vhost_failf(err, err_len, "%s: a reply where a request was expected", name);
    if (h->size > sizeof(vhost_payload))
        return vhost_failf(err, err_len, "%s: payload of %u bytes", name, h->size);
    shape s;
    switch (h->request) {
    case VHOST_USER_SET_MEM_TABLE: {
        if (h->size < offsetof(vhost_memory, regions))
            return vhost_failf(err, err_len, "SET_MEM_TABLE: payload of %u bytes, shorter than its count", h->size);
        uint32_t n = msg->payload.memory.nregions;
        if (n == 0 || n > VHOST_USER_MAX_REGIONS)
            return vhost_failf(err, err_len, "SET_MEM_TABLE: %u regions (1 to %u allowed)", n, VHOST_USER_MAX_REGIONS);
        if (h->size != offsetof(vhost_memory, regions) + n * sizeof(vhost_mem_region))
            return vhost_failf(err, err_len, "SET_MEM_TABLE: payload of %u bytes for %u regions", h->size, n);
        if (nfds != n)
            return vhost_failf(err, err_len, "SET_MEM_TABLE: %u file descriptors for %u regions", nfds, n);
        return 0;
    }
    case VHOST_USER_ADD_MEM_REG:
    case VHOST_USER_REM_MEM_REG: {
        if (h->size != sizeof(vhost_mem_reg))
            return vhost_failf(err, err_len, "%s: payload of %u bytes, not %zu", name, h->size, sizeof(vhost_mem_reg));
        /* ADD brings the region's memory; REM may bring it again (closed) */
        if (h->request == VHOST_USER_ADD_MEM_REG ? nfds != 1 : nfds > 1)
            return vhost_failf(err, err_len, "%s: %u file descriptors", name, nfds);
        return 0;
    }
    case VHOST_USER_SET_VRING_KICK:
    case VHOST_USER_SET_VRING_CALL:
    case VHOST_USER_SET_VRING_ERR: {
        if (h->size != sizeof(uint64_t))
            return vhost_failf(err, err_len, "%s: payload of %u bytes, not 8", name, h->size);
        uint64_t v = msg->payload.u64;
        if (v & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD_MASK))
            return vhost_failf(err, err_len, "%s: unknown bits in 0x%llx", name, (unsigned long long)v);
        if ((v & VHOST_USER_VRING_IDX_MASK) >= queues)
            return vhost_failf(err, err_len, "%s: ring %u of %u", name, (unsigned)(v & VHOST_USER_VRING_IDX_MASK), queues);
        unsigned want = (v & VHOST_USER_VRING_NOFD_MASK) ? 0 : 1;
        if (nfds != want)
            return vhost_failf(err, err_len, "%s: %u file descriptors, %u expected", name, nfds, want);
        return 0;
    }
    case VHOST_USER_GET_CONFIG:
    case VHOST_USER_SET_CONFIG: {
        if (h->size < VHOST_CONFIG_HEADER)
            return vhost_failf(err, err_len, "%s: payload of %u bytes, shorter than its header", name, h->size);
        const vhost_config *c = &msg->payload.config;
        if (c->size > VHOST_USER_MAX_CONFIG || c->offset > VHOST_USER_MAX_CONFIG - c->size)
            return vhost_failf(err, err_len, "%s: bytes %u..%u+%u outside the %u-byte config space", name, c->offset,
                         c->offset, c->size, VHOST_USER_MAX_CONFIG);
        if (h->size != VHOST_CONFIG_HEADER + c->size)
            return vhost_failf(err, err_len, "%s: payload of %u bytes for %u config bytes", name, h->size, c->size);
        if (nfds)
            return vhost_failf(err, err_len, "%s: %u unexpected file descriptors", name, nfds);
        return 0;
    }
    default:
        if (!shape_of(h->request, &s))
            return vhost_failf(err, err_len, "unknown or unsupported request %u", h->request);
        if (h->size != s.size)
            return vhost_failf(err, err_len, "%s: payload of %u bytes, not %u", name, h->size, s.size);
        if (nfds)
            return vhost_failf(err, err_len, "%s: %u unexpected file descriptors", name, nfds);
        if (s.ring_index && msg->payload.state.index >= queues) /* state and addr both start with it */
            return vhost_failf(err, err_len, "%s: ring %u of %u", name, msg->payload.state.index, queues);
        return 0;
    }
}

static void close_all(int *fds, unsigned *nfds)
{
    for (unsigned i = 0; i < *nfds; i++)
        close(fds[i]);
    *nfds = 0;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits until sock is readable or the deadline (CLOCK_MONOTONIC, ms) has
 * passed. Returns 0, or -1 with errno (EAGAIN when the time is up). */
static int wait_readable(int sock, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            errno = EAGAIN;
            return -1;
        }
        struct pollfd p = { sock, POLLIN, 0 };
        int n = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left); /* a longer wait: polled again */
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

/* Receives exactly len bytes into buf before the deadline (the first call
 * may also collect descriptors). Returns the bytes received (< len only at
 * end of file), or -1 with errno (EAGAIN: the deadline passed).
 * Descriptors beyond the room in fds, or a truncated control message, set
 * *ctrunc. */
static ssize_t recv_full(int sock, void *buf, size_t len, int *fds, unsigned *nfds, int *ctrunc, int64_t deadline)
{
    size_t got = 0;
    union {
        char buf[CMSG_SPACE(sizeof(int) * VHOST_USER_MAX_FDS)];
        struct cmsghdr align;
    } control;
    while (got < len) {
        struct iovec iov = { (char *)buf + got, len - got };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                             .msg_control = control.buf, .msg_controllen = sizeof control.buf };
        if (wait_readable(sock, deadline) != 0)
            return -1;
        ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN)
            continue; /* woken for nothing: wait again, within the deadline */
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (mh.msg_flags & MSG_CTRUNC)
            *ctrunc = 1;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (size_t i = 0; i < count; i++) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                if (*nfds < VHOST_USER_MAX_FDS)
                    fds[(*nfds)++] = fd;
                else {
                    close(fd);
                    *ctrunc = 1;
                }
            }
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int vhost_msg_recv(int sock, vhost_msg *msg, int *fds, unsigned *nfds, unsigned timeout_ms, char *err, size_t err_len)
{
    int ctrunc = 0;
    int64_t deadline = now_ms() + timeout_ms; /* for the whole message, however it trickles in */
    *nfds = 0;
    memset(msg, 0, sizeof *msg);
    ssize_t n = recv_full(sock, &msg->hdr, sizeof msg->hdr, fds, nfds, &ctrunc, deadline);
    if (n == 0 && !ctrunc) {
        close_all(fds, nfds);
        return 0;
    }
    int rc = 1;
    if (n < 0)
        rc = vhost_failf(err, err_len, "reading a header: %s", errno == EAGAIN ? "timed out" : strerror(errno));
    else if ((size_t)n < sizeof msg->hdr)
        rc = vhost_failf(err, err_len, "connection closed inside a header (%zd of %zu bytes)", n, sizeof msg->hdr);
    else if (msg->hdr.size > sizeof msg->payload)
        rc = vhost_failf(err, err_len, "%s: payload of %u bytes, larger than any request's (%zu)",
                   vhost_request_name(msg->hdr.request), msg->hdr.size, sizeof msg->payload);
    else if (msg->hdr.size) {
        n = recv_full(sock, &msg->payload, msg->hdr.size, fds, nfds, &ctrunc, deadline);
        if (n < 0)
            rc = vhost_failf(err, err_len, "%s: reading the payload: %s", vhost_request_name(msg->hdr.request),
                       errno == EAGAIN ? "timed out" : strerror(errno));
        else if ((size_t)n < msg->hdr.size)
            rc = vhost_failf(err, err_len, "%s: connection closed after %zd of %u payload bytes",
                       vhost_request_name(msg->hdr.request), n, msg->hdr.size);
    }
    if (rc == 1 && ctrunc)
        rc = vhost_failf(err, err_len, "%s: more than %u file descriptors", vhost_request_name(msg->hdr.request),
                   VHOST_USER_MAX_FDS);
    if (rc != 1)
        close_all(fds, nfds);
    return rc;
}

int vhost_msg_reply(int sock, uint32_t request, const void *payload, uint32_t size)
{
    vhost_msg_header h = { request, VHOST_USER_VERSION | VHOST_USER_REPLY_MASK, size };
    struct iovec iov[2] = { { &h, sizeof h }, { (void *)payload, size } };
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
    size_t want = sizeof h + size;
    for (;;) {
        ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if ((size_t)n != want) { /* a reply is a few hundred bytes: a short send is a dying peer */
            errno = EPIPE;
            return -1;
        }
        return 0;
    }
}
