/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_virtio_race.c - a guest driver that races the device (issue
 * 18): while the device thread serves the queue, a "guest" thread keeps
 * rewriting descriptors (address, length, flags, next) of the table and of
 * indirect tables, the available ring and index, and the requests'
 * headers, as another vCPU of a hostile guest can. Whatever it does:
 *  - the device never touches host memory outside guest memory: each RAM
 *    region is this test's own mapping (vmmem_guest_add_host_ram()) with a
 *    canary page on each side (read-write host memory that is no guest
 *    memory: a stray write, even one the kernel makes for preadv(), shows
 *    there) and PROT_NONE guard pages beyond (a stray access faults); the
 *    descriptor table, the available ring and each indirect table lie at
 *    the very end of a one-page region of their own with PROT_NONE right
 *    after them (no canary page), so an entry read past the end - an
 *    index used after its check was fetched again - faults at once; the
 *    canaries, the ROM's bytes and the image's size (an OUT past the
 *    image's end grows it) are checked every CHECK_EVERY calls that found
 *    work and at the end, and the device's own MMIO window must never be
 *    called;
 *  - it never writes a used element or a status byte outside guest
 *    buffers: inside guest RAM every byte is a buffer the guest can name
 *    (it can point an indirect table at its own data, or at bytes it
 *    round-tripped through the disk image), so the used ring lies in a RAM
 *    region of its own at USED_GPA, an address that no value the guest
 *    writes can form (see USED_GPA): only the device writes there, its
 *    bytes after the ring stay canaries, after a call that kept the queue
 *    working the used index equals the requests answered since the last
 *    reset, and every element's length is one the device can have
 *    written (the status byte, plus an ID of at most 20 bytes or whole
 *    sectors that fit the image: no more than a chain it could serve);
 *  - every call returns (bounded work; a hang fails by CTest's timeout), a
 *    broken queue names a reason, and a reset makes it serve again.
 * The guest thread writes guest memory with relaxed atomic stores and the
 * device reads every guest-controlled field once with atomic loads
 * (src/vm/guest_once.h), so ThreadSanitizer checks those reads. What it
 * cannot make race-free is the payload: a guest may point a data buffer at
 * bytes it is rewriting (here, a torn descriptor can aim IN data at a
 * header), and the device moves payload with preadv()/pwritev(), which
 * TSan's interceptors report. That race is the guest's own business (the
 * device never decides on payload bytes), so this program alone suppresses
 * it, and only in the two functions that hand payload to the kernel
 * (__tsan_default_suppressions() below).
 *
 * Bounded by calls that found work (an empty ring does not count):
 * VMMEM_RACE_CALLS (default 300000) at most, and VMMEM_RACE_SECONDS
 * (default 3) unless fewer than MIN_BUSY_CALLS found work by then, when
 * it goes on up to STARVED_SECONDS_FACTOR times as long; a run whose guest
 * thread never got to post anything (a starved machine) checked nothing
 * and says so with CTest's skip code, never a pass or a failure.
 * VMMEM_RACE_SEED repeats the guest's choices of a printed run (not its
 * timing); `make soak` runs it for minutes. Prints the requests served,
 * the mutations the device survived, the queue resets and the time taken. */
#define _GNU_SOURCE
#include <endian.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vmmem/virtio_blk.h>

/* Guest layout: RAM at 0, 1 MiB (headers and data), and one-page RAM
 * regions for the descriptor table, the available ring and each indirect
 * table, each at the end of its page (PROT_NONE follows); all in this
 * test's mappings. */
#define PAGE 0x1000u
#define RAM_SIZE 0x100000u
#define QSIZE 64u
#define DESC_REGION 0x180000u
#define DESC_BYTES (QSIZE * 16u)
#define DESC (DESC_REGION + PAGE - DESC_BYTES)
#define AVAIL_REGION 0x190000u
#define AVAIL_BYTES (4u + 2u * QSIZE)
#define AVAIL (AVAIL_REGION + PAGE - AVAIL_BYTES)
/* The used ring, in a one-page RAM region of its own: the bytes 5A 5A at
 * positions 4-5 of its address, with 00 after them, occur in no value the
 * guest writes (only an arena address has two random bytes, at positions
 * 0-1, and its byte 2 is 1..7), so no descriptor, however composed from
 * guest bytes, names it. */
#define USED_GPA UINT64_C(0x5A5A00001000)
#define USED_PAGE 0x1000u
#define USED_BYTES (4u + 8u * QSIZE)
#define INDIRECT_REGION 0x1A0000u /* INDIRECT_TABLES regions, a page and a hole apart */
#define INDIRECT_STRIDE 0x2000u
#define INDIRECT_TABLES 8u
#define INDIRECT_ENTRIES 16u
#define INDIRECT_BYTES (INDIRECT_ENTRIES * 16u)
#define INDIRECT_TABLE(i) (INDIRECT_REGION + (uint32_t)(i) * INDIRECT_STRIDE + PAGE - INDIRECT_BYTES)
#define HEADERS 0x4000u     /* 16 bytes per slot */
#define ARENA 0x10000u      /* data and status buffers */
#define ARENA_END 0x78000u  /* data addresses the guest writes lie below this */
#define MAX_SHORT_LEN 0x8000u
#define ROM 0x200000u
#define ROM_SIZE 0x1000u
#define OWN_MMIO 0x300000u  /* the device's own registers: DMA there is refused */
#define MMIO_SIZE 0x1000u
#define HOLE 0x400000u      /* no region */
#define SLOTS 16u           /* requests of 4 descriptors each: header, data, data, status */
#define IMAGE_BYTES (2048u * 512u)
#define CANARY 0xC5
#define GUARD_PAGES 4u

_Static_assert(4 * SLOTS <= QSIZE, "each slot owns 4 descriptors of the table");
_Static_assert(USED_BYTES <= USED_PAGE, "the used ring fits its page");
_Static_assert(DESC_BYTES <= PAGE && AVAIL_BYTES <= PAGE && INDIRECT_BYTES <= PAGE, "each table fits its page");
_Static_assert(DESC % 16u == 0 && AVAIL % 2u == 0 && INDIRECT_TABLE(0) % 16u == 0, "the rings' alignment");
_Static_assert(RAM_SIZE <= DESC_REGION && DESC_REGION + PAGE <= AVAIL_REGION && AVAIL_REGION + PAGE <= INDIRECT_REGION,
               "the regions do not overlap");
_Static_assert(INDIRECT_TABLE(INDIRECT_TABLES) <= ROM, "the indirect tables' regions end before the ROM");
_Static_assert(HEADERS + 16u * SLOTS <= ARENA, "headers end before the arena");
_Static_assert(ARENA + SLOTS * 0x4000u <= ARENA_END, "each slot's buffers lie in the arena");
_Static_assert(ARENA_END + MAX_SHORT_LEN <= RAM_SIZE, "plausible buffers end inside RAM");

#define DEFAULT_SECONDS 3.0
#define PROGRESS_SECONDS 30.0 /* a progress line this often (soak runs) */
#define DEFAULT_CALLS 300000ul
#define MIN_BUSY_CALLS 1000ul       /* calls that found work before the time bound may end a run */
#define STARVED_SECONDS_FACTOR 10.0 /* how much longer a run short of them may go on */
#define CHECK_EVERY 256ul           /* calls that found work between canary and image checks */
#define SKIP_CODE 77                /* CTest's SKIP_RETURN_CODE for this test */

static vmmem_guest_memory *gm;
static vmmem_dma_device *dma;
static vmmem_virtio_blk *blk;
/* A RAM region's host mapping: guard pages, a canary page, the region, a
 * canary page (unless tail_guard: the guard pages follow the region at
 * once), guard pages. */
typedef struct guarded {
    unsigned char *reserve; /* the whole mapping */
    size_t reserve_len;
    unsigned char *ram;     /* the region's first byte */
    size_t size;
    int tail_guard;
    uint32_t gpa;           /* where the guest sees it (regions below 4 GiB) */
} guarded;

static guarded main_ram, used_ram, desc_ram, avail_ram, indirect_ram[INDIRECT_TABLES];
static int image_fd = -1;
static unsigned char *ram;  /* host address of guest 0 */
static unsigned char *used; /* host address of USED_GPA */
static atomic_int stop;
static atomic_ulong mutations;

/* ThreadSanitizer's built-in suppressions for this program (no other test
 * has them): payload moved by the file I/O of dma_file.c. A suppression
 * matches a frame of either access's stack, so the device's stack must be
 * restorable: the longest access history (its default options; TSAN_OPTIONS
 * still applies on top). */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
    return "race:read_iov\nrace:write_iov\n";
}

const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "history_size=7";
}

static void die(const char *what)
{
    fflush(stdout);
    fprintf(stderr, "test_virtio_race: %s\n", what);
    abort();
}

static int own_access(void *opaque, uint64_t offset, void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    die("the device reached its own MMIO window by DMA");
    return VMMEM_EINVAL;
}

static int own_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    return own_access(opaque, offset, (void *)(uintptr_t)data, size);
}

/* ---- the guest's stores (relaxed atomics: the races are the test) ----------- */

/* The host address of guest byte gpa, in the RAM regions below 4 GiB. */
static unsigned char *host_of(uint32_t gpa)
{
    if (gpa < RAM_SIZE)
        return ram + gpa;
    const guarded *tables[2 + INDIRECT_TABLES] = { &desc_ram, &avail_ram };
    for (unsigned i = 0; i < INDIRECT_TABLES; i++)
        tables[2 + i] = &indirect_ram[i];
    for (unsigned i = 0; i < 2 + INDIRECT_TABLES; i++)
        if (gpa - tables[i]->gpa < tables[i]->size)
            return tables[i]->ram + (gpa - tables[i]->gpa);
    die("the test wrote outside its RAM");
    return NULL;
}

static void store16(uint32_t gpa, uint16_t v) { __atomic_store_n((uint16_t *)host_of(gpa), htole16(v), __ATOMIC_RELAXED); }
static void store32(uint32_t gpa, uint32_t v) { __atomic_store_n((uint32_t *)host_of(gpa), htole32(v), __ATOMIC_RELAXED); }
static void store64(uint32_t gpa, uint64_t v) { __atomic_store_n((uint64_t *)host_of(gpa), htole64(v), __ATOMIC_RELAXED); }
static uint16_t load16(uint32_t gpa) { return le16toh(__atomic_load_n((uint16_t *)host_of(gpa), __ATOMIC_RELAXED)); }
static uint16_t used_idx_now(void) { return le16toh(__atomic_load_n((uint16_t *)(used + 2), __ATOMIC_RELAXED)); }
static uint32_t used_len(uint16_t i) { return le32toh(__atomic_load_n((uint32_t *)(used + 8 + 8u * (i % QSIZE)), __ATOMIC_RELAXED)); }

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void put_desc(uint32_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    uint32_t d = table + i * 16u;
    store64(d, addr);
    store32(d + 8, len);
    store16(d + 12, flags);
    store16(d + 14, next);
}

/* Slot s as a valid request: direct descriptors 4s..4s+3, or (odd slots)
 * one indirect descriptor 4s whose table holds the four. */
static void repair_slot(unsigned s, uint64_t *rng)
{
    static const uint32_t types[] = { VMMEM_VIRTIO_BLK_T_IN, VMMEM_VIRTIO_BLK_T_OUT, VMMEM_VIRTIO_BLK_T_GET_ID };
    uint32_t header = HEADERS + 16u * s;
    uint32_t type = types[next_random(rng) % 3];
    store32(header, type);
    store32(header + 4, 0);
    store64(header + 8, next_random(rng) % (IMAGE_BYTES / 512 - 8));
    uint32_t data = ARENA + s * 0x4000u;
    uint16_t w = VMMEM_VIRTQ_DESC_F_WRITE, n = VMMEM_VIRTQ_DESC_F_NEXT;
    int out = type == VMMEM_VIRTIO_BLK_T_OUT;
    uint32_t table = DESC;
    unsigned base = 4 * s;
    if (s % 2 && s / 2 < INDIRECT_TABLES) {
        table = INDIRECT_TABLE(s / 2);
        put_desc(DESC, 4 * s, table, 4 * 16, VMMEM_VIRTQ_DESC_F_INDIRECT, 0);
        base = 0;
    }
    put_desc(table, base, header, 16, n, (uint16_t)(base + 1));
    put_desc(table, base + 1, data, 1024, (uint16_t)((out ? 0 : w) | n), (uint16_t)(base + 2));
    put_desc(table, base + 2, data + 1024, 1024, (uint16_t)((out ? 0 : w) | n), (uint16_t)(base + 3));
    put_desc(table, base + 3, data + 0x3000, 1, w, 0);
}

/* Values the guest writes into descriptor fields: mostly plausible, some
 * hostile. Every address is below ARENA_END or outside RAM. */
static uint64_t pick_addr(uint64_t *rng)
{
    switch (next_random(rng) % 10) {
    case 0: return HOLE;
    case 1: return ROM + next_random(rng) % ROM_SIZE;
    case 2: return OWN_MMIO + next_random(rng) % MMIO_SIZE;
    case 3: return UINT64_MAX - next_random(rng) % 64; /* wraps with most lengths */
    case 4: return HEADERS + 16u * (next_random(rng) % SLOTS); /* with case 5: bytes [xx 3x-4x 00 ...] */
    case 5: { /* an entry of an indirect table, or its region's page before the table */
        uint64_t k = next_random(rng) % (INDIRECT_TABLES * INDIRECT_ENTRIES);
        return INDIRECT_TABLE(k / INDIRECT_ENTRIES) + 16u * (k % INDIRECT_ENTRIES) - (next_random(rng) % 2) * 0x800u;
    }
    default: return ARENA + next_random(rng) % (ARENA_END - ARENA);
    }
}

static uint32_t pick_len(uint64_t *rng)
{
    static const uint32_t lens[] = { 0, 1, 15, 16, 17, 64, 512, 1024, 4096, MAX_SHORT_LEN, 0xFFFFFFFFu, 0x80000000u };
    return lens[next_random(rng) % (sizeof lens / sizeof lens[0])];
}

/* One step of the guest: mostly a driver that posts well-formed requests
 * (a slot rewritten whole, its head put on the available ring, the index
 * moved on), and one step in CORRUPT_ONE_IN a hostile write anywhere in
 * the rings, tables and headers, racing whatever the device reads. Every
 * store counts as a mutation. */
#define CORRUPT_ONE_IN 3u
#define JUMP_ONE_IN 512u /* of the corruptions: the available index thrown too far */
/* A flicker: a field stored this many times, alternating a value that
 * passes the device's check with one that must not be used, so that a
 * device reading the field again after checking it (a double fetch) has
 * many chances to see the other value in the few nanoseconds between; at
 * most this many stores (each counts as one mutation with the flicker). */
#define FLICKER_STORES 256u
#define FLICKER_ONE_IN 4u /* of the requests posted: one flickered right after */

/* Flickers a field of slot s that the device checks: its second
 * descriptor's next (in the table, or in the slot's indirect table)
 * between its value and one past the end, or its header's sector between
 * its value and the image's last sector (a 2-sector request there runs
 * past the end), until the used index reaches `until` (the device
 * answered the request: it has walked it while the field flickered) or
 * for FLICKER_STORES stores; ends with the value it had. */
static int flicker_more(unsigned i, uint16_t until)
{
    return i < FLICKER_STORES && (i % 2 || (uint16_t)(until - used_idx_now()) - 1u < QSIZE);
}

static void flicker_slot(unsigned s, uint16_t until, uint64_t *rng)
{
    if (next_random(rng) % 2) {
        int indirect = s % 2 && s / 2 < INDIRECT_TABLES;
        uint32_t d = indirect ? INDIRECT_TABLE(s / 2) + 16u : DESC + 16u * (4u * s + 1u);
        uint16_t good = load16(d + 14), bad = (uint16_t)((indirect ? INDIRECT_ENTRIES : QSIZE) + next_random(rng) % 2);
        for (unsigned i = 0; flicker_more(i, until); i++)
            store16(d + 14, i % 2 ? good : bad);
        store16(d + 14, good);
    } else {
        uint32_t h = HEADERS + 16u * s + 8u;
        uint64_t good = le64toh(__atomic_load_n((uint64_t *)host_of(h), __ATOMIC_RELAXED)), bad = IMAGE_BYTES / 512 - 1;
        for (unsigned i = 0; flicker_more(i, until); i++)
            store64(h, i % 2 ? good : bad);
        store64(h, good);
    }
    atomic_fetch_add_explicit(&mutations, 1, memory_order_relaxed);
}

static void mutate(uint64_t *rng)
{
    if (next_random(rng) % CORRUPT_ONE_IN != 0) {
        uint16_t used = used_idx_now();
        uint16_t avail = load16(AVAIL + 2);
        if ((uint16_t)(avail - used) >= QSIZE / 2) {
            sched_yield(); /* the device is behind: let it run */
            return;
        }
        unsigned slot = (unsigned)(next_random(rng) % SLOTS);
        repair_slot(slot, rng);
        store16(AVAIL + 4 + 2u * (avail % QSIZE), (uint16_t)(4 * slot));
        store16(AVAIL + 2, (uint16_t)(avail + 1));
        atomic_fetch_add_explicit(&mutations, 1, memory_order_relaxed);
        if (next_random(rng) % FLICKER_ONE_IN == 0)
            flicker_slot(slot, (uint16_t)(avail + 1), rng); /* while the device serves it */
        return;
    }
    uint64_t r = next_random(rng);
    unsigned what = r % 10;
    r >>= 4;
    /* a descriptor of the table (QSIZE) or of an indirect table */
    uint32_t table = r % 4 ? DESC : INDIRECT_TABLE((r >> 2) % INDIRECT_TABLES);
    unsigned entries = table == DESC ? QSIZE : INDIRECT_ENTRIES;
    uint32_t d = table + (uint32_t)(next_random(rng) % entries) * 16u;
    switch (what) {
    case 0: case 1:
        store64(d, pick_addr(rng));
        break;
    case 2: case 3:
        store32(d + 8, pick_len(rng));
        break;
    case 4: case 5:
        store16(d + 12, (uint16_t)(next_random(rng) % 8)); /* NEXT, WRITE, INDIRECT in any mix */
        break;
    case 6:
        if (next_random(rng) % 2) {
            store16(d + 14, (uint16_t)(next_random(rng) % (entries + 2))); /* sometimes past the end */
        } else {
            flicker_slot((unsigned)(next_random(rng) % SLOTS), 0, rng);
        }
        break;
    case 7: { /* a request header */
        uint32_t h = HEADERS + 16u * (uint32_t)(next_random(rng) % SLOTS);
        static const uint32_t types[] = { 0, 1, 4, 8, 99 };
        /* past the end, overflowing sector * 512 (no random 64-bit value:
         * see USED_GPA) */
        static const uint64_t hostile_sectors[] = { UINT64_MAX, UINT64_MAX / 256, UINT64_C(1) << 63,
                                                    IMAGE_BYTES / 512 };
        uint32_t pick = (uint32_t)(next_random(rng) % 3);
        if (pick == 0) {
            store32(h, types[next_random(rng) % 5]);
        } else if (pick == 1) {
            store64(h + 8, next_random(rng) % 3 ? next_random(rng) % (IMAGE_BYTES / 512 + 8)
                                                : hostile_sectors[next_random(rng) % 4]);
        } else {
            flicker_slot((unsigned)(next_random(rng) % SLOTS), 0, rng);
        }
        break;
    }
    case 8: /* an available ring entry: a slot's head, or any index */
        store16(AVAIL + 4 + 2u * (uint32_t)(next_random(rng) % QSIZE),
                (uint16_t)(next_random(rng) % 2 ? 4 * (next_random(rng) % SLOTS) : next_random(rng) % (QSIZE + 8)));
        break;
    default: /* the available index: one more, or (rarely) too far */
        store16(AVAIL + 2, (uint16_t)(load16(AVAIL + 2) + (next_random(rng) % JUMP_ONE_IN ? 1 : QSIZE + 1)));
        break;
    }
    atomic_fetch_add_explicit(&mutations, 1, memory_order_relaxed);
}

static void *guest_thread(void *arg)
{
    uint64_t rng = *(uint64_t *)arg;
    while (!atomic_load_explicit(&stop, memory_order_relaxed))
        mutate(&rng);
    return NULL;
}

/* ---- checks ---------------------------------------------------------------- */

/* Every byte of a canary page still holds the canary. */
static void check_canary_pages(const guarded *g, const char *what)
{
    for (size_t i = 0; i < PAGE; i++)
        if (g->ram[-1 - (ptrdiff_t)i] != CANARY || (!g->tail_guard && g->ram[g->size + i] != CANARY))
            die(what);
}

static void check_canaries(void)
{
    check_canary_pages(&main_ram, "host memory next to guest RAM changed");
    check_canary_pages(&used_ram, "host memory next to the used ring's RAM changed");
    check_canary_pages(&desc_ram, "host memory before the descriptor table's RAM changed");
    check_canary_pages(&avail_ram, "host memory before the available ring's RAM changed");
    for (unsigned i = 0; i < INDIRECT_TABLES; i++)
        check_canary_pages(&indirect_ram[i], "host memory before an indirect table's RAM changed");
    struct stat st;
    if (fstat(image_fd, &st) || st.st_size != IMAGE_BYTES)
        die("the disk image's size changed: a write past its end");
    for (uint32_t a = USED_BYTES; a < USED_PAGE; a++)
        if (used[a] != CANARY)
            die("a byte of the used ring's page past the ring changed");
    unsigned char rom[ROM_SIZE];
    if (vmmem_guest_read(gm, ROM, rom, sizeof rom) != VMMEM_OK)
        die("ROM read");
    for (size_t i = 0; i < sizeof rom; i++)
        if (rom[i] != (unsigned char)i)
            die("ROM changed");
}

/* After a call that kept the queue working: the used index counts the
 * requests answered since the reset, and every new element's length is
 * one the device can have written into a chain it served: the status
 * byte, after nothing, an ID (at most 20 bytes) or whole sectors that fit
 * the image (an IN the range check let through). */
static void check_used(uint16_t from, uint16_t to)
{
    if (used_idx_now() != to)
        die("the used index is not the number of requests answered");
    for (uint16_t i = from; i != to; i++) {
        uint32_t data = used_len(i) - 1; /* without the status byte */
        if (used_len(i) == 0 || (data > VMMEM_VIRTIO_BLK_ID_BYTES && data % 512u) || data > IMAGE_BYTES)
            die("a used element's length is more than the device can have written");
    }
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void map_guarded(guarded *g, uint32_t gpa, size_t size, int tail_guard)
{
    g->gpa = gpa;
    g->size = size;
    g->tail_guard = tail_guard;
    g->reserve_len = size + 2 * (GUARD_PAGES + 1) * PAGE;
    g->reserve = mmap(NULL, g->reserve_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->reserve == MAP_FAILED)
        die("mmap");
    g->ram = g->reserve + (GUARD_PAGES + 1) * PAGE;
    size_t open_len = size + (tail_guard ? 1 : 2) * PAGE;
    if (mprotect(g->ram - PAGE, open_len, PROT_READ | PROT_WRITE))
        die("mprotect");
    memset(g->ram - PAGE, CANARY, open_len);
}

/* A one-page region at gpa whose last byte is followed by PROT_NONE. */
static void add_table_region(guarded *g, uint32_t gpa)
{
    map_guarded(g, gpa, PAGE, 1);
    memset(g->ram, 0, PAGE);
    vmmem_host_ram hr = { g->ram, -1, 0 };
    if (vmmem_guest_add_host_ram(gm, gpa, PAGE, &hr))
        die("table region");
}

static void setup(void)
{
    if ((size_t)sysconf(_SC_PAGESIZE) != PAGE)
        die("this test assumes 4 KiB pages");
    map_guarded(&main_ram, 0, RAM_SIZE, 0);
    map_guarded(&used_ram, 0, USED_PAGE, 0); /* above 4 GiB: not in host_of() */
    ram = main_ram.ram;
    used = used_ram.ram;
    memset(ram, 0, ARENA); /* headers; the arena keeps the canary */
    memset(used, 0, USED_BYTES);
    unsigned char rom[ROM_SIZE];
    for (size_t i = 0; i < sizeof rom; i++)
        rom[i] = (unsigned char)i;
    vmmem_mmio_ops own = { own_access, own_write, 1, 8, NULL };
    vmmem_host_ram hr = { ram, -1, 0 }, hu = { used, -1, 0 };
    if (vmmem_guest_memory_create(&gm) || vmmem_guest_add_host_ram(gm, 0, RAM_SIZE, &hr) ||
        vmmem_guest_add_host_ram(gm, USED_GPA, USED_PAGE, &hu) ||
        vmmem_guest_add_rom(gm, ROM, ROM_SIZE, rom, sizeof rom) || vmmem_guest_add_mmio(gm, OWN_MMIO, MMIO_SIZE, &own))
        die("guest memory");
    add_table_region(&desc_ram, DESC_REGION);
    add_table_region(&avail_ram, AVAIL_REGION);
    for (unsigned i = 0; i < INDIRECT_TABLES; i++)
        add_table_region(&indirect_ram[i], INDIRECT_REGION + i * INDIRECT_STRIDE);
    vmmem_dma_config dcfg = { gm, OWN_MMIO, MMIO_SIZE, 0 };
    if (vmmem_dma_device_create(&dcfg, &dma))
        die("dma device");
    image_fd = memfd_create("race-disk", 0);
    if (image_fd < 0 || ftruncate(image_fd, IMAGE_BYTES))
        die("image");
    vmmem_virtio_blk_config cfg = { dma, image_fd, "race", { QSIZE, DESC, AVAIL, USED_GPA } };
    if (vmmem_virtio_blk_create(&cfg, &blk))
        die("virtio-blk");
}

int main(void)
{
    const char *s = getenv("VMMEM_RACE_SECONDS"), *c = getenv("VMMEM_RACE_CALLS"), *sd = getenv("VMMEM_RACE_SEED");
    double seconds = s ? atof(s) : DEFAULT_SECONDS;
    unsigned long max_calls = c ? strtoul(c, NULL, 0) : DEFAULT_CALLS;
    uint64_t seed = sd ? strtoull(sd, NULL, 0) | 1 : (uint64_t)time(NULL) * 2654435761u | 1; /* xorshift: never 0 */
    printf("test_virtio_race: seed %llu, up to %.0f s and %lu calls that find work\n", (unsigned long long)seed, seconds,
           max_calls);
    fflush(stdout);
    setup();
    uint64_t rng = seed;
    for (unsigned k = 0; k < SLOTS; k++)
        repair_slot(k, &rng);

    pthread_t guest;
    uint64_t guest_seed = seed * 3 + 1;
    if (pthread_create(&guest, NULL, guest_thread, &guest_seed))
        die("pthread_create");
    while (atomic_load(&mutations) == 0)
        sched_yield();
    unsigned long calls = 0, busy = 0, served = 0, resets = 0, reasons[VMMEM_VIRTQ_ERR_DEVICE + 1] = { 0 };
    uint16_t used_idx = 0; /* requests answered since the last reset (mod 2^16) */
    double start = now(), elapsed = 0, progress_at = PROGRESS_SECONDS;
    vmmem_virtq *vq = vmmem_virtio_blk_queue(blk);
    for (;;) {
        elapsed = now() - start;
        if (busy >= max_calls || elapsed >= seconds * STARVED_SECONDS_FACTOR ||
            (elapsed >= seconds && busy >= MIN_BUSY_CALLS))
            break;
        unsigned done = 0;
        int rc = vmmem_virtio_blk_process(blk, &done);
        calls++;
        if (elapsed >= progress_at) {
            printf("  %.0f s: %lu requests served, %lu mutations, %lu resets\n", elapsed, served,
                   atomic_load(&mutations), resets);
            fflush(stdout);
            progress_at += PROGRESS_SECONDS;
        }
        if (done > QSIZE)
            die("a call answered more requests than the queue holds");
        served += done;
        if (rc == VMMEM_OK && done == 0) {
            sched_yield(); /* an empty ring: let the guest run */
            continue;
        }
        busy++;
        if (busy % CHECK_EVERY == 0)
            check_canaries();
        if (rc == VMMEM_OK) {
            check_used(used_idx, (uint16_t)(used_idx + done));
            used_idx = (uint16_t)(used_idx + done);
            continue;
        }
        if (rc != VMMEM_EINVAL || !vmmem_virtq_is_broken(vq))
            die("process() failed without breaking the queue");
        vmmem_virtq_error why = vmmem_virtq_error_reason(vq);
        if (why == VMMEM_VIRTQ_ERR_NONE || why > VMMEM_VIRTQ_ERR_DEVICE)
            die("a broken queue without a reason");
        reasons[why]++;
        /* The driver resets the device and re-initialises its rings. */
        if (vmmem_virtio_blk_reset(blk) != VMMEM_OK)
            die("reset");
        resets++;
        __atomic_store_n((uint16_t *)(used + 2), 0, __ATOMIC_RELAXED);
        store16(AVAIL + 2, 0);
        used_idx = 0;
    }
    atomic_store(&stop, 1);
    pthread_join(guest, NULL);
    check_canaries();
    unsigned long survived = atomic_load(&mutations);
    printf("test_virtio_race: %.1f s, %lu process() calls (%lu found work), %lu requests served, "
           "%lu guest mutations survived, %lu resets\n", elapsed, calls, busy, served, survived, resets);
    for (int i = 1; i <= VMMEM_VIRTQ_ERR_DEVICE; i++)
        if (reasons[i])
            printf("  broken %lu times: %s\n", reasons[i], vmmem_virtq_reason_str(i));
    if (served == 0 || survived == 0) {
        printf("test_virtio_race: the guest thread was starved: nothing served, nothing checked (skipped)\n");
        return SKIP_CODE;
    }
    vmmem_virtio_blk_destroy(blk);
    vmmem_dma_device_destroy(dma);
    vmmem_guest_memory_destroy(gm);
    munmap(main_ram.reserve, main_ram.reserve_len);
    munmap(used_ram.reserve, used_ram.reserve_len);
    munmap(desc_ram.reserve, desc_ram.reserve_len);
    munmap(avail_ram.reserve, avail_ram.reserve_len);
    for (unsigned i = 0; i < INDIRECT_TABLES; i++)
        munmap(indirect_ram[i].reserve, indirect_ram[i].reserve_len);
    close(image_fd);
    return 0;
}
