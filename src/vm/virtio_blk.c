/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/virtio_blk.c - the virtio block device: request parsing by byte
 * position (any descriptor layout), range checks against the image, data
 * moved by DMA straight between the image file and guest RAM, status byte,
 * used element. */
#include <vmmem/virtio_blk.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "dma_internal.h"
#include "guest_once.h"

struct vmmem_virtio_blk {
    vmmem_dma_device *dma;
    vmmem_virtq *vq;
    int fd;
    uint64_t capacity; /* sectors */
    unsigned char id[VMMEM_VIRTIO_BLK_ID_BYTES];
    int busy;              /* a vmmem_virtio_blk_process() is running (atomic) */
    dma_session session;   /* a process() call's transfers: one section, one region cache */
    vmmem_virtq_chain chain; /* the request being served (big: kept off the stack) */
    int read_only;           /* OUT requests get IOERR (vmmem_virtio_blk_set_read_only()) */
};

/* Inlined into vmmem_virtio_blk_process(): each call frame open across the
 * file read or write costs a mispredicted return after the system call
 * (see dma_file.c). */
#define IO_PATH inline __attribute__((always_inline))

/* A prefix of at most this many bytes is copied out of a list (the header,
 * the ID): each of its segments holds at least one byte. */
#define PREFIX_MAX_SEGMENTS 20u

int vmmem_virtio_blk_create(const vmmem_virtio_blk_config *config, vmmem_virtio_blk **out)
{
    if (!config || !out || !config->dma || config->fd < 0)
        return VMMEM_EINVAL;
    off_t size = lseek(config->fd, 0, SEEK_END);
    if (size < 0)
        return VMMEM_EIO;
    vmmem_virtio_blk *blk = calloc(1, sizeof *blk);
    if (!blk)
        return VMMEM_ENOMEM;
    int rc = vmmem_virtq_create(config->dma, &config->queue, &blk->vq);
    if (rc != VMMEM_OK) {
        free(blk);
        return rc;
    }
    blk->dma = config->dma;
    blk->fd = config->fd;
    blk->capacity = (uint64_t)size / VMMEM_VIRTIO_BLK_SECTOR_SIZE;
    if (config->id) /* zero-padded (calloc), unterminated when full */
        memcpy(blk->id, config->id, strnlen(config->id, sizeof blk->id));
    *out = blk;
    return VMMEM_OK;
}

void vmmem_virtio_blk_destroy(vmmem_virtio_blk *blk)
{
    if (!blk)
        return;
    vmmem_virtq_destroy(blk->vq);
    free(blk);
}

uint64_t vmmem_virtio_blk_capacity(const vmmem_virtio_blk *blk)
{
    return blk ? blk->capacity : 0;
}

vmmem_virtq *vmmem_virtio_blk_queue(const vmmem_virtio_blk *blk)
{
    return blk ? blk->vq : NULL;
}

int vmmem_virtio_blk_reset(vmmem_virtio_blk *blk)
{
    if (!blk)
        return VMMEM_EINVAL;
    if (__atomic_exchange_n(&blk->busy, 1, __ATOMIC_ACQUIRE))
        return VMMEM_EBUSY;
    int rc = vmmem_virtq_reset(blk->vq);
    __atomic_store_n(&blk->busy, 0, __ATOMIC_RELEASE);
    return rc;
}

static uint64_t list_bytes(const vmmem_dma_segment *sg, size_t count)
{
    uint64_t sum = 0; /* at most VMMEM_VIRTQ_MAX_SIZE lengths of 32 bits: no overflow */
    for (size_t i = 0; i < count; i++)
        sum += sg[i].len;
    return sum;
}

/* Copies the segments covering the first `bytes` (> 0) bytes of the list
 * into out[] (at most PREFIX_MAX_SEGMENTS, since bytes <= that), the last one
 * shortened; returns how many. The list holds at least `bytes` bytes. */
static size_t list_prefix(const vmmem_dma_segment *sg, uint64_t bytes, vmmem_dma_segment *out)
{
    size_t n = 0;
    for (size_t i = 0; bytes; i++) {
        if (sg[i].len == 0)
            continue;
        uint64_t take = sg[i].len < bytes ? sg[i].len : bytes;
        out[n++] = (vmmem_dma_segment){ sg[i].addr, take };
        bytes -= take;
    }
    return n;
}

/* Whether a segment of the list wraps past 2^64. Checked on the chain as
 * popped, before a prefix is cut off or a segment trimmed: trimming a
 * wrapping segment could leave a range that no longer wraps ({2^64 - 16,
 * 528} less a 16-byte header is {0, 512}). */
static int list_wraps(const vmmem_dma_segment *sg, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (sg[i].len && sg[i].addr + (sg[i].len - 1) < sg[i].addr)
            return 1;
    return 0;
}

/* Drops the first `bytes` bytes of the list in place (the list holds at
 * least that many, and no segment wraps: list_wraps()); returns the index
 * of the first segment left. */
static size_t list_skip(vmmem_dma_segment *sg, size_t count, uint64_t bytes)
{
    size_t i = 0;
    while (i < count && bytes >= sg[i].len) {
        bytes -= sg[i].len;
        i++;
    }
    if (bytes) { /* inside segment i */
        sg[i].addr += bytes;
        sg[i].len -= bytes;
    }
    return i;
}

/* Walk visitors (ctx: a guest_move) for the few bytes the device decides
 * on or publishes: RAM and ROM pieces read once or stored with single
 * stores (guest_once.h), device pieces through their callbacks. */
static int read_once_piece(void *ctx, const guest_piece *p)
{
    return guest_move_piece_out(ctx, p, guest_once_copy);
}

static int store_once_piece(void *ctx, const guest_piece *p)
{
    return guest_move_piece_in(ctx, p, guest_once_store);
}

/* vmmem_dma_from_guest() / _to_guest() of a few bytes (the header, the
 * status, the ID) in the device's session, each guest byte read once or
 * stored once: the whole list validated first (nothing moves on a
 * refusal), then moved against the same map. */
static int move_once(vmmem_virtio_blk *blk, const vmmem_dma_segment *sg, size_t count, void *buf, size_t len,
                     vmmem_dma_direction dir)
{
    dma_transfer t;
    dma_transfer_begin(&t, blk->dma->gm, &blk->session);
    uint64_t total;
    int rc = dma_check_in(blk->dma, &t, sg, count, dir, &total);
    if (rc == VMMEM_OK && total != len)
        rc = VMMEM_ERANGE;
    guest_move mv = guest_move_start(buf, len, dir == VMMEM_DMA_TO_GUEST && guest_tracks_dirty(blk->dma->gm));
    if (rc == VMMEM_OK && dir == VMMEM_DMA_TO_GUEST)
        rc = dma_list_walk(blk->dma, &t, sg, count, GUEST_RULE_WRITE, store_once_piece, &mv);
    else if (rc == VMMEM_OK) {
        GUEST_READ_KIND(GUEST_READ_HEADER); /* one fetch of the header (the only bytes read this way) */
        rc = dma_list_walk(blk->dma, &t, sg, count, GUEST_RULE_READ, read_once_piece, &mv);
    }
    dirty_run_flush(&mv.dirty);
    dma_transfer_end(&t);
    return rc;
}

/* Whether the status byte can be written (the DMA rules of a device
 * write, in the device's session): checked before the request is served,
 * since a request that cannot be answered is refused and must move
 * nothing (neither the image nor the guest's buffers). */
static int status_check(vmmem_virtio_blk *blk, const vmmem_dma_segment *status_sg)
{
    dma_transfer t;
    dma_transfer_begin(&t, blk->dma->gm, &blk->session);
    int rc = dma_check_in(blk->dma, &t, status_sg, 1, VMMEM_DMA_TO_GUEST, NULL);
    dma_transfer_end(&t);
    return rc;
}

/* The sectors [sector, sector + bytes / 512) lie inside the image and bytes
 * is a non-zero multiple of a sector. */
static int in_range(const vmmem_virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
    if (bytes == 0 || bytes % VMMEM_VIRTIO_BLK_SECTOR_SIZE)
        return 0;
    return sector <= blk->capacity && bytes / VMMEM_VIRTIO_BLK_SECTOR_SIZE <= blk->capacity - sector;
}

/* Serves one request whose writable part (without the status byte) is
 * in[0..in_count) of in_bytes bytes. Returns the status; *written gets the
 * data bytes written into the guest. */
IO_PATH static uint8_t serve(vmmem_virtio_blk *blk, vmmem_virtq_chain *c, vmmem_dma_segment *in, size_t in_count,
                     uint64_t in_bytes, uint32_t *written)
{
    vmmem_dma_segment *out = c->seg;
    size_t out_count = c->readable;
    uint64_t out_bytes = list_bytes(out, out_count);
    if (out_bytes < VMMEM_VIRTIO_BLK_HEADER_SIZE)
        return VMMEM_VIRTIO_BLK_S_IOERR;
    /* Validated whole before any part is cut off (the header, the ID's
     * prefix): nothing moves for a buffer that wraps. */
    if (list_wraps(out, out_count) || list_wraps(in, in_count))
        return VMMEM_VIRTIO_BLK_S_IOERR;
    vmmem_dma_segment header_sg[PREFIX_MAX_SEGMENTS];
    size_t header_count = list_prefix(out, VMMEM_VIRTIO_BLK_HEADER_SIZE, header_sg);
    struct {
        uint32_t type, reserved;
        uint64_t sector;
    } header; /* the guest's header, read once (guest_once.h) */
    if (move_once(blk, header_sg, header_count, &header, sizeof header, VMMEM_DMA_FROM_GUEST) != VMMEM_OK)
        return VMMEM_VIRTIO_BLK_S_IOERR;
    uint32_t type = le32toh(header.type);
    uint64_t sector = le64toh(header.sector);
    uint64_t offset = sector * VMMEM_VIRTIO_BLK_SECTOR_SIZE; /* used only once in_range() holds */
    GUEST_DECIDED(GUEST_DECIDED_TYPE, type);
    GUEST_DECIDED(GUEST_DECIDED_SECTOR, sector);
    GUEST_DECIDED(GUEST_DECIDED_OUT_BYTES, out_bytes);
    GUEST_DECIDED(GUEST_DECIDED_IN_BYTES, in_bytes);
    switch (type) {
    case VMMEM_VIRTIO_BLK_T_IN:
        if (!in_range(blk, sector, in_bytes))
            return VMMEM_VIRTIO_BLK_S_IOERR;
        if (dma_read_file_in(&blk->session, blk->dma, in, in_count, blk->fd, offset, NULL) != VMMEM_OK)
            return VMMEM_VIRTIO_BLK_S_IOERR;
        /* The used length is 32 bits; a larger request (max_total above
         * 4 GiB) reports the most it can. */
        *written = in_bytes < UINT32_MAX ? (uint32_t)in_bytes : UINT32_MAX - 1;
        return VMMEM_VIRTIO_BLK_S_OK;
    case VMMEM_VIRTIO_BLK_T_OUT: {
        if (blk->read_only)
            return VMMEM_VIRTIO_BLK_S_IOERR;
        uint64_t data_bytes = out_bytes - VMMEM_VIRTIO_BLK_HEADER_SIZE;
        if (!in_range(blk, sector, data_bytes))
            return VMMEM_VIRTIO_BLK_S_IOERR;
        size_t first = list_skip(out, out_count, VMMEM_VIRTIO_BLK_HEADER_SIZE);
        if (dma_write_file_in(&blk->session, blk->dma, out + first, out_count - first, blk->fd, offset) != VMMEM_OK)
            return VMMEM_VIRTIO_BLK_S_IOERR;
        return VMMEM_VIRTIO_BLK_S_OK;
    }
    case VMMEM_VIRTIO_BLK_T_FLUSH:
        return fdatasync(blk->fd) == 0 ? VMMEM_VIRTIO_BLK_S_OK : VMMEM_VIRTIO_BLK_S_IOERR;
    case VMMEM_VIRTIO_BLK_T_GET_ID: {
        if (in_bytes == 0)
            return VMMEM_VIRTIO_BLK_S_IOERR;
        uint64_t n = in_bytes < VMMEM_VIRTIO_BLK_ID_BYTES ? in_bytes : VMMEM_VIRTIO_BLK_ID_BYTES;
        vmmem_dma_segment id_sg[PREFIX_MAX_SEGMENTS];
        size_t id_count = list_prefix(in, n, id_sg);
        if (move_once(blk, id_sg, id_count, blk->id, (size_t)n, VMMEM_DMA_TO_GUEST) != VMMEM_OK)
            return VMMEM_VIRTIO_BLK_S_IOERR;
        *written = (uint32_t)n;
        return VMMEM_VIRTIO_BLK_S_OK;
    }
    default:
        return VMMEM_VIRTIO_BLK_S_UNSUPP;
    }
}

/* Answers the popped chain: serve, status byte, used element. Returns
 * VMMEM_OK, or a negative code with the queue broken. */
IO_PATH static int answer(vmmem_virtio_blk *blk)
{
    vmmem_virtq_chain *c = &blk->chain;
    vmmem_dma_segment *in = c->seg + c->readable;
    size_t in_count = c->writable;
    /* The status is the last writable byte: find its segment. */
    size_t last = in_count;
    while (last > 0 && in[last - 1].len == 0)
        last--;
    if (last == 0) {
        vmmem_virtq_mark_broken_for(blk->vq, VMMEM_VIRTQ_ERR_NO_STATUS);
        return VMMEM_EINVAL; /* nowhere to put the status */
    }
    vmmem_dma_segment status_sg = { in[last - 1].addr + (in[last - 1].len - 1), 1 };
    if (status_sg.addr < in[last - 1].addr) {
        vmmem_virtq_mark_broken_for(blk->vq, VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
        return VMMEM_ERANGE; /* the status segment wraps past 2^64 */
    }
    int rc = status_check(blk, &status_sg);
    if (rc != VMMEM_OK) {
        vmmem_virtq_mark_broken_for(blk->vq, VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
        return rc;
    }
    in[last - 1].len--;
    uint64_t in_bytes = list_bytes(in, last);
    uint32_t written = 0;
    uint8_t status = serve(blk, c, in, last, in_bytes, &written);
    GUEST_DECIDED(GUEST_DECIDED_HEAD, c->head);
    GUEST_DECIDED(GUEST_DECIDED_STATUS, status);
    GUEST_DECIDED(GUEST_DECIDED_WRITTEN, written);
    rc = move_once(blk, &status_sg, 1, &status, 1, VMMEM_DMA_TO_GUEST);
    if (rc != VMMEM_OK) { /* a device's callback failed (VMMEM_EPARTIAL), or the map changed */
        vmmem_virtq_mark_broken_for(blk->vq, VMMEM_VIRTQ_ERR_STATUS_UNWRITABLE);
        return rc;
    }
    return vmmem_virtq_push(blk->vq, c->head, written + 1);
}

int vmmem_virtio_blk_process(vmmem_virtio_blk *blk, unsigned *completed)
{
    unsigned done = 0;
    if (completed)
        *completed = 0;
    if (!blk)
        return VMMEM_EINVAL;
    if (__atomic_exchange_n(&blk->busy, 1, __ATOMIC_ACQUIRE))
        return VMMEM_EBUSY;
    /* One read-side section (and virtqueue batch) per request: a region
     * change or vmmem_guest_dirty_enable() waits for at most the request
     * being served, never for a queue's worth (each up to max_total bytes
     * of file I/O). The next chain is popped before the section is left,
     * so that the last request's section also finds the ring empty (no
     * section of its own for that: one request per call costs what it did
     * with one section per call); the popped chain is a private copy, and
     * its buffers are validated against the map of the section that
     * serves it. The rings' host addresses and the session's region cache
     * are kept across sections while the map is unchanged. */
    int rc = vmmem_virtq_begin(blk->vq);
    int in_section = rc == VMMEM_OK;
    if (in_section) {
        dma_session_begin(&blk->session, vmmem_dma_device_memory(blk->dma));
        int popped = vmmem_virtq_pop(blk->vq, &blk->chain);
        while (popped > 0) {
            rc = answer(blk);
            if (rc != VMMEM_OK || ++done == vmmem_virtq_size(blk->vq))
                break;
            popped = vmmem_virtq_pop(blk->vq, &blk->chain);
            if (popped <= 0)
                break;
            dma_session_end(&blk->session);
            vmmem_virtq_end(blk->vq);
            rc = vmmem_virtq_begin(blk->vq); /* fails only when the queue broke */
            in_section = rc == VMMEM_OK;
            if (!in_section)
                break;
            dma_session_begin(&blk->session, vmmem_dma_device_memory(blk->dma));
        }
        if (popped < 0)
            rc = popped;
    }
    if (in_section) {
        dma_session_end(&blk->session);
        vmmem_virtq_end(blk->vq);
    }
    __atomic_store_n(&blk->busy, 0, __ATOMIC_RELEASE);
    if (completed)
        *completed = done;
    if (rc < 0)
        return vmmem_virtq_is_broken(blk->vq) ? VMMEM_EINVAL : rc;
    return VMMEM_OK;
}

int vmmem_virtio_blk_set_read_only(vmmem_virtio_blk *blk, int read_only)
{
    if (!blk)
        return VMMEM_EINVAL;
    blk->read_only = read_only != 0;
    return VMMEM_OK;
}
