/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* fuzz/fuzz_double_fetch.c - libFuzzer target: guest memory rewritten
 * between the device's reads, and a replay that shows no double fetch
 * changes what the device does.
 *
 * The fuzz build compiles a hook into every read of a guest-controlled
 * field (src/vm/guest_once.h: descriptors, available index and ring,
 * indirect tables, request headers); this target defines it.
 *
 * Input: byte 0 picks the queue size (1 << (byte % 9): 1..256); bytes 1-2
 * (little-endian) the length L of the initial guest bytes that follow (at
 * most INPUT_WINDOW, copied to guest address 0: the descriptor table at 0,
 * the available ring at AVAIL, headers and indirect tables wherever the
 * input puts them); the rest are mutations of MUTATION_BYTES each: {read
 * number, offset (le16), value}: before the device's read of that number
 * (counted from 0 over the whole input), guest byte `offset` (within the
 * window) becomes `value`.
 *
 * Run A serves the queue KICKS times with the mutations applied, and logs
 * every read (offset, length, the bytes read). Run B starts again from the
 * same guest memory and image, and at each read writes back exactly the
 * bytes run A read there - then, right after the read, overwrites them
 * with their complement. A device that reads every field once decides
 * only on what its reads returned, so run B must make the same reads (same
 * places, same order) and reach the same outcome: per kick the return code
 * and the requests answered, the reason the queue broke, and the used
 * ring. A field read a second time, by the hook's path or any other, would
 * see the complement in run B and change the outcome (or the reads). The
 * comparison of the used ring is skipped when run B's complements touched
 * it (an input whose rings overlap) or payload differed (the image after
 * the runs differs: payload is not replayed, and IN data may land on the
 * used ring).
 *
 * Also checked, as in fuzz_virtqueue: a call answers at most size requests,
 * and every read lies inside guest RAM. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

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
} hk;

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_double_fetch: %s\n", what);
        abort();
    }
}

void vmmem_fuzz_guest_read_hook(const void *host, size_t len, int after);
void vmmem_fuzz_guest_read_hook(const void *host, size_t len, int after)
{
    const unsigned char *p = host;
    must(p >= ram && len <= RAM_SIZE && (size_t)(p - ram) <= RAM_SIZE - len, "a read outside guest RAM");
    uint32_t offset = (uint32_t)(p - ram);
    size_t k = hk.reads;
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
    vmmem_virtq_error reason;
    unsigned char used[4 + 8 * 256];
    unsigned char image[IMAGE_BYTES]; /* after the run */
} outcome;

static void run(uint16_t qsize, const uint8_t *window, size_t window_len, outcome *out)
{
    memset(ram, 0, RAM_SIZE);
    memcpy(ram, window, window_len);
    must(pwrite(image_fd, image_content, IMAGE_BYTES, 0) == IMAGE_BYTES && ftruncate(image_fd, IMAGE_BYTES) == 0,
         "image");
    vmmem_virtio_blk *blk;
    vmmem_virtio_blk_config cfg = { dma, image_fd, "fuzz", { qsize, 0, AVAIL, USED } };
    must(vmmem_virtio_blk_create(&cfg, &blk) == VMMEM_OK, "virtio-blk");
    hk.reads = 0;
    for (int kick = 0; kick < KICKS; kick++) {
        out->rc[kick] = vmmem_virtio_blk_process(blk, &out->done[kick]);
        must(out->done[kick] <= qsize, "a call answered more than size requests");
    }
    out->reason = vmmem_virtq_error_reason(vmmem_virtio_blk_queue(blk));
    memcpy(out->used, ram + USED, 4 + 8u * qsize);
    must(pread(image_fd, out->image, IMAGE_BYTES, 0) == IMAGE_BYTES, "image read");
    vmmem_virtio_blk_destroy(blk);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint16_t qsize = (uint16_t)(1u << (data[0] % 9));
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
    run(qsize, window, window_len, &a);
    hk.logged = hk.reads < MAX_READS ? hk.reads : MAX_READS;
    if (hk.overflow)
        return 0; /* too many reads to replay: checked for range only */

    hk.mode = RUN_REPLAY;
    hk.touched_used = 0;
    run(qsize, window, window_len, &b);
    must(hk.reads == hk.logged, "the replay made fewer reads than the recorded run");
    for (int kick = 0; kick < KICKS; kick++)
        must(a.rc[kick] == b.rc[kick] && a.done[kick] == b.done[kick], "the replay answered differently");
    must(a.reason == b.reason, "the replay broke the queue for another reason");
    /* The used ring holds what the device published, unless payload landed
     * on it: payload is not replayed (the device never decides on it), so
     * it may differ when run B's complements reached an OUT buffer (the
     * image then differs too). */
    if (!hk.touched_used && memcmp(a.image, b.image, IMAGE_BYTES) == 0)
        must(memcmp(a.used, b.used, 4 + 8u * qsize) == 0, "the replay published other used elements");
    return 0;
}
