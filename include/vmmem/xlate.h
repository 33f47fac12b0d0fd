/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/xlate.h - moving data between guest and host byte order: bulk
 * byte-swapping copies and a record-layout converter.
 *
 * An emulator of a big-endian guest (PowerPC, s390x, MIPS-BE, SPARC) on a
 * little-endian host, or of a device with network-order registers, turns
 * every bulk transfer into a copy that reverses the bytes of each element.
 * The calls here do that in one pass with the vector kernel of the ISA the
 * copy engine uses (see vmmem/cpu.h: VMMEM_ISA, vmmem_force_isa()).
 *
 * Rules shared by every call here:
 *  - dst == src (in place) is supported; any other overlap of the two ranges
 *    is rejected with VMMEM_EOVERLAP;
 *  - any alignment of dst and src;
 *  - no byte outside the source range is read and none outside the
 *    destination range is written;
 *  - a call that fails has written nothing. */
#ifndef VMMEM_XLATE_H
#define VMMEM_XLATE_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/error.h>
#include <vmmem/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A byte order: how a guest (or a device, or a file format) stores
 *  multi-byte values. */
typedef enum vmmem_byte_order {
    VMMEM_LITTLE_ENDIAN = 0, /**< least significant byte first (x86, most AArch64 and RISC-V systems) */
    VMMEM_BIG_ENDIAN = 1     /**< most significant byte first (PowerPC, s390x, SPARC, network order) */
} vmmem_byte_order;

/** The byte order of the machine the library was compiled for. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VMMEM_HOST_ORDER VMMEM_BIG_ENDIAN
#else
#define VMMEM_HOST_ORDER VMMEM_LITTLE_ENDIAN
#endif

/** Copies count 16-bit elements from src to dst, reversing the two bytes of
 *  each. dst == src swaps in place.
 *  @param dst   destination, count * 2 bytes (any alignment)
 *  @param src   source, count * 2 bytes (any alignment)
 *  @param count number of elements; 0 does nothing and succeeds
 *  @return VMMEM_OK; VMMEM_EINVAL when dst or src is NULL and count > 0;
 *          VMMEM_ERANGE when count * 2 overflows or a range wraps the
 *          address space; VMMEM_EOVERLAP when the ranges overlap and
 *          dst != src. On error nothing is written. */
VMMEM_API int vmmem_copy_bswap16(void *dst, const void *src, size_t count);

/** Copies count 32-bit elements from src to dst, reversing the four bytes
 *  of each. dst == src swaps in place.
 *  @param dst   destination, count * 4 bytes (any alignment)
 *  @param src   source, count * 4 bytes (any alignment)
 *  @param count number of elements; 0 does nothing and succeeds
 *  @return as vmmem_copy_bswap16(), with count * 4 bytes. */
VMMEM_API int vmmem_copy_bswap32(void *dst, const void *src, size_t count);

/** Copies count 64-bit elements from src to dst, reversing the eight bytes
 *  of each. dst == src swaps in place.
 *  @param dst   destination, count * 8 bytes (any alignment)
 *  @param src   source, count * 8 bytes (any alignment)
 *  @param count number of elements; 0 does nothing and succeeds
 *  @return as vmmem_copy_bswap16(), with count * 8 bytes. */
VMMEM_API int vmmem_copy_bswap64(void *dst, const void *src, size_t count);

/** Most fields a layout may have (each field is one type, repeated). */
#define VMMEM_LAYOUT_MAX_FIELDS 32
/** Largest repeat count of one field: a bound that keeps the record size
 *  small and every product below far from overflow. */
#define VMMEM_LAYOUT_MAX_REPEAT 4096
/** Largest record, in bytes: records are small structures, not buffers. */
#define VMMEM_LAYOUT_MAX_RECORD 65536

/** One field of a record: `count` elements of `size` bytes each. */
typedef struct vmmem_layout_field {
    uint32_t count; /**< 1..VMMEM_LAYOUT_MAX_REPEAT */
    uint32_t size;  /**< 1, 2, 4 or 8 */
} vmmem_layout_field;

/** A record layout, as vmmem_layout_parse() builds it. A hand-built one is
 *  accepted when it obeys the same limits and record_size is the sum of
 *  count * size over the fields. */
typedef struct vmmem_layout {
    uint32_t nfields;     /**< 1..VMMEM_LAYOUT_MAX_FIELDS */
    uint32_t record_size; /**< bytes per record */
    vmmem_layout_field fields[VMMEM_LAYOUT_MAX_FIELDS]; /**< in memory order */
} vmmem_layout;

/** Parses a record layout description.
 *
 *  Grammar (ASCII, case-sensitive):
 *  @code
 *  layout := sp* field (sp+ field)* sp*
 *  field  := [repeat "*"] type
 *  repeat := decimal 1..VMMEM_LAYOUT_MAX_REPEAT, no sign, no leading zero
 *  type   := "u8" | "u16" | "u32" | "u64"
 *  sp     := " " | "\t"
 *  @endcode
 *  Example: "u32 u16 2*u8" is an 8-byte record: a 32-bit value, a 16-bit
 *  value, then two single bytes (which are never swapped).
 *  @param text the description, NUL-terminated
 *  @param out  receives the layout
 *  @return VMMEM_OK, or VMMEM_EINVAL (and *out unchanged) when text or out
 *          is NULL, or the text is empty, has an unknown type, a repeat of
 *          0, above the limit or with a leading zero, more than
 *          VMMEM_LAYOUT_MAX_FIELDS fields, a record above
 *          VMMEM_LAYOUT_MAX_RECORD bytes, or anything else off the grammar. */
VMMEM_API int vmmem_layout_parse(const char *text, vmmem_layout *out);

/** Converts nrecords records of the given layout from byte order `from` to
 *  byte order `to` in one pass: every field element of 2, 4 or 8 bytes has
 *  its bytes reversed when the orders differ; bytes are copied as they are.
 *  With from == to it is a plain copy. dst == src converts in place.
 *  @param dst      destination, nrecords * layout->record_size bytes
 *  @param src      source, the same size
 *  @param nrecords number of records; 0 does nothing and succeeds
 *  @param layout   the record layout (vmmem_layout_parse())
 *  @param from     byte order of the source
 *  @param to       byte order wanted in the destination
 *  @return VMMEM_OK; VMMEM_EINVAL when layout is NULL or malformed, from or
 *          to is not a vmmem_byte_order, or dst or src is NULL with
 *          nrecords > 0; VMMEM_ERANGE when the byte count overflows or a
 *          range wraps the address space; VMMEM_EOVERLAP when the ranges
 *          overlap and dst != src. On error nothing is written. */
VMMEM_API int vmmem_convert_records(void *dst, const void *src, size_t nrecords, const vmmem_layout *layout,
                                    vmmem_byte_order from, vmmem_byte_order to);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_XLATE_H */
