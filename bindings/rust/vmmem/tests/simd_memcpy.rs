// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! vm_mem::simd_memcpy: every size class and offset on every ISA this CPU
//! runs, bytes around the destination untouched, the length-mismatch panic
//! and errors, memmove within a slice (overlap both ways), the checked copy.

use std::panic;

use vm_mem::cpu::{self, Isa};
use vm_mem::simd_memcpy::*;
use vm_mem::{Error, ErrorCode};

const GUARD: usize = 64;
const CANARY: u8 = 0xCC;

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32).map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed) >> 13) as u8).collect()
}

fn sizes() -> Vec<usize> {
    let mut v: Vec<usize> = (0..=300).collect();
    for base in [512usize, 1024, 2048, 4096, 8192, 16384, 65536, 1 << 20] {
        v.extend([base - 1, base, base + 1]);
    }
    v.push((1 << 20) + 3);
    v
}

/// Copies src[src_off..][..len] into the middle of a canary-filled buffer at
/// dst_off with `copy` and checks the copy and the canaries.
fn check_copy(copy: &dyn Fn(&mut [u8], &[u8]), len: usize, src_off: usize, dst_off: usize, what: &str) {
    let src = pattern(len + src_off, len as u32);
    let mut dst = vec![CANARY; GUARD + dst_off + len + GUARD];
    copy(&mut dst[GUARD + dst_off..GUARD + dst_off + len], &src[src_off..]);
    assert!(
        dst[GUARD + dst_off..GUARD + dst_off + len] == src[src_off..],
        "{}: len {} src+{} dst+{}: wrong bytes",
        what,
        len,
        src_off,
        dst_off
    );
    assert!(dst[..GUARD + dst_off].iter().all(|&b| b == CANARY), "{}: len {}: wrote before dst", what, len);
    assert!(dst[GUARD + dst_off + len..].iter().all(|&b| b == CANARY), "{}: len {}: wrote past dst", what, len);
}

// The only test in this binary that forces an ISA: the others copy on
// whichever is active, which is correct on every one.
#[test]
fn every_size_and_offset_on_every_isa() {
    let offsets_small = [(0, 0), (1, 0), (0, 1), (3, 7), (15, 1), (63, 33)];
    let offsets_large = [(0, 0), (1, 3)];
    let supported = cpu::supported_isas();
    assert!(supported.contains(&Isa::Generic));
    for &isa in &supported {
        cpu::force_isa(isa).unwrap();
        let calls: [(&str, &dyn Fn(&mut [u8], &[u8])); 4] = [
            ("memcpy_fast", &|d, s| memcpy_fast(d, s)),
            ("memcpy_adaptive", &|d, s| memcpy_adaptive(d, s)),
            ("memcpy_adaptive_with_threshold(64)", &|d, s| memcpy_adaptive_with_threshold(d, s, 64)),
            ("memmove within a slice", &|d, s| {
                // The source copied into the first half of one buffer, then
                // moved to the second half.
                let mut buf = s.to_vec();
                buf.extend(std::iter::repeat(0).take(s.len()));
                memmove(&mut buf, ..s.len(), s.len());
                d.copy_from_slice(&buf[s.len()..]);
            }),
        ];
        for len in sizes() {
            let offsets: &[(usize, usize)] = if len <= 4097 { &offsets_small } else { &offsets_large };
            for &(so, doff) in offsets {
                for (name, copy) in &calls {
                    check_copy(*copy, len, so, doff, &format!("{} on {}", name, isa));
                }
            }
        }
    }
    cpu::force_isa(cpu::best_isa()).unwrap();
}

#[test]
fn thresholds_of_every_band() {
    let t = cpu::thresholds();
    let mut lens = vec![16, 17];
    for edge in [t.simd, t.erms, t.nt] {
        if edge != usize::MAX && edge > 0 && edge <= 64 << 20 {
            lens.extend([edge - 1, edge, edge + 1]);
        }
    }
    for len in lens {
        check_copy(&|d, s| memcpy_adaptive(d, s), len, 0, 0, "memcpy_adaptive at a threshold");
        check_copy(&|d, s| memcpy_fast(d, s), len, 1, 0, "memcpy_fast at a threshold");
        for threshold in [0, 17, len, usize::MAX] {
            check_copy(&|d, s| memcpy_adaptive_with_threshold(d, s, threshold), len, 0, 5, "with threshold");
        }
    }
}

#[test]
fn parallel_copy() {
    for (len, threads) in [(0usize, 2u32), (100, 4), (3 << 20, 2), (8 << 20, 3), (8 << 20, 0)] {
        check_copy(&|d, s| memcpy_parallel(d, s, threads), len, 0, 0, "memcpy_parallel");
    }
}

fn panic_message(f: impl FnOnce() + panic::UnwindSafe) -> String {
    let payload = panic::catch_unwind(f).expect_err("no panic");
    if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else {
        String::from("?")
    }
}

#[test]
fn length_mismatch_panics_like_copy_from_slice() {
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let expected = panic_message(|| [0u8; 4].copy_from_slice(&[1u8; 3]));
    let got = [
        panic_message(|| memcpy_fast(&mut [0u8; 4], &[1u8; 3])),
        panic_message(|| memcpy_adaptive(&mut [0u8; 4], &[1u8; 3])),
        panic_message(|| memcpy_adaptive_with_threshold(&mut [0u8; 4], &[1u8; 3], 0)),
        panic_message(|| memcpy_parallel(&mut [0u8; 4], &[1u8; 3], 2)),
    ];
    panic::set_hook(hook);
    // rustc 1.63's message exactly; later std prefixes "copy_from_slice: ".
    for message in got {
        assert_eq!(message, "source slice length (3) does not match destination slice length (4)");
        assert!(expected.ends_with(&message), "std says '{}', we say '{}'", expected, message);
    }
}

#[test]
#[should_panic(expected = "source slice length (5) does not match destination slice length (2)")]
fn memcpy_fast_panics_on_mismatch() {
    memcpy_fast(&mut [0u8; 2], &[0u8; 5]);
}

#[test]
fn try_variants_refuse_a_mismatch_and_copy_nothing() {
    let src = [9u8; 10];
    let mut dst = [0u8; 11];
    let want = Err(Error::LengthMismatch { dst_len: 11, src_len: 10 });
    assert_eq!(try_memcpy_fast(&mut dst, &src), want);
    assert_eq!(try_memcpy_adaptive(&mut dst, &src), want);
    assert_eq!(try_memcpy_adaptive_with_threshold(&mut dst, &src, 4), want);
    assert_eq!(dst, [0u8; 11]);
    assert_eq!(try_memcpy_fast(&mut dst[..10], &src), Ok(()));
    assert_eq!(try_memcpy_adaptive(&mut dst[1..], &src), Ok(()));
    assert_eq!(try_memcpy_adaptive_with_threshold(&mut dst[..10], &src, usize::MAX), Ok(()));
    assert_eq!(dst, [9u8; 11]);
    assert!(want.unwrap_err().to_string().contains("does not match"));
}

#[test]
fn memmove_matches_copy_within_with_overlap_both_ways() {
    for len in [0usize, 1, 2, 7, 16, 31, 64, 100, 257, 1000, 4096, 5000, 70000] {
        let base = pattern(len + 300, 7);
        for shift in [-129i64, -64, -33, -17, -16, -9, -1, 0, 1, 8, 15, 16, 33, 64, 129] {
            let start = 150usize;
            let dest = (start as i64 + shift) as usize;
            let mut ours = base.clone();
            let mut reference = base.clone();
            memmove(&mut ours, start..start + len, dest);
            reference.copy_within(start..start + len, dest);
            assert!(ours == reference, "len {} shift {}", len, shift);
        }
    }
    let mut buf = pattern(100, 1);
    let mut reference = buf.clone();
    memmove(&mut buf, 10..=20, 0);
    reference.copy_within(10..=20, 0);
    assert_eq!(buf, reference);
    memmove(&mut buf, 90.., 0);
    reference.copy_within(90.., 0);
    assert_eq!(buf, reference);
}

#[test]
fn memmove_out_of_bounds_is_refused_and_touches_nothing() {
    let original = pattern(64, 3);
    let mut buf = original.clone();
    let cases: [(Result<(), Error>, Error); 5] = [
        (try_memmove(&mut buf, 60..70, 0), Error::OutOfBounds { start: 60, end: 70, len: 64 }),
        (try_memmove(&mut buf, 0..10, 60), Error::OutOfBounds { start: 60, end: 70, len: 64 }),
        (try_memmove(&mut buf, 65.., 0), Error::OutOfBounds { start: 65, end: 64, len: 64 }),
        (try_memmove(&mut buf, 0..=usize::MAX, 0), Error::OutOfBounds { start: 0, end: usize::MAX, len: 64 }),
        (try_memmove(&mut buf, 0..1, usize::MAX), Error::OutOfBounds { start: usize::MAX, end: usize::MAX, len: 64 }),
    ];
    for (got, want) in cases {
        assert_eq!(got, Err(want));
    }
    assert_eq!(buf, original);
    assert_eq!(try_memmove(&mut buf, 64..64, 64), Ok(()), "an empty range at the end is in bounds");
}

#[test]
#[should_panic(expected = "out of range for slice of length 8")]
fn memmove_panics_out_of_bounds() {
    memmove(&mut [0u8; 8], 4..8, 5);
}

#[test]
fn copy_checked_copies_or_refuses_whole() {
    let src = pattern(100, 5);
    let mut dst = vec![0u8; 50];
    assert_eq!(copy_checked(&mut dst, &src, 50), Ok(()));
    assert_eq!(dst[..], src[..50]);

    let mut dst = vec![0u8; 50];
    let err = copy_checked(&mut dst, &src, 51).unwrap_err();
    assert_eq!(err, Error::Vmmem(ErrorCode::OutOfRange));
    assert_eq!(err.code().unwrap().raw(), vm_mem::sys::VMMEM_ERANGE);
    assert!(dst.iter().all(|&b| b == 0), "a refused copy wrote");

    let mut big = vec![0u8; 200];
    assert_eq!(copy_checked(&mut big, &src, 101), Err(Error::Vmmem(ErrorCode::OutOfRange)));
    assert!(big.iter().all(|&b| b == 0));
    assert_eq!(copy_checked(&mut [], &[], 0), Ok(()));
    assert_eq!(copy_checked(&mut big, &src, 0), Ok(()));
}
