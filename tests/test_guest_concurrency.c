/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* tests/test_guest_concurrency.c - the region map under concurrent use:
 *  - a stress run: threads read, write, copy_block and use typed accessors
 *    over a stable RAM region and over slots that another thread keeps
 *    replacing (RAM, ROM, MMIO, or nothing); every call returns an expected
 *    code, data in the stable region stays exactly what its owner wrote, a
 *    ROM slot is always seen whole (never a mix of two generations), and a
 *    removed MMIO device's state (freed right after removal) is never
 *    touched afterwards (ASan would report it);
 *  - removal racing a long read: a thread holding a translated pointer
 *    inside vmmem_guest_enter(), or sitting in a slow MMIO callback, keeps
 *    the region alive; vmmem_guest_remove_region() returns only after it is
 *    done (also for RAM the caller mapped, which it then unmaps);
 *  - calls made inside vmmem_guest_enter() (which take no read lock of their
 *    own): the stress run again with every worker making its calls in
 *    sections of several calls; a nested section's inner exit leaves the
 *    outer one holding the region; and after the last exit a call takes its
 *    own lock again (a removal waits for its MMIO callback).
 * Run under ASan by make test-sanitize. Threads also run under qemu-user. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <vmmem/guest_memory.h>

#include "test_support.h"

#define PG 4096u
#define STABLE_BASE 0x0ull
#define STABLE_SIZE (64u * PG)
#define WORKERS 3u
/* One slot per worker: the guest bytes each worker touches are its own, so
 * the only sharing between threads is the region map itself (and a
 * ThreadSanitizer run reports any race in it, not the guest's own races). */
#define SLOTS WORKERS
#define SLOT_BASE(i) (0x100000ull + (uint64_t)(i) * 0x10000u)
#define SLOT_SIZE (4u * PG)
#define CHURN_CYCLES 2000u /* region changes; a few seconds under ASan */
/* With the workers inside sections most of the time, each change waits for
 * their sections to end (liburcu's grace period sleeps while readers
 * remain): fewer changes, still every kind in every slot many times. */
#define SECTIONED_CHURN_CYCLES 180u

static vmmem_guest_memory *gm;
static atomic_int stop;
/* Workers that have made their first access: the mutator starts when all
 * have, so every stress run overlaps accesses with changes whatever the
 * scheduler does (under load, a mutator that started at once finished
 * before any worker ran). */
static atomic_int workers_started;

static void skip_without_threads(void)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        skip(); /* one CPU: nothing runs concurrently */
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- an MMIO device whose state lives on the heap ------------------------ */

typedef struct slot_device {
    unsigned char regs[SLOT_SIZE];
    atomic_int alive; /* 1 from creation until removal returned */
    atomic_size_t accesses_when_dead;
} slot_device;

static atomic_size_t dead_device_accesses;

static int slot_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    slot_device *d = opaque;
    if (!atomic_load(&d->alive))
        atomic_fetch_add(&dead_device_accesses, 1);
    memcpy(data, d->regs + offset, size);
    return VMMEM_OK;
}

static int slot_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    slot_device *d = opaque;
    if (!atomic_load(&d->alive))
        atomic_fetch_add(&dead_device_accesses, 1);
    memcpy(d->regs + offset, data, size);
    return VMMEM_OK;
}

/* ---- the stress run ---------------------------------------------------------- */

/* Calls per vmmem_guest_enter() section of a worker in the sectioned run. */
#define CALLS_PER_SECTION 8u

typedef struct worker {
    pthread_t thread;
    unsigned id;
    unsigned seed;
    bool sectioned; /* calls made CALLS_PER_SECTION at a time inside vmmem_guest_enter() */
    size_t ops, bad_codes, torn_rom, stable_mismatch;
} worker;

static int random_code_ok(int rc)
{
    /* slots come and go: a hole is normal, ROM refuses writes */
    return rc == VMMEM_OK || rc == VMMEM_EFAULT || rc == VMMEM_EPERM;
}

static void *worker_main(void *p)
{
    worker *w = p;
    unsigned char buf[2 * PG], back[2 * PG];
    /* this worker's own part of the stable region */
    const uint64_t own = STABLE_BASE + (uint64_t)w->id * (STABLE_SIZE / WORKERS / PG) * PG;
    const uint64_t own_size = (STABLE_SIZE / WORKERS / PG) * PG;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        if (w->sectioned && w->ops % CALLS_PER_SECTION == 0)
            vmmem_guest_enter(gm);
        unsigned r = (unsigned)rand_r(&w->seed);
        unsigned slot = w->id;
        uint64_t len = 1 + (unsigned)rand_r(&w->seed) % (2 * PG);
        uint64_t slot_off = (unsigned)rand_r(&w->seed) % (SLOT_SIZE + PG) ; /* may run past the slot */
        int rc;
        switch (r / SLOTS % 5) {
        case 0: /* read a slot: a ROM slot must be uniform */
            rc = vmmem_guest_read(gm, SLOT_BASE(slot) + slot_off, buf, len);
            if (!random_code_ok(rc))
                w->bad_codes++;
            break;
        case 1: /* write a slot */
            memset(buf, (int)w->id, len);
            rc = vmmem_guest_write(gm, SLOT_BASE(slot) + slot_off, buf, len);
            if (!random_code_ok(rc))
                w->bad_codes++;
            break;
        case 2: { /* copy between the own stable area and a slot, both ways */
            uint64_t at = own + (unsigned)rand_r(&w->seed) % (own_size - len);
            rc = r & 1 ? vmmem_guest_copy_block(gm, SLOT_BASE(slot) + slot_off, at, len)
                       : vmmem_guest_copy_block(gm, at, SLOT_BASE(slot) + slot_off, len);
            if (!random_code_ok(rc))
                w->bad_codes++;
            if (!(r & 1) && rc == VMMEM_OK) /* the own area now holds unknown bytes: rewrite it */
                memset(buf, 0, len), vmmem_guest_write(gm, at, buf, len);
            break;
        }
        case 3: { /* own stable area: write, read back, must match */
            uint64_t at = own + (unsigned)rand_r(&w->seed) % (own_size - len);
            fill_pattern(buf, len, r);
            if (vmmem_guest_write(gm, at, buf, len) != VMMEM_OK ||
                vmmem_guest_read(gm, at, back, len) != VMMEM_OK || memcmp(buf, back, len) != 0)
                w->stable_mismatch++;
            break;
        }
        default: { /* typed accesses on a slot; ROM slots are whole-page uniform */
            uint64_t v;
            rc = vmmem_guest_read_le64(gm, SLOT_BASE(slot) + (slot_off & ~7ull), &v);
            if (!random_code_ok(rc))
                w->bad_codes++;
            rc = vmmem_guest_write_be32(gm, SLOT_BASE(slot) + (slot_off & ~3ull), (uint32_t)r);
            if (!random_code_ok(rc))
                w->bad_codes++;
            vmmem_region_info info;
            if (vmmem_guest_region_at(gm, SLOT_BASE(slot), &info) == VMMEM_OK && info.kind == VMMEM_REGION_ROM) {
                /* the whole ROM in one read: every byte from one generation */
                if (vmmem_guest_read(gm, SLOT_BASE(slot), back, PG) == VMMEM_OK)
                    for (unsigned i = 1; i < PG; i++)
                        if (back[i] != back[0]) {
                            w->torn_rom++;
                            break;
                        }
            }
            break;
        }
        }
        if (w->ops++ == 0)
            atomic_fetch_add(&workers_started, 1);
        if (w->sectioned && w->ops % CALLS_PER_SECTION == 0)
            vmmem_guest_exit(gm);
    }
    if (w->sectioned && w->ops % CALLS_PER_SECTION != 0)
        vmmem_guest_exit(gm);
    return NULL;
}

/* Workers access the stable region and their slots while this thread keeps
 * replacing the slots; sectioned: the workers' calls run inside
 * vmmem_guest_enter() sections, CALLS_PER_SECTION calls each. */
static void stress_access_while_regions_change(bool sectioned, unsigned cycles)
{
    skip_without_threads();
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, STABLE_BASE, STABLE_SIZE, NULL), VMMEM_OK);
    static worker workers[WORKERS];
    atomic_store(&stop, 0);
    atomic_store(&workers_started, 0);
    atomic_store(&dead_device_accesses, 0);
    for (unsigned i = 0; i < WORKERS; i++) {
        memset(&workers[i], 0, sizeof workers[i]);
        workers[i].id = i;
        workers[i].seed = 77u + i;
        workers[i].sectioned = sectioned;
        assert_int_equal(pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]), 0);
    }
    while (atomic_load(&workers_started) < (int)WORKERS)
        sleep_ms(1);
    /* The mutator: this thread. Each cycle replaces one slot's region by a
     * region of the next kind. */
    slot_device *devices[SLOTS] = {0};
    int present[SLOTS] = {0};
    unsigned char rom[PG];
    size_t adds = 0, removes = 0;
    for (unsigned cycle = 0; cycle < cycles; cycle++) {
        unsigned slot = cycle % SLOTS;
        if (present[slot]) {
            assert_int_equal(vmmem_guest_remove_region(gm, SLOT_BASE(slot)), VMMEM_OK);
            removes++;
            present[slot] = 0;
            if (devices[slot]) {
                /* removal returned: nobody can call the device any more */
                atomic_store(&devices[slot]->alive, 0);
                sleep_ms(0);
                free(devices[slot]);
                devices[slot] = NULL;
            }
            continue;
        }
        int rc;
        switch (cycle / SLOTS % 3) {
        case 0:
            rc = vmmem_guest_add_ram(gm, SLOT_BASE(slot), SLOT_SIZE, NULL);
            break;
        case 1:
            memset(rom, (int)(cycle & 0xff), sizeof rom);
            rc = vmmem_guest_add_rom(gm, SLOT_BASE(slot), PG, rom, sizeof rom);
            break;
        default: {
            slot_device *d = calloc(1, sizeof *d);
            assert_non_null(d);
            atomic_init(&d->alive, 1);
            vmmem_mmio_ops ops = {slot_read, slot_write, 1, 8, d};
            rc = vmmem_guest_add_mmio(gm, SLOT_BASE(slot), SLOT_SIZE, &ops);
            devices[slot] = d;
            break;
        }
        }
        assert_int_equal(rc, VMMEM_OK);
        /* tracking switched on and off while writers run, on RAM slots */
        if (cycle / SLOTS % 3 == 0) {
            assert_int_equal(vmmem_guest_dirty_enable(gm, SLOT_BASE(slot), 1), VMMEM_OK);
            if (cycle % 8 == 0)
                assert_int_equal(vmmem_guest_dirty_enable(gm, SLOT_BASE(slot), 0), VMMEM_OK);
        }
        present[slot] = 1;
        adds++;
    }
    atomic_store(&stop, 1);
    size_t ops = 0;
    for (unsigned i = 0; i < WORKERS; i++) {
        pthread_join(workers[i].thread, NULL);
        ops += workers[i].ops;
        assert_int_equal(workers[i].bad_codes, 0);
        assert_int_equal(workers[i].torn_rom, 0);
        assert_int_equal(workers[i].stable_mismatch, 0);
    }
    print_message("%zu adds, %zu removes, %zu accesses\n", adds, removes, ops);
    assert_true(ops > 0);
    assert_int_equal(atomic_load(&dead_device_accesses), 0);
    vmmem_guest_memory_destroy(gm);
    for (unsigned s = 0; s < SLOTS; s++)
        free(devices[s]);
    gm = NULL;
}

static void test_stress_access_while_regions_change(void **state)
{
    (void)state;
    stress_access_while_regions_change(false, CHURN_CYCLES);
}

static void test_stress_calls_inside_sections_while_regions_change(void **state)
{
    (void)state;
    stress_access_while_regions_change(true, SECTIONED_CHURN_CYCLES);
}

/* ---- removal racing one long access ------------------------------------------------ */

typedef struct long_reader {
    vmmem_gpa gpa;
    atomic_int holding;  /* the pointer / callback is in use */
    atomic_int finished; /* set just before leaving the section */
    int content_ok;
} long_reader;

static void *hold_translated_pointer(void *p)
{
    long_reader *lr = p;
    vmmem_guest_enter(gm);
    void *host = NULL;
    if (vmmem_guest_translate(gm, lr->gpa, PG, VMMEM_ACCESS_READ, &host) == VMMEM_OK) {
        atomic_store(&lr->holding, 1);
        sleep_ms(100); /* the remover is waiting meanwhile */
        const unsigned char *bytes = host;
        lr->content_ok = 1;
        for (unsigned i = 0; i < PG; i++)
            if (bytes[i] != 0xC3)
                lr->content_ok = 0;
    } else {
        atomic_store(&lr->holding, 1); /* let the main thread go on; it will fail */
    }
    atomic_store(&lr->finished, 1);
    vmmem_guest_exit(gm);
    return NULL;
}

static void test_remove_waits_for_a_section(void **state)
{
    (void)state;
    skip_without_threads();
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PG, NULL), VMMEM_OK);
    unsigned char fill[PG];
    memset(fill, 0xC3, sizeof fill);
    assert_int_equal(vmmem_guest_write(gm, 0, fill, PG), VMMEM_OK);
    long_reader lr = {.gpa = 0};
    atomic_init(&lr.holding, 0);
    atomic_init(&lr.finished, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_translated_pointer, &lr), 0);
    while (!atomic_load(&lr.holding))
        sleep_ms(1);
    /* the region leaves the map at once but is unmapped only after the reader */
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(atomic_load(&lr.finished), 1);
    pthread_join(t, NULL);
    assert_int_equal(lr.content_ok, 1);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
}

/* The same for RAM the caller mapped: once removal returns, no access can
 * reach it, and the caller unmaps it (ASan or a fault would show a late
 * access). */
static void test_remove_caller_ram_waits_for_a_section(void **state)
{
    (void)state;
    skip_without_threads();
    unsigned char *mem = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(mem != MAP_FAILED);
    memset(mem, 0xC3, PG);
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    vmmem_host_ram ram = { mem, -1, 0 };
    assert_int_equal(vmmem_guest_add_host_ram(gm, 0, PG, &ram), VMMEM_OK);
    long_reader lr = {.gpa = 0};
    atomic_init(&lr.holding, 0);
    atomic_init(&lr.finished, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_translated_pointer, &lr), 0);
    while (!atomic_load(&lr.holding))
        sleep_ms(1);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(atomic_load(&lr.finished), 1);
    assert_int_equal(munmap(mem, PG), 0); /* the caller's to unmap, now safe */
    pthread_join(t, NULL);
    assert_int_equal(lr.content_ok, 1);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
}

typedef struct slow_device {
    atomic_int in_callback, callback_done;
} slow_device;

static int slow_read(void *opaque, uint64_t offset, void *data, unsigned size)
{
    slow_device *d = opaque;
    (void)offset;
    atomic_store(&d->in_callback, 1);
    sleep_ms(100);
    memset(data, 0x11, size);
    atomic_store(&d->callback_done, 1);
    return VMMEM_OK;
}

static int slow_write(void *opaque, uint64_t offset, const void *data, unsigned size)
{
    (void)opaque, (void)offset, (void)data, (void)size;
    return VMMEM_OK;
}

static void *read_slow_device(void *p)
{
    (void)p;
    uint32_t v = 0;
    int rc = vmmem_guest_read_le32(gm, 0x1000, &v);
    return (void *)(intptr_t)(rc == VMMEM_OK && v == 0x11111111u);
}

static void test_remove_waits_for_an_mmio_callback(void **state)
{
    (void)state;
    skip_without_threads();
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    slow_device *d = calloc(1, sizeof *d);
    assert_non_null(d);
    vmmem_mmio_ops ops = {slow_read, slow_write, 4, 4, d};
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, &ops), VMMEM_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_slow_device, NULL), 0);
    while (!atomic_load(&d->in_callback))
        sleep_ms(1);
    assert_int_equal(vmmem_guest_remove_region(gm, 0x1000), VMMEM_OK);
    assert_int_equal(atomic_load(&d->callback_done), 1);
    free(d); /* safe now: a use after this would be an ASan report */
    void *ok;
    pthread_join(t, &ok);
    assert_true(ok != NULL);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
}

/* ---- nested sections and the call after the last exit ------------------------- */

/* Inside two nested sections, leaves the inner one, then holds a translated
 * pointer and reads through the library (no lock of its own) in the outer
 * one: the region must stay mapped until the outer exit. */
static void *hold_after_inner_exit(void *p)
{
    long_reader *lr = p;
    vmmem_guest_enter(gm);
    vmmem_guest_enter(gm);
    vmmem_guest_exit(gm);
    void *host = NULL;
    unsigned char copy[PG];
    if (vmmem_guest_translate(gm, lr->gpa, PG, VMMEM_ACCESS_READ, &host) == VMMEM_OK &&
        vmmem_guest_read(gm, lr->gpa, copy, PG) == VMMEM_OK) {
        atomic_store(&lr->holding, 1);
        sleep_ms(100); /* the remover is waiting meanwhile */
        const unsigned char *bytes = host;
        lr->content_ok = 1;
        for (unsigned i = 0; i < PG; i++)
            if (bytes[i] != 0xC3 || copy[i] != 0xC3)
                lr->content_ok = 0;
    } else {
        atomic_store(&lr->holding, 1); /* let the main thread go on; it will fail */
    }
    atomic_store(&lr->finished, 1);
    vmmem_guest_exit(gm);
    return NULL;
}

static void test_inner_exit_keeps_the_outer_section(void **state)
{
    (void)state;
    skip_without_threads();
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    assert_int_equal(vmmem_guest_add_ram(gm, 0, PG, NULL), VMMEM_OK);
    unsigned char fill[PG];
    memset(fill, 0xC3, sizeof fill);
    assert_int_equal(vmmem_guest_write(gm, 0, fill, PG), VMMEM_OK);
    long_reader lr = {.gpa = 0};
    atomic_init(&lr.holding, 0);
    atomic_init(&lr.finished, 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, hold_after_inner_exit, &lr), 0);
    while (!atomic_load(&lr.holding))
        sleep_ms(1);
    assert_int_equal(vmmem_guest_remove_region(gm, 0), VMMEM_OK);
    assert_int_equal(atomic_load(&lr.finished), 1);
    pthread_join(t, NULL);
    assert_int_equal(lr.content_ok, 1);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
}

/* Sections opened and closed (nested), then a call outside any: it must
 * take its own read lock, so a removal waits for its device callback. */
static void *read_slow_device_after_sections(void *p)
{
    (void)p;
    uint32_t v = 0;
    vmmem_guest_enter(gm);
    vmmem_guest_enter(gm);
    int inside = vmmem_guest_read_le32(gm, 0x2000, &v) == VMMEM_EFAULT; /* a hole, inside the section */
    vmmem_guest_exit(gm);
    vmmem_guest_exit(gm);
    vmmem_guest_exit(gm); /* one exit too many: ignored */
    int rc = vmmem_guest_read_le32(gm, 0x1000, &v);
    return (void *)(intptr_t)(inside && rc == VMMEM_OK && v == 0x11111111u);
}

static void test_call_after_the_last_exit_takes_the_lock(void **state)
{
    (void)state;
    skip_without_threads();
    assert_int_equal(vmmem_guest_memory_create(&gm), VMMEM_OK);
    slow_device *d = calloc(1, sizeof *d);
    assert_non_null(d);
    vmmem_mmio_ops ops = {slow_read, slow_write, 4, 4, d};
    assert_int_equal(vmmem_guest_add_mmio(gm, 0x1000, 16, &ops), VMMEM_OK);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_slow_device_after_sections, NULL), 0);
    while (!atomic_load(&d->in_callback))
        sleep_ms(1);
    assert_int_equal(vmmem_guest_remove_region(gm, 0x1000), VMMEM_OK);
    assert_int_equal(atomic_load(&d->callback_done), 1);
    free(d);
    void *ok;
    pthread_join(t, &ok);
    assert_true(ok != NULL);
    vmmem_guest_memory_destroy(gm);
    gm = NULL;
}

int main(void)
{
    skip_if_forced_isa_unsupported();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stress_access_while_regions_change),
        cmocka_unit_test(test_remove_waits_for_a_section),
        cmocka_unit_test(test_remove_caller_ram_waits_for_a_section),
        cmocka_unit_test(test_remove_waits_for_an_mmio_callback),
        cmocka_unit_test(test_stress_calls_inside_sections_while_regions_change),
        cmocka_unit_test(test_inner_exit_keeps_the_outer_section),
        cmocka_unit_test(test_call_after_the_last_exit_takes_the_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
