// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! vm-mem: libvmmem's memory engine from Rust.
//!
//! - [`simd_memcpy`]: `memcpy_fast`, `memcpy_adaptive` and
//!   `memcpy_adaptive_with_threshold` on slices (the SIMD kernel for this
//!   CPU, chosen at run time), their `try_` forms, `memmove` within a slice
//!   and the checked copy;
//! - [`cpu`]: which ISA the engine detected, uses, and can be forced to;
//! - [`GuestMemory`] (feature `guest-memory`, default): a guest physical
//!   address space on libvmmem-vm with checked `read`, `write` and
//!   `copy_block`.
//!
//! Errors are [`Error`]: the library's codes by name ([`ErrorCode`]), or
//! the slice errors found on the Rust side. See docs/rust.md in the source
//! tree for how the library is found and linked.

pub mod cpu;
mod error;
#[cfg(feature = "guest-memory")]
mod guest;
pub mod simd_memcpy;

pub use error::{Error, ErrorCode};
#[cfg(feature = "guest-memory")]
pub use guest::{GuestMemory, RamOptions, RegionInfo, RegionKind, DIRTY_PAGE_SIZE};

/// How vmmem-sys found the C library: "pkg-config (LIBDIR)" or
/// "cmake (SOURCE_DIR)".
pub const LINKED_FROM: &str = vmmem_sys::LINKED_FROM;

/// The raw C declarations, for what the safe API does not wrap.
pub use vmmem_sys as sys;
