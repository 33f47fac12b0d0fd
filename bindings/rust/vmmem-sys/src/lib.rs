// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Raw declarations of libvmmem's C API: the copy engine (vmmem/memcpy.h),
//! CPU detection and dispatch (vmmem/cpu.h), error codes (vmmem/error.h),
//! and with the `guest-memory` feature libvmmem-vm's guest memory
//! (vmmem/guest_memory.h). Written by hand after the headers; the constants
//! and the struct sizes are generated from the headers at build time
//! (build.rs), so a renumbered code or a changed struct is picked up or
//! fails the build. Not declared here: the JIT emitter, the byte-order
//! copies, DMA and virtio. The safe API is the `vm-mem` crate.
#![allow(non_camel_case_types)]
use std::os::raw::{c_char, c_int, c_uint, c_void};

include!(concat!(env!("OUT_DIR"), "/constants.rs"));

/// How this crate found the library: "pkg-config (LIBDIR)" or "cmake (SOURCE_DIR)".
pub const LINKED_FROM: &str = env!("VMMEM_SYS_LINKED_FROM");

/// `vmmem_isa` (an enum in C).
pub type vmmem_isa = c_int;
/// `vmmem_cache_source` (an enum in C).
pub type vmmem_cache_source = c_int;
/// `vmmem_copy_fn`: a copy with memmove() semantics.
pub type vmmem_copy_fn = unsafe extern "C" fn(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;

/// `struct vmmem_kernel_info`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vmmem_kernel_info {
    pub isa: vmmem_isa,
    pub name: *const c_char,
    pub memmove: Option<vmmem_copy_fn>,
    pub memcpy_nt: Option<vmmem_copy_fn>,
}

/// `struct vmmem_cpu_info`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct vmmem_cpu_info {
    pub vendor: [c_char; 16],
    pub family: c_uint,
    pub model: c_uint,
    pub features: c_uint,
    pub l1d_bytes: usize,
    pub l2_bytes: usize,
    pub l3_bytes: usize,
    pub l3_sharing_cpus: c_uint,
    pub l3_share_bytes: usize,
    pub cache_source: vmmem_cache_source,
}

/// `struct vmmem_thresholds`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct vmmem_thresholds {
    pub simd: usize,
    pub erms: usize,
    pub nt: usize,
}

extern "C" {
    // vmmem/error.h
    pub fn vmmem_strerror(err: c_int) -> *const c_char;
    pub fn vmmem_error_to_errno(err: c_int) -> c_int;

    // vmmem/memcpy.h
    pub fn vmmem_memcpy_fast(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    pub fn vmmem_memcpy_adaptive(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    pub fn vmmem_memcpy_adaptive_with_threshold(
        dst: *mut c_void,
        src: *const c_void,
        n: usize,
        simd_threshold: usize,
    ) -> *mut c_void;
    pub fn vmmem_memmove(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    pub fn vmmem_memcpy_parallel(dst: *mut c_void, src: *const c_void, n: usize, threads: c_uint) -> *mut c_void;
    pub fn vmmem_parallel_cpu_count() -> c_uint;
    pub fn vmmem_parallel_pool_size() -> c_uint;
    pub fn vmmem_parallel_shutdown();
    pub fn vmmem_copy_checked(dst: *mut c_void, dst_size: usize, src: *const c_void, src_size: usize, n: usize)
        -> c_int;

    // vmmem/cpu.h
    pub fn vmmem_isa_name(isa: vmmem_isa) -> *const c_char;
    pub fn vmmem_isa_from_name(name: *const c_char, isa: *mut vmmem_isa) -> c_int;
    pub fn vmmem_isa_supported(isa: vmmem_isa) -> c_int;
    pub fn vmmem_best_isa() -> vmmem_isa;
    pub fn vmmem_active_isa() -> vmmem_isa;
    pub fn vmmem_force_isa(isa: vmmem_isa) -> c_int;
    pub fn vmmem_get_kernel(isa: vmmem_isa, out: *mut vmmem_kernel_info) -> c_int;
    pub fn vmmem_get_cpu_info(out: *mut vmmem_cpu_info) -> c_int;
    pub fn vmmem_get_thresholds(out: *mut vmmem_thresholds) -> c_int;
}

#[cfg(feature = "guest-memory")]
pub use guest::*;

/// vmmem/guest_memory.h (libvmmem-vm).
#[cfg(feature = "guest-memory")]
mod guest {
    use std::os::raw::{c_int, c_uint, c_void};

    /// `vmmem_gpa`: a guest physical address.
    pub type vmmem_gpa = u64;
    /// `vmmem_region_kind` (an enum in C).
    pub type vmmem_region_kind = c_int;
    /// `vmmem_byte_order` (an enum in C, vmmem/xlate.h).
    pub type vmmem_byte_order = c_int;

    /// `vmmem_guest_memory`: an address space (opaque).
    #[repr(C)]
    pub struct vmmem_guest_memory {
        _opaque: [u8; 0],
    }

    /// `struct vmmem_ram_options`.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct vmmem_ram_options {
        pub fd: c_int,
        pub fd_offset: u64,
        pub flags: c_uint,
    }

    /// `struct vmmem_mmio_ops`.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct vmmem_mmio_ops {
        pub read: Option<unsafe extern "C" fn(opaque: *mut c_void, offset: u64, data: *mut c_void, size: c_uint) -> c_int>,
        pub write:
            Option<unsafe extern "C" fn(opaque: *mut c_void, offset: u64, data: *const c_void, size: c_uint) -> c_int>,
        pub min_access: c_uint,
        pub max_access: c_uint,
        pub opaque: *mut c_void,
    }

    /// `struct vmmem_host_ram`: RAM the caller mapped.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct vmmem_host_ram {
        pub host: *mut c_void,
        pub fd: c_int,
        pub fd_offset: u64,
    }

    /// `struct vmmem_region_info`.
    #[repr(C)]
    #[derive(Debug, Clone, Copy)]
    pub struct vmmem_region_info {
        pub kind: vmmem_region_kind,
        pub base: vmmem_gpa,
        pub size: u64,
        pub host: *mut c_void,
        pub mmio: vmmem_mmio_ops,
        pub fd: c_int,
        pub fd_offset: u64,
        pub caller_owned: c_int,
    }

    /// `struct vmmem_partial`: what a call that returned VMMEM_EPARTIAL had done.
    #[repr(C)]
    #[derive(Debug, Clone, Copy, Default)]
    pub struct vmmem_partial {
        pub expected: u64,
        pub completed: u64,
        pub cause: c_int,
    }

    extern "C" {
        pub fn vmmem_guest_last_partial(out: *mut vmmem_partial) -> c_int;

        pub fn vmmem_guest_memory_create(out: *mut *mut vmmem_guest_memory) -> c_int;
        pub fn vmmem_guest_memory_destroy(gm: *mut vmmem_guest_memory);
        pub fn vmmem_guest_add_ram(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            size: u64,
            options: *const vmmem_ram_options,
        ) -> c_int;
        pub fn vmmem_guest_add_host_ram(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            size: u64,
            ram: *const vmmem_host_ram,
        ) -> c_int;
        pub fn vmmem_guest_add_rom(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            size: u64,
            content: *const c_void,
            content_len: usize,
        ) -> c_int;
        pub fn vmmem_guest_add_mmio(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            size: u64,
            ops: *const vmmem_mmio_ops,
        ) -> c_int;
        pub fn vmmem_guest_remove_region(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa) -> c_int;
        pub fn vmmem_guest_region_at(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, out: *mut vmmem_region_info)
            -> c_int;

        pub fn vmmem_guest_enter(gm: *mut vmmem_guest_memory);
        pub fn vmmem_guest_exit(gm: *mut vmmem_guest_memory);
        pub fn vmmem_guest_translate(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            len: u64,
            access: c_uint,
            host: *mut *mut c_void,
        ) -> c_int;

        pub fn vmmem_guest_read(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, buf: *mut c_void, len: usize) -> c_int;
        pub fn vmmem_guest_write(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, buf: *const c_void, len: usize)
            -> c_int;
        pub fn vmmem_guest_copy_block(gm: *mut vmmem_guest_memory, dst: vmmem_gpa, src: vmmem_gpa, len: u64) -> c_int;

        pub fn vmmem_guest_read_u8(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u8) -> c_int;
        pub fn vmmem_guest_read_le16(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u16) -> c_int;
        pub fn vmmem_guest_read_le32(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u32) -> c_int;
        pub fn vmmem_guest_read_le64(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u64) -> c_int;
        pub fn vmmem_guest_read_be16(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u16) -> c_int;
        pub fn vmmem_guest_read_be32(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u32) -> c_int;
        pub fn vmmem_guest_read_be64(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: *mut u64) -> c_int;
        pub fn vmmem_guest_write_u8(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u8) -> c_int;
        pub fn vmmem_guest_write_le16(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u16) -> c_int;
        pub fn vmmem_guest_write_le32(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u32) -> c_int;
        pub fn vmmem_guest_write_le64(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u64) -> c_int;
        pub fn vmmem_guest_write_be16(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u16) -> c_int;
        pub fn vmmem_guest_write_be32(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u32) -> c_int;
        pub fn vmmem_guest_write_be64(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, value: u64) -> c_int;

        pub fn vmmem_guest_read_array(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            values: *mut c_void,
            count: usize,
            elem_size: c_uint,
            order: vmmem_byte_order,
        ) -> c_int;
        pub fn vmmem_guest_write_array(
            gm: *mut vmmem_guest_memory,
            gpa: vmmem_gpa,
            values: *const c_void,
            count: usize,
            elem_size: c_uint,
            order: vmmem_byte_order,
        ) -> c_int;

        pub fn vmmem_guest_dirty_enable(gm: *mut vmmem_guest_memory, region_gpa: vmmem_gpa, enable: c_int) -> c_int;
        pub fn vmmem_guest_mark_dirty(gm: *mut vmmem_guest_memory, gpa: vmmem_gpa, len: u64) -> c_int;
        pub fn vmmem_guest_dirty_fetch_and_clear(
            gm: *mut vmmem_guest_memory,
            region_gpa: vmmem_gpa,
            bitmap: *mut u64,
            words: usize,
        ) -> c_int;
    }
}
