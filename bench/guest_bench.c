/* bench/guest_bench.c - vmmem-guest-bench: what the guest memory manager
 * costs on top of the copy engine. For 64 B, 4 KiB, 64 KiB and 2 MiB, with
 * 1 and with 64 regions in the map, it times vmmem_guest_copy_block (RAM ->
 * RAM), vmmem_guest_read and vmmem_guest_write against a raw
 * vmmem_memcpy_fast of the same size between the same host memory, with
 * dirty tracking off and then on: all four, plus the raw copy once more as a
 * control, in interleaved rounds (bench_measure), medians, the ratio to the
 * raw copy computed round by round, and the time added per call (median
 * minus the raw median). Usage: vmmem-guest-bench [--quick] [--rounds N]
 * [--no-pin]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vmmem/guest_memory.h>
#include <vmmem/vmmem.h>

#include "bench_impls.h"
#include "bench_machine.h"
#include "bench_runner.h"

/* Guest layout: one RAM region holding source and destination, far enough
 * apart for the largest size, offset by a page so that they do not alias. */
#define RAM_BYTES (16u << 20)
#define SRC_GPA 0x0ull
#define DST_GPA ((8u << 20) + 4096u)
#define BATCH_NS 2e6 /* each timed batch runs at least 2 ms */
/* The second map: the RAM above plus 63 more regions of 64 KiB, so a
 * lookup walks a binary search over 64 entries. */
#define MANY_REGIONS 64
#define EXTRA_REGION_BYTES (64u << 10)
/* raw copy (the baseline, index 0), copy_block, read, write, raw control */
#define CANDIDATES 5

static vmmem_guest_memory *gm;

/* The guest calls in the copy-function shape bench_measure times; the
 * host pointers it passes are those of SRC_GPA and DST_GPA, so every
 * candidate moves the same bytes between the same memory. */
static void *raw_fast(void *dst, const void *src, size_t n)
{
    return vmmem_memcpy_fast(dst, src, n);
}

/* The same raw copy again, timed as one more candidate: its ratio (about
 * 1.00) shows the bias and noise of the harness itself. */
static void *raw_control(void *dst, const void *src, size_t n)
{
    return vmmem_memcpy_fast(dst, src, n);
}

static void *guest_copy_block(void *dst, const void *src, size_t n)
{
    (void)src;
    if (vmmem_guest_copy_block(gm, DST_GPA, SRC_GPA, n) != VMMEM_OK)
        abort(); /* the layout is fixed: an error is a bug */
    return dst;
}

static void *guest_read(void *dst, const void *src, size_t n)
{
    (void)src;
    if (vmmem_guest_read(gm, SRC_GPA, dst, n) != VMMEM_OK)
        abort();
    return dst;
}

static void *guest_write(void *dst, const void *src, size_t n)
{
    if (vmmem_guest_write(gm, DST_GPA, src, n) != VMMEM_OK)
        abort();
    return dst;
}

static struct bench_impl make_impl(const char *name, bench_copy_fn fn)
{
    struct bench_impl impl;
    memset(&impl, 0, sizeof impl);
    snprintf(impl.name, sizeof impl.name, "%s", name);
    impl.fn = fn;
    impl.available = impl.selected = 1;
    return impl;
}

/* Every size, tracking off then on, on the map as it is now (`regions`
 * regions): prints one row per candidate. */
static int measure_map(unsigned regions, unsigned rounds, unsigned char *host, const struct bench_impl *impls,
                       struct bench_impl **list)
{
    static const size_t sizes[] = {64, 4096, 64 << 10, 2 << 20};
    for (int dirty = 0; dirty <= 1; dirty++) {
        if (vmmem_guest_dirty_enable(gm, 0, dirty) != VMMEM_OK)
            return 1;
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            struct bench_workload w;
            memset(&w, 0, sizeof w);
            w.kind = BENCH_WL_FIXED;
            w.src = host + SRC_GPA;
            w.dst = host + DST_GPA;
            w.size = sizes[s];
            w.bytes_per_call = (double)sizes[s];
            struct bench_measure_cfg cfg = {rounds, BATCH_NS};
            struct bench_measurement out[CANDIDATES];
            if (bench_measure(&w, list, CANDIDATES, 0, &cfg, out, NULL, NULL) != 0)
                return 1;
            for (size_t i = 0; i < CANDIDATES; i++)
                printf("%-8zu %-7u %-6s %-16s %12.1f %10.1f %9.3f %8.1f\n", sizes[s], regions, dirty ? "on" : "off",
                       impls[i].name, out[i].ns_median, (double)sizes[s] / out[i].ns_median, 1.0 / out[i].speedup,
                       out[i].ns_median - out[0].ns_median);
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned rounds = 31;
    int pin = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            rounds = 5;
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0)
            rounds = (unsigned)atoi(argv[++i]);
        else if (strcmp(argv[i], "--no-pin") == 0)
            pin = 0;
        else {
            fprintf(stderr, "usage: vmmem-guest-bench [--quick] [--rounds N] [--no-pin]\n");
            return 2;
        }
    }
    if (vmmem_guest_memory_create(&gm) != VMMEM_OK || vmmem_guest_add_ram(gm, 0, RAM_BYTES, NULL) != VMMEM_OK) {
        fprintf(stderr, "vmmem-guest-bench: cannot build the guest address space\n");
        return 1;
    }
    vmmem_region_info ram;
    vmmem_guest_region_at(gm, 0, &ram);
    unsigned char *host = ram.host;
    memset(host, 0x5A, RAM_BYTES); /* fault every page in before timing */

    struct bench_machine machine;
    bench_machine_collect(&machine);
    bench_machine_pin(&machine, pin, -1);
    printf("vmmem-guest-bench: %s, ISA %s, %u rounds, %s\n", machine.cpu_model, machine.isa_active, rounds,
           machine.pin_note);
    printf("ratio = guest call time / raw vmmem_memcpy_fast time, median over interleaved rounds;\n"
           "+ns = guest median - raw median\n\n");
    printf("%-8s %-7s %-6s %-16s %12s %10s %9s %8s\n", "size", "regions", "dirty", "call", "median ns", "GB/s", "ratio",
           "+ns");

    struct bench_impl impls[CANDIDATES] = {make_impl("raw memcpy_fast", raw_fast), make_impl("copy_block", guest_copy_block),
                                  make_impl("guest_read", guest_read), make_impl("guest_write", guest_write),
                                  make_impl("raw (control)", raw_control)};
    struct bench_impl *list[CANDIDATES] = {&impls[0], &impls[1], &impls[2], &impls[3], &impls[4]};
    /* The 1-region map first, then 63 more regions added to it. */
    static const unsigned region_counts[] = {1, MANY_REGIONS};
    for (size_t c = 0; c < sizeof region_counts / sizeof region_counts[0]; c++) {
        for (unsigned r = c ? region_counts[c - 1] : 1; r < region_counts[c]; r++)
            if (vmmem_guest_add_ram(gm, RAM_BYTES + (uint64_t)r * 2 * EXTRA_REGION_BYTES, EXTRA_REGION_BYTES,
                                    NULL) != VMMEM_OK)
                return 1;
        if (measure_map(region_counts[c], rounds, host, impls, list) != 0)
            return 1;
    }
    vmmem_guest_memory_destroy(gm);
    return 0;
}
