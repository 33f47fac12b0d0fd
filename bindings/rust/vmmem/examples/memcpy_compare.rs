// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! memcpy_compare: vm_mem::simd_memcpy::memcpy_fast against
//! <[u8]>::copy_from_slice (the C library's memcpy) in one run.
//!
//! Both are reached the same way: a plain Rust function taking two slices,
//! called through a function pointer in the same timing loop. Each size is
//! timed in interleaved rounds (order shuffled every round) of equal
//! batches: memcpy_fast, copy_from_slice, and memcpy_fast again as the A/A
//! control. Reported: medians of ns per copy and the median of per-round
//! ratios copy_from_slice / memcpy_fast (above 1: memcpy_fast is faster).
//!
//! cargo run --release --example memcpy_compare [-- --quick] [--rounds N]

use std::time::Instant;

use vm_mem::cpu;
use vm_mem::simd_memcpy::memcpy_fast;

type CopyFn = fn(&mut [u8], &[u8]);

#[inline(never)]
fn vmmem_fast(dst: &mut [u8], src: &[u8]) {
    memcpy_fast(dst, src);
}

#[inline(never)]
fn std_copy_from_slice(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
}

const CANDIDATES: [CopyFn; 3] = [vmmem_fast, std_copy_from_slice, vmmem_fast];

/// ns for `calls` copies with candidate `which`; the pointer is read
/// volatile so the call stays an opaque call.
fn batch(which: usize, calls: usize, dst: &mut [u8], src: &[u8]) -> f64 {
    let f: CopyFn = unsafe { std::ptr::read_volatile(&CANDIDATES[which]) };
    let start = Instant::now();
    for _ in 0..calls {
        f(dst, src);
    }
    start.elapsed().as_nanos() as f64
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// splitmix64, for a repeatable shuffle.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn main() {
    let mut rounds = 21usize;
    let mut batch_ns = 2e6;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {
                rounds = 3;
                batch_ns = 2e5;
            }
            "--rounds" => rounds = args.next().and_then(|v| v.parse().ok()).filter(|&r| r > 0).unwrap_or(rounds),
            _ => {
                eprintln!("usage: memcpy_compare [--quick] [--rounds N]");
                std::process::exit(2);
            }
        }
    }
    let sizes: [usize; 11] = [16, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];
    let max = *sizes.iter().max().unwrap();
    let src: Vec<u8> = (0..max).map(|i| (i % 251) as u8).collect();
    let mut dst = vec![0u8; max];
    println!(
        "memcpy_compare: memcpy_fast (libvmmem, ISA {}, {}) vs copy_from_slice; {} build, {} rounds of {:.1} ms",
        cpu::active_isa(),
        vm_mem::LINKED_FROM,
        if cfg!(debug_assertions) { "debug (use --release to measure)" } else { "release" },
        rounds,
        batch_ns / 1e6
    );
    println!("{:>9} {:>16} {:>16} {:>9} {:>7}", "size", "memcpy_fast ns", "copy_from_slice", "speedup", "A/A");
    let mut rng = 0x5EED_u64;
    for &size in &sizes {
        let (d, s) = (&mut dst[..size], &src[..size]);
        let mut calls = 1usize;
        loop {
            let t = batch(0, calls, d, s);
            if t >= batch_ns / 8.0 || calls >= 1 << 28 {
                calls = ((calls as f64 * batch_ns / t.max(1.0)) as usize).max(1);
                break;
            }
            calls *= 2;
        }
        for which in 0..CANDIDATES.len() {
            batch(which, calls, d, s); // warm-up
        }
        let mut ns = vec![[0f64; 3]; rounds];
        for row in ns.iter_mut() {
            let mut order = [0usize, 1, 2];
            for i in (1..order.len()).rev() {
                order.swap(i, (next(&mut rng) % (i as u64 + 1)) as usize);
            }
            for &which in &order {
                row[which] = batch(which, calls, d, s) / calls as f64;
            }
        }
        assert_eq!(d, s, "a candidate copied wrongly");
        let col = |f: &dyn Fn(&[f64; 3]) -> f64| median(&mut ns.iter().map(f).collect::<Vec<_>>());
        let fast = col(&|r| r[0]);
        let std_ns = col(&|r| r[1]);
        let speedup = col(&|r| r[1] / r[0]);
        let aa = col(&|r| r[2] / r[0]);
        println!("{:>9} {:>16.1} {:>16.1} {:>9.3} {:>7.3}", size, fast, std_ns, speedup, aa);
    }
    println!("speedup = copy_from_slice / memcpy_fast, median of per-round ratios; A/A = memcpy_fast again / memcpy_fast");
}
