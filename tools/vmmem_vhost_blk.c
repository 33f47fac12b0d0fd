/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tools/vmmem_vhost_blk.c - vmmem-vhost-blk, a vhost-user-blk daemon: a
 * disk image served to a VMM front-end (e.g. QEMU's vhost-user-blk-pci)
 * over a Unix socket, one connection at a time, by the back-end of
 * vmmem/vhost_user_blk.h. One epoll loop: the listening socket (while no
 * front-end is connected), the back-end's poll descriptor (messages and
 * kicks), and SIGINT/SIGTERM. A connection that ends, in order or for a
 * protocol error, is logged with its per-queue counters, and the daemon
 * waits for the next one; the back-end's deadlines (a message that
 * trickles in, no SET_OWNER) keep a stalled peer from holding it. The
 * socket is created 0600. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vmmem/vhost_user_blk.h>

enum { TAG_LISTEN = 1, TAG_BACKEND, TAG_SIGNAL };
/* Front-ends waiting while one is served (listen backlog). */
#define LISTEN_BACKLOG 4

static void usage(FILE *f)
{
    fprintf(f, "usage: vmmem-vhost-blk --socket PATH --disk FILE [--readonly] [--queues N] [--block-size 512|4096]\n"
               "                       [--id SERIAL] [--once] [--no-mem-slots] [--trust-front-end-files]\n"
               "Serves FILE as a vhost-user-blk device on the Unix socket PATH (created; removed on exit).\n"
               "  --queues N        request queues offered (1-%u, default 1)\n"
               "  --once            exit after the first connection ends (status 0 if it ended in order)\n"
               "  --no-mem-slots    do not offer CONFIGURE_MEM_SLOTS: memory comes as SET_MEM_TABLE\n"
               "  --trust-front-end-files\n"
               "                    also map guest RAM files on tmpfs or hugetlbfs (hugetlb memfds too), not\n"
               "                    only sealed memfds; a front-end that shrinks such a file, or punches a\n"
               "                    hole in a hugetlb one, can crash the daemon (SIGBUS)\n",
            VMMEM_VHOST_BLK_MAX_QUEUES);
}

static int listen_on(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof addr.sun_path) {
        fprintf(stderr, "vmmem-vhost-blk: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    /* A socket left by an earlier run is replaced; anything else at the path
     * (a mistyped disk image) is left alone. */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "vmmem-vhost-blk: %s exists and is not a socket\n", path);
        return -1;
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    unlink(path);
    /* Mode 0600 from the start: only the daemon's user may connect (a
     * connection can hand the daemon memory to map). */
    mode_t old_mask = umask(S_IRWXG | S_IRWXO | S_IXUSR);
    int bound = bind(fd, (struct sockaddr *)&addr, sizeof addr);
    umask(old_mask);
    if (bound != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        fprintf(stderr, "vmmem-vhost-blk: cannot listen on %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void log_connection_end(const vmmem_vhost_blk *be, unsigned queues, int rc)
{
    const char *why = vmmem_vhost_blk_last_error(be);
    if (rc == VMMEM_ENOENT)
        fprintf(stderr, "vmmem-vhost-blk: front-end disconnected%s%s\n", *why ? "; last error: " : "", why);
    else if (rc == VMMEM_EINVAL)
        fprintf(stderr, "vmmem-vhost-blk: connection dropped: %s\n", why);
    else
        fprintf(stderr, "vmmem-vhost-blk: connection failed (%s): %s\n", vmmem_strerror(rc), why);
    for (unsigned i = 0; i < queues; i++) {
        vmmem_vhost_blk_queue_stats s;
        vmmem_vhost_blk_queue_stats_get(be, i, &s);
        fprintf(stderr, "vmmem-vhost-blk: queue %u: %llu requests, %llu kicks, %llu calls\n", i,
                (unsigned long long)s.requests, (unsigned long long)s.kicks, (unsigned long long)s.calls);
    }
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "socket", required_argument, NULL, 's' }, { "disk", required_argument, NULL, 'd' },
        { "readonly", no_argument, NULL, 'r' },     { "queues", required_argument, NULL, 'q' },
        { "block-size", required_argument, NULL, 'b' }, { "id", required_argument, NULL, 'i' },
        { "once", no_argument, NULL, 'o' },         { "help", no_argument, NULL, 'h' },
        { "no-mem-slots", no_argument, NULL, 'm' }, { "trust-front-end-files", no_argument, NULL, 't' },
        { NULL, 0, NULL, 0 }
    };
    const char *socket_path = NULL, *disk = NULL, *id = "vmmem-vhost-blk";
    vmmem_vhost_blk_config cfg = { .queues = 1, .block_size = 512 };
    int once = 0, opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 's': socket_path = optarg; break;
        case 'd': disk = optarg; break;
        case 'r': cfg.read_only = 1; break;
        case 'i': id = optarg; break;
        case 'o': once = 1; break;
        case 'm': cfg.no_mem_slots = 1; break;
        case 't': cfg.trust_front_end_files = 1; break;
        case 'q':
            cfg.queues = (unsigned)strtoul(optarg, &end, 10);
            if (*end || cfg.queues < 1 || cfg.queues > VMMEM_VHOST_BLK_MAX_QUEUES) {
                fprintf(stderr, "vmmem-vhost-blk: --queues %s: 1 to %u\n", optarg, VMMEM_VHOST_BLK_MAX_QUEUES);
                return 2;
            }
            break;
        case 'b':
            cfg.block_size = (unsigned)strtoul(optarg, &end, 10);
            if (*end || (cfg.block_size != 512 && cfg.block_size != 4096)) {
                fprintf(stderr, "vmmem-vhost-blk: --block-size %s: 512 or 4096\n", optarg);
                return 2;
            }
            break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!socket_path || !disk || optind != argc) {
        usage(stderr);
        return 2;
    }
    cfg.id = id;
    cfg.fd = open(disk, (cfg.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (cfg.fd < 0) {
        fprintf(stderr, "vmmem-vhost-blk: cannot open %s: %s\n", disk, strerror(errno));
        return 1;
    }
    vmmem_vhost_blk *be;
    int rc = vmmem_vhost_blk_create(&cfg, &be);
    if (rc != VMMEM_OK) {
        fprintf(stderr, "vmmem-vhost-blk: %s: %s (the size must be a non-zero multiple of the %u-byte block)\n", disk,
                vmmem_strerror(rc), cfg.block_size);
        return 1;
    }
    /* A peer that closes its end must not kill the daemon with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    int sig_fd = signalfd(-1, &stop, SFD_CLOEXEC);
    int listen_fd = listen_on(socket_path);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (sig_fd < 0 || listen_fd < 0 || ep < 0)
        return 1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = TAG_SIGNAL };
    epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &ev);
    ev.data.u32 = TAG_BACKEND;
    epoll_ctl(ep, EPOLL_CTL_ADD, vmmem_vhost_blk_poll_fd(be), &ev);
    ev.data.u32 = TAG_LISTEN;
    epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
    fprintf(stderr, "vmmem-vhost-blk: serving %s (%s, %u queue%s, %u-byte blocks) on %s\n", disk,
            cfg.read_only ? "read-only" : "read-write", cfg.queues, cfg.queues > 1 ? "s" : "", cfg.block_size,
            socket_path);
    int status = 0, running = 1;
    while (running) {
        struct epoll_event events[4];
        int n = epoll_wait(ep, events, 4, -1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("vmmem-vhost-blk: epoll_wait");
            status = 1;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.u32 == TAG_SIGNAL) {
                running = 0;
            } else if (events[i].data.u32 == TAG_LISTEN) {
                int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0)
                    continue;
                int attached = vmmem_vhost_blk_attach(be, conn);
                if (attached != VMMEM_OK) {
                    if (attached == VMMEM_EBUSY)
                        close(conn); /* not taken; on VMMEM_EIO attach closed it */
                    continue;
                }
                fprintf(stderr, "vmmem-vhost-blk: front-end connected\n");
                /* One front-end at a time: others wait in the backlog. */
                epoll_ctl(ep, EPOLL_CTL_DEL, listen_fd, NULL);
            } else if (events[i].data.u32 == TAG_BACKEND && vmmem_vhost_blk_connected(be)) {
                rc = vmmem_vhost_blk_dispatch(be, 0);
                if (rc == VMMEM_OK)
                    continue;
                log_connection_end(be, cfg.queues, rc);
                if (once) {
                    running = 0;
                    status = rc == VMMEM_ENOENT ? 0 : 1;
                    break;
                }
                ev.data.u32 = TAG_LISTEN;
                epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
            }
        }
    }
    unlink(socket_path);
    vmmem_vhost_blk_destroy(be);
    close(cfg.fd);
    return status;
}
