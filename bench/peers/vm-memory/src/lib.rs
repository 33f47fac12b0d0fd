// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! bench/peers/vm-memory/src/lib.rs - rust-vmm vm-memory 0.10 behind a C ABI
//! for vmmem-guest-bench (declared in ../vm_memory_peer.h).
//!
//! A `GuestMemoryMmap` is built over host mappings the caller already owns
//! (`MmapRegion::build_raw`: vm-memory neither maps nor unmaps them), so the
//! benchmark times both libraries on the same bytes. Two address-space types,
//! as vm-memory has them: without dirty tracking (`GuestMemoryMmap<()>`,
//! functions `vmpeer_*`) and with vm-memory's `AtomicBitmap`
//! (`GuestMemoryMmap<AtomicBitmap>`, functions `vmpeer_tracked_*`). Each
//! exported function is one idiomatic vm-memory call:
//!   read / write        `Bytes::read_slice` / `Bytes::write_slice`
//!   copy_block          `get_slice` on both ranges, then
//!                       `VolatileSlice::copy_to_volatile_slice` (a memmove
//!                       that marks the destination dirty); a range that is
//!                       not inside one region goes through a bounce buffer
//!                       (`read_slice` then `write_slice`)
//!   read_uN / write_uN  `Bytes::read_obj::<uN>` / `Bytes::write_obj::<uN>`
//! Every function returns 0, or -1 when vm-memory returns an error.
//!
//! The same calls through `GuestMemoryAtomic` (`backend-atomic`, functions
//! `vmpeer_atomic_*` and `vmpeer_tracked_atomic_*`): each call takes
//! `.memory()` (an arc-swap load guard) and makes the one call on the
//! snapshot it guards, as a device does that must be safe against a
//! concurrent change of the regions. A `GuestMemoryMmap` alone is an
//! immutable snapshot the caller holds; it gives no such safety. The atomic
//! address space is built on a clone of the plain one: the same regions
//! (shared, with their bitmaps), so the dirty-page functions see both.

use std::os::raw::c_int;
use std::ptr::NonNull;
use std::slice;

use vm_memory::bitmap::{AtomicBitmap, Bitmap};
use vm_memory::mmap::NewBitmap;
use vm_memory::{
    Bytes, GuestAddress, GuestAddressSpace, GuestMemory, GuestMemoryAtomic, GuestMemoryMmap, GuestRegionMmap, MmapRegion,
};

/// One region as the C side describes it: `size` bytes of host memory at
/// `host`, seen by the guest at `gpa`.
#[repr(C)]
pub struct VmpeerRegion {
    pub gpa: u64,
    pub host: *mut u8,
    pub size: u64,
}

/// Builds the address space from `n` regions sorted by gpa. The host
/// memory must be mapped read-write (MAP_PRIVATE or MAP_SHARED as given in
/// `shared`) and outlive the returned object.
unsafe fn build<B: NewBitmap>(regions: *const VmpeerRegion, n: usize, shared: c_int) -> *mut GuestMemoryMmap<B> {
    if regions.is_null() || n == 0 {
        return std::ptr::null_mut();
    }
    let flags = if shared != 0 { libc::MAP_SHARED } else { libc::MAP_PRIVATE | libc::MAP_ANONYMOUS };
    let mut list = Vec::with_capacity(n);
    for r in slice::from_raw_parts(regions, n) {
        let mapping = match MmapRegion::<B>::build_raw(r.host, r.size as usize, libc::PROT_READ | libc::PROT_WRITE, flags) {
            Ok(m) => m,
            Err(_) => return std::ptr::null_mut(),
        };
        match GuestRegionMmap::new(mapping, GuestAddress(r.gpa)) {
            Ok(region) => list.push(region),
            Err(_) => return std::ptr::null_mut(),
        }
    }
    match GuestMemoryMmap::from_regions(list) {
        Ok(mem) => Box::into_raw(Box::new(mem)),
        Err(_) => std::ptr::null_mut(),
    }
}

/// A byte slice from a C pointer; a zero length may come with NULL.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> &'a [u8] {
    let p = if p.is_null() { NonNull::<u8>::dangling().as_ptr() } else { p as *mut u8 };
    slice::from_raw_parts(p, len)
}

unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> &'a mut [u8] {
    let p = if p.is_null() { NonNull::<u8>::dangling().as_ptr() } else { p };
    slice::from_raw_parts_mut(p, len)
}

fn status<T, E>(r: Result<T, E>) -> c_int {
    match r {
        Ok(_) => 0,
        Err(_) => -1,
    }
}

fn copy_block<B: Bitmap + 'static>(mem: &GuestMemoryMmap<B>, dst: u64, src: u64, len: usize) -> c_int {
    if let (Ok(from), Ok(to)) = (mem.get_slice(GuestAddress(src), len), mem.get_slice(GuestAddress(dst), len)) {
        from.copy_to_volatile_slice(to);
        return 0;
    }
    let mut bounce = vec![0u8; len];
    status(
        mem.read_slice(&mut bounce, GuestAddress(src))
            .and_then(|_| mem.write_slice(&bounce, GuestAddress(dst))),
    )
}

/// The exported functions for one bitmap type, each a single vm-memory call.
macro_rules! peer_api {
    ($bitmap:ty, $create:ident, $destroy:ident, $read:ident, $write:ident, $copy:ident,
     $r16:ident, $r32:ident, $r64:ident, $w16:ident, $w32:ident, $w64:ident) => {
        /// # Safety
        /// `regions` points to `n` descriptions of live read-write mappings.
        #[no_mangle]
        pub unsafe extern "C" fn $create(regions: *const VmpeerRegion, n: usize, shared: c_int) -> *mut GuestMemoryMmap<$bitmap> {
            build::<$bitmap>(regions, n, shared)
        }

        /// # Safety
        /// `mem` comes from the matching create call (or is NULL) and no call uses it any more.
        #[no_mangle]
        pub unsafe extern "C" fn $destroy(mem: *mut GuestMemoryMmap<$bitmap>) {
            if !mem.is_null() {
                drop(Box::from_raw(mem));
            }
        }

        /// # Safety
        /// `mem` is live; `buf` holds `len` writable bytes.
        #[no_mangle]
        pub unsafe extern "C" fn $read(mem: &GuestMemoryMmap<$bitmap>, gpa: u64, buf: *mut u8, len: usize) -> c_int {
            status(mem.read_slice(bytes_mut(buf, len), GuestAddress(gpa)))
        }

        /// # Safety
        /// `mem` is live; `buf` holds `len` readable bytes.
        #[no_mangle]
        pub unsafe extern "C" fn $write(mem: &GuestMemoryMmap<$bitmap>, gpa: u64, buf: *const u8, len: usize) -> c_int {
            status(mem.write_slice(bytes(buf, len), GuestAddress(gpa)))
        }

        #[no_mangle]
        pub extern "C" fn $copy(mem: &GuestMemoryMmap<$bitmap>, dst: u64, src: u64, len: usize) -> c_int {
            copy_block(mem, dst, src, len)
        }

        peer_api!(@read $bitmap, $r16, u16);
        peer_api!(@read $bitmap, $r32, u32);
        peer_api!(@read $bitmap, $r64, u64);
        peer_api!(@write $bitmap, $w16, u16);
        peer_api!(@write $bitmap, $w32, u32);
        peer_api!(@write $bitmap, $w64, u64);
    };
    (@read $bitmap:ty, $name:ident, $t:ty) => {
        /// # Safety
        /// `mem` is live; `out` points to a writable value.
        #[no_mangle]
        pub unsafe extern "C" fn $name(mem: &GuestMemoryMmap<$bitmap>, gpa: u64, out: *mut $t) -> c_int {
            match mem.read_obj::<$t>(GuestAddress(gpa)) {
                Ok(v) => {
                    *out = v;
                    0
                }
                Err(_) => -1,
            }
        }
    };
    (@write $bitmap:ty, $name:ident, $t:ty) => {
        #[no_mangle]
        pub extern "C" fn $name(mem: &GuestMemoryMmap<$bitmap>, gpa: u64, value: $t) -> c_int {
            status(mem.write_obj::<$t>(value, GuestAddress(gpa)))
        }
    };
}

peer_api!((), vmpeer_create, vmpeer_destroy, vmpeer_read, vmpeer_write, vmpeer_copy_block,
          vmpeer_read_u16, vmpeer_read_u32, vmpeer_read_u64, vmpeer_write_u16, vmpeer_write_u32, vmpeer_write_u64);
peer_api!(AtomicBitmap, vmpeer_tracked_create, vmpeer_tracked_destroy, vmpeer_tracked_read, vmpeer_tracked_write,
          vmpeer_tracked_copy_block, vmpeer_tracked_read_u16, vmpeer_tracked_read_u32, vmpeer_tracked_read_u64,
          vmpeer_tracked_write_u16, vmpeer_tracked_write_u32, vmpeer_tracked_write_u64);

/// The same calls, each through one `GuestMemoryAtomic::memory()` guard.
macro_rules! atomic_api {
    ($bitmap:ty, $create:ident, $destroy:ident, $read:ident, $write:ident, $copy:ident,
     $r16:ident, $r32:ident, $r64:ident, $w16:ident, $w32:ident, $w64:ident) => {
        /// An atomic address space over the regions of `mem` (shared, not copied).
        #[no_mangle]
        pub extern "C" fn $create(mem: &GuestMemoryMmap<$bitmap>) -> *mut GuestMemoryAtomic<GuestMemoryMmap<$bitmap>> {
            Box::into_raw(Box::new(GuestMemoryAtomic::new(mem.clone())))
        }

        /// # Safety
        /// `mem` comes from the matching create call (or is NULL) and no call uses it any more.
        #[no_mangle]
        pub unsafe extern "C" fn $destroy(mem: *mut GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>) {
            if !mem.is_null() {
                drop(Box::from_raw(mem));
            }
        }

        /// # Safety
        /// `mem` is live; `buf` holds `len` writable bytes.
        #[no_mangle]
        pub unsafe extern "C" fn $read(mem: &GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>, gpa: u64, buf: *mut u8, len: usize) -> c_int {
            status(mem.memory().read_slice(bytes_mut(buf, len), GuestAddress(gpa)))
        }

        /// # Safety
        /// `mem` is live; `buf` holds `len` readable bytes.
        #[no_mangle]
        pub unsafe extern "C" fn $write(mem: &GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>, gpa: u64, buf: *const u8, len: usize) -> c_int {
            status(mem.memory().write_slice(bytes(buf, len), GuestAddress(gpa)))
        }

        #[no_mangle]
        pub extern "C" fn $copy(mem: &GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>, dst: u64, src: u64, len: usize) -> c_int {
            copy_block(&mem.memory(), dst, src, len)
        }

        atomic_api!(@read $bitmap, $r16, u16);
        atomic_api!(@read $bitmap, $r32, u32);
        atomic_api!(@read $bitmap, $r64, u64);
        atomic_api!(@write $bitmap, $w16, u16);
        atomic_api!(@write $bitmap, $w32, u32);
        atomic_api!(@write $bitmap, $w64, u64);
    };
    (@read $bitmap:ty, $name:ident, $t:ty) => {
        /// # Safety
        /// `mem` is live; `out` points to a writable value.
        #[no_mangle]
        pub unsafe extern "C" fn $name(mem: &GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>, gpa: u64, out: *mut $t) -> c_int {
            match mem.memory().read_obj::<$t>(GuestAddress(gpa)) {
                Ok(v) => {
                    *out = v;
                    0
                }
                Err(_) => -1,
            }
        }
    };
    (@write $bitmap:ty, $name:ident, $t:ty) => {
        #[no_mangle]
        pub extern "C" fn $name(mem: &GuestMemoryAtomic<GuestMemoryMmap<$bitmap>>, gpa: u64, value: $t) -> c_int {
            status(mem.memory().write_obj::<$t>(value, GuestAddress(gpa)))
        }
    };
}

atomic_api!((), vmpeer_atomic_create, vmpeer_atomic_destroy, vmpeer_atomic_read, vmpeer_atomic_write,
            vmpeer_atomic_copy_block, vmpeer_atomic_read_u16, vmpeer_atomic_read_u32, vmpeer_atomic_read_u64,
            vmpeer_atomic_write_u16, vmpeer_atomic_write_u32, vmpeer_atomic_write_u64);
atomic_api!(AtomicBitmap, vmpeer_tracked_atomic_create, vmpeer_tracked_atomic_destroy, vmpeer_tracked_atomic_read,
            vmpeer_tracked_atomic_write, vmpeer_tracked_atomic_copy_block, vmpeer_tracked_atomic_read_u16,
            vmpeer_tracked_atomic_read_u32, vmpeer_tracked_atomic_read_u64, vmpeer_tracked_atomic_write_u16,
            vmpeer_tracked_atomic_write_u32, vmpeer_tracked_atomic_write_u64);

/// Number of dirty pages vm-memory's bitmap holds for the region containing
/// `gpa` (-1: no such region); the benchmark checks with it that tracking
/// really runs, and clears the bitmap between its cells with
/// `vmpeer_tracked_clear_dirty`.
#[no_mangle]
pub extern "C" fn vmpeer_tracked_dirty_pages(mem: &GuestMemoryMmap<AtomicBitmap>, gpa: u64) -> i64 {
    match mem.find_region(GuestAddress(gpa)) {
        Some(region) => {
            use vm_memory::GuestMemoryRegion;
            let bitmap = region.bitmap();
            (0..bitmap.len()).filter(|&page| bitmap.is_bit_set(page)).count() as i64
        }
        None => -1,
    }
}

/// Clears vm-memory's dirty bitmap of every region.
#[no_mangle]
pub extern "C" fn vmpeer_tracked_clear_dirty(mem: &GuestMemoryMmap<AtomicBitmap>) {
    use vm_memory::GuestMemoryRegion;
    for region in mem.iter() {
        region.bitmap().reset();
    }
}
