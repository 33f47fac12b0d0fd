// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! `vm_mem::simd_memcpy`: slice copies on libvmmem's SIMD engine (the best
//! kernel for this CPU, chosen at the first call; see [`crate::cpu`]).
//!
//! The three calls of the original API take the shape of
//! `<[u8]>::copy_from_slice` and panic like it when the lengths differ;
//! each has a `try_` twin that returns [`Error::LengthMismatch`] instead.
//! [`memmove`] is `<[u8]>::copy_within` on the engine, and [`copy_checked`]
//! is the C library's checked copy.
//!
//! ```
//! use vm_mem::simd_memcpy::{memcpy_adaptive, memcpy_adaptive_with_threshold, memcpy_fast};
//! let src = vec![7u8; 4096];
//! let mut dst = vec![0u8; 4096];
//! memcpy_fast(&mut dst, &src);
//! memcpy_adaptive(&mut dst, &src);
//! memcpy_adaptive_with_threshold(&mut dst, &src, 1024);
//! assert_eq!(dst, src);
//! ```

use std::ops::{Bound, RangeBounds};
use std::os::raw::c_void;

use vmmem_sys as sys;

use crate::error::{check, Error};

#[cold]
#[inline(never)]
#[track_caller]
fn len_mismatch_fail(dst_len: usize, src_len: usize) -> ! {
    // The message of <[T]>::copy_from_slice.
    panic!("source slice length ({}) does not match destination slice length ({})", src_len, dst_len)
}

#[inline]
fn same_len(dst: &[u8], src: &[u8]) -> Result<(), Error> {
    if dst.len() == src.len() {
        Ok(())
    } else {
        Err(Error::LengthMismatch { dst_len: dst.len(), src_len: src.len() })
    }
}

/// Copies `src` into `dst` with `vmmem_memcpy_fast` (ordinary, cache-filling
/// stores; `rep movsb` from the ERMS threshold up where it wins).
///
/// # Panics
/// When the slices differ in length, with the message of `copy_from_slice`.
#[inline]
#[track_caller]
pub fn memcpy_fast(dst: &mut [u8], src: &[u8]) {
    if dst.len() != src.len() {
        len_mismatch_fail(dst.len(), src.len());
    }
    // SAFETY: both slices are valid for len bytes; &mut and & cannot overlap.
    unsafe { sys::vmmem_memcpy_fast(dst.as_mut_ptr() as *mut c_void, src.as_ptr() as *const c_void, src.len()) };
}

/// Copies `src` into `dst` with `vmmem_memcpy_adaptive`: the strategy by
/// size (the library's portable scalar kernel below the SIMD threshold, 0
/// by default: no such band; non-temporal stores from the non-temporal one
/// up; thresholds from the caches, or VMMEM_*_THRESHOLD in the
/// environment). Never the C library's memcpy or memmove.
///
/// # Panics
/// When the slices differ in length, with the message of `copy_from_slice`.
#[inline]
#[track_caller]
pub fn memcpy_adaptive(dst: &mut [u8], src: &[u8]) {
    if dst.len() != src.len() {
        len_mismatch_fail(dst.len(), src.len());
    }
    // SAFETY: as in memcpy_fast.
    unsafe { sys::vmmem_memcpy_adaptive(dst.as_mut_ptr() as *mut c_void, src.as_ptr() as *const c_void, src.len()) };
}

/// [`memcpy_adaptive`] with the caller's SIMD threshold: copies shorter
/// than `threshold` bytes (of any length, 0 to 16 included) go to the
/// library's portable scalar kernel (8-byte words, no vector instructions),
/// the rest to [`memcpy_adaptive`]; `0` sends none there, `usize::MAX` all.
///
/// # Panics
/// When the slices differ in length, with the message of `copy_from_slice`.
#[inline]
#[track_caller]
pub fn memcpy_adaptive_with_threshold(dst: &mut [u8], src: &[u8], threshold: usize) {
    if dst.len() != src.len() {
        len_mismatch_fail(dst.len(), src.len());
    }
    // SAFETY: as in memcpy_fast.
    unsafe {
        sys::vmmem_memcpy_adaptive_with_threshold(
            dst.as_mut_ptr() as *mut c_void,
            src.as_ptr() as *const c_void,
            src.len(),
            threshold,
        )
    };
}

/// [`memcpy_fast`], returning [`Error::LengthMismatch`] (nothing copied)
/// instead of panicking.
pub fn try_memcpy_fast(dst: &mut [u8], src: &[u8]) -> Result<(), Error> {
    same_len(dst, src)?;
    memcpy_fast(dst, src);
    Ok(())
}

/// [`memcpy_adaptive`], returning [`Error::LengthMismatch`] (nothing copied)
/// instead of panicking.
pub fn try_memcpy_adaptive(dst: &mut [u8], src: &[u8]) -> Result<(), Error> {
    same_len(dst, src)?;
    memcpy_adaptive(dst, src);
    Ok(())
}

/// [`memcpy_adaptive_with_threshold`], returning [`Error::LengthMismatch`]
/// (nothing copied) instead of panicking.
pub fn try_memcpy_adaptive_with_threshold(dst: &mut [u8], src: &[u8], threshold: usize) -> Result<(), Error> {
    same_len(dst, src)?;
    memcpy_adaptive_with_threshold(dst, src, threshold);
    Ok(())
}

/// Copies `n` bytes from `src` into `dst` with `vmmem_copy_checked`: the
/// library checks `n` against both lengths. Errors (nothing written):
/// `ErrorCode::OutOfRange` when `n` exceeds either slice.
pub fn copy_checked(dst: &mut [u8], src: &[u8], n: usize) -> Result<(), Error> {
    // SAFETY: the pointers and sizes describe the two slices; the library
    // touches at most n bytes of each, and only after checking n.
    check(unsafe {
        sys::vmmem_copy_checked(dst.as_mut_ptr() as *mut c_void, dst.len(), src.as_ptr() as *const c_void, src.len(), n)
    })
}

/// Copies `threads`-way in parallel with `vmmem_memcpy_parallel` (for very
/// large copies: at least 1 MiB per thread; smaller ones are one adaptive
/// copy).
///
/// # Panics
/// When the slices differ in length, with the message of `copy_from_slice`.
#[track_caller]
pub fn memcpy_parallel(dst: &mut [u8], src: &[u8], threads: u32) {
    if dst.len() != src.len() {
        len_mismatch_fail(dst.len(), src.len());
    }
    // SAFETY: as in memcpy_fast.
    unsafe {
        sys::vmmem_memcpy_parallel(dst.as_mut_ptr() as *mut c_void, src.as_ptr() as *const c_void, src.len(), threads)
    };
}

/// The start and end of `range` within a slice of `len` bytes.
fn resolve<R: RangeBounds<usize>>(range: &R, len: usize) -> Result<(usize, usize), Error> {
    let start = match range.start_bound() {
        Bound::Included(&s) => Some(s),
        Bound::Excluded(&s) => s.checked_add(1),
        Bound::Unbounded => Some(0),
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => e.checked_add(1),
        Bound::Excluded(&e) => Some(e),
        Bound::Unbounded => Some(len),
    };
    match (start, end) {
        (Some(s), Some(e)) if s <= e && e <= len => Ok((s, e)),
        (s, e) => Err(Error::OutOfBounds { start: s.unwrap_or(usize::MAX), end: e.unwrap_or(usize::MAX), len }),
    }
}

/// Copies `buf[src]` to `buf[dest..]` within one slice (the ranges may
/// overlap), on the engine: `<[u8]>::copy_within` with `vmmem_memmove`.
///
/// # Panics
/// When `src` is not inside `buf`, or `dest + src.len()` is past its end.
#[track_caller]
pub fn memmove<R: RangeBounds<usize>>(buf: &mut [u8], src: R, dest: usize) {
    if let Err(e) = try_memmove(buf, src, dest) {
        panic!("{}", e);
    }
}

/// [`memmove`], returning [`Error::OutOfBounds`] (nothing copied) instead of
/// panicking.
pub fn try_memmove<R: RangeBounds<usize>>(buf: &mut [u8], src: R, dest: usize) -> Result<(), Error> {
    let len = buf.len();
    let (start, end) = resolve(&src, len)?;
    let count = end - start;
    match dest.checked_add(count) {
        Some(dest_end) if dest_end <= len => {}
        _ => return Err(Error::OutOfBounds { start: dest, end: dest.saturating_add(count), len }),
    }
    let base = buf.as_mut_ptr();
    // SAFETY: [start, end) and [dest, dest + count) lie inside buf; the
    // library's memmove handles their overlap.
    unsafe { sys::vmmem_memmove(base.add(dest) as *mut c_void, base.add(start) as *const c_void, count) };
    Ok(())
}
