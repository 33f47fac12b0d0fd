// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Errors: the C library's codes by their C names, and the two errors the
//! Rust side finds itself (slices of different lengths, a range outside a
//! slice).
//!
//! The table below is the only place that ties a Rust name to a C code. The
//! values are not written here: vmmem-sys reads them from vmmem/error.h when
//! it is built, so renumbered codes need no change; a new C code shows up as
//! `ErrorCode::Other` until a line is added here.

use std::ffi::CStr;
use std::fmt;
use std::os::raw::c_int;

use vmmem_sys as sys;

macro_rules! error_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $c_name:ident,)*) => {
        /// A code returned by libvmmem (`enum vmmem_error`, VMMEM_OK excepted).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[doc = $doc])* $variant,)*
            /// A code this crate has no name for (a newer library).
            Other(i32),
        }

        impl ErrorCode {
            /// The Rust name of a C code.
            pub fn from_raw(code: c_int) -> ErrorCode {
                $(if code == sys::$c_name {
                    return ErrorCode::$variant;
                })*
                ErrorCode::Other(code)
            }

            /// The C value.
            pub fn raw(self) -> c_int {
                match self {
                    $(ErrorCode::$variant => sys::$c_name,)*
                    ErrorCode::Other(code) => code,
                }
            }

            /// The C name (`"VMMEM_EFAULT"`), if this crate knows it.
            pub fn c_name(self) -> Option<&'static str> {
                match self {
                    $(ErrorCode::$variant => Some(stringify!($c_name)),)*
                    ErrorCode::Other(_) => None,
                }
            }
        }
    };
}

error_codes! {
    /// `VMMEM_EINVAL`: a NULL pointer with a non-zero size, or an argument out of its domain.
    InvalidArgument = VMMEM_EINVAL,
    /// `VMMEM_ERANGE`: longer than a buffer, or a range that wraps the address space.
    OutOfRange = VMMEM_ERANGE,
    /// `VMMEM_EOVERLAP`: ranges overlap where the call forbids it.
    Overlap = VMMEM_EOVERLAP,
    /// `VMMEM_EUNSUPPORTED`: the ISA is not compiled in or this CPU cannot run it.
    Unsupported = VMMEM_EUNSUPPORTED,
    /// `VMMEM_EFAULT`: a guest range is not (entirely) backed by guest memory.
    Fault = VMMEM_EFAULT,
    /// `VMMEM_EPERM`: the access is not allowed there (a write to ROM).
    PermissionDenied = VMMEM_EPERM,
    /// `VMMEM_EEXIST`: a new region overlaps a mapped one.
    Exists = VMMEM_EEXIST,
    /// `VMMEM_ENOMEM`: memory or a mapping could not be allocated.
    OutOfMemory = VMMEM_ENOMEM,
    /// `VMMEM_ENOSPC`: a fixed-size buffer is full.
    NoSpace = VMMEM_ENOSPC,
    /// `VMMEM_EBUSY`: re-entrant or concurrent use the call rejects.
    Busy = VMMEM_EBUSY,
    /// `VMMEM_EIO`: a system call on a file or mapping failed.
    Io = VMMEM_EIO,
    /// `VMMEM_ENOENT`: no such object (e.g. no region starts there).
    NotFound = VMMEM_ENOENT,
    /// `VMMEM_EPARTIAL`: failed part-way (a device callback or file I/O
    /// failed after bytes had moved); never a refusal.
    Partial = VMMEM_EPARTIAL,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: vmmem_strerror accepts any int and returns a static string.
        let text = unsafe { CStr::from_ptr(sys::vmmem_strerror(self.raw())) };
        match self.c_name() {
            Some(name) => write!(f, "{} ({})", text.to_string_lossy(), name),
            None => write!(f, "{} (code {})", text.to_string_lossy(), self.raw()),
        }
    }
}

/// What a fallible call of this crate returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The destination and source slices differ in length (nothing copied).
    LengthMismatch {
        /// Length of the destination slice.
        dst_len: usize,
        /// Length of the source slice.
        src_len: usize,
    },
    /// A range does not lie inside the slice (nothing copied).
    OutOfBounds {
        /// First index of the range.
        start: usize,
        /// One past its last index.
        end: usize,
        /// Length of the slice.
        len: usize,
    },
    /// libvmmem returned this code.
    Vmmem(ErrorCode),
}

impl Error {
    /// The library's code, when the library reported the error.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Vmmem(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LengthMismatch { dst_len, src_len } => write!(
                f,
                "source slice length ({}) does not match destination slice length ({})",
                src_len, dst_len
            ),
            Error::OutOfBounds { start, end, len } => {
                write!(f, "range {}..{} out of range for slice of length {}", start, end, len)
            }
            Error::Vmmem(code) => code.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// `Ok(())` for VMMEM_OK, the code as an error otherwise.
pub(crate) fn check(rc: c_int) -> Result<(), Error> {
    if rc == sys::VMMEM_OK {
        Ok(())
    } else {
        Err(Error::Vmmem(ErrorCode::from_raw(rc)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_c_code_has_a_name_and_round_trips() {
        for &(name, value) in sys::VMMEM_ERROR_CODES {
            if value == sys::VMMEM_OK {
                continue;
            }
            let code = ErrorCode::from_raw(value);
            assert_eq!(code.c_name(), Some(name), "{} has no Rust name in the table", name);
            assert_eq!(code.raw(), value);
            assert!(!code.to_string().is_empty());
        }
    }

    #[test]
    fn unknown_codes_are_kept() {
        let unused = sys::VMMEM_ERROR_CODES.iter().map(|&(_, v)| v).min().unwrap() - 1000;
        assert_eq!(ErrorCode::from_raw(unused), ErrorCode::Other(unused));
        assert_eq!(ErrorCode::Other(unused).raw(), unused);
        assert_eq!(check(sys::VMMEM_OK), Ok(()));
        assert_eq!(check(sys::VMMEM_EFAULT), Err(Error::Vmmem(ErrorCode::Fault)));
    }
}
