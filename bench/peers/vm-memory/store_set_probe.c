/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* bench/peers/vm-memory/store_set_probe.c - vmmem-guest-store-probe: why
 * the held, page-strided typed writes of vmmem-guest-bench favour the
 * longer call (docs/guest_memory.md, "Cells that still lose").
 *
 * A page-strided 8-byte store lands at the same page offset every call, so
 * every store of the batch maps to one L1d set (and a few L2 sets). The
 * probe times, on 32 MiB of RAM (THP advised, every page written first):
 *  - bare store loops, one store per page, with nothing else, with 1, 4 or
 *    8 extra stores to a hot stack line per store, with 32 nops, with an
 *    mfence after every 16 stores (which bounds the stores in flight), and
 *    with one load per store of a hot line in the stores' L1d set or in
 *    another;
 *  - the same bare loop one page plus one cache line further each time
 *    (4160 B: each store in the next L1d set);
 *  - vmmem_guest_write_le64 inside vmmem_guest_enter() against vm-memory's
 *    write_obj::<u64> on a held GuestMemoryMmap, at both strides.
 * All candidates in interleaved rounds, in a shuffled order each round;
 * medians of ns per store. No result is asserted: this is a measurement.
 *
 * Usage: vmmem-guest-store-probe [--quick] [--offset N] (N: the page offset
 * of the stores, default 0) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <vmmem/guest_memory.h>

#include "bench_rng.h"
#include "bench_stats.h"
#include "vm_memory_peer.h"

#define MiB (1ull << 20)
#define PAGE 4096u
#define CACHE_LINE 64u
#define SPAN (32 * MiB)            /* the stores go one stride further each time over this */
#define RAM_BYTES (SPAN + 2 * MiB) /* the span, plus room for the offset */
#define SET_STRIDE (PAGE + CACHE_LINE)
#define FENCE_EVERY 16u /* stores between two mfences in the fenced loop */
#define ROUNDS 15u
#define QUICK_ROUNDS 3u
#define STORES_PER_BATCH 300000u
#define QUICK_STORES_PER_BATCH 20000u

static unsigned char *ram;
static vmmem_guest_memory *gm;
static vmpeer_mem *peer;

typedef void (*store_loop)(unsigned char *base, size_t n, uint64_t stride);

/* One store per stride, extra work per store as named. The stores are asm,
 * so the compiler keeps exactly one 8-byte store per step; the stack
 * stores are pushes below the stack pointer, which is why the file is
 * built with -mno-red-zone (CMakeLists.txt). */
#define STORE_LOOP(name, body)                                                   \
    static void name(unsigned char *base, size_t n, uint64_t stride)            \
    {                                                                            \
        uint64_t off = 0;                                                        \
        for (size_t i = 0; i < n; i++) {                                         \
            unsigned char *p = base + off;                                       \
            body;                                                                \
            off += stride;                                                       \
            if (off >= SPAN)                                                     \
                off = 0;                                                         \
        }                                                                        \
    }
STORE_LOOP(store_only, __asm__ volatile("movq %1, (%0)" ::"r"(p), "r"(i) : "memory"))
STORE_LOOP(store_stack1, __asm__ volatile("pushq %1\n\tmovq %1, (%0)\n\taddq $8, %%rsp" ::"r"(p), "r"(i) : "memory"))
STORE_LOOP(store_stack4, __asm__ volatile(".rept 4\n\tpushq %1\n\t.endr\n\tmovq %1, (%0)\n\taddq $32, %%rsp" ::"r"(p),
                                          "r"(i)
                                          : "memory"))
STORE_LOOP(store_stack8, __asm__ volatile(".rept 8\n\tpushq %1\n\t.endr\n\tmovq %1, (%0)\n\taddq $64, %%rsp" ::"r"(p),
                                          "r"(i)
                                          : "memory"))
STORE_LOOP(store_nop32, __asm__ volatile("movq %1, (%0)\n\t.rept 32\n\tnop\n\t.endr" ::"r"(p), "r"(i) : "memory"))
/* A hot line loaded with each store: at the stores' page offset (their L1d
 * set), or half a page away (another set). */
static unsigned char hot_page[PAGE] __attribute__((aligned(PAGE)));
static uint64_t store_offset;
#define HOT_LINE(delta) ((const volatile uint64_t *)(const void *)(hot_page + (store_offset + (delta)) % PAGE))
STORE_LOOP(store_load_same_set, {
    (void)*HOT_LINE(0);
    __asm__ volatile("movq %1, (%0)" ::"r"(p), "r"(i) : "memory");
})
STORE_LOOP(store_load_other_set, {
    (void)*HOT_LINE(PAGE / 2);
    __asm__ volatile("movq %1, (%0)" ::"r"(p), "r"(i) : "memory");
})
STORE_LOOP(store_fenced, {
    __asm__ volatile("movq %1, (%0)" ::"r"(p), "r"(i) : "memory");
    if (i % FENCE_EVERY == FENCE_EVERY - 1)
        __asm__ volatile("mfence" ::: "memory");
})

static void vmmem_held(unsigned char *base, size_t n, uint64_t stride)
{
    (void)base;
    uint64_t off = 0;
    vmmem_guest_enter(gm);
    for (size_t i = 0; i < n; i++) {
        if (vmmem_guest_write_le64(gm, store_offset + off, i) != VMMEM_OK)
            abort();
        off += stride;
        if (off >= SPAN)
            off = 0;
    }
    vmmem_guest_exit(gm);
}

static void vm_memory_held(unsigned char *base, size_t n, uint64_t stride)
{
    (void)base;
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (vmpeer_write_u64(peer, store_offset + off, i) != 0)
            abort();
        off += stride;
        if (off >= SPAN)
            off = 0;
    }
}

struct candidate {
    const char *name;
    store_loop run;
    uint64_t stride;
};

static const struct candidate candidates[] = {
    {"store only, page stride", store_only, PAGE},
    {"+1 stack store", store_stack1, PAGE},
    {"+4 stack stores", store_stack4, PAGE},
    {"+8 stack stores", store_stack8, PAGE},
    {"+32 nops", store_nop32, PAGE},
    {"mfence every 16 stores", store_fenced, PAGE},
    {"+1 load of a hot line, same set", store_load_same_set, PAGE},
    {"+1 load of a hot line, other set", store_load_other_set, PAGE},
    {"store only, page + 64 B stride", store_only, SET_STRIDE},
    {"vmmem held write_le64, page stride", vmmem_held, PAGE},
    {"vm-memory write_obj<u64>, page stride", vm_memory_held, PAGE},
    {"vmmem held write_le64, page + 64 B", vmmem_held, SET_STRIDE},
    {"vm-memory write_obj<u64>, page + 64 B", vm_memory_held, SET_STRIDE},
};
#define NCAND (sizeof candidates / sizeof candidates[0])

int main(int argc, char **argv)
{
    unsigned rounds = ROUNDS;
    size_t n = STORES_PER_BATCH;
    for (int i = 1; i < argc; i++) {
        char *end = NULL;
        if (strcmp(argv[i], "--quick") == 0) {
            rounds = QUICK_ROUNDS;
            n = QUICK_STORES_PER_BATCH;
        } else if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc &&
                   (store_offset = strtoull(argv[++i], &end, 0), *end == 0) && store_offset <= PAGE - 8 &&
                   store_offset % 8 == 0) {
        } else {
            fprintf(stderr, "usage: vmmem-guest-store-probe [--quick] [--offset N] (N a multiple of 8, at most %u)\n",
                    PAGE - 8);
            return 2;
        }
    }
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK || vmmem_guest_add_ram(gm, 0, RAM_BYTES, NULL) != VMMEM_OK)
        return fprintf(stderr, "vmmem-guest-store-probe: cannot build the guest memory\n"), 1;
    vmmem_region_info info;
    if (vmmem_guest_region_at(gm, 0, &info) != VMMEM_OK)
        return 1;
    ram = info.host;
    if (madvise(ram, RAM_BYTES, MADV_HUGEPAGE) != 0)
        perror("vmmem-guest-store-probe: madvise(MADV_HUGEPAGE)");
    memset(ram, 0x5A, RAM_BYTES);
    struct vmpeer_region region = {0, ram, RAM_BYTES};
    if (!(peer = vmpeer_create(&region, 1, 0)))
        return fprintf(stderr, "vmmem-guest-store-probe: vm-memory refused the region\n"), 1;

    double *ns = calloc((size_t)rounds * NCAND, sizeof *ns), *col = calloc(rounds, sizeof *col);
    if (!ns || !col)
        return 1;
    uint64_t rng = 0x5EEDu;
    for (size_t k = 0; k < NCAND; k++) /* warm-up */
        candidates[k].run(ram + store_offset, n, candidates[k].stride);
    for (unsigned r = 0; r < rounds; r++) {
        size_t order[NCAND];
        for (size_t k = 0; k < NCAND; k++)
            order[k] = k;
        for (size_t k = NCAND - 1; k > 0; k--) {
            size_t j = (size_t)bench_rng_below(&rng, k + 1), t = order[k];
            order[k] = order[j];
            order[j] = t;
        }
        for (size_t k = 0; k < NCAND; k++) {
            const struct candidate *c = &candidates[order[k]];
            double t0 = bench_now_ns();
            c->run(ram + store_offset, n, c->stride);
            ns[(size_t)r * NCAND + order[k]] = (bench_now_ns() - t0) / (double)n;
        }
    }
    printf("vmmem-guest-store-probe: 8-byte stores one stride further each over %llu MiB at page offset %llu, "
           "THP advised; %u rounds of %zu stores, medians\n",
           SPAN / MiB, (unsigned long long)store_offset, rounds, n);
    for (size_t k = 0; k < NCAND; k++) {
        for (unsigned r = 0; r < rounds; r++)
            col[r] = ns[(size_t)r * NCAND + k];
        printf("  %-40s %6.2f ns per store\n", candidates[k].name, bench_median(col, rounds));
    }
    free(col);
    free(ns);
    vmpeer_destroy(peer);
    vmmem_guest_memory_destroy(gm);
    return 0;
}
