/* src/vm/dma_file.c - file I/O straight into and out of guest memory:
 * preadv()/pwritev() on iovecs that point into guest RAM, a bounded bounce
 * buffer for MMIO segments. The list is validated as a whole first. */
#include "dma_internal.h"
#include "guest_internal.h"

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

/* A run of consecutive RAM pieces, moved by one preadv()/pwritev(). The
 * pieces' guest ranges are kept to mark them dirty after a read. */
typedef struct ram_batch {
    int count; /* first: the lines a small transfer touches stay together */
    struct iovec iov[VMMEM_DMA_MAX_SEGMENTS];
    vmmem_dma_segment range[VMMEM_DMA_MAX_SEGMENTS];
} ram_batch;

/* Where a file transfer stands. */
typedef struct file_io {
    vmmem_guest_memory *gm;
    int fd;
    uint64_t offset;     /* file offset of the next byte */
    int eof;             /* reads: the file ended; the rest is zero-filled */
    uint64_t file_bytes; /* reads: bytes that came from the file */
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

/* Fills iov[0..count) from the file; after the end of the file, zeros. */
IO_PATH static int read_iov(file_io *io, struct iovec *iov, int count)
{
    int first = 0;
    while (first < count) {
        if (io->eof) {
            memset(iov[first].iov_base, 0, iov[first].iov_len);
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
        iov_consume(iov, &first, count, (size_t)n);
    }
    return VMMEM_OK;
}

/* Writes iov[0..count) to the file. */
IO_PATH static int write_iov(file_io *io, struct iovec *iov, int count)
{
    int first = 0;
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

OUT_OF_LINE static int read_iov_out_of_line(file_io *io, struct iovec *iov, int count)
{
    return read_iov(io, iov, count);
}

OUT_OF_LINE static int write_iov_out_of_line(file_io *io, struct iovec *iov, int count)
{
    return write_iov(io, iov, count);
}

/* Moves the pending RAM batch. */
IO_PATH static int flush_batch(file_io *io, vmmem_dma_direction dir)
{
    ram_batch *b = &io->batch;
    if (b->count == 0)
        return VMMEM_OK;
    int rc;
    if (dir == VMMEM_DMA_TO_GUEST) {
        rc = read_iov(io, b->iov, b->count);
        /* Marked after the read (a page reported clean while the read was
         * still landing would be lost), and even after a failed read, since
         * part of it may have landed. */
        if (guest_tracks_dirty(io->gm)) {
            dma_dirty_run dirty = { 0, 0 };
            for (int i = 0; i < b->count; i++)
                dma_dirty_add(io->gm, &dirty, b->range[i].addr, b->range[i].len);
            dma_dirty_flush(io->gm, &dirty);
        }
    } else {
        rc = write_iov(io, b->iov, b->count);
    }
    b->count = 0;
    return rc;
}

/* Adds a RAM piece to the batch; a piece that continues the previous one in
 * both guest and host memory extends it (fewer iovecs for the kernel).
 * Returns 0, adding nothing, when the batch is full. */
static int batch_add(ram_batch *b, vmmem_gpa gpa, unsigned char *host, uint64_t len)
{
    if (b->count) {
        struct iovec *last = &b->iov[b->count - 1];
        vmmem_dma_segment *range = &b->range[b->count - 1];
        if ((unsigned char *)last->iov_base + last->iov_len == host && range->addr + range->len == gpa &&
            last->iov_len <= SSIZE_MAX - len) {
            last->iov_len += (size_t)len;
            range->len += len;
            return 1;
        }
    }
    if (b->count == VMMEM_DMA_MAX_SEGMENTS)
        return 0;
    b->iov[b->count] = (struct iovec){ host, (size_t)len };
    b->range[b->count] = (vmmem_dma_segment){ gpa, len };
    b->count++;
    return 1;
}

/* batch_add(), moving the batch first when it is full. */
static int add_to_batch(file_io *io, vmmem_dma_direction dir, vmmem_gpa gpa, unsigned char *host, uint64_t len)
{
    if (batch_add(&io->batch, gpa, host, len))
        return VMMEM_OK;
    int rc = flush_batch(io, dir);
    if (rc == VMMEM_OK)
        batch_add(&io->batch, gpa, host, len); /* the batch is empty now */
    return rc;
}

/* What gather_ram() returns when the list needs the general path. */
#define GATHER_GENERAL 1

/* gather_ram()'s visitor: a RAM or ROM piece goes into the batch; an MMIO
 * piece, or a full batch, sends the list down the general path. */
static int gather_piece(void *batch, vmmem_gpa gpa, const dma_piece *piece)
{
    if (piece->kind == VMMEM_REGION_MMIO || !batch_add(batch, gpa, piece->host, piece->len))
        return GATHER_GENERAL;
    return VMMEM_OK;
}

/* The common case in one pass: checks the list's regions exactly as
 * dma_check_regions() does (the same walk, so the same first error) and
 * gathers its pieces into the empty batch b as it goes. Returns VMMEM_OK
 * when the list is valid and the batch holds all of it, a check's error,
 * or GATHER_GENERAL, with the batch emptied, when a piece is MMIO or the
 * pieces outnumber the batch's iovecs: the caller then checks and moves the
 * list the general way. */
static int gather_ram(const vmmem_dma_device *dev, dma_region_cache *cache, const vmmem_dma_segment *sg,
                      size_t count, vmmem_dma_direction dir, ram_batch *b)
{
    int rc = dma_walk_pieces(dev, cache, sg, count, dir, gather_piece, b);
    if (rc == GATHER_GENERAL)
        b->count = 0;
    return rc;
}

/* Moves an MMIO piece through the bounce buffer. Not inlined: the buffer
 * stays off the stack frame of transfers that never need it. */
__attribute__((noinline)) static int bounce_mmio(file_io *io, vmmem_gpa gpa, uint64_t len, vmmem_dma_direction dir)
{
    unsigned char bounce[VMMEM_DMA_BOUNCE_SIZE];
    while (len) {
        size_t n = len < sizeof bounce ? (size_t)len : sizeof bounce;
        struct iovec iov = { bounce, n };
        int rc;
        if (dir == VMMEM_DMA_TO_GUEST) {
            rc = read_iov_out_of_line(io, &iov, 1);
            if (rc == VMMEM_OK)
                rc = vmmem_guest_write(io->gm, gpa, bounce, n);
        } else {
            rc = vmmem_guest_read(io->gm, gpa, bounce, n);
            if (rc == VMMEM_OK)
                rc = write_iov_out_of_line(io, &iov, 1);
        }
        if (rc != VMMEM_OK)
            return rc;
        gpa += n;
        len -= n;
    }
    return VMMEM_OK;
}

/* The whole transfer runs in one read-side section (its own, or the
 * session's): the list is validated, then moved, against the same regions.
 * A list of RAM pieces only is gathered while it is checked and moved by
 * one call; otherwise the check is redone and the list moved piece by
 * piece, MMIO through the bounce buffer. */
IO_PATH static int file_transfer(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                         uint64_t offset, vmmem_dma_direction dir, uint64_t *file_bytes)
{
    if (!dev)
        return VMMEM_EINVAL;
    file_io io; /* not zero-initialised: the batch arrays are 32 KiB */
    io.gm = dev->gm;
    io.fd = fd;
    io.offset = offset;
    io.eof = 0;
    io.file_bytes = 0;
    io.batch.count = 0;
    dma_region_cache local;
    dma_region_cache *cache = dma_transfer_enter(io.gm, &local);
    uint64_t total;
    int rc = dma_check_lengths(dev, sg, count, dir, &total);
    int general = 0;
    if (rc == VMMEM_OK) {
        rc = gather_ram(dev, cache, sg, count, dir, &io.batch);
        general = rc == GATHER_GENERAL;
        if (general)
            rc = dma_check_regions(dev, cache, sg, count, dir);
    }
    if (rc == VMMEM_OK && (fd < 0 || offset > (uint64_t)INT64_MAX || total > (uint64_t)INT64_MAX - offset))
        rc = VMMEM_EINVAL;
    dma_cursor cur;
    dma_cursor_init(&cur, sg, count);
    vmmem_gpa gpa = 0;
    uint64_t span;
    /* At this point the whole list is valid; unless general, the batch
     * holds all of it. */
    while (rc == VMMEM_OK && general && (span = dma_cursor_span(&cur, &gpa)) != 0) {
        dma_piece piece;
        rc = dma_resolve_piece(io.gm, cache, gpa, span, dir, &piece);
        if (rc != VMMEM_OK)
            break;
        if (piece.kind == VMMEM_REGION_MMIO) {
            rc = flush_batch(&io, dir);
            if (rc == VMMEM_OK)
                rc = bounce_mmio(&io, gpa, piece.len, dir);
        } else {
            rc = add_to_batch(&io, dir, gpa, piece.host, piece.len);
        }
        dma_cursor_advance(&cur, piece.len);
    }
    if (rc == VMMEM_OK)
        rc = flush_batch(&io, dir);
    dma_transfer_exit(io.gm, cache, &local);
    if (file_bytes)
        *file_bytes = io.file_bytes;
    return rc;
}

int vmmem_dma_read_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                        uint64_t offset, uint64_t *file_bytes)
{
    return file_transfer(dev, sg, count, fd, offset, VMMEM_DMA_TO_GUEST, file_bytes);
}

int vmmem_dma_write_file(vmmem_dma_device *dev, const vmmem_dma_segment *sg, size_t count, int fd,
                         uint64_t offset)
{
    return file_transfer(dev, sg, count, fd, offset, VMMEM_DMA_FROM_GUEST, NULL);
}
