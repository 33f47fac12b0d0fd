// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! VMMEM_EPARTIAL through the raw declarations: a read and a write that run
//! from RAM into an MMIO device whose callback fails part-way, and the
//! thread's report (vmmem_guest_last_partial) of how many bytes moved.

#![cfg(feature = "guest-memory")]

use std::os::raw::{c_int, c_uint, c_void};
use std::ptr;

use vmmem_sys::*;

const RAM_BYTES: u64 = 4096;
/// The device's registers: accesses below this offset work, the rest fail.
const DEVICE_WORKING_BYTES: u64 = 8;

fn device_byte(offset: u64) -> u8 {
    (offset as u8) ^ 0x5a
}

unsafe extern "C" fn device_read(_: *mut c_void, offset: u64, data: *mut c_void, size: c_uint) -> c_int {
    if offset + u64::from(size) > DEVICE_WORKING_BYTES {
        return VMMEM_EBUSY;
    }
    for i in 0..u64::from(size) {
        *(data as *mut u8).add(i as usize) = device_byte(offset + i);
    }
    VMMEM_OK
}

unsafe extern "C" fn device_write(_: *mut c_void, offset: u64, _: *const c_void, size: c_uint) -> c_int {
    if offset + u64::from(size) > DEVICE_WORKING_BYTES {
        return VMMEM_EBUSY;
    }
    VMMEM_OK
}

#[test]
fn partial_access_reports_the_bytes_moved() {
    let fresh = std::thread::spawn(|| {
        let mut report = vmmem_partial::default();
        // SAFETY: a valid out pointer.
        unsafe { vmmem_guest_last_partial(&mut report) }
    });
    assert_eq!(fresh.join().unwrap(), VMMEM_ENOENT, "a new thread has no report");

    // SAFETY: gm is created here, used by this thread only and destroyed at
    // the end; the callbacks never unwind and use no opaque state.
    unsafe {
        let mut gm = ptr::null_mut();
        assert_eq!(vmmem_guest_memory_create(&mut gm), VMMEM_OK);
        assert_eq!(vmmem_guest_add_ram(gm, 0, RAM_BYTES, ptr::null()), VMMEM_OK);
        let ops = vmmem_mmio_ops {
            read: Some(device_read),
            write: Some(device_write),
            min_access: 1,
            max_access: 8,
            opaque: ptr::null_mut(),
        };
        assert_eq!(vmmem_guest_add_mmio(gm, RAM_BYTES, 4096, &ops), VMMEM_OK);
        let ram: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(7)).collect();
        assert_eq!(vmmem_guest_write(gm, RAM_BYTES - 100, ram.as_ptr() as *const c_void, ram.len()), VMMEM_OK);

        // 100 bytes of RAM, 8 from the device, then its callback fails.
        let mut buf = [0xEEu8; 200];
        let rc = vmmem_guest_read(gm, RAM_BYTES - 100, buf.as_mut_ptr() as *mut c_void, buf.len());
        assert_eq!(rc, VMMEM_EPARTIAL);
        let mut report = vmmem_partial::default();
        assert_eq!(vmmem_guest_last_partial(&mut report), VMMEM_OK);
        assert_eq!((report.expected, report.completed, report.cause), (200, 108, VMMEM_EBUSY));
        assert_eq!(&buf[..100], &ram[..]);
        assert!((0..8).all(|i| buf[100 + i] == device_byte(i as u64)), "the device's bytes: {:?}", &buf[100..108]);

        let data = [7u8; 70];
        let rc = vmmem_guest_write(gm, RAM_BYTES - 50, data.as_ptr() as *const c_void, data.len());
        assert_eq!(rc, VMMEM_EPARTIAL);
        assert_eq!(vmmem_guest_last_partial(&mut report), VMMEM_OK);
        assert_eq!((report.expected, report.completed, report.cause), (70, 58, VMMEM_EBUSY));
        let mut back = [0u8; 50];
        assert_eq!(vmmem_guest_read(gm, RAM_BYTES - 50, back.as_mut_ptr() as *mut c_void, back.len()), VMMEM_OK);
        assert_eq!(back, [7u8; 50]);
        vmmem_guest_memory_destroy(gm);
    }
}
