// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Every function vmmem-sys declares is in the library it links (taking
//! an address makes the linker resolve it), and a few calls through the raw
//! declarations agree with the generated constants.

use std::ffi::CStr;

use vmmem_sys::*;

#[test]
fn every_declared_function_links() {
    let core: &[usize] = &[
        vmmem_strerror as *const () as usize,
        vmmem_error_to_errno as *const () as usize,
        vmmem_memcpy_fast as *const () as usize,
        vmmem_memcpy_adaptive as *const () as usize,
        vmmem_memcpy_adaptive_with_threshold as *const () as usize,
        vmmem_memmove as *const () as usize,
        vmmem_memcpy_parallel as *const () as usize,
        vmmem_parallel_cpu_count as *const () as usize,
        vmmem_parallel_pool_size as *const () as usize,
        vmmem_parallel_shutdown as *const () as usize,
        vmmem_copy_checked as *const () as usize,
        vmmem_isa_name as *const () as usize,
        vmmem_isa_from_name as *const () as usize,
        vmmem_isa_supported as *const () as usize,
        vmmem_best_isa as *const () as usize,
        vmmem_active_isa as *const () as usize,
        vmmem_force_isa as *const () as usize,
        vmmem_get_kernel as *const () as usize,
        vmmem_get_cpu_info as *const () as usize,
        vmmem_get_thresholds as *const () as usize,
    ];
    assert!(core.iter().all(|&f| f != 0));
    #[cfg(feature = "guest-memory")]
    {
        let guest: &[usize] = &[
            vmmem_guest_last_partial as *const () as usize,
            vmmem_guest_memory_create as *const () as usize,
            vmmem_guest_memory_destroy as *const () as usize,
            vmmem_guest_add_ram as *const () as usize,
            vmmem_guest_add_host_ram as *const () as usize,
            vmmem_guest_add_rom as *const () as usize,
            vmmem_guest_add_mmio as *const () as usize,
            vmmem_guest_remove_region as *const () as usize,
            vmmem_guest_region_at as *const () as usize,
            vmmem_guest_enter as *const () as usize,
            vmmem_guest_exit as *const () as usize,
            vmmem_guest_translate as *const () as usize,
            vmmem_guest_read as *const () as usize,
            vmmem_guest_write as *const () as usize,
            vmmem_guest_copy_block as *const () as usize,
            vmmem_guest_read_u8 as *const () as usize,
            vmmem_guest_read_le16 as *const () as usize,
            vmmem_guest_read_le32 as *const () as usize,
            vmmem_guest_read_le64 as *const () as usize,
            vmmem_guest_read_be16 as *const () as usize,
            vmmem_guest_read_be32 as *const () as usize,
            vmmem_guest_read_be64 as *const () as usize,
            vmmem_guest_write_u8 as *const () as usize,
            vmmem_guest_write_le16 as *const () as usize,
            vmmem_guest_write_le32 as *const () as usize,
            vmmem_guest_write_le64 as *const () as usize,
            vmmem_guest_write_be16 as *const () as usize,
            vmmem_guest_write_be32 as *const () as usize,
            vmmem_guest_write_be64 as *const () as usize,
            vmmem_guest_read_array as *const () as usize,
            vmmem_guest_write_array as *const () as usize,
            vmmem_guest_dirty_enable as *const () as usize,
            vmmem_guest_mark_dirty as *const () as usize,
            vmmem_guest_dirty_fetch_and_clear as *const () as usize,
        ];
        assert!(guest.iter().all(|&f| f != 0));
    }
}

#[test]
fn raw_calls_agree_with_the_constants() {
    unsafe {
        assert_eq!(vmmem_isa_supported(VMMEM_ISA_GENERIC), 1);
        let name = CStr::from_ptr(vmmem_isa_name(VMMEM_ISA_GENERIC));
        assert_eq!(name.to_str(), Ok("generic"));
        assert!(vmmem_isa_name(VMMEM_ISA_COUNT).is_null());
        let mut isa = -1;
        assert_eq!(vmmem_isa_from_name(b"generic\0".as_ptr() as *const _, &mut isa), VMMEM_OK);
        assert_eq!(isa, VMMEM_ISA_GENERIC);
        assert_eq!(vmmem_isa_from_name(b"bogus\0".as_ptr() as *const _, &mut isa), VMMEM_EINVAL);
        assert_eq!(vmmem_force_isa(VMMEM_ISA_COUNT), VMMEM_EINVAL);
        let mut info: vmmem_kernel_info = std::mem::zeroed();
        assert_eq!(vmmem_get_kernel(VMMEM_ISA_GENERIC, &mut info), VMMEM_OK);
        assert_eq!(info.isa, VMMEM_ISA_GENERIC);
        let mut buf = [0u8; 3];
        let memmove = info.memmove.expect("every kernel has memmove");
        memmove(buf.as_mut_ptr() as *mut _, b"abc".as_ptr() as *const _, 3);
        assert_eq!(&buf, b"abc");
        for &(name, value) in VMMEM_ERROR_CODES {
            assert!(name.starts_with("VMMEM_"));
            assert!(!vmmem_strerror(value).is_null());
        }
    }
}
