/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_vhost_user.c - libFuzzer target: the vhost-user-blk back-end's
 * message parser and request handlers, fed over a real socket.
 *
 * Input: records {u8 kind, u16 length (little-endian), length bytes}. A
 * record of kind 0xFF writes its bytes into guest RAM from address 0 (the
 * rings, headers and data a message may point at); any other record is
 * sent to the back-end as raw stream bytes (header and payload as the
 * input has them, so short, long and split messages all happen) with
 * file descriptors chosen by kind & 3: none, 1 + (kind >> 2 & 7) copies of
 * the guest RAM memfd, an eventfd (already signalled, so a ring that
 * starts on it is served), or a pipe. Then the sending side is shut and
 * the back-end runs until the connection ends.
 *
 * Checked on every input, besides what ASan and UBSan catch: the
 * connection always ends (the back-end never waits on a peer that is
 * gone), with a code dispatch documents; the back-end is left without a
 * connection, holding none of the descriptors it was sent (the process has
 * as many open as before the input), and accepts the next one (one
 * back-end serves every input). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vmmem/vhost_user_blk.h>

#define RAM_BYTES 0x20000u
#define IMAGE_BYTES 0x10000u
#define RAM_RECORD 0xFF
#define MAX_FDS 8
/* Dispatch calls per input: far more than any input's messages and kicks
 * need; running out means the back-end did not end a dead connection. */
#define DISPATCH_LIMIT 100000

static vmmem_vhost_blk *be;
static int ram_fd = -1;
static unsigned char *ram;

static unsigned open_descriptors(void)
{
    unsigned n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        abort();
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static void init_once(void)
{
    if (be)
        return;
    int image = memfd_create("fuzz-image", MFD_CLOEXEC);
    ram_fd = memfd_create("fuzz-ram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (image < 0 || ram_fd < 0 || ftruncate(image, IMAGE_BYTES) != 0 || ftruncate(ram_fd, RAM_BYTES) != 0 ||
        fcntl(ram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)
        abort();
    ram = mmap(NULL, RAM_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, ram_fd, 0);
    vmmem_vhost_blk_config cfg = { .fd = image, .queues = 2, .id = "fuzz" };
    if (ram == MAP_FAILED || vmmem_vhost_blk_create(&cfg, &be) != VMMEM_OK)
        abort();
}

static void send_record(int sock, const uint8_t *data, size_t len, unsigned kind)
{
    int fds[MAX_FDS], own[2] = { -1, -1 };
    unsigned nfds = 0;
    switch (kind & 3) {
    case 1:
        nfds = 1 + ((kind >> 2) & 7);
        for (unsigned i = 0; i < nfds; i++)
            fds[i] = ram_fd;
        break;
    case 2:
        own[0] = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
        fds[nfds++] = own[0];
        break;
    case 3:
        if (pipe2(own, O_CLOEXEC) == 0)
            fds[nfds++] = own[1];
        break;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)];
        struct cmsghdr align;
    } control;
    struct iovec iov = { (void *)data, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (nfds && len) { /* descriptors travel with at least one byte */
        memset(&control, 0, sizeof control); /* the padding CMSG_SPACE adds is sent too */
        mh.msg_control = control.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    if (len)
        (void)sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
    for (int i = 0; i < 2; i++)
        if (own[i] >= 0)
            close(own[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init_once();
    /* Counted on each input, not once: between inputs libFuzzer may start
     * its symbolizer (to print NEW_FUNC lines), whose pipes stay open. */
    unsigned descriptors_before = open_descriptors();
    memset(ram, 0, RAM_BYTES);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    if (vmmem_vhost_blk_attach(be, sv[0]) != VMMEM_OK)
        abort(); /* the previous input's connection must have ended */
    while (size >= 3) {
        unsigned kind = data[0];
        size_t len = (size_t)data[1] | (size_t)data[2] << 8;
        data += 3;
        size -= 3;
        if (len > size)
            len = size;
        if (kind == RAM_RECORD)
            memcpy(ram, data, len < RAM_BYTES ? len : RAM_BYTES);
        else
            send_record(sv[1], data, len, kind);
        data += len;
        size -= len;
    }
    shutdown(sv[1], SHUT_WR);
    int rc = VMMEM_OK;
    for (int i = 0; i < DISPATCH_LIMIT && rc == VMMEM_OK; i++) {
        rc = vmmem_vhost_blk_dispatch(be, 0);
        if (rc == VMMEM_OK) { /* drain replies so that the back-end never blocks on a full socket */
            char sink[4096];
            while (recv(sv[1], sink, sizeof sink, MSG_DONTWAIT) > 0) {
            }
        }
    }
    if (rc == VMMEM_OK || (rc != VMMEM_ENOENT && rc != VMMEM_EINVAL && rc != VMMEM_EIO))
        abort(); /* the connection did not end, or ended with an undocumented code */
    if (vmmem_vhost_blk_connected(be))
        abort();
    close(sv[1]);
    if (open_descriptors() != descriptors_before)
        abort(); /* a descriptor the back-end was sent (or its socket) stayed open */
    return 0;
}
