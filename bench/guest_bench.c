/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/guest_bench.c - vmmem-guest-bench: vmmem's guest memory against
 * rust-vmm vm-memory (the peer in bench/peers/vm-memory), side by side in
 * one process, on the same host mapping, the same buffers and the same
 * rounds.
 *
 * The vm-memory GuestMemoryMmap is built over the host memory of vmmem's
 * own regions (MmapRegion::build_raw), so both libraries move the same
 * bytes. Each side is reached the same way: a direct C call to an exported
 * function (vmmem_guest_* from libvmmem-vm, vmpeer_* from the peer's static
 * library) inside one timing loop, written once (TIMED_LOOP) and expanded
 * for every call. Two pairings, each giving both libraries the same
 * guarantee:
 *  - per call, every call safe against a concurrent change of the regions:
 *    vmmem_guest_read(..) against vm-memory's GuestMemoryAtomic with one
 *    .memory() guard per call (vmpeer_atomic_*);
 *  - held snapshot, the caller keeping the regions alive around the whole
 *    batch: vmmem's calls inside one vmmem_guest_enter()..vmmem_guest_exit()
 *    against vm-memory's plain GuestMemoryMmap, an immutable snapshot the
 *    caller holds (vmpeer_*).
 * A cell is timed in interleaved rounds, in a shuffled order each round: the
 * four candidates of the pairings, vmmem per call again (the A/A control:
 * its ratio to the first shows the harness's own noise), and for read,
 * write and copy_block a raw vmmem_memcpy_fast between the same host
 * addresses (the floor). Reported per cell: medians of ns per call, and per
 * pairing the median over rounds of the per-round ratio vmmem / vm-memory
 * (below 1: vmmem faster).
 *
 * Cells: read, write, copy_block at 8 B..2 MiB and the typed accessors
 * (2, 4, 8 bytes; vmmem_guest_read_le16.. vs read_obj::<u16>..); the map
 * holding 1 region and 64 (the RAM plus 63 of 64 KiB: every lookup a binary
 * search); gpa fixed (hot), sliding by 64 B over 256 KiB (L2-resident), or
 * page-strided over 32 MiB (each call starts at the page after the previous
 * call's range: cache and TLB misses); destination offsets 0/16/64/2048
 * (hot cells, 1 region); dirty tracking off and on (vmmem's bitmap vs
 * vm-memory's AtomicBitmap, both cleared before each cell); and the
 * page-strided cells again on RAM without transparent huge pages.
 *
 * Usage: vmmem-guest-bench [--quick] [--rounds N] [--batch-us N] [--no-pin]
 *                          [--csv FILE] [--markdown FILE] [cell filters]
 * Cell filters, to time a few cells while working on them: --op NAME,
 * --size BYTES, --gpa hot|sliding|strided, --regions 1|64, --dirty on|off,
 * --thp on|off, and --dst-offset N, which times every selected cell (typed
 * and page-strided ones too) with its destination N bytes into the page
 * instead of the usual offsets. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vmmem/guest_memory.h>
#include <vmmem/vmmem.h>

#include "bench_machine.h"
#include "bench_rng.h"
#include "bench_stats.h"

#if VMMEM_BENCH_HAVE_VM_MEMORY
#include "vm_memory_peer.h"
#endif
#ifndef VMMEM_BENCH_VM_MEMORY_STATUS
#define VMMEM_BENCH_VM_MEMORY_STATUS "not configured"
#endif
#ifndef VMMEM_BENCH_RUSTC
#define VMMEM_BENCH_RUSTC "no rustc"
#endif

#define KiB (1ull << 10)
#define MiB (1ull << 20)
/* Guest layout: one RAM region; reads come from [SRC_GPA, +40 MiB), writes
 * and copy destinations go to [DST_GPA, +40 MiB): room for a 32 MiB stride
 * span plus the largest size and offset. */
#define RAM_BYTES (80 * MiB)
#define SRC_GPA 0ull
#define DST_GPA (40 * MiB)
#define SLIDE_STEP 64u
#define SLIDE_SPAN (256 * KiB)
#define STRIDE_SPAN (32 * MiB)
#define PAGE 4096u
#define MAX_SIZE (2 * MiB)
#define MAX_ALIGN (PAGE - 1) /* the largest destination offset (--dst-offset) */
/* Host buffers: the largest size at the largest offset, a multiple of the
 * page size (as aligned_alloc requires of the size). */
#define BUF_BYTES (MAX_SIZE + 2 * PAGE)
/* The 64-region map: the RAM above plus 63 regions of 64 KiB, with gaps. */
#define MANY_REGIONS 64u
#define EXTRA_REGION_BYTES (64 * KiB)
#define EXTRA_REGION_GPA(i) (RAM_BYTES + (uint64_t)(i) * 2 * EXTRA_REGION_BYTES)

enum op { OP_READ, OP_WRITE, OP_COPY, OP_READ16, OP_READ32, OP_READ64, OP_WRITE16, OP_WRITE32, OP_WRITE64, OP_COUNT };
static const char *const op_name[OP_COUNT] = {"read",     "write",    "copy_block", "read_u16", "read_u32",
                                              "read_u64", "write_u16", "write_u32",  "write_u64"};
static const size_t op_typed_size[OP_COUNT] = {0, 0, 0, 2, 4, 8, 2, 4, 8};
static int op_writes(enum op op)
{
    return op == OP_WRITE || op == OP_COPY || op >= OP_WRITE16;
}

enum pattern { PAT_HOT, PAT_SLIDING, PAT_STRIDED, PAT_COUNT };
static const char *const pattern_name[PAT_COUNT] = {"hot", "sliding", "strided"};

/* What one timed batch works on. Call i uses gpa src + off and dst + off,
 * off advancing by step and going back to 0 when it reaches wrap. */
struct ctx {
    uint64_t src, dst;
    unsigned char *buf;  /* host buffer: read destination, write source */
    unsigned char *host; /* host address of gpa 0 (the raw copies) */
    size_t len;
    uint64_t step, wrap;
};

typedef double (*timer_fn)(const struct ctx *c, size_t calls);

static vmmem_guest_memory *gm;
static volatile uint64_t sink; /* typed reads feed it, so nothing is dead */

/* One timed batch of `call`; `before` and `after` (timed with it) open and
 * close what the batch runs inside. */
#define TIMED_SECTION_LOOP(before, call, after)                                                                \
    {                                                                                                          \
        uint64_t off = 0;                                                                                      \
        uint16_t v16 = 0;                                                                                      \
        uint32_t v32 = 0;                                                                                      \
        uint64_t v64 = 0;                                                                                      \
        double t0 = bench_now_ns();                                                                            \
        before;                                                                                                \
        for (size_t i = 0; i < calls; i++) {                                                                   \
            uint64_t src = c->src + off, dst = c->dst + off;                                                   \
            (void)src;                                                                                         \
            (void)dst;                                                                                         \
            if ((call) != 0)                                                                                   \
                abort(); /* the layout is fixed and checked: an error is a bug */                             \
            off += c->step;                                                                                    \
            if (off >= c->wrap)                                                                                \
                off = 0;                                                                                       \
        }                                                                                                      \
        after;                                                                                                 \
        double t = bench_now_ns() - t0;                                                                        \
        sink += v16 + v32 + v64;                                                                               \
        return t;                                                                                              \
    }
#define DEFINE_TIMER(name, call) \
    static double name(const struct ctx *c, size_t calls) TIMED_SECTION_LOOP((void)0, call, (void)0)
/* vmmem's calls inside one read-side section held around the batch. */
#define DEFINE_HELD_TIMER(name, call) \
    static double name(const struct ctx *c, size_t calls) \
        TIMED_SECTION_LOOP(vmmem_guest_enter(gm), call, vmmem_guest_exit(gm))

DEFINE_TIMER(vmmem_read_t, vmmem_guest_read(gm, src, c->buf, c->len))
DEFINE_TIMER(vmmem_write_t, vmmem_guest_write(gm, dst, c->buf, c->len))
DEFINE_TIMER(vmmem_copy_t, vmmem_guest_copy_block(gm, dst, src, c->len))
DEFINE_TIMER(vmmem_read16_t, vmmem_guest_read_le16(gm, src, &v16))
DEFINE_TIMER(vmmem_read32_t, vmmem_guest_read_le32(gm, src, &v32))
DEFINE_TIMER(vmmem_read64_t, vmmem_guest_read_le64(gm, src, &v64))
DEFINE_TIMER(vmmem_write16_t, vmmem_guest_write_le16(gm, dst, (uint16_t)i))
DEFINE_TIMER(vmmem_write32_t, vmmem_guest_write_le32(gm, dst, (uint32_t)i))
DEFINE_TIMER(vmmem_write64_t, vmmem_guest_write_le64(gm, dst, (uint64_t)i))
static const timer_fn vmmem_timer[OP_COUNT] = {vmmem_read_t,   vmmem_write_t,   vmmem_copy_t,
                                               vmmem_read16_t, vmmem_read32_t,  vmmem_read64_t,
                                               vmmem_write16_t, vmmem_write32_t, vmmem_write64_t};

DEFINE_HELD_TIMER(held_read_t, vmmem_guest_read(gm, src, c->buf, c->len))
DEFINE_HELD_TIMER(held_write_t, vmmem_guest_write(gm, dst, c->buf, c->len))
DEFINE_HELD_TIMER(held_copy_t, vmmem_guest_copy_block(gm, dst, src, c->len))
DEFINE_HELD_TIMER(held_read16_t, vmmem_guest_read_le16(gm, src, &v16))
DEFINE_HELD_TIMER(held_read32_t, vmmem_guest_read_le32(gm, src, &v32))
DEFINE_HELD_TIMER(held_read64_t, vmmem_guest_read_le64(gm, src, &v64))
DEFINE_HELD_TIMER(held_write16_t, vmmem_guest_write_le16(gm, dst, (uint16_t)i))
DEFINE_HELD_TIMER(held_write32_t, vmmem_guest_write_le32(gm, dst, (uint32_t)i))
DEFINE_HELD_TIMER(held_write64_t, vmmem_guest_write_le64(gm, dst, (uint64_t)i))
static const timer_fn held_timer[OP_COUNT] = {held_read_t,    held_write_t,   held_copy_t,
                                              held_read16_t,  held_read32_t,  held_read64_t,
                                              held_write16_t, held_write32_t, held_write64_t};

DEFINE_TIMER(raw_read_t, (vmmem_memcpy_fast(c->buf, c->host + src, c->len), 0))
DEFINE_TIMER(raw_write_t, (vmmem_memcpy_fast(c->host + dst, c->buf, c->len), 0))
DEFINE_TIMER(raw_copy_t, (vmmem_memcpy_fast(c->host + dst, c->host + src, c->len), 0))
static const timer_fn raw_timer[OP_COUNT] = {raw_read_t, raw_write_t, raw_copy_t};

#if VMMEM_BENCH_HAVE_VM_MEMORY
static vmpeer_mem *peer;                 /* tracking off, the held snapshot */
static vmpeer_tracked_mem *peer_tracked; /* tracking on */
static vmpeer_atomic_mem *peer_atomic;   /* tracking off, a guard per call */
static vmpeer_tracked_atomic_mem *peer_tracked_atomic;
#define PEER_TIMERS(tag, fn, mem)                                                                       \
    DEFINE_TIMER(tag##_read_t, fn##read(mem, src, c->buf, c->len))                                      \
    DEFINE_TIMER(tag##_write_t, fn##write(mem, dst, c->buf, c->len))                                    \
    DEFINE_TIMER(tag##_copy_t, fn##copy_block(mem, dst, src, c->len))                                   \
    DEFINE_TIMER(tag##_read16_t, fn##read_u16(mem, src, &v16))                                          \
    DEFINE_TIMER(tag##_read32_t, fn##read_u32(mem, src, &v32))                                          \
    DEFINE_TIMER(tag##_read64_t, fn##read_u64(mem, src, &v64))                                          \
    DEFINE_TIMER(tag##_write16_t, fn##write_u16(mem, dst, (uint16_t)i))                                 \
    DEFINE_TIMER(tag##_write32_t, fn##write_u32(mem, dst, (uint32_t)i))                                 \
    DEFINE_TIMER(tag##_write64_t, fn##write_u64(mem, dst, (uint64_t)i))                                 \
    static const timer_fn tag##_timer[OP_COUNT] = {tag##_read_t,    tag##_write_t,   tag##_copy_t,      \
                                                   tag##_read16_t,  tag##_read32_t,  tag##_read64_t,    \
                                                   tag##_write16_t, tag##_write32_t, tag##_write64_t};
PEER_TIMERS(peer, vmpeer_, peer)
PEER_TIMERS(peer_tracked, vmpeer_tracked_, peer_tracked)
PEER_TIMERS(peer_atomic, vmpeer_atomic_, peer_atomic)
PEER_TIMERS(peer_tracked_atomic, vmpeer_tracked_atomic_, peer_tracked_atomic)
#endif

/* ---- one cell: interleaved rounds, medians -------------------------------- */

struct cell {
    enum op op;
    size_t size;
    enum pattern pattern;
    unsigned align; /* destination offset from a page boundary */
    unsigned regions;
    int dirty;
    int thp;
};

/* The cells to time (-1: any), and a destination offset that replaces the
 * usual grid (-1: the grid). */
struct cell_filter {
    int op, pattern, regions, dirty, thp;
    long long size, dst_offset;
};
static struct cell_filter filter = {-1, -1, -1, -1, -1, -1, -1};

static int filter_passes(const struct cell *cl)
{
    return (filter.op < 0 || filter.op == (int)cl->op) && (filter.pattern < 0 || filter.pattern == (int)cl->pattern) &&
           (filter.size < 0 || (size_t)filter.size == cl->size) && (filter.regions < 0 || filter.regions == (int)cl->regions) &&
           (filter.dirty < 0 || filter.dirty == cl->dirty) && (filter.thp < 0 || filter.thp == cl->thp);
}

struct result {
    struct cell cell;
    /* medians of ns per call (NAN: not timed): per call, vmmem and vm-memory
     * through GuestMemoryAtomic; held, vmmem inside one section and
     * vm-memory's GuestMemoryMmap; the raw copy */
    double vmmem_ns, peer_ns, held_ns, snapshot_ns, raw_ns;
    double ratio;      /* median of per-round vmmem / vm-memory, per call */
    double held_ratio; /* the same, held */
    double aa;         /* median of per-round vmmem per call (again) / vmmem per call */
};

struct run_cfg {
    unsigned rounds;
    double batch_ns;
    uint64_t rng;
};

enum { CAND_VMMEM, CAND_PEER, CAND_HELD, CAND_SNAPSHOT, CAND_AA, CAND_RAW, CAND_COUNT };

/* Times the candidates fns[0..CAND_COUNT) (NULL: absent) on c in cfg->rounds
 * interleaved rounds of equal batches; fills the medians of *r. */
static void time_cell(const struct ctx *c, const timer_fn *fns, struct run_cfg *cfg, struct result *r)
{
    /* Batch length from the first candidate: double until a batch takes an
     * eighth of the target, then scale. */
    size_t calls = 1;
    double t;
    while ((t = fns[0](c, calls)) < cfg->batch_ns / 8 && calls < (1u << 28))
        calls *= 2;
    double scaled = (double)calls * cfg->batch_ns / (t > 1 ? t : 1);
    calls = scaled < 1 ? 1 : (size_t)scaled;

    unsigned rounds = cfg->rounds;
    double *ns = calloc((size_t)rounds * CAND_COUNT, sizeof *ns);
    double *ratio = calloc(rounds, sizeof *ratio), *aa = calloc(rounds, sizeof *aa);
    double *held_ratio = calloc(rounds, sizeof *held_ratio);
    if (!ns || !ratio || !aa || !held_ratio) {
        fprintf(stderr, "vmmem-guest-bench: out of memory\n");
        exit(1);
    }
    for (int i = 0; i < CAND_COUNT; i++) /* warm-up batch, untimed */
        if (fns[i])
            fns[i](c, calls);
    for (unsigned round = 0; round < rounds; round++) {
        int order[CAND_COUNT];
        for (int i = 0; i < CAND_COUNT; i++)
            order[i] = i;
        for (int i = CAND_COUNT - 1; i > 0; i--) {
            int j = (int)bench_rng_below(&cfg->rng, (uint64_t)i + 1), tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int k = 0; k < CAND_COUNT; k++)
            if (fns[order[k]])
                ns[(size_t)round * CAND_COUNT + order[k]] = fns[order[k]](c, calls) / (double)calls;
        double *row = ns + (size_t)round * CAND_COUNT;
        ratio[round] = fns[CAND_PEER] ? row[CAND_VMMEM] / row[CAND_PEER] : NAN;
        held_ratio[round] = fns[CAND_SNAPSHOT] ? row[CAND_HELD] / row[CAND_SNAPSHOT] : NAN;
        aa[round] = row[CAND_AA] / row[CAND_VMMEM];
    }
    double *col = calloc(rounds, sizeof *col);
    if (!col)
        exit(1);
    double med[CAND_COUNT];
    for (int i = 0; i < CAND_COUNT; i++) {
        for (unsigned round = 0; round < rounds; round++)
            col[round] = ns[(size_t)round * CAND_COUNT + i];
        med[i] = fns[i] ? bench_median(col, rounds) : NAN;
    }
    r->vmmem_ns = med[CAND_VMMEM];
    r->peer_ns = med[CAND_PEER];
    r->held_ns = med[CAND_HELD];
    r->snapshot_ns = med[CAND_SNAPSHOT];
    r->raw_ns = med[CAND_RAW];
    r->ratio = fns[CAND_PEER] ? bench_median(ratio, rounds) : NAN;
    r->held_ratio = fns[CAND_SNAPSHOT] ? bench_median(held_ratio, rounds) : NAN;
    r->aa = bench_median(aa, rounds);
    free(col);
    free(ns);
    free(ratio);
    free(held_ratio);
    free(aa);
}

/* ---- the address spaces ------------------------------------------------------ */

static unsigned char *ram_host;    /* host address of gpa 0 */
static unsigned char *buf_out;     /* read destination, BUF_BYTES */
static unsigned char *buf_in;      /* write source */
static uint64_t dirty_words[RAM_BYTES / PAGE / 64];

static int die(const char *what)
{
    fprintf(stderr, "vmmem-guest-bench: %s\n", what);
    exit(1);
}

/* Kilobytes of the mapping containing p that are backed by transparent huge
 * pages (/proc/self/smaps AnonHugePages), or -1 when unknown. */
static long thp_kib(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[256];
    int inside = 0;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
        } else if (inside && sscanf(line, "AnonHugePages: %ld kB", &kib) == 1) {
            break;
        }
    }
    fclose(f);
    return kib;
}

/* Number of pages of RAM region 0 marked dirty in vmmem's bitmap since the
 * last call (the bitmap is cleared). */
static long vmmem_dirty_pages(void)
{
    if (vmmem_guest_dirty_fetch_and_clear(gm, 0, dirty_words, sizeof dirty_words / sizeof dirty_words[0]) !=
        VMMEM_OK)
        return -1;
    long n = 0;
    for (size_t i = 0; i < sizeof dirty_words / sizeof dirty_words[0]; i++)
        n += __builtin_popcountll(dirty_words[i]);
    return n;
}

/* vmmem's guest memory with RAM at gpa 0; thp: madvise the RAM before its
 * first touch (MADV_HUGEPAGE or MADV_NOHUGEPAGE). Until libvmmem-vm has its
 * own switch for transparent huge pages (issue 19), the benchmark sets it
 * on the mapping itself, for both libraries at once. */
static void build_vmmem(int thp)
{
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK || vmmem_guest_add_ram(gm, 0, RAM_BYTES, NULL) != VMMEM_OK)
        die("cannot build the guest address space");
    vmmem_region_info ram;
    if (vmmem_guest_region_at(gm, 0, &ram) != VMMEM_OK)
        die("no RAM at gpa 0");
    ram_host = ram.host;
    if (madvise(ram_host, RAM_BYTES, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
        fprintf(stderr, "vmmem-guest-bench: madvise(%s): %s\n", thp ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
                strerror(errno));
    memset(ram_host, 0x5A, RAM_BYTES); /* fault every page in before timing */
}

static void add_extra_regions(void)
{
    for (unsigned i = 1; i < MANY_REGIONS; i++)
        if (vmmem_guest_add_ram(gm, EXTRA_REGION_GPA(i), EXTRA_REGION_BYTES, NULL) != VMMEM_OK)
            die("cannot add the extra regions");
}

#if VMMEM_BENCH_HAVE_VM_MEMORY
static void destroy_peers(void)
{
    vmpeer_atomic_destroy(peer_atomic);
    vmpeer_tracked_atomic_destroy(peer_tracked_atomic);
    vmpeer_destroy(peer);
    vmpeer_tracked_destroy(peer_tracked);
    peer = NULL;
    peer_tracked = NULL;
    peer_atomic = NULL;
    peer_tracked_atomic = NULL;
}

/* vm-memory over every region vmmem's map has now, in gpa order. */
static void build_peers(unsigned regions)
{
    struct vmpeer_region list[MANY_REGIONS];
    for (unsigned i = 0; i < regions; i++) {
        uint64_t gpa = i == 0 ? 0 : EXTRA_REGION_GPA(i);
        vmmem_region_info info;
        if (vmmem_guest_region_at(gm, gpa, &info) != VMMEM_OK)
            die("region lookup failed");
        list[i] = (struct vmpeer_region){info.base, info.host, info.size};
    }
    destroy_peers();
    peer = vmpeer_create(list, regions, 0);
    peer_tracked = vmpeer_tracked_create(list, regions, 0);
    if (!peer || !peer_tracked)
        die("vm-memory refused the regions");
    peer_atomic = vmpeer_atomic_create(peer);
    peer_tracked_atomic = vmpeer_tracked_atomic_create(peer_tracked);
}
#endif

/* Before timing: both libraries see the same bytes, refuse the same
 * out-of-range access and agree on typed values. */
static void self_check(unsigned regions)
{
    unsigned char a[4096], b[4096];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = (unsigned char)(i * 7 + regions);
    if (vmmem_guest_write(gm, DST_GPA + 100, a, sizeof a) != VMMEM_OK)
        die("self-check: vmmem write failed");
    if (vmmem_guest_read(gm, RAM_BYTES - 8, b, 16) != VMMEM_EFAULT)
        die("self-check: vmmem read past the RAM's end was not refused");
#if VMMEM_BENCH_HAVE_VM_MEMORY
    memset(b, 0, sizeof b);
    if (vmpeer_read(peer, DST_GPA + 100, b, sizeof b) != 0 || memcmp(a, b, sizeof a) != 0)
        die("self-check: vm-memory does not read what vmmem wrote");
    memset(b, 0, sizeof b);
    if (vmpeer_tracked_read(peer_tracked, DST_GPA + 100, b, sizeof b) != 0 || memcmp(a, b, sizeof a) != 0)
        die("self-check: vm-memory (tracked) does not read what vmmem wrote");
    memset(b, 0, sizeof b);
    if (vmpeer_atomic_read(peer_atomic, DST_GPA + 100, b, sizeof b) != 0 || memcmp(a, b, sizeof a) != 0)
        die("self-check: vm-memory (atomic) does not read what vmmem wrote");
    memset(b, 0, sizeof b);
    if (vmpeer_tracked_atomic_read(peer_tracked_atomic, DST_GPA + 100, b, sizeof b) != 0 || memcmp(a, b, sizeof a) != 0)
        die("self-check: vm-memory (tracked, atomic) does not read what vmmem wrote");
    if (vmpeer_copy_block(peer, DST_GPA + 3 * PAGE, DST_GPA + 100, sizeof a) != 0 ||
        vmmem_guest_read(gm, DST_GPA + 3 * PAGE, b, sizeof b) != VMMEM_OK || memcmp(a, b, sizeof a) != 0)
        die("self-check: vmmem does not read what vm-memory copied");
    uint32_t v = 0;
    if (vmmem_guest_write_le32(gm, DST_GPA, 0x11223344u) != VMMEM_OK || vmpeer_read_u32(peer, DST_GPA, &v) != 0 ||
        v != 0x11223344u)
        die("self-check: typed values differ");
    if (vmpeer_read(peer, RAM_BYTES - 8, b, 16) == 0 || vmpeer_atomic_read(peer_atomic, RAM_BYTES - 8, b, 16) == 0)
        die("self-check: vm-memory read past the RAM's end was not refused");
#endif
}

/* ---- the cells ------------------------------------------------------------------ */

static void print_text(FILE *f, const struct result *r);

struct results {
    struct result *v;
    size_t n, cap;
};

static void push(struct results *rs, const struct result *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 256;
        rs->v = realloc(rs->v, rs->cap * sizeof *rs->v);
        if (!rs->v)
            die("out of memory");
    }
    rs->v[rs->n++] = *r;
}

static void fill_ctx(const struct cell *cl, struct ctx *c)
{
    size_t len = op_typed_size[cl->op] ? op_typed_size[cl->op] : cl->size;
    c->len = len;
    c->host = ram_host;
    c->src = SRC_GPA;
    c->dst = DST_GPA;
    c->buf = cl->op == OP_READ ? buf_out : buf_in;
    if (cl->op == OP_READ)
        c->buf += cl->align;
    else
        c->dst += cl->align;
    switch (cl->pattern) {
    case PAT_HOT:
        c->step = 0;
        c->wrap = 1;
        break;
    case PAT_SLIDING:
        c->step = SLIDE_STEP;
        c->wrap = SLIDE_SPAN;
        break;
    default: /* each call from the page after the previous call's range */
        c->step = (len + PAGE - 1) / PAGE * PAGE;
        c->wrap = STRIDE_SPAN - c->step + 1;
        break;
    }
}

/* Times one cell and checks that the dirty bitmaps saw what they should. */
static void run_cell(const struct cell *cl, struct run_cfg *cfg, struct results *rs)
{
    if (!filter_passes(cl))
        return;
    struct ctx c;
    fill_ctx(cl, &c);
    timer_fn fns[CAND_COUNT] = {vmmem_timer[cl->op], NULL, held_timer[cl->op], NULL, vmmem_timer[cl->op],
                                raw_timer[cl->op]};
#if VMMEM_BENCH_HAVE_VM_MEMORY
    fns[CAND_PEER] = cl->dirty ? peer_tracked_atomic_timer[cl->op] : peer_atomic_timer[cl->op];
    fns[CAND_SNAPSHOT] = cl->dirty ? peer_tracked_timer[cl->op] : peer_timer[cl->op];
    if (cl->dirty)
        vmpeer_tracked_clear_dirty(peer_tracked);
#endif
    if (cl->dirty)
        vmmem_dirty_pages(); /* clears */
    struct result r;
    memset(&r, 0, sizeof r);
    r.cell = *cl;
    time_cell(&c, fns, cfg, &r);
    if (cl->dirty) {
        long want = op_writes(cl->op);
        long got = vmmem_dirty_pages();
        if ((got > 0) != want)
            die(want ? "vmmem marked no page dirty in a write cell" : "vmmem marked pages dirty on reads");
#if VMMEM_BENCH_HAVE_VM_MEMORY
        got = (long)vmpeer_tracked_dirty_pages(peer_tracked, 0);
        if ((got > 0) != want)
            die(want ? "vm-memory marked no page dirty in a write cell" : "vm-memory marked pages dirty on reads");
#endif
    }
    push(rs, &r);
    print_text(stdout, &r);
}

static const size_t sizes[] = {8, 64, 1 * KiB, 4 * KiB, 64 * KiB, 2 * MiB};
#define NSIZES (sizeof sizes / sizeof sizes[0])
static const unsigned aligns[] = {16, 64, 2048}; /* 0 is in the main grid */

/* Every cell of one map (thp, regions) with tracking as given. */
static void run_map(int thp, unsigned regions, int dirty, struct run_cfg *cfg, struct results *rs)
{
    if (vmmem_guest_dirty_enable(gm, 0, dirty) != VMMEM_OK)
        die("cannot switch dirty tracking");
    struct cell cl = {OP_READ, 0, PAT_HOT, 0, regions, dirty, thp};
    for (int op = OP_READ; op < OP_COUNT; op++) {
        cl.op = (enum op)op;
        for (int p = thp ? PAT_HOT : PAT_STRIDED; p < PAT_COUNT; p++) {
            cl.pattern = (enum pattern)p;
            cl.align = 0;
            size_t nsizes = op_typed_size[op] ? 1 : NSIZES;
            for (size_t s = 0; s < nsizes; s++) {
                cl.size = op_typed_size[op] ? op_typed_size[op] : sizes[s];
                if (filter.dst_offset >= 0) {
                    cl.align = (unsigned)filter.dst_offset;
                    run_cell(&cl, cfg, rs);
                    continue;
                }
                run_cell(&cl, cfg, rs);
                if (thp && regions == 1 && p == PAT_HOT && !op_typed_size[op])
                    for (size_t a = 0; a < sizeof aligns / sizeof aligns[0]; a++) {
                        struct cell al = cl;
                        al.align = aligns[a];
                        run_cell(&al, cfg, rs);
                    }
            }
        }
    }
}

/* ---- output -------------------------------------------------------------------- */

static const char *fmt_size(size_t n, char *b, size_t len)
{
    if (n >= MiB && n % MiB == 0)
        snprintf(b, len, "%zu MiB", n / (size_t)MiB);
    else if (n >= KiB && n % KiB == 0)
        snprintf(b, len, "%zu KiB", n / (size_t)KiB);
    else
        snprintf(b, len, "%zu B", n);
    return b;
}

static const char *fmt_ns(double v, char *b, size_t len)
{
    if (isnan(v))
        snprintf(b, len, "-");
    else
        snprintf(b, len, v < 100 ? "%.2f" : v < 10000 ? "%.1f" : "%.0f", v);
    return b;
}

static const char *fmt_ratio(double v, char *b, size_t len)
{
    if (isnan(v))
        snprintf(b, len, "-");
    else
        snprintf(b, len, "%.3f", v);
    return b;
}

#define TEXT_ROW "%-10s %-7s %-8s %5s %7s %5s %5s %10s %10s %7s %10s %10s %7s %7s %10s\n"

static void print_text(FILE *f, const struct result *r)
{
    char sz[32], a[24], b[24], c[24], d[24], e[24], g[24], h[24], k[24], al[8];
    snprintf(al, sizeof al, "%u", r->cell.align);
    fprintf(f, TEXT_ROW, op_name[r->cell.op], fmt_size(r->cell.size, sz, sizeof sz), pattern_name[r->cell.pattern], al,
            r->cell.regions == 1 ? "1" : "64", r->cell.dirty ? "on" : "off", r->cell.thp ? "on" : "off",
            fmt_ns(r->vmmem_ns, a, sizeof a), fmt_ns(r->peer_ns, b, sizeof b), fmt_ratio(r->ratio, c, sizeof c),
            fmt_ns(r->held_ns, g, sizeof g), fmt_ns(r->snapshot_ns, h, sizeof h),
            fmt_ratio(r->held_ratio, k, sizeof k), fmt_ratio(r->aa, d, sizeof d), fmt_ns(r->raw_ns, e, sizeof e));
    fflush(f);
}

static void write_csv(const char *path, const struct results *rs)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "vmmem-guest-bench: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fprintf(f, "op,size,pattern,dst_align,regions,dirty,thp,vmmem_ns,vm_memory_atomic_ns,ratio,vmmem_held_ns,"
               "vm_memory_mmap_ns,held_ratio,aa_ratio,raw_ns\n");
    for (size_t i = 0; i < rs->n; i++) {
        const struct result *r = &rs->v[i];
        fprintf(f, "%s,%zu,%s,%u,%u,%s,%s,%.3f,%.3f,%.4f,%.3f,%.3f,%.4f,%.4f,%.3f\n", op_name[r->cell.op],
                r->cell.size, pattern_name[r->cell.pattern], r->cell.align, r->cell.regions,
                r->cell.dirty ? "on" : "off", r->cell.thp ? "on" : "off", r->vmmem_ns, r->peer_ns, r->ratio,
                r->held_ns, r->snapshot_ns, r->held_ratio, r->aa, r->raw_ns);
    }
    fclose(f);
}

/* Whether vmmem is at or below vm-memory in a pairing's ratio: ratio <= 1
 * plus the cell's own A/A deviation. */
static int at_or_below(double ratio, const struct result *r)
{
    return ratio <= 1.0 + fabs(r->aa - 1.0);
}

enum pairing { PAIR_PER_CALL, PAIR_HELD, PAIR_COUNT };
static const char *const pairing_name[PAIR_COUNT] = {
    "per call (vmmem_guest_* vs GuestMemoryAtomic .memory() per call)",
    "held (vmmem inside vmmem_guest_enter/exit vs a held GuestMemoryMmap)"};

static double pairing_ratio(const struct result *r, enum pairing p)
{
    return p == PAIR_PER_CALL ? r->ratio : r->held_ratio;
}

static void summary(FILE *f, const struct results *rs, int md)
{
    double aa_dev = 0;
    for (size_t i = 0; i < rs->n; i++)
        aa_dev = fmax(aa_dev, fabs(rs->v[i].aa - 1.0));
    fprintf(f, "%s%zu cells; largest A/A deviation %.1f %%\n", md ? "- " : "", rs->n, 100 * aa_dev);
    for (int p = 0; p < PAIR_COUNT; p++) {
        size_t n = 0, ok = 0;
        double worst = 0;
        const struct result *w = NULL;
        for (size_t i = 0; i < rs->n; i++) {
            const struct result *r = &rs->v[i];
            double ratio = pairing_ratio(r, (enum pairing)p);
            if (isnan(ratio))
                continue;
            n++;
            ok += (size_t)at_or_below(ratio, r);
            if (ratio > worst) {
                worst = ratio;
                w = r;
            }
        }
        if (!n) {
            fprintf(f, "%svm-memory peer: %s (vmmem measured alone)\n", md ? "- " : "", VMMEM_BENCH_VM_MEMORY_STATUS);
            return;
        }
        fprintf(f, "%s%s: vmmem at or below vm-memory (ratio <= 1 + the cell's A/A deviation) in %zu of %zu cells\n",
                md ? "- " : "", pairing_name[p], ok, n);
        if (w) {
            char sz[32];
            fprintf(f, "%sworst ratio %.3f: %s %s %s, dst offset %u, %u region(s), tracking %s, THP %s\n",
                    md ? "  - " : "  ", worst, op_name[w->cell.op], fmt_size(w->cell.size, sz, sizeof sz),
                    pattern_name[w->cell.pattern], w->cell.align, w->cell.regions, w->cell.dirty ? "on" : "off",
                    w->cell.thp ? "on" : "off");
        }
    }
}

/* A ratio for the markdown, in bold when vmmem is above vm-memory. */
static const char *md_ratio(double ratio, const struct result *r, char *b, size_t len)
{
    char v[24];
    fmt_ratio(ratio, v, sizeof v);
    snprintf(b, len, !isnan(ratio) && !at_or_below(ratio, r) ? "**%s**" : "%s", v);
    return b;
}

static void write_markdown(const char *path, const struct results *rs, const struct bench_machine *m,
                           const char *command, const char *thp_note)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "vmmem-guest-bench: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fprintf(f, "# vmmem-guest-bench: vmmem guest memory vs rust-vmm vm-memory\n\n");
    fprintf(f, "Command: `%s`. %s, %s, ISA %s, %s; %s. vm-memory peer: %s. %s\n\n", command, m->cpu_model,
            m->kernel, m->isa_active, m->pin_note, m->date, VMMEM_BENCH_VM_MEMORY_STATUS, thp_note);
    fprintf(f, "C: %s, %s. Rust: %s, release profile (opt-level 3, LTO, codegen-units 1, panic=abort).\n\n",
            m->compiler, m->cflags, VMMEM_BENCH_RUSTC);
    fprintf(f, "ns are medians per call over interleaved rounds. Two pairings, each with the same guarantee on "
               "both sides: **per call** (every call safe against a concurrent change of the regions): "
               "`vmmem_guest_*` vs vm-memory's `GuestMemoryAtomic` with one `.memory()` guard per call; "
               "**held** (the caller keeps the regions alive around the batch): vmmem's calls inside one "
               "`vmmem_guest_enter()`/`vmmem_guest_exit()` vs a `GuestMemoryMmap` the caller holds. ratio = "
               "vmmem / vm-memory, the median of per-round ratios (below 1: vmmem faster; bold: above 1 by more "
               "than the cell's A/A); A/A = vmmem per call timed twice (noise); raw = vmmem_memcpy_fast between "
               "the same host addresses.\n\n");
    summary(f, rs, 1);
    int last_block = -1;
    for (size_t i = 0; i < rs->n; i++) {
        const struct result *r = &rs->v[i];
        int block = r->cell.thp * 4 + (r->cell.regions != 1) * 2 + r->cell.dirty;
        if (block != last_block) {
            fprintf(f, "\n## THP %s, %u region%s, dirty tracking %s\n\n", r->cell.thp ? "on" : "off",
                    r->cell.regions, r->cell.regions == 1 ? "" : "s", r->cell.dirty ? "on" : "off");
            fprintf(f, "| access | size | gpa | dst offset | vmmem ns | vm-memory atomic ns | ratio | "
                       "vmmem held ns | vm-memory mmap ns | held ratio | A/A | raw ns |\n");
            fprintf(f, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
            last_block = block;
        }
        char sz[32], a[24], b[24], c[32], d[24], e[24], g[24], h[24], k[32];
        fprintf(f, "| %s | %s | %s | %u | %s | %s | %s | %s | %s | %s | %s | %s |\n", op_name[r->cell.op],
                fmt_size(r->cell.size, sz, sizeof sz), pattern_name[r->cell.pattern], r->cell.align,
                fmt_ns(r->vmmem_ns, a, sizeof a), fmt_ns(r->peer_ns, b, sizeof b), md_ratio(r->ratio, r, c, sizeof c),
                fmt_ns(r->held_ns, g, sizeof g), fmt_ns(r->snapshot_ns, h, sizeof h),
                md_ratio(r->held_ratio, r, k, sizeof k), fmt_ratio(r->aa, d, sizeof d),
                fmt_ns(r->raw_ns, e, sizeof e));
    }
    fclose(f);
}

/* The index of name in names[0..n), or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* Sets the filter an option names; 0 when opt is no filter or arg is not
 * one of its values. */
static int parse_filter(const char *opt, const char *arg)
{
    static const char *const on_off[] = {"off", "on"};
    char *end;
    if (strcmp(opt, "--op") == 0)
        return (filter.op = name_index(op_name, OP_COUNT, arg)) >= 0;
    if (strcmp(opt, "--gpa") == 0)
        return (filter.pattern = name_index(pattern_name, PAT_COUNT, arg)) >= 0;
    if (strcmp(opt, "--dirty") == 0)
        return (filter.dirty = name_index(on_off, 2, arg)) >= 0;
    if (strcmp(opt, "--thp") == 0)
        return (filter.thp = name_index(on_off, 2, arg)) >= 0;
    if (strcmp(opt, "--regions") == 0) {
        long regions = strtol(arg, &end, 10);
        filter.regions = (int)regions;
        return *end == 0 && (regions == 1 || regions == (long)MANY_REGIONS);
    }
    if (strcmp(opt, "--size") == 0) {
        filter.size = strtoll(arg, &end, 0);
        return *end == 0 && filter.size > 0 && (uint64_t)filter.size <= MAX_SIZE;
    }
    if (strcmp(opt, "--dst-offset") == 0) {
        filter.dst_offset = strtoll(arg, &end, 0);
        return *end == 0 && filter.dst_offset >= 0 && filter.dst_offset <= (long long)MAX_ALIGN;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct run_cfg cfg = {21, 2e6, 0x5EEDu};
    int pin = 1;
    const char *csv = NULL, *markdown = NULL;
    char command[512] = "vmmem-guest-bench";
    for (int i = 1; i < argc; i++) {
        size_t used = strlen(command);
        snprintf(command + used, sizeof command - used, " %s", argv[i]);
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            cfg.rounds = 3;
            cfg.batch_ns = 1e5;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            cfg.rounds = (unsigned)atoi(argv[++i]);
        } else if (strcmp(argv[i], "--batch-us") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
            cfg.batch_ns = 1e3 * atoi(argv[++i]);
        } else if (strcmp(argv[i], "--no-pin") == 0) {
            pin = 0;
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv = argv[++i];
        } else if (strcmp(argv[i], "--markdown") == 0 && i + 1 < argc) {
            markdown = argv[++i];
        } else if (i + 1 < argc && parse_filter(argv[i], argv[i + 1])) {
            i++;
        } else {
            fprintf(stderr, "usage: vmmem-guest-bench [--quick] [--rounds N] [--batch-us N] [--no-pin] "
                            "[--csv FILE] [--markdown FILE]\n"
                            "  [--op NAME] [--size BYTES] [--gpa hot|sliding|strided] [--regions 1|64] "
                            "[--dirty on|off] [--thp on|off] [--dst-offset N]\n");
            return 2;
        }
    }
    _Static_assert(BUF_BYTES % PAGE == 0 && BUF_BYTES >= MAX_SIZE + MAX_ALIGN, "host buffer size");
    buf_out = aligned_alloc(PAGE, BUF_BYTES);
    buf_in = aligned_alloc(PAGE, BUF_BYTES);
    if (!buf_out || !buf_in)
        die("out of memory");
    memset(buf_out, 1, BUF_BYTES);
    memset(buf_in, 2, BUF_BYTES);

    struct bench_machine machine;
    bench_machine_collect(&machine);
    bench_machine_pin(&machine, pin, -1);
    printf("vmmem-guest-bench: vmmem guest memory vs rust-vmm vm-memory, %u rounds of %.0f us batches\n",
           cfg.rounds, cfg.batch_ns / 1e3);
    bench_machine_print(stdout, &machine);
    printf("peer       vm-memory %s; %s\n", VMMEM_BENCH_VM_MEMORY_STATUS, VMMEM_BENCH_RUSTC);
    printf("ns per call. Per call: vmmem vs vm-memory GuestMemoryAtomic (.memory() per call); held: vmmem inside "
           "vmmem_guest_enter/exit\nvs a held GuestMemoryMmap. ratio = vmmem / vm-memory (median of per-round ratios; "
           "below 1: vmmem faster);\nA/A = vmmem per call again / vmmem per call; raw = vmmem_memcpy_fast between the "
           "same host addresses;\ngpa: hot (fixed), sliding (64 B steps "
           "over 256 KiB),\nstrided (the page after the previous call's range, over 32 MiB); THP: RAM madvised "
           "MADV_HUGEPAGE or MADV_NOHUGEPAGE\n\n");

    struct results rs = {NULL, 0, 0};
    char thp_note[256] = "";
    for (int thp = 1; thp >= 0; thp--) {
        build_vmmem(thp);
        long kib = thp_kib(ram_host);
        size_t used = strlen(thp_note);
        snprintf(thp_note + used, sizeof thp_note - used, "%sTHP %s: %ld of %llu MiB of RAM in huge pages.",
                 used ? " " : "", thp ? "on" : "off", kib < 0 ? -1 : kib / 1024, RAM_BYTES / MiB);
        printf("RAM %llu MiB, THP %s (madvise): %ld MiB in huge pages (/proc/self/smaps)\n", RAM_BYTES / MiB,
               thp ? "on" : "off", kib < 0 ? -1 : kib / 1024);
        printf(TEXT_ROW, "access", "size", "gpa", "dst+", "regions", "dirty", "THP", "vmmem", "vm-mem at",
               "ratio", "vmmem held", "vm-mem map", "ratio", "A/A", "raw ns");
        for (unsigned regions = 1;; regions = MANY_REGIONS) {
            if (regions == MANY_REGIONS)
                add_extra_regions();
#if VMMEM_BENCH_HAVE_VM_MEMORY
            build_peers(regions);
#endif
            self_check(regions);
            for (int dirty = 0; dirty <= 1; dirty++)
                run_map(thp, regions, dirty, &cfg, &rs);
            if (regions == MANY_REGIONS)
                break;
        }
#if VMMEM_BENCH_HAVE_VM_MEMORY
        destroy_peers();
#endif
        vmmem_guest_memory_destroy(gm);
        gm = NULL;
    }
    printf("\n");
    summary(stdout, &rs, 0);
    if (csv)
        write_csv(csv, &rs);
    if (markdown)
        write_markdown(markdown, &rs, &machine, command, thp_note);
    free(rs.v);
    free(buf_in);
    free(buf_out);
    return 0;
}
