// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! vm_mem::GuestMemory: read, write and copy_block across regions, the
//! typed accessors' byte order, every refusal leaving memory untouched,
//! dirty tracking, file-backed RAM and use from several threads.

#![cfg(feature = "guest-memory")]

use std::fs::OpenOptions;
use std::io::Read;
use std::os::unix::io::AsFd;
use std::sync::Arc;

use vm_mem::sys;
use vm_mem::{Error, ErrorCode, GuestMemory, RamOptions, RegionInfo, RegionKind, DIRTY_PAGE_SIZE};

const KIB: u64 = 1024;

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed)).collect()
}

fn code(err: Error) -> i32 {
    err.code().expect("a library error").raw()
}

/// RAM [0, 64K) and [64K, 128K) (adjacent), ROM [1M, 1M + 8K).
fn layout() -> GuestMemory {
    let mem = GuestMemory::new().unwrap();
    mem.add_ram(0, 64 * KIB).unwrap();
    mem.add_ram(64 * KIB, 64 * KIB).unwrap();
    mem.add_rom(1 << 20, 8 * KIB, b"firmware").unwrap();
    mem
}

#[test]
fn read_write_copy_across_regions() {
    let mem = layout();
    let data = pattern(10000, 1);
    let at = 64 * KIB - 5000; // straddles the two RAM regions
    mem.write(at, &data).unwrap();
    let mut back = vec![0u8; data.len()];
    mem.read(at, &mut back).unwrap();
    assert_eq!(back, data);

    mem.copy_block(100, at, data.len() as u64).unwrap();
    mem.read(100, &mut back).unwrap();
    assert_eq!(back, data);

    // Overlapping copies, forward and backward, as memmove.
    let mut model = vec![0u8; 128 * KIB as usize];
    mem.read(0, &mut model).unwrap();
    for (dst, src, len) in [(40_000u64, 39_000u64, 30_000u64), (20_000, 21_000, 50_000), (7, 7, 100)] {
        mem.copy_block(dst, src, len).unwrap();
        model.copy_within(src as usize..(src + len) as usize, dst as usize);
    }
    let mut now = vec![0u8; model.len()];
    mem.read(0, &mut now).unwrap();
    assert!(now == model);

    let mut rom = [0u8; 10];
    mem.read(1 << 20, &mut rom).unwrap();
    assert_eq!(&rom, b"firmware\0\0");
    mem.write(0, &[]).unwrap();
    mem.read(0, &mut []).unwrap();
    mem.copy_block(0, 1 << 20, 0).unwrap();
}

#[test]
fn refusals_touch_nothing() {
    let mem = layout();
    let fill = pattern(128 * KIB as usize, 9);
    mem.write(0, &fill).unwrap();

    let mut buf = vec![0xEEu8; 100];
    // Past the end of RAM (a hole follows), wrapping, reading from nothing.
    let err = mem.read(128 * KIB - 50, &mut buf).unwrap_err();
    assert_eq!(err, Error::Vmmem(ErrorCode::Fault));
    assert_eq!(code(err), sys::VMMEM_EFAULT);
    assert!(buf.iter().all(|&b| b == 0xEE), "a refused read wrote to the buffer");
    assert_eq!(code(mem.read(u64::MAX - 3, &mut buf[..8]).unwrap_err()), sys::VMMEM_ERANGE);
    assert_eq!(code(mem.read(1 << 40, &mut buf).unwrap_err()), sys::VMMEM_EFAULT);

    // Writes that run off RAM or into ROM write nothing at all.
    assert_eq!(code(mem.write(128 * KIB - 50, &[1u8; 100]).unwrap_err()), sys::VMMEM_EFAULT);
    assert_eq!(code(mem.write(u64::MAX - 3, &[1u8; 8]).unwrap_err()), sys::VMMEM_ERANGE);
    assert_eq!(code(mem.write(1 << 20, b"patched").unwrap_err()), sys::VMMEM_EPERM);
    assert_eq!(code(mem.write_le32(1 << 20, 7).unwrap_err()), sys::VMMEM_EPERM);
    assert_eq!(code(mem.copy_block(1 << 20, 0, 16).unwrap_err()), sys::VMMEM_EPERM);
    assert_eq!(code(mem.copy_block(128 * KIB - 8, 0, 16).unwrap_err()), sys::VMMEM_EFAULT);
    assert_eq!(code(mem.copy_block(0, 128 * KIB - 8, 16).unwrap_err()), sys::VMMEM_EFAULT);
    let mut now = vec![0u8; fill.len()];
    mem.read(0, &mut now).unwrap();
    assert!(now == fill, "a refused write changed RAM");
    let mut rom = [0u8; 8];
    mem.read(1 << 20, &mut rom).unwrap();
    assert_eq!(&rom, b"firmware");

    // Map changes.
    assert_eq!(mem.add_ram(32 * KIB, 64 * KIB), Err(Error::Vmmem(ErrorCode::Exists)));
    assert_eq!(mem.add_ram(1 << 30, 1000), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    assert_eq!(mem.add_ram(1 << 30, 0), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    assert_eq!(mem.add_ram(u64::MAX & !0xFFF, 64 * KIB), Err(Error::Vmmem(ErrorCode::OutOfRange)));
    assert_eq!(mem.remove_region(12345 * 4096), Err(Error::Vmmem(ErrorCode::NotFound)));
    assert_eq!(mem.region_at(1 << 40), Err(Error::Vmmem(ErrorCode::Fault)));
    assert_eq!(mem.set_dirty_tracking(1 << 20, true), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    assert_eq!(mem.take_dirty_bitmap(0), Err(Error::Vmmem(ErrorCode::InvalidArgument)), "tracking is off");
}

#[test]
fn regions_are_described_and_removed() {
    let mem = layout();
    assert_eq!(mem.region_at(70 * KIB), Ok(RegionInfo { kind: RegionKind::Ram, base: 64 * KIB, size: 64 * KIB }));
    assert_eq!(mem.region_at((1 << 20) + 5), Ok(RegionInfo { kind: RegionKind::Rom, base: 1 << 20, size: 8 * KIB }));
    mem.remove_region(64 * KIB).unwrap();
    assert_eq!(mem.region_at(70 * KIB), Err(Error::Vmmem(ErrorCode::Fault)));
    assert_eq!(code(mem.read(64 * KIB - 4, &mut [0u8; 8]).unwrap_err()), sys::VMMEM_EFAULT);
    mem.add_ram(64 * KIB, 4 * KIB).unwrap();
    assert_eq!(mem.region_at(64 * KIB).unwrap().size, 4 * KIB);
}

#[test]
fn typed_accessors_keep_their_byte_order() {
    let mem = layout();
    mem.write_le32(0x100, 0x1122_3344).unwrap();
    mem.write_be32(0x104, 0x1122_3344).unwrap();
    mem.write_le16(0x108, 0xA1B2).unwrap();
    mem.write_be16(0x10A, 0xA1B2).unwrap();
    mem.write_le64(0x110, 0x0102_0304_0506_0708).unwrap();
    mem.write_be64(0x118, 0x0102_0304_0506_0708).unwrap();
    mem.write_u8(0x120, 0x99).unwrap();
    let mut raw = [0u8; 0x21];
    mem.read(0x100, &mut raw).unwrap();
    assert_eq!(raw[0..4], [0x44, 0x33, 0x22, 0x11]);
    assert_eq!(raw[4..8], [0x11, 0x22, 0x33, 0x44]);
    assert_eq!(raw[8..12], [0xB2, 0xA1, 0xA1, 0xB2]);
    assert_eq!(raw[0x10..0x18], [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(raw[0x18..0x20], [1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(raw[0x20], 0x99);
    assert_eq!(mem.read_le32(0x100), Ok(0x1122_3344));
    assert_eq!(mem.read_be32(0x100), Ok(0x4433_2211));
    assert_eq!(mem.read_le16(0x108), Ok(0xA1B2));
    assert_eq!(mem.read_be16(0x10A), Ok(0xA1B2));
    assert_eq!(mem.read_le64(0x110), Ok(0x0102_0304_0506_0708));
    assert_eq!(mem.read_be64(0x118), Ok(0x0102_0304_0506_0708));
    assert_eq!(mem.read_u8(0x120), Ok(0x99));
    // Unaligned and across the two RAM regions.
    mem.write_le64(64 * KIB - 3, 0xDEAD_BEEF_CAFE_F00D).unwrap();
    assert_eq!(mem.read_le64(64 * KIB - 3), Ok(0xDEAD_BEEF_CAFE_F00D));
    assert_eq!(mem.read_le64(128 * KIB - 4), Err(Error::Vmmem(ErrorCode::Fault)));
    assert_eq!(mem.read_be16(1 << 20), Ok(u16::from_be_bytes([b'f', b'i'])));
}

#[test]
fn dirty_tracking_marks_exactly_the_written_pages() {
    let mem = layout();
    mem.set_dirty_tracking(0, true).unwrap();
    assert!(mem.take_dirty_bitmap(0).unwrap().iter().all(|&w| w == 0), "clean after switching on");
    mem.write(3 * DIRTY_PAGE_SIZE + 10, &[1, 2, 3]).unwrap();
    mem.copy_block(7 * DIRTY_PAGE_SIZE, 3 * DIRTY_PAGE_SIZE, 8).unwrap();
    mem.write_le16(9 * DIRTY_PAGE_SIZE - 1, 0xFFFF).unwrap(); // pages 8 and 9
    let mut buf = [0u8; 64];
    mem.read(12 * DIRTY_PAGE_SIZE, &mut buf).unwrap(); // a read marks nothing
    mem.mark_dirty(14 * DIRTY_PAGE_SIZE, 1).unwrap();
    let bitmap = mem.take_dirty_bitmap(0).unwrap();
    assert_eq!(bitmap.len(), 1, "16 pages: one word");
    assert_eq!(bitmap[0], (1 << 3) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 14));
    assert_eq!(mem.take_dirty_bitmap(0).unwrap(), vec![0], "fetch clears");
    mem.set_dirty_tracking(0, false).unwrap();
    assert_eq!(mem.take_dirty_bitmap(0), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
}

#[test]
fn file_backed_ram_is_the_file() {
    let path = std::env::temp_dir().join(format!("vm-mem-test-{}.img", std::process::id()));
    let file = OpenOptions::new().read(true).write(true).create(true).truncate(true).open(&path).unwrap();
    file.set_len(64 * KIB).unwrap();
    let mem = GuestMemory::new().unwrap();
    let options = RamOptions { fd: Some(file.as_fd()), fd_offset: 0, shared: true, huge_pages: false };
    mem.add_ram_with(0x10_0000, 64 * KIB, &options).unwrap();
    let too_long = RamOptions { fd: Some(file.as_fd()), fd_offset: 4096, shared: true, huge_pages: false };
    assert_eq!(mem.add_ram_with(0x20_0000, 64 * KIB, &too_long), Err(Error::Vmmem(ErrorCode::InvalidArgument)));
    mem.write(0x10_0000 + 4096, b"written by the guest").unwrap();
    drop(mem);
    let mut contents = Vec::new();
    std::fs::File::open(&path).unwrap().read_to_end(&mut contents).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(&contents[4096..4096 + 20], b"written by the guest");
}

#[test]
fn shared_between_threads() {
    let mem = Arc::new(layout());
    let workers: Vec<_> = (0..4u64)
        .map(|t| {
            let mem = Arc::clone(&mem);
            std::thread::spawn(move || {
                let base = t * 8 * KIB;
                for i in 0..2000u64 {
                    mem.write_le64(base, i * 4 + t).unwrap();
                    assert_eq!(mem.read_le64(base), Ok(i * 4 + t));
                    mem.copy_block(base + 8, base, 8).unwrap();
                }
                assert_eq!(mem.read_le64(base + 8), Ok(1999 * 4 + t));
            })
        })
        .collect();
    // The map changes while they run.
    for _ in 0..50 {
        mem.add_ram(1 << 30, 64 * KIB).unwrap();
        mem.write(1 << 30, &[1u8; 16]).unwrap();
        mem.remove_region(1 << 30).unwrap();
    }
    for w in workers {
        w.join().unwrap();
    }
}
