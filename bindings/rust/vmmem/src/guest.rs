// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! `vm_mem::GuestMemory`: a guest physical address space on libvmmem-vm
//! (vmmem/guest_memory.h): RAM and ROM regions, checked reads, writes and
//! copies across region edges, typed accessors, dirty tracking.
//!
//! Every range is validated as a whole before a byte moves: a range that is
//! not entirely backed is `ErrorCode::Fault`, one that wraps past 2^64 is
//! `ErrorCode::OutOfRange`, a write touching ROM is
//! `ErrorCode::PermissionDenied`; in each case nothing is read or written.
//! Every method may run concurrently with every other from any thread
//! (regions included), as the C library allows. MMIO regions and the
//! translate/enter/exit calls are not wrapped (use `vmmem-sys`).
//!
//! ```
//! use vm_mem::GuestMemory;
//! let mem = GuestMemory::new().unwrap();
//! mem.add_ram(0, 1 << 20).unwrap();
//! mem.write(0x1000, b"hello").unwrap();
//! mem.copy_block(0x2000, 0x1000, 5).unwrap();
//! let mut out = [0u8; 5];
//! mem.read(0x2000, &mut out).unwrap();
//! assert_eq!(&out, b"hello");
//! ```

use std::os::raw::c_void;
use std::os::unix::io::{AsRawFd, BorrowedFd};
use std::ptr::{self, NonNull};

use vmmem_sys as sys;

use crate::error::{check, Error, ErrorCode};

/// Bytes covered by one bit of a dirty bitmap.
pub const DIRTY_PAGE_SIZE: u64 = sys::VMMEM_DIRTY_PAGE_SIZE;

/// Kinds of region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionKind {
    /// Host memory, read and write.
    Ram,
    /// Host memory; guest writes are refused.
    Rom,
    /// A device (added through vmmem-sys).
    Mmio,
}

/// What [`GuestMemory::region_at`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionInfo {
    /// RAM, ROM or MMIO.
    pub kind: RegionKind,
    /// First guest address of the region.
    pub base: u64,
    /// Bytes.
    pub size: u64,
}

/// How RAM is backed ([`GuestMemory::add_ram_with`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct RamOptions<'fd> {
    /// A file or memfd to map (it must stay at least `fd_offset + size`
    /// bytes long while mapped); `None`: anonymous memory.
    pub fd: Option<BorrowedFd<'fd>>,
    /// Offset into `fd` (page aligned).
    pub fd_offset: u64,
    /// MAP_SHARED (implied by a file).
    pub shared: bool,
    /// Explicit huge pages (MAP_HUGETLB) for anonymous RAM.
    pub huge_pages: bool,
}

/// A guest physical address space.
pub struct GuestMemory {
    raw: NonNull<sys::vmmem_guest_memory>,
}

// SAFETY: libvmmem-vm allows every call on an address space from any thread,
// concurrently with every other; destroy needs exclusive access, which Drop
// has.
unsafe impl Send for GuestMemory {}
// SAFETY: as above.
unsafe impl Sync for GuestMemory {}

impl Drop for GuestMemory {
    fn drop(&mut self) {
        // SAFETY: the address space is ours and no call can be running.
        unsafe { sys::vmmem_guest_memory_destroy(self.raw.as_ptr()) };
    }
}

macro_rules! typed_accessors {
    ($($(#[doc = $rdoc:literal])* $read:ident / $(#[doc = $wdoc:literal])* $write:ident: $t:ty => $cread:ident, $cwrite:ident;)*) => {
        $(
            $(#[doc = $rdoc])*
            pub fn $read(&self, gpa: u64) -> Result<$t, Error> {
                let mut value: $t = 0;
                // SAFETY: a valid out pointer.
                check(unsafe { sys::$cread(self.ptr(), gpa, &mut value) })?;
                Ok(value)
            }

            $(#[doc = $wdoc])*
            pub fn $write(&self, gpa: u64, value: $t) -> Result<(), Error> {
                // SAFETY: plain call.
                check(unsafe { sys::$cwrite(self.ptr(), gpa, value) })
            }
        )*
    };
}

impl GuestMemory {
    /// An empty address space.
    pub fn new() -> Result<GuestMemory, Error> {
        let mut raw = ptr::null_mut();
        // SAFETY: a valid out pointer.
        check(unsafe { sys::vmmem_guest_memory_create(&mut raw) })?;
        NonNull::new(raw).map(|raw| GuestMemory { raw }).ok_or(Error::Vmmem(ErrorCode::OutOfMemory))
    }

    fn ptr(&self) -> *mut sys::vmmem_guest_memory {
        self.raw.as_ptr()
    }

    /// Adds private anonymous RAM at `[gpa, gpa + size)`; `size` a non-zero
    /// multiple of the page size, `gpa` page aligned. Errors:
    /// `InvalidArgument`, `OutOfRange` (wraps), `Exists` (overlaps a region),
    /// `OutOfMemory`.
    pub fn add_ram(&self, gpa: u64, size: u64) -> Result<(), Error> {
        // SAFETY: NULL options: anonymous memory.
        check(unsafe { sys::vmmem_guest_add_ram(self.ptr(), gpa, size, ptr::null()) })
    }

    /// Adds RAM backed as `options` says (a file or memfd, shared, huge
    /// pages). Errors as [`GuestMemory::add_ram`], plus `Io` (mmap or fstat
    /// failed) and `Unsupported` (no huge pages).
    pub fn add_ram_with(&self, gpa: u64, size: u64, options: &RamOptions<'_>) -> Result<(), Error> {
        let mut flags = 0;
        if options.shared {
            flags |= sys::VMMEM_RAM_SHARED;
        }
        if options.huge_pages {
            flags |= sys::VMMEM_RAM_HUGEPAGES;
        }
        let raw = sys::vmmem_ram_options {
            fd: options.fd.map(|fd| fd.as_raw_fd()).unwrap_or(-1),
            fd_offset: options.fd_offset,
            flags,
        };
        // SAFETY: the fd, if any, is open for the duration of the call (the
        // library maps it and keeps no reference to the descriptor).
        check(unsafe { sys::vmmem_guest_add_ram(self.ptr(), gpa, size, &raw) })
    }

    /// Adds ROM at `[gpa, gpa + size)` holding a copy of `content` (the rest
    /// reads as zero). Same rules and errors as [`GuestMemory::add_ram`].
    pub fn add_rom(&self, gpa: u64, size: u64, content: &[u8]) -> Result<(), Error> {
        // SAFETY: content is valid for its length; the library copies it.
        check(unsafe {
            sys::vmmem_guest_add_rom(self.ptr(), gpa, size, content.as_ptr() as *const c_void, content.len())
        })
    }

    /// Removes the region that starts at `gpa`, once no access can still see
    /// it. `NotFound` when no region starts there.
    pub fn remove_region(&self, gpa: u64) -> Result<(), Error> {
        // SAFETY: plain call.
        check(unsafe { sys::vmmem_guest_remove_region(self.ptr(), gpa) })
    }

    /// The region containing `gpa`; `Fault` when none does.
    pub fn region_at(&self, gpa: u64) -> Result<RegionInfo, Error> {
        // SAFETY: vmmem_region_info is plain data the library fills.
        let mut raw: sys::vmmem_region_info = unsafe { std::mem::zeroed() };
        // SAFETY: a valid out pointer.
        check(unsafe { sys::vmmem_guest_region_at(self.ptr(), gpa, &mut raw) })?;
        let kind = match raw.kind {
            k if k == sys::VMMEM_REGION_RAM => RegionKind::Ram,
            k if k == sys::VMMEM_REGION_ROM => RegionKind::Rom,
            _ => RegionKind::Mmio,
        };
        Ok(RegionInfo { kind, base: raw.base, size: raw.size })
    }

    /// Reads guest `[gpa, gpa + buf.len())` into `buf`, across region
    /// edges. Errors (nothing read): `Fault`, `OutOfRange`.
    pub fn read(&self, gpa: u64, buf: &mut [u8]) -> Result<(), Error> {
        // SAFETY: buf is valid for its length.
        check(unsafe { sys::vmmem_guest_read(self.ptr(), gpa, buf.as_mut_ptr() as *mut c_void, buf.len()) })
    }

    /// Writes `buf` to guest `[gpa, gpa + buf.len())` and marks the pages
    /// dirty. Errors (nothing written): `Fault`, `OutOfRange`,
    /// `PermissionDenied` (a byte is ROM).
    pub fn write(&self, gpa: u64, buf: &[u8]) -> Result<(), Error> {
        // SAFETY: buf is valid for its length.
        check(unsafe { sys::vmmem_guest_write(self.ptr(), gpa, buf.as_ptr() as *const c_void, buf.len()) })
    }

    /// Copies guest `[src, src + len)` to `[dst, dst + len)` (overlap
    /// allowed) on the copy engine. Both ranges are validated first; errors
    /// as [`GuestMemory::write`].
    pub fn copy_block(&self, dst: u64, src: u64, len: u64) -> Result<(), Error> {
        // SAFETY: plain call; the library validates both ranges.
        check(unsafe { sys::vmmem_guest_copy_block(self.ptr(), dst, src, len) })
    }

    typed_accessors! {
        /// Reads one byte.
        read_u8 /
        /// Writes one byte.
        write_u8: u8 => vmmem_guest_read_u8, vmmem_guest_write_u8;
        /// Reads a little-endian u16 (one load when naturally aligned).
        read_le16 /
        /// Writes a little-endian u16 (one store when naturally aligned).
        write_le16: u16 => vmmem_guest_read_le16, vmmem_guest_write_le16;
        /// Reads a little-endian u32.
        read_le32 /
        /// Writes a little-endian u32.
        write_le32: u32 => vmmem_guest_read_le32, vmmem_guest_write_le32;
        /// Reads a little-endian u64.
        read_le64 /
        /// Writes a little-endian u64.
        write_le64: u64 => vmmem_guest_read_le64, vmmem_guest_write_le64;
        /// Reads a big-endian u16.
        read_be16 /
        /// Writes a big-endian u16.
        write_be16: u16 => vmmem_guest_read_be16, vmmem_guest_write_be16;
        /// Reads a big-endian u32.
        read_be32 /
        /// Writes a big-endian u32.
        write_be32: u32 => vmmem_guest_read_be32, vmmem_guest_write_be32;
        /// Reads a big-endian u64.
        read_be64 /
        /// Writes a big-endian u64.
        write_be64: u64 => vmmem_guest_read_be64, vmmem_guest_write_be64;
    }

    /// Switches dirty tracking of the RAM region starting at `region_gpa`
    /// on (every page clean) or off; waits until no access that started
    /// before is still running. `NotFound`, `InvalidArgument` (not RAM).
    pub fn set_dirty_tracking(&self, region_gpa: u64, enable: bool) -> Result<(), Error> {
        // SAFETY: plain call.
        check(unsafe { sys::vmmem_guest_dirty_enable(self.ptr(), region_gpa, enable as i32) })
    }

    /// Marks `[gpa, gpa + len)` dirty (for writes the library did not make).
    pub fn mark_dirty(&self, gpa: u64, len: u64) -> Result<(), Error> {
        // SAFETY: plain call.
        check(unsafe { sys::vmmem_guest_mark_dirty(self.ptr(), gpa, len) })
    }

    /// Reads and clears the dirty bitmap of the RAM region starting at
    /// `region_gpa`: bit `i % 64` of word `i / 64` is page `i`
    /// ([`DIRTY_PAGE_SIZE`] bytes). `InvalidArgument` when tracking is off.
    pub fn take_dirty_bitmap(&self, region_gpa: u64) -> Result<Vec<u64>, Error> {
        let region = self.region_at(region_gpa)?;
        let pages = (region.size + DIRTY_PAGE_SIZE - 1) / DIRTY_PAGE_SIZE;
        let mut words = vec![0u64; ((pages + 63) / 64) as usize];
        // SAFETY: words is valid for its length.
        check(unsafe {
            sys::vmmem_guest_dirty_fetch_and_clear(self.ptr(), region_gpa, words.as_mut_ptr(), words.len())
        })?;
        Ok(words)
    }
}
