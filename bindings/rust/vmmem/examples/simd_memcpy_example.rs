// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! simd_memcpy_example: the original report's example, on libvmmem.
//! `cargo run --example simd_memcpy_example`; `cargo test --example
//! simd_memcpy_example` runs its three tests (so does `cargo test`).

use std::time::Instant;

use vm_mem::cpu;
use vm_mem::simd_memcpy::{memcpy_adaptive, memcpy_adaptive_with_threshold, memcpy_fast};

fn main() {
    println!("vm_mem::simd_memcpy on libvmmem ({})", vm_mem::LINKED_FROM);
    let isas: Vec<&str> = cpu::supported_isas().iter().map(|isa| isa.name()).collect();
    println!("active ISA {} (best {}; this CPU runs: {})", cpu::active_isa(), cpu::best_isa(), isas.join(", "));

    // 1. memcpy_fast: the general-purpose copy.
    let src: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    let mut dst = vec![0u8; src.len()];
    memcpy_fast(&mut dst, &src);
    assert_eq!(dst, src);
    println!("1. memcpy_fast: copied {} bytes", dst.len());

    // 2. memcpy_adaptive: the strategy chosen by size (non-temporal stores
    //    for copies larger than the cache).
    let big: Vec<u8> = (0..(8u32 << 20)).map(|i| (i % 253) as u8).collect();
    let mut big_dst = vec![0u8; big.len()];
    memcpy_adaptive(&mut big_dst, &big);
    assert_eq!(big_dst, big);
    let t = cpu::thresholds();
    println!(
        "2. memcpy_adaptive: copied {} MiB (thresholds: simd {} B, erms {} B, nt {})",
        big.len() >> 20,
        t.simd,
        t.erms,
        if t.nt == usize::MAX { "never".to_string() } else { format!("{} B", t.nt) }
    );

    // 3. memcpy_adaptive_with_threshold: the caller's SIMD threshold.
    let small = [42u8; 256];
    let mut small_dst = [0u8; 256];
    memcpy_adaptive_with_threshold(&mut small_dst, &small, 1024);
    assert_eq!(small_dst, small);
    println!("3. memcpy_adaptive_with_threshold: 256 bytes below a 1024-byte threshold (the portable scalar kernel)");

    // One quick look at the speed (for a measurement, run the memcpy_compare
    // example with --release).
    let reps = 2000;
    let start = Instant::now();
    for _ in 0..reps {
        memcpy_fast(&mut dst, &src);
    }
    let fast = start.elapsed();
    let start = Instant::now();
    for _ in 0..reps {
        dst.copy_from_slice(&src);
    }
    let std_copy = start.elapsed();
    println!(
        "4 KiB x {}: memcpy_fast {:.1} ns/copy, copy_from_slice {:.1} ns/copy (one pass, not a benchmark)",
        reps,
        fast.as_nanos() as f64 / reps as f64,
        std_copy.as_nanos() as f64 / reps as f64
    );
}

#[cfg(test)]
mod tests {
    use vm_mem::simd_memcpy::{memcpy_adaptive, memcpy_adaptive_with_threshold, memcpy_fast};

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
    }

    #[test]
    fn test_memcpy_fast() {
        for len in [0, 1, 7, 16, 33, 64, 255, 1024, 4096, 65536, 1 << 20] {
            let src = pattern(len, 1);
            let mut dst = vec![0u8; len];
            memcpy_fast(&mut dst, &src);
            assert_eq!(dst, src, "len {}", len);
        }
    }

    #[test]
    fn test_memcpy_adaptive() {
        for len in [0, 1, 15, 17, 512, 4096, 65536, 4 << 20, 16 << 20] {
            let src = pattern(len, 2);
            let mut dst = vec![0u8; len];
            memcpy_adaptive(&mut dst, &src);
            assert_eq!(dst, src, "len {}", len);
        }
    }

    #[test]
    fn test_memcpy_with_threshold() {
        for threshold in [0, 16, 17, 1024, 1 << 20, usize::MAX] {
            for len in [0, 8, 16, 17, 100, 1023, 1024, 1025, 65536] {
                let src = pattern(len, 3);
                let mut dst = vec![0u8; len];
                memcpy_adaptive_with_threshold(&mut dst, &src, threshold);
                assert_eq!(dst, src, "len {}, threshold {}", len, threshold);
            }
        }
    }
}
