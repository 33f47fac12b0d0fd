/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_double_fetch.c - libFuzzer target: guest memory rewritten
 * between the device's reads; no field read twice within a request, and a
 * replay that shows no other fetch changes what the device does.
 *
 * The fuzz build compiles a hook into every read of a guest-controlled
 * field (src/vm/guest_once.h: descriptors, available index and ring,
 * indirect tables, request headers, the notification fields), marks where
 * each request starts (a pop, a notification call) and what kind of field
 * the reads that follow are, and reports the device's decisions (type,
 * sector, byte counts, head, status, used length); this target defines
 * them.
 *
 * Input: byte 0 picks the queue size (1 << (byte % 9): 1..256) and, by
 * bit 0 of byte / 9, event indices; bytes 1-2 (little-endian) the length L
 * of the initial guest bytes that follow (at most INPUT_WINDOW, copied to
 * guest address 0: the descriptor table at 0, the available ring at AVAIL,
 * headers and indirect tables wherever the input puts them); the rest are
 * mutations of MUTATION_BYTES each: {read number, offset (le16), value}:
 * before the device's read of that number (counted from 0 over the whole
 * input), guest byte `offset` (within the window) becomes `value`.
 *
 * Checked in every run, within one request: no byte is read twice as the
 * same kind of field (a descriptor re-read whole at the same place is a
 * chain visiting it again - a loop, bounded by the walk - and allowed; the
 * header is one fetch, whose pieces may name the same bytes). That is the
 * double fetch itself, found whatever values the guest wrote: a check on
 * one read and a use of another.
 *
 * Run A serves the queue KICKS times with the mutations applied (each kick
 * followed by vmmem_virtq_need_notify() and vmmem_virtq_arm_notify()), and
 * logs every read (offset, length, the bytes read). Run B starts again
 * from the same guest memory and image, and at each read writes back
 * exactly the bytes run A read there - then, right after the read,
 * overwrites them with their complement. A device that reads every field
 * once decides only on what its reads returned, so run B must make the
 * same reads (same places, same order) and reach the same outcome: per
 * kick the return code, the requests answered and the notification
 * answers, the reason the queue broke, every decision of the device, and
 * the disk image outside the sectors that OUT requests were allowed to
 * write (there, payload - never replayed, never decided on - may differ;
 * elsewhere the image must also still be the initial one, and its size
 * IMAGE_BYTES). A read the hooks do not see would find the complement in
 * run B. The used ring is compared too, unless run B's complements touched
 * it or payload differed (IN data may land on the used ring).
 *
 * Also checked, as in fuzz_virtqueue: a call answers at most size requests,
 * and every read lies inside guest RAM. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

/* The hook's declarations and the kinds of reads and decisions (this
 * target is built with the fuzz build's hooks). */
#define VMMEM_GUEST_READ_HOOK
#include "../src/vm/guest_once.h"

#define RAM_SIZE 0x20000u
#define AVAIL 0x1000u
#define USED 0x2000u
#define INPUT_WINDOW 0x2000u
#define IMAGE_BYTES 0x10000u
#define KICKS 3
#define MUTATION_BYTES 4u
#define MAX_MUTATIONS 64u
#define MAX_READS 4096u    /* longer logs are not compared (the run still is checked) */
#define MAX_READ_BYTES 16u /* a descriptor, the widest read */
#define MAX_DECISIONS 4096u /* longer logs are not compared */
#define SECTOR 512u
#define KIND_COUNT (GUEST_READ_NOTIFY + 1) /* kinds are 1.. (0 starts a request) */
#define DESC_BYTES 16u

static vmmem_guest_memory *gm;
static vmmem_dma_device *dma;
static int image_fd = -1;
static unsigned char *ram; /* this target's mapping of guest RAM */
static unsigned char image_content[IMAGE_BYTES];

typedef struct read_log {
    uint32_t offset, len;
    unsigned char bytes[MAX_READ_BYTES];
} read_log;

/* The hook's state for one run. */
static struct {
    enum { RUN_RECORD, RUN_REPLAY } mode;
    const uint8_t *mutations;
    size_t mutation_count;
    read_log log[MAX_READS];
    size_t reads;        /* reads so far in this run */
    size_t logged;       /* reads run A logged (replay: how many to compare) */
    int overflow;        /* run A made more reads than the log holds */
    int touched_used;    /* run B complemented a byte of the used ring */
    uint16_t qsize;
    /* The current request: its number (a byte was read in it when
     * seen_request[byte] equals it), the kind of the reads now, and the
     * current header fetch. */
    uint32_t request;
    int kind;
    uint32_t header_fetch;
    uint64_t decisions[MAX_DECISIONS][2];
    size_t decided;
} hk;

/* Per guest byte and kind: the request that last read it as that kind,
 * and (descriptors) the offset of the descriptor read, (header) the fetch. */
static uint32_t seen_request[KIND_COUNT][RAM_SIZE];
static uint32_t seen_unit[KIND_COUNT][RAM_SIZE];

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_double_fetch: %s\n", what);
        abort();
    }
}

void vmmem_fuzz_guest_read_mark(int kind);
void vmmem_fuzz_guest_read_mark(int kind)
{
    must(kind >= 0 && kind < KIND_COUNT, "an unknown kind of read");
    if (kind == 0)
        hk.request++; /* numbered across runs: a new request has seen nothing */
    if (kind == GUEST_READ_HEADER)
        hk.header_fetch++;
    hk.kind = kind;
}

void vmmem_fuzz_device_decision(int what, uint64_t value);
void vmmem_fuzz_device_decision(int what, uint64_t value)
{
    if (hk.decided < MAX_DECISIONS) {
        hk.decisions[hk.decided][0] = (uint64_t)what;
        hk.decisions[hk.decided][1] = value;
    }
    hk.decided++;
}

/* The bytes [offset, + len) read now as the current kind: none may have
 * been read as that kind earlier in this request, unless this is the same
 * descriptor read whole again, or the same header fetch. */
static void check_read_once(uint32_t offset, size_t len)
{
    int kind = hk.kind;
    must(kind > 0 && hk.request != 0, "a read outside a request or of no declared kind");
    int desc = kind == GUEST_READ_DESC || kind == GUEST_READ_INDIRECT;
    uint32_t unit = desc ? offset + 1 : kind == GUEST_READ_HEADER ? hk.header_fetch : 0;
    for (size_t i = 0; i < len; i++) {
        uint32_t b = offset + (uint32_t)i;
        if (seen_request[kind][b] == hk.request) {
            int same_unit = unit != 0 && seen_unit[kind][b] == unit && (!desc || len == DESC_BYTES);
            must(same_unit, "a guest field read twice in one request: a double fetch");
        }
        seen_request[kind][b] = hk.request;
        seen_unit[kind][b] = unit;
    }
}

void vmmem_fuzz_guest_read_hook(const void *host, size_t len, int after);
void vmmem_fuzz_guest_read_hook(const void *host, size_t len, int after)
{
    const unsigned char *p = host;
    must(p >= ram && len <= RAM_SIZE && (size_t)(p - ram) <= RAM_SIZE - len, "a read outside guest RAM");
    uint32_t offset = (uint32_t)(p - ram);
    size_t k = hk.reads;
    if (!after)
        check_read_once(offset, len);
    if (hk.mode == RUN_RECORD) {
        if (!after) {
            for (size_t i = 0; i < hk.mutation_count; i++) {
                const uint8_t *m = hk.mutations + i * MUTATION_BYTES;
                if (m[0] == (uint8_t)k)
                    ram[(m[1] | (uint32_t)m[2] << 8) % INPUT_WINDOW] = m[3];
            }
            return;
        }
        if (k < MAX_READS && len <= MAX_READ_BYTES) {
            hk.log[k].offset = offset;
            hk.log[k].len = (uint32_t)len;
            memcpy(hk.log[k].bytes, p, len);
        } else {
            hk.overflow = 1;
        }
        hk.reads++;
        return;
    }
    if (k >= hk.logged) {
        must(after || hk.overflow, "the replay made more reads than the recorded run");
        if (after)
            hk.reads++;
        return;
    }
    const read_log *l = &hk.log[k];
    must(l->offset == offset && l->len == len, "the replay read another field: a decision used a second fetch");
    if (!after) {
        memcpy(ram + offset, l->bytes, len); /* what run A's read returned */
        return;
    }
    for (size_t i = 0; i < len; i++) /* any second fetch now sees something else */
        ram[offset + i] = (unsigned char)~l->bytes[i];
    if (offset < USED + 4u + 8u * hk.qsize && USED < offset + len)
        hk.touched_used = 1;
    hk.reads++;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    must(ram != MAP_FAILED, "mmap");
    vmmem_host_ram hr = { ram, -1, 0 };
    must(vmmem_guest_memory_create(&gm) == VMMEM_OK, "create");
    must(vmmem_guest_add_host_ram(gm, 0, RAM_SIZE, &hr) == VMMEM_OK, "ram");
    vmmem_dma_config cfg = { gm, 0, 0, 0 };
    must(vmmem_dma_device_create(&cfg, &dma) == VMMEM_OK, "dma");
    image_fd = memfd_create("fuzz-disk", 0);
    must(image_fd >= 0, "memfd");
    for (size_t i = 0; i < IMAGE_BYTES; i++)
        image_content[i] = (unsigned char)(i * 131 + 17);
    return 0;
}

/* What a run did, to compare. */
typedef struct outcome {
    int rc[KICKS];
    unsigned done[KICKS];
    int need_notify[KICKS], arm_notify[KICKS];
    vmmem_virtq_error reason;
    uint64_t decisions[MAX_DECISIONS][2];
    size_t decided;
    unsigned char used[4 + 8 * 256];
    unsigned char image[IMAGE_BYTES]; /* after the run */
} outcome;

static void run(uint16_t qsize, int event_idx, const uint8_t *window, size_t window_len, outcome *out)
{
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, window, window_len);
    must(pwrite(image_fd, image_content, IMAGE_BYTES, 0) == IMAGE_BYTES && ftruncate(image_fd, IMAGE_BYTES) == 0,
         "image");
    vmmem_virtio_blk *blk;
    vmmem_virtio_blk_config cfg = { dma, image_fd, "fuzz", { qsize, 0, AVAIL, USED } };
    must(vmmem_virtio_blk_create(&cfg, &blk) == VMMEM_OK, "virtio-blk");
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    hk.reads = 0;
    hk.decided = 0;
    hk.kind = 0;
    must(vmmem_virtq_set_event_idx(vq, event_idx) == VMMEM_OK, "event index fields in RAM");
    must(vmmem_virtq_resume(vq, 0) >= 0 || vmmem_virtq_is_broken(vq), "resume");
    for (int kick = 0; kick < KICKS; kick++) {
        out->rc[kick] = vmmem_virtio_blk_process(blk, &out->done[kick]);
        must(out->done[kick] <= qsize, "a call answered more than size requests");
        out->need_notify[kick] = vmmem_virtq_need_notify(vq);
        out->arm_notify[kick] = vmmem_virtq_arm_notify(vq);
    }
    out->reason = vmmem_virtq_error_reason(vq);
    memcpy(out->used, ram + USED, 4 + 8u * qsize);
    struct stat st;
    must(fstat(image_fd, &st) == 0 && st.st_size == IMAGE_BYTES, "the image's size changed");
    must(pread(image_fd, out->image, IMAGE_BYTES, 0) == IMAGE_BYTES, "image read");
    out->decided = hk.decided;
    memcpy(out->decisions, hk.decisions, sizeof out->decisions);
    vmmem_virtio_blk_destroy(blk);
}

/* Marks in `written` the sectors the OUT requests of a decision log were
 * allowed to write (status OK). */
static void out_sectors(const outcome *o, unsigned char *written)
{
    memset(written, 0, IMAGE_BYTES / SECTOR);
    uint64_t type = UINT64_MAX, sector = 0, out_bytes = 0;
    size_t n = o->decided < MAX_DECISIONS ? o->decided : MAX_DECISIONS;
    for (size_t i = 0; i < n; i++) {
        uint64_t what = o->decisions[i][0], v = o->decisions[i][1];
        if (what == GUEST_DECIDED_TYPE)
            type = v;
        else if (what == GUEST_DECIDED_SECTOR)
            sector = v;
        else if (what == GUEST_DECIDED_OUT_BYTES)
            out_bytes = v;
        else if (what == GUEST_DECIDED_STATUS && type == VMMEM_VIRTIO_BLK_T_OUT && v == VMMEM_VIRTIO_BLK_S_OK) {
            uint64_t sectors = (out_bytes - VMMEM_VIRTIO_BLK_HEADER_SIZE) / SECTOR;
            must(sector <= IMAGE_BYTES / SECTOR && sectors <= IMAGE_BYTES / SECTOR - sector,
                 "an OUT answered OK outside the image");
            memset(written + sector, 1, sectors);
        }
        if (what == GUEST_DECIDED_STATUS)
            type = UINT64_MAX;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
    int event_idx = (data[0] / 9) & 1;
    size_t window_len = data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (window_len > INPUT_WINDOW)
        window_len = INPUT_WINDOW;
    if (window_len > size)
        window_len = size;
    const uint8_t *window = data;
    hk.mutations = data + window_len;
    hk.mutation_count = (size - window_len) / MUTATION_BYTES;
    if (hk.mutation_count > MAX_MUTATIONS)
        hk.mutation_count = MAX_MUTATIONS;
    hk.qsize = qsize;

    static outcome a, b;
    hk.mode = RUN_RECORD;
    hk.overflow = 0;
    run(qsize, event_idx, window, window_len, &a);
    hk.logged = hk.reads < MAX_READS ? hk.reads : MAX_READS;
    if (hk.overflow)
        return 0; /* too many reads to replay: checked for range only */

    hk.mode = RUN_REPLAY;
    hk.touched_used = 0;
    run(qsize, event_idx, window, window_len, &b);
    must(hk.reads == hk.logged, "the replay made fewer reads than the recorded run");
    for (int kick = 0; kick < KICKS; kick++)
        must(a.rc[kick] == b.rc[kick] && a.done[kick] == b.done[kick] && a.need_notify[kick] == b.need_notify[kick] &&
                 a.arm_notify[kick] == b.arm_notify[kick],
             "the replay answered differently");
    must(a.reason == b.reason, "the replay broke the queue for another reason");
    must(a.decided == b.decided &&
             memcmp(a.decisions, b.decisions,
                    (a.decided < MAX_DECISIONS ? a.decided : MAX_DECISIONS) * sizeof a.decisions[0]) == 0,
         "the replay decided differently (type, sector, byte counts, head, status or used length)");
    /* The image: the same in both runs, and the initial one, outside the
     * sectors an OUT was allowed to write (the same in both runs: the
     * decisions agree); there, payload - not replayed - may differ. */
    static unsigned char written[IMAGE_BYTES / SECTOR];
    out_sectors(&a, written);
    int payload_differs = 0;
    for (size_t sec = 0; sec < IMAGE_BYTES / SECTOR; sec++) {
        const unsigned char *pa = a.image + sec * SECTOR, *pb = b.image + sec * SECTOR;
        if (written[sec]) {
            payload_differs |= memcmp(pa, pb, SECTOR) != 0;
            continue;
        }
        must(memcmp(pa, image_content + sec * SECTOR, SECTOR) == 0 && memcmp(pb, pa, SECTOR) == 0,
             "a sector no OUT request was allowed to write changed");
    }
    /* The used ring holds what the device published, unless payload landed
     * on it: IN data come from the image, which is the same unless OUT
     * payload differed, and run B's complements may have hit the ring. */
    if (!hk.touched_used && !payload_differs)
        must(memcmp(a.used, b.used, 4 + 8u * qsize) == 0, "the replay published other used elements");
    return 0;
}
