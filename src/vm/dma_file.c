/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/dma_file.c - file I/O straight into and out of guest memory:
 * preadv()/pwritev() on iovecs that point into guest RAM, a bounded bounce
 * buffer for MMIO segments. The list is walked against one map: checked as
 * a whole before a byte moves, then moved with the same pieces. */
#include "dma_internal.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Inlined on the way to the system call: every call frame still open
 * across it costs a mispredicted return afterwards (the kernel refills the
 * return stack buffer on the way back to user space; about 7 ns per frame
 * on the machine of docs/performance.md). */
#define IO_PATH inline __attribute__((always_inline))

/* Where an iovec of the batch points: bytes [offset, offset + len) of a
 * RAM region, kept to mark them dirty, in that region, after a read. */
typedef struct batch_target {
    const guest_region *region;
    uint64_t offset;
    uint64_t len;
} batch_target;

/* A run of consecutive RAM pieces, moved by one preadv()/pwritev(). */
typedef struct ram_batch {
    int count; /* first: the lines a small transfer touches stay together */
    struct iovec iov[VMMEM_DMA_MAX_SEGMENTS];
    batch_target target[VMMEM_DMA_MAX_SEGMENTS];
} ram_batch;

/* Where a file transfer stands. */
typedef struct file_io {
    vmmem_guest_memory *gm;
    int fd;
    vmmem_dma_direction dir;
    uint64_t offset;     /* file offset of the next byte */
    int eof;             /* reads: the file ended; the rest is zero-filled */
    uint64_t file_bytes; /* reads: bytes that came from the file */
    guest_progress progress; /* bytes of the list moved, in list order */
    ram_batch batch;
} file_io;

/* Drops the first n bytes of iov[*first..count). */
static void iov_consume(struct iovec *iov, int *first, int count, size_t n)
{
    while (n && *first < count) {
        size_t take = n < iov[*first].iov_len ? n : iov[*first].iov_len;
        iov[*first].iov_base = (unsigned char *)iov[*first].iov_base + take;
        iov[*first].iov_len -= take;
        n -= take;
        if (iov[*first].iov_len == 0)
            (*first)++;
    }
    while (*first < count && iov[*first].iov_len == 0)
        (*first)++;
}

/* Fills iov[0..count) from the file; after the end of the file, zeros.
 * *moved gets the bytes filled, also when a read fails (VMMEM_EIO, errno
 * set). */
IO_PATH static int read_iov(file_io *io, struct iovec *iov, int count, uint64_t *moved)
{
    int first = 0;
    *moved = 0;
    while (first < count) {
        if (io->eof) {
            memset(iov[first].iov_base, 0, iov[first].iov_len);
            *moved += iov[first].iov_len;
            first++;
            continue;
        }
        /* One buffer: pread(), which has no iovec to import (measurably
         * cheaper per call). */
        const struct iovec *left = iov + first;
        int left_count = count - first;
        ssize_t n = left_count == 1 ? pread(io->fd, left->iov_base, left->iov_len, (off_t)io->offset)
                                    : preadv(io->fd, left, left_count, (off_t)io->offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return VMMEM_EIO;
        }
        if (n == 0) {
            io->eof = 1;
            continue;
        }
        io->offset += (uint64_t)n;
        io->file_bytes += (uint64_t)n;
        *moved += (uint64_t)n;
        iov_consume(iov, &first, count, (size_t)n);
    }
    return VMMEM_OK;
}

/* Writes iov[0..count) to the file; *moved as for read_iov(). */
IO_PATH static int write_iov(file_io *io, struct iovec *iov, int count, uint64_t *moved)
{
    int first = 0;
    *moved = 0;
    while (first < count) {
        const struct iovec *left = iov + first;
        int left_count = count - first;
        ssize_t n = left_count == 1 ? pwrite(io->fd, left->iov_base, left->iov_len, (off_t)io->offset)
                                    : pwritev(io->fd, left, left_count, (off_t)io->offset);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return VMMEM_EIO;
        }
        if (n == 0) {
            errno = ENOSPC;
            return VMMEM_EIO;
        }
        io->offset += (uint64_t)n;
        *moved += (uint64_t)n;
        iov_consume(iov, &first, count, (size_t)n);
    }
    return VMMEM_OK;
}

/* read_iov() and write_iov() out of line, for the bounce buffer's single
 * iovec: inlined with count 1, GCC 12 warns that preadv() could read past
 * it, on a branch that only runs for several (GCC's noipa: no copy
 * specialised for count 1 either; clang has no such warning). */
#if defined(__clang__)
#define OUT_OF_LINE __attribute__((noinline))
#else
#define OUT_OF_LINE __attribute__((noipa))
#endif

OUT_OF_LINE static int read_iov_out_of_line(file_io *io, struct iovec *iov, int count, uint64_t *moved)
{
    return read_iov(io, iov, count, moved);
}

OUT_OF_LINE static int write_iov_out_of_line(file_io *io, struct iovec *iov, int count, uint64_t *moved)
{
    return write_iov(io, iov, count, moved);
}

/* A failed file read or write: VMMEM_EPARTIAL, the cause VMMEM_EIO. */
static int file_failed(file_io *io)
{
    io->progress.cause = VMMEM_EIO;
    return VMMEM_EPARTIAL;
}

/* Moves the pending RAM batch. */
IO_PATH static int flush_batch(file_io *io)
{
    ram_batch *b = &io->batch;
    if (b->count == 0)
        return VMMEM_OK;
    int rc;
    uint64_t moved;
    if (io->dir == VMMEM_DMA_TO_GUEST) {
        rc = read_iov(io, b->iov, b->count, &moved);
        /* Marked after the read (a page reported clean while the read was
         * still landing would be lost), and even after a failed read, since
         * part of it may have landed; each piece in the region it was read
         * into, which may have left the map meanwhile. */
        if (guest_tracks_dirty(io->gm)) {
            dirty_run dirty = DIRTY_RUN_EMPTY;
            for (int i = 0; i < b->count; i++)
                dirty_run_add(&dirty, b->target[i].region, b->target[i].offset, b->target[i].len);
            dirty_run_flush(&dirty);
        }
    } else {
        rc = write_iov(io, b->iov, b->count, &moved);
    }
    io->progress.done += moved;
    b->count = 0;
    return rc == VMMEM_OK ? VMMEM_OK : file_failed(io);
}

/* Adds a RAM piece to the batch; a piece that continues the previous one in
 * the same region extends it (fewer iovecs for the kernel). Returns 0,
 * adding nothing, when the batch is full. */
static inline int batch_add(ram_batch *b, const guest_piece *piece)
{
    if (b->count) {
        struct iovec *last = &b->iov[b->count - 1];
        batch_target *target = &b->target[b->count - 1];
        if (target->region == piece->region && target->offset + target->len == piece->offset &&
            last->iov_len <= SSIZE_MAX - piece->len) {
            last->iov_len += (size_t)piece->len;
            target->len += piece->len;
            return 1;
        }
    }
    if (b->count == VMMEM_DMA_MAX_SEGMENTS)
        return 0;
    b->iov[b->count] = (struct iovec){ guest_piece_host(piece), (size_t)piece->len };
    b->target[b->count] = (batch_target){ piece->region, piece->offset, piece->len };
    b->count++;
    return 1;
}

/* What the one-pass gather returns when the list needs the general path. */
#define GATHER_GENERAL 1

/* The gather's visitor: a RAM or ROM piece goes into the batch; an MMIO
 * piece, or a full batch, sends the list down the general path. */
static int gather_piece(void *batch, const guest_piece *piece)
{
    if (!piece->region->host || !batch_add(batch, piece))
        return GATHER_GENERAL;
    return VMMEM_OK;
}

/* Moves an MMIO piece through the bounce buffer, in chunks that start at
 * multiples of the buffer's size from the piece's start (so device writes
 * stay aligned to its units). Not inlined: the buffer stays off the stack
 * frame of transfers that never need it. */
__attribute__((noinline)) static int bounce_mmio(file_io *io, const guest_piece *piece)
{
    unsigned char bounce[VMMEM_DMA_BOUNCE_SIZE];
    const vmmem_mmio_ops *ops = &piece->region->mmio;
    for (uint64_t done = 0; done < piece->len;) {
        size_t n = piece->len - done < sizeof bounce ? (size_t)(piece->len - done) : sizeof bounce;
        struct iovec iov = { bounce, n };
        uint64_t moved = 0, unused;
        int rc;
        if (io->dir == VMMEM_DMA_TO_GUEST) {
            if (read_iov_out_of_line(io, &iov, 1, &unused) != VMMEM_OK)
                return file_failed(io);
            rc = mmio_write_range(ops, piece->offset + done, bounce, n, &moved); /* into the guest */
        } else {
            rc = mmio_read_range(ops, piece->offset + done, bounce, n, &unused);
            if (rc == VMMEM_OK && write_iov_out_of_line(io, &iov, 1, &moved) != VMMEM_OK) { /* into the file */
                io->progress.done += moved;
                return file_failed(io);
            }
        }
        io->progress.done += moved;
        if (rc != VMMEM_OK) {
            io->progress.cause = rc;
            return VMMEM_EPARTIAL;
        }
        done += n;
    }
    return VMMEM_OK;
}

/* The general path's visitor (a list with MMIO pieces, or more pieces than
 * one batch): RAM pieces are batched, an MMIO piece moves the batch and
 * then goes through the bounce buffer, in list order. */
static int move_piece(void *ctx, const guest_piece *piece)
{
    file_io *io = ctx;
    if (!piece->region->host) {
        int rc = flush_batch(io);
        return rc == VMMEM_OK ? bounce_mmio(io, piece) : rc;
    }
    if (batch_add(&io->batch, piece))
        return VMMEM_OK;
    int rc = flush_batch(io); /* full: move it, then start the next */
    if (rc == VMMEM_OK)
        batch_add(&io->batch, piece);
    return rc;
}

/* The whole transfer runs in one read-side section (its own, or the
 * session's) and walks one map. A list of RAM pieces only is checked and
 * gathered in one walk and moved by one call; otherwise the list is walked
 * once more to check it whole, then again to move it piece by piece, MMIO
 * through the bounce buffer. */
IO_PATH static int file_transfer(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count,
                                 int fd, uint64_t offset, vmmem_dma_direction dir, uint64_t *file_bytes)
{
    if (!dev)
        return VMMEM_EINVAL;
    file_io io; /* not zero-initialised: the batch arrays are 40 KiB */
    io.gm = dev->gm;
    io.fd = fd;
    io.dir = dir;
    io.offset = offset;
    io.eof = 0;
    io.file_bytes = 0;
    io.progress = (guest_progress){ 0, VMMEM_OK };
    io.batch.count = 0;
    dma_transfer t;
    dma_transfer_begin(&t, io.gm, s);
    const guest_rule rule = dma_rule(dir);
    uint64_t total;
    int rc = dma_check_lengths(dev, sg, count, dir, &total);
    int general = 0;
    if (rc == VMMEM_OK) {
        rc = dma_list_walk(dev, &t, sg, count, rule, gather_piece, &io.batch);
        general = rc == GATHER_GENERAL;
        if (general) {
            io.batch.count = 0;
            rc = dma_list_walk(dev, &t, sg, count, rule, NULL, NULL);
        }
    }
    if (rc == VMMEM_OK && (fd < 0 || offset > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX - offset))
        rc = VMMEM_EINVAL;
    /* At this point the whole list is valid; unless general, the batch
     * holds all of it. */
    if (rc == VMMEM_OK && general)
        rc = dma_list_walk(dev, &t, sg, count, rule, move_piece, &io);
    if (rc == VMMEM_OK)
        rc = flush_batch(&io);
    dma_transfer_end(&t);
    if (file_bytes)
        *file_bytes = io.file_bytes;
    if (rc == VMMEM_EPARTIAL) {
        int saved = errno; /* the system's code of a file error, for the caller */
        guest_report_partial(total, &io.progress);
        errno = saved;
    }
    return rc;
}

int dma_read_file_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                     uint64_t offset, uint64_t *file_bytes)
{
    return file_transfer(s, dev, sg, count, fd, offset, VMMEM_DMA_TO_GUEST, file_bytes);
}

int dma_write_file_in(dma_session *s, vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                      uint64_t offset)
{
    return file_transfer(s, dev, sg, count, fd, offset, VMMEM_DMA_FROM_GUEST, NULL);
}

int vmmem_dma_read_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                        uint64_t offset, uint64_t *file_bytes)
{
    return file_transfer(NULL, dev, sg, count, fd, offset, VMMEM_DMA_TO_GUEST, file_bytes);
}

int vmmem_dma_write_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                         uint64_t offset)
{
    return file_transfer(NULL, dev, sg, count, fd, offset, VMMEM_DMA_FROM_GUEST, NULL);
}
