// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! `vm_mem::cpu`: what the engine detected and which kernel it uses
//! (vmmem/cpu.h). The kernel is chosen at the first copy: the best ISA this
//! CPU supports, or the one the environment variable VMMEM_ISA names;
//! [`force_isa`] switches it for every thread at run time.

use std::ffi::{CStr, CString};
use std::fmt;
use std::os::raw::c_int;
use std::str::FromStr;

use vmmem_sys as sys;

use crate::error::{check, Error, ErrorCode};

/// A copy kernel's instruction set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Portable C, every architecture.
    Generic,
    /// x86_64, 128-bit vectors.
    Sse2,
    /// x86_64, 256-bit vectors.
    Avx2,
    /// x86_64, 512-bit vectors (AVX-512 F+BW+VL, BMI2).
    Avx512,
    /// x86_64, `rep movsb`.
    Erms,
    /// AArch64, 128-bit ASIMD.
    Neon,
}

impl Isa {
    /// Every ISA the C library names, supported here or not.
    pub const ALL: [Isa; 6] = [Isa::Generic, Isa::Sse2, Isa::Avx2, Isa::Avx512, Isa::Erms, Isa::Neon];

    /// The C value (`VMMEM_ISA_*`).
    pub fn raw(self) -> c_int {
        match self {
            Isa::Generic => sys::VMMEM_ISA_GENERIC,
            Isa::Sse2 => sys::VMMEM_ISA_SSE2,
            Isa::Avx2 => sys::VMMEM_ISA_AVX2,
            Isa::Avx512 => sys::VMMEM_ISA_AVX512,
            Isa::Erms => sys::VMMEM_ISA_ERMS,
            Isa::Neon => sys::VMMEM_ISA_NEON,
        }
    }

    /// The ISA of a C value, if it is one.
    pub fn from_raw(raw: c_int) -> Option<Isa> {
        Isa::ALL.iter().copied().find(|isa| isa.raw() == raw)
    }

    /// The library's name for it ("generic", "sse2", "avx2", "avx512", "erms", "neon").
    pub fn name(self) -> &'static str {
        // SAFETY: every Isa is below VMMEM_ISA_COUNT, so the library returns
        // a static string.
        let name = unsafe { sys::vmmem_isa_name(self.raw()) };
        if name.is_null() {
            return "unknown";
        }
        // SAFETY: a NUL-terminated string constant of the library.
        unsafe { CStr::from_ptr(name) }.to_str().unwrap_or("unknown")
    }

    /// Whether the kernel is compiled in and this CPU and OS can run it.
    pub fn is_supported(self) -> bool {
        // SAFETY: plain query.
        unsafe { sys::vmmem_isa_supported(self.raw()) != 0 }
    }
}

impl fmt::Display for Isa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Isa {
    type Err = Error;

    /// Parses a name as VMMEM_ISA takes it; `ErrorCode::InvalidArgument` for
    /// an unknown one.
    fn from_str(name: &str) -> Result<Isa, Error> {
        let name = CString::new(name).map_err(|_| Error::Vmmem(ErrorCode::InvalidArgument))?;
        let mut raw: c_int = -1;
        // SAFETY: a valid C string and an out pointer.
        check(unsafe { sys::vmmem_isa_from_name(name.as_ptr(), &mut raw) })?;
        Isa::from_raw(raw).ok_or(Error::Vmmem(ErrorCode::InvalidArgument))
    }
}

fn isa_of(raw: c_int) -> Isa {
    Isa::from_raw(raw).unwrap_or(Isa::Generic)
}

/// The best ISA for this CPU (what is used when nothing is forced).
pub fn best_isa() -> Isa {
    // SAFETY: plain query.
    isa_of(unsafe { sys::vmmem_best_isa() })
}

/// The ISA the copies use now.
pub fn active_isa() -> Isa {
    // SAFETY: plain query.
    isa_of(unsafe { sys::vmmem_active_isa() })
}

/// Every ISA this CPU can run, in the library's order.
pub fn supported_isas() -> Vec<Isa> {
    Isa::ALL.iter().copied().filter(|isa| isa.is_supported()).collect()
}

/// Makes every copy use `isa` from now on (every thread; copies running
/// finish on the old kernel). `ErrorCode::Unsupported` (nothing changes)
/// when this CPU cannot run it.
pub fn force_isa(isa: Isa) -> Result<(), Error> {
    // SAFETY: plain call; the library validates the value.
    check(unsafe { sys::vmmem_force_isa(isa.raw()) })
}

/// Where the cache sizes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheSource {
    /// Nothing detected: conservative defaults.
    Default,
    /// x86 CPUID.
    Cpuid,
    /// /sys/devices/system/cpu/cpu0/cache.
    Sysfs,
}

/// CPU features the engine uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// SSE2.
    Sse2,
    /// Supplemental SSE3 (pshufb).
    Ssse3,
    /// AVX2 with YMM state enabled by the OS.
    Avx2,
    /// AVX-512 F+BW+VL (and BMI2) with ZMM state enabled by the OS.
    Avx512,
    /// AVX-512 VBMI.
    Avx512Vbmi,
    /// Enhanced REP MOVSB.
    Erms,
    /// Fast Short REP MOV.
    Fsrm,
    /// AArch64 ASIMD.
    Neon,
}

impl Feature {
    fn bit(self) -> u32 {
        match self {
            Feature::Sse2 => sys::VMMEM_CPU_SSE2,
            Feature::Ssse3 => sys::VMMEM_CPU_SSSE3,
            Feature::Avx2 => sys::VMMEM_CPU_AVX2,
            Feature::Avx512 => sys::VMMEM_CPU_AVX512,
            Feature::Avx512Vbmi => sys::VMMEM_CPU_AVX512VBMI,
            Feature::Erms => sys::VMMEM_CPU_ERMS,
            Feature::Fsrm => sys::VMMEM_CPU_FSRM,
            Feature::Neon => sys::VMMEM_CPU_NEON,
        }
    }
}

/// What the engine detected about this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuInfo {
    /// "AuthenticAMD", "GenuineIntel", "arm64", ...
    pub vendor: String,
    /// x86 display family (0 elsewhere).
    pub family: u32,
    /// x86 display model (0 elsewhere).
    pub model: u32,
    /// Bits of `VMMEM_CPU_*`; see [`CpuInfo::has`].
    pub features: u32,
    /// Level-1 data cache per core, bytes.
    pub l1d_bytes: usize,
    /// Level-2 cache per core, bytes.
    pub l2_bytes: usize,
    /// Whole level-3 cache, bytes (0 if none).
    pub l3_bytes: usize,
    /// Logical CPUs sharing the L3.
    pub l3_sharing_cpus: u32,
    /// One core's share of the L3, bytes.
    pub l3_share_bytes: usize,
    /// Where the sizes came from.
    pub cache_source: CacheSource,
}

impl CpuInfo {
    /// Whether the engine detected `feature`.
    pub fn has(&self, feature: Feature) -> bool {
        self.features & feature.bit() != 0
    }
}

/// What the engine detected.
pub fn cpu_info() -> CpuInfo {
    // SAFETY: vmmem_cpu_info is plain data; the library fills it.
    let mut raw: sys::vmmem_cpu_info = unsafe { std::mem::zeroed() };
    // SAFETY: a valid out pointer.
    let rc = unsafe { sys::vmmem_get_cpu_info(&mut raw) };
    debug_assert_eq!(rc, sys::VMMEM_OK);
    let vendor: Vec<u8> = raw.vendor.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    CpuInfo {
        vendor: String::from_utf8_lossy(&vendor).into_owned(),
        family: raw.family,
        model: raw.model,
        features: raw.features,
        l1d_bytes: raw.l1d_bytes,
        l2_bytes: raw.l2_bytes,
        l3_bytes: raw.l3_bytes,
        l3_sharing_cpus: raw.l3_sharing_cpus,
        l3_share_bytes: raw.l3_share_bytes,
        cache_source: match raw.cache_source {
            s if s == sys::VMMEM_CACHE_CPUID => CacheSource::Cpuid,
            s if s == sys::VMMEM_CACHE_SYSFS => CacheSource::Sysfs,
            _ => CacheSource::Default,
        },
    }
}

/// The size thresholds `memcpy_adaptive` uses, in bytes; `usize::MAX`
/// turns a band off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// Below: the portable scalar kernel (`memcpy_adaptive` only; 0: never).
    pub simd: usize,
    /// From here up: `rep movsb` for forward copies.
    pub erms: usize,
    /// From here up: non-temporal stores when the buffers do not overlap.
    pub nt: usize,
}

/// The thresholds in force.
pub fn thresholds() -> Thresholds {
    let mut raw = sys::vmmem_thresholds::default();
    // SAFETY: a valid out pointer.
    let rc = unsafe { sys::vmmem_get_thresholds(&mut raw) };
    debug_assert_eq!(rc, sys::VMMEM_OK);
    Thresholds { simd: raw.simd, erms: raw.erms, nt: raw.nt }
}
