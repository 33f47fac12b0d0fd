/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/** @file
 * vmmem/guest_memory.h - a guest physical address space for a VMM: RAM,
 * ROM and MMIO regions, overflow-safe translation, checked access and
 * copy_block on the fast copy engine, typed accessors, dirty-page tracking.
 *
 * Part of libvmmem-vm (pkg-config vmmem-vm, CMake vmmem::vmmem_vm), which
 * links the core libvmmem and Debian's liburcu (RCU for the region map).
 *
 * Every range a guest can supply is validated as a whole before a byte
 * moves: a range that wraps past 2^64 is VMMEM_ERANGE, one that is not
 * entirely covered by regions is VMMEM_EFAULT, a write that touches ROM is
 * VMMEM_EPERM; in each case nothing is read from or written to the guest.
 *
 * Errors: every code but VMMEM_EPARTIAL is a refusal: nothing was read or
 * written and no device callback ran. VMMEM_EPARTIAL: the range was valid
 * and moving had begun when an MMIO callback failed (or, for DMA file I/O,
 * a read or write); the bytes before the failure have moved, and
 * vmmem_guest_last_partial() says how many and why.
 *
 * Threads: every call may run concurrently with every other, including
 * adding and removing regions. Accesses see the region map as it was before
 * or after a change, never a mix; a removed region is unmapped only after
 * every access that could see it has finished. */
#ifndef VMMEM_GUEST_MEMORY_H
#define VMMEM_GUEST_MEMORY_H

#include <stddef.h>
#include <stdint.h>
#include <vmmem/error.h>
#include <vmmem/export.h>
#include <vmmem/xlate.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A guest physical address. */
typedef uint64_t vmmem_gpa;

/** A guest physical address space (opaque). */
typedef struct vmmem_guest_memory vmmem_guest_memory;

/** Dirty tracking granularity: one bit per this many bytes of a RAM region,
 *  bit i covering region offsets [i * 4096, (i + 1) * 4096). */
#define VMMEM_DIRTY_PAGE_SIZE 4096u

/** Kinds of region. */
typedef enum vmmem_region_kind {
    VMMEM_REGION_RAM = 1,  /**< host memory, read and write */
    VMMEM_REGION_ROM = 2,  /**< host memory, guest writes rejected (VMMEM_EPERM) */
    VMMEM_REGION_MMIO = 3  /**< a device: accesses become read/write callbacks */
} vmmem_region_kind;

/** Flags of vmmem_ram_options. */
enum vmmem_ram_flags {
    VMMEM_RAM_HUGEPAGES = 1u << 0, /**< back anonymous RAM with explicit huge pages (MAP_HUGETLB);
                                        not with a file (a hugetlbfs file or MFD_HUGETLB memfd is
                                        huge by itself: mapped at its own page size, to which size
                                        and fd_offset must then be multiples, else VMMEM_EINVAL) */
    VMMEM_RAM_SHARED = 1u << 1,    /**< MAP_SHARED (implied when a file descriptor is given) */
    VMMEM_RAM_NO_THP = 1u << 2     /**< do not ask for transparent huge pages (see below) */
};

/** How RAM is backed. NULL options: private anonymous memory. RAM the
 *  library maps asks for transparent huge pages (madvise(MADV_HUGEPAGE), as
 *  QEMU does; its start aligned to the huge page size when it spans one),
 *  unless VMMEM_RAM_NO_THP or VMMEM_RAM_HUGEPAGES is given; the kernel
 *  decides (/sys/kernel/mm/transparent_hugepage/enabled). A file must
 *  be at least fd_offset + size bytes long when added (checked) and must not
 *  shrink while mapped: the missing part would raise SIGBUS (seal a memfd
 *  with F_SEAL_SHRINK). */
typedef struct vmmem_ram_options {
    int fd;             /**< file or memfd to map, or -1 for anonymous memory */
    uint64_t fd_offset; /**< offset into fd (page aligned) */
    unsigned flags;     /**< enum vmmem_ram_flags */
} vmmem_ram_options;

/** A device's MMIO callbacks. `data` holds the bytes exactly as they appear
 *  at guest addresses [base + offset, base + offset + size): the device
 *  decides its register byte order. Accesses are split into naturally
 *  aligned pieces of at most max_access bytes and at least min_access bytes
 *  (powers of two in 1..8, min_access <= max_access). A callback returns
 *  VMMEM_OK or a negative code; a failing callback makes the access return
 *  VMMEM_EPARTIAL, its code the report's cause (vmmem_guest_last_partial()). */
typedef struct vmmem_mmio_ops {
    /** Reads `size` bytes at region offset `offset` into data. */
    int (*read)(void *opaque, uint64_t offset, void *data, unsigned size);
    /** Writes `size` bytes from data at region offset `offset`. */
    int (*write)(void *opaque, uint64_t offset, const void *data, unsigned size);
    unsigned min_access; /**< smallest access the device accepts */
    unsigned max_access; /**< largest access the device accepts */
    void *opaque;        /**< passed to the callbacks */
} vmmem_mmio_ops;

/** RAM that the caller mapped (vmmem_guest_add_host_ram()): the VMM owns
 *  the memory (it hands it to KVM_SET_USER_MEMORY_REGION or shares it with
 *  vhost-user backends); the library reads and writes it and never unmaps
 *  it. */
typedef struct vmmem_host_ram {
    void *host;         /**< first byte: host page aligned, size bytes mapped readable and writable */
    int fd;             /**< the file or memfd whose pages these are, or -1; reported by
                             vmmem_guest_region_at(), never closed or duplicated */
    uint64_t fd_offset; /**< file offset of host's first byte (page aligned; 0 when fd is -1) */
} vmmem_host_ram;

/** What vmmem_guest_region_at() reports. For a hand-off of RAM (to KVM, a
 *  vhost-user backend's memory table), host, fd and fd_offset stay valid
 *  until vmmem_guest_remove_region() of the region returns (for RAM the
 *  caller mapped: as long as the caller keeps it); withdraw the hand-off
 *  before removing the region. */
typedef struct vmmem_region_info {
    vmmem_region_kind kind; /**< RAM, ROM or MMIO */
    vmmem_gpa base;  /**< first guest address of the region */
    uint64_t size;   /**< bytes */
    void *host;      /**< host address of base (RAM and ROM), NULL for MMIO */
    vmmem_mmio_ops mmio; /**< a copy of the callbacks (MMIO), all zero otherwise; calling them after
                              the region's removal is the caller's to make safe */
    int fd;          /**< RAM: the file or memfd mapped at host, as given when the region was added
                          (vmmem_ram_options.fd or vmmem_host_ram.fd; valid while the caller keeps it
                          open), or -1 (anonymous memory, ROM, MMIO) */
    uint64_t fd_offset; /**< file offset of host's first byte (0 when fd is -1) */
    int caller_owned;   /**< non-zero for RAM added with vmmem_guest_add_host_ram() */
} vmmem_region_info;

/** What a call that returned VMMEM_EPARTIAL had done (vm-memory's
 *  PartialBuffer): see vmmem_guest_last_partial(). */
typedef struct vmmem_partial {
    uint64_t expected;  /**< bytes the call was to move */
    uint64_t completed; /**< bytes moved, counted from the first byte in the order the call moves them
                             (list order for DMA; from the last byte down for a copy_block whose
                             destination overlaps its source from above) */
    int cause;          /**< the failing MMIO callback's code, or VMMEM_EIO for a file read or write
                             (errno holds the system's code) */
} vmmem_partial;

/** The report of the last call on this thread that returned VMMEM_EPARTIAL
 *  (any call of libvmmem-vm: guest accesses and DMA), like errno: read it
 *  right after such a call. The bytes after `completed` did not move,
 *  except that the device whose callback failed may have acted on the
 *  access it failed.
 *  @param out receives the report
 *  @return VMMEM_OK; VMMEM_EINVAL (out NULL); VMMEM_ENOENT (no call on
 *          this thread has returned VMMEM_EPARTIAL) */
VMMEM_API int vmmem_guest_last_partial(vmmem_partial *out);

/* ---- address space ------------------------------------------------------- */

/** Creates an empty address space in *out.
 *  @param out receives the address space
 *  @return VMMEM_OK, VMMEM_EINVAL (out is NULL) or VMMEM_ENOMEM. */
VMMEM_API int vmmem_guest_memory_create(vmmem_guest_memory **out);

/** Unmaps every region and frees the address space. No other call on it may
 *  be running or start.
 *  @param gm the address space; NULL is ignored */
VMMEM_API void vmmem_guest_memory_destroy(vmmem_guest_memory *gm);

/** Adds RAM at [gpa, gpa + size). size must be a non-zero multiple of the
 *  host page size (of the huge page size with VMMEM_RAM_HUGEPAGES), gpa
 *  page aligned. The host memory lies between guard pages.
 *  @param gm      the address space
 *  @param gpa     first guest address of the region
 *  @param size    bytes of RAM
 *  @param options how the RAM is backed; NULL for private anonymous memory
 *  @return VMMEM_OK; VMMEM_EINVAL (gm NULL, bad size, alignment or options, file
 *  too short), VMMEM_ERANGE (the range wraps past 2^64), VMMEM_EEXIST
 *  (overlaps a region), VMMEM_EUNSUPPORTED (huge pages asked, the system
 *  has none), VMMEM_ENOMEM (mmap failed for lack of memory, e.g. no free
 *  huge pages), VMMEM_EIO (mmap or fstat failed otherwise, e.g. a bad fd) or
 *  VMMEM_EBUSY (called inside a read-side section or an MMIO callback: it
 *  would wait for itself; the same holds for every call that changes the
 *  map or switches dirty tracking). */
VMMEM_API int vmmem_guest_add_ram(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size,
                                  const vmmem_ram_options *options);

/** Adds RAM that the caller mapped, at [gpa, gpa + size): guest accesses
 *  read and write ram->host directly (no guard pages of the library's own
 *  around it). The library never unmaps it, neither on removal nor on
 *  vmmem_guest_memory_destroy(): after vmmem_guest_remove_region() returns,
 *  no access can still reach it, and the caller may unmap it. Dirty
 *  tracking covers the library's writes as for any RAM; writes the caller
 *  makes itself are its own to mark (vmmem_guest_mark_dirty()). The memory
 *  must stay mapped, readable and writable, while the region exists.
 *  @param gm   the address space
 *  @param gpa  first guest address of the region (host page aligned)
 *  @param size bytes (a non-zero multiple of the host page size)
 *  @param ram  the caller's mapping (copied)
 *  @return VMMEM_OK; VMMEM_EINVAL (gm, ram or ram->host NULL; gpa, size or
 *          ram->host not page aligned; fd < -1, fd_offset not page aligned
 *          or set without an fd; [host, host + size) wraps or is not
 *          entirely mapped readable and writable, per /proc/self/maps);
 *          VMMEM_ERANGE, VMMEM_EEXIST, VMMEM_ENOMEM and VMMEM_EBUSY as for
 *          vmmem_guest_add_ram(). */
VMMEM_API int vmmem_guest_add_host_ram(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size,
                                       const vmmem_host_ram *ram);

/** Adds ROM at [gpa, gpa + size) holding a copy of content[0..content_len)
 *  (the rest reads as zero; content_len <= size; content may be NULL when
 *  content_len is 0). The host copy is mapped read-only. Same rules and
 *  codes as vmmem_guest_add_ram().
 *  @param gm          the address space
 *  @param gpa         first guest address of the region
 *  @param size        bytes of ROM
 *  @param content     initial content, copied
 *  @param content_len bytes of content
 *  @return as vmmem_guest_add_ram() */
VMMEM_API int vmmem_guest_add_rom(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size,
                                  const void *content, size_t content_len);

/** Adds an MMIO region at [gpa, gpa + size) (any alignment; size a
 *  non-zero multiple of ops->min_access, so that a widened read never
 *  reaches past the device). *ops is copied.
 *  @param gm   the address space
 *  @param gpa  first guest address of the region
 *  @param size bytes of the region
 *  @param ops  the device's callbacks
 *  @return VMMEM_OK, VMMEM_EINVAL (gm NULL, bad ops or size), VMMEM_ERANGE,
 *          VMMEM_EEXIST, VMMEM_ENOMEM or VMMEM_EBUSY. */
VMMEM_API int vmmem_guest_add_mmio(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t size,
                                   const vmmem_mmio_ops *ops);

/** Removes the region that starts at gpa. Returns once no access can still
 *  see it (its memory is unmapped by then).
 *  @param gm  the address space
 *  @param gpa first guest address of the region
 *  @return VMMEM_OK; VMMEM_EINVAL (gm NULL); VMMEM_ENOENT when no region
 *          starts at gpa; VMMEM_ENOMEM; VMMEM_EBUSY (nothing done) when
 *          called inside vmmem_guest_enter() / vmmem_guest_exit() or from
 *          an MMIO callback, where it would wait for itself. */
VMMEM_API int vmmem_guest_remove_region(vmmem_guest_memory *gm, vmmem_gpa gpa);

/** Describes the region containing gpa: its kind and place, its host
 *  memory and, for RAM, the file behind it (see vmmem_region_info for how
 *  long each stays valid). To access guest memory through the host pointer,
 *  use vmmem_guest_translate() inside a read-side section (which also
 *  checks the range).
 *  @param gm  the address space
 *  @param gpa any guest address
 *  @param out receives the description
 *  @return VMMEM_OK; VMMEM_EINVAL (gm or out NULL); VMMEM_EFAULT when no
 *          region contains gpa. */
VMMEM_API int vmmem_guest_region_at(vmmem_guest_memory *gm, vmmem_gpa gpa, vmmem_region_info *out);

/* ---- translation ---------------------------------------------------------- */

/** Starts a read-side section: host pointers from vmmem_guest_translate()
 *  stay valid until the matching vmmem_guest_exit(). Sections nest and are
 *  cheap (no lock, no atomic read-modify-write); keep them short, since
 *  vmmem_guest_remove_region() waits for them. The access calls (read,
 *  write, copy_block, the typed accessors) made inside a section open none
 *  of their own, so a burst of accesses (a virtqueue's descriptors) inside
 *  one section costs less per call than the same calls outside.
 *  @param gm the address space (sections are per thread, shared by every
 *            address space) */
VMMEM_API void vmmem_guest_enter(vmmem_guest_memory *gm);
/** Ends the section started by the matching vmmem_guest_enter(); without
 *  one open on this thread, does nothing.
 *  @param gm the address space passed to vmmem_guest_enter() */
VMMEM_API void vmmem_guest_exit(vmmem_guest_memory *gm);

/** Access intents for vmmem_guest_translate(). */
enum vmmem_access {
    VMMEM_ACCESS_READ = 1, /**< the host pointer will be read through */
    VMMEM_ACCESS_WRITE = 2 /**< the host pointer will be written through (RAM only) */
};

/** Translates [gpa, gpa + len) to a host pointer in *host when the whole
 *  range lies in one RAM region (or ROM, for VMMEM_ACCESS_READ only). Call
 *  between vmmem_guest_enter() and vmmem_guest_exit(). A write through the
 *  pointer is not seen by dirty tracking: call vmmem_guest_mark_dirty().
 *  @param gm     the address space
 *  @param gpa    first guest address of the range
 *  @param len    bytes of the range; not 0
 *  @param access VMMEM_ACCESS_READ or VMMEM_ACCESS_WRITE (enum vmmem_access)
 *  @param host   receives the host address of gpa
 *  @return VMMEM_OK; VMMEM_EINVAL (gm NULL, len 0, host NULL, bad access, or
 *          called outside a read-side section), VMMEM_ERANGE (wraps),
 *          VMMEM_EFAULT (not one RAM/ROM region), VMMEM_EPERM (write intent
 *          on ROM). */
VMMEM_API int vmmem_guest_translate(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len,
                                    unsigned access, void **host);

/* ---- access ---------------------------------------------------------------- */

/** Reads guest [gpa, gpa + len) into buf, across region boundaries (RAM, ROM
 *  and MMIO).
 *  @param gm  the address space
 *  @param gpa first guest address to read
 *  @param buf receives len bytes
 *  @param len bytes to read; 0 does nothing and succeeds
 *  @return VMMEM_OK; VMMEM_EINVAL (gm or buf NULL with len > 0),
 *          VMMEM_ERANGE, VMMEM_EFAULT (a byte not covered), or
 *          VMMEM_EPARTIAL (an MMIO callback failed: the first
 *          vmmem_partial.completed bytes of buf hold the guest's bytes). */
VMMEM_API int vmmem_guest_read(vmmem_guest_memory *gm, vmmem_gpa gpa, void *buf, size_t len);

/** Writes buf to guest [gpa, gpa + len); VMMEM_EPERM (nothing written) if
 *  any byte is ROM. Marks the RAM pages written dirty.
 *  @param gm  the address space
 *  @param gpa first guest address to write
 *  @param buf len bytes to write
 *  @param len bytes to write; 0 does nothing and succeeds
 *  @return codes as for vmmem_guest_read(), plus VMMEM_EPERM, and
 *          VMMEM_EINVAL when the part of the range in an MMIO region is
 *          narrower than the device's min_access or not aligned to it
 *          (nothing written). */
VMMEM_API int vmmem_guest_write(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *buf, size_t len);

/** Copies guest [src, src + len) to [dst, dst + len) with memmove semantics
 *  (overlap allowed), across region boundaries; RAM to RAM on the fast copy
 *  engine. Both ranges are validated before a byte moves.
 *  @param gm  the address space
 *  @param dst first guest address of the destination
 *  @param src first guest address of the source
 *  @param len bytes to copy; 0 does nothing and succeeds
 *  @return codes as for vmmem_guest_write() (VMMEM_EINVAL: gm NULL). */
VMMEM_API int vmmem_guest_copy_block(vmmem_guest_memory *gm, vmmem_gpa dst, vmmem_gpa src, uint64_t len);

/** @name Typed accessors
 *  Value in host order, guest memory little-endian (le) or big-endian (be).
 *  A naturally aligned access to RAM is one load or store (atomic with
 *  respect to other threads); an unaligned one, or one on MMIO, is not.
 *  Codes as for vmmem_guest_read()/vmmem_guest_write(). */
/** @{ */
/** Reads one byte.
 *  @param gm    the address space
 *  @param gpa   guest address of the byte
 *  @param value receives the byte
 *  @return VMMEM_OK; VMMEM_EINVAL (gm or value NULL); otherwise codes as for
 *          vmmem_guest_read() */
VMMEM_API int vmmem_guest_read_u8(vmmem_guest_memory *gm, vmmem_gpa gpa, uint8_t *value);
/** Reads a little-endian 16-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_le16(vmmem_guest_memory *gm, vmmem_gpa gpa, uint16_t *value);
/** Reads a little-endian 32-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_le32(vmmem_guest_memory *gm, vmmem_gpa gpa, uint32_t *value);
/** Reads a little-endian 64-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_le64(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t *value);
/** Reads a big-endian 16-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_be16(vmmem_guest_memory *gm, vmmem_gpa gpa, uint16_t *value);
/** Reads a big-endian 32-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_be32(vmmem_guest_memory *gm, vmmem_gpa gpa, uint32_t *value);
/** Reads a big-endian 64-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value receives the value, in host order
 *  @return as vmmem_guest_read_u8() */
VMMEM_API int vmmem_guest_read_be64(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t *value);
/** Writes one byte.
 *  @param gm    the address space
 *  @param gpa   guest address of the byte
 *  @param value the byte
 *  @return VMMEM_OK; VMMEM_EINVAL (gm NULL); otherwise codes as for
 *          vmmem_guest_write() (VMMEM_EPERM for ROM) */
VMMEM_API int vmmem_guest_write_u8(vmmem_guest_memory *gm, vmmem_gpa gpa, uint8_t value);
/** Writes a little-endian 16-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_le16(vmmem_guest_memory *gm, vmmem_gpa gpa, uint16_t value);
/** Writes a little-endian 32-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_le32(vmmem_guest_memory *gm, vmmem_gpa gpa, uint32_t value);
/** Writes a little-endian 64-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_le64(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t value);
/** Writes a big-endian 16-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_be16(vmmem_guest_memory *gm, vmmem_gpa gpa, uint16_t value);
/** Writes a big-endian 32-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_be32(vmmem_guest_memory *gm, vmmem_gpa gpa, uint32_t value);
/** Writes a big-endian 64-bit value.
 *  @param gm    the address space
 *  @param gpa   guest address of the value's first byte
 *  @param value the value, in host order
 *  @return as vmmem_guest_write_u8() */
VMMEM_API int vmmem_guest_write_be64(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t value);
/** @} */

/** @name Arrays in a declared byte order
 *  Guest memory holds count elements of elem_size bytes (2, 4 or 8), each
 *  stored in `order`; the host side holds them as host integers
 *  (uint16_t/uint32_t/uint64_t, any alignment). One pass on the
 *  byte-swapping copy kernels of vmmem/xlate.h when the orders differ, the
 *  copy engine when they match. Validated like every access: the whole
 *  guest range first (wrap, holes, ROM for writes), nothing moves on error.
 *  Elements are not atomic with respect to other threads (use the typed
 *  accessors above for single shared values). */
/** @{ */

/** Reads count elements of elem_size bytes stored at gpa in byte order
 *  `order` into values, converted to host order.
 *  @param gm        the address space
 *  @param gpa       guest address of the first element
 *  @param values    receives count host-order elements
 *  @param count     number of elements
 *  @param elem_size bytes per element: 2, 4 or 8
 *  @param order     byte order of the elements in guest memory
 *  @return VMMEM_OK (count 0 included); VMMEM_EINVAL (gm NULL, values NULL
 *          with count > 0, elem_size not 2, 4 or 8, order not a
 *          vmmem_byte_order); VMMEM_ERANGE (count * elem_size overflows or
 *          the guest range wraps); VMMEM_EFAULT (a byte not covered);
 *          VMMEM_EOVERLAP (values shares a byte with the host memory of
 *          the guest range, in either byte order); VMMEM_EPARTIAL (an MMIO
 *          callback failed; the content of values is then unspecified).
 *          On a refusal (every other code) values is untouched. */
VMMEM_API int vmmem_guest_read_array(vmmem_guest_memory *gm, vmmem_gpa gpa, void *values, size_t count,
                                     unsigned elem_size, vmmem_byte_order order);

/** Writes count host-order elements of elem_size bytes from values to gpa,
 *  each stored in byte order `order`, and marks the RAM pages written
 *  dirty.
 *  @param gm        the address space
 *  @param gpa       guest address of the first element
 *  @param values    count host-order elements
 *  @param count     number of elements
 *  @param elem_size bytes per element: 2, 4 or 8
 *  @param order     byte order of the elements in guest memory
 *  @return codes as for vmmem_guest_read_array(), plus VMMEM_EPERM when any
 *          byte is ROM and VMMEM_ENOMEM when a write across regions larger
 *          than 1 KiB cannot get its conversion buffer; on every error but
 *          VMMEM_EPARTIAL, nothing is written. Across regions the bytes
 *          are written as vmmem_guest_write() writes them (the same MMIO
 *          access sizes). */
VMMEM_API int vmmem_guest_write_array(vmmem_guest_memory *gm, vmmem_gpa gpa, const void *values, size_t count,
                                      unsigned elem_size, vmmem_byte_order order);
/** @} */

/* ---- dirty tracking ---------------------------------------------------------- */

/** Switches dirty tracking of the RAM region starting at region_gpa on
 *  (enable != 0, with every page clean) or off. Both wait for a grace
 *  period: every read-side section open on any thread (vmmem_guest_enter(),
 *  a virtqueue batch, a DMA file transfer in progress) ends first, so do
 *  not call it while holding a lock such a section may wait for. After
 *  switching on, a copy of guest memory made after the call returns sees
 *  every write that the bitmap missed.
 *  @param gm         the address space
 *  @param region_gpa first guest address of the RAM region
 *  @param enable     non-zero to switch tracking on (or to clear every page
 *                    when it is on already), 0 to switch it off
 *  @return VMMEM_OK; VMMEM_ENOENT (no region starts there), VMMEM_EINVAL
 *          (gm NULL, or not RAM), VMMEM_ENOMEM, VMMEM_EBUSY (inside a
 *          read-side section). */
VMMEM_API int vmmem_guest_dirty_enable(vmmem_guest_memory *gm, vmmem_gpa region_gpa, int enable);

/** Marks the RAM pages of [gpa, gpa + len) dirty (for writes made through a
 *  translated pointer); the range may span adjacent RAM regions. Pages of
 *  regions without tracking are ignored. Call it after the writes.
 *  @param gm  the address space
 *  @param gpa first guest address written
 *  @param len bytes written; 0 does nothing and succeeds
 *  @return VMMEM_OK; VMMEM_EINVAL (gm NULL with len > 0), VMMEM_ERANGE
 *          (wraps), VMMEM_EFAULT (a byte not in RAM). */
VMMEM_API int vmmem_guest_mark_dirty(vmmem_guest_memory *gm, vmmem_gpa gpa, uint64_t len);

/** Atomically reads and clears the dirty bitmap of the RAM region starting
 *  at region_gpa into bitmap[0..words): bit (i % 64) of bitmap[i / 64] is
 *  page i; words past the region's are zeroed. words must cover the region
 *  (ceil(pages / 64)). A page written concurrently is reported now or by the
 *  next call, never lost, provided the caller copies the reported pages
 *  after this call returns.
 *  @param gm         the address space
 *  @param region_gpa first guest address of the RAM region
 *  @param bitmap     receives the dirty bits, words 64-bit words
 *  @param words      number of words in bitmap
 *  @return VMMEM_OK; VMMEM_ENOENT (no region starts at region_gpa),
 *          VMMEM_EINVAL (tracking off, NULL, too few words). */
VMMEM_API int vmmem_guest_dirty_fetch_and_clear(vmmem_guest_memory *gm, vmmem_gpa region_gpa,
                                                uint64_t *bitmap, size_t words);

#ifdef __cplusplus
}
#endif

#endif /* VMMEM_GUEST_MEMORY_H */
