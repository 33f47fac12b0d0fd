// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! vm_mem::cpu: names, support, forcing each ISA (the only test here that
//! forces one), the CPU description.

use vm_mem::cpu::{self, CacheSource, Feature, Isa};
use vm_mem::simd_memcpy::memcpy_fast;
use vm_mem::{Error, ErrorCode};

#[test]
fn names_round_trip() {
    for isa in Isa::ALL {
        assert!(!isa.name().is_empty());
        assert_eq!(isa.name().parse::<Isa>(), Ok(isa));
        assert_eq!(Isa::from_raw(isa.raw()), Some(isa));
        assert_eq!(isa.to_string(), isa.name());
    }
    assert_eq!("no-such-isa".parse::<Isa>(), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    assert_eq!("avx2\0".parse::<Isa>(), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    assert_eq!(Isa::from_raw(vm_mem::sys::VMMEM_ISA_COUNT), None);
}

#[test]
fn force_each_supported_isa_and_refuse_the_others() {
    let supported = cpu::supported_isas();
    assert!(supported.contains(&cpu::best_isa()));
    assert!(supported.contains(&cpu::active_isa()));
    for isa in Isa::ALL {
        if isa.is_supported() {
            assert_eq!(cpu::force_isa(isa), Ok(()));
            assert_eq!(cpu::active_isa(), isa);
            let src = [0x5Au8; 1000];
            let mut dst = [0u8; 1000];
            memcpy_fast(&mut dst, &src);
            assert_eq!(dst, src, "{}", isa);
        } else {
            let before = cpu::active_isa();
            assert_eq!(cpu::force_isa(isa), Err(Error::Vmmem(ErrorCode::Unsupported)), "{}", isa);
            assert_eq!(cpu::active_isa(), before, "a refused force changed the ISA");
        }
    }
    cpu::force_isa(cpu::best_isa()).unwrap();
}

#[test]
fn cpu_info_agrees_with_support() {
    let info = cpu::cpu_info();
    assert!(!info.vendor.is_empty());
    if cfg!(target_arch = "x86_64") {
        assert!(info.has(Feature::Sse2));
        assert!(Isa::Sse2.is_supported());
        assert_eq!(Isa::Avx2.is_supported(), info.has(Feature::Avx2));
        assert_eq!(Isa::Erms.is_supported(), info.has(Feature::Erms));
        assert!(!Isa::Neon.is_supported());
    }
    if info.cache_source != CacheSource::Default {
        assert!(info.l1d_bytes > 0 && info.l2_bytes > 0);
    }
}
