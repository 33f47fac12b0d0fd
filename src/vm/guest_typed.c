/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* src/vm/guest_typed.c - 8/16/32/64-bit guest accessors in little- and
 * big-endian order, single values and arrays. A naturally aligned single
 * access to RAM (or, for reads, ROM) is one relaxed atomic load or store of
 * its width on the host pointer, so another vCPU thread never sees it torn;
 * anything else (unaligned, MMIO, crossing regions) goes through the checked
 * byte path. Arrays inside one region are one byte-swapping copy (or plain
 * copy) on the host pointer; across regions they are converted in a buffer
 * and moved by the checked path. */
#include "guest_rcu.h"
#include "guest_walk.h"

#include <stdlib.h>
#include <string.h>

#include <vmmem/memcpy.h>
#include <vmmem/xlate.h>

/* Arrays that cross regions (or touch MMIO) are converted into a buffer
 * first: on the stack up to this many bytes, else on the heap. */
#define ARRAY_STACK_BYTES 1024

#if !defined(__BYTE_ORDER__) || (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ && __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__)
#error "guest_typed.c needs the compiler's __BYTE_ORDER__"
#endif
#define HOST_IS_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

enum guest_order { GUEST_LE = 0, GUEST_BE = 1 };

/* Converts between a value and its in-memory image in `order`, size bytes
 * wide (the conversion is its own inverse). */
static uint64_t swap_for(enum guest_order order, unsigned size, uint64_t v)
{
    if ((order == GUEST_BE) == HOST_IS_BIG_ENDIAN)
        return v;
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    case 8: return __builtin_bswap64(v);
    default: return v;
    }
}

/* The value accessors come in the three parts of guest_access.c's calls:
 * a body run inside a read-side section (inline, with the general path out
 * of line), the body in a section of its own (out of line), and the entry
 * that runs the body directly inside vmmem_guest_enter(). */

/* The memory image of [gpa, gpa + size) read in bytes: an unaligned value,
 * or one not inside a single RAM or ROM region. */
static __attribute__((noinline)) int load_general(const guest_map *m, vmmem_gpa gpa, unsigned size,
                                                  uint64_t *image)
{
    /* Bytes in memory order into an integer of the same width. */
    unsigned char bytes[8];
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    guest_progress progress;
    int rc = guest_read_locked(m, gpa, size, bytes, &progress);
    if (rc == VMMEM_OK)
        switch (size) {
        case 1: memcpy(&v8, bytes, 1); *image = v8; break;
        case 2: memcpy(&v16, bytes, 2); *image = v16; break;
        case 4: memcpy(&v32, bytes, 4); *image = v32; break;
        default: memcpy(&v64, bytes, 8); *image = v64; break;
        }
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(size, &progress);
    return rc;
}

/* The memory image of [gpa, gpa + size) as a host integer, inside a
 * section: naturally aligned in one region with host memory, one load of
 * its width. */
static inline __attribute__((always_inline)) int load_body(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                           uint64_t *image)
{
    const guest_map *m = guest_map_current(gm);
    const guest_region *r = guest_host_region(m, gpa, size);
    const unsigned char *p = r ? r->host + (gpa - r->base) : NULL;
    if (!p || (uintptr_t)p % size != 0)
        return load_general(m, gpa, size, image);
    switch (size) {
    case 1: *image = __atomic_load_n(p, __ATOMIC_RELAXED); break;
    case 2: *image = __atomic_load_n((const uint16_t *)(const void *)p, __ATOMIC_RELAXED); break;
    case 4: *image = __atomic_load_n((const uint32_t *)(const void *)p, __ATOMIC_RELAXED); break;
    default: *image = __atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED); break;
    }
    return VMMEM_OK;
}

static __attribute__((noinline)) int load_locking(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                  uint64_t *image)
{
    guest_rcu_read_lock();
    int rc = load_body(gm, gpa, size, image);
    guest_rcu_read_unlock();
    return rc;
}

static inline __attribute__((always_inline)) int load_image(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                            uint64_t *image)
{
    if (!gm)
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, size, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    if (guest_in_entered_section())
        return load_body(gm, gpa, size, image);
    return load_locking(gm, gpa, size, image);
}

/* Writes the image in bytes: unaligned, or not inside one RAM region. */
static __attribute__((noinline)) int store_general(vmmem_guest_memory *gm, const guest_map *m, vmmem_gpa gpa,
                                                   unsigned size, uint64_t image)
{
    unsigned char bytes[8];
    uint8_t v8 = (uint8_t)image;
    uint16_t v16 = (uint16_t)image;
    uint32_t v32 = (uint32_t)image;
    switch (size) {
    case 1: memcpy(bytes, &v8, 1); break;
    case 2: memcpy(bytes, &v16, 2); break;
    case 4: memcpy(bytes, &v32, 4); break;
    default: memcpy(bytes, &image, 8); break;
    }
    guest_progress progress;
    int rc = guest_write_locked(gm, m, gpa, size, bytes, &progress);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(size, &progress);
    return rc;
}

static inline __attribute__((always_inline)) int store_body(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                            uint64_t image)
{
    const guest_map *m = guest_map_current(gm);
    const guest_region *r = guest_host_region(m, gpa, size);
    unsigned char *p = r && r->kind == VMMEM_REGION_RAM ? r->host + (gpa - r->base) : NULL; /* no ROM */
    if (!p || (uintptr_t)p % size != 0)
        return store_general(gm, m, gpa, size, image);
    switch (size) {
    case 1: __atomic_store_n(p, (uint8_t)image, __ATOMIC_RELAXED); break;
    case 2: __atomic_store_n((uint16_t *)(void *)p, (uint16_t)image, __ATOMIC_RELAXED); break;
    case 4: __atomic_store_n((uint32_t *)(void *)p, (uint32_t)image, __ATOMIC_RELAXED); break;
    default: __atomic_store_n((uint64_t *)(void *)p, image, __ATOMIC_RELAXED); break;
    }
    dirty_note_write(r, gpa - r->base, size);
    return VMMEM_OK;
}

static __attribute__((noinline)) int store_locking(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                   uint64_t image)
{
    guest_rcu_read_lock();
    int rc = store_body(gm, gpa, size, image);
    guest_rcu_read_unlock();
    return rc;
}

static inline __attribute__((always_inline)) int store_image(vmmem_guest_memory *gm, vmmem_gpa gpa, unsigned size,
                                                             uint64_t image)
{
    if (!gm)
        return VMMEM_EINVAL;
    vmmem_gpa last;
    if (guest_range_last(gpa, size, &last) != VMMEM_OK)
        return VMMEM_ERANGE;
    if (guest_in_entered_section())
        return store_body(gm, gpa, size, image);
    return store_locking(gm, gpa, size, image);
}

/* Defines vmmem_guest_read_<name> and vmmem_guest_write_<name>. */
#define TYPED_ACCESSORS(name, type, order)                                                   \
    int vmmem_guest_read_##name(vmmem_guest_memory *gm, vmmem_gpa gpa, type *value)          \
    {                                                                                         \
        if (!value)                                                                           \
            return VMMEM_EINVAL;                                                              \
        uint64_t image;                                                                       \
        int rc = load_image(gm, gpa, sizeof(type), &image);                                   \
        if (rc == VMMEM_OK)                                                                   \
            *value = (type)swap_for(order, sizeof(type), image);                              \
        return rc;                                                                            \
    }                                                                                         \
    int vmmem_guest_write_##name(vmmem_guest_memory *gm, vmmem_gpa gpa, type value)          \
    {                                                                                         \
        return store_image(gm, gpa, sizeof(type), swap_for(order, sizeof(type), value));     \
    }

TYPED_ACCESSORS(u8, uint8_t, GUEST_LE)
TYPED_ACCESSORS(le16, uint16_t, GUEST_LE)
TYPED_ACCESSORS(le32, uint32_t, GUEST_LE)
TYPED_ACCESSORS(le64, uint64_t, GUEST_LE)
TYPED_ACCESSORS(be16, uint16_t, GUEST_BE)
TYPED_ACCESSORS(be32, uint32_t, GUEST_BE)
TYPED_ACCESSORS(be64, uint64_t, GUEST_BE)

/* ---- arrays ---------------------------------------------------------------------------- */

/* Copies count elements of elem_size bytes from src to dst, reversing the
 * bytes of each when `swap` (dst == src swaps in place). */
static int convert_elements(void *dst, const void *src, size_t count, unsigned elem_size, int swap)
{
    if (!swap) {
        if (dst != src)
            vmmem_memcpy_fast(dst, src, count * elem_size);
        return VMMEM_OK;
    }
    switch (elem_size) {
    case 2: return vmmem_copy_bswap16(dst, src, count);
    case 4: return vmmem_copy_bswap32(dst, src, count);
    default: return vmmem_copy_bswap64(dst, src, count);
    }
}

/* Checks the arguments common to both array calls; on VMMEM_OK with
 * count > 0, *last is the guest range's last byte. */
static int array_args(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *values, size_t count, unsigned elem_size,
                      vmmem_byte_order order, vmmem_gpa *last)
{
    if (!gm || (!values && count > 0) || (elem_size != 2 && elem_size != 4 && elem_size != 8) ||
        (order != VMMEM_LITTLE_ENDIAN && order != VMMEM_BIG_ENDIAN))
        return VMMEM_EINVAL;
    if (count == 0)
        return VMMEM_OK;
    if (count > SIZE_MAX / elem_size || guest_range_last(gpa, (uint64_t)count * elem_size, last) != VMMEM_OK)
        return VMMEM_ERANGE;
    return VMMEM_OK;
}

/* Non-zero when [a, a + len) and [b, b + blen) share a byte. */
static int host_ranges_overlap(const void *a, size_t len, const void *b, uint64_t blen)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y ? y - x < len : x - y < blen;
}

/* The caller's buffer, for the overlap walk. */
typedef struct host_buffer {
    const void *p;
    size_t len;
} host_buffer;

/* A walk visitor: VMMEM_EOVERLAP when the buffer shares a byte with the
 * host memory of a piece. */
static int piece_overlaps_buffer(void *ctx, const guest_piece *p)
{
    const host_buffer *b = ctx;
    if (p->region->host && host_ranges_overlap(b->p, b->len, guest_piece_host(p), p->len))
        return VMMEM_EOVERLAP;
    return VMMEM_OK;
}

/* The check of an array call across regions: the walk with `rule`, and
 * then the caller's buffer against the host memory of every piece. */
static int check_array_range(const guest_map *m, vmmem_gpa gpa, size_t len, guest_rule rule, const void *values)
{
    const guest_region *hint = NULL;
    host_buffer b = { values, len };
    int rc = guest_walk(m, &hint, gpa, len, rule, NULL, NULL);
    if (rc == VMMEM_OK)
        rc = guest_walk(m, &hint, gpa, len, rule, piece_overlaps_buffer, &b);
    return rc;
}

int vmmem_guest_read_array(vmmem_guest_memory *gm, vmmem_gpa gpa, void *values, size_t count, unsigned elem_size,
                           vmmem_byte_order order)
{
    vmmem_gpa last;
    int rc = array_args(gm, gpa, values, count, elem_size, order, &last);
    if (rc != VMMEM_OK || count == 0)
        return rc;
    const int swap = order != VMMEM_HOST_ORDER;
    const size_t len = count * elem_size;
    guest_progress progress;
    bool locked = guest_call_enter();
    const guest_map *m = guest_map_current(gm);
    const guest_region *hint = NULL;
    guest_piece p;
    rc = guest_piece_at(m, &hint, gpa, len, GUEST_RULE_READ, &p);
    if (rc == VMMEM_OK && p.len == len && p.region->host) {
        const unsigned char *from = guest_piece_host(&p);
        rc = host_ranges_overlap(values, len, from, len) ? VMMEM_EOVERLAP
                                                          : convert_elements(values, from, count, elem_size, swap);
    } else {
        /* Several regions or MMIO: the whole range checked, then the bytes
         * in guest order into values, then swapped there. */
        rc = check_array_range(m, gpa, len, GUEST_RULE_READ, values);
        if (rc == VMMEM_OK)
            rc = guest_read_locked(m, gpa, len, values, &progress);
        if (rc == VMMEM_OK)
            rc = convert_elements(values, values, count, elem_size, swap);
    }
    guest_call_exit(locked);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &progress);
    return rc;
}

int vmmem_guest_write_array(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *values, size_t count,
                            unsigned elem_size, vmmem_byte_order order)
{
    vmmem_gpa last;
    int rc = array_args(gm, gpa, values, count, elem_size, order, &last);
    if (rc != VMMEM_OK || count == 0)
        return rc;
    const int swap = order != VMMEM_HOST_ORDER;
    const size_t len = count * elem_size;
    guest_progress progress;
    bool locked = guest_call_enter();
    const guest_map *m = guest_map_current(gm);
    const guest_region *hint = NULL;
    guest_piece p;
    rc = guest_piece_at(m, &hint, gpa, len, GUEST_RULE_WRITE, &p);
    if (rc == VMMEM_OK && p.len == len && p.region->kind == VMMEM_REGION_RAM) {
        unsigned char *to = guest_piece_host(&p);
        rc = host_ranges_overlap(values, len, to, len) ? VMMEM_EOVERLAP
                                                        : convert_elements(to, values, count, elem_size, swap);
        if (rc == VMMEM_OK)
            dirty_note_write(p.region, p.offset, len);
    } else {
        /* Several regions or MMIO: the whole range checked, the elements
         * converted into one buffer (on the stack when small), then written
         * as vmmem_guest_write() would write it: the same pieces, the same
         * MMIO access sizes. */
        rc = check_array_range(m, gpa, len, GUEST_RULE_WRITE, values);
        unsigned char stack_buf[ARRAY_STACK_BYTES];
        unsigned char *converted = len <= sizeof stack_buf ? stack_buf : NULL;
        if (rc == VMMEM_OK && !converted && !(converted = malloc(len)))
            rc = VMMEM_ENOMEM;
        if (rc == VMMEM_OK)
            rc = convert_elements(converted, values, count, elem_size, swap);
        if (rc == VMMEM_OK)
            rc = guest_write_locked(gm, m, gpa, len, converted, &progress);
        if (converted != stack_buf)
            free(converted);
    }
    guest_call_exit(locked);
    if (rc == VMMEM_EPARTIAL)
        guest_report_partial(len, &progress);
    return rc;
}
