/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_vhost_user.c - the vhost-user-blk back-end against a test
 * front-end that speaks the protocol over a socketpair and plays the
 * guest driver in a shared memfd: the whole set-up, requests through the
 * rings with kicks and calls, GET_VRING_BASE; then faults, each of which
 * must end the connection with a clear error, leave guest memory as it
 * was, and leave the back-end ready for the next connection (malformed,
 * short and oversized messages, unknown requests, out-of-order set-up, too
 * many or overlapping regions, a region its file cannot back, a ring
 * outside every region, descriptors that are not eventfds); a queue the
 * guest breaks stops alone. Then the daemon itself: garbage on one
 * connection, a client killed (SIGKILL) in the middle of its writes, and
 * the daemon serving the next connection with every completed write in
 * the image. */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/magic.h>

#include <cmocka.h>
#include <vmmem/vhost_user_blk.h>
#include <vmmem/virtio_blk.h>

#include "test_support.h"

/* Protocol values, written out here independently of src/vhost. */
enum {
    GET_MAX_MEM_SLOTS = 36, ADD_MEM_REG = 37, REM_MEM_REG = 38,
    GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, SET_MEM_TABLE = 5, SET_VRING_NUM = 8,
    SET_VRING_ADDR = 9, SET_VRING_BASE = 10, GET_VRING_BASE = 11, SET_VRING_KICK = 12, SET_VRING_CALL = 13,
    SET_VRING_ERR = 14, GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16, GET_QUEUE_NUM = 17,
    SET_VRING_ENABLE = 18, GET_CONFIG = 24
};
#define V1 1u
#define NEED_REPLY 8u
#define NOFD (1u << 8)
#define F_EVENT_IDX (1ull << 29)
#define F_INDIRECT (1ull << 28)
#define F_PROTOCOL (1ull << 30)
#define F_VERSION_1 (1ull << 32)
#define PF_MQ 1ull
#define PF_REPLY_ACK (1ull << 3)
#define PF_CONFIG (1ull << 9)
#define PF_MEM_SLOTS (1ull << 15)

/* Guest layout in the memfd (guest physical = offset; user = USER_BASE + offset). */
#define RAM_SIZE (2u << 20)
#define USER_BASE 0x7f0000000000ull
#define QSIZE 16u
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u
#define HDR 0x8000u
#define STATUS 0x9000u
#define DATA 0x10000u
#define IMAGE_BYTES (1u << 20)
#define CANARY 0xA5
#define DISPATCH_ROUNDS 8
#define REPLY_TIMEOUT_MS 5000

typedef struct front {
    vmmem_vhost_blk *be;
    int sock;         /* our end */
    int ram_fd;
    unsigned char *ram;
    int image_fd;
    int kick[2], call[2], err[2];
    uint16_t avail_idx;
    unsigned queues;  /* the back-end's */
    /* Descriptors beyond what the back-end's buffer holds that stay open
     * under qemu-user: it receives all of a message's descriptors and
     * passes on as many as the program asked for (the kernel, and so
     * Valgrind, closes the rest). */
    unsigned emulator_kept_files;
} front;

static front F;

/* The process's descriptors that a back-end could keep by mistake. */
typedef struct fd_census {
    unsigned eventfds;       /* anon_inode:[eventfd] */
    unsigned sockets;
    unsigned shared_files;   /* files (memfds included) open under two descriptors or more */
} fd_census;

/* Counts them in /proc/self/fd (0-2 left out: a log may be both stdout and
 * stderr). The back-end receives its own descriptor for every memfd and
 * eventfd the test sends, so one it keeps shows up as a second descriptor
 * of a test's file, or as an extra eventfd. */
static fd_census take_fd_census(void)
{
    fd_census c = { 0, 0, 0 };
    char targets[256][128];
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
            continue;
        char path[64], target[128];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len < 0)
            continue;
        target[len] = '\0';
        if (strcmp(target, "anon_inode:[eventfd]") == 0)
            c.eventfds++;
        else if (strncmp(target, "socket:", 7) == 0)
            c.sockets++;
        else if (target[0] == '/' && strncmp(target, "/dev/", 5) != 0 && n < 256) {
            for (unsigned i = 0; i < n; i++)
                if (strcmp(targets[i], target) == 0)
                    c.shared_files++;
            memcpy(targets[n++], target, sizeof target);
        }
    }
    closedir(d);
    return c;
}

/* Taken right after a connection is attached (the back-end holds nothing
 * of the peer's yet but its socket). */
static fd_census attach_census;

/* ---- the wire ------------------------------------------------------------ */

static int send_raw(int sock, const void *buf, size_t len, const int *fds, unsigned nfds)
{
    union {
        char buf[CMSG_SPACE(sizeof(int) * 16)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { (void *)buf, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds) {
        memset(&control, 0, sizeof control); /* the padding CMSG_SPACE adds is sent too */
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

static void send_msg_fl(uint32_t req, uint32_t flags, const void *payload, uint32_t size, const int *fds, unsigned nfds)
{
    unsigned char buf[512];
    uint32_t hdr[3] = { req, flags, size };
    memcpy(buf, hdr, sizeof hdr);
    if (size)
        memcpy(buf + sizeof hdr, payload, size);
    assert_int_equal(send_raw(F.sock, buf, sizeof hdr + size, fds, nfds), 0);
}

static void send_msg(uint32_t req, const void *payload, uint32_t size, const int *fds, unsigned nfds)
{
    send_msg_fl(req, V1, payload, size, fds, nfds);
}

static void send_u64(uint32_t req, uint64_t v) { send_msg(req, &v, sizeof v, NULL, 0); }

static void send_state(uint32_t req, uint32_t index, uint32_t num)
{
    uint32_t st[2] = { index, num };
    send_msg(req, st, sizeof st, NULL, 0);
}

/* Lets the back-end work; returns its last code. */
static int pump(void)
{
    int rc = VMMEM_OK;
    if (!F.be)
        return rc; /* the daemon works on its own */
    for (int i = 0; i < DISPATCH_ROUNDS && rc == VMMEM_OK; i++)
        rc = vmmem_vhost_blk_dispatch(F.be, 0);
    return rc;
}

/* Receives a reply to req with `size` payload bytes into out. */
static void recv_reply(uint32_t req, void *out, uint32_t size)
{
    assert_int_equal(pump(), VMMEM_OK);
    struct pollfd p = { F.sock, POLLIN, 0 };
    assert_int_equal(poll(&p, 1, REPLY_TIMEOUT_MS), 1);
    uint32_t hdr[3];
    assert_int_equal(recv(F.sock, hdr, sizeof hdr, MSG_WAITALL), (ssize_t)sizeof hdr);
    assert_int_equal(hdr[0], req);
    assert_int_equal(hdr[1], V1 | 4u);
    assert_int_equal(hdr[2], size);
    assert_int_equal(recv(F.sock, out, size, MSG_WAITALL), (ssize_t)size);
}

static uint64_t get_u64(uint32_t req)
{
    uint64_t v;
    send_msg(req, NULL, 0, NULL, 0);
    recv_reply(req, &v, sizeof v);
    return v;
}

/* ---- fixture --------------------------------------------------------------- */

static void make_eventfd(int pair[2])
{
    pair[0] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); /* ours; SCM_RIGHTS gives the back-end its own */
    assert_true(pair[0] >= 0);
    pair[1] = -1;
}

static void connect_front(void)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(vmmem_vhost_blk_attach(F.be, sv[0]), VMMEM_OK);
    F.sock = sv[1];
    F.avail_idx = 0;
    attach_census = take_fd_census();
}

static int setup(void **state)
{
    (void)state;
    memset(&F, 0, sizeof F);
    char name[] = "/tmp/vmmem-vhost-test-XXXXXX";
    F.image_fd = mkstemp(name);
    assert_true(F.image_fd >= 0);
    unlink(name);
    assert_int_equal(ftruncate(F.image_fd, IMAGE_BYTES), 0);
    F.ram_fd = memfd_create("guest-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_int_equal(ftruncate(F.ram_fd, RAM_SIZE), 0);
    assert_int_equal(fcntl(F.ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0); /* as QEMU's seal=on */
    F.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, F.ram_fd, 0);
    assert_true(F.ram != MAP_FAILED);
    memset(F.ram, 0, DATA);                    /* rings, headers, status bytes */
    memset(F.ram + DATA, CANARY, RAM_SIZE - DATA); /* data: must not change on a fault */
    make_eventfd(F.kick);
    make_eventfd(F.call);
    make_eventfd(F.err);
    F.queues = 2;
    vmmem_vhost_blk_config cfg = { .fd = F.image_fd, .queues = F.queues, .id = "vhost-test" };
    assert_int_equal(vmmem_vhost_blk_create(&cfg, &F.be), VMMEM_OK);
    connect_front();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vmmem_vhost_blk_destroy(F.be);
    close(F.sock);
    munmap(F.ram, RAM_SIZE);
    close(F.ram_fd);
    close(F.image_fd);
    close(F.kick[0]);
    close(F.call[0]);
    close(F.err[0]);
    return 0;
}

typedef struct region {
    uint64_t gpa, size, ua, offset;
} region;

static void send_mem_table(const region *r, unsigned n, const int *fds, unsigned nfds)
{
    unsigned char payload[8 + 16 * 32] = { 0 };
    memcpy(payload, &n, sizeof n);
    memcpy(payload + 8, r, n * sizeof *r);
    send_msg_fl(SET_MEM_TABLE, V1 | NEED_REPLY, payload, 8 + n * 32, fds, nfds);
}

static void negotiate_protocol(uint64_t features, uint64_t protocol)
{
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1);
    assert_int_equal(get_u64(GET_PROTOCOL_FEATURES) | PF_MEM_SLOTS, PF_MQ | PF_REPLY_ACK | PF_CONFIG | PF_MEM_SLOTS);
    send_u64(SET_PROTOCOL_FEATURES, protocol);
    assert_int_equal(get_u64(GET_QUEUE_NUM), F.queues);
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    send_u64(SET_FEATURES, features);
}

/* Memory by SET_MEM_TABLE (CONFIGURE_MEM_SLOTS not negotiated). */
static void negotiate(uint64_t features)
{
    negotiate_protocol(features, PF_MQ | PF_REPLY_ACK | PF_CONFIG);
}

static void set_memory(void)
{
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    uint64_t ack;
    recv_reply(SET_MEM_TABLE, &ack, sizeof ack);
    assert_int_equal(ack, 0);
}

static void send_vring_addr(uint32_t index, uint64_t desc_ua, uint64_t used_ua, uint64_t avail_ua)
{
    struct {
        uint32_t index, flags;
        uint64_t desc, used, avail, log;
    } a = { index, 0, desc_ua, used_ua, avail_ua, 0 };
    send_msg(SET_VRING_ADDR, &a, sizeof a, NULL, 0);
}

/* Sets ring `index` up (size, base, addresses, call, err, kick, enable). */
/* The ring's size, base and addresses (the test layout), no descriptors yet. */
static void place_ring(uint32_t index, uint16_t base)
{
    send_state(SET_VRING_NUM, index, QSIZE);
    send_state(SET_VRING_BASE, index, base);
    send_vring_addr(index, USER_BASE + DESC, USER_BASE + USED, USER_BASE + AVAIL);
}

static void start_ring_at(uint32_t index, uint16_t base)
{
    place_ring(index, base);
    uint64_t v = index;
    send_msg(SET_VRING_CALL, &v, sizeof v, &F.call[0], 1);
    send_msg(SET_VRING_ERR, &v, sizeof v, &F.err[0], 1);
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    send_state(SET_VRING_ENABLE, index, 1);
    assert_int_equal(pump(), VMMEM_OK);
}

static void start_ring(uint32_t index) { start_ring_at(index, 0); }

/* ---- the driver ------------------------------------------------------------ */

/* Ring fields are little-endian (virtio 1.x); vhost-user messages are in
 * the host's order. */
static void put16(uint64_t gpa, uint16_t v) { v = htole16(v); memcpy(F.ram + gpa, &v, 2); }
static uint16_t get16(uint64_t gpa) { uint16_t v; memcpy(&v, F.ram + gpa, 2); return le16toh(v); }

/* The used index, as the driver reads it (acquire). */
static uint16_t used_index(void) { return le16toh(__atomic_load_n((uint16_t *)(F.ram + USED + 2), __ATOMIC_ACQUIRE)); }

static void publish_avail(uint16_t idx) { __atomic_store_n((uint16_t *)(F.ram + AVAIL + 2), htole16(idx), __ATOMIC_RELEASE); }

static void put_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    unsigned char *d = F.ram + DESC + 16u * i;
    uint64_t a = htole64(addr);
    uint32_t l = htole32(len);
    uint16_t f = htole16(flags), n = htole16(next);
    memcpy(d, &a, 8);
    memcpy(d + 8, &l, 4);
    memcpy(d + 12, &f, 2);
    memcpy(d + 14, &n, 2);
}

/* Posts request r (type, sector, data bytes at DATA + r * 4096) as a
 * 3-descriptor chain and kicks. */
static void post(unsigned r, uint32_t type, uint64_t sector, uint32_t bytes)
{
    uint16_t head = (uint16_t)(3 * (r % (QSIZE / 3)));
    uint32_t hdr[4] = { htole32(type), 0, htole32((uint32_t)sector), htole32((uint32_t)(sector >> 32)) };
    memcpy(F.ram + HDR + 16 * r, hdr, sizeof hdr);
    F.ram[STATUS + r] = 0xEE;
    put_desc(head, HDR + 16 * r, 16, 1, (uint16_t)(head + 1));
    put_desc(head + 1, DATA + 4096u * r, bytes, (uint16_t)(1 | (type == 0 ? 2 : 0)), (uint16_t)(head + 2));
    put_desc(head + 2, STATUS + r, 1, 2, 0);
    put16(AVAIL + 4 + 2 * (F.avail_idx % QSIZE), head);
    F.avail_idx++;
    publish_avail(F.avail_idx);
    uint64_t one = 1;
    assert_int_equal(write(F.kick[0], &one, 8), 8);
}

static int called(int fd)
{
    uint64_t v;
    return read(fd, &v, 8) == 8;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t offered = get_u64(GET_FEATURES);
    assert_true(offered & F_INDIRECT);
    assert_true(offered & F_EVENT_IDX);
    assert_true(offered & (1ull << 12)); /* MQ */
    assert_false(offered & (1ull << 5)); /* not read-only */
    negotiate(F_VERSION_1 | F_PROTOCOL);
    /* The config space: capacity, seg_max, blk_size, num_queues. */
    struct {
        uint32_t offset, size, flags;
        unsigned char space[60];
    } cfg = { 0, 60, 0, { 0 } };
    send_msg(GET_CONFIG, &cfg, sizeof cfg, NULL, 0);
    recv_reply(GET_CONFIG, &cfg, sizeof cfg);
    uint64_t capacity;
    uint32_t seg_max, blk_size;
    uint16_t queues;
    memcpy(&capacity, cfg.space, 8); /* the config space is little-endian */
    memcpy(&seg_max, cfg.space + 12, 4);
    memcpy(&blk_size, cfg.space + 20, 4);
    memcpy(&queues, cfg.space + 34, 2);
    capacity = le64toh(capacity);
    seg_max = le32toh(seg_max);
    blk_size = le32toh(blk_size);
    queues = le16toh(queues);
    assert_int_equal(capacity, IMAGE_BYTES / 512);
    assert_int_equal(seg_max, VMMEM_VHOST_BLK_SEG_MAX);
    assert_int_equal(blk_size, 512);
    assert_int_equal(queues, 2);
    set_memory();
    start_ring(0);
    /* A write, then a read of the same sectors. */
    for (unsigned i = 0; i < 4096; i++)
        F.ram[DATA + i] = (unsigned char)(i * 7 + 1);
    post(0, VMMEM_VIRTIO_BLK_T_OUT, 8, 4096);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 0], 0);
    assert_int_equal(get16(USED + 2), 1);
    assert_true(called(F.call[0]));
    unsigned char disk[4096];
    assert_int_equal(pread(F.image_fd, disk, sizeof disk, 8 * 512), (ssize_t)sizeof disk);
    assert_memory_equal(disk, F.ram + DATA, sizeof disk);
    post(1, VMMEM_VIRTIO_BLK_T_IN, 8, 4096);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 1], 0);
    assert_memory_equal(F.ram + DATA + 4096, disk, sizeof disk);
    assert_int_equal(get16(USED + 2), 2);
    vmmem_vhost_blk_queue_stats st;
    assert_int_equal(vmmem_vhost_blk_queue_stats_get(F.be, 0, &st), VMMEM_OK);
    assert_int_equal(st.requests, 2);
    /* GET_VRING_BASE stops the ring and reports where it stopped. */
    uint32_t base[2] = { 0, 0 };
    send_msg(GET_VRING_BASE, base, sizeof base, NULL, 0);
    recv_reply(GET_VRING_BASE, base, sizeof base);
    assert_int_equal(base[0], 0);
    assert_int_equal(base[1], 2);
    /* A kick after the stop is not served. */
    post(2, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 2], 0xEE);
    /* Restarted at base 2, it serves request 2 (and not 0 and 1 again). */
    start_ring_at(0, 2);
    assert_int_equal(F.ram[STATUS + 2], 0);
    assert_int_equal(get16(USED + 2), 3);
}

/* With event indices the back-end writes avail_event and honours used_event. */
static void test_event_idx(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL | F_EVENT_IDX);
    set_memory();
    put16(AVAIL + 4 + 2 * QSIZE, 5); /* used_event: notify when the used index passes 5 */
    start_ring(0);
    post(0, VMMEM_VIRTIO_BLK_T_OUT, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], 0);
    assert_true(called(F.call[0])); /* the first element after a start is always notified */
    post(1, VMMEM_VIRTIO_BLK_T_OUT, 1, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_false(called(F.call[0])); /* used index 2: not past 5 */
    assert_int_equal(get16(USED + 4 + 8 * QSIZE), 2); /* avail_event: the next entry */
    put16(AVAIL + 4 + 2 * QSIZE, 2);
    post(2, VMMEM_VIRTIO_BLK_T_OUT, 2, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.call[0])); /* used index 3 passed 2 */
}

/* Without event indices the driver's VRING_AVAIL_F_NO_INTERRUPT holds the
 * call back (after the first element of a start, which is always called). */
static void test_no_interrupt_flag(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    post(0, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.call[0]));
    put16(AVAIL, 1); /* flags: NO_INTERRUPT */
    post(1, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 1], 0);
    assert_false(called(F.call[0]));
    put16(AVAIL, 0);
    post(2, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.call[0]));
}

/* A queue the guest breaks stops, its error eventfd fires, the connection and
 * the other queue go on. */
static void test_broken_queue_stops_alone(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    put16(AVAIL + 2, 100); /* 100 chains in a 16-entry ring */
    uint64_t one = 1;
    assert_int_equal(write(F.kick[0], &one, 8), 8);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.err[0]));
    assert_non_null(strstr(vmmem_vhost_blk_last_error(F.be), "ring 0: the guest broke the queue"));
    assert_true(vmmem_vhost_blk_connected(F.be));
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1);
}

/* Read-only: RO offered, writes refused with IOERR, the image untouched. */
static void test_read_only(void **state)
{
    (void)state;
    vmmem_vhost_blk_destroy(F.be);
    close(F.sock);
    F.queues = 1;
    vmmem_vhost_blk_config cfg = { .fd = F.image_fd, .queues = F.queues, .read_only = 1, .block_size = 4096,
                                   .no_mem_slots = 1 };
    assert_int_equal(vmmem_vhost_blk_create(&cfg, &F.be), VMMEM_OK);
    connect_front();
    assert_true(get_u64(GET_FEATURES) & (1ull << 5));
    assert_int_equal(get_u64(GET_PROTOCOL_FEATURES), PF_MQ | PF_REPLY_ACK | PF_CONFIG); /* no slots offered */
    assert_int_equal(get_u64(GET_QUEUE_NUM), 1);
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    memset(F.ram + DATA, 0x11, 4096);
    post(0, VMMEM_VIRTIO_BLK_T_OUT, 0, 4096);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], VMMEM_VIRTIO_BLK_S_IOERR);
    unsigned char disk[4096], zero[4096] = { 0 };
    assert_int_equal(pread(F.image_fd, disk, sizeof disk, 0), (ssize_t)sizeof disk);
    assert_memory_equal(disk, zero, sizeof disk);
}

static void send_mem_reg(uint32_t req, const region *r, const int *fds, unsigned nfds)
{
    unsigned char payload[8 + 32] = { 0 };
    memcpy(payload + 8, r, sizeof *r);
    send_msg_fl(req, V1 | NEED_REPLY, payload, sizeof payload, fds, nfds);
}

static void expect_ack(uint32_t req)
{
    uint64_t ack = 1;
    recv_reply(req, &ack, sizeof ack);
    assert_int_equal(ack, 0);
}

/* CONFIGURE_MEM_SLOTS: memory arrives region by region (ADD_MEM_REG), a
 * ring works on it, a region goes (REM_MEM_REG) and comes back. */
static void test_mem_slots(void **state)
{
    (void)state;
    negotiate_protocol(F_VERSION_1 | F_PROTOCOL, PF_MQ | PF_REPLY_ACK | PF_CONFIG | PF_MEM_SLOTS);
    assert_int_equal(get_u64(GET_MAX_MEM_SLOTS), 32);
    /* Two regions of one memfd: rings in the first, data in the second. */
    region low = { 0, DATA, USER_BASE, 0 }, high = { DATA, RAM_SIZE - DATA, USER_BASE + DATA, DATA };
    send_mem_reg(ADD_MEM_REG, &low, &F.ram_fd, 1);
    expect_ack(ADD_MEM_REG);
    send_mem_reg(ADD_MEM_REG, &high, &F.ram_fd, 1);
    expect_ack(ADD_MEM_REG);
    start_ring(0);
    memset(F.ram + DATA, 0x5C, 512);
    post(0, VMMEM_VIRTIO_BLK_T_OUT, 1, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], 0);
    /* Without the data region the next request gets IOERR, nothing moved. */
    send_mem_reg(REM_MEM_REG, &high, NULL, 0);
    expect_ack(REM_MEM_REG);
    post(1, VMMEM_VIRTIO_BLK_T_IN, 1, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 1], VMMEM_VIRTIO_BLK_S_IOERR);
    send_mem_reg(ADD_MEM_REG, &high, &F.ram_fd, 1);
    expect_ack(ADD_MEM_REG);
    post(2, VMMEM_VIRTIO_BLK_T_IN, 1, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS + 2], 0);
    assert_memory_equal(F.ram + DATA + 2 * 4096, F.ram + DATA, 512);
}

/* ---- faults ------------------------------------------------------------------- */

/* The connection must end with VMMEM_EINVAL and `why` in the error, the
 * front-end sees the socket closed, the back-end keeps none of the
 * descriptors it was sent, guest RAM outside the rings is untouched, and a
 * new connection is served. */
static void expect_dropped(const char *why)
{
    int rc = pump();
    assert_int_equal(rc, VMMEM_EINVAL);
    const char *err = vmmem_vhost_blk_last_error(F.be);
    if (!strstr(err, why))
        fail_msg("error \"%s\" does not say \"%s\"", err, why);
    assert_false(vmmem_vhost_blk_connected(F.be));
    fd_census now = take_fd_census();
    assert_int_equal(now.eventfds, attach_census.eventfds);
    assert_int_equal(now.sockets, attach_census.sockets - 1); /* the back-end's end is closed */
    assert_int_equal(now.shared_files, attach_census.shared_files + F.emulator_kept_files);
    char c;
    ssize_t n = recv(F.sock, &c, 1, MSG_DONTWAIT); /* end of file, or a reset when unread bytes were left */
    assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
    for (size_t i = DATA; i < RAM_SIZE; i++)
        if (F.ram[i] != CANARY)
            fail_msg("guest RAM byte 0x%zx changed", i);
    close(F.sock);
    connect_front();
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1);
}

static void test_unknown_request(void **state)
{
    (void)state;
    send_msg(99, NULL, 0, NULL, 0);
    expect_dropped("unknown or unsupported request 99");
}

static void test_bad_version(void **state)
{
    (void)state;
    send_msg_fl(GET_FEATURES, 2, NULL, 0, NULL, 0);
    expect_dropped("protocol version 2");
}

static void test_reply_flag_on_request(void **state)
{
    (void)state;
    send_msg_fl(GET_FEATURES, V1 | 4u, NULL, 0, NULL, 0);
    expect_dropped("a reply where a request was expected");
}

static void test_short_header(void **state)
{
    (void)state;
    uint32_t hdr[3] = { GET_FEATURES, V1, 0 };
    assert_int_equal(send_raw(F.sock, hdr, 6, NULL, 0), 0);
    shutdown(F.sock, SHUT_WR);
    expect_dropped("inside a header (6 of 12 bytes)");
}

static void test_short_payload(void **state)
{
    (void)state;
    uint32_t msg[5] = { SET_FEATURES, V1, 8, 1, 0 };
    assert_int_equal(send_raw(F.sock, msg, 16, NULL, 0), 0);
    shutdown(F.sock, SHUT_WR);
    expect_dropped("after 4 of 8 payload bytes");
}

static void test_oversized_payload(void **state)
{
    (void)state;
    uint32_t hdr[3] = { SET_MEM_TABLE, V1, 4096 };
    assert_int_equal(send_raw(F.sock, hdr, sizeof hdr, NULL, 0), 0);
    expect_dropped("payload of 4096 bytes, larger than any request's");
}

static void test_wrong_payload_size(void **state)
{
    (void)state;
    uint32_t v = 1;
    send_msg(SET_FEATURES, &v, sizeof v, NULL, 0);
    expect_dropped("SET_FEATURES: payload of 4 bytes, not 8");
}

static void test_unoffered_features(void **state)
{
    (void)state;
    send_u64(SET_FEATURES, F_VERSION_1 | (1ull << 40));
    expect_dropped("were not offered");
}

static void test_descriptor_on_plain_request(void **state)
{
    (void)state;
    send_msg(GET_FEATURES, NULL, 0, &F.ram_fd, 1);
    expect_dropped("unexpected file descriptors");
}

static void test_ring_index_out_of_range(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    send_state(SET_VRING_NUM, 2, QSIZE);
    expect_dropped("SET_VRING_NUM: ring 2 of 2");
}

static void test_ring_size_not_power_of_two(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    send_state(SET_VRING_NUM, 0, 100);
    expect_dropped("size 100");
}

static void test_config_out_of_range(void **state)
{
    (void)state;
    struct {
        uint32_t offset, size, flags;
        unsigned char space[60];
    } cfg = { 250, 60, 0, { 0 } };
    send_msg(GET_CONFIG, &cfg, sizeof cfg, NULL, 0);
    expect_dropped("outside the 256-byte config space");
}

static void test_mem_table_before_owner(void **state)
{
    (void)state;
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    expect_dropped("SET_MEM_TABLE before SET_OWNER");
}

static void test_ring_address_before_memory(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    send_state(SET_VRING_NUM, 0, QSIZE);
    send_vring_addr(0, USER_BASE + DESC, USER_BASE + USED, USER_BASE + AVAIL);
    expect_dropped("before the memory table");
}

static void test_kick_before_ring_size(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    uint64_t v = 1;
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    expect_dropped("ring 1 started before its size");
}

/* Nine regions with their nine descriptors: longer than any message. */
static void test_too_many_regions(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r[9];
    int fds[9];
    for (unsigned i = 0; i < 9; i++) {
        r[i] = (region){ i * 0x10000ull, 0x10000, USER_BASE + i * 0x10000ull, i * 0x10000ull };
        fds[i] = F.ram_fd;
    }
    send_mem_table(r, 9, fds, 9);
    const char *emulator = getenv("VMMEM_TEST_EMULATOR"); /* qemu-aarch64 ..., or valgrind ... */
    if (emulator && strstr(emulator, "qemu"))
        F.emulator_kept_files = 1;
    expect_dropped("SET_MEM_TABLE: payload of 296 bytes, larger than any request's");
}

/* A count of nine in a message of eight regions' length. */
static void test_region_count_over_limit(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    unsigned char payload[8 + 8 * 32] = { 0 };
    uint32_t n = 9;
    memcpy(payload, &n, sizeof n);
    int fds[8] = { F.ram_fd, F.ram_fd, F.ram_fd, F.ram_fd, F.ram_fd, F.ram_fd, F.ram_fd, F.ram_fd };
    send_msg_fl(SET_MEM_TABLE, V1, payload, sizeof payload, fds, 8);
    expect_dropped("9 regions (1 to 8 allowed)");
}

static void test_descriptor_count_mismatch(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r[2] = { { 0, 0x10000, USER_BASE, 0 }, { 0x10000, 0x10000, USER_BASE + 0x10000, 0x10000 } };
    send_mem_table(r, 2, &F.ram_fd, 1);
    expect_dropped("1 file descriptors for 2 regions");
}

static void test_overlapping_regions_guest(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r[2] = { { 0, 0x20000, USER_BASE, 0 }, { 0x10000, 0x10000, USER_BASE + 0x100000, 0 } };
    int fds[2] = { F.ram_fd, F.ram_fd };
    send_mem_table(r, 2, fds, 2);
    expect_dropped("regions 0 and 1 overlap in guest memory");
}

static void test_overlapping_regions_user(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r[2] = { { 0, 0x10000, USER_BASE, 0 }, { 0x100000, 0x10000, USER_BASE + 0x8000, 0 } };
    int fds[2] = { F.ram_fd, F.ram_fd };
    send_mem_table(r, 2, fds, 2);
    expect_dropped("regions 0 and 1 overlap in user addresses");
}

static void test_region_past_its_file(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r = { 0, RAM_SIZE, USER_BASE, 0x1000 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    expect_dropped("past the file's");
}

/* Guest RAM files (docs/vhost_user_blk.md, "Guest memory"): only a memfd
 * sealed against shrinking is mapped by default; a file the front-end
 * could truncate under the mapping would crash the back-end with SIGBUS. */
#define FILE_POLICY_REFUSED "the file is not a memfd sealed against shrinking"

/* A RAM_SIZE file in dir (unlinked; the descriptor keeps it), or -1. */
static int ram_file_at(const char *dir)
{
    char name[128];
    snprintf(name, sizeof name, "%s/vmmem-vhost-ram-XXXXXX", dir);
    int fd = mkstemp(name);
    if (fd < 0)
        return -1;
    unlink(name);
    assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
    return fd;
}

/* The set-up (REPLY_ACK), then a one-region table backed by fd. */
static void send_table_of(int fd)
{
    negotiate(F_VERSION_1 | F_PROTOCOL);
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_table(&r, 1, &fd, 1);
}

/* Acknowledged with 0 (REPLY_ACK): the table was taken. */
static void expect_table_taken(void)
{
    uint64_t ack;
    recv_reply(SET_MEM_TABLE, &ack, sizeof ack);
    assert_int_equal(ack, 0);
}

/* Replaces the fixture's back-end with one made from cfg (its fd and
 * queues set here), connected. */
static void use_back_end_with(vmmem_vhost_blk_config cfg)
{
    vmmem_vhost_blk_destroy(F.be);
    close(F.sock);
    cfg.fd = F.image_fd;
    cfg.queues = F.queues;
    assert_int_equal(vmmem_vhost_blk_create(&cfg, &F.be), VMMEM_OK);
    connect_front();
}

/* ... one that trusts front-end files or not. */
static void use_back_end(int trust_files)
{
    use_back_end_with((vmmem_vhost_blk_config){ .trust_front_end_files = trust_files });
}

/* A memfd without seals (QEMU: memory-backend-memfd,seal=off) is refused. */
static void test_region_memfd_not_sealed(void **state)
{
    (void)state;
    int fd = memfd_create("unsealed", MFD_CLOEXEC);
    assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
    send_table_of(fd);
    expect_dropped("region 0: " FILE_POLICY_REFUSED);
    close(fd);
}

/* A memfd that allows sealing but is not sealed against shrinking. */
static void test_region_memfd_sealable_not_sealed(void **state)
{
    (void)state;
    int fd = memfd_create("sealable", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    assert_int_equal(ftruncate(fd, RAM_SIZE), 0);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
    send_table_of(fd);
    expect_dropped("region 0: " FILE_POLICY_REFUSED);
    close(fd);
}

/* A file on a disk filesystem (no sealing: F_GET_SEALS fails) is refused,
 * and stays refused when front-end files are trusted: the front-end could
 * truncate it under the mapping. */
static void test_region_disk_file(void **state)
{
    (void)state;
    int fd = ram_file_at(".");
    assert_true(fd >= 0);
    send_table_of(fd);
    expect_dropped("region 0: " FILE_POLICY_REFUSED);
    struct statfs fs;
    assert_int_equal(fstatfs(fd, &fs), 0);
    if (fs.f_type != TMPFS_MAGIC && fs.f_type != HUGETLBFS_MAGIC) {
        use_back_end(1);
        send_table_of(fd);
        expect_dropped("region 0: the file is neither a sealed memfd nor on tmpfs or hugetlbfs");
    }
    close(fd);
}

/* A /dev/shm file (QEMU: memory-backend-file,mem-path=/dev/shm,share=on):
 * refused by default, taken when front-end files are trusted. */
static void test_region_shm_file(void **state)
{
    (void)state;
    int fd = ram_file_at("/dev/shm");
    if (fd < 0)
        skip();
    send_table_of(fd);
    expect_dropped("region 0: " FILE_POLICY_REFUSED);
    use_back_end(1);
    send_table_of(fd);
    expect_table_taken();
    close(fd);
}

/* The sealed memfd of the fixture is taken (as QEMU's memory-backend-memfd). */
static void test_region_sealed_memfd(void **state)
{
    (void)state;
    send_table_of(F.ram_fd);
    expect_table_taken();
}

/* A hugetlb memfd (QEMU: memory-backend-memfd,hugetlb=on) sealed against
 * shrinking is still refused by default: the seal does not stop the
 * front-end punching a hole (fallocate), which gives its huge pages back to
 * the pool, and the back-end's next access to them raises SIGBUS when the
 * pool is empty. With trust_front_end_files it passes the policy (it is then
 * mapped, or refused by mmap() when the pool has no page for it). */
static void test_region_hugetlb_memfd_sealed(void **state)
{
    (void)state;
    int fd = memfd_create("hugetlb-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
    if (fd < 0)
        skip(); /* no hugetlbfs in this kernel */
    if (ftruncate(fd, RAM_SIZE) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0) {
        close(fd);
        skip(); /* RAM_SIZE is not a multiple of the default huge page, or no sealing */
    }
    send_table_of(fd);
    expect_dropped("region 0: the file is a hugetlbfs memfd");
    use_back_end(1);
    send_table_of(fd);
    int rc = pump();
    if (rc == VMMEM_OK)
        expect_table_taken();
    else
        assert_non_null(strstr(vmmem_vhost_blk_last_error(F.be), "mmap of"));
    close(fd);
}

/* Regions at the very top of the user address space, where the end of one
 * is 2^64: [2^64 - 8 KiB, 2^64) and [2^64 - 4 KiB, 2^64) overlap. */
static void test_overlapping_regions_at_top(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r[2] = { { 0, 0x2000, UINT64_MAX - 0x1fff, 0 }, { 0x100000, 0x1000, UINT64_MAX - 0xfff, 0 } };
    int fds[2] = { F.ram_fd, F.ram_fd };
    send_mem_table(r, 2, fds, 2);
    expect_dropped("regions 0 and 1 overlap in user addresses");
}

static void negotiate_slots(void)
{
    negotiate_protocol(F_VERSION_1 | F_PROTOCOL, PF_MQ | PF_REPLY_ACK | PF_CONFIG | PF_MEM_SLOTS);
}

static void test_add_mem_reg_without_feature(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_reg(ADD_MEM_REG, &r, &F.ram_fd, 1);
    expect_dropped("ADD_MEM_REG without the CONFIGURE_MEM_SLOTS protocol feature");
}

static void test_add_mem_reg_overlapping(void **state)
{
    (void)state;
    negotiate_slots();
    region a = { 0, 0x10000, USER_BASE, 0 }, b = { 0x8000, 0x10000, USER_BASE + 0x100000, 0 };
    send_mem_reg(ADD_MEM_REG, &a, &F.ram_fd, 1);
    expect_ack(ADD_MEM_REG);
    send_mem_reg(ADD_MEM_REG, &b, &F.ram_fd, 1);
    expect_dropped("ADD_MEM_REG: the region overlaps region 0 in guest memory");
}

static void test_add_mem_reg_without_descriptor(void **state)
{
    (void)state;
    negotiate_slots();
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_reg(ADD_MEM_REG, &r, NULL, 0);
    expect_dropped("ADD_MEM_REG: 0 file descriptors");
}

static void test_add_mem_reg_slots_full(void **state)
{
    (void)state;
    negotiate_slots();
    for (unsigned i = 0; i < 32; i++) {
        region r = { i * 0x10000ull, 0x10000, USER_BASE + i * 0x10000ull, 0 };
        send_mem_reg(ADD_MEM_REG, &r, &F.ram_fd, 1);
        expect_ack(ADD_MEM_REG);
    }
    region r = { 32 * 0x10000ull, 0x10000, USER_BASE + 32 * 0x10000ull, 0 };
    send_mem_reg(ADD_MEM_REG, &r, &F.ram_fd, 1);
    expect_dropped("all 32 memory slots are in use");
}

static void test_rem_mem_reg_unknown(void **state)
{
    (void)state;
    negotiate_slots();
    region r = { 0, RAM_SIZE, USER_BASE, 0 };
    send_mem_reg(REM_MEM_REG, &r, NULL, 0);
    expect_dropped("REM_MEM_REG: no region at guest 0x0");
}

static void test_region_not_aligned(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r = { 0x800, 0x10000, USER_BASE, 0 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    expect_dropped("is not page aligned");
}

static void test_region_wraps(void **state)
{
    (void)state;
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    region r = { UINT64_MAX - 0xffff, 0x20000, USER_BASE, 0 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    expect_dropped("wraps past 2^64");
}

static void test_ring_outside_every_region(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    send_state(SET_VRING_NUM, 0, QSIZE);
    send_vring_addr(0, USER_BASE + DESC, USER_BASE + RAM_SIZE + 0x1000, USER_BASE + AVAIL);
    expect_dropped("ring 0 used ring");
}

static void test_ring_straddles_region_end(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    send_state(SET_VRING_NUM, 0, QSIZE);
    send_vring_addr(0, USER_BASE + RAM_SIZE - 16 * QSIZE + 16, USER_BASE + USED, USER_BASE + AVAIL);
    expect_dropped("descriptor table");
}

/* The used ring must be 4-byte aligned (virtio 1.x 2.7): a misaligned one
 * is refused at SET_VRING_ADDR, and the error says so (not "not in guest
 * RAM" at the kick). */
static void test_ring_misaligned(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    send_state(SET_VRING_NUM, 0, QSIZE);
    send_vring_addr(0, USER_BASE + DESC, USER_BASE + USED + 2, USER_BASE + AVAIL);
    expect_dropped("ring 0 used ring at guest address 0x3002 is not 4-byte aligned");
}

static void test_call_not_an_eventfd(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    uint64_t v = 0;
    send_msg(SET_VRING_CALL, &v, sizeof v, &p[1], 1);
    expect_dropped("not an eventfd");
    close(p[0]);
    close(p[1]);
}

static void test_kick_without_descriptor(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    uint64_t v = NOFD;
    send_msg(SET_VRING_KICK, &v, sizeof v, NULL, 0);
    expect_dropped("polling is not supported");
}

static void test_ring_change_while_running(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    send_state(SET_VRING_NUM, 0, 8);
    expect_dropped("ring 0 is running");
}

/* A new memory table replaces the old one while a ring runs (same guest
 * addresses, other user addresses): the ring goes on. */
static void test_mem_table_replaced(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    region r = { 0, RAM_SIZE, USER_BASE * 2, 0 };
    send_mem_table(&r, 1, &F.ram_fd, 1);
    uint64_t ack;
    recv_reply(SET_MEM_TABLE, &ack, sizeof ack);
    assert_int_equal(ack, 0);
    memset(F.ram + DATA, 0x3C, 512);
    post(0, VMMEM_VIRTIO_BLK_T_OUT, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], 0);
}



/* ---- deadlines, notifications, ring state ---------------------------------- */

#define SHORT_TIMEOUT_MS 300u
#define DRIBBLE_INTERVAL_US 50000u /* 20 bytes: 1 s, past SHORT_TIMEOUT_MS but not 2 s */
#define DEADLINE_ROUNDS 50         /* dispatch waits, REPLY_TIMEOUT_MS each at most */

/* A peer that sends a message one byte at a time (each byte well within any
 * per-read timeout) is dropped when the whole message is not in within the
 * message timeout. */
static void test_message_dribbled(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip(); /* forking is unreliable under qemu-user (test_support.h) */
    use_back_end_with((vmmem_vhost_blk_config){ .message_timeout_ms = SHORT_TIMEOUT_MS });
    uint64_t features = F_VERSION_1;
    unsigned char msg[20];
    uint32_t hdr[3] = { SET_FEATURES, V1, sizeof features };
    memcpy(msg, hdr, sizeof hdr);
    memcpy(msg + sizeof hdr, &features, sizeof features);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        for (size_t i = 0; i < sizeof msg; i++) {
            if (send(F.sock, msg + i, 1, MSG_NOSIGNAL) != 1)
                _exit(0); /* dropped */
            usleep(DRIBBLE_INTERVAL_US);
        }
        _exit(0);
    }
    int rc = VMMEM_OK;
    for (int i = 0; i < DEADLINE_ROUNDS && rc == VMMEM_OK; i++)
        rc = vmmem_vhost_blk_dispatch(F.be, REPLY_TIMEOUT_MS);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(rc, VMMEM_EINVAL);
    assert_non_null(strstr(vmmem_vhost_blk_last_error(F.be), "timed out"));
    assert_false(vmmem_vhost_blk_connected(F.be));
}

/* A message timeout above INT_MAX ms is a long timeout, not a negative one
 * that would drop every message at once as "timed out". */
static void test_long_message_timeout(void **state)
{
    (void)state;
    use_back_end_with((vmmem_vhost_blk_config){ .message_timeout_ms = UINT32_MAX });
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1);
    assert_true(vmmem_vhost_blk_connected(F.be));
}

/* A peer that connects and never sends SET_OWNER is dropped after the
 * set-up timeout, without any message of its own to wake the back-end. */
static void test_setup_deadline(void **state)
{
    (void)state;
    use_back_end_with((vmmem_vhost_blk_config){ .setup_timeout_ms = SHORT_TIMEOUT_MS });
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1); /* messages alone do not finish the set-up */
    int rc = VMMEM_OK;
    for (int i = 0; i < DEADLINE_ROUNDS && rc == VMMEM_OK; i++)
        rc = vmmem_vhost_blk_dispatch(F.be, REPLY_TIMEOUT_MS);
    assert_int_equal(rc, VMMEM_EINVAL);
    assert_non_null(strstr(vmmem_vhost_blk_last_error(F.be), "no SET_OWNER within"));
    assert_false(vmmem_vhost_blk_connected(F.be));
    char c;
    assert_int_equal(recv(F.sock, &c, 1, MSG_DONTWAIT), 0);
}

/* After SET_OWNER the set-up deadline no longer applies: an owned, idle
 * connection (a guest that has not started its driver yet) stays. */
static void test_setup_deadline_ends_at_owner(void **state)
{
    (void)state;
    use_back_end_with((vmmem_vhost_blk_config){ .setup_timeout_ms = SHORT_TIMEOUT_MS });
    send_msg(SET_OWNER, NULL, 0, NULL, 0);
    assert_int_equal(vmmem_vhost_blk_dispatch(F.be, 0), VMMEM_OK);
    for (unsigned waited = 0; waited < 3 * SHORT_TIMEOUT_MS; waited += SHORT_TIMEOUT_MS)
        assert_int_equal(vmmem_vhost_blk_dispatch(F.be, (int)SHORT_TIMEOUT_MS), VMMEM_OK);
    assert_true(vmmem_vhost_blk_connected(F.be));
}

/* Requests completed while the ring had no call descriptor are signalled
 * when one arrives. */
static void test_call_fd_after_completions(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    place_ring(0, 0);
    uint64_t v = 0;
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    send_state(SET_VRING_ENABLE, 0, 1);
    v = NOFD;
    send_msg(SET_VRING_CALL, &v, sizeof v, NULL, 0);
    assert_int_equal(pump(), VMMEM_OK);
    post(0, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(get16(USED + 2), 1); /* completed, nobody told */
    v = 0;
    send_msg(SET_VRING_CALL, &v, sizeof v, &F.call[0], 1);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.call[0]));
}

/* A queue the guest broke while it had no error descriptor is signalled on
 * the one that arrives next: otherwise the front-end would never hear that
 * the queue stopped, and the guest's requests on it would wait forever. */
static void test_err_fd_after_break(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    place_ring(0, 0);
    uint64_t v = 0;
    send_msg(SET_VRING_CALL, &v, sizeof v, &F.call[0], 1);
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    send_state(SET_VRING_ENABLE, 0, 1);
    assert_int_equal(pump(), VMMEM_OK);
    put16(AVAIL + 2, 100); /* 100 chains in a 16-entry ring */
    uint64_t one = 1;
    assert_int_equal(write(F.kick[0], &one, 8), 8);
    assert_int_equal(pump(), VMMEM_OK);
    assert_non_null(strstr(vmmem_vhost_blk_last_error(F.be), "ring 0: the guest broke the queue"));
    send_msg(SET_VRING_ERR, &v, sizeof v, &F.err[0], 1);
    assert_int_equal(pump(), VMMEM_OK);
    assert_true(called(F.err[0]));
    /* A working ring's new error descriptor is not signalled (ring 1 shares
     * ring 0's memory: its available index back to a valid 0). */
    put16(AVAIL + 2, 0);
    start_ring(1);
    assert_false(called(F.err[0]));
}

/* Features cannot change under a running ring (EVENT_IDX would not reach
 * the running queue). */
static void test_set_features_while_running(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    send_u64(SET_FEATURES, F_VERSION_1 | F_PROTOCOL); /* the same: nothing changes */
    assert_int_equal(pump(), VMMEM_OK);
    send_u64(SET_FEATURES, F_VERSION_1 | F_PROTOCOL | F_EVENT_IDX);
    expect_dropped("SET_FEATURES: ring 0 is running");
}

/* With protocol features a restarted ring starts disabled: it is served only
 * after a new SET_VRING_ENABLE. */
static void test_restarted_ring_starts_disabled(void **state)
{
    (void)state;
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    start_ring(0);
    uint32_t base[2] = { 0, 0 };
    send_msg(GET_VRING_BASE, base, sizeof base, NULL, 0);
    recv_reply(GET_VRING_BASE, base, sizeof base);
    uint64_t v = 0;
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    assert_int_equal(pump(), VMMEM_OK);
    post(0, VMMEM_VIRTIO_BLK_T_IN, 0, 512);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], 0xEE);
    send_state(SET_VRING_ENABLE, 0, 1);
    assert_int_equal(pump(), VMMEM_OK);
    assert_int_equal(F.ram[STATUS], 0);
}

/* RESET_OWNER forgets the protocol features too. */
static void test_reset_owner_clears_protocol_features(void **state)
{
    (void)state;
    negotiate_protocol(F_VERSION_1 | F_PROTOCOL, PF_MQ | PF_REPLY_ACK | PF_CONFIG | PF_MEM_SLOTS);
    assert_int_equal(get_u64(GET_MAX_MEM_SLOTS), 32);
    send_msg(4 /* RESET_OWNER */, NULL, 0, NULL, 0);
    send_msg(GET_MAX_MEM_SLOTS, NULL, 0, NULL, 0);
    expect_dropped("GET_MAX_MEM_SLOTS without the CONFIGURE_MEM_SLOTS protocol feature");
}

/* ---- the daemon ---------------------------------------------------------------- */

#define DAEMON_QSIZE 256u
#define DAEMON_SLOTS 80u          /* requests in flight at most (3 descriptors each) */
#define DAEMON_REQUESTS 1024u     /* 4 KiB each: a 4 MiB image */
#define DAEMON_KILL_AFTER 200u    /* completed requests before the client is killed */
#define DAEMON_WAIT_MS 20000

static pid_t daemon_pid;
static char daemon_dir[64], daemon_sock[96];

static int connect_daemon(void)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof a.sun_path, "%s", daemon_sock);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    for (int i = 0; i < 100; i++) {
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        usleep(50000);
    }
    fail_msg("cannot connect to the daemon at %s", daemon_sock);
    return -1;
}

static int setup_daemon(void **state)
{
    setup(state);
    vmmem_vhost_blk_destroy(F.be); /* the daemon serves instead */
    F.be = NULL;
    close(F.sock);
    F.sock = -1;
    F.queues = 1;
    daemon_pid = 0;
    if (running_under_emulator())
        return 0; /* forking is unreliable under qemu-user (test_support.h): the tests skip */
    assert_int_equal(ftruncate(F.image_fd, (off_t)DAEMON_REQUESTS * 4096), 0);
    snprintf(daemon_dir, sizeof daemon_dir, "/tmp/vmmem-vhost-daemon-XXXXXX");
    assert_non_null(mkdtemp(daemon_dir));
    snprintf(daemon_sock, sizeof daemon_sock, "%s/sock", daemon_dir);
    daemon_pid = fork();
    assert_true(daemon_pid >= 0);
    if (daemon_pid == 0) {
        char disk[64];
        snprintf(disk, sizeof disk, "/dev/fd/%d", F.image_fd);
        int flags = fcntl(F.image_fd, F_GETFD);
        fcntl(F.image_fd, F_SETFD, flags & ~FD_CLOEXEC);
        execl(VMMEM_VHOST_BLK_BIN, "vmmem-vhost-blk", "--socket", daemon_sock, "--disk", disk, (char *)NULL);
        _exit(127);
    }
    F.sock = connect_daemon();
    return 0;
}

static int teardown_daemon(void **state)
{
    if (!daemon_pid)
        return teardown(state);
    kill(daemon_pid, SIGTERM);
    int status;
    waitpid(daemon_pid, &status, 0);
    rmdir(daemon_dir);
    teardown(state);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

static void daemon_alive_and_serving(void)
{
    assert_int_equal(waitpid(daemon_pid, NULL, WNOHANG), 0);
    close(F.sock);
    F.sock = connect_daemon();
    assert_true(get_u64(GET_FEATURES) & F_VERSION_1);
}

/* Garbage on one connection: the daemon drops it and serves the next. */
static void test_daemon_drops_bad_connection(void **state)
{
    (void)state;
    if (!daemon_pid)
        skip();
    send_msg(99, NULL, 0, NULL, 0);
    char c;
    struct pollfd p = { F.sock, POLLIN, 0 };
    assert_int_equal(poll(&p, 1, REPLY_TIMEOUT_MS), 1);
    assert_int_equal(recv(F.sock, &c, 1, 0), 0);
    daemon_alive_and_serving();
}


/* The socket is created 0600: only the daemon's user may connect. */
static void test_daemon_socket_private(void **state)
{
    (void)state;
    if (!daemon_pid)
        skip();
    struct stat st;
    assert_int_equal(stat(daemon_sock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
}

/* --socket naming a file that is not a socket (a typo for the disk image,
 * say) is refused: the daemon exits with an error and the file is left as
 * it was, not unlinked and replaced by the daemon's socket. */
static void test_daemon_socket_path_not_a_socket(void **state)
{
    (void)state;
    if (running_under_emulator())
        skip(); /* forking is unreliable under qemu-user (test_support.h) */
    char dir[] = "/tmp/vmmem-vhost-path-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char file[64];
    snprintf(file, sizeof file, "%s/disk.img", dir);
    int fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "keep", 4), 4);
    close(fd);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char disk[64];
        snprintf(disk, sizeof disk, "/dev/fd/%d", F.image_fd);
        int flags = fcntl(F.image_fd, F_GETFD);
        fcntl(F.image_fd, F_SETFD, flags & ~FD_CLOEXEC);
        execl(VMMEM_VHOST_BLK_BIN, "vmmem-vhost-blk", "--socket", file, "--disk", disk, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    pid_t done = 0;
    for (int ms = 0; ms < DAEMON_WAIT_MS && done == 0; ms += 10) {
        done = waitpid(pid, &status, WNOHANG);
        if (done == 0)
            usleep(10000);
    }
    if (done == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    struct stat st;
    int kept = lstat(file, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 4;
    unlink(file);
    rmdir(dir);
    assert_int_equal(done, pid); /* it exited on its own */
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    assert_true(kept);
}

#define DAEMON_DRIBBLE_INTERVAL_US 300000u /* 12 header bytes: 3.6 s, each within any per-read timeout */

/* A peer that dribbles a message, then idles, does not hold the daemon: it is
 * dropped and the next client is served. */
static void test_daemon_drops_dribbler(void **state)
{
    (void)state;
    if (!daemon_pid)
        skip();
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        uint32_t hdr[3] = { GET_FEATURES, V1, 0 };
        for (size_t i = 0; i < sizeof hdr; i++) {
            if (send(F.sock, (char *)hdr + i, 1, MSG_NOSIGNAL) != 1)
                _exit(0);
            usleep(DAEMON_DRIBBLE_INTERVAL_US);
        }
        pause(); /* then idle, connected */
        _exit(0);
    }
    int next = connect_daemon(); /* waits in the backlog */
    uint32_t hdr[3] = { GET_FEATURES, V1, 0 };
    assert_int_equal(send_raw(next, hdr, sizeof hdr, NULL, 0), 0);
    struct pollfd p = { next, POLLIN, 0 };
    int ready = poll(&p, 1, DAEMON_WAIT_MS);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    assert_int_equal(ready, 1);
    uint32_t reply[3];
    assert_int_equal(recv(next, reply, sizeof reply, MSG_WAITALL), (ssize_t)sizeof reply);
    assert_int_equal(reply[0], GET_FEATURES);
    close(next);
}

static void fill_request_data(unsigned char *p, unsigned i)
{
    for (unsigned k = 0; k < 4096; k++)
        p[k] = (unsigned char)(i * 131 + k * 7 + (k >> 8));
}

/* The client: sets a ring up and writes request i (4 KiB of its pattern to
 * sector 8 i) for i = 0, 1, ... with up to DAEMON_SLOTS in flight, until it
 * is killed. */
static void daemon_client(void)
{
    negotiate(F_VERSION_1 | F_PROTOCOL);
    set_memory();
    send_state(SET_VRING_NUM, 0, DAEMON_QSIZE);
    send_state(SET_VRING_BASE, 0, 0);
    send_vring_addr(0, USER_BASE + DESC, USER_BASE + USED, USER_BASE + AVAIL);
    uint64_t v = 0;
    send_msg(SET_VRING_CALL, &v, sizeof v, &F.call[0], 1);
    send_msg(SET_VRING_KICK, &v, sizeof v, &F.kick[0], 1);
    send_state(SET_VRING_ENABLE, 0, 1);
    uint16_t avail = 0;
    for (unsigned i = 0; i < DAEMON_REQUESTS; i++) {
        while ((uint16_t)(avail - used_index()) >= DAEMON_SLOTS) {
            struct pollfd p = { F.call[0], POLLIN, 0 };
            poll(&p, 1, 10);
            called(F.call[0]);
        }
        unsigned slot = i % DAEMON_SLOTS;
        uint16_t head = (uint16_t)(3 * slot);
        uint32_t hdr[4] = { htole32(VMMEM_VIRTIO_BLK_T_OUT), 0, htole32(8 * i), 0 };
        memcpy(F.ram + HDR + 16 * slot, hdr, sizeof hdr);
        fill_request_data(F.ram + DATA + 4096 * slot, i);
        put_desc(head, HDR + 16 * slot, 16, 1, (uint16_t)(head + 1));
        put_desc(head + 1, DATA + 4096 * slot, 4096, 1, (uint16_t)(head + 2));
        put_desc(head + 2, STATUS + slot, 1, 2, 0);
        put16(AVAIL + 4 + 2 * (avail % DAEMON_QSIZE), head);
        avail++;
        publish_avail(avail);
        uint64_t one = 1;
        if (write(F.kick[0], &one, 8) != 8)
            _exit(1);
    }
    pause();
    _exit(0);
}

/* A client killed (SIGKILL) in the middle of its writes: the daemon lives,
 * serves the next connection, and every write it completed is in the image. */
static void test_daemon_survives_client_killed_mid_io(void **state)
{
    (void)state;
    if (!daemon_pid)
        skip();
    pid_t client = fork();
    assert_true(client >= 0);
    if (client == 0)
        daemon_client();
    close(F.sock); /* the child's now */
    for (int ms = 0; ms < DAEMON_WAIT_MS && used_index() < DAEMON_KILL_AFTER; ms++)
        usleep(1000);
    assert_true(used_index() >= DAEMON_KILL_AFTER);
    kill(client, SIGKILL);
    waitpid(client, NULL, 0);
    F.sock = -1;
    daemon_alive_and_serving(); /* after the daemon noticed the end of the killed connection */
    uint16_t completed = used_index();
    print_message("client killed after %u completed writes\n", completed);
    /* Requests complete in order: 0 .. completed - 1 are in the image. */
    unsigned char want[4096], got[4096];
    for (unsigned i = 0; i < completed; i++) {
        fill_request_data(want, i);
        assert_int_equal(pread(F.image_fd, got, sizeof got, (off_t)i * 4096), (ssize_t)sizeof got);
        if (memcmp(want, got, sizeof got) != 0)
            fail_msg("completed write %u is not in the image", i);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_idx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_interrupt_flag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_queue_stops_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_table_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_mem_reg_without_feature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_mem_reg_overlapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_mem_reg_without_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_mem_reg_slots_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rem_mem_reg_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reply_flag_on_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_payload_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unoffered_features, setup, teardown),
        cmocka_unit_test_setup_teardown(test_descriptor_on_plain_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_index_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_size_not_power_of_two, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_out_of_range, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mem_table_before_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_address_before_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kick_before_ring_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_many_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_count_over_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_descriptor_count_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_regions_guest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_regions_user, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_past_its_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_memfd_not_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_memfd_sealable_not_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_disk_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_shm_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_sealed_memfd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_hugetlb_memfd_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlapping_regions_at_top, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_not_aligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_outside_every_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_straddles_region_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_misaligned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_not_an_eventfd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kick_without_descriptor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ring_change_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_message_dribbled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_message_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_deadline_ends_at_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_fd_after_completions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_fd_after_break, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_features_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restarted_ring_starts_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_owner_clears_protocol_features, setup, teardown),
#ifdef VMMEM_VHOST_BLK_BIN
        cmocka_unit_test_setup_teardown(test_daemon_drops_bad_connection, setup_daemon, teardown_daemon),
        cmocka_unit_test_setup_teardown(test_daemon_socket_private, setup_daemon, teardown_daemon),
        cmocka_unit_test_setup_teardown(test_daemon_socket_path_not_a_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_daemon_drops_dribbler, setup_daemon, teardown_daemon),
        cmocka_unit_test_setup_teardown(test_daemon_survives_client_killed_mid_io, setup_daemon, teardown_daemon),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
